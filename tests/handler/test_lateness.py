"""Where a period is one evaluation cycle, a wave clock judges its alarm by how late each flip decides.

A steady lateness is a beat kept, shifted; a lateness that keeps changing is a beat lost, and the clock
tries the documented design. If values stamped now are decided late too, the wave was the better of
the two: the clock goes back to it and stays (docs/timing-model.md, "Right in every world").
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from alarmclock import handler

from conftest import CLOCK, AnsweringCloudWatch, load_event, ten_second_alarm_entry

T = 1_795_768_920.0  # on a whole minute
TICK = f"{CLOCK}-tick-is-1"
WATCHDOG = f"{CLOCK}-watchdog"
WAVE = {"Wave": "10s"}
NOW = {"Now": "10s"}
TEMPLATE_DESCRIPTION = "alarmclock: ALARM when Tick is 1 (the clock publishes 0 next), OK when it is 0 (publishes 1)"


@pytest.fixture(autouse=True)
def fresh_environment() -> Iterator[None]:
    """Each test is a new execution environment: what the handler remembers between events starts empty."""
    for memory in (
        handler._lateness,
        handler._now_late,
        handler._designs,
        handler._laid,
        handler._held,
        handler._started,
    ):
        memory.clear()
    yield


def flip(at: float, late: int, state: str, dimensions: dict[str, str], description: str) -> dict[str, Any]:
    """A direct event of the tick alarm flipping at `at`, having decided on the period that ended
    `late` cycles before the newest complete one."""
    event = copy.deepcopy(load_event("lambda_alarm_action.json"))
    data = event["alarmData"]
    query = at - 0.01
    newest_complete = (query // 10) * 10 - 10
    decided = newest_complete - 10 * late
    reason = {
        "version": "1.0",
        "queryDate": handler._iso(query).replace("Z", "+0000"),
        "period": 10,
        "evaluatedDatapoints": [{"timestamp": handler._iso(decided), "sampleCount": 1.0, "value": 1.0}],
    }
    data["alarmName"] = TICK
    event["alarmArn"] = event["alarmArn"].replace("my-clock-tick-is-1", TICK)
    data["state"].update(value=state, timestamp=handler._iso(at), reasonData=json.dumps(reason))
    data["previousState"].update(value="OK" if state == "ALARM" else "ALARM", timestamp=handler._iso(at - 10))
    configuration = data["configuration"]
    configuration["description"] = description
    configuration["metrics"][0]["metricStat"]["metric"]["dimensions"] = dimensions
    configuration["metrics"][0]["metricStat"]["period"] = 10
    return event


def wave_config() -> handler.ClockConfig:
    return handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=10, alarm_prefix=f"{CLOCK}-tick-is-", publish="wave"
    )


def play(
    latenesses: list[int], dimensions: dict[str, str], description: str, start: float = T
) -> tuple[list[dict[str, Any]], AnsweringCloudWatch]:
    """Flip the tick alarm every 10 s from `start`, each flip decided `lateness` cycles late."""
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK, dimensions, description), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    results = []
    for index, late in enumerate(latenesses):
        at = start + 10 * index + 3
        runtime = handler.Runtime(
            client=lambda service, region: cloudwatch, now=lambda at=at: at + 0.2, http_put=None, log=lambda _: None
        )
        state = "ALARM" if index % 2 == 0 else "OK"
        event = flip(at, late, state, dimensions, description)
        results.append(handler.handle(event, None, wave_config(), runtime))
    return results, cloudwatch


def alarms_put(cloudwatch: AnsweringCloudWatch) -> list[dict[str, Any]]:
    return [call for name, call in cloudwatch.calls if name == "put_metric_alarm"]


def test_a_lateness_that_keeps_changing_switches_the_wave_at_the_fourth_change() -> None:
    results, cloudwatch = play([0, 1, 0, 1, 0], WAVE, TEMPLATE_DESCRIPTION)
    assert [("switch" in r) for r in results] == [False, False, False, False, True]
    switched = results[-1]["switch"]
    assert switched["design"] == "now"
    assert switched["reason"] == (
        "the tick alarm's lateness changed 4 times in 60 flips: values stamped ahead count late"
    )
    tick = next(call for call in alarms_put(cloudwatch) if call["AlarmName"] == TICK)
    assert tick["Dimensions"] == [{"Name": "Now", "Value": "10s"}]
    assert tick["AlarmDescription"].startswith(
        "alarmclock: switched to --publish now: the tick alarm's lateness changed 4 times"
    )


def test_a_steady_lateness_is_a_beat_kept_shifted_and_never_switches() -> None:
    results, cloudwatch = play([1] * 70 + [2] * 50, WAVE, TEMPLATE_DESCRIPTION)
    assert not any("switch" in r for r in results)  # one change in 120 flips
    assert alarms_put(cloudwatch) == []


def test_changes_spread_wider_than_sixty_flips_are_separate_faults_and_do_not_switch() -> None:
    # Two excursions (two changes each), 60 flips apart: each is one fault, going and coming back.
    pattern = [0] * 10 + [1] + [0] * 60 + [1] + [0] * 10
    results, _ = play(pattern, WAVE, TEMPLATE_DESCRIPTION)
    assert not any("switch" in r for r in results)


def test_a_clock_that_stays_on_its_wave_no_longer_switches_on_its_lateness() -> None:
    stayed = TEMPLATE_DESCRIPTION + " | stays on its wave: values stamped now counted late too"
    results, cloudwatch = play([0, 1] * 10, WAVE, stayed)
    assert not any("switch" in r for r in results)
    assert alarms_put(cloudwatch) == []


def switched_description(at: float, why: str = "the tick alarm's lateness changed 4 times in 60 flips") -> str:
    return f"alarmclock: switched to --publish now: {why} ({handler._iso(at)})"


def test_the_documented_design_decided_late_three_times_in_its_trial_goes_back_to_the_wave_to_stay() -> None:
    results, cloudwatch = play([1, 0, 1, 0, 1, 0], NOW, switched_description(T - 20))
    assert [("switch" in r) for r in results] == [False, False, False, False, True, False]
    back = results[4]["switch"]
    assert back["switch"] == "wave" and back["action"] == "wave"  # the wave is laid again at once
    why = "values stamped now counted late too (3 flips within 30 cycles of the switch)"
    assert back["reason"] == why
    tick = next(call for call in alarms_put(cloudwatch) if call["AlarmName"] == TICK)
    assert tick["Dimensions"] == [{"Name": "Wave", "Value": "10s"}]
    assert tick["AlarmDescription"] == TEMPLATE_DESCRIPTION + " | stays on its wave: " + why
    assert any(name == "put_metric_data" for name, _ in cloudwatch.calls)


def test_after_its_trial_the_documented_design_stays_whatever_its_lateness() -> None:
    # 30 cycles of 10 s after the switch, the trial is over: lateness then is a fault, not the world.
    results, cloudwatch = play([1, 1, 1, 1], NOW, switched_description(T - 300))
    assert not any("switch" in r for r in results)
    assert alarms_put(cloudwatch) == []


def test_a_switch_on_no_data_is_tried_too_but_one_after_a_stay_is_for_good() -> None:
    # A new clock's first values, counted many seconds after their stamp, leave its alarm without data as
    # values never counted would: that switch is tried too. Once the clock has stayed on its wave, a
    # switch on no data again says its values are not counted: no second trial.
    no_data = "the tick alarm has no data with a wave laid ahead"
    results, _ = play([1, 1, 1, 1], NOW, switched_description(T - 20, no_data))
    assert [("switch" in r) for r in results] == [False, False, True, False]
    final = switched_description(T - 20, no_data + ", after its wave was tried")
    handler._now_late.clear()
    results, _ = play([1, 1, 1, 1], NOW, final)
    assert not any("switch" in r for r in results)


def test_a_clock_that_stayed_on_its_wave_switches_again_for_good() -> None:
    stayed = TEMPLATE_DESCRIPTION + " | stays on its wave: values stamped now counted late too"
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK, WAVE, stayed), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda: T, http_put=None, log=lambda _: None)
    handler.switch_design(wave_config(), runtime, "now", "the tick alarm has no data with a wave laid ahead")
    tick = next(call for call in alarms_put(cloudwatch) if call["AlarmName"] == TICK)
    assert tick["AlarmDescription"] == switched_description(
        T, "the tick alarm has no data with a wave laid ahead, after its wave was tried"
    )


@pytest.mark.parametrize(("publish", "dimensions"), [("api", {}), ("now", NOW)])
def test_only_a_wave_clock_goes_back_to_a_wave_whatever_its_tick_alarm_says(
    publish: str, dimensions: dict[str, str]
) -> None:
    # The trial is a switched wave clock's. A clock deployed to publish each tick lays no wave, even
    # when its tick alarm still says a wave clock switched it, seconds ago, and every flip comes late.
    clock = wave_config()
    clock.publish = publish
    cloudwatch = AnsweringCloudWatch(
        [
            ten_second_alarm_entry(TICK, dimensions, switched_description(T - 20)),
            ten_second_alarm_entry(WATCHDOG, {}, ""),
        ]
    )
    results = []
    for index in range(4):
        at = T + 10 * index + 3
        runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda at=at: at + 0.2, http_put=None,
                                  log=lambda _: None)  # fmt: skip
        event = flip(at, 1, "ALARM" if index % 2 == 0 else "OK", dimensions, switched_description(T - 20))
        results.append(handler.handle(event, None, clock, runtime))
    assert [r["action"] for r in results] == ["tick"] * 4 and not any("switch" in r for r in results)
    assert alarms_put(cloudwatch) == []
    values = [call["MetricData"] for name, call in cloudwatch.calls if name == "put_metric_data"]
    assert [len(data) for data in values] == [1, 1, 1, 1]  # each flip's own value, never a wave


def test_a_late_flip_delivered_twice_counts_once_in_the_trial() -> None:
    # A duplicated notification, or Lambda's retry of a failed run, brings the same flip again.
    description = switched_description(T - 20)
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK, NOW, description), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    results = []
    for index in range(3):
        at = T + 10 * index + 3
        event = flip(at, 1, "ALARM" if index % 2 == 0 else "OK", NOW, description)
        for copy_at in (at + 0.2, at + 5.0):
            runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda t=copy_at: t, http_put=None,
                                      log=lambda _: None)  # fmt: skip
            results.append(handler.handle(copy.deepcopy(event), None, wave_config(), runtime))
    # The third flip is the third decided late: only its first delivery goes back to the wave.
    assert [("switch" in r) for r in results] == [False, False, False, False, True, False]


def test_the_trial_judges_every_flip_of_the_documented_design_not_only_its_ticks() -> None:
    # A 20 s clock switched to the documented design: its alarm flips every 10 s, and every other flip
    # is a tick. The flips between ticks were decided late; they are flips of the world all the same.
    clock = handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=20, alarm_prefix=f"{CLOCK}-tick-is-", publish="wave"
    )
    dimensions = {"Now": "20s"}
    description = switched_description(T - 20)
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK, dimensions, description), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    results = []
    for index, late in enumerate([0, 1, 0, 1, 0, 1]):
        at = T + 10 * index + 3
        runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda at=at: at + 0.2, http_put=None,
                                  log=lambda _: None)  # fmt: skip
        event = flip(at, late, "ALARM" if index % 2 == 0 else "OK", dimensions, description)
        results.append(handler.handle(event, None, clock, runtime))
    assert [r["action"] for r in results[:5]] == ["tick", "flip", "tick", "flip", "tick"]
    assert [("switch" in r) for r in results] == [False] * 5 + [True]
    assert (
        results[5]["switch"]["reason"] == "values stamped now counted late too (3 flips within 30 cycles of the switch)"
    )


def test_the_documented_design_decided_on_time_passes_its_trial() -> None:
    results, _ = play([0, 0, 1, 0, 0, 1, 0, 0], NOW, switched_description(T - 20))
    assert not any("switch" in r for r in results)  # two late flips: a fault's worth


def test_the_direct_events_description_reaches_the_handler() -> None:
    kind, change = handler.classify(flip(T, 0, "ALARM", WAVE, "a description"))
    assert kind == "alarm" and change.description == "a description"
    event = flip(T, 0, "ALARM", WAVE, "x")
    del event["alarmData"]["configuration"]["description"]
    assert handler.classify(event)[1].description is None


# Five minutes: five evaluation cycles a period. The alarm decides on its newest window each minute; a
# wave value (stamped at 4 min 1 s into its period) counted late is first taken in by a later window.
T5 = 1_795_769_100.0  # on a whole five minutes
TICK5 = f"{CLOCK}-tick-is-1"
WAVE5 = {"Wave": "5m"}


def wave5_config() -> handler.ClockConfig:
    return handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=300, alarm_prefix=f"{CLOCK}-tick-is-", publish="wave"
    )


def reason5(index: int, late: int, second: float) -> dict[str, Any]:
    """reasonData of the flip on wave value `index` (stamped at T5 + 300 * index + 241), taken in by the
    window `late` minutes after the first that holds it, looked at `second` s after that window's end."""
    decided = T5 + 300 * index + 60 * late
    return {
        "version": "1.0",
        "queryDate": handler._iso(decided + 300 + second).replace("Z", "+0000"),
        "period": 300,
        "evaluatedDatapoints": [{"timestamp": handler._iso(decided), "sampleCount": 1.0, "value": 1.0}],
    }


