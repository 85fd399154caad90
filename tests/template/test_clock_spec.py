"""What a clock may be: ClockSpec's own checks, built directly, and the parsers' refusals word for word.

The numbers are CloudWatch's and the docs', written out here rather than read from alarmclock.spec:
PutMetricAlarm's periods (10, 20, 30 s or whole minutes up to a day), PutMetricData's timestamps at
most 2 hours ahead (so a sliding window holds at most 7,200 s), WallClockWindow's 60, 300, 3,600 and
86,400 s (docs/timing-model.md, docs/aws-facts.md).
"""

from __future__ import annotations

import dataclasses

import pytest

from alarmclock.spec import (
    ClockSpec,
    SpecError,
    Target,
    build_spec,
    can_publish,
    check_window,
    default_publish,
    default_window,
    nesting,
    parse_payload,
    parse_period,
    parse_target,
    parse_target_key,
    publish_refusal,
)

PERIODS = "10s, 20s, 30s, whole minutes from 1m to 120m, or 1440m (1d) (e.g. 30s, 1m, 5m, 1h)"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:my-job"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:my-queue"
KEY = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"


def refusal(build: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(SpecError) as refused:
        build(*args, **kwargs)  # type: ignore[operator]
    return str(refused.value)


def test_the_default_clock_ticks_every_minute_on_one_alarm_through_a_wave() -> None:
    spec = ClockSpec()
    assert (spec.period_s, spec.via, spec.alarms, spec.window, spec.publish) == (60, "lambda", 1, "sliding", "wave")
    assert (spec.targets, spec.payload, spec.name, spec.target_keys, spec.failure_alarm) == ((), None, None, (), False)


@pytest.mark.parametrize(("period_s", "high"), [(10, True), (20, True), (30, True), (60, False), (300, False)])
def test_only_periods_under_a_minute_are_high_resolution(period_s: int, high: bool) -> None:
    assert ClockSpec(period_s=period_s).high_resolution is high


def test_a_spec_is_frozen() -> None:
    spec = ClockSpec()
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.period_s = 120  # type: ignore[misc]


@pytest.mark.parametrize(
    ("period_s", "message"),
    [
        (0, f"--every '0s' must be positive; use {PERIODS}"),
        (1, f"--every '1s' is not a valid alarm period; use {PERIODS}"),
        (-60, f"--every '-60s' must be positive; use {PERIODS}"),
        (45, f"--every '45s' is not a valid alarm period; use {PERIODS}"),
        (61, f"--every '61s' is not a valid alarm period; use {PERIODS}"),
        (86_460, f"--every '86460s' is not a valid alarm period; use {PERIODS}"),
    ],
)
def test_clock_spec_refuses_a_period_no_alarm_takes(period_s: int, message: str) -> None:
    assert refusal(ClockSpec, period_s=period_s) == message


def test_the_longest_sliding_period_is_two_hours() -> None:
    assert ClockSpec(period_s=7_200).window == "sliding"
    assert ClockSpec(period_s=7_200).publish == "wave"
    assert refusal(ClockSpec, period_s=7_260) == (
        "--every 2h1m cannot be held by an alarm clock: on a sliding window each Tick is stamped a period ahead, "
        "which PutMetricData allows up to 2 hours, and WallClockWindow takes only 1m, 5m, 1h and 1440m; use up "
        "to 120m or 1440m (an EventBridge rule holds longer periods, free)"
    )


def test_a_daily_clock_needs_the_wall_clock_window_and_publishes_each_tick() -> None:
    assert ClockSpec(period_s=86_400).window == "wallclock"  # the period's default
    assert refusal(ClockSpec, period_s=86_400, window="sliding") == (
        "--every 1d needs --window wallclock: on a sliding window the clock stamps each Tick a period ahead, "
        "and PutMetricData takes timestamps at most 2 hours ahead"
    )
    daily = ClockSpec(period_s=86_400, window="wallclock")
    assert daily.publish == "api"
    assert refusal(ClockSpec, period_s=86_400, window="wallclock", publish="wave") == (
        "--publish wave cannot hold --every 1d: a wave is laid at most 2 hours ahead (PutMetricData's limit); "
        "use --publish api or logs"
    )
    assert refusal(ClockSpec, period_s=86_400, window="wallclock", publish="now") == (
        "--publish now cannot hold --every 1d: its alarm flips on a sliding window, which holds periods up to "
        "120m; use --window wallclock (with --publish api)"
    )


@pytest.mark.parametrize("period_s", [60, 300, 3_600, 86_400])
def test_the_wall_clock_window_takes_a_minute_five_minutes_an_hour_and_a_day(period_s: int) -> None:
    assert ClockSpec(period_s=period_s, window="wallclock", publish="api").window == "wallclock"


@pytest.mark.parametrize(("period_s", "shown"), [(30, "30s"), (120, "2m"), (7_200, "2h")])
def test_the_wall_clock_window_refuses_every_other_period(period_s: int, shown: str) -> None:
    assert refusal(ClockSpec, period_s=period_s, window="wallclock") == (
        f"--window wallclock cannot hold --every {shown}: CloudWatch's WallClockWindow takes only 1m, 5m, 1h "
        "and 1440m, and no high-resolution alarm"
    )


def test_clock_spec_refuses_what_it_does_not_know() -> None:
    assert (
        refusal(ClockSpec, window="tumbling") == "--window 'tumbling' is not supported; use one of: sliding, wallclock"
    )
    assert refusal(ClockSpec, publish="push") == "--publish 'push' is not supported; use one of: wave, api, logs, now"
    assert refusal(ClockSpec, via="email") == "--via 'email' is not supported; use one of: lambda, sns"
    for alarms in (0, 3):
        assert refusal(ClockSpec, alarms=alarms) == (
            f"--alarms {alarms} is not supported; use 1 (the default) or 2 (the 2016 recipe's pair)"
        )
    assert refusal(ClockSpec, name="bad name!") == (
        "clock name 'bad name!' is not valid; use a letter then letters, digits or hyphens, at most 128 "
        "characters (a stack name)"
    )


def test_two_alarms_and_sns_are_clocks_too() -> None:
    assert ClockSpec(alarms=2).alarms == 2
    assert ClockSpec(via="sns").via == "sns"
    assert ClockSpec(name="nightly-report").name == "nightly-report"


@pytest.mark.parametrize(("alarms", "window"), [(2, "sliding"), (1, "wallclock")])
def test_publish_now_takes_one_alarm_on_a_sliding_window(alarms: int, window: str) -> None:
    assert refusal(ClockSpec, publish="now", alarms=alarms, window=window) == (
        "--publish now takes one alarm on a sliding window: its alarm flips once an evaluation cycle and acts "
        "on ALARM and OK"
    )
    assert ClockSpec(publish="now").publish == "now"


def test_targets_and_payload_must_fit_lambdas_4_kb_environment() -> None:
    message = refusal(ClockSpec, payload={"report": "x" * 5_000})
    assert message.startswith("the tick function's environment variables, which carry the targets and payload")
    assert "Lambda takes at most 4,096 (4 KB" in message
    assert ClockSpec(payload={"report": "x" * 1_000}).payload == {"report": "x" * 1_000}


@pytest.mark.parametrize(("period_s", "window"), [(60, "sliding"), (7_200, "sliding"), (86_400, "wallclock")])
def test_the_default_window_is_sliding_up_to_two_hours(period_s: int, window: str) -> None:
    assert default_window(period_s) == window


@pytest.mark.parametrize(("period_s", "publish"), [(10, "wave"), (7_200, "wave"), (7_260, "api"), (86_400, "api")])
def test_the_wave_is_the_default_wherever_two_hours_hold_it(period_s: int, publish: str) -> None:
    assert default_publish(period_s) == publish


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("1m", 60), ("2h", 7_200), ("1d", 86_400), (300, 300)])
def test_periods_read_as_seconds(text: str | int, seconds: int) -> None:
    assert parse_period(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5s", f"--every '1.5s' is not a whole number of seconds; use {PERIODS}"),
        ("90", f"--every '90' is not a valid alarm period; use {PERIODS}"),
        (
            "soon",
            "--every 'soon' is not a duration; units are s, m, h and d, in lower case (e.g. 30s, 5m, 1h30m, 2d); "
            f"a period is {PERIODS}",
        ),
        ("1M", "--every '1M': 'M' is not a unit; units are s, m, h and d, in lower case"),
    ],
)
def test_a_bad_period_is_refused_in_one_line(text: str, message: str) -> None:
    # parse_period reads the text; a ClockSpec refuses a period CloudWatch does not take ("90"),
    # quoting the text as written. Either way, one line.
    assert refusal(build_spec, every=text) == message


