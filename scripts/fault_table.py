"""What each named fault costs a clock, across the timing model's documented ranges.

For each fault, runs one seeded simulation per random point of the model (TimingModel.sample),
with the fault injected once at a random moment of a 4-hour run, and prints ticks lost, ticks
delivered late, duplicate deliveries and the time from the fault's end to the next tick (p50 and
max), as a markdown table. Run `index` draws its model and moment from random.Random(index) and
simulates with seed `index`, so every run can be repeated on its own.

    .venv/bin/python scripts/fault_table.py --json docs/data/fault-tables.json  # every table, 1,080 runs
    .venv/bin/python scripts/fault_table.py --from-json docs/data/fault-tables.json  # print them
    .venv/bin/python scripts/fault_table.py --every 1m --runs 20 [--publish api]  # one table, not saved
    .venv/bin/python scripts/fault_table.py --every 1m --runs 60 --faults late-evaluation  # some rows, more runs
    .venv/bin/python scripts/fault_table.py --every 10s --runs 10 --via sns --world stamp
        # one table through SNS, in one world, with how many runs switched their design and ended silent
    .venv/bin/python scripts/fault_table.py --worlds --json docs/data/fault-worlds.json --jobs 2
        # the default design and --publish now in every world of future_visible_from (put, stamp, late,
        # never), 10 runs per fault: docs/self-healing.md's "In every world"; --from-json prints it
    .venv/bin/python scripts/fault_table.py --worlds --via sns --json docs/data/fault-worlds-sns.json --jobs 2
        # the default design through SNS in every world: docs/self-healing.md's "Through SNS"
    .venv/bin/python scripts/fault_table.py --update docs/data/fault-worlds.json --publish wave [--every 10s]
        # run one design's runs of either file again, keep the rest (after a change only it reaches)

The 1,080 runs of --json took 323 s of wall time with --jobs 2 on 2 cores shared with other work
(2026-12-05, on the handler of b7dfc25). The tables in docs/self-healing.md are this script's
output for docs/data/fault-tables.json (tests/docs/test_fault_tables.py checks that they still are,
and repeats a few of the recorded runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from alarmclock.emulator.faults import EVENT_FAULTS, WINDOW_FAULTS, parse_fault
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import PUBLISHES, build_spec
from alarmclock.template import design
from alarmclock.timing_model import WORLDS, TimingModel

FAULTS = {
    "function-errors": "function-errors:for=10m",
    "throttling": "throttling:for=10m",
    "put-metric-fails": "put-metric-fails:for=10m",
    "skip-evaluation": "skip-evaluation:for=5m",
    "late-evaluation": "late-evaluation:for=10m,by=20s",
    "late-data": "late-data:for=10m,by=40s",
    "lose-notification": "lose-notification:count=1",
    "duplicate-notification": "duplicate-notification:count=1,by=30s",
    "late-retry": "late-retry:count=1",
}
assert set(FAULTS) == set(WINDOW_FAULTS) | set(EVENT_FAULTS)

# The tables docs/self-healing.md shows: per period, its default way of publishing (None) against
# publishing each tick.
PERIODS = ("10s", "1m", "5m")
PUBLISHING: tuple[str | None, ...] = (None, "api")
RUNS = 20
DURATION_S = 4 * 3600
COMMAND = "python scripts/fault_table.py --json docs/data/fault-tables.json"

COLUMNS = (
    "fault",
    "ticks lost (mean)",
    "delivered late (mean)",
    "duplicate deliveries (all runs)",
    "recovery p50 (s)",
    "recovery max (s)",
    "over 3 periods",
)
PUBLISH_NAMES = {"wave": "the wave", "api": "publishing each tick", "logs": "an EMF log line per tick"}
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 10: "ten", 15: "fifteen", 20: "twenty", 30: "thirty"}


# The worlds table (docs/self-healing.md, "In every world"): the default design and the documented
# one, each in every world of future_visible_from, the rest of the model drawn as above.
WORLD_PUBLISHING: tuple[str | None, ...] = (None, "now")
WORLD_RUNS = 10
WORLDS_COMMAND = "python scripts/fault_table.py --worlds --json docs/data/fault-worlds.json --jobs 2"
# Where the wave works: there the default ends on its wave, whatever the fault (issue 21).
WAVE_WORLDS = ("put", "stamp")
# The same through SNS (`--via sns`), the default design only: the documented design's code is the same
# for either way in, and its runs are nine tenths of the worlds file's time.
SNS_WORLDS_COMMAND = "python scripts/fault_table.py --worlds --via sns --json docs/data/fault-worlds-sns.json --jobs 2"
SNS_WORLDS_TIMING = "1,080 runs in 133 s of wall time on 2 cores, on the handler and emulator of d85dcfa"
WORLDS_TIMING = (
    "2,160 runs; the default's 1,080 again with `--update docs/data/fault-worlds.json --publish wave` in 108 s of "
    "wall time on 2 cores, on the handler and emulator of 102f1d9; the documented design's as "
    "run on the "
    "handler of a93c13e (1,251 s for all), whose code for it has not changed since"
)


@dataclass(frozen=True)
class Job:
    every: str
    publish: str  # resolved: the period's default is named, not None
    fault: str  # a key of FAULTS
    index: int  # the run's seed
    world: str = ""  # future_visible_from, fixed; "": drawn with the rest of the model (its two ends)
    via: str = "lambda"  # how the alarms call the function (--via); the recorded tables are all "lambda"


@dataclass(frozen=True)
class FaultRun:
    """One run's outcome, as --json records it."""

    every: str
    publish: str
    fault: str
    index: int
    at_s: float  # when the fault was injected
    period_s: int
    ticks_lost: int
    ticks_late: int
    duplicates: int
    recovery_s: float | None  # None: no tick after the fault, within the run
    world: str = ""  # as the job's
    switches: int = 0  # times the clock changed its design by itself (handler.switch_design)
    stalled_since_s: float | None = None  # the report's: a silence the self-healing did not end
    missed_beats_switching: int = 0  # the report's: intervals over two periods around a switch
    via: str = "lambda"  # as the job's

    @property
    def recovery(self) -> float:
        return float("inf") if self.recovery_s is None else self.recovery_s


