"""The `alarmclock` command group, on which each command module registers its command.

Apart from the package's __init__ (which imports the commands when the CLI runs), so that a command
module imports the group and nothing imports it back.
"""

from __future__ import annotations

import click

from alarmclock import __version__


# invoke_without_command: plain `alarmclock` is a request for help (exit 0), not a usage error.
@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    invoke_without_command=True,
)
@click.version_option(__version__, prog_name="alarmclock")
@click.pass_context
def cli(context: click.Context) -> None:
    """A CloudFormation-native clock for AWS Lambda: a CloudWatch alarm flip-flopping on a
    metric invokes your function every period, with no scheduler at all."""
    if context.invoked_subcommand is None:
        click.echo(context.get_help())
