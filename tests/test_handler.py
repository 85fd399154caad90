"""The Lambda handler against moto: real boto3 calls, recorded AWS payloads, real HTTP answers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import boto3
import pytest

from alarmclock import handler

from conftest import ACCOUNT, CLOCK, REGION, CaughtAnswers, Clock, clock_config, load_event, make_runtime

# 1 s after the recorded alarm's StateChangeTime (2026-11-27T08:42:05.577Z).
NOW = 1_795_768_926.8
NAMESPACE = f"alarmclock/{CLOCK}"


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


def make_queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def received(url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


# ---- ticks ---------------------------------------------------------------------------------


def test_sns_alarm_notification_publishes_the_opposite_value(aws: None) -> None:
    runtime, logs = make_runtime(now=Clock(NOW))
    result = handler.handle(load_event("sns_alarm_notification.json"), None, clock_config(), runtime)
    assert result["action"] == "tick"
    assert result["published"] == 1  # alarm tick-is-0 fired, so the next value is 1
    assert published_ticks() == [(NOW - NOW % 60, 1.0)]
    (line,) = logs
    assert line["action"] == "tick" and line["published"] == 1 and line["via"] == "sns"
    assert line["tick_time"] == "2026-11-27T08:42:05.577Z"
    assert line["lag_s"] == pytest.approx(1.223, abs=1e-3)


def test_direct_lambda_alarm_action_publishes_the_opposite_value(aws: None) -> None:
    runtime, logs = make_runtime(now=Clock(NOW + 72))
    result = handler.handle(load_event("lambda_alarm_action.json"), None, clock_config(), runtime)
    assert result["published"] == 0  # alarm tick-is-1 fired, so the next value is 0
    assert [value for _, value in published_ticks()] == [0.0]
    assert logs[0]["via"] == "lambda"


def test_a_duplicate_notification_gives_the_same_tick_id_and_the_same_value(aws: None) -> None:
    runtime, _ = make_runtime(now=Clock(NOW))
    event = load_event("sns_alarm_notification.json")
    first = handler.handle(event, None, clock_config(), runtime)
    runtime.now = Clock(NOW + 20)  # the duplicate arrives later in the same minute
    second = handler.handle(event, None, clock_config(), runtime)
    assert first["tick"]["tick_id"] == second["tick"]["tick_id"]
    assert first["published"] == second["published"] == 1
    # Both values equal, so the minute's average is still 1: the loop is unharmed.
    assert published_ticks() == [(NOW - NOW % 60, 1.0)]


def test_the_same_state_change_has_the_same_id_through_sns_and_direct() -> None:
    sns_message = json.loads(load_event("sns_alarm_notification.json")["Records"][0]["Sns"]["Message"])
    direct = load_event("lambda_alarm_action.json")
    direct["alarmData"]["alarmName"] = sns_message["AlarmName"]
    direct["alarmData"]["state"]["timestamp"] = sns_message["StateChangeTime"]
    kind_sns, change_sns = handler.classify(load_event("sns_alarm_notification.json"))
    kind_direct, change_direct = handler.classify(direct)
    assert kind_sns == kind_direct == "alarm"
    assert handler.tick_id(change_sns.name, handler._parse_time(change_sns.time, 0)) == handler.tick_id(
        change_direct.name, handler._parse_time(change_direct.time, 0)
    )


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

    runtime, logs = make_runtime(now=Clock(NOW))
    config = clock_config(targets=[queue_arn, topic_arn, bus_arn], payload={"job": "report"})
    handler.handle(load_event("sns_alarm_notification.json"), None, config, runtime)

    (direct,) = received(queue_url)
    assert direct == {
        "source": "alarmclock",
        "version": 1,
        "clock": CLOCK,
        "tick_id": direct["tick_id"],
        "tick_time": "2026-11-27T08:42:05.577Z",
        "period_s": 60,
        "alarm": f"{CLOCK}-tick-is-0",
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
    runtime, logs = make_runtime(now=Clock(NOW))
    lambda_client = runtime.client("lambda", REGION)
    lambda_client.meta.events.register(
        "before-send.lambda.Invoke",
        lambda request, **_: sent.append((request.headers.get("X-Amz-Invocation-Type").decode(), request.body)),
    )
    lambda_client.meta.events.register(
        "after-call.lambda.Invoke", lambda http_response, **_: statuses.append(http_response.status_code)
    )
    handler.handle(load_event("sns_alarm_notification.json"), None, clock_config(targets=[target]), runtime)
    ((invocation_type, body),) = sent
    assert invocation_type == "Event"
    assert json.loads(body)["alarm"] == f"{CLOCK}-tick-is-0"
    assert statuses == [202]
    assert logs[0]["delivered"] == 1


def test_a_failing_target_never_stops_the_beat_or_the_other_targets(aws: None) -> None:
    queue_url, queue_arn = make_queue("good")
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue"
    runtime, logs = make_runtime(now=Clock(NOW))
    result = handler.handle(
        load_event("sns_alarm_notification.json"), None, clock_config(targets=[missing, queue_arn]), runtime
    )
    assert result["published"] == 1
    assert published_ticks() == [(NOW - NOW % 60, 1.0)]
    assert len(received(queue_url)) == 1
    (line,) = logs
    assert line["level"] == "ERROR" and line["delivered"] == 1
    assert line["failed"][0].startswith(missing + ": ")


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
    runtime, _ = make_runtime(now=Clock(NOW))
    moto_client = runtime.client
    runtime.client = lambda service, region: cloudwatch if service == "cloudwatch" else moto_client(service, region)
    with pytest.raises(Exception, match="Throttling"):
        handler.handle(load_event("sns_alarm_notification.json"), None, clock_config(targets=[queue_arn]), runtime)
    assert received(queue_url) == []  # the retry delivers it, with the same tick_id


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


@pytest.mark.parametrize("event", MALFORMED, ids=[f"malformed-{i}" for i in range(len(MALFORMED))])
def test_a_malformed_event_is_logged_and_ignored_without_touching_the_metric(aws: None, event: Any) -> None:
    runtime, logs = make_runtime(now=Clock(NOW))
    result = handler.handle(event, None, clock_config(), runtime)
    assert result["action"] == "ignored"
    assert logs and logs[-1]["action"] == "ignored" and logs[-1]["reason"]
    assert published_ticks() == []


def test_another_alarms_notification_is_ignored(aws: None) -> None:
    event = load_event("lambda_alarm_action.json")
    event["alarmData"]["alarmName"] = "other-clock-tick-is-1"
    runtime, logs = make_runtime(now=Clock(NOW))
    assert handler.handle(event, None, clock_config(), runtime)["action"] == "ignored"
    assert "not one of this clock's" in logs[0]["reason"]
    assert published_ticks() == []


def test_a_change_to_ok_or_insufficient_data_is_not_a_tick(aws: None) -> None:
    for state in ("OK", "INSUFFICIENT_DATA"):
        event = load_event("lambda_alarm_action.json")
        event["alarmData"]["state"]["value"] = state
        runtime, _ = make_runtime(now=Clock(NOW))
        assert handler.handle(event, None, clock_config(), runtime)["action"] == "ignored"
    assert published_ticks() == []


def test_an_unreadable_time_falls_back_to_now(aws: None) -> None:
    event = load_event("lambda_alarm_action.json")
    event["alarmData"]["state"]["timestamp"] = "yesterday"
    event["time"] = None
    runtime, logs = make_runtime(now=Clock(NOW))
    result = handler.handle(event, None, clock_config(), runtime)
    assert result["tick"]["tick_time"] == handler._iso(NOW)
    assert logs[0]["lag_s"] == 0


# ---- the custom resource -----------------------------------------------------------------------


def custom_resource(name: str, answers: CaughtAnswers) -> dict[str, Any]:
    request = load_event(name)
    request["ResponseURL"] = answers.url
    return request


def create_alarms() -> Any:
    """The clock's two alarms in moto, as the template declares them."""
    cloudwatch = boto3.client("cloudwatch")
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
            AlarmActions=[f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"],
        )
    return cloudwatch


