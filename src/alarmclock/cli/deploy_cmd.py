"""`alarmclock deploy`: create or update a clock on AWS through a change set.

The options are read into ClockSpec's fields once (spec.ClockOptions, spec.read_options), before any
AWS call; a new clock is a ClockSpec of them, an update is the deployed clock with them replaced
(aws/plan.py's `clock_to_deploy`), and ClockSpec checks either: `--every` goes through this module,
spec.py and aws/plan.py on its way to the template (tests/project/test_one_way_through.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from alarmclock.cli.aws_session import Connection, Session, aws_connection, clock_name, tick_timeout_option
from alarmclock.cli.aws_view import Failure, one_line_errors
from alarmclock.cli.group import cli
from alarmclock.cli.options import deploy_clock_options
from alarmclock.cli.output import output_option
from alarmclock.exit_status import ExitStatus
from alarmclock.spec import ClockOptions, ClockSpec, Target, parse_target, read_options
from alarmclock.target_access import cross_account_warnings

if TYPE_CHECKING:
    from alarmclock.aws.session import Aws

# IAM role ARNs: a path of /-separated parts, then the role's name (IAM User Guide, "IAM identifiers").
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}")
# CloudFormation's stack tags: a key of 1-128 characters, a value of up to 256, and at most 50;
# keys starting with "aws:" are AWS's own (CloudFormation API Reference, "Tag").
MAX_TAGS = 50


def parse_tags(pairs: tuple[str, ...]) -> dict[str, str]:
    from alarmclock.aws.models import VERSION_TAG

    tags: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not 1 <= len(key) <= 128 or len(value) > 256:
            raise click.UsageError(f"--tags {pair!r}: use KEY=VALUE (a key of 1-128 characters, a value of up to 256)")
        if key.lower().startswith("aws:") or key == VERSION_TAG:
            raise click.UsageError(f"--tags {pair!r}: the key {key!r} is reserved")
        tags[key] = value
    if len(tags) > MAX_TAGS - 1:  # alarmclock adds its version tag
        raise click.UsageError(
            f"--tags: at most {MAX_TAGS - 1} tags (CloudFormation takes {MAX_TAGS}, one is alarmclock's)"
        )
    return tags


def check_role_arn(role_arn: str | None) -> None:
    if role_arn is not None and not ROLE_ARN.fullmatch(role_arn):
        raise click.UsageError(
            f"--role-arn {role_arn!r} is not an IAM role ARN; it looks like arn:aws:iam::123456789012:role/NAME"
        )


def check_bucket_name(bucket: str | None) -> None:
    from alarmclock.aws.template_bucket import BUCKET_NAME

    if bucket is not None and not re.fullmatch(BUCKET_NAME, bucket):
        raise click.UsageError(
            f"--s3-bucket {bucket!r} is not a bucket name: 3-63 lowercase letters, digits, dots and hyphens "
            "(the name alone, not s3:// or an ARN)"
        )


def read_given(clock: ClockOptions) -> tuple[dict[str, Any], dict[str, Target]]:
    """The options given, read into ClockSpec's fields before any AWS call, and the targets given
    as ARNs (a bare function name waits for Lambda to name its ARN). A period is checked here with the
    window and way of publishing given with it, by a ClockSpec of them alone: it needs no credentials
    to be wrong. (The clock deploy sends is another ClockSpec, which checks them with the rest.)"""
    given = clock.text(only_given=True)
    arns = {t: parse_target(t) for t in given.pop("targets", ()) if t.strip().startswith("arn:")}
    fields = read_options(given)
    if "period_s" in fields:
        ClockSpec(**{key: fields[key] for key in ("period_s", "period_text", "window", "publish") if key in fields})
    return fields, arns


def resolve_targets(session: Session, targets: tuple[str, ...], arns: dict[str, Target]) -> tuple[Target, ...]:
    """--target NAME: a bare function name becomes its function's ARN in the region (GetFunction)."""
    from alarmclock.aws.functions import Functions, NoSuchFunction, is_function_name

    resolved = []
    for target in targets:
        if target in arns:
            resolved.append(arns[target])
            continue
        if not is_function_name(target):
            resolved.append(parse_target(target))
            continue
        try:
            arn = Functions(session.aws).arn_of(target)
        except NoSuchFunction as error:
            raise Failure(
                f"--target {target!r}: no Lambda function by that name in {session.aws.region} ({error.why}); "
                "give the name of a function in this region, or an ARN",
                ExitStatus.USAGE,
            ) from None
        session.progress.say(f"target {target}: {arn}")
        resolved.append(parse_target(arn))
    return tuple(resolved)


