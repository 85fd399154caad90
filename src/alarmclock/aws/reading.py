"""Gather what `beat` and `calibrate` read about one deployed clock: its names, period and how it
publishes (from its stack), its alarms' StateUpdate history and its function's tick lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from alarmclock.aws.history import HistoryReader, Pacer, Progress
from alarmclock.aws.session import Aws, error_code
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.status import DEFAULT_PERIOD_S, find_clock
from alarmclock.beat import StateUpdate, TickLine

LOG_GROUP_LOGICAL = "TickLogGroup"  # template.build_template's log group
# The log may be missing or closed to the caller; the history alone still gives the beat.
LOG_UNREADABLE = frozenset(
    {"ResourceNotFoundException", "AccessDenied", "AccessDeniedException", "UnrecognizedClientException"}
)


@dataclass
class ClockReading:
    clock: str
    period_s: int
    publish: str
    tick_alarms: tuple[str, ...]
    watchdog: str | None
    start: float
    end: float
    changes: list[StateUpdate]
    lines: list[TickLine] | None  # None: the log could not be read
    notes: list[str] = field(default_factory=list)


def read_clock(
    aws: Aws, name: str, seconds: float, rate_per_s: float | None, progress: Progress | None = None
) -> ClockReading:
    deployed = find_clock(Stacks(aws), name, aws.region)
    names = deployed.names
    metadata = deployed.metadata
    period = metadata.period_s if metadata else DEFAULT_PERIOD_S
    end = datetime.now(UTC)
    start = end - timedelta(seconds=seconds)
    reader = HistoryReader(aws.client("cloudwatch"), aws.client("logs"), Pacer(rate_per_s), progress)
    changes = [
        change
        for alarm in names.all_alarms
        for item in reader.state_updates(alarm, start, end)
        if (change := StateUpdate.of(item)) is not None and start.timestamp() <= change.time <= end.timestamp()
    ]
    notes: list[str] = []
    lines: list[TickLine] | None
    try:
        events = reader.tick_lines(log_group(aws, name, deployed.stack.outputs.get("FunctionName")), start, end)
        lines = [line for event in events if (line := TickLine.of(event)) is not None]
    except Exception as error:
        if error_code(error) not in LOG_UNREADABLE:
            raise
        lines = None
        notes.append(f"the function's log was not read ({error_code(error)}): ticks are timed at the alarms' changes")
    return ClockReading(
        clock=name,
        period_s=period,
        publish=metadata.publishing if metadata else "api",
        tick_alarms=names.alarms,
        watchdog=names.watchdog,
        start=start.timestamp(),
        end=end.timestamp(),
        changes=changes,
        lines=lines,
        notes=notes,
    )


def log_group(aws: Aws, stack: str, function: str | None) -> str:
    """The template's own log group (its generated name), or Lambda's default for the function."""
    try:
        found = aws.client("cloudformation").describe_stack_resource(
            StackName=stack, LogicalResourceId=LOG_GROUP_LOGICAL
        )
        return str(found["StackResourceDetail"]["PhysicalResourceId"])
    except Exception as error:
        if not error_code(error):
            raise
        return f"/aws/lambda/{function or stack}"
