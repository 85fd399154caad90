"""One check for a timing-model parameter's value, whether it comes as text (`simulate --param
NAME=VALUE`) or as JSON (a model file, `simulate --model`, written by `calibrate` or by hand).

Both end in the same typed value and are refused with the same words: "NAME takes SHAPE".
"""

from __future__ import annotations

import math
from typing import Any

from alarmclock.timing_model import PARAMETERS, Parameter

KNOWN = {p.name: p for p in PARAMETERS}


class ParameterError(ValueError):
    """A value the parameter does not take; the message says what it takes."""


def from_text(name: str, raw: str) -> Any:
    """--param's VALUE: a span is LOW,HIGH; pins are SECOND or SUFFIX:SECOND[,...]."""
    parameter = known(name)
    try:
        return check(parameter, _typed(parameter, raw))
    except ValueError:
        raise ParameterError(takes(parameter)) from None


def from_json(name: str, value: Any) -> Any:
    """A model file's value: a span is [LOW, HIGH]; pins are [[SUFFIX, SECOND], ...]."""
    parameter = known(name)
    try:
        return check(parameter, _from_json(parameter, value))
    except (ValueError, TypeError):
        written = {"span": "[LOW, HIGH]", "pins": "[[NAME_SUFFIX, SECOND], ...]"}.get(_kind(parameter))
        how = f" (a model file writes it {written})" if written else ""
        raise ParameterError(f"{takes(parameter)}, not {_shown(value)}{how}") from None


def known(name: str) -> Parameter:
    if name not in KNOWN:
        raise ParameterError(f"{name!r} is not a parameter; the parameters are: {', '.join(KNOWN)}")
    return KNOWN[name]


def takes(parameter: Parameter) -> str:
    return f"{parameter.name} takes {shape(parameter)}"


def shape(parameter: Parameter) -> str:
    kind = _kind(parameter)
    if kind == "choice":
        return " or ".join(parameter.choices)
    if kind == "pins":
        return "SECOND (0 <= SECOND < 60) for every alarm, or NAME_SUFFIX:SECOND[,...] for some"
    if kind == "span":
        return "LOW,HIGH (seconds, 0 <= LOW <= HIGH)"
    if kind == "whole":
        return "a whole number >= 1"
    if kind == "probability":
        return "a probability, 0 <= P <= 1"
    return "a number >= 0"


def check(parameter: Parameter, value: Any) -> Any:
    """The value, if the parameter takes it; ValueError if not. `value` is already typed."""
    kind = _kind(parameter)
    if kind == "choice":
        if value not in parameter.choices:
            raise ValueError
        return value
    if kind == "pins":
        if not value or any(not isinstance(suffix, str) or not 0 <= _finite(s) < 60 for suffix, s in value):
            raise ValueError
        return tuple((suffix, _finite(second)) for suffix, second in value)
    if kind == "span":
        low, high = (_finite(part) for part in value)
        if low > high or low < 0:
            raise ValueError
        return (low, high)
    if kind == "whole":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError
        return value
    number = _finite(value)
    if number < 0 or (kind == "probability" and number > 1):
        raise ValueError
    return number


def _kind(parameter: Parameter) -> str:
    default = parameter.default
    if isinstance(default, str):
        return "choice"
    if isinstance(default, tuple) and not default:  # evaluation_offset_s
        return "pins"
    if isinstance(default, tuple):
        return "span"
    if isinstance(default, int) and not isinstance(default, bool):
        return "whole"
    return "probability" if parameter.name.endswith("_prob") else "number"


def _typed(parameter: Parameter, raw: str) -> Any:
    kind = _kind(parameter)
    if kind == "choice":
        return raw
    if kind == "pins":
        pins = []
        for item in raw.split(","):
            suffix, _, second = item.rpartition(":")
            pins.append((suffix, float(second)))
        return tuple(pins)
    if kind == "span":
        low, high = raw.split(",")
        return (float(low), float(high))
    if kind == "whole":
        return int(raw)
    return float(raw)


def _from_json(parameter: Parameter, value: Any) -> Any:
    kind = _kind(parameter)
    if kind == "pins":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (("", value),)  # one second for every alarm, as --param's SECOND
        if not isinstance(value, list) or not all(isinstance(pin, list) and len(pin) == 2 for pin in value):
            raise ValueError
        return tuple((pin[0], pin[1]) for pin in value)
    if kind == "span":
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError
        return tuple(value)
    if kind == "choice" and not isinstance(value, str):
        raise ValueError
    return value


def _finite(value: Any) -> float:
    # float() takes "nan" and "inf"; neither is a delay or a probability the model can draw from.
    # JSON's true and false are not numbers here, though Python's bool is an int.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError
    try:
        number = float(value)
    except OverflowError:
        raise ValueError from None
    if not math.isfinite(number):
        raise ValueError
    return number


def _shown(value: Any) -> str:
    import json

    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
