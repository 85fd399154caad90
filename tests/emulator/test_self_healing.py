"""Self-healing: every fault ends, and the clock ticks again within three periods of it.

(Except, for a one-minute clock, where its alarm is evaluated at a window boundary: see
at_a_window_boundary.)

The property tests run the real template and handler in the emulator over random points of
the timing model's documented ranges (TimingModel.sample), with random faults, and check each
fault's outcome. Seeded (hypothesis derandomize=True): CI sees the same cases every run.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from alarmclock import handler, template
from alarmclock.emulator.faults import EVENT_FAULTS, WINDOW_FAULTS, Fault, FaultError, parse_fault
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec
from alarmclock.timing_model import WORLDS, TimingModel

from conftest import FULL_EXAMPLES, examples

DAY = 86_400.0
PERIOD = 60
ONE_MINUTE = build_spec(every="1m")

faults = st.builds(
    lambda name, start, length, count, amount: Fault(
        name=name, start_s=start, duration_s=length, count=count, amount_s=amount
    ),
    name=st.sampled_from(sorted({*WINDOW_FAULTS, *EVENT_FAULTS})),
    start=st.floats(min_value=1800, max_value=DAY - 7200),
    length=st.floats(min_value=30, max_value=1800),
    count=st.integers(min_value=1, max_value=3),
    amount=st.floats(min_value=5, max_value=90),
)


def test_make_test_and_ci_run_the_property_test_with_all_200_examples() -> None:
    # .ci/run is `make test`, which loads the ci profile whatever HYPOTHESIS_PROFILE says outside.
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "HYPOTHESIS_PROFILE=ci $(BIN)/pytest" in makefile
    assert settings.get_profile("ci").max_examples == FULL_EXAMPLES
    assert settings.get_profile("dev").max_examples < FULL_EXAMPLES
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci":
        assert examples(200) == 200


# The property test below runs 200 examples of a simulated day for each period: minutes each, and
# the suite took as long as it did. It runs in STALL_CHUNKS tests a period, which pytest-xdist
# spreads over the cores. Each chunk draws the same 200 examples (the same seed) and runs every
# STALL_CHUNKS-th of them, from its own index on: together they run each of the 200 once
# (test_the_chunks_together_run_each_example_once). STALL_SEED is the seed hypothesis's
# derandomize=True drew from the test's source before the split (hypothesis.core's
# get_random_for_wrapped_test): called alike, the chunks run the examples the single test ran.
# Caveat, before the split as after: hypothesis mixes the literal constants of every local module
# loaded (tests included) into its draws, so the examples follow the code and the tests loaded
# (running this file alone draws others than `make test` does). The chunks agree with each other
# because they run first in a session (conftest.LONGEST_FIRST), before other tests import more.
STALL_CHUNKS = 8
STALL_SEED = int(
    "12651691194080797066981234036210615813599145988112695346359100363172233791947649322369071173593375"
    "940105456520977627"
)
Check = Callable[[str, "str | None", int, int, list[Fault], str], None]


def stall_examples(every: str, publish: str | None, chunk: int, check: Check) -> None:
    """check(every, publish, timing_seed, run_seed, plan, world) on this chunk's share of the examples."""
    # Each example's place in the order drawn, by its first sight: hypothesis runs a failing
    # example again to report it, and a count of calls would then skip it (a "flaky" failure).
    places: dict[str, int] = {}

    @seed(STALL_SEED)
    @settings(
        max_examples=examples(200),  # 200 in CI; HYPOTHESIS_PROFILE=dev runs 40 (conftest.py)
        derandomize=True,  # and so no example database: every run draws the same examples
        deadline=None,
        # A failing case prints in full; shrinking day-long runs would take minutes of CI for little.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        timing_seed=st.integers(0, 2**32 - 1),
        run_seed=st.integers(0, 2**16),
        plan=st.lists(faults, min_size=1, max_size=3),
        world=st.sampled_from(WORLDS),
    )
    def one_example(timing_seed: int, run_seed: int, plan: list[Fault], world: str) -> None:
        place = places.setdefault(repr((timing_seed, run_seed, plan, world)), len(places))
        if place % STALL_CHUNKS == chunk:
            check(every, publish, timing_seed, run_seed, plan, world)

    one_example()


