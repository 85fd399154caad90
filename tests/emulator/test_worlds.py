"""Right in every AWS world: how a point stamped ahead is counted is not documented
(docs/timing-model.md, future_visible_from), so the default clock checks that its alarm follows its
wave and switches itself to the documented design (--publish now) when it does not; where the wave
works it never switches. The documented design stamps nothing ahead and holds its beat in every world."""

from __future__ import annotations

import functools
import itertools
import json
from typing import Any

import pytest
from world_seeds import duration_s, first_missed_flip

from alarmclock import handler, template
from alarmclock.emulator.cloudwatch import EmulatedCloudWatch
from alarmclock.emulator.faults import EVENT_FAULTS, WINDOW_FAULTS, parse_fault
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.intervals import percentile
from alarmclock.spec import build_spec
from alarmclock.timing_model import WORLDS, TimingModel

HOUR = 3600.0
# The bar for noticing: within 3 periods of the first missed flip at 1m, a minute at 10 s (issue 21).
# Other periods are held to their beat after the switch, not to a time.
NOTICE_S = {"10s": 60.0, "1m": 180.0}


# ---- the model: each world, for one point ---------------------------------------------------------


@pytest.mark.parametrize(
    ("world", "visible_at"),
    [("put", 1_000_001.0), ("stamp", 1_000_501.0), ("late", 1_000_500.0 + 120.0 + 1.0), ("never", float("inf"))],
)
def test_a_point_stamped_ahead_becomes_visible_as_its_world_says(world: str, visible_at: float) -> None:
    cloudwatch = EmulatedCloudWatch(
        lambda: 1_000_000.0, lambda: 1.0, future_visible_from=world, late_cycles=lambda: 2.0
    )
    cloudwatch.add_point("ns", "Tick", (), 1_000_500.0, 1.0)
    (point,) = cloudwatch.store.between("ns", "Tick", 0.0, 2e6)
    assert point.visible_at == visible_at


@pytest.mark.parametrize("world", WORLDS)
def test_a_point_stamped_at_or_before_its_arrival_counts_in_every_world(world: str) -> None:
    cloudwatch = EmulatedCloudWatch(lambda: 1_000_000.0, lambda: 1.0, future_visible_from=world)
    cloudwatch.add_point("ns", "Tick", (), 1_000_000.0, 1.0)
    cloudwatch.add_point("ns", "Tick", (), 999_990.0, 0.0)
    assert [p.visible_at for p in cloudwatch.store.between("ns", "Tick", 0.0, 2e6)] == [1_000_001.0] * 2


# ---- the default clock in the worlds where the wave is not counted -------------------------------


# Claims about the beat hold at every seed, not at one: each draws the alarms' seconds, the jitter,
# the visibility delays and, in `late`, each point's cycles late.
SEEDS = range(10)


@functools.cache  # several tests below read the same runs: made once per process
def world_runs(every: str, world: str) -> list[Any]:
    spec = build_spec(every=every)
    timing = TimingModel().at(future_visible_from=world)
    return [simulate(Scenario(spec=spec, duration_s=duration_s(every), seed=seed, timing=timing)) for seed in SEEDS]


def notice_s(run: Any, period: float) -> float | None:
    """How long after the first missed flip the clock switched, or None (no switch, or no flip missed)."""
    missed = first_missed_flip(list(run.tick_times), period)
    if not run.report.switches or missed is None:
        return None
    return float(run.report.switches[0]["at_s"] + run.world.start - missed)


@pytest.mark.parametrize("world", ["never", "late"])
@pytest.mark.parametrize("every", ["10s", "20s", "1m", "5m"])
def test_the_default_clock_never_stalls_in_any_world_and_holds_the_mean_after_it_switches(
    world: str, every: str
) -> None:
    period = build_spec(every=every).period_s
    for seed, run in zip(SEEDS, world_runs(every, world), strict=True):
        report = run.report
        assert report.stalled_since_s is None, seed
        # The intervals after the switch (three periods on), or the whole run's where it did not switch.
        if report.switches:
            after = steady_after(run, report.switches[0]["at_s"], period)
            mean = sum(after) / len(after)
        else:
            mean = report.steady_mean_s
        assert mean is not None and abs(mean - period) <= 0.01 * period, seed
        # At most one switch, to the documented design.
        assert [s["design"] for s in report.switches] in ([], ["now"]), seed
        if world == "never" or every in ("1m", "5m"):
            assert report.verdict == "ticking", (seed, report.judgement)
        if every == "1m":
            assert (notice_s(run, period) or 0.0) <= NOTICE_S["1m"], seed