def jobs(
    periods: Iterable[str],
    publishing: Iterable[str | None],
    runs: int,
    faults: Iterable[str] = FAULTS,
    world: str = "",
    via: str = "lambda",
) -> list[Job]:
    chosen = [fault for fault in FAULTS if fault in set(faults)]  # in FAULTS' order, whatever was asked
    found = []
    for every in periods:
        for publish in publishing:
            resolved = build_spec(every=every, publish=publish).publish
            found += [Job(every, resolved, fault, index, world, via) for fault in chosen for index in range(runs)]
    return found


def world_jobs(index: int, via: str = "lambda") -> list[Job]:
    """Run `index` of every (world, period, design, fault) of the worlds table (through SNS, of the
    default design only)."""
    publishing = WORLD_PUBLISHING if via == "lambda" else (None,)
    return [
        job
        for world in WORLDS
        for job in jobs(PERIODS, publishing, index + 1, world=world, via=via)
        if job.index == index
    ]


def execute(job: Job) -> FaultRun:
    spec = build_spec(every=job.every, publish=job.publish, via=job.via)
    rng = random.Random(job.index)
    timing = TimingModel.sample(rng)
    if job.world:
        timing = timing.at(future_visible_from=job.world)  # the same draws: run i differs only in its world
    at = rng.uniform(3600, 7200)
    fault = parse_fault(f"{FAULTS[job.fault]},at={at:.1f}s")
    run = simulate(Scenario(spec=spec, duration_s=DURATION_S, seed=job.index, timing=timing, faults=[fault]))
    (outcome,) = run.faults
    return FaultRun(
        every=job.every,
        publish=job.publish,
        fault=job.fault,
        index=job.index,
        at_s=round(at, 1),
        period_s=spec.period_s,
        ticks_lost=outcome.ticks_lost,
        ticks_late=outcome.ticks_late,
        duplicates=outcome.duplicates,
        recovery_s=outcome.recovery_s,
        world=job.world,
        switches=len(run.report.switches),
        stalled_since_s=run.report.stalled_since_s,
        missed_beats_switching=run.report.missed_beats_switching,
        via=job.via,
    )


