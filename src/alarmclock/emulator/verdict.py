"""What a simulated run's figures say about the clock, in one word and a reason.

The verdict is drawn from the report's figures alone, so it can never contradict them: a clock
that missed beats outside the faults injected on purpose is not "ticking", and a run too short
for a stall to show cannot be called healthy. Only "ticking" is healthy (`simulate` exits 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alarmclock.durations import format_duration
from alarmclock.emulator.report import STALL_PERIODS, missed_beats_line

if TYPE_CHECKING:
    from alarmclock.emulator.report import FaultOutcome, TickReport

HEALTHY = "ticking"
# Below this many steady intervals a mean says little: each interval moves by the evaluation jitter.
MEAN_NEEDS_INTERVALS = 10
MEAN_TOLERANCE = 0.10  # of the period; a clock this far off on average is not keeping its period


@dataclass(frozen=True)
class Verdict:
    kind: str
    reason: str = ""  # empty when the kind says it all

    @property
    def healthy(self) -> bool:
        return self.kind == HEALTHY


def judge(report: TickReport) -> Verdict:
    period = report.period_s
    if report.ticks_after_delete:
        return Verdict("ticked after delete", f"{report.ticks_after_delete} ticks after DELETE_COMPLETE")
    if report.judged_s < STALL_PERIODS * period:
        needed = format_duration(STALL_PERIODS * period)
        lasted = "lasted" if report.deleted_at_s is None else "was deleted after"
        return Verdict(
            "too short to tell",
            f"a verdict needs {STALL_PERIODS} periods, {needed}; the run {lasted} {format_duration(report.judged_s)}",
        )
    if report.ticks == 0:
        return Verdict("never ticked")
    if report.stalled_since_s is not None:
        return Verdict("stalled", f"no tick since +{format_duration(report.stalled_since_s)}")
    unexplained = report.missed_beats - report.missed_beats_in_faults - report.missed_beats_switching
    if unexplained > 0:
        where = " outside the injected faults" if report.faults else ""
        return Verdict("missing beats", f"{missed_beats_line(unexplained, report.missed_beat_periods)}{where}")
    mean = report.steady_mean_s
    if mean is not None and abs(mean - period) > MEAN_TOLERANCE * period:
        return Verdict(
            "off its period", f"its steady intervals average {format_duration(mean)}, not {format_duration(period)}"
        )
    notes = []
    if report.deleted_at_s is not None:
        notes.append(f"until the stack was deleted at +{format_duration(report.deleted_at_s)}")
    if report.missed_beats_in_faults:
        missed = report.missed_beats_in_faults
        notes.append(
            "its missed beat falls within the injected faults"
            if missed == 1
            else f"its {missed:,} missed beats all fall within the injected faults"
        )
    if report.missed_beats_switching:
        notes.append(f"{report.missed_beats_switching} missed while it found its wave not counted and switched design")
    return Verdict(HEALTHY, "; ".join(notes))


def fault_reach(outcomes: Iterable[FaultOutcome], period_s: int) -> list[tuple[float, float]]:
    """Run times (s) each injected fault may disturb the beat: from its start to its end, plus
    the recovery it took, plus the self-healing's 3 periods."""
    return [
        (outcome.start_s, outcome.end_s + (outcome.recovery_s or 0.0) + STALL_PERIODS * period_s)
        for outcome in outcomes
    ]


def switch_reach(switches: Iterable[dict[str, Any]], period_s: int) -> list[tuple[float, float]]:
    """Run times a design switch may disturb the beat: the time the clock may take to notice that its
    wave is not counted (3 periods from the first missed flip, at least a minute) before the switch,
    and the self-healing's 3 periods after it."""
    notice = STALL_PERIODS * period_s + max(60.0, float(period_s))
    return [(s["at_s"] - notice, s["at_s"] + STALL_PERIODS * period_s) for s in switches]


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
