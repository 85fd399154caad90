"""Whether a wave lies ahead, known from the event where the execution environment remembers nothing.

A wave clock's watchdog going to ALARM says no Tick was published for its window. If a wave lies
ahead, its values are not counted: the clock switches to the documented design. A new execution
environment remembers no wave it laid, and would lay it again and look next time, in a new
environment again at five minutes or an hour. The watchdog is re-armed only after an ALARM was acted
on by laying the wave, so an ALARM that leaves a re-arm's OK says when the wave was last laid.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from alarmclock import handler

from conftest import CLOCK, AnsweringCloudWatch, load_event

T = 1_795_769_100.0
WATCHDOG = f"{CLOCK}-watchdog"
TICK = f"{CLOCK}-tick-is-1"


@pytest.fixture(autouse=True)
def fresh_environment() -> Iterator[None]:
    for memory in (handler._lateness, handler._now_late, handler._designs, handler._laid):
        memory.clear()
    yield


def watchdog_alarm(previous_reason: str, previous_at: float) -> dict[str, Any]:
    event = copy.deepcopy(load_event("lambda_alarm_action.json"))
    data = event["alarmData"]
    data["alarmName"] = WATCHDOG
    event["alarmArn"] = event["alarmArn"].replace("my-clock-tick-is-1", WATCHDOG)
    data["state"].update(value="ALARM", reason="Missing data treated as breaching", timestamp=handler._iso(T))
    data["state"].pop("reasonData", None)
    data["previousState"] = {"value": "OK", "reason": previous_reason, "timestamp": handler._iso(previous_at)}
    data["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] = {"Wave": "300s"}
    return event


def entry(name: str, dimensions: dict[str, str]) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "AlarmDescription": "",
        "ActionsEnabled": True,
        "StateValue": "ALARM" if name == WATCHDOG else "OK",
        "MetricName": "Tick",
        "Namespace": f"alarmclock/{CLOCK}",
        "Statistic": "Average",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 0.5,
        "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
    }


def handle(event: dict[str, Any]) -> tuple[dict[str, Any], AnsweringCloudWatch]:
    cloudwatch = AnsweringCloudWatch([entry(TICK, {"Wave": "300s"}), entry(WATCHDOG, {})])
    config = handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=300, alarm_prefix=f"{CLOCK}-tick-is-", publish="wave"
    )
    runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda: T + 0.3, http_put=None, log=lambda _: None)
    return handler.handle(event, None, config, runtime), cloudwatch


def calls(cloudwatch: AnsweringCloudWatch, name: str) -> list[dict[str, Any]]:
    return [call for method, call in cloudwatch.calls if method == name]


def test_an_alarm_that_leaves_a_rearm_says_a_wave_lies_ahead_and_the_clock_switches() -> None:
    result, cloudwatch = handle(watchdog_alarm(handler.REARM_MARK, T - 600))
    assert result["action"] == "switch" and result["design"] == "now"
    assert result["reason"] == "the watchdog saw no Tick with a wave laid ahead"
    assert {c["AlarmName"] for c in calls(cloudwatch, "put_metric_alarm")} == {TICK, WATCHDOG}


def test_an_alarm_that_leaves_any_other_ok_lays_the_wave_again_and_looks_next_time() -> None:
    result, cloudwatch = handle(watchdog_alarm("Threshold Crossed: no datapoints were received", T - 600))
    assert result["action"] == "wave"
    assert calls(cloudwatch, "put_metric_alarm") == []
    assert len(calls(cloudwatch, "put_metric_data")) == 1
    assert calls(cloudwatch, "set_alarm_state")[-1]["StateReason"] == handler.REARM_MARK  # the evidence next time


def test_a_rearm_as_old_as_the_wave_is_long_is_no_evidence() -> None:
    # Laid 7,140 s ahead (PutMetricData's two hours, less a minute), less two periods: a re-arm
    # 6,540 s ago (7,140 - 2 x 300) left nothing ahead that the alarm would reach.
    for age, design in ((6_539.0, "now"), (6_541.0, None)):
        result, cloudwatch = handle(watchdog_alarm(handler.REARM_MARK, T + 0.3 - age))
        assert result.get("design") == design, age
        assert bool(calls(cloudwatch, "put_metric_alarm")) == (design == "now")


def test_the_event_carries_the_previous_states_reason() -> None:
    runtime = handler.Runtime(client=None, now=lambda: T, http_put=None, log=lambda _: None)  # no call made
    config = handler.ClockConfig(clock=CLOCK, namespace="n", period=300, alarm_prefix=f"{CLOCK}-tick-is-")
    kind, change = handler.classify(watchdog_alarm("why it was OK", T - 60))
    assert kind == "alarm" and change.previous_reason == "why it was OK"
    assert handler.rearmed_at(change, config, runtime) is None
    kind, change = handler.classify(watchdog_alarm(handler.REARM_MARK, T - 60))
    assert handler.rearmed_at(change, config, runtime) == pytest.approx(T - 60)


def sns_watchdog_alarm() -> dict[str, Any]:
    """The watchdog going to ALARM from OK at T, through SNS: the message says neither why nor when it was OK."""
    event = copy.deepcopy(load_event("sns_alarm_notification.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message.update(
        AlarmName=WATCHDOG,
        NewStateValue="ALARM",
        OldStateValue="OK",
        NewStateReason="Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was "
        "treated as [Breaching].",
        StateChangeTime=handler._iso(T).replace("Z", "+0000"),
        AlarmArn=message["AlarmArn"].replace("my-clock-tick-is-0", WATCHDOG),
    )
    message["Trigger"]["Dimensions"] = [{"value": "300s", "name": "Wave"}]
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def watchdog_history(ok_reason: str, ok_age: float) -> list[dict[str, Any]]:
    """The watchdog's history, newest first: this ALARM, and the OK before it."""

    def item(age: float, old: str, new: str, reason: str) -> dict[str, Any]:
        history = {"oldState": {"stateValue": old}, "newState": {"stateValue": new, "stateReason": reason}}
        return {"Timestamp": datetime.fromtimestamp(T - age, UTC), "HistoryData": json.dumps(history)}

    return [item(0.0, "OK", "ALARM", "Threshold Crossed"), item(ok_age, "ALARM", "OK", ok_reason)]


