"""Options and errors shared by the CLI's commands, so every command says things the same way."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from alarmclock.durations import DurationError, parse_duration
from alarmclock.spec import (
    CLOCK_OPTION_NAMES,
    PERIOD_HELP,
    PUBLISHES,
    TARGET_SERVICES,
    VIAS,
    WINDOWS,
    ClockOptions,
    ClockSpec,
    SpecError,
)

F = TypeVar("F", bound=Callable[..., Any])


class Duration(click.ParamType):
    """A duration option (--tick-timeout, --settle), read like every other duration: 90s, 2m, 1h30m.

    Where 0 means something, the option's help says what (--settle 0: do not watch); where it would
    mean nothing (--tick-timeout 0: no tick is seen within 0 s), it is refused, `refuse_zero` saying
    what to do instead."""

    name = "duration"

    def __init__(self, refuse_zero: str | None = None) -> None:
        self.refuse_zero = refuse_zero

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = parse_duration(value)
        except DurationError as error:
            self.fail(str(error), param, ctx)
        if seconds < 0:
            self.fail(f"{value!r} is negative", param, ctx)
        if seconds == 0 and self.refuse_zero is not None:
            self.fail(f"{value!r}: must be more than 0; {self.refuse_zero}", param, ctx)
        return seconds


def usage_error(error: SpecError) -> click.UsageError:
    return click.UsageError(str(error))


# `deploy` updates a clock by changing only what is passed, so its --every, --alarms and --via have
# no default to show: a new clock gets the defaults, an update keeps the clock's own settings.
KEPT_ON_UPDATE = "A new clock gets {default}; an update keeps the clock's own unless this is given."

EVERY_HELP = (
    f"How often the clock ticks: {PERIOD_HELP}. Below 1m the tick alarm is high-resolution "
    "(evaluated every 10 s); what beat each period holds is in docs/beat.md."
)
ALARMS_HELP = (
    "Tick alarms: 1 (one alarm whose ALARM and OK actions both tick: the same evaluation second "
    "makes every flip) or 2 (the 2016 recipe's pair, whose intervals alternate period - d and period + d)."
)
VIA_HELP = "How alarms reach the function: CloudWatch's direct Lambda action, or the 2016 recipe's SNS topic."


def option_pair(*names: str, default: str, help: str, **kwargs: Any) -> tuple[Callable[[F], F], Callable[[F], F]]:
    """One option twice: as `template`, `simulate` and `cost` take it (its default shown), and as
    `deploy` takes it, whose help says instead that an update keeps the clock's own setting."""
    kept = f"{help} {KEPT_ON_UPDATE.format(default=default)}"
    return (
        click.option(*names, default=default, show_default=True, help=help, **kwargs),
        click.option(*names, default=default, help=kept, **kwargs),
    )


every_option, deploy_every_option = option_pair("--every", default="1m", metavar="PERIOD", help=EVERY_HELP)
alarms_option, deploy_alarms_option = option_pair(
    "--alarms", type=click.Choice(["1", "2"]), default="1", help=ALARMS_HELP
)
WINDOW_HELP = (
    "The tick alarms' EvaluationWindow: sliding (CloudWatch's default; periods up to 120m) or "
    "wallclock (aligned to the period in UTC; only 1m, 5m, 1h and 1440m). Default: sliding, "
    "wallclock for 1440m."
)
PUBLISH_HELP = (
    "How the beat reaches the Tick metric: wave (the heartbeat lays the next two hours of values in "
    "one PutMetricData; ticks make no CloudWatch call), api (PutMetricData every tick) or logs (an "
    "embedded-metric-format log line every tick), each stamped ahead; or now, the documented design "
    "(every evaluation cycle a value stamped at the flip; nothing rests on how a point stamped ahead "
    "is counted, and a wave clock switches to it by itself where its wave is not). Default: wave, but "
    "api for 1440m (docs/beat.md; docs/cost.md)."
)
# No default shown: the period decides it.
window_option = click.option("--window", type=click.Choice(WINDOWS), default=None, help=WINDOW_HELP)
publish_option = click.option("--publish", type=click.Choice(PUBLISHES), default=None, help=PUBLISH_HELP)
via_option, deploy_via_option = option_pair("--via", type=click.Choice(VIAS), default="lambda", help=VIA_HELP)
TARGET_HELP = "Called on every tick (repeatable): a Lambda function, SNS topic, SQS queue or EventBridge bus."


def target_option_saying(without: str) -> Callable[[F], F]:
    """--target, whose help says what this command does when it is not given."""
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ARN",
        callback=refuse_unsupported_services,
        help=f"{TARGET_HELP} {without}",
    )


