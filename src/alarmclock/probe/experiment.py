"""The probe's experiment: what it creates, puts and reads, against any CloudWatch client and clock.

The same steps run against AWS (real time, boto3) and against the emulator (virtual time), so what
the probe says in each modelled world can be seen without an account (`probe --emulate`).

Each evaluation resolution (60 s, and 10 s for high-resolution alarms) gets three alarms, each
`Average >= 1` over one period of its own metric, with no actions:

- `ahead`: first a 0 stamped now, so the alarm's first evaluation tells its second of the cycle and
  where its window ends; then a 1 stamped two cycles ahead, one second into a cycle, as the wave
  stamps its values. When the alarm goes to ALARM says whether a point stamped ahead counts when its
  window reaches it, some cycles late, or never;
- `edge`: the same first step; then a 1 stamped ahead, just before the end of the window of one
  chosen evaluation, so that a point counted only from its stamp misses that evaluation where one
  counted from its put does not (when the alarm's second lets the two be told apart);
- `flip`: values stamped now, 0 and 1 in turn, one each cycle: the documented design (`--publish
  now`) in small. Its transitions give the alarm's evaluation second and its jitter, and how soon a
  point stamped now is counted.

Everything is named `alarmclock-probe-<run>-...` and tagged `alarmclock:probe=<run>`; `cleanup`
deletes it, and deletes what an interrupted run left (by the name prefix).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alarmclock.alarm_facts import evaluation_cycle

PREFIX = "alarmclock-probe-"
TAG = "alarmclock:probe"
NAMESPACE = "alarmclock/probe"
METRIC = "Probe"
CYCLES = (60, 10)  # standard-resolution alarms' evaluation cycle, and high-resolution ones'
ROLES = ("ahead", "edge", "flip")
# How long each part lasts, in cycles of its resolution: the first evaluation, then the point
# stamped ahead (due two cycles later) and as many again to be counted late; the flip loop.
LEARN_CYCLES = 3
LATE_CYCLES = 6
FLIP_CYCLES = {60: 8, 10: 30}
# At most this long in all (the bar is 15 minutes): the 60 s family's learn, ahead and late
# cycles, and the reads and deletes.
MAX_MINUTES = 15


@dataclass(frozen=True)
class ProbeAlarm:
    run: str
    cycle: int
    role: str

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.run}-{self.cycle}s-{self.role}"

    @property
    def dimensions(self) -> list[dict[str, str]]:
        return [{"Name": "Run", "Value": self.run}, {"Name": "Alarm", "Value": f"{self.cycle}s-{self.role}"}]


@dataclass
class Put:
    alarm: str
    put_at: float  # when PutMetricData was called
    stamp: float
    value: float


@dataclass
class Observed:
    """What the experiment did and what AWS recorded: the evidence every answer is drawn from."""

    run: str
    started: float
    puts: list[Put] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # alarm name -> StateUpdate items


def new_run_id() -> str:
    return secrets.token_hex(3)


def alarms_of(run: str) -> list[ProbeAlarm]:
    return [ProbeAlarm(run, cycle, role) for cycle in CYCLES for role in ROLES]


class Experiment:
    """The steps, in order. `now()` is the clock, `wait(seconds)` lets time pass, `say(text)` reports
    progress; `cloudwatch` is a boto3 CloudWatch client (or one the emulator answers)."""

    def __init__(
        self,
        cloudwatch: Any,
        now: Callable[[], float],
        wait: Callable[[float], None],
        say: Callable[[str], None] = lambda text: None,
        run: str | None = None,
    ) -> None:
        self.cloudwatch = cloudwatch
        self.now = now
        self.wait = wait
        self.say = say
        self.run = run or new_run_id()
        self.alarms = alarms_of(self.run)
        self.observed = Observed(self.run, now())
        self.cleaned = False  # this run's alarms deleted (cleanup)

    # ---- the steps ----------------------------------------------------------------------------

    def perform(self) -> Observed:
        """Create, put, wait, read; the caller deletes (cleanup) whatever happens."""
        removed = self.cleanup(everything=True)
        if removed:
            self.say(f"deleted {len(removed)} alarms an earlier probe left: {', '.join(removed)}")
        for alarm in self.alarms:
            self.cloudwatch.put_metric_alarm(
                AlarmName=alarm.name,
                AlarmDescription="alarmclock probe: deleted when the probe ends",
                ActionsEnabled=False,
                Namespace=NAMESPACE,
                MetricName=METRIC,
                Dimensions=alarm.dimensions,
                Statistic="Average",
                Period=alarm.cycle,
                EvaluationPeriods=1,
                Threshold=1.0,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="missing",
                Tags=[{"Key": TAG, "Value": self.run}],
            )
        self.say(f"created {len(self.alarms)} alarms named {PREFIX}{self.run}-*")
        for alarm in self.alarms:
            if alarm.role != "flip":
                self.put(alarm, 0.0, self.now())
        self.flip_until(self.observed.started + LEARN_CYCLES * 60)
        self.read_history()
        for alarm in self.alarms:
            if alarm.role == "ahead":
                self.put(alarm, 1.0, (math.floor(self.now() / alarm.cycle) + 2) * alarm.cycle + 1.0)
            elif alarm.role == "edge":
                self.put(alarm, 1.0, self.edge_stamp(alarm))
        end = max(p.stamp for p in self.observed.puts) + LATE_CYCLES * 60
        self.flip_until(end)
        self.read_history()
        return self.observed

    def put(self, alarm: ProbeAlarm, value: float, stamp: float) -> None:
        self.cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {
                    "MetricName": METRIC,
                    "Dimensions": alarm.dimensions,
                    "Value": value,
                    "Timestamp": datetime.fromtimestamp(stamp, UTC),
                    "StorageResolution": 1 if alarm.cycle < 60 else 60,
                }
            ],
        )
        self.observed.puts.append(Put(alarm.name, self.now(), stamp, value))

    def flip_until(self, end: float) -> None:
        """Until `end`, wait in steps of 5 s; each flip alarm gets its next value, stamped now, in the
        middle of each of its cycles, for its FLIP_CYCLES."""
        flips = [a for a in self.alarms if a.role == "flip"]
        while self.now() < end:
            for alarm in flips:
                done = sum(1 for p in self.observed.puts if p.alarm == alarm.name)
                cycle = math.floor(self.now() / alarm.cycle)
                last = max((p.put_at for p in self.observed.puts if p.alarm == alarm.name), default=None)
                middle = self.now() % alarm.cycle >= alarm.cycle / 2
                fresh = last is None or math.floor(last / alarm.cycle) < cycle
                if done < FLIP_CYCLES[alarm.cycle] and middle and fresh:
                    self.put(alarm, float(done % 2), self.now())
            minutes = (end - self.now()) / 60
            self.say(f"waiting: {minutes:.1f} min to go")
            self.wait(min(5.0, max(0.0, end - self.now())) or 0.001)

    def edge_stamp(self, alarm: ProbeAlarm) -> float:
        """A stamp ahead that a chosen evaluation's window just covers: at the cycle's last second for
        a window ending on the cycle, two seconds before the evaluation for one ending on a second."""
        learned = first_look(self.observed.history.get(alarm.name, []))
        cycle = alarm.cycle
        offset = (learned[0] % cycle) if learned else cycle / 2
        due = (math.floor(self.now() / cycle) + 2) * cycle + offset
        if learned and learned[1] == "second":
            return math.floor(due) - 2.0
        return math.floor(due / cycle) * cycle - 1.0

    def read_history(self) -> None:
        for alarm in self.alarms:
            items: list[dict[str, Any]] = []
            token = None
            while True:
                params: dict[str, Any] = {"AlarmName": alarm.name, "HistoryItemType": "StateUpdate", "MaxRecords": 100}
                if token:
                    params["NextToken"] = token
                page = self.cloudwatch.describe_alarm_history(**params)
                items += page.get("AlarmHistoryItems", [])
                token = page.get("NextToken")
                if not token:
                    break
            self.observed.history[alarm.name] = items

    def cleanup(self, everything: bool = False) -> list[str]:
        """Delete this run's alarms, or (everything) any probe's: what an interrupted run left."""
        if everything:
            found = []
            token = None
            while True:
                params: dict[str, Any] = {"AlarmNamePrefix": PREFIX}
                if token:
                    params["NextToken"] = token
                page = self.cloudwatch.describe_alarms(**params)
                found += [a["AlarmName"] for a in page.get("MetricAlarms", [])]
                token = page.get("NextToken")
                if not token:
                    break
            names = sorted(found)
        else:
            names = [a.name for a in self.alarms]
            self.cleaned = True
        for start in range(0, len(names), 100):  # DeleteAlarms takes at most 100 names
            self.cloudwatch.delete_alarms(AlarmNames=names[start : start + 100])
        return names


def first_look(items: list[dict[str, Any]]) -> tuple[float, str] | None:
    """(query time, where its window ends: "cycle" or "second") of the alarm's first evaluation that
    changed its state, from its history."""
    evaluations = sorted(evaluations_of(items), key=lambda e: e["query"])
    if not evaluations:
        return None
    first = evaluations[0]
    return first["query"], first["window_end"]


def evaluations_of(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each evaluation that changed the alarm's state: its time, new state, the period it decided on
    and where its window ends (period starts on a whole cycle: "cycle"; elsewhere: "second")."""
    import json

    found = []
    for item in items:
        try:
            data = json.loads(item.get("HistoryData") or "{}")
            new = data.get("newState") or {}
            reason = new.get("stateReasonData") or {}
            query = _epoch(reason.get("queryDate"))
            period = int(reason.get("period") or 0)
            points = [_epoch(p.get("timestamp")) for p in reason.get("evaluatedDatapoints") or ()]
        except (ValueError, TypeError, AttributeError):
            continue
        if query is None:
            continue  # a SetAlarmState change: no evaluation
        decided = max((p for p in points if p is not None), default=None)
        cycle = evaluation_cycle(period)
        on_cycle = decided is None or abs(decided - round(decided / cycle) * cycle) < 0.001
        found.append(
            {
                "query": query,
                "state": new.get("stateValue"),
                "decided": decided,
                "window_end": "cycle" if on_cycle else "second",
                "item": item,
            }
        )
    return found


def _epoch(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    for form in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, form).timestamp()
        except ValueError:
            pass
    return None
