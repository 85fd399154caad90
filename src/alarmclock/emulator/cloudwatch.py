"""Emulated CloudWatch: metric data and metric alarms, by the documented rules.

Every rule below names its source in ../shared/notes/aws-facts.md ("fact: ...") or is an
assumption with a parameter in timing.py. Tests in tests/test_alarm_rules.py pin each one.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"

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


@dataclass
class Point:
    time: float  # the point's timestamp (decides its period)
    value: float
    visible_at: float  # when an alarm can first see it (visibility_delay_s)


class MetricStore:
    """Points per metric in time order; old points are dropped as time passes."""

    def __init__(self, horizon_s: float = 2 * 86_400) -> None:
        self.times: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.points: dict[tuple[str, str], list[Point]] = defaultdict(list)
        self.horizon_s = horizon_s  # longer than any evaluation range (Period x range <= 5 days at 1440m)

    def put(self, namespace: str, metric: str, point: Point) -> None:
        times, points = self.times[(namespace, metric)], self.points[(namespace, metric)]
        index = bisect.bisect_right(times, point.time)  # almost always the end: points arrive in order
        times.insert(index, point.time)
        points.insert(index, point)

    def between(self, namespace: str, metric: str, start: float, end: float) -> list[Point]:
        """The points stamped in [start, end), visible or not, in time order."""
        times = self.times.get((namespace, metric))
        if not times:
            return []
        return self.points[(namespace, metric)][bisect.bisect_left(times, start) : bisect.bisect_left(times, end)]

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
    # fact: a new alarm starts in INSUFFICIENT_DATA (PutMetricAlarm API reference).
    state: str = INSUFFICIENT_DATA
    state_reason: str = "Unchecked: Initial alarm creation"
    offset_s: float = 0.0  # its second in the evaluation cycle (assumption: uniform per alarm)
    transitioned_at: float = 0.0  # DescribeAlarms' StateTransitionedTimestamp
    configured_at: float = 0.0  # AlarmConfigurationUpdatedTimestamp

    @property
    def cycle_s(self) -> int:
        # fact: periods of 60 s or more are evaluated every minute; 10/20/30 s every 10 s.
        return 60 if self.period_s >= 60 else 10

    def actions_for(self, state: str) -> list[str]:
        return {ALARM: self.alarm_actions, OK: self.ok_actions, INSUFFICIENT_DATA: self.insufficient_data_actions}[
            state
        ]

    def evaluate(self, store: MetricStore, now: float, range_periods: int) -> tuple[str, str]:
        """The state the alarm's data calls for at `now`, and the reason."""
        period = self.period_s
        # fact: only complete periods are evaluated, never the partial current one.
        newest_end = math.floor(now / period) * period
        # fact: the evaluation range is longer than EvaluationPeriods; the documented example is
        # 3 -> 5. assumption: EvaluationPeriods + (range_periods - 1), range_periods being the
        # range of a one-period alarm (so 3 gives the example's 3 -> 5).
        span = self.evaluation_periods + max(0, range_periods - 1)
        aggregate = STATISTICS[self.statistic]
        range_start = newest_end - span * period
        buckets: dict[int, list[float]] = {}
        for point in store.between(self.namespace, self.metric, range_start, newest_end):
            if point.visible_at <= now:
                buckets.setdefault(int((point.time - range_start) // period), []).append(point.value)
        # (period start, value) of each period with visible points, oldest first
        real = [(range_start + index * period, aggregate(values)) for index, values in sorted(buckets.items())]
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

    def __init__(self, now: Callable[[], float], visibility_delay: Callable[[], float]) -> None:
        self.now = now
        self.visibility_delay = visibility_delay
        self.store = MetricStore()
        self.alarms: dict[str, Alarm] = {}
        self.history: list[StateChange] = []
        self.on_state_change: Callable[[Alarm, StateChange], None] = lambda alarm, change: None
        self.put_count = 0

    # ---- the API ---------------------------------------------------------------------------

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        now = self.now()
        for datum in MetricData:
            stamp = datum.get("Timestamp")
            if stamp is None:
                moment = now
            elif isinstance(stamp, int | float):
                moment = float(stamp)
            else:
                moment = stamp.timestamp()  # a datetime
            # (StorageResolution only decides what sub-minute alarms can see; the clock always
            # publishes high resolution for them, so points keep their exact time here.)
            point = Point(time=moment, value=float(datum["Value"]), visible_at=now + self.visibility_delay())
            self.store.put(Namespace, datum["MetricName"], point)
        self.put_count += 1
        return {}

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

    def describe_alarms(self, AlarmNames: list[str] | None = None, **_: Any) -> dict[str, Any]:
        names = AlarmNames or list(self.alarms)
        return {"MetricAlarms": [describe(a) for n in names if (a := self.alarms.get(n))]}

    # ---- for the scheduler -------------------------------------------------------------------

    def add_alarm(self, alarm: Alarm) -> None:
        alarm.transitioned_at = alarm.configured_at = self.now()
        self.alarms[alarm.name] = alarm

    def remove_alarm(self, name: str) -> None:
        self.alarms.pop(name, None)

    def evaluate(self, alarm: Alarm, range_periods: int) -> None:
        state, reason = alarm.evaluate(self.store, self.now(), range_periods)
        self.change_state(alarm, state, reason)

    def change_state(self, alarm: Alarm, state: str, reason: str) -> None:
        if state == alarm.state:
            return  # fact: no action while the state persists
        change = StateChange(self.now(), alarm.name, alarm.state, state, reason, alarm.actions_enabled)
        alarm.state, alarm.state_reason, alarm.transitioned_at = state, reason, change.time
        self.history.append(change)
        self.on_state_change(alarm, change)

    def _alarm(self, name: str) -> Alarm:
        if name not in self.alarms:
            raise CloudWatchError("ResourceNotFound", f"Alarm {name} does not exist")
        return self.alarms[name]


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
        "Period": alarm.period_s,
    }
