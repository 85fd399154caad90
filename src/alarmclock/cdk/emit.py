"""A clock's template (alarmclock.template.build_template) as L1 constructs under a CDK scope.

The construct holds no resource definition of its own: every resource, property and dependency
comes from the template dict, so a change to the clock changes the CLI's template and the
construct alike. What changes on the way:

- logical ids: each resource becomes a CfnResource with the template's logical id as its construct
  id, so CDK gives it a logical id under the construct's path; Ref, Fn::GetAtt and the ${Name}
  variables of Fn::Sub are rewritten to the new resources;
- the stack's name: the template names alarms, namespace and clock after ${AWS::StackName}, which
  only one clock per stack can use; here the clock's own name (from its construct path) takes its
  place, so several clocks share a stack and none clashes with another stack's;
- the Paused parameter: a construct prop instead, so Ref Paused and every Fn::If on the running
  condition are folded away (a stack of the user's has no parameter of ours to flip).
"""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import CfnResource, Token
from constructs import Construct

from alarmclock.intrinsics import references
from alarmclock.template import PAUSED_PARAMETER, RUNNING_CONDITION

Json = dict[str, Any]
STACK_NAME_VARIABLE = "${AWS::StackName}"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class EmitError(ValueError):
    """The template uses something the construct cannot carry into a CDK stack."""


def fold_paused(value: Any, paused: bool) -> Any:
    """Ref Paused -> "true"/"false"; Fn::If on the running condition -> the branch it takes."""
    if isinstance(value, list):
        return [fold_paused(item, paused) for item in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": PAUSED_PARAMETER}:
        return "true" if paused else "false"
    if set(value) == {"Fn::If"} and value["Fn::If"][0] == RUNNING_CONDITION:
        _, running, stopped = value["Fn::If"]
        return fold_paused(stopped if paused else running, paused)
    return {key: fold_paused(item, paused) for key, item in value.items()}


def name_clock(value: Any, clock_name: str) -> Any:
    """${AWS::StackName} and Ref AWS::StackName -> the clock's name; a Fn::Sub left without
    variables becomes its plain string (cfn-lint W1020 flags a Sub with nothing to substitute)."""
    if isinstance(value, list):
        return [name_clock(item, clock_name) for item in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "AWS::StackName"}:
        return clock_name
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"].replace(STACK_NAME_VARIABLE, clock_name)
        return {"Fn::Sub": text} if "${" in text else text
    return {key: name_clock(item, clock_name) for key, item in value.items()}


def creation_order(resources: Json) -> list[str]:
    """Logical ids with every resource after those its properties refer to (DependsOn aside: it is
    added once all exist), so each reference can name a construct that already exists."""
    order: list[str] = []

    def visit(logical: str, path: tuple[str, ...]) -> None:
        if logical in order:
            return
        if logical in path:
            raise EmitError(f"circular reference: {' -> '.join((*path, logical))}")
        for other in sorted(references(resources[logical].get("Properties", {})) & set(resources)):
            visit(other, (*path, logical))
        order.append(logical)

    for logical in resources:
        visit(logical, ())
    return order


class Rewriter:
    """Ref / Fn::GetAtt / Fn::Sub variables naming a template resource -> CDK tokens of its construct."""

    def __init__(self, emitted: dict[str, CfnResource]) -> None:
        self.emitted = emitted

    def token(self, logical: str, attribute: str | None) -> str:
        resource = self.emitted.get(logical)
        if resource is None:
            raise EmitError(f"the template refers to {logical!r}, which is not one of its resources")
        return resource.ref if attribute is None else Token.as_string(resource.get_att(attribute))

    def rewrite(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.rewrite(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"} and not str(value["Ref"]).startswith("AWS::"):
            return self.token(value["Ref"], None)
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            return self.token(logical, attribute)
        if set(value) == {"Fn::Sub"}:
            return self.sub(value["Fn::Sub"])
        return {key: self.rewrite(item) for key, item in value.items()}

    def sub(self, argument: Any) -> Json:
        # A renamed resource goes into the Sub's variable map, under a name without the dot of
        # ${Resource.Attribute}: the string keeps its shape and pseudo parameters (${AWS::Region} ...)
        # are left to CloudFormation.
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = {name: self.rewrite(v) for name, v in variables.items()}
        for name in _SUB_VARIABLE.findall(text):
            logical, _, attribute = name.partition(".")
            if name in variables or logical.startswith("AWS::"):
                continue
            variable = logical + attribute
            variables[variable] = self.token(logical, attribute or None)
            text = text.replace("${" + name + "}", "${" + variable + "}")
        return {"Fn::Sub": [text, variables] if variables else text}


def emit_resources(scope: Construct, template: Json) -> dict[str, CfnResource]:
    """Every resource of the template as a CfnResource under scope, by the template's logical id."""
    unsupported = set(template.get("Parameters", {})) | set(template.get("Conditions", {}))
    if unsupported:
        raise EmitError(f"the template still has parameters or conditions: {', '.join(sorted(unsupported))}")
    resources: Json = template["Resources"]
    emitted: dict[str, CfnResource] = {}
    rewriter = Rewriter(emitted)
    for logical in creation_order(resources):
        definition = resources[logical]
        properties = rewriter.rewrite(definition.get("Properties", {}))
        resource = CfnResource(scope, logical, type=definition["Type"], properties=properties)
        for key, block in definition.get("Metadata", {}).items():
            resource.add_metadata(key, block)
        emitted[logical] = resource
    for logical, definition in resources.items():
        depends = definition.get("DependsOn", [])
        for other in depends if isinstance(depends, list) else [depends]:
            emitted[logical].add_resource_dependency(emitted[other])
    # Keep the template's order: CloudFormation does not care, a reader comparing the two does.
    return {logical: emitted[logical] for logical in resources}
