"""What a target's owner must allow before a clock in another account can call it (issue 26).

The clock's role grants only its own side: a target in another account also needs its owner's
resource policy, which lets the clock's account call it (IAM User Guide, "Cross account resource
access in IAM": https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html).
Without it every tick to that target fails. `template` cannot know the account it will be deployed
in, so it warns where the targets are in several accounts; `deploy` knows, and names it.
"""

from __future__ import annotations

from alarmclock.spec import Target

# The statement each kind of target's owner adds, as its own CLI writes it where it has a command.
OWNER_POLICY = {
    "lambda": (
        "a statement in the function's resource-based policy (aws lambda add-permission --function-name {arn} "
        "--statement-id alarmclock --action lambda:InvokeFunction --principal {account})"
    ),
    "sns": "a statement in the topic's access policy that allows sns:Publish on {arn} to {root}",
    "sqs": "a statement in the queue's access policy that allows sqs:SendMessage on {arn} to {root}",
    "events": (
        "a statement in the event bus's resource-based policy (aws events put-permission --event-bus-name {arn} "
        "--action events:PutEvents --principal {account} --statement-id alarmclock)"
    ),
}


def owner_policy(target: Target, account: str) -> str:
    partition = target.arn.split(":")[1]
    return OWNER_POLICY[target.service].format(
        arn=target.arn, account=account, root=f"arn:{partition}:iam::{account}:root"
    )


def cross_account_warnings(targets: tuple[Target, ...], account: str | None) -> list[str]:
    """One line per target in another account than the clock's (`account`; None: not known, so each
    target of a clock whose targets are in several accounts), naming the policy its owner must add."""
    if account is None:
        if len({t.account for t in targets}) < 2:
            return []
        return [
            f"warning: --target {t.arn} is in account {t.account}; deployed in another account, the clock can call "
            f"it only once its owner adds {owner_policy(t, 'CLOCK-ACCOUNT')}"
            for t in targets
        ]
    return [
        f"warning: --target {t.arn} is in account {t.account}, not the clock's ({account}): every tick to it fails "
        f"until its owner adds {owner_policy(t, account)}"
        for t in targets
        if t.account != account
    ]
