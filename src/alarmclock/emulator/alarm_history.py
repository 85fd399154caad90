"""Emulated alarm history: what DescribeAlarmHistory returns, in the documented format.

fact (CloudWatch API reference, "AlarmHistoryItem" and "DescribeAlarmHistory"; aws-cli's
describe-alarm-history example; docs/aws-facts.md): an item has AlarmName, AlarmType, Timestamp,
HistoryItemType (ConfigurationUpdate | StateUpdate | Action), HistorySummary and HistoryData, a
JSON string; a StateUpdate's HistoryData holds oldState and newState, and an evaluation's
newState carries stateReasonData (queryDate, startDate, statistic, period, recentDatapoints,
threshold; newer items also evaluatedDatapoints). Items are kept 30 days; pages of MaxRecords
(1 to 100) follow one another with NextToken, newest first unless ScanBy says otherwise.

Items are kept compact (a tuple each) and rendered only when read: a 10-second clock makes
259,200 of them in 30 days.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alarmclock.alarm_facts import HISTORY_RETENTION_DAYS

HISTORY_RETENTION_S = HISTORY_RETENTION_DAYS * 86_400
MAX_RECORDS = 100  # fact: MaxRecords is 1 to 100
DEFAULT_RECORDS = 100  # assumption: the default page size is not documented
STATE_UPDATE, CONFIGURATION_UPDATE = "StateUpdate", "ConfigurationUpdate"


class HistoryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one evaluation looked at: the reason data of the state it set."""

    query_time: float
    start_time: float
    statistic: str
    period_s: int
    threshold: float
    datapoints: tuple[tuple[float, float], ...]  # (period start, value), oldest first


@dataclass(frozen=True, slots=True)
class Record:
    time: float
    kind: str
    old_state: str
    old_reason: str
    new_state: str
    new_reason: str
    evaluation: Evaluation | None = None

    def as_item(self, alarm: str) -> dict[str, Any]:
        """The AlarmHistoryItem, as botocore hands it back (Timestamp parsed to a datetime)."""
        if self.kind == CONFIGURATION_UPDATE:
            summary = f'Alarm "{alarm}" created'
            data = '{"type":"Create","version":"1.0"}'
        else:
            summary = f"Alarm updated from {self.old_state} to {self.new_state}"
            data = self.history_data()
        return {
            "AlarmName": alarm,
            "AlarmType": "MetricAlarm",
            "Timestamp": datetime.fromtimestamp(round(self.time, 3), UTC),
            "HistoryItemType": self.kind,
            "HistorySummary": summary,
            "HistoryData": data,
        }

    def history_data(self) -> str:
        """The StateUpdate's HistoryData: json.dumps of `history_data_dict`, byte for byte, written
        by hand (a 14-day read renders 120,000 of them; json.dumps took half of that read's time)."""
        text = (
            f'{{"version":"1.0","oldState":{{"stateValue":{_quoted(self.old_state)},'
            f'"stateReason":{_quoted(self.old_reason)}}},"newState":{{"stateValue":{_quoted(self.new_state)},'
            f'"stateReason":{_quoted(self.new_reason)}'
        )
        if self.evaluation is not None:
            text += ',"stateReasonData":' + reason_data_json(self.evaluation)
        return text + "}}"

    def history_data_dict(self) -> dict[str, Any]:
        new_state: dict[str, Any] = {"stateValue": self.new_state, "stateReason": self.new_reason}
        if self.evaluation is not None:
            new_state["stateReasonData"] = reason_data(self.evaluation)
        return {
            "version": "1.0",
            "oldState": {"stateValue": self.old_state, "stateReason": self.old_reason},
            "newState": new_state,
        }


def reason_data(evaluation: Evaluation) -> dict[str, Any]:
    values = [value for _, value in evaluation.datapoints]
    return {
        "version": "1.0",
        "queryDate": cloudwatch_time(evaluation.query_time),
        "startDate": cloudwatch_time(evaluation.start_time),
        "statistic": evaluation.statistic,
        "period": evaluation.period_s,
        "recentDatapoints": values,
        "threshold": evaluation.threshold,
        "evaluatedDatapoints": [
            {"timestamp": cloudwatch_time(start), "value": value} for start, value in reversed(evaluation.datapoints)
        ],
    }