def alarm_states(cloudwatch: Any) -> dict[str, tuple[str, str]]:
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=CLOCK)["MetricAlarms"]
    return {a["AlarmName"]: (a["StateValue"], a["StateReason"]) for a in alarms}


def record_set_alarm_state(runtime: handler.Runtime) -> list[tuple[str, str]]:
    """(alarm, state) for each SetAlarmState the handler sends (moto keeps no alarm history)."""
    calls: list[tuple[str, str]] = []
    runtime.client("cloudwatch", None).meta.events.register(
        "provide-client-params.cloudwatch.SetAlarmState",
        lambda params, **_: calls.append((params["AlarmName"], params["StateValue"])),
    )
    return calls


KICK = [(f"{CLOCK}-tick-is-0", "OK"), (f"{CLOCK}-tick-is-0", "ALARM")]


def test_create_kicks_the_clock_and_answers_success(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = create_alarms()
    runtime, logs = make_runtime(now=Clock(NOW))
    kicks = record_set_alarm_state(runtime)
    result = handler.handle(custom_resource("cfn_create.json", answers), None, clock_config(), runtime)
    assert result["status"] == "SUCCESS"
    # OK then ALARM: a state change, so CloudWatch runs tick-is-0's action and the loop starts.
    assert kicks == KICK
    assert alarm_states(cloudwatch)[f"{CLOCK}-tick-is-0"] == ("ALARM", "alarmclock: stack created")
    assert published_ticks() == []  # the function publishes 1 when that action invokes it
    assert any(line["action"] == "kick" for line in logs)
    (body,) = answers.bodies
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == f"{CLOCK}-Starter"
    assert body["StackId"].endswith("/my-clock/5b9b2c10-acde-11f0-9c1e-0a1b2c3d4e5f")
    assert body["RequestId"] == "e4d1c0a6-5b0f-4d2c-9d8e-1f2a3b4c5d6e"
    assert body["LogicalResourceId"] == "Starter"
    assert body["Data"] == {"ClockName": CLOCK}
    assert answers.content_types == [""]  # S3 presigned URLs are signed without a content type


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
    assert alarm_states(cloudwatch)[f"{CLOCK}-tick-is-0"][0] == "ALARM"


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
    assert kicks == (KICK if kicked else [])
    assert (alarm_states(cloudwatch) == before) is not kicked
    assert [b["Status"] for b in answers.bodies] == ["SUCCESS"]


def test_delete_disables_the_alarms_actions_and_answers_success(aws: None, answers: CaughtAnswers) -> None:
    cloudwatch = create_alarms()
    runtime, _ = make_runtime(now=Clock(NOW))
    handler.handle(custom_resource("cfn_delete.json", answers), None, clock_config(), runtime)
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=CLOCK)["MetricAlarms"]
    assert [a["ActionsEnabled"] for a in alarms] == [False, False]
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


