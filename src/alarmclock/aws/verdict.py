"""Is the clock ticking? A pure judgement from what `status` gathered, and the hour's beat.

The evidence of ticks depends on how the clock publishes. An api or logs clock publishes each
Tick value when it ticks, so its datapoints are its ticks. A wave clock's values are laid up to two
hours ahead, whether or not anything ticks; its ticks are its tick alarm's state changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from alarmclock.aws.models import (
    FAILED,
    ROLLED_BACK_TO_WORKING,
    AlarmInfo,
    ClockNames,
    Datapoint,
    StackInfo,
    period_start,
    stack_advice,
)
from alarmclock.aws.models import is_in_progress as in_progress
from alarmclock.durations import format_duration

Kind = Literal["ticking", "starting", "paused", "stalled", "broken", "changing"]
# No tick within this many periods, while not paused: the loop has stopped.
STALLED_AFTER_PERIODS = 3
# A wave clock's tick alarm changes state once a period, at its own second of the evaluation cycle;
# the pair's alternate, period - d and period + d apart (d under a cycle), and at the boundary
# seconds a flip comes a cycle late. So a running clock's last change is under a period plus a
# minute old; two periods plus a minute is a whole flip missed, not one late evaluation.
WAVE_STALLED_AFTER_PERIODS = 2
WAVE_STALLED_MARGIN = timedelta(seconds=60)


def wave_stalled_after(period_s: int) -> timedelta:
    return timedelta(seconds=WAVE_STALLED_AFTER_PERIODS * period_s) + WAVE_STALLED_MARGIN


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str
    since: datetime | None = None  # ticking/stalled: the last tick seen; starting: the (re)start
    warnings: tuple[str, ...] = ()

    @property
    def healthy(self) -> bool:
        return self.kind in ("ticking", "starting", "paused", "changing")


def judge(
    stack: StackInfo,
    alarms: dict[str, AlarmInfo],
    datapoints: list[Datapoint],
    period_s: int,
    now: datetime,
    failure: str = "",
    window_start: datetime | None = None,
    names: ClockNames | None = None,
) -> Verdict:
    """ticking, starting (no tick yet, just deployed or resumed), paused, stalled (how long),
    broken (why), or changing (a stack operation is under way). `names`: the clock's alarms
    (models.Deployed.names); by default, what the stack's outputs say. A wave clock (names.is_wave)
    is judged by its tick alarms' state changes, any other by its Tick datapoints."""
    name, status = stack.name, stack.status
    warnings: list[str] = []
    if status in FAILED and status not in ROLLED_BACK_TO_WORKING:
        why = f": {failure}" if failure else (f": {stack.status_reason}" if stack.status_reason else "")
        return Verdict("broken", f"stack is {status}{why} ({stack_advice(name, status)})")
    if status == "REVIEW_IN_PROGRESS":
        # A first deploy stopped before its change set ran: there is no clock, only the name.
        return Verdict(
            "broken",
            f"never deployed: a change set was made but not executed; run 'alarmclock deploy {name}' "
            f"or 'alarmclock destroy {name}'",
        )
    if in_progress(status):
        return Verdict("changing", f"stack is {status}; run status again when it settles")
    if status in ROLLED_BACK_TO_WORKING:
        warnings.append(f"the last update failed and was rolled back ({status})")
    names = names or stack.names
    # The watchdog too: without it the clock does not restart itself (docs/cli-aws.md, `broken`).
    missing = [alarm for alarm in names.all_alarms if alarm not in alarms]
    if missing:
        return Verdict(
            "broken",
            f"alarm {', '.join(missing)} is missing (deleted outside CloudFormation?); "
            f"redeploy with 'alarmclock deploy {name}' after 'alarmclock destroy {name}'",
            warnings=tuple(warnings),
        )
    enabled = {alarm: alarms[alarm].actions_enabled for alarm in names.all_alarms if alarm in alarms}
    if stack.paused:
        if any(enabled.values()):
            on = ", ".join(a for a, e in enabled.items() if e)
            return Verdict(
                "broken",
                f"the clock is paused but {on} still has actions enabled; run 'alarmclock resume {name}' "
                f"then 'alarmclock pause {name}'",
                warnings=tuple(warnings),
            )
        return Verdict("paused", f"paused ('alarmclock resume {name}' starts it)", None, tuple(warnings))
    if names.watchdog in enabled and not enabled[names.watchdog]:
        warnings.append(f"actions of {names.watchdog} are off: the clock will not restart itself if it stalls")
    if not all(enabled[alarm] for alarm in names.alarms):
        off = ", ".join(a for a in names.alarms if not enabled[a])
        return Verdict(
            "broken",
            f"actions of {off} are disabled outside CloudFormation; "
            f"run 'aws cloudwatch enable-alarm-actions --alarm-names {' '.join(names.alarms)}'",
            warnings=tuple(warnings),
        )
    if names.is_wave:
        return judge_wave(stack, alarms, names, period_s, now, warnings)
    limit = timedelta(seconds=STALLED_AFTER_PERIODS * period_s)
    last = datapoints[-1] if datapoints else None
    started = stack.last_change
    last_period = period_start(last.timestamp, period_s) if last else None
    if last is not None and last.minimum < 1 and last.maximum > 0:
        warnings.append(
            f"both 0 and 1 were published in the period from {clock_time(last_period or last.timestamp)}: their "
            "average is neither value, so the clock may lose a beat or stall there"
        )
    if last is None or last_period is None or now - last_period > limit:
        if started is not None and now - started <= limit and (last_period is None or last_period < started):
            return Verdict("starting", f"no tick yet; (re)started {ago(now - started)} ago", started, tuple(warnings))
        if last_period is None:
            # `datapoints` cover only the window status looked at: say no more than that.
            if started is not None and (window_start is None or started > window_start):
                reason, since = f"no tick at all since it was (re)started {ago(now - started)} ago", started
            elif window_start is not None:
                reason, since = f"no tick for over {ago(now - window_start)}", None
            else:
                reason, since = "no tick seen", None
            return Verdict("stalled", reason, since, tuple(warnings))
        # A datapoint says "at least one value in this period": silent at least since the period ended.
        silent = now - last_period - timedelta(seconds=period_s)
        return Verdict(
            "stalled",
            f"no tick for over {ago(silent)} (the last in the period from {clock_time(last_period)})",
            last_period,
            tuple(warnings),
        )
    value = "1" if last.maximum >= 1 else "0"
    return Verdict(
        "ticking",
        f"last tick in the period from {clock_time(last_period)} (Tick={value})",
        last_period,
        tuple(warnings),
    )


