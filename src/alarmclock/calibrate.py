"""Fit the timing model's parameters that a clock's history and log reveal (`alarmclock calibrate`).

What AWS keeps shows some of the emulator's assumptions (docs/timing-model.md) directly:

- each alarm's evaluation second and its jitter: from stateReasonData.queryDate of its changes;
- the latency from a state change to the function's start (action, SNS, Lambda's queue, cold
  starts together): from the `lag_s` of the function's tick lines;
- an upper bound on how long a published point takes to be visible to the alarm: from the time
  the function published (its start) to the evaluation that saw the point (only a clock that
  publishes each tick shows it: a wave is laid hours ahead);
- the rate of duplicate notifications: tick ids delivered more than once.

Each figure carries the number of observations behind it; what the data cannot show stays an
assumption, at the model's default, and is listed as one. The output loads into `TimingModel`
(`simulate --model`).
"""

from __future__ import annotations

import bisect
import math
from datetime import UTC, datetime
from typing import Any

from alarmclock.beat import StateUpdate, TickLine, alarm_figures, is_tick_change
from alarmclock.intervals import percentile
from alarmclock.timing_model import PARAMETERS, TimingModel

FORMAT = "alarmclock-timing-model/1"
# The latency's upper end: a high quantile, not the maximum, so one cold start or one retried
# invocation does not stand for the whole span.
LATENCY_HIGH_QUANTILE = 0.999


def calibrate(
    clock: str,
    period_s: int,
    publish: str,
    tick_alarms: tuple[str, ...],
    watchdog: str | None,
    changes: list[StateUpdate],
    lines: list[TickLine] | None,
    start: float,
    end: float,
) -> dict[str, Any]:
    """The fitted parameters, their observations, and what stays assumed, as one JSON object."""
    parameters: dict[str, Any] = {}
    observations: dict[str, dict[str, Any]] = {}

    alarms = tick_alarms + ((watchdog,) if watchdog else ())
    figures = alarm_figures(changes, alarms, period_s)
    pins = []
    jitters = []
    for name, info in figures.items():
        if info["offset_s"] is None:
            continue
        suffix = name[len(clock) + 1 :] if name.startswith(clock + "-") else name
        pins.append([suffix, info["offset_s"]])
        if info["evaluations"] >= 2:
            jitters.append((info["jitter_s"], info["evaluations"], name))
    observations["evaluation_offset_s"] = {
        name: {"second": info["offset_s"], "evaluations": info["evaluations"]} for name, info in figures.items()
    }
    if pins:
        parameters["evaluation_offset_s"] = pins
    if jitters:
        # The model has one jitter for every alarm: the alarm seen most often speaks for it.
        span, count, name = max(jitters, key=lambda j: j[1])
        parameters["evaluation_jitter_s"] = [0.0, round(span, 3)]
        observations["evaluation_jitter_s"] = {
            "evaluations": count,
            "from_alarm": name,
            "per_alarm_s": {n: info["jitter_s"] for n, info in figures.items() if info["evaluations"] >= 2},
        }

    if lines:
        firsts, duplicates = _first_deliveries(lines)
        lags = sorted(line.lag_s for line in firsts if not math.isnan(line.lag_s) and 0 <= line.lag_s <= period_s)
        if lags:
            high = percentile(lags, LATENCY_HIGH_QUANTILE)
            parameters["action_latency_s"] = [round(lags[0], 3), round(high, 3)]
            # Only the sum is observed: it is given to action_latency_s and the others are set to 0,
            # so the emulator reproduces the observed span, not how AWS splits it.
            parameters["sns_delivery_s"] = [0.0, 0.0]
            parameters["async_queue_s"] = [0.0, 0.0]
            observations["action_latency_s"] = {
                "ticks": len(lags),
                "left_out": len(firsts) - len(lags),
                "left_out_why": "lag longer than a period: a retried invocation or a replayed change",
                "what": "state change to the function's start: action, SNS delivery, Lambda's queue and "
                "cold starts together",
                "p50_s": round(percentile(lags, 0.5), 3),
                "max_s": round(lags[-1], 3),
            }
        # The model's probability is that a notification comes again, however many times (the emulator
        # draws its copies): the share of ticks delivered more than once, not the copies per tick.
        duplicated = len(_repeated_ids(lines))
        parameters["duplicate_notification_prob"] = round(duplicated / len(firsts), 6) if firsts else 0.0
        observations["duplicate_notification_prob"] = {
            "ticks": len(firsts),
            "duplicates": duplicates,
            "ticks_duplicated": duplicated,
            # With none seen in n, the rate is below 3/n with 95 % confidence ("rule of three").
            "upper_95_when_none": round(3 / len(firsts), 6) if firsts and not duplicates else None,
        }
        bound = visibility_upper_bound(changes, firsts, tick_alarms) if publish != "wave" else None
        if bound is not None:
            # Only a bound: the parameter stays assumed, and a user can check its range against it.
            observations["visibility_delay_s"] = {
                "at_most_s": round(bound[0], 3),
                "ticks": bound[1],
                "what": "the shortest time from a publishing function's start to the evaluation that saw "
                "its point: every point was visible by then",
            }

    fitted = set(parameters)
    assumptions = {
        p.name: _why_assumed(p.name, publish, bool(lines))
        for p in PARAMETERS
        if p.name not in fitted and p.basis == "assumption"
    }
    return {
        "format": FORMAT,
        "clock": clock,
        "period_s": period_s,
        "publish": publish,
        "from": _iso(start),
        "to": _iso(end),
        "parameters": parameters,
        "observations": observations,
        "assumptions": assumptions,
    }


