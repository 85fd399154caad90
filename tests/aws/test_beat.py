"""`beat`'s figures from hand-made history and log lines: each rule of alarmclock.beat on its own.

tests/emulator/test_clock_beat.py reads whole emulated days back; these pin the edges those days rarely
reach: an evaluation second that wraps past the minute, log lines whose deliveries all failed,
restarts for causes other than the watchdog, a stalled clock in the JSON report, and history items
that are not what AWS documents.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from alarmclock import beat
from alarmclock.alarm_facts import evaluation_cycle

START = 1_795_766_400.0  # 2026-11-27 08:00 UTC
ONE = ("c-tick-is-1",)
PAIR = ("c-tick-is-0", "c-tick-is-1")


def change(alarm: str, at: float, new: str, reason: str = "Threshold Crossed", old: str = "OK") -> beat.StateUpdate:
    return beat.StateUpdate(alarm=alarm, time=at, old=old, new=new, reason=reason, query_time=None)


def item(history: Any, kind: str = "StateUpdate", timestamp: Any = "2026-11-27T08:42:04.123Z") -> dict[str, Any]:
    return {"AlarmName": "c-tick-is-1", "HistoryItemType": kind, "Timestamp": timestamp, "HistoryData": history}


def history(new: Any, old: Any = None) -> str:
    return json.dumps({"newState": new, "oldState": old} if old is not None else {"newState": new})


@pytest.mark.parametrize(("period_s", "cycle"), [(10, 10), (30, 10), (59, 10), (60, 60), (3_600, 60)])
def test_alarms_of_a_minute_or_more_are_evaluated_every_minute(period_s: int, cycle: int) -> None:
    assert evaluation_cycle(period_s) == cycle


@pytest.mark.parametrize(
    ("query_times", "cycle", "found"),
    [
        ([START + 4.0, START + 64.5, START + 126.0], 60, (4.0, 2.0)),
        # Around the minute: :58 to :01 is an arc of 3 s starting at :58, not 58 s starting at :01.
        ([START + 58.0, START + 119.5, START + 180.5, START + 241.0], 60, (58.0, 3.0)),
        # On a 10 s cycle: :09.5, :00.25 and :00 are an arc of 0.75 s from :09.5.
        ([START + 9.5, START + 10.25, START + 20.0], 10, (9.5, 0.75)),
        ([START + 7.0], 60, (7.0, 0.0)),
    ],
)
def test_the_evaluation_second_is_the_start_of_the_arc_its_evaluations_cover(
    query_times: list[float], cycle: int, found: tuple[float, float]
) -> None:
    assert beat.evaluation_second(query_times, cycle) == pytest.approx(found)


def test_an_alarm_never_evaluated_has_no_evaluation_second() -> None:
    assert beat.evaluation_second([], 60) is None


def test_a_tick_is_the_one_alarms_alarm_or_ok_or_the_pairs_alarm_never_a_prelude() -> None:
    assert beat.is_tick_change(change("c-tick-is-1", START, "ALARM"), ONE)
    assert beat.is_tick_change(change("c-tick-is-1", START, "OK"), ONE)
    assert not beat.is_tick_change(change("c-tick-is-1", START, "INSUFFICIENT_DATA"), ONE)
    assert not beat.is_tick_change(change("c-watchdog", START, "ALARM"), ONE)
    assert beat.is_tick_change(change("c-tick-is-0", START, "ALARM"), PAIR)
    assert not beat.is_tick_change(change("c-tick-is-0", START, "OK"), PAIR)
    prelude = "alarmclock: kick prelude (alarmclock: restart (resumed))"
    assert not beat.is_tick_change(change("c-tick-is-1", START, "ALARM", reason=prelude), ONE)


def test_restarts_are_named_by_their_cause_whatever_it_is() -> None:
    changes = [
        change("c-tick-is-1", START + 60, "OK", "alarmclock: restart (the watchdog has seen no Tick since 08:40:00Z)"),
        change("c-tick-is-1", START + 120, "OK", "alarmclock: restart (resumed); replaying 2026-11-27T08:42:00.000Z"),
        change("c-tick-is-1", START + 180, "OK", "alarmclock: restart (restarted on request)"),
        change("c-watchdog", START + 200, "OK", "alarmclock: restart (not a tick alarm)"),
        change("c-tick-is-1", START + 240, "OK", "Threshold Crossed"),
    ]
    restarts = beat.restarts_in(changes, ONE)
    assert restarts == [
        beat.Restart(START + 60, "c-tick-is-1", "the watchdog has seen no Tick"),
        beat.Restart(START + 120, "c-tick-is-1", "resumed"),
        beat.Restart(START + 180, "c-tick-is-1", "restarted on request"),
    ]
    assert len(set(restarts)) == 3  # values: frozen, so hashable


def tick_line(at: float, tick_id: str, delivered: int = 1, caught_up: tuple[float, ...] = ()) -> beat.TickLine:
    return beat.TickLine(
        time=at,
        tick_id=tick_id,
        alarm="c-tick-is-1",
        tick_time=at - 1,
        lag_s=0.5,
        caught_up=caught_up,
        delivered=delivered,
    )


def test_a_log_line_whose_deliveries_all_failed_is_no_tick() -> None:
    lines = [tick_line(START + 60, "a"), tick_line(START + 120, "b", delivered=0), tick_line(START + 180, "c")]
    assert beat.ticks_from_log(lines) == [(START + 60, "a"), (START + 180, "c")]


def test_ticks_caught_up_late_come_before_the_lines_own() -> None:
    (ticks,) = [beat.ticks_from_log([tick_line(START + 180, "own", caught_up=(START + 60.0, START + 120.0))])]
    assert [t[0] for t in ticks] == [START + 180] * 3
    assert ticks[-1][1] == "own" and len({t[1] for t in ticks}) == 3


def test_a_replayed_change_is_the_tick_it_replays() -> None:
    replay = "alarmclock: restart (resumed); replaying 2026-11-27T08:42:00.000Z"
    first = change("c-tick-is-1", 1_795_768_920.0, "OK")
    again = change("c-tick-is-1", 1_795_768_980.0, "OK", replay)
    (one, two) = beat.ticks_from_history([first, again], ONE)
    assert one[1] == two[1] and one[0] != two[0]


def report(**changed: Any) -> beat.BeatReport:
    ticks = [(START + 60.0 * k, f"t{k}") for k in range(1, 6)]
    lines = [tick_line(at, tick_id) for at, tick_id in ticks]
    base = beat.analyse("c", 60, ONE, "c-watchdog", START, START + 600, [], lines)
    return dataclasses.replace(base, **changed)  # a report is frozen: a changed one is a new one


def test_a_clock_silent_at_the_end_is_stalled_since_its_last_tick() -> None:
    quiet = report()
    assert quiet.ticks == 5 and quiet.timed_by == "the function's log"
    assert quiet.intervals.mean == 60.0 and quiet.missed_beats == 0
    assert quiet.stalled_since_s == pytest.approx(300.0)
    assert quiet.as_json()["stalled_since_s"] == 300.0
    assert report(stalled_since_s=None).as_json()["stalled_since_s"] is None
    assert report(stalled_since_s=12.34567).as_json()["stalled_since_s"] == 12.346


def test_a_window_without_ticks_gives_no_interval_figures_in_json() -> None:
    silent = beat.analyse("c", 60, ONE, "c-watchdog", START, START + 600, [], []).as_json()
    assert silent["ticks"] == 0
    assert silent["intervals"] == {"count": 0} | dict.fromkeys(("mean", "p50", "p95", "p99", "max", "min"))


def test_the_json_report_says_when_and_what() -> None:
    restarts = [beat.Restart(START + 90, "c-tick-is-1", "resumed"), beat.Restart(START + 95, "c-tick-is-1", "resumed")]
    figures = report(restarts=restarts, watchdog_alarms=2).as_json()
    assert (figures["from"], figures["to"]) == ("2026-11-27T08:00:00Z", "2026-11-27T08:10:00Z")
    assert (figures["ticks"], figures["deliveries"], figures["duplicates"], figures["first_tick_s"]) == (5, 5, 0, 60.0)
    assert figures["restarts"] == [
        {"at_s": 90.0, "alarm": "c-tick-is-1", "cause": "resumed"},
        {"at_s": 95.0, "alarm": "c-tick-is-1", "cause": "resumed"},
    ]
    assert figures["restart_causes"] == {"resumed": 2} and figures["watchdog_alarms"] == 2


def test_the_text_report_names_restarts_and_the_watchdogs_alarms() -> None:
    restarts = [beat.Restart(START + 90, "c-tick-is-1", "resumed")]
    text = beat.render_text(report(restarts=restarts, watchdog_alarms=3))
    assert "  restarts           1: resumed (1)\n" in text
    assert "  watchdog           went to ALARM 3 times\n" in text
    assert "  first tick         1m into the window\n" in text
    assert f"  alarm {'c-tick-is-1':<24} not evaluated into a new state in the window\n" in text
    quiet = beat.render_text(report())
    assert "  restarts           0\n" in quiet and "watchdog" not in quiet.split("restarts")[1]


@pytest.mark.parametrize(
    "unreadable",
    [
        None,
        item(history({"stateValue": "OK"}), kind="ConfigurationUpdate"),
        item(history({"stateValue": "OK"}), timestamp=None),
        item(history({"stateValue": "OK"}), timestamp=float("inf")),
        # ISO, but an hour before year 1 began in UTC: no time Python can hold.
        item(history({"stateValue": "OK"}), timestamp="0001-01-01T00:00:00+01:00"),
        item(b"{}"),
        item("not json"),
        item("[1]"),
        item(json.dumps({"newState": "OK"})),
        item(history({"stateValue": "OK"}, old="ALARM")),
    ],
)
def test_a_history_item_that_is_not_a_documented_state_update_is_skipped(unreadable: Any) -> None:
    assert beat.StateUpdate.of(unreadable) is None
    assert beat.read_state_updates([unreadable, item(history({"stateValue": "OK"}))])[1] == 1


def test_a_state_update_reads_its_states_reason_query_date_and_period() -> None:
    data = {"queryDate": "2026-11-27T08:42:04.100+0000", "period": 60}
    new = {"stateValue": "ALARM", "stateReason": "Threshold Crossed", "stateReasonData": data}
    read = beat.StateUpdate.of(item(history(new, old={"stateValue": "OK"})))
    assert read == beat.StateUpdate(
        alarm="c-tick-is-1",
        time=1_795_768_924.123,
        old="OK",
        new="ALARM",
        reason="Threshold Crossed",
        query_time=1_795_768_924.1,
        period_s=60,
    )


def test_the_state_updates_read_from_history_are_values_that_cannot_change() -> None:
    (read,), skipped = beat.read_state_updates([item(history({"stateValue": "ALARM"}, old={"stateValue": "OK"}))])
    assert skipped == 0 and len({read, dataclasses.replace(read)}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.new = "OK"  # type: ignore[misc]


@pytest.mark.parametrize(
    "timestamp",
    [
        "2026-11-27T08:42:04.123Z",
        "2026-11-27T8:42:04.123+0000",  # a one-digit hour: fromisoformat refuses it, strptime reads it
        1_795_768_924.123,  # epoch seconds
        datetime.fromtimestamp(1_795_768_924.123, UTC),  # what botocore gives
    ],
)
def test_a_history_items_time_reads_as_text_number_or_datetime(timestamp: Any) -> None:
    read = beat.StateUpdate.of(item(history({"stateValue": "OK"}), timestamp=timestamp))
    assert read is not None and read.time == pytest.approx(1_795_768_924.123, abs=1e-6)


PERIODS: list[tuple[Any, int | None]] = [
    (60, 60),
    (60.0, 60),
    (10.5, 10),
    (1, 1),
    (0.5, None),
    (0, None),
    (True, None),
    ("60", None),
    (10**400, None),
    (float("nan"), None),
]


@pytest.mark.parametrize(("value", "period"), PERIODS)
def test_a_period_is_a_whole_number_of_seconds_or_nothing(value: Any, period: int | None) -> None:
    assert beat._period(value) == period


def log_event(record: Any, timestamp: Any = 1_795_768_924_500) -> dict[str, Any]:
    return {"timestamp": timestamp, "message": record if isinstance(record, str) else json.dumps(record)}


TICK = {"action": "tick", "tick_id": "id", "alarm": "c-tick-is-1", "tick_time": "2026-11-27T08:42:04.000Z"}


def test_a_tick_line_reads_the_handlers_fields() -> None:
    line = beat.TickLine.of(log_event(TICK | {"lag_s": 0.25, "delivered": 3, "caught_up": ["2026-11-27T08:41:04Z"]}))
    assert line == beat.TickLine(
        time=1_795_768_924.5,
        tick_id="id",
        alarm="c-tick-is-1",
        tick_time=1_795_768_924.0,
        lag_s=0.25,
        caught_up=(1_795_768_864.0,),
        delivered=3,
    )
    defaults = beat.TickLine.of(log_event(TICK))
    assert defaults is not None and defaults.delivered == 1 and defaults.caught_up == ()


def test_a_tick_line_read_from_the_log_is_a_value_that_cannot_change() -> None:
    line = beat.TickLine.of(log_event(TICK))
    assert line is not None and len({line, dataclasses.replace(line)}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.delivered = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "event",
    [
        None,
        {"timestamp": 1},
        log_event("not json"),
        log_event([1]),
        log_event(TICK | {"action": "wave"}),
        log_event({k: v for k, v in TICK.items() if k != "tick_id"}),
        log_event(TICK | {"tick_time": "soon"}),
        log_event(TICK | {"caught_up": "2026-11-27T08:41:04Z"}),
        log_event(TICK | {"delivered": "all"}),
        log_event(TICK | {"lag_s": [1]}),
        log_event(TICK, timestamp="later"),
        log_event(TICK, timestamp=float("inf")),
        {"message": json.dumps(TICK)},
    ],
)
def test_any_other_log_event_is_no_tick_line(event: Any) -> None:
    assert beat.TickLine.of(event) is None


def test_the_window_takes_in_changes_at_its_start_and_its_end() -> None:
    ticks = [
        change("c-tick-is-1", at, "ALARM" if k % 2 else "OK") for k, at in enumerate((START, START + 60, START + 120))
    ]
    read = beat.analyse("c", 60, ONE, None, START, START + 120, ticks, None)
    assert (read.ticks, read.timed_by) == (3, "the alarms' state changes")
    assert (read.deliveries, read.judged_s) == (3, 120.0)  # the change at the window's end is delivered
    assert beat.analyse("c", 60, ONE, None, START + 0.5, START + 119.5, ticks, None).ticks == 1


def test_the_watchdogs_alarms_are_its_changes_to_alarm_and_no_others() -> None:
    ticks = [change("c-tick-is-1", START + 60 * k, "ALARM" if k % 2 else "OK") for k in range(3)]
    watchdog = [
        change("c-watchdog", START + 10, "ALARM"),
        change("c-watchdog", START + 20, "OK", old="ALARM"),
        change("c-watchdog", START + 30, "ALARM"),
    ]
    read = beat.analyse("c", 60, ONE, "c-watchdog", START, START + 120, ticks + watchdog, None)
    assert read.watchdog_alarms == 2


def test_an_alarms_evaluation_second_and_its_spread_are_given_to_the_millisecond() -> None:
    looked = [(START + 5, START + 4.12345), (START + 65, START + 64.5)]
    changes = [dataclasses.replace(change("c-tick-is-1", at, "ALARM"), query_time=q, period_s=60) for at, q in looked]
    figures = beat.alarm_figures(changes, ONE, 60)
    assert figures == {
        "c-tick-is-1": {"offset_s": 4.123, "jitter_s": 0.377, "evaluations": 2, "cycle_s": 60, "changes": 2}
    }


@pytest.mark.parametrize(
    "value",
    [
        beat.Restart(START, "c-tick-is-1", "resumed"),
        change("c-tick-is-1", START, "OK"),
        tick_line(START, "a"),
    ],
)
def test_what_beat_reads_is_a_value_that_cannot_change(value: Any) -> None:
    assert hash(value) == hash(value)  # frozen dataclasses: hashable, and no field can be set
    with pytest.raises(AttributeError):
        value.time = START + 1
