"""AWS::Logs::LogGroup: the function's log group; its lines are kept by the world (World.log)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import Names, Provider, register

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack


@register
class LogGroupProvider(Provider):
    kind = "AWS::Logs::LogGroup"

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        return Names(generated, {"Arn": f"arn:aws:logs:{stack.region}:{stack.account}:log-group:{generated}:*"})
