"""The clock obeys only its own stack (issue 26): the forged events of the review change nothing.

Whoever may invoke the function, or publish to its topic, can send it any event. Each forged one here
is ignored with a WARNING that says why, and makes no AWS call, no PUT and no tick; CloudFormation's
own requests and the clock's own alarms still work (tests/handler/test_handler.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alarmclock import handler
from alarmclock.emulator.simulate import Run, Scenario, simulate
from alarmclock.spec import build_spec
from alarmclock.template import alarm_arns, build_template

from conftest import ACCOUNT, ANSWER_HOST, CLOCK, REGION, STACK_ID, clock_config, load_event

CHANGE = 1_795_769_057.611  # lambda_alarm_action.json's state change, 2026-11-27T08:43:17.611Z
NOW = CHANGE + 1.2
FOREIGN_STACK = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/other/0f0f0f0f-0000-0000-0000-000000000000"
TARGET = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"


class Spy:
    """Every AWS client the handler asks for: records each call and answers nothing."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def __getattr__(self, operation: str) -> Any:
        def call(**params: Any) -> dict[str, Any]:
            self.calls.append(operation)
            return {}

        return call


def run(event: dict[str, Any], config: handler.ClockConfig | None = None) -> tuple[dict, list, list, list]:
    calls: list[str] = []
    puts: list[str] = []
    logs: list[dict[str, Any]] = []
    runtime = handler.Runtime(
        client=lambda service, region: Spy(calls),
        now=lambda: NOW,
        http_put=lambda url, body: puts.append(url),
        log=logs.append,
    )
    result = handler.handle(event, None, config or clock_config(targets=[TARGET]), runtime)
    return result, calls, puts, logs


def assert_changes_nothing(event: dict[str, Any], why: str, config: handler.ClockConfig | None = None) -> None:
    result, calls, puts, logs = run(event, config)
    assert result["action"] == "ignored" and why in result["reason"], result
    assert calls == [] and puts == []  # no AWS call (no tick delivered, nothing stopped), no answer
    assert [(r["level"], r["action"]) for r in logs] == [("WARNING", "ignored")]
    assert logs[0]["reason"] == result["reason"]


def via_sns(message: dict[str, Any]) -> dict[str, Any]:
    event = load_event("sns_cfn_create.json")
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def request(kind: str = "Delete", **changes: Any) -> dict[str, Any]:
    event = load_event("cfn_delete.json") | {"RequestType": kind}
    event["ResponseURL"] = ANSWER_HOST + "/answer?X-Amz-Signature=EXAMPLE"
    return event | changes


# ---- CloudFormation's requests ------------------------------------------------------------------


def test_the_genuine_delete_is_obeyed_so_the_forged_ones_below_differ_only_in_what_they_forge() -> None:
    result, calls, puts, _ = run(request())
    assert result["status"] == "SUCCESS" and calls == ["disable_alarm_actions"] and len(puts) == 1


@pytest.mark.parametrize("sent", ["direct", "sns"])
def test_a_delete_for_another_stack_changes_nothing(sent: str) -> None:
    forged = request(StackId=FOREIGN_STACK)
    assert_changes_nothing(forged if sent == "direct" else via_sns(forged), "not this stack's Starter")


def test_a_request_for_another_resource_of_this_stack_changes_nothing() -> None:
    assert_changes_nothing(request(LogicalResourceId="SomethingElse"), "not this stack's Starter")


@pytest.mark.parametrize(
    "url",
    [
        "http://attacker.example/x",
        "https://attacker.example/x",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/answer",
        "file:///etc/passwd",
        "data:text/plain,SUCCESS",
        "http://bucket.s3.amazonaws.com/answer",  # S3, but not https
        "https://bucket.s3.amazonaws.com:8443/answer",  # a port of the sender's
        "https://user@bucket.s3.amazonaws.com/answer",
        "https://bucket.s3.amazonaws.com.attacker.example/answer",
        "https://s3.amazonaws.com@attacker.example/answer",
        "https://evil-s3.amazonaws.com.cn.example/answer",
        "https://ec2-1-2-3-4.compute-1.amazonaws.com/answer",
    ],
)
def test_a_response_url_that_is_not_an_https_s3_url_changes_nothing(url: str) -> None:
    assert_changes_nothing(request(ResponseURL=url), "not an https S3 URL")


