"""The figures of a beat, simulated or read from AWS, and the one verdict drawn from them.

`simulate`'s report (emulator/report.py's `TickReport`) and `beat`'s (beat.py's `BeatReport`) are
both `BeatFigures`, built once and frozen; each adds what only it knows (the seed and the faults
injected; the window read and the restarts). The verdict is drawn from the figures alone, so it can
never contradict them: a clock that missed beats outside the faults injected on purpose is not
"ticking", and a run too short for a stall to show cannot be called healthy. Only "ticking" is
healthy: `simulate` and `beat` exit 0 on it, and on nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alarmclock.counts import counted
from alarmclock.durations import format_duration
from alarmclock.intervals import STALL_PERIODS, IntervalStats, Silence

HEALTHY = "ticking"
# Below this many steady intervals a mean says little: each interval moves by the evaluation jitter.
MEAN_NEEDS_INTERVALS = 10
MEAN_TOLERANCE = 0.10  # of the period; a clock this far off on average is not keeping its period


@dataclass(frozen=True, kw_only=True)
class BeatFigures:
    period_s: int
    judged_s: float  # how much time the figures cover: a run up to its end (or a stack-delete), a window read
    ticks: int  # distinct ticks (by tick_id) the first target received
    deliveries: int
    duplicates: int  # deliveries of a tick_id already delivered
    intervals: IntervalStats
    longest_silence: Silence
    missed_beats: int  # intervals longer than missed_beat_periods (intervals.missed_beats_in)
    missed_beat_periods: float = 1.5  # what an interval must exceed, in periods, to be a missed beat
    stalled_since_s: float | None  # set when no tick came in the last 3 periods
    alarms: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the verdict forgives: beats missed within an injected fault's reach, or while a wave clock
    # found its wave not counted and switched design; only a simulated run has either.
    faults: list[dict[str, Any]] = field(default_factory=list)
    missed_beats_in_faults: int = 0
    missed_beats_switching: int = 0
    steady_mean_s: float | None = None  # mean interval outside every fault's reach, when there are enough
    deleted_at_s: float | None = None  # the run is judged up to a stack-delete fault
    ticks_after_delete: int = 0
    # Whether the figures start with the clock (a run, from its Create request) or part-way through
    # its life (a window `beat` reads, which ends now). Only a run can be too short to tell: a window
    # that ends now and holds a tick and no missed beat shows a clock that ticked within its last
    # STALL_PERIODS periods, however short the window.
    start_with_the_clock: bool = True

    @property
    def judgement(self) -> BeatVerdict:
        return judge(self)

    @property
    def verdict(self) -> str:
        return self.judgement.kind


@dataclass(frozen=True)
class BeatVerdict:
    """What a beat's figures say, in one word and a reason. (aws/verdict.py's `Verdict` is another
    judgement: a deployed clock's state now, from its stack, alarms and last datapoints.)"""

    kind: str
    reason: str = ""  # empty when the kind says it all

    @property
    def healthy(self) -> bool:
        return self.kind == HEALTHY


