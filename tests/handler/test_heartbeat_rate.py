"""A wave clock that switches its design sets its heartbeat's rate to the design's.

A switched clock's loop, stopped by a function that failed past Lambda's two retries of its
watchdog's one call, is restarted by the heartbeat alone: at the wave's 10 minutes that took up to
558 s in the fault worlds; at the documented design's 2 it is the rate a clock deployed with
`--publish now` has (docs/self-healing.md, "After the clock switches its design").
"""

from __future__ import annotations

from typing import Any

import pytest

from alarmclock import handler, template
from test_rearm import WATCHDOG, T, entry, restart_event, wave_entry

from conftest import CLOCK, STACK_ID, AnsweringCloudWatch

RULE = "alarmclock-heartbeat-" + STACK_ID.rsplit("/", 1)[-1]


@pytest.fixture(autouse=True)
def fresh_environment() -> None:
    for memory in (handler._designs, handler._beats, handler._laid):
        memory.clear()


def wave_config(period: int = 60, alarms: int = 1, window: str = "sliding") -> handler.ClockConfig:
    return handler.ClockConfig(
        clock=CLOCK,
        namespace=f"alarmclock/{CLOCK}",
        period=period,
        alarm_prefix=f"{CLOCK}-tick-is-",
        publish="wave",
        stack_id=STACK_ID,
        watchdog=WATCHDOG,
        alarms=alarms,
        window=window,
    )


class FailingRule(AnsweringCloudWatch):
    def put_rule(self, **kwargs: Any) -> None:
        raise RuntimeError("AccessDenied: events:PutRule")


def run(
    event: dict[str, Any], config: handler.ClockConfig, clients: AnsweringCloudWatch, now: float = T
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    logs: list[dict[str, Any]] = []
    runtime = handler.Runtime(client=lambda service, region: clients, now=lambda: now, http_put=None, log=logs.append)
    return handler.handle(event, None, config, runtime), logs


def rules_put(clients: AnsweringCloudWatch) -> list[dict[str, Any]]:
    return [call for name, call in clients.calls if name == "put_rule"]


@pytest.mark.parametrize(("period", "wave_minutes"), [(10, 10), (60, 10), (300, 10), (3600, 30)])
def test_a_switch_sets_the_stacks_own_rule_to_every_2_minutes_and_back_to_the_waves_rate(
    period: int, wave_minutes: int
) -> None:
    clients = AnsweringCloudWatch([wave_entry("ALARM", T - 30), entry(WATCHDOG, "OK", T - 600)])
    result, _ = run(restart_event("now"), wave_config(period), clients)
    assert result["heartbeat"] == 2
    assert rules_put(clients) == [
        {
            "Name": RULE,
            "ScheduleExpression": "rate(2 minutes)",
            "State": "ENABLED",
            # PutRule replaces what it is not given: the template's description again.
            "Description": template.HEARTBEAT_DESCRIPTION,
        }
    ]
    clients.entries[0] = wave_entry("OK", T - 5, dimension="Now")
    result, _ = run(restart_event("wave"), wave_config(period), clients)
    assert result["heartbeat"] == wave_minutes == template.heartbeat_minutes(period, "wave")
    assert rules_put(clients)[-1]["ScheduleExpression"] == f"rate({wave_minutes} minutes)"


def test_the_handler_and_the_template_agree_on_the_rule_and_its_rates() -> None:
    assert handler.HEARTBEAT_RULE == template.HEARTBEAT_RULE
    assert handler.HEARTBEAT_DESCRIPTION == template.HEARTBEAT_DESCRIPTION
    for period in (10, 20, 60, 300, 1200, 3600, 7200):
        for design in ("wave", "now"):
            assert handler.heartbeat_minutes(period, design) == template.heartbeat_minutes(period, design)


def test_a_paused_clocks_switch_leaves_its_heartbeat_disabled() -> None:
    paused = wave_entry("OK", T - 30) | {"ActionsEnabled": False}
    clients = AnsweringCloudWatch([paused, entry(WATCHDOG, "OK", T - 600, enabled=False)])
    result, _ = run(restart_event("now"), wave_config(), clients)
    assert result["kicked"] is None
    assert rules_put(clients)[0]["State"] == "DISABLED"


def test_a_rule_that_cannot_be_set_leaves_the_switch_standing_with_one_warning() -> None:
    clients = FailingRule([wave_entry("ALARM", T - 30), entry(WATCHDOG, "OK", T - 600)])
    result, logs = run(restart_event("now"), wave_config(), clients)
    assert result["design"] == "now" and result["kicked"] and result["heartbeat"] is None
    warnings = [line for line in logs if line["level"] == "WARNING"]
    assert [line["action"] for line in warnings] == ["switch", "heartbeat"]
    assert "AccessDenied" in warnings[1]["reason"]


def test_a_switched_clocks_heartbeat_lays_no_wave_and_restarts_a_stalled_loop() -> None:
    stalled = [wave_entry("OK", T - 900, dimension="Now"), entry(WATCHDOG, "ALARM", T - 600)]
    clients = AnsweringCloudWatch(stalled)
    result, _ = run({"alarmclock": "heartbeat"}, wave_config(), clients)
    assert result["action"] == "restart"
    assert [c for name, c in clients.calls if name == "put_metric_data"] == []  # no wave: its alarm reads none


def test_heartbeats_sooner_than_half_the_waves_rate_on_the_wave_set_the_rule_back() -> None:
    # A deploy that set the alarms back to the wave, and did not touch the rule, left the switched
    # design's rate: the second heartbeat two minutes after the first tells, and sets it back.
    clients = AnsweringCloudWatch([wave_entry("OK", T - 30), entry(WATCHDOG, "OK", T - 600)])
    first, _ = run({"alarmclock": "heartbeat"}, wave_config(), clients)
    assert "heartbeat" not in first and rules_put(clients) == []
    second, _ = run({"alarmclock": "heartbeat"}, wave_config(), clients, now=T + 120)
    assert second["heartbeat"] == 10
    assert [call["ScheduleExpression"] for call in rules_put(clients)] == ["rate(10 minutes)"]
    # At the wave's own rate, nothing is put.
    third, _ = run({"alarmclock": "heartbeat"}, wave_config(), clients, now=T + 720)
    assert "heartbeat" not in third and len(rules_put(clients)) == 1


@pytest.mark.parametrize(("alarms", "window"), [(2, "sliding"), (1, "wallclock")])
def test_a_wave_clock_that_never_switches_never_sets_its_rule(alarms: int, window: str) -> None:
    # The pair and a wall-clock window keep their wave (template.self_switching): their rule has a
    # name CloudFormation makes, and their role may not put it.
    clients = AnsweringCloudWatch([wave_entry("OK", T - 30), entry(WATCHDOG, "OK", T - 600)])
    for now in (T, T + 120):
        run({"alarmclock": "heartbeat"}, wave_config(alarms=alarms, window=window), clients, now=now)
    assert rules_put(clients) == []