def flip5(index: int, late: int, second: float) -> dict[str, Any]:
    event = copy.deepcopy(load_event("lambda_alarm_action.json"))
    data = event["alarmData"]
    at = T5 + 300 * index + 300 + 60 * late + second + 0.01
    data["alarmName"] = TICK5
    event["alarmArn"] = event["alarmArn"].replace("my-clock-tick-is-1", TICK5)
    state = "ALARM" if index % 2 == 0 else "OK"
    data["state"].update(value=state, timestamp=handler._iso(at), reasonData=json.dumps(reason5(index, late, second)))
    data["previousState"].update(value="OK" if state == "ALARM" else "ALARM", timestamp=handler._iso(at - 300))
    configuration = data["configuration"]
    configuration["description"] = TEMPLATE_DESCRIPTION
    configuration["metrics"][0]["metricStat"]["metric"]["dimensions"] = WAVE5
    configuration["metrics"][0]["metricStat"]["period"] = 300
    return event


def play5(
    flips: list[tuple[int, float]], history: list[dict[str, Any]] | None = None
) -> tuple[list[dict[str, Any]], AnsweringCloudWatch, list[dict[str, Any]]]:
    """Flip the five-minute tick alarm once a period, each flip (lateness in windows, second looked at)."""
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK5, WAVE5, TEMPLATE_DESCRIPTION), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    cloudwatch.history = history or []
    logs: list[dict[str, Any]] = []
    results = []
    for index, (late, second) in enumerate(flips):
        at = T5 + 300 * index + 300 + 60 * late + second + 0.2
        runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda at=at: at, http_put=None, log=logs.append)
        results.append(handler.handle(flip5(index, late, second), None, wave5_config(), runtime))
    return results, cloudwatch, logs


