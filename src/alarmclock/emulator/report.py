"""What a simulated run showed: ticks, their beat, silences, duplicates; as text or JSON."""

from __future__ import annotations

import itertools
import json
import math
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from alarmclock.counts import counted
from alarmclock.durations import format_duration

if TYPE_CHECKING:
    from alarmclock.emulator.services import Delivery
    from alarmclock.emulator.verdict import Verdict

# No tick for this many periods is a stall; a run shorter than this cannot show one.
STALL_PERIODS = 3


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on pre-sorted values."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


@dataclass(frozen=True)
class IntervalStats:
    count: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float
    min: float

    @classmethod
    def of(cls, intervals: Sequence[float]) -> IntervalStats:
        ordered = sorted(intervals)
        if not ordered:
            return cls(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
        return cls(
            count=len(ordered),
            mean=sum(ordered) / len(ordered),
            p50=percentile(ordered, 0.50),
            p95=percentile(ordered, 0.95),
            p99=percentile(ordered, 0.99),
            max=ordered[-1],
            min=ordered[0],
        )


@dataclass(frozen=True)
class Silence:
    start_s: float
    length_s: float


@dataclass
class TickReport:
    period_s: int
    duration_s: float
    seed: int
    via: str
    design: str  # "one alarm, sliding window", ...
    ticks: int  # distinct ticks (by tick_id) the first target received
    deliveries: int
    duplicates: int  # deliveries of a tick_id already delivered
    first_tick_s: float | None  # from the Create request to the first tick
    intervals: IntervalStats
    longest_silence: Silence
    missed_beats: int  # intervals longer than missed_beat_periods (missed_beats_in)
    stalled_since_s: float | None  # set when no tick came in the last 3 periods of the run
    missed_beats_in_faults: int = 0  # of missed_beats, those within an injected fault's reach
    steady_mean_s: float | None = None  # mean interval outside every fault's reach, when there are enough
    deleted_at_s: float | None = None  # the run is judged up to a stack-delete fault
    ticks_after_delete: int = 0
    stack: dict[str, Any] = field(default_factory=dict)
    alarms: dict[str, dict[str, Any]] = field(default_factory=dict)
    function: dict[str, int] = field(default_factory=dict)
    log_counts: dict[str, int] = field(default_factory=dict)
    faults: list[dict[str, Any]] = field(default_factory=list)
    missed_beat_periods: float = 1.5  # what an interval must exceed, in periods, to be a missed beat
    # When a wave clock changed its design by itself, and why; the missed beats before it did, outside
    # any fault's reach (the clock finding out that its wave is not counted).
    switches: list[dict[str, Any]] = field(default_factory=list)
    missed_beats_switching: int = 0

    @property
    def judged_s(self) -> float:
        """The part of the run the figures cover: all of it, or up to a stack-delete fault."""
        return self.deleted_at_s if self.deleted_at_s is not None else self.duration_s

    @property
    def judgement(self) -> Verdict:
        from alarmclock.emulator.verdict import judge  # verdict.py reads this module's figures

        return judge(self)

    @property
    def verdict(self) -> str:
        return self.judgement.kind

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["intervals"] = {k: _num(v) for k, v in data["intervals"].items()}
        data["longest_silence_s"] = _num(self.longest_silence.length_s)
        data["longest_silence_start_s"] = _num(self.longest_silence.start_s)
        del data["longest_silence"]
        data["first_tick_s"] = _num(self.first_tick_s) if self.first_tick_s is not None else None
        data["steady_mean_s"] = _num(self.steady_mean_s) if self.steady_mean_s is not None else None
        judgement = self.judgement
        data["verdict"], data["verdict_reason"], data["healthy"] = judgement.kind, judgement.reason, judgement.healthy
        return data


@dataclass(frozen=True)
class FaultOutcome:
    fault: str
    start_s: float
    end_s: float  # when it, and the faults overlapping it, were over
    ticks_lost: int  # due while it lasted and never delivered
    duplicates: int
    recovery_s: float | None  # from the fault's end to the next tick
    period_s: int
    ticks_late: int = 0  # due while it lasted, delivered after it (a wave's caught-up ticks)

    @property
    def recovered_in_time(self) -> bool:
        return self.recovery_s is not None and self.recovery_s <= 3 * self.period_s

    def as_json(self) -> dict[str, Any]:
        return {
            "fault": self.fault,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "ticks_lost": self.ticks_lost,
            "ticks_late": self.ticks_late,
            "duplicates": self.duplicates,
            "recovery_s": None if self.recovery_s is None else round(self.recovery_s, 3),
        }


def fault_outcome(
    fault: Any, log: TickLog, start: float, end: float, period_s: int, until: float | None = None
) -> FaultOutcome:
    """What one fault cost: ticks lost around it, duplicates from its start to the first tick
    after it, and the time from its end (or from `until`, when faults overlapping it end later)
    to that tick. A tick delivered with `caught_up` in the period after the fault (a wave
    catching up on the flips it skipped) is late, not lost."""
    begin = start + fault.start_s
    finish = start + max(fault.end_s, until if until is not None else fault.end_s)
    firsts, repeats = log.firsts, log.copies
    before = max((t for t in firsts if t < begin), default=start)
    after = next((t for t in firsts if t >= finish), None)
    window_end = after if after is not None and after <= end else end
    between = sum(1 for t in firsts if before < t < window_end)
    late = sum(1 for t in log.late_firsts if window_end <= t < window_end + period_s)
    expected = max(0, round((window_end - before) / period_s) - 1)
    return FaultOutcome(
        fault=fault.describe(),
        start_s=fault.start_s,
        end_s=finish - start,
        ticks_lost=max(0, expected - between - late),
        ticks_late=late,
        duplicates=sum(1 for t in repeats if begin <= t <= window_end),
        recovery_s=None if after is None or after > end else after - finish,
        period_s=period_s,
    )


def _num(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 3)


# A copy of a tick is recognised by its tick_id for this long after the first delivery: Lambda keeps
# an asynchronous event for at most 6 hours (Lambda Developer Guide, "Configuring error handling for
# asynchronous invocation", MaximumEventAgeInSeconds), so its retries come within that; a day is kept,
# plus the longest delay a fault injects. Older ids are forgotten, so memory does not grow with the run.
DUPLICATE_HORIZON_S = 86_400.0


class TickLog(list["Delivery"]):
    """What a target received, recorded compactly as it arrives: the times of first deliveries
    and of copies (by tick_id) as arrays of doubles, and nothing else unless `keep` (then every
    Delivery too, as the plain list the emulator's sinks are). Deliveries arrive in time order,
    so the first delivery of a tick_id is its earliest."""

    def __init__(self, keep: bool = True, horizon_s: float = DUPLICATE_HORIZON_S) -> None:
        super().__init__()
        self.keep = keep
        self.horizon_s = horizon_s
        self.firsts = array("d")  # time of each tick's first delivery
        self.late_firsts = array("d")  # ... of those delivered late, with caught_up (a wave's skipped flips)
        self.copies = array("d")  # time of each later delivery of a tick already delivered
        self.others = array("d")  # deliveries that are not ticks
        self._recent: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()

    def append(self, delivery: Delivery) -> None:
        if self.keep:
            super().append(delivery)
        tick_id, caught_up = _tick_id(delivery.body)
        if tick_id is None:
            self.others.append(delivery.time)
            return
        while self._order and self._order[0][0] < delivery.time - self.horizon_s:
            self._recent.pop(self._order.popleft()[1], None)
        if tick_id in self._recent:
            self.copies.append(delivery.time)
            return
        self._recent[tick_id] = delivery.time
        self._order.append((delivery.time, tick_id))
        self.firsts.append(delivery.time)
        if caught_up:
            self.late_firsts.append(delivery.time)

    @classmethod
    def of(cls, ticks: list[tuple[float, str]]) -> TickLog:
        """A log of (time, tick_id) pairs read elsewhere (a deployed clock's, by `alarmclock beat`)."""
        log = cls(keep=False, horizon_s=math.inf)
        seen: set[str] = set()
        for moment, tick_id in sorted(ticks):
            (log.copies if tick_id in seen else log.firsts).append(moment)
            seen.add(tick_id)
        return log

    def count_after(self, moment: float) -> int:
        """Deliveries of any kind after `moment`."""
        return sum(1 for times in (self.firsts, self.copies, self.others) for t in times if t > moment)


def _tick_id(body: str) -> tuple[str | None, bool]:
    """The tick's id (None if the body is no tick) and whether it was delivered late (caught_up)."""
    try:
        tick = json.loads(body)
        tick_id = tick["tick_id"]
    except (ValueError, KeyError, TypeError):
        return None, False
    if not isinstance(tick_id, str):
        return None, False
    return tick_id, tick.get("caught_up") is True


def summarise_ticks(
    log: TickLog, start: float, end: float, period_s: int
) -> tuple[int, int, array[float], array[float], Silence, float | None]:
    """From a target's deliveries: distinct ticks, duplicates, their times, the intervals,
    the longest silence (including before the first and after the last), and a stall.

    Arrays of doubles and one pass for the silence, not lists of gaps: 60 days of a 10 s clock
    have 518,400 ticks, and their gaps as a list of tuples took 90 MB at the end of the run."""
    times = array("d", (t for t in log.firsts if t <= end))
    duplicates = sum(1 for t in log.copies if t <= end)
    intervals = array("d", (b - a for a, b in itertools.pairwise(times)))
    silence_start, silence = longest_gap(start, times, end)
    last = times[-1] if times else start
    stalled = last - start if end - last > STALL_PERIODS * period_s else None
    return len(times), duplicates, times, intervals, Silence(silence_start - start, silence), stalled


def longest_gap(start: float, times: array[float], end: float) -> tuple[float, float]:
    """(where, how long) of the longest gap between start, the ticks and end; the earliest on a tie."""
    best_at, best = start, -math.inf
    previous = start
    for moment in itertools.chain(times, (end,)):
        if moment - previous > best:
            best_at, best = previous, moment - previous
        previous = moment
    return best_at, best


def missed_beat_periods(tick_alarms: int) -> float:
    """How many periods an interval must exceed to be a missed beat, in `simulate` and `beat` alike.

    One missed period makes an interval of two periods, give or take the jitter, and a running
    one-alarm clock's intervals are a period, give or take the jitter: halfway, 1.5 periods, counts
    one missed period whatever the jitter (up to half a period either way). The seed's pair
    alternates period - d and period + d, d under a cycle (up to a whole period at one minute), so
    for it only an interval over 2 periods is surely a missed beat."""
    return 1.5 if tick_alarms == 1 else 2.0


def missed_beats_in(intervals: Iterable[float], period_s: int, tick_alarms: int) -> int:
    limit = missed_beat_periods(tick_alarms) * period_s
    return sum(1 for interval in intervals if interval > limit)


def missed_beats_line(missed_beats: int, periods: float) -> str:
    """'3 intervals longer than 1.5 periods': the report's and the verdict's words."""
    return f"{counted(missed_beats, 'interval')} longer than {periods:g} periods"


def clock_adjective(period_s: int) -> str:
    """60 -> '1-minute', 10 -> '10-second': the clock in a report's first line."""
    return f"{period_s // 60}-minute" if period_s >= 60 else f"{period_s}-second"


def beat_lines(stats: IntervalStats, missed_beats: int, silence: Silence, missed_periods: float) -> list[str]:
    """The beat's lines, the same in `simulate`'s report and `beat`'s (a real and a simulated
    clock read side by side)."""
    lines = []
    if stats.count:
        lines.append(
            f"  interval (s)       mean {stats.mean:.1f}  p50 {stats.p50:.1f}  p95 {stats.p95:.1f}  "
            f"p99 {stats.p99:.1f}  max {stats.max:.1f}  (min {stats.min:.1f})"
        )
        lines.append(f"  missed beats       {missed_beats_line(missed_beats, missed_periods)}")
    lines.append(f"  longest silence    {format_duration(silence.length_s)}, from +{format_duration(silence.start_s)}")
    return lines


def render_text(report: TickReport, trace: list[str] | None = None) -> str:
    every = clock_adjective(report.period_s)
    stats = report.intervals
    lines = [
        f"alarmclock simulate: a {every} clock ({report.design}; alarms reach it via {report.via}), "
        f"{format_duration(report.duration_s)} of virtual time, seed {report.seed}",
        "",
        f"  verdict            {report.verdict}" + (f" ({report.judgement.reason})" if report.judgement.reason else ""),
        f"  stack              {report.stack.get('create', '?')}",
        "  first tick         "
        + (
            f"{format_duration(report.first_tick_s)} after the Create request"
            if report.first_tick_s is not None
            else "none"
        ),
        f"  ticks delivered    {report.ticks:,} distinct, "
        f"{counted(report.duplicates, 'duplicate delivery', 'duplicate deliveries')}",
    ]
    lines += beat_lines(stats, report.missed_beats, report.longest_silence, report.missed_beat_periods)
    for name, info in report.alarms.items():
        lines.append(f"  alarm {name:<24} {evaluated_at(info)}, {counted(info['changes'], 'state change')}")
    function = report.function
    lines.append(
        f"  function           {counted(function.get('runs', 0), 'run')} (ticks, heartbeats, restarts), "
        f"{counted(function.get('errors', 0), 'error')}, "
        f"{counted(function.get('dropped', 0), 'invocation dropped', 'invocations dropped')}"
    )
    if report.stack.get("delete"):
        lines.append(f"  stack deleted      {report.stack['delete']}")
    for switch in report.switches:
        lines.append(
            f"  design switched    to --publish {switch['design']} at +{format_duration(switch['at_s'])}: "
            f"{switch['reason']}"
        )
    for outcome in report.faults:
        recovery = "never" if outcome["recovery_s"] is None else format_duration(outcome["recovery_s"])
        lines.append(
            f"  fault              {outcome['fault']}: {counted(outcome['ticks_lost'], 'tick lost', 'ticks lost')}, "
            f"{outcome.get('ticks_late', 0):,} delivered late, "
            f"{counted(outcome['duplicates'], 'duplicate')}, next tick {recovery} after it ended"
        )
    if trace:
        lines.append("")
        lines.append("  alarm state changes:")
        lines.extend(f"    {line}" for line in trace)
    return "\n".join(lines) + "\n"


def evaluated_at(info: dict[str, Any]) -> str:
    """When in each UTC minute the alarm is evaluated. An alarm's evaluation cycle (60 s, or 10 s
    for a high-resolution one) starts on the UTC minute, so its offset is a second of the minute:
    ':45.3' is 45.3 s past every whole UTC minute (hh:mm:00), not a time since the run started."""
    offset, cycle = info["offset_s"], info.get("cycle_s", 60)
    if cycle >= 60:
        return f"evaluated at :{offset:04.1f} past each UTC minute"
    seconds = ", ".join(f":{offset + k * cycle:04.1f}" for k in range(2))
    return f"evaluated every {cycle}s at {seconds}, ... past each UTC minute"
