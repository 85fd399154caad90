"""Targets that can work, or a clear refusal (issue 26): FIFO queues and topics get a group and a
deduplication id, KMS-encrypted ones their key's permission, cross-account ones a warning."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

from alarmclock import handler
from alarmclock import template as template_module
from alarmclock.aws.models import ClockMetadata
from alarmclock.aws.plan import PlanError, body_to_send, clock_to_deploy
from alarmclock.cli import main
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import ClockSpec, SpecError, build_spec, read_options
from alarmclock.target_access import cross_account_warnings
from alarmclock.template import build_template

from conftest import Clock, clock_config, load_event, make_runtime

CHANGE = 1_795_769_057.611  # lambda_alarm_action.json's state change


def fifo_queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def messages(url: str) -> list[dict[str, Any]]:
    answer = boto3.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId", "MessageDeduplicationId"]
    )
    return answer.get("Messages", [])


def test_a_fifo_queue_gets_the_clock_as_group_and_the_tick_id_as_deduplication_id(aws: None) -> None:
    url, arn = fifo_queue("ticks.fifo")
    runtime, _logs = make_runtime(now=Clock(CHANGE + 1))
    event = load_event("lambda_alarm_action.json")
    first = handler.handle(event, None, clock_config(targets=[arn]), runtime)
    # The same change notified again (a duplicate, or Lambda's retry): the queue keeps one message.
    again = handler.handle(load_event("lambda_alarm_action.json"), None, clock_config(targets=[arn]), runtime)
    assert first["failed"] == [] and again["failed"] == []
    (message,) = messages(url)
    assert message["Attributes"]["MessageGroupId"] == "my-clock"
    assert message["Attributes"]["MessageDeduplicationId"] == first["tick"]["tick_id"]
    assert json.loads(message["Body"])["tick_id"] == first["tick"]["tick_id"]


def test_a_fifo_topic_gets_a_group_and_a_deduplication_id_and_a_standard_target_neither(aws: None) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        def publish(self, **params: Any) -> None:
            sent.append(("sns", params))

        def send_message(self, **params: Any) -> None:
            sent.append(("sqs", params))

    runtime, _ = make_runtime(now=Clock(CHANGE + 1), client=lambda service, region: Recorder())
    fifo = {"MessageGroupId": "my-clock", "MessageDeduplicationId": "0123456789abcdef"}
    for arn in ("arn:aws:sns:us-east-1:123456789012:ticks.fifo", "arn:aws:sns:us-east-1:123456789012:ticks"):
        handler.send_to_target(arn, "{}", runtime, fifo)
    handler.send_to_target("arn:aws:sqs:us-east-1:123456789012:jobs", "{}", runtime, fifo)
    assert [(service, "MessageGroupId" in params) for service, params in sent] == [
        ("sns", True),
        ("sns", False),
        ("sqs", False),
    ]
    assert {k: sent[0][1][k] for k in fifo} == fifo


# ---- KMS-encrypted targets: --target-key ------------------------------------------------------------

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MRK = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"


def role_statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    policy = template["Resources"]["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    return {s["Sid"]: s for s in policy["Statement"]}


def test_a_target_key_lets_the_function_use_that_key_and_no_other() -> None:
    template = build_template(build_spec(targets=[QUEUE], target_keys=[KEY, MRK, KEY]))
    statement = role_statements(template)["UseTargetKeys"]
    assert statement["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert statement["Resource"] == [KEY, MRK]  # each once
    assert template["Metadata"]["alarmclock"]["target_keys"] == [KEY, MRK]
    assert "UseTargetKeys" not in role_statements(build_template(build_spec(targets=[QUEUE])))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--target", QUEUE, "--target-key", "arn:aws:kms:us-east-1:123456789012:alias/jobs"],
            "--target-key 'arn:aws:kms:us-east-1:123456789012:alias/jobs' is not a KMS key's ARN; give "
            "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (the key's ARN, not an alias's)",
        ),
        (["--target", QUEUE, "--target-key", "1234abcd-12ab-34cd-56ef-1234567890ab"], "--target-key '1234abcd"),
        (
            ["--target", "arn:aws:lambda:us-east-1:123456789012:function:job", "--target-key", KEY],
            "--target-key is for an encrypted SQS queue or SNS topic, and no --target is one",
        ),
    ],
)
def test_template_refuses_a_target_key_that_is_no_keys_arn_or_has_no_queue_or_topic(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["template", *argv])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("alarmclock: error: " + message), err


def read_back(spec_options: dict[str, Any]) -> ClockMetadata:
    """The clock a template of these options reads back as: its Metadata, and its function's environment."""
    template = build_template(build_spec(**spec_options))
    environment = template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]
    read = ClockMetadata.from_template_metadata(template["Metadata"], "clock", environment)
    assert read is not None
    return read


def update(deployed: ClockMetadata | None, **options: Any) -> ClockSpec:
    return clock_to_deploy("clock", read_options(options), deployed)


def test_an_update_keeps_the_keys_unless_new_targets_or_keys_are_given() -> None:
    deployed = read_back({"targets": [QUEUE], "target_keys": [KEY]})
    assert deployed.spec.target_keys == (KEY,)
    assert update(deployed).target_keys == (KEY,)
    assert update(deployed, target_keys=(MRK,)).target_keys == (MRK,)
    other = ("arn:aws:sqs:us-east-1:123456789012:other",)
    assert update(deployed, targets=other).target_keys == ()  # the new targets' keys come with them


# ---- targets in another account: the owner's policy --------------------------------------------------

