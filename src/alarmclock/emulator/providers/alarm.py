"""AWS::CloudWatch::Alarm: the alarm, its evaluations at its own second of each cycle, and its actions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from alarmclock.emulator import formats
from alarmclock.emulator.cloudwatch import (
    SLIDING,
    STATISTICS,
    Alarm,
    CloudWatchError,
    StateChange,
    check_window,
    dimensions_of,
)
from alarmclock.emulator.providers.base import Names, Props, Provider, register
from alarmclock.emulator.providers.topic_policy import service_may_publish
from alarmclock.timing_model import pinned_offset

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack
    from alarmclock.intrinsics import Resolver

ALARM_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"


@register
class AlarmProvider(Provider):
    kind = "AWS::CloudWatch::Alarm"

    def attach(self, stack: Stack) -> None:
        cloudwatch, region, account = stack.cloudwatch, stack.region, stack.account
        cloudwatch.on_state_change = lambda alarm, change: on_state_change(stack, alarm, change)
        # PutMetricAlarm from a caller (the function changing its own design, a probe): an alarm in
        # this region and account, evaluated like the template's.
        cloudwatch.build_alarm = lambda params: build_alarm(params, params["AlarmName"], region, account)
        cloudwatch.on_new_alarm = lambda alarm: start_alarm(stack, alarm)

    def named_by_properties(self, stack: Stack, logical: str, properties: Props, partial: Resolver) -> Names | None:
        if "AlarmName" not in properties:
            return None
        name = partial.resolve(properties["AlarmName"])
        return Names(name, {"Arn": formats.alarm_arn(stack.region, stack.account, name)})

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        assert stack.resolver is not None
        start_alarm(stack, build_alarm(props, stack.resolver.ref(logical), stack.region, stack.account))

    def update(self, stack: Stack, logical: str, old: Props, new: Props) -> None:
        alarm = stack.cloudwatch.alarms.get(new["AlarmName"])
        if alarm is None or old.get("AlarmName") != new["AlarmName"]:
            remove_alarm(stack, old.get("AlarmName"))
            stack.create_resource(logical)
            return
        # PutMetricAlarm on an existing alarm: "its state is left unchanged", and so is its second.
        fresh = build_alarm(new, alarm.name, stack.region, stack.account)
        check_window(fresh)  # PutMetricAlarm refuses a bad window on update too
        fresh.state, fresh.state_reason, fresh.offset_s = alarm.state, alarm.state_reason, alarm.offset_s
        alarm.__dict__.update(fresh.__dict__)

    def remove(self, stack: Stack, logical: str, props: Props) -> None:
        remove_alarm(stack, props.get("AlarmName"))


def start_alarm(stack: Stack, alarm: Alarm) -> None:
    """A new alarm: its own second of the cycle, then an evaluation at that second every cycle."""
    pinned = pinned_offset(stack.world.timing.evaluation_offset_s, alarm.name)
    drawn = stack.world.rng.uniform(0, alarm.cycle_s)  # drawn even when pinned: same seed, same run
    alarm.offset_s = drawn if pinned is None else pinned % alarm.cycle_s
    stack.cloudwatch.add_alarm(alarm)
    stack.seen_alarms[alarm.name] = alarm
    schedule_evaluations(stack, alarm)


def remove_alarm(stack: Stack, name: str | None) -> None:
    if name:
        stack.cloudwatch.remove_alarm(name)


def build_alarm(props: Props, name: str, region: str, account: str) -> Alarm:
    statistic = props.get("Statistic")
    if not isinstance(statistic, str) or statistic not in STATISTICS:
        # fact: Statistic is one of SampleCount, Average, Sum, Minimum, Maximum (PutMetricAlarm).
        raise CloudWatchError("ValidationError", f"Statistic {statistic!r} is not one of {', '.join(STATISTICS)}")
    enabled = props.get("ActionsEnabled", True)
    # fact: without EvaluationWindow an alarm uses a sliding window (AWS::CloudWatch::Alarm).
    window = props.get("EvaluationWindow") or {SLIDING: {}}
    kind = next(iter(window)) if isinstance(window, dict) and len(window) == 1 else repr(window)
    return Alarm(
        name=name,
        arn=formats.alarm_arn(region, account, name),
        namespace=props["Namespace"],
        metric=props["MetricName"],
        dimensions=dimensions_of(props.get("Dimensions")),
        statistic=props["Statistic"],
        period_s=int(props["Period"]),
        evaluation_periods=int(props["EvaluationPeriods"]),
        threshold=float(props["Threshold"]),
        comparison=props["ComparisonOperator"],
        treat_missing_data=props.get("TreatMissingData", "missing"),
        datapoints_to_alarm=int(props["DatapointsToAlarm"]) if "DatapointsToAlarm" in props else None,
        actions_enabled=enabled if isinstance(enabled, bool) else str(enabled).lower() == "true",
        alarm_actions=list(props.get("AlarmActions", [])),
        ok_actions=list(props.get("OKActions", [])),
        insufficient_data_actions=list(props.get("InsufficientDataActions", [])),
        window=kind,
        description=str(props.get("AlarmDescription", "")),
        timezone=str((window.get(kind) or {}).get("Timezone", "")) if isinstance(window, dict) else "",
    )


# ---- evaluation and actions ------------------------------------------------------------------------


def schedule_evaluations(stack: Stack, alarm: Alarm) -> None:
    """Evaluate the alarm at its second of every cycle (plus jitter, less what faults skip or
    delay) for as long as it is the alarm of that name."""
    cycle = alarm.cycle_s
    world = stack.world
    first = math.floor((world.now() - alarm.offset_s) / cycle + 1) * cycle + alarm.offset_s
    name = alarm.name
    timing = world.timing

    def evaluate(nominal: float) -> None:
        current = stack.cloudwatch.alarms.get(name)
        if current is not alarm:
            return  # deleted or replaced: this schedule ends
        stack.cloudwatch.evaluate(alarm, timing.evaluation_range_periods)
        stack.evaluations += 1
        if stack.evaluations % 5000 == 0:
            stack.cloudwatch.store.prune(world.now())
        schedule(next_nominal(nominal))

    def next_nominal(nominal: float) -> float:
        nonlocal cycle
        if alarm.cycle_s == cycle:
            return nominal + cycle
        # PutMetricAlarm changed the alarm's Period across a minute (a clock switching its design):
        # its evaluations follow the new Period's cycle (evaluation_cycle's fact) from the next one
        # on, at its second in the cycle (an assumption, as at create) folded into the new cycle.
        cycle = alarm.cycle_s
        return math.floor((nominal - alarm.offset_s) / cycle + 1) * cycle + alarm.offset_s % cycle

    def schedule(nominal: float) -> None:
        delay = stack.faults.evaluation_delay(nominal, name)
        if delay is None:  # this evaluation is skipped
            world.at(nominal, lambda: schedule(next_nominal(nominal)))
            return
        world.at(nominal + delay + world.draw(timing.evaluation_jitter_s), evaluate, nominal)

    schedule(first)


def on_state_change(stack: Stack, alarm: Alarm, change: StateChange) -> None:
    # fact: actions run only on a change, and only when the alarm's actions are enabled.
    if not alarm.actions_enabled:
        return
    world = stack.world
    for action in alarm.actions_for(change.new):
        if stack.faults.drop_notification(change.time, alarm.name):
            world.log({"level": "WARNING", "action": "notification_lost", "alarm": alarm.name})
            continue
        timing = world.timing
        delay = world.draw(timing.action_latency_s)
        world.later(delay, deliver_action, stack, alarm, change, action)
        # fact: rarely, a state change is notified twice (assumption: how rarely, how late).
        if world.chance(timing.duplicate_notification_prob):
            late = delay + world.draw(timing.duplicate_delay_s)
            world.later(late, deliver_action, stack, alarm, change, action)
        injected = stack.faults.duplicate_delay(change.time, alarm.name)
        if injected is not None:
            world.later(delay + injected, deliver_action, stack, alarm, change, action)


def deliver_action(stack: Stack, alarm: Alarm, change: StateChange, action: str) -> None:
    services = stack.services
    if ":sns:" in action:
        if action not in services.topics:
            return
        if not service_may_publish(services, action, "cloudwatch.amazonaws.com", alarm.arn, stack.account):
            stack.world.log({"level": "WARNING", "action": "publish_refused", "alarm": alarm.name, "topic": action})
            return
        message = formats.sns_alarm_message(alarm, change, stack.region, stack.account)
        services.publish_to_topic(action, message, formats.sns_subject(alarm, change, stack.region))
    elif ":lambda:" in action:
        event = formats.direct_alarm_event(alarm, change, stack.region, stack.account)
        services.invoke_async(action, event, ALARM_PRINCIPAL, alarm.arn)
