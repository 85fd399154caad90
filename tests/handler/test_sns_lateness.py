"""Through SNS (`--via sns`) the alarm's message carries no reasonData, but its NewStateReason names
the datapoint the alarm decided on, and its StateChangeTime when: enough for a wave clock to judge how
late its alarm decides, as through the direct Lambda action (docs/timing-model.md, "Right in every
world"). When the flip before was, the message does not say: the execution environment remembers the
last flip it saw.
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
TEMPLATE_DESCRIPTION = "alarmclock: ALARM when Tick is 1 (the clock publishes 0 next), OK when it is 0 (publishes 1)"


@pytest.fixture(autouse=True)
def fresh_environment() -> Iterator[None]:
    for memory in (handler._lateness, handler._now_late, handler._designs, handler._held, handler._started):
        memory.clear()
    yield


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_an_sns_message_says_which_period_its_alarm_decided_on_when_and_from_which_state() -> None:
    # The fixture's NewStateReason is worded as AWS words it: "[0.0 (27/11/26 08:41:00)]", day first.
    kind, change = handler.classify(load_event("sns_alarm_notification.json"))
    assert kind == "alarm"
    assert change.previous_state == "OK"
    assert change.description == "alarmclock: Tick is 0, so the clock publishes 1 next"
    assert handler.decision(change, 60) == (epoch("2026-11-27T08:41:00+00:00"), epoch("2026-11-27T08:42:05.577+00:00"))
    assert handler.decision(change, 10) is None  # an alarm of another period is not this clock's wave


@pytest.mark.parametrize(
    "reason",
    [
        "Insufficient Data: 1 datapoint was unknown.",
        "alarmclock: kick",  # a SetAlarmState: no evaluation behind it
        None,
    ],
)
def test_a_reason_that_names_no_datapoint_is_no_decision(reason: str | None) -> None:
    event = copy.deepcopy(load_event("sns_alarm_notification.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["NewStateReason"] = reason
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    _, change = handler.classify(event)
    assert change.reason_data is None
    assert handler.decision(change, 60) is None


def sns_flip(at: float, late: int, state: str) -> dict[str, Any]:
    """The ten-second wave's tick alarm flipping at `at` through SNS, having decided on the period that
    ended `late` cycles before the newest complete one."""
    event = copy.deepcopy(load_event("sns_alarm_notification.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    decided = ((at - 0.01) // 10) * 10 - 10 - 10 * late
    shown = datetime.fromtimestamp(decided, UTC).strftime("%d/%m/%y %H:%M:%S")
    comparison = "" if state == "ALARM" else "not "
    message.update(
        AlarmName=TICK,
        AlarmDescription=TEMPLATE_DESCRIPTION,
        NewStateValue=state,
        OldStateValue="OK" if state == "ALARM" else "ALARM",
        NewStateReason=f"Threshold Crossed: 1 out of the last 1 datapoints [1.0 ({shown})] was {comparison}greater "
        "than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
        StateChangeTime=handler._iso(at).replace("Z", "+0000"),
        AlarmArn=message["AlarmArn"].replace("my-clock-tick-is-0", TICK),
    )
    message["Trigger"].update(Period=10, Dimensions=[{"value": "10s", "name": "Wave"}])
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def play(flips: Sequence[tuple[int, float]]) -> list[dict[str, Any]]:
    """Flip the ten-second tick alarm through SNS: each flip (lateness in cycles, seconds since the flip before)."""
    cloudwatch = AnsweringCloudWatch(
        [ten_second_alarm_entry(TICK, {"Wave": "10s"}, TEMPLATE_DESCRIPTION), ten_second_alarm_entry(WATCHDOG, {}, "")]
    )
    config = handler.ClockConfig(
        clock=CLOCK, namespace=f"alarmclock/{CLOCK}", period=10, alarm_prefix=f"{CLOCK}-tick-is-", publish="wave"
    )
    results, at = [], T + 3
    for index, (late, gap) in enumerate(flips):
        at += gap
        runtime = handler.Runtime(
            client=lambda service, region: cloudwatch, now=lambda at=at: at + 0.2, http_put=None, log=lambda _: None
        )
        results.append(handler.handle(sns_flip(at, late, "ALARM" if index % 2 == 0 else "OK"), None, config, runtime))
    return results


def test_through_sns_two_flips_that_held_still_and_decided_late_within_the_notice_switch_the_wave() -> None:
    results = play([(1, 10)] * 3 + [(1, 20)] + [(1, 10)] * 5 + [(1, 20)])
    assert [("switch" in r) for r in results] == [False] * 9 + [True]
    assert results[-1]["switch"]["reason"] == (
        "the tick alarm held still past 2 due flips within 90 s: values stamped ahead count late"
    )


def test_through_sns_flips_on_time_or_deciding_on_time_are_no_evidence() -> None:
    assert not any("switch" in r for r in play([(1, 10)] * 12))  # a steady lateness, no hold
    assert not any("switch" in r for r in play([(0, 10), (0, 20), (0, 10), (0, 30), (0, 20)]))


def test_through_sns_an_environment_judges_a_hold_only_from_a_flip_it_saw() -> None:
    # The first flip a new environment sees says nothing of the one before, however long ago it was.
    handler._started[CLOCK] = T + 3
    results = play([(1, 100)])
    assert "switch" not in results[0]
    assert handler._sns_flips[CLOCK] == T + 103
