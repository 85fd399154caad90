"""The numbers and switches in a clock's template, written out for each kind of clock.

tests/template/test_template.py lints and checks the templates' structure; this pins what each alarm and
rule is set to, so that a rule changed by one (a heartbeat's rate, a watchdog's window, an alarm's
threshold) fails a test. The rules are the template's docstrings' and docs/self-healing.md's: the
heartbeat runs about every half period, between 2 and 60 minutes (10 to 30 for a wave, every 2 for
the documented design); the watchdog sees two periods without a Tick up to a minute, a period and a
minute above, never more than a day.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from alarmclock import __version__
from alarmclock.spec import build_spec
from alarmclock.template import build_template

RUNNING = {"Fn::If": ["ClockRunning", True, False]}
FUNCTION = {"Fn::GetAtt": ["TickFunction", "Arn"]}


def resources(**options: Any) -> dict[str, Any]:
    resources: dict[str, Any] = build_template(build_spec(**options))["Resources"]
    return resources


@pytest.mark.parametrize(
    ("every", "publish", "minutes"),
    [
        ("1m", "api", 2),
        ("5m", "api", 2),
        ("10m", "api", 5),
        ("1h", "api", 30),
        ("120m", "api", 60),
        ("1m", "wave", 10),
        ("40m", "wave", 20),
        ("1h", "wave", 30),
        ("120m", "wave", 30),
        ("10s", "now", 2),
        ("5m", "now", 2),
    ],
)
def test_the_heartbeat_runs_about_every_half_period(every: str, publish: str, minutes: int) -> None:
    rule = resources(every=every, publish=publish)["Heartbeat"]["Properties"]
    assert rule["ScheduleExpression"] == f"rate({minutes} minutes)"
    assert rule["Targets"] == [{"Id": "clock", "Arn": FUNCTION, "Input": '{"alarmclock": "heartbeat"}'}]
    assert rule["State"] == {"Fn::If": ["ClockRunning", "ENABLED", "DISABLED"]}


def test_a_daily_clocks_heartbeat_runs_hourly() -> None:
    rule = resources(every="1d", window="wallclock")["Heartbeat"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(60 minutes)"


@pytest.mark.parametrize(
    ("every", "publish", "period", "periods"),
    [
        ("10s", "api", 10, 3),  # two periods of 10 s, and a step
        ("1m", "api", 10, 13),  # two minutes in 10 s steps, and a step
        ("5m", "api", 60, 7),  # a period and a minute, in minutes, and a step
        ("1h", "api", 60, 62),
        ("10s", "wave", 60, 2),  # a wave: a period (at least a minute) and a minute
        ("1m", "wave", 60, 2),
        ("5m", "wave", 60, 6),
        ("120m", "wave", 60, 121),
        ("10s", "now", 10, 3),  # two evaluation cycles, in 10 s periods, and a step
        ("5m", "now", 10, 13),
    ],
)
def test_the_watchdog_alarms_after_a_stretch_without_a_tick(
    every: str, publish: str, period: int, periods: int
) -> None:
    watchdog = resources(every=every, publish=publish)["Watchdog"]
    properties = watchdog["Properties"]
    assert (properties["Period"], properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (
        period,
        periods,
        periods,
    )
    assert properties["AlarmDescription"] == (
        f"alarmclock watchdog: no Tick for {period * periods} s, so the clock restarts itself"
    )
    assert (properties["Statistic"], properties["Threshold"], properties["ComparisonOperator"]) == (
        "SampleCount",
        1,
        "LessThanThreshold",
    )
    assert properties["TreatMissingData"] == "breaching" and properties["ActionsEnabled"] == RUNNING
    assert watchdog["DependsOn"] == "Starter"


def test_a_daily_watchdog_looks_back_a_day_at_most() -> None:
    # A day and a minute would be 1,441 minutes: PutMetricAlarm takes Period x EvaluationPeriods <= 1 day.
    properties = resources(every="1d", window="wallclock")["Watchdog"]["Properties"]
    assert (properties["Period"], properties["EvaluationPeriods"]) == (60, 1_440)


@pytest.mark.parametrize(
    ("options", "period", "ok", "no_data", "window"),
    [
        ({"every": "1m"}, 60, True, True, False),  # the wave, self-switching
        ({"every": "1m", "publish": "api"}, 60, True, False, False),
        ({"every": "30s", "publish": "logs"}, 30, True, False, False),
        ({"every": "5m", "publish": "now"}, 60, True, True, False),  # the documented design: a cycle
        ({"every": "10s", "publish": "now"}, 10, True, True, False),
        ({"every": "1h", "window": "wallclock", "publish": "api"}, 3_600, True, False, True),
        ({"every": "1h", "window": "wallclock"}, 3_600, True, False, True),  # a wave, but not self-switching
    ],
)
def test_the_one_tick_alarm_acts_on_alarm_and_ok(
    options: dict[str, Any], period: int, ok: bool, no_data: bool, window: bool
) -> None:
    made = resources(**options)
    assert "TickAlarm0" not in made
    properties = made["TickAlarm1"]["Properties"]
    assert (properties["Period"], properties["EvaluationPeriods"], properties["Statistic"]) == (period, 1, "Average")
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert properties["AlarmActions"] == [FUNCTION] and properties["ActionsEnabled"] == RUNNING
    assert ("OKActions" in properties, "InsufficientDataActions" in properties) == (ok, no_data)
    assert ("EvaluationWindow" in properties) == window
    assert properties["TreatMissingData"] == "missing"
    assert properties["AlarmDescription"] == (
        "alarmclock: ALARM when Tick is 1 (the clock publishes 0 next), OK when it is 0 (publishes 1)"
    )


def test_the_pairs_alarms_act_on_alarm_only_each_on_its_own_value() -> None:
    made = resources(every="1m", alarms=2, publish="api")
    zero, one = made["TickAlarm0"]["Properties"], made["TickAlarm1"]["Properties"]
    assert (zero["Threshold"], zero["ComparisonOperator"]) == (0, "LessThanOrEqualToThreshold")
    assert (one["Threshold"], one["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert zero["AlarmDescription"] == "alarmclock: Tick is 0, so the clock publishes 1 next"
    assert one["AlarmDescription"] == "alarmclock: Tick is 1, so the clock publishes 0 next"
    for alarm in (zero, one):
        assert "OKActions" not in alarm and "InsufficientDataActions" not in alarm
    assert made["Starter"]["DependsOn"] == [
        "TickAlarm0",
        "TickAlarm1",
        "HeartbeatPermission",
        "TickAlarm0Permission",
        "TickAlarm1Permission",
        "WatchdogPermission",
    ]


@pytest.mark.parametrize(
    ("options", "dimensions"),
    [
        ({"every": "1m"}, [{"Name": "Wave", "Value": "60s"}]),
        ({"every": "5m", "publish": "now"}, [{"Name": "Now", "Value": "300s"}]),
        ({"every": "1m", "publish": "api"}, None),
    ],
)
def test_a_wave_or_the_documented_designs_metric_names_its_period(
    options: dict[str, Any], dimensions: list[dict[str, str]] | None
) -> None:
    made = resources(**options)
    for alarm in ("TickAlarm1", "Watchdog"):
        assert made[alarm]["Properties"].get("Dimensions") == dimensions


def test_the_starter_says_the_period_and_how_the_clock_publishes() -> None:
    starter = resources(every="5m", publish="logs")["Starter"]
    assert starter["Type"] == "Custom::AlarmClockStarter"
    assert starter["Properties"]["PeriodSeconds"] == 300 and starter["Properties"]["Publish"] == "logs"
    assert starter["Properties"]["Paused"] == {"Ref": "Paused"}


def test_the_function_has_128_mb_and_30_s_the_starter_answers_within_300_s_the_log_is_kept_14_days() -> None:
    # 128 MB arm64 (docs/cost.md); a custom resource that never answers holds the stack for an hour
    # (docs/how-it-works.md: 300 s).
    made = resources()
    function = made["TickFunction"]["Properties"]
    assert (function["MemorySize"], function["Architectures"], function["Timeout"]) == (128, ["arm64"], 30)
    assert made["Starter"]["Properties"]["ServiceTimeout"] == 300
    assert made["TickLogGroup"]["Properties"] == {"RetentionInDays": 14}


def test_the_outputs_name_the_clock_its_function_namespace_and_alarms_for_status_to_read() -> None:
    stack = "${AWS::StackName}"
    common = {
        "ClockName": {"Value": {"Ref": "AWS::StackName"}},
        "FunctionName": {"Value": {"Ref": "TickFunction"}},
        "MetricNamespace": {"Value": {"Fn::Sub": f"alarmclock/{stack}"}},
        "Watchdog": {"Value": {"Fn::Sub": f"{stack}-watchdog"}},
    }
    one = build_template(build_spec())["Outputs"]
    assert one == common | {"Alarm1": {"Value": {"Fn::Sub": f"{stack}-tick-is-1"}}}
    pair = build_template(build_spec(alarms=2))["Outputs"]
    assert pair == common | {f"Alarm{v}": {"Value": {"Fn::Sub": f"{stack}-tick-is-{v}"}} for v in (0, 1)}


def test_the_function_log_group_and_topic_say_which_checkov_checks_they_skip() -> None:
    # Each skip with its reason, in the resource's Metadata where checkov reads it (test_security.py
    # proves each still hides a real failure).
    skipped = {
        name: [skip["id"] for skip in resource["Metadata"]["checkov"]["skip"]]
        for name, resource in resources(via="sns").items()
        if "Metadata" in resource
    }
    assert skipped == {
        "TickFunction": ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"],
        "TickLogGroup": ["CKV_AWS_158"],
        "TickTopic": ["CKV_AWS_26"],
    }


@pytest.mark.parametrize(
    ("options", "description"),
    [
        ({"every": "1m"}, "every 1 min (one alarm, sliding window, a wave laid ahead; alarms reach it via lambda)"),
        (
            {"every": "30s", "publish": "logs", "alarms": 2, "via": "sns"},
            "every 30 s (two alarms, sliding window, EMF log line per tick; alarms reach it via sns)",
        ),
        (
            {"every": "1d", "window": "wallclock"},
            "every 1440 min (one alarm, wall-clock window, PutMetricData per tick; alarms reach it via lambda)",
        ),
    ],
)
def test_the_description_says_what_the_clock_is(options: dict[str, Any], description: str) -> None:
    template = build_template(build_spec(**options))
    assert template["Description"] == (
        f"alarmclock {__version__}: a clock that invokes the function in TargetFunctionArn {description}"
    )


def test_a_clock_with_targets_names_how_many() -> None:
    targets = ["arn:aws:sqs:us-east-1:123456789012:q", "arn:aws:sns:us-east-1:123456789012:t"]
    template = build_template(build_spec(targets=targets, publish="api"))
    assert template["Description"].startswith(f"alarmclock {__version__}: a clock that invokes 2 target(s) every")
    assert "TargetFunctionArn" not in template["Parameters"]
    environment = template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["ALARMCLOCK_TARGETS"] == json.dumps(targets)


@pytest.mark.parametrize(
    ("options", "actions"),
    [
        # Looks at its alarms, kicks them, switches them to the documented design, reads how late its
        # alarm's latest flips were (a new execution environment), stops them on delete.
        (
            {"every": "1m"},
            ["DescribeAlarms", "SetAlarmState", "PutMetricAlarm", "DescribeAlarmHistory", "DisableAlarmActions"],
        ),
        ({"every": "1m", "publish": "api"}, ["DescribeAlarms", "SetAlarmState", "DisableAlarmActions"]),
        # A wave on a wall-clock window never switches and is never kicked: it only stops on delete.
        ({"every": "1h", "window": "wallclock"}, ["DisableAlarmActions"]),
    ],
)
def test_the_function_may_do_to_its_own_alarms_what_its_design_needs(
    options: dict[str, Any], actions: list[str]
) -> None:
    statements = resources(**options)["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    (own,) = [s for s in statements if s.get("Sid") == "WatchStartAndStopOwnAlarms"]
    assert own["Action"] == [f"cloudwatch:{action}" for action in actions]
