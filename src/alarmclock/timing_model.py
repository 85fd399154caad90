"""The timing model: every number the emulator uses that AWS does not document.

Each parameter has a default and a range, and says where it comes from. "fact" means
a documented rule (docs/aws-facts.md names the page); "assumption" means AWS publishes
nothing and the range is our guess, wide on purpose. Claims about the beat are made across
these ranges and across every evaluation second (scripts/beat_table.py, scripts/phase_sweep.py),
never at the defaults alone. docs/timing-model.md is the prose version of this file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from typing import Any

Span = tuple[float, float]
# (alarm-name suffix, second of the evaluation cycle); the suffix "" pins every alarm.
OffsetPins = tuple[tuple[str, float], ...]
SLIDING_ENDS = ("cycle", "second")
# How a point stamped ahead becomes visible (future_visible_from): the worlds the silence allows.
WORLDS = ("put", "stamp", "late", "never")
# Parameters that matter only in a world beyond the two ends sample() draws (future_late_cycles, in
# 'late'): sample() keeps their defaults, so a recorded run's seed still draws the same model.
WORLD_ONLY = ("future_late_cycles",)


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    low: Any
    high: Any
    unit: str
    basis: str  # "fact" or "assumption"
    source: str
    # A word-valued parameter's values beyond the two ends of the range the beat is swept over
    # (future_visible_from's worlds where a point stamped ahead is counted late, or never).
    others: tuple[str, ...] = ()

    @property
    def choices(self) -> tuple[Any, ...]:
        """The values a word-valued parameter takes: its two ends, and any others."""
        return (self.low, self.high, *self.others) if isinstance(self.default, str) else ()

    @property
    def shown_default(self) -> str:
        """The default as docs/timing-model.md's parameter table shows it."""
        return show(self.default)


def show(value: Any) -> str:
    if isinstance(value, tuple) and not value:
        return "none: drawn"
    if isinstance(value, tuple) and isinstance(value[0], tuple):
        return ",".join(f"{suffix or '*'}:{offset:g}" for suffix, offset in value)
    if isinstance(value, tuple):
        return f"({value[0]:g}, {value[1]:g})"
    return value if isinstance(value, str) else f"{value:g}"


PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "evaluation_range_periods",
        3,
        2,
        5,
        "periods",
        "assumption",
        "User Guide 'Evaluating an alarm': the range is larger than EvaluationPeriods; the only example "
        "is 3 -> 5. For EvaluationPeriods 1 we take 2..5 (1 is outside the documented rule; "
        "scripts/beat_table.py also runs it as a stress case).",
    ),
    Parameter(
        "evaluation_offset_s",
        (),
        (),
        (),
        "s into the cycle",
        "assumption",
        "Which second of its evaluation cycle each alarm is evaluated at: drawn uniformly per alarm "
        "unless pinned here, for all alarms (12.5) or by alarm-name suffix (tick-is-1:12.5,watchdog:3). "
        "scripts/phase_sweep.py pins the tick alarms to every second of a grid.",
    ),
    Parameter(
        "sliding_window_end",
        "cycle",
        "cycle",
        "second",
        "",
        "assumption",
        "Where a sliding window ends: User Guide 'Alarm evaluation window' shows a 1-hour alarm "
        "evaluating 13:07-14:07, then 13:08-14:08 (whole minutes), and public alarm payloads have a "
        "startDate on a whole minute; so 'cycle' (the last whole minute, or 10 s for high-resolution "
        "alarms). 'second' ends it on the last whole second before the evaluation instead.",
    ),
    Parameter(
        "evaluation_jitter_s",
        (0.0, 1.0),
        (0.0, 0.0),
        (0.0, 5.0),
        "s",
        "assumption",
        "Each alarm is evaluated once a cycle at a fixed, undocumented second (public payloads show "
        ":05, :17, :29, :42); we draw that offset uniformly per alarm and add this jitter per evaluation.",
    ),
    Parameter(
        "visibility_delay_s",
        (1.0, 5.0),
        (0.0, 1.0),
        (5.0, 30.0),
        "s",
        "assumption",
        "Delay between PutMetricData and the point being visible to the alarm: undocumented; "
        "re:Post QUGIWUPlEYQWaCBm9x2WfnWA says 'a few seconds'.",
    ),
    Parameter(
        "future_visible_from",
        "put",
        "put",
        "stamp",
        "",
        "assumption",
        "How a point stamped later than its arrival (a wave, or a value stamped a period ahead) becomes "
        "visible to alarms: not documented. The User Guide ('Amazon CloudWatch concepts', 'Time stamps') "
        "warns that alarms check metrics against the current UTC time and that points stamped otherwise "
        "can leave an alarm in INSUFFICIENT_DATA or make it late. 'put': like any point, "
        "visibility_delay_s after PutMetricData; 'stamp': visibility_delay_s after its own timestamp; "
        "'late': future_late_cycles evaluation cycles after its timestamp; 'never': stored, but no "
        "alarm counts it (a put at or after its timestamp still counts).",
        others=("late", "never"),
    ),
    Parameter(
        "future_late_cycles",
        (1.0, 3.0),
        (1.0, 1.0),
        (2.0, 6.0),
        "cycles",
        "assumption",
        "Where future_visible_from is 'late': how many evaluation cycles (60 s, or 10 s for a "
        "high-resolution point) after its timestamp a point stamped ahead becomes visible, drawn per "
        "point. The concepts page says only that such alarms may be 'late'.",
    ),
    Parameter(
        "emf_delay_s",
        (2.0, 15.0),
        (0.5, 2.0),
        (30.0, 90.0),
        "s",
        "assumption",
        "From an embedded-metric-format log line to its point being visible to an alarm: not documented "
        "(the EMF alarms page asks only to 'publish logs in a timely manner'; a blog says 'usually up to "
        "a minute'). Wide on purpose.",
    ),
    Parameter(
        "emf_duplicate_prob",
        1e-3,
        0.0,
        1e-2,
        "per line",
        "assumption",
        "EMF specification: delivery is at least once, 'duplicate metric values may occasionally occur'. "
        "How often is not published.",
    ),
    Parameter(
        "action_latency_s",
        (0.05, 0.5),
        (0.01, 0.1),
        (0.5, 5.0),
        "s",
        "assumption",
        "From an alarm's state change to its action (SNS publish or Lambda async invoke) being accepted.",
    ),
    Parameter(
        "sns_delivery_s",
        (0.02, 0.3),
        (0.01, 0.05),
        (0.3, 3.0),
        "s",
        "assumption",
        "SNS to Lambda delivery latency; not published.",
    ),
    Parameter(
        "async_queue_s",
        (0.02, 0.3),
        (0.01, 0.05),
        (0.3, 5.0),
        "s",
        "assumption",
        "Lambda's internal queue for asynchronous invocations, before the function starts.",
    ),
    Parameter(
        "cold_start_s",
        (0.3, 1.2),
        (0.2, 0.5),
        (1.0, 3.0),
        "s",
        "assumption",
        "Python 3.13 with boto3 on 128 MB; paid when the function has been idle longer than keep_warm_s.",
    ),
    Parameter(
        "keep_warm_s",
        300.0,
        600.0,
        60.0,
        "s",
        "assumption",
        "How long an idle execution environment is kept; AWS does not say (observed 5-15 min). "
        "The 'high' end of this range is the harsher one: 60 s.",
    ),
    Parameter(
        "duplicate_notification_prob",
        1e-4,
        0.0,
        1e-2,
        "per notification",
        "assumption",
        "User Guide: 'In rare cases, your history might show more than one notification for a state change.' "
        "How rare is not published.",
    ),
    Parameter(
        "duplicate_delay_s",
        (0.1, 5.0),
        (0.0, 1.0),
        (1.0, 120.0),
        "s",
        "assumption",
        "How much later a duplicate notification arrives than the first.",
    ),
    Parameter(
        "retry_delays_s",
        (60.0, 120.0),
        (60.0, 120.0),
        (60.0, 120.0),
        "s",
        "fact",
        "Lambda async invocation: two retries on function error, about 1 and 2 minutes apart "
        "(Lambda Developer Guide, asynchronous invocation).",
    ),
)

