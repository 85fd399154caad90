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
        # within CloudFormation's 51,200 inline bytes. Text starting with a space or a line break
        # (the handler's first lines are its stripped docstring) needs the indentation written as an
        # indicator: `|1`, the same one space (determine_block_hints).
        if self.indent is None:
            super().write_literal(text)
            return
        saved = self.indent
        self.indent = saved - self.best_indent + 1
        try:
            super().write_literal(text)
        finally:
            self.indent = saved

    def determine_block_hints(self, text: str) -> str:
        hints = super().determine_block_hints(text)
        return "1" + hints[1:] if hints[:1].isdigit() else hints


def _str_representer(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_TemplateDumper.add_representer(str, _str_representer)


class _CompactDumper(_TemplateDumper):
    """Writes multi-line strings in double quotes, on one line: each of the handler's lines then costs
    the two bytes of `\\n`, not the literal block's indentation (some 4 KB in all). Below each
    resource's (and section entry's) own keys, mappings and lists are written in flow style,
    `{Key: value}`: the outline stays one key a line, and the body costs what compact JSON costs
    (block style's indentation is some 1.8 KB more, on a template of 4 SNS targets)."""


class _Flow(dict):
    """A mapping the compact dumper writes in flow style."""


class _FlowList(list):
    """A list the compact dumper writes in flow style."""


def _quoted_representer(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"' if "\n" in text else None)


_CompactDumper.add_representer(str, _quoted_representer)
_CompactDumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)
)
_CompactDumper.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)

# Depth (the template itself is 0) from which the compact form writes flow style: Resources (1),
# TickFunction (2), its Properties (3) and below.
_FLOW_FROM_DEPTH = 3


def _flow_below(value: Any, depth: int = 0) -> Any:
    if isinstance(value, dict):
        mapping = {key: _flow_below(item, depth + 1) for key, item in value.items()}
        return _Flow(mapping) if depth >= _FLOW_FROM_DEPTH else mapping
    if isinstance(value, list):
        items = [_flow_below(item, depth + 1) for item in value]
        return _FlowList(items) if depth >= _FLOW_FROM_DEPTH else items
    return value


# CloudFormation's limit for a template body sent inline (limits.MAX_INLINE_TEMPLATE_BYTES, which
# imports this module): a YAML template whose readable form would not fit is written compact instead.
_INLINE_BYTES = 51_200


def render(template: dict[str, Any], fmt: Format = "yaml") -> str:
    if fmt == "json":
        text = json.dumps(template, indent=2) + "\n"
        # Indentation is readable; a template over the inline limit is written as deploy sends it.
        return text if len(text.encode()) <= _INLINE_BYTES else deploy_body(template) + "\n"
    text = yaml.dump(template, Dumper=_TemplateDumper, sort_keys=False, width=120, allow_unicode=True)
    if len(text.encode()) <= _INLINE_BYTES:
        return text
    # The inline handler as a literal block is what a reader wants; a template CloudFormation takes
    # inline is what a user needs. width is the handler's length: a quoted line never folds.
    compact = yaml.dump(
        _flow_below(template), Dumper=_CompactDumper, sort_keys=False, width=1 << 20, allow_unicode=True
    )
    return compact if len(compact.encode()) < len(text.encode()) else text


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