def test_a_hanging_create_is_answered_failed_before_the_function_times_out(answers: CaughtAnswers) -> None:
    class SlowCloudWatch:
        def set_alarm_state(self, **_: Any) -> None:
            time.sleep(0.5)

    class Context:
        log_stream_name = "stream"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return int((handler.ANSWER_MARGIN_S + 0.2) * 1000)

    runtime, _ = make_runtime(now=Clock(NOW), client=lambda service, region: SlowCloudWatch())
    started = time.monotonic()
    handler.handle(custom_resource("cfn_create.json", answers), Context(), clock_config(), runtime)
    assert time.monotonic() - started >= 1.0  # two calls of 0.5 s each
    (body,) = answers.bodies  # exactly one answer: the deadline's, not a second one after it
    assert body["Status"] == "FAILED" and "ran out of time" in body["Reason"]


def test_an_unreachable_response_url_is_logged_not_raised(aws: None) -> None:
    create_alarms()
    request = load_event("cfn_create.json")
    request["ResponseURL"] = "http://127.0.0.1:9/closed"
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
        }
    )
    assert (config.clock, config.namespace, config.period) == ("c", "alarmclock/c", 120)
    assert config.alarm_names == ["c-tick-is-0", "c-tick-is-1"]
    assert config.targets == ("arn:aws:sqs:us-east-1:123456789012:q",)
    assert config.payload == {"a": 1} and config.problems == ()


def test_a_broken_environment_still_ticks_and_says_what_is_broken(aws: None) -> None:
    config = handler.ClockConfig.from_env(
        {"ALARMCLOCK_NAME": CLOCK, "ALARMCLOCK_PERIOD": "x", "ALARMCLOCK_TARGETS": "{", "ALARMCLOCK_PAYLOAD": "{"}
    )
    assert len(config.problems) == 3 and config.period == 60 and config.targets == ()
    runtime, logs = make_runtime(now=Clock(NOW))
    assert handler.handle(load_event("sns_alarm_notification.json"), None, config, runtime)["published"] == 1
    assert len(logs[0]["config_problems"]) == 3