def test_a_target_is_an_arn_of_a_service_the_clock_calls() -> None:
    assert parse_target(f" {FUNCTION} ") == Target(arn=FUNCTION, service="lambda")
    assert parse_target(FUNCTION).region == "us-east-1"
    assert parse_target(FUNCTION).account == "123456789012"
    assert refusal(parse_target, "nope") == (
        "--target 'nope' is not an ARN; an ARN looks like arn:aws:lambda:us-east-1:123456789012:function:my-job "
        "(arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
    )
    assert refusal(parse_target, "arn:aws:s3:us-east-1:123456789012:bucket") == (
        "--target 'arn:aws:s3:us-east-1:123456789012:bucket': service 's3' is not supported; use lambda (Lambda "
        "function), sns (SNS topic), sqs (SQS queue), events (EventBridge event bus)"
    )
    assert refusal(parse_target, "arn:aws:lambda:us-east-1:123456789012:function:bad name") == (
        "--target 'arn:aws:lambda:us-east-1:123456789012:function:bad name' does not name a Lambda function, "
        "whose ARN looks like arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS] (NAME: up to 64 letters, "
        "digits, - or _)"
    )


def test_a_target_key_is_a_kms_keys_arn() -> None:
    assert parse_target_key(f" {KEY} ") == KEY
    assert refusal(parse_target_key, "arn:aws:kms:us-east-1:123456789012:alias/x") == (
        "--target-key 'arn:aws:kms:us-east-1:123456789012:alias/x' is not a KMS key's ARN; give "
        "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (the key's ARN, not an alias's)"
    )


