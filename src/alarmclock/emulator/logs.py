"""Emulated CloudWatch Logs, for the one thing the clock asks of it: metrics from its log lines.

A Lambda function's stdout goes to its log group; a line in embedded metric format (EMF) declares
metrics that CloudWatch Logs extracts and stores as if they had been put (CloudWatch User Guide,
"Specification: Embedded metric format"; docs/aws-facts.md). What the specification says is
modelled as it says it; what it does not say is a parameter of the timing model:

- fact: `_aws.Timestamp` is in milliseconds; points more than two weeks back or two hours ahead
  are not accepted (as PutMetricData's). A line that does not parse is kept as a log line only:
  the function is never told (there is no call to fail).
- fact: delivery is at least once, "duplicate metric values may occasionally occur":
  `emf_duplicate_prob` per line.
- assumption: how long extraction takes before an alarm can see the point: `emf_delay_s`.

The log group itself (`LogGroup`) keeps the lines two weeks, as the template's retention does, and
answers FilterLogEvents, so `alarmclock beat` and `calibrate` read an emulated clock's log as they
read a real one.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from typing import Any

from alarmclock.emulator.cloudwatch import EmulatedCloudWatch, point_time_accepted
from alarmclock.emulator.world import World

# json.dumps(record, separators=(",", ":"), default=str), without making an encoder for each line.
_LINE = json.JSONEncoder(separators=(",", ":"), default=str)


class EmfExtractor:
    def __init__(self, world: World, cloudwatch: EmulatedCloudWatch) -> None:
        self.world = world
        self.cloudwatch = cloudwatch
        self.extracted = 0  # points stored (a duplicate counts twice)
        self.rejected: list[tuple[float, str]] = []  # (time, why) for EMF lines that made no point

    def read(self, record: dict[str, Any]) -> None:
        """Take one structured log line; store the metric values it declares, if any."""
        metadata = record.get("_aws")
        if not isinstance(metadata, dict):
            return
        try:
            points = list(declared_points(record, metadata))
        except (KeyError, TypeError, ValueError) as error:
            self.rejected.append((self.world.now(), f"not valid EMF: {error}"))
            return
        copies = 2 if self.world.chance(self.world.timing.emf_duplicate_prob) else 1
        for namespace, metric, moment, value in points:
            if not point_time_accepted(self.world.now(), moment):
                self.rejected.append((self.world.now(), f"timestamp {moment} outside two weeks back, two hours ahead"))
                continue
            for _ in range(copies):
                delay = self.world.draw(self.world.timing.emf_delay_s)
                self.cloudwatch.add_point(namespace, metric, (), moment, value, delay=delay)
                self.extracted += 1


def declared_points(record: dict[str, Any], metadata: dict[str, Any]) -> list[tuple[str, str, float, float]]:
    """(namespace, metric, time, value) for each metric the line declares, without dimensions
    (the clock declares `Dimensions: [[]]`; a dimension set would name record keys)."""
    moment = float(metadata["Timestamp"]) / 1000.0
    found = []
    for directive in metadata["CloudWatchMetrics"]:
        if any(directive.get("Dimensions") or [[]]):
            raise ValueError("the emulator models only metrics without dimensions")
        for metric in directive["Metrics"]:
            name = metric["Name"]
            found.append((str(directive["Namespace"]), str(name), moment, float(record[name])))
    return found


# fact: FilterLogEvents returns at most 10,000 events a page (CloudWatch Logs API reference).
MAX_EVENTS_PER_PAGE = 10_000
# The template keeps the function's log for template.LOG_RETENTION_DAYS (14); so does the emulator.
LOG_RETENTION_S = 14 * 86_400
# The one filter pattern shape the emulator understands: { $.field = "value" }.
_PATTERN = re.compile(r'^\s*\{\s*\$\.(\w+)\s*=\s*("?)([^"}\s]+)\2\s*\}\s*$')


class LogError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class LogGroup:
    """The clock function's log group: each line as CloudWatch Logs stores it (a millisecond
    timestamp and the message), two weeks deep, answered as FilterLogEvents."""

    def __init__(self, retention_s: float = LOG_RETENTION_S) -> None:
        self.retention_s = retention_s
        self.names: set[str] = set()  # the group's names: /aws/lambda/<function> and its LoggingConfig's
        self.times: list[int] = []
        self.messages: list[str] = []
        self.requests = 0

    def write(self, now: float, record: dict[str, Any]) -> None:
        stamp = round(now * 1000)
        self.times.append(stamp)
        self.messages.append(_LINE.encode(record))
        if self.times[0] < stamp - (self.retention_s + 86_400) * 1000:
            cut = bisect.bisect_left(self.times, stamp - self.retention_s * 1000)
            del self.times[:cut], self.messages[:cut]

    def filter(self, now: float, **params: Any) -> dict[str, Any]:
        self.requests += 1
        name = params.get("logGroupName") or params.get("logGroupIdentifier")
        if name not in self.names:
            raise LogError("ResourceNotFoundException", f"The specified log group does not exist: {name}")
        match = pattern_matcher(params.get("filterPattern"))
        oldest = round((now - self.retention_s) * 1000)
        start = max(oldest, int(params.get("startTime") or 0))
        end = int(params.get("endTime") or round(now * 1000) + 1)
        limit = int(params.get("limit") or MAX_EVENTS_PER_PAGE)
        token = params.get("nextToken")
        try:
            position = int(token) if token else bisect.bisect_left(self.times, start)
        except ValueError:
            raise LogError("InvalidParameterException", "the nextToken is not one this service gave") from None
        high = bisect.bisect_right(self.times, end)
        events: list[dict[str, Any]] = []
        while position < high and len(events) < min(limit, MAX_EVENTS_PER_PAGE):
            message = self.messages[position]
            if match(message):
                events.append(
                    {
                        "logStreamName": "emulated",
                        "timestamp": self.times[position],
                        "ingestionTime": self.times[position],
                        "message": message,
                        "eventId": str(position),
                    }
                )
            position += 1
        answer: dict[str, Any] = {"events": events, "searchedLogStreams": []}
        if position < high:
            answer["nextToken"] = str(position)
        return answer


def pattern_matcher(pattern: str | None) -> Callable[[str], bool]:
    """A filter pattern as a test on a message. Only `{ $.field = "value" }` is modelled (what
    alarmclock asks); anything else is refused, not silently read as "match all"."""
    if not pattern:
        return lambda message: True
    found = _PATTERN.match(pattern)
    if found is None:
        raise LogError("InvalidParameterException", f"the emulator models only {{ $.field = value }}, not {pattern!r}")
    field_name, quote, wanted = found.groups()

    # The lines are compact JSON (LogGroup.write), where a quote inside a string is escaped: the
    # pair as text is the pair itself. (At the top level or nested: the emulator does not tell
    # them apart; CloudWatch's `$.field` is the top level. The clock's lines nest no `action`.)
    needle = f'"{field_name}":{quote}{wanted}{quote}'

    def matches(message: str) -> bool:
        return needle in message

    return matches