@pytest.mark.parametrize("every", ["10s", "20s"])
def test_in_the_late_world_the_short_default_clocks_are_ticking_at_every_seed(every: str) -> None:
    # The quick evidence at 10 s and 20 s is the alarm holding still past a due flip while deciding
    # late (handler.wave_held_still): a lateness that changes only every few flips is slow evidence,
    # and the alarm can hold still for minutes with no event at all.
    verdicts = [run.report.verdict for run in world_runs(every, "late")]
    assert verdicts == ["ticking"] * len(SEEDS)


@pytest.mark.parametrize("world", ["never", "late"])
def test_in_the_worlds_that_do_not_count_the_wave_the_ten_second_default_switches_within_a_minute(world: str) -> None:
    notices = [notice_s(run, 10) for run in world_runs("10s", world)]
    assert all(n is not None and n <= NOTICE_S["10s"] for n in notices), notices


@functools.cache
def sns_runs(every: str, world: str) -> list[Any]:
    spec = build_spec(every=every, via="sns")
    timing = TimingModel().at(future_visible_from=world)
    return [simulate(Scenario(spec=spec, duration_s=duration_s(every), seed=seed, timing=timing)) for seed in SEEDS]


@pytest.mark.parametrize("world", ["late", "never"])
@pytest.mark.parametrize("every", ["10s", "20s"])
def test_through_sns_the_short_default_clocks_notice_and_are_ticking_at_every_seed(every: str, world: str) -> None:
    # The SNS message carries no reasonData, but its NewStateReason names the datapoint decided on
    # (handler.sns_reason_data); the flip before is the execution environment's memory. Without them,
    # in `late` at 10 s, 9 of these 10 seeds lost beats and one stalled.
    period = build_spec(every=every).period_s
    for seed, run in zip(SEEDS, sns_runs(every, world), strict=True):
        assert run.report.verdict == "ticking", (seed, run.report.judgement)
        assert [s["design"] for s in run.report.switches] == ["now"], seed
        after = steady_after(run, run.report.switches[0]["at_s"], period)
        assert abs(sum(after) / len(after) - period) <= 0.01 * period, seed


@pytest.mark.parametrize("world", ["put", "stamp"])
def test_through_sns_where_the_wave_works_the_ten_second_default_never_switches(world: str) -> None:
    assert [run.report.switches for run in sns_runs("10s", world)] == [[]] * len(SEEDS)


def test_a_hold_that_began_soon_after_the_stack_laid_the_wave_switches_at_the_flip_that_ends_it() -> None:
    # Seed 36 in `late` at 10 s (scripts/world_seeds.py --seeds 40): the alarm holds still for 100 s
    # after its second flip, with no event at all; the flip that ends the hold is the first moment the
    # clock can see it, 90 s after the first missed flip (340 s, on a changing lateness, when only a
    # hold that ended within the notice time counted, and the seed lost beats).
    timing = TimingModel().at(future_visible_from="late")
    run = simulate(Scenario(spec=build_spec(every="10s"), duration_s=duration_s("10s"), seed=36, timing=timing))
    gaps = [(before, after) for before, after in itertools.pairwise(run.tick_times) if after - before > 15]
    (held_from, held_to) = gaps[0]
    assert held_to - held_from > 90  # a hold longer than the notice time, from the clock's start
    switch = run.report.switches[0]
    assert switch["reason"].endswith("of the stack laying the wave: values stamped ahead count late")
    assert switch["at_s"] + run.world.start - held_to < 1.0  # at the flip that ended the hold
    assert run.report.verdict == "ticking"


