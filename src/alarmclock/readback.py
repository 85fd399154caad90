"""A clock read back into a ClockSpec from what its template recorded: the one way back, for a
deployed clock (aws/) and for a clock in a user's template (emulator/adopt.py).

Two records exist, and each field is read from one of them:

- the tick function's environment (template.tick_function): what the handler is told, the only
  record of the targets and the payload;
- the template's `Metadata.alarmclock` block (template.metadata): the settings the environment
  does not carry (via, the KMS keys, the failure alarm), and the period, alarms, window and way
  of publishing, so that `list` reads a fleet without asking each function.

The values read are turned into fields here; `ClockSpec` checks them, as it checks every clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from alarmclock.spec import parse_payload, parse_target

# The environment's record of what the template's Metadata does not repeat.
TARGETS_VARIABLE = "ALARMCLOCK_TARGETS"
PAYLOAD_VARIABLE = "ALARMCLOCK_PAYLOAD"
# Every variable read here.
ENVIRONMENT_READ = (
    TARGETS_VARIABLE,
    PAYLOAD_VARIABLE,
    "ALARMCLOCK_PERIOD",
    "ALARMCLOCK_ALARMS",
    "ALARMCLOCK_WINDOW",
    "ALARMCLOCK_PUBLISH",
)


class ReadbackError(ValueError):
    """A record that is not a clock's; the message says which value."""


def environment_fields(variables: Mapping[str, Any], *, settings: bool = True) -> dict[str, Any]:
    """ClockSpec's fields from the tick function's environment variables (values as text, as Lambda
    holds them): its targets and payload and, with `settings`, its period, alarms, window and way of
    publishing."""
    try:
        arns = json.loads(str(variables[TARGETS_VARIABLE]))
        if not isinstance(arns, list):
            raise ReadbackError(f"{TARGETS_VARIABLE} is not a list of ARNs")
        payload = variables.get(PAYLOAD_VARIABLE)
        fields: dict[str, Any] = {
            "targets": tuple(parse_target(str(arn)) for arn in arns),
            "payload": None if payload in (None, "null") else parse_payload(str(payload)),
        }
        if settings:
            fields |= {
                "period_s": int(variables["ALARMCLOCK_PERIOD"]),
                "alarms": int(variables["ALARMCLOCK_ALARMS"]),
                "window": str(variables["ALARMCLOCK_WINDOW"]),
                "publish": str(variables["ALARMCLOCK_PUBLISH"]),
            }
    except KeyError as error:
        raise ReadbackError(f"{error.args[0]} is not set") from None
    except json.JSONDecodeError as error:
        raise ReadbackError(f"{TARGETS_VARIABLE} is not JSON ({error.msg})") from None
    return fields


def metadata_fields(block: Mapping[str, Any]) -> dict[str, Any]:
    """ClockSpec's fields from the template's Metadata block. A block written before a setting
    existed lacks it: before the one-alarm design every clock had the pair, before windows could be
    chosen every window was sliding (the period's default, for any period a clock had then), and
    before --publish every clock published with PutMetricData on each tick (api)."""
    fields: dict[str, Any] = {
        "period_s": int(block["period_s"]),
        "via": str(block.get("via", "lambda")),
        "alarms": int(block.get("alarms", 2)),
        "window": str(block["window"]) if block.get("window") else None,
        "publish": str(block["publish"]) if block.get("publish") else "api",
        "target_keys": tuple(str(key) for key in block.get("target_keys") or ()),
        "failure_alarm": block.get("failure_alarm") is True,
    }
    # Older clocks' templates carry the targets and payload here too (CHANGELOG: which ones).
    if "targets" in block:
        fields["targets"] = tuple(parse_target(str(arn)) for arn in block.get("targets") or ())
        fields["payload"] = block.get("payload")
    return fields
