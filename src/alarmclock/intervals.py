"""The statistics of a beat's intervals, the same for a simulated clock and a deployed one.

From the times the first target received each tick (and its copies): how many, the intervals
between them, their percentiles, the longest silence, a stall, the missed beats.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


def first_and_repeat_times(ticks: list[tuple[float, str]]) -> tuple[array[float], array[float]]:
    """From (time, tick_id) pairs read elsewhere (a deployed clock's, by `alarmclock beat`): the
    times of each tick's first delivery, and of its copies."""
    firsts, copies = array("d"), array("d")
    seen: set[str] = set()
    for moment, tick_id in sorted(ticks):
        (copies if tick_id in seen else firsts).append(moment)
        seen.add(tick_id)
    return firsts, copies


def summarise_ticks(
    firsts: Sequence[float], copies: Sequence[float], start: float, end: float, period_s: int
) -> tuple[int, int, array[float], array[float], Silence, float | None]:
    """From the times of first deliveries and of copies: distinct ticks, duplicates, their times,
    the intervals, the longest silence (including before the first and after the last), and a stall.

    Arrays of doubles and one pass for the silence, not lists of gaps: 60 days of a 10 s clock
    have 518,400 ticks, and their gaps as a list of tuples took 90 MB at the end of the run."""
    times = array("d", (t for t in firsts if t <= end))
    duplicates = sum(1 for t in copies if t <= end)
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
