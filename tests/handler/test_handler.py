"""The Lambda handler against moto: real boto3 calls, recorded AWS payloads, real HTTP answers.

The default clock is the one-alarm design on a sliding window (what the template deploys unless
told otherwise); tests of the seed's pair build their config with ``alarms=2`` and say so.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import boto3
import pytest

from alarmclock import handler
from alarmclock.alarm_facts import evaluation_cycle

from conftest import (
    ACCOUNT,
    CLOCK,
    REGION,
    STACK_ID,
    AnsweringCloudWatch,
    CaughtAnswers,
    Clock,
    answer_url,
    clock_config,
    load_event,
    make_runtime,
)


def at(text: str) -> float:
    """Epoch seconds of a UTC time written as CloudWatch writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# The recorded state changes (tests/events/README.md) and the stamps the handler documents for
# them on a 60 s sliding window: one second before the end of the minute the alarm looks at next.
PAIR_CHANGE = at("2026-11-27T08:42:05.577Z")  # sns_alarm_notification.json: the pair's tick-is-0 to ALARM
ALARM_CHANGE = at("2026-11-27T08:43:17.611Z")  # lambda_alarm_action.json: tick-is-1 to ALARM
OK_CHANGE = at("2026-11-27T08:44:17.604Z")  # *_ok.json: the one alarm back to OK
PAIR_STAMP = at("2026-11-27T08:42:59Z")
ALARM_STAMP = at("2026-11-27T08:43:59Z")
OK_STAMP = at("2026-11-27T08:44:59Z")
# 1.223 s after each change, as a real invocation would run.
NOW = PAIR_CHANGE + 1.223
ALARM_NOW = ALARM_CHANGE + 1.223
OK_NOW = OK_CHANGE + 1.223
NAMESPACE = f"alarmclock/{CLOCK}"
TICK_IS_0 = f"{CLOCK}-tick-is-0"
TICK_IS_1 = f"{CLOCK}-tick-is-1"
OK_EVENTS = ["lambda_alarm_action_ok.json", "sns_alarm_notification_ok.json"]


def pair_config(targets: list[str] | tuple[str, ...] = (), period: int = 60) -> handler.ClockConfig:
    """The seed's pair (--alarms 2): tick-is-0 and tick-is-1, each acting on ALARM only."""
    return make_config(alarms=2, targets=targets, period=period)


def make_config(
    alarms: int = 1,
    window: str = "sliding",
    period: int = 60,
    targets: list[str] | tuple[str, ...] = (),
) -> handler.ClockConfig:
    return handler.ClockConfig(
        clock=CLOCK,
        namespace=NAMESPACE,
        period=period,
        alarm_prefix=f"{CLOCK}-tick-is-",
        targets=list(targets),
        alarms=alarms,
        window=window,
        stack_id=STACK_ID,
    )


