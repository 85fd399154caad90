"""What the probe's evidence says: each undocumented behaviour, which designs work, a model file.

Every answer carries the history items it was drawn from. "Due" is the first evaluation, at the
alarm's own second of the cycle (learnt from its first transition), whose window covers a point's
stamp: a point counted then is counted when its window reaches it; one counted k evaluations later
is late by k cycles; one not counted by the end is never counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alarmclock.calibrate import FORMAT
from alarmclock.probe.experiment import CYCLES, Observed, ProbeAlarm, Put, evaluations_of, first_look

# A point stamped at the window's end and counted at an evaluation this soon after its stamp was
# counted from its put (a point counted from its stamp needs its visibility delay: a few seconds).
PUT_PROVEN_WITHIN_S = 1.5


@dataclass
class Answer:
    question: str
    answer: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Findings:
    world: str  # future_visible_from: put, stamp, late or never ("unknown" when the evidence is missing)
    late_cycles: tuple[float, float] | None
    window_end: str | None
    evaluation_offsets: dict[int, float]
    jitter_s: float | None
    visible_within_s: float | None
    answers: list[Answer]
    designs: dict[str, bool]
    # Worlds the evidence fits as well as `world`: "stamp" where a point stamped ahead counted in time,
    # but the edge alarm's evaluation second could not tell its put from its stamp (put_or_stamp).
    could_also_be: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "future_visible_from": self.world,
            "could_also_be": self.could_also_be,
            "designs": self.designs,
            "answers": [
                {"question": a.question, "answer": a.answer, "evidence": [evidence(i) for i in a.evidence]}
                for a in self.answers
            ],
        }

    def model(self, region: str) -> dict[str, Any]:
        """A model file `alarmclock simulate --model` reads (calibrate's format)."""
        parameters: dict[str, Any] = {}
        observations: dict[str, Any] = {}
        if self.world != "unknown":
            parameters["future_visible_from"] = self.world
        if self.late_cycles is not None:
            parameters["future_late_cycles"] = list(self.late_cycles)
        if self.window_end is not None:
            parameters["sliding_window_end"] = self.window_end
        if self.jitter_s is not None:
            parameters["evaluation_jitter_s"] = [0.0, round(self.jitter_s, 3)]
        for answer in self.answers:
            observations[answer.question] = {"answer": answer.answer, "observations": len(answer.evidence)}
        return {
            "format": FORMAT,
            "source": f"alarmclock probe in {region}",
            "parameters": parameters,
            "observations": observations,
            "assumptions": {"others": "the model's defaults: the probe does not measure them"},
        }


def evidence(item: dict[str, Any]) -> dict[str, Any]:
    """A history item as the answer shows it: when, what, and AWS's own HistoryData."""
    stamp = item.get("Timestamp")
    return {
        "alarm": item.get("AlarmName"),
        "timestamp": stamp.isoformat() if isinstance(stamp, datetime) else stamp,
        "summary": item.get("HistorySummary"),
        "history_data": item.get("HistoryData"),
    }


def due_after(stamp: float, learnt: tuple[float, str] | None, cycle: int) -> float | None:
    """The first evaluation, at the alarm's learnt second, whose window covers `stamp`."""
    if learnt is None:
        return None
    offset = learnt[0] % cycle
    if learnt[1] == "second":
        first = math.floor((stamp + 1 - offset) / cycle) * cycle + offset
        return first if first > stamp + 1 else first + cycle
    boundary = (math.floor(stamp / cycle) + 1) * cycle  # the window ends on a cycle after the stamp
    return boundary + offset


def counted(alarm: str, put: Put, observed: Observed) -> dict[str, Any] | None:
    """The first evaluation after `put` that went to ALARM on it (the value 1), if any."""
    for evaluation in sorted(evaluations_of(observed.history.get(alarm, [])), key=lambda e: e["query"]):
        if evaluation["state"] == "ALARM" and evaluation["query"] >= put.put_at:
            return evaluation
    return None


def judge(observed: Observed) -> Findings:
    answers: list[Answer] = []
    worlds: dict[int, tuple[str, float | None]] = {}
    offsets: dict[int, float] = {}
    window_ends: list[str] = []
    jitters: list[float] = []
    visible: list[float] = []
    flips_ok: dict[int, bool] = {}
    told_apart: list[bool] = []  # per alarm whose point stamped ahead counted in time: put from stamp?
    for cycle in CYCLES:
        alarms = {role: ProbeAlarm(observed.run, cycle, role).name for role in ("ahead", "edge", "flip")}
        # ---- when does a point stamped ahead count?
        learnt = first_look(observed.history.get(alarms["ahead"], []))
        if learnt:
            window_ends.append(learnt[1])
        ahead = [p for p in observed.puts if p.alarm == alarms["ahead"] and p.value == 1.0]
        world, late = "unknown", None
        evidence: list[dict[str, Any]] = []
        if ahead and learnt:
            put = ahead[0]
            due = due_after(put.stamp, learnt, cycle)
            seen = counted(alarms["ahead"], put, observed)
            assert due is not None
            if seen is None:
                world = "never"
                # The evidence: the alarm's own changes, none of them to ALARM after the put.
                evidence += [e["item"] for e in evaluations_of(observed.history.get(alarms["ahead"], []))][:3]
                text = f"not counted: stamped {put.stamp - put.put_at:.0f} s ahead, due at {_t(due)}, never seen"
            else:
                evidence.append(seen["item"])
                behind = round((seen["query"] - due) / cycle)
                if behind <= 0:
                    world, text = "put", f"counted when its window reached it ({_t(seen['query'])}, due {_t(due)})"
                else:
                    world, late = "late", float(behind)
                    text = f"counted {behind} cycle(s) late ({_t(seen['query'])}, due {_t(due)})"
            # From its put or from its stamp: the edge alarm's point lay at its window's very end.
            if world == "put":
                world, note, told = put_or_stamp(alarms["edge"], cycle, observed, evidence)
                text += "; " + note
                told_apart.append(told)
            answers.append(Answer(f"a point stamped ahead, {cycle} s alarm", text, evidence))
        worlds[cycle] = (world, late)
        # ---- the evaluation second, its jitter, the window's end, and a point stamped now
        flips = sorted(evaluations_of(observed.history.get(alarms["flip"], [])), key=lambda e: e["query"])
        if flips:
            seconds = [f["query"] % cycle for f in flips]
            low, spread = arc(seconds, cycle)
            offsets[cycle] = low
            jitters.append(spread)
            window_ends += [f["window_end"] for f in flips]
            answers.append(
                Answer(
                    f"evaluation second, {cycle} s alarm",
                    f":{low:04.1f} of each {cycle} s cycle, jitter {spread:.1f} s over {len(flips)} evaluations",
                    [f["item"] for f in flips[:3]],
                )
            )
            puts = [p for p in observed.puts if p.alarm == alarms["flip"]]
            on_time, bounds = 0, []
            for put in puts:
                due = due_after(put.stamp, (low, flips[0]["window_end"]), cycle)
                hit = next((f for f in flips if holds(f, put.stamp, cycle)), None)
                if due is not None and hit is not None and abs(hit["query"] - due) < cycle / 2:
                    on_time += 1
                    bounds.append(due - put.put_at)
            if bounds:
                visible.append(min(bounds))
            expected = max(0, len(puts) - 1)
            flips_ok[cycle] = expected > 0 and len(flips) >= 0.8 * expected
            answers.append(
                Answer(
                    f"a point stamped now, {cycle} s alarm",
                    f"{len(flips)} flips for {len(puts)} values stamped now, one a cycle; {on_time} counted at the "
                    "first evaluation whose window held them"
                    + (f", so visible within {min(bounds):.1f} s of their put" if bounds else ""),
                    [f["item"] for f in flips[:3]],
                )
            )
        else:
            flips_ok[cycle] = False
    window_end = None
    if window_ends:
        window_end = "second" if "second" in window_ends else "cycle"
        answers.append(Answer("where a sliding window ends", f"on the last whole {window_end}", []))
    world = combine([w for w, _ in worlds.values()])
    late_values = [late for w, late in worlds.values() if w == "late" and late is not None]
    late_cycles = (min(late_values), max(late_values)) if late_values else None
    prompt = {cycle: worlds[cycle][0] in ("put", "stamp") for cycle in CYCLES}
    designs = {
        "wave": prompt[60] and prompt[10],
        "api": prompt[60] and prompt[10],
        "logs": prompt[60] and prompt[10],
        "now": flips_ok[60] and flips_ok[10],
        "wallclock": flips_ok[60],
    }
    return Findings(
        world,
        late_cycles,
        window_end,
        offsets,
        max(jitters) if jitters else None,
        min(visible) if visible else None,
        answers,
        designs,
        ["stamp"] if world == "put" and not any(told_apart) else [],
    )


def holds(evaluation: dict[str, Any], stamp: float, cycle: int) -> bool:
    """Whether the period this evaluation decided on holds `stamp`."""
    decided = evaluation["decided"]
    return decided is not None and decided <= stamp < decided + cycle


def put_or_stamp(edge: str, cycle: int, observed: Observed, evidence: list[dict[str, Any]]) -> tuple[str, str, bool]:
    """(world, what the edge alarm showed, whether it told a point's put from its stamp)."""
    puts = [p for p in observed.puts if p.alarm == edge and p.value == 1.0]
    learnt = first_look(observed.history.get(edge, []))
    if not puts or learnt is None:
        return "put", "from its put or from its stamp: not told apart (no evidence)", False
    put = puts[0]
    due = due_after(put.stamp, learnt, cycle)
    seen = counted(edge, put, observed)
    if seen is None or due is None:
        return "put", "from its put or from its stamp: not told apart (the edge point was not seen)", False
    evidence.append(seen["item"])
    if seen["query"] - due >= cycle / 2:
        return (
            "stamp",
            f"from its stamp: a point stamped {due - put.stamp:.1f} s before its due evaluation missed it",
            True,
        )
    if due - put.stamp <= PUT_PROVEN_WITHIN_S:
        return "put", f"from its put: counted {due - put.stamp:.1f} s after its stamp", True
    # Not told apart: a point counted from its stamp would have been visible by then too. "put", with
    # the bound, since nothing showed a delay (the wave works in both).
    return (
        "put",
        f"from its put, or within {due - put.stamp:.1f} s of its stamp (this alarm's evaluation second cannot "
        "tell the two apart; the wave works in both)",
        False,
    )


def combine(worlds: list[str]) -> str:
    """The world of the account: the harsher of what the two resolutions showed."""
    order = ("never", "late", "stamp", "put", "unknown")
    known = [w for w in worlds if w != "unknown"]
    return min(known, key=order.index) if known else "unknown"


def arc(seconds: list[float], cycle: int) -> tuple[float, float]:
    """(start, width) of the shortest arc of the cycle holding every second (it may wrap)."""
    ordered = sorted(s % cycle for s in seconds)
    if len(ordered) == 1:
        return ordered[0], 0.0
    gaps = [(ordered[(i + 1) % len(ordered)] - ordered[i]) % cycle for i in range(len(ordered))]
    widest = max(range(len(gaps)), key=lambda i: gaps[i])
    start = ordered[(widest + 1) % len(ordered)]
    return start, cycle - gaps[widest]


def _t(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")