@pytest.mark.parametrize("every", ["10s", "1m", "5m"])
def test_in_the_world_where_nothing_stamped_ahead_counts_the_default_switches_and_says_why(every: str) -> None:
    run = simulate(
        Scenario(
            spec=build_spec(every=every),
            duration_s=2 * HOUR,
            seed=3,
            timing=TimingModel().at(future_visible_from="never"),
        )
    )
    (switch,) = run.report.switches
    assert switch["design"] == "now" and switch["reason"]
    assert run.report.log_counts["WARNING:switch"] == 1
    alarm = run.stack.seen_alarms["clock-tick-is-1"]
    assert dict(alarm.dimensions) == {"Now": f"{build_spec(every=every).period_s}s"}
    assert alarm.period_s == (10 if every == "10s" else 60)
    assert alarm.description.startswith(handler.SWITCH_MARK)


FAULTS = sorted({*WINDOW_FAULTS, *EVENT_FAULTS})


@pytest.mark.parametrize("world", ["put", "stamp"])
@pytest.mark.parametrize("every", ["10s", "1m", "5m"])
@pytest.mark.parametrize("fault", FAULTS)
def test_where_the_wave_works_it_never_switches_even_under_a_fault(world: str, every: str, fault: str) -> None:
    timing = TimingModel().at(future_visible_from=world)
    run = simulate(
        Scenario(
            spec=build_spec(every=every),
            duration_s=3 * HOUR,
            seed=11,
            timing=timing,
            faults=[parse_fault(f"{fault}:at=1h")],
        )
    )
    assert run.report.switches == []
    assert run.stack.seen_alarms["clock-tick-is-1"].dimensions == (("Wave", f"{build_spec(every=every).period_s}s"),)


def steady_after(run: Any, at_s: float, period: float) -> list[float]:
    """The intervals between ticks from three periods after `at_s` (seconds into the run)."""
    times = [t for t in run.tick_times if t > run.world.start + at_s + 3 * period]
    return sorted(b - a for a, b in itertools.pairwise(times))


def test_where_points_stamped_ahead_count_late_the_ten_second_default_switches_and_then_holds_the_beat() -> None:
    # At 10 s a point counted 1-3 cycles late, drawn per point, changes the wave's lateness from flip to
    # flip: the mean holds, p1 and p99 do not (docs/timing-model.md). Values stamped now count in seconds.
    run = simulate(
        Scenario(
            spec=build_spec(every="10s"), duration_s=HOUR, seed=7, timing=TimingModel().at(future_visible_from="late")
        )
    )
    (switch,) = run.report.switches
    assert switch["design"] == "now"  # on its changing lateness, or on no data: both are this world
    assert switch["at_s"] < 600
    steady = steady_after(run, switch["at_s"], 10)
    assert len(steady) > 250
    assert abs(sum(steady) / len(steady) - 10) <= 0.1
    assert percentile(steady, 0.01) >= 7 and percentile(steady, 0.99) <= 13  # issue 9's bar: the period +- 3 s


@pytest.mark.parametrize(("every", "days", "offset_s"), [("5m", 1, 36.0), ("1h", 4, 30.0)])
def test_where_points_stamped_ahead_count_late_longer_periods_switch_too_and_then_hold_the_beat(
    every: str, days: int, offset_s: float
) -> None:
    # Laid again at every heartbeat, a wave value counts from the earliest of its puts' late times: the
    # lateness is steady at some seconds of the cycle and changes at others, where the flip comes a
    # cycle early or late. At an hour the environment is new at nearly every flip: the count of changes
    # comes from the alarm's history (handler.lateness_so_far).
    timing = TimingModel().at(future_visible_from="late", evaluation_offset_s=(("tick-is-1", offset_s),))
    spec = build_spec(every=every)
    run = simulate(Scenario(spec=spec, duration_s=days * 86_400, seed=1, timing=timing))
    (switch,) = run.report.switches
    assert switch["design"] == "now"
    assert switch["reason"].startswith("the tick alarm's lateness changed")
    steady = steady_after(run, switch["at_s"], spec.period_s)
    assert len(steady) >= 20
    assert abs(sum(steady) / len(steady) - spec.period_s) <= 0.01 * spec.period_s
    # issue 9's bar: the period +- 3 s (twice the jitter's upper end, plus a second)
    assert percentile(steady, 0.01) >= spec.period_s - 3 and percentile(steady, 0.99) <= spec.period_s + 3


