"""The exit statuses of every `alarmclock` command, in one place (docs/cli-aws.md, 'Exit status',
shows this table; a test compares the two)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    # 128 + SIGINT (2), what a shell reports for a command stopped by Ctrl-C.
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


MEANINGS = {
    ExitStatus.OK: "done; for `status` and `simulate`: the clock is healthy (ticking, or starting, paused or "
    "changing on AWS)",
    ExitStatus.FAILED: "the command ran and failed (an AWS error, a failed deploy, no tick in time), or the clock is "
    "not healthy (stalled, broken, or any simulated verdict but ticking)",
    ExitStatus.USAGE: "bad input (an option, a value, a profile or region, an endpoint), refused before any change",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C); the message says what was already done",
}
