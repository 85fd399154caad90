"""Which accounts and regions a probe has checked, remembered in the user's config directory.

`deploy` reads it to say, the first time a clock that stamps ahead goes where no probe has looked,
that the default rests on an unverified behaviour. One JSON file, written by `probe`; a file that
cannot be read or written is no reason to stop anything (the warning shows again, that is all).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

FILE = "probed.json"


def path() -> Path:
    # ALARMCLOCK_CONFIG_DIR for tests and for people who keep config elsewhere; click knows each OS's place.
    base = os.environ.get("ALARMCLOCK_CONFIG_DIR") or click.get_app_dir("alarmclock")
    return Path(base) / FILE


def key(account: str, region: str) -> str:
    return f"{account}/{region}"


def read() -> dict[str, Any]:
    try:
        data = json.loads(path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def checked(account: str, region: str) -> dict[str, Any] | None:
    entry = read().get(key(account, region))
    return entry if isinstance(entry, dict) else None


def remember(account: str, region: str, finding: dict[str, Any]) -> bool:
    data = read()
    data[key(account, region)] = finding
    try:
        path().parent.mkdir(parents=True, exist_ok=True)
        path().write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    except OSError:
        return False
    return True


def stamps_ahead(publish: str, window: str) -> bool:
    """Whether a clock's values are stamped later than they are sent: the wave, and publishing each
    tick a period ahead, on a sliding window. A wall-clock window stamps at the change, and --publish
    now at the flip; neither rests on how a point stamped ahead is counted."""
    return publish in ("wave", "api", "logs") and window == "sliding"


def first_unverified_deploy(account: str, region: str) -> bool:
    """True the first time a clock that stamps ahead goes to an account and region no probe has
    checked (and remembers that it was said, so it is said once)."""
    entry = read().get(key(account, region))
    if isinstance(entry, dict) and (entry.get("future_visible_from") or entry.get("warned")):
        return False
    remember(account, region, {"warned": True})
    return True


UNVERIFIED = (
    "note: this clock stamps its Tick values ahead of the time they are sent, and whether a CloudWatch alarm "
    "counts such points is not documented (the User Guide warns that points stamped away from the current time "
    "can leave alarms in INSUFFICIENT_DATA or make them late). If this account does not count them, the clock "
    "notices and switches itself to --publish now. To check this account and region in about 13 minutes: "
    "alarmclock probe --region {region}"
)
