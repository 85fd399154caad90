"""`alarmclock template`: print a clock's CloudFormation template."""

from __future__ import annotations

import os
from typing import Any

import click

from alarmclock.aws.functions import is_function_name
from alarmclock.cli.group import cli
from alarmclock.cli.options import spec_of, template_clock_options
from alarmclock.cli.output import refuse_a_format_as_file
from alarmclock.limits import MAX_INLINE_TEMPLATE_BYTES, MAX_S3_TEMPLATE_BYTES, LimitError, check_template_body
from alarmclock.spec import ClockOptions
from alarmclock.target_access import cross_account_warnings


@cli.command()
@template_clock_options
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
@click.option(
    "--s3",
    is_flag=True,
    help="The template will be deployed from S3 (aws cloudformation deploy --s3-bucket), which takes up to 1 MB; "
    "without it a template over CloudFormation's 51,200 bytes inline is refused.",
)
def template(clock: ClockOptions, fmt: str, output: str | None, s3: bool) -> None:
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
    for target in clock.targets:
        if is_function_name(target):
            # Only Lambda can say which account's function that is, and template makes no AWS call.
            raise click.UsageError(
                f"--target {target!r} is a function's name, not an ARN, and template makes no AWS call to look it up: "
                f"give its ARN (an ARN looks like arn:aws:lambda:us-east-1:123456789012:function:{target}; "
                "'alarmclock deploy' looks names up)"
            )
    spec = spec_of(clock)
    for warning in cross_account_warnings(spec.targets, None):
        click.echo(warning, err=True)
    template = build_template(spec)
    text = render(template, fmt)  # type: ignore[arg-type]  # click.Choice checked it
    try:
        check_template_body(text, fmt.upper(), MAX_S3_TEMPLATE_BYTES if s3 else MAX_INLINE_TEMPLATE_BYTES)
    except LimitError as error:
        raise click.UsageError(f"{error}; {smaller_ways(template, fmt, s3)}") from None
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as error:
            raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
        click.echo(f"wrote {output} ({len(text.encode())} bytes)", err=True)
    else:
        click.echo(text, nl=False)


def smaller_ways(template: dict[str, Any], fmt: str, s3: bool) -> str:
    """What takes a template that is too big: the other forms that fit, measured, and S3."""
    from alarmclock.render import deploy_body, render

    if s3:
        return "give fewer or shorter targets, or a smaller payload"
    sizes = {f"--format {other}": len(render(template, other).encode()) for other in ("yaml", "json") if other != fmt}
    sizes["alarmclock deploy"] = len(deploy_body(template).encode())
    fits = [
        f"{way} ({size:,} bytes{', compact JSON' if way == 'alarmclock deploy' else ''})"
        for way, size in sizes.items()
        if size <= MAX_INLINE_TEMPLATE_BYTES
    ]
    ways = [
        *fits,
        "--s3 for a template deployed with aws cloudformation deploy --s3-bucket (or alarmclock deploy --s3-bucket)",
    ]
    return "use " + ", or ".join(ways) + "; or give fewer or shorter targets, or a smaller payload"
