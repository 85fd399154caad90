"""Emulated CloudWatch: metric data and metric alarms, by the documented rules.

Every rule below names its source in docs/timing-model.md ("fact: ...") or is an assumption
with a parameter in timing.py. Tests in tests/emulator/test_alarm_rules.py pin each one.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.emulator.alarm_history import (
    CONFIGURATION_UPDATE,
    STATE_UPDATE,
    AlarmHistory,
    Evaluation,
    HistoryError,
    Record,
)

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
SLIDING, WALL_CLOCK = "SlidingWindow", "WallClockWindow"
# fact: WallClockWindow is accepted only for these periods, and not for high-resolution alarms
# (CloudWatch User Guide, "Alarm evaluation window"; PutMetricAlarm API reference, WallClockWindow).
WALL_CLOCK_PERIODS = (60, 300, 3600, 86_400, 604_800)
# A wall-clock week starts on Monday 00:00; 1970-01-01 (epoch 0) was a Thursday.
_MONDAY_AFTER_EPOCH_S = 4 * 86_400
# fact: PutMetricData takes timestamps up to two weeks back and two hours ahead (API reference,
# MetricDatum Timestamp).
MAX_POINT_AGE_S = 14 * 86_400
MAX_POINT_AHEAD_S = 2 * 3600
# fact: one PutMetricData call takes at most 1,000 MetricData items (API reference, MetricData).
MAX_DATA_PER_PUT = 1000


def point_time_accepted(now: float, moment: float) -> bool:
    """PutMetricData's (and EMF's) window for a point's timestamp."""
    return -MAX_POINT_AHEAD_S <= now - moment <= MAX_POINT_AGE_S


COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
STATISTICS: dict[str, Callable[[list[float]], float]] = {
    "Average": lambda values: sum(values) / len(values),
    "Sum": sum,
    "Minimum": min,
    "Maximum": max,
    "SampleCount": lambda values: float(len(values)),
}


class CloudWatchError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# A metric is its namespace, name and dimensions (name, value), sorted: CloudWatch treats each
# combination of dimensions as a metric of its own.
Dimensions = tuple[tuple[str, str], ...]


def dimensions_of(items: Any) -> Dimensions:
    """PutMetricData's and PutMetricAlarm's [{"Name": ..., "Value": ...}] as a metric's key part."""
    if not items:
        return ()
    if len(items) == 1:  # a wave's every value: one dimension, nothing to sort
        only = items[0]
        return ((str(only["Name"]), str(only["Value"])),)
    return tuple(sorted((str(d["Name"]), str(d["Value"])) for d in items))


@dataclass(slots=True)  # a wave's every value is one: read and counted on, each re-laid
class Point:
    time: float  # the point's timestamp (decides its period)
    value: float
    visible_at: float  # when an alarm can first see it (visibility_delay_s)
    copies: int = 1  # the same value put again at the same time (a wave re-laid, an EMF duplicate)


class MetricStore:
    """Points per metric in time order; old points are dropped as time passes.

    A value put again at a time that already holds it (a wave is re-laid every heartbeat) is
    counted on the point already there instead of stored again: statistics see every copy, and
    the point stays visible from the earlier of the two. (SampleCount may so count a copy a few
    seconds before it is visible; no alarm here can tell, as the watchdog only asks for one.)
    """

    def __init__(self, horizon_s: float = 6 * 86_400) -> None:
        self.times: dict[tuple[str, str, Dimensions], list[float]] = defaultdict(list)
        self.points: dict[tuple[str, str, Dimensions], list[Point]] = defaultdict(list)
        self.horizon_s = horizon_s  # longer than any evaluation range (Period x range <= 5 days at 1440m)

    def put(self, namespace: str, metric: str, point: Point, dimensions: Dimensions = ()) -> None:
        self.add(namespace, metric, dimensions, point.time, point.value, point.visible_at, point.copies)

    def add(
        self,
        namespace: str,
        metric: str,
        dimensions: Dimensions,
        time: float,
        value: float,
        visible_at: float,
        copies: int = 1,
    ) -> None:
        """`put` without a Point made first: a wave's value is almost always a copy of one there."""
        key = (namespace, metric, dimensions)
        times, points = self.times[key], self.points[key]
        index = bisect.bisect_right(times, time)  # almost always near the end: points arrive in order
        same = bisect.bisect_left(times, time, 0, index)
        for at in range(same, index):
            existing = points[at]
            if existing.value == value:
                existing.copies += copies
                if visible_at < existing.visible_at:
                    existing.visible_at = visible_at
                return
        times.insert(index, time)
        points.insert(index, Point(time=time, value=value, visible_at=visible_at, copies=copies))

    def between(
        self, namespace: str, metric: str, start: float, end: float, dimensions: Dimensions = ()
    ) -> list[Point]:
        """The points stamped in [start, end), visible or not, in time order."""
        key = (namespace, metric, dimensions)
        times = self.times.get(key)
        if not times:
            return []
        return self.points[key][bisect.bisect_left(times, start) : bisect.bisect_left(times, end)]

    def prune(self, now: float) -> None:
        cutoff = now - self.horizon_s
        for key, times in self.times.items():
            drop = bisect.bisect_left(times, cutoff)
            if drop:
                del times[:drop]
                del self.points[key][:drop]


