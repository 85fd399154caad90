"""Options and errors shared by the CLI's commands, so every command says things the same way."""

from __future__ import annotations

import click

from alarmclock.spec import PERIOD_HELP, PUBLISHES, VIAS, WINDOWS, SpecError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def usage_error(error: SpecError) -> click.UsageError:
    return click.UsageError(str(error))


every_option = click.option(
    "--every",
    default="1m",
    show_default=True,
    metavar="PERIOD",
    help=f"How often the clock ticks: {PERIOD_HELP}. Below 1m the tick alarm is high-resolution "
    "(evaluated every 10 s); what beat each period holds is in the README, 'The beat'.",
)
alarms_option = click.option(
    "--alarms",
    type=click.Choice(["1", "2"]),
    default="1",
    show_default=True,
    help="Tick alarms: 1 (one alarm whose ALARM and OK actions both tick: the same evaluation second "
    "makes every flip) or 2 (the seed's pair, whose intervals alternate period - d and period + d).",
)
window_option = click.option(
    "--window",
    type=click.Choice(WINDOWS),
    default=None,
    help="The tick alarms' EvaluationWindow: sliding (CloudWatch's default; periods up to 120m) or "
    "wallclock (aligned to the period in UTC; only 1m, 5m, 1h and 1440m). Default: sliding, "
    "wallclock for 1440m.",
)
publish_option = click.option(
    "--publish",
    type=click.Choice(PUBLISHES),
    default=None,
    help="How the beat reaches the Tick metric: wave (the heartbeat lays the next two hours of values in "
    "one PutMetricData; ticks make no CloudWatch call), api (PutMetricData every tick) or logs (an "
    "embedded-metric-format log line every tick). Default: wave, but api for 1440m "
    "(README, 'The beat'; docs/cost.md).",
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
