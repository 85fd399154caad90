"""The cost tables of docs/cost.md, printed from the cost model itself.

    .venv/bin/python scripts/cost_table.py            # each way of publishing (one alarm, via lambda)
    .venv/bin/python scripts/cost_table.py --full     # docs/cost.md's (both paths, the seed's pair)

tests/cli/test_cost.py checks that the page still shows what this prints.
"""

from __future__ import annotations

import argparse
import sys

from alarmclock.cost import PUBLISH_NAMES, allows, clock_bill
from alarmclock.cost_report import usd
from alarmclock.spec import PUBLISHES, Via, default_publish

PERIODS = {"10s": 10, "20s": 20, "30s": 30, "1m": 60, "5m": 300, "1h": 3600, "120m": 7200, "1440m": 86_400}


def cell(period_s: int, publish: str, via: Via = "lambda", alarms: int = 1) -> str:
    if not allows(period_s, publish):  # type: ignore[arg-type]
        return "-"
    bill = clock_bill(period_s, via, alarms=alarms, publish=publish)  # type: ignore[arg-type]
    return f"{usd(bill.list_usd)} / {usd(bill.with_free_tier_usd)}"


def each_way_table() -> str:
    """List price / with free tier, a month, one alarm via lambda, for each way of publishing."""
    lines = [
        "| clock | default | " + " | ".join(f"{PUBLISH_NAMES[p]}: list / with free tier" for p in PUBLISHES) + " |",
        "|---|---|" + "---|" * len(PUBLISHES),
    ]
    for every, period in PERIODS.items():
        cells = " | ".join(cell(period, p) for p in PUBLISHES)
        lines.append(f"| {every} | {default_publish(period)} | {cells} |")
    return "\n".join(lines)


def full_table() -> str:
    """Both paths and both designs, at each period's default way of publishing."""
    lines = [
        "| every | publish | via | list price | with free tier "
        "| pair (`--alarms 2`): list price | pair: with free tier |",
        "|---|---|---|---|---|---|---|",
    ]
    for every, period in PERIODS.items():
        publish = default_publish(period)
        for via in ("lambda", "sns"):
            one = clock_bill(period, via, publish=publish)
            pair = clock_bill(period, via, alarms=2, publish=publish)
            lines.append(
                f"| {every} | {publish} | {via} | {usd(one.list_usd)} | {usd(one.with_free_tier_usd)} "
                f"| {usd(pair.list_usd)} | {usd(pair.with_free_tier_usd)} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="every path and alarm count, not each way of publishing")
    args = parser.parse_args()
    print(full_table() if args.full else each_way_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
