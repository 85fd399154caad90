"""AWS::SNS::Subscription: a topic delivers to a function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import Props, Provider, register

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack


@register
class SubscriptionProvider(Provider):
    kind = "AWS::SNS::Subscription"

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        stack.services.topics.setdefault(props["TopicArn"], []).append((props["Protocol"], props["Endpoint"]))

    def remove(self, stack: Stack, logical: str, props: Props) -> None:
        subscribers = stack.services.topics.get(props.get("TopicArn", ""), [])
        if (props.get("Protocol"), props.get("Endpoint")) in subscribers:
            subscribers.remove((props["Protocol"], props["Endpoint"]))
