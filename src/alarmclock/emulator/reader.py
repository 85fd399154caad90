"""Read an emulated clock as AWS would be read: the same boto3 clients, answered by the emulator.

`alarmclock beat` and `calibrate` read a deployed clock's alarm history (DescribeAlarmHistory) and
its function's log (FilterLogEvents). Here those calls go through the bridge to the emulated
CloudWatch and log group, so the same reading code runs, unchanged, on a simulated clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alarmclock.emulator.stack import Stack

READER = "user"  # the caller: not a function of the stack, so no role is checked


@dataclass
class EmulatedReader:
    stack: Stack

    def __post_init__(self) -> None:
        # The function writes to the log group its LoggingConfig names (the template's TickLogGroup).
        self.stack.services.log_group.names.add(self.log_group)

    @property
    def log_group(self) -> str:
        function = self.stack.properties.get("TickFunction", {})
        name = function.get("LoggingConfig", {}).get("LogGroup")
        return (
            str(name)
            if name
            else f"/aws/lambda/{self.stack.resolver.ref('TickFunction') if self.stack.resolver else ''}"
        )

    def client(self, service: str) -> Any:
        return self.stack.services.bridge.client(READER, service, self.stack.region)