@pytest.mark.parametrize(
    "url",
    [
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws/x?X-Amz-Signature=E",
        "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
        "https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/x",
        "https://s3.dualstack.us-east-1.amazonaws.com/bucket/x",
    ],
)
def test_cloudformations_s3_answer_urls_are_answered(url: str) -> None:
    result, _calls, puts, _ = run(request("Update", ResponseURL=url))
    assert result["status"] == "SUCCESS" and puts == [url]


def test_a_clock_that_does_not_know_its_stack_answers_no_request() -> None:
    config = handler.ClockConfig(CLOCK, f"alarmclock/{CLOCK}", 60, f"{CLOCK}-tick-is-")
    result, calls, puts, _ = run(request(), config)
    assert result["action"] == "ignored" and calls == [] and puts == []


def test_a_clock_whose_starter_has_another_logical_id_answers_requests_for_that_one_only() -> None:
    # The CDK construct's Starter has a logical id CDK derives from its path; it tells the function.
    cdk = handler.ClockConfig.from_env(
        {"ALARMCLOCK_STACK_ID": STACK_ID, "ALARMCLOCK_STARTER": "Every10sStarterE3468183"}
    )
    result, calls, puts, _ = run(request(LogicalResourceId="Every10sStarterE3468183"), cdk)
    assert result["status"] == "SUCCESS" and calls == ["disable_alarm_actions"] and len(puts) == 1
    result, calls, puts, _ = run(request(), cdk)  # "Starter": not this clock's starter
    assert result["action"] == "ignored" and "not this stack's Every10sStarterE3468183" in result["reason"]
    assert calls == [] and puts == []
    assert handler.ClockConfig.from_env({}).starter == "Starter"  # the CLI's template gives none


def test_the_template_tells_the_function_its_stack() -> None:
    variables = build_template(build_spec())["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["ALARMCLOCK_STACK_ID"] == {"Ref": "AWS::StackId"}
    assert handler.ClockConfig.from_env({"ALARMCLOCK_STACK_ID": STACK_ID}).stack_id == STACK_ID


# ---- alarm events -------------------------------------------------------------------------------


def direct(**changes: Any) -> dict[str, Any]:
    event = load_event("lambda_alarm_action.json")
    event.update(changes)
    return event


def sns_alarm(**changes: Any) -> dict[str, Any]:
    event = load_event("sns_alarm_notification.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"]) | changes
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def test_the_genuine_alarm_event_ticks_so_the_forged_ones_below_differ_only_in_what_they_forge() -> None:
    result, calls, _, _ = run(direct())
    assert result["action"] == "tick" and calls == ["put_metric_data", "send_message"]


