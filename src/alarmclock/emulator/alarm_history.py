"""Emulated alarm history: what DescribeAlarmHistory returns, in the documented format.

fact (CloudWatch API reference, "AlarmHistoryItem" and "DescribeAlarmHistory"; aws-cli's
describe-alarm-history example; docs/aws-facts.md): an item has AlarmName, AlarmType, Timestamp,
HistoryItemType (ConfigurationUpdate | StateUpdate | Action), HistorySummary and HistoryData, a
JSON string; a StateUpdate's HistoryData holds oldState and newState, and an evaluation's
newState carries stateReasonData (queryDate, startDate, statistic, period, recentDatapoints,
threshold; newer items also evaluatedDatapoints). Items are kept 30 days; pages of MaxRecords
(1 to 100) follow one another with NextToken, newest first unless ScanBy says otherwise.

Items are kept compact (AlarmItems' columns) and rendered only when read: a 10-second clock makes
259,200 of them in 30 days.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
from array import array
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


class AlarmItems:
    """One alarm's history items in time order, held as columns: 30 days of a 10-second clock are
    259,200 items, which as Record and Evaluation objects (with their tuples of datapoints and
    their floats) took some 690 bytes each, about 180 MB. Here an item is its time, the index of
    its shape (what repeats from item to item: its kind, states, reasons, statistic, period and
    how many datapoints it looked at, each distinct shape kept once) and its other numbers as
    doubles in one array, about 90 bytes. `items[i]` makes the Record again, equal to the one
    added, so what DescribeAlarmHistory renders from it is the same bytes.
    """

    __slots__ = ("_dropped", "_numbers", "_offsets", "_shapes", "_table", "times")

    def __init__(self, table: ShapeTable) -> None:
        self.times = array("d")
        self._shapes = array("I")  # the index of each item's shape in `_table`
        self._offsets = array("Q")  # where each item's numbers start, counted from the first item ever
        # an evaluation's query time, start time and threshold, then (period start, value) per datapoint
        self._numbers = array("d")
        self._dropped = 0  # numbers dropped from the front with the items they belonged to
        self._table = table

    def __len__(self) -> int:
        return len(self.times)

    def append(
        self,
        time: float,
        kind: str,
        old_state: str,
        old_reason: str,
        new_state: str,
        new_reason: str,
        evaluation: Evaluation | None = None,
    ) -> None:
        """Record(time, kind, ...) added, without making it (an alarm changes state at each tick)."""
        numbers = self._numbers
        self.times.append(time)
        self._offsets.append(self._dropped + len(numbers))
        if evaluation is None:
            self._shapes.append(self._table.index((kind, old_state, old_reason, new_state, new_reason, -1)))
            return
        points = evaluation.datapoints
        whole = type(evaluation.threshold) is not float or type(evaluation.period_s) is not int
        count = len(numbers)
        append = numbers.append
        try:
            append(evaluation.query_time)
            append(evaluation.start_time)
            append(evaluation.threshold)
            for start, value in points:
                append(start)
                append(value)
                whole = whole or type(value) is not float
        except TypeError:  # a number that is no number: not the emulator's, but kept as it came
            whole = True
        if whole:  # JSON writes an int value without ".0": such a record is kept whole, as it came
            del numbers[count:]
            shape: Any = Record(time, kind, old_state, old_reason, new_state, new_reason, evaluation)
        else:
            shape = (kind, old_state, old_reason, new_state, new_reason, len(points), evaluation.statistic)
            shape += (evaluation.period_s,)
        self._shapes.append(self._table.index(shape))

    def __getitem__(self, position: int) -> Record:
        shape = self._table.shapes[self._shapes[position]]
        if isinstance(shape, Record):
            return shape
        kind, old_state, old_reason, new_state, new_reason, count = shape[:6]
        evaluation = None
        if count >= 0:
            at = self._offsets[position] - self._dropped
            query, start, threshold, *flat = self._numbers[at : at + 3 + 2 * count]
            evaluation = Evaluation(
                query, start, shape[6], shape[7], threshold, tuple(zip(flat[::2], flat[1::2], strict=True))
            )
        return Record(self.times[position], kind, old_state, old_reason, new_state, new_reason, evaluation)

    def drop_before(self, cut: int) -> None:
        """Forget the first `cut` items."""
        if cut <= 0:
            return
        first_kept = self._offsets[cut] if cut < len(self._offsets) else self._dropped + len(self._numbers)
        del self._numbers[: first_kept - self._dropped]
        self._dropped = first_kept
        del self.times[:cut], self._shapes[:cut], self._offsets[:cut]


class ShapeTable:
    """Each distinct shape of history item, once, shared by every alarm's items."""

    __slots__ = ("_indexes", "shapes")

    def __init__(self) -> None:
        self.shapes: list[Any] = []
        self._indexes: dict[Any, int] = {}

    def index(self, shape: Any) -> int:
        found = self._indexes.get(shape)
        if found is None:
            found = self._indexes[shape] = len(self.shapes)
            self.shapes.append(shape)
        return found


class AlarmHistory:
    """Every alarm's history items in time order, 30 days deep, answered as DescribeAlarmHistory."""

    def __init__(self, retention_s: float = HISTORY_RETENTION_S) -> None:
        self.retention_s = retention_s
        self.records: dict[str, AlarmItems] = {}
        self._shapes = ShapeTable()
        self.requests = 0

    def add(self, alarm: str, record: Record) -> None:
        self.add_change(
            alarm,
            record.time,
            record.kind,
            record.old_state,
            record.old_reason,
            record.new_state,
            record.new_reason,
            record.evaluation,
        )

    def add_change(self, alarm: str, *change: Any) -> None:
        """`add` of the Record these fields make, without making it: Record's fields in their order,
        as AlarmItems.append takes them (the one place that names them)."""
        records = self.records.get(alarm)
        if records is None:
            records = self.records[alarm] = AlarmItems(self._shapes)
        records.append(*change)
        time, times = change[0], records.times
        # Drop what is older than the retention, a day's worth at a time (cheap, and still bounded).
        if times[0] < time - self.retention_s - 86_400:
            records.drop_before(bisect.bisect_left(times, time - self.retention_s))

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
        records = self.records.get(alarm) or AlarmItems(self._shapes)
        times = records.times
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
