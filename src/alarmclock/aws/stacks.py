"""The only module that talks to CloudFormation: one method per API call, models out."""

from __future__ import annotations

from typing import Any

from alarmclock.aws.metrics import NOT_FOUND_CODES
from alarmclock.aws.models import (
    FAILED,
    Change,
    ClockMetadata,
    Deployed,
    StackEvent,
    StackInfo,
    is_no_change,
    parse_metadata,
    root_cause,
)
from alarmclock.aws.session import Aws, error_code, error_message
from alarmclock.aws.steps import CreateChangeSet, UpdateParameters
from alarmclock.template import TARGET_PARAMETER


class Stacks:
    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    @property
    def cloudformation(self) -> Any:
        return self.aws.client("cloudformation")

    # ---- reading ---------------------------------------------------------------------------

    def describe(self, name_or_id: str) -> StackInfo | None:
        """The stack, or None if there is none by that name (or id) in this region."""
        import botocore.exceptions

        try:
            stacks = self.cloudformation.describe_stacks(StackName=name_or_id)["Stacks"]
        except botocore.exceptions.ClientError as error:
            if error_code(error) == "ValidationError" and "does not exist" in error_message(error):
                return None
            raise
        return StackInfo.from_api(stacks[0]) if stacks else None

    def metadata(self, stack: StackInfo, read_function: bool = False) -> ClockMetadata | None:
        """The clock read back from its template's Metadata (GetTemplateSummary) and, with
        `read_function`, its targets and payload from its function's environment (two calls more)."""
        import botocore.exceptions

        try:
            summary = self.cloudformation.get_template_summary(StackName=stack.stack_id)
        except botocore.exceptions.ClientError as error:
            # A stack in REVIEW_IN_PROGRESS has no template yet.
            if error_code(error) == "ValidationError":
                return None
            raise
        raw = summary.get("Metadata")
        block = parse_metadata(raw).get("alarmclock")
        # An older clock's template holds the targets in its Metadata (CHANGELOG), and needs no more reading.
        environment = None
        if read_function and isinstance(block, dict) and "targets" not in block:
            environment = self.function_environment(stack.stack_id)
        return ClockMetadata.from_template_metadata(
            raw, stack.name, environment, target_parameter=TARGET_PARAMETER in stack.parameters
        )

    def function_environment(self, name_or_id: str) -> dict[str, str] | None:
        """The clock's function's environment variables (GetFunctionConfiguration), or None without one."""
        import botocore.exceptions

        function = self.function_name(name_or_id)
        if function is None:
            return None
        try:
            answer = self.aws.client("lambda").get_function_configuration(FunctionName=function)
        except botocore.exceptions.ClientError as error:
            if error_code(error) in NOT_FOUND_CODES:
                return None
            raise
        variables = (answer.get("Environment") or {}).get("Variables") or {}
        return {str(key): str(value) for key, value in variables.items()}

    def physical_id(self, stack: str, logical: str) -> str | None:
        """The physical id of one of the stack's resources, or None if it has none by that name."""
        import botocore.exceptions

        try:
            found = self.cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=logical)
        except botocore.exceptions.ClientError as error:
            if error_code(error) == "ValidationError":
                return None
            raise
        return str(found["StackResourceDetail"].get("PhysicalResourceId") or "") or None

    def deployed(self, name: str, read_function: bool = False) -> Deployed | None:
        """What is deployed under `name`; `read_function`: with its targets and payload (Stacks.metadata)."""
        stack = self.describe(name)
        if stack is None:
            return None
        return self.deployed_from(stack, read_function)

    def deployed_from(self, stack: StackInfo, read_function: bool = False) -> Deployed:
        """What is deployed, for a stack already described (GetTemplateSummary; events if it failed)."""
        metadata = None if stack.status == "REVIEW_IN_PROGRESS" else self.metadata(stack, read_function)
        failure = root_cause(self.events(stack.stack_id)) if stack.status in FAILED else ""
        return Deployed(stack, metadata, failure)

    def list_clocks(self) -> list[StackInfo]:
        found = []
        for page in self.cloudformation.get_paginator("describe_stacks").paginate():
            for raw in page.get("Stacks", []):
                stack = StackInfo.from_api(raw)
                if stack.looks_like_clock and stack.status != "DELETE_COMPLETE":
                    found.append(stack)
        return sorted(found, key=lambda s: s.name)

    def events(self, name_or_id: str) -> list[StackEvent]:
        """The latest page of events, newest first."""
        answer = self.cloudformation.describe_stack_events(StackName=name_or_id)
        return [StackEvent.from_api(e) for e in answer.get("StackEvents", [])]

    def function_name(self, name_or_id: str) -> str | None:
        import botocore.exceptions

        try:
            detail = self.cloudformation.describe_stack_resource(StackName=name_or_id, LogicalResourceId="TickFunction")
        except botocore.exceptions.ClientError as error:
            if error_code(error) == "ValidationError":
                return None
            raise
        return detail["StackResourceDetail"].get("PhysicalResourceId") or None

    # ---- changing --------------------------------------------------------------------------

    def create_change_set(self, step: CreateChangeSet, template_url: str | None = None) -> tuple[str, str] | None:
        """(change set id, stack id); None if CloudFormation says nothing would change. `template_url`:
        where UploadTemplate put the body (deploy --s3-bucket)."""
        import botocore.exceptions

        try:
            answer = self.cloudformation.create_change_set(**step.request(template_url))
        except botocore.exceptions.ClientError as error:
            # AWS usually creates the change set and fails it with "didn't contain changes"
            # (handled when it is described); some endpoints refuse up front instead.
            if error_code(error) == "ValidationError" and is_no_change(error_message(error)):
                return None
            raise
        return answer["Id"], answer["StackId"]

    def describe_change_set(self, change_set_id: str) -> tuple[str, str, list[Change]]:
        """(status, reason, changes)."""
        answer = self.cloudformation.describe_change_set(ChangeSetName=change_set_id)
        changes = [Change.from_api(c) for c in answer.get("Changes", [])]
        token = answer.get("NextToken")
        while token:
            more = self.cloudformation.describe_change_set(ChangeSetName=change_set_id, NextToken=token)
            changes += [Change.from_api(c) for c in more.get("Changes", [])]
            token = more.get("NextToken")
        return answer.get("Status", ""), answer.get("StatusReason") or "", changes

    def execute_change_set(self, change_set_id: str) -> None:
        self.cloudformation.execute_change_set(ChangeSetName=change_set_id)

    def delete_change_set(self, change_set_id: str) -> None:
        self.cloudformation.delete_change_set(ChangeSetName=change_set_id)

    def update_parameters(self, step: UpdateParameters) -> bool:
        """Update the stack's parameters; False if CloudFormation says nothing would change."""
        import botocore.exceptions

        try:
            self.cloudformation.update_stack(**step.request())
        except botocore.exceptions.ClientError as error:
            if error_code(error) == "ValidationError" and is_no_change(error_message(error)):
                return False
            raise
        return True

    def delete(self, stack_id: str) -> None:
        self.cloudformation.delete_stack(StackName=stack_id)
