"""The `alarmclock` group with every command registered on it, for the documentation's CLI reference.

mkdocs-click reads a click command from a module attribute; the commands register themselves on
`cli` only when their modules are imported (so `--help` stays quick), which this module does.
"""

from __future__ import annotations

from alarmclock.cli import register_commands
from alarmclock.cli.group import cli

register_commands()

__all__ = ["cli"]
