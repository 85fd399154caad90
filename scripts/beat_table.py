"""The beat a clock holds across the timing model's ranges: a markdown table.

Each row moves one parameter to the low or the high end of its documented range (the others
stay at their defaults), runs several seeds, and pools the tick intervals after the first (the
first runs from the create kick to the alarm's first look at the next period). "all low" and
"all high" move every parameter at once. The last rows are stress cases outside the documented
rule (an evaluation range of one period). Each seed draws its own evaluation seconds; for every
second of the cycle, see scripts/phase_sweep.py.

    .venv/bin/python scripts/beat_table.py --every 1m --days 2 --seeds 5 [--alarms 2]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass

from phase_study import stall_after_s

from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.intervals import IntervalStats
from alarmclock.spec import build_spec
from alarmclock.timing_model import PARAMETERS, TimingModel


@dataclass
class Row:
    label: str
    stats: IntervalStats
    silence: float
    stalled: int
    runs: int
    duplicates: int


def measure(
    label: str,
    timing: TimingModel,
    every: str,
    via: str,
    days: float,
    seeds: int,
    alarms: int = 1,
    publish: str | None = None,
) -> Row:
    intervals: list[float] = []
    silence, stalled, duplicates = 0.0, 0, 0
    spec = build_spec(every=every, via=via, alarms=alarms, publish=publish)
    for seed in range(seeds):
        run = simulate(Scenario(spec=spec, duration_s=days * 86_400, seed=seed, timing=timing))
        intervals.extend(b - a for a, b in itertools.pairwise(run.tick_times[1:]))
        silence = max(silence, run.report.longest_silence.length_s)
        # A stall is a silence the self-healing did not end (the same rule as phase_sweep's).
        stalled += run.report.longest_silence.length_s > stall_after_s(spec.period_s, spec.publish)
        duplicates += run.report.duplicates
    return Row(label, IntervalStats.of(intervals), silence, stalled, seeds, duplicates)


def rows(
    every: str,
    via: str,
    days: float,
    seeds: int,
    alarms: int = 1,
    only: list[str] | None = None,
    publish: str | None = None,
) -> list[Row]:
    base = TimingModel()
    plan: list[tuple[str, TimingModel]] = [("defaults", base)]
    for parameter in PARAMETERS:
        if parameter.low == parameter.high:
            continue
        plan.append((f"{parameter.name} = {_show(parameter.low)}", base.at(**{parameter.name: parameter.low})))
        plan.append((f"{parameter.name} = {_show(parameter.high)}", base.at(**{parameter.name: parameter.high})))
    plan.append(("all low", TimingModel.extreme("low")))
    plan.append(("all high", TimingModel.extreme("high")))
    plan.append(
        ("stress: evaluation_range_periods = 1 (outside the documented rule)", base.at(evaluation_range_periods=1))
    )
    plan.append(
        (
            "stress: range 1 and all high",
            TimingModel.extreme("high").at(evaluation_range_periods=1),
        )
    )
    if only:
        unknown = set(only) - {label for label, _ in plan}
        if unknown:
            raise SystemExit(f"beat_table: no row named {', '.join(sorted(unknown))}")
        plan = [(label, timing) for label, timing in plan if label in only]
    found = []
    for label, timing in plan:
        started = time.perf_counter()
        found.append(measure(label, timing, every, via, days, seeds, alarms, publish))
        print(f"  {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return found


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "] s"
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown(
    found: list[Row],
    every: str,
    via: str,
    days: float,
    seeds: int,
    alarms: int = 1,
    only: str | None = None,
    publish: str | None = None,
) -> str:
    design = "" if alarms == 1 else f" --alarms {alarms}"
    if publish:
        design += f" --publish {publish}"
    if only:
        design += f" --rows '{only}'"
    lines = [
        f"Beat of a {every} clock via {via}: {seeds} seeds x {days:g} days per row "
        f"(`python scripts/beat_table.py --every {every} --via {via} --days {days:g} --seeds {seeds}{design}`).",
        "",
        "| model | mean (s) | p50 | p99 | max interval | longest silence | runs stalled | duplicates |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in found:
        s = row.stats
        lines.append(
            f"| {row.label} | {s.mean:.1f} | {s.p50:.1f} | {s.p99:.1f} | {s.max:.1f} | {row.silence:.0f} | "
            f"{row.stalled}/{row.runs} | {row.duplicates} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", default="1m")
    parser.add_argument("--via", default="lambda", choices=["lambda", "sns"])
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--alarms", type=int, default=1, choices=[1, 2])
    parser.add_argument("--publish", choices=["wave", "api", "logs"], help="default: the period's")
    parser.add_argument("--rows", help="only these rows, by label, separated by ';' (e.g. 'defaults;all high')")
    args = parser.parse_args()
    only = [label.strip() for label in args.rows.split(";")] if args.rows else None
    found = rows(args.every, args.via, args.days, args.seeds, args.alarms, only, args.publish)
    print(markdown(found, args.every, args.via, args.days, args.seeds, args.alarms, args.rows, args.publish))
    return 0


if __name__ == "__main__":
    sys.exit(main())
