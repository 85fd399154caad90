"""Just enough IAM to hold the template to its least-privilege promise.

The clock function's calls are checked against its role's inline policy as the template
declares it: a permission the template forgot fails in the emulator as AccessDenied,
as it would on AWS. Only Allow/Deny statements with Action, Resource and the
StringEquals/StringLike/ArnLike/ArnEquals conditions are understood; anything else
in a policy is treated as not matching (so it can only deny more, never allow more).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards (an Action, a Resource, StringLike and ArnLike; Lambda's SourceArn condition
    too): * any run, ? one character. fnmatch's [..] classes do not occur in ARNs we use."""
    if ignore_case:
        return fnmatchcase(value.lower(), pattern.lower())
    return fnmatchcase(value, pattern)


def _condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            actual = context.get(key)
            if actual is None:
                return False
            options = [str(w) for w in _as_list(wanted)]
            if operator in ("StringEquals", "ArnEquals"):
                ok = actual in options
            elif operator in ("StringLike", "ArnLike"):
                ok = any(wildcard_matches(option, actual) for option in options)
            else:
                return False
            if not ok:
                return False
    return True


def allowed(statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, str]) -> bool:
    """IAM's rule in small: an explicit Deny wins, else some Allow must match."""
    verdict = False
    for statement in statements:
        if not any(wildcard_matches(str(a), action, ignore_case=True) for a in _as_list(statement.get("Action", []))):
            continue
        if not any(wildcard_matches(str(r), resource) for r in _as_list(statement.get("Resource", []))):
            continue
        if "Condition" in statement and not _condition_holds(statement["Condition"], context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        verdict = verdict or statement.get("Effect") == "Allow"
    return verdict