def _repeated_ids(lines: list[TickLine]) -> set[str]:
    """The tick ids delivered more than once."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for line in lines:
        (repeated if line.tick_id in seen else seen).add(line.tick_id)
    return repeated


def _first_deliveries(lines: list[TickLine]) -> tuple[list[TickLine], int]:
    seen: set[str] = set()
    firsts = []
    duplicates = 0
    for line in sorted(lines, key=lambda line: line.time):
        if line.tick_id in seen:
            duplicates += 1
            continue
        seen.add(line.tick_id)
        firsts.append(line)
    return firsts, duplicates


def visibility_upper_bound(
    changes: list[StateUpdate], firsts: list[TickLine], tick_alarms: tuple[str, ...]
) -> tuple[float, int] | None:
    """(the least time from a tick's publishing to the next tick change's evaluation, ticks used).

    The function publishes the next value when it starts (at the change's time plus lag_s), and the
    next tick change is the evaluation that saw that value: the point was visible by then."""
    queries = sorted(c.query_time for c in changes if c.query_time is not None and is_tick_change(c, tick_alarms))
    if not queries:
        return None
    gaps = []
    for line in firsts:
        published = line.tick_time + line.lag_s
        index = bisect.bisect_right(queries, published)
        if index < len(queries):
            gaps.append(queries[index] - published)
    return (min(gaps), len(gaps)) if gaps else None


def _why_assumed(name: str, publish: str, have_log: bool) -> str:
    if name in ("action_latency_s", "duplicate_notification_prob") and not have_log:
        return "the function's log was not read"
    if name == "visibility_delay_s" and publish == "wave":
        return "a wave is laid hours ahead: no evaluation shows when a point became visible"
    if name == "visibility_delay_s":
        return "only bounded from above (observations.visibility_delay_s.at_most_s), not measured"
    if name in ("cold_start_s", "keep_warm_s"):
        return "inside the observed latency, not separable from it"
    return "not visible in alarm history or the function's log"


def timing_model(data: Any) -> TimingModel:
    """A calibrate output as the emulator's TimingModel; ValueError (one line, `--param`'s words for
    a value) if it is not one."""
    from alarmclock.parameter_values import from_json

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f'not an alarmclock calibrate output (no "format": "{FORMAT}")')
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        raise ValueError('"parameters" must be an object of NAME: VALUE (it may be empty: {})')
    return TimingModel().at(**{name: from_json(name, value) for name, value in parameters.items()})


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
