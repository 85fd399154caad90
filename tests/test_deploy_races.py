"""Two commands on one clock at once, against moto: a deploy never reports a change it did not make,
and a deploy whose clock is deleted while it waits stops and says so."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from alarmclock.aws.execute import Runner, Stop
from alarmclock.aws.plan import change_set_name, plan_deploy
from alarmclock.aws.session import Aws, AwsOptions
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.steps import ExecuteChangeSet, Plan
from alarmclock.spec import build_spec
from test_aws_cli import client, deploy, endpoint, make_queue, metadata, moto_server, run

from conftest import CLOCK, REGION, Quiet

__all__ = ["endpoint", "moto_server"]  # fixtures, used by name


def test_two_deploys_in_the_same_second_make_change_sets_of_different_names() -> None:
    now = datetime(2026, 12, 5, 13, 3, 1, tzinfo=UTC)
    names = {change_set_name(now) for _ in range(20)}
    assert len(names) == 20
    assert all(name.startswith("alarmclock-20261205-130301-") and len(name) <= 128 for name in names)


def aws_at(endpoint: str) -> Aws:
    return Aws(AwsOptions(region=REGION, endpoint_url=endpoint))


def prepared(endpoint: str, every: str, target: str) -> tuple[Runner, Plan]:
    """A deploy of CLOCK that has made and reviewed its change set, and not yet executed it."""
    aws = aws_at(endpoint)
    spec = build_spec(every=every, targets=[target], name=CLOCK)
    plan = plan_deploy(
        CLOCK, spec, Stacks(aws).deployed(CLOCK), change_set_name=change_set_name(datetime.now(UTC)), yes=True
    )
    runner = Runner(aws, Quiet(), poll_s=0.01)
    for step in plan.steps:
        if isinstance(step, ExecuteChangeSet):
            break
        runner.do(step, plan)
    return runner, plan


def execute_rest(runner: Runner, plan: Plan) -> str:
    """Run the prepared deploy on from its ExecuteChangeSet; the message it stops with."""
    at = next(i for i, step in enumerate(plan.steps) if isinstance(step, ExecuteChangeSet))
    with pytest.raises(Stop) as stopped:
        for step in plan.steps[at:]:
            runner.do(step, plan)
    assert not stopped.value.outcome.ok
    return stopped.value.outcome.message


def test_a_deploy_whose_clock_another_deploy_changed_meanwhile_changes_nothing_and_says_so(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy(capsys, endpoint)  # a one-minute clock
    _url, target = make_queue(endpoint, "other")
    first, plan = prepared(endpoint, "2m", target)
    # The second deploy runs from start to end while the first one reviews its change set.
    status, _out, err = run(capsys, endpoint, "deploy", CLOCK, "--every", "5m", "--no-wait", "--yes")
    assert status == 0, err
    message = execute_rest(first, plan)
    assert message.startswith(f"stack {CLOCK} changed while this deploy was preparing its change (it is UPDATE_")
    assert "This deploy changed nothing" in message
    assert metadata(endpoint)["period_s"] == 300  # the second deploy's, untouched
    assert not first.done.executed
    # Its change set is gone; the second's was executed.
    summaries = client(endpoint, "cloudformation").list_change_sets(StackName=CLOCK)["Summaries"]
    assert plan.steps[1].name not in {s["ChangeSetName"] for s in summaries}  # type: ignore[union-attr]


def test_a_new_clock_created_by_another_deploy_meanwhile_is_left_to_it(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _url, target = make_queue(endpoint)
    first, plan = prepared(endpoint, "2m", target)
    # Another deploy creates the clock while the first one reviews its own CREATE change set.
    client(endpoint, "cloudformation").execute_change_set(ChangeSetName=first.done.change_set_id)
    message = execute_rest(first, plan)
    assert "it was not yet created" in message and "This deploy changed nothing" in message
    assert client(endpoint, "cloudformation").describe_stacks(StackName=CLOCK)["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )


def test_a_deploy_whose_clock_is_deleted_while_it_waits_for_the_tick_stops_and_says_so(endpoint: str) -> None:
    # No MotoGaps: nothing runs the Starter, so no tick comes; the stack is deleted during the wait.
    _url, target = make_queue(endpoint)
    aws = aws_at(endpoint)
    spec = build_spec(every="1m", targets=[target], name=CLOCK)
    plan = plan_deploy(CLOCK, spec, None, change_set_name=change_set_name(datetime.now(UTC)), tick_timeout_s=600)
    cloudformation = client(endpoint, "cloudformation")

    def sleep(_seconds: float) -> None:
        stacks = cloudformation.describe_stacks()["Stacks"]
        if any(s["StackName"] == CLOCK and s["StackStatus"] == "CREATE_COMPLETE" for s in stacks):
            cloudformation.delete_stack(StackName=CLOCK)

    runner = Runner(aws, Quiet(), poll_s=0.01, sleep=sleep)
    began = time.monotonic()
    outcome = runner.run(plan)
    assert time.monotonic() - began < 60  # not the 10-minute tick timeout
    assert not outcome.ok and outcome.status == "DELETE_COMPLETE"
    assert outcome.message == (
        f"stack {CLOCK} is DELETE_COMPLETE: it was deleted while this command waited for its first tick, "
        "so none will come"
    )
    assert runner.record(plan, outcome)["stack_status"] == "DELETE_COMPLETE"
