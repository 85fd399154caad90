"""The real beat of a clock, from what AWS keeps: its alarms' state changes and its function's log.

Pure: history items and log events in (as DescribeAlarmHistory and FilterLogEvents return them),
a `BeatReport` out, with the same figures as `alarmclock simulate`'s report (beat_figures.py):
ticks, duplicates, intervals (mean, p50, p95, p99, max), missed beats, longest silence; and what
only history shows: each alarm's evaluation second and jitter, and the restarts with their causes.

Ticks are timed where the clock's targets receive them: by the function's `tick` log lines (one a
tick, written when the targets have been called; late ticks it caught up are named in the same
line). Without the log, ticks are the tick alarms' state changes, timed at the change.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypedDict

from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.beat_figures import BeatFigures, beat_lines, clock_adjective, evaluated_at
from alarmclock.counts import counted
from alarmclock.durations import format_duration
from alarmclock.handler import PRELUDE_MARK, parse_time, replayed_time, tick_id
from alarmclock.intervals import (
    IntervalStats,
    first_and_repeat_times,
    missed_beat_periods,
    missed_beats_in,
    summarise_ticks,
)

RESTART_MARK = "alarmclock: restart ("
STATE_UPDATE = "StateUpdate"


@dataclass(frozen=True)
class StateUpdate:
    """One StateUpdate history item: when, from what to what, why, and when it was evaluated."""

    alarm: str
    time: float
    old: str
    new: str
    reason: str
    query_time: float | None  # stateReasonData.queryDate: None for SetAlarmState's changes
    period_s: int | None = None  # stateReasonData.period: the alarm's own, which decides its cycle

    @classmethod
    def of(cls, item: Any) -> StateUpdate | None:
        """The item's change, or None for an item that is not a StateUpdate AWS documents: another
        type, no Timestamp (the API reference does not mark it required), or HistoryData that is
        not a JSON object with a newState object."""
        if not isinstance(item, dict) or item.get("HistoryItemType") != STATE_UPDATE:
            return None
        time = _epoch(item.get("Timestamp"))
        history = item.get("HistoryData")
        if not math.isfinite(time) or not isinstance(history, str):
            return None
        try:
            data = json.loads(history)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        new, old = data.get("newState"), data.get("oldState") or {}
        if not isinstance(new, dict) or not isinstance(old, dict):
            return None
        reason_data = new.get("stateReasonData")
        reason_data = reason_data if isinstance(reason_data, dict) else {}
        return cls(
            alarm=str(item.get("AlarmName", "")),
            time=time,
            old=str(old.get("stateValue", "")),
            new=str(new.get("stateValue", "")),
            reason=str(new.get("stateReason", "")),
            query_time=_time(reason_data.get("queryDate"), None),
            period_s=_period(reason_data.get("period")),
        )


def read_state_updates(items: list[Any]) -> tuple[list[StateUpdate], int]:
    """(the changes in the items, how many items were skipped as unreadable)."""
    changes = [change for item in items if (change := StateUpdate.of(item)) is not None]
    return changes, len(items) - len(changes)


def _period(value: Any) -> int | None:
    """stateReasonData.period: a whole number of seconds, or None for anything else."""
    number = _finite(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return int(number) if number is not None and number >= 1 else None


def _finite(value: float) -> float | None:
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class TickLine:
    """One `tick` line of the function's log."""

    time: float  # the log event's timestamp: when the targets had been called
    tick_id: str
    alarm: str
    tick_time: float  # the state change that made it
    lag_s: float  # from that change to the function's start
    caught_up: tuple[float, ...]  # late ticks delivered first, in the same run
    delivered: int

    @classmethod
    def of(cls, event: Any) -> TickLine | None:
        """The event's tick line, or None for any other event (or one whose fields are not what the
        handler writes)."""
        if not isinstance(event, dict) or not isinstance(event.get("message"), str):
            return None
        try:
            record = json.loads(event["message"])
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("action") != "tick" or "tick_id" not in record:
            return None
        tick_time = _time(record.get("tick_time"), None)
        caught_up = record.get("caught_up") or []
        if tick_time is None or not isinstance(caught_up, list):
            return None
        try:
            time = float(event["timestamp"]) / 1000.0
            lag_s = float(record.get("lag_s", math.nan))
            delivered = int(record.get("delivered", 1))
        except (KeyError, TypeError, ValueError, OverflowError):
            return None
        if not math.isfinite(time):
            return None
        return cls(
            time=time,
            tick_id=str(record["tick_id"]),
            alarm=str(record.get("alarm", "")),
            tick_time=tick_time,
            lag_s=lag_s,
            caught_up=tuple(t for t in (_time(text, None) for text in caught_up) if t),
            delivered=delivered,
        )


