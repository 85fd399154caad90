"""`list` on a fleet (alarmclock.aws.fleet), against moto's server: the same status as one clock's
`status`, read in batches, with about one call per clock."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from alarmclock.aws.fleet import list_clocks
from alarmclock.aws.session import Aws, AwsOptions
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.status import gather
from alarmclock.render import deploy_body
from alarmclock.spec import build_spec
from alarmclock.template import build_template
from moto_gaps import MotoGaps
from test_aws_cli import client, deploy, endpoint, make_queue, moto_server, one_line_error, put_tick, run

from conftest import REGION

__all__ = ["endpoint", "moto_server"]  # fixtures, used by name


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every AWS call made from here on, by operation (the threads' too)."""
    counted: Counter[str] = Counter()
    lock = threading.Lock()
    original = BaseClient._make_api_call

    def call(self: Any, operation: str, params: Any) -> Any:
        with lock:
            counted[operation] += 1
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    yield counted


def test_list_gives_each_clock_the_status_that_status_gives_it(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, "--publish", "api", name="clock-a")
    deploy(capsys, endpoint, "--every", "5m", name="clock-b")
    deploy(capsys, endpoint, "--every", "2m", "--alarms", "2", "--publish", "api", name="clock-c")
    MotoGaps(endpoint).sync()  # the alarms moto's CloudFormation does not make
    now = datetime.now(UTC).replace(microsecond=0)
    for minutes in range(1, 30, 2):
        put_tick(endpoint, minutes % 2, now - timedelta(minutes=minutes), name="clock-a")
        put_tick(endpoint, minutes % 2, now - timedelta(minutes=minutes), name="clock-c")
    aws = Aws(AwsOptions(region=REGION, endpoint_url=endpoint))
    listed = {status.stack.name: status.to_json() for status in list_clocks(aws, now)}
    stacks = Stacks(aws)
    one_by_one = {}
    for name in ("clock-a", "clock-b", "clock-c"):
        deployed = stacks.deployed(name, read_function=True)  # as `status` reads a clock
        assert deployed is not None
        one_by_one[name] = gather(aws, deployed, now).to_json()
    # moto's GetMetricStatistics stamps a period with its first value's time, not the period's start
    # (its GetMetricData, like AWS, uses the start): only where the beat ends may differ.
    for status in (*listed.values(), *one_by_one.values()):
        del status["beat"]["to"]
    # status alone counts failed deliveries (one more call a clock, which list leaves out).
    assert {s["failed_deliveries_last_hour"] for s in listed.values()} == {None}
    assert {s.pop("failed_deliveries_last_hour") for s in one_by_one.values()} == {0}
    for status in listed.values():
        del status["failed_deliveries_last_hour"]
    # status alone reads the targets from the function (two more calls a clock, which list leaves out).
    assert {json.dumps(s["settings"].pop("targets")) for s in listed.values()} == {"null"}
    queues = [f"arn:aws:sqs:{REGION}:123456789012:{name}-ticks" for name in one_by_one]
    assert [s["settings"].pop("targets") for s in one_by_one.values()] == [[queue] for queue in queues]
    assert listed == one_by_one
    assert [tick["samples"] for tick in listed["clock-a"]["last_ticks"]] == [1] * 5
    assert {alarm["name"] for alarm in listed["clock-c"]["alarms"]} == {
        "clock-c-tick-is-0",
        "clock-c-tick-is-1",
        "clock-c-watchdog",
    }


def create_clocks(endpoint: str, count: int) -> None:
    _url, arn = make_queue(endpoint)
    cloudformation = client(endpoint, "cloudformation")
    for index in range(count):
        name = f"clock-{index:03d}"
        every, publish = ("1m", "wave") if index % 2 else ("5m", "api")
        spec = build_spec(every=every, targets=[arn], name=name, publish=publish)
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=deploy_body(build_template(spec)),
            Parameters=[{"ParameterKey": "Paused", "ParameterValue": "false"}],
            Capabilities=["CAPABILITY_IAM"],
        )


def test_list_reads_a_fleet_with_one_call_per_clock_and_a_few_batches(
    endpoint: str, calls: Counter[str], capsys: pytest.CaptureFixture[str]
) -> None:
    clocks = 30
    create_clocks(endpoint, clocks)
    calls.clear()
    status, out, err = run(capsys, endpoint, "list", "--output", "json")
    assert status == 0, err
    assert len(json.loads(out)["clocks"]) == clocks
    # Before: DescribeStacks, GetTemplateSummary, DescribeAlarms and GetMetricStatistics per clock.
    assert calls["GetTemplateSummary"] == clocks
    assert calls["DescribeAlarms"] == 1  # 90 alarm names: one batch of up to 100
    assert calls["GetMetricData"] == 2  # one per window: 1m wave clocks, 5m api clocks
    assert calls["DescribeStacks"] <= 2 and "GetMetricStatistics" not in calls
    assert sum(calls.values()) <= clocks + 5