def run_all(found: Sequence[Job], workers: int) -> list[FaultRun]:
    """Every job, in the order given, whatever the number of workers (each run is seeded alone)."""
    started = time.monotonic()
    results: list[FaultRun] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, result in enumerate(pool.map(execute, found, chunksize=1), start=1):
            results.append(result)
            if done % 20 == 0 or done == len(found):
                print(f"  {done}/{len(found)} runs, {time.monotonic() - started:.0f} s", file=sys.stderr)
    return results


@dataclass(frozen=True)
class Row:
    """One fault's line of a table: the figures the docs quote."""

    fault: str
    runs: int
    lost: float  # mean
    late: float  # mean
    duplicates: int  # all runs
    p50: float
    max: float
    over: int  # runs whose recovery took longer than 3 periods


def rows(runs: Iterable[FaultRun]) -> dict[tuple[str, str, str], Row]:
    """(every, publish, fault) -> its row, in the order the runs come."""
    groups: dict[tuple[str, str, str], list[FaultRun]] = {}
    for run in runs:
        groups.setdefault((run.every, run.publish, run.fault), []).append(run)
    found = {}
    for key, group in groups.items():
        recoveries = [r.recovery for r in group]
        found[key] = Row(
            fault=key[2],
            runs=len(group),
            lost=statistics.mean(r.ticks_lost for r in group),
            late=statistics.mean(r.ticks_late for r in group),
            duplicates=sum(r.duplicates for r in group),
            p50=statistics.median(recoveries),
            max=max(recoveries),
            over=sum(1 for r, x in zip(group, recoveries, strict=True) if x > 3 * r.period_s),
        )
    return found