def test_an_evaluation_carried_across_the_boundary_by_its_jitter_is_no_reason_to_switch() -> None:
    # At 59.5 s of the cycle the jitter (0-1 s) carries half the evaluations into the next minute: the
    # flip comes a cycle late at times, in every world and for every design alike (docs/timing-model.md,
    # "What stays"). The wave's lateness changes there too, and the clock must not take it for late points.
    timing = TimingModel().at(evaluation_offset_s=(("tick-is-1", 59.5),))
    run = simulate(Scenario(spec=build_spec(every="5m"), duration_s=86_400, seed=1, timing=timing))
    assert run.report.switches == []
    intervals = [b - a for a, b in itertools.pairwise(run.tick_times)]
    assert max(intervals) > 300 + 30  # the carried evaluations happened


def test_where_every_point_counts_late_the_ten_second_default_tries_the_documented_design_and_stays_on_its_wave() -> (
    None
):
    # A visibility delay of 5-25 s, drawn per point, makes the wave's lateness change as if points
    # stamped ahead counted late; values stamped now then wait as long, and the clock goes back, to stay.
    timing = TimingModel().at(future_visible_from="stamp", visibility_delay_s=(5.0, 25.0))
    run = simulate(Scenario(spec=build_spec(every="10s"), duration_s=2 * HOUR, seed=4, timing=timing))
    assert [s["design"] for s in run.report.switches] == ["now", "wave"]
    back = run.report.switches[1]
    assert back["reason"].startswith("values stamped now counted late too")
    assert back["at_s"] - run.report.switches[0]["at_s"] <= 300 + 10  # within the trial of 30 cycles
    alarm = run.stack.seen_alarms["clock-tick-is-1"]
    assert alarm.dimensions == (("Wave", "10s"),)
    assert alarm.description == template_description() + handler.STAY_MARK + back["reason"]
    assert run.report.stalled_since_s is None


def template_description() -> str:
    return "alarmclock: ALARM when Tick is 1 (the clock publishes 0 next), OK when it is 0 (publishes 1)"


# ---- the documented design ---------------------------------------------------------------------------


@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("every", ["10s", "20s", "1m", "5m", "1h"])
def test_publish_now_holds_its_beat_in_every_world_on_the_periods_grid(world: str, every: str) -> None:
    spec = build_spec(every=every, publish="now")
    timing = TimingModel().at(future_visible_from=world)
    run = simulate(
        Scenario(spec=spec, duration_s=max(6 * HOUR, 14 * spec.period_s), seed=5, timing=timing, keep_events=True)
    )
    assert run.report.verdict == "ticking", run.report.judgement
    mean = run.report.steady_mean_s
    assert mean is not None and abs(mean - spec.period_s) <= 0.01 * spec.period_s
    ticks = [json.loads(d.body) for d in run.deliveries]
    if spec.period_s > 60 or spec.period_s == 20:
        # Every k-th flip, named by the period's grid time: whole multiples of the period.
        times = {handler.parse_time(t["tick_time"], None) for t in ticks}
        assert all(t is not None and t % spec.period_s == 0 for t in times)
    # It never stamps ahead: every value it published was stamped at or before its put.
    assert run.report.switches == []


@pytest.mark.parametrize(
    ("change", "now", "stamp"),
    [
        (100.4, 100.9, 100.9),  # sent at once: its own clock
        (100.4, 130.0, 105.4),  # sent late (a retry): five seconds after the flip, whatever the delay
        (118.0, 128.0, 119.5),  # near the end of its cycle: within it
    ],
)
def test_publish_now_stamps_a_few_seconds_after_the_flip_never_ahead_nor_past_its_cycle(
    change: float, now: float, stamp: float
) -> None:
    config = handler.ClockConfig("my-clock", "alarmclock/my-clock", 300, "my-clock-tick-is-", publish="now")
    grid = 1_796_000_100.0 // 300 * 300
    assert handler.now_stamp(grid + change, grid + now, config) == pytest.approx(grid + stamp)


