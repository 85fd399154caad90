"""deploy / status / pause / resume / list / destroy, end to end: the CLI in-process, over real
HTTP, against moto's server on 127.0.0.1 (a free port), through --endpoint-url.

moto does the AWS API surface (CloudFormation, CloudWatch, Lambda, SQS, IAM). What it cannot
do for a clock (create the alarms, run the Starter custom resource, fire alarm actions) is done
by `MotoGaps` with the real handler; see tests/moto_gaps.py. moto has no failure model either:
the tests that need a failed stack put it in that state on moto's in-process backend, with the
events CloudFormation writes (`leave_failed`). Each test says where it leans on either.
"""

from __future__ import annotations

import _thread
import io
import json
import re
import signal
import threading
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from moto import settings as moto_settings
from moto.cloudformation.models import CloudFormationBackend, Event, cloudformation_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.server import ThreadedMotoServer

from alarmclock import __version__, handler
from alarmclock.aws.execute import Runner
from alarmclock.aws.models import period_start
from alarmclock.cli import main
from alarmclock.render import render
from alarmclock.spec import build_spec
from alarmclock.template import build_template
from moto_gaps import MotoGaps

from conftest import ACCOUNT, CLOCK, REGION, Quiet

POLL = ["--poll-interval", "0.01"]


# ---- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    # moto probes for Docker once per process (for custom resources) and prints about it:
    # let that happen here rather than in the middle of a test's output.
    moto_settings.moto_server_host()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def moto_api(endpoint: str, path: str, body: bytes = b"") -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/{path}", data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        answer.read()


@pytest.fixture
def endpoint(moto_server: str) -> Iterator[str]:
    # One server for the module; every test starts from an empty account.
    moto_api(moto_server, "reset")
    yield moto_server
    moto_api(moto_server, "reset")


@pytest.fixture
def gaps(endpoint: str) -> MotoGaps:
    return MotoGaps(endpoint)


def run(capsys: pytest.CaptureFixture[str], endpoint: str, *argv: str) -> tuple[int, str, str]:
    status = main([*argv, "--endpoint-url", endpoint, *POLL])
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("alarmclock: error: "), err
    assert "Traceback" not in err
    return err.removeprefix("alarmclock: error: ").rstrip("\n")


def client(endpoint: str, service: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def make_queue(endpoint: str, name: str = "ticks") -> tuple[str, str]:
    sqs = client(endpoint, "sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def make_function(endpoint: str, name: str = "my-job") -> str:
    role = client(endpoint, "iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    created = client(endpoint, "lambda").create_function(
        FunctionName=name, Runtime="python3.13", Role=role, Handler="index.handler", Code={"ZipFile": code.getvalue()}
    )
    return str(created["FunctionArn"])


def stack(endpoint: str, name: str = CLOCK, region: str = REGION) -> dict[str, Any] | None:
    try:
        return dict(client(endpoint, "cloudformation", region).describe_stacks(StackName=name)["Stacks"][0])
    except botocore.exceptions.ClientError:
        return None


def parameters(described: dict[str, Any]) -> dict[str, str]:
    return {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}


def alarms(endpoint: str, name: str = CLOCK) -> dict[str, dict[str, Any]]:
    found = client(endpoint, "cloudwatch").describe_alarms(AlarmNamePrefix=f"{name}-tick-is-")["MetricAlarms"]
    return {a["AlarmName"]: a for a in found}


def metadata(endpoint: str, name: str = CLOCK) -> dict[str, Any]:
    """The deployed clock's settings: its template's Metadata block, and the targets and payload,
    which only its function's environment records (readback.py)."""
    from alarmclock.aws.models import parse_metadata

    summary = client(endpoint, "cloudformation").get_template_summary(StackName=name)
    block = dict(parse_metadata(summary["Metadata"])["alarmclock"])
    assert "targets" not in block and "payload" not in block
    function = client(endpoint, "cloudformation").describe_stack_resource(
        StackName=name, LogicalResourceId="TickFunction"
    )
    configuration = client(endpoint, "lambda").get_function_configuration(
        FunctionName=function["StackResourceDetail"]["PhysicalResourceId"]
    )
    variables = configuration["Environment"]["Variables"]
    block["targets"] = json.loads(variables["ALARMCLOCK_TARGETS"])
    if variables["ALARMCLOCK_PAYLOAD"] != "null":
        block["payload"] = json.loads(variables["ALARMCLOCK_PAYLOAD"])
    return block


def put_tick(endpoint: str, value: float, when: datetime, name: str = CLOCK) -> None:
    client(endpoint, "cloudwatch").put_metric_data(
        Namespace=f"alarmclock/{name}", MetricData=[{"MetricName": "Tick", "Value": value, "Timestamp": when}]
    )


def deploy(capsys: pytest.CaptureFixture[str], endpoint: str, *extra: str, name: str = CLOCK) -> str:
    """A clock deployed with --no-wait; returns its target queue's URL."""
    url, arn = make_queue(endpoint, f"{name}-ticks")
    status, _out, err = run(capsys, endpoint, "deploy", name, "--target", arn, "--no-wait", *extra)
    assert status == 0, err
    return url


def moto_stack(name: str = CLOCK) -> Any:
    # moto's in-process backend: the server above runs in this process and shares it.
    return cloudformation_backends[ACCOUNT][REGION].get_stack(name)


WAVE_60S = [{"Name": "Wave", "Value": "60s"}]


def wave_values(endpoint: str, name: str = CLOCK) -> list[tuple[datetime, float]]:
    """(period start, Average) of a one-minute wave clock's Tick values, from 10 minutes ago to the
    end of anything laid ahead (two hours)."""
    now = datetime.now(UTC)
    answer = client(endpoint, "cloudwatch").get_metric_statistics(
        Namespace=f"alarmclock/{name}",
        MetricName="Tick",
        Dimensions=WAVE_60S,
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(hours=2, minutes=2),
        Period=60,
        Statistics=["Average"],
    )
    return sorted((period_start(p["Timestamp"], 60), p["Average"]) for p in answer["Datapoints"])


def set_alarm_times(name: str, changed: timedelta, configured: timedelta) -> None:
    """moto cannot age an alarm: put its last state change and configuration that long ago on
    moto's in-process backend (its times are naive UTC)."""
    alarm: Any = cloudwatch_backends[ACCOUNT][REGION].alarms[name]
    now = datetime.now(UTC).replace(tzinfo=None)
    alarm.state_transitioned_timestamp = alarm.state_updated_timestamp = now - changed
    alarm.configuration_updated_timestamp = now - configured


def tick_lines(gaps: MotoGaps) -> list[dict[str, Any]]:
    return [line for line in gaps.logs if line["action"] == "tick"]


def leave_failed(name: str, status: str, events: list[tuple[str, str, str, str]]) -> None:
    """moto has no failure model (a stack never rolls back or fails to delete there): put the
    stack where CloudFormation leaves it, with the events it writes on the way."""
    stack = moto_stack(name)
    for logical, resource_type, resource_status, reason in events:
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=name,
                logical_resource_id=logical,
                physical_resource_id="",
                resource_type=resource_type,
                resource_status=resource_status,
                resource_status_reason=reason,
                resource_properties=None,
            )
        )
    stack.status = status


ROLE_DENIED = (
    'Resource handler returned message: "User: arn:aws:sts::123456789012:assumed-role/deployer/me is not '
    'authorized to perform: iam:CreateRole" (HandlerErrorCode: AccessDenied)'
)

