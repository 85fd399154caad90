"""What deploy, pause, resume and destroy would do, and how status judges a clock: no server.

Plans are lists of steps whose `request()` is the exact CloudFormation call; verdicts are a
pure function of what status gathered; errors are one line each.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions
import pytest

from alarmclock import __version__, handler
from alarmclock.aws.execute import Runner, interrupted_message, tick_window, wave_window
from alarmclock.aws.models import (
    AlarmInfo,
    Change,
    ClockMetadata,
    ClockNames,
    Datapoint,
    Deployed,
    StackEvent,
    StackInfo,
    parse_metadata,
    period_start,
    root_cause,
)
from alarmclock.aws.plan import (
    PlanError,
    clock_to_deploy,
    destructive_changes,
    plan_deploy,
    plan_destroy,
    plan_set_paused,
)
from alarmclock.aws.session import Aws, AwsOptions, explain
from alarmclock.aws.status import ClockStatus
from alarmclock.aws.steps import (
    CheckTargets,
    ConfirmGone,
    CreateChangeSet,
    DeleteStack,
    ExecuteChangeSet,
    Parameter,
    Plan,
    ReviewChangeSet,
    UpdateParameters,
    WaitForStack,
    WaitForTick,
)
from alarmclock.aws.verdict import beat, judge
from alarmclock.exit_status import ExitStatus
from alarmclock.spec import ClockSpec, SpecError, build_spec, read_options
from alarmclock.template import build_template, metric_dimensions

from conftest import CLOCK, Quiet, load_event

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:my-job"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/my-clock/5b9b2c10-acde-11f0-9c1e-0a1b2c3d4e5f"
NOW = datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC)
ALARMS = (f"{CLOCK}-tick-is-0", f"{CLOCK}-tick-is-1")
WATCHDOG = f"{CLOCK}-watchdog"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"


def clock_metadata(
    version: str,
    period_s: int,
    via: str,
    targets: tuple[str, ...],
    payload: Any = None,
    *,
    alarms: int | None = None,
    window: str | None = None,
    publish: str | None = None,
    target_keys: tuple[str, ...] = (),
    failure_alarm: bool = False,
) -> ClockMetadata:
    """A deployed clock as alarmclock reads it back from a Metadata block that says this (one of
    0.4.0's and before, with the targets and payload in it; a setting None: the block lacks it)."""
    block: dict[str, Any] = {"version": version, "period_s": period_s, "via": via, "targets": list(targets)}
    optional = {"payload": payload, "alarms": alarms, "window": window, "publish": publish}
    block |= {key: value for key, value in optional.items() if value is not None}
    if target_keys:
        block["target_keys"] = list(target_keys)
    if failure_alarm:
        block["failure_alarm"] = True
    read = ClockMetadata.from_template_metadata({"alarmclock": block})
    assert read is not None, block
    return read


METADATA = clock_metadata(version="0.2.0", period_s=60, via="lambda", targets=(TARGET,), alarms=1, window="sliding")
METADATA_WAVE = clock_metadata("0.3.0", 60, "lambda", (TARGET,), alarms=1, window="sliding", publish="wave")
WAVE_NAMES = ClockNames(CLOCK, 1, "60s")


def a_stack(status: str = "CREATE_COMPLETE", paused: bool = False, **extra: Any) -> StackInfo:
    fields: dict[str, Any] = {
        "name": CLOCK,
        "stack_id": STACK_ID,
        "status": status,
        "parameters": {"Paused": "true" if paused else "false"},
        "tags": {"alarmclock:version": "0.1.0", "team": "billing"},
        "created": NOW - timedelta(hours=2),
    }
    return StackInfo(**(fields | extra))


def a_clock(status: str = "CREATE_COMPLETE", paused: bool = False, failure: str = "", **extra: Any) -> Deployed:
    return Deployed(a_stack(status, paused, **extra), METADATA, failure)


def deploy_plan(current: Deployed | None = None, **options: Any) -> Any:
    every, targets = options.pop("every", "1m"), options.pop("targets", (TARGET,))
    spec = build_spec(every=every, targets=targets, publish=options.pop("publish", None))
    return plan_deploy(CLOCK, spec, current, change_set_name="alarmclock-20261127-090030", **options)


# ---- deploy -----------------------------------------------------------------------------------------


def test_a_new_clock_is_created_through_a_change_set_then_waits_for_its_first_tick() -> None:
    plan = deploy_plan()
    assert [type(step) for step in plan.steps] == [
        CheckTargets,
        CreateChangeSet,
        ReviewChangeSet,
        ExecuteChangeSet,
        WaitForStack,
        WaitForTick,
    ]
    assert plan.steps[0] == CheckTargets((TARGET,))
    request = plan.find(CreateChangeSet).request()
    body = json.loads(request.pop("TemplateBody"))
    assert body == build_template(build_spec(targets=(TARGET,)))
    assert request == {
        "StackName": CLOCK,
        "ChangeSetName": "alarmclock-20261127-090030",
        "ChangeSetType": "CREATE",
        "Parameters": [{"ParameterKey": "Paused", "ParameterValue": "false"}],
        "Capabilities": ["CAPABILITY_IAM"],
        "Tags": [{"Key": "alarmclock:version", "Value": __version__}],
        "Description": f"alarmclock {__version__} deploy",
    }
    assert plan.find(WaitForStack).success == {"CREATE_COMPLETE"}
    # A wave clock (a minute's default): its alarm leaves INSUFFICIENT_DATA within a minute of the wave.
    wait = plan.find(WaitForTick)
    assert (wait.names.namespace, wait.names.dimensions, wait.period_s, wait.timeout_s) == (
        f"alarmclock/{CLOCK}",
        [{"Name": "Wave", "Value": "60s"}],
        60,
        120.0,
    )
    # An api clock: its first tick is its first value, two periods and two minutes.
    api = deploy_plan(publish="api").find(WaitForTick)
    assert (api.names.dimensions, api.period_s, api.timeout_s) == ([], 60, 240.0)


def test_an_update_keeps_the_paused_value_and_the_stacks_tags() -> None:
    plan = deploy_plan(a_clock(), every="5m")
    request = plan.find(CreateChangeSet).request()
    assert request["ChangeSetType"] == "UPDATE"
    assert request["Parameters"] == [{"ParameterKey": "Paused", "UsePreviousValue": True}]
    assert request["Tags"] == [{"Key": "alarmclock:version", "Value": __version__}, {"Key": "team", "Value": "billing"}]
    assert plan.find(WaitForStack).success == {"UPDATE_COMPLETE"}
    # An existing wave clock's alarm changes state at the next period boundary: a period and 2 minutes.
    assert plan.find(WaitForTick).timeout_s == 300 + 120
    assert deploy_plan(a_clock(), every="5m", publish="api").find(WaitForTick).timeout_s == 2 * 300 + 120


def test_deploying_a_paused_clock_keeps_it_paused_and_does_not_wait_for_a_tick() -> None:
    plan = deploy_plan(a_clock(paused=True))
    assert plan.find(CreateChangeSet).request()["Parameters"] == [{"ParameterKey": "Paused", "UsePreviousValue": True}]
    assert plan.find(WaitForTick) is None
    assert plan.notes == (f"{CLOCK} is paused and stays paused ('alarmclock resume {CLOCK}' starts it)",)


def test_yes_and_no_wait_change_only_the_question_and_the_wait() -> None:
    plain, quick = deploy_plan(a_clock()), deploy_plan(a_clock(), yes=True, wait=False)
    assert plain.find(ReviewChangeSet) == ReviewChangeSet(ask_before_destroying=True)
    assert quick.find(ReviewChangeSet) == ReviewChangeSet(ask_before_destroying=False)
    assert quick.find(WaitForTick) is None
    assert plain.find(CreateChangeSet) == quick.find(CreateChangeSet)


def test_a_clock_deployed_with_the_target_parameter_keeps_it() -> None:
    # e.g. deployed from `alarmclock template` output with `aws cloudformation deploy`
    current = Deployed(
        a_stack(parameters={"Paused": "false", "TargetFunctionArn": TARGET}),
        clock_metadata("0.1.0", 60, "lambda", ()),
    )
    plan = deploy_plan(current, targets=())
    assert plan.find(CheckTargets) is None
    assert plan.find(CreateChangeSet).parameters == (Parameter("Paused"), Parameter("TargetFunctionArn"))


def test_a_new_clock_needs_a_target() -> None:
    with pytest.raises(PlanError) as refused:
        deploy_plan(targets=())
    assert refused.value.exit_code == 2
    assert refused.value.message == "a new clock needs at least one --target (the ARN to call on every tick)"


def test_a_stack_left_in_review_is_created_again() -> None:
    plan = deploy_plan(Deployed(a_stack("REVIEW_IN_PROGRESS", parameters={}, tags={})))
    assert plan.find(CreateChangeSet).change_set_type == "CREATE"
    assert plan.find(CreateChangeSet).parameters == (Parameter("Paused", "false"),)


REFUSALS = {
    "ROLLBACK_COMPLETE": "stack 'my-clock' is ROLLBACK_COMPLETE: its first deploy failed (TickRole: denied) and "
    "CloudFormation cannot update it; run 'alarmclock destroy my-clock', then deploy again",
    "ROLLBACK_FAILED": "stack 'my-clock' is ROLLBACK_FAILED: its first deploy failed (TickRole: denied) and so did "
    "the clean-up; run 'alarmclock destroy my-clock', then deploy again",
    "DELETE_FAILED": "stack 'my-clock' is DELETE_FAILED: an earlier destroy could not finish (TickRole: denied); "
    "fix what blocked the delete, then run 'alarmclock destroy my-clock' again",
    "UPDATE_ROLLBACK_FAILED": "stack 'my-clock' is UPDATE_ROLLBACK_FAILED (TickRole: denied); run "
    "'aws cloudformation continue-update-rollback --stack-name my-clock', then try again",
    "UPDATE_IN_PROGRESS": "stack 'my-clock' is busy (UPDATE_IN_PROGRESS); wait for it to finish "
    "('alarmclock status my-clock') and try again",
}


@pytest.mark.parametrize("status", list(REFUSALS))
def test_deploy_pause_and_resume_refuse_a_stack_cloudformation_cannot_update(status: str) -> None:
    current = a_clock(status, failure="TickRole: denied")
    for attempt in (lambda: deploy_plan(current), lambda: plan_set_paused(current, True)):
        with pytest.raises(PlanError) as refused:
            attempt()
        assert refused.value.message == REFUSALS[status]
        assert refused.value.exit_code == 1


def test_an_update_that_was_rolled_back_can_be_deployed_again() -> None:
    assert deploy_plan(a_clock("UPDATE_ROLLBACK_COMPLETE")).find(CreateChangeSet).change_set_type == "UPDATE"


def test_a_stack_that_is_not_a_clock_is_refused() -> None:
    website = Deployed(a_stack(tags={}), None)
    for attempt in (
        lambda: deploy_plan(website),
        lambda: plan_set_paused(website, True),
        lambda: plan_destroy(website),
    ):
        with pytest.raises(PlanError, match="is not an alarmclock clock"):
            attempt()


def update(deployed: ClockMetadata | None, **options: Any) -> ClockSpec:
    """What `deploy` sends given these options (as the command line writes them) over `deployed`."""
    return clock_to_deploy(CLOCK, read_options(options), deployed)


def settings(spec: ClockSpec) -> tuple[Any, ...]:
    return (
        spec.period_s,
        spec.via,
        tuple(t.arn for t in spec.targets),
        spec.payload,
        spec.alarms,
        spec.window,
        spec.publish,
        spec.target_keys,
        spec.failure_alarm,
    )


def test_an_update_changes_only_the_settings_given() -> None:
    # Metadata without `alarms`, `window` and `publish`: a clock deployed before any could be chosen.
    deployed = clock_metadata("0.1.0", 300, "sns", (TARGET,), {"job": "report"})
    kept = update(deployed)
    assert settings(kept) == (300, "sns", (TARGET,), {"job": "report"}, 2, "sliding", "wave", (), False)
    assert kept.name == CLOCK
    changed = update(deployed, every="2m", targets=(QUEUE,), payload="null")
    assert settings(changed) == (120, "sns", (QUEUE,), None, 2, "sliding", "wave", (), False)
    assert update(None, targets=(TARGET,)).period_s == 60


def test_an_update_keeps_the_pair_unless_alarms_is_given() -> None:
    pair = clock_metadata("0.2.0", 60, "lambda", (TARGET,), alarms=2, window="sliding")
    assert update(pair, every="5m").alarms == 2
    assert update(pair, alarms="1").alarms == 1
    one = clock_metadata("0.2.0", 60, "lambda", (TARGET,), alarms=1, window="sliding")
    assert update(one).alarms == 1
    # A new clock gets what was asked for, --alarms 1 by default.
    assert update(None, targets=(TARGET,)).alarms == 1


def test_a_new_period_without_a_window_gets_that_periods_default_window() -> None:
    daily = clock_metadata("0.2.0", 86_400, "lambda", (TARGET,), alarms=1, window="wallclock", publish="api")
    # --every 2m alone: the daily clock's wall-clock window cannot hold 2m, sliding (2m's default) can.
    two_minutes = update(daily, every="2m")
    assert (two_minutes.period_s, two_minutes.window) == (120, "sliding")
    # ... and back to a day, the default is wall-clock again (sliding cannot hold it).
    every_2m = clock_metadata("0.2.0", 120, "lambda", (TARGET,), alarms=1, window="sliding")
    back = update(every_2m, every="1440m")
    assert back.window == "wallclock"
    # The window is kept when the period is not changed, even if --every repeats it ...
    hourly = clock_metadata("0.2.0", 3600, "lambda", (TARGET,), alarms=1, window="wallclock")
    assert update(hourly, every="1h").window == "wallclock"
    assert update(hourly, via="lambda").window == "wallclock"
    # ... and --window always wins.
    assert update(hourly, every="5m", window="wallclock").window == "wallclock"


def test_an_update_of_an_api_clock_from_before_publish_gets_its_periods_default() -> None:
    # 0.2 metadata has no `publish`: the clock publishes every tick (api). An update without
    # --publish gives it its period's default: at 5 minutes a wave, whose metric has the Wave
    # dimension.
    old = ClockMetadata.from_template_metadata(
        {
            "alarmclock": {
                "version": "0.2.0",
                "period_s": 300,
                "via": "lambda",
                "alarms": 1,
                "window": "sliding",
                "targets": [TARGET],
            }
        }
    )
    assert old is not None and (old.spec.publish, old.publish_chosen) == ("api", False)
    assert Deployed(a_stack(), old).names.dimensions == []
    spec = update(old, targets=(TARGET,))
    assert spec.publish == "wave"
    assert build_template(spec)["Metadata"]["alarmclock"]["publish"] == "wave"
    plan = plan_deploy(CLOCK, spec, Deployed(a_stack(), old), change_set_name="alarmclock-20261127-090030")
    wait = plan.find(WaitForTick)
    assert wait is not None and wait.names.dimensions == [{"Name": "Wave", "Value": "300s"}]
    # --publish api keeps it an api clock; a one-minute clock, too, gets its period's default, a wave.
    assert update(old, publish="api").publish == "api"
    minute = clock_metadata("0.2.0", 60, "lambda", (TARGET,), alarms=1, window="sliding")
    assert update(minute, targets=(TARGET,)).publish == "wave"


def test_an_update_keeps_the_way_of_publishing_unless_the_new_period_cannot_hold_it() -> None:
    api = clock_metadata("0.3.0", 60, "lambda", (TARGET,), alarms=1, window="sliding", publish="api")
    assert update(api, via="lambda").publish == "api"
    # A new period keeps an explicit api ...
    assert update(api, every="5m").publish == "api"
    # ... and a wave, where the period can hold it; at a day it cannot (two hours ahead at most).
    wave = clock_metadata("0.3.0", 60, "lambda", (TARGET,), alarms=1, window="sliding", publish="wave")
    assert update(wave, every="2h").publish == "wave"
    daily = update(wave, every="1440m")
    assert (daily.publish, daily.window) == ("api", "wallclock")
    # --publish always wins.
    assert update(wave, publish="logs").publish == "logs"


def test_an_update_is_checked_as_a_whole_and_refused_in_one_line() -> None:
    # The deployed pair cannot take --publish now (one alarm on a sliding window): ClockSpec says so.
    pair = clock_metadata("0.3.0", 60, "lambda", (TARGET,), alarms=2, window="sliding", publish="api")
    with pytest.raises(SpecError, match="--publish now takes one alarm on a sliding window"):
        update(pair, publish="now")
    # A kept period is shown as a duration, a given one as it was written.
    daily = clock_metadata("0.3.0", 86_400, "lambda", (TARGET,), alarms=1, window="wallclock", publish="api")
    with pytest.raises(SpecError, match=r"^--every 1d needs --window wallclock"):
        update(daily, window="sliding")
    with pytest.raises(SpecError, match="--publish wave cannot hold --every 1440m"):
        update(pair, every="1440m", publish="wave")


def test_an_update_of_a_clock_whose_targets_were_not_read_needs_them_given() -> None:
    unread = ClockMetadata.from_template_metadata(
        {"alarmclock": {"version": "0.5.0", "period_s": 60, "via": "lambda", "alarms": 1, "publish": "wave"}}, CLOCK
    )
    assert unread is not None and not unread.targets_read
    with pytest.raises(PlanError, match="no function to read its targets and payload from; give them"):
        update(unread, every="5m")
    assert update(unread, targets=(TARGET,)).period_s == 60


def test_a_wave_clocks_names_carry_the_templates_dimension() -> None:
    for every, alarms in (("1m", 1), ("10s", 2), ("2h", 1)):
        spec = build_spec(every=every, targets=(TARGET,), alarms=alarms, publish="wave")
        names = ClockNames.of(CLOCK, spec.alarms, spec.publish, spec.period_s)
        assert names.dimensions == metric_dimensions(spec)["Dimensions"]
        assert names.dimensions == handler.ClockConfig(CLOCK, "", spec.period_s, "", publish="wave").dimensions
    assert ClockNames.of(CLOCK, 1, "api", 60) == ClockNames(CLOCK, 1)
    assert ClockNames.of(CLOCK, 1, "logs", 60).dimensions == []


# ---- pause, resume, destroy ---------------------------------------------------------------------------


def test_pause_updates_only_the_paused_parameter_of_the_previous_template() -> None:
    current = a_clock(parameters={"Paused": "false", "TargetFunctionArn": TARGET})
    plan = plan_set_paused(current, True)
    assert [type(step) for step in plan.steps] == [UpdateParameters, WaitForStack]
    update = plan.steps[0]
    assert isinstance(update, UpdateParameters)
    assert update.request() == {
        "StackName": CLOCK,
        "UsePreviousTemplate": True,
        "Parameters": [
            {"ParameterKey": "Paused", "ParameterValue": "true"},
            {"ParameterKey": "TargetFunctionArn", "UsePreviousValue": True},
        ],
        "Capabilities": ["CAPABILITY_IAM"],
    }


def test_resume_waits_for_a_tick_and_pausing_twice_does_nothing() -> None:
    resume = plan_set_paused(a_clock(paused=True), False)
    update = resume.steps[0]
    assert isinstance(update, UpdateParameters)
    assert update.request()["Parameters"] == [{"ParameterKey": "Paused", "ParameterValue": "false"}]
    assert resume.find(WaitForTick) is not None
    assert plan_set_paused(a_clock(paused=True), False, wait=False).find(WaitForTick) is None
    # A resumed wave clock's alarm may change state only at the next period: a period and 2 minutes.
    wave = Deployed(a_stack(paused=True), METADATA_WAVE)
    wait = plan_set_paused(wave, False).find(WaitForTick)
    assert wait is not None and (wait.names.wave, wait.timeout_s) == ("60s", 180.0)
    again = plan_set_paused(a_clock(paused=True), True)
    assert (again.steps, again.notes) == ((), (f"{CLOCK} is already paused",))


def test_destroy_deletes_by_stack_id_waits_and_checks_what_is_left() -> None:
    plan = plan_destroy(a_clock("ROLLBACK_COMPLETE"), function_name="my-clock-TickFunction-X", settle_s=5)
    assert plan.steps == (
        DeleteStack(STACK_ID),
        WaitForStack(frozenset({"DELETE_COMPLETE"})),
        ConfirmGone(ClockNames(CLOCK, 1), "my-clock-TickFunction-X", 5, 60),
    )
    assert plan_destroy(a_clock("DELETE_FAILED")).find(DeleteStack) is not None
    # A wave clock's Tick data is read with its dimension.
    wave = plan_destroy(Deployed(a_stack(), METADATA_WAVE)).find(ConfirmGone)
    assert wave is not None and wave.names == ClockNames(CLOCK, 1, "60s")
    with pytest.raises(PlanError, match="busy"):
        plan_destroy(a_clock("DELETE_IN_PROGRESS"))


# ---- what CloudFormation says -------------------------------------------------------------------------


def recorded_events() -> list[StackEvent]:
    events = load_event("cfn_stack_events_rollback.json")["StackEvents"]
    return [StackEvent.from_api(e | {"Timestamp": datetime.fromisoformat(e["Timestamp"])}) for e in events]


def test_the_root_cause_is_the_first_real_failure_not_the_cancellations() -> None:
    cause = root_cause(recorded_events())
    assert cause.startswith('TickRole: Resource handler returned message: "User: arn:aws:sts::123456789012:')
    assert "iam:CreateRole" in cause


def test_replacements_and_removals_are_destructive_modifications_are_not() -> None:
    changes = [Change.from_api(c) for c in load_event("cfn_change_set_update.json")["Changes"]]
    assert [c.logical_id for c in destructive_changes(changes)] == ["TickTopic", "TickFunction", "TickAlarm0Permission"]


def test_template_metadata_is_read_from_json_and_from_motos_repr() -> None:
    block = {"alarmclock": {"version": "0.1.0", "period_s": 120, "via": "sns", "targets": [TARGET]}}
    for text in (json.dumps(block), str(block)):
        assert ClockMetadata.from_template_metadata(text) == clock_metadata("0.1.0", 120, "sns", (TARGET,))
    assert parse_metadata("__import__('os')") == {}
    assert ClockMetadata.from_template_metadata('{"other": 1}') is None


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            "CREATE_IN_PROGRESS",
            "interrupted: stack my-clock is CREATE_IN_PROGRESS; CloudFormation carries on without "
            "alarmclock. Follow it with 'alarmclock status my-clock'",
        ),
        (
            "UPDATE_COMPLETE",
            "interrupted while waiting for the first tick: stack my-clock is UPDATE_COMPLETE; "
            "see 'alarmclock status my-clock'",
        ),
        (
            "ROLLBACK_COMPLETE",
            "interrupted: stack my-clock is ROLLBACK_COMPLETE; run 'alarmclock destroy my-clock', then deploy again",
        ),
    ],
)
def test_ctrl_c_says_what_state_the_stack_is_in_and_what_to_do(status: str, message: str) -> None:
    assert interrupted_message(CLOCK, "deploy", status) == message


