"""The watchdog is set back to OK once its ALARM was acted on, so a clock still silent is looked at again.

An alarm that stays in ALARM calls nobody again (actions run on a change only), so without the re-arm
a restart whose value the tick alarm never counts left the clock silent until the next heartbeat
(docs/self-healing.md, "Fix 2").
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from alarmclock import handler
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec
from alarmclock.timing_model import TimingModel

from conftest import CLOCK, AnsweringCloudWatch, load_event

T = 1_795_768_925.0
TICK = f"{CLOCK}-tick-is-1"
WATCHDOG = f"{CLOCK}-watchdog"


def entry(name: str, state: str, changed: float, configured: float = T - 86_400, enabled: bool = True) -> dict:
    return {
        "AlarmName": name,
        "StateValue": state,
        "StateReason": "",
        "StateTransitionedTimestamp": datetime.fromtimestamp(changed, UTC),
        "AlarmConfigurationUpdatedTimestamp": datetime.fromtimestamp(configured, UTC),
        "ActionsEnabled": enabled,
    }


def watchdog_alarm(previous: str, previous_at: float) -> dict[str, Any]:
    """The direct Lambda event of the watchdog going to ALARM, from `previous`."""
    event = copy.deepcopy(load_event("lambda_alarm_action.json"))
    data = event["alarmData"]
    data["alarmName"] = WATCHDOG
    data["state"].update(value="ALARM", reason="Missing data treated as breaching", timestamp=handler._iso(T - 1))
    data["state"].pop("reasonData", None)
    data["previousState"].update(value=previous, timestamp=handler._iso(previous_at))
    return event


def run(event: dict[str, Any], config: handler.ClockConfig, entries: list[dict[str, Any]]) -> tuple[dict, Any]:
    cloudwatch = AnsweringCloudWatch(entries)
    logs: list[dict[str, Any]] = []
    runtime = handler.Runtime(client=lambda service, region: cloudwatch, now=lambda: T, http_put=None, log=logs.append)
    return handler.handle(event, None, config, runtime), cloudwatch


def config(publish: str = "api", period: int = 60) -> handler.ClockConfig:
    return handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=period, alarm_prefix=f"{CLOCK}-tick-is-", publish=publish
    )


def test_a_restart_on_the_watchdogs_alarm_sets_the_watchdog_back_to_ok_after_the_kick() -> None:
    entries = [entry(TICK, "INSUFFICIENT_DATA", T - 600), entry(WATCHDOG, "ALARM", T - 1)]
    result, cloudwatch = run(watchdog_alarm("OK", T - 900), config(), entries)
    assert result["action"] == "restart" and result["rearmed"] is True
    assert cloudwatch.states_set(TICK) == [("OK", "alarmclock: restart (the watchdog saw no Tick)")]
    assert cloudwatch.states_set(WATCHDOG) == [("OK", handler.REARM_MARK)]
    names = [n for n, c in cloudwatch.calls if n == "set_alarm_state"]
    assert names == ["set_alarm_state"] * 2 and cloudwatch.calls[-1][1]["AlarmName"] == WATCHDOG  # the kick first


def test_a_restart_not_due_yet_still_rearms_so_the_watchdog_looks_again() -> None:
    # A five-minute clock's newest value is stamped up to a period ahead: not due, no kick; the
    # watchdog must still be able to call once it is due and still unseen.
    entries = [entry(TICK, "ALARM", T - 100), entry(WATCHDOG, "ALARM", T - 1)]
    result, cloudwatch = run(watchdog_alarm("OK", T - 900), config(period=300), entries)
    assert "due in" in result["skipped"]
    assert cloudwatch.states_set(TICK) == []
    assert cloudwatch.states_set(WATCHDOG) == [("OK", handler.REARM_MARK)]


def test_a_new_watchdogs_first_alarm_is_not_rearmed_a_later_young_one_is() -> None:
    young = [entry(TICK, "INSUFFICIENT_DATA", T - 20, configured=T - 20), entry(WATCHDOG, "ALARM", T - 1, T - 20)]
    result, cloudwatch = run(watchdog_alarm("INSUFFICIENT_DATA", T - 20), config(), young)
    assert result["verdict"] == "starting"
    assert cloudwatch.calls == []  # no kick, no re-arm: the clock is starting
    # A switch re-shapes the watchdog (young again) and re-arms it: its next ALARM comes from OK.
    result, cloudwatch = run(watchdog_alarm("OK", T - 10), config(), young)
    assert result["verdict"] == "starting"
    assert cloudwatch.states_set(WATCHDOG) == [("OK", handler.REARM_MARK)]


@pytest.mark.parametrize("entries", [[entry(TICK, "OK", T - 600, enabled=False), entry(WATCHDOG, "ALARM", T - 1)], []])
def test_a_paused_or_missing_clock_is_not_rearmed(entries: list[dict[str, Any]]) -> None:
    result, cloudwatch = run(watchdog_alarm("OK", T - 900), config(), entries)
    assert result["action"] == "ignored"
    assert cloudwatch.calls == []


def test_the_documented_design_never_replays_a_stamp_a_fresh_kick_stamps_now() -> None:
    # Replayed, the value would land beside the one before it, where the pair's average (0.5)
    # satisfies no alarm: the stall the restart is for.
    entries = [entry(TICK, "OK", T - 30), entry(WATCHDOG, "ALARM", T - 1)]
    assert handler.choose_kick(entries, config(), T)[2] == pytest.approx(T - 30)  # publishing each tick
    assert handler.choose_kick(entries, config(publish="now"), T) == (TICK, "OK", None)


def test_a_switched_ten_second_clock_whose_values_are_counted_too_late_is_never_silent_for_minutes() -> None:
    # Nothing stamped ahead counts, and a value stamped now is seen 20-25 s later, while a 10 s
    # alarm looks back two periods: many of the documented design's values are never counted.
    # The re-armed watchdog restarts the loop at its own cadence, not the 10-minute heartbeat's.
    timing = TimingModel().at(future_visible_from="never", visibility_delay_s=(20.0, 25.0), evaluation_range_periods=2)
    result = simulate(Scenario(spec=build_spec(every="10s"), duration_s=2 * 3600, seed=1, timing=timing))
    (switch,) = result.report.switches
    start = result.world.start
    after = [t - start for t in result.tick_times if t - start > switch["at_s"]]
    gaps = [b - a for a, b in itertools.pairwise(after)]
    assert result.report.stalled_since_s is None
    assert len(after) > 100 and max(gaps) < 90  # the re-armed watchdog's 30 s window, a restart, a visibility delay


def test_an_alarm_whose_period_changes_across_a_minute_is_evaluated_on_its_new_cycle() -> None:
    # A one-minute wave clock's watchdog reads minutes; switched, it reads 10 s periods, and CloudWatch
    # evaluates such an alarm every 10 s (evaluation_cycle), not on the minute it was created with.
    timing = TimingModel().at(future_visible_from="never")
    result = simulate(Scenario(spec=build_spec(every="1m"), duration_s=2 * 3600, seed=3, timing=timing))
    (switch,) = result.report.switches
    watchdog = result.stack.seen_alarms["clock-watchdog"]
    assert (watchdog.period_s, watchdog.cycle_s) == (10, 10)
    minutes_after = (2 * 3600 - switch["at_s"]) / 60
    # The tick alarm once a minute, the watchdog six times: over five a minute (two if it kept the minute).
    assert result.stack.evaluations > 5 * minutes_after


@pytest.mark.parametrize(
    ("entries", "verdict", "why"),
    [
        ([entry(TICK, "OK", T - 30), entry(WATCHDOG, "OK", T - 5)], "ticking", "the watchdog is OK"),
        ([entry(TICK, "OK", T - 30)], "ticking", "the watchdog is missing"),
        (
            [entry(TICK, "OK", T - 30, enabled=False), entry(WATCHDOG, "ALARM", T - 1)],
            "paused",
            "the alarms' actions are disabled",
        ),
        ([entry(WATCHDOG, "ALARM", T - 1)], "missing", "the clock's alarms do not exist"),
    ],
)
def test_a_watchdog_alarm_on_a_clock_that_is_not_stalled_kicks_nothing(
    entries: list[dict[str, Any]], verdict: str, why: str
) -> None:
    # By the time the function looks, the clock ticks again (the watchdog is back to OK), is paused,
    # or is gone: nothing to restart.
    result, cloudwatch = run(watchdog_alarm("OK", T - 900), config(), entries)
    assert result["action"] == "ignored" and result["verdict"] == verdict
    assert result["reason"] == f"watchdog ALARM while the clock is {verdict}: {why}"
    assert cloudwatch.states_set(TICK) == []


# ---- a restart on request, and what a failed call leaves ------------------------------------------


def restart_event(design: str | None = None) -> dict[str, Any]:
    return {"alarmclock": "restart"} | ({"design": design} if design else {})


def wave_entry(state: str, changed: float, dimension: str = "Wave") -> dict[str, Any]:
    return entry(TICK, state, changed) | {"Dimensions": [{"Name": dimension, "Value": "60s"}], "Period": 60}


def test_a_restart_on_request_switches_a_wave_clock_to_the_documented_design() -> None:
    entries = [wave_entry("ALARM", T - 30), entry(WATCHDOG, "OK", T - 600)]
    result, cloudwatch = run(restart_event("now"), config("wave"), entries)
    assert result == {
        "action": "switch",
        "design": "now",
        "reason": "asked for by alarmclock restart",
        "kicked": TICK,
        "rearmed": False,
        "heartbeat": None,  # a config without a stack id names no rule
    }
    (tick, watchdog) = [c for name, c in cloudwatch.calls if name == "put_metric_alarm"]
    assert tick["Period"] == 60 and tick["Dimensions"] == [{"Name": "Now", "Value": "60s"}]
    assert tick["AlarmDescription"].startswith(
        "alarmclock: switched to --publish now: asked for by alarmclock restart ("
    )
    # The documented design's watchdog: 10 s periods over two cycles and a step (template.watchdog_shape).
    assert (watchdog["Period"], watchdog["EvaluationPeriods"], watchdog["DatapointsToAlarm"]) == (10, 13, 13)
    assert cloudwatch.states_set(TICK) == [("OK", "alarmclock: switched to --publish now")]


def test_a_restart_on_request_to_the_design_a_clock_runs_changes_nothing() -> None:
    result, cloudwatch = run(restart_event("wave"), config("wave"), [wave_entry("ALARM", T - 30)])
    assert result == {"action": "switch", "design": "wave", "skipped": "already running"}
    assert cloudwatch.calls == []


def test_a_switch_without_its_tick_alarm_is_ignored_and_touches_nothing() -> None:
    result, cloudwatch = run(restart_event("now"), config("wave"), [entry(WATCHDOG, "OK", T - 600)])
    assert result == {"action": "ignored", "reason": "cannot switch: the tick alarm does not exist"}
    assert cloudwatch.calls == []  # no alarm put, no state set, no wave laid


def test_a_restart_on_request_of_a_switched_wave_clock_kicks_the_documented_designs_loop() -> None:
    entries = [wave_entry("OK", T - 3_600, dimension="Now"), entry(WATCHDOG, "ALARM", T - 1)]
    result, cloudwatch = run(restart_event(), config("wave"), entries)
    assert result["action"] == "restart" and result["reason"] == "restarted on request"
    assert [state for state, _ in cloudwatch.states_set(TICK)] == ["ALARM", "OK"]  # a prelude, then the kick
    assert not any(name == "put_metric_data" for name, _ in cloudwatch.calls)  # no wave laid


def test_a_restart_on_request_of_a_paused_clock_is_refused() -> None:
    entries = [entry(TICK, "OK", T - 30, enabled=False), entry(WATCHDOG, "ALARM", T - 1)]
    result, cloudwatch = run(restart_event(), config(), entries)
    assert result == {"action": "ignored", "reason": "restart refused: the alarms' actions are disabled"}
    assert cloudwatch.calls == []


class FailingCloudWatch:
    """Every call fails, as a throttled or unauthorised CloudWatch would; the calls are counted."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def fail(**_: Any) -> Any:
            self.calls.append(name)
            raise RuntimeError("Throttling")

        return fail


