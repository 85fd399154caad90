"""The emulator end to end: seeded runs, the template driving the simulation, the lifecycle."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import os
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import given
from hypothesis import strategies as st

from alarmclock.emulator.bridge import Bridge, ServiceError
from alarmclock.emulator.report import render_text
from alarmclock.emulator.simulate import Run, Scenario, simulate
from alarmclock.intervals import longest_gap
from alarmclock.spec import build_spec
from alarmclock.template import build_template
from alarmclock.timing_model import TimingModel

GOLDEN = Path(__file__).parents[1] / "golden"


def run(
    every: str = "1m",
    via: str = "lambda",
    hours: float = 2,
    seed: int = 1,
    alarms: int = 1,
    publish: str | None = None,
    **kw: Any,
) -> Run:
    spec = build_spec(every=every, via=via, alarms=alarms, publish=publish)
    return simulate(Scenario(spec=spec, duration_s=hours * 3600, seed=seed, **kw))


@pytest.mark.parametrize(
    ("name", "every", "via", "hours", "seed", "publish"),
    [
        ("lambda-1m-6h-seed7", "1m", "lambda", 6, 7, None),
        ("sns-1m-6h-seed7", "1m", "sns", 6, 7, None),
        ("lambda-5m-1d-seed2", "5m", "lambda", 24, 2, None),
        ("lambda-1m-6h-seed7-api", "1m", "lambda", 6, 7, "api"),
        ("lambda-10s-1h-seed7-logs", "10s", "lambda", 1, 7, "logs"),
    ],
)
def test_golden_output_of_short_seeded_runs(
    name: str, every: str, via: str, hours: float, seed: int, publish: str | None
) -> None:
    result = run(every, via, hours, seed, publish=publish)
    text = render_text(result.report, result.trace()[:20])
    compare_with_golden(text, GOLDEN / f"{name}.txt", os.environ)


def compare_with_golden(text: str, path: Path, environ: Mapping[str, str]) -> None:
    """Fail if `text` differs from the golden file; with ALARMCLOCK_UPDATE_GOLDEN=1, write it instead.

    Writing is for a person who then reads the diff: under CI (CI set, as GitHub Actions and most
    CI services set it) it is refused, and an update run skips rather than compares the file with
    what it just wrote, which could not fail."""
    if environ.get("ALARMCLOCK_UPDATE_GOLDEN") == "1":
        if environ.get("CI"):
            pytest.fail("ALARMCLOCK_UPDATE_GOLDEN=1 under CI: golden files are updated locally and reviewed")
        path.write_text(text)
        pytest.skip(f"wrote {path}: review the diff before committing it")
    assert text == path.read_text(), f"output changed; if on purpose, rerun with ALARMCLOCK_UPDATE_GOLDEN=1 ({path})"


def test_a_golden_file_is_compared_never_rewritten_by_default(tmp_path: Path) -> None:
    golden = tmp_path / "run.txt"
    golden.write_text("ticking\n")
    compare_with_golden("ticking\n", golden, {})
    with pytest.raises(AssertionError, match="output changed"):
        compare_with_golden("stalled\n", golden, {"CI": "true"})
    assert golden.read_text() == "ticking\n"


def test_updating_golden_files_writes_them_and_asserts_nothing(tmp_path: Path) -> None:
    golden = tmp_path / "run.txt"
    golden.write_text("ticking\n")
    with pytest.raises(pytest.skip.Exception, match="review the diff"):
        compare_with_golden("stalled\n", golden, {"ALARMCLOCK_UPDATE_GOLDEN": "1"})
    assert golden.read_text() == "stalled\n"


def test_updating_golden_files_is_refused_under_ci(tmp_path: Path) -> None:
    golden = tmp_path / "run.txt"
    golden.write_text("ticking\n")
    with pytest.raises(pytest.fail.Exception, match="under CI"):
        compare_with_golden("stalled\n", golden, {"ALARMCLOCK_UPDATE_GOLDEN": "1", "CI": "true"})
    assert golden.read_text() == "ticking\n"


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    first, again, other = run(seed=11), run(seed=11), run(seed=12)
    assert render_text(first.report, first.trace()) == render_text(again.report, again.trace())
    assert first.report.as_json() == again.report.as_json()
    assert first.trace() != other.trace()


@pytest.mark.parametrize("via", ["lambda", "sns"])
def test_the_seeds_one_minute_clock_ticks_once_a_minute_on_average(via: str) -> None:
    # (No rare duplicate notifications here: this pins the beat; duplicates have tests of their own.)
    pins = (("tick-is-0", 10.0), ("tick-is-1", 40.0))  # d = 30 s between the two alarms
    timing = TimingModel().at(duplicate_notification_prob=0.0, evaluation_offset_s=pins)
    result = run(via=via, hours=6, seed=3, alarms=2, timing=timing, publish="api")
    report = result.report
    assert report.verdict == "ticking"
    assert report.ticks == pytest.approx(6 * 60 + 1, abs=2)
    assert report.intervals.mean == pytest.approx(60, abs=0.5)
    # The two alarms are evaluated at different seconds, so intervals alternate 60 - d and 60 + d.
    steady = [b - a for a, b in itertools.pairwise(result.tick_times[1:])]
    assert all(min(abs(i - 30), abs(i - 90)) < 2 for i in steady)
    assert all(abs((a + b) - 120) < 3 for a, b in itertools.pairwise(steady))
    assert report.duplicates == 0
    assert report.first_tick_s is not None and report.first_tick_s < 10


@pytest.mark.parametrize("via", ["lambda", "sns"])
def test_the_one_alarm_clock_keeps_its_minute_to_within_the_jitter(via: str) -> None:
    timing = TimingModel().at(duplicate_notification_prob=0.0, evaluation_offset_s=(("tick-is-1", 23.0),))
    result = run(via=via, hours=6, seed=3, timing=timing)
    steady = [b - a for a, b in itertools.pairwise(result.tick_times[1:])]
    assert result.report.verdict == "ticking" and result.report.ticks == pytest.approx(6 * 60 + 1, abs=2)
    # Every flip is made by the same alarm at the same second of each minute: only the evaluation
    # jitter (0-1 s) and the latencies (well under a second at the defaults) move a tick.
    assert all(abs(interval - 60) < 1.5 for interval in steady)
    assert result.report.alarms["clock-tick-is-1"]["offset_s"] == 23.0


def test_the_first_tick_comes_from_the_create_kick_and_the_stack_completes() -> None:
    result = run(hours=1, seed=5, publish="api")
    statuses = [event.status for event in result.stack.state.events]
    assert statuses[:2] == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    assert statuses[-1] == "DELETE_COMPLETE"
    # A new alarm is in INSUFFICIENT_DATA: one SetAlarmState to OK runs the OK action, which ticks.
    first = result.history[0]
    assert (first.alarm, first.old, first.new, first.reason) == (
        "clock-tick-is-1",
        "INSUFFICIENT_DATA",
        "OK",
        "alarmclock: stack created",
    )
    assert result.report.first_tick_s is not None and result.report.first_tick_s < 5
    pair = run(hours=1, seed=5, alarms=2, publish="api").history[0]
    assert (pair.alarm, pair.new, pair.reason) == ("clock-tick-is-0", "ALARM", "alarmclock: stack created")


@pytest.mark.parametrize("alarms", [1, 2])
def test_a_wave_clock_starts_at_its_alarms_first_evaluation_without_a_kick(alarms: int) -> None:
    result = run(hours=1, seed=5, alarms=alarms, publish="wave")
    # The Starter lays the wave, from the value of the window the alarm looks at now: the alarm
    # leaves INSUFFICIENT_DATA at its first evaluation that sees it, and that change is the first tick.
    first = next(change for change in result.history if "tick-is" in change.alarm)
    assert first.old == "INSUFFICIENT_DATA" and first.new in ("ALARM", "OK")
    assert first.reason.startswith("Threshold")
    assert result.report.first_tick_s is not None and result.report.first_tick_s < 60 + 5 + 1
    calls = result.stack.services.calls
    # No kick; at most one look at the alarms' design, by a heartbeat that came before the first tick.
    assert calls[("cloudwatch", "SetAlarmState")] == 0 and calls[("cloudwatch", "DescribeAlarms")] <= 1
    # One PutMetricData at the create and one per 10-minute heartbeat (5 or 6 in the hour); none per tick.
    assert calls[("cloudwatch", "PutMetricData")] == result.report.log_counts["INFO:wave"] in (6, 7)
    assert result.report.ticks >= 59


def test_nothing_ticks_after_the_stack_is_deleted() -> None:
    result = run(hours=1, seed=4)
    delete = next(e for e in result.stack.state.events if e.status == "DELETE_COMPLETE")
    assert result.deliveries and all(d.time < delete.time for d in result.deliveries)
    assert result.stack.cloudwatch.alarms == {}
    assert "0 ticks after it" in result.report.stack["delete"]


def test_a_changed_template_changes_the_simulation() -> None:
    spec = build_spec(every="1m", publish="api")
    template = build_template(spec)
    # The spec still says 1m: only the template's alarm and the function's setting change.
    template["Resources"]["TickAlarm1"]["Properties"]["Period"] = 120
    template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]["ALARMCLOCK_PERIOD"] = "120"
    report = simulate(Scenario(spec=spec, duration_s=4 * 3600, seed=2, template=template)).report
    assert report.intervals.mean == pytest.approx(120, abs=1)
    # The alarm alone at 120 s, with the function still stamping for 60 s: the beat is neither.
    template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]["ALARMCLOCK_PERIOD"] = "60"
    mismatched = simulate(Scenario(spec=spec, duration_s=4 * 3600, seed=2, template=template)).report
    assert 65 < mismatched.intervals.mean < 115


def test_a_missing_lambda_permission_in_the_template_means_no_ticks() -> None:
    spec = build_spec(every="1m")
    template = build_template(spec)
    del template["Resources"]["TickAlarm1Permission"]
    template["Resources"]["Starter"]["DependsOn"].remove("TickAlarm1Permission")
    result = simulate(Scenario(spec=spec, duration_s=3600, seed=2, template=template))
    # The kick's OK action cannot reach the function: CloudWatch may not invoke it.
    assert result.report.ticks == 0 and result.report.verdict == "never ticked"
    assert any("may not invoke" in why for _, why in result.stack.services.dropped)


def test_a_policy_without_put_metric_data_stalls_the_clock_with_access_denied() -> None:
    spec = build_spec(every="1m", publish="api")
    template = build_template(spec)
    statements = template["Resources"]["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    statements[:] = [s for s in statements if s["Sid"] != "PublishOwnTick"]
    result = simulate(Scenario(spec=spec, duration_s=3600, seed=2, template=template))
    # The handler publishes the next beat before it calls targets, so the kick's tick fails and
    # Lambda retries it twice; the watchdog keeps restarting the clock, and every try fails the same way.
    assert result.report.ticks == 0
    assert result.report.function["errors"] >= 3 * 20
    assert result.report.log_counts["INFO:kick"] >= 20
    assert any("AccessDenied" in line.get("error", "") for line in result.world.log_lines)


def test_a_wave_that_cannot_be_laid_fails_the_stack_create_with_access_denied() -> None:
    spec = build_spec(every="5m")
    template = build_template(spec)
    statements = template["Resources"]["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    statements[:] = [s for s in statements if s["Sid"] != "PublishOwnTick"]
    result = simulate(Scenario(spec=spec, duration_s=1800, seed=2, template=template))
    # The Starter lays the wave before it answers: a clock that cannot publish is refused at once,
    # loudly, instead of being created to stall.
    failed = [event for event in result.stack.state.events if event.status == "CREATE_FAILED"]
    assert failed and "AccessDenied" in failed[0].reason
    assert result.report.ticks == 0


@pytest.mark.parametrize("publish", ["api", "wave"])
def test_the_namespace_condition_is_enforced(publish: str) -> None:
    spec = build_spec(every="1m", publish=publish)
    template = build_template(spec)
    variables = template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]
    variables["ALARMCLOCK_NAMESPACE"] = "someone-elses-namespace"
    result = simulate(Scenario(spec=spec, duration_s=1800, seed=2, template=template))
    assert result.report.ticks == 0
    if publish == "api":  # each tick's PutMetricData is refused, and retried
        assert result.report.function["errors"] >= 3
    else:  # the Starter's wave is refused: the stack is not created
        assert any(e.status == "CREATE_FAILED" and "AccessDenied" in e.reason for e in result.stack.state.events)


@pytest.mark.parametrize(
    ("figures", "verdict", "reason"),
    [
        ({}, "ticking", ""),
        ({"missed_beats": 3}, "missing beats", "3 intervals longer than 1.5 periods"),
        (
            {"missed_beats": 3, "missed_beats_in_faults": 3},
            "ticking",
            "its 3 missed beats all fall within the injected faults",
        ),
        ({"missed_beats": 3, "missed_beats_in_faults": 1}, "missing beats", "2 intervals longer than 1.5 periods"),
        ({"steady_mean_s": 90.0}, "off its period", "its steady intervals average 1m30s, not 1m"),
        ({"steady_mean_s": 62.0}, "ticking", ""),
        ({"stalled_since_s": 1800.0}, "stalled", "no tick since +30m"),
        ({"ticks": 0}, "never ticked", ""),
        (
            {"deleted_at_s": 120.0, "judged_s": 120.0},
            "too short to tell",
            "a verdict needs 3 periods, 3m; the run was deleted after 2m",
        ),
        ({"deleted_at_s": 1800.0, "judged_s": 1800.0}, "ticking", "until the stack was deleted at +30m"),
        ({"ticks_after_delete": 1}, "ticked after delete", "1 ticks after DELETE_COMPLETE"),
    ],
)
def test_the_verdict_follows_from_the_figures(figures: dict[str, Any], verdict: str, reason: str) -> None:
    report = dataclasses.replace(run(hours=1, seed=2).report, **figures)
    assert (report.verdict, report.judgement.reason, report.judgement.healthy) == (
        verdict,
        reason,
        verdict == "ticking",
    )


def seed_design(spec_every: str = "1m") -> dict[str, Any]:
    """The template without alarmclock's self-healing (watchdog alarm and heartbeat): the seed's design."""
    template = build_template(build_spec(every=spec_every, alarms=2))
    for logical in ("Watchdog", "WatchdogPermission", "Heartbeat", "HeartbeatPermission"):
        template["Resources"].pop(logical, None)
    template["Resources"]["Starter"]["DependsOn"].remove("HeartbeatPermission")
    return template


HARSH = TimingModel().at(evaluation_range_periods=1, visibility_delay_s=(20.0, 40.0))


def test_with_evaluation_range_one_a_late_point_stalls_the_seeds_design_for_good() -> None:
    # Outside the documented rule (the range is larger than EvaluationPeriods), kept as a stress
    # case: with a range of one period, a point that becomes visible after the other alarm's
    # single look at its period is never seen, and the seed's design has no way back.
    spec = build_spec(every="1m", alarms=2)
    verdicts = [
        simulate(Scenario(spec=spec, duration_s=12 * 3600, seed=seed, timing=HARSH, template=seed_design())).report
        for seed in range(4)
    ]
    assert any(report.verdict == "stalled" for report in verdicts)


def test_the_watchdog_restarts_what_stalls_the_seeds_design() -> None:
    for seed in range(4):
        report = run(hours=12, seed=seed, timing=HARSH).report
        assert report.verdict == "ticking"
        assert report.longest_silence.length_s <= 3 * 60, seed


def test_sub_minute_clocks_run_on_ten_second_evaluations() -> None:
    report = run(every="30s", hours=1, seed=3).report
    assert report.ticks > 60  # far more than a one-minute clock's 61
    assert report.intervals.mean >= 30 - 0.5


# ---- the bridge: real botocore clients, no network --------------------------------------------


def test_the_bridge_validates_requests_against_the_aws_model_before_answering() -> None:
    calls: list[tuple[str, str, str, dict[str, Any]]] = []

    def dispatch(caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        calls.append((caller, service, operation, copy.deepcopy(params)))
        return {}

    client = Bridge(dispatch).client("me", "cloudwatch", "us-east-1")
    client.put_metric_data(Namespace="n", MetricData=[{"MetricName": "Tick", "Value": 1.0}])
    assert calls == [
        ("me", "cloudwatch", "PutMetricData", {"Namespace": "n", "MetricData": [{"MetricName": "Tick", "Value": 1.0}]})
    ]
    with pytest.raises(ParamValidationError):
        client.put_metric_data(Namespace="n", MetricData=[{"Value": "one"}])
    assert len(calls) == 1  # the invalid request never reached the emulated service


def test_the_bridge_turns_service_errors_into_botocore_errors() -> None:
    def dispatch(caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError("Throttling", "Rate exceeded")

    client = Bridge(dispatch).client("me", "cloudwatch", "us-east-1")
    with pytest.raises(ClientError) as caught:
        client.put_metric_data(Namespace="n", MetricData=[{"MetricName": "Tick", "Value": 1.0}])
    assert caught.value.response["Error"]["Code"] == "Throttling"


def test_every_timing_parameter_is_documented_with_its_default() -> None:
    from alarmclock.timing_model import PARAMETERS

    page = (Path(__file__).parents[2] / "docs" / "timing-model.md").read_text()
    for parameter in PARAMETERS:
        assert f"| `{parameter.name}` | {parameter.shown_default} |" in page, parameter.name


def test_a_wall_clock_window_on_a_period_aws_refuses_fails_the_stack_create() -> None:
    spec = build_spec(every="2m")
    template = build_template(spec)
    template["Resources"]["TickAlarm1"]["Properties"]["EvaluationWindow"] = {"WallClockWindow": {}}
    result = simulate(Scenario(spec=spec, duration_s=600, seed=2, template=template))
    statuses = [(event.status, event.reason) for event in result.stack.state.events]
    assert statuses[1][0] == "CREATE_FAILED" and "ValidationError" in statuses[1][1] and "120" in statuses[1][1]
    assert statuses[2][0] == "ROLLBACK_COMPLETE"
    assert result.report.ticks == 0


def test_a_daily_clock_ticks_once_a_day_just_after_midnight_utc() -> None:
    result = run(every="1440m", hours=4 * 24, seed=6)
    days = [t % 86_400 for t in result.tick_times[1:]]  # after the create kick's tick
    assert len(days) == 3 and all(0 < seconds < 62 for seconds in days)  # the midnights of days 2-4
    assert result.report.verdict == "ticking"


def test_a_two_hour_clock_stamps_its_ticks_up_to_two_hours_ahead_and_keeps_its_period() -> None:
    result = run(every="120m", hours=24, seed=6, timing=TimingModel().at(evaluation_offset_s=(("tick-is-1", 30),)))
    steady = [b - a for a, b in itertools.pairwise(result.tick_times[1:])]
    assert len(steady) >= 10 and all(abs(interval - 7200) < 1.5 for interval in steady)
    assert result.report.function["errors"] == 0  # no PutMetricData was refused as too far ahead


def test_a_run_that_keeps_no_events_reports_the_same_figures() -> None:
    # Faults with duplicates and lost ticks, so every figure the report keeps compactly is exercised.
    from alarmclock.emulator.faults import parse_fault

    faults = [parse_fault("duplicate-notification:at=30m,count=3,by=90s"), parse_fault("function-errors:at=1h,for=10m")]
    kept = run(hours=3, seed=4, faults=faults)
    compact = run(hours=3, seed=4, faults=faults, keep_events=False)
    assert compact.report.as_json() == kept.report.as_json()
    assert kept.report.duplicates > 0 and kept.report.faults[1]["ticks_lost"] > 0
    assert list(compact.tick_times) == list(kept.tick_times)
    # What grows with the duration is not kept: deliveries, state changes, log lines.
    assert compact.deliveries == [] and compact.history == [] and compact.world.log_lines == []
    assert kept.deliveries and kept.history and kept.world.log_lines


@given(
    start=st.floats(0, 1e6),
    steps=st.lists(st.sampled_from([0.0, 0.5, 10.0, 10.0, 60.0, 61.25, 600.0]), max_size=30),
    tail=st.sampled_from([0.0, 10.0, 600.0]),
)
def test_the_longest_silence_is_the_longest_gap_between_start_ticks_and_end_and_the_earliest_on_a_tie(
    start: float, steps: list[float], tail: float
) -> None:
    # longest_gap streams over the ticks (60 days of a 10 s clock hold 518,400); this is the
    # definition it replaced: every gap as a (where, length) pair, the longest, the earliest of equals.
    times = array("d", itertools.accumulate(steps, initial=start))[1:]
    end = (times[-1] if times else start) + tail
    edges = [start, *times, end]
    gaps = [(edges[i], edges[i + 1] - edges[i]) for i in range(len(edges) - 1)]
    assert longest_gap(start, times, end) == max(gaps, key=lambda gap: (gap[1], -gap[0]))


def test_an_environment_idle_longer_than_keep_warm_s_is_new_and_remembers_nothing() -> None:
    # assumption (keep_warm_s): an idle environment is gone, and what the handler kept in memory with it.
    spec = build_spec(every="1h")
    for keep_warm_s, expected in ((86_400.0, "one environment"), (0.0, "a new one at every run")):
        result = simulate(
            Scenario(spec=spec, duration_s=6 * 3600, seed=3, timing=TimingModel().at(keep_warm_s=keep_warm_s))
        )
        (function,) = result.stack.seen_functions
        assert function.runs >= 6, expected  # a tick an hour, and heartbeats between
        assert function.environments == (1 if keep_warm_s else function.runs), expected