def test_ctrl_c_during_a_restart_says_whether_the_function_had_answered() -> None:
    # A restart touches no stack, so the runner must not read one (no endpoint here answers): before
    # the synchronous Invoke answers nobody knows whether the clock was kicked; after it, only the
    # wait for the next tick was cut short. Neither is "the first tick" of a deploy.
    plan = Plan("restart", CLOCK)
    runner = Runner(Aws(AwsOptions(region="us-east-1", endpoint_url="http://127.0.0.1:9")), Quiet())
    runner.done.executed = True  # as the runner sets it just before the Invoke
    before = runner.interrupted(plan)
    runner.done.restart_answer = {"action": "restart", "kicked": f"{CLOCK}-tick-is-1"}
    after = runner.interrupted(plan)
    assert before.exit_code == after.exit_code == ExitStatus.INTERRUPTED
    assert "may or may not have happened" in before.message and "first tick" not in before.message
    assert after.message.startswith("interrupted while waiting for the next tick after the restart")
    assert f"alarmclock status {CLOCK}" in before.message and f"alarmclock status {CLOCK}" in after.message


# ---- one-line errors ------------------------------------------------------------------------------------


def client_error(code: str, message: str, operation: str = "DescribeStacks") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("error", "message", "exit_code"),
    [
        (botocore.exceptions.NoCredentialsError(), "no AWS credentials found: set AWS_PROFILE", 1),
        (
            client_error("ExpiredToken", "The security token included in the request is expired"),
            "your AWS credentials have expired (ExpiredToken: The security token included in the request is expired); "
            "refresh them and try again",
            1,
        ),
        (
            client_error("InvalidClientTokenId", "The security token included in the request is invalid."),
            "AWS rejected your credentials (InvalidClientTokenId: ",
            1,
        ),
        (
            client_error("AccessDenied", "User: me is not authorized to perform: cloudformation:DescribeStacks"),
            "not allowed to call DescribeStacks: User: me is not authorized",
            1,
        ),
        (botocore.exceptions.ProfileNotFound(profile="work"), "AWS profile 'work' is not configured", 2),
        (botocore.exceptions.NoRegionError(), "no AWS region: pass --region", 2),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://cloudformation.xx-east-9.amazonaws.com/"),
            "cannot reach AWS: Could not connect to the endpoint URL",
            1,
        ),
        (client_error("Throttling", "Rate exceeded"), "DescribeStacks failed: Throttling: Rate exceeded", 1),
    ],
)
def test_aws_errors_become_one_line(error: Exception, message: str, exit_code: int) -> None:
    explained = explain(error)
    assert explained.message.startswith(message)
    assert "\n" not in explained.message
    assert explained.exit_code == exit_code