def failing_runtime(logs: list[dict[str, Any]], cloudwatch: Any) -> handler.Runtime:
    return handler.Runtime(client=lambda service, region: cloudwatch, now=lambda: T, http_put=None, log=logs.append)


def test_a_failed_rearm_is_logged_and_leaves_the_watchdog_to_the_heartbeat() -> None:
    logs: list[dict[str, Any]] = []
    assert handler.rearm_watchdog(config(), failing_runtime(logs, FailingCloudWatch())) is False
    assert logs == [{"level": "WARNING", "clock": CLOCK, "action": "rearm", "reason": "RuntimeError: Throttling"}]


def test_a_failed_look_at_the_design_leaves_a_wave_clock_on_its_wave() -> None:
    logs: list[dict[str, Any]] = []
    cloudwatch = FailingCloudWatch()
    assert handler.design_now(config("wave"), failing_runtime(logs, cloudwatch)) == "wave"
    assert cloudwatch.calls == ["describe_alarms"]
    assert logs == [{"level": "WARNING", "clock": CLOCK, "action": "design", "reason": "RuntimeError: Throttling"}]
    assert CLOCK not in handler._designs  # not remembered: the next event looks again


def test_a_kick_without_an_alarm_starts_the_loop_afresh() -> None:
    cloudwatch = AnsweringCloudWatch([])
    logs: list[dict[str, Any]] = []
    runtime = handler.Runtime(client=lambda service, region: cloudwatch, now=lambda: T, http_put=None, log=logs.append)
    assert handler.kick(config(), runtime, "alarmclock: test") == TICK
    # The one alarm's OK publishes 1: from no known state, a prelude to ALARM first.
    assert cloudwatch.states_set(TICK) == [
        ("ALARM", "alarmclock: kick prelude (alarmclock: test)"),
        ("OK", "alarmclock: test"),
    ]
    assert logs[-1] == {
        "level": "INFO",
        "clock": CLOCK,
        "action": "kick",
        "alarm": TICK,
        "state": "OK",
        "reason": "alarmclock: test",
    }


