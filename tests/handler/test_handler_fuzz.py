"""Fuzzing the handler: thousands of malformed events, and not one may raise or move the metric.

The handler runs against fakes that record every AWS call and every HTTP answer (no moto, so it
is fast). Every property runs on both designs (the one alarm, the default, and the seed's pair,
--alarms 2), on sliding and wall-clock windows. An independent oracle, written from the documented
event formats and docs, says what each event is; then:
- nothing raises, ever (the fake CloudWatch refuses points as CloudWatch does);
- an event that is none of the below makes no AWS call and sends no answer;
- a tick publishes exactly one value, stamped as documented, and calls each target once. A tick
  is one of this clock's tick alarms changing, in either format, to a state that is a tick for
  its design: the one alarm's ALARM (publish 0) and OK (publish 1); the pair's ALARMs (publish
  the opposite of the alarm's value). A change whose reason starts with the kick's prelude mark is
  no tick;
- a custom resource request (a dict with RequestType, directly or in an SNS Message) is answered
  exactly once and never publishes;
- a heartbeat, or the watchdog going to ALARM, restarts the (stalled) loop with SetAlarmState but
  never publishes.
The same holds for each way of publishing (--publish), as it says: with `logs` a tick writes its
value in one embedded-metric-format log line instead of calling PutMetricData; with `wave` a tick
calls only the targets, and a heartbeat, the watchdog's ALARM, and a Create or Update request
(not paused) lay the wave, one PutMetricData of the documented values, and never kick.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from alarmclock import handler
from alarmclock.alarm_facts import evaluation_cycle

from conftest import ACCOUNT, ANSWER_HOST, CLOCK, EVENTS, REGION, STACK_ID, clock_config

TICK_IS_0, TICK_IS_1, WATCHDOG = f"{CLOCK}-tick-is-0", f"{CLOCK}-tick-is-1", f"{CLOCK}-watchdog"
# The clock's alarms are in its stack's account and region (the config's STACK_ID).
ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:"
# What each tick alarm's change publishes (docs/timing-model.md, the handler's docstring).
NEXT: dict[int, dict[tuple[str, str], float]] = {
    1: {(TICK_IS_1, "ALARM"): 0.0, (TICK_IS_1, "OK"): 1.0},
    2: {(TICK_IS_0, "ALARM"): 1.0, (TICK_IS_1, "ALARM"): 0.0},
}
# A kick that first sets the state the alarm must leave says so with this reason.
PRELUDE = "alarmclock: kick prelude"
# (alarms, window, period, publish): both designs, both windows, the shortest and longest sliding
# periods, each way of publishing.
Design = tuple[int, str, int, str]
DESIGNS: list[Design] = [
    (1, "sliding", 60, "api"),
    (2, "sliding", 60, "api"),
    (1, "sliding", 10, "api"),
    (1, "sliding", 7200, "api"),
    (1, "wallclock", 60, "api"),
    (2, "wallclock", 300, "api"),
    (1, "sliding", 60, "wave"),
    (1, "sliding", 10, "wave"),
    (2, "sliding", 7200, "wave"),
    (1, "wallclock", 60, "wave"),
    (1, "sliding", 60, "logs"),
    (2, "sliding", 20, "logs"),
]
DEFAULT, PAIR, WAVE, LOGS = DESIGNS[0], DESIGNS[1], DESIGNS[6], DESIGNS[10]
TARGETS = [
    "arn:aws:lambda:us-east-1:123456789012:function:my-job",
    "arn:aws:sns:us-east-1:123456789012:ticks",
    "arn:aws:sqs:eu-west-1:123456789012:ticks",
    "arn:aws:events:us-east-1:123456789012:event-bus/default",
]
NOW = 1_795_768_926.8
# fact: PutMetricData takes points up to two weeks back and two hours ahead (API reference).
MAX_POINT_AGE_S, MAX_POINT_AHEAD_S = 14 * 86_400, 2 * 3600
# The alarms' view (the handler's `foreign`): a change at most an hour old (or two periods, for a
# longer period) or five minutes ahead of the function's clock is fresh; anything else is a replay.
STAMP_AGE_S, STAMP_AHEAD_S = 3600.0, 300.0
RECORDED = {path.name: json.loads(path.read_text()) for path in sorted(EVENTS.glob("*.json"))}

# Reproducible in CI: the same examples every run, no example database.
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# ---- fakes: the same methods the handler calls on boto3 clients, recording instead of calling ----


class FakeAWS:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.answers: list[tuple[str, bytes]] = []
        self.logs: list[dict[str, Any]] = []

    def runtime(self) -> handler.Runtime:
        return handler.Runtime(
            client=lambda service, region: FakeClient(self, service),
            now=lambda: NOW,
            http_put=lambda url, body: self.answers.append((url, body)),
            log=self.logs.append,
        )

    def called(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for _, name, kwargs in self.calls if name == method]


def epoch(stamp: float | datetime) -> float:
    """A MetricDatum's Timestamp as botocore takes it (epoch seconds or an aware datetime), in seconds."""
    if isinstance(stamp, datetime):
        assert stamp.tzinfo is not None, "a naive datetime would be read in the zone botocore assumes"
        return stamp.timestamp()
    return stamp