_SERVICE = re.compile(r"arn:[^:]*:([^:]*):")


def refuse_unsupported_services(
    context: click.Context, parameter: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """An ARN of a service no tick can go to is refused for its service, whatever the rest looks like:
    an S3 bucket's ARN has no region or account, so spec.parse_target's pattern called it no ARN."""
    for value in values:
        match = _SERVICE.match(value.strip())
        if match and match.group(1) not in TARGET_SERVICES:
            accepted = ", ".join(f"{key} ({what})" for key, what in TARGET_SERVICES.items())
            raise click.BadParameter(f"{value!r}: service {match.group(1)!r} is not a supported target; use {accepted}")
    return values


# template: the template then takes the function's ARN as a parameter (TargetFunctionArn).
target_option = target_option_saying("Without it the template takes a function's ARN as a parameter.")
# simulate: the emulator plays that function (emulator/simulate.py).
simulate_target_option = target_option_saying("Without it an emulated function stands in for the target.")
# deploy: a new clock is refused without one; an update keeps its targets.
deploy_target_option = target_option_saying(
    "A new clock needs at least one; an update keeps the clock's targets unless this is given."
)


TARGET_KEY_HELP = (
    "The KMS key (its ARN) of an encrypted SQS queue or SNS topic among the targets (repeatable): the "
    "function may use it (kms:GenerateDataKey, kms:Decrypt), or it cannot send there."
)
target_key_option = click.option("--target-key", "target_keys", multiple=True, metavar="ARN", help=TARGET_KEY_HELP)
deploy_target_key_option = click.option(
    "--target-key",
    "target_keys",
    multiple=True,
    metavar="ARN",
    help=f"{TARGET_KEY_HELP} An update keeps the clock's keys unless this or --target is given.",
)


FAILURE_ALARM_HELP = (
    "Add an alarm, NAME-delivery-failures, in ALARM while a tick could not be delivered to a target "
    "($0.10 a month; its state changes reach EventBridge). Failed deliveries are counted on the "
    "DeliveryFailures metric either way."
)
failure_alarm_option = click.option("--failure-alarm", is_flag=True, help=FAILURE_ALARM_HELP)
deploy_failure_alarm_option = click.option(
    "--failure-alarm/--no-failure-alarm",
    default=False,
    help=f"{FAILURE_ALARM_HELP} An update keeps the clock's choice unless one is given.",
)


def read_payload(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """--payload @FILE reads the JSON from FILE (@- from standard input), as the AWS CLI's file:// does."""
    if value is None or not value.startswith("@"):
        return value
    path = value[1:]
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except OSError as error:
        raise click.BadParameter(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise click.BadParameter(f"{path} is not UTF-8 text") from None


payload_option = click.option(
    "--payload",
    metavar="JSON|@FILE",
    callback=read_payload,
    help='JSON added to every tick under the key "payload"; @FILE reads it from FILE (@- from stdin).',
)


# ---- the options that describe a clock, as one bundle -------------------------------------------


def spec_of(clock: ClockOptions, name: str | None = None) -> ClockSpec:
    """The clock the options describe (ClockOptions.spec), a refusal said as a usage error."""
    try:
        return clock.spec(name)
    except SpecError as error:
        raise usage_error(error) from None


def clock_options(*options: Callable[[F], F]) -> Callable[[F], F]:
    """These click options, in this order, handed to the command as one `clock: ClockOptions`."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def with_clock(*args: Any, **kwargs: Any) -> Any:
            context = click.get_current_context()
            values = {name: kwargs.pop(name) for name in CLOCK_OPTION_NAMES if name in kwargs}
            given = frozenset(name for name in values if was_given(context, name))
            return command(*args, clock=ClockOptions(**values, given=given), **kwargs)

        decorated: Any = with_clock
        for option in reversed(options):
            decorated = option(decorated)
        return decorated

    return decorate


def was_given(context: click.Context, name: str) -> bool:
    """The one way to ask whether an option was given: on the command line or from the environment,
    not left to its default."""
    return context.get_parameter_source(name) not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


template_clock_options = clock_options(
    every_option,
    alarms_option,
    window_option,
    publish_option,
    via_option,
    target_option,
    target_key_option,
    failure_alarm_option,
    payload_option,
)
simulate_clock_options = clock_options(
    every_option, alarms_option, window_option, publish_option, via_option, simulate_target_option, payload_option
)
deploy_clock_options = clock_options(
    deploy_every_option,
    deploy_alarms_option,
    window_option,
    publish_option,
    deploy_via_option,
    deploy_target_option,
    deploy_target_key_option,
    deploy_failure_alarm_option,
    payload_option,
)