# ---- verdicts ---------------------------------------------------------------------------------------------


def alarm_states(
    enabled: tuple[bool, bool] = (True, True), only: tuple[str, ...] = (*ALARMS, WATCHDOG)
) -> dict[str, AlarmInfo]:
    """The pair's states, and the watchdog's (in OK, its actions on while both tick alarms' are)."""
    states = {
        name: AlarmInfo(name, "ALARM" if name.endswith("0") else "OK", on)
        for name, on in zip(ALARMS, enabled, strict=True)
        if name in only
    }
    if WATCHDOG in only:
        states[WATCHDOG] = AlarmInfo(WATCHDOG, "OK", all(enabled))
    return states


def ticks(*ages_and_values: tuple[int, float]) -> list[Datapoint]:
    """One datapoint per (seconds ago, value), oldest first."""
    points = [Datapoint(NOW - timedelta(seconds=age), 1, value, value, value) for age, value in ages_and_values]
    return sorted(points, key=lambda p: p.timestamp)


def test_a_clock_with_a_recent_tick_is_ticking() -> None:
    verdict = judge(a_stack(), alarm_states(), ticks((150, 0.0), (30, 1.0)), 60, NOW)
    assert (verdict.kind, verdict.healthy) == ("ticking", True)
    assert verdict.reason == "last tick in the period from 09:00:00 UTC (Tick=1)"