class FakeClient:
    def __init__(self, aws: FakeAWS, service: str) -> None:
        self.aws = aws
        self.service = service

    def _record(self, method: str, kwargs: dict[str, Any]) -> None:
        self.aws.calls.append((self.service, method, kwargs))

    def put_metric_data(self, **kwargs: Any) -> None:
        self._record("put_metric_data", kwargs)
        # CloudWatch checks a point against its own clock, which is no earlier than the state change
        # it reported; the handler's clock (NOW) may lag that change by the skew the handler accepts.
        for point in kwargs["MetricData"]:
            ahead = MAX_POINT_AHEAD_S + STAMP_AHEAD_S
            if not -ahead <= NOW - epoch(point["Timestamp"]) <= MAX_POINT_AGE_S:
                raise ValueError(f"InvalidParameterValue: Timestamp {point['Timestamp']!r} is out of range")

    def set_alarm_state(self, **kwargs: Any) -> None:
        self._record("set_alarm_state", kwargs)

    def disable_alarm_actions(self, **kwargs: Any) -> None:
        self._record("disable_alarm_actions", kwargs)

    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        self._record("describe_alarms", kwargs)
        # A stalled clock, so a heartbeat goes as far as it can: it restarts the loop. The tick
        # alarms have been OK for six hours, so the value of their last change came due long ago
        # even for a two-hour clock; the watchdog, a day old, is in ALARM.
        alarm = {
            "ActionsEnabled": True,
            "StateValue": "OK",
            "StateTransitionedTimestamp": NOW - 6 * 3600,
            "AlarmConfigurationUpdatedTimestamp": NOW - 86_400,
        }
        return {
            "MetricAlarms": [
                alarm | {"AlarmName": name, "StateValue": "ALARM" if name == WATCHDOG else "OK"}
                for name in kwargs.get("AlarmNames", [])
            ]
        }

    def invoke(self, **kwargs: Any) -> None:
        self._record("invoke", kwargs)

    def publish(self, **kwargs: Any) -> None:
        self._record("publish", kwargs)

    def send_message(self, **kwargs: Any) -> None:
        self._record("send_message", kwargs)

    def put_events(self, **kwargs: Any) -> dict[str, Any]:
        self._record("put_events", kwargs)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}


# ---- the oracle: what an event is, from the documented formats -------------------------------------


def expected(event: Any, design: Design = DEFAULT) -> tuple[str, float | None]:
    """("tick", value) | ("custom_resource", None) | ("heartbeat", None) | ("restart", None) | ("no-data", None)
    | ("asked", None) (a restart on request) | ("nothing", None)."""
    if not isinstance(event, dict):
        return "nothing", None
    if event.get("alarmclock") == "heartbeat":
        return "heartbeat", None
    if "RequestType" in event:
        return ("custom_resource" if from_cloudformation(event) and own_request(event) else "nothing"), None
    if event.get("source") == "aws.cloudwatch" and isinstance(event.get("alarmData"), dict):
        data = event["alarmData"]  # CloudWatch's direct Lambda action
        state = data.get("state")
        if not isinstance(state, dict):
            state = {}
        when = state.get("timestamp") or event.get("time")
        arn = event.get("alarmArn")
        return alarm_tick(data.get("alarmName"), arn, state.get("value"), when, state.get("reason"), design)
    records = event.get("Records")
    if not (isinstance(records, list) and records and isinstance(records[0], dict)):
        # `alarmclock restart` sends {"alarmclock": "restart"}: read last, so any other shape wins.
        return ("asked", None) if event.get("alarmclock") == "restart" else ("nothing", None)
    sns = records[0].get("Sns")
    raw = sns.get("Message") if isinstance(sns, dict) else None
    try:
        message = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return "nothing", None
    if isinstance(message, dict) and "RequestType" in message:
        return ("custom_resource" if from_cloudformation(message) and own_request(message) else "nothing"), None
    if isinstance(message, dict):
        name, arn, state = message.get("AlarmName"), message.get("AlarmArn"), message.get("NewStateValue")
        return alarm_tick(name, arn, state, message.get("StateChangeTime"), message.get("NewStateReason"), design)
    return "nothing", None