@dataclass
class StateChange:
    time: float
    alarm: str
    old: str
    new: str
    reason: str
    acted: bool
    previous_at: float = 0.0  # when the alarm entered the state it leaves (the event's previousState)
    previous_reason: str = ""  # why it entered it (the event's previousState.reason)
    evaluation: Evaluation | None = None  # what the evaluation that made it looked at (the event's reasonData)


@dataclass
class Alarm:
    """A metric alarm as PutMetricAlarm / AWS::CloudWatch::Alarm describe it."""

    name: str
    arn: str
    namespace: str
    metric: str
    statistic: str
    period_s: int
    evaluation_periods: int
    threshold: float
    comparison: str
    treat_missing_data: str = "missing"
    datapoints_to_alarm: int | None = None
    actions_enabled: bool = True
    alarm_actions: list[str] = field(default_factory=list)
    ok_actions: list[str] = field(default_factory=list)
    insufficient_data_actions: list[str] = field(default_factory=list)
    dimensions: Dimensions = ()
    window: str = SLIDING  # fact: SlidingWindow is the default EvaluationWindow
    timezone: str = ""  # WallClockWindow's optional Timezone: an IANA name or an offset like +05:30
    description: str = ""
    # fact: a new alarm starts in INSUFFICIENT_DATA (PutMetricAlarm API reference).
    state: str = INSUFFICIENT_DATA
    state_reason: str = "Unchecked: Initial alarm creation"
    offset_s: float = 0.0  # its second in the evaluation cycle (assumption: uniform per alarm)
    transitioned_at: float = 0.0  # DescribeAlarms' StateTransitionedTimestamp
    configured_at: float = 0.0  # AlarmConfigurationUpdatedTimestamp
    # What the latest evaluation looked at: (range start, [(period start, value), ...]), for the
    # stateReasonData of the history item it may make.
    last_looked_at: tuple[float, list[tuple[float, float]]] = (0.0, [])

    @property
    def cycle_s(self) -> int:
        return evaluation_cycle(self.period_s)

    def actions_for(self, state: str) -> list[str]:
        return {ALARM: self.alarm_actions, OK: self.ok_actions, INSUFFICIENT_DATA: self.insufficient_data_actions}[
            state
        ]

    def window_end(self, now: float, sliding_end: str = "cycle") -> float:
        """Where the newest period this evaluation looks at ends.

        fact (User Guide, "Alarm evaluation window"): a sliding window "advances each time the
        alarm is evaluated, forming a rolling time window" (a 1-hour alarm "may evaluate
        13:07-14:07 in one evaluation and 13:08-14:08 in the next"); a wall-clock window is
        aligned to boundaries that match the period and reflects a point only after the period
        holding it has ended. Only complete spans are evaluated, never the partial current one.
        assumption (`sliding_end`): where a sliding window ends is not documented beyond that
        example; "cycle" ends it on the last whole evaluation cycle (the example's whole minutes,
        and the whole-minute startDate of public alarm payloads), "second" on the last whole second.
        """
        if self.window == WALL_CLOCK:
            anchor = _MONDAY_AFTER_EPOCH_S if self.period_s == 604_800 else 0
            shift = utc_offset_s(self.timezone, now) - anchor
            return math.floor((now + shift) / self.period_s) * self.period_s - shift
        step = self.cycle_s if sliding_end == "cycle" else 1
        return math.floor(now / step) * step

    def evaluate(
        self, store: MetricStore, now: float, range_periods: int, sliding_end: str = "cycle"
    ) -> tuple[str, str]:
        """The state the alarm's data calls for at `now`, and the reason."""
        period = self.period_s
        if self.window == WALL_CLOCK:
            newest_end = self.window_end(now, sliding_end)
        else:  # window_end's sliding window, inline (every alarm, every cycle)
            step = self.cycle_s if sliding_end == "cycle" else 1
            newest_end = math.floor(now / step) * step
        # fact: the evaluation range is longer than EvaluationPeriods; the documented example is
        # 3 -> 5. assumption: EvaluationPeriods + (range_periods - 1), range_periods being the
        # range of a one-period alarm (so 3 gives the example's 3 -> 5).
        span = self.evaluation_periods + max(0, range_periods - 1)
        aggregate = STATISTICS[self.statistic]
        range_start = newest_end - span * period
        buckets: dict[int, list[float]] = {}
        for point in store.between(self.namespace, self.metric, range_start, newest_end, self.dimensions):
            if point.visible_at <= now:
                index = int((point.time - range_start) // period)
                values = buckets.get(index)
                if values is None:
                    buckets[index] = values = []
                if point.copies == 1:
                    values.append(point.value)
                else:
                    values.extend([point.value] * point.copies)
        # (period start, value) of each period with visible points, oldest first
        real = [(range_start + index * period, aggregate(values)) for index, values in sorted(buckets.items())]
        self.last_looked_at = (range_start, real)
        needed = self.evaluation_periods
        to_alarm = self.datapoints_to_alarm or needed
        compare = COMPARE[self.comparison]
        if len(real) >= needed:
            # fact: with enough real points the most recent ones are used; TreatMissingData is ignored.
            window = real[-needed:]
            breaching = sum(1 for _, value in window if compare(value, self.threshold))
            shown = ", ".join(f"{value:g}" for _, value in window)
            if breaching >= to_alarm:
                return ALARM, f"Threshold Crossed: [{shown}] vs {self.threshold:g}"
            return OK, f"Threshold not crossed: [{shown}] vs {self.threshold:g}"
        if not real:
            # fact: all points missing -> TreatMissingData decides.
            return {
                "missing": (INSUFFICIENT_DATA, "Insufficient Data: no datapoints in the evaluation range"),
                "ignore": (self.state, "Missing data ignored: state kept"),
                "breaching": (ALARM, "Missing data treated as breaching"),
                "notBreaching": (OK, "Missing data treated as not breaching"),
            }[self.treat_missing_data]
        # fact: fewer real points than EvaluationPeriods: missing points filled per TreatMissingData
        # "as few times as possible" (assumption: for missing/ignore the real ones decide alone).
        breaching = sum(1 for _, value in real if compare(value, self.threshold))
        if self.treat_missing_data == "breaching":
            breaching += needed - len(real)
        return (ALARM, "Threshold Crossed (partial data)") if breaching >= to_alarm else (OK, "Partial data")


class EmulatedCloudWatch:
    """The CloudWatch API the clock's function calls, plus alarm evaluation for the scheduler.

    `on_state_change(alarm, change)` is called for every change; the stack wires it to the
    alarm's actions (fact: actions run only when the state changes).
    """

    def __init__(
        self,
        now: Callable[[], float],
        visibility_delay: Callable[[], float],
        sliding_end: str = "cycle",
        future_visible_from: str = "put",
        late_cycles: Callable[[], float] = lambda: 1.0,
        visibility_delays: Callable[[int], list[float]] | None = None,
    ) -> None:
        self.now = now
        self.visibility_delay = visibility_delay
        # `count` delays at once: the same as calling visibility_delay `count` times.
        self.visibility_delays = visibility_delays or (lambda count: [visibility_delay() for _ in range(count)])
        self.sliding_end = sliding_end
        self.future_visible_from = future_visible_from
        self.late_cycles = late_cycles  # future_late_cycles, drawn per point stamped ahead
        self.store = MetricStore()
        self.alarms: dict[str, Alarm] = {}
        # PutMetricAlarm: how a new alarm's parameters become an Alarm (the region and account are
        # the stack's) and how it starts being evaluated; the stack sets both.
        self.build_alarm: Callable[[dict[str, Any]], Alarm] = lambda params: _no_alarms(params)
        self.on_new_alarm: Callable[[Alarm], None] = self.add_alarm
        self.history: list[StateChange] = []
        self.alarm_history = AlarmHistory()  # what DescribeAlarmHistory answers, 30 days deep
        self.on_state_change: Callable[[Alarm, StateChange], None] = lambda alarm, change: None

    # ---- the API ---------------------------------------------------------------------------

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        now = self.now()
        if not 1 <= len(MetricData) <= MAX_DATA_PER_PUT:
            raise CloudWatchError("InvalidParameterValue", f"MetricData takes 1 to {MAX_DATA_PER_PUT} items")
        moments = []
        for datum in MetricData:
            stamp = datum.get("Timestamp")
            if stamp is None:
                moment = now
            elif isinstance(stamp, (int, float)):
                moment = float(stamp)
            else:
                moment = stamp.timestamp()  # a datetime
            if not -MAX_POINT_AHEAD_S <= now - moment <= MAX_POINT_AGE_S:  # point_time_accepted
                raise CloudWatchError(
                    "InvalidParameterValue",
                    "The parameter MetricData.member.Timestamp must be at most two weeks in the past "
                    "and at most two hours in the future",
                )
            moments.append(moment)
        # The call is refused or taken whole: check every item before storing any. Each value's
        # delay is drawn in turn, all at once unless "late" draws its cycles between them.
        mode = self.future_visible_from
        waits = self.visibility_delays(len(moments)) if mode != "late" else None
        store, anywhere = self.store, mode == "put"
        seen: Any = None  # the previous value's Dimensions, and its key: a wave's are all alike
        dimensions: Dimensions = ()
        key_dimensions: Any = None
        metric: Any = None  # the metric of the previous value, and its lists in the store
        times: list[float] = []
        stored: list[Point] = []
        bisect_left = bisect.bisect_left
        for position, datum in enumerate(MetricData):
            moment = moments[position]
            wait = waits[position] if waits is not None else self.visibility_delay()
            if anywhere or not moment > now:  # _add_point's common case, inline: a wave is 720 values
                visible_at = now + wait
            else:
                # (StorageResolution only decides what sub-minute alarms can see; the clock always
                # publishes high resolution for them, so points keep their exact time here.)
                cycle_s = 10 if datum.get("StorageResolution") == 1 else 60
                visible_at = self._visible_at(now, moment, wait, cycle_s)
            given = datum.get("Dimensions")
            if given != seen:  # (validated: names and values are strings, equal only when the same)
                seen, dimensions = given, dimensions_of(given)
            name = datum["MetricName"]
            if name != metric or dimensions is not key_dimensions:
                metric, key_dimensions = name, dimensions
                key = (Namespace, name, dimensions)
                times, stored = store.times[key], store.points[key]
            # MetricStore.add, inline (a wave's values are almost all copies of points there): the
            # points at this time are those from bisect_left on; a new one goes after them.
            value = float(datum["Value"])
            at = bisect_left(times, moment)
            count = len(times)
            while at < count and times[at] == moment:
                existing = stored[at]
                if existing.value == value:
                    existing.copies += 1
                    if visible_at < existing.visible_at:
                        existing.visible_at = visible_at
                    break
                at += 1
            else:
                times.insert(at, moment)
                stored.insert(at, Point(time=moment, value=value, visible_at=visible_at))
        return {}

    def add_point(
        self,
        namespace: str,
        metric: str,
        dimensions: Dimensions,
        moment: float,
        value: float,
        delay: float | None = None,
        cycle_s: int = 60,
    ) -> None:
        """Store one value, visible to alarms after the visibility delay (or `delay`, for EMF).

        assumption (`future_visible_from`): how a point stamped later than its arrival becomes
        visible is not documented, and the User Guide warns that such points can leave an alarm in
        INSUFFICIENT_DATA or make it late ("Amazon CloudWatch concepts", "Time stamps"). "put": like
        any point, a delay after it arrives; "stamp": only a delay after its own timestamp, as if
        CloudWatch took it in when its time comes; "late": `late_cycles` evaluation cycles (of the
        point's resolution: 10 s or 60 s) after its timestamp; "never": stored, but no alarm counts
        it. A point stamped at or before its arrival is any point, in every world.
        """
        self._add_point(self.now(), namespace, metric, dimensions, moment, value, delay, cycle_s)

    def _add_point(
        self,
        now: float,
        namespace: str,
        metric: str,
        dimensions: Dimensions,
        moment: float,
        value: float,
        delay: float | None,
        cycle_s: int,
    ) -> None:
        wait = self.visibility_delay() if delay is None else delay
        self.store.add(namespace, metric, dimensions, moment, value, self._visible_at(now, moment, wait, cycle_s))

    def _visible_at(self, now: float, moment: float, wait: float, cycle_s: int) -> float:
        if not moment > now or self.future_visible_from == "put":
            return now + wait
        if self.future_visible_from == "stamp":
            return moment + wait
        if self.future_visible_from == "late":
            return moment + self.late_cycles() * cycle_s + wait
        return math.inf  # never

    def set_alarm_state(self, AlarmName: str, StateValue: str, StateReason: str, **_: Any) -> dict[str, Any]:
        alarm = self._alarm(AlarmName)
        # fact: the new state's actions run if the state changes; it lasts until the next evaluation.
        self.change_state(alarm, StateValue, StateReason)
        return {}

    def disable_alarm_actions(self, AlarmNames: list[str], **_: Any) -> dict[str, Any]:
        for name in AlarmNames:
            if name in self.alarms:
                self.alarms[name].actions_enabled = False
        return {}

    def enable_alarm_actions(self, AlarmNames: list[str], **_: Any) -> dict[str, Any]:
        for name in AlarmNames:
            if name in self.alarms:
                self.alarms[name].actions_enabled = True
        return {}

    def describe_alarms(
        self, AlarmNames: list[str] | None = None, AlarmNamePrefix: str = "", **_: Any
    ) -> dict[str, Any]:
        names = AlarmNames or [name for name in self.alarms if name.startswith(AlarmNamePrefix)]
        return {"MetricAlarms": [describe(a) for n in names if (a := self.alarms.get(n))]}

    def put_metric_alarm(self, **params: Any) -> dict[str, Any]:
        """Create an alarm, or change one: an existing alarm keeps its state (fact: PutMetricAlarm, "its
        state is left unchanged") and, as an assumption, its second in the evaluation cycle."""
        fresh = self.build_alarm(params)
        check_window(fresh)
        existing = self.alarms.get(fresh.name)
        if existing is None:
            self.on_new_alarm(fresh)
            return {}
        fresh.state, fresh.state_reason, fresh.offset_s = existing.state, existing.state_reason, existing.offset_s
        fresh.transitioned_at, fresh.configured_at = existing.transitioned_at, self.now()
        existing.__dict__.update(fresh.__dict__)
        self.alarm_history.add(existing.name, Record(self.now(), CONFIGURATION_UPDATE, "", "", existing.state, ""))
        return {}

    def delete_alarms(self, AlarmNames: list[str], **_: Any) -> dict[str, Any]:
        for name in AlarmNames:
            self.remove_alarm(name)
        return {}

    def describe_alarm_history(self, **params: Any) -> dict[str, Any]:
        try:
            return self.alarm_history.describe(self.now(), **params)
        except HistoryError as error:
            raise CloudWatchError(error.code, str(error)) from None

    # ---- for the scheduler -------------------------------------------------------------------

    def add_alarm(self, alarm: Alarm) -> None:
        """PutMetricAlarm for a new alarm: refused, as AWS refuses it, if its window cannot be."""
        check_window(alarm)
        alarm.transitioned_at = alarm.configured_at = self.now()
        self.alarms[alarm.name] = alarm
        self.alarm_history.add(alarm.name, Record(self.now(), CONFIGURATION_UPDATE, "", "", alarm.state, ""))

    def remove_alarm(self, name: str) -> None:
        self.alarms.pop(name, None)

    def evaluate(self, alarm: Alarm, range_periods: int) -> None:
        state, reason = alarm.evaluate(self.store, self.now(), range_periods, self.sliding_end)
        if state == alarm.state:
            return  # the common case: nothing to record
        start, looked_at = alarm.last_looked_at
        evaluation = Evaluation(
            self.now(), start, alarm.statistic, alarm.period_s, alarm.threshold, tuple(looked_at[-3:])
        )
        self.change_state(alarm, state, reason, evaluation)

    def change_state(self, alarm: Alarm, state: str, reason: str, evaluation: Evaluation | None = None) -> None:
        if state == alarm.state:
            return  # fact: no action while the state persists
        change = StateChange(
            self.now(),
            alarm.name,
            alarm.state,
            state,
            reason,
            alarm.actions_enabled,
            previous_at=alarm.transitioned_at,
            previous_reason=alarm.state_reason,
            evaluation=evaluation,
        )
        # fact: every state change is a StateUpdate item; an evaluation's carries stateReasonData,
        # SetAlarmState's the caller's reason alone (docs/aws-facts.md).
        self.alarm_history.add_change(
            alarm.name, change.time, STATE_UPDATE, alarm.state, alarm.state_reason, state, reason, evaluation
        )
        alarm.state, alarm.state_reason, alarm.transitioned_at = state, reason, change.time
        self.history.append(change)
        self.on_state_change(alarm, change)

    def _alarm(self, name: str) -> Alarm:
        if name not in self.alarms:
            raise CloudWatchError("ResourceNotFound", f"Alarm {name} does not exist")
        return self.alarms[name]


def _no_alarms(params: dict[str, Any]) -> Alarm:
    raise CloudWatchError("InvalidAction", "this CloudWatch has no region: it cannot create alarms")


def check_window(alarm: Alarm) -> None:
    """fact: WallClockWindow only for periods of 1 minute, 5 minutes, 1 hour, 1 day and 1 week,
    and never on a high-resolution alarm (PutMetricAlarm API reference, WallClockWindow)."""
    if alarm.window not in (SLIDING, WALL_CLOCK):
        raise CloudWatchError(
            "ValidationError", f"EvaluationWindow {alarm.window!r} is not SlidingWindow or WallClockWindow"
        )
    if alarm.window == WALL_CLOCK and alarm.period_s not in WALL_CLOCK_PERIODS:
        raise CloudWatchError(
            "ValidationError",
            f"WallClockWindow requires a Period of 60, 300, 3600, 86400 or 604800 seconds, not {alarm.period_s}",
        )
    if alarm.window == WALL_CLOCK:
        utc_offset_s(alarm.timezone, 0.0)  # refuses an unknown time zone


# fact: "an IANA time zone name ..., a fixed UTC offset (for example, +05:30), or an
# offset-prefixed identifier (for example, UTC+05:30)" (WallClockWindow, Timezone).
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):?(\d{2})$")


