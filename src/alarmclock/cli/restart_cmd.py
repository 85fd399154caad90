"""`alarmclock restart`: kick a running clock on purpose.

A command of its own, not `resume --force`: resume changes the stack (its Paused parameter, which
turns the alarms' actions on), restart changes nothing in it and only asks the clock's function to
do what its own restart paths do (handler.handle_restart), so it needs lambda:InvokeFunction on
that function, not CloudFormation's permissions.
"""

from __future__ import annotations

import click

from alarmclock.cli.aws_session import Connection, aws_connection, clock_name, tick_timeout_option
from alarmclock.cli.group import cli
from alarmclock.cli.output import output_option


@cli.command()
@click.argument("name")
@click.option("--no-wait", is_flag=True, help="Return when the function has answered; do not wait for a tick.")
@click.option(
    "--design",
    type=click.Choice(["now", "wave"]),
    help="Switch a wave clock's alarms to the documented design (now: nothing stamped ahead), or back to "
    "its wave; what `alarmclock probe` found says which works in this account.",
)
@tick_timeout_option
@output_option
@aws_connection
def restart(
    name: str, no_wait: bool, design: str | None, tick_timeout: float | None, output: str, connection: Connection
) -> int:
    """Restart the running clock NAME now, and wait for its next tick.

    Its function is invoked with a restart: a wave clock lays its wave again (as its heartbeat
    does every 10 minutes; from 20-minute clocks up, every half period, at most every 30), an api
    or logs clock's loop is kicked (as a resume kicks it,
    replaying the last tick while it is recent: the targets may get that tick's id twice). The
    stack is not changed. A paused clock is refused: 'alarmclock resume NAME' starts it. With
    --design, a wave clock's function switches its own two alarms to the documented design (now)
    or back to its wave, as it does by itself when its alarm does not follow the wave.
    """
    from alarmclock.aws.plan import plan_restart

    name = clock_name(name)
    with connection.open(output) as session:
        current = session.find_clock(name)
        function = session.stacks.function_name(current.stack.stack_id) if current.is_clock else None
        plan = plan_restart(current, function, wait=not no_wait, tick_timeout_s=tick_timeout, design=design)
        return session.execute(plan)
