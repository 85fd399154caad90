"""Each CloudWatch alarm rule the emulator models, pinned on its own.

Sources are the rows of ../shared/notes/aws-facts.md ("CloudWatch alarm evaluation" and
"Alarm actions"); each test names the rule it pins.
"""

from __future__ import annotations

from typing import Any

import pytest

from alarmclock.emulator.cloudwatch import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    Alarm,
    CloudWatchError,
    EmulatedCloudWatch,
    StateChange,
)

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a minute boundary


class Harness:
    """An emulated CloudWatch on a hand-moved clock, recording the actions it would run."""

    def __init__(self, visibility_delay: float = 0.0) -> None:
        self.now = T0
        self.cloudwatch = EmulatedCloudWatch(lambda: self.now, lambda: visibility_delay)
        self.actions: list[tuple[str, str]] = []

        def act(alarm: Alarm, change: StateChange) -> None:
            if alarm.actions_enabled:
                self.actions.extend((alarm.name, arn) for arn in alarm.actions_for(change.new))

        self.cloudwatch.on_state_change = act

    def alarm(self, **overrides: Any) -> Alarm:
        settings: dict[str, Any] = {
            "name": "tick-is-0",
            "arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:tick-is-0",
            "namespace": "alarmclock/c",
            "metric": "Tick",
            "statistic": "Average",
            "period_s": 60,
            "evaluation_periods": 1,
            "threshold": 0.0,
            "comparison": "LessThanOrEqualToThreshold",
            "alarm_actions": ["arn:aws:lambda:us-east-1:123456789012:function:f"],
            "ok_actions": ["arn:aws:sns:us-east-1:123456789012:ok"],
            **overrides,
        }
        alarm = Alarm(**settings)
        self.cloudwatch.add_alarm(alarm)
        return alarm

    def put(self, value: float, at: float) -> None:
        self.now = at
        self.cloudwatch.put_metric_data(
            Namespace="alarmclock/c", MetricData=[{"MetricName": "Tick", "Value": value, "Timestamp": at}]
        )

    def evaluate(self, alarm: Alarm, at: float, range_periods: int = 3) -> str:
        self.now = at
        self.cloudwatch.evaluate(alarm, range_periods)
        return alarm.state


def test_a_new_alarm_starts_in_insufficient_data() -> None:
    # fact: "A new alarm starts in INSUFFICIENT_DATA" (PutMetricAlarm API reference)
    assert Harness().alarm().state == INSUFFICIENT_DATA


def test_only_complete_periods_are_evaluated() -> None:
    # fact: each evaluation used the most recent complete period, never the partial current one
    harness = Harness()
    alarm = harness.alarm()
    harness.put(0.0, T0 + 65)  # in the minute [60, 120)
    assert harness.evaluate(alarm, T0 + 100) == INSUFFICIENT_DATA  # that minute is not complete
    assert harness.evaluate(alarm, T0 + 121) == ALARM


def test_the_most_recent_real_point_decides_and_missing_data_is_then_ignored() -> None:
    # fact: with enough real points the most recent ones are used and TreatMissingData is ignored,
    # so a minute with no new Tick still evaluates on the last published value
    harness = Harness()
    alarm = harness.alarm(treat_missing_data="breaching")
    harness.put(1.0, T0 + 10)
    assert harness.evaluate(alarm, T0 + 61) == OK
    assert harness.evaluate(alarm, T0 + 121) == OK  # minute [60,120) is empty: the 1 still decides
    assert harness.evaluate(alarm, T0 + 181) == OK


@pytest.mark.parametrize(
    ("treatment", "state_before", "expected"),
    [
        ("missing", OK, INSUFFICIENT_DATA),
        ("ignore", OK, OK),
        ("ignore", ALARM, ALARM),
        ("breaching", OK, ALARM),
        ("notBreaching", ALARM, OK),
    ],
)
def test_all_missing_data_follows_treat_missing_data(treatment: str, state_before: str, expected: str) -> None:
    # fact: TreatMissingData when all points in the range are missing
    harness = Harness()
    alarm = harness.alarm(treat_missing_data=treatment, state=state_before)
    assert harness.evaluate(alarm, T0 + 600) == expected


def test_points_older_than_the_evaluation_range_are_not_seen() -> None:
    # fact: alarms look at an evaluation range of a few periods (assumption: its length, here 3)
    harness = Harness()
    alarm = harness.alarm()
    harness.put(0.0, T0 + 10)  # minute 0
    assert harness.evaluate(alarm, T0 + 3 * 60 + 1, range_periods=3) == ALARM  # range: minutes 0-2
    alarm.state = OK
    assert harness.evaluate(alarm, T0 + 4 * 60 + 1, range_periods=3) == INSUFFICIENT_DATA  # range: 1-3