# ---- the alarms' view: what is fresh enough to be a tick ------------------------------------------


@pytest.mark.parametrize(
    ("period", "age_s", "fresh"),
    [
        (60, -300.0, True),  # five minutes ahead of the function's clock: still in view
        (60, -300.5, False),
        (60, 3_600.0, True),  # an hour old: still in view
        (60, 3_600.5, False),
        (7_200, 14_400.0, True),  # two periods, where they are longer than an hour
        (7_200, 14_400.5, False),
    ],
)
def test_a_change_is_in_view_from_five_minutes_ahead_to_an_hour_or_two_periods_old(
    period: int, age_s: float, fresh: bool
) -> None:
    clock = handler.ClockConfig(clock=CLOCK, namespace="n", period=period, alarm_prefix=f"{CLOCK}-tick-is-")
    change = handler.AlarmChange(TICK, "ALARM", handler._iso(T - age_s), "lambda")
    why = handler.foreign("alarm", change, clock, T)
    assert why == (None if fresh else f"a state change of {handler._iso(T - age_s)}, out of the alarms' view")


def test_a_replayed_change_is_judged_by_the_time_it_replays() -> None:
    replay = f"alarmclock: restart (resumed); replaying {handler._iso(T - 30)}"
    change = handler.AlarmChange(TICK, "OK", handler._iso(T - 7_200), "lambda", reason=replay)
    assert handler.foreign("alarm", change, config(), T) is None
    assert handler.replayed_time(replay) == T - 30
    assert handler.replayed_time(None) is None and handler.replayed_time("no mark") is None


