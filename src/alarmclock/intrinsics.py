"""CloudFormation's intrinsic functions, as far as a clock's template uses them."""

from __future__ import annotations

import re
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class TemplateError(ValueError):
    """The template uses something the emulator cannot resolve; the message says what."""


class Resolver:
    def __init__(
        self,
        parameters: dict[str, Any],
        pseudo: dict[str, str | None],
        refs: dict[str, Any],
        attributes: dict[tuple[str, str], Any],
        conditions: dict[str, Any] | None = None,
    ) -> None:
        self.parameters = parameters
        self.pseudo = pseudo
        self.refs = refs
        self.attributes = attributes
        self.condition_definitions = conditions or {}
        self.conditions: dict[str, bool] = {}
        for name in self.condition_definitions:
            self.condition(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            if name not in self.condition_definitions:
                raise TemplateError(f"unknown condition {name!r}")
            self.conditions[name] = bool(self.resolve(self.condition_definitions[name]))
        return self.conditions[name]

    def ref(self, name: str) -> Any:
        for table in (self.pseudo, self.parameters, self.refs):
            if name in table:
                return table[name]
        raise TemplateError(f"Ref to unknown name {name!r}")

    def get_att(self, logical: str, attribute: str) -> Any:
        if (logical, attribute) not in self.attributes:
            raise TemplateError(f"Fn::GetAtt {logical}.{attribute} is not modelled")
        return self.attributes[(logical, attribute)]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical, attribute)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::If":
                name, then, otherwise = argument
                return self.resolve(then if self.condition(name) else otherwise)
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in argument)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in argument)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in argument)
            if key == "Condition":
                return self.condition(argument)
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(self.resolve(i)) for i in self.resolve(items))
            if key == "Fn::Split":
                separator, text = argument
                return str(self.resolve(text)).split(separator)
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key.startswith("Fn::"):
                raise TemplateError(f"{key} is not modelled by the emulator")
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {name: self.resolve(v) for name, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return str(self.get_att(logical, attribute))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)


def references(value: Any) -> set[str]:
    """Logical names a piece of template refers to (Ref, GetAtt, Sub), for creation order."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".", 1)[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {m.split(".", 1)[0] for m in _SUB_VARIABLE.findall(text) if not m.startswith("!")}
                if not isinstance(item, str):
                    found |= references(item[1])
            else:
                found |= references(item)
    return found
