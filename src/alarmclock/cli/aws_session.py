"""What every AWS command shares: where its calls go (--region, --profile, --endpoint-url), and the
opening every one of them makes: check the clock's name, connect, find the clock, run a plan.

A command takes one `Connection` (the options, as one decorator adds them) and opens a `Session`
from it; boto3 is imported only then, so `--help` stays quick.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from alarmclock.cli.aws_view import ConsoleProgress, Failure, one_line_errors
from alarmclock.cli.options import Duration
from alarmclock.cli.output import emit
from alarmclock.exit_status import ExitStatus
from alarmclock.spec import SpecError, check_clock_name

if TYPE_CHECKING:
    from alarmclock.aws.execute import Runner
    from alarmclock.aws.models import Deployed
    from alarmclock.aws.session import Aws
    from alarmclock.aws.stacks import Stacks
    from alarmclock.aws.steps import Plan

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Connection:
    """Where a command's AWS calls go; unset, the usual chain decides (AWS_REGION or AWS_DEFAULT_REGION,
    AWS_PROFILE, AWS_ENDPOINT_URL, config files, SSO, instance roles)."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    poll_s: float = 5.0  # between polls while waiting (tests use a tiny one)

    def connect(self) -> Aws:
        from alarmclock.aws.session import Aws, AwsOptions

        return Aws(AwsOptions(region=self.region, profile=self.profile, endpoint_url=self.endpoint_url))

    @contextmanager
    def open(self, output: str = "text") -> Iterator[Session]:
        """Connected, with every failure inside ending as one line and an exit status."""
        with one_line_errors():
            yield Session(self.connect(), output, self.poll_s)


def aws_connection(command: F) -> F:
    """--region, --profile, --endpoint-url (and the hidden --poll-interval); the command receives
    `connection`."""

    @functools.wraps(command)
    def with_connection(
        *args: Any,
        region: str | None,
        profile: str | None,
        endpoint_url: str | None,
        poll_interval: float,
        **kwargs: Any,
    ) -> Any:
        return command(*args, connection=Connection(region, profile, endpoint_url, poll_interval), **kwargs)

    decorated: Any = with_connection
    decorated = click.option(
        "--poll-interval",
        type=click.FloatRange(min=0.0),
        default=5.0,
        hidden=True,
        help="Seconds between polls while waiting (tests use a tiny one).",
    )(decorated)
    decorated = click.option(
        "--endpoint-url", metavar="URL", help="Send every AWS call here (LocalStack, moto); default: AWS."
    )(decorated)
    decorated = click.option("--profile", metavar="NAME", help="AWS profile from your config (default: AWS_PROFILE).")(
        decorated
    )
    decorated = click.option(
        "--region",
        metavar="REGION",
        help="AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION, then your profile's).",
    )(decorated)
    return decorated


tick_timeout_option = click.option(
    "--tick-timeout",
    type=Duration(refuse_zero="not to wait for a tick, use --no-wait"),
    metavar="DURATION",
    help="How long to wait for the first tick, more than 0 (default: two periods plus 2 minutes; a wave clock's: "
    "2 minutes when new, a period plus 2 minutes otherwise; --no-wait: do not wait).",
)


def clock_name(name: str) -> str:
    """The clock's name, checked before any AWS call (spec.check_clock_name)."""
    try:
        return check_clock_name(name)
    except SpecError as error:
        raise click.UsageError(str(error)) from None


@dataclass(frozen=True)
class Session:
    """A connection opened for one command, and how that command prints."""

    aws: Aws
    output: str = "text"
    poll_s: float = 5.0

    @property
    def stacks(self) -> Stacks:
        from alarmclock.aws.stacks import Stacks

        return Stacks(self.aws)

    @property
    def progress(self) -> ConsoleProgress:
        return ConsoleProgress(self.output)

    def find_clock(self, name: str, read_function: bool = False) -> Deployed:
        """The clock `name` in this region, or a one-line refusal that there is none; `read_function`:
        with its targets and payload, read from its function."""
        from alarmclock.aws.status import find_clock

        return find_clock(self.stacks, name, self.aws.region, read_function)

    def runner(self) -> Runner:
        from alarmclock.aws.execute import Runner

        return Runner(self.aws, self.progress, poll_s=self.poll_s)

    def execute(self, plan: Plan) -> int:
        """Run the plan and end as `output` asks: text, the outcome's line (on stderr if it failed);
        json and table, the run's record on stdout whatever the outcome, and a failure's line on stderr."""
        run = self.runner()
        outcome = run.run(plan)
        if self.output != "text":
            emit(run.record(plan, outcome), self.output, text=lambda: None)
        if not outcome.ok:
            raise Failure(outcome.message, outcome.exit_code)
        if self.output == "text":
            click.echo(outcome.message)
        return ExitStatus.OK
