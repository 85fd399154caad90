"""What a clock is: a validated, immutable description that every command starts from.

Parsing user input happens here and only here, so `template`, `simulate` and `deploy`
accept and reject exactly the same things, with the same messages.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from alarmclock import limits
from alarmclock.durations import DurationError, format_duration, parse_duration

Via = Literal["lambda", "sns"]
VIAS: tuple[Via, ...] = ("lambda", "sns")
# How many tick alarms: one alarm whose ALARM and OK actions both call the function (the default:
# every flip is made by the same alarm at the same second of its cycle, docs/timing-model.md), or
# the 2016 recipe's two alarms (README), Tick <= 0 and Tick >= 1, each acting on ALARM.
ALARM_DESIGNS = (1, 2)
Window = Literal["sliding", "wallclock"]
WINDOWS: tuple[Window, ...] = ("sliding", "wallclock")
# How the beat reaches the metric (docs/cost.md, docs/timing-model.md):
# - "wave": the heartbeat lays the next two hours of Tick values (0, 1, 0, ... on a fixed grid)
#   in one PutMetricData; the alarm flips on its own and the tick function only calls targets;
# - "api": the tick function publishes the next value with PutMetricData on every tick;
# - "logs": the tick function's log line carries the next value in embedded metric format;
# - "now": the documented design: each flip publishes the next value stamped at the flip's time, to
#   one alarm whose Period is the evaluation cycle; a clock of k cycles delivers every k-th flip.
#   It rests on no undocumented behaviour: nothing is stamped ahead (docs/timing-model.md).
Publish = Literal["wave", "api", "logs", "now"]
PUBLISHES: tuple[Publish, ...] = ("wave", "api", "logs", "now")

# PutMetricAlarm: Period is 10, 20, 30 or a multiple of 60, and Period x EvaluationPeriods <= 86,400.
# 10/20/30 make a high-resolution alarm: evaluated every 10 s, on a metric published with
# StorageResolution=1 (the handler does that below 60 s), and billed at $0.30 instead of $0.10.
# That the beat really holds the period is not promised: alarms are evaluated at undocumented
# instants and the metric takes an undocumented delay to become visible.
SUB_MINUTE_PERIODS = (10, 20, 30)
MAX_PERIOD_S = 86_400
# A sliding window sees a new point one evaluation cycle after it arrives, so the function stamps
# the next Tick just before the end of the next period; PutMetricData takes timestamps at most two
# hours ahead (API reference, MetricDatum Timestamp), which bounds a sliding clock's period.
MAX_SLIDING_PERIOD_S = 7200
# CloudWatch's WallClockWindow takes only these periods (and never a high-resolution one); 1 week is
# longer than any alarm period a clock may have (Period x EvaluationPeriods <= 1 day).
WALL_CLOCK_PERIODS = (60, 300, 3600, 86_400)
# A wave is laid at most two hours ahead (PutMetricData's limit), so it needs a period that fits.
MAX_WAVE_PERIOD_S = MAX_SLIDING_PERIOD_S

TARGET_SERVICES = {
    "lambda": "Lambda function",
    "sns": "SNS topic",
    "sqs": "SQS queue",
    "events": "EventBridge event bus",
}
_PARTITION = r"aws|aws-cn|aws-us-gov"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
_ACCOUNT = r"\d{12}"
TARGET_PATTERNS = {
    "lambda": r"function:[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?",
    "sns": r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?",
    "sqs": r"[A-Za-z0-9_-]{1,80}(?:\.fifo)?",
    "events": r"event-bus/[A-Za-z0-9._\-/]{1,256}",
}
# The article goes by sound ("an SNS topic"), so it is written out, not derived.
A_TARGET = {
    "lambda": "a Lambda function",
    "sns": "an SNS topic",
    "sqs": "an SQS queue",
    "events": "an EventBridge event bus",
}
# What each service's resource part looks like, in words: an error shows this, never the pattern.
TARGET_SHAPES = {
    "lambda": "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS] (NAME: up to 64 letters, digits, - or _)",
    "sns": "arn:aws:sns:REGION:ACCOUNT:TOPIC (up to 256 letters, digits, - or _; .fifo ends a FIFO topic)",
    "sqs": "arn:aws:sqs:REGION:ACCOUNT:QUEUE (up to 80 letters, digits, - or _; .fifo ends a FIFO queue)",
    "events": "arn:aws:events:REGION:ACCOUNT:event-bus/NAME",
}
_ARN = re.compile(rf"^arn:(?:{_PARTITION}):([a-z0-9-]+):({_REGION}):({_ACCOUNT}):(.+)$")
# A KMS key by its ARN (a multi-Region key's id starts mrk-): "To specify a KMS key in an IAM policy
# statement, you must use its key ARN" (AWS KMS Developer Guide, "Specifying KMS keys in IAM policy
# statements": https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html).
_KEY_ARN = re.compile(
    rf"^arn:(?:{_PARTITION}):kms:{_REGION}:{_ACCOUNT}:key/(?:mrk-)?[0-9a-f]{{8}}(?:-?[0-9a-f]{{4,}})+$"
)
KEY_SHAPE = "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (the key's ARN, not an alias's)"

PERIOD_HELP = "10s, 20s, 30s, whole minutes from 1m to 120m, or 1440m (1d) (e.g. 30s, 1m, 5m, 1h)"


class SpecError(ValueError):
    """Bad user input; the message is one line that names the problem and what is accepted."""


@dataclass(frozen=True)
class Target:
    arn: str
    service: str

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]


@dataclass(frozen=True)
class ClockSpec:
    """One clock: how often it ticks, how alarms reach the function, whom it calls.

    Constructing one checks it, here and only here, so no invalid clock can exist: `build_spec`
    reads the command line's text into values, a deployed clock is read back into one
    (aws/models.py, emulator/adopt.py), and an update is `dataclasses.replace` of the deployed one.
    """

    period_s: int = 60
    via: Via = "lambda"
    targets: tuple[Target, ...] = ()
    payload: Any = None
    name: str | None = None  # None: the stack's name, decided at deploy time
    alarms: int = 1  # tick alarms: 1 (ALARM and OK actions) or 2 (the 2016 recipe's pair)
    window: Window = None  # type: ignore[assignment]  # the tick alarms' EvaluationWindow; None: the period's default
    publish: Publish = None  # type: ignore[assignment]  # how the beat reaches the metric; None: the period's default
    # KMS keys of encrypted SQS queues and SNS topics among the targets: the function needs to use them.
    target_keys: tuple[str, ...] = ()
    failure_alarm: bool = False  # an alarm on the function's DeliveryFailures metric
    # How the user wrote the period (e.g. "1440m"), so a refusal quotes it; None: shown as a duration.
    period_text: str | None = field(default=None, compare=False, repr=False)

    @property
    def high_resolution(self) -> bool:
        return self.period_s < 60

    def __post_init__(self) -> None:
        shown = self.period_text if self.period_text is not None else _show_period(self.period_s)
        check_period(self.period_s, shown=self.period_text)
        if self.via not in VIAS:
            raise SpecError(f"--via {self.via!r} is not supported; use one of: {', '.join(VIAS)}")
        if self.window is None:
            object.__setattr__(self, "window", default_window(self.period_s))
        check_window(self.period_s, self.window, shown)
        if self.publish is None:
            object.__setattr__(self, "publish", default_publish(self.period_s))
        check_publish(self.period_s, self.publish, shown)
        if self.alarms not in ALARM_DESIGNS:
            raise SpecError(
                f"--alarms {self.alarms!r} is not supported; use 1 (the default) or 2 (the 2016 recipe's pair)"
            )
        if self.publish == "now" and (self.alarms != 1 or self.window != "sliding"):
            raise SpecError(
                "--publish now takes one alarm on a sliding window: its alarm flips once an evaluation "
                "cycle and acts on ALARM and OK"
            )
        if len({t.arn for t in self.targets}) != len(self.targets):
            raise SpecError("--target: the same ARN is given twice")
        if self.target_keys and not any(t.service in ("sqs", "sns") for t in self.targets):
            raise SpecError("--target-key is for an encrypted SQS queue or SNS topic, and no --target is one")
        if self.name is not None:
            check_clock_name(self.name)
        # Targets and payload travel in the function's environment: Lambda's 4 KB, as Lambda counts.
        try:
            limits.check_environment(self)
        except limits.LimitError as error:
            raise SpecError(str(error)) from None


def parse_period(text: str | int) -> int:
    """'1m' -> 60, '30s' -> 30, '2h' -> 7200, '1d' -> 86400, '90' -> 90: the text read as whole
    seconds, once. Whether CloudWatch takes that period is the ClockSpec's to check (check_period),
    with the text kept to quote in a refusal."""
    try:
        seconds = parse_duration(text)
    except DurationError as error:
        said = str(error)
        raise SpecError(
            f"--every {said}" + (f"; a period is {PERIOD_HELP}" if "not a duration" in said else "")
        ) from None
    if seconds != int(seconds):
        raise SpecError(f"--every {text!r} is not a whole number of seconds; use {PERIOD_HELP}")
    return int(seconds)


def check_period(seconds: int, shown: str | None = None) -> int:
    shown = shown if shown is not None else f"{seconds}s"
    if seconds <= 0:
        raise SpecError(f"--every {shown!r} must be positive; use {PERIOD_HELP}")
    if seconds in SUB_MINUTE_PERIODS:
        return seconds
    if seconds % 60 or seconds > MAX_PERIOD_S:
        raise SpecError(f"--every {shown!r} is not a valid alarm period; use {PERIOD_HELP}")
    return seconds


def default_window(period_s: int) -> Window:
    """Sliding (CloudWatch's default) wherever it can hold the period; wall-clock beyond that."""
    return "wallclock" if period_s > MAX_SLIDING_PERIOD_S and period_s in WALL_CLOCK_PERIODS else "sliding"


def check_window(period_s: int, window: str, shown: str | None = None) -> None:
    """Refuse a period that no window holds, with the reason, in one line."""
    shown = shown if shown is not None else _show_period(period_s)
    if window not in WINDOWS:
        raise SpecError(f"--window {window!r} is not supported; use one of: {', '.join(WINDOWS)}")
    if window == "wallclock" and period_s not in WALL_CLOCK_PERIODS:
        raise SpecError(
            f"--window wallclock cannot hold --every {shown}: CloudWatch's WallClockWindow takes only "
            "1m, 5m, 1h and 1440m, and no high-resolution alarm"
        )
    if window == "sliding" and period_s > MAX_SLIDING_PERIOD_S:
        if period_s in WALL_CLOCK_PERIODS:
            raise SpecError(
                f"--every {shown} needs --window wallclock: on a sliding window the clock stamps each Tick "
                "a period ahead, and PutMetricData takes timestamps at most 2 hours ahead"
            )
        raise SpecError(
            f"--every {shown} cannot be held by an alarm clock: on a sliding window each Tick is stamped a "
            "period ahead, which PutMetricData allows up to 2 hours, and WallClockWindow takes only 1m, 5m, "
            "1h and 1440m; use up to 120m or 1440m (an EventBridge rule holds longer periods, free)"
        )


def default_publish(period_s: int) -> Publish:
    """The wave wherever it fits (two hours ahead); a daily clock publishes each tick itself.

    At one-cycle periods (10 s, 1 m) a wave's alarm evaluated where the jitter straddles a window
    boundary skips flips, and the handler delivers their ticks late (docs/timing-model.md, "What
    stays"). Publishing each tick does not escape that boundary either: there it runs slow for good
    (a one-minute clock at :59.5 averages 80 s), and it costs $0.43 a month of PutMetricData more
    at 1 m. The wave keeps the mean at every second in every model (scripts/phase_sweep.py); where
    it recovers slower from a fault than publishing each tick is in docs/self-healing.md."""
    if period_s > MAX_WAVE_PERIOD_S:
        return "api"
    return "wave"


def check_publish(period_s: int, publish: str, shown: str | None = None) -> None:
    refusal = publish_refusal(period_s, publish, shown)
    if refusal is not None:
        raise SpecError(refusal)


def can_publish(period_s: int, publish: str) -> bool:
    """Whether a clock of this period can publish this way (a deploy that changes the period keeps
    the deployed way of publishing where it can)."""
    return publish_refusal(period_s, publish) is None


def publish_refusal(period_s: int, publish: str, shown: str | None = None) -> str | None:
    """Why a clock of this period cannot publish this way, in one line; None if it can."""
    if publish not in PUBLISHES:
        return f"--publish {publish!r} is not supported; use one of: {', '.join(PUBLISHES)}"
    shown = shown if shown is not None else _show_period(period_s)
    if publish == "now" and period_s > MAX_SLIDING_PERIOD_S:
        return (
            f"--publish now cannot hold --every {shown}: its alarm flips on a sliding window, which holds "
            "periods up to 120m; use --window wallclock (with --publish api)"
        )
    if publish == "wave" and period_s > MAX_WAVE_PERIOD_S:
        return (
            f"--publish wave cannot hold --every {shown}: a wave is laid at most 2 hours ahead "
            "(PutMetricData's limit); use --publish api or logs"
        )
    return None


def _show_period(seconds: int) -> str:
    return format_duration(seconds, decimals=0)


def parse_target(arn: str) -> Target:
    match = _ARN.match(arn.strip())
    if not match:
        raise SpecError(
            f"--target {arn!r} is not an ARN; an ARN looks like "
            "arn:aws:lambda:us-east-1:123456789012:function:my-job (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
        )
    service, resource = match.group(1), match.group(4)
    if service not in TARGET_SERVICES:
        accepted = ", ".join(f"{key} ({what})" for key, what in TARGET_SERVICES.items())
        raise SpecError(f"--target {arn!r}: service {service!r} is not supported; use {accepted}")
    if not re.fullmatch(TARGET_PATTERNS[service], resource):
        raise SpecError(
            f"--target {arn!r} does not name {A_TARGET[service]}, whose ARN looks like {TARGET_SHAPES[service]}"
        )
    return Target(arn=arn.strip(), service=service)


def parse_target_key(arn: str) -> str:
    """A KMS key's ARN, which the function may use to send to an encrypted queue or topic."""
    if not _KEY_ARN.match(arn.strip()):
        raise SpecError(f"--target-key {arn!r} is not a KMS key's ARN; give {KEY_SHAPE}")
    return arn.strip()


def parse_payload(text: str | None) -> Any:
    if text is None:
        return None
    too_deep = f"--payload is nested more than {limits.MAX_PAYLOAD_DEPTH} levels deep; flatten it"
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_finite_int)
    except NotJson as error:
        raise SpecError(f"--payload is not valid JSON: {error}") from None
    except ValueError as error:
        raise SpecError(f'--payload is not valid JSON ({error}); e.g. --payload \'{{"job": "report"}}\'') from None
    except RecursionError:  # deeper than Python's json reads (near 1,000 levels)
        raise SpecError(too_deep) from None
    if nesting(value) > limits.MAX_PAYLOAD_DEPTH:
        raise SpecError(too_deep)
    return value