# Each period's default, a wave (200 examples each, a simulated day each: most of CI's time). A
# one-minute clock publishing each tick meets every named fault in
# test_each_named_fault_is_reported_and_recovered_from below.
@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(STALL_CHUNKS))
@pytest.mark.parametrize(("every", "publish"), [("1m", None), ("5m", None)])
def test_no_permanent_stall_the_clock_ticks_within_three_periods_of_every_fault(
    every: str, publish: str | None, chunk: int
) -> None:
    stall_examples(every, publish, chunk, ticks_within_three_periods_of_every_fault)


@pytest.mark.slow  # 1,600 examples drawn, about 8 s
def test_the_chunks_together_run_each_example_once() -> None:
    drawn: list[list[tuple[str, int, int, str, str]]] = [[] for _ in range(STALL_CHUNKS)]

    def record(every: str, publish: str | None, timing_seed: int, run_seed: int, plan: list[Fault], world: str) -> None:
        drawn[chunk].append((every, timing_seed, run_seed, repr(plan), world))

    for chunk in range(STALL_CHUNKS):
        stall_examples("1m", None, chunk, record)
    everything = [example for chunk in drawn for example in chunk]
    assert len(everything) == examples(200)
    assert len({*everything}) == len(everything)  # no example twice (hypothesis draws no duplicates)
    assert all(len(chunk) == examples(200) // STALL_CHUNKS for chunk in drawn)


def ticks_within_three_periods_of_every_fault(
    every: str, publish: str | None, timing_seed: int, run_seed: int, plan: list[Fault], world: str
) -> None:
    # The world too (how a point stamped ahead is counted, undocumented): where the wave is not
    # counted, the clock switches itself to the documented design and must heal there as well.
    timing = TimingModel.sample(random.Random(timing_seed)).at(future_visible_from=world)
    spec = build_spec(every=every, publish=publish)
    period = spec.period_s
    run = simulate(Scenario(spec=spec, duration_s=DAY, seed=run_seed, timing=timing, faults=plan))
    # No stall: at harsh points of the ranges the clock may also skip an odd beat with no fault
    # near it (an interval just over two periods), which the verdict calls "missing beats".
    assert run.report.verdict in ("ticking", "missing beats"), (timing, plan)
    # A one-minute alarm evaluated where it may see a window early or late (at_a_window_boundary)
    # skips flips with or without a fault: there silences of several periods occur.
    bound: float = 3 * period
    if period == PERIOD and at_a_window_boundary(run.report.alarms["clock-tick-is-1"]["offset_s"], timing):
        bound = (handler.MAX_CATCH_UP + 2) * period
    # A late evaluation is the fault's until it has run: `by` after the fault's end (overlapping
    # ones add up). A wave's next flip then may wait one more window (docs/self-healing.md).
    bound += sum(f.amount_s for f in plan if f.name == "late-evaluation")
    if world == "late":
        # Where points stamped ahead count only cycles late, a recovering wave's next value is late too.
        bound += timing.future_late_cycles[1] * 60
    if run.report.switches:
        # After a switch (the world counts no wave) the loop is the documented design's: its watchdog
        # restarts it at once, but a fault that outlasts Lambda's two retries waits for the heartbeat,
        # which the switch set to that design's rate (every 2 minutes; its first run within a minute
        # of the switch): docs/self-healing.md, "After the clock switches its design".
        bound = max(bound, template.heartbeat_minutes(period, "now") * 60 + 3 * period)
    for outcome in run.faults:
        assert outcome.recovery_s is not None, (outcome, timing)
        assert outcome.recovery_s <= bound, (outcome, timing)


def at_a_window_boundary(offset_s: float, timing: TimingModel) -> bool:
    """Whether an alarm evaluated at this second of a one-minute cycle can see a window early or late.

    A window that ends on the minute (sliding_window_end "cycle"): where the jitter can carry an
    evaluation past the minute. The wave's value lies a second into its minute, so even counted
    from its stamp it is visible long before (visibility_delay_s is at most 30 s). A window that
    ends on the evaluation's whole second: where the jitter can carry that second across the
    stamp's (:01, so :02), and, counted from its stamp, until the value is surely visible.
    """
    jitter = timing.evaluation_jitter_s[1]
    if timing.sliding_window_end == "cycle":
        return offset_s + jitter >= PERIOD - 1.0
    stamp_s = handler.wave_points(0.0, handler.ClockConfig.from_env({}))[0][0] % PERIOD  # :01
    visible_s = stamp_s + (timing.visibility_delay_s[1] if timing.future_visible_from == "stamp" else 0.0)
    return offset_s <= max(stamp_s + 1.0, visible_s) + 1.0 or offset_s + jitter >= PERIOD + stamp_s


@pytest.mark.parametrize("publish", ["wave", "api"])
@pytest.mark.parametrize("name", sorted({*WINDOW_FAULTS, *EVENT_FAULTS}))
def test_each_named_fault_is_reported_and_recovered_from(name: str, publish: str) -> None:
    spec = build_spec(every="1m", publish=publish)
    run = simulate(Scenario(spec=spec, duration_s=4 * 3600, seed=5, faults=[parse_fault(f"{name}:at=1h")]))
    (outcome,) = run.faults
    assert outcome.fault.startswith(name)
    assert outcome.recovery_s is not None and outcome.recovery_s <= 3 * PERIOD
    assert run.report.verdict == "ticking"


def test_a_long_function_outage_costs_its_ticks_and_no_more() -> None:
    run = simulate(
        Scenario(spec=ONE_MINUTE, duration_s=3 * 3600, seed=2, faults=[parse_fault("function-errors:at=1h,for=30m")])
    )
    (outcome,) = run.faults
    # A wave keeps flipping while the function fails: the flips' ticks are lost, not the beat.
    assert 28 <= outcome.ticks_lost <= 33  # about one a minute for 30 minutes
    assert outcome.recovery_s is not None and outcome.recovery_s <= 3 * PERIOD


@pytest.mark.slow  # 25 runs of 3 hours: 4 to 5 s
@given(delay=st.floats(min_value=0.5, max_value=150), count=st.integers(1, 4), seed=st.integers(0, 1000))
@example(delay=1.0, count=1, seed=262)  # the alarm at :59.6: 83 of 180 ticks caught up late
@settings(max_examples=25, derandomize=True, deadline=None)
def test_a_duplicated_notification_never_makes_two_ticks_with_different_ids(
    delay: float, count: int, seed: int
) -> None:
    fault = parse_fault(f"duplicate-notification:at=1h,count={count},by={delay:.3f}s")
    run = simulate(Scenario(spec=ONE_MINUTE, duration_s=3 * 3600, seed=seed, faults=[fault]))
    bodies: dict[str, str] = {}
    for delivery in run.deliveries:
        tick = json.loads(delivery.body)
        assert bodies.setdefault(tick["tick_id"], delivery.body) == delivery.body  # a copy is the same tick
    # The one alarm's changes to ALARM and to OK are ticks; a kick's prelude is not.
    tick_changes = {
        (c.alarm, c.time)
        for c in run.history
        if c.new in ("ALARM", "OK") and "tick-is" in c.alarm and "prelude" not in c.reason
    }
    # No id without a state change behind it, but the ticks a one-cycle wave delivers late for the
    # flips its alarm skipped (caught_up), each on the period's grid.
    late = [json.loads(body) for body in bodies.values() if json.loads(body).get("caught_up")]
    assert len(bodies) - len(late) <= len(tick_changes)
    change_times = sorted(time for _, time in tick_changes)
    for tick in late:  # a whole number of periods (1 to MAX_CATCH_UP) after the change it follows
        due = datetime.fromisoformat(tick["tick_time"].replace("Z", "+00:00")).timestamp()
        after = [due - time for time in change_times if 0 < due - time <= handler.MAX_CATCH_UP * PERIOD + 1]
        assert any(abs(gap / PERIOD - round(gap / PERIOD)) < 0.01 for gap in after), tick
    # The copies arrive (targets de-duplicate by tick_id): more deliveries than ticks.
    assert len(run.deliveries) > len(bodies), (len(run.deliveries), len(bodies))
    # At a window boundary a one-cycle wave falls silent and catches up: "missing beats", no stall.
    boundary = at_a_window_boundary(run.report.alarms["clock-tick-is-1"]["offset_s"], TimingModel())
    assert run.report.verdict == "ticking" or (boundary and run.report.verdict == "missing beats")


@given(offset=st.floats(min_value=0, max_value=180), seed=st.integers(0, 1000))
@settings(max_examples=30, derandomize=True, deadline=None)
def test_delete_always_wins(offset: float, seed: int) -> None:
    fault = parse_fault(f"stack-delete:at={3600 + offset:.3f}s")
    run = simulate(Scenario(spec=ONE_MINUTE, duration_s=2 * 3600, seed=seed, faults=[fault]))
    statuses = [e.status for e in run.stack.state.events]
    assert statuses[-1] == "DELETE_COMPLETE"
    deleted = next(e.time for e in run.stack.state.events if e.status == "DELETE_COMPLETE")
    assert all(d.time <= deleted for d in run.deliveries)  # nothing ticks after the delete
    delete_answers = [r for r in run.stack.state.requests if r.kind == "Delete"]
    assert [r.status for r in delete_answers] == ["SUCCESS"]


def test_pause_stops_ticking_and_resume_restarts_it_within_two_periods() -> None:
    spec = ONE_MINUTE
    run_start = Scenario(spec=spec, duration_s=1, seed=3)
    from alarmclock.emulator.stack import Stack
    from alarmclock.emulator.world import World
    from alarmclock.template import build_template

    world = World(run_start.seed, TimingModel())
    stack = Stack(
        world,
        build_template(spec),
        "clock",
        {"TargetFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-job"},
    )
    sink = "arn:aws:lambda:us-east-1:123456789012:function:my-job"
    stack.services.add_sink(sink)
    stack.create()
    world.run(world.start + 3600)
    world.at(world.start + 3600, stack.update, None, {"Paused": "true"})
    world.run(world.start + 7200)
    paused_ticks = [d for d in stack.services.sinks[sink] if world.start + 3600 + 60 < d.time <= world.start + 7200]
    assert paused_ticks == []
    assert not stack.cloudwatch.alarms["clock-tick-is-1"].actions_enabled
    world.at(world.start + 7200, stack.update, None, {"Paused": "false"})
    world.run(world.start + 9000)
    resumed = [d.time for d in stack.services.sinks[sink] if d.time > world.start + 7200]
    assert resumed and resumed[0] - (world.start + 7200) <= 2 * PERIOD
    assert len(resumed) >= 25


@pytest.mark.parametrize(
    "text",
    ["nope", "function-errors:for=0", "lose-notification:count=0", "late-data:by=soon", "stack-delete:for=1m"],
)
def test_a_bad_fault_is_refused_with_the_accepted_names(text: str) -> None:
    with pytest.raises(FaultError):
        parse_fault(text)


@pytest.mark.parametrize(("skipped", "first_look_flips"), [(4, True), (5, False), (6, True)])
def test_after_skipped_evaluations_a_wave_ticks_at_the_first_look_only_if_the_value_changed(
    skipped: int, first_look_flips: bool
) -> None:
    # A wave is a fixed function of time, so after CloudWatch skips n evaluations of a one-minute
    # alarm, its next look is n + 1 windows on: an odd step finds the other value and flips at once,
    # an even one finds the value it left and waits a period for the next flip. No two-state alarm
    # on a signal laid ahead can tell the two apart (docs/self-healing.md, "Recovery after skipped
    # evaluations"); the skipped ticks are delivered late either way, none lost.
    pinned = TimingModel().at(evaluation_offset_s=(("tick-is-1", 30.0), ("watchdog", 45.0)), evaluation_jitter_s=(0, 0))
    fault = parse_fault(f"skip-evaluation:at=2h,for={skipped}m")
    run = simulate(Scenario(spec=ONE_MINUTE, duration_s=4 * 3600, seed=3, timing=pinned, faults=[fault]))
    (outcome,) = run.faults
    assert outcome.ticks_lost == 0
    assert outcome.recovery_s is not None
    # The alarm's first look after the fault is within a minute of its end (one cycle).
    if first_look_flips:
        assert outcome.recovery_s < PERIOD, outcome
        assert outcome.ticks_late == skipped
    else:
        assert PERIOD <= outcome.recovery_s < 2 * PERIOD, outcome
        assert outcome.ticks_late == skipped + 1
