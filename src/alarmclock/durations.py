"""Durations: one way to read them and one way to print them, for every option and report.

Units are s, m, h and d, in lower case, and may be combined largest first ("1h30m", "2m0.5s"),
which is also how `format_duration` prints them, so whatever the CLI prints reads back in. Upper
case is refused rather than guessed: "1M" reads as a month as easily as a minute.
"""

from __future__ import annotations

import math
import re

UNIT_SECONDS = {"d": 86_400, "h": 3600, "m": 60, "s": 1}
# Spelled-out units, lower case, as "30 sec" or "2 hours" are read today.
UNIT_WORDS = {
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "min": "m",
    "mins": "m",
    "minute": "m",
    "minutes": "m",
    "hour": "h",
    "hours": "h",
    "day": "d",
    "days": "d",
}
UNITS_HELP = "units are s, m, h and d, in lower case (e.g. 30s, 5m, 1h30m, 2d)"
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")


class DurationError(ValueError):
    """Text that is not a duration; the message names the problem and the accepted units."""


def parse_duration(text: str | float | int) -> float:
    """'90s' -> 90.0, '1h30m' -> 5400.0, '2d' -> 172800.0, '45' -> 45.0 (a bare number is seconds)."""
    if isinstance(text, int | float):
        return float(text)
    rest = text.strip()
    if not rest:
        raise DurationError(f"{text!r} is not a duration; {UNITS_HELP}")
    total, used = 0.0, list[str]()
    while rest:
        match = _PART.match(rest)
        if not match:
            raise DurationError(f"{text!r} is not a duration; {UNITS_HELP}")
        number, word = match.group(1), match.group(2)
        unit = UNIT_WORDS.get(word, word) or ("s" if match.end() == len(rest) and not used else "")
        if unit not in UNIT_SECONDS:
            if word.lower() in UNIT_SECONDS or word.lower() in UNIT_WORDS:
                raise DurationError(f"{text!r}: {word!r} is not a unit; units are s, m, h and d, in lower case")
            raise DurationError(f"{text!r} is not a duration; {UNITS_HELP}")
        if used and UNIT_SECONDS[unit] >= UNIT_SECONDS[used[-1]]:
            raise DurationError(f"{text!r} is not a duration; combine units largest first, e.g. 1h30m")
        used.append(unit)
        total += float(number) * UNIT_SECONDS[unit]
        rest = rest[match.end() :]
    if not math.isfinite(total):
        raise DurationError(f"{text!r} is too long")
    return total


def format_duration(seconds: float, decimals: int = 1) -> str:
    """61.25 -> '1m1.2s', 61 -> '1m1s', 5400 -> '1h30m', 172800 -> '2d', 0.7 -> '0.7s'; rounded to
    `decimals` places of a second, trailing zeros and units that are zero at the end left out, in
    the form `parse_duration` reads (and Go's time.Duration prints, days aside)."""
    sign = "-" if seconds < 0 else ""
    scale = 10**decimals
    rest = round(abs(seconds) * scale)  # whole units of 10**-decimals s, so no 59.99 -> '60.0s'
    parts: list[str] = []
    for unit, size in UNIT_SECONDS.items():
        count, rest = divmod(rest, size * scale)
        if unit == "s":
            count = count * scale + rest
        if count or (parts and unit != "s"):
            parts.append((str(count) if unit != "s" else _seconds(count, decimals)) + unit)
    while len(parts) > 1 and parts[-1][0] == "0" and _is_zero(parts[-1]):
        parts.pop()
    return sign + ("".join(parts) if parts else "0s")


def _seconds(units: int, decimals: int) -> str:
    if decimals == 0:
        return str(units)
    whole, fraction = divmod(units, 10**decimals)
    return f"{whole}.{fraction:0{decimals}d}".rstrip("0").rstrip(".")  # 1s, 1.5s, as Go prints them


def _is_zero(part: str) -> bool:
    return float(part[:-1]) == 0