def nesting(value: Any) -> int:
    """How many arrays and objects deep a JSON value goes (a number or a string: 0)."""
    depth, level = 0, [(value, 0)]
    while level:
        item, at = level.pop()
        if isinstance(item, dict | list):
            depth = max(depth, at + 1)
            level.extend((child, at + 1) for child in (item.values() if isinstance(item, dict) else item))
    return depth


class NotJson(ValueError):
    """Something Python's json module reads but JSON has not: NaN, Infinity, numbers beyond a double."""


# Python's json reads and writes NaN and Infinity, and turns 1e400 into Infinity; the targets'
# strict parsers (EventBridge, JavaScript's JSON.parse) refuse the tick that carries them.
STRICT_PARSERS = "strict parsers such as EventBridge's or JavaScript's refuse it"


def _refuse_constant(name: str) -> Any:
    raise NotJson(f"{name} is not a JSON number ({STRICT_PARSERS})")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise NotJson(f"{text} is too large for a JSON number (it would be sent as Infinity, and {STRICT_PARSERS})")
    return number


def _finite_int(text: str) -> int:
    if len(text) > 300 and not math.isfinite(float(text)):  # beyond a double: read as Infinity by most parsers
        raise NotJson(f"{text[:12]}... is too large for a JSON number (a double holds at most about 1.8e308)")
    return int(text)