def test_a_clock_silent_for_three_periods_is_stalled_for_that_long() -> None:
    verdict = judge(a_stack(), alarm_states(), ticks((1500, 1.0), (1440, 0.0)), 60, NOW)
    assert (verdict.kind, verdict.healthy) == ("stalled", False)
    # the last tick's period, 08:36-08:37, ended 23.5 minutes ago
    assert verdict.reason == "no tick for over 23m (the last in the period from 08:36:00 UTC)"
    assert verdict.since == datetime(2026, 11, 27, 8, 36, tzinfo=UTC)
    # ... but 3 periods of a 10-minute clock have not passed yet
    assert judge(a_stack(), alarm_states(), ticks((1200, 0.0)), 600, NOW).kind == "ticking"
    silent = judge(a_stack(), alarm_states(), [], 60, NOW, window_start=NOW - timedelta(minutes=61))
    assert (silent.kind, silent.reason) == ("stalled", "no tick for over 1h1m")
    since_deploy = judge(a_stack(created=NOW - timedelta(minutes=10)), alarm_states(), [], 60, NOW)
    assert (since_deploy.kind, since_deploy.reason) == ("stalled", "no tick at all since it was (re)started 10m ago")


def test_a_clock_just_deployed_or_resumed_is_starting() -> None:
    fresh = a_stack(updated=NOW - timedelta(seconds=40))
    verdict = judge(fresh, alarm_states(), ticks((3000, 1.0)), 60, NOW)
    assert (verdict.kind, verdict.reason) == ("starting", "no tick yet; (re)started 40s ago")