# What CloudFormation writes when a first deploy fails on the role and rolls back.
ROLLBACK_EVENTS = [
    ("TickRole", "AWS::IAM::Role", "CREATE_FAILED", ROLE_DENIED),
    ("Starter", "Custom::AlarmClockStarter", "CREATE_FAILED", "Resource creation cancelled"),
    (
        CLOCK,
        "AWS::CloudFormation::Stack",
        "ROLLBACK_IN_PROGRESS",
        "The following resource(s) failed to create: [TickRole, Starter]. Rollback requested by user.",
    ),
    ("TickRole", "AWS::IAM::Role", "DELETE_COMPLETE", ""),
    (CLOCK, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", ""),
]


# ---- deploy ---------------------------------------------------------------------------------------


def test_deploy_creates_the_clock_streams_events_and_waits_for_the_first_tick(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    queue_url, queue_arn = make_queue(endpoint)
    job = make_function(endpoint)
    # deploy blocks until a tick is seen; MotoGaps plays CloudFormation's custom resource and
    # CloudWatch's alarm action with the real handler meanwhile, so that first tick is real.
    # (--publish api: the Starter kicks the loop, and the first tick publishes a value.)
    with gaps.running():
        status, out, err = run(
            capsys,
            endpoint,
            "deploy",
            CLOCK,
            "--every",
            "1m",
            "--publish",
            "api",
            "--target",
            job,
            "--target",
            queue_arn,
            "--tick-timeout",
            "20",
        )
    assert status == 0, err
    assert err == ""
    lines = out.splitlines()
    # ChangeSetName: the deploy's second and 8 random hex digits (alarmclock.aws.plan.change_set_name).
    assert re.fullmatch(rf"creating stack {CLOCK}: change set alarmclock-\d{{8}}-\d{{6}}-[0-9a-f]{{8}}", lines[0])
    # The function, its role and log group, the tick alarm, the watchdog, the heartbeat, the starter,
    # and the three permissions to invoke the function (tick alarm, watchdog, heartbeat).
    assert "  will create 10 resources" in lines
    assert re.search(r"^  \d\d:\d\d:\d\d  CREATE_IN_PROGRESS +stack  User Initiated$", out, re.M)
    assert re.search(r"^  \d\d:\d\d:\d\d  CREATE_COMPLETE +stack$", out, re.M)
    assert any(line.startswith("waiting for the first tick") for line in lines)
    assert re.fullmatch(
        rf"{CLOCK} is deployed and ticking \(stack CREATE_COMPLETE; first tick seen at \d\d:\d\d:\d\d UTC\)",
        lines[-1],
    )

    deployed = stack(endpoint)
    assert deployed is not None
    assert {t["Key"]: t["Value"] for t in deployed["Tags"]} == {"alarmclock:version": __version__}
    assert parameters(deployed) == {"Paused": "false"}
    assert metadata(endpoint) == {
        "version": __version__,
        "period_s": 60,
        "via": "lambda",
        "alarms": 1,
        "window": "sliding",
        "publish": "api",
        "targets": [job, queue_arn],
    }
    # One tick alarm and the watchdog, both new (INSUFFICIENT_DATA). The Starter answered
    # SUCCESS and kicked the tick alarm with a single SetAlarmState to OK; its OK action made the
    # handler publish 1 and call both targets.
    assert sorted(a["AlarmName"] for a in client(endpoint, "cloudwatch").describe_alarms()["MetricAlarms"]) == [
        f"{CLOCK}-tick-is-1",
        f"{CLOCK}-watchdog",
    ]
    assert [a["Status"] for a in gaps.answers] == ["SUCCESS"]
    assert [line["state"] for line in gaps.logs if line["action"] == "kick"] == ["OK"]
    assert gaps.delivered == [(f"{CLOCK}-tick-is-1", "OK")]
    assert [(line["action"], line.get("published")) for line in gaps.logs if line["action"] == "tick"] == [("tick", 1)]
    messages = client(endpoint, "sqs").receive_message(QueueUrl=queue_url)["Messages"]
    tick = json.loads(messages[0]["Body"])
    assert (tick["clock"], tick["alarm"], tick["period_s"]) == (CLOCK, f"{CLOCK}-tick-is-1", 60)


def test_deploy_of_a_wave_clock_lays_the_wave_and_waits_for_its_alarms_first_change(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    queue_url, queue_arn = make_queue(endpoint)
    before = datetime.now(UTC)
    # MotoGaps runs the Starter (which lays the wave) and then evaluates the tick alarm on the
    # values laid, as CloudWatch does within a minute: that state change is the first tick.
    with gaps.running():
        status, out, err = run(
            capsys, endpoint, "deploy", CLOCK, "--target", queue_arn, "--publish", "wave", "--tick-timeout", "20"
        )
    assert status == 0, err
    seen = re.fullmatch(
        rf"{CLOCK} is deployed and ticking \(stack CREATE_COMPLETE; first tick at (\d\d:\d\d:\d\d) UTC: "
        rf"{CLOCK}-tick-is-1 went to (ALARM|OK)\)",
        out.splitlines()[-1],
    )
    assert seen, out
    assert (metadata(endpoint)["publish"], metadata(endpoint)["period_s"]) == ("wave", 60)
    # Both alarms watch the Tick metric with the Wave dimension.
    described = client(endpoint, "cloudwatch").describe_alarms()["MetricAlarms"]
    assert {a["AlarmName"]: a["Dimensions"] for a in described} == {
        f"{CLOCK}-tick-is-1": WAVE_60S,
        f"{CLOCK}-watchdog": WAVE_60S,
    }
    # The Starter answered SUCCESS after laying the wave; nothing called SetAlarmState but CloudWatch.
    assert [a["Status"] for a in gaps.answers] == ["SUCCESS"]
    assert [(line["action"], line["reason"]) for line in gaps.logs if line["action"] in ("wave", "kick")] == [
        ("wave", "stack create")
    ]
    assert gaps.set_states == []
    # The wave: one value a minute, k % 2 in minute k, from the window the alarm looked at when it
    # was laid (the minute before) to two hours ahead.
    values = wave_values(endpoint)
    minute = timedelta(minutes=1)
    assert values[0][0] in (period_start(before, 60) - minute, period_start(before, 60))
    assert [when for when, _ in values] == [values[0][0] + k * minute for k in range(len(values))]
    assert all(value == int(when.timestamp()) // 60 % 2 for when, value in values)
    assert values[-1][0] >= period_start(before + timedelta(seconds=7140), 60) - minute
    # The first tick: the alarm went to the state its window's value called for (1: ALARM, 0: OK),
    # its action ran the handler, which published nothing and called the target.
    # (A minute boundary may pass while the deploy polls: the change it saw is one of those
    # delivered, once MotoGaps has delivered it.)
    deadline = time.monotonic() + 5
    while (f"{CLOCK}-tick-is-1", seen.group(2)) not in gaps.delivered and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (f"{CLOCK}-tick-is-1", seen.group(2)) in gaps.delivered
    assert tick_lines(gaps)[0]["published"] == "wave"
    messages = client(endpoint, "sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    (tick,) = [t for t in (json.loads(m["Body"]) for m in messages) if t["tick_time"][11:19] == seen.group(1)]
    looked_at = int(datetime.fromisoformat(tick["tick_time"]).timestamp()) // 60 - 1
    assert seen.group(2) == ("ALARM" if looked_at % 2 else "OK")


def test_deploy_with_two_alarms_creates_the_pair_and_status_reports_both(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    queue_url, queue_arn = make_queue(endpoint)
    with gaps.running():
        status, out, err = run(
            capsys,
            endpoint,
            "deploy",
            CLOCK,
            "--alarms",
            "2",
            "--publish",
            "api",
            "--target",
            queue_arn,
            "--tick-timeout",
            "20",
        )
    assert status == 0, err
    assert out.splitlines()[-1].startswith(f"{CLOCK} is deployed and ticking (stack CREATE_COMPLETE; first tick seen")
    assert (metadata(endpoint)["alarms"], metadata(endpoint)["window"]) == (2, "sliding")
    body = client(endpoint, "cloudformation").get_template(StackName=CLOCK)["TemplateBody"]
    assert {"Alarm0", "Alarm1"} <= set(body["Outputs"])  # (moto answers no Outputs after a change set)
    # The seed's pair, acting on ALARM only. The kick sets the new tick-is-0 straight to ALARM
    # (Tick is 0), whose action publishes 1.
    pair = alarms(endpoint)
    assert {name: (a["Threshold"], bool(a["AlarmActions"]), a["OKActions"]) for name, a in pair.items()} == {
        f"{CLOCK}-tick-is-0": (0.0, True, []),
        f"{CLOCK}-tick-is-1": (1.0, True, []),
    }
    assert gaps.delivered == [(f"{CLOCK}-tick-is-0", "ALARM")]
    assert [line.get("published") for line in gaps.logs if line["action"] == "tick"] == [1]
    tick = json.loads(client(endpoint, "sqs").receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert tick["alarm"] == f"{CLOCK}-tick-is-0"

    status, out, err = run(capsys, endpoint, "status", CLOCK, "--json")
    report = json.loads(out)
    assert (status, report["verdict"], report["settings"]["alarms"]) == (0, "ticking", 2)
    assert [(a["name"], a["state"]) for a in report["alarms"]] == [
        (f"{CLOCK}-tick-is-0", "ALARM"),
        (f"{CLOCK}-tick-is-1", "INSUFFICIENT_DATA"),
        (f"{CLOCK}-watchdog", "INSUFFICIENT_DATA"),
    ]
    out = run(capsys, endpoint, "status", CLOCK)[1]
    assert f"  alarm     {CLOCK}-tick-is-0: ALARM since " in out
    assert f"  alarm     {CLOCK}-tick-is-1: INSUFFICIENT_DATA since " in out
    assert "; the pair of tick alarms, sliding window" in out


def test_updating_a_pair_clock_without_alarms_keeps_the_pair(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--alarms", "2", "--publish", "api")
    gaps.sync()
    # Only --every: the design is kept from the deployed metadata (the default, 1, is not imposed).
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--every", "2m", "--no-wait")
    assert status == 0, err
    assert "TickAlarm0 (AWS::CloudWatch::Alarm)" in out and "Remove" not in out
    assert (metadata(endpoint)["period_s"], metadata(endpoint)["alarms"], metadata(endpoint)["publish"]) == (
        120,
        2,
        "api",
    )
    gaps.sync()
    assert {name: a["Period"] for name, a in alarms(endpoint).items()} == {
        f"{CLOCK}-tick-is-0": 120,
        f"{CLOCK}-tick-is-1": 120,
    }
    # The update kept each alarm's state: the kicked tick-is-0 is still in ALARM.
    assert alarms(endpoint)[f"{CLOCK}-tick-is-0"]["StateValue"] == "ALARM"
    report = json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])
    assert [a["name"] for a in report["alarms"]] == [f"{CLOCK}-tick-is-0", f"{CLOCK}-tick-is-1", f"{CLOCK}-watchdog"]


def test_an_update_of_a_clock_deployed_with_the_target_parameter_keeps_the_parameter(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Deployed from `alarmclock template` output without --target: its function's environment holds
    # the parameter's value, which is the stack's, not the clock's own target.
    from alarmclock.render import deploy_body

    job = make_function(endpoint)
    cloudformation = client(endpoint, "cloudformation")
    # Through a change set, as aws cloudformation deploy makes it (moto then completes the stack).
    created = cloudformation.create_change_set(
        StackName=CLOCK,
        ChangeSetName="by-hand",
        ChangeSetType="CREATE",
        TemplateBody=deploy_body(build_template(build_spec(publish="api"))),
        Parameters=[{"ParameterKey": "TargetFunctionArn", "ParameterValue": job}],
        Capabilities=["CAPABILITY_IAM"],
    )
    cloudformation.execute_change_set(ChangeSetName=created["Id"])
    deadline = time.monotonic() + 20
    while (stack(endpoint) or {}).get("StackStatus", "").endswith("_IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (stack(endpoint) or {}).get("StackStatus") == "CREATE_COMPLETE"
    status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--every", "2m", "--no-wait")
    assert status == 0, err
    described = client(endpoint, "cloudformation").describe_stacks(StackName=CLOCK)["Stacks"][0]
    assert parameters(described) == {"Paused": "false", "TargetFunctionArn": job}
    summary = cloudformation.get_template_summary(StackName=CLOCK)
    assert {p["ParameterKey"] for p in summary["Parameters"]} == {"Paused", "TargetFunctionArn"}
    assert metadata(endpoint)["period_s"] == 120


@pytest.mark.filterwarnings("ignore:Unable to delete TickAlarm0, as it was never created")
def test_alarms_1_turns_a_pair_clock_into_a_one_alarm_clock(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    # (A first update only: moto 5.2 fails a later update that removes a resource type it skipped.)
    # --publish api: the update's verdict rests on the kick's Tick value. (A wave clock's updated
    # alarm is "starting" until its next flip, at the next minute: test_status_of_a_wave_clock_...)
    deploy(capsys, endpoint, "--alarms", "2", "--publish", "api")
    gaps.sync()
    # tick-is-0 goes (a removal: asked, or --yes) and tick-is-1 gets its OK action.
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--alarms", "1", "--yes", "--no-wait")
    assert status == 0, err
    assert "    - Remove  TickAlarm0 (AWS::CloudWatch::Alarm)" in out
    assert (metadata(endpoint)["period_s"], metadata(endpoint)["alarms"]) == (60, 1)
    gaps.sync()
    one = alarms(endpoint)
    assert list(one) == [f"{CLOCK}-tick-is-1"]
    assert one[f"{CLOCK}-tick-is-1"]["OKActions"] == one[f"{CLOCK}-tick-is-1"]["AlarmActions"] != []
    report = json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])
    assert [a["name"] for a in report["alarms"]] == [f"{CLOCK}-tick-is-1", f"{CLOCK}-watchdog"]
    assert (report["verdict"], report["settings"]["alarms"]) == ("ticking", 1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--every", "3h"], "--every 3h cannot be held by an alarm clock: "),
        (["--window", "wallclock", "--every", "2m"], "--window wallclock cannot hold --every 2m: "),
        (["--publish", "wave", "--every", "1440m"], "--publish wave cannot hold --every 1440m: "),
    ],
    ids=["3h", "wallclock-2m", "wave-1440m"],
)
def test_deploy_refuses_a_period_its_window_cannot_hold_in_one_line(
    options: list[str], message: str, endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _url, arn = make_queue(endpoint)
    status, _out, err = run(capsys, endpoint, "deploy", CLOCK, *options, "--target", arn)
    assert status == 2
    assert one_line_error(err).startswith(message)
    assert stack(endpoint) is None
    # Refused before any AWS call: without credentials the answer is the same.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    status, _out, err = run(capsys, endpoint, "deploy", CLOCK, *options, "--target", arn)
    assert (status, one_line_error(err).startswith(message)) == (2, True)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tick-timeout", "0s"], "Invalid value for '--tick-timeout': '0s': must be more than 0; not to wait"),
        (["--target", "arn:aws:s3:::my-bucket"], "Invalid value for '--target': 'arn:aws:s3:::my-bucket': service"),
    ],
    ids=["tick-timeout-0", "s3-target"],
)
def test_deploy_refuses_a_zero_tick_timeout_and_an_unsupported_service_before_any_aws_call(
    argv: list[str], message: str, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _url, arn = make_queue(endpoint)
    status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", arn, *argv)
    assert status == 2 and one_line_error(err).startswith(message), err
    assert stack(endpoint) is None


def test_deploy_refuses_a_target_that_does_not_exist_before_changing_anything(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = {
        "lambda": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:no-such-job",
        "sqs": f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue",
        "sns": f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic",
    }
    for service, arn in missing.items():
        status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", arn)
        message = one_line_error(err)
        assert status == 1, service
        assert message.startswith(f"target {arn} does not exist (")
        assert message.endswith("); nothing was changed")
    assert "Function not found" in run(capsys, endpoint, "deploy", CLOCK, "--target", missing["lambda"])[2]
    assert stack(endpoint) is None


def test_deploy_warns_of_a_target_in_another_account_naming_the_policy_its_owner_must_add(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _url, own = make_queue(endpoint)
    other = f"arn:aws:sqs:{REGION}:111122223333:jobs"
    _status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", own, "--target", other, "--no-wait")
    warning = err.splitlines()[0]
    assert warning == (
        f"warning: --target {other} is in account 111122223333, not the clock's ({ACCOUNT}): every tick to it "
        f"fails until its owner adds a statement in the queue's access policy that allows sqs:SendMessage on "
        f"{other} to arn:aws:iam::{ACCOUNT}:root"
    )
    assert own not in err


def test_redeploying_the_same_clock_changes_nothing(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    _url, arn = make_queue(endpoint)
    assert run(capsys, endpoint, "deploy", CLOCK, "--target", arn, "--no-wait")[0] == 0
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", arn, "--no-wait")
    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == f"{CLOCK} is up to date: nothing to change"


def test_an_update_shows_its_changes_and_asks_before_removing_anything(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(capsys, endpoint)
    # Not a terminal, no --yes: show the change set, remove it, change nothing.
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--via", "sns", "--no-wait")
    assert status == 1
    assert one_line_error(err) == f"nothing changed: {CLOCK} left as it was (pass --yes to allow it)"
    assert "    + Add     TickTopic (AWS::SNS::Topic)" in out
    # The one tick alarm and the watchdog lose their direct-Lambda permissions (there is no tick-is-0).
    assert "    - Remove  TickAlarm1Permission (AWS::Lambda::Permission)" in out
    assert "TickAlarm0" not in out
    assert "(not asking: stdin is not a terminal)" in out
    assert metadata(endpoint)["via"] == "lambda"
    # A person at a terminal is asked, and says yes. Only --via was given: the rest is kept.
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--via", "sns", "--no-wait")
    assert status == 0, err
    assert "this deploy would replace or remove TickAlarm1Permission (remove), WatchdogPermission (remove)" in out
    after = metadata(endpoint)
    assert (after["via"], after["period_s"], len(after["targets"])) == ("sns", 60, 1)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_answering_no_at_destroys_question_is_not_an_error(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(capsys, endpoint)
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    status, _out, err = run(capsys, endpoint, "destroy", CLOCK)
    assert (status, err) == (0, "nothing was done\n")
    assert stack(endpoint) is not None


def test_a_failed_deploy_streams_the_failure_and_ends_with_cloudformations_reason(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto has no failure model: its ExecuteChangeSet always succeeds. Make it end the way
    # CloudFormation ends a create whose role it may not make (events, then ROLLBACK_COMPLETE).
    execute = CloudFormationBackend.execute_change_set

    def execute_and_fail(backend: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
        execute(backend, change_set_name, stack_name)
        leave_failed(CLOCK, "ROLLBACK_COMPLETE", ROLLBACK_EVENTS)

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", execute_and_fail)
    _url, arn = make_queue(endpoint)
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", arn)
    assert status == 1
    assert re.search(rf"^  \d\d:\d\d:\d\d  CREATE_FAILED +TickRole  {re.escape(ROLE_DENIED)}$", out, re.M)
    assert re.search(r"^  \d\d:\d\d:\d\d  ROLLBACK_COMPLETE +stack$", out, re.M)
    assert one_line_error(err) == (
        f"deploy failed: stack {CLOCK} is ROLLBACK_COMPLETE: TickRole: {ROLE_DENIED}; "
        f"run 'alarmclock destroy {CLOCK}', then deploy again"
    )


def test_deploy_gives_up_when_no_tick_comes(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    # No MotoGaps: nothing runs the Starter, so no tick ever comes.
    _url, arn = make_queue(endpoint)
    status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", arn, "--tick-timeout", "0.3")
    assert status == 1
    assert one_line_error(err) == (
        f"stack {CLOCK} is CREATE_COMPLETE but no tick was seen within 0.3s; see 'alarmclock status {CLOCK}'"
    )


def test_ctrl_c_during_deploy_says_what_state_the_stack_is_in(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # No MotoGaps: no tick comes, so deploy is still waiting when Ctrl-C arrives.
    _url, arn = make_queue(endpoint)

    def press_ctrl_c_once_created() -> None:
        # A session of its own: boto3's default session is not safe to share between threads, and
        # a client made here while deploy makes its own could fail and leave Ctrl-C unpressed.
        cloudformation = boto3.session.Session().client(
            "cloudformation",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                try:
                    if cloudformation.describe_stacks(StackName=CLOCK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE":
                        break
                except botocore.exceptions.ClientError:
                    pass
                time.sleep(0.01)
            time.sleep(0.1)
        finally:
            _thread.interrupt_main()  # what Ctrl-C does: KeyboardInterrupt in the main thread

    # Python turns SIGINT into KeyboardInterrupt only if it was not ignored when the process
    # started, as it is for a background job of a shell: make sure this test's Ctrl-C is heard.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    presser = threading.Thread(target=press_ctrl_c_once_created)
    presser.start()
    try:
        status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", arn, "--tick-timeout", "30")
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped alarmclock")
    finally:
        presser.join()
        signal.signal(signal.SIGINT, previous)
    assert status == 130
    assert one_line_error(err) == (
        f"interrupted while waiting for the first tick: stack {CLOCK} is CREATE_COMPLETE; "
        f"see 'alarmclock status {CLOCK}'"
    )


# ---- status ---------------------------------------------------------------------------------------


def test_status_shows_alarms_last_ticks_the_hours_beat_and_ticking(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    before = datetime.now(UTC)
    deploy(capsys, endpoint, "--publish", "api")
    gaps.sync()  # alarms created, Starter run, its kick delivered: one tick (1) now
    # moto never evaluates alarms, so the loop's earlier beats are written as the handler writes
    # them: 0 and 1 alternating, one a minute, from 11 to 2 minutes before the deploy.
    minute = before.replace(second=0, microsecond=0)
    for back in range(2, 12):
        put_tick(endpoint, float(back % 2), minute - timedelta(minutes=back))

    status, out, err = run(capsys, endpoint, "status", CLOCK, "--json")
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert (report["clock"], report["region"], report["verdict"]) == (CLOCK, REGION, "ticking")
    assert re.fullmatch(r"last tick in the period from \d\d:\d\d:00 UTC \(Tick=1\)", report["reason"])
    assert report["stack"]["status"] == "CREATE_COMPLETE" and report["stack"]["paused"] is False
    # One tick alarm, OK since the Starter's kick, and the watchdog, new (moto never evaluates it).
    states = {a["name"]: (a["exists"], a["state"], a["actions_enabled"]) for a in report["alarms"]}
    assert states == {
        f"{CLOCK}-tick-is-1": (True, "OK", True),
        f"{CLOCK}-watchdog": (True, "INSUFFICIENT_DATA", True),
    }
    assert (report["settings"]["alarms"], report["settings"]["window"]) == (1, "sliding")
    assert [t["value"] for t in report["last_ticks"]] == [1.0, 0.0, 1.0, 0.0, 1.0]
    pattern = report["beat"]["pattern"]
    assert report["beat"]["period_s"] == 60 and 61 <= len(pattern) <= 62
    # (the deploy's tick is one or two minutes after the last written beat, and status may run a minute later)
    assert re.search(r"^\.+1010101010\.{1,2}1\.?$", pattern), pattern

    status, out, err = run(capsys, endpoint, "status", CLOCK)
    assert status == 0
    assert "  verdict   TICKING: last tick in the period from " in out
    assert f"  alarm     {CLOCK}-tick-is-1: OK since " in out
    assert f"  alarm     {CLOCK}-watchdog: INSUFFICIENT_DATA since " in out
    assert "tick-is-0" not in out
    assert (
        f"every 1m via lambda; targets: arn:aws:sqs:{REGION}:{ACCOUNT}:{CLOCK}-ticks; one tick alarm, sliding window"
        in out
    )
    assert "1010101010" in out


def test_status_counts_the_deliveries_that_failed_in_the_last_hour(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "api")
    gaps.sync()
    _status, out, _err = run(capsys, endpoint, "status", CLOCK, "--json")
    assert json.loads(out)["failed_deliveries_last_hour"] == 0
    assert "failures" not in run(capsys, endpoint, "status", CLOCK)[1]
    # As the function's tick lines count them (handler.handle_alarm, embedded metric format): two failures
    # 10 minutes ago and one 2 hours ago, outside the hour.
    now = datetime.now(UTC)
    for when, count in ((now - timedelta(minutes=10), 2.0), (now - timedelta(hours=2), 1.0)):
        client(endpoint, "cloudwatch").put_metric_data(
            Namespace=f"alarmclock/{CLOCK}",
            MetricData=[{"MetricName": "DeliveryFailures", "Value": count, "Timestamp": when}],
        )
    _status, out, _err = run(capsys, endpoint, "status", CLOCK, "--json")
    assert json.loads(out)["failed_deliveries_last_hour"] == 2
    _status, out, _err = run(capsys, endpoint, "status", CLOCK)
    assert "  failures  2 deliveries failed in the last hour (the function's log says why)\n" in out


def test_status_says_stalled_and_for_how_long(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "api")
    gaps.deliver_actions = False  # the kick's action is lost: no tick now
    gaps.sync()
    # A clock deployed 30 minutes ago whose last tick was 20 minutes ago. moto cannot age one
    # stack, so its creation time is set on moto's backend; the old tick is written directly.
    moto_stack().creation_time = datetime.now(UTC) - timedelta(minutes=30)
    last = datetime.now(UTC) - timedelta(minutes=20)
    put_tick(endpoint, 1.0, last)
    status, out, _err = run(capsys, endpoint, "status", CLOCK, "--json")
    assert status == 1
    report = json.loads(out)
    assert report["verdict"] == "stalled"
    # the tick's period ended 19-20 minutes ago
    assert re.fullmatch(r"no tick for over 19m \(the last in the period from \d\d:\d\d:00 UTC\)", report["reason"])


def test_status_of_a_wave_clock_is_judged_by_its_alarm_and_shows_only_ended_periods(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "wave")
    gaps.sync()  # alarms made, the Starter lays the wave, the alarm's first evaluation: a tick
    status, out, err = run(capsys, endpoint, "status", CLOCK, "--json")
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert (report["verdict"], report["settings"]["publish"]) == ("ticking", "wave")
    assert re.fullmatch(rf"last tick at \d\d:\d\d:\d\d UTC: {CLOCK}-tick-is-1 went to (ALARM|OK)", report["reason"]), (
        report["reason"]
    )
    # Laid two hours ahead, but the beat and the values shown stop at the last period that has
    # ended: the wave began with the minute before the deploy's (a second one if a minute has
    # passed since), everything before it is empty.
    assert 7000 <= report["wave"]["ahead_s"] <= 7200
    assert re.fullmatch(r"\.+[01]{1,2}", report["beat"]["pattern"]), report["beat"]["pattern"]
    assert 1 <= len(report["last_ticks"]) <= 2
    assert datetime.fromisoformat(report["beat"]["to"]) <= datetime.now(UTC) - timedelta(minutes=1)

    status, out, err = run(capsys, endpoint, "status", CLOCK)
    assert status == 0
    assert "  verdict   TICKING: last tick at " in out
    assert "; one tick alarm, sliding window, publish wave" in out
    assert re.search(r"^  wave      laid up to the period from \d\d:\d\d:00 UTC, 1h5\dm ahead$", out, re.M), out
    assert re.search(r"^  values    ended periods, newest first \(UTC\): \d\d:\d\d:00=[01]", out, re.M), out


def test_status_says_a_wave_clock_is_stalled_when_its_alarm_stops_changing(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "wave")
    gaps.sync()
    alarm = f"{CLOCK}-tick-is-1"
    # Deployed 30 minutes ago; its alarm last changed 20 minutes ago (the wave laid or not: its
    # Tick values are no evidence of ticks).
    set_alarm_times(alarm, changed=timedelta(minutes=20), configured=timedelta(minutes=30))
    status, out, _err = run(capsys, endpoint, "status", CLOCK, "--json")
    report = json.loads(out)
    assert (status, report["verdict"]) == (1, "stalled")
    assert re.fullmatch(
        rf"no tick for 20m \(the last at \d\d:\d\d:\d\d UTC: {alarm} went to (ALARM|OK)\)", report["reason"]
    ), report["reason"]
    # A one-minute clock's alarm changes once a minute: 2 min 50 s since the last is still ticking
    # (two periods and a minute: a whole flip missed, not a late evaluation) ...
    set_alarm_times(alarm, changed=timedelta(seconds=170), configured=timedelta(minutes=30))
    assert json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])["verdict"] == "ticking"
    # ... 3 min 10 s is not.
    set_alarm_times(alarm, changed=timedelta(seconds=190), configured=timedelta(minutes=30))
    assert json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])["verdict"] == "stalled"


def test_status_says_broken_when_an_alarm_is_gone(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint)
    gaps.sync()
    client(endpoint, "cloudwatch").delete_alarms(AlarmNames=[f"{CLOCK}-tick-is-1"])
    status, out, _err = run(capsys, endpoint, "status", CLOCK)
    assert status == 1
    assert f"  verdict   BROKEN: alarm {CLOCK}-tick-is-1 is missing" in out
    assert f"  alarm     {CLOCK}-tick-is-1: MISSING" in out


def test_status_says_broken_when_the_watchdog_is_gone(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint)
    gaps.sync()
    client(endpoint, "cloudwatch").delete_alarms(AlarmNames=[f"{CLOCK}-watchdog"])
    status, out, _err = run(capsys, endpoint, "status", CLOCK)
    assert status == 1
    assert f"  verdict   BROKEN: alarm {CLOCK}-watchdog is missing" in out
    assert f"  alarm     {CLOCK}-watchdog: MISSING" in out


# ---- pause, resume ----------------------------------------------------------------------------------


def test_pause_or_resume_that_changes_nothing_says_so_once(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    deploy(capsys, endpoint)
    assert run(capsys, endpoint, "resume", CLOCK) == (0, f"{CLOCK} is not paused\n", "")
    assert run(capsys, endpoint, "pause", CLOCK)[0] == 0
    assert run(capsys, endpoint, "pause", CLOCK) == (0, f"{CLOCK} is already paused\n", "")


def test_pause_and_resume_keep_everything_and_pause_survives_a_deploy(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "api")
    gaps.sync()
    function = client(endpoint, "cloudformation").describe_stack_resource(
        StackName=CLOCK, LogicalResourceId="TickFunction"
    )
    function_name = function["StackResourceDetail"]["PhysicalResourceId"]

    status, out, err = run(capsys, endpoint, "pause", CLOCK)
    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == f"{CLOCK} is paused (stack UPDATE_COMPLETE); 'alarmclock resume {CLOCK}' restarts it"
    gaps.sync()  # CloudFormation's part: the alarms' ActionsEnabled follows Paused, the Starter gets its Update
    described = stack(endpoint)
    assert described is not None and parameters(described)["Paused"] == "true"
    assert {name: a["ActionsEnabled"] for name, a in alarms(endpoint).items()} == {f"{CLOCK}-tick-is-1": False}
    client(endpoint, "lambda").get_function(FunctionName=function_name)  # still there
    status, out, _ = run(capsys, endpoint, "status", CLOCK, "--json")
    assert (status, json.loads(out)["verdict"]) == (0, "paused")
    assert run(capsys, endpoint, "pause", CLOCK)[1].splitlines()[-1] == f"{CLOCK} is already paused"

    # A later deploy changes the period and keeps the clock paused.
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--every", "2m", "--no-wait")
    assert status == 0, err
    assert f"{CLOCK} is paused and stays paused ('alarmclock resume {CLOCK}' starts it)" in out
    described = stack(endpoint)
    assert described is not None and parameters(described)["Paused"] == "true"
    assert metadata(endpoint)["period_s"] == 120
    gaps.sync()
    assert {a["Period"] for a in alarms(endpoint).values()} == {120}
    assert json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])["verdict"] == "paused"

    # resume waits for a tick; MotoGaps runs the Starter's Update (Paused true -> false). The tick
    # alarm is still OK (where the Create kick left it), so the kick sets ALARM first (its action is
    # the prelude, which the handler ignores), then OK, whose action ticks: one tick, publishing 1.
    ticks_before = sum(1 for line in gaps.logs if line["action"] == "tick")
    delivered_before = len(gaps.delivered)
    with gaps.running():
        status, out, err = run(capsys, endpoint, "resume", CLOCK, "--tick-timeout", "20")
    assert status == 0, err
    assert re.fullmatch(
        rf"{CLOCK} is resumed and ticking \(stack UPDATE_COMPLETE; first tick seen at \d\d:\d\d:\d\d UTC\)",
        out.splitlines()[-1],
    )
    assert "resumed" in [line["reason"] for line in gaps.logs if line["action"] == "kick"][-1]
    assert gaps.delivered[delivered_before:] == [(f"{CLOCK}-tick-is-1", "ALARM"), (f"{CLOCK}-tick-is-1", "OK")]
    assert [line.get("published") for line in gaps.logs if line["action"] == "tick"][ticks_before:] == [1]
    assert all(a["ActionsEnabled"] for a in alarms(endpoint).values())
    assert json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])["verdict"] == "ticking"


def test_pause_and_resume_of_a_wave_clock_lay_the_wave_again_and_wait_for_its_alarms_change(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "wave")
    gaps.sync()
    assert run(capsys, endpoint, "pause", CLOCK)[0] == 0
    gaps.sync()
    assert {
        a["AlarmName"]: a["ActionsEnabled"] for a in client(endpoint, "cloudwatch").describe_alarms()["MetricAlarms"]
    } == {f"{CLOCK}-tick-is-1": False, f"{CLOCK}-watchdog": False}
    assert json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])["verdict"] == "paused"
    # Paused for over two hours: the wave has run out, and the alarm, with no Tick value left in its
    # window, has gone to INSUFFICIENT_DATA. moto cannot age data: the clock's values are removed
    # from moto's in-process backend, and the alarm set to the state CloudWatch would give it.
    backend = cloudwatch_backends[ACCOUNT][REGION]
    backend.metric_data = [d for d in backend.metric_data if d.namespace != f"alarmclock/{CLOCK}"]
    alarm = f"{CLOCK}-tick-is-1"
    client(endpoint, "cloudwatch").set_alarm_state(
        AlarmName=alarm, StateValue="INSUFFICIENT_DATA", StateReason="Insufficient Data: no datapoints"
    )
    gaps.mark_transition(alarm)
    assert wave_values(endpoint) == []
    ticks_before = len(tick_lines(gaps))

    # The Starter's Update (Paused true -> false) lays the wave again; the alarm's next evaluation
    # leaves INSUFFICIENT_DATA, and that change (with its actions on again) is the first tick.
    with gaps.running():
        status, out, err = run(capsys, endpoint, "resume", CLOCK, "--tick-timeout", "20")
    assert status == 0, err
    assert re.fullmatch(
        rf"{CLOCK} is resumed and ticking \(stack UPDATE_COMPLETE; first tick at \d\d:\d\d:\d\d UTC: "
        rf"{alarm} went to (ALARM|OK)\)",
        out.splitlines()[-1],
    ), out
    assert [line["reason"] for line in gaps.logs if line["action"] == "wave"] == ["stack create", "stack update"]
    assert gaps.set_states == []
    assert len(wave_values(endpoint)) >= 119
    assert [line["published"] for line in tick_lines(gaps)[ticks_before:]][:1] == ["wave"]
    assert json.loads(run(capsys, endpoint, "status", CLOCK, "--json")[1])["verdict"] == "ticking"


# ---- list -------------------------------------------------------------------------------------------


def test_list_shows_the_clocks_and_nothing_else(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, endpoint, "list")[1] == f"no clocks in {REGION}\n"
    deploy(capsys, endpoint, "--publish", "api", name="clock-a")
    deploy(capsys, endpoint, "--every", "5m", name="clock-b")
    client(endpoint, "cloudformation").create_stack(StackName="not-a-clock", TemplateBody=OTHER_TEMPLATE)
    assert run(capsys, endpoint, "pause", "clock-b")[0] == 0
    # Each clock's verdict is the one `status` gives it.
    verdict_a, verdict_b = (
        json.loads(run(capsys, endpoint, "status", name, "--json")[1])["verdict"] for name in ("clock-a", "clock-b")
    )
    status, out, err = run(capsys, endpoint, "list")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "CLOCK     EVERY  VERDICT    PAUSED  STACK STATUS",
        f"clock-a      1m  {verdict_a:<9}  no      CREATE_COMPLETE",
        f"clock-b      5m  {verdict_b:<9}  yes     UPDATE_COMPLETE",
    ]
    listed = json.loads(run(capsys, endpoint, "list", "--json")[1])
    assert listed["region"] == REGION
    assert [(c["clock"], c["period_s"], c["paused"], c["publish"], c["verdict"]) for c in listed["clocks"]] == [
        ("clock-a", 60, False, "api", verdict_a),
        ("clock-b", 300, True, "wave", verdict_b),
    ]


OTHER_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


# ---- destroy ----------------------------------------------------------------------------------------


def test_destroy_deletes_the_stack_and_confirms_nothing_is_left(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint)
    gaps.sync()
    assert list(alarms(endpoint)) == [f"{CLOCK}-tick-is-1"]
    status, out, err = run(capsys, endpoint, "destroy", CLOCK)  # not a terminal, no --yes
    assert status == 2
    assert one_line_error(err).endswith("pass --yes to do it without asking")
    stack_id = (stack(endpoint) or {})["StackId"]
    # MotoGaps deletes the alarms as CloudFormation would (moto never made them) and runs the
    # Starter's Delete, while destroy watches (its thread needs a moment: settle for 1 s).
    with gaps.running():
        status, out, err = run(capsys, endpoint, "destroy", CLOCK, "--yes", "--settle", "1")
    assert (status, err) == (0, "")
    assert re.search(r"^  \d\d:\d\d:\d\d  DELETE_COMPLETE +stack$", out, re.M)
    assert out.splitlines()[-1] == (
        f"{CLOCK} destroyed: stack deleted, no alarms left, no Tick data arrived for 1s "
        "(CloudWatch keeps past Tick datapoints until they expire)"
    )
    assert stack(endpoint) is None
    assert (stack(endpoint, stack_id) or {})["StackStatus"] == "DELETE_COMPLETE"
    assert alarms(endpoint) == {}
    assert client(endpoint, "lambda").list_functions()["Functions"] == []
    assert run(capsys, endpoint, "list")[1] == f"no clocks in {REGION}\n"


def test_destroy_reports_tick_data_still_arriving(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(capsys, endpoint, "--publish", "api")
    gaps.sync()
    counted = Runner.gone_begin

    def a_late_tick_once_counted(self: Runner, step: Any) -> Any:
        # An invocation still in flight publishes once more after the stack is gone. It lands
        # just after destroy counts what is there, so it falls inside the settle on any machine
        # (a thread racing destroy's stack poll once put it before the count on a loaded one).
        begun = counted(self, step)
        put_tick(endpoint, 0.0, datetime.now(UTC))
        return begun

    monkeypatch.setattr(Runner, "gone_begin", a_late_tick_once_counted)
    with gaps.running():
        status, _out, err = run(capsys, endpoint, "destroy", CLOCK, "--yes", "--settle", "1")
    assert status == 1
    assert one_line_error(err) == (
        f"stack {CLOCK} is deleted, but some of the clock is left: "
        f"Tick data still arriving in alarmclock/{CLOCK} (1 new value(s)); nothing is left to delete "
        "(an invocation in flight published it; CloudWatch keeps it until it expires)"
    )


def test_destroy_of_a_wave_clock_finds_nothing_left_though_its_wave_is_laid_ahead(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "wave")
    gaps.sync()
    assert len(wave_values(endpoint)) >= 119
    with gaps.running():
        status, out, err = run(capsys, endpoint, "destroy", CLOCK, "--yes", "--settle", "1")
    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == (
        f"{CLOCK} destroyed: stack deleted, no alarms left, no Tick data arrived for 1s "
        "(CloudWatch keeps past Tick datapoints until they expire)"
    )
    assert client(endpoint, "cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_destroy_does_not_count_a_wave_laid_before_the_delete_as_arriving(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str]
) -> None:
    from alarmclock.aws.execute import Runner
    from alarmclock.aws.plan import plan_destroy
    from alarmclock.aws.session import Aws, AwsOptions
    from alarmclock.aws.stacks import Stacks
    from alarmclock.aws.status import find_clock

    deploy(capsys, endpoint, "--publish", "wave")
    gaps.sync()
    aws = Aws(AwsOptions(region=REGION, endpoint_url=endpoint))
    current = find_clock(Stacks(aws), CLOCK, REGION)
    plan = plan_destroy(current, function_name=Stacks(aws).function_name(current.stack.stack_id), settle_s=1.0)
    # The runner's clock (injected) moves 10 minutes at every look: by the end of the check, ten
    # more of the values laid before the delete are "a period past now". None of them arrived.
    start, looks = datetime.now(UTC), iter(range(1000))

    def now() -> datetime:
        return start + timedelta(minutes=10) * next(looks)

    with gaps.running():
        outcome = Runner(aws, Quiet(), poll_s=0.01, now=now).run(plan)
    assert outcome.ok, outcome.message


def test_destroy_catches_a_wave_clock_still_laying_its_wave_after_the_delete(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(capsys, endpoint, "--publish", "wave")
    gaps.sync()
    config = next(iter(gaps.deployed.values())).config
    laid: list[dict[str, Any]] = []
    counted = Runner.gone_begin

    def a_late_heartbeat_once_counted(self: Runner, step: Any) -> Any:
        # A heartbeat still in flight lays the wave again (the same values) after the stack is
        # gone, just after destroy counts what is there (see the test above for why not a thread).
        begun = counted(self, step)
        laid.append(handler.handle({"alarmclock": "heartbeat"}, None, config, gaps.runtime))
        return begun

    monkeypatch.setattr(Runner, "gone_begin", a_late_heartbeat_once_counted)
    with gaps.running():
        status, _out, err = run(capsys, endpoint, "destroy", CLOCK, "--yes", "--settle", "1")
    assert status == 1
    assert laid[0]["action"] == "wave"
    assert one_line_error(err) == (
        f"stack {CLOCK} is deleted, but some of the clock is left: "
        f"Tick data still arriving in alarmclock/{CLOCK} ({laid[0]['values']} new value(s)); nothing is left to "
        "delete (an invocation in flight published it; CloudWatch keeps it until it expires)"
    )


# ---- errors people will hit ------------------------------------------------------------------------

EVERY_COMMAND = [
    ["deploy", CLOCK, "--target", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"],
    ["status", CLOCK],
    ["pause", CLOCK],
    ["resume", CLOCK],
    ["list"],
    ["destroy", CLOCK, "--yes"],
]


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=lambda argv: argv[0])
def test_no_credentials_is_one_line_for_every_command(
    argv: list[str], endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask an instance metadata service
    status, _out, err = run(capsys, endpoint, *argv)
    assert status == 1
    assert one_line_error(err).startswith("no AWS credentials found: set AWS_PROFILE (or pass --profile)")


def test_credentials_aws_rejects_are_one_line(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    # moto checks keys against its IAM once authentication is switched on; "testing" is unknown there.
    moto_api(endpoint, "reset-auth", b"0")
    try:
        status, _out, err = run(capsys, endpoint, "status", CLOCK)
    finally:
        moto_api(endpoint, "reset-auth", b"inf")
    assert status == 1
    assert one_line_error(err) == (
        "AWS rejected your credentials (InvalidClientTokenId: The security token included in the request is "
        "invalid.); check AWS_PROFILE or your keys"
    )


def test_profiles_come_from_the_aws_config_files(
    endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config").write_text("[profile work]\nregion = eu-west-1\n")
    (tmp_path / "credentials").write_text("[work]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):  # they would win over the profile's region
        monkeypatch.delenv(name)
    assert run(capsys, endpoint, "list", "--profile", "work")[1] == "no clocks in eu-west-1\n"
    status, _out, err = run(capsys, endpoint, "list", "--profile", "nope")
    assert status == 2
    assert one_line_error(err) == "AWS profile 'nope' is not configured (see 'aws configure list-profiles')"
    # As with the AWS CLI: --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile.
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert run(capsys, endpoint, "list")[1] == "no clocks in eu-west-1\n"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    assert run(capsys, endpoint, "list")[1] == "no clocks in eu-north-1\n"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert run(capsys, endpoint, "list")[1] == "no clocks in eu-central-1\n"
    assert run(capsys, endpoint, "list", "--region", "ap-south-1")[1] == "no clocks in ap-south-1\n"


def test_no_region_anywhere_is_a_usage_error(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    status, _out, err = run(capsys, endpoint, "status", CLOCK)
    assert status == 2
    assert one_line_error(err) == (
        "no AWS region: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or give your profile a region"
    )


@pytest.mark.parametrize("url", ["notaurl", "localhost:4566", "ftp://example.com"])
def test_an_endpoint_url_that_is_not_an_http_url_is_a_usage_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["list", "--endpoint-url", url])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert one_line_error(err) == f"--endpoint-url {url!r} is not an http(s) URL; e.g. http://localhost:4566"


def test_an_answer_that_is_not_from_aws_is_one_line(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    # moto's server answers a region it does not know with Flask's HTML page for a 500.
    status, out, err = run(capsys, endpoint, "list", "--region", "mars-1")
    assert (status, out) == (2, "")
    assert one_line_error(err) == (
        "the endpoint's answer is not an AWS response (500 Internal Server Error); check --endpoint-url and --region"
    )


@pytest.fixture(scope="module")
def html_endpoint() -> Iterator[str]:
    """A server that answers every request as a broken proxy would: status 500 or 400, an HTML page."""
    import http.server

    class Html(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            page = b"<!DOCTYPE html><html><body><h1>Bad gateway</h1>" + b"<p>x</p>" * 400 + b"</body></html>"
            self.send_response(400 if self.path.startswith("/400") else 500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("path", ["/500", "/400"])
@pytest.mark.parametrize("command", [["beat", CLOCK], ["calibrate", CLOCK, "-o", "model.json"], ["status", CLOCK]])
def test_an_html_page_for_an_answer_is_the_documented_line_not_the_page(
    command: list[str], path: str, html_endpoint: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [*command[:-1], str(tmp_path / command[-1])] if command[0] == "calibrate" else command
    rate = ["--rate", "1000"] if command[0] != "status" else []
    status = main([*argv, "--region", REGION, "--endpoint-url", html_endpoint + path, *rate])
    _out, err = capsys.readouterr()
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith("alarmclock: error: the endpoint's answer is not an AWS response (")
    assert "<p>x</p>" not in err


@pytest.mark.parametrize(("variable", "value"), [("--region", "us_east_1"), ("AWS_REGION", "us_east_1")])
def test_a_region_that_is_no_region_name_says_where_it_came_from(
    variable: str, value: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["status", CLOCK, "--endpoint-url", "http://127.0.0.1:9"]
    if variable.startswith("--"):
        argv += [variable, value]
    else:
        monkeypatch.setenv(variable, value)
    status = main(argv)
    _out, err = capsys.readouterr()
    said = f"{variable} {value!r} is not a region name; one looks like us-east-1 or eu-west-2"
    assert (status, one_line_error(err)) == (2, said)


def test_aws_endpoint_url_that_is_not_a_url_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "notaurl")
    status = main(["status", CLOCK, "--region", REGION])
    _out, err = capsys.readouterr()
    said = "AWS_ENDPOINT_URL 'notaurl' is not an http(s) URL; e.g. http://localhost:4566"
    assert (status, one_line_error(err)) == (2, said)


def test_a_region_botocore_does_not_know_is_warned_of_not_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from alarmclock.aws.session import Aws, AwsOptions

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws = Aws(AwsOptions(region="mars-north-9"))
    aws.client("cloudformation")  # built, not called: no request leaves the machine
    aws.client("cloudwatch")
    _out, err = capsys.readouterr()
    assert err == (
        "alarmclock: warning: --region 'mars-north-9' is not a region this botocore knows; "
        "if AWS cannot be reached, check the region's name\n"
    )


def test_a_region_without_the_clock(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    deploy(capsys, endpoint)
    for argv in (["status", CLOCK], ["pause", CLOCK], ["resume", CLOCK], ["destroy", CLOCK, "--yes"]):
        status, _out, err = run(capsys, endpoint, *argv, "--region", "eu-west-1")
        assert status == 1
        assert (
            one_line_error(err) == f"no stack named '{CLOCK}' in eu-west-1 ('alarmclock list' shows the clocks there)"
        )
    assert stack(endpoint) is not None


def test_a_stack_that_is_not_a_clock_is_left_alone(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    client(endpoint, "cloudformation").create_stack(StackName="website", TemplateBody=OTHER_TEMPLATE)
    for argv in (
        ["status", "website"],
        ["pause", "website"],
        ["resume", "website"],
        ["destroy", "website", "--yes"],
        ["deploy", "website", "--target", make_queue(endpoint)[1], "--no-wait"],
    ):
        status, _out, err = run(capsys, endpoint, *argv)
        assert status == 1, argv
        assert one_line_error(err) == (
            "stack 'website' is not an alarmclock clock (its template has no alarmclock metadata); "
            "alarmclock leaves it alone"
        )
    assert (stack(endpoint, "website") or {})["StackStatus"] == "CREATE_COMPLETE"


def test_a_stack_left_in_rollback_complete(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    _url, arn = make_queue(endpoint)
    body = render(build_template(build_spec(targets=[arn])), "json")
    client(endpoint, "cloudformation").create_stack(
        StackName=CLOCK,
        TemplateBody=body,
        Capabilities=["CAPABILITY_IAM"],
        Tags=[{"Key": "alarmclock:version", "Value": "0.1.0"}],
    )
    leave_failed(CLOCK, "ROLLBACK_COMPLETE", ROLLBACK_EVENTS)
    for argv in (["deploy", CLOCK, "--target", arn], ["pause", CLOCK], ["resume", CLOCK]):
        status, out, err = run(capsys, endpoint, *argv)
        assert status == 1
        assert one_line_error(err) == (
            f"stack '{CLOCK}' is ROLLBACK_COMPLETE: its first deploy failed (TickRole: {ROLE_DENIED}) and "
            f"CloudFormation cannot update it; run 'alarmclock destroy {CLOCK}', then deploy again"
        )
    status, out, err = run(capsys, endpoint, "status", CLOCK, "--json")
    report = json.loads(out)
    assert (status, report["verdict"]) == (1, "broken")
    assert report["reason"] == (
        f"stack is ROLLBACK_COMPLETE: TickRole: {ROLE_DENIED} (run 'alarmclock destroy {CLOCK}', then deploy again)"
    )
    # The advice works: destroy, then deploy again.
    assert run(capsys, endpoint, "destroy", CLOCK, "--yes", "--settle", "0")[0] == 0
    assert run(capsys, endpoint, "deploy", CLOCK, "--target", arn, "--no-wait")[0] == 0


def test_a_stack_left_in_delete_failed(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    deploy(capsys, endpoint)
    denied = (
        "Resource handler returned message: \"Access denied for operation 'DeleteLogGroup'\" "
        "(HandlerErrorCode: AccessDenied)"
    )
    leave_failed(
        CLOCK,
        "DELETE_FAILED",
        [
            (CLOCK, "AWS::CloudFormation::Stack", "DELETE_IN_PROGRESS", "User Initiated"),
            ("TickLogGroup", "AWS::Logs::LogGroup", "DELETE_FAILED", denied),
            (
                CLOCK,
                "AWS::CloudFormation::Stack",
                "DELETE_FAILED",
                "The following resource(s) failed to delete: [TickLogGroup].",
            ),
        ],
    )
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--no-wait")
    assert status == 1
    assert one_line_error(err) == (
        f"stack '{CLOCK}' is DELETE_FAILED: an earlier destroy could not finish (TickLogGroup: {denied}); "
        f"fix what blocked the delete, then run 'alarmclock destroy {CLOCK}' again"
    )
    status, out, err = run(capsys, endpoint, "status", CLOCK)
    assert status == 1 and "  verdict   BROKEN: stack is DELETE_FAILED: TickLogGroup: " in out
    # Trying again is what to do (here moto's delete simply succeeds).
    status, out, err = run(capsys, endpoint, "destroy", CLOCK, "--yes", "--settle", "0")
    assert (status, err) == (0, "")
    assert out.splitlines()[-1].startswith(f"{CLOCK} destroyed: stack deleted, no alarms left ")
    assert stack(endpoint) is None


# ---- deploy --no-execute, --tags, --role-arn -------------------------------------------------------


def test_deploy_no_execute_shows_the_change_set_and_leaves_it(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _url, arn = make_queue(endpoint)
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", arn, "--no-execute")
    assert status == 0, err
    assert "was not executed (--no-execute)" in out
    assert "will create 10 resources" in out + err  # the change set is shown, as before any deploy
    cloudformation = client(endpoint, "cloudformation")
    assert cloudformation.describe_stacks(StackName=CLOCK)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    [change_set] = cloudformation.list_change_sets(StackName=CLOCK)["Summaries"]
    assert change_set["ExecutionStatus"] == "AVAILABLE"
    # Executing it as the message says creates the clock.
    assert f"--change-set-name {change_set['ChangeSetId']}'" in out
    cloudformation.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    assert cloudformation.describe_stacks(StackName=CLOCK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_deploy_tags_the_stack(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    # (How an update merges tags is in test_deploy_plan.py: moto applies no tags from an UPDATE change set.)
    deploy(capsys, endpoint, "--tags", "team=ops", "--tags", "cost-centre=42")
    stack = client(endpoint, "cloudformation").describe_stacks(StackName=CLOCK)["Stacks"][0]
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags == {"team": "ops", "cost-centre": "42", "alarmclock:version": __version__}


def test_deploy_passes_the_role_arn_to_cloudformation(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    role = "arn:aws:iam::123456789012:role/cloudformation-deployer"
    deploy(capsys, endpoint, "--role-arn", role)
    assert client(endpoint, "cloudformation").describe_stacks(StackName=CLOCK)["Stacks"][0]["RoleARN"] == role


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--tags", "team"], "use KEY=VALUE"),
        (["--tags", "aws:team=x"], "reserved"),
        (["--tags", "alarmclock:version=9"], "reserved"),
        (["--role-arn", "deployer"], "looks like arn:aws:iam::123456789012:role/NAME"),
    ],
)
def test_deploy_refuses_bad_tags_and_role_arns(
    argv: list[str], says: str, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", *argv)
    assert status == 2 and says in one_line_error(err)


# ---- restart ------------------------------------------------------------------------------------------


def function_name_of(endpoint: str, name: str = CLOCK) -> str:
    found = client(endpoint, "cloudformation").describe_stack_resource(StackName=name, LogicalResourceId="TickFunction")
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def stack_events(endpoint: str) -> int:
    return len(client(endpoint, "cloudformation").describe_stack_events(StackName=CLOCK)["StackEvents"])


def test_restart_kicks_a_running_api_clock_replaying_its_last_tick_and_leaves_the_stack_alone(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(capsys, endpoint, "--publish", "api")
    gaps.sync()  # the Starter's Create kick, and the tick it makes
    (first,) = tick_lines(gaps)
    events = stack_events(endpoint)
    # moto would run the function in Docker: MotoGaps runs the real handler on the Invoke's event.
    gaps.serve_invocations(monkeypatch)
    with gaps.running():
        status, out, err = run(capsys, endpoint, "restart", CLOCK, "--tick-timeout", "20")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == f"invoking {function_name_of(endpoint)} with a restart"
    assert lines[1] == f"kicked {CLOCK}-tick-is-1 into OK, replaying the tick of {first['tick_time'][11:19]} UTC"
    assert re.fullmatch(
        rf"{CLOCK} is restarted and ticking \(stack CREATE_COMPLETE; first tick seen at \d\d:\d\d:\d\d UTC\)", lines[-1]
    )
    assert gaps.invoked == [{"alarmclock": "restart"}]
    # The tick alarm was already in OK: the kick's prelude (ALARM, ignored) first, then OK, whose
    # action replays the last tick: the same tick id and time, so a target that keeps ids drops it.
    assert gaps.delivered[-2:] == [(f"{CLOCK}-tick-is-1", "ALARM"), (f"{CLOCK}-tick-is-1", "OK")]
    replayed = tick_lines(gaps)[-1]
    assert (replayed["tick_id"], replayed["tick_time"]) == (first["tick_id"], first["tick_time"])
    assert stack_events(endpoint) == events  # no stack operation


def test_restart_lays_a_wave_clocks_wave_again_says_so_in_json_and_refuses_a_paused_clock(
    endpoint: str, gaps: MotoGaps, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(capsys, endpoint, "--publish", "wave")
    gaps.sync()
    # The wave run out (moto cannot age data: the values are removed from its in-process backend).
    backend = cloudwatch_backends[ACCOUNT][REGION]
    backend.metric_data = [d for d in backend.metric_data if d.namespace != f"alarmclock/{CLOCK}"]
    assert wave_values(endpoint) == []
    gaps.serve_invocations(monkeypatch)
    status, out, err = run(capsys, endpoint, "restart", CLOCK, "--no-wait", "--output", "json")
    assert status == 0, err
    record = json.loads(out)  # standard output is the one object; the progress went to stderr
    answer = record.pop("function_answer")
    described = stack(endpoint)
    assert described is not None
    assert record == {
        "clock": CLOCK,
        "region": REGION,
        "action": "restart",
        "ok": True,
        "result": "restarted",
        "changed": True,
        "stack_status": "CREATE_COMPLETE",
        "stack_id": described["StackId"],
        "change_set": None,
        "first_tick": None,
        "first_tick_by": None,
        "message": f"{CLOCK} is restarted (stack CREATE_COMPLETE); not waiting for a tick: "
        f"'alarmclock status {CLOCK}' shows it",
        "exit_status": 0,
    }
    assert (answer["action"], answer["reason"]) == ("wave", "restarted on request")
    assert err.splitlines() == [
        f"invoking {function_name_of(endpoint)} with a restart",
        f"laid the wave again: {answer['values']} values, up to {answer['until']}",
    ]
    assert len(wave_values(endpoint)) == answer["values"] >= 119

    # A paused clock is refused (resume starts it), and so is a clock that is not there; neither
    # invokes anything.
    assert run(capsys, endpoint, "pause", CLOCK)[0] == 0
    gaps.sync()
    status, out, err = run(capsys, endpoint, "restart", CLOCK)
    assert (status, out) == (1, "")
    assert one_line_error(err) == f"{CLOCK} is paused; 'alarmclock resume {CLOCK}' starts it"
    status, out, err = run(capsys, endpoint, "restart", "other-clock", "--output", "json")
    assert (status, out) == (1, "")
    assert one_line_error(err) == f"no stack named 'other-clock' in {REGION} ('alarmclock list' shows the clocks there)"
    assert gaps.invoked == [{"alarmclock": "restart"}]  # the one restart above


# ---- --output, and --target by a function's name ----------------------------------------------------------


def test_deploy_pause_resume_and_destroy_print_one_json_object_and_keep_progress_on_stderr(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    job = make_function(endpoint)  # "my-job", named below without its ARN
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", "my-job", "--no-wait", "--output", "json")
    assert status == 0, err
    record = json.loads(out)
    described = stack(endpoint)
    assert described is not None
    assert record["change_set"].startswith(f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:changeSet/alarmclock-")
    assert {k: v for k, v in record.items() if k not in ("change_set", "message")} == {
        "clock": CLOCK,
        "region": REGION,
        "action": "deploy",
        "ok": True,
        "result": "created",
        "changed": True,
        "stack_status": "CREATE_COMPLETE",
        "stack_id": described["StackId"],
        "first_tick": None,
        "first_tick_by": None,
        "exit_status": 0,
    }
    assert metadata(endpoint)["targets"] == [job]  # the name, looked up with GetFunction
    assert err.splitlines()[0] == f"target my-job: {job}"
    assert f"creating stack {CLOCK}: change set" in err

    # --json, the flag from before --output, is --output json.
    status, out, _ = run(capsys, endpoint, "pause", CLOCK, "--json")
    assert (status, json.loads(out)["result"], json.loads(out)["stack_status"]) == (0, "paused", "UPDATE_COMPLETE")
    status, out, _ = run(capsys, endpoint, "pause", CLOCK, "--output", "json")
    again = json.loads(out)
    assert (again["result"], again["changed"], again["message"]) == (
        "nothing to do",
        False,
        f"{CLOCK} is already paused",
    )

    status, out, err = run(capsys, endpoint, "resume", CLOCK, "--no-wait", "--output", "table")
    assert status == 0, err
    assert re.search(r"^result +resumed$", out, re.M) and re.search(r"^stack_status +UPDATE_COMPLETE$", out, re.M)
    assert "updating" not in out and f"updating {CLOCK}: Paused=false" in err

    # status and list as tables: the JSON's fields, lists of objects in columns.
    status, out, _ = run(capsys, endpoint, "status", CLOCK, "--output", "table")
    assert re.search(rf"^clock +{CLOCK}$", out, re.M) and re.search(r"^  NAME +EXISTS +STATE", out, re.M)
    status, out, _ = run(capsys, endpoint, "list", "--output", "table")
    header, row = out.splitlines()[-2:]
    assert header.split() == ["CLOCK", "PERIOD_S", "PUBLISH", "VERDICT", "REASON", "PAUSED", "STACK_STATUS", "STACK_ID"]
    assert row.split()[:3] == [CLOCK, "60", "wave"]

    # destroy asks first; with --output json it cannot ask, so it needs --yes.
    status, out, err = run(capsys, endpoint, "destroy", CLOCK, "--settle", "0", "--output", "json")
    assert (status, out) == (2, "")
    assert one_line_error(err).endswith("pass --yes to do it without asking")
    status, out, err = run(capsys, endpoint, "destroy", CLOCK, "--yes", "--settle", "0", "--output", "json")
    assert status == 0, err
    gone = json.loads(out)
    assert (gone["result"], gone["stack_status"], gone["ok"]) == ("destroyed", "DELETE_COMPLETE", True)


def test_a_json_deploy_refuses_to_remove_resources_rather_than_ask_and_a_target_name_must_exist(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(capsys, endpoint)
    events = stack_events(endpoint)
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--via", "sns", "--no-wait", "--output", "json")
    assert status == 1
    record = json.loads(out)
    refusal = f"nothing changed: {CLOCK} left as it was (pass --yes to allow it)"
    assert (record["ok"], record["result"], record["changed"], record["message"]) == (False, "failed", False, refusal)
    assert record["stack_status"] == "CREATE_COMPLETE" and record["exit_status"] == 1
    assert "(not asking: --output json takes --yes instead)" in err
    assert err.splitlines()[-1] == f"alarmclock: error: {refusal}"
    assert metadata(endpoint)["via"] == "lambda"

    # A --target name with no function behind it: one line, bad input, nothing changed.
    status, out, err = run(capsys, endpoint, "deploy", CLOCK, "--target", "no-such-job", "--output", "json")
    assert (status, out) == (2, "")
    line = one_line_error(err)
    assert line.startswith(f"--target 'no-such-job': no Lambda function by that name in {REGION} (ResourceNotFound")
    assert line.endswith("); give the name of a function in this region, or an ARN")
    assert metadata(endpoint)["targets"] != ["no-such-job"] and stack_events(endpoint) == events
