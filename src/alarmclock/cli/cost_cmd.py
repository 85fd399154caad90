"""`alarmclock cost`: what a clock costs a month at list price, and what the alternatives cost."""

from __future__ import annotations

import click

from alarmclock.cli.group import cli
from alarmclock.cli.options import alarms_option, every_option, publish_option, usage_error, via_option
from alarmclock.cli.output import emit, output_option
from alarmclock.spec import SpecError, build_spec


@cli.command()
@every_option
@alarms_option
@publish_option
@via_option
@click.option(
    "--memory",
    "memory_mb",
    type=click.IntRange(128, 10_240),
    default=128,
    show_default=True,
    metavar="MB",
    help="Memory of the functions priced (the template's tick function has 128 MB).",
)
@click.option(
    "--duration-ms",
    type=click.IntRange(1, 900_000),
    default=100,
    show_default=True,
    metavar="MS",
    help="Billed time of one tick's work (publish the next Tick, call the targets); "
    "the alternatives' functions get the same.",
)
@click.option("--compare", is_flag=True, help="Add the alternatives for the same beat, with what each assumes.")
@output_option
def cost(
    every: str,
    alarms: str,
    publish: str | None,
    via: str,
    memory_mb: int,
    duration_ms: int,
    compare: bool,
    output: str,
) -> None:
    """Print a clock's monthly cost, item by item, at list price with and without the free tier.

    A 30-day month at the clock's nominal period, us-east-1 list prices from a dated table
    (docs/cost.md cites each one). Sub-minute clocks pay for high-resolution alarms.
    """
    from alarmclock.cost import Usage, estimate
    from alarmclock.cost_report import render_json, render_text

    try:
        spec = build_spec(every=every, via=via, alarms=alarms, publish=publish)  # refuses what no clock holds
    except SpecError as error:
        raise usage_error(error) from None
    usage = Usage(memory_mb=memory_mb, duration_ms=duration_ms)
    result = estimate(spec.period_s, spec.via, usage, compare=compare, alarms=spec.alarms, publish=spec.publish)
    emit(render_json(result), output, text=lambda: click.echo(render_text(result), nl=False))