def test_a_point_is_used_only_once_it_is_visible() -> None:
    # assumption: a delay between PutMetricData and visibility ("a few seconds", re:Post)
    harness = Harness(visibility_delay=8.0)
    alarm = harness.alarm()
    harness.put(0.0, T0 + 55)  # visible at +63
    assert harness.evaluate(alarm, T0 + 61) == INSUFFICIENT_DATA
    assert harness.evaluate(alarm, T0 + 64) == ALARM


def test_actions_run_on_a_change_and_not_again_while_the_state_persists() -> None:
    # fact: "Actions run only when the state changes, not again while the condition persists"
    harness = Harness()
    alarm = harness.alarm()
    harness.put(0.0, T0 + 5)
    for minute in range(1, 4):
        harness.evaluate(alarm, T0 + minute * 60 + 1)
    assert harness.actions == [("tick-is-0", "arn:aws:lambda:us-east-1:123456789012:function:f")]
    harness.put(1.0, T0 + 4 * 60 + 5)
    harness.evaluate(alarm, T0 + 5 * 60 + 1)
    assert harness.actions[-1] == ("tick-is-0", "arn:aws:sns:us-east-1:123456789012:ok")  # OK actions
    assert len(harness.actions) == 2


def test_a_change_to_insufficient_data_runs_no_alarm_action() -> None:
    harness = Harness()
    alarm = harness.alarm(state=OK)
    harness.evaluate(alarm, T0 + 600)
    assert alarm.state == INSUFFICIENT_DATA and harness.actions == []


def test_set_alarm_state_runs_actions_when_the_state_changes_and_lasts_until_the_next_evaluation() -> None:
    # fact: SetAlarmState runs the new state's actions if it differs; it "lasts only until the
    # next alarm comparison"
    harness = Harness()
    alarm = harness.alarm()
    harness.cloudwatch.set_alarm_state(AlarmName="tick-is-0", StateValue="ALARM", StateReason="kick")
    assert alarm.state == ALARM and len(harness.actions) == 1
    harness.cloudwatch.set_alarm_state(AlarmName="tick-is-0", StateValue="ALARM", StateReason="again")
    assert len(harness.actions) == 1  # no change, no action
    assert harness.evaluate(alarm, T0 + 61) == INSUFFICIENT_DATA  # back to what the data says


def test_set_alarm_state_on_a_missing_alarm_is_resource_not_found() -> None:
    with pytest.raises(CloudWatchError) as caught:
        Harness().cloudwatch.set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="x")
    assert caught.value.code == "ResourceNotFound"


def test_disabled_actions_change_state_but_run_nothing() -> None:
    harness = Harness()
    alarm = harness.alarm()
    harness.cloudwatch.disable_alarm_actions(AlarmNames=["tick-is-0"])
    harness.put(0.0, T0 + 5)
    assert harness.evaluate(alarm, T0 + 61) == ALARM
    assert harness.actions == []
    assert harness.cloudwatch.history[-1].acted is False


def test_the_statistic_aggregates_the_periods_points() -> None:
    # The seed's stall: a 0 and a 1 in one minute average to 0.5, which satisfies neither alarm.
    harness = Harness()
    low = harness.alarm()
    high = harness.alarm(name="tick-is-1", threshold=1.0, comparison="GreaterThanOrEqualToThreshold")
    harness.put(0.0, T0 + 5)
    harness.put(1.0, T0 + 35)
    assert harness.evaluate(low, T0 + 61) == OK
    assert harness.evaluate(high, T0 + 61) == OK
    assert [arn for _, arn in harness.actions if ":lambda:" in arn] == []  # no ALARM action: the loop stops


def test_alarms_of_a_minute_or_more_run_every_minute_and_sub_minute_every_ten_seconds() -> None:
    # fact: periods >= 60 s are evaluated every minute; 10/20/30 s every 10 s
    harness = Harness()
    assert harness.alarm(period_s=60).cycle_s == 60
    assert harness.alarm(name="h", period_s=300).cycle_s == 60
    assert harness.alarm(name="s", period_s=20).cycle_s == 10


def test_m_of_n_uses_the_most_recent_real_points() -> None:
    # fact: with enough real points the most recent EvaluationPeriods of them are used
    harness = Harness()
    alarm = harness.alarm(evaluation_periods=2, datapoints_to_alarm=2)
    harness.put(1.0, T0 + 5)
    harness.put(0.0, T0 + 65)
    assert harness.evaluate(alarm, T0 + 121) == OK  # [1, 0]: one breaching of two needed
    harness.put(0.0, T0 + 125)
    assert harness.evaluate(alarm, T0 + 181) == ALARM  # [0, 0]