def request_of(event: dict[str, Any]) -> dict[str, Any]:
    """The custom resource request in `event`: the event itself, or its SNS message."""
    if "RequestType" in event:
        return event
    request: dict[str, Any] = json.loads(event["Records"][0]["Sns"]["Message"])
    return request


def from_cloudformation(request: dict[str, Any]) -> bool:
    """CloudFormation always sends ResponseURL, StackId and RequestId (User Guide, custom resource
    request objects); a RequestType without them is someone else's, ignored."""
    return all(isinstance(request.get(key), str) and request[key] for key in ("ResponseURL", "StackId", "RequestId"))


def own_request(request: dict[str, Any]) -> bool:
    """CloudFormation's request for this stack's Starter, to be answered at a presigned S3 URL: https,
    a host of S3 in amazonaws.com (or .com.cn), no user or port, printable ASCII (issue 26)."""
    url = request["ResponseURL"]
    if request["StackId"] != STACK_ID or request.get("LogicalResourceId") != "Starter":
        return False
    if not (url.isascii() and url.isprintable() and " " not in url and url.startswith("https://")):
        return False
    host = urlsplit(url).netloc
    labels = host.split(".")
    tail = 3 if labels[-3:] == ["amazonaws", "com", "cn"] else 2
    if (labels[-2:] != ["amazonaws", "com"] and tail == 2) or not url.startswith(f"https://{host}/"):
        return False
    named = labels[:-tail]
    if not all(re.fullmatch("[a-z0-9-]+", label) for label in named):
        return False
    return any(label == "s3" or re.fullmatch("s3-[a-z0-9-]+", label) for label in named)


def in_view(when: Any, reason: Any, design: Design) -> bool:
    """Whether the change's time (a restart's replayed one, if it says so) is within the alarms' view:
    at most an hour (or two periods) old, at most five minutes ahead. Anything else is a replay."""
    changed = handler.replayed_time(reason) or handler.parse_time(when, NOW)
    return -STAMP_AHEAD_S <= NOW - changed <= max(STAMP_AGE_S, 2 * design[2])


def alarm_tick(name: Any, arn: Any, state: Any, when: Any, reason: Any, design: Design) -> tuple[str, float | None]:
    own = [TICK_IS_1, WATCHDOG] if design[0] == 1 else [TICK_IS_0, TICK_IS_1, WATCHDOG]
    if name not in own or arn != ALARM_ARN + name or not in_view(when, reason, design):
        return "nothing", None  # another account's, region's or clock's alarm, or a stale replay
    if name == WATCHDOG and state == "ALARM":
        return "restart", None  # the fake's clock is stalled
    if name == TICK_IS_1 and state == "INSUFFICIENT_DATA" and design[0] == 1 and design[3] == "wave":
        # The one alarm laying a wave, out of data: the wave is not followed. A fresh execution
        # environment laid none lately, so it lays the wave (handler.wave_not_followed).
        return "no-data", None
    if isinstance(reason, str) and reason.startswith(PRELUDE):
        return "nothing", None
    if isinstance(name, str) and isinstance(state, str) and (name, state) in NEXT[design[0]]:
        return "tick", NEXT[design[0]][name, state]
    return "nothing", None


def config_of(design: Design) -> handler.ClockConfig:
    alarms, window, period, publish = design
    config = clock_config(targets=TARGETS, period=period)
    config.alarms, config.window, config.publish = alarms, window, publish
    return config


def documented_stamp(changed: float, design: Design) -> float:
    """One second before the end of the next period on a sliding window; the change's time on a wall clock."""
    _, window, period, _ = design
    if window == "wallclock":
        return changed
    cycle = evaluation_cycle(period)  # how often CloudWatch evaluates the alarm
    return changed // cycle * cycle + period - 1