class ClockWindow(TypedDict):
    """What AWS keeps of a deployed clock over a window, by the names `analyse` and
    calibrate.calibrate take it under (aws/reading.py reads it; `beat` and `calibrate` hand it on)."""

    clock: str
    period_s: int
    tick_alarms: tuple[str, ...]
    watchdog: str | None
    start: float
    end: float
    changes: list[StateUpdate]
    lines: list[TickLine] | None  # None: the log could not be read


@dataclass(frozen=True)
class Restart:
    time: float
    alarm: str
    cause: str


@dataclass(frozen=True, kw_only=True)
class BeatReport(BeatFigures):
    """A deployed clock's beat over a window (BeatFigures), and what only AWS's record shows: how its
    ticks were timed, its restarts and their causes, its watchdog's alarms."""

    clock: str
    start: float
    end: float
    timed_by: str  # "the function's log" | "the alarms' state changes"
    restarts: list[Restart] = field(default_factory=list)
    watchdog_alarms: int = 0
    tick_times: list[float] = field(default_factory=list)
    start_with_the_clock: bool = False  # a window of a running clock, ending when it was read

    @property
    def restart_causes(self) -> dict[str, int]:
        return dict(Counter(r.cause for r in self.restarts).most_common())

    def as_json(self) -> dict[str, Any]:
        return {
            "clock": self.clock,
            "period_s": self.period_s,
            "from": _iso(self.start),
            "to": _iso(self.end),
            "timed_by": self.timed_by,
            "ticks": self.ticks,
            "deliveries": self.deliveries,
            "duplicates": self.duplicates,
            "first_tick_s": _num(self.tick_times[0] - self.start) if self.tick_times else None,
            "intervals": {k: _num(v) for k, v in vars(self.intervals).items()},
            "missed_beats": self.missed_beats,
            "missed_beat_periods": self.missed_beat_periods,
            "longest_silence_s": _num(self.longest_silence.length_s),
            "longest_silence_start_s": _num(self.longest_silence.start_s),
            "stalled_since_s": _num(self.stalled_since_s) if self.stalled_since_s is not None else None,
            "alarms": self.alarms,
            "restarts": [
                {"at_s": _num(r.time - self.start), "alarm": r.alarm, "cause": r.cause} for r in self.restarts
            ],
            "restart_causes": self.restart_causes,
            "watchdog_alarms": self.watchdog_alarms,
        }


def is_tick_change(change: StateUpdate, tick_alarms: tuple[str, ...]) -> bool:
    """A change the function turns into a tick (handler.handle_alarm): a tick alarm into a ticking
    state (ALARM or OK for the one alarm; ALARM for the seed's pair), not a kick's first step."""
    ticking = ("ALARM", "OK") if len(tick_alarms) == 1 else ("ALARM",)
    return change.alarm in tick_alarms and change.new in ticking and not change.reason.startswith(PRELUDE_MARK)


def ticks_from_log(lines: list[TickLine]) -> list[tuple[float, str]]:
    """(time, tick_id) of each tick the targets received: the late ones a line caught up, then its own."""
    found: list[tuple[float, str]] = []
    for line in lines:
        if line.delivered <= 0:
            continue
        found.extend((line.time, tick_id(line.alarm, missed)) for missed in line.caught_up)
        found.append((line.time, line.tick_id))
    return found


def ticks_from_history(changes: list[StateUpdate], tick_alarms: tuple[str, ...]) -> list[tuple[float, str]]:
    found = []
    for change in changes:
        if is_tick_change(change, tick_alarms):
            # A restart that replays a change is that change's tick again (handler.replayed_time).
            replayed = replayed_time(change.reason)
            found.append((change.time, tick_id(change.alarm, replayed or change.time)))
    return found


def evaluation_second(query_times: list[float], cycle: int) -> tuple[float, float] | None:
    """(the earliest second of its cycle an alarm was evaluated at, the spread above it).

    Evaluations run at a fixed second of the cycle plus a jitter (docs/timing-model.md), so their
    seconds cluster on an arc of the cycle; the arc may wrap past the cycle's end, so it starts
    after the widest gap between observed seconds."""
    if not query_times:
        return None
    seconds = sorted(q % cycle for q in query_times)
    gaps = [(seconds[i + 1] - seconds[i], i + 1) for i in range(len(seconds) - 1)]
    gaps.append((seconds[0] + cycle - seconds[-1], 0))
    widest, first = max(gaps)
    return seconds[first], cycle - widest


def alarm_figures(changes: list[StateUpdate], alarms: tuple[str, ...], period_s: int) -> dict[str, dict[str, Any]]:
    figures: dict[str, dict[str, Any]] = {}
    for name in alarms:
        own = [c for c in changes if c.alarm == name]
        queries = [c.query_time for c in own if c.query_time is not None]
        # Each alarm's own period decides its cycle (the watchdog's is longer than a 10 s clock's).
        periods = [c.period_s for c in own if c.period_s]
        found = evaluation_second(queries, evaluation_cycle(periods[0] if periods else period_s))
        figures[name] = {
            "offset_s": None if found is None else round(found[0], 3),
            "jitter_s": None if found is None else round(found[1], 3),
            "evaluations": len(queries),
            "cycle_s": evaluation_cycle(periods[0] if periods else period_s),
            "changes": len(own),
        }
    return figures