def test_a_paused_clock_is_paused_unless_its_alarms_still_act() -> None:
    paused = judge(a_stack(paused=True), alarm_states((False, False)), [], 60, NOW)
    assert (paused.kind, paused.reason) == ("paused", "paused ('alarmclock resume my-clock' starts it)")
    leaky = judge(a_stack(paused=True), alarm_states((False, True)), [], 60, NOW)
    assert (leaky.kind, leaky.healthy) == ("broken", False)
    assert "paused but my-clock-tick-is-1 still has actions enabled" in leaky.reason


def test_alarm_actions_disabled_behind_cloudformations_back_is_broken() -> None:
    verdict = judge(a_stack(), alarm_states((True, False)), ticks((30, 1.0)), 60, NOW)
    assert verdict.kind == "broken"
    assert verdict.reason.startswith("actions of my-clock-tick-is-1 are disabled outside CloudFormation; run 'aws ")


def test_a_missing_alarm_or_a_failed_stack_is_broken_with_the_reason() -> None:
    missing = judge(a_stack(), alarm_states(only=(ALARMS[0], WATCHDOG)), ticks((30, 1.0)), 60, NOW)
    assert (missing.kind, missing.reason.split(";")[0]) == (
        "broken",
        "alarm my-clock-tick-is-1 is missing (deleted outside CloudFormation?)",
    )
    # The watchdog too: a tick alarm without it ticks, but does not restart itself (docs/cli-aws.md).
    no_watchdog = judge(a_stack(), alarm_states(only=ALARMS), ticks((30, 1.0)), 60, NOW)
    assert (no_watchdog.kind, no_watchdog.reason.split(";")[0]) == (
        "broken",
        "alarm my-clock-watchdog is missing (deleted outside CloudFormation?)",
    )
    failed = judge(a_stack("ROLLBACK_COMPLETE"), {}, [], 60, NOW, failure="TickRole: denied")
    assert (failed.kind, failed.reason) == (
        "broken",
        "stack is ROLLBACK_COMPLETE: TickRole: denied (run 'alarmclock destroy my-clock', then deploy again)",
    )


