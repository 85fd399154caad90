"""`alarmclock list`: every clock in the region, each with the verdict `status` would give it."""

from __future__ import annotations

from datetime import UTC, datetime

from alarmclock.cli.aws_session import Connection, aws_connection
from alarmclock.cli.aws_view import show_list
from alarmclock.cli.group import cli
from alarmclock.cli.output import emit, output_option
from alarmclock.exit_status import ExitStatus


@cli.command(name="list")
@output_option
@aws_connection
def list_clocks(output: str, connection: Connection) -> int:
    """List the clocks in this account and region, each with its verdict (as `status` judges it)."""
    from alarmclock.aws.fleet import list_clocks as read_fleet

    with connection.open(output) as session:
        # In batches and a few at a time (aws/fleet.py): about one call per clock, not four in series.
        statuses = read_fleet(session.aws, datetime.now(UTC))
        where = session.aws.region
    rows = [(s.stack, s.metadata.spec.period_s if s.metadata else None, s.verdict.kind) for s in statuses]
    clocks = [
        {
            "clock": s.stack.name,
            "period_s": s.metadata.spec.period_s if s.metadata else None,
            "publish": s.metadata.spec.publish if s.metadata else None,
            "verdict": s.verdict.kind,
            "reason": s.verdict.reason,
            "paused": s.stack.paused,
            "stack_status": s.stack.status,
            "stack_id": s.stack.stack_id,
        }
        for s in statuses
    ]
    emit({"region": where, "clocks": clocks}, output, text=lambda: show_list(rows, where))
    return ExitStatus.OK
