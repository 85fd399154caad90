"""`alarmclock probe`: settle, in the user's account and region, what the timing model assumes.

The experiment is alarmclock.probe.experiment's; this module prints its cost first, runs it against
AWS (or the emulator, with --emulate), always deletes what it made, and prints the findings.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from alarmclock.cli.aws_session import Connection, aws_connection
from alarmclock.cli.aws_view import Failure
from alarmclock.cli.group import cli
from alarmclock.cli.output import emit, output_option
from alarmclock.exit_status import ExitStatus

HOURS_PER_MONTH = Decimal(730)


def probe_cost() -> Decimal:
    """An upper bound of what one probe costs at list prices: every alarm and metric for a whole hour
    (CloudWatch prorates both by the hour), and every API request it makes, twice over."""
    from alarmclock.prices import PRICES
    from alarmclock.probe.experiment import CYCLES, FLIP_CYCLES, ROLES

    alarms = len(ROLES)
    hour = Decimal(1) / HOURS_PER_MONTH
    requests = 2 * (len(ROLES) * len(CYCLES) * 4 + sum(FLIP_CYCLES.values()) + 10)
    return (
        alarms * hour * PRICES["alarm_standard"].unit_price
        + alarms * hour * PRICES["alarm_high_resolution"].unit_price
        + alarms * len(CYCLES) * hour * PRICES["custom_metric"].unit_price
        + requests * PRICES["cloudwatch_api"].unit_price
    )


@cli.command()
@click.option(
    "--emulate",
    "emulate",
    metavar="PARAM=VALUE[,...]",
    help="Run the same experiment against the emulator in virtual time, in the world these timing-model "
    "parameters describe (e.g. future_visible_from=never), instead of AWS.",
)
@click.option("-o", "model_file", metavar="MODEL.json", help="Write what it found as a model `simulate --model` reads.")
@click.option("--yes", is_flag=True, help="Do not ask before creating the probe's alarms on AWS.")
@output_option
@aws_connection
def probe(emulate: str | None, model_file: str | None, yes: bool, output: str, connection: Connection) -> int:
    """Find out, in this account and region, what CloudWatch does that AWS does not document.

    For about 13 minutes (at most 15), six alarms with no actions and a few metric points answer:
    does a point stamped ahead count (from its put, its stamp, late, or never)? how soon does a
    point stamped now count? at which second, with what jitter, are alarms evaluated? where does a
    sliding window end? It then says which designs work here. Everything it creates is named
    alarmclock-probe-* and deleted at the end, on Ctrl-C and on error; a rerun deletes what an
    interrupted run left. It costs under $0.05 (printed first).
    """
    from alarmclock.probe.findings import judge

    if model_file and not Path(model_file).parent.is_dir():
        # Refused now, not after twelve minutes of probing.
        raise click.UsageError(f"-o {model_file!r}: no such directory {str(Path(model_file).parent)!r}")
    if emulate is not None:
        observed = run_emulation(emulate)
        place = "the emulator (" + emulate + ")"
    else:
        observed, place = run_on_aws(connection, yes, output)
    findings = judge(observed)
    if model_file:
        try:
            Path(model_file).write_text(json.dumps(findings.model(place), indent=2) + "\n")
        except OSError as error:
            raise click.UsageError(f"-o {model_file!r}: {error.strerror or error}") from None
    emit(findings.as_json(), output, text=lambda: print_findings(findings, place, model_file))
    return ExitStatus.OK


def run_emulation(pairs: str) -> Any:
    from alarmclock.cli.simulate_cmd import parse_parameters
    from alarmclock.probe.emulated import run_emulated
    from alarmclock.timing_model import TimingModel

    try:
        values = parse_parameters(emulate_pairs(pairs))
    except click.UsageError as error:
        raise click.UsageError(error.message.replace("--param ", "--emulate ", 1)) from None
    return run_emulated(TimingModel().at(**values))


def emulate_pairs(text: str) -> tuple[str, ...]:
    """'a=1,b=2,3' -> ('a=1', 'b=2,3'): a span's comma stays with its parameter."""
    pairs: list[str] = []
    for part in text.split(","):
        if "=" in part or not pairs:
            pairs.append(part)
        else:
            pairs[-1] += "," + part
    return tuple(pairs)


def run_on_aws(connection: Connection, yes: bool, output: str) -> tuple[Any, str]:
    from alarmclock.probe import memory
    from alarmclock.probe.experiment import MAX_MINUTES, PREFIX, Experiment

    with connection.open(output) as session:
        aws, poll_s = session.aws, session.poll_s
        cloudwatch = aws.client("cloudwatch")
        place = aws.region
        account = account_of(aws)
        say = progress(output)
        say(
            f"alarmclock probe: {place}, at most {MAX_MINUTES} minutes; six alarms and a few metric points "
            f"named {PREFIX}*, deleted at the end; at most ${probe_cost():.3f} at list prices"
        )
        if not yes and sys.stdin.isatty() and not click.confirm("Start?", default=True, err=True):
            raise Failure("nothing was created", ExitStatus.OK)
        # poll_s is the tests' way to let time pass quickly; on AWS the clock is the real one.
        experiment = Experiment(cloudwatch, time.time, lambda s: time.sleep(min(s, poll_s)), say)
        try:
            observed = experiment.perform()
        except KeyboardInterrupt:
            deleted = experiment.cleanup()
            raise Failure(f"interrupted; deleted the probe's {len(deleted)} alarms", ExitStatus.INTERRUPTED) from None
        finally:
            if not experiment.cleaned:
                experiment.cleanup()
        from alarmclock.probe.findings import judge

        memory.remember(account, place, {"future_visible_from": judge(observed).world, "at": int(time.time())})
        return observed, place


def account_of(aws: Any) -> str:
    try:
        return str(aws.client("sts").get_caller_identity()["Account"])
    except Exception:  # the account only names the memory's entry
        return "unknown"


def progress(output: str) -> Any:
    last = [0.0]

    def say(text: str) -> None:
        # A line at most every 30 s while waiting, on stderr, so --json's stdout stays one object.
        if text.startswith("waiting") and time.monotonic() - last[0] < 30:
            return
        last[0] = time.monotonic()
        click.echo(text, err=True)

    return say


def print_findings(findings: Any, place: str, model_file: str | None) -> None:
    from alarmclock.probe.findings import evidence

    click.echo(f"alarmclock probe in {place}")
    click.echo("")
    for answer in findings.answers:
        click.echo(f"  {answer.question}: {answer.answer}")
        for item in answer.evidence[:2]:
            shown = evidence(item)
            click.echo(f"      evidence: {shown['alarm']} {shown['timestamp']} {shown['summary']}")
    click.echo("")
    also = "".join(f" (or {world}: the evidence fits it as well)" for world in findings.could_also_be)
    click.echo(f"  world (future_visible_from): {findings.world}{also}")
    works = [name for name, ok in findings.designs.items() if ok]
    fails = [name for name, ok in findings.designs.items() if not ok]
    click.echo(f"  designs that work here: {', '.join(works) or 'none'}")
    if fails:
        click.echo(f"  designs that do not: {', '.join(fails)}")
    if findings.world in ("late", "never"):
        click.echo("  The default wave clock notices this and switches itself to --publish now;")
        click.echo("  deploy with --publish now to start there.")
    elif findings.designs.get("wave"):
        click.echo("  A wave clock that switched itself here can go back: alarmclock restart NAME --design wave")
    if model_file:
        click.echo(f"  model written to {model_file} (alarmclock simulate --model {model_file})")