def check(event: Any, design: Design = DEFAULT) -> str:
    """Run the handler on event and hold it to the oracle; return what the event was."""
    kind, value = expected(event, design)  # first: the handler may touch the event
    # Each example in a fresh execution environment: nothing laid, no design seen by an earlier one.
    handler._designs.clear()
    handler._laid.clear()
    aws = FakeAWS()
    result = handler.handle(event, None, config_of(design), aws.runtime())  # must not raise
    assert isinstance(result, dict) and "action" in result, result
    if kind == "nothing":
        assert result["action"] == "ignored", result
        assert aws.calls == [] and aws.answers == [], (aws.calls, aws.answers)
        assert aws.logs and aws.logs[-1]["action"] == "ignored"
    elif kind == "tick":
        assert result["action"] == "tick", result
        # Published with the documented stamp of the tick's time, unless that time is more than
        # an hour (or two periods) old or five minutes ahead: then the tick is only delivered
        # (the alarm looks at no such point, or CloudWatch would refuse it).
        changed = datetime.fromisoformat(result["tick"]["tick_time"].replace("Z", "+00:00")).timestamp()
        puts = aws.called("put_metric_data")
        fresh = -STAMP_AHEAD_S <= NOW - changed <= max(STAMP_AGE_S, 2 * design[2])
        emf = [line for line in aws.logs if "_aws" in line]
        if design[3] == "wave":  # the wave is laid already: a tick only calls the targets
            assert puts == [] and emf == [] and result["published"] == "wave"
        elif design[3] == "logs":
            assert puts == []
            if fresh:
                (line,) = emf
                assert (
                    line["Tick"] == value and line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == f"alarmclock/{CLOCK}"
                )
                assert abs(line["_aws"]["Timestamp"] / 1000 - documented_stamp(changed, design)) < 0.001
            else:
                assert emf == [] and result["published"] is None
        elif fresh:
            (put,) = puts
            assert put["Namespace"] == f"alarmclock/{CLOCK}"
            assert [point["Value"] for point in put["MetricData"]] == [value]
            # tick_time is the change's time cut to the millisecond: the same whole second.
            assert abs(put["MetricData"][0]["Timestamp"] - documented_stamp(changed, design)) < 0.001
        else:
            assert puts == [] and result["published"] is None
        assert aws.called("set_alarm_state") == [] and aws.answers == []
        delivered = [service for service, name, _ in aws.calls if name != "put_metric_data"]
        # A one-cycle wave also delivers the ticks its alarm skipped since its previous state.
        assert sorted(delivered) == sorted(["events", "lambda", "sns", "sqs"] * (1 + skipped_ticks(event, design)))
    elif kind == "custom_resource":
        assert len(aws.answers) == 1, aws.answers
        # The fakes never fail: only a RequestType CloudFormation does not send is refused.
        known = request_of(event)["RequestType"] in ("Create", "Update", "Delete")
        assert json.loads(aws.answers[0][1])["Status"] == ("SUCCESS" if known else "FAILED")
        assert aws.called("set_alarm_state") == [] or design[3] != "wave"
        if design[3] != "wave":
            assert aws.called("put_metric_data") == []
        else:  # at most the wave, and only for a request that starts or keeps the clock running
            for put in aws.called("put_metric_data"):
                check_wave(put, design)
    elif design[3] == "wave":  # a heartbeat or the watchdog: laying the wave is the restart
        assert result["action"] == "wave", result
        (put,) = aws.called("put_metric_data")
        check_wave(put, design)
        # Laid, not switched from: this fresh execution environment laid no wave lately. A heartbeat
        # looks once at which design the alarms run (still the wave); through SNS the watchdog's age
        # is asked. The watchdog's ALARM, acted on, is re-armed (check_rearmed).
        check_rearmed(aws, kind)
        names = [name for _, name, kwargs in aws.calls if kwargs.get("AlarmName") != WATCHDOG]
        assert names in (
            ["put_metric_data"],
            ["put_metric_data", "describe_alarms"],
            ["describe_alarms", "put_metric_data"],  # SNS says no watchdog's age: the handler asks
        ), names
        assert aws.answers == []
    else:  # a heartbeat or the watchdog: the fake clock is stalled, so either restarts it
        assert result["action"] == "restart", result
        assert aws.called("put_metric_data") == [] and aws.answers == []
        check_rearmed(aws, kind)
        calls = [call for call in aws.called("set_alarm_state") if call["AlarmName"] != WATCHDOG]
        kicks = [(call["AlarmName"], call["StateValue"], call["StateReason"]) for call in calls]
        # Each tick alarm has been OK for an hour: the one alarm is forced into OK through the
        # prelude (ALARM), the pair starts afresh from tick-is-0 in ALARM.
        if design[0] == 1:
            assert [k[:2] for k in kicks] == [(TICK_IS_1, "ALARM"), (TICK_IS_1, "OK")], kicks
        else:
            assert [k[:2] for k in kicks] == [(TICK_IS_0, "ALARM")], kicks
        assert all(reason.startswith(PRELUDE) for _, _, reason in kicks[:-1])
        assert not kicks[-1][2].startswith(PRELUDE)
    return kind


