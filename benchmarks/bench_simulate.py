"""How fast the emulator runs, against the floor of the handler's own boto3 calls.

    .venv/bin/python benchmarks/bench_simulate.py            # 30 virtual days of a 1-minute clock
    .venv/bin/python benchmarks/bench_simulate.py --days 3   # quicker
    .venv/bin/python benchmarks/bench_simulate.py --long     # issue 13's long runs, each in its own process:
                                                             # 366 days of a 1 m clock, 60 days of a 10 s clock
    .venv/bin/python benchmarks/bench_simulate.py --publish api   # the same clock, publishing each tick

Prints: the floor (one tick's boto3 calls, PutMetricData + the target's Invoke, validated and
serialised by botocore and answered in-process), the handler's whole tick on the same
answers, the emulator's wall time per tick, their ratio, and the peak memory of the process.
Goals (issue "Run a clock locally in virtual time"): 30 days in under 30 s, per tick within
3x the floor, peak memory under 300 MB, whatever the duration (issue 13: 366 days of a 1-minute
clock and 60 days of a 10-second clock, each under 300 MB; before the report kept compact
figures they took 757 MB and 708 MB).

The floor is a tick's two calls. A wave clock (the default up to 120m) also lays two hours of
values every ten minutes, one 120-value call at 1m and 720 values at 10s, each validated and
serialised by botocore as AWS would receive it; that call, not the tick, is most of a wave clock's
time per tick. `--publish api` measures the same period publishing each tick instead.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
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


def run_long_cases(seed: int, publish: str | None) -> int:
    for days, every in LONG_RUNS:
        argv = [sys.executable, __file__, "--days", f"{days:g}", "--every", every, "--seed", str(seed), "--no-floor"]
        argv += ["--publish", publish] if publish else []
        print(f"$ {' '.join(argv[1:])}", flush=True)
        done = subprocess.run(argv, check=False)
        if done.returncode:
            return done.returncode
        print(flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="alarmclock emulator benchmark")
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--every", default="1m", help="the clock's period (default 1m)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--publish", choices=("wave", "api", "logs"), help="how the beat is published (default: the period's)"
    )
    parser.add_argument("--long", action="store_true", help="run issue 13's long cases, each in its own process")
    parser.add_argument("--no-floor", action="store_true", help="skip the per-tick floor measurements")
    args = parser.parse_args()
    if args.long:
        return run_long_cases(args.seed, args.publish)
    if args.no_floor:
        return run_once(args.days, args.every, args.seed, args.publish)

    floor_per_tick(500)  # warm up botocore's model loading and caches
    floor = floor_per_tick(5000)
    whole_handler = handler_per_tick(5000)

    print(f"floor per tick        {floor * 1e6:.0f} us  (PutMetricData + Invoke through botocore, answered in-process)")
    print(f"handler per tick      {whole_handler * 1e6:.0f} us  (handler.handle on the same answers)")
    return run_once(args.days, args.every, args.seed, args.publish, floor)


def run_once(days: float, every: str, seed: int, publish: str | None, floor: float | None = None) -> int:
    started = time.perf_counter()
    # As `alarmclock simulate` runs it (no --trace): keeping only what the report needs. (The guard
    # lets the same script measure a checkout from before Scenario.keep_events.)
    compact: dict[str, Any] = {"keep_events": False} if "keep_events" in Scenario.__dataclass_fields__ else {}
    spec = build_spec(every=every, publish=publish)
    run = simulate(Scenario(spec=spec, duration_s=days * 86_400, seed=seed, **compact))
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime  # on a shared machine wall time depends on the others' load
    ticks = run.report.ticks
    per_tick = wall / ticks
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"virtual time          {days:g} days of a {every} clock, publishing by {spec.publish} (seed {seed})")
    print(f"ticks                 {ticks:,} ({run.report.verdict})")
    print(f"wall time             {wall:.1f} s  (goal for 30 days of a 1m clock: < 30 s)")
    print(f"cpu time              {cpu:.1f} s  (this process, user + system)")
    print(f"ticks per second      {ticks / wall:,.0f}  ({ticks / cpu:,.0f} per cpu second)")
    against = f"  = {per_tick / floor:.2f} x the floor  (goal: <= 3x)" if floor else ""
    print(f"emulator per tick     {per_tick * 1e6:.0f} us{against}")
    print(f"peak memory           {peak_mb:.0f} MB  (process max RSS; goal: < 300 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
