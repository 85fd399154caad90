"""`alarmclock pause | resume`: stop a clock ticking and start it again, through its Paused parameter."""

from __future__ import annotations

import click

from alarmclock.cli.aws_session import Connection, aws_connection, clock_name, tick_timeout_option
from alarmclock.cli.group import cli
from alarmclock.cli.output import output_option


def set_paused(
    name: str,
    paused: bool,
    connection: Connection,
    output: str,
    *,
    wait: bool = False,
    tick_timeout: float | None = None,
) -> int:
    from alarmclock.aws.plan import plan_set_paused

    name = clock_name(name)
    with connection.open(output) as session:
        plan = plan_set_paused(session.find_clock(name), paused, wait=wait, tick_timeout_s=tick_timeout)
        return session.execute(plan)


@cli.command()
@click.argument("name")
@output_option
@aws_connection
def pause(name: str, output: str, connection: Connection) -> int:
    """Stop the clock NAME ticking; its stack, alarms and function stay (and stay paused across deploys)."""
    return set_paused(name, True, connection, output)


@cli.command()
@click.argument("name")
@click.option("--no-wait", is_flag=True, help="Return when the stack is updated; do not wait for a tick.")
@tick_timeout_option
@output_option
@aws_connection
def resume(name: str, no_wait: bool, tick_timeout: float | None, output: str, connection: Connection) -> int:
    """Restart a paused clock NAME and wait for its next tick ('alarmclock restart' kicks a running one)."""
    return set_paused(name, False, connection, output, wait=not no_wait, tick_timeout=tick_timeout)