def test_the_documented_designs_watchdog_window_is_its_own() -> None:
    # Two quiet cycles of a minute in 10 s steps, and a step: 130 s, whatever the clock's period.
    assert config("wave", period=300).now_design().watchdog_window == 130
    assert config("wave", period=30).now_design().watchdog_window == 30  # two 10 s cycles and a step


# ---- the documented design's grid, its stamps, and switching back --------------------------------

MINUTE = 1_795_768_920.0  # 08:42:00 UTC, on the grid of every period up to 20 minutes (and 5)


def five_minute_now_design() -> handler.ClockConfig:
    return config("wave", period=300).now_design()  # a 5-minute clock whose alarm flips every minute


def flip(at: float, previous_state: str | None = None, previous_at: float | None = None) -> handler.AlarmChange:
    previous_time = handler._iso(previous_at) if previous_at is not None else None
    return handler.AlarmChange(TICK, "ALARM", handler._iso(at), "lambda", None, previous_state, previous_time)


GRID = MINUTE - 120  # 08:40:00 UTC, a multiple of five minutes


@pytest.mark.parametrize(
    ("at", "previous_state", "previous_at", "ticks"),
    [
        # SNS says nothing of the previous flip: a flip within the cycle after a grid time is its tick.
        (GRID + 30, None, None, [GRID]),
        (GRID + 90, None, None, []),
        # A flip on the grid time itself is its tick; the alarm's next flip, a whole cycle after it, is
        # not (it would be a second tick named GRID).
        (GRID, None, None, [GRID]),
        (GRID + 60, None, None, []),
        # The previous state was no tick (no data), or the previous flip was over a period ago: the same.
        (GRID + 10, "INSUFFICIENT_DATA", GRID - 50, [GRID]),
        (GRID + 10, "OK", GRID - 300, [GRID]),
        (GRID + 70, "OK", GRID - 300, []),
        # The direct event's previous flip, within the period: the grid time since then is the tick.
        (GRID + 10, "OK", GRID - 50, [GRID]),
        (GRID + 10, "OK", GRID + 5, []),  # the grid time was delivered by the previous flip
        (GRID, "OK", GRID - 299.5, [GRID]),
        (GRID + 90, "OK", GRID - 210, [GRID]),  # exactly a period after the previous flip: still within it
    ],
)
def test_the_documented_design_ticks_on_its_periods_grid(
    at: float, previous_state: str | None, previous_at: float | None, ticks: list[float]
) -> None:
    assert handler.tick_grid_times(flip(at, previous_state, previous_at), at, five_minute_now_design()) == ticks


