"""Where faults enter the emulation. This base injects none; named scenarios subclass it.

Each hook is asked at the moment the thing would happen, with the virtual time, and
answers what goes wrong then (None/False/0 for nothing).
"""

from __future__ import annotations


class Faults:
    def function_failure(self, now: float) -> str | None:
        """A reason the clock's function fails this run (an error, a timeout, throttling)."""
        return None

    def api_failure(self, now: float, action: str) -> str | None:
        """An AWS error code for this call of the function (e.g. 'Throttling' for cloudwatch:PutMetricData)."""
        return None

    def drop_notification(self, now: float, alarm: str) -> bool:
        """The alarm's action is lost on its way to the function."""
        return False

    def duplicate_notification(self, now: float, alarm: str) -> bool:
        """The alarm's action is delivered twice (on top of the model's rare duplicates)."""
        return False

    def evaluation_delay(self, now: float, alarm: str) -> float | None:
        """Seconds this evaluation is late, or None to skip it."""
        return 0.0

    def visibility_delay(self, now: float) -> float:
        """Extra seconds before a point just published becomes visible to alarms."""
        return 0.0
