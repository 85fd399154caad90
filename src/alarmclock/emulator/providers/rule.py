"""AWS::Events::Rule: a scheduled rule (the heartbeat), firing at its own second of the minute."""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import Names, Props, Provider, register
from alarmclock.intrinsics import TemplateError

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack

EVENTS_PRINCIPAL = "events.amazonaws.com"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


@register
class RuleProvider(Provider):
    kind = "AWS::Events::Rule"

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        return Names(generated, {"Arn": f"arn:aws:events:{stack.region}:{stack.account}:rule/{generated}"})

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        schedule_rule(stack, logical, props)

    # An update replaces the schedule (Provider.update): the old one stops when it sees new properties.


def schedule_rule(stack: Stack, logical: str, props: Props) -> None:
    """A scheduled rule: fact: it fires within its minute, not on the 0th second, and
    (measured) on the same second each time, +-0.5 s. Only rate() is modelled."""
    if props.get("State", "ENABLED") != "ENABLED":
        return
    match = _RATE.match(str(props.get("ScheduleExpression", "")))
    if not match:
        raise TemplateError(f"{logical}: only rate(N minutes|hours|days) schedules are modelled")
    unit = {"minute": 60, "hour": 3600, "day": 86_400}[match.group(2).rstrip("s")]
    every = int(match.group(1)) * unit
    world = stack.world
    offset = world.rng.uniform(1, 59)
    assert stack.resolver is not None
    rule_arn = stack.resolver.get_att(logical, "Arn")
    marker = props  # this very dict stays in stack.properties while the rule lives unchanged

    def fire(nominal: float) -> None:
        if stack.properties.get(logical) is not marker:
            return  # deleted or updated: a new schedule (if any) has taken over
        for target in props.get("Targets", []):
            event = json.loads(target["Input"]) if "Input" in target else {"source": "aws.events"}
            stack.services.invoke_async(target["Arn"], event, EVENTS_PRINCIPAL, rule_arn)
        next_nominal = nominal + every
        world.at(next_nominal + world.rng.uniform(-0.5, 0.5), fire, next_nominal)

    first = math.floor(world.now() / 60 + 1) * 60 + offset
    world.at(first, fire, first)
