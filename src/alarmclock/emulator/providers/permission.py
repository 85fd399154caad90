"""AWS::Lambda::Permission: a statement of a function's resource policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import Props, Provider, register
from alarmclock.intrinsics import TemplateError

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack


@register
class PermissionProvider(Provider):
    kind = "AWS::Lambda::Permission"

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        target = stack.services.functions.get(props["FunctionName"])
        if target is None:
            raise TemplateError(f"{logical}: no function {props['FunctionName']}")
        target.permissions.append({"Logical": logical, **props})

    def remove(self, stack: Stack, logical: str, props: Props) -> None:
        for function in {id(f): f for f in stack.services.functions.values()}.values():
            function.permissions = [p for p in function.permissions if p.get("Logical") != logical]
