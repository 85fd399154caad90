"""--output json|table|text on every command that reports, as the AWS CLI has it.

`text` is each command's own report for a person; `json` one JSON object (what `--json`, kept as
its alias, always printed); `table` the same object laid out in aligned columns, so the two never
say different things. Progress, notes and prompts go to stderr in json and table, so standard
output holds the report alone.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

OUTPUTS = ("text", "json", "table")
F = TypeVar("F", bound=Callable[..., Any])


def output_option(command: F) -> F:
    """--output FORMAT and --json (the same as --output json); the command receives `output`."""

    @functools.wraps(command)
    def with_output(*args: Any, output_format: str | None, as_json: bool, **kwargs: Any) -> Any:
        if as_json and output_format not in (None, "json"):
            raise click.UsageError(f"--json is --output json: give one of --json and --output {output_format}")
        return command(*args, output="json" if as_json else output_format or "text", **kwargs)

    decorated = click.option("--json", "as_json", is_flag=True, help="The same as --output json.")(with_output)
    decorated = click.option(
        "--output",
        "output_format",
        type=click.Choice(OUTPUTS),
        help="How to print the result: text (for a person; the default), json (one object, for scripts) or "
        "table (the JSON's fields in aligned columns).",
    )(decorated)
    return decorated  # type: ignore[return-value]


JSON_INDENT = 2  # every command's JSON alike: one object, indented


def emit(data: Any, output: str, text: Callable[[], None]) -> None:
    """Print `data` as `output` asks; `text` prints the command's own report."""
    if output == "json":
        click.echo(json.dumps(data, indent=JSON_INDENT))
    elif output == "table":
        click.echo(render_table(data), nl=False)
    else:
        text()


def refuse_a_format_as_file(path: str | None, command: str, instead: str) -> None:
    """`template` and `calibrate` write a file, and their -o/--output names it, as before. A
    format's name there is a slip from the other commands' --output: refused, not written to a file
    called `json`."""
    if path in OUTPUTS:
        raise click.UsageError(
            f"-o/--output {path!r}: {command}'s -o names the file to write ({instead}); "
            f"for a file by that name, give ./{path}"
        )


# ---- table ------------------------------------------------------------------------------------------


def render_table(data: Any) -> str:
    """A JSON value as aligned text: an object's plain fields as `key  value` rows first, then each
    nested one under its key; a list of objects (or an object of objects) as columns with a header."""
    return "".join(line + "\n" for line in _lines(data, ""))


def _lines(data: Any, indent: str) -> list[str]:
    if isinstance(data, dict):
        rows = _rows(data)
        if rows is not None:
            return _columns(rows, indent)
        plain = [(key, value) for key, value in data.items() if not _nested(value)]
        width = max((len(str(key)) for key, _ in plain), default=0)
        lines = [f"{indent}{key:<{width}}  {_cell(value)}".rstrip() for key, value in plain]
        for key, value in data.items():
            if _nested(value):
                lines.append(f"{indent}{key}")
                lines += _lines(value, indent + "  ")
        return lines
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        return _columns(data, indent)
    return [f"{indent}{_cell(data)}"]


def _rows(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """An object whose every value is an object (status by alarm name, say): one row per key."""
    if data and all(isinstance(value, dict) and value for value in data.values()):
        return [{"name": key, **value} for key, value in data.items()]
    return None


def _columns(rows: list[dict[str, Any]], indent: str) -> list[str]:
    keys: list[str] = []
    for row in rows:
        keys += [key for key in row if key not in keys]
    cells = [[_cell(row.get(key)) for key in keys] for row in rows]
    header = [key.upper() for key in keys]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(keys))]
    return [
        (indent + "  ".join(f"{value:<{width}}" for value, width in zip(line, widths, strict=True))).rstrip()
        for line in [header, *cells]
    ]


def _nested(value: Any) -> bool:
    return (isinstance(value, dict) and bool(value)) or (
        isinstance(value, list) and any(isinstance(item, dict | list) for item in value)
    )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value) if value else "-"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":")) if value else "-"
    if isinstance(value, float):
        return plain_number(value)
    return str(value)


def plain_number(value: float) -> str:
    """43200.0 -> '43200', 1e-05 -> '0.00001', 0.30000000000000004 -> '0.3': as a person writes it."""
    if not math.isfinite(value):
        return str(value)
    return f"{value:.15f}".rstrip("0").rstrip(".") or "0"