OTHER_QUEUE = "arn:aws:sqs:us-east-1:111122223333:jobs"


def test_deploy_names_the_policy_the_owner_of_a_target_in_another_account_must_add() -> None:
    targets = build_spec(targets=[QUEUE, OTHER_QUEUE, "arn:aws:lambda:us-east-1:111122223333:function:job"]).targets
    warnings = cross_account_warnings(targets, "123456789012")
    assert warnings == [
        f"warning: --target {OTHER_QUEUE} is in account 111122223333, not the clock's (123456789012): every tick to "
        f"it fails until its owner adds a statement in the queue's access policy that allows sqs:SendMessage on "
        f"{OTHER_QUEUE} to arn:aws:iam::123456789012:root",
        "warning: --target arn:aws:lambda:us-east-1:111122223333:function:job is in account 111122223333, not the "
        "clock's (123456789012): every tick to it fails until its owner adds a statement in the function's "
        "resource-based policy (aws lambda add-permission --function-name "
        "arn:aws:lambda:us-east-1:111122223333:function:job --statement-id alarmclock --action "
        "lambda:InvokeFunction --principal 123456789012)",
    ]
    assert cross_account_warnings(build_spec(targets=[QUEUE]).targets, "123456789012") == []


def test_template_warns_where_the_targets_are_in_several_accounts_and_still_writes_the_template(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["template", "--target", QUEUE]) == 0
    assert capsys.readouterr().err == ""  # one account: the clock's own, as likely as not
    assert main(["template", "--target", QUEUE, "--target", OTHER_QUEUE]) == 0
    out, err = capsys.readouterr()
    assert "AWSTemplateFormatVersion" in out
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: --target arn:aws:sqs:") for line in lines)
    assert "allows sqs:SendMessage on arn:aws:sqs:us-east-1:111122223333:jobs to arn:aws:iam::CLOCK-ACCOUNT:root" in err


# ---- a failed delivery is seen: the DeliveryFailures metric, the alarm, status ----------------------


def test_the_failure_alarm_watches_the_metric_the_function_counts_failures_on() -> None:
    assert handler.FAILURES_METRIC == template_module.FAILURES_METRIC
    plain = build_template(build_spec(targets=[QUEUE]))
    assert "DeliveryFailuresAlarm" not in plain["Resources"] and "failure_alarm" not in plain["Metadata"]["alarmclock"]
    template = build_template(build_spec(targets=[QUEUE], failure_alarm=True))
    alarm = template["Resources"]["DeliveryFailuresAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        {"Fn::Sub": "alarmclock/${AWS::StackName}"},
        "DeliveryFailures",
        "Sum",
    )
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
        "notBreaching",
    )
    assert template["Metadata"]["alarmclock"]["failure_alarm"] is True
    assert read_back({"targets": [QUEUE], "failure_alarm": True}).spec.failure_alarm


def test_an_update_keeps_the_failure_alarm_unless_told() -> None:
    deployed = read_back({"targets": [QUEUE], "failure_alarm": True})
    assert update(deployed).failure_alarm is True
    assert update(deployed, failure_alarm=False).failure_alarm is False
    assert update(None, targets=(QUEUE,)).failure_alarm is False


def test_in_the_emulator_each_failed_delivery_is_a_delivery_failures_value_and_the_alarm_goes_off() -> None:
    # The template calls a second target that does not exist in the emulated account.
    missing = "arn:aws:sqs:us-east-1:123456789012:gone"
    spec = build_spec(every="1m", targets=[QUEUE], publish="api", failure_alarm=True)
    template = build_template(build_spec(every="1m", targets=[QUEUE, missing], publish="api", failure_alarm=True))
    run = simulate(Scenario(spec=spec, duration_s=1800, seed=2, template=template, delete_at_end=False))
    store = run.stack.cloudwatch.store
    failures = store.between("alarmclock/clock", "DeliveryFailures", run.world.start, run.world.now() + 1)
    assert run.report.ticks >= 29 and len(failures) >= run.report.ticks  # one value a tick (EMF may repeat one)
    assert all(point.value == 1 for point in failures)
    assert not store.between("alarmclock/clock", "DeliveryFailures", 0, run.world.start)
    changes = [c for c in run.history if c.alarm == "clock-delivery-failures"]
    assert changes and changes[0].new == "ALARM"


def test_a_clock_with_a_failure_alarm_and_a_key_fits_inline_with_19_targets_and_a_larger_body_is_refused() -> None:
    # Targets fill the function's environment (limits.check_environment) at 70 of these; with the
    # alarm, the key's statement, two alarms and SNS, the compact JSON fits CloudFormation's 51,200
    # bytes up to 19 of them (2026-12-06; the inline handler is most of the rest). One more target than
    # fits is refused with the body's size, before any change.
    arns = [f"arn:aws:sqs:us-east-1:123456789012:{index}" for index in range(70)]

    def body(count: int) -> str:
        spec = build_spec(every="10s", via="sns", targets=arns[:count], alarms=2, failure_alarm=True, target_keys=[KEY])
        return body_to_send(build_template(spec))

    fitting = 19
    assert len(body(fitting).encode()) <= 51_200
    while fitting < len(arns):
        try:
            body(fitting + 1)
        except PlanError as refused:
            assert re.match(r"^the template is 51,\d{3} bytes of compact JSON; .* 51,200 bytes inline", str(refused))
            break
        fitting += 1
    with pytest.raises(SpecError):  # the environment's 4 KB is the other limit
        build_spec(every="10s", via="sns", targets=[*arns, "arn:aws:sqs:us-east-1:123456789012:70"])
