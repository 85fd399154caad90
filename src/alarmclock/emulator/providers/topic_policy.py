"""AWS::SNS::TopicPolicy: who may publish to a topic besides its own account's identities.

CloudWatch publishes an alarm's notification as the service principal cloudwatch.amazonaws.com, so a
topic with a policy takes it only where a statement allows that principal for that alarm (its ARN as
aws:SourceArn, its account as aws:SourceAccount: IAM User Guide, "The confused deputy problem",
https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
CloudFormation publishes a custom resource's request with the rights of whoever runs the stack
operation, an identity of the account, which the topic policy does not need to name (Stack.send_request).
A topic without a policy has SNS's default one, under which the account's alarms may publish.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alarmclock.emulator import iam
from alarmclock.emulator.providers.base import Props, Provider, register

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack
    from alarmclock.emulator.services import Services


@register
class TopicPolicyProvider(Provider):
    kind = "AWS::SNS::TopicPolicy"

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        for topic in props["Topics"]:
            stack.services.topic_policies[topic] = list(props["PolicyDocument"]["Statement"])

    def remove(self, stack: Stack, logical: str, props: Props) -> None:
        for topic in props["Topics"]:
            stack.services.topic_policies.pop(topic, None)


def service_may_publish(services: Services, topic: str, service: str, source_arn: str, source_account: str) -> bool:
    """Whether `service`, acting for `source_arn` in `source_account`, may publish to `topic`."""
    statements = services.topic_policies.get(topic)
    if statements is None:
        return True
    return any(_allows(s, topic, service, source_arn, source_account) for s in statements)


def _allows(statement: dict[str, Any], topic: str, service: str, source_arn: str, source_account: str) -> bool:
    principal = (statement.get("Principal") or {}).get("Service")
    if statement.get("Effect") != "Allow" or service not in _listed(principal):
        return False
    if "sns:Publish" not in _listed(statement.get("Action")) or topic not in _listed(statement.get("Resource")):
        return False
    facts = {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account}
    for operator, tests in (statement.get("Condition") or {}).items():
        for key, wanted in tests.items():
            if key not in facts or operator not in ("ArnEquals", "ArnLike", "StringEquals", "StringLike"):
                return False  # a condition the emulator does not model: it can only refuse more
            if not any(iam.wildcard_matches(str(w), facts[key]) for w in _listed(wanted)):
                return False
    return True


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