def test_a_stack_being_changed_is_changing_and_a_rolled_back_update_still_ticks() -> None:
    assert judge(a_stack("UPDATE_IN_PROGRESS"), {}, [], 60, NOW).kind == "changing"
    never = judge(a_stack("REVIEW_IN_PROGRESS"), {}, [], 60, NOW)
    assert (never.kind, never.reason.split(";")[0]) == (
        "broken",
        "never deployed: a change set was made but not executed",
    )
    rolled_back = judge(a_stack("UPDATE_ROLLBACK_COMPLETE"), alarm_states(), ticks((30, 0.0)), 60, NOW)
    assert rolled_back.kind == "ticking"
    assert rolled_back.warnings == ("the last update failed and was rolled back (UPDATE_ROLLBACK_COMPLETE)",)


def test_both_values_in_one_period_is_a_warning() -> None:
    mixed = [Datapoint(NOW - timedelta(seconds=30), 2, 0.0, 1.0, 0.5)]
    verdict = judge(a_stack(), alarm_states(), mixed, 60, NOW)
    assert verdict.kind == "ticking"
    assert verdict.warnings[0].startswith("both 0 and 1 were published in the period from 09:00:00 UTC")


def test_the_beat_has_one_mark_per_period() -> None:
    start = NOW.replace(second=0) - timedelta(minutes=5)
    points = [*ticks((300, 0.0), (240, 1.0), (120, 1.0)), Datapoint(NOW - timedelta(seconds=29), 2, 0.0, 1.0, 0.5)]
    assert beat(points, 60, start, NOW) == "01.1.~"


def test_the_watchdog_alarm_is_optional_and_its_actions_off_is_only_a_warning() -> None:
    # Clocks deployed from templates without a watchdog alarm have only the flip-flop pair.
    without = judge(a_stack(), alarm_states(), ticks((30, 1.0)), 60, NOW)
    assert (without.kind, without.warnings) == ("ticking", ())
    watchdog = a_stack().names.watchdog
    if watchdog is None:  # this template has no watchdog: nothing more to judge
        return
    off = alarm_states() | {watchdog: AlarmInfo(watchdog, "OK", False)}
    running = judge(a_stack(), off, ticks((30, 1.0)), 60, NOW)
    assert running.kind == "ticking"
    assert running.warnings == (f"actions of {watchdog} are off: the clock will not restart itself if it stalls",)
    on = alarm_states((False, False)) | {watchdog: AlarmInfo(watchdog, "OK", True)}
    paused = judge(a_stack(paused=True), on, [], 60, NOW)
    assert (paused.kind, paused.reason.split(";")[0]) == (
        "broken",
        f"the clock is paused but {watchdog} still has actions enabled",
    )


def test_a_pair_clock_is_judged_on_both_alarms_a_one_alarm_clock_on_its_own() -> None:
    pair = Deployed(a_stack(), clock_metadata("0.2.0", 60, "lambda", (TARGET,), alarms=2, window="sliding"))
    one = Deployed(a_stack(), METADATA)
    assert (pair.names.alarms, one.names.alarms) == (ALARMS, ALARMS[1:])
    # A clock deployed before the one-alarm design has no `alarms` in its metadata: it has the pair.
    assert Deployed(a_stack(), clock_metadata("0.1.0", 60, "lambda", (TARGET,))).names.alarms == ALARMS
    # Without metadata, the stack's outputs tell: Alarm0 only for the pair.
    outputs = {"ClockName": CLOCK, "MetricNamespace": f"alarmclock/{CLOCK}", "Alarm1": ALARMS[1]}
    assert Deployed(a_stack(outputs=outputs)).names.alarms == ALARMS[1:]
    assert Deployed(a_stack(outputs=outputs | {"Alarm0": ALARMS[0]})).names.alarms == ALARMS
    only_1 = alarm_states(only=(ALARMS[1], WATCHDOG))
    assert judge(a_stack(), only_1, ticks((30, 1.0)), 60, NOW, names=one.names).kind == "ticking"
    missing = judge(a_stack(), only_1, ticks((30, 1.0)), 60, NOW, names=pair.names)
    assert (missing.kind, missing.reason.split(" (")[0]) == ("broken", f"alarm {ALARMS[0]} is missing")