STRICT = "strict parsers such as EventBridge's or JavaScript's refuse it"
NOT_JSON = "--payload is not valid JSON"
TOO_DEEP = "--payload is nested more than 100 levels deep; flatten it"
UNCLOSED = "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", f"{NOT_JSON}: NaN is not a JSON number ({STRICT})"),
        ("1e400", f"{NOT_JSON}: 1e400 is too large for a JSON number (it would be sent as Infinity, and {STRICT})"),
        (
            "9" * 400,
            f"{NOT_JSON}: 999999999999... is too large for a JSON number (a double holds at most about 1.8e308)",
        ),
        ("{", f'{NOT_JSON} ({UNCLOSED}); e.g. --payload \'{{"job": "report"}}\''),
        ("[" * 101 + "]" * 101, TOO_DEEP),
        ("[" * 5_000, TOO_DEEP),  # deeper than Python's json reads
    ],
)
def test_a_payload_is_strict_json_at_most_100_levels_deep(text: str, message: str) -> None:
    assert refusal(parse_payload, text) == message


def test_a_payload_reads_as_json() -> None:
    assert parse_payload(None) is None
    assert parse_payload('{"job": "report", "n": 3, "x": 1.5}') == {"job": "report", "n": 3, "x": 1.5}
    assert parse_payload("9" * 300) == int("9" * 300)  # a long integer a double still holds
    assert parse_payload("1" + "0" * 305) == 10**305  # longer than 300 digits, and a double holds it too
    assert parse_payload("[" * 100 + "]" * 100) is not None


