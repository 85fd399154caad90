"""Virtual time and seeded chance, shared by every emulated service.

Time is epoch seconds (UTC), because CloudWatch periods align to the wall clock. The
engine is an event heap as SimPy's is: entries of (time, priority, sequence), so simultaneous
events run in the order they were scheduled, `run(until)` stops before the events due at
`until`, and nothing ever sleeps. A bare heap entry, not SimPy itself, because SimPy makes an
event object and a callback list for each of the four or five events of a tick, 1.7 us an event
more (CHANGELOG.md).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from typing import Any

from alarmclock.timing_model import Span, TimingModel, draw

# 2026-01-01T00:00:00Z: runs start here (plus a seeded second within the minute).
EPOCH_BASE = 1_767_225_600.0


class World:
    def __init__(self, seed: int, timing: TimingModel, start: float | None = None, keep_log: bool = True) -> None:
        self.rng = random.Random(seed)
        self.timing = timing
        if start is None:
            start = EPOCH_BASE + round(self.rng.uniform(0, 60), 3)
        self.start = start
        self._now = start
        # (time, priority, sequence, action, args); priority 0 is a run's stop, 1 any event: at the
        # same time a stop comes first, as SimPy's URGENT before NORMAL.
        self._queue: list[tuple[float, int, int, Callable[..., Any] | None, tuple[Any, ...]]] = []
        self._sequence = itertools.count()
        self.log_lines: list[dict[str, Any]] = []
        self.log_counts: dict[str, int] = {}
        # Each time a wave clock changed its design by itself (handler.switch_to_now): few, kept always.
        self.switches: list[dict[str, Any]] = []
        self.keep_log = keep_log  # False: count log lines only, so a long run's memory stays bounded

    def now(self) -> float:
        return self._now

    def draw(self, span: Span) -> float:
        return draw(self.rng, span)

    def chance(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    def later(self, delay: float, action: Callable[..., Any], *args: Any) -> None:
        """Run action(*args) after `delay` virtual seconds."""
        heapq.heappush(self._queue, (self._now + max(0.0, delay), 1, next(self._sequence), action, args))

    def at(self, moment: float, action: Callable[..., Any], *args: Any) -> None:
        self.later(moment - self.now(), action, *args)

    def run(self, until: float) -> None:
        """Run every event due before `until`; the clock then reads `until`."""
        if until <= self._now:
            return
        queue = self._queue
        heapq.heappush(queue, (self._now + (until - self._now), 0, next(self._sequence), None, ()))
        while True:
            self._now, _, _, action, args = heapq.heappop(queue)
            if action is None:
                return  # this run's stop (or, after an action raised, an earlier run's: as SimPy)
            action(*args)

    def log(self, record: dict[str, Any]) -> None:
        """The clock function's structured log: counted always, kept when it is not routine."""
        key = f"{record.get('level', 'INFO')}:{record.get('action', '?')}"
        self.log_counts[key] = self.log_counts.get(key, 0) + 1
        if record.get("action") == "switch":
            at = round(self.now() - self.start, 3)
            self.switches.append({"at_s": at, "design": record.get("design"), "reason": record.get("reason")})
        if self.keep_log and (record.get("level") != "INFO" or record.get("action") != "tick"):
            self.log_lines.append({"t": round(self.now() - self.start, 3), **record})
