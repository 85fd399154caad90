"""Custom resources (Custom::*, AWS::CloudFormation::CustomResource): a request to the provider
(a function or a topic) for each change; the engine waits for the answer (Stack.send_request)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import CUSTOM_RESOURCE, Names, Props, Provider, register

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack


@register
class CustomResourceProvider(Provider):
    kind = CUSTOM_RESOURCE
    custom = True

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        # Ref is the PhysicalResourceId the provider answered with, once it has.
        return Names(stack.custom_physical.get(logical, generated))

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        stack.send_request("Create", logical, None)

    def update(self, stack: Stack, logical: str, old: Props, new: Props) -> None:
        stack.send_request("Update", logical, old)

    # Delete: the engine sends it first when the stack goes, and waits for the answer (Stack.delete).