def test_a_tick_stamped_in_the_next_period_is_ticking_and_ends_the_beat() -> None:
    # A 2-minute clock on a sliding window: the change at 09:01:10 stamps its value 09:02:59
    # (handler.next_stamp), in the period after the one now is in.
    config = handler.ClockConfig(CLOCK, f"alarmclock/{CLOCK}", 120, f"{CLOCK}-tick-is-")
    change = datetime(2026, 11, 27, 9, 1, 10, tzinfo=UTC)
    stamp = datetime.fromtimestamp(handler.next_stamp(change.timestamp(), config), UTC)
    assert stamp == datetime(2026, 11, 27, 9, 2, 59, tzinfo=UTC)
    now = change + timedelta(seconds=5)
    points = [Datapoint(stamp - timedelta(minutes=2), 1, 0.0, 0.0, 0.0), Datapoint(stamp, 1, 1.0, 1.0, 1.0)]
    start = period_start(now - timedelta(minutes=10), 120)
    verdict = judge(a_stack(), alarm_states(), points, 120, now)
    assert (verdict.kind, verdict.reason) == ("ticking", "last tick in the period from 09:02:00 UTC (Tick=1)")
    status = ClockStatus("us-east-1", a_stack(), METADATA, 120, {}, points, start, now, verdict, ClockNames(CLOCK))
    # 08:50 to 09:02, one mark per 2 minutes: the last is the tick stamped ahead.
    assert (status.beat, status.to_json()["beat"]["to"]) == (".....01", stamp.isoformat())


@pytest.mark.parametrize(("period_s", "window"), [(10, "sliding"), (300, "sliding"), (300, "wallclock")])
def test_the_ticks_since_a_moment_include_replayed_and_future_stamped_values(period_s: int, window: str) -> None:
    config = handler.ClockConfig(CLOCK, f"alarmclock/{CLOCK}", period_s, f"{CLOCK}-tick-is-", window=window)
    start, end = tick_window(NOW, NOW, period_s)
    # A restart replays a change up to two periods old, with that change's stamp; a new change
    # stamps its value up to a period ahead.
    oldest_replay = handler.next_stamp(NOW.timestamp() - 2 * period_s, config)
    newest = handler.next_stamp(NOW.timestamp(), config)
    for stamp in (oldest_replay, newest):
        when = datetime.fromtimestamp(stamp, UTC)
        assert start <= period_start(when, period_s) and when < end, (when, start, end)


@pytest.mark.parametrize("period_s", [10, 60, 7200])
def test_a_wave_laid_at_or_after_the_check_began_is_inside_its_fixed_window(period_s: int) -> None:
    config = handler.ClockConfig(CLOCK, f"alarmclock/{CLOCK}", period_s, f"{CLOCK}-tick-is-", publish="wave")
    start, end = wave_window(NOW, period_s)
    for laid_at in (NOW, NOW + timedelta(seconds=59)):
        stamps = [datetime.fromtimestamp(stamp, UTC) for stamp, _ in handler.wave_points(laid_at.timestamp(), config)]
        assert start <= stamps[0] and stamps[-1] < end, (stamps[0], stamps[-1], start, end)
    assert (end - start).total_seconds() / period_s <= 1440  # one GetMetricStatistics call


# ---- a wave clock's verdict: its tick alarms' state changes ----------------------------------------------


def wave_alarm(state: str, changed_ago: float, configured_ago: float = 7200, name: str = ALARMS[1]) -> AlarmInfo:
    return AlarmInfo(
        name,
        state,
        True,
        state_changed=NOW - timedelta(seconds=changed_ago),
        configured=NOW - timedelta(seconds=configured_ago),
    )


def watched(alarms: dict[str, AlarmInfo]) -> dict[str, AlarmInfo]:
    """The tick alarms and the watchdog, in OK."""
    return alarms | {WATCHDOG: AlarmInfo(WATCHDOG, "OK", True)}


def test_a_wave_clock_is_ticking_while_its_alarm_changed_within_two_periods_and_a_minute() -> None:
    # Its datapoints are laid ahead: none of them count, whatever they say.
    laid = ticks((30, 1.0), (-3000, 0.0))
    verdict = judge(a_stack(), watched({ALARMS[1]: wave_alarm("OK", 179)}), laid, 60, NOW, names=WAVE_NAMES)
    assert (verdict.kind, verdict.reason) == ("ticking", "last tick at 08:57:31 UTC: my-clock-tick-is-1 went to OK")
    assert verdict.since == NOW - timedelta(seconds=179)
    stalled = judge(a_stack(), watched({ALARMS[1]: wave_alarm("ALARM", 1200)}), laid, 60, NOW, names=WAVE_NAMES)
    assert (stalled.kind, stalled.healthy) == ("stalled", False)
    assert stalled.reason == "no tick for 20m (the last at 08:40:30 UTC: my-clock-tick-is-1 went to ALARM)"
    # A 5-minute clock: 11 minutes is within two periods and a minute.
    assert (
        judge(a_stack(), watched({ALARMS[1]: wave_alarm("OK", 660)}), [], 300, NOW, names=WAVE_NAMES).kind == "ticking"
    )


def test_a_wave_clock_just_deployed_or_resumed_is_starting_and_older_changes_do_not_count() -> None:
    new = judge(a_stack(), watched({ALARMS[1]: wave_alarm("INSUFFICIENT_DATA", 20, 20)}), [], 60, NOW, names=WAVE_NAMES)
    assert (new.kind, new.reason) == ("starting", "no tick yet; (re)started 20s ago")
    # Resumed 40 s ago: the alarm flipped 30 s before that, with its actions off. No tick yet.
    resumed = judge(a_stack(), watched({ALARMS[1]: wave_alarm("OK", 70, 40)}), [], 60, NOW, names=WAVE_NAMES)
    assert (resumed.kind, resumed.reason) == ("starting", "no tick yet; (re)started 40s ago")
    # Ten minutes after a deploy whose alarm never left INSUFFICIENT_DATA: stalled.
    never = judge(
        a_stack(), watched({ALARMS[1]: wave_alarm("INSUFFICIENT_DATA", 600, 600)}), [], 60, NOW, names=WAVE_NAMES
    )
    assert (never.kind, never.reason) == (
        "stalled",
        "no tick at all since it was (re)started 10m ago (my-clock-tick-is-1 INSUFFICIENT_DATA)",
    )


