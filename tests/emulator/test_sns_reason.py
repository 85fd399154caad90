"""The emulator words an alarm's state reason as AWS does, so that through SNS the handler reads the
same decision from NewStateReason as it reads from the direct event's reasonData (docs/aws-facts.md)."""

from __future__ import annotations

import json

import pytest

from alarmclock import handler
from alarmclock.emulator import formats
from alarmclock.emulator.alarm_history import Evaluation
from alarmclock.emulator.cloudwatch import StateChange
from alarmclock.emulator.providers.alarm import build_alarm
from alarmclock.emulator.services import sns_event

from conftest import ACCOUNT, CLOCK, REGION

AT = 1_795_768_938.25  # 2026-11-27 08:42:18.25 UTC: a flip 8.25 s into its ten-second cycle
ALARM = build_alarm(
    {
        "Namespace": f"alarmclock/{CLOCK}",
        "MetricName": "Tick",
        "Statistic": "Average",
        "Period": 10,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "AlarmDescription": "alarmclock: the one tick alarm",
        "Dimensions": [{"Name": "Wave", "Value": "10s"}],
    },
    f"{CLOCK}-tick-is-1",
    REGION,
    ACCOUNT,
)


def change(new: str, value: float) -> StateChange:
    # The evaluation looked at its range and found two periods with points; it decided on the newest.
    evaluation = Evaluation(AT, AT - 38.25, "Average", 10, 1.0, ((AT - 38.25, 1 - value), (AT - 28.25, value)))
    reason = "Threshold Crossed: [1] vs 1" if new == "ALARM" else "Threshold not crossed: [0] vs 1"
    return StateChange(AT, ALARM.name, "OK" if new == "ALARM" else "ALARM", new, reason, True, AT - 10, "", evaluation)


@pytest.mark.parametrize(("new", "value", "words"), [("ALARM", 1.0, "was greater"), ("OK", 0.0, "was not greater")])
def test_the_sns_message_names_the_datapoint_decided_on_as_aws_words_it(new: str, value: float, words: str) -> None:
    message = json.loads(formats.sns_alarm_message(ALARM, change(new, value), REGION, ACCOUNT))
    old = "OK" if new == "ALARM" else "ALARM"
    assert message["NewStateReason"] == (
        f"Threshold Crossed: 1 out of the last 1 datapoints [{value!r} (27/11/26 08:41:50)] {words} than or equal "
        f"to the threshold (1.0) (minimum 1 datapoint for {old} -> {new} transition)."
    )
    assert message["AlarmDescription"] == "alarmclock: the one tick alarm"


@pytest.mark.parametrize(("new", "value"), [("ALARM", 1.0), ("OK", 0.0)])
def test_the_handler_reads_the_same_decision_through_sns_as_through_the_direct_action(new: str, value: float) -> None:
    flip = change(new, value)
    _, direct = handler.classify(formats.direct_alarm_event(ALARM, flip, REGION, ACCOUNT))
    message = formats.sns_alarm_message(ALARM, flip, REGION, ACCOUNT)
    _, through_sns = handler.classify(sns_event(f"arn:aws:sns:{REGION}:{ACCOUNT}:topic", message, "subject", AT))
    decided = handler.decision(direct, 10)
    assert decided is not None
    assert decided[0] == AT - 28.25  # the newest period with a point
    assert handler.decision(through_sns, 10) == decided
    assert through_sns.previous_state == direct.previous_state
    assert through_sns.description == direct.description


def test_a_reason_with_no_evaluation_behind_it_stays_the_emulators_own() -> None:
    kick = StateChange(AT, ALARM.name, "OK", "ALARM", "alarmclock: kick", True, AT - 10)
    assert json.loads(formats.sns_alarm_message(ALARM, kick, REGION, ACCOUNT))["NewStateReason"] == "alarmclock: kick"