def table(found: Iterable[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in found:
        lines.append(
            f"| `{FAULTS[r.fault]}` | {r.lost:.1f} | {r.late:.1f} | {r.duplicates} | {r.p50:.0f} | {r.max:.0f} "
            f"| {r.over}/{r.runs} |"
        )
    return "\n".join(lines)


def clock_words(every: str) -> str:
    """'10s' -> 'ten-second', '5m' -> 'five-minute'."""
    period = build_spec(every=every).period_s
    amount, unit = (period // 3600, "hour") if period % 3600 == 0 else (period // 60, "minute")
    if period % 60:
        amount, unit = period, "second"
    return f"{NUMBERS.get(amount, str(amount))}-{unit}"


def markdown(runs: Sequence[FaultRun]) -> str:
    """The blocks docs/self-healing.md carries: per period, an intro line, then a table per way of
    publishing, the period's default first."""
    found = rows(runs)
    blocks = []
    for every in dict.fromkeys(r.every for r in runs):
        publishing = list(dict.fromkeys(r.publish for r in runs if r.every == every))
        default = build_spec(every=every).publish
        publishing.sort(key=lambda p: p != default)
        count = max(row.runs for (e, _, _), row in found.items() if e == every)
        per_fault = f"{count} run" if count == 1 else f"{count} runs"
        names = [PUBLISH_NAMES[p] + (" (its default)" if p == default else "") for p in publishing]
        blocks.append(
            f"A {clock_words(every)} clock, {' against '.join(names)} ({per_fault} per fault, one fault per "
            f"4-hour run at a random moment, each at a random point of the timing model; `{COMMAND}`; recovery "
            "is from the fault's end to the next tick, over 3 periods counts the runs that took longer than "
            "three periods):"
        )
        for publish in publishing:
            name = PUBLISH_NAMES[publish]
            blocks += ["", f"{name[0].upper()}{name[1:]}:", ""]
            blocks.append(table(found[(every, publish, f)] for f in FAULTS if (every, publish, f) in found))
        blocks.append("")
    return "\n".join(blocks).rstrip("\n")


@dataclass(frozen=True)
class WorldRow:
    """One design at one period in one world, over every fault: the worlds table's line."""

    world: str
    every: str
    publish: str
    runs: int
    lost: float  # mean per run
    late: float
    duplicates: int  # all runs
    p50: float
    max: float
    worst: str  # the fault of the longest recovery
    over: int  # runs whose recovery took longer than 3 periods
    switched: int  # runs whose clock changed its design
    stalled: int  # runs that ended stalled
    missed_switching: int  # intervals over two periods around a switch, all runs


def world_rows(runs: Iterable[FaultRun]) -> list[WorldRow]:
    """(world, every, publish) -> its row, worlds in WORLDS' order, the period's default design first."""
    groups: dict[tuple[str, str, str], list[FaultRun]] = {}
    for run in runs:
        groups.setdefault((run.world, run.every, run.publish), []).append(run)

    def order(key: tuple[str, str, str]) -> tuple[int, int, bool]:
        world, every, publish = key
        return WORLDS.index(world), PERIODS.index(every), publish != build_spec(every=every).publish

    found = []
    for key in sorted(groups, key=order):
        group = groups[key]
        worst = max(group, key=lambda r: r.recovery)
        found.append(
            WorldRow(
                *key,
                runs=len(group),
                lost=statistics.mean(r.ticks_lost for r in group),
                late=statistics.mean(r.ticks_late for r in group),
                duplicates=sum(r.duplicates for r in group),
                p50=statistics.median(r.recovery for r in group),
                max=worst.recovery,
                worst=worst.fault,
                over=sum(1 for r in group if r.recovery > 3 * r.period_s),
                switched=sum(1 for r in group if r.switches),
                stalled=sum(1 for r in group if r.stalled_since_s is not None),
                missed_switching=sum(r.missed_beats_switching for r in group),
            )
        )
    return found


WORLD_COLUMNS = (
    "world",
    "clock",
    "design",
    "ticks lost (mean)",
    "delivered late (mean)",
    "duplicate deliveries (all runs)",
    "recovery p50 (s)",
    "recovery max (s), after",
    "over 3 periods",
    "switched design",
    "silent at the end",
)
WORLD_DESIGNS = {"wave": "the wave", "api": "publishing each tick", "now": "now"}


def worlds_markdown(runs: Sequence[FaultRun]) -> str:
    """docs/self-healing.md's "In every world": one line per world, period and design, over every fault."""
    found = world_rows(runs)
    per_fault = min(r.runs for r in found) // len(FAULTS)
    sns = all(r.via == "sns" for r in runs)
    what = "Through SNS (`--via sns`), every fault in every world" if sns else "Every fault in every world"
    command, timing = (SNS_WORLDS_COMMAND, SNS_WORLDS_TIMING) if sns else (WORLDS_COMMAND, WORLDS_TIMING)
    lines = [
        f"{what} ({per_fault} runs per fault and line, one fault per 4-hour run at a random "
        "moment, each at a random point of the timing model but for its world; run i of a line draws what run i "
        f"of the tables above draws; `{command}`, {timing}; ticks lost and late are per run, over "
        "all faults; recovery is from the fault's end to the next tick; switched design counts the runs whose "
        "clock changed to `--publish now` by itself; silent at the end, those whose last three periods brought "
        "no tick, the report's stalled_since_s):",
        "",
        "| " + " | ".join(WORLD_COLUMNS) + " |",
        "|" + "---|" * len(WORLD_COLUMNS),
    ]
    for r in found:
        default = " (default)" if r.publish == build_spec(every=r.every).publish else ""
        lines.append(
            f"| {r.world} | {r.every} | {WORLD_DESIGNS[r.publish]}{default} | {r.lost:.1f} | {r.late:.1f} "
            f"| {r.duplicates} | {r.p50:.0f} | {r.max:.0f}, `{r.worst}` | {r.over}/{r.runs} "
            f"| {r.switched}/{r.runs} | {r.stalled}/{r.runs} |"
        )
    lines += ["", "Runs whose default clock switched its design, per world: " + switch_counts(runs) + "."]
    return "\n".join(lines)


def switch_counts(runs: Iterable[FaultRun]) -> str:
    """'put 0 of 270, stamp 0 of 270, ...': the default design's runs that switched, per world."""
    counts: dict[str, list[int]] = {world: [0, 0] for world in WORLDS}
    for run in runs:
        if run.world and run.publish == build_spec(every=run.every).publish:
            counts[run.world][0] += 1 if run.switches else 0
            counts[run.world][1] += 1
    return ", ".join(f"{world} {switched} of {total}" for world, (switched, total) in counts.items() if total)


def load(path: Path) -> list[FaultRun]:
    data = json.loads(path.read_text())
    return [FaultRun(**row) for row in data["runs"]]


# FaultRun's fields a run writes only where they differ from their defaults (the worlds' runs, and a
# switch or a stall anywhere), so the tables' file reads as it did before they came.
_QUIET_FIELDS = {"world": "", "switches": 0, "stalled_since_s": None, "missed_beats_switching": 0, "via": "lambda"}


def dump(path: Path, runs: Sequence[FaultRun], command: str = COMMAND) -> None:
    # One run a line, so a new run's diff shows which runs changed; floats in full (repr), so the
    # tables printed from the file are the tables printed from the runs.
    def row(run: FaultRun) -> dict[str, object]:
        fields = dataclasses.asdict(run)
        return {k: v for k, v in fields.items() if k not in _QUIET_FIELDS or v != _QUIET_FIELDS[k]}

    lines = ",\n".join(json.dumps(row(r), separators=(",", ":")) for r in runs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{"command": {json.dumps(command)},\n"runs": [\n{lines}\n]}}\n')


def one_table(
    every: str,
    runs: int,
    publish: str | None,
    workers: int,
    faults: Sequence[str] = tuple(FAULTS),
    world: str = "",
    via: str = "lambda",
) -> str:
    spec = build_spec(every=every, publish=publish, via=via)
    shown = f" --publish {publish}" if publish else ""
    if list(faults) != list(FAULTS):
        shown += f" --faults {','.join(faults)}"
    shown += (f" --via {via}" if via != "lambda" else "") + (f" --world {world}" if world else "")
    point = f"but for its world, {world}" if world else "its world drawn too"
    intro = (
        f"A {every} clock ({design(spec)}), one fault per 4-hour run at a random moment, {runs} runs per fault, "
        f"each at a random point of the timing model, {point} (`python scripts/fault_table.py --every {every} "
        f"--runs {runs}{shown}`). Recovery: from the fault's end to the next tick; 3 periods = {3 * spec.period_s} s."
    )
    found = run_all(jobs([every], [publish], runs, faults, world, via), workers)
    switched = sum(1 for run in found if run.switches)
    silent = sum(1 for run in found if run.stalled_since_s is not None)
    counts = (
        f"Switched its design by itself: {switched} of {len(found)} runs ({sum(1 for r in found if r.switches == 1)} "
        f"once and stayed); silent at the end: {silent} of {len(found)}."
    )
    return intro + "\n\n" + table(rows(found).values()) + "\n\n" + counts  # in FAULTS' order, as the jobs are


def run_worlds(path: Path, runs: int, workers: int, resume: bool = False, via: str = "lambda") -> int:
    """Every run of the worlds table, run index by run index, the file written after each: a run cut
    short keeps whole indices, each over every line. With `resume`, the indices the file holds are
    kept and only the others run."""
    found: list[FaultRun] = load(path) if resume and path.exists() else []
    held = {run.index for run in found}
    for index in range(runs):
        if index in held:
            continue
        batch = world_jobs(index, via)
        print(f"fault_table: run {index + 1} of {runs}: {len(batch)} runs on {workers} processes", file=sys.stderr)
        found += run_all(batch, workers)
        dump(path, found, WORLDS_COMMAND if via == "lambda" else SNS_WORLDS_COMMAND)
    print(worlds_markdown(found))
    return 0


def update(path: Path, publish: str, every: str | None, workers: int) -> int:
    """Run again the runs of an earlier --json (the tables' or the worlds') of one design (and period),
    keep every other run as recorded, and write the file back with its own command: after a change
    that only that design's code reaches, the file is what its command would make, in a fraction of
    the time."""
    try:
        recorded = load(path)
        command = json.loads(path.read_text())["command"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"fault_table: cannot read {path}: {error}", file=sys.stderr)
        return 2
    chosen = [i for i, run in enumerate(recorded) if run.publish == publish and every in (None, run.every)]
    if not chosen:
        print(
            f"fault_table: {path} holds no run of --publish {publish}" + (f" at {every}" if every else ""),
            file=sys.stderr,
        )
        return 2
    print(f"fault_table: {len(chosen)} of {len(recorded)} runs again on {workers} processes", file=sys.stderr)
    again = run_all(
        [Job(r.every, r.publish, r.fault, r.index, r.world, r.via) for r in (recorded[i] for i in chosen)], workers
    )
    for i, run in zip(chosen, again, strict=True):
        recorded[i] = run
    dump(path, recorded, command)
    print(worlds_markdown(recorded) if any(r.world for r in recorded) else markdown(recorded))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="run every table the docs show and write every run here")
    parser.add_argument("--from-json", type=Path, help="print the tables of an earlier --json, run nothing")
    parser.add_argument("--every", default=None, help="one table for this period, not saved (default 1m)")
    parser.add_argument(
        "--runs", type=int, default=None, help=f"runs per fault (default {RUNS}; {WORLD_RUNS} with --worlds)"
    )
    parser.add_argument("--worlds", action="store_true", help="with --json: the worlds table's runs instead")
    parser.add_argument("--resume", action="store_true", help="with --worlds: keep the run indices the file holds")
    parser.add_argument(
        "--update", type=Path, help="an earlier --json: run its runs of --publish (and --every) again, keep the rest"
    )
    parser.add_argument("--publish", choices=PUBLISHES, default=None, help="default: the period's default")
    parser.add_argument("--faults", default=None, help="comma-separated fault names: one table's rows (default all)")
    parser.add_argument("--via", choices=("lambda", "sns"), default="lambda", help="one table: how alarms call")
    parser.add_argument("--world", choices=WORLDS, default="", help="one table: this future_visible_from only")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    args = parser.parse_args(argv)
    saved = args.json or args.update or args.from_json  # not one table (--every), printed only
    if args.world and (saved or args.worlds):
        print("fault_table: --world is for one table, not saved (--every)", file=sys.stderr)
        return 2
    if args.via != "lambda" and saved and not args.worlds:
        print(
            "fault_table: --via is for one table (--every) or the worlds table (--worlds --json FILE)", file=sys.stderr
        )
        return 2
    faults = tuple(FAULTS) if args.faults is None else tuple(args.faults.split(","))
    unknown = [name for name in faults if name not in FAULTS]
    if unknown:
        print(f"fault_table: unknown fault {unknown[0]!r}; use some of: {', '.join(FAULTS)}", file=sys.stderr)
        return 2
    if args.from_json:
        try:
            recorded = load(args.from_json)
            print(worlds_markdown(recorded) if any(r.world for r in recorded) else markdown(recorded))
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"fault_table: cannot read {args.from_json}: {error}", file=sys.stderr)
            return 2
        return 0
    workers = max(1, args.jobs)
    if args.update:
        if not args.publish or args.json or args.worlds or args.faults:
            print("fault_table: --update FILE takes --publish (and --every), nothing else", file=sys.stderr)
            return 2
        return update(args.update, args.publish, args.every, workers)
    if args.worlds:
        if not args.json or args.every or args.publish or args.faults:
            print(
                "fault_table: --worlds runs the worlds table into --json FILE; it takes only --runs, --resume, --via",
                file=sys.stderr,
            )
            return 2
        return run_worlds(args.json, args.runs or WORLD_RUNS, workers, args.resume, args.via)
    if args.json:
        if args.every or args.publish or args.faults:
            print(
                "fault_table: --json runs every table the docs show; --every, --publish and --faults are for one",
                file=sys.stderr,
            )
            return 2
        found = jobs(PERIODS, PUBLISHING, args.runs or RUNS)
        print(f"fault_table: {len(found)} runs on {workers} processes", file=sys.stderr)
        runs = run_all(found, workers)
        dump(args.json, runs)  # before anything else: a finished run is never lost
        print(markdown(runs))
        return 0
    print(one_table(args.every or "1m", args.runs or RUNS, args.publish, workers, faults, args.world, args.via))
    return 0


if __name__ == "__main__":
    sys.exit(main())
