"""Where faults enter the emulation, and the named fault scenarios of `simulate --fault`.

Each hook is asked at the moment the thing would happen, with the virtual time, and answers
what goes wrong then (None/False/0 for nothing). `Faults` injects nothing; `FaultPlan` holds
named, combinable faults, each active over a window of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alarmclock.durations import DurationError, format_duration, parse_duration


class Faults:
    def function_failure(self, now: float) -> str | None:
        """A reason the clock's function fails this run before doing anything."""
        return None

    def crash_after_work(self, now: float) -> bool:
        """The function did its work (published, delivered) and then failed, so Lambda retries it."""
        return False

    def throttled(self, now: float) -> bool:
        """Lambda throttles the function: an asynchronous event waits and is retried later."""
        return False

    def api_failure(self, now: float, action: str) -> str | None:
        """An AWS error code for this call of the function (e.g. 'Throttling' for cloudwatch:PutMetricData)."""
        return None

    def drop_notification(self, now: float, alarm: str) -> bool:
        """The alarm's action is lost on its way to the function."""
        return False

    def duplicate_delay(self, now: float, alarm: str) -> float | None:
        """Deliver the alarm's action a second time, this many seconds later (None: no extra copy)."""
        return None

    def evaluation_delay(self, now: float, alarm: str) -> float | None:
        """Seconds this evaluation is late, or None to skip it."""
        return 0.0

    def visibility_delay(self, now: float) -> float:
        """Extra seconds before a point just published becomes visible to alarms."""
        return 0.0


@dataclass
class Fault:
    """One named fault, active from `start` for `duration` seconds of the run (or `count` events)."""

    name: str
    start_s: float
    duration_s: float = 0.0
    count: int = 0  # for event faults: how many events it hits
    amount_s: float = 0.0  # how late (late-evaluation, late-data, duplicate-notification)
    hits: list[float] = field(default_factory=list)  # run times at which it struck

    @property
    def end_s(self) -> float:
        """When the fault is over: the window's end, or its last hit for event faults."""
        if self.name in EVENT_FAULTS:
            return self.hits[-1] if self.hits else self.start_s
        return self.start_s + self.duration_s

    def describe(self) -> str:
        if self.name in EVENT_FAULTS:
            extra = f", {format_duration(self.amount_s)} late" if self.amount_s else ""
            return f"{self.name} x{self.count} from +{format_duration(self.start_s)}{extra}"
        if self.name in LIFECYCLE_FAULTS:
            return f"{self.name} at +{format_duration(self.start_s)}"
        extra = f", +{format_duration(self.amount_s)}" if self.amount_s else ""
        return f"{self.name} for {format_duration(self.duration_s)} from +{format_duration(self.start_s)}{extra}"


# name -> (description, defaults)
WINDOW_FAULTS: dict[str, tuple[str, dict[str, float]]] = {
    "function-errors": ("the clock's function fails every run", {"for": 600}),
    "throttling": ("Lambda throttles the function; events wait and are retried with backoff", {"for": 600}),
    "put-metric-fails": ("PutMetricData answers Throttling", {"for": 600}),
    "skip-evaluation": ("the alarms are not evaluated", {"for": 300}),
    "late-evaluation": ("the alarms are evaluated late", {"for": 600, "by": 20}),
    "late-data": ("published points become visible late", {"for": 600, "by": 40}),
}
EVENT_FAULTS: dict[str, tuple[str, dict[str, float]]] = {
    "lose-notification": ("alarm notifications are lost", {"count": 1}),
    "duplicate-notification": ("alarm notifications arrive twice, the copy late", {"count": 1, "by": 30}),
    "late-retry": ("the function fails after its work, so Lambda runs it again a minute later", {"count": 1}),
}
LIFECYCLE_FAULTS: dict[str, tuple[str, dict[str, float]]] = {
    "stack-update": ("the stack is updated (a new payload) while ticking", {}),
    "stack-delete": ("the stack is deleted mid-run", {}),
}
ALL_FAULTS = {**WINDOW_FAULTS, **EVENT_FAULTS, **LIFECYCLE_FAULTS}
DEFAULT_AT_S = 3600.0  # a fault without at= starts an hour into the run
LATE_FAULTS = ("late-evaluation", "late-data")  # `by` is the fault itself: 0 would do nothing
LATE_RETRY_S = 60.0  # Lambda's first retry of a failed asynchronous invocation


class FaultError(ValueError):
    """A --fault that cannot be understood; the message says what is accepted."""


def seconds(text: str) -> float:
    try:
        return parse_duration(text)
    except DurationError as error:
        raise FaultError(str(error)) from None


