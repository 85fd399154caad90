"""`alarmclock cost`: the arithmetic pinned against hand-computed bills, then the command itself.

The hand computations use the model in alarmclock.cost: a 30-day month (2,592,000 s), 128 MB
arm64 functions billed 100 ms a tick, us-east-1 list prices from alarmclock.prices.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alarmclock.cli import main
from alarmclock.cost import Bill, LineItem, Usage, clock_bill, estimate
from alarmclock.prices import PRICES, PRICES_DATE
from alarmclock.spec import SpecError

GB = 2**30


def by_key(bill: Bill) -> dict[str, LineItem]:
    return {item.price.key: item for item in bill.items}


def alternative(period_s: int, name: str, usage: Usage | None = None) -> Bill | None:
    (found,) = [a for a in estimate(period_s, usage=usage, compare=True).alternatives if a.name == name]
    return found.bill


# ---- the clock ---------------------------------------------------------------------------------


def test_a_one_minute_clock_matches_the_hand_computed_bill() -> None:
    # 2,592,000 s / 60 s = 43,200 ticks; the heartbeat runs every 2 minutes: 21,600 runs.
    # 1 standard tick alarm x $0.10                     = $0.10     (free tier: 10 alarms -> $0)
    # 1 high-resolution watchdog (10 s periods) x $0.30  = $0.30     (no free tier for high resolution)
    # 1 custom metric x $0.30                           = $0.30     (free tier: 10 metrics -> $0)
    # CloudWatch API 43,200 PutMetricData + 21,600 DescribeAlarms = 64,800 x $0.01/1,000 = $0.648 (free: < 1M)
    # Lambda requests 64,800 x $0.20/1M                 = $0.01296
    # Lambda duration 64,800 x 0.1 s x 0.125 GB = 810 GB-s x $0.0000133334 = $0.010800054
    # Logs 43,200 x 640 B + 21,600 x 340 B = 34,992,000 B = 0.0325888 GiB x $0.50 = $0.0162944
    # total $1.3880545; with the free tier only the watchdog is left: $0.30.
    bill = clock_bill(60, publish="api")
    items = by_key(bill)
    assert items["alarm_standard"].list_usd == Decimal("0.10")
    assert (
        items["alarm_high_resolution"].list_usd == items["alarm_high_resolution"].with_free_tier_usd == Decimal("0.30")
    )
    assert items["custom_metric"].list_usd == Decimal("0.30")
    assert items["cloudwatch_api"].quantity == 64_800
    assert items["cloudwatch_api"].list_usd == Decimal("0.648")
    assert items["eventbridge_scheduled_rule"].quantity == 21_600 and items["eventbridge_scheduled_rule"].list_usd == 0
    assert items["lambda_requests"].list_usd == Decimal("0.01296")
    assert items["lambda_duration_arm64"].quantity == Decimal(810)
    assert items["lambda_duration_arm64"].list_usd == Decimal("0.010800054")
    assert float(items["logs_ingestion"].quantity) == pytest.approx(34_992_000 / GB)
    assert float(items["logs_ingestion"].list_usd) == pytest.approx(0.0162944, abs=1e-7)
    assert float(bill.list_usd) == pytest.approx(1.3880545, abs=1e-7)
    assert bill.with_free_tier_usd == Decimal("0.30")
    assert "sns_publish" not in items


def test_a_one_minute_clock_laying_a_wave_matches_the_hand_computed_bill() -> None:
    # --publish wave at 1 min (the default there publishes each tick): a wave laid by a heartbeat
    # every 10 minutes (4,320 runs a month), each run one PutMetricData; a tick makes no CloudWatch call.
    # 1 standard tick alarm + 1 standard watchdog (minute periods) x $0.10 = $0.20 (free tier: $0)
    # 1 custom metric (Tick, dimension Wave=60s)             = $0.30     (free tier: $0)
    # CloudWatch API 4,320 PutMetricData x $0.01/1,000       = $0.0432
    # Lambda requests (43,200 + 4,320) = 47,520 x $0.20/1M  = $0.009504
    # Lambda duration 47,520 x 0.1 s x 0.125 GB = 594 GB-s x $0.0000133334 = $0.0079200396
    # Logs 43,200 x 640 B + 4,320 x (340 + 170) B = 29,851,200 B = 0.02780110 GiB x $0.50 = $0.01390055
    # total $0.5745246, under the $0.60 the cost issue asked for; with the free tier $0.
    bill = clock_bill(60, publish="wave")
    items = by_key(bill)
    assert items["alarm_standard"].quantity == 2 and "alarm_high_resolution" not in items
    assert items["cloudwatch_api"].quantity == 4_320 and items["cloudwatch_api"].list_usd == Decimal("0.0432")
    assert items["cloudwatch_api"].label == "CloudWatch API: one PutMetricData per heartbeat (the wave)"
    assert items["eventbridge_scheduled_rule"].quantity == 4_320
    assert items["lambda_requests"].list_usd == Decimal("0.009504")
    assert items["lambda_duration_arm64"].list_usd == Decimal("0.0079200396")
    assert float(items["logs_ingestion"].quantity) == pytest.approx(29_851_200 / GB)
    assert float(bill.list_usd) == pytest.approx(0.5745246, abs=1e-7) and bill.list_usd <= Decimal("0.60")
    assert bill.with_free_tier_usd == 0


def test_a_ten_second_wave_clock_costs_under_a_dollar_and_a_quarter() -> None:
    # 259,200 ticks + 4,320 heartbeat runs = 263,520 runs.
    # 1 high-resolution tick alarm $0.30 + 1 standard watchdog $0.10 + the metric $0.30 = $0.70
    # CloudWatch API 4,320 x $0.00001 = $0.0432
    # Lambda requests 263,520 x $0.0000002 = $0.052704; duration 3,294 GB-s x $0.0000133334 = $0.0439202196
    # Logs 259,200 x 640 B + 4,320 x 510 B = 168,091,200 B = 0.15654713 GiB x $0.50 = $0.07827356
    # total $0.9180978 (the cost issue's goal: <= $1.25); with the free tier the high-resolution alarm, $0.30.
    bill = clock_bill(10, publish="wave")
    items = by_key(bill)
    assert items["alarm_high_resolution"].quantity == 1 and items["alarm_standard"].quantity == 1
    assert items["cloudwatch_api"].list_usd == Decimal("0.0432")
    assert items["lambda_requests"].list_usd == Decimal("0.052704")
    assert items["lambda_duration_arm64"].list_usd == Decimal("0.0439202196")
    assert float(bill.list_usd) == pytest.approx(0.9180978, abs=1e-7) and bill.list_usd <= Decimal("1.25")
    assert bill.with_free_tier_usd == Decimal("0.30")


def test_a_ten_second_clock_publishing_in_logs_pays_the_heartbeats_look_and_a_second_line() -> None:
    # --publish logs: no PutMetricData; the heartbeat (every 2 minutes) still makes a DescribeAlarms.
    # 2 high-resolution alarms $0.60 + the metric $0.30; CloudWatch API 21,600 x $0.00001 = $0.216
    # Lambda 280,800 runs: $0.05616 + $0.046800234
    # Logs 259,200 x (640 + 340) B + 21,600 x 340 B = 261,360,000 B = 0.24341047 GiB x $0.50 = $0.12170523
    # total $1.3406655
    bill = clock_bill(10, publish="logs")
    items = by_key(bill)
    assert items["cloudwatch_api"].quantity == 21_600
    assert items["cloudwatch_api"].label == "CloudWatch API: DescribeAlarms per heartbeat"
    assert float(items["logs_ingestion"].quantity) == pytest.approx(261_360_000 / GB)
    assert float(bill.list_usd) == pytest.approx(1.3406655, abs=1e-7)


def test_the_log_line_sizes_priced_are_the_handlers_own_lines() -> None:
    # cost.py prices 340 bytes for the EMF line and 170 for the wave's line (CloudWatch Logs adds 26
    # bytes of metadata to each): the handler's lines for a clock with a 20-character name.
    from alarmclock import handler
    from alarmclock.cost import EMF_LINE_LOG_BYTES, WAVE_LINE_LOG_BYTES

    name = "c" * 20
    config = handler.ClockConfig(name, f"alarmclock/{name}", 10, f"{name}-tick-is-", publish="logs")
    emf = handler.emf_line(1, 1_767_225_659.0, config, handler.tick_id(f"{name}-tick-is-1", 1_767_225_600.123))
    assert len(json.dumps(emf)) + 26 <= EMF_LINE_LOG_BYTES < len(json.dumps(emf)) + 26 + 40
    wave_line: list[dict] = []
    runtime = handler.Runtime(
        client=lambda service, region: type("CW", (), {"put_metric_data": lambda self, **kw: {}})(),
        now=lambda: 1_767_225_600.0,
        http_put=None,
        log=wave_line.append,
    )
    handler.lay_wave(
        handler.ClockConfig(name, f"alarmclock/{name}", 10, f"{name}-tick-is-", publish="wave"), runtime, "heartbeat"
    )
    assert len(json.dumps(wave_line[0])) + 26 <= WAVE_LINE_LOG_BYTES < len(json.dumps(wave_line[0])) + 26 + 40


@pytest.mark.parametrize(
    ("period", "heartbeats"), [(10, 4_320), (60, 4_320), (1200, 4_320), (3600, 1_440), (7200, 1_440)]
)
def test_a_wave_makes_one_cloudwatch_call_per_heartbeat_and_none_per_tick(period: int, heartbeats: int) -> None:
    # The heartbeat lays the wave every 10 minutes, every half period from 20 minutes up, at most every 30.
    wave, api = clock_bill(period, publish="wave"), clock_bill(period, publish="api")
    assert by_key(wave)["cloudwatch_api"].quantity == by_key(wave)["eventbridge_scheduled_rule"].quantity == heartbeats
    if period <= 3600:
        assert wave.list_usd < api.list_usd
    else:  # two hours: 1,440 lays a month against 360 ticks' and 720 looks' calls, $0.0036 more
        assert wave.list_usd - api.list_usd < Decimal("0.005")


def test_a_daily_clock_publishes_each_tick_and_cannot_lay_a_wave() -> None:
    assert estimate(86_400).publish == "api"
    with pytest.raises(SpecError, match="2 hours ahead"):
        clock_bill(86_400, publish="wave")


def test_the_seeds_pair_costs_one_standard_alarm_more() -> None:
    pair, single = clock_bill(60, alarms=2, publish="api"), clock_bill(60, publish="api")
    assert by_key(pair)["alarm_standard"].list_usd == Decimal("0.20")
    assert pair.list_usd - single.list_usd == Decimal("0.10")
    assert pair.with_free_tier_usd == single.with_free_tier_usd  # standard alarms are in the free tier


def test_a_ten_second_clock_pays_for_high_resolution_alarms_even_with_the_free_tier() -> None:
    # 2,592,000 / 10 = 259,200 ticks, plus 21,600 heartbeat runs = 280,800 runs.
    # 2 high-resolution alarms (the tick alarm, the watchdog) x $0.30 = $0.60; the free tier
    # covers standard alarms only.
    # CloudWatch API 280,800 x $0.00001 = $2.808 (free: under 1M)
    # Lambda requests 280,800 x $0.0000002 = $0.05616; duration 3,510 GB-s x $0.0000133334 = $0.046800234
    # Logs 259,200 x 640 B + 21,600 x 340 B = 173,232,000 B = 0.1613349 GiB x $0.50 = $0.0806674
    # total $3.8916277; with the free tier $0.60 (the seed's pair: one more, $4.1916277 and $0.90).
    bill = clock_bill(10, publish="api")
    items = by_key(bill)
    assert "alarm_standard" not in items
    assert (
        items["alarm_high_resolution"].list_usd == items["alarm_high_resolution"].with_free_tier_usd == Decimal("0.60")
    )
    assert items["cloudwatch_api"].list_usd == Decimal("2.808")
    assert items["lambda_requests"].list_usd == Decimal("0.05616")
    assert items["lambda_duration_arm64"].list_usd == Decimal("0.046800234")
    assert float(bill.list_usd) == pytest.approx(3.8916277, abs=1e-7)
    assert bill.with_free_tier_usd == Decimal("0.60")
    pair = clock_bill(10, alarms=2, publish="api")
    assert float(pair.list_usd) == pytest.approx(4.1916277, abs=1e-7) and pair.with_free_tier_usd == Decimal("0.90")


@pytest.mark.parametrize(
    ("period", "ticks", "alarm_key"),
    [(20, 129_600, "alarm_high_resolution"), (30, 86_400, "alarm_high_resolution"), (300, 8_640, "alarm_standard")],
)
def test_ticks_and_alarm_kind_follow_the_period(period: int, ticks: int, alarm_key: str) -> None:
    heartbeats = 21_600  # every 2 minutes at these periods
    items = by_key(clock_bill(period, publish="api"))
    assert items["cloudwatch_api"].quantity == ticks + heartbeats
    assert items["lambda_requests"].quantity == ticks + heartbeats
    assert items[alarm_key].quantity == 2  # the tick alarm and the watchdog
    pair = by_key(clock_bill(period, alarms=2, publish="api"))
    assert pair[alarm_key].quantity == 3  # the seed's pair and the watchdog


def test_the_sns_path_adds_one_publish_per_tick() -> None:
    # 20 s: 129,600 publishes x $0.50/1M = $0.0648; free tier (1M publishes) -> $0.
    lambda_path, sns_path = clock_bill(20, "lambda"), clock_bill(20, "sns")
    publishes = by_key(sns_path)["sns_publish"]
    assert publishes.list_usd == Decimal("0.0648") and publishes.with_free_tier_usd == 0
    assert sns_path.list_usd - lambda_path.list_usd == Decimal("0.0648")


def test_memory_and_duration_change_only_the_duration_item() -> None:
    # 1 min, 1,024 MB, 250 ms: 43,200 x 0.25 s x 1 GB = 10,800 GB-s x $0.0000133334 = $0.14400072.
    small = clock_bill(60, publish="api")
    big = clock_bill(60, usage=Usage(memory_mb=1024, duration_ms=250), publish="api")
    # 64,800 runs x 0.25 s x 1 GB = 16,200 GB-s x $0.0000133334 = $0.21600108
    assert by_key(big)["lambda_duration_arm64"].list_usd == Decimal("0.21600108")
    assert big.list_usd - small.list_usd == Decimal("0.21600108") - Decimal("0.010800054")


def test_a_free_allowance_is_subtracted_once_and_never_below_zero() -> None:
    # 2,000,000 PutMetricData: 1,000,000 free, 1,000,000 x $0.00001 = $10.
    item = LineItem("calls", Decimal(2_000_000), PRICES["cloudwatch_api"])
    assert (item.list_usd, item.with_free_tier_usd) == (Decimal(20), Decimal(10))
    assert LineItem("calls", Decimal(5), PRICES["cloudwatch_api"]).with_free_tier_usd == 0
    with pytest.raises(ValueError, match="same price twice"):
        Bill((item, item))


def test_an_invalid_period_is_refused_by_the_same_rules_as_the_template() -> None:
    with pytest.raises(SpecError, match="not a valid alarm period"):
        clock_bill(45)


@given(st.sampled_from([10, 20, 30, *range(60, 86_401, 60)]), st.sampled_from([10, 20, 30, *range(60, 86_401, 60)]))
def test_a_faster_clock_never_costs_less(first: int, second: int) -> None:
    fast, slow = sorted((first, second))
    assert clock_bill(fast).list_usd >= clock_bill(slow).list_usd
    assert clock_bill(fast).with_free_tier_usd >= clock_bill(slow).with_free_tier_usd >= 0


# ---- the alternatives ----------------------------------------------------------------------------


@pytest.mark.parametrize("period", [10, 20, 30])
def test_eventbridge_cannot_hold_a_sub_minute_beat_and_says_why(period: int) -> None:
    rows = {a.name: a for a in estimate(period, compare=True).alternatives}
    for name in ("EventBridge rule", "EventBridge Scheduler"):
        assert rows[name].bill is None
        assert "not possible" in rows[name].note


def test_at_one_minute_a_rule_is_free_and_the_scheduler_fits_its_free_tier() -> None:
    # Scheduler: 43,200 x $1.00/1M = $0.0432; free tier 14M invocations -> $0.
    rule, scheduler = alternative(60, "EventBridge rule"), alternative(60, "EventBridge Scheduler")
    assert rule is not None and rule.list_usd == 0
    assert scheduler is not None and scheduler.list_usd == Decimal("0.0432") and scheduler.with_free_tier_usd == 0


def test_step_functions_standard_at_ten_seconds() -> None:
    # A run a minute: 6 Tasks + 5 Waits = 11 transitions; 43,200 x 11 = 475,200.
    # 475,200 x $0.025/1,000 = $11.88; minus 4,000 free: 471,200 x $0.000025 = $11.78.
    bill = alternative(10, "Step Functions Standard")
    assert bill is not None and bill.items[0].quantity == 475_200
    assert (bill.list_usd, bill.with_free_tier_usd) == (Decimal("11.88"), Decimal("11.78"))


def test_step_functions_express_at_ten_seconds_bills_the_waits() -> None:
    # 43,200 runs x $1.00/1M = $0.0432. A run: 5 waits x 10 s + 6 tasks x 0.05 s = 50.3 s;
    # 43,200 x 50.3 s x 64/1,024 GB = 135,810 GB-s x $0.00001667 = $2.2639527. No free tier.
    bill = alternative(10, "Step Functions Express")
    assert bill is not None
    assert [item.list_usd for item in bill.items] == [Decimal("0.0432"), Decimal("2.26395270")]
    assert bill.with_free_tier_usd == bill.list_usd == Decimal("2.30715270")


def test_step_functions_express_rounds_each_run_up_to_100_ms() -> None:
    # 5 min: one 0.05 s Task a run, billed 0.1 s; 8,640 x 0.1 s x 0.0625 GB = 54 GB-s x $0.00001667
    # = $0.00090018, plus 8,640 runs x $1.00/1M = $0.00864.
    bill = alternative(300, "Step Functions Express")
    assert bill is not None
    assert by_key(bill)["sfn_express_duration"].quantity == Decimal(54)
    assert bill.list_usd == Decimal("0.00864") + Decimal("0.00090018")


def test_sqs_timers_at_ten_seconds_count_sends_receives_deletes_and_idle_polls() -> None:
    # SQS: 43,200 batches + 2 x 259,200 (receive, delete) + 15 x 43,200 idle polls = 1,209,600
    # x $0.40/1M = $0.48384; minus 1M free: 209,600 x $0.0000004 = $0.08384.
    # Sender Lambda: 43,200 requests $0.00864 + 540 GB-s $0.007200036 + 43,200 x 340 B of logs $0.0068396.
    bill = alternative(10, "SQS message timers")
    assert bill is not None
    sqs = by_key(bill)["sqs_requests"]
    assert sqs.quantity == 1_209_600
    assert (sqs.list_usd, sqs.with_free_tier_usd) == (Decimal("0.48384"), Decimal("0.08384"))
    assert float(bill.list_usd) == pytest.approx(0.48384 + 0.00864 + 0.007200036 + 0.0068396, abs=1e-7)
    assert bill.with_free_tier_usd == Decimal("0.08384")


def test_a_sleeping_lambda_at_ten_seconds_pays_for_its_sleep() -> None:
    # A run a minute lasting 5 x 10 s + 0.1 s = 50.1 s: 43,200 x 50.1 x 0.125 GB = 270,540 GB-s
    # x $0.0000133334 = $3.6072180; inside 400,000 free GB-s.
    bill = alternative(10, "sleeping Lambda")
    assert bill is not None
    duration = by_key(bill)["lambda_duration_arm64"]
    assert duration.quantity == Decimal("270540")
    assert duration.list_usd == Decimal("3.6072180360")
    assert bill.with_free_tier_usd == 0
    # At 1,024 MB it leaves the free tier: 2,164,320 GB-s, of which 1,764,320 are billed.
    big = alternative(10, "sleeping Lambda", usage=Usage(memory_mb=1024))
    assert big is not None
    assert by_key(big)["lambda_duration_arm64"].with_free_tier_usd == Decimal("1764320") * Decimal("0.0000133334")


def test_above_a_minute_the_workarounds_are_priced_but_marked_not_needed() -> None:
    rows = estimate(300, compare=True).alternatives
    assert [a.name for a in rows] == [
        "alarmclock (wave laid ahead)",
        "alarmclock (PutMetricData per tick)",
        "alarmclock (EMF log line per tick)",
        "alarmclock (documented: stamped now, every cycle)",
        "EventBridge rule",
        "EventBridge Scheduler",
        "Step Functions Standard",
        "Step Functions Express",
        "SQS message timers",
        "sleeping Lambda",
    ]
    assert all(a.bill is not None for a in rows)
    assert [a.name for a in rows if a.note.startswith("not needed")] == [a.name for a in rows[6:]]
    # Step Functions Standard at 5 min: one Task a run, 8,640 transitions x $0.000025 = $0.216.
    assert rows[6].bill is not None and rows[6].bill.list_usd == Decimal("0.216")
    # Each row says what brings it back after a fault, and how it reaches the targets.
    assert all(a.recovery and a.targets for a in rows)


def test_the_compare_row_for_this_clock_is_the_clock_bill() -> None:
    result = estimate(30, "sns", compare=True)
    assert result.alternatives[0].bill == result.clock == clock_bill(30, "sns")


def test_the_price_table_is_dated_and_every_price_cites_a_source() -> None:
    assert datetime.date.fromisoformat(PRICES_DATE).year >= 2026
    for price in PRICES.values():
        assert price.source and "aws.amazon.com" in price.source, price.key
        assert price.usd >= 0 and price.per >= 1 and price.free_per_month >= 0


# ---- the command -------------------------------------------------------------------------------


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_cost_prints_the_items_and_both_totals(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["cost", "--every", "1m"], capsys)
    assert status == 0 and err == ""
    assert "43,200 ticks" in out and "2026-11-27" in out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    # A minute's default is the wave: 2 standard alarms, the metric, 4,320 lays, 47,520 runs, logs.
    assert total.split()[1:] == ["$0.5745", "$0.0000"] and "wave laid ahead" in out.splitlines()[0]
    assert "The same beat" not in out
    status, out, _ = run(["cost", "--every", "1m", "--publish", "api"], capsys)
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert total.split()[1:] == ["$1.3881", "$0.3000"] and "$0.6480" in out
    assert "PutMetricData per tick" in out.splitlines()[0]
    status, out, _ = run(["cost", "--every", "5m", "--publish", "wave"], capsys)
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert status == 0 and total.split()[1:] == ["$0.5516", "$0.0000"]
    assert "wave laid ahead" in out.splitlines()[0] and "one PutMetricData per heartbeat" in out


def test_cost_compare_shows_every_alternative(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["cost", "--every", "10s", "--compare"], capsys)
    assert status == 0
    rows = {line.split("  ")[0].strip(): line for line in out.splitlines() if line.startswith(("Step", "Event", "SQS"))}
    assert rows["Step Functions Standard"].split()[3:5] == ["$11.8800", "$11.7800"]
    assert "not possible" in rows["EventBridge rule"]
    assert "sleeping Lambda" in out and "a run may last at most 5 minutes" in out
    clocks = [line.split("  ")[0] for line in out.splitlines() if line.startswith("alarmclock (")]
    assert clocks == [  # the clock as asked for (here the 10 s default) first
        "alarmclock (wave laid ahead)",
        "alarmclock (PutMetricData per tick)",
        "alarmclock (EMF log line per tick)",
        "alarmclock (documented: stamped now, every cycle)",
    ]
    assert out.count("after a fault: ") == out.count("targets: ") == 10 - 2  # not the two impossible rows


def test_cost_json_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["cost", "--every", "20s", "--via", "sns", "--compare", "--json"], capsys)
    assert status == 0
    document = json.loads(out)
    assert (document["period_s"], document["via"], document["ticks_per_month"]) == (20, "sns", 129_600)
    assert document["prices"]["date"] == PRICES_DATE
    assert (document["publish"], document["alarms"]) == ("wave", 1)
    items = {item["price_key"]: item for item in document["clock"]["items"]}
    assert items["sns_publish"]["list_usd"] == 0.0648
    assert items["alarm_high_resolution"]["with_free_tier_usd"] == 0.3  # the tick alarm; a wave's watchdog is standard
    assert all(a["recovery"] and a["targets"] for a in document["alternatives"] if a["possible"])
    rule = next(a for a in document["alternatives"] if a["name"] == "EventBridge rule")
    assert rule["possible"] is False and rule["bill"] is None


def test_cost_json_leaves_out_alternatives_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["cost", "--json", "--memory", "256", "--duration-ms", "50"], capsys)
    document = json.loads(out)
    assert "alternatives" not in document
    assert (document["memory_mb"], document["duration_ms"]) == (256, 50)


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--every", "45s"], ["--every", "45s", "10s, 20s, 30s"]),
        (["--every", "soon"], ["not a duration"]),
        (["--memory", "64"], ["--memory", "128"]),
        (["--duration-ms", "0"], ["--duration-ms"]),
        (["--via", "sqs"], ["--via"]),
    ],
)
def test_cost_bad_input_is_one_line_and_exit_status_2(
    argv: list[str], names: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["cost", *argv], capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("alarmclock: error: ")
    assert all(name in err for name in names)


def test_the_docs_cost_tables_are_the_cost_models_output(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).parents[2]
    script = str(root / "scripts" / "cost_table.py")
    each_way = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True).stdout.strip()
    full = subprocess.run([sys.executable, script, "--full"], capture_output=True, text=True, check=True).stdout.strip()
    page = (root / "docs" / "cost.md").read_text()
    assert full in page and each_way in page, "docs/cost.md's cost tables are stale: python scripts/cost_table.py"
    # ... and the whole --compare output it shows is today's.
    shown = page.split("$ alarmclock cost --every 10s --compare\n", 1)[1].split("```", 1)[0]
    status, out, _ = run(["cost", "--every", "10s", "--compare"], capsys)
    assert status == 0 and shown == out


def test_each_comparison_shown_in_the_cost_page_is_todays(capsys: pytest.CaptureFixture[str]) -> None:
    page = (Path(__file__).parents[2] / "docs" / "cost.md").read_text()
    marker = "   # comparison part\n"
    blocks = page.split("$ alarmclock cost --every ")[1:]
    shown = {block.split(" ", 1)[0]: block.split(marker, 1)[1] for block in blocks if marker in block}
    assert len(shown) >= 4
    for every, text in shown.items():
        expected = text.split("\n\n", 1)[0].split("```", 1)[0].rstrip("\n")
        status, out, _ = run(["cost", "--every", every, "--compare"], capsys)
        assert status == 0
        assert expected in out, f"docs/cost.md's --compare at {every} is stale: run alarmclock cost --every {every}"
