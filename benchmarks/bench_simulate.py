"""How fast the emulator runs: per tick, against 0.4.0's code measured in the same run.

    .venv/bin/python benchmarks/bench_simulate.py                 # the table below (about 2 minutes)
    .venv/bin/python benchmarks/bench_simulate.py --repeat 1      # quicker, noisier
    .venv/bin/python benchmarks/bench_simulate.py --one           # 30 virtual days of a 1-minute clock,
                                                                  # with the floor of its boto3 calls
    .venv/bin/python benchmarks/bench_simulate.py --one --days 3 --every 10s --publish api
    .venv/bin/python benchmarks/bench_simulate.py --long          # issue 13's long runs, each in its own process:
                                                                  # 366 days of a 1 m clock, 60 days of a 10 s clock

The table (issue 24): for a wave clock (the default up to 120m) and a clock that publishes each
tick (`--publish api`), at 1 m and at 10 s, the CPU time per tick of `simulate` alone (imports
and the process apart) and ticks per CPU second, for this checkout and for 0.4.0's code, each run
in a process of its own, the two alternating (0.4.0, this, 0.4.0, this, ...) so that a machine
whose speed drifts slows both alike; each figure is the median of `--repeat` runs. 0.4.0's code
comes from a git worktree of its commit, made for the run and removed after it. CPU time, not
wall time: on a shared machine the wall time depends on the others' load. Goal (issue 24): at
least 4x 0.4.0's ticks per CPU second for the default wave clock, at 1 m and at 10 s.

`--one` prints, for one run: the floor (one tick's boto3 calls, PutMetricData + the target's
Invoke, answered in-process by the emulator's bridge), the handler's whole tick on the same
answers, the emulator's time per tick, their ratio, and the peak memory of the process. Goals
(issue "Run a clock locally in virtual time"): 30 days in under 30 s, per tick within 3x the
floor, peak memory under 300 MB, whatever the duration (issue 13: 366 days of a 1-minute clock
and 60 days of a 10-second clock, each under 300 MB; before the report kept compact figures
they took 757 MB and 708 MB).

A wave clock also lays two hours of values every ten minutes, one 120-value call at 1m and 720
values at 10s, each value checked against botocore's service model as AWS would receive it;
that call, not the tick, was most of a wave clock's time per tick in 0.4.0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from alarmclock import handler
from alarmclock.emulator.bridge import Bridge
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:my-job"


def answered(caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"StatusCode": 202} if service == "lambda" else {}


def floor_per_tick(ticks: int) -> float:
    """Seconds per tick of just the handler's two boto3 calls, answered in-process."""
    bridge = Bridge(answered)
    cloudwatch = bridge.client("bench", "cloudwatch", "us-east-1")
    lambda_ = bridge.client("bench", "lambda", "us-east-1")
    body = json.dumps({"tick_id": "0123456789abcdef", "clock": "clock", "period_s": 60}).encode()
    started = time.perf_counter()
    for i in range(ticks):
        cloudwatch.put_metric_data(
            Namespace="alarmclock/clock",
            MetricData=[
                {
                    "MetricName": "Tick",
                    "Value": float(i % 2),
                    "Timestamp": 1_767_225_600.0 + 60 * i,
                    "StorageResolution": 60,
                }
            ],
        )
        lambda_.invoke(FunctionName=TARGET, InvocationType="Event", Payload=body)
    return (time.perf_counter() - started) / ticks


def handler_per_tick(ticks: int) -> float:
    """Seconds per tick of handler.handle (parsing, publishing, delivering, logging) on the same answers."""
    bridge = Bridge(answered)
    # The event below is tick-is-0's ALARM: a tick of the seed's pair (--alarms 2) only.
    config = handler.ClockConfig("clock", "alarmclock/clock", 60, "clock-tick-is-", [TARGET], alarms=2)
    runtime = handler.Runtime(
        client=lambda service, region: bridge.client("bench", service, region or "us-east-1"),
        now=lambda: 1_767_225_606.0,  # a second after the event's state change, as in a real run
        http_put=lambda url, body: None,
        log=lambda record: None,
    )
    event = {
        "source": "aws.cloudwatch",
        "alarmData": {
            "alarmName": "clock-tick-is-0",
            "state": {"value": "ALARM", "timestamp": "2026-01-01T00:00:05.000+0000"},
        },
    }
    started = time.perf_counter()
    for _ in range(ticks):
        handler.handle(event, None, config, runtime)
    return (time.perf_counter() - started) / ticks


