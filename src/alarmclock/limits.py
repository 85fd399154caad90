"""AWS's limits on a clock, each in one place and each measured the way the service measures it.

- the clock's name, and every name derived from it (alarms, namespace; the physical names
  CloudFormation generates for the function, role, rule and log group);
- Lambda's 4 KB of environment variables, which carry the clock's targets and payload;
- CloudFormation's 51,200 bytes for a template passed inline.

Spec building (spec.ClockSpec) calls `check_environment`, so `template`, `deploy`, `simulate` and
the CDK construct accept and refuse the same clocks; `template` and `deploy` call
`check_template_body` on the text they write or send. Sources: docs/aws-facts.md.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from alarmclock.template import ALARM_PREFIX, NAMESPACE, WATCHDOG_NAME, tick_function

if TYPE_CHECKING:
    from alarmclock.spec import ClockSpec

# CloudFormation: a stack name is 1-128 characters, a letter first, then letters, digits and
# hyphens (CloudFormation API Reference, CreateStack, StackName). A clock's name is its stack's.
MAX_CLOCK_NAME = 128
CLOCK_NAME_PATTERN = re.compile(rf"^[A-Za-z][A-Za-z0-9-]{{0,{MAX_CLOCK_NAME - 1}}}$")
CLOCK_NAME_RULE = f"a letter then letters, digits or hyphens, at most {MAX_CLOCK_NAME} characters (a stack name)"

# PutMetricAlarm AlarmName: 1-255 characters; PutMetricData Namespace: 1-255 characters.
MAX_ALARM_NAME = 255
MAX_NAMESPACE = 255
# What CloudFormation may call a resource it names itself: it shortens the stack's name and the
# logical id so that "<stack>-<logical id>-<random>" fits the type's own limit.
GENERATED_NAME_LIMITS = {
    "AWS::Lambda::Function": 64,  # CreateFunction FunctionName
    "AWS::IAM::Role": 64,  # CreateRole RoleName
    "AWS::Events::Rule": 64,  # PutRule Name
    "AWS::Logs::LogGroup": 512,  # CreateLogGroup logGroupName
    "AWS::SNS::Topic": 256,  # CreateTopic Name
}

# Lambda: "4 KB, for all environment variables associated with the function, in aggregate"
# (Lambda quotas). Its refusal shows what it counted: the variables as one JSON object ("String
# measured: {...}"), so quotes and backslashes in a value count twice. How it counts a character
# beyond ASCII is not documented: here each counts as its \uXXXX escape, the larger of the two.
MAX_ENVIRONMENT_BYTES = 4096
# CloudFormation quotas: "Template body size in a request: 51,200 bytes"; 1 MB from S3.
MAX_INLINE_TEMPLATE_BYTES = 51_200
MAX_S3_TEMPLATE_BYTES = 1_048_576

# Ours, not AWS's: the template's writers (PyYAML, json) recurse once per level and fail a few
# hundred levels down; no tick payload needs more than a few.
MAX_PAYLOAD_DEPTH = 100

# What a value the template leaves to deploy time can be at its longest, for the measurement:
# the stack's name (128), and a function ARN of the longest partition, region, name (64) and
# alias (128) for the TargetFunctionArn parameter. Anything else unknown counts 256 bytes.
LONGEST_CLOCK_NAME = "N" * MAX_CLOCK_NAME
LONGEST_FUNCTION_ARN = f"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:{'f' * 64}:{'a' * 128}"
PSEUDO_PARAMETERS = {
    "AWS::Region": "ap-southeast-7",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws-iso-b",
    "AWS::URLSuffix": "amazonaws.com",
}
UNKNOWN_VALUE = "x" * 256


class LimitError(ValueError):
    """A clock beyond one of AWS's limits; the message names the limit and the measured size."""


def check_clock_name_length(name: str) -> None:
    """Every name derived from a clock name of up to MAX_CLOCK_NAME characters fits its own limit
    (tests/aws/test_limits.py proves it for the longest); this is the guard if the derivations grow."""
    for derived, limit in derived_names(name).values():
        if len(derived) > limit:
            raise LimitError(f"clock name {name!r} makes the name {derived!r}, longer than its {limit} characters")