def test_publish_now_stamps_at_the_flip_never_ahead_and_delivers_only_the_first_flip_of_each_period() -> None:
    config = handler.ClockConfig("my-clock", "alarmclock/my-clock", 300, "my-clock-tick-is-", publish="now")
    puts: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    class Client:
        def put_metric_data(self, **kwargs: Any) -> None:
            puts.append(kwargs)

        def invoke(self, **kwargs: Any) -> None:
            sent.append(kwargs)

    grid = 1_796_000_100.0 // 300 * 300
    flip = grid + 100.4  # 100.4 s into a 5-minute period
    runtime = handler.Runtime(client=lambda s, r: Client(), now=lambda: flip + 0.5, http_put=None, log=lambda r: None)

    def event(at: float, previous: float) -> dict[str, Any]:
        stamp = handler._iso(at).replace("Z", "+0000")
        return {
            "source": "aws.cloudwatch",
            "alarmData": {
                "alarmName": "my-clock-tick-is-1",
                "state": {"value": "ALARM", "timestamp": stamp},
                "previousState": {"value": "OK", "timestamp": handler._iso(previous).replace("Z", "+0000")},
            },
        }

    middle = handler.handle(event(flip, flip - 60), None, config, runtime)
    assert middle["action"] == "flip" and middle["tick"] is None  # not the period's first flip
    (put,) = puts
    assert put["MetricData"][0]["Value"] == 0.0 and put["MetricData"][0]["Dimensions"] == [
        {"Name": "Now", "Value": "300s"}
    ]
    # Half a second after the flip: the function's own clock, never ahead of it.
    assert put["MetricData"][0]["Timestamp"] == pytest.approx(flip + 0.5, abs=0.001)
    first = grid + 300 + 4.2  # the first flip after the next grid time
    result = handler.handle(event(first, first - 60), None, config, runtime)
    assert result["tick"]["tick_time"] == handler._iso(grid + 300)


def test_the_templates_now_design_alarm_runs_on_the_cycle_and_the_wave_may_switch_its_own_alarms() -> None:
    now = template.build_template(
        build_spec(every="5m", publish="now", targets=["arn:aws:sqs:us-east-1:123456789012:q"])
    )
    alarm = now["Resources"]["TickAlarm1"]["Properties"]
    assert alarm["Period"] == 60 and alarm["Dimensions"] == [{"Name": "Now", "Value": "300s"}]
    assert alarm["InsufficientDataActions"] == alarm["AlarmActions"]
    wave = template.build_template(build_spec(every="1m", targets=["arn:aws:sqs:us-east-1:123456789012:q"]))
    statements = wave["Resources"]["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    own = next(s for s in statements if s["Sid"] == "WatchStartAndStopOwnAlarms")
    assert "cloudwatch:PutMetricAlarm" in own["Action"]
    assert "cloudwatch:DescribeAlarmHistory" in own["Action"]  # a new environment reads its lateness
    assert {json.dumps(r) for r in own["Resource"]} == {
        json.dumps(template.sub(a)) for a in template.alarm_arns(build_spec()).values()
    }
    # The seed's pair never switches, so it may not change its alarms.
    pair = template.build_template(build_spec(every="1m", alarms=2, targets=["arn:aws:sqs:us-east-1:123456789012:q"]))
    pair_statements = pair["Resources"]["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert not any("cloudwatch:PutMetricAlarm" in json.dumps(s) for s in pair_statements)
    assert not any("cloudwatch:DescribeAlarmHistory" in json.dumps(s) for s in pair_statements)


def test_the_handler_and_the_template_agree_on_the_switch() -> None:
    assert handler.NOW_DIMENSION == template.NOW_DIMENSION
    assert handler.NOW_WATCHDOG_QUIET_CYCLES == template.NOW_WATCHDOG_QUIET_CYCLES
    spec = build_spec(every="1m", targets=["arn:aws:sqs:us-east-1:123456789012:q"])
    tick = template.build_template(spec)["Resources"]["TickAlarm1"]["Properties"]
    assert tick["AlarmDescription"] == handler.WAVE_ALARM_DESCRIPTION
    assert handler.now_watchdog_shape(60) == template.watchdog_shape(60, "now")