def utc_offset_s(zone: str, moment: float) -> float:
    """Seconds to add to UTC for local time in `zone` at `moment` ("" is UTC)."""
    if not zone or zone.upper() == "UTC":
        return 0.0
    match = _OFFSET.match(zone)
    if match:
        sign, hours, minutes = match.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60
        # fact: an offset Timezone must be a multiple of 5 minutes (WallClockWindow, Timezone).
        if int(minutes) % 5:
            raise CloudWatchError("ValidationError", f"Timezone {zone!r}: offsets go in steps of 5 minutes")
        return float(seconds if sign == "+" else -seconds)
    try:
        info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CloudWatchError("ValidationError", f"Timezone {zone!r} is not an IANA time zone or an offset") from None
    offset = datetime.fromtimestamp(moment, UTC).astimezone(info).utcoffset() or timedelta(0)
    return offset.total_seconds()


def describe(alarm: Alarm) -> dict[str, Any]:
    """An alarm as DescribeAlarms returns it (after botocore parsed it: timestamps are datetimes)."""
    return {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.arn,
        "StateValue": alarm.state,
        "StateReason": alarm.state_reason,
        "StateTransitionedTimestamp": datetime.fromtimestamp(alarm.transitioned_at, UTC),
        "StateUpdatedTimestamp": datetime.fromtimestamp(alarm.transitioned_at, UTC),
        "AlarmConfigurationUpdatedTimestamp": datetime.fromtimestamp(alarm.configured_at, UTC),
        "ActionsEnabled": alarm.actions_enabled,
        "Namespace": alarm.namespace,
        "MetricName": alarm.metric,
        "Dimensions": [{"Name": name, "Value": value} for name, value in alarm.dimensions],
        "Period": alarm.period_s,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Statistic": alarm.statistic,
        "Threshold": alarm.threshold,
        "ComparisonOperator": alarm.comparison,
        "TreatMissingData": alarm.treat_missing_data,
        "AlarmActions": list(alarm.alarm_actions),
        "OKActions": list(alarm.ok_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "AlarmDescription": alarm.description,
    }
