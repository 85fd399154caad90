"""How fast `beat` reads a long history: 14 days of a 10-second clock, from the emulator.

    .venv/bin/python benchmarks/bench_beat.py              # 14 virtual days (emulating them takes minutes)
    .venv/bin/python benchmarks/bench_beat.py --days 2     # quicker

Emulates the clock (not timed against the goal), then reads it back as `beat` does: every
StateUpdate of its alarms, 100 a page with NextToken, and its function's tick lines, through
botocore and the emulator's bridge, with no pacing; then analyses them. Prints the pages, items
and wall time of each step and the peak memory. Goal (issue 11): the read and the analysis of 14
days in under 10 s. Against AWS the same read is paced (3 requests a second by default): the
pages printed here, divided by the rate, are how long it would take there.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from datetime import UTC, datetime

from alarmclock import beat
from alarmclock.aws.history import HistoryReader, Pacer
from alarmclock.aws.models import ClockNames
from alarmclock.emulator.reader import EmulatedReader
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=14.0)
    parser.add_argument("--every", default="10s")
    args = parser.parse_args()
    duration = args.days * 86_400
    spec = build_spec(every=args.every)

    started = time.perf_counter()
    run = simulate(Scenario(spec=spec, duration_s=duration, seed=1, delete_at_end=False))
    emulated = time.perf_counter() - started

    # The emulator's heap (its history, log and metrics) stays alive for the read; freeze it out of
    # the garbage collector's scans, so the read costs what it costs in a CLI process, which has no
    # such heap.
    gc.freeze()
    side = EmulatedReader(run.stack)
    reader = HistoryReader(side.client("cloudwatch"), side.client("logs"), Pacer(rate_per_s=None))
    names = ClockNames.of("clock", spec.alarms, spec.publish, spec.period_s)
    start, end = run.world.start, run.world.start + duration
    window = (datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))
    started, cpu = time.perf_counter(), time.process_time()
    items = [item for alarm in names.all_alarms for item in reader.state_updates(alarm, *window)]
    history_pages = reader.pacer.requests
    events = reader.tick_lines(side.log_group, *window)
    read, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    changes = [c for c in map(beat.StateUpdate.of, items) if c is not None]
    lines = [line for line in map(beat.TickLine.of, events) if line is not None]
    report = beat.analyse("clock", spec.period_s, names.alarms, names.watchdog, start, end, changes, lines)
    analysed, analysed_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"clock              {args.every}, {args.days:g} virtual days, seed 1 (emulated in {emulated:.1f} s)")
    print(f"history            {len(items):,} StateUpdate items in {history_pages:,} pages")
    print(f"log                {len(events):,} tick lines in {reader.pacer.requests - history_pages:,} pages")
    print(f"read               {read:.2f} s wall, {read_cpu:.2f} s CPU")
    print(
        f"analysis           {analysed:.2f} s wall, {analysed_cpu:.2f} s CPU "
        f"({report.ticks:,} ticks, mean {report.intervals.mean:.3f} s)"
    )
    print(
        f"read + analysis    {read + analysed:.2f} s wall, {read_cpu + analysed_cpu:.2f} s CPU "
        f"(goal: under 10 s for 14 days; on a shared machine the CPU time is the steadier figure)"
    )
    print(f"at 3 requests/s    {reader.pacer.requests / 3 / 60:.1f} minutes against AWS")
    print(f"peak memory        {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
