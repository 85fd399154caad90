"""A clock's targets as CDK objects: what ARN each stands for in the template, and its grant.

The template is built from a ClockSpec, whose targets are ARNs; a CDK target's ARN is a token known
only at deploy time. So each target gets a placeholder ARN of its own service while the template is
built, and the placeholder is swapped for the target's ARN token afterwards. The tick function's
right to call it is a statement in a policy on its role, with the one action the handler calls on
the target (the template's TARGET_ACTIONS), never CDK's grant_* methods: grant_send_messages also
gives sqs:GetQueueAttributes, sqs:GetQueueUrl and the key's Encrypt and ReEncrypt*, which the clock
never uses, and grant_invoke on a function imported from another account tries to change that
function's policy, which fails at synth. A target in another account gets a warning instead, naming
the policy its owner must add (alarmclock.target_access).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Token
from aws_cdk import aws_iam as iam

from alarmclock.spec import Target, parse_target
from alarmclock.target_access import owner_policy
from alarmclock.template import TARGET_ACTIONS, Json, target_statements

PLACEHOLDER_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class CdkTarget:
    construct: Any  # IFunction, ITopic, IQueue or IEventBus
    service: str  # a key of alarmclock.spec.TARGET_SERVICES
    arn: str  # the CDK token of its ARN
    placeholder: str  # the ARN standing in for it while the template is built

    def grants(self, grantee: iam.IGrantable) -> list[iam.Grant]:
        """What the tick function needs to call it, on its role, without a wildcard: the one action on
        the target's ARN (a version's or alias's ARN names just it; the handler invokes an unqualified
        function by its own ARN), and GenerateDataKey and Decrypt on a queue's or topic's customer
        managed key (spec's --target-key)."""
        found = [
            iam.Grant.add_to_principal(
                grantee=grantee, actions=[TARGET_ACTIONS[self.service]], resource_arns=[self.arn]
            )
        ]
        key = getattr(self.construct, "encryption_master_key" if self.service == "sqs" else "master_key", None)
        if key is not None:
            actions = ["kms:GenerateDataKey", "kms:Decrypt"]
            found.append(iam.Grant.add_to_principal(grantee=grantee, actions=actions, resource_arns=[key.key_arn]))
        return found

    def account_warning(self, account: str) -> str | None:
        """What the owner of a target in another account than the clock's must add, if it is known to be one."""
        theirs = getattr(getattr(self.construct, "env", None), "account", None)
        if not isinstance(theirs, str) or Token.is_unresolved(theirs) or Token.is_unresolved(account):
            return None
        if theirs == account:
            return None
        arn = self.arn if not Token.is_unresolved(self.arn) else self.placeholder
        policy = owner_policy(Target(arn, self.service), account)
        return (
            f"target {arn} is in account {theirs}, not the clock's ({account}): every tick to it fails "
            f"until its owner adds {policy}"
        )


# jsii interfaces are not runtime-checkable, so a target is known by the ARN attribute it has.
ARN_ATTRIBUTES = {"lambda": "function_arn", "sns": "topic_arn", "sqs": "queue_arn", "events": "event_bus_arn"}


def placeholder_arn(service: str, index: int) -> str:
    name = f"alarmclock-target-{index:03d}"  # fixed width: no placeholder is a prefix of another
    resource = {"lambda": f"function:{name}", "sns": name, "sqs": name, "events": f"event-bus/{name}"}[service]
    return f"arn:aws:{service}:us-east-1:{PLACEHOLDER_ACCOUNT}:{resource}"


def as_targets(targets: Sequence[Any]) -> list[CdkTarget]:
    found: list[CdkTarget] = []
    for index, target in enumerate(targets):
        service = next((s for s, attribute in ARN_ATTRIBUTES.items() if hasattr(target, attribute)), None)
        if service is None:
            raise TypeError(
                f"target {index} ({type(target).__name__}) is not an IFunction, ITopic, IQueue or IEventBus"
            )
        if any(other.construct is target for other in found):
            raise ValueError(f"target {index} is given twice")
        arn = getattr(target, ARN_ATTRIBUTES[service])
        found.append(CdkTarget(target, service, arn, placeholder_arn(service, index)))
    if not found:
        raise ValueError("an AlarmClock needs at least one target")
    return found


def swap_placeholders(value: Any, targets: list[CdkTarget]) -> Any:
    """Every placeholder ARN -> its target's ARN token (inside strings too: CDK joins them)."""
    if isinstance(value, str):
        for target in targets:
            value = value.replace(target.placeholder, target.arn)
        return value
    if isinstance(value, list):
        return [swap_placeholders(item, targets) for item in value]
    if isinstance(value, dict):
        return {key: swap_placeholders(item, targets) for key, item in value.items()}
    return value


def without_target_statements(role: Json, statements: list[Json]) -> Json:
    """The role with the template's statements for these targets taken out (CDK grants them)."""
    document = role["Properties"]["Policies"][0]["PolicyDocument"]
    document["Statement"] = [s for s in document["Statement"] if s not in statements]
    return role


def target_statements_of(targets: list[CdkTarget]) -> list[Json]:
    """The statements the template grants these targets (taken out of the role: CDK grants them)."""
    return target_statements(tuple(parse_target(t.placeholder) for t in targets))
