"""AWS::Events::Rule: a scheduled rule (the heartbeat), firing at its own second of the minute."""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING

from alarmclock.emulator.providers.base import Names, Props, Provider, register
from alarmclock.intrinsics import Resolver, TemplateError

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack

EVENTS_PRINCIPAL = "events.amazonaws.com"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


@register
class RuleProvider(Provider):
    kind = "AWS::Events::Rule"

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        return Names(generated, {"Arn": f"arn:aws:events:{stack.region}:{stack.account}:rule/{generated}"})

    def named_by_properties(self, stack: Stack, logical: str, properties: Props, partial: Resolver) -> Names | None:
        if "Name" not in properties:
            return None
        return self.reference(stack, logical, str(partial.resolve(properties["Name"])))

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        schedule_rule(stack, logical, props)

    # An update replaces the schedule (Provider.update): the old one stops when it sees new properties.


def schedule_rule(stack: Stack, logical: str, props: Props) -> None:
    """A scheduled rule, and how PutRule changes it: its rate and state replaced, its targets kept
    (PutTargets is apart; EventBridge API Reference, PutRule). The function of a clock that switches
    its design sets its heartbeat's rate so (handler.set_heartbeat)."""
    assert stack.resolver is not None
    live = {"schedule": props}

    def put_rule(params: dict[str, object]) -> None:
        schedule = dict(
            props, ScheduleExpression=params.get("ScheduleExpression"), State=params.get("State", "ENABLED")
        )
        live["schedule"] = schedule
        _start(stack, logical, props, schedule, live)

    stack.services.rules[str(stack.resolver.ref(logical))] = put_rule
    _start(stack, logical, props, props, live)


def _start(stack: Stack, logical: str, marker: Props, schedule: Props, live: dict[str, Props]) -> None:
    """Fire `schedule` until the stack changes the rule (`marker`, its properties, is replaced) or a
    PutRule replaces the schedule: fact: it fires within its minute, not on the 0th second, and
    (measured) on the same second each time, +-0.5 s. Only rate() is modelled; a new schedule first
    fires within the next minute (an assumption: EventBridge says only that a changed rule may take
    "a short period of time" to take effect)."""
    if schedule.get("State", "ENABLED") != "ENABLED":
        return
    match = _RATE.match(str(schedule.get("ScheduleExpression", "")))
    if not match:
        raise TemplateError(f"{logical}: only rate(N minutes|hours|days) schedules are modelled")
    unit = {"minute": 60, "hour": 3600, "day": 86_400}[match.group(2).rstrip("s")]
    every = int(match.group(1)) * unit
    world = stack.world
    offset = world.rng.uniform(1, 59)
    assert stack.resolver is not None
    rule_arn = stack.resolver.get_att(logical, "Arn")

    def fire(nominal: float) -> None:
        if stack.properties.get(logical) is not marker or live["schedule"] is not schedule:
            return  # deleted, updated or put again: a new schedule (if any) has taken over
        for target in schedule.get("Targets", []):
            event = json.loads(target["Input"]) if "Input" in target else {"source": "aws.events"}
            stack.services.invoke_async(target["Arn"], event, EVENTS_PRINCIPAL, rule_arn)
        next_nominal = nominal + every
        world.at(next_nominal + world.rng.uniform(-0.5, 0.5), fire, next_nominal)

    first = math.floor(world.now() / 60 + 1) * 60 + offset
    world.at(first, fire, first)
