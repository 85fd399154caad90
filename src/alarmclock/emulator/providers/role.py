"""AWS::IAM::Role: nothing runs; the function reads its inline policies (function.build_function)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import Names, Provider, register

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack


@register
class RoleProvider(Provider):
    kind = "AWS::IAM::Role"

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        return Names(generated, {"Arn": f"arn:aws:iam::{stack.account}:role/{generated}"})
