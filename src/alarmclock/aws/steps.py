"""The steps of a plan (what `execute` will do, call by call) and the plan itself: plain values,
so the planner builds them without AWS and the one module that talks to CloudFormation
(aws/stacks.py) takes them without importing the planner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from alarmclock import __version__
from alarmclock.aws.models import ClockNames

CAPABILITIES = ("CAPABILITY_IAM",)


@dataclass(frozen=True)
class Parameter:
    key: str
    value: str | None = None  # None: keep the deployed value

    def api(self) -> dict[str, Any]:
        if self.value is None:
            return {"ParameterKey": self.key, "UsePreviousValue": True}
        return {"ParameterKey": self.key, "ParameterValue": self.value}


# ---- steps --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckTargets:
    targets: tuple[str, ...]


@dataclass(frozen=True)
class UploadTemplate:
    """Put the template where CloudFormation will read it (deploy --s3-bucket): an object of the
    user's bucket, removed when the run ends, since CloudFormation keeps its own copy of a change
    set's template."""

    bucket: str
    key: str
    body: str


@dataclass(frozen=True)
class CreateChangeSet:
    stack: str
    name: str
    change_set_type: Literal["CREATE", "UPDATE"]
    template_body: str
    parameters: tuple[Parameter, ...]
    tags: tuple[tuple[str, str], ...]
    role_arn: str | None = None  # the service role CloudFormation assumes (--role-arn)
    from_s3: bool = False  # the body was uploaded (UploadTemplate): send its URL instead

    def request(self, template_url: str | None = None) -> dict[str, Any]:
        if self.from_s3 and template_url is None:
            raise ValueError("a change set from S3 needs the uploaded template's URL")
        source = {"TemplateURL": template_url} if self.from_s3 else {"TemplateBody": self.template_body}
        request = {
            "StackName": self.stack,
            "ChangeSetName": self.name,
            "ChangeSetType": self.change_set_type,
            **source,
            "Parameters": [p.api() for p in self.parameters],
            "Capabilities": list(CAPABILITIES),
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags],
            "Description": f"alarmclock {__version__} deploy",
        }
        if self.role_arn:
            request["RoleARN"] = self.role_arn
        return request


@dataclass(frozen=True)
class ReviewChangeSet:
    ask_before_destroying: bool  # False with --yes


@dataclass(frozen=True)
class ExecuteChangeSet:
    """Run only on the stack the plan was made from: its status and last change as read then
    ("" and None: no stack yet, so the change set's own REVIEW_IN_PROGRESS stack)."""

    read_status: str = ""
    read_changed: datetime | None = None


@dataclass(frozen=True)
class LeaveChangeSet:
    """--no-execute: the change set stays, shown and not executed (as `aws cloudformation deploy
    --no-execute-changeset`)."""


@dataclass(frozen=True)
class UpdateParameters:
    stack: str
    parameters: tuple[Parameter, ...]

    def request(self) -> dict[str, Any]:
        return {
            "StackName": self.stack,
            "UsePreviousTemplate": True,
            "Parameters": [p.api() for p in self.parameters],
            "Capabilities": list(CAPABILITIES),
        }


@dataclass(frozen=True)
class InvokeRestart:
    """Invoke the clock's function with a restart (`alarmclock restart`): no stack change."""

    function_name: str
    # A wave clock's design to switch to ("now" or "wave"), or None: restart the design it runs.
    design: str | None = None


@dataclass(frozen=True)
class DeleteStack:
    stack: str


@dataclass(frozen=True)
class WaitForStack:
    success: frozenset[str]


@dataclass(frozen=True)
class WaitForTick:
    names: ClockNames
    period_s: int
    timeout_s: float


@dataclass(frozen=True)
class ConfirmGone:
    names: ClockNames
    function_name: str | None
    settle_s: float
    period_s: int = 60


S = TypeVar("S")

Step = (
    CheckTargets
    | UploadTemplate
    | CreateChangeSet
    | ReviewChangeSet
    | ExecuteChangeSet
    | LeaveChangeSet
    | UpdateParameters
    | InvokeRestart
    | DeleteStack
    | WaitForStack
    | WaitForTick
    | ConfirmGone
)


@dataclass(frozen=True)
class Plan:
    action: str  # deploy | pause | resume | restart | destroy
    stack: str
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def find(self, kind: type[S]) -> S | None:
        return next((step for step in self.steps if isinstance(step, kind)), None)