def restarts_in(changes: list[StateUpdate], tick_alarms: tuple[str, ...]) -> list[Restart]:
    """The function's restarts: kicks whose reason names the cause (handler.restart)."""
    found = []
    for change in changes:
        if change.alarm in tick_alarms and change.reason.startswith(RESTART_MARK):
            # "the watchdog has seen no Tick since <time>": the cause, without the moment it names.
            cause = change.reason[len(RESTART_MARK) :].split(")", 1)[0].split(" since ", 1)[0]
            found.append(Restart(change.time, change.alarm, cause))
    return found


def analyse(
    clock: str,
    period_s: int,
    tick_alarms: tuple[str, ...],
    watchdog: str | None,
    start: float,
    end: float,
    changes: list[StateUpdate],
    lines: list[TickLine] | None,
) -> BeatReport:
    """The beat between `start` and `end` (epoch seconds), as simulate's report measures it."""
    changes = sorted((c for c in changes if start <= c.time <= end), key=lambda c: c.time)
    if lines is not None:
        ticks = ticks_from_log([line for line in lines if start <= line.time <= end])
        timed_by = "the function's log"
    else:
        ticks = ticks_from_history(changes, tick_alarms)
        timed_by = "the alarms' state changes"
    firsts, copies = first_and_repeat_times(ticks)
    count, duplicates, times, intervals, silence, stalled = summarise_ticks(firsts, copies, start, end, period_s)
    alarms = tick_alarms + ((watchdog,) if watchdog else ())
    return BeatReport(
        clock=clock,
        period_s=period_s,
        judged_s=end - start,
        start=start,
        end=end,
        timed_by=timed_by,
        ticks=count,
        deliveries=len([t for t in ticks if t[0] <= end]),
        duplicates=duplicates,
        intervals=IntervalStats.of(intervals),
        longest_silence=silence,
        missed_beats=missed_beats_in(intervals, period_s, len(tick_alarms)),
        missed_beat_periods=missed_beat_periods(len(tick_alarms)),
        stalled_since_s=stalled,
        alarms=alarm_figures(changes, alarms, period_s),
        restarts=restarts_in(changes, tick_alarms),
        watchdog_alarms=sum(1 for c in changes if c.alarm == watchdog and c.new == "ALARM"),
        tick_times=list(times),
    )


def render_text(report: BeatReport) -> str:
    """The layout of simulate's report (emulator/report.py), line for line where they share a figure
    (beat_figures.beat_lines)."""
    every = clock_adjective(report.period_s)
    lines = [
        f"alarmclock beat: {report.clock!r}, a {every} clock, {format_duration(round(report.end - report.start))} "
        f"from {_iso(report.start)} to {_iso(report.end)} (ticks timed by {report.timed_by})",
        "",
        "  first tick         "
        + (f"{format_duration(report.tick_times[0] - report.start)} into the window" if report.tick_times else "none"),
        f"  ticks delivered    {report.ticks:,} distinct, "
        f"{counted(report.duplicates, 'duplicate delivery', 'duplicate deliveries')}",
    ]
    lines += beat_lines(report)
    for name, info in report.alarms.items():
        if info["offset_s"] is None:
            lines.append(f"  alarm {name:<24} not evaluated into a new state in the window")
            continue
        lines.append(
            f"  alarm {name:<24} {evaluated_at(info)}, {counted(info['changes'], 'state change')} "
            f"(jitter {info['jitter_s']:.2f} s over {counted(info['evaluations'], 'evaluation')})"
        )
    causes = ", ".join(f"{cause} ({n})" for cause, n in report.restart_causes.items())
    lines.append(f"  restarts           {len(report.restarts)}" + (f": {causes}" if causes else ""))
    if report.watchdog_alarms:
        lines.append(f"  watchdog           went to ALARM {counted(report.watchdog_alarms, 'time')}")
    return "\n".join(lines) + "\n"


def _time(text: Any, default: float | None) -> float | None:
    """handler.parse_time, fast: CloudWatch's and the handler's ISO times parse with
    fromisoformat (to the same instant, so tick ids match); strptime, 10 times slower, is kept
    for what that refuses. A 14-day read parses a quarter of a million of them."""
    if isinstance(text, str):
        try:
            epoch = datetime.fromisoformat(text).timestamp()
            datetime.fromtimestamp(epoch, UTC)  # in range: a year-1 time with an offset is not
            return epoch
        except (ValueError, OverflowError, OSError):
            pass
    return parse_time(text, default)


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _finite(value)
        return math.nan if number is None else number
    parsed = _time(value, None)
    return parsed if parsed is not None else math.nan


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 3)
