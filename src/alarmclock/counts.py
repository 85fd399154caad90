"""Counts: one way to print them, in every report and message ("1 tick lost", "1,440 state changes")."""

from __future__ import annotations


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """1 -> '1 tick lost', 1440 -> '1,440 ticks lost': one thing in the singular, thousands with a comma."""
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"
