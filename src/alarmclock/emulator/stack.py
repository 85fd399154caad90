"""A clock's CloudFormation stack, emulated from its template: create, update, delete.

What runs is what the template declares: alarms with their Period, Statistic, Threshold,
ComparisonOperator, EvaluationPeriods, TreatMissingData and actions; the function with its
inline code, environment and role; the topic and subscription; the permissions; the
custom resource. A template change is a simulation change.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from alarmclock.emulator import formats
from alarmclock.emulator.cloudwatch import (
    SLIDING,
    Alarm,
    CloudWatchError,
    EmulatedCloudWatch,
    StateChange,
    check_window,
    dimensions_of,
)
from alarmclock.emulator.faults import Faults
from alarmclock.emulator.intrinsics import Resolver, TemplateError, references
from alarmclock.emulator.services import EmulatedFunction, Services
from alarmclock.emulator.timing import pinned_offset
from alarmclock.emulator.world import World

ALARM_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"
MODELLED = {
    "AWS::CloudWatch::Alarm",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::IAM::Role",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::Logs::LogGroup",
    "AWS::Events::Rule",
}
EVENTS_PRINCIPAL = "events.amazonaws.com"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
DEFAULT_SERVICE_TIMEOUT_S = 3600  # fact: ServiceTimeout defaults to an hour


@dataclass
class StackEvent:
    time: float
    status: str
    reason: str = ""


@dataclass
class PendingRequest:
    logical: str
    kind: str
    sent: float
    answered: float | None = None
    status: str | None = None
    reason: str = ""
    physical_id: str | None = None


@dataclass
class StackState:
    status: str = "NONE"
    events: list[StackEvent] = field(default_factory=list)
    requests: list[PendingRequest] = field(default_factory=list)


class Stack:
    def __init__(
        self,
        world: World,
        template: dict[str, Any],
        name: str,
        parameters: dict[str, str] | None = None,
        faults: Faults | None = None,
        region: str = "us-east-1",
        account: str = "123456789012",
    ) -> None:
        self.world = world
        self.name = name
        self.region = region
        self.account = account
        self.faults = faults or Faults()
        self.cloudwatch = EmulatedCloudWatch(
            world.now, self._visibility_delay, world.timing.sliding_window_end, world.timing.future_visible_from
        )
        self.cloudwatch.on_state_change = self._on_state_change
        self.services = Services(world, self.cloudwatch, self.faults, region, account)
        self.services.answers = self._receive_answer
        self.state = StackState()
        suffix = "".join(world.rng.choice("0123456789abcdef") for _ in range(12))
        self.stack_id = f"arn:aws:cloudformation:{region}:{account}:stack/{name}/{suffix}"
        self.template: dict[str, Any] = {}
        self.parameters: dict[str, str] = {}
        self.resolver: Resolver | None = None
        self.properties: dict[str, dict[str, Any]] = {}  # resolved, per live logical id
        self.custom_physical: dict[str, str] = {}
        self._pending: dict[str, PendingRequest] = {}
        self._waiting: list[str] = []  # resources not yet created (they wait for a custom resource)
        self._evaluations = 0
        # Everything ever created, for the report (deleted resources included).
        self.seen_alarms: dict[str, Alarm] = {}
        self.seen_functions: list[EmulatedFunction] = []
        self.internal_errors: list[Exception] = []
        self._load(template, parameters or {})

    # ---- template --------------------------------------------------------------------------------

    def _load(self, template: dict[str, Any], given: dict[str, str]) -> None:
        declared = template.get("Parameters", {})
        unknown = set(given) - set(declared)
        if unknown:
            raise TemplateError(f"parameters not in the template: {', '.join(sorted(unknown))}")
        values: dict[str, str] = {}
        for name, definition in declared.items():
            if name in given:
                values[name] = given[name]
            elif "Default" in definition:
                values[name] = str(definition["Default"])
            else:
                raise TemplateError(f"parameter {name} needs a value")
        for name, resource in template["Resources"].items():
            kind = resource["Type"]
            if (
                kind not in MODELLED
                and not kind.startswith("Custom::")
                and kind != "AWS::CloudFormation::CustomResource"
            ):
                raise TemplateError(f"{name}: {kind} is not modelled by the emulator")
        self.template, self.parameters = template, values
        self.resolver = self._resolver()

    def _resolver(self) -> Resolver:
        refs: dict[str, Any] = {}
        attributes: dict[tuple[str, str], Any] = {}
        r, a = self.region, self.account
        pseudo = {
            "AWS::StackName": self.name,
            "AWS::StackId": self.stack_id,
            "AWS::Region": r,
            "AWS::AccountId": a,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        for logical, resource in self.template["Resources"].items():
            # Stable across runs (hash() of a str is salted per process): the seed reproduces names too.
            digest = hashlib.sha256(f"{self.stack_id}/{logical}".encode()).hexdigest()[:12].upper()
            generated = f"{self.name}-{logical}-{digest}"
            kind = resource["Type"]
            if kind == "AWS::Lambda::Function":
                refs[logical] = generated
                attributes[(logical, "Arn")] = f"arn:aws:lambda:{r}:{a}:function:{generated}"
            elif kind == "AWS::IAM::Role":
                refs[logical] = generated
                attributes[(logical, "Arn")] = f"arn:aws:iam::{a}:role/{generated}"
            elif kind == "AWS::SNS::Topic":
                refs[logical] = f"arn:aws:sns:{r}:{a}:{generated}"
                attributes[(logical, "TopicName")] = generated
            elif kind == "AWS::Logs::LogGroup":
                refs[logical] = generated
                attributes[(logical, "Arn")] = f"arn:aws:logs:{r}:{a}:log-group:{generated}:*"
            elif kind == "AWS::Events::Rule":
                refs[logical] = generated
                attributes[(logical, "Arn")] = f"arn:aws:events:{r}:{a}:rule/{generated}"
            else:
                refs[logical] = self.custom_physical.get(logical, generated)
        partial = Resolver(self.parameters, pseudo, refs, attributes)
        for logical, resource in self.template["Resources"].items():
            if resource["Type"] == "AWS::CloudWatch::Alarm" and "AlarmName" in resource.get("Properties", {}):
                refs[logical] = partial.resolve(resource["Properties"]["AlarmName"])
                attributes[(logical, "Arn")] = f"arn:aws:cloudwatch:{r}:{a}:alarm:{refs[logical]}"
        return Resolver(self.parameters, pseudo, refs, attributes, self.template.get("Conditions", {}))

    def _live_resources(self) -> list[str]:
        """Logical ids in creation order (dependencies first), without those whose Condition is false."""
        assert self.resolver is not None
        resources = self.template["Resources"]
        order: list[str] = []
        seen: set[str] = set()

        def visit(logical: str, path: tuple[str, ...]) -> None:
            if logical in seen:
                return
            if logical in path:
                raise TemplateError(f"circular dependency: {' -> '.join((*path, logical))}")
            resource = resources[logical]
            needs = references(resource.get("Properties", {}))
            depends = resource.get("DependsOn", [])
            needs |= set(depends if isinstance(depends, list) else [depends])
            for other in sorted(needs & set(resources)):
                visit(other, (*path, logical))
            seen.add(logical)
            order.append(logical)

        for logical in resources:
            visit(logical, ())
        return [
            logical
            for logical in order
            if "Condition" not in resources[logical] or self.resolver.condition(resources[logical]["Condition"])
        ]

    # ---- lifecycle --------------------------------------------------------------------------------

    def create(self) -> None:
        """Create every resource in dependency order: at once, except that custom resources are
        sent their Create request and whatever depends on one waits for its answer."""
        self._status("CREATE_IN_PROGRESS")
        self._waiting = self._live_resources()
        self._create_ready()

    def _create_ready(self) -> None:
        resources = self.template["Resources"]
        while self._waiting:
            logical = self._waiting[0]
            depends = resources[logical].get("DependsOn", [])
            needs = references(resources[logical].get("Properties", {})) | set(
                depends if isinstance(depends, list) else [depends]
            )
            if any(self._is_custom(n) and n in self._pending_logicals() for n in needs if n in resources):
                return  # the rest waits for the custom resource's answer
            self._waiting.pop(0)
            self._create_or_fail(logical)
        self._maybe_complete("CREATE")

    def _create_or_fail(self, logical: str) -> None:
        self._or_fail("Create", logical, self._create, logical)

    def _or_fail(self, kind: str, logical: str, action: Any, *args: Any) -> None:
        """Create or update one resource; an API refusal (PutMetricAlarm's ValidationError) fails
        the operation as CloudFormation would, with the service's message as the reason."""
        try:
            action(*args)
        except CloudWatchError as error:
            if kind == "Create":
                self.properties.pop(logical, None)
            failure = PendingRequest(logical, kind, self.world.now(), self.world.now(), "FAILED")
            failure.reason = f"{logical}: {error.code}: {error}"
            self._pending[f"resource:{logical}"] = failure
            self.state.requests.append(failure)

    def _pending_logicals(self) -> set[str]:
        return {r.logical for r in self._pending.values() if r.answered is None or r.status != "SUCCESS"}

    def update(self, template: dict[str, Any] | None = None, parameters: dict[str, str] | None = None) -> None:
        """Update in place: changed alarms keep their state (PutMetricAlarm: 'its state is left
        unchanged'); changed functions get the new code and environment; custom resources get Update."""
        self._status("UPDATE_IN_PROGRESS")
        old_properties = dict(self.properties)
        merged = {**self.parameters, **(parameters or {})}
        new_template = template or self.template
        merged = {k: v for k, v in merged.items() if k in new_template.get("Parameters", {})}
        self._load(new_template, merged)
        for logical in self._live_resources():
            if logical not in old_properties:
                self._create_or_fail(logical)
            else:
                self._or_fail("Update", logical, self._update, logical, old_properties[logical])
        for logical in set(old_properties) - set(self._live_resources()):
            self._remove(logical)
        self._maybe_complete("UPDATE")

    def delete(self) -> None:
        """Custom resources first (they depend on the rest), then everything else once answered."""
        self._status("DELETE_IN_PROGRESS")
        customs = [lg for lg in reversed(self._live_resources()) if self._is_custom(lg) and lg in self.properties]
        for logical in customs:
            self._send("Delete", logical, None)
        self._maybe_complete("DELETE")

    @property
    def status(self) -> str:
        return self.state.status

    def _status(self, status: str, reason: str = "") -> None:
        self.state.status = status
        self.state.events.append(StackEvent(self.world.now(), status, reason))

    def _maybe_complete(self, operation: str) -> None:
        if any(r.answered is None for r in self._pending.values()):
            return
        if operation == "CREATE" and self._waiting:
            if all(r.status == "SUCCESS" for r in self._pending.values()):
                self._create_ready()  # an answer came: create what waited for it
                return
            self._waiting = []  # a failed custom resource: the rest is never created
        failed = [r for r in self._pending.values() if r.status != "SUCCESS"]
        self._pending.clear()
        if operation == "DELETE":
            for logical in reversed(self._live_resources()):
                self._remove(logical)
            self._status("DELETE_FAILED" if failed else "DELETE_COMPLETE", failed[0].reason if failed else "")
        elif failed:
            self._status(f"{operation}_FAILED", failed[0].reason)
            if operation == "CREATE":
                # Rollback: take down what was created (the custom resource is asked to Delete too).
                for logical in reversed(self._live_resources()):
                    if not self._is_custom(logical):
                        self._remove(logical)
                self._status("ROLLBACK_COMPLETE")
        else:
            self._status(f"{operation}_COMPLETE")

    # ---- resources ---------------------------------------------------------------------------------

    def _is_custom(self, logical: str) -> bool:
        kind = self.template["Resources"][logical]["Type"]
        return kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"

    def _props(self, logical: str) -> dict[str, Any]:
        assert self.resolver is not None
        return dict(self.resolver.resolve(self.template["Resources"][logical].get("Properties", {})))

    def _create(self, logical: str) -> None:
        assert self.resolver is not None
        kind = self.template["Resources"][logical]["Type"]
        props = self._props(logical)
        self.properties[logical] = props
        ref = self.resolver.ref(logical)
        if kind == "AWS::CloudWatch::Alarm":
            alarm = self._alarm(props, ref)
            pinned = pinned_offset(self.world.timing.evaluation_offset_s, alarm.name)
            drawn = self.world.rng.uniform(0, alarm.cycle_s)  # drawn even when pinned: same seed, same run
            alarm.offset_s = drawn if pinned is None else pinned % alarm.cycle_s
            self.cloudwatch.add_alarm(alarm)
            self.seen_alarms[alarm.name] = alarm
            self._schedule_evaluations(alarm)
        elif kind == "AWS::Lambda::Function":
            function = self._function(logical, props)
            self.services.add_function(function)
            self.seen_functions.append(function)
        elif kind == "AWS::Lambda::Permission":
            target = self.services.functions.get(props["FunctionName"])
            if target is None:
                raise TemplateError(f"{logical}: no function {props['FunctionName']}")
            target.permissions.append({"Logical": logical, **props})
        elif kind == "AWS::SNS::Topic":
            self.services.topics[ref] = []
        elif kind == "AWS::SNS::Subscription":
            self.services.topics.setdefault(props["TopicArn"], []).append((props["Protocol"], props["Endpoint"]))
        elif kind == "AWS::Events::Rule":
            self._schedule_rule(logical, props)
        elif self._is_custom(logical):
            self._send("Create", logical, None)

    def _update(self, logical: str, old: dict[str, Any]) -> None:
        new = self._props(logical)
        if new == old:
            return
        kind = self.template["Resources"][logical]["Type"]
        self.properties[logical] = new
        if kind == "AWS::CloudWatch::Alarm":
            alarm = self.cloudwatch.alarms.get(new["AlarmName"])
            if alarm is None or old.get("AlarmName") != new["AlarmName"]:
                self._remove_alarm(old.get("AlarmName"))
                self._create(logical)
                return
            fresh = self._alarm(new, alarm.name)
            check_window(fresh)  # PutMetricAlarm refuses a bad window on update too
            fresh.state, fresh.state_reason, fresh.offset_s = alarm.state, alarm.state_reason, alarm.offset_s
            alarm.__dict__.update(fresh.__dict__)
        elif kind == "AWS::Lambda::Function":
            function = self.services.functions[self.resolver.ref(logical)]  # type: ignore[union-attr]
            replacement = self._function(logical, new)
            replacement.permissions, replacement.last_run = function.permissions, function.last_run
            self.services.add_function(replacement)
            self.seen_functions.append(replacement)
        elif self._is_custom(logical):
            self._send("Update", logical, old)
        else:
            self._remove(logical, old)
            self._create(logical)

    def _remove(self, logical: str, props: dict[str, Any] | None = None) -> None:
        props = props if props is not None else self.properties.get(logical, {})
        self.properties.pop(logical, None)
        kind = self.template["Resources"].get(logical, {}).get("Type", "")
        if kind == "AWS::CloudWatch::Alarm":
            self._remove_alarm(props.get("AlarmName"))
        elif kind == "AWS::Lambda::Function":
            function = self.services.functions.get(props.get("FunctionName", "")) or next(
                (f for f in self.services.functions.values() if f.name.startswith(f"{self.name}-{logical}-")), None
            )
            if function:
                self.services.remove_function(function.arn)
        elif kind == "AWS::Lambda::Permission":
            for function in {id(f): f for f in self.services.functions.values()}.values():
                function.permissions = [p for p in function.permissions if p.get("Logical") != logical]
        elif kind == "AWS::SNS::Topic":
            assert self.resolver is not None
            self.services.topics.pop(self.resolver.ref(logical), None)
        elif kind == "AWS::SNS::Subscription":
            subscribers = self.services.topics.get(props.get("TopicArn", ""), [])
            if (props.get("Protocol"), props.get("Endpoint")) in subscribers:
                subscribers.remove((props["Protocol"], props["Endpoint"]))

    def _schedule_rule(self, logical: str, props: dict[str, Any]) -> None:
        """A scheduled rule: fact: it fires within its minute, not on the 0th second, and
        (measured) on the same second each time, +-0.5 s. Only rate() is modelled."""
        if props.get("State", "ENABLED") != "ENABLED":
            return
        match = _RATE.match(str(props.get("ScheduleExpression", "")))
        if not match:
            raise TemplateError(f"{logical}: only rate(N minutes|hours|days) schedules are modelled")
        unit = {"minute": 60, "hour": 3600, "day": 86_400}[match.group(2).rstrip("s")]
        every = int(match.group(1)) * unit
        offset = self.world.rng.uniform(1, 59)
        assert self.resolver is not None
        rule_arn = self.resolver.get_att(logical, "Arn")
        marker = props  # this very dict stays in self.properties while the rule lives unchanged

        def fire(nominal: float) -> None:
            if self.properties.get(logical) is not marker:
                return  # deleted or updated: a new schedule (if any) has taken over
            for target in props.get("Targets", []):
                event = json.loads(target["Input"]) if "Input" in target else {"source": "aws.events"}
                self.services.invoke_async(target["Arn"], event, EVENTS_PRINCIPAL, rule_arn)
            next_nominal = nominal + every
            self.world.at(next_nominal + self.world.rng.uniform(-0.5, 0.5), fire, next_nominal)

        first = math.floor(self.world.now() / 60 + 1) * 60 + offset
        self.world.at(first, fire, first)

    def _remove_alarm(self, name: str | None) -> None:
        if name:
            self.cloudwatch.remove_alarm(name)

    def _alarm(self, props: dict[str, Any], name: str) -> Alarm:
        enabled = props.get("ActionsEnabled", True)
        # fact: without EvaluationWindow an alarm uses a sliding window (AWS::CloudWatch::Alarm).
        window = props.get("EvaluationWindow") or {SLIDING: {}}
        kind = next(iter(window)) if isinstance(window, dict) and len(window) == 1 else repr(window)
        return Alarm(
            name=name,
            arn=f"arn:aws:cloudwatch:{self.region}:{self.account}:alarm:{name}",
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
            timezone=str((window.get(kind) or {}).get("Timezone", "")) if isinstance(window, dict) else "",
        )

    def _function(self, logical: str, props: dict[str, Any]) -> EmulatedFunction:
        assert self.resolver is not None
        role_arn = props["Role"]
        role_logical = next(
            (
                lg
                for lg, r in self.template["Resources"].items()
                if r["Type"] == "AWS::IAM::Role" and self.resolver.get_att(lg, "Arn") == role_arn
            ),
            None,
        )
        statements: list[dict[str, Any]] = []
        if role_logical:
            for policy in self._props(role_logical).get("Policies", []):
                found = policy["PolicyDocument"]["Statement"]
                statements.extend(found if isinstance(found, list) else [found])
        variables = props.get("Environment", {}).get("Variables", {})
        return EmulatedFunction(
            name=self.resolver.ref(logical),
            arn=self.resolver.get_att(logical, "Arn"),
            region=self.region,
            role_statements=statements,
            environment={key: str(value) for key, value in variables.items()},
            code=props["Code"]["ZipFile"],
        )

    # ---- alarms: evaluation and actions ------------------------------------------------------------

    def _schedule_evaluations(self, alarm: Alarm) -> None:
        cycle = alarm.cycle_s
        now = self.world.now()
        first = math.floor((now - alarm.offset_s) / cycle + 1) * cycle + alarm.offset_s
        name = alarm.name
        timing = self.world.timing

        def evaluate(nominal: float) -> None:
            current = self.cloudwatch.alarms.get(name)
            if current is not alarm:
                return  # deleted or replaced: this schedule ends
            self.cloudwatch.evaluate(alarm, timing.evaluation_range_periods)
            self._evaluations += 1
            if self._evaluations % 5000 == 0:
                self.cloudwatch.store.prune(self.world.now())
            schedule(nominal + cycle)

        def schedule(nominal: float) -> None:
            delay = self.faults.evaluation_delay(nominal, name)
            if delay is None:  # this evaluation is skipped
                self.world.at(nominal, lambda: schedule(nominal + cycle))
                return
            self.world.at(nominal + delay + self.world.draw(timing.evaluation_jitter_s), evaluate, nominal)

        schedule(first)

    def _on_state_change(self, alarm: Alarm, change: StateChange) -> None:
        # fact: actions run only on a change, and only when the alarm's actions are enabled.
        if not alarm.actions_enabled:
            return
        for action in alarm.actions_for(change.new):
            if self.faults.drop_notification(change.time, alarm.name):
                self.world.log({"level": "WARNING", "action": "notification_lost", "alarm": alarm.name})
                continue
            timing = self.world.timing
            delay = self.world.draw(timing.action_latency_s)
            self.world.later(delay, self._deliver_action, alarm, change, action)
            # fact: rarely, a state change is notified twice (assumption: how rarely, how late).
            if self.world.chance(timing.duplicate_notification_prob):
                late = delay + self.world.draw(timing.duplicate_delay_s)
                self.world.later(late, self._deliver_action, alarm, change, action)
            injected = self.faults.duplicate_delay(change.time, alarm.name)
            if injected is not None:
                self.world.later(delay + injected, self._deliver_action, alarm, change, action)

    def _deliver_action(self, alarm: Alarm, change: StateChange, action: str) -> None:
        if ":sns:" in action:
            if action not in self.services.topics:
                return
            message = formats.sns_alarm_message(alarm, change, self.region, self.account)
            self.services.publish_to_topic(action, message, formats.sns_subject(alarm, change, self.region))
        elif ":lambda:" in action:
            event = formats.direct_alarm_event(alarm, change, self.region, self.account)
            self.services.invoke_async(action, event, ALARM_PRINCIPAL, alarm.arn)

    def _visibility_delay(self) -> float:
        return self.world.draw(self.world.timing.visibility_delay_s) + self.faults.visibility_delay(self.world.now())

    # ---- custom resources -----------------------------------------------------------------------------

    def _send(self, kind: str, logical: str, old: dict[str, Any] | None) -> None:
        props = self.properties.get(logical) or self._props(logical)
        token = props["ServiceToken"]
        request_id = f"{len(self.state.requests) + 1:04d}-{kind.lower()}"
        url = f"https://cloudformation-custom-resource-response.emulated/{self.name}/{logical}/{request_id}"
        request = formats.custom_resource_request(
            kind,
            self.stack_id,
            logical,
            self.template["Resources"][logical]["Type"],
            token,
            props,
            old,
            self.custom_physical.get(logical),
            request_id,
            url,
        )
        pending = PendingRequest(logical, kind, self.world.now())
        self._pending[url] = pending
        self.state.requests.append(pending)
        if ":sns:" in token:
            self.services.publish_to_topic(token, json.dumps(request), "AWS CloudFormation custom resource request")
        else:
            # CloudFormation invokes the function with the stack's own rights: no resource policy needed.
            self.services.invoke_async(token, request, principal=None, source_arn=self.stack_id)
        timeout = float(props.get("ServiceTimeout", DEFAULT_SERVICE_TIMEOUT_S))
        self.world.later(timeout, self._time_out, url)

    def _time_out(self, url: str) -> None:
        pending = self._pending.get(url)
        if pending is None or pending.answered is not None:
            return
        pending.answered, pending.status = self.world.now(), "FAILED"
        pending.reason = "the custom resource did not answer within ServiceTimeout"
        self._maybe_complete(pending.kind.upper())

    def _receive_answer(self, url: str, body: bytes) -> None:
        # The handler logs (and survives) any error of its answer; an error here is the
        # emulator's own, so keep it for simulate() to raise instead of letting it pass as a log line.
        try:
            self._take_answer(url, body)
        except Exception as error:
            self.internal_errors.append(error)
            raise

    def _take_answer(self, url: str, body: bytes) -> None:
        pending = self._pending.get(url)
        answer = json.loads(body)
        if pending is None or pending.answered is not None:
            return  # late or unknown answers are ignored, as CloudFormation does
        pending.answered, pending.status = self.world.now(), answer.get("Status")
        pending.reason, pending.physical_id = answer.get("Reason", ""), answer.get("PhysicalResourceId")
        if pending.physical_id:
            self.custom_physical[pending.logical] = pending.physical_id
        self._maybe_complete(pending.kind.upper())
