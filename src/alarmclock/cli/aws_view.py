"""How the AWS commands talk to a person: progress lines, the status report, one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from typing import TYPE_CHECKING

import click

from alarmclock.aws.models import period_start
from alarmclock.aws.verdict import ago
from alarmclock.counts import counted
from alarmclock.durations import format_duration
from alarmclock.exit_status import ExitStatus
from alarmclock.spec import SpecError

if TYPE_CHECKING:
    from alarmclock.aws.models import Change, Datapoint, StackEvent, StackInfo
    from alarmclock.aws.status import ClockStatus

SYMBOL = {"Add": "+", "Modify": "~", "Remove": "-", "Import": ">", "Dynamic": "?"}


class Failure(click.ClickException):
    """One line on stderr and a chosen exit status (main() prints `alarmclock: error: ...`)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        # click declares exit_code a ClassVar; main() reads it from the instance.
        self.exit_code = exit_code  # type: ignore[misc]


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Every failure of an AWS command ends as one line and an exit status, never a traceback."""
    from alarmclock.aws.plan import PlanError
    from alarmclock.aws.session import explain, is_aws_error

    try:
        yield
    except click.ClickException:
        raise
    except SpecError as error:
        raise click.UsageError(str(error)) from None
    except PlanError as error:
        raise Failure(error.message, error.exit_code) from None
    except KeyboardInterrupt:
        raise click.exceptions.Abort() from None
    except Exception as error:
        if not is_aws_error(error):
            raise
        problem = explain(error)
        raise Failure(problem.message, problem.exit_code) from None


def interactive() -> bool:
    try:
        return bool(sys.stdin and sys.stdin.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class ConsoleProgress:
    """The runner's Progress, printed as it happens: on stdout for `--output text`, on stderr when
    stdout is for the JSON (or table) alone, which must never wait on a question either."""

    def __init__(self, output: str = "text") -> None:
        self.output = output
        self.err = output != "text"

    def say(self, text: str) -> None:
        click.echo(text, err=self.err)

    def event(self, event: StackEvent) -> None:
        when = event.timestamp.strftime("%H:%M:%S")
        what = "stack" if event.is_stack else event.logical_id
        reason = f"  {event.reason}" if event.reason else ""
        click.echo(f"  {when}  {event.status:<28} {what}{reason}", err=self.err)

    def changes(self, changes: list[Change], creating: bool) -> None:
        if creating:
            click.echo(f"  will create {counted(len(changes), 'resource')}", err=self.err)
            return
        click.echo(
            f"  {counted(len(changes), 'change')}:"
            if changes
            else "  no resource changes (parameters or outputs only)",
            err=self.err,
        )
        for change in changes:
            replace = f"  replacement: {change.replacement}" if change.replacement in ("True", "Conditional") else ""
            symbol = SYMBOL.get(change.action, "?")
            click.echo(
                f"    {symbol} {change.action:<7} {change.logical_id} ({change.resource_type}){replace}", err=self.err
            )

    def confirm(self, question: str) -> bool:
        if self.output != "text":
            click.echo(f"{question} (not asking: --output {self.output} takes --yes instead)", err=True)
            return False
        if not interactive():
            click.echo(f"{question} (not asking: stdin is not a terminal)")
            return False
        return click.confirm(question, default=False)


def confirm_or_refuse(question: str, yes: bool, flag: str = "--yes", output: str = "text") -> None:
    if yes:
        return
    if not interactive() or output != "text":
        # A script reading JSON must not hang on a question it cannot see.
        raise Failure(f"{question.rstrip('?')}: pass {flag} to do it without asking", ExitStatus.USAGE)
    if not click.confirm(question, default=False):
        # The user's answer, not an error: say what it did (nothing), and end as a done command does.
        click.echo("nothing was done", err=True)
        raise click.exceptions.Exit(ExitStatus.OK)


def show_status(report: ClockStatus) -> None:
    stack, verdict = report.stack, report.verdict
    echo = click.echo
    echo(f"{stack.name}  ({report.region})")
    echo(f"  verdict   {verdict.kind.upper()}: {verdict.reason}")
    for warning in verdict.warnings:
        echo(f"  warning   {warning}")
    updated = f", last change {stack.last_change.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if stack.last_change else ""
    echo(f"  stack     {stack.status}{' (paused)' if stack.paused else ''}{updated}")
    if report.failure:
        echo(f"  failure   {report.failure}")
    if report.metadata:
        spec = report.metadata.spec
        targets = ", ".join(t.arn for t in spec.targets) if spec.targets else "(the TargetFunctionArn parameter)"
        if not report.metadata.targets_read:
            targets = "(not read: the clock has no function)"
        design = "one tick alarm" if len(report.names.alarms) == 1 else "the pair of tick alarms"
        echo(
            f"  settings  every {spec.period_s // 60 if spec.period_s >= 60 else spec.period_s}"
            f"{'m' if spec.period_s >= 60 else 's'} via {spec.via}; targets: {targets}; "
            f"{design}, {spec.window} window, publish {spec.publish}"
        )
    running, why = report.design
    echo(f"  design    {running}, {why}")
    if report.failed_deliveries:
        failed = counted(report.failed_deliveries, "delivery", "deliveries")
        echo(f"  failures  {failed} failed in the last hour (the function's log says why)")
    for alarm in report.names.all_alarms:
        info = report.alarms.get(alarm)
        if info is None:  # the watchdog too: the verdict says broken without it
            echo(f"  alarm     {alarm}: MISSING")
            continue
        since = f" since {info.state_updated.astimezone(UTC):%H:%M:%S} UTC" if info.state_updated else ""
        actions = "actions on" if info.actions_enabled else "actions OFF"
        echo(f"  alarm     {alarm}: {info.state}{since}, {actions}")

    def shown(point: Datapoint) -> str:
        value = "1" if point.minimum >= 1 else "0" if point.maximum <= 0 else "0+1"
        times = f" x{point.samples}" if point.samples > 1 else ""
        return f"{period_start(point.timestamp, report.period_s):%H:%M:%S}={value}{times}"

    listed = ", ".join(shown(p) for p in report.last_ticks)
    if report.names.is_wave:
        # The values are laid ahead, so they are no ticks: the verdict's alarm change is.
        echo(f"  wave      {wave_line(report)}")
        echo(f"  values    ended periods, newest first (UTC): {listed}" if listed else "  values    none ended")
        what = "1/0 value laid, ~ both, . none; ended periods only"
    else:
        ticks = f"by period, newest first (UTC): {listed}" if listed else "none in the window below"
        echo(f"  ticks     {ticks}")
        what = "1/0 value published, ~ both, . none"
    echo(f"  beat      {report.start:%H:%M}-{report.end:%H:%M} UTC, one mark per {report.period_s} s ({what}):")
    echo(f"            {report.beat}")


def wave_line(report: ClockStatus) -> str:
    """How far ahead the wave is laid: the latest value's period, and its end's distance from now."""
    ahead = report.laid_ahead
    if report.laid_until is None or ahead is None:
        return "nothing laid: no Tick values in the window or ahead"
    period = f"laid up to the period from {report.laid_until.astimezone(UTC):%H:%M:%S} UTC"
    if ahead.total_seconds() <= 0:
        return f"{period}: it has run out"
    return f"{period}, {ago(ahead)} ahead"


def show_list(rows: Sequence[tuple[StackInfo, int | None, str]], region: str) -> None:
    if not rows:
        click.echo(f"no clocks in {region}")
        return
    width = max(len(stack.name) for stack, _, _ in rows)
    click.echo(f"{'CLOCK':<{width}}  {'EVERY':>6}  {'VERDICT':<9}  {'PAUSED':<6}  STACK STATUS")
    for stack, period, verdict in rows:
        every = "?" if period is None else format_duration(period, decimals=0)
        paused = "yes" if stack.paused else "no"
        click.echo(f"{stack.name:<{width}}  {every:>6}  {verdict:<9}  {paused:<6}  {stack.status}")