def judge(figures: BeatFigures) -> BeatVerdict:
    period = figures.period_s
    if figures.ticks_after_delete:
        return BeatVerdict("ticked after delete", f"{figures.ticks_after_delete} ticks after DELETE_COMPLETE")
    if figures.start_with_the_clock and figures.judged_s < STALL_PERIODS * period:
        needed = format_duration(STALL_PERIODS * period)
        lasted = "lasted" if figures.deleted_at_s is None else "was deleted after"
        return BeatVerdict(
            "too short to tell",
            f"a verdict needs {STALL_PERIODS} periods, {needed}; the run {lasted} {format_duration(figures.judged_s)}",
        )
    if figures.ticks == 0:
        return BeatVerdict("never ticked")
    if figures.stalled_since_s is not None:
        return BeatVerdict("stalled", f"no tick since +{format_duration(figures.stalled_since_s)}")
    unexplained = figures.missed_beats - figures.missed_beats_in_faults - figures.missed_beats_switching
    if unexplained > 0:
        where = " outside the injected faults" if figures.faults else ""
        return BeatVerdict("missing beats", f"{missed_beats_line(unexplained, figures.missed_beat_periods)}{where}")
    mean = figures.steady_mean_s
    if mean is not None and abs(mean - period) > MEAN_TOLERANCE * period:
        return BeatVerdict(
            "off its period", f"its steady intervals average {format_duration(mean)}, not {format_duration(period)}"
        )
    notes = []
    if figures.deleted_at_s is not None:
        notes.append(f"until the stack was deleted at +{format_duration(figures.deleted_at_s)}")
    if figures.missed_beats_in_faults:
        missed = figures.missed_beats_in_faults
        notes.append(
            "its missed beat falls within the injected faults"
            if missed == 1
            else f"its {missed:,} missed beats all fall within the injected faults"
        )
    if figures.missed_beats_switching:
        notes.append(f"{figures.missed_beats_switching} missed while it found its wave not counted and switched design")
    return BeatVerdict(HEALTHY, "; ".join(notes))


def judged_beat(
    times: list[float], reach: list[tuple[float, float]], period_s: int, missed_periods: float
) -> tuple[int, float | None]:
    """From the distinct ticks' run times: the missed beats inside a fault's reach, and the mean of
    the steady intervals (after the first, which starts at the create kick, and outside every reach)."""
    in_faults = 0
    steady: list[float] = []
    for index in range(1, len(times)):
        begin, end = times[index - 1], times[index]
        disturbed = any(begin < high and end > low for low, high in reach)
        if disturbed and end - begin > missed_periods * period_s:
            in_faults += 1
        elif not disturbed and index > 1:
            steady.append(end - begin)
    mean = sum(steady) / len(steady) if len(steady) >= MEAN_NEEDS_INTERVALS else None
    return in_faults, mean


def missed_beats_line(missed_beats: int, periods: float) -> str:
    """'3 intervals longer than 1.5 periods': the report's and the verdict's words."""
    return f"{counted(missed_beats, 'interval')} longer than {periods:g} periods"


def clock_adjective(period_s: int) -> str:
    """60 -> '1-minute', 10 -> '10-second': the clock in a report's first line."""
    return f"{period_s // 60}-minute" if period_s >= 60 else f"{period_s}-second"


def beat_lines(figures: BeatFigures) -> list[str]:
    """The beat's lines, the same in `simulate`'s report and `beat`'s (a real and a simulated
    clock read side by side)."""
    stats = figures.intervals
    lines = []
    if stats.count:
        lines.append(
            f"  interval (s)       mean {stats.mean:.1f}  p50 {stats.p50:.1f}  p95 {stats.p95:.1f}  "
            f"p99 {stats.p99:.1f}  max {stats.max:.1f}  (min {stats.min:.1f})"
        )
        lines.append(f"  missed beats       {missed_beats_line(figures.missed_beats, figures.missed_beat_periods)}")
    silence = figures.longest_silence
    lines.append(f"  longest silence    {format_duration(silence.length_s)}, from +{format_duration(silence.start_s)}")
    return lines


def evaluated_at(info: dict[str, Any]) -> str:
    """When in each UTC minute the alarm is evaluated. An alarm's evaluation cycle (60 s, or 10 s
    for a high-resolution one) starts on the UTC minute, so its offset is a second of the minute:
    ':45.3' is 45.3 s past every whole UTC minute (hh:mm:00), not a time since the run started."""
    offset, cycle = info["offset_s"], info.get("cycle_s", 60)
    if cycle >= 60:
        return f"evaluated at :{offset:04.1f} past each UTC minute"
    seconds = ", ".join(f":{offset + k * cycle:04.1f}" for k in range(2))
    return f"evaluated every {cycle}s at {seconds}, ... past each UTC minute"