def reason_data_json(evaluation: Evaluation) -> str:
    """json.dumps(reason_data(evaluation), separators=(",", ":")), by hand."""
    values = ",".join(_number(value) for _, value in evaluation.datapoints)
    evaluated = ",".join(
        f'{{"timestamp":"{cloudwatch_time(start)}","value":{_number(value)}}}'
        for start, value in reversed(evaluation.datapoints)
    )
    return (
        f'{{"version":"1.0","queryDate":"{cloudwatch_time(evaluation.query_time)}",'
        f'"startDate":"{cloudwatch_time(evaluation.start_time)}","statistic":{_quoted(evaluation.statistic)},'
        f'"period":{evaluation.period_s},"recentDatapoints":[{values}],"threshold":{_number(evaluation.threshold)},'
        f'"evaluatedDatapoints":[{evaluated}]}}'
    )


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return json.dumps(text)  # the few reasons an alarm gives, escaped once each


def _number(value: float) -> str:
    # json.dumps writes a finite float as float.__repr__ does, and takes six times as long to.
    return float.__repr__(value) if type(value) is float and math.isfinite(value) else json.dumps(value)


class AlarmHistory:
    """Every alarm's history items in time order, 30 days deep, answered as DescribeAlarmHistory."""

    def __init__(self, retention_s: float = HISTORY_RETENTION_S) -> None:
        self.retention_s = retention_s
        self.times: dict[str, list[float]] = {}
        self.records: dict[str, list[Record]] = {}
        self.requests = 0

    def add(self, alarm: str, record: Record) -> None:
        times = self.times.setdefault(alarm, [])
        records = self.records.setdefault(alarm, [])
        times.append(record.time)
        records.append(record)
        # Drop what is older than the retention, a day's worth at a time (cheap, and still bounded).
        if times[0] < record.time - self.retention_s - 86_400:
            cut = bisect.bisect_left(times, record.time - self.retention_s)
            del times[:cut], records[:cut]

    def describe(self, now: float, **params: Any) -> dict[str, Any]:
        """DescribeAlarmHistory for one alarm (the only way alarmclock asks)."""
        self.requests += 1
        alarm = params.get("AlarmName")
        if not alarm:
            raise HistoryError("InvalidParameterValue", "the emulator answers DescribeAlarmHistory for one AlarmName")
        kind = params.get("HistoryItemType")
        size = int(params.get("MaxRecords") or DEFAULT_RECORDS)
        if not 1 <= size <= MAX_RECORDS:
            raise HistoryError("InvalidParameterValue", f"MaxRecords must be 1 to {MAX_RECORDS}")
        oldest = now - self.retention_s
        start = max(oldest, _epoch(params.get("StartDate"), oldest))
        end = _epoch(params.get("EndDate"), now + 1.0)
        times = self.times.get(alarm, [])
        records = self.records.get(alarm, [])
        low, high = bisect.bisect_left(times, start), bisect.bisect_right(times, end)
        ascending = params.get("ScanBy") == "TimestampAscending"
        token = params.get("NextToken")
        # The token is where the previous page stopped: the index of the next record to look at.
        try:
            position = int(token) if token else (low if ascending else high - 1)
        except ValueError:
            raise HistoryError("InvalidNextToken", "the NextToken is not one this service gave") from None
        found: list[dict[str, Any]] = []
        step = 1 if ascending else -1
        while low <= position < high and len(found) < size:
            record = records[position]
            if kind is None or record.kind == kind:
                found.append(record.as_item(alarm))
            position += step
        answer: dict[str, Any] = {"AlarmHistoryItems": found}
        if low <= position < high:
            answer["NextToken"] = str(position)
        return answer


# Kept: an alarm event names each period start in the three evaluations that see it, and its
# previous state's time is the time of the change before.
@functools.lru_cache(maxsize=1024)
def cloudwatch_time(epoch: float) -> str:
    """CloudWatch's own format, 2026-01-01T00:00:05.577+0000: the text of
    `datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")[:-6] + "+0000"`, with
    the date and the minute made once a minute. The microseconds are fromtimestamp's own: the
    fraction's, rounded half to even, carried into the seconds (CPython's _PyTime_DoubleToDenominator).
    A 14-day read formats 600,000 of them, and an alarm event three each tick."""
    fraction, whole = math.modf(epoch)
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        micro -= 1_000_000
        whole += 1.0
    elif micro < 0:
        micro += 1_000_000
        whole -= 1.0
    minute, second = divmod(int(whole), 60)
    return f"{_minute_text(minute)}{second:02d}.{micro // 1000:03d}+0000"


@functools.lru_cache(maxsize=256)
def _minute_text(minute: int) -> str:
    """2026-01-01T00:05: for the minute that many minutes from the epoch."""
    return datetime.fromtimestamp(minute * 60, UTC).isoformat()[:17]


def _epoch(value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)
