"""A clock's CloudFormation stack, emulated from its template: create, update, delete.

What runs is what the template declares: alarms with their Period, Statistic, Threshold,
ComparisonOperator, EvaluationPeriods, TreatMissingData and actions; the function with its
inline code, environment and role; the topic and subscription; the permissions; the
custom resource. A template change is a simulation change.

This module is the engine: parameters, intrinsic functions, dependency order, the stack's
lifecycle and the custom-resource protocol. What each resource type does is its provider's
(emulator/providers/, one module per type), found by type.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from alarmclock.emulator import formats, providers
from alarmclock.emulator.cloudwatch import Alarm, CloudWatchError, EmulatedCloudWatch
from alarmclock.emulator.faults import Faults
from alarmclock.emulator.services import EmulatedFunction, Services
from alarmclock.emulator.world import World
from alarmclock.intrinsics import Resolver, TemplateError, references
from alarmclock.limits import generated_name

# Every type with a provider (custom resources besides: any Custom:: type).
MODELLED = providers.modelled_types() - {"AWS::CloudFormation::CustomResource"}
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
            world.now,
            self._visibility_delay,
            world.timing.sliding_window_end,
            world.timing.future_visible_from,
            lambda: world.draw(world.timing.future_late_cycles),
            self._visibility_delays,
        )
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
        self.evaluations = 0  # by every alarm: the metric store is pruned every so many
        # Everything ever created, for the report (deleted resources included).
        self.seen_alarms: dict[str, Alarm] = {}
        self.seen_functions: list[EmulatedFunction] = []
        self.internal_errors: list[Exception] = []
        providers.attach_all(self)
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
            if providers.provider_for(kind) is None:
                raise TemplateError(f"{name}: {kind} is not modelled by the emulator")
        self.template, self.parameters = template, values
        self.resolver = self._resolver()

    def _resolver(self) -> Resolver:
        refs: dict[str, Any] = {}
        attributes: dict[tuple[str, str], Any] = {}
        pseudo = {
            "AWS::StackName": self.name,
            "AWS::StackId": self.stack_id,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }

        def name(logical: str, names: providers.Names) -> None:
            refs[logical] = names.ref
            attributes.update({(logical, attribute): value for attribute, value in names.attributes.items()})

        for logical in self.template["Resources"]:
            # Stable across runs (hash() of a str is salted per process): the seed reproduces names too.
            digest = hashlib.sha256(f"{self.stack_id}/{logical}".encode()).hexdigest()[:12].upper()
            # Shortened as CloudFormation shortens it to fit the type's limit (a 128-character stack).
            generated = generated_name(self.name, logical, digest, self.template["Resources"][logical]["Type"])
            name(logical, self._provider(logical).reference(self, logical, generated))
        # Names a resource takes from its properties (an alarm's AlarmName) may refer to the others'.
        partial = Resolver(self.parameters, pseudo, refs, attributes)
        for logical, resource in self.template["Resources"].items():
            names = self._provider(logical).named_by_properties(self, logical, resource.get("Properties", {}), partial)
            if names is not None:
                name(logical, names)
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
        self._or_fail("Create", logical, self.create_resource, logical)

    def _or_fail(self, kind: str, logical: str, action: Any, *args: Any) -> None:
        """Create or update one resource; an API refusal (PutMetricAlarm's ValidationError) fails
        the operation as CloudFormation would, with the service's message as the reason; so does a
        property of a shape the resource type does not take (a template given to --template)."""
        try:
            action(*args)
        except (CloudWatchError, KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            if kind == "Create":
                self.properties.pop(logical, None)
            failure = PendingRequest(logical, kind, self.world.now(), self.world.now(), "FAILED")
            code = error.code if isinstance(error, CloudWatchError) else "Properties validation failed"
            failure.reason = f"{logical}: {code}: {error}"
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
            self.remove_resource(logical)
        self._maybe_complete("UPDATE")

    def delete(self) -> None:
        """Custom resources first (they depend on the rest), then everything else once answered."""
        self._status("DELETE_IN_PROGRESS")
        customs = [lg for lg in reversed(self._live_resources()) if self._is_custom(lg) and lg in self.properties]
        for logical in customs:
            self.send_request("Delete", logical, None)
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
                self.remove_resource(logical)
            self._status("DELETE_FAILED" if failed else "DELETE_COMPLETE", failed[0].reason if failed else "")
        elif failed:
            self._status(f"{operation}_FAILED", failed[0].reason)
            if operation == "CREATE":
                # Rollback: take down what was created (the custom resource is asked to Delete too).
                for logical in reversed(self._live_resources()):
                    if not self._is_custom(logical):
                        self.remove_resource(logical)
                self._status("ROLLBACK_COMPLETE")
        else:
            self._status(f"{operation}_COMPLETE")

    # ---- resources: each type's provider does the work -----------------------------------------------

    def _provider(self, logical: str) -> providers.Provider:
        provider = providers.provider_for(self.template["Resources"][logical]["Type"])
        assert provider is not None  # _load refused the types without one
        return provider

    def _is_custom(self, logical: str) -> bool:
        return self._provider(logical).custom

    def resolved_properties(self, logical: str) -> dict[str, Any]:
        assert self.resolver is not None
        return dict(self.resolver.resolve(self.template["Resources"][logical].get("Properties", {})))

    def create_resource(self, logical: str) -> None:
        props = self.resolved_properties(logical)
        self.properties[logical] = props
        self._provider(logical).create(self, logical, props)

    def _update(self, logical: str, old: dict[str, Any]) -> None:
        new = self.resolved_properties(logical)
        if new == old:
            return
        self.properties[logical] = new
        self._provider(logical).update(self, logical, old, new)

    def remove_resource(self, logical: str, props: dict[str, Any] | None = None) -> None:
        props = props if props is not None else self.properties.get(logical, {})
        self.properties.pop(logical, None)
        # (A resource gone from the template has no type here, and nothing is removed.)
        provider = providers.provider_for(self.template["Resources"].get(logical, {}).get("Type", ""))
        if provider is not None:
            provider.remove(self, logical, props)

    def _visibility_delay(self) -> float:
        # Asked once for every value stored (a wave's 720 at 10 s): world.draw written out, with
        # random.uniform's own arithmetic, so the same seed draws the same delays.
        world = self.world
        low, high = world.timing.visibility_delay_s
        wait = low if high <= low else low + (high - low) * world.rng.random()
        return wait + self.faults.visibility_delay(world._now)

    def _visibility_delays(self, count: int) -> list[float]:
        """`_visibility_delay` `count` times, drawn in the same order: a wave's values at once."""
        world = self.world
        low, high = world.timing.visibility_delay_s
        extra = self.faults.visibility_delay(world._now)
        if high <= low:
            return [low + extra] * count
        span, random = high - low, world.rng.random
        return [low + span * random() + extra for _ in range(count)]

    # ---- custom resources -----------------------------------------------------------------------------

    def send_request(self, kind: str, logical: str, old: dict[str, Any] | None) -> None:
        """Send a custom resource its Create, Update or Delete request; the operation completes
        when it answers (or fails when ServiceTimeout passes first)."""
        props = self.properties.get(logical) or self.resolved_properties(logical)
        token = props["ServiceToken"]
        request_id = f"{len(self.state.requests) + 1:04d}-{kind.lower()}"
        # CloudFormation's answer URL is a presigned S3 URL; the handler PUTs to no other.
        bucket = f"cloudformation-custom-resource-response-{self.region.replace('-', '')}"
        url = f"https://{bucket}.s3.amazonaws.com/{self.name}/{logical}/{request_id}"
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