LOOKALIKE = json.dumps(
    {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {name: {"Value": "x"} for name in ("ClockName", "MetricNamespace", "Alarm1", "Watchdog")},
    }
)


def test_a_stack_named_like_a_clock_without_alarmclocks_metadata_is_neither_listed_nor_touched(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client(endpoint, "cloudformation").create_stack(StackName="lookalike", TemplateBody=LOOKALIKE)
    assert run(capsys, endpoint, "list")[1] == f"no clocks in {REGION}\n"
    for argv in (["pause", "lookalike"], ["destroy", "lookalike", "--yes"], ["status", "lookalike"]):
        status, _out, err = run(capsys, endpoint, *argv)
        assert status == 1
        assert one_line_error(err) == (
            "stack 'lookalike' is not an alarmclock clock (its template has no alarmclock metadata); "
            "alarmclock leaves it alone"
        )
    assert client(endpoint, "cloudformation").describe_stacks(StackName="lookalike")["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )


# ---- destroy of several clocks ----------------------------------------------------------------------


def test_destroy_of_several_clocks_deletes_them_side_by_side_and_settles_once(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["clock-a", "clock-b", "clock-c"]
    for name in names:
        deploy(capsys, endpoint, name=name)
    gaps = MotoGaps(endpoint)
    gaps.sync()
    began = time.monotonic()
    with gaps.running():  # deletes the alarms as CloudFormation would
        status, out, err = run(capsys, endpoint, "destroy", *names, "--yes", "--settle", "2")
    elapsed = time.monotonic() - began
    assert (status, err) == (0, "")
    assert out.count("checking for 2s that nothing of the 3 clocks is left") == 1
    assert [line for line in out.splitlines() if " destroyed: " in line] == [
        f"{name} destroyed: stack deleted, no alarms left, no Tick data arrived for 2s "
        "(CloudWatch keeps past Tick datapoints until they expire)"
        for name in names
    ]
    assert elapsed < 3 * 2  # one settle of 2 s, not three
    assert run(capsys, endpoint, "list")[1] == f"no clocks in {REGION}\n"


def test_destroy_of_several_clocks_refuses_them_all_if_one_is_not_a_clock(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint, name="clock-a")
    client(endpoint, "cloudformation").create_stack(StackName="lookalike", TemplateBody=LOOKALIKE)
    status, _out, err = run(capsys, endpoint, "destroy", "clock-a", "lookalike", "--yes")
    assert status == 1 and "'lookalike' is not an alarmclock clock" in one_line_error(err)
    assert client(endpoint, "cloudformation").describe_stacks(StackName="clock-a")["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )


def test_what_destroy_leaves_behind_comes_with_the_commands_that_remove_it(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["clock-a", "clock-b"]
    for name in names:
        deploy(capsys, endpoint, name=name)
    MotoGaps(endpoint).sync()  # alarms made outside moto's CloudFormation: its delete leaves them
    status, out, err = run(capsys, endpoint, "destroy", *names, "--yes", "--settle", "0", "--output", "json")
    assert status == 1
    records = json.loads(out)["clocks"]
    assert [(r["clock"], r["ok"], r["stack_status"]) for r in records] == [
        ("clock-a", False, "DELETE_COMPLETE"),
        ("clock-b", False, "DELETE_COMPLETE"),
    ]
    assert records[0]["message"] == (
        "stack clock-a is deleted, but some of the clock is left: alarm clock-a-tick-is-1; alarm clock-a-watchdog; "
        "remove it with: aws cloudwatch delete-alarms --alarm-names clock-a-tick-is-1 clock-a-watchdog "
        f"--region {REGION}"
    )
    assert err.count("alarmclock: error: stack clock-") == 2


def test_destroy_all_matching_a_prefix_asks_first_and_leaves_other_stacks_alone(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("team-a-1", "team-a-2", "team-b-1"):
        deploy(capsys, endpoint, name=name)
    client(endpoint, "cloudformation").create_stack(StackName="team-a-lookalike", TemplateBody=LOOKALIKE)
    status, _out, err = run(capsys, endpoint, "destroy", "--all-matching", "team-a-")
    assert status == 2  # no terminal to ask on
    assert one_line_error(err) == (
        f"destroy 2 clocks in {REGION} (team-a-1, team-a-2: their stacks, alarms and functions): "
        "pass --yes to do it without asking"
    )
    status, out, err = run(capsys, endpoint, "destroy", "--all-matching", "team-a-", "--yes", "--settle", "0")
    assert (status, err) == (0, "")
    assert "leaving team-a-lookalike alone: it has no alarmclock metadata" in out
    remaining = {s["StackName"] for s in client(endpoint, "cloudformation").describe_stacks()["Stacks"]}
    assert remaining == {"team-b-1", "team-a-lookalike"}
    status, _out, err = run(capsys, endpoint, "destroy", "team-b-1", "--all-matching", "team-")
    assert status == 2 and "not both" in err
