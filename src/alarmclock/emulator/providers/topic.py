"""AWS::SNS::Topic: a topic the alarms and the custom resource publish to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import Names, Props, Provider, register

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack


@register
class TopicProvider(Provider):
    kind = "AWS::SNS::Topic"

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        return Names(f"arn:aws:sns:{stack.region}:{stack.account}:{generated}", {"TopicName": generated})

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        assert stack.resolver is not None
        stack.services.topics[stack.resolver.ref(logical)] = []

    def remove(self, stack: Stack, logical: str, props: Props) -> None:
        assert stack.resolver is not None
        stack.services.topics.pop(stack.resolver.ref(logical), None)
