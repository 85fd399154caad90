"""Virtual time and seeded chance, shared by every emulated service.

Time is epoch seconds (UTC), because CloudWatch periods align to the wall clock. The
engine is SimPy's event heap: deterministic ordering of simultaneous events, `run(until)`,
and nothing ever sleeps.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import simpy

from alarmclock.emulator.timing import Span, TimingModel, draw

# 2026-01-01T00:00:00Z: runs start here (plus a seeded second within the minute).
EPOCH_BASE = 1_767_225_600.0


class World:
    def __init__(self, seed: int, timing: TimingModel, start: float | None = None, keep_log: bool = True) -> None:
        self.rng = random.Random(seed)
        self.timing = timing
        if start is None:
            start = EPOCH_BASE + round(self.rng.uniform(0, 60), 3)
        self.start = start
        self.env = simpy.Environment(initial_time=start)
        self.log_lines: list[dict[str, Any]] = []
        self.log_counts: dict[str, int] = {}
        # Each time a wave clock changed its design by itself (handler.switch_to_now): few, kept always.
        self.switches: list[dict[str, Any]] = []
        self.keep_log = keep_log  # False: count log lines only, so a long run's memory stays bounded

    def now(self) -> float:
        return float(self.env.now)

    def draw(self, span: Span) -> float:
        return draw(self.rng, span)

    def chance(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    def later(self, delay: float, action: Callable[..., Any], *args: Any) -> None:
        """Run action(*args) after `delay` virtual seconds."""
        event = self.env.timeout(max(0.0, delay))
        event.callbacks.append(lambda _event: action(*args))

    def at(self, moment: float, action: Callable[..., Any], *args: Any) -> None:
        self.later(moment - self.now(), action, *args)

    def run(self, until: float) -> None:
        if until > self.now():
            self.env.run(until=until)

    def log(self, record: dict[str, Any]) -> None:
        """The clock function's structured log: counted always, kept when it is not routine."""
        key = f"{record.get('level', 'INFO')}:{record.get('action', '?')}"
        self.log_counts[key] = self.log_counts.get(key, 0) + 1
        if record.get("action") == "switch":
            at = round(self.now() - self.start, 3)
            self.switches.append({"at_s": at, "design": record.get("design"), "reason": record.get("reason")})
        if self.keep_log and (record.get("level") != "INFO" or record.get("action") != "tick"):
            self.log_lines.append({"t": round(self.now() - self.start, 3), **record})