def published_ticks(start: float = NOW - 600, end: float = NOW + 600) -> list[tuple[float, float]]:
    """(minute, average) for each minute in which the clock published Tick, from moto's CloudWatch."""
    answer = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Tick",
        StartTime=datetime.fromtimestamp(start, UTC),
        EndTime=datetime.fromtimestamp(end, UTC),
        Period=60,
        Statistics=["Average"],
    )
    # moto stamps a datapoint with its first point's time, AWS with the period's start: compare minutes.
    return sorted((p["Timestamp"].timestamp() // 60 * 60, p["Average"]) for p in answer["Datapoints"])


def record_puts(runtime: handler.Runtime) -> list[tuple[float, float, int]]:
    """(value, stamp, storage resolution) of each Tick the handler sends, exactly as it sends it."""
    puts: list[tuple[float, float, int]] = []
    runtime.client("cloudwatch", None).meta.events.register(
        "provide-client-params.cloudwatch.PutMetricData",
        lambda params, **_: puts.extend(
            (d["Value"], d["Timestamp"], d["StorageResolution"]) for d in params["MetricData"]
        ),
    )
    return puts


def with_reason(event: dict[str, Any], reason: str, when: str | None = None) -> dict[str, Any]:
    """A recorded alarm notification, in either format, with another state reason (and time)."""
    if "alarmData" in event:
        event["alarmData"]["state"]["reason"] = reason
        if when is not None:
            event["alarmData"]["state"]["timestamp"] = when
        return event
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["NewStateReason"] = reason
    if when is not None:
        message["StateChangeTime"] = when
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def make_queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def received(url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


# ---- ticks: the one alarm (the default) ------------------------------------------------------------


def test_the_one_alarms_alarm_action_publishes_0_stamped_before_the_end_of_the_next_minute(aws: None) -> None:
    runtime, logs = make_runtime(now=Clock(ALARM_NOW))
    puts = record_puts(runtime)
    result = handler.handle(load_event("lambda_alarm_action.json"), None, clock_config(), runtime)
    assert result["action"] == "tick"
    assert result["published"] == 0  # ALARM: Tick is 1, so the next value is 0
    assert puts == [(0.0, ALARM_STAMP, 1)]  # 08:43:59, not the change's 08:43:17.611
    assert published_ticks() == [(ALARM_STAMP // 60 * 60, 0.0)]
    (line,) = logs
    assert line["via"] == "lambda" and line["alarm"] == TICK_IS_1 and line["published"] == 0
    assert line["tick_time"] == "2026-11-27T08:43:17.611Z"  # the tick is the change, whatever the stamp


@pytest.mark.parametrize("name", OK_EVENTS)
def test_the_one_alarms_ok_action_publishes_1_and_is_a_tick_in_both_formats(aws: None, name: str) -> None:
    runtime, logs = make_runtime(now=Clock(OK_NOW))
    puts = record_puts(runtime)
    result = handler.handle(load_event(name), None, clock_config(), runtime)
    assert result["action"] == "tick"
    assert result["published"] == 1  # OK: Tick is 0, so the next value is 1
    assert puts == [(1.0, OK_STAMP, 1)]
    assert result["tick"]["alarm"] == TICK_IS_1
    assert result["tick"]["tick_time"] == "2026-11-27T08:44:17.604Z"
    (line,) = logs
    assert line["action"] == "tick" and line["via"] == ("sns" if name.startswith("sns") else "lambda")
    assert line["lag_s"] == pytest.approx(1.223, abs=1e-3)


def test_the_same_ok_change_through_sns_and_direct_is_one_tick_id_and_one_stamp(aws: None) -> None:
    runtime, _ = make_runtime(now=Clock(OK_NOW))
    puts = record_puts(runtime)
    direct, via_sns = (handler.handle(load_event(name), None, clock_config(), runtime) for name in OK_EVENTS)
    assert direct["tick"]["tick_id"] == via_sns["tick"]["tick_id"]
    assert puts == [(1.0, OK_STAMP, 1)] * 2


def test_a_duplicate_notification_gives_the_same_tick_id_the_same_value_and_the_same_stamp(aws: None) -> None:
    runtime, _ = make_runtime(now=Clock(OK_NOW))
    puts = record_puts(runtime)
    event = load_event("sns_alarm_notification_ok.json")
    first = handler.handle(event, None, clock_config(), runtime)
    runtime.now = Clock(OK_NOW + 20)  # the duplicate arrives later in the same minute
    second = handler.handle(event, None, clock_config(), runtime)
    assert first["tick"]["tick_id"] == second["tick"]["tick_id"]
    assert first["published"] == second["published"] == 1
    # Stamped from the change, not from now: both points land on the same second with the same
    # value, so the minute's average is still 1 and the loop is unharmed.
    assert puts == [(1.0, OK_STAMP, 1)] * 2
    assert published_ticks() == [(OK_STAMP // 60 * 60, 1.0)]


# ---- ticks: the seed's pair (--alarms 2) -----------------------------------------------------------


def test_the_pairs_sns_alarm_notification_publishes_the_opposite_value(aws: None) -> None:
    runtime, logs = make_runtime(now=Clock(NOW))
    puts = record_puts(runtime)
    result = handler.handle(load_event("sns_alarm_notification.json"), None, pair_config(), runtime)
    assert result["action"] == "tick"
    assert result["published"] == 1  # the pair's tick-is-0 fired, so the next value is 1
    assert puts == [(1.0, PAIR_STAMP, 1)]  # the pair stamps on a sliding window the same way
    assert published_ticks() == [(PAIR_STAMP // 60 * 60, 1.0)]
    (line,) = logs
    assert line["action"] == "tick" and line["published"] == 1 and line["via"] == "sns"
    assert line["tick_time"] == "2026-11-27T08:42:05.577Z"
    assert line["lag_s"] == pytest.approx(1.223, abs=1e-3)


def test_the_pairs_tick_is_1_alarm_publishes_0(aws: None) -> None:
    runtime, logs = make_runtime(now=Clock(ALARM_NOW))
    puts = record_puts(runtime)
    result = handler.handle(load_event("lambda_alarm_action.json"), None, pair_config(), runtime)
    assert result["published"] == 0
    assert puts == [(0.0, ALARM_STAMP, 1)]
    assert logs[0]["via"] == "lambda"


def test_the_same_state_change_has_the_same_id_through_sns_and_direct() -> None:
    sns_message = json.loads(load_event("sns_alarm_notification.json")["Records"][0]["Sns"]["Message"])
    direct = load_event("lambda_alarm_action.json")
    direct["alarmData"]["alarmName"] = sns_message["AlarmName"]
    direct["alarmData"]["state"]["timestamp"] = sns_message["StateChangeTime"]
    kind_sns, change_sns = handler.classify(load_event("sns_alarm_notification.json"))
    kind_direct, change_direct = handler.classify(direct)
    assert kind_sns == kind_direct == "alarm"
    assert handler.tick_id(change_sns.name, handler.parse_time(change_sns.time, 0)) == handler.tick_id(
        change_direct.name, handler.parse_time(change_direct.time, 0)
    )


# ---- the stamp -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "stamp"),
    [
        (10, "08:43:19"),  # high resolution: evaluated every 10 s, so the window ends on 08:43:10
        (20, "08:43:29"),
        (30, "08:43:39"),
        (60, "08:43:59"),
        (300, "08:47:59"),  # evaluated every minute: the window ends on 08:43:00, the next period on 08:48
    ],
)
def test_a_sliding_window_clock_stamps_one_second_before_the_end_of_the_next_period(
    aws: None, period: int, stamp: str
) -> None:
    runtime, _ = make_runtime(now=Clock(ALARM_NOW))
    puts = record_puts(runtime)
    config = make_config(period=period)
    handler.handle(load_event("lambda_alarm_action.json"), None, config, runtime)
    expected = at(f"2026-11-27T{stamp}Z")
    assert puts == [(0.0, expected, 1 if period <= 60 else 60)]
    assert handler.next_stamp(ALARM_CHANGE, config) == expected
    # The documented rule: floor(t / cycle) * cycle + period - 1.
    cycle = evaluation_cycle(period)
    assert expected == ALARM_CHANGE // cycle * cycle + period - 1


def test_a_change_on_the_cycles_first_second_is_stamped_a_whole_period_ahead() -> None:
    config = make_config(period=10)
    assert handler.next_stamp(at("2026-11-27T08:43:10Z"), config) == at("2026-11-27T08:43:19Z")
    assert handler.next_stamp(at("2026-11-27T08:43:19.999Z"), config) == at("2026-11-27T08:43:19Z")


@pytest.mark.parametrize("offset", [0.0, 0.001, 17.611, 59.999])
def test_a_120_minute_clock_never_stamps_more_than_two_hours_ahead(offset: float) -> None:
    # fact: PutMetricData refuses points stamped more than two hours ahead (API reference).
    config = make_config(period=7200)
    changed = at("2026-11-27T08:43:00Z") + offset
    for lag in (0.0, 0.2, 5.0):
        stamp = handler.next_stamp(changed, config)
        assert 0 < stamp - (changed + lag) <= 7200
        assert stamp == at("2026-11-27T10:42:59Z")  # still in the last minute of the next period


def test_a_120_minute_clock_publishes_a_change_up_to_two_periods_old(aws: None) -> None:
    # An hour is no limit for a clock whose alarm looks two hours back.
    runtime, logs = make_runtime(now=Clock(ALARM_CHANGE + 3 * 3600))
    puts = record_puts(runtime)
    handler.handle(load_event("lambda_alarm_action.json"), None, make_config(period=7200), runtime)
    assert puts == [(0.0, at("2026-11-27T10:42:59Z"), 60)]
    assert logs[0]["published"] == 0


@pytest.mark.parametrize("period", [60, 300, 3600, 86_400])
def test_a_wall_clock_window_stamps_the_change_time(aws: None, period: int) -> None:
    # A wall-clock window reflects a point only when the aligned period holding it ends.
    runtime, _ = make_runtime(now=Clock(ALARM_NOW))
    puts = record_puts(runtime)
    config = make_config(window="wallclock", period=period)
    handler.handle(load_event("lambda_alarm_action.json"), None, config, runtime)
    assert puts == [(0.0, ALARM_CHANGE, 1 if period <= 60 else 60)]
    assert handler.next_stamp(ALARM_CHANGE, config) == ALARM_CHANGE


# ---- delivery ---------------------------------------------------------------------------------------


def test_every_target_kind_receives_the_documented_tick(aws: None) -> None:
    # SQS directly; SNS and EventBridge through an SQS subscriber, so delivery is real in moto.
    queue_url, queue_arn = make_queue("direct")
    topic_queue_url, topic_queue_arn = make_queue("from-topic")
    bus_queue_url, bus_queue_arn = make_queue("from-bus")
    topic_arn = boto3.client("sns").create_topic(Name="ticks")["TopicArn"]
    boto3.client("sns").subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    events = boto3.client("events")
    bus_arn = events.create_event_bus(Name="clock-bus")["EventBusArn"]
    events.put_rule(Name="ticks", EventBusName="clock-bus", EventPattern=json.dumps({"source": ["alarmclock"]}))
    events.put_targets(Rule="ticks", EventBusName="clock-bus", Targets=[{"Id": "q", "Arn": bus_queue_arn}])

    runtime, logs = make_runtime(now=Clock(OK_NOW))
    config = clock_config(targets=[queue_arn, topic_arn, bus_arn], payload={"job": "report"})
    handler.handle(load_event("sns_alarm_notification_ok.json"), None, config, runtime)

    (direct,) = received(queue_url)
    assert direct == {
        "source": "alarmclock",
        "version": 1,
        "clock": CLOCK,
        "tick_id": direct["tick_id"],
        "tick_time": "2026-11-27T08:44:17.604Z",  # the change's time, not the Tick's stamp
        "period_s": 60,
        "alarm": TICK_IS_1,
        "payload": {"job": "report"},
    }
    assert len(direct["tick_id"]) == 16
    assert received(topic_queue_url) == [direct]
    (from_bus,) = received(bus_queue_url)
    assert from_bus["source"] == "alarmclock" and from_bus["detail"] == direct
    assert logs[0]["delivered"] == 3 and logs[0]["failed"] == []


def test_a_lambda_target_is_invoked_asynchronously_with_the_tick(aws: None) -> None:
    # moto runs Lambda code only in Docker, which this machine lacks, so the target's side
    # is read off the wire: the request moto accepted (202) is the one a real function gets.
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    target = boto3.client("lambda").create_function(
        FunctionName="my-job", Runtime="python3.13", Role=role, Handler="x.h", Code={"ZipFile": b"x"}
    )["FunctionArn"]
    sent: list[tuple[str, bytes]] = []
    statuses: list[int] = []
    runtime, logs = make_runtime(now=Clock(OK_NOW))
    lambda_client = runtime.client("lambda", REGION)
    lambda_client.meta.events.register(
        "before-send.lambda.Invoke",
        lambda request, **_: sent.append((request.headers.get("X-Amz-Invocation-Type").decode(), request.body)),
    )
    lambda_client.meta.events.register(
        "after-call.lambda.Invoke", lambda http_response, **_: statuses.append(http_response.status_code)
    )
    handler.handle(load_event("sns_alarm_notification_ok.json"), None, clock_config(targets=[target]), runtime)
    ((invocation_type, body),) = sent
    assert invocation_type == "Event"
    assert json.loads(body)["alarm"] == TICK_IS_1
    assert statuses == [202]
    assert logs[0]["delivered"] == 1


def test_a_failing_target_never_stops_the_beat_or_the_other_targets(aws: None) -> None:
    queue_url, queue_arn = make_queue("good")
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue"
    runtime, logs = make_runtime(now=Clock(OK_NOW))
    result = handler.handle(
        load_event("sns_alarm_notification_ok.json"), None, clock_config(targets=[missing, queue_arn]), runtime
    )
    assert result["published"] == 1
    assert published_ticks() == [(OK_STAMP // 60 * 60, 1.0)]
    assert len(received(queue_url)) == 1
    (line,) = logs  # the tick's line, which also counts the failure on the DeliveryFailures metric (EMF)
    assert line["DeliveryFailures"] == 1 and line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == NAMESPACE
    assert line["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "DeliveryFailures"}]
    assert line["level"] == "ERROR" and line["delivered"] == 1
    assert line["failed"][0].startswith(missing + ": ")


def test_a_failed_deliverys_line_is_stamped_with_the_invocations_time_in_milliseconds() -> None:
    # An EMF line's Timestamp is milliseconds since the epoch (CloudWatch User Guide, "Specification:
    # Embedded metric format"): the failure counts at the time of the invocation that saw it,
    # 2026-11-27T08:43:18.834Z (ALARM_NOW), so at 1,795,768,998,834 ms.
    class Refusing:
        def send_message(self, **kwargs: Any) -> None:
            raise RuntimeError("AccessDenied")

    logs: list[dict[str, Any]] = []
    runtime = handler.Runtime(
        client=lambda service, region: Refusing(), now=lambda: ALARM_NOW, http_put=None, log=logs.append
    )
    config = make_config(targets=[f"arn:aws:sqs:{REGION}:{ACCOUNT}:ticks"])
    config.publish = "logs"  # the value goes out as a log line too: no CloudWatch call
    handler.handle(load_event("lambda_alarm_action.json"), None, config, runtime)
    (line,) = [line for line in logs if line.get("action") == "tick"]
    assert line["DeliveryFailures"] == 1
    assert line["_aws"]["Timestamp"] == 1_795_768_998_834


def test_a_payload_that_is_not_json_fails_the_delivery_not_the_beat(aws: None) -> None:
    # JSON has no NaN or Infinity: Python's json.dumps would write them, and EventBridge or a
    # JavaScript target would refuse the tick. Refused here, the beat is published all the same.
    queue_url, queue_arn = make_queue("strict")
    runtime, logs = make_runtime(now=Clock(OK_NOW))
    config = clock_config(targets=[queue_arn], payload={"a": float("nan")})
    result = handler.handle(load_event("sns_alarm_notification_ok.json"), None, config, runtime)
    assert result["published"] == 1
    assert published_ticks() == [(OK_STAMP // 60 * 60, 1.0)]
    assert received(queue_url) == []
    (line,) = logs
    assert line["DeliveryFailures"] == 1
    assert line["level"] == "ERROR" and line["delivered"] == 0
    assert line["failed"] == [
        f"{queue_arn}: the tick is not valid JSON (Out of range float values are not JSON compliant)"
    ]


class RecordingClients:
    """Clients that record each call as (service, region, method, arguments); EventBridge answers `events`."""

    def __init__(self, events: dict[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, str | None, str, dict[str, Any]]] = []
        self.events = events if events is not None else {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}

    def client(self, service: str, region: str | None) -> Any:
        clients = self

        class Client:
            def __getattr__(self, method: str) -> Any:
                def call(**kwargs: Any) -> Any:
                    clients.calls.append((service, region, method, kwargs))
                    return clients.events if method == "put_events" else {}

                return call

        return Client()


FIFO = {"MessageGroupId": CLOCK, "MessageDeduplicationId": "id-1"}


@pytest.mark.parametrize(
    ("arn", "call"),
    [
        (
            "arn:aws:sqs:eu-west-1:123456789012:jobs",
            ("sqs", "eu-west-1", "send_message", {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"}),
        ),
        (
            "arn:aws-cn:sqs:cn-north-1:123456789012:jobs",
            (
                "sqs",
                "cn-north-1",
                "send_message",
                {"QueueUrl": "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/jobs"},
            ),
        ),
        (
            "arn:aws:sqs:eu-west-1:123456789012:jobs.fifo",
            (
                "sqs",
                "eu-west-1",
                "send_message",
                {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs.fifo", **FIFO},
            ),
        ),
        ("arn:aws:sns:eu-west-1:123456789012:topic", ("sns", "eu-west-1", "publish", {"TopicArn": "ARN"})),
        ("arn:aws:sns:eu-west-1:123456789012:t.fifo", ("sns", "eu-west-1", "publish", {"TopicArn": "ARN", **FIFO})),
    ],
)
def test_each_service_is_sent_the_tick_its_own_way(arn: str, call: tuple[str, str, str, dict[str, Any]]) -> None:
    clients = RecordingClients()
    runtime = handler.Runtime(client=clients.client, now=Clock(NOW), http_put=None, log=lambda _: None)
    handler.send_to_target(arn, "{}", runtime, FIFO)
    service, region, method, kwargs = call
    kwargs = {key: arn if value == "ARN" else value for key, value in kwargs.items()}
    body = {"MessageBody": "{}"} if service == "sqs" else {"Message": "{}"}
    assert clients.calls == [(service, region, method, kwargs | body)]


def test_a_lambda_target_is_invoked_and_an_event_bus_put_to() -> None:
    clients = RecordingClients()
    runtime = handler.Runtime(client=clients.client, now=Clock(NOW), http_put=None, log=lambda _: None)
    function = "arn:aws:lambda:eu-west-1:123456789012:function:job"
    bus = "arn:aws:events:eu-west-1:123456789012:event-bus/default"
    handler.send_to_target(function, "{}", runtime, FIFO)
    handler.send_to_target(bus, "{}", runtime, FIFO)
    entry = {"Source": "alarmclock", "DetailType": "alarmclock tick", "Detail": "{}", "EventBusName": bus}
    assert clients.calls == [
        ("lambda", "eu-west-1", "invoke", {"FunctionName": function, "InvocationType": "Event", "Payload": b"{}"}),
        ("events", "eu-west-1", "put_events", {"Entries": [entry]}),
    ]


def test_what_is_not_a_target_fails_its_delivery_alone() -> None:
    refused = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "AccessDenied"}]}
    clients = RecordingClients(events=refused)
    runtime = handler.Runtime(client=clients.client, now=Clock(NOW), http_put=None, log=lambda _: None)
    queue = "arn:aws:sqs:eu-west-1:123456789012:jobs"
    targets = [
        "not-an-arn",
        "urn:aws:sqs:eu-west-1:123456789012:jobs",
        "arn:aws:s3:eu-west-1:123456789012:bucket",
        "arn:aws:events:eu-west-1:123456789012:event-bus/default",
        queue,
    ]
    failures = handler.deliver({"clock": CLOCK, "tick_id": "id-1"}, targets, runtime)
    assert failures == [
        "not-an-arn: ValueError: not an ARN",
        "urn:aws:sqs:eu-west-1:123456789012:jobs: ValueError: not an ARN",
        "arn:aws:s3:eu-west-1:123456789012:bucket: ValueError: unsupported target service s3",
        "arn:aws:events:eu-west-1:123456789012:event-bus/default: RuntimeError: [{'ErrorCode': 'AccessDenied'}]",
    ]
    assert [call[2] for call in clients.calls] == ["put_events", "send_message"]  # the queue still gets it


def failing_cloudwatch(code: str = "Throttling") -> Any:
    """A real boto3 CloudWatch client whose every call is answered with an AWS error."""
    client = boto3.client("cloudwatch", region_name=REGION)

    class ErrorResponse:
        status_code = 400
        headers: ClassVar[dict[str, str]] = {}

    client.meta.events.register(
        "before-call.cloudwatch.*",
        lambda **_: (ErrorResponse(), {"Error": {"Code": code, "Message": "Rate exceeded"}}),
    )
    return client


def test_when_the_beat_cannot_be_published_the_handler_raises_so_lambda_retries(aws: None) -> None:
    queue_url, queue_arn = make_queue("q")
    cloudwatch = failing_cloudwatch()
    runtime, _ = make_runtime(now=Clock(OK_NOW))
    moto_client = runtime.client
    runtime.client = lambda service, region: cloudwatch if service == "cloudwatch" else moto_client(service, region)
    with pytest.raises(Exception, match="Throttling"):
        handler.handle(load_event("sns_alarm_notification_ok.json"), None, clock_config(targets=[queue_arn]), runtime)
    assert received(queue_url) == []  # the retry delivers it, with the same tick_id


def test_a_change_older_than_an_hour_is_neither_published_nor_delivered(aws: None) -> None:
    # Outside every alarm's view, it can only be a replay (tests/handler/test_trust_boundary.py has the forged ones).
    queue_url, queue_arn = make_queue("late")
    runtime, logs = make_runtime(now=Clock(OK_CHANGE + 2 * 3600))
    puts = record_puts(runtime)
    result = handler.handle(
        load_event("sns_alarm_notification_ok.json"), None, clock_config(targets=[queue_arn]), runtime
    )
    assert result["action"] == "ignored" and "out of the alarms' view" in result["reason"]
    assert logs[-1]["level"] == "WARNING"
    assert puts == [] and received(queue_url) == []


# ---- events the clock must ignore ------------------------------------------------------------

MALFORMED: list[Any] = [
    None,
    [],
    "ALARM",
    42,
    {},
    {"Records": []},
    {"Records": [None]},
    {"Records": [{"Sns": {"Message": "not json"}}]},
    {"Records": [{"Sns": {"Message": "[1, 2]"}}]},
    {"Records": [{"Sns": {"Message": json.dumps({"AlarmName": 7, "NewStateValue": "ALARM"})}}]},
    {"Records": [{"Sns": {"Message": json.dumps({"AlarmName": None})}}]},
    {"source": "aws.cloudwatch", "alarmData": {}},
    {"source": "aws.cloudwatch", "alarmData": {"alarmName": "my-clock-tick-is-2", "state": {"value": "ALARM"}}},
    {"source": "aws.cloudwatch", "alarmData": {"alarmName": "my-clock-tick-is-0", "state": None}},
    {"source": "aws.cloudwatch", "alarmData": {"alarmName": ["x"], "state": {"value": "ALARM"}}},
    {"detail-type": "Scheduled Event", "source": "aws.events"},
]


NOT_OURS = "is not one of this clock's"  # an alarm without this clock's name and ARN
# Why each of MALFORMED is ignored, in the order of MALFORMED.
IGNORED_BECAUSE = [
    *["event is not an object"] * 4,
    *["unknown event shape"] * 3,
    "unreadable event: JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
    "SNS message is neither an alarm nor a CloudFormation request",
    f"alarm 7 {NOT_OURS}",
    *[f"alarm None {NOT_OURS}"] * 2,
    f"alarm 'my-clock-tick-is-2' {NOT_OURS}",
    f"alarm 'my-clock-tick-is-0' {NOT_OURS}",  # the pair's, but with no ARN
    f"alarm ['x'] {NOT_OURS}",
    "unknown event shape",
]


@pytest.mark.parametrize("alarms", [1, 2], ids=["one-alarm", "pair"])
@pytest.mark.parametrize(
    ("event", "reason"),
    list(zip(MALFORMED, IGNORED_BECAUSE, strict=True)),
    ids=[f"malformed-{i}" for i in range(len(MALFORMED))],
)
def test_a_malformed_event_is_logged_and_ignored_without_touching_the_metric(
    aws: None, event: Any, reason: str, alarms: int
) -> None:
    runtime, logs = make_runtime(now=Clock(NOW))
    result = handler.handle(event, None, make_config(alarms=alarms), runtime)
    assert result == {"action": "ignored", "reason": reason}
    assert logs[-1] == {"level": "WARNING", "clock": CLOCK, "action": "ignored", "reason": reason}
    assert published_ticks() == []


@pytest.mark.parametrize("missing", ["ResponseURL", "StackId", "RequestId", "all"])
def test_a_request_without_what_cloudformation_always_sends_is_ignored_with_a_warning(
    aws: None, answers: CaughtAnswers, missing: str
) -> None:
    request = custom_resource("cfn_create.json", answers)
    request = {"RequestType": "Create"} if missing == "all" else {k: v for k, v in request.items() if k != missing}
    runtime, logs = make_runtime(now=Clock(NOW))
    wave = handler.ClockConfig(CLOCK, NAMESPACE, 60, f"{CLOCK}-tick-is-", publish="wave")
    for config in (clock_config(), wave):
        for event in (request, {"Records": [{"Sns": {"Message": json.dumps(request)}}]}):
            result = handler.handle(event, None, config, runtime)
            assert result["action"] == "ignored" and "ResponseURL, StackId and RequestId" in result["reason"]
    # One WARNING line each, and nothing else done: no answer, no kick, no wave laid.
    assert [(line["level"], line["action"]) for line in logs] == [("WARNING", "ignored")] * 4
    assert answers.bodies == [] and published_ticks() == []


def test_another_alarms_notification_is_ignored(aws: None) -> None:
    event = load_event("lambda_alarm_action.json")
    event["alarmData"]["alarmName"] = "other-clock-tick-is-1"
    runtime, logs = make_runtime(now=Clock(NOW))
    assert handler.handle(event, None, clock_config(), runtime)["action"] == "ignored"
    assert "not one of this clock's" in logs[0]["reason"]
    assert published_ticks() == []


def test_a_one_alarm_clock_has_no_tick_is_0_and_ignores_one(aws: None) -> None:
    runtime, logs = make_runtime(now=Clock(NOW))
    result = handler.handle(load_event("sns_alarm_notification.json"), None, clock_config(), runtime)
    assert result["action"] == "ignored"
    assert "not one of this clock's" in logs[0]["reason"]
    assert published_ticks() == []


@pytest.mark.parametrize("name", OK_EVENTS)
def test_for_the_pair_an_ok_is_not_a_tick(aws: None, name: str) -> None:
    # The pair acts on ALARM only: its alarms' OK says nothing the other alarm's ALARM will not.
    queue_url, queue_arn = make_queue("q")
    runtime, logs = make_runtime(now=Clock(OK_NOW))
    result = handler.handle(load_event(name), None, pair_config(targets=[queue_arn]), runtime)
    assert result["action"] == "ignored"
    assert "which is not a tick" in logs[0]["reason"]
    assert published_ticks() == []
    assert received(queue_url) == []


@pytest.mark.parametrize("alarms", [1, 2], ids=["one-alarm", "pair"])
def test_a_change_to_insufficient_data_is_not_a_tick(aws: None, alarms: int) -> None:
    for name in ("lambda_alarm_action.json", "lambda_alarm_action_ok.json"):
        event = load_event(name)
        event["alarmData"]["state"]["value"] = "INSUFFICIENT_DATA"
        runtime, _ = make_runtime(now=Clock(OK_NOW))
        assert handler.handle(event, None, make_config(alarms=alarms), runtime)["action"] == "ignored"
    assert published_ticks() == []


@pytest.mark.parametrize(
    ("name", "alarms"),
    [
        ("lambda_alarm_action.json", 1),  # the prelude of a kick into OK: this ALARM must not publish 0
        ("lambda_alarm_action_ok.json", 1),  # the prelude of a kick into ALARM
        ("sns_alarm_notification_ok.json", 1),
        ("sns_alarm_notification.json", 2),  # the pair's tick-is-0 (a restart whose kick goes to OK first)
    ],
)
def test_a_kicks_prelude_is_ignored_in_both_formats(aws: None, name: str, alarms: int) -> None:
    queue_url, queue_arn = make_queue("q")
    event = with_reason(load_event(name), handler.PRELUDE_MARK + " (alarmclock: restart (test))")
    runtime, logs = make_runtime(now=Clock(OK_NOW))
    result = handler.handle(event, None, make_config(alarms=alarms, targets=[queue_arn]), runtime)
    assert result == {"action": "ignored", "reason": result["reason"]}
    assert "as a kick's first step" in result["reason"]
    assert [line["action"] for line in logs] == ["ignored"]
    assert published_ticks() == []
    assert received(queue_url) == []  # no tick either


def test_a_reason_that_only_mentions_the_prelude_is_still_a_tick(aws: None) -> None:
    event = with_reason(
        load_event("lambda_alarm_action_ok.json"), "Threshold Crossed (not " + handler.PRELUDE_MARK + ")"
    )
    runtime, _ = make_runtime(now=Clock(OK_NOW))
    assert handler.handle(event, None, clock_config(), runtime)["published"] == 1


def test_an_unreadable_time_falls_back_to_now(aws: None) -> None:
    event = load_event("lambda_alarm_action.json")
    event["alarmData"]["state"]["timestamp"] = "yesterday"
    event["time"] = None
    runtime, logs = make_runtime(now=Clock(NOW))
    puts = record_puts(runtime)
    result = handler.handle(event, None, clock_config(), runtime)
    assert result["tick"]["tick_time"] == handler._iso(NOW)
    assert logs[0]["lag_s"] == 0
    assert puts == [(0.0, PAIR_STAMP, 1)]  # NOW is in 08:42, so stamped 08:42:59


# ---- the custom resource -----------------------------------------------------------------------


def custom_resource(name: str, answers: CaughtAnswers) -> dict[str, Any]:
    request = load_event(name)
    request["ResponseURL"] = answers.url
    return request


def create_alarms(alarms: int = 1) -> Any:
    """The clock's tick alarms in moto, as the template declares them for `alarms`."""
    cloudwatch = boto3.client("cloudwatch")
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"
    if alarms == 1:
        cloudwatch.put_metric_alarm(
            AlarmName=TICK_IS_1,
            Namespace=NAMESPACE,
            MetricName="Tick",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[function],
            OKActions=[function],
        )
    else:
        for value, operator in ((0, "LessThanOrEqualToThreshold"), (1, "GreaterThanOrEqualToThreshold")):
            cloudwatch.put_metric_alarm(
                AlarmName=f"{CLOCK}-tick-is-{value}",
                Namespace=NAMESPACE,
                MetricName="Tick",
                Statistic="Average",
                Period=60,
                EvaluationPeriods=1,
                Threshold=value,
                ComparisonOperator=operator,
                AlarmActions=[function],
            )
    # fact: a new alarm starts in INSUFFICIENT_DATA (PutMetricAlarm API reference); moto starts it in OK.
    for alarm in cloudwatch.describe_alarms(AlarmNamePrefix=CLOCK)["MetricAlarms"]:
        cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="INSUFFICIENT_DATA", StateReason="new")
    return cloudwatch


def alarm_states(cloudwatch: Any) -> dict[str, tuple[str, str]]:
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=CLOCK)["MetricAlarms"]
    return {a["AlarmName"]: (a["StateValue"], a["StateReason"]) for a in alarms}


def record_set_alarm_state(runtime: handler.Runtime) -> list[tuple[str, str, str]]:
    """(alarm, state, reason) for each SetAlarmState the handler sends (moto keeps no alarm history)."""
    calls: list[tuple[str, str, str]] = []
    runtime.client("cloudwatch", None).meta.events.register(
        "provide-client-params.cloudwatch.SetAlarmState",
        lambda params, **_: calls.append((params["AlarmName"], params["StateValue"], params["StateReason"])),
    )
    return calls


def states(kicks: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(alarm, state) for alarm, state, _ in kicks]


# A new alarm is in INSUFFICIENT_DATA, so one SetAlarmState is a state change and runs its action.
KICK_ONE_ALARM = [(TICK_IS_1, "OK")]  # its OK action publishes 1
KICK_PAIR = [(TICK_IS_0, "ALARM")]  # tick-is-0's ALARM action publishes 1


def test_create_kicks_the_one_alarm_into_ok_once_and_answers_success(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = create_alarms()
    runtime, logs = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    result = handler.handle(custom_resource("cfn_create.json", answers), None, clock_config(), runtime)
    assert result["status"] == "SUCCESS"
    assert kicks == [(TICK_IS_1, "OK", "alarmclock: stack created")]  # no prelude: the alarm is new
    assert alarm_states(cloudwatch) == {TICK_IS_1: ("OK", "alarmclock: stack created")}
    assert published_ticks() == []  # the function publishes 1 when the OK action invokes it
    assert any(line["action"] == "kick" and line["state"] == "OK" for line in logs)
    (body,) = answers.bodies
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == f"{CLOCK}-Starter"
    assert body["StackId"].endswith("/my-clock/5b9b2c10-acde-11f0-9c1e-0a1b2c3d4e5f")
    assert body["RequestId"] == "e4d1c0a6-5b0f-4d2c-9d8e-1f2a3b4c5d6e"
    assert body["LogicalResourceId"] == "Starter"
    assert body["Data"] == {"ClockName": CLOCK}
    assert answers.content_types == [""]  # S3 presigned URLs are signed without a content type


def test_creating_the_pair_kicks_tick_is_0_into_alarm_once(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = create_alarms(alarms=2)
    runtime, _ = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    handler.handle(custom_resource("cfn_create.json", answers), None, pair_config(), runtime)
    assert states(kicks) == KICK_PAIR
    assert alarm_states(cloudwatch)[TICK_IS_0] == ("ALARM", "alarmclock: stack created")
    assert alarm_states(cloudwatch)[TICK_IS_1][0] == "INSUFFICIENT_DATA"
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]


def test_a_clock_created_paused_is_not_kicked(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = create_alarms()
    before = alarm_states(cloudwatch)
    request = custom_resource("cfn_create.json", answers)
    request["ResourceProperties"]["Paused"] = "true"
    runtime, _ = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    handler.handle(request, None, clock_config(), runtime)
    assert kicks == []
    assert alarm_states(cloudwatch) == before
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]


def test_an_sns_wrapped_create_is_answered_too(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = create_alarms()
    event = load_event("sns_cfn_create.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["ResponseURL"] = answers.url
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    runtime, _ = make_runtime(now=Clock(NOW))
    handler.handle(event, None, clock_config(), runtime)
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]
    assert alarm_states(cloudwatch)[TICK_IS_1][0] == "OK"


def test_update_keeps_the_running_loop_and_the_physical_id(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = create_alarms()
    before = alarm_states(cloudwatch)
    runtime, _ = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    handler.handle(custom_resource("cfn_update.json", answers), None, clock_config(), runtime)
    (body,) = answers.bodies
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "my-clock-Starter"
    assert published_ticks() == []  # a second value in this minute could stall the loop
    assert kicks == []
    assert alarm_states(cloudwatch) == before


@pytest.mark.parametrize(
    ("old", "new", "kicked"), [("true", "false", True), ("false", "true", False), ("true", "true", False)]
)
def test_update_kicks_only_on_resume(aws: None, answers: CaughtAnswers, old: str, new: str, kicked: bool) -> None:
    cloudwatch = create_alarms()
    before = alarm_states(cloudwatch)
    request = custom_resource("cfn_update.json", answers)
    request["OldResourceProperties"]["Paused"] = old
    request["ResourceProperties"]["Paused"] = new
    runtime, _ = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    handler.handle(request, None, clock_config(), runtime)
    # The alarm has no data (INSUFFICIENT_DATA): the resume forces it straight into OK.
    assert states(kicks) == (KICK_ONE_ALARM if kicked else [])
    assert (alarm_states(cloudwatch) == before) is not kicked
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]


@pytest.mark.parametrize(("old_publish", "kicked"), [("wave", True), ("api", False), (None, False)])
def test_an_update_from_a_wave_kicks_the_loop_on_its_new_metric(
    aws: None, answers: CaughtAnswers, old_publish: str | None, kicked: bool
) -> None:
    # A clock that laid a wave watched the metric with its Wave dimension; now it publishes each
    # tick on the metric without one, where nothing has been published: only a kick starts it.
    create_alarms()
    request = custom_resource("cfn_update.json", answers)
    request["ResourceProperties"]["Publish"] = "api"
    request["OldResourceProperties"].pop("Publish", None)
    if old_publish is not None:
        request["OldResourceProperties"]["Publish"] = old_publish
    runtime, _ = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    handler.handle(request, None, clock_config(), runtime)
    assert states(kicks) == (KICK_ONE_ALARM if kicked else [])
    if kicked:
        assert kicks[-1][2] == "alarmclock: restart (switched from a wave)"
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]


def test_a_resume_of_an_alarm_still_in_ok_from_before_the_pause_goes_through_the_prelude(
    aws: None, answers: CaughtAnswers
) -> None:
    cloudwatch = create_alarms()
    cloudwatch.set_alarm_state(AlarmName=TICK_IS_1, StateValue="OK", StateReason="Threshold Crossed")
    request = custom_resource("cfn_update.json", answers)
    request["OldResourceProperties"]["Paused"] = "true"
    request["ResourceProperties"]["Paused"] = "false"
    runtime, _ = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    handler.handle(request, None, clock_config(), runtime)
    # SetAlarmState OK alone would change nothing and run no action: ALARM (ignored) first.
    assert states(kicks) == [(TICK_IS_1, "ALARM"), (TICK_IS_1, "OK")]
    assert kicks[0][2].startswith(handler.PRELUDE_MARK) and not kicks[1][2].startswith(handler.PRELUDE_MARK)
    assert alarm_states(cloudwatch)[TICK_IS_1] == ("OK", "alarmclock: restart (resumed)")


@pytest.mark.parametrize("alarms", [1, 2], ids=["one-alarm", "pair"])
def test_delete_disables_the_alarms_actions_and_answers_success(aws: None, answers: CaughtAnswers, alarms: int) -> None:
    cloudwatch = create_alarms(alarms)
    runtime, _ = make_runtime(now=Clock(NOW))
    handler.handle(custom_resource("cfn_delete.json", answers), None, make_config(alarms=alarms), runtime)
    found = cloudwatch.describe_alarms(AlarmNamePrefix=CLOCK)["MetricAlarms"]
    assert [a["ActionsEnabled"] for a in found] == [False] * alarms
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]


def test_delete_answers_success_even_when_cloudwatch_refuses(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = failing_cloudwatch("AccessDenied")
    runtime, logs = make_runtime(now=Clock(NOW))
    runtime.client = lambda service, region: cloudwatch
    handler.handle(custom_resource("cfn_delete.json", answers), None, clock_config(), runtime)
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]
    assert any(line.get("action") == "stop" and "AccessDenied" in line["reason"] for line in logs)


def test_create_answers_failed_when_the_alarms_do_not_exist(aws: None, answers: CaughtAnswers) -> None:
    runtime, _ = make_runtime(now=Clock(NOW))
    handler.handle(custom_resource("cfn_create.json", answers), None, clock_config(), runtime)
    (body,) = answers.bodies
    assert body["Status"] == "FAILED" and "ResourceNotFound" in body["Reason"]


def test_create_answers_failed_with_the_reason_when_the_kick_fails(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = failing_cloudwatch("AccessDenied")
    runtime, _ = make_runtime(now=Clock(NOW))
    runtime.client = lambda service, region: cloudwatch

    class Context:
        log_stream_name = "2026/11/27/[$LATEST]abc"

    handler.handle(custom_resource("cfn_create.json", answers), Context(), clock_config(), runtime)
    (body,) = answers.bodies
    assert body["Status"] == "FAILED"
    assert "AccessDenied" in body["Reason"] and "2026/11/27/[$LATEST]abc" in body["Reason"]
    assert body["PhysicalResourceId"] == f"{CLOCK}-Starter"


def test_an_unknown_request_type_is_answered_failed(aws: None, answers: CaughtAnswers) -> None:
    request = custom_resource("cfn_create.json", answers)
    request["RequestType"] = "Import"
    runtime, _ = make_runtime(now=Clock(NOW))
    handler.handle(request, None, clock_config(), runtime)
    assert [b["Status"] for b in answers.bodies] == ["FAILED"]


def test_a_create_with_only_the_answers_3_s_left_is_answered_failed_at_once_and_once(answers: CaughtAnswers) -> None:
    class SlowCloudWatch:
        def set_alarm_state(self, **_: Any) -> None:
            time.sleep(0.2)  # the deadline's answer is sent meanwhile

    class Context:
        log_stream_name = "stream"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 3_000  # the answer goes 3 s before the deadline: now

    runtime, _ = make_runtime(now=Clock(NOW), client=lambda service, region: SlowCloudWatch())
    handler.handle(custom_resource("cfn_create.json", answers), Context(), clock_config(), runtime)
    (body,) = answers.bodies  # the deadline's answer, and not a second one when the Create finishes
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", f"{CLOCK}-Starter")
    assert body["Reason"] == "the function ran out of time (log stream stream)"
    request = load_event("cfn_create.json")
    assert {key: body[key] for key in ("StackId", "RequestId", "LogicalResourceId")} == {
        key: request[key] for key in ("StackId", "RequestId", "LogicalResourceId")
    }
    assert (body["NoEcho"], body["Data"]) == (False, {"ClockName": CLOCK})


def test_the_functions_aws_clients_give_up_connecting_after_3_s_reading_after_5_s_and_retry_3_times() -> None:
    client = handler.REAL_RUNTIME.client("cloudwatch", "us-east-1")
    settings = client.meta.config
    assert (settings.connect_timeout, settings.read_timeout) == (3, 5)
    assert settings.retries == {"mode": "standard", "total_max_attempts": 4}  # botocore's name: 3 retries and the call
    assert handler.REAL_RUNTIME.client("cloudwatch", "us-east-1") is client  # made once per service and region


def test_a_hanging_create_is_answered_failed_before_the_function_times_out(answers: CaughtAnswers) -> None:
    class SlowCloudWatch:
        def set_alarm_state(self, **_: Any) -> None:
            time.sleep(0.25)

    class Context:
        log_stream_name = "stream"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 3_050  # the answer goes 3 s before the deadline: 0.05 s from now

    runtime, _ = make_runtime(now=Clock(NOW), client=lambda service, region: SlowCloudWatch())
    started = time.monotonic()
    handler.handle(custom_resource("cfn_create.json", answers), Context(), clock_config(), runtime)
    assert time.monotonic() - started >= 0.25  # the one SetAlarmState, well past the 0.05 s deadline
    (body,) = answers.bodies  # exactly one answer: the deadline's, not a second one after it
    assert body["Status"] == "FAILED" and "ran out of time" in body["Reason"]


@pytest.mark.parametrize(("remaining_ms", "armed_s"), [(10_000, 7.0), (3_000, 0.0), (1_000, 0.0)])
def test_the_deadline_answer_is_armed_three_seconds_before_the_function_times_out(
    remaining_ms: int, armed_s: float
) -> None:
    class Context:
        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return remaining_ms

    runtime, _ = make_runtime(now=Clock(NOW))
    answer = handler.Answer(load_event("cfn_create.json"), Context(), clock_config(), runtime)
    answer.arm_deadline()
    assert answer.timer is not None
    answer.timer.cancel()
    assert answer.timer.interval == armed_s


def test_without_a_deadline_no_answer_is_armed() -> None:
    runtime, _ = make_runtime(now=Clock(NOW))
    answer = handler.Answer(load_event("cfn_create.json"), None, clock_config(), runtime)
    answer.arm_deadline()
    assert answer.timer is None


def test_an_unreachable_response_url_is_logged_not_raised(aws: None) -> None:
    create_alarms()
    request = load_event("cfn_create.json")
    request["ResponseURL"] = answer_url("http://127.0.0.1:9/closed")
    runtime, logs = make_runtime(now=Clock(NOW))
    result = handler.handle(request, None, clock_config(), runtime)
    assert result["status"] == "SUCCESS"
    assert logs[-1]["action"] == "answer" and logs[-1]["level"] == "ERROR" and logs[-1]["answer_error"]


# ---- configuration and wiring ------------------------------------------------------------------


def test_config_reads_the_templates_environment() -> None:
    config = handler.ClockConfig.from_env(
        {
            "ALARMCLOCK_NAME": "c",
            "ALARMCLOCK_NAMESPACE": "alarmclock/c",
            "ALARMCLOCK_PERIOD": "120",
            "ALARMCLOCK_ALARM_PREFIX": "c-tick-is-",
            "ALARMCLOCK_TARGETS": '["arn:aws:sqs:us-east-1:123456789012:q"]',
            "ALARMCLOCK_PAYLOAD": '{"a": 1}',
            "ALARMCLOCK_ALARMS": "1",
            "ALARMCLOCK_WINDOW": "sliding",
        }
    )
    assert (config.clock, config.namespace, config.period) == ("c", "alarmclock/c", 120)
    assert (config.alarms, config.window, config.cycle) == (1, "sliding", 60)
    assert config.alarm_names == ["c-tick-is-1"]
    assert config.all_alarm_names == ["c-tick-is-1", "c-watchdog"]
    assert config.targets == ("arn:aws:sqs:us-east-1:123456789012:q",)
    assert config.payload == {"a": 1} and config.problems == ()


def test_config_reads_the_pair_and_the_wall_clock_window() -> None:
    config = handler.ClockConfig.from_env(
        {"ALARMCLOCK_NAME": "c", "ALARMCLOCK_ALARMS": "2", "ALARMCLOCK_WINDOW": "wallclock", "ALARMCLOCK_PERIOD": "300"}
    )
    assert (config.alarms, config.window) == (2, "wallclock")
    assert config.alarm_names == ["c-tick-is-0", "c-tick-is-1"]
    assert config.problems == ()


def test_config_defaults_to_one_alarm_on_a_sliding_window() -> None:
    config = handler.ClockConfig.from_env({"ALARMCLOCK_NAME": "c", "ALARMCLOCK_PERIOD": "30"})
    assert (config.alarms, config.window, config.cycle) == (1, "sliding", 10)
    assert config.alarm_names == ["c-tick-is-1"] and config.problems == ()


@pytest.mark.parametrize("payload", ["NaN", '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e400}'])
def test_a_payload_that_is_not_strict_json_is_a_configuration_problem(payload: str) -> None:
    config = handler.ClockConfig.from_env({"ALARMCLOCK_NAME": "c", "ALARMCLOCK_PAYLOAD": payload})
    assert config.payload is None
    assert config.problems == ("ALARMCLOCK_PAYLOAD is not valid JSON",)


def test_every_broken_variable_is_named_and_its_default_used() -> None:
    config = handler.ClockConfig.from_env(
        {
            "ALARMCLOCK_NAME": "c",
            "ALARMCLOCK_PERIOD": "x",
            "ALARMCLOCK_TARGETS": '["arn:aws:sqs:us-east-1:123456789012:q", 3]',
            "ALARMCLOCK_ALARMS": "3",
            "ALARMCLOCK_WINDOW": "tumbling",
            "ALARMCLOCK_PUBLISH": "push",
            "ALARMCLOCK_PAYLOAD": "{",
            "ALARMCLOCK_WATCHDOG_WINDOW": "soon",
        }
    )
    assert config.problems == (
        "ALARMCLOCK_PERIOD is not an integer",
        "ALARMCLOCK_TARGETS is not a list of ARNs",
        "ALARMCLOCK_ALARMS is not 1 or 2",
        "ALARMCLOCK_WINDOW is not sliding or wallclock",
        "ALARMCLOCK_PUBLISH is not one of wave, api, logs, now",
        "ALARMCLOCK_PAYLOAD is not valid JSON",
        "ALARMCLOCK_WATCHDOG_WINDOW is not a number",
    )
    assert (config.period, config.targets, config.alarms, config.window) == (60, (), 1, "sliding")
    assert (config.publish, config.payload, config.watchdog_window) == ("api", None, 130)


def test_a_number_variable_that_does_not_parse_is_named_and_its_default_used() -> None:
    # from_env's only number (the watchdog's window) has no default of its own (None: two periods and
    # ten seconds); whatever the default, a variable missing, empty or not a number gives it.
    problems: list[str] = []
    assert handler._number_env({"W": "soon"}, "W", 45.0, problems) == 45.0
    assert handler._number_env({"W": ""}, "W", 45.0, problems) == 45.0
    assert handler._number_env({}, "W", 45.0, problems) == 45.0
    assert handler._number_env({"W": "90"}, "W", 45.0, problems) == 90.0
    assert problems == ["W is not a number"]


def test_an_empty_environment_is_a_one_minute_clock_named_alarmclock() -> None:
    config = handler.ClockConfig.from_env({})
    assert (config.clock, config.namespace, config.period, config.publish) == (
        "alarmclock",
        "alarmclock/alarmclock",
        60,
        "api",
    )
    assert config.alarm_names == ["alarmclock-tick-is-1"] and config.watchdog == "alarmclock-watchdog"
    # The watchdog looks back two periods and ten seconds, unless told otherwise.
    assert (config.watchdog_window, config.stack_id, config.starter, config.problems) == (130, None, "Starter", ())
    assert config.dimensions == [] and config.storage_resolution == 1 and config.flips_per_tick == 1


def test_the_environment_names_the_watchdog_its_window_and_the_starter() -> None:
    config = handler.ClockConfig.from_env(
        {
            "ALARMCLOCK_NAME": "c",
            "ALARMCLOCK_PERIOD": "300",
            "ALARMCLOCK_TARGETS": '["arn:aws:sqs:us-east-1:123456789012:q", ""]',
            "ALARMCLOCK_WATCHDOG_ALARM": "c-dog",
            "ALARMCLOCK_WATCHDOG_WINDOW": "90",
            "ALARMCLOCK_STARTER": "AlarmClockStarter",
            "ALARMCLOCK_STACK_ID": STACK_ID,
            "ALARMCLOCK_PUBLISH": "wave",
        }
    )
    assert config.targets == ("arn:aws:sqs:us-east-1:123456789012:q",)  # an empty ARN is dropped
    assert (config.watchdog, config.watchdog_window, config.starter, config.stack_id) == (
        "c-dog",
        90.0,
        "AlarmClockStarter",
        STACK_ID,
    )
    # A five-minute wave: its metric names its period; points at a minute's resolution.
    assert config.dimensions == [{"Name": "Wave", "Value": "300s"}] and config.storage_resolution == 60
    now = config.now_design()
    assert now.publish == "now" and config.publish == "wave"
    # The documented design flips once a minute: every fifth flip is a tick, on 1 s points.
    assert now.dimensions == [{"Name": "Now", "Value": "300s"}] and now.flips_per_tick == 5
    assert now.storage_resolution == 1


def test_a_broken_environment_still_ticks_and_says_what_is_broken(aws: None) -> None:
    config = handler.ClockConfig.from_env(
        {
            "ALARMCLOCK_NAME": CLOCK,
            "ALARMCLOCK_PERIOD": "x",
            "ALARMCLOCK_TARGETS": "{",
            "ALARMCLOCK_PAYLOAD": "{",
            "ALARMCLOCK_ALARMS": "3",
            "ALARMCLOCK_WINDOW": "tumbling",
        }
    )
    assert len(config.problems) == 5 and config.period == 60 and config.targets == ()
    assert "ALARMCLOCK_ALARMS is not 1 or 2" in config.problems
    assert "ALARMCLOCK_WINDOW is not sliding or wallclock" in config.problems
    assert (config.alarms, config.window) == (1, "sliding")  # the defaults
    runtime, logs = make_runtime(now=Clock(OK_NOW))
    puts = record_puts(runtime)
    assert handler.handle(load_event("lambda_alarm_action_ok.json"), None, config, runtime)["published"] == 1
    assert puts == [(1.0, OK_STAMP, 1)]
    assert len(logs[0]["config_problems"]) == 5


def test_the_lambda_entry_point_wires_real_clients(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALARMCLOCK_NAME", CLOCK)
    monkeypatch.setenv("ALARMCLOCK_NAMESPACE", NAMESPACE)
    monkeypatch.delenv("ALARMCLOCK_ALARMS", raising=False)  # the default: one alarm
    monkeypatch.setattr(handler, "_config", None)
    monkeypatch.setattr(handler, "_clients", {})
    event = load_event("sns_alarm_notification_ok.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    changed = time.time() - 2  # the real runtime reads the real clock: a change of just now
    message["StateChangeTime"] = datetime.fromtimestamp(changed, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = handler.lambda_handler(event, None)
    assert result["published"] == 1
    assert [v for _, v in published_ticks(changed - 600, changed + 600)] == [1.0]


def test_tick_times_print_as_utc_milliseconds() -> None:
    moment = datetime(2026, 11, 27, 8, 42, 5, 577000, tzinfo=UTC)
    assert handler._iso(moment.timestamp()) == "2026-11-27T08:42:05.577Z"
    assert handler.parse_time("2026-11-27T08:42:05.577+0000", 0) == moment.timestamp()
    assert handler.parse_time("2026-11-27T08:42:05Z", 0) == (moment - timedelta(microseconds=577000)).timestamp()


# ---- the watchdog's side of the handler ------------------------------------------------------------

T = 1_795_768_925.0


def alarm_entry(name: str, state: str, changed: float, reason: str = "", configured: float = T - 86_400) -> dict:
    """A DescribeAlarms entry as botocore parses it (timestamps are datetimes)."""
    return {
        "AlarmName": name,
        "StateValue": state,
        "StateReason": reason,
        "StateTransitionedTimestamp": datetime.fromtimestamp(changed, UTC),
        "AlarmConfigurationUpdatedTimestamp": datetime.fromtimestamp(configured, UTC),
        "ActionsEnabled": True,
    }


def test_diagnose_reads_the_watchdog_paused_alarms_and_missing_alarms() -> None:
    config = clock_config()
    running = [alarm_entry(TICK_IS_1, "OK", T - 20), alarm_entry(f"{CLOCK}-watchdog", "OK", T - 3600)]
    assert handler.diagnose(running, config, T)[0] == "ticking"
    stalled = [running[0], alarm_entry(f"{CLOCK}-watchdog", "ALARM", T - 5)]
    assert handler.diagnose(stalled, config, T)[0] == "stalled"
    young = [running[0], alarm_entry(f"{CLOCK}-watchdog", "ALARM", T - 5, configured=T - 20)]
    assert handler.diagnose(young, config, T)[0] == "starting"  # a new watchdog knows nothing yet
    paused = [dict(a, ActionsEnabled=False) for a in stalled]
    assert handler.diagnose(paused, config, T)[0] == "paused"
    assert handler.diagnose(running[1:], config, T)[0] == "missing"


def test_the_pair_is_missing_without_tick_is_0_and_the_one_alarm_is_not() -> None:
    entries = [alarm_entry(TICK_IS_1, "OK", T - 20), alarm_entry(f"{CLOCK}-watchdog", "OK", T - 3600)]
    assert handler.diagnose(entries, pair_config(), T)[0] == "missing"
    assert handler.diagnose(entries, clock_config(), T)[0] == "ticking"
    with_0 = [alarm_entry(TICK_IS_0, "ALARM", T - 30), *entries]
    assert handler.diagnose(with_0, pair_config(), T)[0] == "ticking"


def test_a_restart_replays_a_change_up_to_two_periods_old_and_no_older() -> None:
    # The replayed point must land in a period the alarms still look at: 2 periods of 60 s.
    config = pair_config()
    at_the_edge = [alarm_entry(TICK_IS_1, "ALARM", T - 120), alarm_entry(TICK_IS_0, "OK", T - 110)]
    assert handler.choose_kick(at_the_edge, config, T) == (TICK_IS_1, "ALARM", T - 120)
    beyond = [alarm_entry(TICK_IS_1, "ALARM", T - 150), alarm_entry(TICK_IS_0, "OK", T - 140)]
    assert handler.choose_kick(beyond, config, T) == (TICK_IS_1, "ALARM", None)


def test_a_value_due_exactly_now_is_no_longer_waited_for() -> None:
    # A 5-minute clock's value is stamped 299 s after a change on the minute, then a 60 s cycle and 15 s.
    config = clock_config(period=300)
    changed = 1_795_768_920.0
    entries = [alarm_entry(TICK_IS_1, "ALARM", changed)]
    assert handler.value_due_in(entries, config, changed + 373) == pytest.approx(1.0)
    assert handler.value_due_in(entries, config, changed + 374) is None


@pytest.mark.parametrize(("since_s", "young"), [(129.0, True), (130.0, False)])
def test_a_watchdog_out_of_no_data_is_young_until_it_looked_at_its_whole_window(since_s: float, young: bool) -> None:
    # A one-minute clock's watchdog looks at 130 s: two periods without a Tick, in 10 s steps, and a step.
    change = handler.AlarmChange(f"{CLOCK}-watchdog", "ALARM", handler._iso(T), "lambda", None, "INSUFFICIENT_DATA",
                                 handler._iso(T - since_s))  # fmt: skip
    runtime, _ = make_runtime(now=lambda: T)
    assert handler.watchdog_is_young(change, clock_config(), runtime) is young


def test_the_pairs_restart_replays_a_recent_alarm_and_starts_afresh_from_an_old_one() -> None:
    config = pair_config()
    recent = [alarm_entry(TICK_IS_1, "ALARM", T - 90), alarm_entry(TICK_IS_0, "OK", T - 80)]
    assert handler.choose_kick(recent, config, T) == (TICK_IS_1, "ALARM", T - 90)
    old = [alarm_entry(TICK_IS_1, "ALARM", T - 600), alarm_entry(TICK_IS_0, "OK", T - 590)]
    assert handler.choose_kick(old, config, T) == (TICK_IS_1, "ALARM", None)
    # For the pair an OK makes no tick: with nobody in ALARM, start afresh from tick-is-0.
    nobody = [alarm_entry(TICK_IS_1, "OK", T - 90), alarm_entry(TICK_IS_0, "OK", T - 80)]
    assert handler.choose_kick(nobody, config, T) == (TICK_IS_0, "ALARM", None)
    # A replay of a replay keeps the original change's time, not the kick's.
    replayed = [alarm_entry(TICK_IS_1, "ALARM", T - 10, "alarmclock: restart (x); replaying 2026-11-27T08:40:05.000Z")]
    assert handler.choose_kick(replayed, config, T)[2] == at("2026-11-27T08:40:05.000Z")


def test_a_one_alarm_restart_forces_the_alarms_own_state_and_replays_a_recent_change() -> None:
    config = clock_config()
    assert handler.choose_kick([alarm_entry(TICK_IS_1, "OK", T - 90)], config, T) == (TICK_IS_1, "OK", T - 90)
    assert handler.choose_kick([alarm_entry(TICK_IS_1, "ALARM", T - 90)], config, T) == (TICK_IS_1, "ALARM", T - 90)
    assert handler.choose_kick([alarm_entry(TICK_IS_1, "ALARM", T - 600)], config, T) == (TICK_IS_1, "ALARM", None)
    # No data yet, or no alarm at all: start from OK (Tick is 0), which publishes 1.
    no_data = [alarm_entry(TICK_IS_1, "INSUFFICIENT_DATA", T - 90)]
    assert handler.choose_kick(no_data, config, T) == (TICK_IS_1, "OK", None)
    assert handler.choose_kick([], config, T) == (TICK_IS_1, "OK", None)


def test_a_restart_of_an_old_alarm_state_sets_the_prelude_then_the_state_and_only_the_state_ticks(
    aws: None,
) -> None:
    create_alarms()
    runtime, _ = make_runtime(now=Clock(T))
    kicks = record_set_alarm_state(runtime)
    puts = record_puts(runtime)
    stalled = [alarm_entry(TICK_IS_1, "ALARM", T - 600, "Threshold Crossed")]
    result = handler.restart(clock_config(), runtime, "test", stalled)
    assert (result["kicked"], result["state"], result["replay"]) == (TICK_IS_1, "ALARM", None)
    # Already in ALARM: SetAlarmState ALARM alone changes nothing and runs no action, so OK first.
    assert states(kicks) == [(TICK_IS_1, "OK"), (TICK_IS_1, "ALARM")]
    assert kicks[0][2].startswith(handler.PRELUDE_MARK)
    assert kicks[1][2] == "alarmclock: restart (test)"
    # The two actions those changes run: the prelude's OK is ignored, the ALARM publishes 0.
    prelude = with_reason(load_event("lambda_alarm_action_ok.json"), kicks[0][2], "2026-11-27T08:42:04.100+0000")
    forced = with_reason(load_event("lambda_alarm_action.json"), kicks[1][2], "2026-11-27T08:42:04.200+0000")
    assert handler.handle(prelude, None, clock_config(), runtime)["action"] == "ignored"
    assert handler.handle(forced, None, clock_config(), runtime)["published"] == 0
    assert puts == [(0.0, PAIR_STAMP, 1)]


def test_a_kick_of_an_alarm_in_an_unknown_state_goes_through_the_prelude(aws: None) -> None:
    # DescribeAlarms did not list it: only a prelude in the other state makes the change certain.
    create_alarms()
    runtime, _ = make_runtime(now=Clock(T))
    kicks = record_set_alarm_state(runtime)
    result = handler.restart(clock_config(), runtime, "test", [])
    assert (result["kicked"], result["state"]) == (TICK_IS_1, "OK")
    assert states(kicks) == [(TICK_IS_1, "ALARM"), (TICK_IS_1, "OK")]
    assert kicks[0][2].startswith(handler.PRELUDE_MARK)


def test_a_replayed_change_publishes_with_the_original_stamp_and_tick_id(aws: None) -> None:
    original = load_event("lambda_alarm_action.json")
    replay = with_reason(
        load_event("lambda_alarm_action.json"),
        "alarmclock: restart (test); replaying 2026-11-27T08:43:17.611Z",
        "2026-11-27T08:45:00.000+0000",  # the kick's own time
    )
    runtime, _ = make_runtime(now=Clock(NOW + 200))
    puts = record_puts(runtime)
    first = handler.handle(original, None, clock_config(), runtime)
    again = handler.handle(replay, None, clock_config(), runtime)
    assert again["tick"]["tick_id"] == first["tick"]["tick_id"]
    assert again["tick"]["tick_time"] == "2026-11-27T08:43:17.611Z"
    assert puts == [(0.0, ALARM_STAMP, 1)] * 2
    assert published_ticks() == [(ALARM_STAMP // 60 * 60, 0.0)]  # one value, where the first went


def test_a_replayed_ok_change_keeps_the_tick_id_and_the_stamp(aws: None) -> None:
    original = load_event("lambda_alarm_action_ok.json")
    replay = with_reason(
        load_event("lambda_alarm_action_ok.json"),
        "alarmclock: restart (test); replaying 2026-11-27T08:44:17.604Z",
        "2026-11-27T08:46:00.000+0000",
    )
    runtime, _ = make_runtime(now=Clock(OK_NOW + 100))
    puts = record_puts(runtime)
    first = handler.handle(original, None, clock_config(), runtime)
    again = handler.handle(replay, None, clock_config(), runtime)
    assert again["tick"]["tick_id"] == first["tick"]["tick_id"]
    assert again["tick"]["tick_time"] == "2026-11-27T08:44:17.604Z"
    assert first["published"] == again["published"] == 1
    assert puts == [(1.0, OK_STAMP, 1)] * 2  # not 08:46:59, the kick's own minute


def create_watchdog(cloudwatch: Any) -> None:
    """A one-minute clock's watchdog in moto, as the template declares it."""
    cloudwatch.put_metric_alarm(
        AlarmName=f"{CLOCK}-watchdog",
        Namespace=NAMESPACE,
        MetricName="Tick",
        Statistic="SampleCount",
        Period=10,
        EvaluationPeriods=13,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
    )


def test_a_heartbeat_restarts_a_stalled_clock_and_leaves_a_running_one(aws: None) -> None:
    cloudwatch = create_alarms()
    create_watchdog(cloudwatch)
    heartbeat = load_event("heartbeat.json")
    later = time.time() + 3600  # moto stamps the alarms' configuration with the real clock
    runtime, _ = make_runtime(now=lambda: later)
    kicks = record_set_alarm_state(runtime)
    cloudwatch.set_alarm_state(AlarmName=f"{CLOCK}-watchdog", StateValue="OK", StateReason="data")
    assert handler.handle(heartbeat, None, clock_config(), runtime)["verdict"] == "ticking"
    assert kicks == []
    cloudwatch.set_alarm_state(AlarmName=f"{CLOCK}-watchdog", StateValue="ALARM", StateReason="no Tick")
    result = handler.handle(heartbeat, None, clock_config(), runtime)
    assert result["action"] == "restart"
    # The one alarm has no data (INSUFFICIENT_DATA): straight into OK, whose action publishes 1.
    assert states(kicks) == KICK_ONE_ALARM


def test_a_heartbeat_restarts_the_pair_from_tick_is_0(aws: None) -> None:
    cloudwatch = create_alarms(alarms=2)
    create_watchdog(cloudwatch)
    cloudwatch.set_alarm_state(AlarmName=f"{CLOCK}-watchdog", StateValue="ALARM", StateReason="no Tick")
    later = time.time() + 3600
    runtime, _ = make_runtime(now=lambda: later)
    kicks = record_set_alarm_state(runtime)
    assert handler.handle(load_event("heartbeat.json"), None, pair_config(), runtime)["action"] == "restart"
    assert states(kicks) == KICK_PAIR  # nobody in ALARM among the tick alarms: start afresh from tick-is-0


def test_a_restart_waits_while_the_newest_ticks_value_is_not_yet_due(aws: None) -> None:
    create_alarms()
    # A five-minute clock's value is stamped up to five minutes ahead: a watchdog that has not seen
    # it yet says nothing about the loop, and a kick now would only repeat that tick.
    config = clock_config(period=300)
    changed = 1_795_768_920.0  # a whole minute: its value is stamped 299 s later
    entries = [alarm_entry(TICK_IS_1, "ALARM", changed), alarm_entry(f"{CLOCK}-watchdog", "ALARM", changed - 5)]
    assert handler.value_due_in(entries, config, changed + 100) == pytest.approx(299 + 60 + 15 - 100)
    assert handler.value_due_in(entries, config, changed + 380) is None
    runtime, _ = make_runtime(now=lambda: changed + 100)
    kicks = record_set_alarm_state(runtime)
    result = handler.restart(config, runtime, "the watchdog saw no Tick", entries)
    assert "due in" in result["skipped"] and kicks == []
    runtime, _ = make_runtime(now=lambda: changed + 380)
    kicks = record_set_alarm_state(runtime)
    assert handler.restart(config, runtime, "the watchdog saw no Tick", entries)["kicked"] == TICK_IS_1
    assert states(kicks)[-1] == (TICK_IS_1, "ALARM")  # a replay of the change, within two periods


def test_a_resume_never_waits(aws: None) -> None:
    create_alarms()
    config = clock_config(period=300)
    changed = 1_795_768_920.0
    runtime, _ = make_runtime(now=lambda: changed + 10)
    kicks = record_set_alarm_state(runtime)
    result = handler.restart(config, runtime, "resumed", [alarm_entry(TICK_IS_1, "OK", changed)])
    # Ten seconds into a five-minute period, the OK it is in is replayed at once: a prelude to ALARM,
    # then OK again, both naming the change they replay.
    replaying = "alarmclock: restart (resumed); replaying 2026-11-27T08:42:00.000Z"
    assert kicks == [(TICK_IS_1, "ALARM", f"{handler.PRELUDE_MARK} ({replaying})"), (TICK_IS_1, "OK", replaying)]
    assert result == {"action": "restart", "kicked": TICK_IS_1, "state": "OK", "replay": changed, "reason": "resumed"}


# ---- a restart on request (`alarmclock restart`) ---------------------------------------------------


def answering_runtime(cloudwatch: AnsweringCloudWatch, now: float) -> tuple[handler.Runtime, list[dict[str, Any]]]:
    logs: list[dict[str, Any]] = []
    return handler.Runtime(
        client=lambda service, region: cloudwatch, now=lambda: now, http_put=None, log=logs.append
    ), logs


RESTART_EVENT = {"alarmclock": "restart"}


def test_a_restart_request_kicks_a_running_loop_replaying_its_last_tick_where_a_heartbeat_would_wait() -> None:
    # A five-minute api clock that ticked 100 s ago: its value is not due yet, so a heartbeat (or
    # the watchdog) leaves it alone; a restart someone asked for kicks it all the same, replaying
    # that tick (same stamp, same tick id: harmless if it was delivered).
    config = clock_config(period=300)
    changed = T - 100
    entries = [alarm_entry(TICK_IS_1, "OK", changed), alarm_entry(f"{CLOCK}-watchdog", "ALARM", T - 5)]
    cloudwatch = AnsweringCloudWatch(entries)
    runtime, logs = answering_runtime(cloudwatch, T)
    assert handler.handle(load_event("heartbeat.json"), None, config, runtime)["skipped"].startswith("the newest")
    assert cloudwatch.calls == []

    result = handler.handle(RESTART_EVENT, None, config, runtime)
    assert (result["action"], result["kicked"], result["state"]) == ("restart", TICK_IS_1, "OK")
    assert result["replay"] == pytest.approx(changed)
    # Already in OK: the prelude (ALARM, ignored by the handler) first, then OK, whose action ticks.
    kicks = [(c["StateValue"], c["StateReason"]) for name, c in cloudwatch.calls if name == "set_alarm_state"]
    assert [state for state, _ in kicks] == ["ALARM", "OK"]
    assert kicks[0][1].startswith(handler.PRELUDE_MARK)
    assert kicks[1][1] == (f"alarmclock: restart (restarted on request); replaying {handler._iso(changed)}")
    assert logs[-1]["action"] == "kick"


def test_a_restart_request_lays_a_wave_clocks_wave_again_without_looking_at_its_alarms() -> None:
    config = handler.ClockConfig(CLOCK, NAMESPACE, 60, f"{CLOCK}-tick-is-", publish="wave")
    cloudwatch = AnsweringCloudWatch([])
    runtime, logs = answering_runtime(cloudwatch, T)
    result = handler.handle(RESTART_EVENT, None, config, runtime)
    assert (result["action"], result["reason"]) == ("wave", "restarted on request")
    ((name, call),) = cloudwatch.calls
    assert name == "put_metric_data" and len(call["MetricData"]) == result["values"] == 120
    assert logs[-1]["action"] == "wave"


@pytest.mark.parametrize(
    ("entries", "why"),
    [
        ([{**alarm_entry(TICK_IS_1, "OK", T - 20), "ActionsEnabled": False}], "the alarms' actions are disabled"),
        ([], "the clock's alarms do not exist"),
    ],
    ids=["paused", "no alarms"],
)
def test_a_restart_request_leaves_a_paused_clock_or_one_without_alarms_alone(
    entries: list[dict[str, Any]], why: str
) -> None:
    cloudwatch = AnsweringCloudWatch(entries)
    runtime, _ = answering_runtime(cloudwatch, T)
    assert handler.handle(RESTART_EVENT, None, clock_config(), runtime) == {
        "action": "ignored",
        "reason": f"restart refused: {why}",
    }
    assert cloudwatch.calls == []


def test_cloudwatch_times_read_by_hand_as_strptime_reads_them() -> None:
    """parse_time reads CloudWatch's own format by fromisoformat before strptime: the same epoch, or
    the same refusal, as the strptime-then-fromisoformat reading it had before, on valid and invalid dates."""

    def as_before(text: str, default: float | None) -> float | None:
        for parse in (
            lambda: datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z"),
            lambda: datetime.fromisoformat(text.replace("Z", "+00:00")),
        ):
            try:
                epoch = parse().timestamp()
                datetime.fromtimestamp(epoch, UTC)
                return epoch
            except (ValueError, OverflowError, OSError):
                pass
        return default

    draw = random.Random(24)
    texts = [
        "2026-11-27T08:42:05.577+0000",
        "2024-02-29T23:59:59.999+0000",
        "2026-02-29T00:00:00.000+0000",  # no such day
        "2026-04-31T00:00:00.000+0000",
        "2026-01-01T24:00:00.000+0000",
        "2026-01-01T00:60:00.000+0000",
        "2026-01-01T00:00:60.000+0000",
        "2026-01-01T00:00:61.000+0000",
        "2026-13-01T00:00:00.000+0000",
        "2026-00-01T00:00:00.000+0000",
        "2026-01-00T00:00:00.000+0000",
        "0000-01-01T00:00:00.000+0000",
        "0001-01-01T00:00:00.000+0000",
        "9999-12-31T23:59:59.999+0000",
        "2026-11-27T08:42:05.577+0000\n",
        "2026-11-27T08:42:05.5770+0000",
        "2026-11-27T08:42:05.577Z",
        "2026-11-27T08:42:05.577+0100",
        "2026-11-27T08:42:05.577+00:00",
        "\u0662026-11-27T08:42:05.577+0000",  # an Arabic-Indic digit: strptime's \d takes it
    ]
    for _ in range(20_000):
        fields = [draw.randrange(10_000), draw.randrange(15), draw.randrange(33), draw.randrange(26)]
        fields += [draw.randrange(62), draw.randrange(63), draw.randrange(1000)]
        year, month, day, hour, minute, second, milli = fields
        texts.append(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{milli:03d}+0000")
    for text in texts:
        assert handler.parse_time(text, -1.0) == as_before(text, -1.0), text
