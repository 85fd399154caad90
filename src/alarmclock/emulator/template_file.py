"""Read a CloudFormation template the user made: JSON, or YAML with or without the short-form tags
(!Ref, !GetAtt, !Sub ...) that `cdk synth` leaves out and people write by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class TemplateFileError(ValueError):
    """The file is not a readable template; the message says which and why, in one line."""


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short forms: !Name x -> {"Fn::Name": x}, !Ref x -> {"Ref": x}."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)  # !GetAtt Name.Attribute
    return {f"Fn::{suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _short_form)


def load_template(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateFileError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=_CloudFormationLoader)
    except (ValueError, yaml.YAMLError) as error:
        where = getattr(error, "problem_mark", None) or getattr(error, "lineno", None)
        raise TemplateFileError(f"{path} is neither JSON nor YAML (near line {_line(where)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateFileError(f"{path} is not a CloudFormation template: it has no Resources section")
    return data


def _line(where: Any) -> str:
    if isinstance(where, int):
        return str(where)
    return str(where.line + 1) if where is not None else "?"