def check_rearmed(aws: FakeAWS, kind: str) -> None:
    """The watchdog's ALARM, once acted on, is set back to OK (handler.rearm_watchdog), so that it can
    call again; a heartbeat leaves the watchdog as it is. (The fake's watchdog is a day old: never the
    new watchdog's first ALARM, which is not re-armed.)"""
    rearms = [(c["StateValue"], c["StateReason"]) for c in aws.called("set_alarm_state") if c["AlarmName"] == WATCHDOG]
    assert rearms == ([("OK", handler.REARM_MARK)] if kind == "restart" else []), rearms  # not for no data


def skipped_ticks(event: Any, design: Design) -> int:
    """How many late ticks a tick delivers first: for the one alarm laying a wave whose period is one
    evaluation cycle, the whole periods between the direct event's previous state (ALARM or OK) and
    this one, less one, if that is 1 to 9 (handler.missed_tick_times)."""
    alarms, _, period, publish = design
    if publish != "wave" or alarms != 1 or period not in (10, 60) or event.get("source") != "aws.cloudwatch":
        return 0
    data = event.get("alarmData") or {}
    raw_state, raw_previous = data.get("state"), data.get("previousState")
    state: dict[str, Any] = raw_state if isinstance(raw_state, dict) else {}
    previous: dict[str, Any] = raw_previous if isinstance(raw_previous, dict) else {}
    if previous.get("value") not in ("ALARM", "OK"):
        return 0
    changed = handler.parse_time(state.get("timestamp") or event.get("time"), NOW)
    before = handler.parse_time(previous.get("timestamp"), None)
    if before is None:
        return 0
    skipped = round((changed - before) / period) - 1
    return skipped if 1 <= skipped <= 9 else 0