def check_clock_name(name: str) -> str:
    """The one check of a clock's name, for every command and the CDK construct. It is the stack's
    name, and the alarms, namespace and the resources CloudFormation names derive from it."""
    if not limits.CLOCK_NAME_PATTERN.match(name):
        raise SpecError(f"clock name {name!r} is not valid; use {limits.CLOCK_NAME_RULE}")
    try:
        limits.check_clock_name_length(name)
    except limits.LimitError as error:  # pragma: no cover - every name the pattern takes fits (test_limits)
        raise SpecError(str(error)) from None
    return name


def parse_alarms(text: int | str) -> int:
    """'2' -> 2; ClockSpec refuses a number other than 1 or 2."""
    try:
        return int(text)
    except ValueError:
        raise SpecError(
            f"--alarms {text!r} is not supported; use 1 (the default) or 2 (the 2016 recipe's pair)"
        ) from None


def _as_given(value: Any) -> Any:
    return value  # a choice ClockSpec checks (None: the period's default)


def _targets(arns: Iterable[str]) -> tuple[Target, ...]:
    return tuple(parse_target(arn) for arn in arns)


def _target_keys(arns: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(parse_target_key(arn) for arn in arns))


# How each option's text becomes a ClockSpec field: (field, reader). Each runs once, on the way in.
OPTION_READERS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "every": ("period_s", parse_period),
    "via": ("via", _as_given),
    "targets": ("targets", _targets),
    "payload": ("payload", parse_payload),
    "alarms": ("alarms", parse_alarms),
    "window": ("window", _as_given),
    "publish": ("publish", _as_given),
    "target_keys": ("target_keys", _target_keys),
    "failure_alarm": ("failure_alarm", bool),
}


