"""`alarmclock deploy | status | pause | resume | list | destroy`: clocks on AWS (`restart`: restart_cmd).

Each command parses, builds a plan or gathers a report through `alarmclock.aws`, prints,
and returns an exit status. boto3 is imported inside the commands, so `--help` stays quick.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from alarmclock.aws import DEFAULT_SETTLE_S
from alarmclock.cli import cli
from alarmclock.cli.aws_view import (
    ConsoleProgress,
    Failure,
    confirm_or_refuse,
    one_line_errors,
    show_list,
    show_status,
)
from alarmclock.cli.options import (
    Duration,
    deploy_alarms_option,
    deploy_every_option,
    deploy_failure_alarm_option,
    deploy_target_key_option,
    deploy_target_option,
    deploy_via_option,
    payload_option,
    publish_option,
    window_option,
)
from alarmclock.cli.output import emit, output_option
from alarmclock.durations import format_duration
from alarmclock.exit_status import ExitStatus
from alarmclock.spec import (
    build_spec,
    check_clock_name,
    check_publish,
    check_window,
    default_window,
    parse_payload,
    parse_period,
    parse_target,
    parse_target_key,
)
from alarmclock.target_access import cross_account_warnings

if TYPE_CHECKING:
    from alarmclock.aws.execute import Runner
    from alarmclock.aws.session import Aws
    from alarmclock.aws.steps import Plan

F = TypeVar("F", bound=Callable[..., Any])


def aws_options(command: F) -> F:
    """--region, --profile, --endpoint-url; unset, the usual chain decides (AWS_REGION or
    AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, config files, SSO, instance roles)."""
    command = click.option(
        "--poll-interval",
        type=click.FloatRange(min=0.0),
        default=5.0,
        hidden=True,
        help="Seconds between polls while waiting (tests use a tiny one).",
    )(command)
    command = click.option(
        "--endpoint-url", metavar="URL", help="Send every AWS call here (LocalStack, moto); default: AWS."
    )(command)
    command = click.option("--profile", metavar="NAME", help="AWS profile from your config (default: AWS_PROFILE).")(
        command
    )
    command = click.option(
        "--region",
        metavar="REGION",
        help="AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION, then your profile's).",
    )(command)
    return command


tick_timeout_option = click.option(
    "--tick-timeout",
    type=Duration(refuse_zero="not to wait for a tick, use --no-wait"),
    metavar="DURATION",
    help="How long to wait for the first tick, more than 0 (default: two periods plus 2 minutes; a wave clock's: "
    "2 minutes when new, a period plus 2 minutes otherwise; --no-wait: do not wait).",
)


def connect(region: str | None, profile: str | None, endpoint_url: str | None) -> Aws:
    from alarmclock.aws.session import Aws, AwsOptions

    return Aws(AwsOptions(region=region, profile=profile, endpoint_url=endpoint_url))


def runner(aws: Aws, poll_interval: float, output: str = "text") -> Runner:
    from alarmclock.aws.execute import Runner

    return Runner(aws, ConsoleProgress(output), poll_s=poll_interval)


def execute(aws: Aws, plan: Plan, output: str, poll_interval: float) -> int:
    """Run the plan and end as `output` asks: text, the outcome's line (on stderr if it failed);
    json and table, the run's record on stdout whatever the outcome, and a failure's line on stderr."""
    run = runner(aws, poll_interval, output)
    outcome = run.run(plan)
    if output != "text":
        emit(run.record(plan, outcome), output, text=lambda: None)
    if not outcome.ok:
        raise Failure(outcome.message, outcome.exit_code)
    if output == "text":
        click.echo(outcome.message)
    return ExitStatus.OK


def resolve_targets(aws: Aws, targets: tuple[str, ...], output: str) -> tuple[str, ...]:
    """--target NAME: a bare function name becomes its function's ARN in the region (GetFunction)."""
    from alarmclock.aws.functions import Functions, NoSuchFunction, is_function_name

    resolved = []
    for target in targets:
        if not is_function_name(target):
            resolved.append(target)
            continue
        try:
            arn = Functions(aws).arn_of(target)
        except NoSuchFunction as error:
            raise Failure(
                f"--target {target!r}: no Lambda function by that name in {aws.region} ({error.why}); "
                "give the name of a function in this region, or an ARN",
                ExitStatus.USAGE,
            ) from None
        ConsoleProgress(output).say(f"target {target}: {arn}")
        resolved.append(arn)
    return tuple(resolved)


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


def clock_name(name: str) -> str:
    from alarmclock.spec import SpecError

    try:
        return check_clock_name(name)
    except SpecError as error:
        raise click.UsageError(str(error)) from None


