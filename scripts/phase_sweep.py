"""The beat of each design, period and model at every evaluation second of the cycle.

For each design (one alarm, the seed's two alarms, one alarm on a wall-clock window where
CloudWatch allows it), each period and each model (the timing model's defaults and its harsh
end), the tick alarm is pinned to every second of a grid over its evaluation cycle (0.5 s steps
over 60 s, 0.25 s over 10 s) and the clock runs there (scripts/phase_study.py). A second
"holds the beat" when its mean interval is within 1 % of the period and its p1 and p99 are within
the period +- (2 x the jitter's upper end + 1 s).

    .venv/bin/python scripts/phase_sweep.py --json docs/data/phase-sweep.json   # run it all (~10 min, 2 cores)
    .venv/bin/python scripts/phase_sweep.py --from-json docs/data/phase-sweep.json  # print the tables again
    .venv/bin/python scripts/phase_sweep.py --designs "one alarm + wave" --update docs/data/phase-sweep.json
        # run some designs again and replace just their runs in the file
    .venv/bin/python scripts/phase_sweep.py --worlds --jobs 2 --update docs/data/phase-sweep.json
        # every design (--publish now too) in every world of future_visible_from (put, stamp, late,
        # never) at 10s, 20s, 1m, 5m and 1h, on a coarser grid: the table "Every design in every world"

The tables in docs/timing-model.md are this script's output for docs/data/phase-sweep.json
(tests/emulator/test_phase_study.py checks that they still are).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from phase_study import (
    DESIGNS,
    FIRST_DESIGNS,
    FIRST_MODELS,
    MODELS,
    WORLD_MODELS,
    WORLD_PERIODS,
    Job,
    PhaseRun,
    Summary,
    execute,
    jobs,
    spread_for,
    summaries,
)

from alarmclock.timing_model import TimingModel

PERIODS = ("10s", "20s", "30s", "1m", "5m", "1h")
COMMAND = "python scripts/phase_sweep.py --json docs/data/phase-sweep.json"
WORLDS_COMMAND = "nice -n 10 python scripts/phase_sweep.py --worlds --jobs 2 --update docs/data/phase-sweep.json"
WORLDS_TIMING = (
    "3,228 runs; the wave's 476 again with `--designs 'one alarm + wave'` in 64 s of wall time on 2 cores, "
    "on the handler and emulator of 102f1d9; the other designs' as run on the handler of a93c13e "
    "(1,198 s for "
    "all), whose code for them has not changed since"
)


def run_all(found: list[Job], workers: int) -> list[PhaseRun]:
    started = time.monotonic()
    results: list[PhaseRun] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, result in enumerate(pool.map(execute, found, chunksize=4), start=1):
            results.append(result)
            if done % 50 == 0 or done == len(found):
                print(f"  {done}/{len(found)} runs, {time.monotonic() - started:.0f} s", file=sys.stderr)
    return results


def ranges(offsets: tuple[float, ...], step: float) -> str:
    """(9.25, 9.5, 9.75, 30.0) -> ':09.25-:09.75, :30.00'; scattered over the cycle -> 'N seconds'."""
    if not offsets:
        return "none"
    groups: list[list[float]] = [[offsets[0]]]
    for offset in offsets[1:]:
        if offset - groups[-1][-1] <= step + 1e-9:
            groups[-1].append(offset)
        else:
            groups.append([offset])
    if len(groups) > 3:
        return f"{len(offsets)} seconds all over the cycle"
    shown = [f":{g[0]:05.2f}" if len(g) == 1 else f":{g[0]:05.2f}-:{g[-1]:05.2f}" for g in groups]
    return ", ".join(shown)


def _num(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def held_table(found: list[Summary], model: str) -> str:
    """Where the beat holds, and where not (the table for the model's defaults)."""
    rows = [s for s in found if s.model == model]
    lines = [
        "| design | clock | seconds holding the beat | mean within 1 % | p1 / p99 where it holds (s) "
        "| max interval (s) | stalls | held back: seconds (their mean; highest p99, s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in rows:
        step = 0.5 if s.period_s >= 60 else 0.25
        back = ranges(s.held_back, step)
        if s.held_back:
            means = f"{_num(s.held_back_lowest_mean)} .. {_num(s.held_back_highest_mean)}"
            if s.held_back_lowest_mean == s.held_back_highest_mean:
                means = _num(s.held_back_lowest_mean)
            back += f" ({means}; {_num(s.held_back_p99)})"
            if not s.held_back_in_band:
                back += ", not only where jitter crosses a window boundary"
        lines.append(
            f"| {s.design} | {s.every} | {s.holding}/{s.points} ({100 * s.holding_share:.1f} %) "
            f"| {s.mean_within}/{s.points} | {_num(s.worst_p1)} / {_num(s.worst_p99)} | {_num(s.worst_max)} "
            f"| {s.stalls} | {back} |"
        )
    return "\n".join(lines)


def beat_table(found: list[Summary], model: str) -> str:
    """What the beat is, over every second (the table for the harsh end, where it cannot hold)."""
    rows = [s for s in found if s.model == model]
    lines = [
        "| design | clock | mean interval, lowest .. highest over the seconds (s) | p1 .. p99, all seconds (s) "
        "| max interval (s) | longest silence (s) | stalls |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in rows:
        lines.append(
            f"| {s.design} | {s.every} | {_num(s.lowest_mean)} .. {_num(s.highest_mean)} "
            f"| {_num(s.lowest_p1)} .. {_num(s.highest_p99)} | {_num(s.worst_max)} | {_num(s.longest_silence_s, 0)} "
            f"| {s.stalls} |"
        )
    return "\n".join(lines)


# The designs a user chooses between with --publish, and the one they are measured against.
PUBLISHING = ("one alarm + wave", "one alarm + PutMetricData", "one alarm + EMF line")
BASELINE = "one alarm + PutMetricData"


def mean_table(found: list[Summary]) -> str:
    """The beat of each way of publishing over every evaluation second: the mean of the seconds'
    mean intervals (a clock's second is drawn at random), and how far it is from publishing each
    tick with PutMetricData."""
    by_key = {(s.design, s.every, s.model): s for s in found}
    models = list(dict.fromkeys(s.model for s in found))
    periods = list(dict.fromkeys(s.every for s in found if s.design in PUBLISHING))
    lines = [
        "| model | clock | " + " | ".join(f"{d}: mean (s)" for d in PUBLISHING) + " | wave vs PutMetricData |",
        "|---|---|" + "---|" * len(PUBLISHING) + "---|",
    ]
    for model in models:
        for every in periods:
            cells = [by_key.get((design, every, model)) for design in PUBLISHING]
            if not any(cells):
                continue
            shown = [_num(c.average_mean, 2) if c else "-" for c in cells]
            wave, base = by_key.get((PUBLISHING[0], every, model)), by_key.get((BASELINE, every, model))
            change = f"{100 * (wave.average_mean / base.average_mean - 1):+.1f} %" if wave and base else "-"
            lines.append(f"| {model} | {every} | " + " | ".join(shown) + f" | {change} |")
    return "\n".join(lines)


def boundary_table(found: list[Summary]) -> str:
    """Where each way of publishing fails, counted over the grid: the seconds whose mean is more
    than 1 % off the period (the clock runs slow or fast for good) and the seconds with an interval
    over two periods (a beat missing, or delivered late after a silence)."""
    by_key = {(s.design, s.every, s.model): s for s in found}
    models = list(dict.fromkeys(s.model for s in found))
    periods = list(dict.fromkeys(s.every for s in found if s.design in PUBLISHING))
    lines = [
        "| model | clock | "
        + " | ".join(f"{d}: seconds off the mean / with a gap over two periods" for d in PUBLISHING)
        + " |",
        "|---|---|" + "---|" * len(PUBLISHING),
    ]
    for model in models:
        for every in periods:
            cells = [by_key.get((design, every, model)) for design in PUBLISHING]
            if not any(cells):
                continue
            shown = [f"{c.points - c.mean_within} / {c.missing_beats} of {c.points}" if c else "-" for c in cells]
            lines.append(f"| {model} | {every} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


def world_cell(s: Summary | None) -> str:
    """'119/120'; and where it matters, the seconds' mean intervals, stalls and switches."""
    if s is None:
        return "-"
    cell = f"{s.holding}/{s.points}"
    if s.mean_within < s.points:
        means = (
            _num(s.lowest_mean)
            if _num(s.lowest_mean) == _num(s.highest_mean)
            else (f"{_num(s.lowest_mean)} .. {_num(s.highest_mean)}")
        )
        cell += f", mean {means} s"
    if s.stalls:
        cell += f", {s.stalls} stalled"
    if s.switched:
        cell += f", {s.switched} switched"
    return cell


def worlds_table(found: list[Summary]) -> str:
    """Every design in every world of future_visible_from: the seconds holding the beat."""
    by_key = {(s.design, s.every, s.model): s for s in found}
    lines = [
        "| design | clock | " + " | ".join(f"{model.removeprefix('world ')}" for model in WORLD_MODELS) + " |",
        "|---|---|" + "---|" * len(WORLD_MODELS),
    ]
    for design in DESIGNS:
        for every in WORLD_PERIODS:
            cells = [by_key.get((design, every, model)) for model in WORLD_MODELS]
            if any(cells):
                lines.append(f"| {design} | {every} | " + " | ".join(world_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def worlds_markdown(found: list[Summary]) -> str:
    spread = spread_for(TimingModel())
    return "\n".join(
        [
            "**Every design in every world** (seconds holding the beat: mean within 1 %, p1 and p99 within the "
            f"period +- {spread:g} s; on a coarser grid than the tables above, every 2 s of a 60 s cycle and every "
            "1 s of 10 s, plus the seconds where the jitter can carry an evaluation across a window boundary, "
            ":59.5 and :09.25-:09.75, each the run the fine grid makes there; the model's defaults but for the "
            "world, `late` at its default future_late_cycles; where the seconds' mean intervals are more than "
            "1 % off the period, their range; stalled: seconds whose clock fell silent for longer than the "
            "self-healing's reach; switched: seconds whose clock changed its design by itself, whose beat is "
            "measured from three periods after its last switch):",
            "",
            worlds_table(found),
            "",
            f"(`{WORLDS_COMMAND}`: {WORLDS_TIMING}.)",
        ]
    )


def markdown(found: list[Summary]) -> str:
    """The first tables, then the table of every design in every world."""
    first = [s for s in found if s.design in FIRST_DESIGNS and s.model in FIRST_MODELS]
    worlds = [s for s in found if s.model in WORLD_MODELS]
    return first_markdown(first) + ("\n\n" + worlds_markdown(worlds) if worlds else "")


def first_markdown(found: list[Summary]) -> str:
    models = list(dict.fromkeys(s.model for s in found))
    blocks = []
    for model in models:
        if model == "defaults":
            spread = next(s.spread_s for s in found if s.model == model)
            bound = f"mean within 1 %, p1 and p99 within the period +- {spread:g} s"
            blocks += [f"**At the model's defaults** (holding the beat: {bound}):", "", held_table(found, model), ""]
        else:
            blocks += [f"**At the {model} of every range**:", "", beat_table(found, model), ""]
    blocks += [
        "**The beat of each way of publishing, over every second** (the mean of the seconds' mean intervals):",
        "",
        mean_table(found),
        "",
        "**Where each way of publishing fails, counted over the seconds** (off the mean: more than 1 % "
        "from the period; a gap: an interval over two periods):",
        "",
        boundary_table(found),
        "",
    ]
    blocks.append(
        f"(`{COMMAND}`; each second is one run, its first interval, from the create kick, left out; a stall "
        "is a silence longer than the watchdog's window plus two heartbeats plus a period.)"
    )
    return "\n".join(blocks)


def load(path: Path) -> list[PhaseRun]:
    """The runs of an earlier --json (the summaries are recomputed from them)."""
    data = json.loads(path.read_text())
    runs = []
    for row in data["runs"]:
        fields: dict[str, Any] = {k: (math.nan if v is None else v) for k, v in row.items()}  # null: NaN
        runs.append(PhaseRun(**fields))
    return runs


def dump(path: Path, runs: list[PhaseRun]) -> None:
    def clean(row: dict[str, Any]) -> dict[str, Any]:
        for quiet in ("switches", "settled_s"):
            if not row[quiet]:
                row = {k: v for k, v in row.items() if k != quiet}  # runs from before the field read the same
        return {k: (None if math.isnan(v) else round(v, 3)) if isinstance(v, float) else v for k, v in row.items()}

    # One run a line, so a new sweep's diff shows which seconds changed.
    lines = ",\n".join(json.dumps(clean(vars(r)), separators=(",", ":")) for r in runs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{"command": {json.dumps(COMMAND)},\n"runs": [\n{lines}\n]}}\n')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--designs",
        default=None,
        help="comma-separated, of: " + ", ".join(DESIGNS) + " (default: the first tables'; with --worlds, all)",
    )
    parser.add_argument("--periods", default=",".join(PERIODS))
    parser.add_argument(
        "--models", default=",".join(MODELS), help="comma-separated, of: " + ", ".join([*MODELS, *WORLD_MODELS])
    )
    parser.add_argument(
        "--worlds",
        action="store_true",
        help="run the table of every design in every world instead: every design, the periods "
        + ", ".join(WORLD_PERIODS)
        + ", the models "
        + ", ".join(WORLD_MODELS),
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--json", type=Path, help="write every run and the summaries here")
    parser.add_argument("--from-json", type=Path, help="print the tables of an earlier --json, run nothing")
    parser.add_argument(
        "--update", type=Path, help="an earlier --json: replace its runs of the designs, periods and models run now"
    )
    args = parser.parse_args()
    if args.from_json:
        try:
            print(markdown(summaries(load(args.from_json))))
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"phase_sweep: cannot read {args.from_json}: {error}", file=sys.stderr)
            return 2
        return 0
    chosen = args.designs or ",".join(DESIGNS if args.worlds else FIRST_DESIGNS)
    designs = [d.strip() for d in chosen.split(",")]
    models = [m.strip() for m in args.models.split(",")]
    periods = [p.strip() for p in args.periods.split(",")]
    if args.worlds:
        periods, models = list(WORLD_PERIODS), list(WORLD_MODELS)
    unknown = [d for d in designs if d not in DESIGNS] + [m for m in models if m not in MODELS | WORLD_MODELS]
    if unknown:
        print(f"phase_sweep: unknown design or model: {', '.join(unknown)}", file=sys.stderr)
        return 2
    kept: list[PhaseRun] = []
    if args.update:
        try:
            kept = [
                r for r in load(args.update) if not (r.design in designs and r.every in periods and r.model in models)
            ]
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"phase_sweep: cannot read {args.update}: {error}", file=sys.stderr)
            return 2
    found = jobs(designs, periods, models)
    print(f"phase_sweep: {len(found)} runs on {args.jobs} processes", file=sys.stderr)
    runs = kept + run_all(found, max(1, args.jobs))
    for path in (args.json, args.update):
        if path:
            dump(path, runs)  # before anything else: a finished sweep is never lost
    print(markdown(summaries(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
