"""`alarmclock status`: how one clock is, and why."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from alarmclock.cli.aws_session import Connection, aws_connection, clock_name
from alarmclock.cli.aws_view import show_status
from alarmclock.cli.group import cli
from alarmclock.cli.output import emit, output_option
from alarmclock.exit_status import ExitStatus


@cli.command()
@click.argument("name")
@output_option
@aws_connection
def status(name: str, output: str, connection: Connection) -> int:
    """Show whether the clock NAME is ticking, paused, stalled or broken, and why.

    Exit status 0 if it is ticking, starting, paused or changing; 1 if stalled or broken.
    """
    from alarmclock.aws.status import gather

    name = clock_name(name)
    with connection.open(output) as session:
        report = gather(session.aws, session.find_clock(name, read_function=True), datetime.now(UTC))
    emit(report.to_json(), output, text=lambda: show_status(report))
    return ExitStatus.OK if report.verdict.healthy else ExitStatus.FAILED