def test_a_wave_pair_ticks_on_alarm_only_and_a_watchdog_in_alarm_says_the_wave_ran_out() -> None:
    pair = ClockNames(CLOCK, 2, "60s")
    # tick-is-1 went to OK 30 s ago (no tick for the pair); tick-is-0 to ALARM 100 s ago.
    alarms = {ALARMS[0]: wave_alarm("ALARM", 100, name=ALARMS[0]), ALARMS[1]: wave_alarm("OK", 30)}
    verdict = judge(a_stack(), watched(alarms), [], 60, NOW, names=pair)
    assert verdict.reason == "last tick at 08:58:50 UTC: my-clock-tick-is-0 went to ALARM"
    watchdog = pair.watchdog
    assert watchdog is not None
    out = alarms | {watchdog: AlarmInfo(watchdog, "ALARM", True)}
    assert judge(a_stack(), out, [], 60, NOW, names=pair).warnings == (
        f"{watchdog} is in ALARM: no Tick values in its window, so the wave has run out",
    )


def test_a_wave_clocks_status_shows_only_ended_periods_and_how_far_ahead_it_is_laid() -> None:
    # Values laid now (09:00:30), from 08:59 (the period before now's) to 10:58, whose period ends
    # 7,110 s from now.
    config = handler.ClockConfig(CLOCK, f"alarmclock/{CLOCK}", 60, f"{CLOCK}-tick-is-", publish="wave")
    last_stamp = handler.wave_points(NOW.timestamp(), config)[-1][0]
    laid_until = period_start(datetime.fromtimestamp(last_stamp, UTC), 60)
    assert laid_until == datetime(2026, 11, 27, 10, 58, tzinfo=UTC)
    ended = [Datapoint(datetime(2026, 11, 27, 8, 59, tzinfo=UTC), 1, 1.0, 1.0, 1.0)]
    start = period_start(NOW - timedelta(minutes=5), 60)
    verdict = judge(a_stack(), {ALARMS[1]: wave_alarm("ALARM", 30)}, ended, 60, NOW, names=WAVE_NAMES)
    status = ClockStatus("us-east-1", a_stack(), METADATA_WAVE, 60, {}, ended, start, NOW, verdict, WAVE_NAMES)
    status = ClockStatus(**{**status.__dict__, "laid_until": laid_until})
    # 08:55 to 08:59, one mark a minute: the current minute (09:00) has not ended.
    assert status.beat == "....1"
    report = status.to_json()
    assert report["wave"] == {"laid_until": laid_until.isoformat(), "ahead_s": 7110}
    assert (report["settings"]["publish"], report["beat"]["to"]) == ("wave", (NOW - timedelta(minutes=1)).isoformat())


def test_an_update_adds_and_changes_tags_and_keeps_the_others() -> None:
    request = deploy_plan(a_clock(), tags={"team": "platform", "cost-centre": "42"}).find(CreateChangeSet).request()
    assert request["Tags"] == [
        {"Key": "alarmclock:version", "Value": __version__},
        {"Key": "cost-centre", "Value": "42"},
        {"Key": "team", "Value": "platform"},
    ]


def test_a_role_arn_goes_to_the_change_set_and_no_execute_stops_after_showing_it() -> None:
    role = "arn:aws:iam::123456789012:role/deployer"
    plan = deploy_plan(role_arn=role, execute=False)
    assert plan.find(CreateChangeSet).request()["RoleARN"] == role
    assert "RoleARN" not in deploy_plan().find(CreateChangeSet).request()
    assert [type(step).__name__ for step in plan.steps] == [
        "CheckTargets",
        "CreateChangeSet",
        "ReviewChangeSet",
        "LeaveChangeSet",
    ]


def test_an_s3_bucket_uploads_the_template_first_and_the_change_set_names_its_url() -> None:
    plan = deploy_plan(s3_bucket="my-templates")
    assert [type(step).__name__ for step in plan.steps][:3] == ["CheckTargets", "UploadTemplate", "CreateChangeSet"]
    upload, create = plan.steps[1], plan.find(CreateChangeSet)
    assert (upload.bucket, upload.key) == ("my-templates", f"alarmclock/{CLOCK}/alarmclock-20261127-090030.json")
    # What is uploaded is what would go inline: the same compact JSON.
    assert upload.body == create.template_body == deploy_plan().find(CreateChangeSet).request()["TemplateBody"]
    url = "https://s3.us-east-1.amazonaws.com/my-templates/alarmclock/my-clock/alarmclock-20261127-090030.json"
    request = create.request(url)
    assert request["TemplateURL"] == url and "TemplateBody" not in request
    with pytest.raises(ValueError, match="needs the uploaded template's URL"):
        create.request()  # never the body by mistake, nor no template at all


def test_a_restart_the_function_failed_says_why_in_text_not_only_in_the_json() -> None:
    from alarmclock.aws.execute import Stop, restarted
    from alarmclock.aws.functions import Invocation

    with pytest.raises(Stop) as stopped:
        restarted(CLOCK, Invocation({"raw": "Task timed out\n after 3.00 seconds"}, "Handled"))
    assert stopped.value.outcome.message == (
        "my-clock's function failed to restart it (Handled: Task timed out after 3.00 seconds)"
    )
    # Lambda's own error document is read as before.
    with pytest.raises(Stop) as stopped:
        restarted(CLOCK, Invocation({"errorType": "KeyError", "errorMessage": "'x'"}, "Unhandled"))
    assert stopped.value.outcome.message == "my-clock's function failed to restart it (KeyError: 'x')"


def test_the_runner_has_a_method_for_every_kind_of_step() -> None:
    from typing import get_args

    from alarmclock.aws import steps
    from alarmclock.aws.execute import STEP_METHODS

    assert set(STEP_METHODS) == set(get_args(steps.Step))
