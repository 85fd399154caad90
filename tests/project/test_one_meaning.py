"""One name, one meaning: where two parts of the project say the same thing, they say it alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alarmclock import handler
from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.aws.models import ClockNames
from alarmclock.emulator import formats
from alarmclock.emulator.cloudwatch import StateChange
from alarmclock.emulator.providers.alarm import build_alarm
from alarmclock.emulator.services import sns_event
from alarmclock.emulator.stack import Stack
from alarmclock.emulator.world import World
from alarmclock.spec import build_spec
from alarmclock.template import build_template
from alarmclock.timing_model import TimingModel

from conftest import ACCOUNT, CLOCK, REGION, clock_config

EVENTS = Path(__file__).parents[1] / "events"

# ---- high resolution ------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [10, 20, 30, 60, 120, 300, 3600, 86_400])
def test_high_resolution_means_a_period_of_10_20_or_30_seconds_in_the_spec_and_the_handler(period: int) -> None:
    # CloudWatch's high-resolution alarms have a Period of 10, 20 or 30 s; 60 s is a standard one
    # (docs/aws-facts.md, "Valid Periods"; PutMetricAlarm API reference, Period).
    spec = build_spec(every=f"{period}s")
    config = clock_config(period=period)
    assert spec.high_resolution is config.high_resolution is (period in (10, 20, 30))
    assert config.cycle == (10 if period < 60 else 60)


@pytest.mark.parametrize("period", [10, 20, 30, 60, 120, 300, 3600, 86_400, 604_800])
def test_the_handler_keeps_its_evaluation_cycle_in_step_with_the_package(period: int) -> None:
    # The handler stands alone and keeps its own copy of the rule (ClockConfig.cycle); the rest of
    # the package reads alarm_facts.evaluation_cycle. Both must say the same for every period.
    assert clock_config(period=period).cycle == evaluation_cycle(period)


@pytest.mark.parametrize(("period", "resolution"), [(10, 1), (30, 1), (60, 1), (120, 60), (3600, 60)])
def test_points_are_stored_at_one_second_wherever_an_alarm_reads_periods_under_a_minute(
    period: int, resolution: int
) -> None:
    # At a minute the tick alarm is standard, but the watchdog looks at 10-second periods.
    assert clock_config(period=period).storage_resolution == resolution


# ---- alarm names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("alarms", [1, 2])
def test_a_clocks_alarm_names_are_the_templates_in_the_handler_the_aws_commands_and_the_emulator(alarms: int) -> None:
    """The template names the alarms (template.ALARM_PREFIX, WATCHDOG_NAME) and hands the names to
    the function; the handler's fallbacks, the AWS commands' ClockNames and the names the emulator
    resolves from the template must all be the same."""
    spec = build_spec(every="1m", alarms=alarms, publish="api")
    stack = Stack(
        World(1, TimingModel()),
        build_template(spec),
        CLOCK,
        {"TargetFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"},
    )
    environment = stack.resolved_properties("TickFunction")["Environment"]["Variables"]
    from_template = handler.ClockConfig.from_env(environment)
    fallback = handler.ClockConfig.from_env({"ALARMCLOCK_NAME": CLOCK, "ALARMCLOCK_ALARMS": str(alarms)})
    names = ClockNames.of(CLOCK, alarms, "api", 60)
    assert from_template.alarm_names == fallback.alarm_names == list(names.alarms)
    assert from_template.watchdog == fallback.watchdog == names.watchdog
    emulated = {
        props["AlarmName"]
        for logical, props in ((lg, stack.resolved_properties(lg)) for lg in stack.template["Resources"])
        if stack.template["Resources"][logical]["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert emulated == {*names.alarms, names.watchdog}
    assert stack.resolver is not None
    for logical, resource in stack.template["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            name = stack.resolver.ref(logical)
            assert stack.resolver.get_att(logical, "Arn") == formats.alarm_arn(REGION, ACCOUNT, name)


# ---- the emulator's payloads have the keys of the recorded ones ------------------------------------


def keys(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value (a list's items by its first)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found |= {f"{prefix}/{key}"} | keys(item, f"{prefix}/{key}")
    elif isinstance(value, list) and value:
        found |= keys(value[0], f"{prefix}[]")
    return found


def event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


ALARM = build_alarm(
    {
        "Namespace": f"alarmclock/{CLOCK}",
        "MetricName": "Tick",
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    },
    f"{CLOCK}-tick-is-1",
    REGION,
    ACCOUNT,
)
CHANGE = StateChange(1_767_225_660.0, ALARM.name, "OK", "ALARM", "Threshold Crossed", True, 1_767_225_600.0)

# What the recorded payloads carry and the emulator leaves out: nothing the handler reads.
LEFT_OUT = {
    "direct": {
        "/alarmData/previousState/reasonData",
        "/alarmData/state/reasonData",
    },
    "sns message": {
        "/AlarmActions",
        "/AlarmConfigurationUpdatedTimestamp",
        "/InsufficientDataActions",
        "/OKActions",
        "/Trigger/DatapointsToAlarm",
        "/Trigger/EvaluateLowSampleCountPercentile",
    },
    "sns record": {"/Records[]/Sns/SigningCertUrl", "/Records[]/Sns/UnsubscribeUrl"},
}


def test_the_direct_alarm_event_has_the_recorded_events_keys() -> None:
    built = keys(formats.direct_alarm_event(ALARM, CHANGE, REGION, ACCOUNT))
    for name in ("lambda_alarm_action.json", "lambda_alarm_action_ok.json"):
        recorded = keys(event(name))
        assert built <= recorded, built - recorded  # the emulator invents no key
        assert recorded - built == LEFT_OUT["direct"]


def test_the_sns_alarm_notification_has_the_recorded_keys() -> None:
    message = keys(json.loads(formats.sns_alarm_message(ALARM, CHANGE, REGION, ACCOUNT)))
    record = keys(sns_event(f"arn:aws:sns:{REGION}:{ACCOUNT}:topic", "{}", "subject", CHANGE.time))
    for name in ("sns_alarm_notification.json", "sns_alarm_notification_ok.json"):
        recorded = event(name)
        recorded_message = keys(json.loads(recorded["Records"][0]["Sns"]["Message"]))
        assert message <= recorded_message and recorded_message - message == LEFT_OUT["sns message"]
        assert record <= keys(recorded) and keys(recorded) - record == LEFT_OUT["sns record"]


@pytest.mark.parametrize(
    ("kind", "name"), [("Create", "cfn_create.json"), ("Update", "cfn_update.json"), ("Delete", "cfn_delete.json")]
)
def test_the_custom_resource_request_has_the_recorded_keys(kind: str, name: str) -> None:
    recorded = event(name)
    request = formats.custom_resource_request(
        kind,
        recorded["StackId"],
        recorded["LogicalResourceId"],
        recorded["ResourceType"],
        recorded["ServiceToken"],
        recorded["ResourceProperties"],
        recorded.get("OldResourceProperties"),
        recorded.get("PhysicalResourceId"),
        recorded["RequestId"],
        recorded["ResponseURL"],
    )
    assert set(request) == set(recorded)
    assert keys(request) == keys(recorded)


def test_a_healthy_clock_is_ticking_to_the_handler_the_aws_commands_and_the_emulator() -> None:
    from alarmclock.aws.verdict import Verdict
    from alarmclock.beat_figures import HEALTHY

    config = clock_config()
    now = 1_800_000_000.0
    alarms = [
        {"AlarmName": name, "ActionsEnabled": True, "StateValue": "OK"}
        for name in (*config.alarm_names, config.watchdog)
    ]
    word, _ = handler.diagnose(alarms, config, now)
    assert word == HEALTHY == "ticking" and Verdict(word, "").healthy