@pytest.mark.parametrize(
    "event",
    [
        direct(alarmArn=f"arn:aws:cloudwatch:{REGION}:999999999999:alarm:{CLOCK}-tick-is-1", accountId="999999999999"),
        direct(alarmArn=f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:{CLOCK}-tick-is-1"),
        direct(alarmArn=f"arn:aws-cn:cloudwatch:{REGION}:{ACCOUNT}:alarm:{CLOCK}-tick-is-1"),
        direct(alarmArn=None),
        sns_alarm(AlarmArn=f"arn:aws:cloudwatch:{REGION}:999999999999:alarm:{CLOCK}-tick-is-0"),
        sns_alarm(AlarmArn=f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:another-clock-tick-is-0"),
    ],
    ids=["other-account", "other-region", "other-partition", "no-arn", "sns-other-account", "sns-other-alarm"],
)
def test_an_alarm_event_of_another_account_region_or_alarm_changes_nothing(event: dict[str, Any]) -> None:
    assert_changes_nothing(event, "is not one of this clock's")


def test_a_name_of_this_clock_with_the_arn_of_another_alarm_changes_nothing() -> None:
    forged = direct(alarmArn=f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:someone-elses")
    assert_changes_nothing(forged, "is not one of this clock's")


@pytest.mark.parametrize(
    "reason",
    [
        "alarmclock: restart (x); replaying 2001-01-01T00:00:00.000Z",
        "alarmclock: restart (x); replaying 2026-11-27T06:00:00.000Z",  # hours before the change
        "alarmclock: restart (x); replaying 2026-11-27T09:00:00.000Z",  # a quarter of an hour ahead
    ],
)
def test_a_replay_out_of_the_alarms_view_changes_nothing(reason: str) -> None:
    forged = direct()
    forged["alarmData"]["state"]["reason"] = reason
    assert_changes_nothing(forged, "out of the alarms' view")


def test_a_stale_state_change_changes_nothing() -> None:
    forged = direct()
    forged["alarmData"]["state"]["timestamp"] = "2026-11-27T06:43:17.611+0000"
    assert_changes_nothing(forged, "out of the alarms' view")
    pair = handler.ClockConfig(
        CLOCK, f"alarmclock/{CLOCK}", 60, f"{CLOCK}-tick-is-", [TARGET], alarms=2, stack_id=STACK_ID
    )
    assert run(sns_alarm(), pair)[0]["action"] == "tick"
    assert_changes_nothing(sns_alarm(StateChangeTime="2026-11-27T06:42:05.577+0000"), "out of the alarms' view", pair)


# ---- the topic policy, in the emulator ------------------------------------------------------------


def sns_run(template: dict[str, Any] | None = None, hours: float = 1) -> Run:
    spec = build_spec(every="1m", via="sns", publish="api")
    return simulate(Scenario(spec=spec, duration_s=hours * 3600, seed=4, template=template))


def test_the_topic_takes_cloudformations_requests_and_the_clocks_alarms() -> None:
    result = sns_run()
    statuses = [event.status for event in result.stack.state.events]
    # CloudFormation's Create and Delete reached the function through the topic and were answered ...
    assert statuses[:2] == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"] and statuses[-1] == "DELETE_COMPLETE"
    assert [(r.kind, r.status) for r in result.stack.state.requests] == [("Create", "SUCCESS"), ("Delete", "SUCCESS")]
    # ... and every alarm's notification too: the clock ticked all along.
    assert result.report.verdict == "ticking" and result.report.ticks == pytest.approx(61, abs=2)
    assert not [line for line in result.world.log_lines if line.get("action") == "publish_refused"]


def test_a_topic_policy_that_names_other_alarms_refuses_the_clocks_notifications() -> None:
    # The check bites: the same clock whose topic policy names alarms of another stack never ticks
    # after the Create's kick, whose notification the topic refuses.
    template = build_template(build_spec(every="1m", via="sns", publish="api"))
    statement = template["Resources"]["TickTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    statement["Condition"]["ArnEquals"]["aws:SourceArn"] = [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:another-{name}"}
        for name in ("tick-is-1", "watchdog")
    ]
    result = sns_run(template)
    assert result.stack.state.requests[0].status == "SUCCESS"  # CloudFormation's own request still gets through
    assert result.report.ticks == 0
    assert [line for line in result.world.log_lines if line.get("action") == "publish_refused"]


def test_the_topic_policy_lets_only_cloudwatch_publish_and_only_for_the_clocks_alarms() -> None:
    for alarms in (1, 2):
        spec = build_spec(via="sns", alarms=alarms)
        template = build_template(spec)
        (statement,) = template["Resources"]["TickTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert statement["Action"] == "sns:Publish" and statement["Resource"] == {"Ref": "TickTopic"}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
        # The tick alarms by their ARN; the watchdog, which waits for the Starter, by its name.
        arns = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
        ticks = [logical for logical in alarm_arns(spec) if logical != "Watchdog"]
        assert arns[:-1] == [{"Fn::GetAtt": [logical, "Arn"]} for logical in ticks]
        watchdog = template["Resources"]["Watchdog"]["Properties"]["AlarmName"]["Fn::Sub"]
        assert arns[-1]["Fn::Sub"].endswith(":alarm:" + watchdog) and len(arns) == len(alarm_arns(spec))
        assert "TickTopicPolicy" in template["Resources"]["Starter"]["DependsOn"]
