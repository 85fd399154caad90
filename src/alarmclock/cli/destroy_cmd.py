"""`alarmclock destroy`: delete one clock's stack, or several side by side, and check nothing is left."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from alarmclock.aws import DEFAULT_SETTLE_S
from alarmclock.cli.aws_session import Connection, Session, aws_connection, clock_name
from alarmclock.cli.aws_view import Failure, confirm_or_refuse
from alarmclock.cli.group import cli
from alarmclock.cli.options import Duration
from alarmclock.cli.output import emit, output_option
from alarmclock.durations import format_duration
from alarmclock.exit_status import ExitStatus

if TYPE_CHECKING:
    from alarmclock.aws.models import Deployed


@cli.command()
@click.argument("names", metavar="NAME...", nargs=-1)
@click.option(
    "--all-matching",
    "prefix",
    metavar="PREFIX",
    help="Every clock in the region whose name starts with PREFIX (listed in the question first).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--settle",
    type=Duration(),
    default=format_duration(DEFAULT_SETTLE_S),
    show_default=True,
    metavar="DURATION",
    help="After the delete, watch this long that no Tick data still arrives (0: do not watch); several "
    "clocks are deleted side by side and watched together, for one --settle.",
)
@output_option
@aws_connection
def destroy(
    names: tuple[str, ...], prefix: str | None, yes: bool, settle: float, output: str, connection: Connection
) -> int:
    """Delete the clock NAME's stack (or several clocks' stacks), wait, and check that nothing of
    the clock is left."""
    from alarmclock.aws.execute import destroy_together
    from alarmclock.aws.plan import plan_destroy

    if bool(names) == (prefix is not None):
        raise click.UsageError("give the clocks' names, or --all-matching PREFIX (not both)")
    names = tuple(dict.fromkeys(clock_name(name) for name in names))
    with connection.open(output) as session:
        currents = [session.find_clock(name) for name in names] if prefix is None else matching(session, prefix)
        names = tuple(d.stack.name for d in currents)
        # Every clock is found and checked before anything is deleted: one that is not a clock
        # (or busy) stops them all.
        plans = [
            plan_destroy(current, function_name=session.stacks.function_name(current.stack.stack_id), settle_s=settle)
            for current in currents
        ]
        where = session.aws.region
        what = (
            f"clock {names[0]} in {where} (its stack, alarms and function)"
            if len(names) == 1
            else f"{len(names)} clocks in {where} ({', '.join(names)}: their stacks, alarms and functions)"
        )
        confirm_or_refuse(f"destroy {what}?", yes, output=output)
        if len(plans) == 1:
            return session.execute(plans[0])
        ended = destroy_together(session.aws, session.progress, plans, poll_s=session.poll_s)
    failed = [outcome for _, outcome in ended if not outcome.ok]
    if output != "text":
        records = [run.record(plan, outcome) for (run, outcome), plan in zip(ended, plans, strict=True)]
        emit({"region": where, "clocks": records}, output, text=lambda: None)
    else:
        for _, outcome in ended:
            if outcome.ok:
                click.echo(outcome.message)
    for outcome in failed:
        click.echo(f"alarmclock: error: {outcome.message}", err=True)
    if failed:
        return max(int(outcome.exit_code) for outcome in failed)
    return ExitStatus.OK


def matching(session: Session, prefix: str) -> list[Deployed]:
    """Every clock in the region whose name starts with `prefix`; a stack that is not a clock is named
    and left alone."""
    stacks = session.stacks
    found = [stacks.deployed_from(s) for s in stacks.list_clocks() if s.name.startswith(prefix)]
    for other in (d for d in found if not d.is_clock):
        session.progress.say(f"leaving {other.stack.name} alone: it has no alarmclock metadata")
    currents = [d for d in found if d.is_clock]
    if not currents:
        raise Failure(f"no clock in {session.aws.region} has a name starting with {prefix!r}", ExitStatus.FAILED)
    return currents