# Issue 13's long runs: (days, period). Each runs in a process of its own, so its peak RSS is its own.
LONG_RUNS = ((366.0, "1m"), (60.0, "10s"))
# The table's cases: (publish, period, virtual days), 4,320 ticks each.
CASES = (("wave", "1m", 3.0), ("wave", "10s", 0.5), ("api", "1m", 3.0), ("api", "10s", 0.5))
# 0.4.0 has no tag: this is the commit that made pyproject.toml say 0.4.0 (`git log -S'version = "0.4.0"'`).
BASELINE = "bb36c57"
REPO = Path(__file__).resolve().parents[1]


def run_long_cases(seed: int, publish: str | None) -> int:
    for days, every in LONG_RUNS:
        argv = [sys.executable, __file__, "--one", "--days", f"{days:g}", "--every", every, "--seed", str(seed)]
        argv += ["--no-floor"] + (["--publish", publish] if publish else [])
        print(f"$ {' '.join(argv[1:])}", flush=True)
        done = subprocess.run(argv, check=False)
        if done.returncode:
            return done.returncode
        print(flush=True)
    return 0


def measure(days: float, every: str, seed: int, publish: str | None) -> dict[str, Any]:
    """One run of `simulate`, timed alone: its CPU seconds, wall seconds and ticks."""
    # As `alarmclock simulate` runs it (no --trace): keeping only what the report needs. (The guard
    # lets the same script measure a checkout from before Scenario.keep_events.)
    compact: dict[str, Any] = {"keep_events": False} if "keep_events" in Scenario.__dataclass_fields__ else {}
    spec = build_spec(every=every, publish=publish)
    cpu, wall = time.process_time(), time.perf_counter()
    run = simulate(Scenario(spec=spec, duration_s=days * 86_400, seed=seed, **compact))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"ticks": run.report.ticks, "verdict": run.report.verdict, "cpu_s": cpu, "wall_s": wall}


