"""One way to read a duration and one way to print it, for every option and report line."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from alarmclock.cli import main
from alarmclock.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("1.5m", 90), ("1h30m", 5400), ("2d", 172_800), ("30 sec", 30), ("2 hours", 7200)],
)
def test_durations_read_in_seconds_minutes_hours_and_days(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


NOT_A_DURATION = "is not a duration; units are s, m, h and d, in lower case (e.g. 30s, 5m, 1h30m, 2d)"
LARGEST_FIRST = "is not a duration; combine units largest first, e.g. 1h30m"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1M", "'1M': 'M' is not a unit; units are s, m, h and d, in lower case"),
        ("1H", "'1H': 'H' is not a unit; units are s, m, h and d, in lower case"),
        ("2D", "'2D': 'D' is not a unit; units are s, m, h and d, in lower case"),
        ("2 Hours", "'2 Hours': 'Hours' is not a unit; units are s, m, h and d, in lower case"),
        ("1mo", f"'1mo' {NOT_A_DURATION}"),
        ("1w", f"'1w' {NOT_A_DURATION}"),
        ("soon", f"'soon' {NOT_A_DURATION}"),
        ("", f"'' {NOT_A_DURATION}"),
        ("   ", f"'   ' {NOT_A_DURATION}"),
        ("1h30", f"'1h30' {NOT_A_DURATION}"),  # a bare number is seconds only on its own
        ("1.2.3s", f"'1.2.3s' {NOT_A_DURATION}"),
        ("30m1h", f"'30m1h' {LARGEST_FIRST}"),
        ("1m1m", f"'1m1m' {LARGEST_FIRST}"),  # the same unit twice is not largest first either
        ("1h30m5m", f"'1h30m5m' {LARGEST_FIRST}"),
    ],
)
def test_anything_else_is_refused_with_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration(text)
    assert str(refused.value) == message


def test_numbers_are_seconds_already() -> None:
    assert parse_duration(90) == 90.0 and isinstance(parse_duration(90), float)
    assert parse_duration(1.5) == 1.5
    assert parse_duration(" 1h 30m 5s ") == 5405


def test_a_duration_too_long_for_a_float_is_refused() -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration("9" * 400 + "d")
    assert str(refused.value).endswith("d' is too long")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.7, "0.7s"),
        (61.2, "1m1.2s"),
        (5400, "1h30m"),
        (172_800, "2d"),
        (82_804.8, "23h0m4.8s"),
        (59.99, "1m"),
        (61, "1m1s"),
        (3601, "1h0m1s"),
        (0, "0s"),
        (0.04, "0s"),
        (-90, "-1m30s"),
        (-0.5, "-0.5s"),
        (86_400 + 60, "1d0h1m"),
        (7_140, "1h59m"),
    ],
)
def test_durations_print_one_way(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


@pytest.mark.parametrize(
    ("seconds", "decimals", "shown"),
    [(61.25, 0, "1m1s"), (61.25, 2, "1m1.25s"), (0.125, 3, "0.125s"), (60.6, 0, "1m1s"), (90.06, 1, "1m30.1s")],
)
def test_decimals_round_the_seconds(seconds: float, decimals: int, shown: str) -> None:
    assert format_duration(seconds, decimals=decimals) == shown


@given(st.integers(min_value=0, max_value=400 * 86_400 * 1000))
def test_what_is_printed_reads_back_in(millis: int) -> None:
    assert parse_duration(format_duration(millis / 1000, decimals=3)) == pytest.approx(millis / 1000, abs=1e-6)


def test_every_1d_is_the_daily_clock(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "--every", "1d"]) == 0
    alarms = yaml.safe_load(capsys.readouterr().out)["Resources"]
    assert alarms["TickAlarm1"]["Properties"]["Period"] == 86_400


@pytest.mark.parametrize("command", [["template", "--every", "1M"], ["simulate", "--duration", "1M"]])
def test_an_upper_case_unit_is_refused_not_read_as_minutes(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "'M' is not a unit; units are s, m, h and d, in lower case" in err and err.count("\n") == 1


def test_the_report_prints_every_duration_the_same_way(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--duration", "3h", "--fault", "function-errors:at=1h", "--trace"]
    assert main(argv) == 0
    out = capsys.readouterr().out.split("alarm state changes:")[0]  # state reasons quote ISO timestamps
    assert not re.search(r"\d+:\d\d:\d\d", out)  # no H:MM:SS
    assert not re.search(r"\d s\b", out)  # no "61.2 s" beside "61.2s"
    assert "longest silence    10m" in out and "for 10m from +1h" in out
    assert "past each UTC minute" in out  # what an alarm's evaluation second is measured from
