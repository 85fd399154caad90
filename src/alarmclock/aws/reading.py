"""Gather what `beat` and `calibrate` read about one deployed clock: its names, period and how it
publishes (from its stack), its alarms' StateUpdate history and its function's tick lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.aws.history import HistoryReader, Pacer, Progress
from alarmclock.aws.session import Aws, error_code
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.status import DEFAULT_PERIOD_S, Deployed, design_described, find_clock
from alarmclock.beat import ClockWindow, TickLine, is_tick_change, read_state_updates
from alarmclock.template import LOG_RETENTION_DAYS

LOG_GROUP_LOGICAL = "TickLogGroup"  # template.build_template's log group
# The log may be missing or closed to the caller; the history alone still gives the beat.
LOG_UNREADABLE = frozenset(
    {"ResourceNotFoundException", "AccessDenied", "AccessDeniedException", "UnrecognizedClientException"}
)


@dataclass
class ClockReading:
    window: ClockWindow
    publish: str
    notes: list[str] = field(default_factory=list)


def read_clock(
    aws: Aws, name: str, seconds: float, rate_per_s: float | None, progress: Progress | None = None
) -> ClockReading:
    stacks = Stacks(aws)
    deployed = find_clock(stacks, name, aws.region)
    names = deployed.names
    metadata = deployed.metadata
    period = metadata.spec.period_s if metadata else DEFAULT_PERIOD_S
    end = datetime.now(UTC)
    start = end - timedelta(seconds=seconds)
    reader = HistoryReader(aws.client("cloudwatch"), aws.client("logs"), Pacer(rate_per_s), progress)
    items = [item for alarm in names.all_alarms for item in reader.state_updates(alarm, start, end)]
    readable, skipped = read_state_updates(items)
    changes = [change for change in readable if start.timestamp() <= change.time <= end.timestamp()]
    notes = [skipped_note(skipped)] if skipped else []
    lines: list[TickLine] | None = None
    if seconds > LOG_RETENTION_DAYS * 86_400:
        # Alarm history goes back further than the function's log: a beat timed by a log that
        # covers only the window's end would show its start as one long silence.
        notes.append(
            f"the function's log is kept {LOG_RETENTION_DAYS} days, less than --since: "
            "ticks are timed at the alarms' changes"
        )
    else:
        lines = read_tick_lines(reader, stacks, deployed, name, start, end, notes)
    publish = metadata.spec.publish if metadata else "api"
    running, why = design_running(aws, names.alarms, publish)
    if running != publish:
        notes.append(f"design: {running}, {why}")
    if lines == [] and any(is_tick_change(change, names.alarms) for change in changes):
        # The history has ticks the log does not (a shorter retention, a log group of its own):
        # a beat from an empty log would be no beat at all.
        lines = None
        notes.append("the function's log holds no tick lines for the window: ticks are timed at the alarms' changes")
    if lines is None and running == "now" and period > evaluation_cycle(period):
        notes.append(
            "the documented design's alarm flips every evaluation cycle and every period's first flip is "
            "the tick: timed at the alarms' changes, every flip counts as one"
        )
    window = ClockWindow(
        clock=name,
        period_s=period,
        tick_alarms=names.alarms,
        watchdog=names.watchdog,
        start=start.timestamp(),
        end=end.timestamp(),
        changes=changes,
        lines=lines,
    )
    return ClockReading(window, publish, notes)


def design_running(aws: Aws, tick_alarms: tuple[str, ...], deployed: str) -> tuple[str, str]:
    """(the design the clock's alarms run now, why): a wave clock that switched itself says so in its
    tick alarm's description (handler.SWITCH_MARK)."""
    if deployed != "wave" or not tick_alarms:
        return deployed, "as deployed"
    found = aws.client("cloudwatch").describe_alarms(AlarmNames=list(tick_alarms))["MetricAlarms"]
    for alarm in found:
        said = design_described(alarm.get("AlarmDescription") or "")
        if said is not None:
            return said
    return deployed, "as deployed"


def skipped_note(skipped: int) -> str:
    return (
        f"{skipped:,} alarm history {'item was' if skipped == 1 else 'items were'} skipped: not a StateUpdate "
        "as AWS documents it (no Timestamp, or a HistoryData without a newState object)"
    )


def read_tick_lines(
    reader: HistoryReader,
    stacks: Stacks,
    deployed: Deployed,
    name: str,
    start: datetime,
    end: datetime,
    notes: list[str],
) -> list[TickLine] | None:
    """The function's tick lines, or None (with a note) when its log cannot be read."""
    try:
        # The template's own log group (a generated name), or Lambda's default for the function.
        group = stacks.physical_id(name, LOG_GROUP_LOGICAL)
        function = deployed.stack.outputs.get("FunctionName") or name
        events = reader.tick_lines(group or f"/aws/lambda/{function}", start, end)
    except Exception as error:
        if error_code(error) not in LOG_UNREADABLE:
            raise
        notes.append(f"the function's log was not read ({error_code(error)}): ticks are timed at the alarms' changes")
        return None
    return [line for event in events if (line := TickLine.of(event)) is not None]
