"""Read a clock's alarm history and its function's tick lines, politely.

DescribeAlarmHistory is asked for StateUpdate items only, 100 a page (the most it gives), one
alarm at a time, following NextToken. Its request rate is not documented (docs/aws-facts.md), so
requests are paced (`rate_per_s`, 3 by default; None against the emulator or moto) and a throttled
request is retried after an exponential backoff. FilterLogEvents is asked for `tick` lines only.
Any client with those two operations works: boto3's against AWS or moto, the emulator's bridge.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alarmclock.aws.session import AwsError, error_code

PAGE = 100  # fact: MaxRecords is 1 to 100
DEFAULT_RATE_PER_S = 3.0  # assumption: the rate is not documented; the "3 TPS"
THROTTLED = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"})
TICK_PATTERN = '{ $.action = "tick" }'

Progress = Callable[[str, int, int], None]  # (what, pages so far, items so far)


@dataclass
class Pacer:
    """At most `rate_per_s` requests a second, and backoff when one is throttled anyway."""

    rate_per_s: float | None = DEFAULT_RATE_PER_S
    max_attempts: int = 8
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    throttled: int = 0
    _last: float | None = None

    def call(self, operation: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
        for attempt in range(self.max_attempts):
            self._wait_turn()
            self.requests += 1
            try:
                return operation(**params)
            except Exception as error:
                if error_code(error) not in THROTTLED:
                    raise
                self.throttled += 1
                if attempt + 1 == self.max_attempts:
                    name = getattr(error, "operation_name", "the request")
                    raise AwsError(
                        f"{name} is throttled: {self.max_attempts} attempts over a minute or more were refused; "
                        "try again later, or with a lower --rate"
                    ) from None
                self.sleep(min(30.0, 0.5 * 2**attempt))
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        if not self.rate_per_s:
            return
        now = self.clock()
        if self._last is not None:
            wait = self._last + 1.0 / self.rate_per_s - now
            if wait > 0:
                self.sleep(wait)
                now += wait
        self._last = now


@dataclass
class HistoryReader:
    cloudwatch: Any
    logs: Any | None = None
    pacer: Pacer = field(default_factory=Pacer)
    progress: Progress | None = None

    def state_updates(self, alarm: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Every StateUpdate item of `alarm` between start and end, oldest first, each once."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "AlarmName": alarm,
            "HistoryItemType": "StateUpdate",
            "StartDate": start,
            "EndDate": end,
            "MaxRecords": PAGE,
        }
        pages = 0
        while True:
            page = self.pacer.call(self.cloudwatch.describe_alarm_history, **params)
            pages += 1
            items.extend(page.get("AlarmHistoryItems") or ())
            if self.progress:
                self.progress(alarm, pages, len(items))
            token = page.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
        return sorted(distinct(items), key=_when)

    def tick_lines(self, log_group: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The function's `tick` log events between start and end, in time order."""
        if self.logs is None:
            return []
        events: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "logGroupName": log_group,
            "startTime": _millis(start),
            "endTime": _millis(end),
            "filterPattern": TICK_PATTERN,
        }
        pages = 0
        while True:
            page = self.pacer.call(self.logs.filter_log_events, **params)
            pages += 1
            events.extend(page.get("events") or ())
            if self.progress:
                self.progress(log_group, pages, len(events))
            token = page.get("nextToken")
            if not token:
                break
            params["nextToken"] = token
        return sorted(distinct(events), key=_when)


def distinct(items: list[Any]) -> list[Any]:
    """Each item once. Pages are not snapshots: an item written while they are read can come back
    on the next page. Alarm history items are the same item when alarm, time and HistoryData are;
    log events when their eventId is (two deliveries of a tick are two events, two ids)."""
    seen: set[tuple[str, ...]] = set()
    kept = []
    for item in items:
        key = _identity(item)
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        kept.append(item)
    return kept


def _identity(item: Any) -> tuple[str, ...] | None:
    if not isinstance(item, dict):
        return None
    if "eventId" in item:
        return ("event", str(item["eventId"]))
    if "AlarmName" in item or "HistoryData" in item:
        return ("alarm", *(str(item.get(key)) for key in ("AlarmName", "Timestamp", "HistoryData")))
    return None


def _when(item: Any) -> float:
    """When an item happened, for ordering: items without a time (the API does not mark it
    required) go last, and are left to the reader to skip."""
    moment = item.get("Timestamp", item.get("timestamp")) if isinstance(item, dict) else None
    if isinstance(moment, datetime):
        return moment.timestamp()
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        try:
            seconds = float(moment) / (1000.0 if "timestamp" in item else 1.0)
        except OverflowError:
            return math.inf
        return seconds if math.isfinite(seconds) else math.inf
    return math.inf


def _millis(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)