def parse_fault(text: str) -> Fault:
    """NAME[:at=2h,for=10m,count=2,by=30s] -> Fault."""
    name, _, rest = text.partition(":")
    if name not in ALL_FAULTS:
        raise FaultError(f"--fault {text!r}: unknown fault {name!r}; use one of: {', '.join(ALL_FAULTS)}")
    settings: dict[str, Any] = {"at": DEFAULT_AT_S, **ALL_FAULTS[name][1]}
    given: set[str] = set()
    for pair in filter(None, rest.split(",")):
        key, _, value = pair.partition("=")
        if key not in settings:
            raise FaultError(f"--fault {text!r}: {name} takes {', '.join(sorted(settings))}, not {key!r}")
        if key in given:
            raise FaultError(f"--fault {text!r}: {key} is given twice; give each once (or --fault again)")
        given.add(key)
        try:
            settings[key] = int(value) if key == "count" else seconds(value)
        except ValueError:
            raise FaultError(f"--fault {text!r}: {key}={value!r} is not a number or duration") from None
    if settings.get("count", 1) < 1 or settings.get("for", 1) <= 0:
        raise FaultError(f"--fault {text!r}: count and for must be positive")
    if name in LATE_FAULTS and settings["by"] <= 0:
        raise FaultError(f"--fault {text!r}: by must be more than 0 (late by nothing is no fault)")
    return Fault(
        name=name,
        start_s=settings["at"],
        duration_s=settings.get("for", 0.0),
        count=int(settings.get("count", 0)),
        amount_s=settings.get("by", 0.0),
    )


def check_inside_run(fault: Fault, duration_s: float) -> Fault:
    """A fault the run can show: it starts inside the run, its window ends by the run's end, and
    it is late by no more than the run is long (a longer delay could never be seen)."""
    if fault.start_s >= duration_s:
        raise FaultError(
            f"--fault {fault.name}: at={format_duration(fault.start_s)} is not inside "
            f"--duration ({format_duration(duration_s)})"
        )
    if fault.name in WINDOW_FAULTS and fault.start_s + fault.duration_s > duration_s:
        raise FaultError(
            f"--fault {fault.name}: at={format_duration(fault.start_s)} plus for={format_duration(fault.duration_s)} "
            f"ends after --duration ({format_duration(duration_s)})"
        )
    if fault.amount_s > duration_s:
        raise FaultError(
            f"--fault {fault.name}: by={format_duration(fault.amount_s)} is longer than "
            f"--duration ({format_duration(duration_s)})"
        )
    return fault


class FaultPlan(Faults):
    """Several named faults over one run. `start` is the run's start (epoch seconds)."""

    def __init__(self, faults: list[Fault], start: float = 0.0) -> None:
        self.faults = faults
        self.start = start
        self._pending_crashes = 0

    def _active(self, name: str, now: float) -> list[Fault]:
        t = now - self.start
        return [f for f in self.faults if f.name == name and f.start_s <= t < f.start_s + f.duration_s]

    def _take(self, name: str, now: float, lasting: float = 0.0) -> Fault | None:
        """Use up one hit of an event fault; the hit is over `lasting` seconds later."""
        t = now - self.start
        for fault in self.faults:
            if fault.name == name and fault.start_s <= t and len(fault.hits) < fault.count:
                fault.hits.append(t + lasting)
                return fault
        return None

    def function_failure(self, now: float) -> str | None:
        return "RuntimeError: injected function error" if self._active("function-errors", now) else None

    def crash_after_work(self, now: float) -> bool:
        # Over when Lambda's retry (about a minute later) has run.
        return self._take("late-retry", now, lasting=LATE_RETRY_S) is not None

    def throttled(self, now: float) -> bool:
        return bool(self._active("throttling", now))

    def api_failure(self, now: float, action: str) -> str | None:
        if action == "cloudwatch:PutMetricData" and self._active("put-metric-fails", now):
            return "Throttling"
        return None

    def drop_notification(self, now: float, alarm: str) -> bool:
        return self._take("lose-notification", now) is not None

    def duplicate_delay(self, now: float, alarm: str) -> float | None:
        # Over when the late copy has arrived.
        for fault in self.faults:
            if fault.name == "duplicate-notification" and self._take(fault.name, now, lasting=fault.amount_s):
                return fault.amount_s
        return None

    def evaluation_delay(self, now: float, alarm: str) -> float | None:
        if not self.faults:  # asked before every evaluation: the common case, quickly
            return 0.0
        if self._active("skip-evaluation", now):
            return None
        return sum(f.amount_s for f in self._active("late-evaluation", now))

    def visibility_delay(self, now: float) -> float:
        if not self.faults:  # asked once for every value stored: the common case, quickly
            return 0.0
        return sum(f.amount_s for f in self._active("late-data", now))

    def lifecycle(self) -> list[Fault]:
        return [f for f in self.faults if f.name in LIFECYCLE_FAULTS]