@pytest.mark.parametrize(
    ("ok_reason", "action"), [(handler.REARM_MARK, "switch"), ("Threshold Crossed: 1 datapoint", "wave")]
)
def test_through_sns_the_watchdogs_history_says_whether_its_alarm_left_a_rearm(ok_reason: str, action: str) -> None:
    # A five-minute clock's new execution environment remembers no wave it laid; the SNS message does
    # not carry the previous state's reason. The watchdog's own history does.
    cloudwatch = AnsweringCloudWatch([entry(TICK, {"Wave": "300s"}), entry(WATCHDOG, {})])
    cloudwatch.history = watchdog_history(ok_reason, 600.0)
    config = handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=300, alarm_prefix=f"{CLOCK}-tick-is-", publish="wave"
    )
    runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda: T + 0.3, http_put=None, log=lambda _: None)
    result = handler.handle(sns_watchdog_alarm(), None, config, runtime)
    assert result["action"] == action
    history_calls = calls(cloudwatch, "describe_alarm_history")
    assert [c["AlarmName"] for c in history_calls] == [WATCHDOG]


def no_data(history_ages: list[float]) -> tuple[dict[str, Any], AnsweringCloudWatch]:
    """The tick alarm going to INSUFFICIENT_DATA at T, its history holding earlier such changes this
    many seconds before (and this one, newest first, as DescribeAlarmHistory returns them)."""
    event = copy.deepcopy(load_event("lambda_alarm_action.json"))
    data = event["alarmData"]
    data["alarmName"] = TICK
    event["alarmArn"] = event["alarmArn"].replace("my-clock-tick-is-1", TICK)
    data["state"].update(value="INSUFFICIENT_DATA", reason="Insufficient Data", timestamp=handler._iso(T))
    data["state"].pop("reasonData", None)
    data["previousState"] = {"value": "ALARM", "reason": "Threshold Crossed", "timestamp": handler._iso(T - 240)}
    data["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] = {"Wave": "300s"}
    cloudwatch = AnsweringCloudWatch([entry(TICK, {"Wave": "300s"}), entry(WATCHDOG, {})])

    def item(age: float, entered: str) -> dict[str, Any]:
        history = {"oldState": {"stateValue": "ALARM"}, "newState": {"stateValue": entered}}
        return {"Timestamp": datetime.fromtimestamp(T - age, UTC), "HistoryData": json.dumps(history)}

    cloudwatch.history = [item(0.0, "INSUFFICIENT_DATA"), item(120.0, "ALARM")]
    cloudwatch.history += [item(age, "INSUFFICIENT_DATA") for age in history_ages]
    config = handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=300, alarm_prefix=f"{CLOCK}-tick-is-", publish="wave"
    )
    runtime = handler.Runtime(client=lambda s, r: cloudwatch, now=lambda: T + 0.3, http_put=None, log=lambda _: None)
    return handler.handle(event, None, config, runtime), cloudwatch


def test_no_data_again_within_the_waves_reach_says_a_wave_lies_ahead_and_the_clock_switches() -> None:
    result, cloudwatch = no_data([240.0])
    assert result["action"] == "switch" and result["reason"] == "the tick alarm has no data with a wave laid ahead"
    assert len(calls(cloudwatch, "describe_alarm_history")) == 1


def test_no_data_for_the_first_time_or_long_ago_lays_the_wave_and_looks_next_time() -> None:
    for ages in ([], [6_541.0]):
        handler._laid.clear()  # each a new environment
        result, cloudwatch = no_data(ages)
        assert result["action"] == "wave", ages
        assert calls(cloudwatch, "put_metric_alarm") == []


def test_an_environment_that_laid_the_wave_needs_no_history() -> None:
    handler._laid[CLOCK] = T - 600
    result, cloudwatch = no_data([])
    assert result["action"] == "switch"
    assert calls(cloudwatch, "describe_alarm_history") == []
