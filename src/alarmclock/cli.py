"""The `alarmclock` command: parse, call the library, render, return an exit status.

Heavy imports (boto3, the emulator) wait until a command needs them, so `--help` is quick.
Every user error ends as one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from alarmclock import __version__
from alarmclock.spec import PERIOD_HELP, VIAS, SpecError, build_spec

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def usage_error(error: SpecError) -> click.UsageError:
    return click.UsageError(str(error))


every_option = click.option(
    "--every", default="1m", show_default=True, metavar="PERIOD", help=f"How often the clock ticks: {PERIOD_HELP}."
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="alarmclock")
def cli() -> None:
    """A CloudFormation-native clock for AWS Lambda: two CloudWatch alarms flip-flopping on a
    metric invoke your function every period, with no scheduler at all."""


@cli.command()
@every_option
@via_option
@target_option
@payload_option
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
def template(every: str, via: str, targets: tuple[str, ...], payload: str | None, fmt: str, output: str | None) -> None:
    """Print the CloudFormation template of a clock.

    Deploy it with `aws cloudformation deploy --template-file clock.yaml --stack-name NAME
    --capabilities CAPABILITY_IAM`; no alarmclock is needed on the deploying machine.
    """
    from alarmclock.render import render
    from alarmclock.template import build_template

    try:
        spec = build_spec(every=every, via=via, targets=targets, payload=payload)
    except SpecError as error:
        raise usage_error(error) from None
    text = render(build_template(spec), fmt)  # type: ignore[arg-type]  # click.Choice checked it
    if output:
        try:
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as error:
            raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
        click.echo(f"wrote {output} ({len(text.encode())} bytes)", err=True)
    else:
        click.echo(text, nl=False)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit status (tests call this directly)."""
    try:
        result: Any = cli.main(args=argv, prog_name="alarmclock", standalone_mode=False)
    except click.UsageError as error:
        hint = (
            f" (see 'alarmclock {error.ctx.command_path.split(' ', 1)[1]} --help')"
            if error.ctx and " " in error.ctx.command_path
            else " (see 'alarmclock --help')"
        )
        click.echo(f"alarmclock: error: {error.format_message()}{hint}", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        click.echo(f"alarmclock: error: {error.format_message()}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("alarmclock: interrupted", err=True)
        return 130
    except click.exceptions.Exit as error:
        return int(error.exit_code)
    return int(result) if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
