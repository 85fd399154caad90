"""Fuzzing the handler: thousands of malformed events, and not one may raise or move the metric.

The handler runs against fakes that record every AWS call and every HTTP answer (no moto, so it
is fast). An independent oracle, written from the documented event formats, says what each event
is; then:
- nothing raises, ever;
- an event that is none of the below makes no AWS call and sends no answer;
- one of this clock's two alarms going to ALARM (direct action or SNS) publishes exactly one
  value, the opposite of the alarm's, and calls each target once;
- a custom resource request (a dict with RequestType, directly or in an SNS Message) is answered
  exactly once and never publishes;
- a heartbeat may restart the loop (SetAlarmState) but never publishes.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from alarmclock import handler

from conftest import CLOCK, EVENTS, clock_config

NEXT = {f"{CLOCK}-tick-is-0": 1.0, f"{CLOCK}-tick-is-1": 0.0}
TARGETS = [
    "arn:aws:lambda:us-east-1:123456789012:function:my-job",
    "arn:aws:sns:us-east-1:123456789012:ticks",
    "arn:aws:sqs:eu-west-1:123456789012:ticks",
    "arn:aws:events:us-east-1:123456789012:event-bus/default",
]
NOW = 1_795_768_926.8
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


class FakeClient:
    def __init__(self, aws: FakeAWS, service: str) -> None:
        self.aws = aws
        self.service = service

    def _record(self, method: str, kwargs: dict[str, Any]) -> None:
        self.aws.calls.append((self.service, method, kwargs))

    def put_metric_data(self, **kwargs: Any) -> None:
        self._record("put_metric_data", kwargs)

    def set_alarm_state(self, **kwargs: Any) -> None:
        self._record("set_alarm_state", kwargs)

    def disable_alarm_actions(self, **kwargs: Any) -> None:
        self._record("disable_alarm_actions", kwargs)

    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        self._record("describe_alarms", kwargs)
        # A stalled clock, so a heartbeat goes as far as it can: it restarts the loop.
        alarm = {"ActionsEnabled": True, "StateValue": "OK", "StateTransitionedTimestamp": NOW - 3600}
        return {"MetricAlarms": [alarm | {"AlarmName": name} for name in kwargs.get("AlarmNames", [])]}

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


def expected(event: Any) -> tuple[str, float | None]:
    """("tick", value) | ("custom_resource", None) | ("heartbeat", None) | ("nothing", None)."""
    if not isinstance(event, dict):
        return "nothing", None
    if event.get("alarmclock") == "heartbeat":
        return "heartbeat", None
    if "RequestType" in event:
        return "custom_resource", None
    if event.get("source") == "aws.cloudwatch" and isinstance(event.get("alarmData"), dict):
        data = event["alarmData"]  # CloudWatch's direct Lambda action
        state = data.get("state")
        return alarm_tick(data.get("alarmName"), state.get("value") if isinstance(state, dict) else None)
    records = event.get("Records")
    if not (isinstance(records, list) and records and isinstance(records[0], dict)):
        return "nothing", None
    sns = records[0].get("Sns")
    raw = sns.get("Message") if isinstance(sns, dict) else None
    try:
        message = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return "nothing", None
    if isinstance(message, dict) and "RequestType" in message:
        return "custom_resource", None
    if isinstance(message, dict):
        return alarm_tick(message.get("AlarmName"), message.get("NewStateValue"))
    return "nothing", None


def alarm_tick(name: Any, state: Any) -> tuple[str, float | None]:
    if isinstance(name, str) and name in NEXT and state == "ALARM":
        return "tick", NEXT[name]
    return "nothing", None


def check(event: Any) -> str:
    """Run the handler on event and hold it to the oracle; return what the event was."""
    kind, value = expected(event)  # first: the handler may touch the event
    aws = FakeAWS()
    result = handler.handle(event, None, clock_config(targets=TARGETS), aws.runtime())  # must not raise
    assert isinstance(result, dict) and "action" in result, result
    if kind == "nothing":
        assert result["action"] == "ignored", result
        assert aws.calls == [] and aws.answers == [], (aws.calls, aws.answers)
        assert aws.logs and aws.logs[-1]["action"] == "ignored"
    elif kind == "tick":
        assert result["action"] == "tick", result
        # Published with the tick's own time, unless that is more than an hour old or five minutes
        # ahead: then the tick is only delivered (CloudWatch would refuse or ignore the point).
        stamp = datetime.fromisoformat(result["tick"]["tick_time"].replace("Z", "+00:00")).timestamp()
        puts = aws.called("put_metric_data")
        if -handler.MAX_STAMP_AHEAD_S <= NOW - stamp <= handler.MAX_STAMP_AGE_S:
            (put,) = puts
            assert put["Namespace"] == f"alarmclock/{CLOCK}"
            assert [point["Value"] for point in put["MetricData"]] == [value]
            assert abs(put["MetricData"][0]["Timestamp"] - stamp) < 0.001
        else:
            assert puts == [] and result["published"] is None
        assert aws.called("set_alarm_state") == [] and aws.answers == []
        delivered = [service for service, name, _ in aws.calls if name != "put_metric_data"]
        assert sorted(delivered) == ["events", "lambda", "sns", "sqs"]
    elif kind == "custom_resource":
        assert aws.called("put_metric_data") == []
        assert len(aws.answers) == 1, aws.answers
        assert json.loads(aws.answers[0][1])["Status"] in ("SUCCESS", "FAILED")
    else:  # heartbeat
        assert result["action"] == "heartbeat", result
        assert aws.called("put_metric_data") == [] and aws.answers == []
    return kind


# ---- strategies ----------------------------------------------------------------------------------

NAMES = [
    f"{CLOCK}-tick-is-0",
    f"{CLOCK}-tick-is-1",
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
]
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
    "alarmclock": ["heartbeat", "Heartbeat", ""],
    "Paused": ["true", "false", "TRUE", True, 1],
    "Records": [[], [None], [{}], [{"Sns": None}], [{"Sns": {"Message": None}}]],
}
strings = st.text(max_size=16) | st.sampled_from(
    [*NAMES, *STATES, *REQUEST_TYPES, *TIMES, *REASONS, *MESSAGES, *KEYS, "heartbeat"]
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


def valid_alarm(name: str) -> Any:
    """A recorded alarm notification of alarm `name`, in either format."""
    return st.sampled_from(["sns", "direct"]).map(lambda how: alarm_event(how, name))


def alarm_event(how: str, name: str) -> dict[str, Any]:
    if how == "direct":
        event = copy.deepcopy(RECORDED["lambda_alarm_action.json"])
        event["alarmData"]["alarmName"] = name
        return event
    event = copy.deepcopy(RECORDED["sns_alarm_notification.json"])
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    event["Records"][0]["Sns"]["Message"] = json.dumps(message | {"AlarmName": name})
    return event


MUTATED_RECORDED: st.SearchStrategy[Any] = st.sampled_from(sorted(RECORDED)).flatmap(
    lambda name: mutated(RECORDED[name])
)


# ---- the properties ------------------------------------------------------------------------------


@settings(FUZZ, max_examples=1500)
@given(event=json_values)
def test_arbitrary_json_never_raises_and_never_moves_the_metric(event: Any) -> None:
    check(event)


@settings(FUZZ, max_examples=2000)
@given(event=MUTATED_RECORDED)
def test_mutated_recorded_events_tick_only_when_they_still_are_this_clocks_alarm(event: Any) -> None:
    check(event)


@settings(FUZZ, max_examples=800)
@given(
    message=strings
    | json_values.map(json.dumps)
    | mutated(json.loads(MESSAGES[-1])).map(json.dumps)
    | mutated({"RequestType": "Create", "ResponseURL": "https://x", "ResourceProperties": {}}).map(json.dumps),
    record_extras=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=2),
)
def test_any_sns_message_is_an_alarm_a_request_or_ignored(message: str, record_extras: dict[str, Any]) -> None:
    check({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message}} | record_extras]})


@settings(FUZZ, max_examples=400)
@given(
    event=st.sampled_from(sorted(NEXT)).flatmap(valid_alarm),
    when=st.sampled_from(TIMES) | st.text(max_size=30),
    reason=st.sampled_from(REASONS) | st.text(max_size=30).map(lambda text: "replaying " + text),
    extras=st.dictionaries(st.text(max_size=8).filter(lambda k: k not in KEYS), json_values, max_size=3),
)
def test_a_valid_alarm_ticks_once_whatever_its_time_reason_and_extra_keys(
    event: Any, when: str, reason: str, extras: Any
) -> None:
    if "alarmData" in event:
        event["alarmData"]["state"] |= {"timestamp": when, "reason": reason}
    else:
        message = json.loads(event["Records"][0]["Sns"]["Message"])
        event["Records"][0]["Sns"]["Message"] = json.dumps(
            message | {"StateChangeTime": when, "NewStateReason": reason}
        )
    assert check(event | extras) == "tick"


@settings(FUZZ, max_examples=400)
@given(
    request=st.fixed_dictionaries(
        {"RequestType": st.sampled_from(REQUEST_TYPES) | json_values},
        optional={key: json_values for key in ("ResponseURL", "ResourceProperties", "OldResourceProperties")}
        | {"PhysicalResourceId": json_values, "StackId": json_values, "LogicalResourceId": json_values},
    ),
)
def test_any_custom_resource_request_is_answered_exactly_once_and_never_ticks(request: dict[str, Any]) -> None:
    assert check(request) == "custom_resource"


@settings(FUZZ, max_examples=200)
@given(extras=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=4))
def test_a_heartbeat_never_publishes_whatever_else_it_carries(extras: dict[str, Any]) -> None:
    event = extras | {"alarmclock": "heartbeat"}
    assert check(event) == "heartbeat"


def test_the_fuzzers_reach_every_kind_of_event() -> None:
    # A fuzzer that only ever made ignored events would prove little about the rules for real ones.
    # (Heartbeats have a property of their own, which asserts the kind on every example.)
    for kind in ("nothing", "tick", "custom_resource"):

        def is_kind(event: Any, kind: str = kind) -> bool:
            return expected(event)[0] == kind

        assert check(find(MUTATED_RECORDED, is_kind, settings=settings(FUZZ, max_examples=500))) == kind
