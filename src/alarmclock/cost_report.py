"""Show an Estimate: a plain-text table for people, a JSON document for scripts."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Any

from alarmclock.cost import MONTH_DAYS, PUBLISH_NAMES, Alternative, Bill, Estimate, LineItem
from alarmclock.prices import CURRENCY, PRICES_DATE, REGION

# Said under every bill, so a reader sees what the figures leave out.
NOT_COUNTED = (
    "Not counted: the targets' own charges (the same whichever way they are called), the Starter custom "
    "resource and SetAlarmState (a few calls per deployment), INIT time of cold starts, and 14 days of "
    "log storage (under a cent). Free tier: the account's always-free allowance, all of it for this clock."
)


WIDTH = 100


def wrap(text: str, indent: str = "", first: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first or indent, subsequent_indent=indent)


def usd(amount: Decimal) -> str:
    return f"${amount:,.4f}"


def quantity(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.0f}" if amount >= 1000 else f"{amount:,.3f}"


def counted(amount: Decimal, unit: str) -> str:
    # "1 metric-month", "2 alarm-months"; request-like units are plural already.
    plural = unit.endswith("-month") and amount != 1
    return f"{quantity(amount)} {unit}{'s' if plural else ''}"


def every(period_s: int) -> str:
    return f"{period_s} s" if period_s < 60 else f"{period_s // 60} min"


def render_text(estimate: Estimate) -> str:
    usage = estimate.usage
    lines = [
        f"alarmclock cost: a tick every {every(estimate.period_s)}, {PUBLISH_NAMES[estimate.publish]}, "
        f"alarms reach the function via {estimate.via}",
        f"{MONTH_DAYS}-day month: {quantity(estimate.ticks_per_month)} ticks at the nominal period; "
        f"function {usage.memory_mb} MB arm64, {usage.duration_ms} ms a tick",
        f"{REGION} list prices in {CURRENCY}, price table dated {PRICES_DATE} (sources: docs/cost.md)",
        "",
        *bill_table(estimate.clock),
        "",
        *wrap(NOT_COUNTED),
    ]
    if estimate.alternatives:
        lines += ["", *comparison(estimate.alternatives)]
    return "\n".join(lines) + "\n"


def bill_table(bill: Bill) -> list[str]:
    label_width = max(len("item"), *(len(item.label) for item in bill.items))
    header = f"{'item':<{label_width}}  {'quantity a month':>28}  {'list price':>10}  {'with free tier':>14}"
    rows = [header]
    for item in bill.items:
        amount = counted(item.quantity, item.price.unit)
        rows.append(
            f"{item.label:<{label_width}}  {amount:>28}  {usd(item.list_usd):>10}  {usd(item.with_free_tier_usd):>14}"
        )
    rows.append(f"{'total':<{label_width}}  {'':>28}  {usd(bill.list_usd):>10}  {usd(bill.with_free_tier_usd):>14}")
    return rows


def comparison(alternatives: tuple[Alternative, ...]) -> list[str]:
    name_width = max(len(a.name) for a in alternatives)
    rows = [
        "The same beat, other ways (a month; the target's own charges left out of every row):",
        f"{'approach':<{name_width}}  {'list price':>10}  {'with free tier':>14}",
    ]
    for alternative in alternatives:
        if alternative.bill is None:
            rows.append(f"{alternative.name:<{name_width}}  {'-':>10}  {'-':>14}  not possible at this beat")
        else:
            bill = alternative.bill
            rows.append(
                f"{alternative.name:<{name_width}}  {usd(bill.list_usd):>10}  {usd(bill.with_free_tier_usd):>14}"
            )
    rows += ["", "What each row prices, what is known about its beat, and what brings it back after a fault:"]
    for alternative in alternatives:
        rows += wrap(f"{alternative.name}: {alternative.design}.", "    ", "- ")
        if alternative.precision:
            rows += wrap(f"beat: {alternative.precision}.", "    ")
        if alternative.recovery:
            rows += wrap(f"after a fault: {alternative.recovery}.", "    ")
        if alternative.targets:
            rows += wrap(f"targets: {alternative.targets}.", "    ")
        if alternative.note:
            rows += wrap(f"{alternative.note}.", "    ")
    return rows


def money(amount: Decimal) -> float:
    return float(round(amount, 6))


def item_json(item: LineItem) -> dict[str, Any]:
    return {
        "item": item.label,
        "price_key": item.price.key,
        "quantity": float(round(item.quantity, 6)),
        "unit": item.price.unit,
        "unit_price_usd": float(item.price.unit_price),
        "free_per_month": float(item.price.free_per_month),
        "list_usd": money(item.list_usd),
        "with_free_tier_usd": money(item.with_free_tier_usd),
        "source": item.price.source,
    }


def bill_json(bill: Bill) -> dict[str, Any]:
    return {
        "items": [item_json(item) for item in bill.items],
        "list_usd": money(bill.list_usd),
        "with_free_tier_usd": money(bill.with_free_tier_usd),
    }


def alternative_json(alternative: Alternative) -> dict[str, Any]:
    return {
        "name": alternative.name,
        "possible": alternative.bill is not None,
        "bill": bill_json(alternative.bill) if alternative.bill is not None else None,
        "design": alternative.design,
        "precision": alternative.precision,
        "recovery": alternative.recovery,
        "targets": alternative.targets,
        "note": alternative.note,
    }


def render_json(estimate: Estimate) -> dict[str, Any]:
    document: dict[str, Any] = {
        "period_s": estimate.period_s,
        "via": estimate.via,
        "publish": estimate.publish,
        "alarms": estimate.alarms,
        "month_days": MONTH_DAYS,
        "ticks_per_month": float(round(estimate.ticks_per_month, 6)),
        "memory_mb": estimate.usage.memory_mb,
        "duration_ms": estimate.usage.duration_ms,
        "prices": {"date": PRICES_DATE, "region": REGION, "currency": CURRENCY},
        "clock": bill_json(estimate.clock),
        "not_counted": NOT_COUNTED,
    }
    if estimate.alternatives:
        document["alternatives"] = [alternative_json(a) for a in estimate.alternatives]
    return document