def test_at_five_minutes_the_lateness_counts_the_windows_after_the_first_that_held_the_value() -> None:
    for late in (0, 1, 2, 3):
        change = handler.classify(flip5(7, late, 30.0))[1]
        assert handler.lateness(change, 300, 60) == late
        assert handler.flip_lateness(handler.decision(change, 300), 300, 60) == (late, pytest.approx(30.0))


def test_a_five_minute_wave_whose_lateness_keeps_changing_switches_at_the_fourth_change() -> None:
    results, cloudwatch, _ = play5([(0, 30.0), (1, 30.0), (0, 30.0), (1, 30.0), (0, 30.0)])
    assert [("switch" in r) for r in results] == [False, False, False, False, True]
    tick = next(call for call in alarms_put(cloudwatch) if call["AlarmName"] == TICK5)
    assert tick["Period"] == 60  # the documented design flips once a cycle
    assert [d["Name"] for d in tick["Dimensions"]] == ["Now"]


def test_an_evaluation_its_jitter_carried_past_the_boundary_is_no_lateness() -> None:
    # An alarm that looks at 59.5 s of its minute; at times the jitter carries a look to 0.3 s of the
    # next, and the window it was due to look at goes unevaluated: a cycle late in every world alike.
    carried = [(0, 59.5), (1, 0.3), (0, 59.6), (1, 0.2), (0, 59.5), (1, 0.4), (0, 59.7)]
    results, cloudwatch, _ = play5(carried)
    assert not any("switch" in r for r in results)
    assert alarms_put(cloudwatch) == []
    # The same lateness at an alarm that looks at 4 s of its minute is points counted late.
    handler._lateness.clear()
    early = [(0, 4.2), (1, 4.3), (0, 4.1), (1, 4.4), (0, 4.2)]
    results, _, _ = play5(early)
    assert [("switch" in r) for r in results] == [False, False, False, False, True]
    assert handler.steady_lateness([(0, 59.5), (1, 0.3), (1, 30.0)], 300, 60) == [0, 0, 1]
    assert handler.steady_lateness([(0, 4.5), (1, 4.9), (1, 0.3)], 300, 60) == [0, 1, 1]
    # 5 s each side of the boundary: the jitter's upper end in the ranges swept (docs/timing-model.md).
    assert handler.steady_lateness([(0, 55.0), (1, 4.9)], 300, 60) == [0, 0]
    assert handler.steady_lateness([(0, 54.9), (1, 4.9)], 300, 60) == [0, 1]
    assert handler.steady_lateness([(0, 55.0), (1, 5.0)], 300, 60) == [0, 1]
    assert handler.steady_lateness([(0, 9.5), (1, 0.3)], 10, 10) == [0, 1]  # one cycle a period: as read