def handler_share(days: float, every: str, seed: int, publish: str | None) -> dict[str, Any]:
    """`measure`, with the CPU time the clock's handler spent in its own code: its runs less its
    boto3 calls (what the emulator answers) and its log lines (which the emulator stores). No
    change to the emulator can make a tick cheaper than that. The timers add about a microsecond a
    tick of their own, so this run is not the timed one."""
    from alarmclock.emulator import bridge, services

    spent = {"runs": 0.0, "emulated": 0.0}

    def timed(function: Any, key: str) -> Any:
        def timer(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += time.process_time() - started

        return timer

    # (A benchmark may time the code it measures from outside; the quick bridge's method is what
    # every boto3 call of the handler goes through.)
    services.Services._call_handler = timed(services.Services._call_handler, "runs")  # type: ignore[method-assign]
    services.Services._log = timed(services.Services._log, "emulated")  # type: ignore[method-assign]
    bridge._QuickMethod.__call__ = timed(bridge._QuickMethod.__call__, "emulated")  # type: ignore[method-assign]
    figures = measure(days, every, seed, publish)
    return {**figures, "handler_s": spent["runs"] - spent["emulated"]}


def measured_in_a_process(
    source: Path, days: float, every: str, seed: int, publish: str, split: bool = False
) -> dict[str, Any]:
    """`measure` in a fresh Python whose `alarmclock` is the one under `source` (a src folder)."""
    argv = [sys.executable, __file__, "--child", "--days", f"{days:g}", "--every", every, "--seed", str(seed)]
    argv += ["--publish", publish] + (["--split"] if split else [])
    environment = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(argv, check=True, capture_output=True, text=True, env=environment)
    figures: dict[str, Any] = json.loads(done.stdout)
    if not Path(figures["module"]).is_relative_to(source):  # an installed alarmclock shadowing the other
        raise RuntimeError(f"measured {figures['module']}, not the code under {source}")
    return figures


def compare(repeat: int, seed: int) -> int:
    """The table: each case for 0.4.0 and for this checkout, alternating, `repeat` times each."""
    with tempfile.TemporaryDirectory(prefix="alarmclock-0.4.0-") as folder:
        baseline = Path(folder) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(baseline), BASELINE], check=True
        )
        try:
            revision = subprocess.run(
                ["git", "-C", str(REPO), "describe", "--always", "--dirty"], check=True, capture_output=True, text=True
            ).stdout.strip()
            print(
                f"0.4.0 is {BASELINE}; this checkout is {revision}; seed {seed}; "
                f"median of {repeat} runs, each in its own process"
            )
            print(
                f"{'clock':<14}{'ticks':>7}{'0.4.0 us/tick':>15}{'now us/tick':>13}"
                f"{'0.4.0 ticks/cpu s':>19}{'now ticks/cpu s':>17}{'x 0.4.0':>9}"
                f"{'handler us/tick':>17}{'x 0.4.0 at best':>17}"
            )
            for publish, every, days in CASES:
                runs: dict[str, list[dict[str, Any]]] = {"0.4.0": [], "now": []}
                for _ in range(repeat):
                    runs["0.4.0"].append(measured_in_a_process(baseline / "src", days, every, seed, publish))
                    runs["now"].append(measured_in_a_process(REPO / "src", days, every, seed, publish))
                split = measured_in_a_process(REPO / "src", days, every, seed, publish, split=True)
                ticks = runs["now"][0]["ticks"]
                per_tick = {name: statistics.median(r["cpu_s"] / r["ticks"] for r in rs) for name, rs in runs.items()}
                old, new = per_tick["0.4.0"], per_tick["now"]
                handler_own = split["handler_s"] / split["ticks"]
                print(
                    f"{publish + ' ' + every:<14}{ticks:>7,}{old * 1e6:>15.0f}{new * 1e6:>13.0f}"
                    f"{1 / old:>19,.0f}{1 / new:>17,.0f}{old / new:>9.2f}"
                    f"{handler_own * 1e6:>17.0f}{old / handler_own:>17.2f}",
                    flush=True,
                )
            print(
                "handler us/tick: the clock's handler in its own code (its boto3 calls and log lines apart),\n"
                "one more run of this checkout; x 0.4.0 at best: the ratio were the emulator to cost nothing."
            )
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(baseline)], check=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="alarmclock emulator benchmark")
    parser.add_argument("--one", action="store_true", help="one run, with the floor (the benchmark before issue 24)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case for the table (default 3)")
    parser.add_argument("--days", type=float, default=30.0, help="--one: virtual days (default 30)")
    parser.add_argument("--every", default="1m", help="--one: the clock's period (default 1m)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--publish", choices=("wave", "api", "logs"), help="--one: how the beat is published (default: the period's)"
    )
    parser.add_argument("--long", action="store_true", help="run issue 13's long cases, each in its own process")
    parser.add_argument("--no-floor", action="store_true", help="--one: skip the per-tick floor measurements")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one measure(), as JSON
    parser.add_argument("--split", action="store_true", help=argparse.SUPPRESS)  # --child: handler_share()
    args = parser.parse_args()
    if args.child:
        import alarmclock

        how = handler_share if args.split else measure
        figures = how(args.days, args.every, args.seed, args.publish)
        print(json.dumps({**figures, "module": str(Path(alarmclock.__file__).resolve())}))
        return 0
    if args.long:
        return run_long_cases(args.seed, args.publish)
    if not args.one:
        return compare(args.repeat, args.seed)
    if args.no_floor:
        return run_once(args.days, args.every, args.seed, args.publish)

    floor_per_tick(500)  # warm up botocore's model loading and caches
    floor = floor_per_tick(5000)
    whole_handler = handler_per_tick(5000)

    print(
        f"floor per tick        {floor * 1e6:.0f} us  (PutMetricData + Invoke through the bridge, answered in-process)"
    )
    print(f"handler per tick      {whole_handler * 1e6:.0f} us  (handler.handle on the same answers)")
    return run_once(args.days, args.every, args.seed, args.publish, floor)


def run_once(days: float, every: str, seed: int, publish: str | None, floor: float | None = None) -> int:
    figures = measure(days, every, seed, publish)
    wall, cpu, ticks = figures["wall_s"], figures["cpu_s"], figures["ticks"]
    per_tick = wall / ticks
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    publishing = publish or build_spec(every=every).publish

    print(f"virtual time          {days:g} days of a {every} clock, publishing by {publishing} (seed {seed})")
    print(f"ticks                 {ticks:,} ({figures['verdict']})")
    print(f"wall time             {wall:.1f} s  (goal for 30 days of a 1m clock: < 30 s)")
    print(f"cpu time              {cpu:.1f} s  (simulate alone, user + system)")
    print(f"ticks per second      {ticks / wall:,.0f}  ({ticks / cpu:,.0f} per cpu second)")
    against = f"  = {per_tick / floor:.2f} x the floor  (goal: <= 3x)" if floor else ""
    print(f"emulator per tick     {per_tick * 1e6:.0f} us{against}")
    print(f"peak memory           {peak_mb:.0f} MB  (process max RSS; goal: < 300 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