@cli.command()
@click.argument("name")
@deploy_every_option
@deploy_alarms_option
@window_option
@publish_option
@deploy_via_option
@deploy_target_option
@deploy_target_key_option
@deploy_failure_alarm_option
@payload_option
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
@tick_timeout_option
@output_option
@aws_options
def deploy(
    name: str,
    every: str | None,
    alarms: str | None,
    window: str | None,
    publish: str | None,
    via: str | None,
    targets: tuple[str, ...],
    target_keys: tuple[str, ...],
    failure_alarm: bool | None,
    payload: str | None,
    yes: bool,
    no_wait: bool,
    no_execute: bool,
    tags: tuple[str, ...],
    role_arn: str | None,
    tick_timeout: float | None,
    output: str,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    poll_interval: float,
) -> int:
    """Create or update the clock NAME (a CloudFormation stack) and wait for its first tick.

    A new clock needs at least one --target. Updating a clock changes only what you pass
    (e.g. `deploy NAME --every 5m`): its period, alarms, window, publishing, via, targets and
    payload stay as deployed unless given (a new period gets its default window, and its default
    publishing if the old one cannot hold it); a paused clock stays paused. Changes go through a
    change set, shown before it runs.
    """
    from alarmclock.aws.plan import change_set_name, deploy_settings, plan_deploy
    from alarmclock.aws.stacks import Stacks

    name = clock_name(name)
    stack_tags = parse_tags(tags)
    if role_arn is not None and not ROLE_ARN.fullmatch(role_arn):
        raise click.UsageError(
            f"--role-arn {role_arn!r} is not an IAM role ARN; it looks like arn:aws:iam::123456789012:role/NAME"
        )
    # None: not given, so a new clock gets the default and an update keeps what the clock has.
    passed = {"every": every, "via": via, "alarms": alarms}
    given = frozenset(key for key, value in passed.items() if value is not None)
    every, via, alarms = every or "1m", via or "lambda", alarms or "1"
    with one_line_errors():
        if "every" in given:
            # A period no window can hold (or --window that cannot hold it) is refused before
            # any AWS call: it needs no credentials to be wrong.
            period = parse_period(every)
            check_window(period, window or default_window(period), shown=every)
            if publish is not None:
                check_publish(period, publish, shown=every)
        # So are a payload that is not JSON and an ARN that names no target (a bare name is looked up).
        parse_payload(payload)
        for target in targets:
            if target.strip().startswith("arn:"):
                parse_target(target)
        for key in target_keys:
            parse_target_key(key)
        aws = connect(region, profile, endpoint_url)
        targets = resolve_targets(aws, targets, output)
        current = Stacks(aws).deployed(name)
        deployed = current.metadata if current else None
        settings = deploy_settings(
            every, via, targets, payload, given, deployed, alarms, window, publish, target_keys, failure_alarm
        )
        spec = build_spec(**settings, name=name)  # the environment is measured with the clock's name
        account = caller_account(aws)
        warn_if_unverified(aws, spec.publish, spec.window, account)
        for warning in cross_account_warnings(spec.targets, None if account == "unknown" else account):
            click.echo(warning, err=True)
        change_set = change_set_name(datetime.now(UTC))
        plan = plan_deploy(
            name,
            spec,
            current,
            change_set_name=change_set,
            yes=yes,
            wait=not no_wait,
            tick_timeout_s=tick_timeout,
            tags=stack_tags,
            role_arn=role_arn,
            execute=not no_execute,
        )
        return execute(aws, plan, output, poll_interval)


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


@cli.command()
@click.argument("name")
@output_option
@aws_options
def status(
    name: str, output: str, region: str | None, profile: str | None, endpoint_url: str | None, poll_interval: float
) -> int:
    """Show whether the clock NAME is ticking, paused, stalled or broken, and why.

    Exit status 0 if it is ticking, starting, paused or changing; 1 if stalled or broken.
    """
    from alarmclock.aws.stacks import Stacks
    from alarmclock.aws.status import find_clock, gather

    name = clock_name(name)
    with one_line_errors():
        aws = connect(region, profile, endpoint_url)
        report = gather(aws, find_clock(Stacks(aws), name, aws.region), datetime.now(UTC))
    emit(report.to_json(), output, text=lambda: show_status(report))
    return ExitStatus.OK if report.verdict.healthy else ExitStatus.FAILED


def set_paused(
    name: str,
    paused: bool,
    wait: bool,
    tick_timeout: float | None,
    output: str,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    poll: float,
) -> int:
    from alarmclock.aws.plan import plan_set_paused
    from alarmclock.aws.stacks import Stacks
    from alarmclock.aws.status import find_clock

    name = clock_name(name)
    with one_line_errors():
        aws = connect(region, profile, endpoint_url)
        current = find_clock(Stacks(aws), name, aws.region)
        plan = plan_set_paused(current, paused, wait=wait, tick_timeout_s=tick_timeout)
        return execute(aws, plan, output, poll)


@cli.command()
@click.argument("name")
@output_option
@aws_options
def pause(
    name: str, output: str, region: str | None, profile: str | None, endpoint_url: str | None, poll_interval: float
) -> int:
    """Stop the clock NAME ticking; its stack, alarms and function stay (and stay paused across deploys)."""
    return set_paused(name, True, False, None, output, region, profile, endpoint_url, poll_interval)


