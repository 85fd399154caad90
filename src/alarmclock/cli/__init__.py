"""The `alarmclock` command: parse, call the library, render, return an exit status.

Heavy imports (boto3, the emulator) wait until a command needs them, so `--help` is quick.
Every user error ends as one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from alarmclock.cli.group import cli
from alarmclock.exit_status import ExitStatus


def register_commands() -> None:
    # Each command lives in its own module (pause and resume, beat and calibrate, share one: each
    # pair is one operation and its inverse, or one reading put to two uses); importing one
    # registers it on `cli`, which group.py defines, so no command module imports this one back.
    from alarmclock.cli import (  # noqa: F401
        beat_cmd,
        cost_cmd,
        deploy_cmd,
        destroy_cmd,
        list_cmd,
        pause_cmd,
        probe_cmd,
        restart_cmd,
        simulate_cmd,
        status_cmd,
        template_cmd,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit status (tests call this directly)."""
    register_commands()
    try:
        result: Any = cli.main(args=argv, prog_name="alarmclock", standalone_mode=False)
    except click.UsageError as error:
        hint = (
            f" (see 'alarmclock {error.ctx.command_path.split(' ', 1)[1]} --help')"
            if error.ctx and " " in error.ctx.command_path
            else " (see 'alarmclock --help')"
        )
        click.echo(f"alarmclock: error: {error.format_message()}{hint}", err=True)
        return ExitStatus.USAGE
    except click.ClickException as error:
        click.echo(f"alarmclock: error: {error.format_message()}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("alarmclock: interrupted", err=True)
        return ExitStatus.INTERRUPTED
    except click.exceptions.Exit as error:
        return int(error.exit_code)
    return int(result) if isinstance(result, int) else ExitStatus.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
