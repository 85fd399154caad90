"""The emulator's CloudWatch rules one at a time, with the documented numbers written out.

PutMetricData takes timestamps up to two weeks back and two hours ahead; WallClockWindow takes
periods of 1 minute, 5 minutes, 1 hour, 1 day and 1 week, and a Timezone that is an IANA name or an
offset in steps of 5 minutes (PutMetricData and PutMetricAlarm API references; CloudWatch User
Guide, "Alarm evaluation window"). An alarm evaluates its newest EvaluationPeriods real points;
with none, TreatMissingData decides (User Guide, "Configuring how CloudWatch alarms treat missing
data").
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.emulator.cloudwatch import (
    ALARM,
    COMPARE,
    INSUFFICIENT_DATA,
    OK,
    STATISTICS,
    Alarm,
    CloudWatchError,
    EmulatedCloudWatch,
    MetricStore,
    Point,
    check_window,
    point_time_accepted,
    utc_offset_s,
)

NOW = 1_795_768_920.0  # 2026-11-27 08:42 UTC, a Friday
TWO_HOURS, TWO_WEEKS = 7_200, 14 * 86_400


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (NOW, True),
        (NOW + TWO_HOURS, True),
        (NOW + TWO_HOURS + 1, False),
        (NOW - TWO_WEEKS, True),
        (NOW - TWO_WEEKS - 1, False),
    ],
)
def test_a_point_is_taken_from_two_weeks_back_to_two_hours_ahead(moment: float, accepted: bool) -> None:
    assert point_time_accepted(NOW, moment) is accepted


@pytest.mark.parametrize(
    ("comparison", "below", "at", "above"),
    [
        ("GreaterThanOrEqualToThreshold", False, True, True),
        ("GreaterThanThreshold", False, False, True),
        ("LessThanThreshold", True, False, False),
        ("LessThanOrEqualToThreshold", True, True, False),
    ],
)
def test_each_comparison_against_the_threshold(comparison: str, below: bool, at: bool, above: bool) -> None:
    compare = COMPARE[comparison]
    assert (compare(0.5, 1.0), compare(1.0, 1.0), compare(1.5, 1.0)) == (below, at, above)


def test_each_statistic_of_a_periods_values() -> None:
    values = [0.0, 1.0, 1.0, 2.0]
    assert {name: statistic(values) for name, statistic in STATISTICS.items()} == {
        "Average": 1.0,
        "Sum": 4.0,
        "Minimum": 0.0,
        "Maximum": 2.0,
        "SampleCount": 4.0,
    }


@pytest.mark.parametrize(("period_s", "cycle"), [(10, 10), (30, 10), (59, 10), (60, 60), (300, 60)])
def test_high_resolution_alarms_are_evaluated_every_10_s_others_every_minute(period_s: int, cycle: int) -> None:
    assert evaluation_cycle(period_s) == cycle


def alarm(period_s: int = 60, window: str = "SlidingWindow", timezone: str = "", **options: object) -> Alarm:
    return Alarm(
        name="a",
        arn="arn:aws:cloudwatch:us-east-1:123456789012:alarm:a",
        namespace="n",
        metric="Tick",
        statistic=str(options.pop("statistic", "Average")),
        period_s=period_s,
        evaluation_periods=int(options.pop("evaluation_periods", 1)),  # type: ignore[call-overload]
        threshold=1.0,
        comparison="GreaterThanOrEqualToThreshold",
        window=window,
        timezone=timezone,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("period_s", [60, 300, 3_600, 86_400, 604_800])
def test_a_wall_clock_window_takes_a_minute_5_minutes_an_hour_a_day_or_a_week(period_s: int) -> None:
    check_window(alarm(period_s, "WallClockWindow"))


@pytest.mark.parametrize("period_s", [10, 30, 120, 7_200])
def test_a_wall_clock_window_refuses_every_other_period(period_s: int) -> None:
    with pytest.raises(CloudWatchError) as refused:
        check_window(alarm(period_s, "WallClockWindow"))
    assert refused.value.code == "ValidationError"
    assert str(refused.value) == (
        f"WallClockWindow requires a Period of 60, 300, 3600, 86400 or 604800 seconds, not {period_s}"
    )


def test_a_window_is_sliding_or_wall_clock() -> None:
    check_window(alarm(120))
    with pytest.raises(CloudWatchError) as refused:
        check_window(alarm(60, "TumblingWindow"))
    assert str(refused.value) == "EvaluationWindow 'TumblingWindow' is not SlidingWindow or WallClockWindow"
    with pytest.raises(CloudWatchError) as unknown:
        check_window(alarm(60, "WallClockWindow", "Mars/Olympus"))
    assert str(unknown.value) == "Timezone 'Mars/Olympus' is not an IANA time zone or an offset"


@pytest.mark.parametrize(
    ("zone", "offset_s"),
    [
        ("", 0.0),
        ("UTC", 0.0),
        ("utc", 0.0),
        ("+05:30", 19_800.0),
        ("UTC+05:30", 19_800.0),
        ("-0800", -28_800.0),
        ("UTC-03:45", -13_500.0),
        ("Europe/Paris", 3_600.0),  # in November: CET
        ("America/New_York", -18_000.0),
    ],
)
def test_a_time_zone_is_a_name_or_an_offset(zone: str, offset_s: float) -> None:
    assert utc_offset_s(zone, NOW) == offset_s


def test_a_summer_moment_takes_summer_time() -> None:
    assert utc_offset_s("Europe/Paris", NOW - 150 * 86_400) == 7_200.0


def test_a_named_zone_at_utc_in_winter_has_no_offset_and_in_summer_an_hour() -> None:
    assert utc_offset_s("Europe/London", NOW) == 0.0  # November: GMT
    assert utc_offset_s("Europe/London", NOW - 150 * 86_400) == 3_600.0  # June: BST


def test_an_offset_goes_in_steps_of_5_minutes() -> None:
    with pytest.raises(CloudWatchError) as refused:
        utc_offset_s("+05:31", NOW)
    assert str(refused.value) == "Timezone '+05:31': offsets go in steps of 5 minutes"


@pytest.mark.parametrize(
    ("period_s", "zone", "end"),
    [
        (60, "", NOW),  # 08:42:00 exactly: the minute that just ended
        (300, "", NOW - 120),  # 08:40
        (3_600, "", NOW - 42 * 60),  # 08:00
        (86_400, "", NOW - (8 * 3600 + 42 * 60)),  # midnight UTC
        (86_400, "+05:30", NOW - (14 * 3600 + 12 * 60)),  # midnight in India: 18:30 UTC the day before
        (604_800, "", NOW - (4 * 86_400 + 8 * 3600 + 42 * 60)),  # Monday 00:00 UTC
    ],
)
def test_a_wall_clock_window_ends_on_the_periods_boundary_in_its_time_zone(
    period_s: int, zone: str, end: float
) -> None:
    assert alarm(period_s, "WallClockWindow", zone).window_end(NOW + 30) == end


def test_a_sliding_window_ends_on_the_last_whole_cycle_or_second() -> None:
    assert alarm(300).window_end(NOW + 42.5) == NOW
    assert alarm(30).window_end(NOW + 42.5) == NOW + 40
    assert alarm(60).window_end(NOW + 42.5, sliding_end="second") == NOW + 42


def stored(*points: tuple[float, float]) -> MetricStore:
    store = MetricStore()
    for at, value in points:
        store.put("n", "Tick", Point(time=at, value=value, visible_at=at))
    return store


@pytest.mark.parametrize(
    ("missing", "state", "reason"),
    [
        ("missing", INSUFFICIENT_DATA, "Insufficient Data: no datapoints in the evaluation range"),
        ("ignore", OK, "Missing data ignored: state kept"),
        ("breaching", ALARM, "Missing data treated as breaching"),
        ("notBreaching", OK, "Missing data treated as not breaching"),
    ],
)
def test_with_no_points_treat_missing_data_decides(missing: str, state: str, reason: str) -> None:
    assert alarm(60, treat_missing_data=missing, state=OK).evaluate(stored(), NOW, 1) == (state, reason)


def test_the_newest_points_decide_and_the_reason_shows_them() -> None:
    two = alarm(60, evaluation_periods=2)
    assert two.evaluate(stored((NOW - 90, 1.0), (NOW - 30, 1.0)), NOW, 1) == (ALARM, "Threshold Crossed: [1, 1] vs 1")
    assert two.evaluate(stored((NOW - 90, 1.0), (NOW - 30, 0.0)), NOW, 1) == (OK, "Threshold not crossed: [1, 0] vs 1")
    # A point in the current, unfinished minute is not looked at yet.
    assert alarm(60).evaluate(stored((NOW + 10, 1.0)), NOW + 30, 1)[0] == INSUFFICIENT_DATA


def test_one_breaching_point_of_two_alarms_only_with_missing_data_as_breaching() -> None:
    store = stored((NOW - 30, 1.0))
    assert alarm(60, evaluation_periods=2).evaluate(store, NOW, 1) == (OK, "Partial data")
    breaching = alarm(60, evaluation_periods=2, treat_missing_data="breaching")
    assert breaching.evaluate(store, NOW, 1) == (ALARM, "Threshold Crossed (partial data)")


def test_a_period_averages_its_points_and_the_range_reaches_back() -> None:
    # Average of 0 and 1 in the newest minute is 0.5: below the threshold of 1.
    assert alarm(60).evaluate(stored((NOW - 40, 0.0), (NOW - 20, 1.0)), NOW, 1) == (
        OK,
        "Threshold not crossed: [0.5] vs 1",
    )
    # A range of 3 periods sees a point two minutes back; a range of 1 does not.
    old = stored((NOW - 150, 1.0))
    assert alarm(60).evaluate(old, NOW, 3) == (ALARM, "Threshold Crossed: [1] vs 1")
    assert alarm(60).evaluate(old, NOW, 1)[0] == INSUFFICIENT_DATA


def cloudwatch(delays: list[float] | None = None) -> EmulatedCloudWatch:
    waits = iter(delays or [])
    return EmulatedCloudWatch(now=lambda: NOW, visibility_delay=lambda: next(waits, 0.0))


def datum(at: float, value: float = 1.0) -> dict[str, object]:
    return {"MetricName": "Tick", "Value": value, "Timestamp": at}


def test_the_store_keeps_six_days_of_points_longer_than_any_alarm_looks_back() -> None:
    # An alarm looks back at most 5 days (Period x EvaluationPeriods at 1440m): 6 days are kept.
    store = MetricStore()
    six_days = 6 * 86_400
    for at in (NOW - six_days - 1, NOW - six_days + 1, NOW):
        store.add("n", "Tick", (), at, 1.0, at)
    store.prune(NOW)
    assert [p.time for p in store.between("n", "Tick", 0, NOW + 1)] == [NOW - six_days + 1, NOW]


def test_put_metric_data_takes_1_to_1000_values_a_call() -> None:
    wide = cloudwatch()
    wide.put_metric_data(Namespace="n", MetricData=[datum(NOW - k) for k in range(1_000)])
    assert len(wide.store.points["n", "Tick", ()]) == 1_000
    for count in (0, 1_001):
        with pytest.raises(CloudWatchError) as refused:
            cloudwatch().put_metric_data(Namespace="n", MetricData=[datum(NOW - k) for k in range(count)])
        assert (refused.value.code, str(refused.value)) == ("InvalidParameterValue", "MetricData takes 1 to 1000 items")


def test_put_metric_data_takes_a_point_stamped_exactly_two_hours_ahead_or_two_weeks_back() -> None:
    taken = cloudwatch()
    taken.put_metric_data(Namespace="n", MetricData=[datum(NOW + TWO_HOURS), datum(NOW - TWO_WEEKS)])
    assert [p.time for p in taken.store.points["n", "Tick", ()]] == [NOW - TWO_WEEKS, NOW + TWO_HOURS]
    for moment in (NOW + TWO_HOURS + 0.5, NOW - TWO_WEEKS - 0.5):
        with pytest.raises(CloudWatchError) as refused:
            cloudwatch().put_metric_data(Namespace="n", MetricData=[datum(NOW), datum(moment)])
        assert "at most two weeks in the past and at most two hours in the future" in str(refused.value)


def test_put_metric_data_answers_nothing_and_reads_a_timestamp_as_a_datetime_a_number_or_now() -> None:
    # PutMetricData's response has no elements (API reference).
    taken = cloudwatch()
    stamps = [datetime.fromtimestamp(NOW - 60, UTC), NOW - 30, None]
    answer = taken.put_metric_data(
        Namespace="n", MetricData=[{"MetricName": "Tick", "Value": 1.0, "Timestamp": at} for at in stamps]
    )
    assert answer == {}
    assert [p.time for p in taken.store.points["n", "Tick", ()]] == [NOW - 60, NOW - 30, NOW]


def test_in_the_late_world_a_point_stamped_ahead_counts_cycles_of_its_resolution_after_its_stamp() -> None:
    # docs/timing-model.md: `late` is future_late_cycles evaluation cycles (60 s, or 10 s for a
    # high-resolution point) after its timestamp, then the visibility delay.
    late = EmulatedCloudWatch(
        now=lambda: NOW, visibility_delay=lambda: 5.0, future_visible_from="late", late_cycles=lambda: 2.0
    )
    ahead = [datum(NOW + 100) | {"StorageResolution": 1}, datum(NOW + 200, 0.0)]
    late.put_metric_data(Namespace="n", MetricData=ahead)
    points = late.store.points["n", "Tick", ()]
    assert [p.visible_at for p in points] == [NOW + 100 + 2 * 10 + 5, NOW + 200 + 2 * 60 + 5]


def test_a_value_put_again_is_counted_and_visible_from_the_earlier_of_the_two() -> None:
    store = cloudwatch([10.0, 2.0, 30.0])
    for _ in range(3):
        store.put_metric_data(Namespace="n", MetricData=[datum(NOW - 5)])
    (point,) = store.store.points["n", "Tick", ()]
    assert (point.copies, point.visible_at) == (3, NOW + 2.0)


def test_alarm_actions_are_disabled_and_enabled_again_by_name_and_unknown_names_are_ignored() -> None:
    # DisableAlarmActions and EnableAlarmActions answer with no elements (API reference).
    watched = cloudwatch()
    watched.add_alarm(alarm())
    assert watched.disable_alarm_actions(AlarmNames=["a", "unknown"]) == {}
    assert watched.alarms["a"].actions_enabled is False
    assert watched.enable_alarm_actions(AlarmNames=["a", "unknown"]) == {}
    assert watched.alarms["a"].actions_enabled is True


def test_put_metric_alarm_refuses_a_window_the_period_cannot_have_on_an_update_too() -> None:
    watched = cloudwatch()
    watched.build_alarm = lambda params: alarm(**params)
    assert watched.put_metric_alarm(period_s=60) == {}
    with pytest.raises(CloudWatchError) as refused:
        watched.put_metric_alarm(period_s=120, window="WallClockWindow")
    assert (refused.value.code, str(refused.value)) == (
        "ValidationError",
        "WallClockWindow requires a Period of 60, 300, 3600, 86400 or 604800 seconds, not 120",
    )
    assert (watched.alarms["a"].period_s, watched.alarms["a"].window) == (60, "SlidingWindow")


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"AlarmName": "a", "MaxRecords": 101}, "InvalidParameterValue", "MaxRecords must be 1 to 100"),
        ({"AlarmName": "a", "NextToken": "x"}, "InvalidNextToken", "the NextToken is not one this service gave"),
    ],
)
def test_describe_alarm_history_refuses_with_cloudwatchs_error_codes(params: dict, code: str, message: str) -> None:
    # DescribeAlarmHistory API reference: MaxRecords is 1 to 100; a NextToken it did not give is InvalidNextToken.
    with pytest.raises(CloudWatchError) as refused:
        cloudwatch().describe_alarm_history(**params)
    assert (refused.value.code, str(refused.value)) == (code, message)


def test_a_cloudwatch_without_a_region_cannot_create_alarms() -> None:
    with pytest.raises(CloudWatchError) as refused:
        cloudwatch().put_metric_alarm(AlarmName="a")
    assert (refused.value.code, str(refused.value)) == (
        "InvalidAction",
        "this CloudWatch has no region: it cannot create alarms",
    )