@cli.command()
@click.argument("name")
@click.option("--no-wait", is_flag=True, help="Return when the stack is updated; do not wait for a tick.")
@tick_timeout_option
@output_option
@aws_options
def resume(
    name: str,
    no_wait: bool,
    tick_timeout: float | None,
    output: str,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    poll_interval: float,
) -> int:
    """Restart a paused clock NAME and wait for its next tick ('alarmclock restart' kicks a running one)."""
    return set_paused(name, False, not no_wait, tick_timeout, output, region, profile, endpoint_url, poll_interval)


@cli.command(name="list")
@output_option
@aws_options
def list_clocks(
    output: str, region: str | None, profile: str | None, endpoint_url: str | None, poll_interval: float
) -> int:
    """List the clocks in this account and region, each with its verdict (as `status` judges it)."""
    from alarmclock.aws.fleet import list_clocks as read_fleet

    with one_line_errors():
        aws = connect(region, profile, endpoint_url)
        # In batches and a few at a time (aws/fleet.py): about one call per clock, not four in series.
        statuses = read_fleet(aws, datetime.now(UTC))
        found = [(status.stack, status.metadata) for status in statuses]
        verdicts = [status.verdict for status in statuses]
        where = aws.region
    rows = [
        (stack, metadata.period_s if metadata else None, verdict.kind)
        for (stack, metadata), verdict in zip(found, verdicts, strict=True)
    ]
    clocks = [
        {
            "clock": s.name,
            "period_s": m.period_s if m else None,
            "publish": m.publishing if m else None,
            "verdict": v.kind,
            "reason": v.reason,
            "paused": s.paused,
            "stack_status": s.status,
            "stack_id": s.stack_id,
        }
        for (s, m), v in zip(found, verdicts, strict=True)
    ]
    emit({"region": where, "clocks": clocks}, output, text=lambda: show_list(rows, where))
    return ExitStatus.OK


@cli.command()
@click.argument("names", metavar="NAME...", nargs=-1)
@click.option(
    "--all-matching",
    "prefix",
    metavar="PREFIX",
    help="Every clock in the region whose name starts with PREFIX (listed in the question first).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--settle",
    type=Duration(),
    default=format_duration(DEFAULT_SETTLE_S),
    show_default=True,
    metavar="DURATION",
    help="After the delete, watch this long that no Tick data still arrives (0: do not watch); several "
    "clocks are deleted side by side and watched together, for one --settle.",
)
@output_option
@aws_options
def destroy(
    names: tuple[str, ...],
    prefix: str | None,
    yes: bool,
    settle: float,
    output: str,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    poll_interval: float,
) -> int:
    """Delete the clock NAME's stack (or several clocks' stacks), wait, and check that nothing of
    the clock is left."""
    from alarmclock.aws.execute import destroy_together
    from alarmclock.aws.plan import plan_destroy
    from alarmclock.aws.stacks import Stacks
    from alarmclock.aws.status import find_clock

    if bool(names) == (prefix is not None):
        raise click.UsageError("give the clocks' names, or --all-matching PREFIX (not both)")
    names = tuple(dict.fromkeys(clock_name(name) for name in names))
    with one_line_errors():
        aws = connect(region, profile, endpoint_url)
        stacks = Stacks(aws)
        if prefix is None:
            currents = [find_clock(stacks, name, aws.region) for name in names]
        else:
            found = [stacks.deployed_from(s) for s in stacks.list_clocks() if s.name.startswith(prefix)]
            for other in (d for d in found if not d.is_clock):
                ConsoleProgress(output).say(f"leaving {other.stack.name} alone: it has no alarmclock metadata")
            currents = [d for d in found if d.is_clock]
            if not currents:
                raise Failure(f"no clock in {aws.region} has a name starting with {prefix!r}", ExitStatus.FAILED)
            names = tuple(d.stack.name for d in currents)
        # Every clock is found and checked before anything is deleted: one that is not a clock
        # (or busy) stops them all.
        plans = []
        for current in currents:
            function = stacks.function_name(current.stack.stack_id)
            plans.append(plan_destroy(current, function_name=function, settle_s=settle))
        what = (
            f"clock {names[0]} in {aws.region} (its stack, alarms and function)"
            if len(names) == 1
            else f"{len(names)} clocks in {aws.region} ({', '.join(names)}: their stacks, alarms and functions)"
        )
        confirm_or_refuse(f"destroy {what}?", yes, output=output)
        if len(plans) == 1:
            return execute(aws, plans[0], output, poll_interval)
        ended = destroy_together(aws, ConsoleProgress(output), plans, poll_s=poll_interval)
    failed = [outcome for _, outcome in ended if not outcome.ok]
    if output != "text":
        records = [run.record(plan, outcome) for (run, outcome), plan in zip(ended, plans, strict=True)]
        emit({"region": aws.region, "clocks": records}, output, text=lambda: None)
    else:
        for _, outcome in ended:
            if outcome.ok:
                click.echo(outcome.message)
    for outcome in failed:
        click.echo(f"alarmclock: error: {outcome.message}", err=True)
    if failed:
        return max(int(outcome.exit_code) for outcome in failed)
    return ExitStatus.OK
