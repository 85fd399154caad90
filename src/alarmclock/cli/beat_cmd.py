"""`alarmclock beat | calibrate`: a deployed clock's real beat, and a timing model fitted to it.

Both read what AWS keeps (the alarms' StateUpdate history, the function's tick lines) through
`alarmclock.aws.history`, and hand it to the pure `alarmclock.beat` and `alarmclock.calibrate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from alarmclock.alarm_facts import HISTORY_RETENTION_DAYS
from alarmclock.cli.aws_session import Connection, aws_connection, clock_name
from alarmclock.cli.aws_view import Failure
from alarmclock.cli.group import cli
from alarmclock.cli.output import emit, output_option, refuse_a_format_as_file
from alarmclock.cli.simulate_cmd import check_plot, write_plot
from alarmclock.counts import counted
from alarmclock.durations import DurationError, parse_duration
from alarmclock.exit_status import ExitStatus

if TYPE_CHECKING:
    from alarmclock.aws.reading import ClockReading

HISTORY_DAYS = HISTORY_RETENTION_DAYS  # fact: alarm history is kept 30 days (docs/aws-facts.md)


def since_option(command: Any) -> Any:
    return click.option(
        "--since",
        default="24h",
        show_default=True,
        metavar="DURATION",
        help=f"How far back to read: e.g. 6h, 24h, {HISTORY_DAYS}d (alarm history is kept {HISTORY_DAYS} days).",
    )(command)


def rate_option(command: Any) -> Any:
    return click.option(
        "--rate",
        type=click.FloatRange(min=0.0, min_open=True),
        default=3.0,
        show_default=True,
        metavar="PER_SECOND",
        help="Requests a second at most, more than 0: DescribeAlarmHistory's rate is low and not documented.",
    )(command)


def read(name: str, since: str, rate: float, connection: Connection) -> ClockReading:
    from alarmclock.aws.reading import read_clock

    seconds = parse_since(since)
    with connection.open() as session:
        reading = read_clock(session.aws, clock_name(name), seconds, rate, progress=StderrProgress())
    for note in reading.notes:
        click.echo(f"alarmclock: note: {note}", err=True)
    if not reading.window["changes"]:
        raise Failure(
            f"no state changes in the history of {name}'s alarms in the last {since}: "
            "it has not ticked yet (or only longer ago)",
            ExitStatus.FAILED,
        )
    return reading


def parse_since(since: str) -> float:
    """--since as seconds, refused before any AWS call: a duration, more than 0, within the history."""
    try:
        seconds = parse_duration(since)
    except DurationError as error:
        raise click.UsageError(f"--since {error}") from None
    if seconds <= 0:
        raise click.UsageError(f"--since {since!r}: must be more than 0 (how far back to read)")
    if seconds > HISTORY_DAYS * 86_400:
        raise click.UsageError(f"--since {since!r}: alarm history goes back {HISTORY_DAYS} days at most")
    return seconds


class StderrProgress:
    """A line on stderr every 50 pages: a long read (14 days of a 10 s clock is about 1,200 pages
    an alarm at 3 requests a second) must show that it is moving."""

    def __init__(self, every: int = 50) -> None:
        self.every = every

    def __call__(self, what: str, pages: int, items: int) -> None:
        if pages % self.every == 0:
            click.echo(f"  reading {what}: {pages:,} pages, {items:,} items", err=True)


@cli.command()
@click.argument("name")
@since_option
@output_option
@click.option("--plot", metavar="FILE.png", help="Draw the tick intervals over time and their histogram.")
@rate_option
@aws_connection
def beat(name: str, since: str, output: str, plot: str | None, rate: float, connection: Connection) -> int:
    """The real beat of the deployed clock NAME, from what AWS keeps.

    Reads its alarms' state changes (DescribeAlarmHistory, StateUpdate items only) and its
    function's tick lines (FilterLogEvents) over --since, and reports what `simulate` reports:
    ticks, intervals, missed beats, the longest silence; and each alarm's evaluation second and
    jitter, and the restarts with their causes. Exit status 0 if a tick came in the last three
    periods and none was missed, 1 otherwise, 2 for bad input.
    """
    figure_format = check_plot(plot) if plot is not None else None
    from alarmclock.beat import analyse, render_text

    reading = read(name, since, rate, connection)
    report = analyse(**reading.window)
    emit(report.as_json(), output, text=lambda: click.echo(render_text(report), nl=False))
    if plot is not None and figure_format is not None:
        from alarmclock.plot import plot_beat

        write_plot(plot, lambda: plot_beat(report, plot, figure_format))
    return ExitStatus.OK if report.judgement.healthy else ExitStatus.FAILED


@cli.command()
@click.argument("name")
@since_option
@click.option("-o", "--output", "output", required=True, metavar="MODEL.json", help="Write the fitted model here.")
@rate_option
@aws_connection
def calibrate(name: str, since: str, output: str, rate: float, connection: Connection) -> int:
    """Fit the timing model to the deployed clock NAME: its alarms' evaluation seconds and jitter,
    the latency to its function, bounds on the visibility delay, the duplicate rate.

    Writes JSON that `alarmclock simulate --model MODEL.json` runs on; each figure says how many
    observations it rests on, and what the history cannot show is listed as still assumed.
    """
    refuse_a_format_as_file(output, "calibrate", "the model, as JSON")
    target = Path(output)
    if target.is_dir() or not target.parent.is_dir():
        raise click.UsageError(f"-o {output!r}: not a file in an existing directory")
    from alarmclock.calibrate import calibrate as fit

    reading = read(name, since, rate, connection)
    model = fit(publish=reading.publish, **reading.window)
    try:
        target.write_text(json.dumps(model, indent=2) + "\n")
    except OSError as error:
        raise Failure(f"cannot write {output}: {error.strerror or error}", ExitStatus.FAILED) from None
    fitted = ", ".join(model["parameters"]) or "nothing"
    assumed = counted(len(model["assumptions"]), "parameter stays an assumption", "parameters stay assumptions")
    click.echo(f"wrote {output}: fitted {fitted}; {assumed}")
    return ExitStatus.OK
