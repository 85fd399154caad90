"""AWS::Lambda::Function: the inline code, run by the emulated Lambda with its role's policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alarmclock.emulator.providers.base import Names, Props, Provider, register
from alarmclock.emulator.services import EmulatedFunction

if TYPE_CHECKING:
    from alarmclock.emulator.providers.base import Stack


@register
class FunctionProvider(Provider):
    kind = "AWS::Lambda::Function"

    def reference(self, stack: Stack, logical: str, generated: str) -> Names:
        return Names(generated, {"Arn": f"arn:aws:lambda:{stack.region}:{stack.account}:function:{generated}"})

    def create(self, stack: Stack, logical: str, props: Props) -> None:
        function = build_function(stack, logical, props)
        stack.services.add_function(function)
        stack.seen_functions.append(function)

    def update(self, stack: Stack, logical: str, old: Props, new: Props) -> None:
        # New code and environment in place: the resource policy and the warm instance stay.
        assert stack.resolver is not None
        function = stack.services.functions[stack.resolver.ref(logical)]
        replacement = build_function(stack, logical, new)
        replacement.permissions, replacement.last_run = function.permissions, function.last_run
        stack.services.add_function(replacement)
        stack.seen_functions.append(replacement)

    def remove(self, stack: Stack, logical: str, props: Props) -> None:
        functions = stack.services.functions
        function = functions.get(props.get("FunctionName", "")) or next(
            (f for f in functions.values() if f.name.startswith(f"{stack.name}-{logical}-")), None
        )
        if function:
            stack.services.remove_function(function.arn)


def build_function(stack: Stack, logical: str, props: Props) -> EmulatedFunction:
    """The function as declared, with the statements of the role whose Arn it names."""
    assert stack.resolver is not None
    resolver = stack.resolver
    role_arn = props["Role"]
    role_logical = next(
        (
            lg
            for lg, r in stack.template["Resources"].items()
            if r["Type"] == "AWS::IAM::Role" and resolver.get_att(lg, "Arn") == role_arn
        ),
        None,
    )
    statements: list[dict[str, Any]] = []
    if role_logical:
        for policy in stack.resolved_properties(role_logical).get("Policies", []):
            found = policy["PolicyDocument"]["Statement"]
            statements.extend(found if isinstance(found, list) else [found])
    variables = props.get("Environment", {}).get("Variables", {})
    return EmulatedFunction(
        name=resolver.ref(logical),
        arn=resolver.get_att(logical, "Arn"),
        region=stack.region,
        role_statements=statements,
        environment={key: str(value) for key, value in variables.items()},
        code=props["Code"]["ZipFile"],
    )
