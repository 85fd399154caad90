"""What the CloudFormation engine asks of each resource type, and the registry of types.

One provider per resource type, as moto has one model per type: it names the resource (Ref and
Fn::GetAtt), creates it, updates it and removes it, through the emulated services. The engine
(emulator/stack.py) resolves, orders and dispatches by type; a new type is one module here plus
its import in providers/__init__.py, and never touches the engine: a provider sees the stack
through `Stack` below, and a service that calls back into the stack is wired by `attach`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from alarmclock.emulator.cloudwatch import Alarm, EmulatedCloudWatch
    from alarmclock.emulator.faults import Faults
    from alarmclock.emulator.services import EmulatedFunction, Services
    from alarmclock.emulator.world import World
    from alarmclock.intrinsics import Resolver

Props = dict[str, Any]

CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
_PROVIDERS: dict[str, Provider] = {}


class Stack(Protocol):
    """What a provider may use of the stack it provisions in: its account, its emulated services and
    the engine's few verbs. emulator/stack.py's Stack is one; a provider never imports the engine."""

    name: str
    region: str
    account: str
    world: World
    services: Services
    cloudwatch: EmulatedCloudWatch
    faults: Faults
    template: dict[str, Any]
    resolver: Resolver | None
    properties: dict[str, dict[str, Any]]  # resolved, per live logical id
    custom_physical: dict[str, str]
    seen_alarms: dict[str, Alarm]
    seen_functions: list[EmulatedFunction]
    evaluations: int

    def resolved_properties(self, logical: str) -> dict[str, Any]: ...

    def create_resource(self, logical: str) -> None: ...

    def remove_resource(self, logical: str, props: dict[str, Any] | None = None) -> None: ...

    def send_request(self, kind: str, logical: str, old: dict[str, Any] | None) -> None: ...


@dataclass
class Names:
    """What a resource answers to: its Ref and its Fn::GetAtt attributes."""

    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


class Provider:
    """The default resource does nothing in the emulated account: a subclass overrides what its
    type does. Methods take the stack, whose services, resolver and properties they use."""

    kind: ClassVar[str]
    custom: ClassVar[bool] = False  # a custom resource: the engine waits for its provider's answer

    def attach(self, stack: Stack) -> None:
        """Called once for every registered type when a stack is made, before any resource: a type
        whose service calls back into the stack (CloudWatch's alarms change state and act) wires
        that here, so the engine never names a type."""

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        """Names before any property is resolved; `generated` is CloudFormation's physical name."""
        return Names(generated)

    def named_by_properties(self, stack: Stack, logical: str, properties: Props, partial: Resolver) -> Names | None:
        """Names that come from the resource's own properties (resolved against every other
        resource's `reference`), or None to keep `reference`'s."""
        return None

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        """Bring the resource into the emulated account (props are resolved)."""

    def update(self, stack: Stack, logical: str, old: Props, new: Props) -> None:
        """Called only when the resolved properties changed; by default a replacement."""
        stack.remove_resource(logical, old)
        stack.create_resource(logical)

    def remove(self, stack: Stack, logical: str, props: Props) -> None:
        """Take the resource out of the emulated account (props: those it was created with)."""


def register(provider: type[Provider]) -> type[Provider]:
    """Class decorator: the provider of `provider.kind`."""
    _PROVIDERS[provider.kind] = provider()
    return provider


def unregister(kind: str) -> None:
    _PROVIDERS.pop(kind, None)


def is_custom_type(kind: str) -> bool:
    return kind.startswith("Custom::") or kind == CUSTOM_RESOURCE


def provider_for(kind: str) -> Provider | None:
    """The provider of a resource type; every Custom:: type is a custom resource."""
    return _PROVIDERS.get(CUSTOM_RESOURCE if is_custom_type(kind) else kind)


def modelled_types() -> frozenset[str]:
    return frozenset(_PROVIDERS)


def attach_all(stack: Stack) -> None:
    """Let every registered type wire its service to a new stack (Provider.attach)."""
    for provider in _PROVIDERS.values():
        provider.attach(stack)