def history_item(index: int, late: int, second: float) -> dict[str, Any]:
    """A StateUpdate item as DescribeAlarmHistory returns it: newState carries stateReasonData."""
    new, old = ("ALARM", "OK") if index % 2 == 0 else ("OK", "ALARM")
    data = {
        "version": "1.0",
        "oldState": {"stateValue": old, "stateReason": "Threshold Crossed"},
        "newState": {
            "stateValue": new,
            "stateReason": "Threshold Crossed",
            "stateReasonData": reason5(index, late, second),
        },
    }
    return {"AlarmName": TICK5, "HistoryItemType": "StateUpdate", "HistoryData": json.dumps(data)}


def test_a_new_environment_reads_the_latest_flips_lateness_from_the_alarms_history() -> None:
    # Four flips before this environment, lateness 0, 1, 0, 1 (the history is newest first, and holds
    # the flip being handled too, and a re-arm with no evaluation behind it).
    rearm = {"AlarmName": TICK5, "HistoryItemType": "StateUpdate", "HistoryData": json.dumps({"newState": {}})}
    items = [history_item(index, index % 2, 30.0) for index in range(4)] + [history_item(4, 0, 30.0), rearm]
    history = list(reversed(items))
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK5, WAVE5, TEMPLATE_DESCRIPTION), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    cloudwatch.history = history
    at = T5 + 300 * 4 + 330.2
    runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda: at, http_put=None, log=lambda _: None)
    result = handler.handle(flip5(4, 0, 30.0), None, wave5_config(), runtime)
    assert result["switch"]["design"] == "now"  # the fourth change, this flip's, counted once
    reads = [call for name, call in cloudwatch.calls if name == "describe_alarm_history"]
    assert reads == [{"AlarmName": TICK5, "HistoryItemType": "StateUpdate", "MaxRecords": 60}]


