"""Options and errors shared by the CLI's commands, so every command says things the same way."""

from __future__ import annotations

import click

from alarmclock.spec import PERIOD_HELP, VIAS, SpecError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def usage_error(error: SpecError) -> click.UsageError:
    return click.UsageError(str(error))


every_option = click.option(
    "--every",
    default="1m",
    show_default=True,
    metavar="PERIOD",
    help=f"How often the clock ticks: {PERIOD_HELP}. Below 1m the alarms are high-resolution "
    "(evaluated every 10 s) and the period is a target, not a promise: in alarmclock's model a 10s "
    "clock ticks every 10 s on average (p99 16 s) while new points become visible within seconds, "
    "but about every 25 s when that takes 5-30 s; 20s and 30s hold their period better (README).",
)
via_option = click.option(
    "--via",
    type=click.Choice(VIAS),
    default="lambda",
    show_default=True,
    help="How alarms reach the function: CloudWatch's direct Lambda action, or the seed's SNS topic.",
)
target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ARN",
    help="Called on every tick (repeatable): a Lambda function, SNS topic, SQS queue or EventBridge bus. "
    "Without it the template asks for a function ARN as a parameter.",
)
payload_option = click.option("--payload", metavar="JSON", help='JSON added to every tick under the key "payload".')