def judge_wave(
    stack: StackInfo, alarms: dict[str, AlarmInfo], names: ClockNames, period_s: int, now: datetime, warnings: list[str]
) -> Verdict:
    """A running, unpaused wave clock: ticking while a tick alarm changed state within
    `wave_stalled_after`, starting while none has since it was (re)configured that recently,
    stalled otherwise.

    Only changes since the alarm's configuration last changed count: a paused clock's alarm keeps
    flipping on the laid wave with its actions off, and a resume (which turns them on) is an update.
    """
    limit = wave_stalled_after(period_s)
    watchdog = alarms.get(names.watchdog) if names.watchdog else None
    if watchdog is not None and watchdog.state == "ALARM":
        warnings.append(f"{names.watchdog} is in ALARM: no Tick values in its window, so the wave has run out")
    tick = latest_tick(alarms, names)
    configured = [info.configured for info in alarms.values() if info.name in names.alarms and info.configured]
    started = max(configured) if configured else stack.last_change
    if tick is not None and now - tick[0] <= limit:
        when, alarm, state = tick
        return Verdict("ticking", f"last tick at {clock_time(when)}: {alarm} went to {state}", when, tuple(warnings))
    if tick is None and started is not None and now - started <= limit:
        return Verdict("starting", f"no tick yet; (re)started {ago(now - started)} ago", started, tuple(warnings))
    if tick is None:
        states = ", ".join(f"{a} {alarms[a].state}" for a in names.alarms)
        since = f" since it was (re)started {ago(now - started)} ago" if started is not None else ""
        return Verdict("stalled", f"no tick at all{since} ({states})", started, tuple(warnings))
    when, alarm, state = tick
    return Verdict(
        "stalled",
        f"no tick for {ago(now - when)} (the last at {clock_time(when)}: {alarm} went to {state})",
        when,
        tuple(warnings),
    )


def ticking_states(names: ClockNames) -> tuple[str, ...]:
    """The states a tick alarm goes to that are ticks: both for the one alarm, ALARM for the pair."""
    return ("ALARM", "OK") if len(names.alarms) == 1 else ("ALARM",)


def latest_tick(alarms: dict[str, AlarmInfo], names: ClockNames) -> tuple[datetime, str, str] | None:
    """(when, alarm, state) of the tick alarms' latest change that is a tick, if any: to a state
    that ticks, and since the alarm's configuration last changed (before that, e.g. while paused,
    its actions may have been off)."""
    changes = []
    for info in (alarms[a] for a in names.alarms if a in alarms):
        changed = info.state_changed
        if changed is None or info.state not in ticking_states(names):
            continue
        if info.configured is None or changed >= info.configured:
            changes.append((changed, info.name, info.state))
    return max(changes) if changes else None


def beat(datapoints: list[Datapoint], period_s: int, start: datetime, end: datetime) -> str:
    """One character per period from `start` to `end`: 1 or 0 (the value published),
    ~ (both in one period), . (nothing published)."""
    first = int(start.timestamp()) // period_s
    slots = max(0, int(end.timestamp()) // period_s - first + 1)
    marks = ["."] * slots
    for point in datapoints:
        index = int(point.timestamp.timestamp()) // period_s - first
        if 0 <= index < slots:
            if point.minimum >= 1:
                mark = "1"
            elif point.maximum <= 0:
                mark = "0"
            else:
                mark = "~"
            marks[index] = mark if marks[index] in (".", mark) else "~"
    return "".join(marks)


def ago(delta: timedelta) -> str:
    """A time since, to the second under 2 minutes, to the minute under 2 days, then to the hour;
    printed as every duration is (durations.format_duration)."""
    seconds = max(0, int(delta.total_seconds()))
    grain = 1 if seconds < 120 else 60 if seconds < 172_800 else 3600
    return format_duration(seconds - seconds % grain, decimals=0)


def clock_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S UTC")