@pytest.mark.parametrize(("value", "depth"), [(5, 0), ("s", 0), ({}, 1), ([1, {"a": [2]}], 3), ({"a": {"b": 1}}, 2)])
def test_nesting_counts_arrays_and_objects(value: object, depth: int) -> None:
    assert nesting(value) == depth


def test_build_spec_refuses_what_is_given_twice_or_for_nothing() -> None:
    assert refusal(build_spec, targets=[QUEUE, QUEUE]) == "--target: the same ARN is given twice"
    assert refusal(build_spec, targets=[FUNCTION], target_keys=[KEY]) == (
        "--target-key is for an encrypted SQS queue or SNS topic, and no --target is one"
    )
    assert refusal(build_spec, alarms="two") == (
        "--alarms 'two' is not supported; use 1 (the default) or 2 (the 2016 recipe's pair)"
    )
    assert refusal(build_spec, via="email") == "--via 'email' is not supported; use one of: lambda, sns"


def test_build_spec_keeps_each_key_once_and_picks_the_periods_defaults() -> None:
    spec = build_spec(every="1d", targets=[QUEUE], target_keys=[KEY, KEY], alarms="2", name="daily")
    assert (spec.period_s, spec.window, spec.publish, spec.alarms, spec.name) == (
        86_400,
        "wallclock",
        "api",
        2,
        "daily",
    )
    assert spec.target_keys == (KEY,)
    assert spec.targets == (Target(arn=QUEUE, service="sqs"),)


WAVE_TOO_LONG = "a wave is laid at most 2 hours ahead (PutMetricData's limit); use --publish api or logs"


def test_a_refusal_quotes_the_period_as_the_user_wrote_it() -> None:
    assert (
        refusal(build_spec, every="1440m", publish="wave")
        == f"--publish wave cannot hold --every 1440m: {WAVE_TOO_LONG}"
    )
    assert publish_refusal(86_400, "wave") == f"--publish wave cannot hold --every 1d: {WAVE_TOO_LONG}"
    assert publish_refusal(86_400, "wave", "24h") == f"--publish wave cannot hold --every 24h: {WAVE_TOO_LONG}"
    assert publish_refusal(60, "wave") is None


def test_how_the_period_was_written_does_not_make_another_clock() -> None:
    assert build_spec(every="60s") == build_spec(every="1m") == ClockSpec(period_s=60)


def test_a_window_refusal_not_told_how_the_period_was_written_shows_it_as_a_duration() -> None:
    assert refusal(check_window, 120, "wallclock") == (
        "--window wallclock cannot hold --every 2m: CloudWatch's WallClockWindow takes only 1m, 5m, 1h and "
        "1440m, and no high-resolution alarm"
    )


def test_how_the_period_was_written_is_not_shown_either() -> None:
    assert repr(build_spec(every="60s")) == repr(build_spec(every="1m")) == repr(ClockSpec(period_s=60))
    assert "period_text" not in repr(build_spec(every="1m"))


def test_a_target_is_frozen_and_so_a_spec_can_be_hashed() -> None:
    target = parse_target(FUNCTION)
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.arn = QUEUE  # type: ignore[misc]
    assert len({parse_target(FUNCTION), parse_target(f" {FUNCTION}")}) == 1
    assert hash(build_spec(targets=[FUNCTION])) == hash(build_spec(targets=[FUNCTION]))


@pytest.mark.parametrize(
    ("period_s", "publish", "can"),
    [(60, "wave", True), (7_200, "wave", True), (7_260, "wave", False), (7_200, "now", True), (86_400, "now", False),
     (86_400, "api", True), (60, "push", False)],
)  # fmt: skip
def test_a_deploy_that_changes_the_period_keeps_a_way_of_publishing_only_where_it_can(
    period_s: int, publish: str, can: bool
) -> None:
    assert can_publish(period_s, publish) is can