def test_a_warm_environment_reads_the_history_once_and_an_unreadable_one_starts_afresh() -> None:
    results, cloudwatch, logs = play5([(0, 30.0), (0, 30.0), (0, 30.0)])
    assert not any("switch" in r for r in results)
    assert [name for name, _ in cloudwatch.calls].count("describe_alarm_history") == 1

    handler._lateness.clear()

    class Denied(AnsweringCloudWatch):
        def describe_alarm_history(self, **kwargs: Any) -> dict[str, Any]:
            raise RuntimeError("AccessDenied")

    denied = Denied(
        [ten_second_alarm_entry(TICK5, WAVE5, TEMPLATE_DESCRIPTION), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    logs.clear()
    runtime = handler.Runtime(client=lambda s, r: denied, now=lambda: T5 + 330.2, http_put=None, log=logs.append)
    result = handler.handle(flip5(0, 0, 30.0), None, wave5_config(), runtime)
    assert result["action"] == "tick" and "switch" not in result
    warnings = [line for line in logs if line.get("action") == "history"]
    assert len(warnings) == 1 and warnings[0]["level"] == "WARNING" and "AccessDenied" in warnings[0]["reason"]
    assert handler._lateness[CLOCK] == [(0, pytest.approx(30.0))]


def test_a_window_that_ends_on_its_evaluations_second_takes_a_value_in_early_and_that_is_no_lateness() -> None:
    # Where a window ends on the second it is evaluated (sliding_window_end=second, an end of the
    # model's range), the window that first holds a value may end 55 s before the whole cycle's end.
    start = T5 + 300 * 7
    assert handler.flip_lateness((start - 55.0, start + 250.0), 300, 60)[0] == 0
    assert handler.flip_lateness((start + 60.0, start + 365.0), 300, 60)[0] == 1


# ---- where a wave is judged not followed ---------------------------------------------------------------


def one_minute_wave() -> handler.ClockConfig:
    return handler.ClockConfig(CLOCK, f"alarmclock/{CLOCK}", 60, f"{CLOCK}-tick-is-", publish="wave")


def decided(period_start: float, query: float) -> handler.AlarmChange:
    data = {"evaluatedDatapoints": [{"timestamp": handler._iso(period_start)}], "queryDate": handler._iso(query)}
    reason_data = json.dumps(data | {"period": 60})
    return handler.AlarmChange(TICK, "OK", handler._iso(query), "lambda", None, "ALARM", handler._iso(query - 60),
                               reason_data=reason_data)  # fmt: skip


def test_a_decision_a_whole_cycle_behind_the_waves_newest_value_is_a_wave_not_followed() -> None:
    # The period from T holds its wave value at T + 1; the next, at T + 61, is the newest a cycle
    # before T + 121: an alarm looking then and deciding on T's period is a cycle (60 s) behind.
    assert handler.wave_lag(decided(T, T + 121), one_minute_wave()) == (
        "the tick alarm decided on a value 60 s older than the wave's newest"
    )
    assert handler.wave_lag(decided(T, T + 120.9), one_minute_wave()) is None


@pytest.mark.parametrize(("ago_s", "lately"), [(7_019.0, True), (7_021.0, False)])
def test_a_wave_was_laid_lately_while_it_reaches_two_periods_past_now(ago_s: float, lately: bool) -> None:
    # The wave reaches 7,140 s ahead; laid longer ago than that less two periods (of at least a
    # minute: 7,020 s at 1m), its values no longer lie ahead.
    cloudwatch = AnsweringCloudWatch([])
    now = [T]
    runtime = handler.Runtime(client=lambda service, region: cloudwatch, now=lambda: now[0], http_put=None,
                              log=lambda record: None)  # fmt: skip
    handler.lay_wave(one_minute_wave(), runtime, "a test")
    now[0] = T + ago_s
    assert handler.laid_lately(one_minute_wave(), runtime) is lately


# ---- `alarmclock restart` of a wave clock -------------------------------------------------------------


def restart(entries: list[dict[str, Any]]) -> tuple[dict[str, Any], AnsweringCloudWatch]:
    cloudwatch = AnsweringCloudWatch([*entries, ten_second_alarm_entry(WATCHDOG, {}, "")])
    runtime = handler.Runtime(client=lambda service, region: cloudwatch, now=lambda: T + 100, http_put=None,
                              log=lambda record: None)  # fmt: skip
    return handler.handle({"alarmclock": "restart"}, None, wave_config(), runtime), cloudwatch


def test_a_restart_asks_again_which_design_runs_and_lays_the_wave_the_alarms_went_back_to() -> None:
    play([0], NOW, switched_description(T))  # this environment last saw the documented design
    result, cloudwatch = restart(
        [ten_second_alarm_entry(TICK, WAVE, TEMPLATE_DESCRIPTION)]
    )  # the alarms run the wave now
    assert (result["action"], result["reason"]) == ("wave", "restarted on request")
    assert [name for name, _ in cloudwatch.calls] == ["put_metric_data"]


def test_a_restart_of_the_documented_design_kicks_it_afresh_and_never_replays() -> None:
    # Its value is stamped at the change: the same stamp again would land beside the lost one.
    tick = ten_second_alarm_entry(TICK, NOW, switched_description(T)) | {
        "StateTransitionedTimestamp": datetime.fromtimestamp(T + 95, UTC)  # changed 5 s ago: fresh
    }
    result, cloudwatch = restart([tick])
    assert result == {
        "action": "restart",
        "kicked": TICK,
        "state": "OK",
        "replay": None,
        "reason": "restarted on request",
    }
    assert cloudwatch.states_set(TICK)[-1] == ("OK", "alarmclock: restart (restarted on request)")


# ---- a tick alarm that holds still past a due flip (wave_held_still) -----------------------------


def play_held(
    flips: Sequence[tuple[int, float]], description: str = TEMPLATE_DESCRIPTION
) -> tuple[list[dict[str, Any]], AnsweringCloudWatch]:
    """Flip the ten-second tick alarm, each flip (lateness in cycles, seconds since the flip before)."""
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK, WAVE, description), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    results, at = [], T + 3
    for index, (late, gap) in enumerate(flips):
        at += gap
        event = flip(at, late, "ALARM" if index % 2 == 0 else "OK", WAVE, description)
        event["alarmData"]["previousState"]["timestamp"] = handler._iso(at - gap)
        runtime = handler.Runtime(
            client=lambda service, region: cloudwatch, now=lambda at=at: at + 0.2, http_put=None, log=lambda _: None
        )
        results.append(handler.handle(event, None, wave_config(), runtime))
    return results, cloudwatch


def test_two_flips_that_held_still_and_decided_late_within_the_notice_switch_the_wave() -> None:
    # A steady lateness of one cycle (a beat kept, shifted), and twice the alarm held still past a
    # flip, 60 s apart: within the 90 s a ten-second clock has to notice (3 periods and a minute).
    results, cloudwatch = play_held([(1, 10)] * 3 + [(1, 20)] + [(1, 10)] * 5 + [(1, 20)])
    assert [("switch" in r) for r in results] == [False] * 9 + [True]
    assert results[-1]["switch"]["reason"] == (
        "the tick alarm held still past 2 due flips within 90 s: values stamped ahead count late"
    )
    tick = next(call for call in alarms_put(cloudwatch) if call["AlarmName"] == TICK)
    assert tick["Dimensions"] == [{"Name": "Now", "Value": "10s"}]


def test_held_flips_further_apart_than_the_notice_are_separate_faults() -> None:
    results, _ = play_held([(1, 10)] * 3 + [(1, 20)] + [(1, 10)] * 8 + [(1, 20)])  # 100 s apart
    assert not any("switch" in r for r in results)
    # Half a cycle past the period is the edge: 15 s between flips is a flip come late, not one missed.
    handler._held.clear()
    results, _ = play_held([(1, 10), (1, 15), (1, 10), (1, 15.01)])
    assert not any("switch" in r for r in results)
    assert handler._held[CLOCK] == {T + 3 + 50.01}


def test_a_flip_that_held_still_but_decided_on_time_is_a_window_skipped_not_evidence() -> None:
    # A skipped or late evaluation leaves a window unevaluated: the flip after it decides on the newest.
    results, cloudwatch = play_held([(0, 10), (0, 20), (0, 10), (0, 30), (0, 20)])
    assert not any("switch" in r for r in results)
    assert alarms_put(cloudwatch) == []


def test_soon_after_the_stack_laid_the_wave_one_flip_that_held_still_deciding_late_switches() -> None:
    # The stack's first value, put after its stamp, counts in every world; the next, stamped ahead,
    # is the question itself. Within 90 s of the wave laid by the stack, one such flip is the answer.
    handler._started[CLOCK] = T + 3
    results, _ = play_held([(0, 10), (1, 20)])
    assert [("switch" in r) for r in results] == [False, True]
    assert results[-1]["switch"]["reason"].startswith(
        "the tick alarm held still past a due flip within 90 s of the stack laying the wave"
    )
    # Where the values stamped ahead never count in time, the alarm holds still with no event until
    # they do: a hold that began within the 90 s is the answer however long it lasted.
    handler._held.clear()
    handler._lateness.clear()
    handler._started[CLOCK] = T + 3
    results, _ = play_held([(0, 10), (1, 100)])
    assert [("switch" in r) for r in results] == [False, True]
    handler._held.clear()
    handler._lateness.clear()
    handler._started[CLOCK] = T + 13 - 90  # the hold began 90 s after: one is one fault again
    results, _ = play_held([(0, 10), (1, 20)])
    assert not any("switch" in r for r in results)


def test_a_clock_that_stayed_on_its_wave_no_longer_switches_on_flips_that_held_still() -> None:
    stayed = TEMPLATE_DESCRIPTION + " | stays on its wave: values stamped now counted late too"
    results, cloudwatch = play_held([(1, 20)] * 6, stayed)
    assert not any("switch" in r for r in results)
    assert alarms_put(cloudwatch) == []


def held5(index: int, late: int, second: float, gap: float) -> dict[str, Any]:
    event = flip5(index, late, second)
    at = handler.parse_time(event["alarmData"]["state"]["timestamp"], None)
    event["alarmData"]["previousState"]["timestamp"] = handler._iso(at - gap)
    return event


@pytest.mark.parametrize(("second", "switches"), [(0.3, False), (59.5, False), (30.0, True)])
def test_at_five_minutes_a_held_flip_a_cycle_late_at_its_cycles_end_was_carried_across(
    second: float, switches: bool
) -> None:
    # An evaluation its jitter carried past the minute's end leaves a window unevaluated and makes the
    # flip a cycle late in every world: at the cycle's first or last second that is no evidence.
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK5, WAVE5, TEMPLATE_DESCRIPTION), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    results = []
    for index in (0, 2):
        event = held5(index, 1, second, 360.0)
        at = handler.parse_time(event["alarmData"]["state"]["timestamp"], None)
        runtime = handler.Runtime(
            client=lambda s, r: cloudwatch, now=lambda at=at: at, http_put=None, log=lambda _: None
        )
        results.append(handler.handle(event, None, wave5_config(), runtime))
    assert ["switch" in r for r in results] == [False, switches]


def test_at_five_minutes_an_alarm_seen_looking_at_both_ends_of_its_cycle_is_carried_across_too() -> None:
    # An alarm at :58 whose jitter carries some looks to :02 of the next minute (the memory of its
    # latest flips says so) skips windows at times: a held flip a cycle late is no evidence there,
    # whatever second it was looked at.
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK5, WAVE5, TEMPLATE_DESCRIPTION), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    handler._lateness[CLOCK] = [(0, 58.0), (0, 2.0)]
    results = []
    for index in (0, 2):
        event = held5(index, 1, 30.0, 360.0)
        at = handler.parse_time(event["alarmData"]["state"]["timestamp"], None)
        runtime = handler.Runtime(
            client=lambda s, r: cloudwatch, now=lambda at=at: at, http_put=None, log=lambda _: None
        )
        results.append(handler.handle(event, None, wave5_config(), runtime))
    assert not any("switch" in r for r in results)
    assert handler._held.get(CLOCK) is None