DEFAULTS: dict[str, Any] = {p.name: p.default for p in PARAMETERS}


@dataclass(frozen=True)
class TimingModel:
    """One point in the parameter space. Spans are (low, high) of a uniform draw."""

    evaluation_range_periods: int = DEFAULTS["evaluation_range_periods"]
    evaluation_offset_s: OffsetPins = DEFAULTS["evaluation_offset_s"]
    sliding_window_end: str = DEFAULTS["sliding_window_end"]
    evaluation_jitter_s: Span = DEFAULTS["evaluation_jitter_s"]
    visibility_delay_s: Span = DEFAULTS["visibility_delay_s"]
    future_visible_from: str = DEFAULTS["future_visible_from"]
    future_late_cycles: Span = DEFAULTS["future_late_cycles"]
    emf_delay_s: Span = DEFAULTS["emf_delay_s"]
    emf_duplicate_prob: float = DEFAULTS["emf_duplicate_prob"]
    action_latency_s: Span = DEFAULTS["action_latency_s"]
    sns_delivery_s: Span = DEFAULTS["sns_delivery_s"]
    async_queue_s: Span = DEFAULTS["async_queue_s"]
    cold_start_s: Span = DEFAULTS["cold_start_s"]
    keep_warm_s: float = DEFAULTS["keep_warm_s"]
    duplicate_notification_prob: float = DEFAULTS["duplicate_notification_prob"]
    duplicate_delay_s: Span = DEFAULTS["duplicate_delay_s"]
    retry_delays_s: tuple[float, float] = DEFAULTS["retry_delays_s"]

    def at(self, **changes: Any) -> TimingModel:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def extreme(cls, end: str) -> TimingModel:
        """Every parameter at its 'low' or 'high' end at once."""
        return cls(**{p.name: (p.low if end == "low" else p.high) for p in PARAMETERS})

    @classmethod
    def sample(cls, rng: random.Random) -> TimingModel:
        """A random point inside the documented ranges, for property tests and sweeps."""
        values: dict[str, Any] = {}
        for p in PARAMETERS:
            if p.name in WORLD_ONLY:
                values[p.name] = p.default  # drawn by the tests that claim to hold in its world
                continue
            if p.low == p.high:
                values[p.name] = p.low  # fixed (a fact) or not a range (the offset pins)
            elif isinstance(p.default, str):
                # The two ends only: the worlds beyond them (future_visible_from's 'late' and 'never')
                # are drawn by the tests that claim to hold there, so recorded runs keep their seeds.
                values[p.name] = rng.choice([p.low, p.high])
            elif isinstance(p.default, tuple):
                low = rng.uniform(min(p.low[0], p.high[0]), max(p.low[0], p.high[0]))
                high = rng.uniform(min(p.low[1], p.high[1]), max(p.low[1], p.high[1]))
                values[p.name] = (min(low, high), max(low, high))
            elif isinstance(p.default, int) and not isinstance(p.default, bool):
                values[p.name] = rng.randint(min(p.low, p.high), max(p.low, p.high))
            else:
                values[p.name] = rng.uniform(min(p.low, p.high), max(p.low, p.high))
        return cls(**values)


def pinned_offset(pins: OffsetPins, alarm_name: str) -> float | None:
    """The pinned evaluation second for this alarm: the longest matching suffix wins."""
    matching = [(len(suffix), offset) for suffix, offset in pins if alarm_name.endswith(suffix)]
    return max(matching)[1] if matching else None


def draw(rng: random.Random, span: Span) -> float:
    low, high = span
    return low if high <= low else rng.uniform(low, high)
