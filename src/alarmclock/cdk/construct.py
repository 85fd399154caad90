"""`AlarmClock`: the clock as a CDK v2 construct, inside the user's own stack.

    clock = AlarmClock(self, "Every10s", every=Duration.seconds(10), targets=[job, queue],
                       payload={"job": "poll"})

It builds the same ClockSpec the CLI builds and emits the resources of the same template
(alarmclock.cdk.emit), so `alarmclock template` and the construct never drift apart.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from typing import Any

from aws_cdk import Annotations, CfnResource, Duration, Names, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from alarmclock.cdk.emit import emit_resources, fold_paused, name_clock
from alarmclock.cdk.targets import as_targets, swap_placeholders, target_statements_of, without_target_statements
from alarmclock.spec import ClockSpec, build_spec, check_clock_name
from alarmclock.template import METRIC_NAME, NAMESPACE, WAVE_DIMENSION, build_template, tick_alarm_values

# Alarm names are "<clock name>-tick-is-1" and "<clock name>-watchdog"; CloudWatch takes 255.
CLOCK_NAME_LENGTH = 64


class AlarmClock(Construct):
    """A clock that calls its targets every `every`: the CLI's options, as props.

    targets: IFunction (a version or alias too), ITopic, IQueue or IEventBus, each granted the one
    action the tick function calls on it (and the use of a queue's or topic's customer managed key);
    a target in another account gets a synth warning naming the policy its owner must add.
    payload: any JSON value, added to every tick under "payload". via, alarms, window, publish: as
    `alarmclock template --help` says (None: the period's default). paused: deploy the clock stopped
    (alarms keep their state, act on nothing); deploy again with False to resume.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        every: Duration | str | int,
        targets: Sequence[Any],
        payload: Any = None,
        via: str = "lambda",
        alarms: int = 1,
        window: str | None = None,
        publish: str | None = None,
        paused: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        clock_targets = as_targets(targets)
        # From the construct's path (the stack's name and every id above it, plus a hash of the
        # path): two clocks of one stack, or the same clock in two stacks, never share a name.
        self.clock_name: str = check_clock_name(
            Names.unique_resource_name(self, max_length=CLOCK_NAME_LENGTH, separator="-")
        )
        # Validated by the same build_spec as the CLI's options: the same errors, the same defaults,
        # and the function's environment measured with this clock's name.
        self.spec: ClockSpec = build_spec(
            every=period_text(every),
            via=via,
            targets=[t.placeholder for t in clock_targets],
            payload=None if payload is None else json.dumps(payload, allow_nan=False),
            name=self.clock_name,
            alarms=alarms,
            window=window,
            publish=publish,
        )
        self.namespace: str = NAMESPACE.replace("${AWS::StackName}", self.clock_name)

        template = copy.deepcopy(build_template(self.spec))
        for section in ("Parameters", "Conditions"):
            template.pop(section, None)
        resources = template["Resources"]
        without_target_statements(resources["TickRole"], target_statements_of(clock_targets))
        resources = name_clock(fold_paused(resources, paused), self.clock_name)
        template["Resources"] = swap_placeholders(resources, clock_targets)
        self.resources: dict[str, CfnResource] = emit_resources(self, template)

        function = self.resources["TickFunction"]
        # CloudFormation names the Starter in its requests by the logical id CDK derived from its path, and
        # the function answers only requests for its own Starter (handler.foreign).
        starter = Stack.of(self).get_logical_id(self.resources["Starter"])
        function.add_property_override("Environment.Variables.ALARMCLOCK_STARTER", starter)
        # The role is the template's; the grants go into a policy attached to it, and the function
        # waits for that policy, so its first tick already may call every target.
        role = iam.Role.from_role_name(self, "TargetGrants", self.resources["TickRole"].ref)
        account = Stack.of(self).account
        for target in clock_targets:
            for grant in target.grants(role):
                grant.apply_before(function)
            warning = target.account_warning(account)
            if warning is not None:
                Annotations.of(self).add_warning_v2("alarmclock:cross-account-target", warning)

        self.function: lambda_.IFunction = lambda_.Function.from_function_attributes(
            self, "Function", function_arn=Token.as_string(function.get_att("Arn")), same_environment=True
        )
        self.tick_alarms: list[cloudwatch.IAlarm] = [
            cloudwatch.Alarm.from_alarm_arn(
                self, f"TickAlarm{value}Ref", Token.as_string(self.resources[f"TickAlarm{value}"].get_att("Arn"))
            )
            for value in tick_alarm_values(self.spec)
        ]
        self.watchdog_alarm: cloudwatch.IAlarm = cloudwatch.Alarm.from_alarm_arn(
            self, "WatchdogRef", Token.as_string(self.resources["Watchdog"].get_att("Arn"))
        )

    def metric_tick(self, **options: Any) -> cloudwatch.Metric:
        """The clock's Tick metric (0 and 1 in turn), as its tick alarms watch it: Average over the
        clock's period. Options are cloudwatch.Metric's (period, statistic, label, ...)."""
        dimensions = {WAVE_DIMENSION: f"{self.spec.period_s}s"} if self.spec.publish == "wave" else None
        settings: dict[str, Any] = {"period": Duration.seconds(self.spec.period_s), "statistic": "Average"}
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name=METRIC_NAME,
            dimensions_map=dimensions,
            **(settings | options),
        )


def period_text(every: Duration | str | int) -> str:
    """A Duration, "10s"-style text or whole seconds -> the text build_spec parses."""
    if isinstance(every, Duration):
        seconds = every.to_seconds()  # a token Duration raises: a clock's period is fixed at synth
        if not math.isclose(seconds, round(seconds)):
            raise ValueError(f"every={every.to_human_string()} is not a whole number of seconds")
        return f"{round(seconds)}s"
    return str(every) if isinstance(every, str) else f"{every}s"