def derived_names(name: str) -> dict[str, tuple[str, int]]:
    """What a clock called `name` names after itself, each with its limit (template.py's names)."""

    def named(pattern: str) -> str:
        return pattern.replace("${AWS::StackName}", name)

    found = {
        "namespace": (named(NAMESPACE), MAX_NAMESPACE),
        "tick alarm 0": (named(ALARM_PREFIX) + "0", MAX_ALARM_NAME),
        "tick alarm 1": (named(ALARM_PREFIX) + "1", MAX_ALARM_NAME),
        "watchdog alarm": (named(WATCHDOG_NAME), MAX_ALARM_NAME),
    }
    for resource_type, limit in GENERATED_NAME_LIMITS.items():
        logical = resource_type.rsplit("::", 1)[1]
        found[resource_type] = (generated_name(name, f"Tick{logical}", "ABCDEFGHIJKL", resource_type), limit)
    return found


def generated_name(stack: str, logical: str, suffix: str, resource_type: str) -> str:
    """The physical name CloudFormation gives a resource the template does not name: the stack's
    name, the logical id and a random suffix, the first two shortened to fit the type's limit."""
    limit = GENERATED_NAME_LIMITS.get(resource_type, 255)
    room = limit - len(suffix) - 2
    if len(stack) + len(logical) > room:
        logical = logical[: max(room // 2, room - len(stack))]
        stack = stack[: room - len(logical)]
    return f"{stack}-{logical}-{suffix}"


def environment_bytes(variables: dict[str, str]) -> int:
    """The size Lambda gives these environment variables: one compact JSON object."""
    return len(json.dumps(variables, separators=(",", ":"), ensure_ascii=True).encode())


def clock_environment(spec: ClockSpec) -> dict[str, str]:
    """The tick function's variables as Lambda will hold them: the template's, with its stack name
    and parameters replaced by the clock's name or, unknown, by the longest they may be."""
    variables = tick_function(spec)["Properties"]["Environment"]["Variables"]
    name = spec.name if spec.name is not None else LONGEST_CLOCK_NAME
    known = PSEUDO_PARAMETERS | {
        "AWS::StackName": name,
        "AWS::StackId": longest_stack_id(name),
        "TargetFunctionArn": LONGEST_FUNCTION_ARN,
    }
    return {key: _resolved(value, known) for key, value in variables.items()}


def longest_stack_id(name: str) -> str:
    """A stack's ARN at its longest for this name: the stack's name and a 36-character UUID."""
    partition, region, account = (PSEUDO_PARAMETERS[key] for key in ("AWS::Partition", "AWS::Region", "AWS::AccountId"))
    return f"arn:{partition}:cloudformation:{region}:{account}:stack/{name}/{'u' * 36}"


def _resolved(value: Any, known: dict[str, str]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return known.get(value["Ref"], UNKNOWN_VALUE)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([^}!][^}]*)\}", lambda m: known.get(m.group(1), UNKNOWN_VALUE), value["Fn::Sub"])
    return UNKNOWN_VALUE  # another intrinsic: resolved at deploy time, so counted at its longest


def check_environment(spec: ClockSpec) -> int:
    """The tick function's environment in bytes as Lambda counts it; LimitError beyond 4 KB."""
    size = environment_bytes(clock_environment(spec))
    if size > MAX_ENVIRONMENT_BYTES:
        whose = (
            f"clock {spec.name}"
            if spec.name is not None
            else f"a clock whose stack name is unknown, counted at its longest ({MAX_CLOCK_NAME} characters)"
        )
        raise LimitError(
            f"the tick function's environment variables, which carry the targets and payload, would measure "
            f"{size:,} bytes for {whose}; Lambda takes at most {MAX_ENVIRONMENT_BYTES:,} "
            f"(4 KB, counted as one JSON object, quotes escaped): give fewer or shorter targets, or a smaller payload"
        )
    return size


def check_template_body(text: str, what: str, limit: int = MAX_INLINE_TEMPLATE_BYTES) -> int:
    """The template's size in bytes; LimitError if CloudFormation would refuse it inline."""
    size = len(text.encode("utf-8"))
    if size > limit:
        where = "inline (--template-body, or aws cloudformation deploy without --s3-bucket)"
        if limit != MAX_INLINE_TEMPLATE_BYTES:
            where = "from S3"
        raise LimitError(
            f"the template is {size:,} bytes of {what}; CloudFormation takes at most {limit:,} bytes {where}"
        )
    return size
