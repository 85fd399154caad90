"""How the default clock fares in each world, seed by seed, beside the same seed in the `put` world.

Each seed draws the alarms' evaluation seconds, the jitter, the visibility delays and, in `late`, each
point's cycles late (the model's defaults but for the world). For each period and world it prints how
many seeds end `ticking`, which do not, whether the same seed ends `ticking` in `put` (where the wave
works: a seed that loses beats there, at the cycle's boundary second, loses them for every design), and
how long after the first missed flip the clock switched to the documented design.

    .venv/bin/python scripts/world_seeds.py --seeds 40 --jobs 2             # 10s and 20s, late and never
    .venv/bin/python scripts/world_seeds.py --every 1m,5m --seeds 10

tests/emulator/test_worlds.py checks the first ten seeds; this prints more of them, for the docs.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec
from alarmclock.timing_model import WORLDS, TimingModel

HOUR = 3600.0


def duration_s(every: str) -> float:
    """Long enough for the mean after a switch to be a mean: at 5 m the switch may come an hour or
    more in (tests/emulator/test_worlds.py runs the same)."""
    return {"5m": 24 * HOUR, "1m": 6 * HOUR}.get(every, 2 * HOUR)


def first_missed_flip(times: list[float], period: float) -> float | None:
    """When the first tick that did not come was due: a period after the tick before a long gap."""
    for before, after in itertools.pairwise(times):
        if after - before > 1.5 * period:
            return before + period
    return None


def run_one(job: tuple[str, str, int]) -> tuple[str, str, int, str, float | None]:
    """(every, world, seed, verdict, seconds from the first missed flip to the first switch)."""
    every, world, seed = job
    spec = build_spec(every=every)
    timing = TimingModel().at(future_visible_from=world)
    run = simulate(Scenario(spec=spec, duration_s=duration_s(every), seed=seed, timing=timing))
    missed = first_missed_flip(list(run.tick_times), spec.period_s)
    switches = run.report.switches
    notice = None if not switches or missed is None else switches[0]["at_s"] + run.world.start - missed
    return every, world, seed, run.report.verdict, notice


def row(every: str, world: str, seeds: int, results: dict[tuple[str, str, int], tuple[str, float | None]]) -> str:
    """One line of the table: seeds ticking, those not (starred where `put` loses them too), and the
    span of the times from the first missed flip to the switch."""
    lost = [s for s in range(seeds) if results[every, world, s][0] != "ticking"]
    shown = ", ".join(f"{s}{'' if results[every, 'put', s][0] == 'ticking' else '*'}" for s in lost) or "none"
    notices = [n for s in range(seeds) if (n := results[every, world, s][1]) is not None]
    span = f"{min(notices):.0f}-{max(notices):.0f} s" if notices else "no switch"
    return f"| {every} | {world} | {seeds - len(lost)} of {seeds} | {shown} | {span} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", default="10s,20s", help="comma-separated periods (default 10s,20s)")
    parser.add_argument("--worlds", default="late,never", help="comma-separated worlds beside put")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1 (default 10)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = parser.parse_args(argv)
    periods, worlds = args.every.split(","), args.worlds.split(",")
    unknown = [world for world in worlds if world not in WORLDS]
    if unknown:
        print(f"world_seeds: unknown world {unknown[0]!r}; use one of {', '.join(WORLDS)}", file=sys.stderr)
        return 2
    try:
        for every in periods:
            build_spec(every=every)
    except ValueError as error:
        print(f"world_seeds: {error}", file=sys.stderr)
        return 2
    jobs = [(every, world, seed) for every in periods for world in ["put", *worlds] for seed in range(args.seeds)]
    started = time.monotonic()
    print(f"world_seeds: {len(jobs)} runs on {args.jobs} worker process(es)", file=sys.stderr)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = {(e, w, s): (v, n) for e, w, s, v, n in pool.map(run_one, jobs)}
    print("| clock | world | ticking | not ticking (and not in `put` either) | switch after the first missed flip |")
    print("|---|---|---|---|---|")
    for every, world in itertools.product(periods, worlds):
        print(row(every, world, args.seeds, results))
    print(f"\n(* also not ticking in `put`; {time.monotonic() - started:.0f} s of wall time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
