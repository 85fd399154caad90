"""The emulated alarm history keeps its items as columns (history.AlarmItems): what it answers must be
what the Records it was given say, byte for byte, whatever their numbers."""

from __future__ import annotations

import json
import math
import random
from typing import Any

from alarmclock.emulator.history import (
    CONFIGURATION_UPDATE,
    HISTORY_RETENTION_S,
    STATE_UPDATE,
    AlarmHistory,
    Evaluation,
    Record,
)

START = 1_767_225_600.0
STEP_S = 3_600.0  # an item an hour on average, over 40 days: the 30-day cut happens several times


def drawn_record(draw: random.Random, moment: float) -> Record:
    """A record as the emulator makes them, or now and then one whose numbers an array of doubles
    could not give back as they were (an int value, an int threshold, -0.0, NaN)."""
    kind = draw.choice([STATE_UPDATE] * 8 + [CONFIGURATION_UPDATE])
    if kind == CONFIGURATION_UPDATE:
        return Record(moment, kind, "", "", draw.choice(["OK", "ALARM"]), "")
    old, new = draw.sample(["OK", "ALARM", "INSUFFICIENT_DATA"], 2)
    if draw.random() < 0.2:  # SetAlarmState: the caller's reason, no evaluation
        return Record(moment, kind, old, "before", new, f"set by hand {draw.randrange(3)}")
    odd = draw.random() < 0.1
    value: Any = draw.choice([0.0, 1.0, 0.5, 1 / 3, -0.0, math.nan, 2] if odd else [0.0, 1.0, 0.5, 1 / 3])
    start = math.floor(moment / 60) * 60 - 300
    points = tuple((start + 60 * k, value if k == 0 else draw.choice([0.0, 1.0])) for k in range(draw.randrange(4)))
    threshold: Any = draw.choice([0.5, 1, -0.0, 0.0] if odd else [0.5, 1.0])
    evaluation = Evaluation(moment, start, draw.choice(["Maximum", "Sum"]), draw.choice([10, 60]), threshold, points)
    return Record(moment, kind, old, "was", new, f"Threshold Crossed: [{value}]", evaluation)


def rendered(answer: Any) -> str:
    return json.dumps(answer, default=str, sort_keys=True)


def test_the_history_answers_what_its_records_say_through_every_cut() -> None:
    draw = random.Random(24)
    history = AlarmHistory()
    given: list[Record] = []
    moment = START
    for _ in range(int(40 * 86_400 / STEP_S)):
        moment += round(draw.uniform(0, 2 * STEP_S), 3)
        record = drawn_record(draw, moment)
        history.add("a", record)
        given.append(record)
        if draw.random() < 0.02:  # read now and then, between cuts
            kept = [r for r in given if r.time >= moment - HISTORY_RETENTION_S]
            newest = [r.as_item("a") for r in reversed(kept)][:100]
            assert rendered(history.describe(moment, AlarmName="a")["AlarmHistoryItems"]) == rendered(newest)
    kept = [r for r in given if r.time >= moment - HISTORY_RETENTION_S]
    items = history.records["a"]
    assert len(items) < len(given) and len(items) <= len(kept) + 86_400 / STEP_S * 3  # bounded as it goes
    offset = len(items) - len(kept)
    # Compared as items: an int time comes back a float (the same text), and a NaN is never equal to itself.
    assert rendered([items[offset + i].as_item("a") for i in range(len(kept))]) == rendered(
        [record.as_item("a") for record in kept]
    )
    for kind in (None, STATE_UPDATE, CONFIGURATION_UPDATE):
        for ascending in (False, True):
            params: dict[str, Any] = {"AlarmName": "a", "MaxRecords": 37}
            params |= {"HistoryItemType": kind} if kind else {}
            params |= {"ScanBy": "TimestampAscending"} if ascending else {}
            pages: list[dict[str, Any]] = []
            while True:
                page = history.describe(moment, **params)
                pages += page["AlarmHistoryItems"]
                if "NextToken" not in page:
                    break
                params["NextToken"] = page["NextToken"]
            wanted = [r.as_item("a") for r in (kept if ascending else reversed(kept)) if kind in (None, r.kind)]
            assert rendered(pages) == rendered(wanted)


def test_an_evaluated_item_is_held_in_a_few_dozen_bytes_not_hundreds() -> None:
    import tracemalloc

    history = AlarmHistory()
    evaluation = Evaluation(START, START - 300, "Maximum", 10, 0.5, ((START - 300, 1.0),))
    history.add("a", Record(START, STATE_UPDATE, "OK", "x", "ALARM", "Threshold Crossed: [1] vs 0.5", evaluation))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(10_000):
        moment = START + 10.0 * index + 0.123
        points = tuple((moment - 300 + 10 * k + 0.5, float(index % 2)) for k in range(3))
        evaluation = Evaluation(moment, moment - 300, "Maximum", 10, 0.5, points)
        reason = "Threshold Crossed: [1] vs 0.5" if index % 2 else "Threshold not crossed: [0] vs 0.5"
        history.add("a", Record(moment, STATE_UPDATE, "OK", "x", "ALARM", reason, evaluation))
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # As Record and Evaluation objects, such items took about 690 bytes each.
    assert held / 10_000 < 150


def test_a_record_whose_numbers_are_no_numbers_is_kept_whole_and_spoils_no_other() -> None:
    history = AlarmHistory()
    not_a_time: Any = (("x", 1.0),)
    odd = Record(START, STATE_UPDATE, "OK", "", "ALARM", "odd", Evaluation(START, START, "Sum", 60, 0.5, not_a_time))
    after = Record(START + 60, STATE_UPDATE, "ALARM", "odd", "OK", "fine", Evaluation(START, START, "Sum", 60, 0.5, ()))
    history.add("a", odd)
    history.add("a", after)
    items = history.records["a"]
    assert items[0] == odd and rendered(items[1].as_item("a")) == rendered(after.as_item("a"))
