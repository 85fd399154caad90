"""What each named fault costs a clock, across the timing model's documented ranges.

For each fault, runs one seeded simulation per random point of the model (TimingModel.sample),
with the fault injected once, and prints ticks lost, duplicate deliveries and the time from the
fault's end to the next tick (p50 and max), as a markdown table.

    .venv/bin/python scripts/fault_table.py --every 1m --runs 20 [--publish api]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys

from alarmclock.emulator.faults import EVENT_FAULTS, WINDOW_FAULTS, parse_fault
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.emulator.timing import TimingModel
from alarmclock.spec import PUBLISHES, build_spec
from alarmclock.template import design

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


def row(name: str, spec_text: str, every: str, runs: int, publish: str | None = None) -> str:
    spec = build_spec(every=every, publish=publish)
    lost, caught_up, duplicates, recoveries = [], [], 0, []
    for index in range(runs):
        rng = random.Random(index)
        timing = TimingModel.sample(rng)
        at = rng.uniform(3600, 7200)
        fault = parse_fault(f"{spec_text},at={at:.1f}s")
        run = simulate(Scenario(spec=spec, duration_s=4 * 3600, seed=index, timing=timing, faults=[fault]))
        (outcome,) = run.faults
        lost.append(outcome.ticks_lost)
        caught_up.append(outcome.ticks_late)
        duplicates += outcome.duplicates
        recoveries.append(outcome.recovery_s if outcome.recovery_s is not None else float("inf"))
    period = spec.period_s
    late = sum(1 for r in recoveries if r > 3 * period)
    return (
        f"| `{spec_text}` | {statistics.mean(lost):.1f} | {statistics.mean(caught_up):.1f} | {duplicates} | "
        f"{statistics.median(recoveries):.0f} | "
        f"{max(recoveries):.0f} | {late}/{runs} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", default="1m")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--publish", choices=PUBLISHES, default=None, help="default: the period's default")
    args = parser.parse_args()
    spec = build_spec(every=args.every, publish=args.publish)
    period = spec.period_s
    shown = f" --publish {args.publish}" if args.publish else ""
    print(
        f"A {args.every} clock ({design(spec)}), one fault per 4-hour run at a random moment, "
        f"{args.runs} runs per fault, "
        f"each at a random point of the timing model "
        f"(`python scripts/fault_table.py --every {args.every} --runs {args.runs}{shown}`). "
        f"Recovery: from the fault's end to the next tick; 3 periods = {3 * period} s."
    )
    print()
    columns = ["fault", "ticks lost (mean)", "delivered late (mean)", "duplicate deliveries (all runs)"]
    columns += ["recovery p50 (s)"]
    columns += ["recovery max (s)", "over 3 periods"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name, text in FAULTS.items():
        print(row(name, text, args.every, args.runs, args.publish), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