def test_the_lambda_entry_point_wires_real_clients(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALARMCLOCK_NAME", CLOCK)
    monkeypatch.setenv("ALARMCLOCK_NAMESPACE", NAMESPACE)
    monkeypatch.setattr(handler, "_config", None)
    monkeypatch.setattr(handler, "_clients", {})
    event = load_event("sns_alarm_notification.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    changed = time.time() - 2  # the real runtime reads the real clock: a change of just now
    message["StateChangeTime"] = datetime.fromtimestamp(changed, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = handler.lambda_handler(event, None)
    assert result["published"] == 1
    assert [v for _, v in published_ticks(changed - 600, changed + 600)] == [1.0]


def test_a_change_older_than_an_hour_is_delivered_but_not_published_again(aws: None) -> None:
    queue_url, queue_arn = make_queue("late")
    runtime, logs = make_runtime(now=Clock(NOW + 2 * 3600))
    result = handler.handle(load_event("sns_alarm_notification.json"), None, clock_config(targets=[queue_arn]), runtime)
    assert result["published"] is None and logs[0]["published"] is None
    assert published_ticks() == []  # outside every alarm's view; CloudWatch refuses points over 2 weeks old
    assert [t["tick_time"] for t in received(queue_url)] == ["2026-11-27T08:42:05.577Z"]


def test_tick_times_print_as_utc_milliseconds() -> None:
    moment = datetime(2026, 11, 27, 8, 42, 5, 577000, tzinfo=UTC)
    assert handler._iso(moment.timestamp()) == "2026-11-27T08:42:05.577Z"
    assert handler._parse_time("2026-11-27T08:42:05.577+0000", 0) == moment.timestamp()
    assert handler._parse_time("2026-11-27T08:42:05Z", 0) == (moment - timedelta(microseconds=577000)).timestamp()


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
    running = [
        alarm_entry(f"{CLOCK}-tick-is-0", "ALARM", T - 30),
        alarm_entry(f"{CLOCK}-tick-is-1", "OK", T - 20),
        alarm_entry(f"{CLOCK}-watchdog", "OK", T - 3600),
    ]
    assert handler.diagnose(running, config, T)[0] == "running"
    stalled = [*running[:2], alarm_entry(f"{CLOCK}-watchdog", "ALARM", T - 5)]
    assert handler.diagnose(stalled, config, T)[0] == "stalled"
    young = [*running[:2], alarm_entry(f"{CLOCK}-watchdog", "ALARM", T - 5, configured=T - 20)]
    assert handler.diagnose(young, config, T)[0] == "starting"  # a new watchdog knows nothing yet
    paused = [dict(a, ActionsEnabled=False) for a in stalled]
    assert handler.diagnose(paused, config, T)[0] == "paused"
    assert handler.diagnose(running[1:], config, T)[0] == "missing"


def test_a_restart_replays_a_recent_change_and_starts_afresh_from_an_old_one() -> None:
    config = clock_config()
    recent = [alarm_entry(f"{CLOCK}-tick-is-1", "ALARM", T - 90), alarm_entry(f"{CLOCK}-tick-is-0", "OK", T - 80)]
    assert handler.choose_kick(recent, config, T) == (f"{CLOCK}-tick-is-1", T - 90)
    old = [alarm_entry(f"{CLOCK}-tick-is-1", "ALARM", T - 600), alarm_entry(f"{CLOCK}-tick-is-0", "OK", T - 590)]
    assert handler.choose_kick(old, config, T) == (f"{CLOCK}-tick-is-1", None)
    nobody = [alarm_entry(f"{CLOCK}-tick-is-1", "OK", T - 90), alarm_entry(f"{CLOCK}-tick-is-0", "OK", T - 80)]
    assert handler.choose_kick(nobody, config, T) == (f"{CLOCK}-tick-is-0", None)
    # A replay of a replay keeps the original change's time, not the kick's.
    replayed = [
        alarm_entry(
            f"{CLOCK}-tick-is-1", "ALARM", T - 10, "alarmclock: restart (x); replaying 2026-11-27T08:40:05.000Z"
        )
    ]
    assert handler.choose_kick(replayed, config, T)[1] == handler._parse_time("2026-11-27T08:40:05.000Z", None)


def test_a_replayed_change_publishes_with_the_original_stamp_and_tick_id(aws: None) -> None:
    original = load_event("lambda_alarm_action.json")
    replay = load_event("lambda_alarm_action.json")
    replay["alarmData"]["state"]["timestamp"] = "2026-11-27T08:45:00.000+0000"  # the kick's own time
    replay["alarmData"]["state"]["reason"] = "alarmclock: restart (test); replaying 2026-11-27T08:43:17.611Z"
    runtime, _ = make_runtime(now=Clock(NOW + 200))
    first = handler.handle(original, None, clock_config(), runtime)
    again = handler.handle(replay, None, clock_config(), runtime)
    assert again["tick"]["tick_id"] == first["tick"]["tick_id"]
    assert again["tick"]["tick_time"] == "2026-11-27T08:43:17.611Z"
    assert published_ticks() == [(1_795_768_980.0, 0.0)]  # both in the minute of 08:43: one value


def test_a_heartbeat_restarts_a_stalled_clock_and_leaves_a_running_one(aws: None) -> None:
    cloudwatch = create_alarms()
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
    heartbeat = load_event("heartbeat.json")
    later = time.time() + 3600  # moto stamps the alarms' configuration with the real clock
    runtime, _ = make_runtime(now=lambda: later)
    kicks = record_set_alarm_state(runtime)
    cloudwatch.set_alarm_state(AlarmName=f"{CLOCK}-watchdog", StateValue="OK", StateReason="data")
    assert handler.handle(heartbeat, None, clock_config(), runtime)["verdict"] == "running"
    assert kicks == []
    cloudwatch.set_alarm_state(AlarmName=f"{CLOCK}-watchdog", StateValue="ALARM", StateReason="no Tick")
    result = handler.handle(heartbeat, None, clock_config(), runtime)
    assert result["action"] == "restart"
    assert kicks == KICK  # nobody in ALARM among the tick alarms: start afresh from tick-is-0