def test_a_flip_a_whole_period_after_a_flip_on_the_grid_delivers_only_its_own_grid_time() -> None:
    # The flip at GRID - 300 was that grid time's tick; the next, exactly a period later, is GRID's only
    # (it named GRID - 300 again, as caught up, until the handler of this test's commit).
    design = five_minute_now_design()
    assert handler.tick_grid_times(flip(GRID - 300, "OK", GRID - 360), GRID - 300, design) == [GRID - 300]
    assert handler.tick_grid_times(flip(GRID, "OK", GRID - 300), GRID, design) == [GRID]


@pytest.mark.parametrize(
    ("second", "now_after_s", "stamp_second"),
    [
        (10.0, 30.0, 15.0),  # five seconds after the change
        (10.0, 2.0, 12.0),  # never ahead of the function's clock
        (58.0, 30.0, 59.5),  # never past the change's own cycle
    ],
)
def test_the_documented_design_stamps_a_flip_a_few_seconds_after_it(
    second: float, now_after_s: float, stamp_second: float
) -> None:
    changed = MINUTE + second
    assert handler.now_stamp(changed, changed + now_after_s, five_minute_now_design()) == MINUTE + stamp_second


def test_switching_back_to_the_wave_gives_the_watchdog_its_window_in_minutes() -> None:
    now_tick = wave_entry("OK", T - 30, dimension="Now")
    for window, periods in ((180.0, 3), (50.0, 1)):  # at least one period
        clock = config("wave")
        clock.watchdog_window = window
        entries = [now_tick, entry(WATCHDOG, "OK", T - 600)]
        result, cloudwatch = run(restart_event("wave"), clock, entries)
        assert result["switch"] == "wave" and result["rearmed"] is False
        (tick, watchdog) = [c for name, c in cloudwatch.calls if name == "put_metric_alarm"]
        assert (tick["Period"], tick["Dimensions"]) == (60, [{"Name": "Wave", "Value": "60s"}])
        assert (watchdog["Period"], watchdog["EvaluationPeriods"], watchdog["DatapointsToAlarm"]) == (
            60,
            periods,
            periods,
        )
        assert any(name == "put_metric_data" for name, _ in cloudwatch.calls)  # the wave, laid again
        handler._designs.clear()


def test_switching_a_paused_clock_kicks_nothing() -> None:
    paused = wave_entry("ALARM", T - 30) | {"ActionsEnabled": False}
    result, cloudwatch = run(restart_event("now"), config("wave"), [paused])
    assert result["action"] == "switch" and result["kicked"] is None
    assert cloudwatch.states_set(TICK) == []


def test_a_wave_clocks_design_is_remembered_and_the_pair_never_switches() -> None:
    runtime = handler.Runtime(
        client=lambda service, region: AnsweringCloudWatch([]), now=lambda: T, http_put=None, log=lambda _: None
    )
    handler._designs[CLOCK] = "now"
    assert handler.design_now(config("wave"), runtime) == "now"
    handler._designs.clear()
    pair = config("wave")
    pair.alarms = 2
    assert handler.design_now(pair, runtime) == "wave"
    assert handler.design_now(config("wave"), runtime) == "wave"  # asked: no Now dimension on the alarm
    assert handler._designs == {CLOCK: "wave"}


@pytest.mark.parametrize("laid_here", [True, False])
def test_a_young_watchdog_lays_the_wave_again_but_only_ahead_where_this_environment_laid_it(laid_here: bool) -> None:
    # Starting (this environment laid the wave at the create): values put after their stamp would
    # count in every world and hide a world that counts nothing stamped ahead for a window more.
    handler._laid.pop(CLOCK, None)
    if laid_here:
        handler._laid[CLOCK] = T - 20
    young = [entry(TICK, "INSUFFICIENT_DATA", T - 20, configured=T - 20), entry(WATCHDOG, "ALARM", T - 1, T - 20)]
    try:
        result, cloudwatch = run(watchdog_alarm("INSUFFICIENT_DATA", T - 20), config("wave", 10), young)
    finally:
        handler._laid.pop(CLOCK, None)
    (call,) = [c for n, c in cloudwatch.calls if n == "put_metric_data"]
    stamps = [d["Timestamp"].timestamp() for d in call["MetricData"]]
    assert (result.get("verdict") == "starting") is laid_here
    assert (min(stamps) > T) is laid_here
    assert len(stamps) == len(handler.wave_points(T, config("wave", 10))) - (2 if laid_here else 0)
