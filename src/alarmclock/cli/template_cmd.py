"""`alarmclock template`: print a clock's CloudFormation template."""

from __future__ import annotations

import os

import click

from alarmclock.aws.functions import is_function_name
from alarmclock.cli import cli
from alarmclock.cli.options import (
    alarms_option,
    every_option,
    payload_option,
    publish_option,
    target_option,
    usage_error,
    via_option,
    window_option,
)
from alarmclock.cli.output import refuse_a_format_as_file
from alarmclock.spec import SpecError, build_spec


@cli.command()
@every_option
@alarms_option
@window_option
@publish_option
@via_option
@target_option
@payload_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="The template's format: YAML, as CloudFormation's docs write it, or JSON.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write here instead of stdout ('-' is stdout).",
)
def template(
    every: str,
    alarms: str,
    window: str | None,
    publish: str | None,
    via: str,
    targets: tuple[str, ...],
    payload: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Print the CloudFormation template of a clock.

    Deploy it with `aws cloudformation deploy --template-file clock.yaml --stack-name NAME
    --capabilities CAPABILITY_IAM`; no alarmclock is needed on the deploying machine.
    """
    from alarmclock.render import render
    from alarmclock.template import build_template

    refuse_a_format_as_file(output, "template", "--format yaml|json is the template's format")
    if output and output != "-" and not os.path.isdir(os.path.dirname(output) or "."):
        # Bad input, as a directory given for the file is (click's check): status 2, before any work.
        raise click.UsageError(f"-o {output!r}: there is no directory {os.path.dirname(output)!r} to write it in")
    for target in targets:
        if is_function_name(target):
            # Only Lambda can say which account's function that is, and template makes no AWS call.
            raise click.UsageError(
                f"--target {target!r} is a function's name, not an ARN, and template makes no AWS call to look it up: "
                f"give its ARN (an ARN looks like arn:aws:lambda:us-east-1:123456789012:function:{target}; "
                "'alarmclock deploy' looks names up)"
            )
    try:
        spec = build_spec(
            every=every, via=via, targets=targets, payload=payload, alarms=alarms, window=window, publish=publish
        )
    except SpecError as error:
        raise usage_error(error) from None
    text = render(build_template(spec), fmt)  # type: ignore[arg-type]  # click.Choice checked it
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as error:
            raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
        click.echo(f"wrote {output} ({len(text.encode())} bytes)", err=True)
    else:
        click.echo(text, nl=False)
