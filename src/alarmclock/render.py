"""Serialise a template dict as YAML or JSON."""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml

Format = Literal["yaml", "json"]
FORMATS: tuple[Format, ...] = ("yaml", "json")


class _TemplateDumper(yaml.SafeDumper):
    """Writes multi-line strings (the inline handler) as literal blocks, readable in a diff,
    and never YAML aliases, which CloudFormation rejects."""

    def ignore_aliases(self, data: object) -> bool:
        return True

    def write_literal(self, text: str) -> None:
        # A literal block needs only to be indented deeper than its key (YAML 1.2, 8.1.1.1): one
        # space, not the mapping's two, saves a byte on each of the inline handler's thousand lines,
        # within CloudFormation's 51,200 inline bytes. Not where an indentation indicator is written
        # (text starting with a space or a line break): that indicator counts the usual step.
        if self.determine_block_hints(text)[:1].isdigit() or self.indent is None:
            super().write_literal(text)
            return
        saved = self.indent
        self.indent = saved - self.best_indent + 1
        try:
            super().write_literal(text)
        finally:
            self.indent = saved


def _str_representer(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_TemplateDumper.add_representer(str, _str_representer)


def render(template: dict[str, Any], fmt: Format = "yaml") -> str:
    if fmt == "json":
        return json.dumps(template, indent=2) + "\n"
    return yaml.dump(template, Dumper=_TemplateDumper, sort_keys=False, width=120, allow_unicode=True)


def deploy_body(template: dict[str, Any]) -> str:
    """The template as `deploy` sends it: compact JSON, since CloudFormation takes at most 51,200
    bytes inline and indentation would spend several thousand of them."""
    return json.dumps(template, separators=(",", ":"))


def load(text: str) -> dict[str, Any]:
    """Read back a template this module wrote (long-form intrinsics only, so safe_load works)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("not a CloudFormation template")
    return data
