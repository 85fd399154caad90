"""The emulator's CloudFormation engine dispatches by type: each resource type is one provider
(emulator/providers/), and a type the engine has never heard of is one more provider, registered."""

from __future__ import annotations

from typing import Any

import pytest

from alarmclock.emulator import stack as engine
from alarmclock.emulator.providers import Names, Provider, modelled_types, provider_for, register, unregister
from alarmclock.emulator.providers.base import Stack
from alarmclock.emulator.world import World
from alarmclock.intrinsics import TemplateError
from alarmclock.spec import build_spec
from alarmclock.template import build_template
from alarmclock.timing_model import TimingModel

QUEUE = "AWS::SQS::Queue"
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Jobs": {"Type": QUEUE, "Properties": {"QueueName": "jobs"}},
        "Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Fn::GetAtt": ["Jobs", "Arn"]}}},
    }
}


class QueueProvider(Provider):
    """A queue as a sink of the emulated account: what a beat or cost issue would add. It sees the
    stack as providers/base.py's Stack, never the engine's."""

    kind = QUEUE

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        return Names(f"https://sqs.{stack.region}.amazonaws.com/{stack.account}/{generated}", {"Arn": self.arn(stack)})

    def create(self, stack: Stack, logical: str, props: dict[str, Any]) -> None:
        stack.services.add_sink(self.arn(stack))

    def remove(self, stack: Stack, logical: str, props: dict[str, Any]) -> None:
        stack.services.sinks.pop(self.arn(stack), None)

    @staticmethod
    def arn(stack: Stack) -> str:
        return f"arn:aws:sqs:{stack.region}:{stack.account}:jobs"


def a_stack(template: dict[str, Any]) -> engine.Stack:
    return engine.Stack(World(1, TimingModel()), template, "clock")


def test_every_type_of_a_clocks_template_has_a_provider() -> None:
    for publish in ("wave", "api", "logs"):
        for via in ("lambda", "sns"):
            template = build_template(build_spec(every="1m", via=via, publish=publish))
            kinds = {resource["Type"] for resource in template["Resources"].values()}
            assert all(provider_for(kind) is not None for kind in kinds), kinds
    assert provider_for("Custom::Anything") is provider_for("AWS::CloudFormation::CustomResource") is not None
    assert QUEUE not in modelled_types() and provider_for(QUEUE) is None


def test_a_type_without_a_provider_is_refused_by_name() -> None:
    with pytest.raises(TemplateError, match=f"Jobs: {QUEUE} is not modelled by the emulator"):
        a_stack(TEMPLATE)


def test_a_new_type_is_one_registered_provider_and_the_engine_names_creates_and_removes_it() -> None:
    register(QueueProvider)
    try:
        stack = a_stack(TEMPLATE)
        stack.create()
        assert stack.status == "CREATE_COMPLETE"
        arn = QueueProvider.arn(stack)
        assert arn in stack.services.sinks
        # The engine resolved another resource's Fn::GetAtt through the new provider's names.
        assert stack.properties["Alerts"] == {"DisplayName": arn}
        assert stack.resolver is not None
        assert stack.resolver.ref("Jobs").startswith("https://sqs.us-east-1.amazonaws.com/123456789012/clock-Jobs-")
        stack.delete()
        assert stack.status == "DELETE_COMPLETE" and arn not in stack.services.sinks
    finally:
        unregister(QUEUE)
    assert provider_for(QUEUE) is None