@cli.command()
@click.argument("name")
@deploy_clock_options
@click.option("-y", "--yes", is_flag=True, help="Do not ask before replacing or removing resources.")
@click.option("--no-wait", is_flag=True, help="Return when the stack is done; do not wait for the first tick.")
@click.option(
    "--no-execute",
    is_flag=True,
    help="Create the change set and show it, but do not execute it (as aws cloudformation deploy "
    "--no-execute-changeset).",
)
@click.option(
    "--tags",
    "tags",
    multiple=True,
    metavar="KEY=VALUE",
    help="A tag for the stack, which CloudFormation passes on to its resources (repeatable). An update "
    "keeps the stack's tags and adds or changes these.",
)
@click.option(
    "--role-arn",
    metavar="ARN",
    help="An IAM role CloudFormation assumes to create the stack (its service role), instead of your credentials.",
)
@click.option(
    "--s3-bucket",
    metavar="BUCKET",
    help="Upload the template to this bucket (yours, in the clock's region) and deploy it from there, as "
    "aws cloudformation deploy --s3-bucket does: CloudFormation takes up to 1 MB from S3 and 51,200 bytes "
    "inline, which the largest clocks pass. The object is removed once the change set is made.",
)
@tick_timeout_option
@output_option
@aws_connection
def deploy(
    name: str,
    clock: ClockOptions,
    yes: bool,
    no_wait: bool,
    no_execute: bool,
    tags: tuple[str, ...],
    role_arn: str | None,
    s3_bucket: str | None,
    tick_timeout: float | None,
    output: str,
    connection: Connection,
) -> int:
    """Create or update the clock NAME (a CloudFormation stack) and wait for its first tick.

    A new clock needs at least one --target. Updating a clock changes only what you pass
    (e.g. `deploy NAME --every 5m`): its period, alarms, window, publishing, via, targets and
    payload stay as deployed unless given (a new period gets its default window, and its default
    publishing if the old one cannot hold it); a paused clock stays paused. Changes go through a
    change set, shown before it runs.
    """
    from alarmclock.aws.plan import change_set_name, clock_to_deploy, plan_deploy

    name = clock_name(name)
    stack_tags = parse_tags(tags)
    check_role_arn(role_arn)
    check_bucket_name(s3_bucket)
    with one_line_errors():
        fields, arns = read_given(clock)
    with connection.open(output) as session:
        if "targets" in clock.given:
            fields["targets"] = resolve_targets(session, clock.targets, arns)
        current = session.stacks.deployed(name, read_function=True)
        spec = clock_to_deploy(name, fields, current.metadata if current else None)
        account = caller_account(session.aws)
        warn_if_unverified(session.aws, spec.publish, spec.window, account)
        for warning in cross_account_warnings(spec.targets, None if account == "unknown" else account):
            click.echo(warning, err=True)
        plan = plan_deploy(
            name,
            spec,
            current,
            change_set_name=change_set_name(datetime.now(UTC)),
            yes=yes,
            wait=not no_wait,
            tick_timeout_s=tick_timeout,
            tags=stack_tags,
            role_arn=role_arn,
            execute=not no_execute,
            s3_bucket=s3_bucket,
        )
        return session.execute(plan)


def caller_account(aws: Aws) -> str:
    """The account deploy works in, or "unknown": the notes that need it are advice, never a reason to stop."""
    try:
        return str(aws.client("sts").get_caller_identity()["Account"])
    except Exception:  # an account we cannot name gets the once-only note every time
        return "unknown"


def warn_if_unverified(aws: Aws, publish: str, window: str, account: str | None = None) -> None:
    """Say once per account and region, on stderr, that a clock stamping ahead rests on an undocumented
    behaviour, and how to check it (alarmclock probe); never stops the deploy. `account` None: ask."""
    from alarmclock.probe import memory

    if not memory.stamps_ahead(publish, window):
        return
    if memory.first_unverified_deploy(account or caller_account(aws), aws.region):
        click.echo(memory.UNVERIFIED.format(region=aws.region), err=True)
