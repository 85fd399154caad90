"""Each CloudWatch alarm rule the emulator models, pinned on its own.

Sources are the rows of docs/aws-facts.md ("CloudWatch alarm evaluation", "PutMetricData" and
"Alarm actions"); each test names the rule it pins.
"""

from __future__ import annotations

from typing import Any

import pytest

from alarmclock.emulator.cloudwatch import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    WALL_CLOCK,
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

    def put(self, value: float, at: float, published: float | None = None) -> None:
        """Publish a point stamped `at`, at `published` (default: at its own time)."""
        self.now = at if published is None else published
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
    # fact: OKActions run on a change to OK (PutMetricAlarm API reference), which the one-alarm
    # design's ticks depend on
    assert harness.actions[-1] == ("tick-is-0", "arn:aws:sns:us-east-1:123456789012:ok")
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


# ---- evaluation windows (CloudWatch User Guide, "Alarm evaluation window") ------------------------

H13 = T0 + 13 * 3600  # 13:00 on the first day


def hourly(harness: Harness, **overrides: Any) -> Alarm:
    return harness.alarm(
        name="tick-is-1", period_s=3600, threshold=1.0, comparison="GreaterThanOrEqualToThreshold", **overrides
    )


def test_a_sliding_window_advances_with_each_evaluation_as_in_the_documented_example() -> None:
    # fact: a 1-hour alarm "may evaluate 13:07-14:07 in one evaluation and 13:08-14:08 in the next"
    harness = Harness()
    alarm = hourly(harness)
    harness.put(0.0, H13 + 6 * 60 + 30)  # 13:06:30: before the window
    harness.put(1.0, H13 + 7 * 60 + 30)  # 13:07:30: in 13:07-14:07 only
    assert harness.evaluate(alarm, H13 + 3600 + 7 * 60 + 5) == ALARM  # 14:07:05 sees 13:07-14:07: [1]
    harness.put(0.0, H13 + 3600 + 7 * 60 + 30)  # 14:07:30: in 13:08-14:08 only
    assert harness.evaluate(alarm, H13 + 3600 + 8 * 60 + 5) == OK  # 14:08:05 sees 13:08-14:08: [0]
    assert "[0]" in alarm.state_reason


def test_a_sliding_window_is_the_default_and_ends_on_the_last_whole_cycle() -> None:
    # assumption (sliding_window_end): the documented example's windows end on whole minutes
    harness = Harness()
    alarm = hourly(harness)
    assert alarm.window == "SlidingWindow"
    assert alarm.window_end(H13 + 125.7) == H13 + 120
    assert alarm.window_end(H13 + 125.7, "second") == H13 + 125
    high = harness.alarm(name="fast", period_s=10)
    assert high.window_end(H13 + 125.7) == H13 + 120  # high resolution: a 10-second cycle


def test_a_wall_clock_window_sees_a_point_only_after_its_aligned_period_ends() -> None:
    # fact: a wall-clock window is aligned to boundaries that match the period and "reflects a
    # data point only after the period containing it ends"
    harness = Harness()
    alarm = hourly(harness, window=WALL_CLOCK)
    harness.put(0.0, H13 + 6 * 60 + 30)
    harness.put(1.0, H13 + 7 * 60 + 30)
    assert harness.evaluate(alarm, H13 + 3600 + 7 * 60 + 5) == OK  # 13:00-14:00 averages [0, 1] to 0.5
    harness.put(1.0, H13 + 3600 + 30 * 60)  # 14:30
    assert harness.evaluate(alarm, H13 + 2 * 3600 - 1) == OK  # 14:59:59: still 13:00-14:00
    assert harness.evaluate(alarm, H13 + 2 * 3600 + 5) == ALARM  # 15:00:05: 14:00-15:00 is [1]


@pytest.mark.parametrize("period", [60, 300, 3600, 86_400, 604_800])
def test_a_wall_clock_window_is_accepted_for_the_documented_periods(period: int) -> None:
    # fact: WallClockWindow supports periods of 1 minute, 5 minutes, 1 hour, 1 day and 1 week
    harness = Harness()
    alarm = harness.alarm(period_s=period, window=WALL_CLOCK)
    assert harness.cloudwatch.alarms[alarm.name] is alarm


@pytest.mark.parametrize("period", [10, 30, 120, 900, 7200])
def test_a_wall_clock_window_on_any_other_period_is_refused_like_put_metric_alarm(period: int) -> None:
    # fact: not for other periods, nor for high-resolution alarms
    with pytest.raises(CloudWatchError) as caught:
        Harness().alarm(period_s=period, window=WALL_CLOCK)
    assert caught.value.code == "ValidationError" and str(period) in str(caught.value)


@pytest.mark.parametrize("zone", ["+05:30", "UTC+05:30", "Asia/Kolkata"])
def test_a_wall_clock_day_starts_at_midnight_in_its_time_zone(zone: str) -> None:
    # fact: Timezone is an IANA name, a fixed offset or an offset-prefixed identifier
    alarm = Harness().alarm(period_s=86_400, window=WALL_CLOCK, timezone=zone)
    assert alarm.window_end(T0 + 60) == T0 - 5.5 * 3600  # midnight in India is 18:30 UTC the day before
    assert alarm.window_end(T0 + 60) == alarm.window_end(T0 + 18.4 * 3600)
    assert alarm.window_end(T0 + 18.6 * 3600) == T0 + 18.5 * 3600


def test_a_wall_clock_week_starts_on_monday_and_a_bad_time_zone_is_refused() -> None:
    harness = Harness()
    week = harness.alarm(period_s=604_800, window=WALL_CLOCK)
    assert week.window_end(T0 + 60) == T0 - 3 * 86_400  # 2026-01-01 is a Thursday
    for zone in ("+05:31", "Mars/Olympus"):
        with pytest.raises(CloudWatchError) as caught:
            harness.alarm(name=f"z{zone}", period_s=86_400, window=WALL_CLOCK, timezone=zone)
        assert caught.value.code == "ValidationError"


# ---- PutMetricData (API reference, MetricDatum Timestamp) ---------------------------------------


def test_a_point_may_be_stamped_up_to_two_hours_ahead_and_counts_when_its_period_is_evaluated() -> None:
    # fact: timestamps up to two hours in the future are accepted
    harness = Harness()
    alarm = harness.alarm()
    harness.put(0.0, T0 + 7199, published=T0)
    assert harness.evaluate(alarm, T0 + 7140 + 1) == INSUFFICIENT_DATA  # its minute is not over
    assert harness.evaluate(alarm, T0 + 7200 + 1) == ALARM


@pytest.mark.parametrize(("stamp", "published"), [(T0 + 7201, T0), (T0, T0 + 15 * 86_400)])
def test_a_point_too_far_ahead_or_too_old_is_refused(stamp: float, published: float) -> None:
    # fact: at most two hours ahead and two weeks back
    with pytest.raises(CloudWatchError) as caught:
        Harness().put(1.0, stamp, published=published)
    assert caught.value.code == "InvalidParameterValue"
