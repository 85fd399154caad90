"""What a simulated run showed: its beat (beat_figures.py), the faults injected, as text or JSON."""

from __future__ import annotations

import json
import math
from array import array
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from alarmclock.beat_figures import BeatFigures, beat_lines, clock_adjective, evaluated_at
from alarmclock.counts import counted
from alarmclock.durations import format_duration
from alarmclock.intervals import STALL_PERIODS

if TYPE_CHECKING:
    from alarmclock.emulator.services import Delivery

# simulate's report, in the order of its JSON keys (`simulate --json`).
JSON_FIELDS = (
    "period_s",
    "duration_s",
    "seed",
    "via",
    "design",
    "ticks",
    "deliveries",
    "duplicates",
    "first_tick_s",
    "intervals",
    "longest_silence",
    "missed_beats",
    "stalled_since_s",
    "missed_beats_in_faults",
    "steady_mean_s",
    "deleted_at_s",
    "ticks_after_delete",
    "stack",
    "alarms",
    "function",
    "log_counts",
    "faults",
    "missed_beat_periods",
    "switches",
    "missed_beats_switching",
)


@dataclass(frozen=True, kw_only=True)
class TickReport(BeatFigures):
    """A simulated run's beat (BeatFigures), and what only a run knows: its seed, its design, how
    the stack was created and deleted, what the function did, and when a wave clock switched design."""

    duration_s: float
    seed: int
    via: str
    design: str  # "one alarm, sliding window", ...
    first_tick_s: float | None  # from the Create request to the first tick
    stack: dict[str, Any] = field(default_factory=dict)
    function: dict[str, int] = field(default_factory=dict)
    log_counts: dict[str, int] = field(default_factory=dict)
    # When a wave clock changed its design by itself, and why.
    switches: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        every = asdict(self)
        data = {key: every[key] for key in JSON_FIELDS}
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


def render_text(report: TickReport, trace: list[str] | None = None) -> str:
    every = clock_adjective(report.period_s)
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
    lines += beat_lines(report)
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