def read_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options as the user wrote them (by option name) read into ClockSpec's fields, for
    `ClockSpec(**fields)` or `dataclasses.replace(spec, **fields)`, which check them together."""
    values: dict[str, Any] = {}
    for option, text in options.items():
        field_name, read = OPTION_READERS[option]
        values[field_name] = read(text)
    if "every" in options:
        values["period_text"] = str(options["every"])
    return values


@dataclass(frozen=True)
class ClockOptions:
    """The options that describe a clock, as the user wrote them (`--every 1m`, `--target ARN`), and
    which of them were given rather than left to their defaults: what `template`, `simulate` and
    `deploy` take from the command line (cli/options.py makes one), read into ClockSpec's fields here."""

    every: str = "1m"
    alarms: str = "1"
    window: str | None = None
    publish: str | None = None
    via: str = "lambda"
    targets: tuple[str, ...] = ()
    target_keys: tuple[str, ...] = ()
    failure_alarm: bool = False
    payload: str | None = None
    given: frozenset[str] = frozenset()

    def text(self, *, only_given: bool = False) -> dict[str, Any]:
        """Each option's text by name (only those given, or all), as read_options takes them."""
        return {name: getattr(self, name) for name in CLOCK_OPTION_NAMES if not only_given or name in self.given}

    def spec(self, name: str | None = None) -> ClockSpec:
        """The clock these options describe, every option's default standing for what was not given."""
        return ClockSpec(name=name, **read_options(self.text()))


CLOCK_OPTION_NAMES = tuple(option.name for option in fields(ClockOptions) if option.name != "given")


def build_spec(
    every: str | int = "1m",
    via: str = "lambda",
    targets: tuple[str, ...] | list[str] = (),
    payload: str | None = None,
    name: str | None = None,
    alarms: int | str = 1,
    window: str | None = None,
    publish: str | None = None,
    target_keys: tuple[str, ...] | list[str] = (),
    failure_alarm: bool = False,
) -> ClockSpec:
    """User input (the command line's text) read into values, then a ClockSpec, which checks them
    together. `window` and `publish` None pick the period's defaults."""
    options = {
        "every": every,
        "via": via,
        "targets": targets,
        "payload": payload,
        "alarms": alarms,
        "window": window,
        "publish": publish,
        "target_keys": target_keys,
        "failure_alarm": failure_alarm,
    }
    return ClockSpec(name=name, **read_options(options))