def check_wave(put: dict[str, Any], design: Design) -> None:
    """The documented wave: index k's value k % 2, stamped (k + 1) * period - cycle + 1 (one second
    into the period's last evaluation cycle), from the window the alarm looks at now to two hours
    ahead (less a minute), with the period as its dimension."""
    period = design[2]
    cycle = evaluation_cycle(period)
    assert put["Namespace"] == f"alarmclock/{CLOCK}"
    first = int(NOW // period) - 1
    stamps = [epoch(point["Timestamp"]) for point in put["MetricData"]]
    assert stamps[0] == (first + 1) * period - cycle + 1 <= NOW
    assert stamps[-1] <= NOW + MAX_POINT_AHEAD_S - 60 < stamps[-1] + period + cycle
    for index, point in enumerate(put["MetricData"]):
        k = first + index
        assert (epoch(point["Timestamp"]), point["Value"]) == ((k + 1) * period - cycle + 1, float(k % 2))
        assert point["Dimensions"] == [{"Name": "Wave", "Value": f"{period}s"}]
        assert point["StorageResolution"] == (1 if period <= 60 else 60)


# ---- strategies ----------------------------------------------------------------------------------

NAMES = [
    f"{CLOCK}-tick-is-0",
    f"{CLOCK}-tick-is-1",
    f"{CLOCK}-watchdog",
    f"{CLOCK}-tick-is-2",
    f"{CLOCK}-tick-is-",
    f"{CLOCK}-tick-is-00",
    f"{CLOCK}-tick-is-0 ",
    f" {CLOCK}-tick-is-0",
    f"{CLOCK.upper()}-TICK-IS-0",
    f"{CLOCK}-tick-is-1\x00",
    "other-clock-tick-is-0",
    f"{CLOCK}x-tick-is-1",
    "TickState0",
    "",
]
STATES = ["ALARM", "OK", "INSUFFICIENT_DATA", "alarm", "ALARM ", "Alarm", ""]
REQUEST_TYPES = ["Create", "Update", "Delete", "create", "", "Bogus"]
TIMES = [
    "2026-11-27T08:42:05.577+0000",
    "2026-11-27T08:42:05.577Z",
    "2026-11-27T08:42:05+00:00",
    "2026-11-27",
    "2026-13-45T99:99:99.999+0000",
    "0001-01-01T00:00:00.000+1400",  # parses, but is before year 1 in UTC
    "9999-12-31T23:59:59.999-1400",  # parses, but is after year 9999 in UTC
    "0001-01-01T00:00:00",
    "1970-01-01T00:00:00.000+0000",
    "not a time",
    "",
]
# A restart says "replaying <time>" in the state reason, and the handler takes the tick's time from it.
REASONS = [
    "Threshold Crossed: 1 out of the last 1 datapoints",
    "alarmclock: restart; replaying 2026-11-27T08:42:05.577Z",
    "replaying 0001-01-01T00:00:00.000+1400",
    "replaying 9999-12-31T23:59:59.999-1400",
    "replaying 1970-01-01T00:00:00.000Z",
    "replaying not a time",
    "replaying ",
    "",
    PRELUDE,
    PRELUDE + " (alarmclock: restart (x); replaying 2026-11-27T08:42:05.577Z)",
    " " + PRELUDE,  # near misses: a tick
    PRELUDE.upper(),
    "alarmclock: kick",
]
TICK_REASONS = [reason for reason in REASONS if not reason.startswith(PRELUDE)]
MESSAGES = [
    "not json",
    "{",
    "[1, 2]",
    "null",
    '"ALARM"',
    "42",
    "{}",
    '{"AlarmName": null}',
    '{"RequestType": "Create"}',
    "[" * 5000,  # deeper than json.loads can go
    RECORDED["sns_alarm_notification.json"]["Records"][0]["Sns"]["Message"],
    RECORDED["sns_alarm_notification_ok.json"]["Records"][0]["Sns"]["Message"],
]
KEYS = [
    "Records",
    "Sns",
    "Message",
    "source",
    "alarmData",
    "alarmName",
    "state",
    "value",
    "timestamp",
    "time",
    "RequestType",
    "ResponseURL",
    "ResourceProperties",
    "OldResourceProperties",
    "PhysicalResourceId",
    "Paused",
    "alarmclock",
    "AlarmName",
    "NewStateValue",
    "StateChangeTime",
    "reason",
    "NewStateReason",
]
INTERESTING: dict[str, list[Any]] = {
    "alarmName": NAMES,
    "AlarmName": NAMES,
    "value": STATES,
    "NewStateValue": STATES,
    "RequestType": REQUEST_TYPES,
    "timestamp": TIMES,
    "time": TIMES,
    "StateChangeTime": TIMES,
    "reason": REASONS,
    "NewStateReason": REASONS,
    "Message": MESSAGES,
    "source": ["aws.cloudwatch", "aws.events", "aws.sns", ""],
    "alarmclock": ["heartbeat", "Heartbeat", "restart", ""],
    "Paused": ["true", "false", "TRUE", True, 1],
    "Records": [[], [None], [{}], [{"Sns": None}], [{"Sns": {"Message": None}}]],
}
strings = st.text(max_size=16) | st.sampled_from(
    [*NAMES, *STATES, *REQUEST_TYPES, *TIMES, *REASONS, *MESSAGES, *KEYS, "heartbeat", "restart"]
)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | strings
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

Path = tuple[Any, ...]


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def mutated(draw: st.DrawFn, base: Any, depth: int = 0) -> Any:
    """base with 1-4 mutations: a key dropped, a value of the wrong type, a near-miss name, state,
    time or RequestType, a key added, or (in a string holding JSON, such as the SNS Message) the
    decoded document mutated and encoded again."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths(value)))
        current = at(value, path)
        key = path[-1] if path else None
        ops = ["any", "retype"]
        if path:
            ops.append("drop")
        if isinstance(key, str) and key in INTERESTING:
            ops += ["interesting"] * 3
        if isinstance(current, dict):
            ops.append("add")
        if depth == 0 and isinstance(current, str) and current[:1] in ("{", "["):
            try:
                decoded = json.loads(current)
                ops += ["inner"] * 3
            except (ValueError, RecursionError):
                pass
        op = draw(st.sampled_from(ops))
        if op == "add":
            current[draw(st.sampled_from(KEYS) | st.text(max_size=8))] = copy.deepcopy(draw(json_values))
            continue
        if op == "drop":
            del at(value, path[:-1])[key]
            continue
        if op == "interesting":
            new = draw(st.sampled_from(INTERESTING[str(key)]))
        elif op == "inner":
            new = json.dumps(draw(mutated(decoded, depth + 1)))
        elif op == "retype":
            new = draw(st.sampled_from([str(current), [current], {"value": current}, None, 0, 1.5, True, "", [], {}]))
        else:
            new = draw(json_values)
        new = copy.deepcopy(new)  # drawn values may be shared (INTERESTING's lists): a later op edits in place
        if path:
            at(value, path[:-1])[key] = new
        else:
            value = new
    return value


def valid_alarm(design: Design) -> st.SearchStrategy[tuple[Design, dict[str, Any]]]:
    """A recorded notification, in either format, of a change that is a tick for `design`."""
    return st.tuples(st.just(design), st.sampled_from(["sns", "direct"]), st.sampled_from(sorted(NEXT[design[0]]))).map(
        lambda drawn: (drawn[0], alarm_event(drawn[1], *drawn[2]))
    )


def alarm_event(how: str, name: str, state: str) -> dict[str, Any]:
    """The recorded payload of that format and state, for alarm `name`."""
    suffix = "_ok" if state == "OK" else ""
    if how == "direct":
        event = copy.deepcopy(RECORDED[f"lambda_alarm_action{suffix}.json"])
        event["alarmData"]["alarmName"], event["alarmArn"] = name, ALARM_ARN + name
        return event
    event = copy.deepcopy(RECORDED[f"sns_alarm_notification{suffix}.json"])
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    event["Records"][0]["Sns"]["Message"] = json.dumps(message | {"AlarmName": name, "AlarmArn": ALARM_ARN + name})
    return event


def with_time_and_reason(event: dict[str, Any], when: str, reason: str) -> dict[str, Any]:
    if "alarmData" in event:
        event["alarmData"]["state"] |= {"timestamp": when, "reason": reason}
        return event
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    event["Records"][0]["Sns"]["Message"] = json.dumps(message | {"StateChangeTime": when, "NewStateReason": reason})
    return event


VALID_ALARMS = st.sampled_from(DESIGNS).flatmap(valid_alarm)


MUTATED_RECORDED: st.SearchStrategy[Any] = st.sampled_from(sorted(RECORDED)).flatmap(
    lambda name: mutated(RECORDED[name])
)


# ---- the properties ------------------------------------------------------------------------------


@pytest.mark.slow  # about 9 s
@settings(FUZZ, max_examples=1500)
@given(event=json_values, design=st.sampled_from(DESIGNS))
def test_arbitrary_json_never_raises_and_never_moves_the_metric(event: Any, design: Design) -> None:
    check(event, design)


def test_the_one_alarm_laying_a_wave_lays_it_when_its_alarm_has_no_data() -> None:
    # Found by the fuzzing below: the recorded direct event, turned into INSUFFICIENT_DATA.
    event = json.loads((EVENTS / "lambda_alarm_action.json").read_text())
    event["alarmData"]["state"]["value"] = "INSUFFICIENT_DATA"
    assert check(event, WAVE) == "no-data"
    assert check(event, DEFAULT) == "nothing"  # publishing each tick: not a tick, nothing to do


@pytest.mark.slow  # about 14 s
@settings(FUZZ, max_examples=2000)
@given(event=MUTATED_RECORDED, design=st.sampled_from(DESIGNS))
def test_mutated_recorded_events_tick_only_when_they_still_are_this_clocks_alarm(event: Any, design: Design) -> None:
    check(event, design)


@settings(FUZZ, max_examples=800)
@given(
    message=strings
    | json_values.map(json.dumps)
    | mutated(json.loads(MESSAGES[-2])).map(json.dumps)
    | mutated(json.loads(MESSAGES[-1])).map(json.dumps)
    | mutated({"RequestType": "Create", "ResponseURL": "https://x", "StackId": "s", "RequestId": "r"}).map(json.dumps),
    record_extras=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=2),
    design=st.sampled_from(DESIGNS),
)
def test_any_sns_message_is_an_alarm_a_request_or_ignored(
    message: str, record_extras: dict[str, Any], design: Design
) -> None:
    check({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message}} | record_extras]}, design)


@settings(FUZZ, max_examples=400)
@given(
    alarm=VALID_ALARMS,
    when=st.sampled_from(TIMES) | st.text(max_size=30),
    reason=st.sampled_from(TICK_REASONS) | st.text(max_size=30).map(lambda text: "replaying " + text),
    extras=st.dictionaries(st.text(max_size=8).filter(lambda k: k not in KEYS), json_values, max_size=3),
)
def test_a_valid_alarm_ticks_once_if_its_time_is_in_the_alarms_view_and_never_otherwise(
    alarm: tuple[Design, dict[str, Any]], when: str, reason: str, extras: Any
) -> None:
    design, event = alarm
    fresh = in_view(when, reason, design)
    assert check(with_time_and_reason(event, when, reason) | extras, design) == ("tick" if fresh else "nothing")


@settings(FUZZ, max_examples=200)
@given(alarm=VALID_ALARMS, when=st.sampled_from(TIMES), rest=st.sampled_from(["", " (x)"]) | st.text(max_size=30))
def test_a_kicks_prelude_never_ticks_whatever_its_alarm_state_and_time(
    alarm: tuple[Design, dict[str, Any]], when: str, rest: str
) -> None:
    design, event = alarm
    assert check(with_time_and_reason(event, when, PRELUDE + rest), design) == "nothing"


S3_URLS = [
    ANSWER_HOST + "/arn%3Aaws%3Acloudformation/x?X-Amz-Signature=EXAMPLE",
    "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com/x",
    "https://s3.amazonaws.com/bucket/x",
    "https://bucket.s3.cn-north-1.amazonaws.com.cn/",
]


@settings(FUZZ, max_examples=400)
@given(
    request=st.fixed_dictionaries(
        {
            "RequestType": st.sampled_from(REQUEST_TYPES) | json_values,
            "ResponseURL": st.sampled_from(S3_URLS),
            "StackId": st.just(STACK_ID),
            "RequestId": st.text(min_size=1, max_size=40),
            "LogicalResourceId": st.just("Starter"),
        },
        optional={key: json_values for key in ("ResourceProperties", "OldResourceProperties")}
        | {"PhysicalResourceId": json_values},
    ),
)
def test_any_request_of_this_stack_is_answered_exactly_once_and_never_ticks(request: dict[str, Any]) -> None:
    for design in (DEFAULT, PAIR, WAVE, LOGS):
        assert check(request, design) == "custom_resource"


@settings(FUZZ, max_examples=400)
@given(
    request=st.fixed_dictionaries(
        {
            "RequestType": st.sampled_from(REQUEST_TYPES),
            "ResponseURL": st.sampled_from(S3_URLS) | st.text(min_size=1, max_size=60),
            "StackId": st.just(STACK_ID) | st.text(min_size=1, max_size=40),
            "RequestId": st.text(min_size=1, max_size=40),
        },
        optional={"LogicalResourceId": st.just("Starter") | json_values},
    ).filter(lambda request: not own_request(request)),
)
def test_a_request_of_another_stack_resource_or_answer_url_is_ignored(request: dict[str, Any]) -> None:
    for design in (DEFAULT, WAVE):
        assert check(request, design) == "nothing"  # no answer, no wave, no kick, no stop: a WARNING line


@settings(FUZZ, max_examples=200)
@given(
    request=st.fixed_dictionaries(
        {"RequestType": st.sampled_from(REQUEST_TYPES) | json_values},
        optional={key: json_values for key in ("ResponseURL", "StackId", "RequestId", "ResourceProperties")},
    ).filter(lambda request: not from_cloudformation(request)),
)
def test_a_request_without_what_cloudformation_always_sends_is_ignored(request: dict[str, Any]) -> None:
    for design in (DEFAULT, WAVE):
        assert check(request, design) == "nothing"  # no answer, no wave, no kick: a WARNING line


@settings(FUZZ, max_examples=200)
@given(extras=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=4))
def test_a_heartbeat_restarts_a_stall_or_lays_the_wave_whatever_else_it_carries(extras: dict[str, Any]) -> None:
    event = extras | {"alarmclock": "heartbeat"}
    for design in (DEFAULT, PAIR, WAVE, LOGS):
        assert check(event, design) == "heartbeat"


@settings(FUZZ, max_examples=100)
@given(extras=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=4))
def test_a_restart_on_request_restarts_a_stall_or_lays_the_wave_whatever_else_it_carries(
    extras: dict[str, Any],
) -> None:
    # Whatever else it carries, short of another event's shape (an alarm's, a request's, SNS records)
    # or a design to switch to (a test of its own in test_handler.py).
    shapes = ("Records", "RequestType", "source", "alarmData", "design")
    event = {key: value for key, value in extras.items() if key not in shapes} | {"alarmclock": "restart"}
    for design in (DEFAULT, PAIR, WAVE, LOGS):
        assert check(event, design) == "asked"


@settings(FUZZ, max_examples=200)
@given(
    how=st.sampled_from(["sns", "direct"]),
    when=st.sampled_from(TIMES),
    reason=st.sampled_from(REASONS),
    design=st.sampled_from(DESIGNS),
)
def test_the_watchdogs_alarm_restarts_the_stalled_loop_or_lays_the_wave(
    how: str, when: str, reason: str, design: Design
) -> None:
    event = with_time_and_reason(alarm_event(how, WATCHDOG, "ALARM"), when, reason)
    assert check(event, design) == ("restart" if in_view(when, reason, design) else "nothing")


def test_the_fuzzers_reach_every_kind_of_event() -> None:
    # A fuzzer that only ever made ignored events would prove little about the rules for real ones.
    # (Heartbeats and the watchdog's ALARM have properties of their own, which assert the kind on
    # every example.)
    for design in (DEFAULT, PAIR):
        for kind in ("nothing", "tick", "custom_resource"):

            def is_kind(event: Any, kind: str = kind, design: Design = design) -> bool:
                return expected(event, design)[0] == kind

            found = find(MUTATED_RECORDED, is_kind, settings=settings(FUZZ, max_examples=500))
            assert check(found, design) == kind


def test_the_oracles_prelude_mark_is_the_handlers() -> None:
    assert handler.PRELUDE_MARK == PRELUDE
