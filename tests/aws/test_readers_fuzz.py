"""Every reader of AWS output and of the user's files, fuzzed: it reads its input or refuses it with
one line; none raises anything else (issue 22's "close the class", as test_handler_fuzz.py does for
the handler).

AWS output is drawn from botocore's own service model (any answer the model allows: every optional
member present or not, any string, any time), with the members that hold JSON (HistoryData, a log
event's message) drawn from mutations of the documented documents. The user's files are drawn as
any text, any JSON, and mutations of what alarmclock itself writes.
"""

from __future__ import annotations

import copy
import json
import math
import string
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alarmclock import beat
from alarmclock.aws.history import HistoryReader, Pacer
from alarmclock.aws.metrics import Metrics
from alarmclock.aws.models import ClockNames, StackInfo, root_cause
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.verdict import judge
from alarmclock.calibrate import FORMAT, calibrate, timing_model
from alarmclock.timing_model import TimingModel

from conftest import examples

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,  # capsys: read and emptied by each example
    ],
)
CLOCK = "my-clock"
TICK, WATCHDOG = f"{CLOCK}-tick-is-1", f"{CLOCK}-watchdog"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
START, END = NOW - timedelta(hours=1), NOW
MODEL = botocore.session.get_session()

# ---- strategies ---------------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """base with 1-3 mutations: a value replaced by any JSON value, a key dropped or added."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(value))
        path = draw(st.sampled_from(paths))
        parent: Any = _at(value, path[:-1]) if path else None
        op = draw(st.sampled_from(["replace", "drop", "add"] if path else ["replace"]))
        if not path:
            value = draw(json_values)
        elif op == "replace":
            parent[path[-1]] = draw(json_values)
        elif op == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values)
    return value


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


HISTORY_DATA = {
    "version": "1.0",
    "oldState": {"stateValue": "OK", "stateReason": "Threshold Crossed"},
    "newState": {
        "stateValue": "ALARM",
        "stateReason": "Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).",
        "stateReasonData": {"version": "1.0", "queryDate": iso(NOW - timedelta(minutes=5)), "period": 60},
    },
}
TICK_LINE = {
    "level": "INFO",
    "clock": CLOCK,
    "action": "tick",
    "tick_id": "0123456789abcdef",
    "alarm": TICK,
    "tick_time": "2026-12-05T11:55:00.123Z",
    "lag_s": 0.4,
    "delivered": 1,
    "caught_up": ["2026-12-05T11:54:00.123Z"],
}
times = st.datetimes(datetime(2026, 12, 5, 10), datetime(2026, 12, 5, 13), timezones=st.just(UTC))
history_data = st.one_of(st.text(max_size=20), json_values.map(json.dumps), mutated(HISTORY_DATA).map(json.dumps))
messages = st.one_of(st.text(max_size=20), json_values.map(json.dumps), mutated(TICK_LINE).map(json.dumps))
# Members that hold JSON, or name the clock's alarms: drawn as AWS fills them, and around that.
OVERRIDES: dict[str, st.SearchStrategy[Any]] = {
    "HistoryData": history_data,
    "HistoryItemType": st.sampled_from(["StateUpdate", "Action"]),
    "AlarmName": st.sampled_from([TICK, WATCHDOG, "other"]),
    "message": messages,
    "timestamp": st.integers(int(START.timestamp() * 1000) - 10**6, int(END.timestamp() * 1000) + 10**6)
    | st.integers(),
    "Timestamp": times,
    "StateValue": st.sampled_from(["OK", "ALARM", "INSUFFICIENT_DATA"]),
}


def from_shape(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Any value botocore's parser could hand back for this output shape."""
    kind = shape.type_name
    if kind == "structure":
        members = {} if depth > 3 else shape.members
        drawn = {name: _member(name, m, depth) for name, m in members.items()}
        required = set(shape.required_members)
        return st.fixed_dictionaries(
            {k: v for k, v in drawn.items() if k in required},
            optional={k: v for k, v in drawn.items() if k not in required},
        )
    if kind == "list":
        return st.lists(from_shape(shape.member, depth + 1), max_size=4)
    if kind == "map":
        return st.dictionaries(st.text(max_size=6), from_shape(shape.value, depth + 1), max_size=2)
    if kind == "string":
        return st.sampled_from(shape.enum) if shape.enum else st.text(max_size=16)
    if kind == "timestamp":
        return times
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "long"):
        return st.integers(-(2**40), 2**40)
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    return st.binary(max_size=8)


def _member(name: str, shape: Any, depth: int) -> st.SearchStrategy[Any]:
    return OVERRIDES[name] if name in OVERRIDES else from_shape(shape, depth + 1)


def answers(service: str, operation: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = MODEL.get_service_model(service).operation_model(operation).output_shape
    # The last page: Pages adds the tokens that lead from one page to the next.
    return from_shape(shape).map(lambda answer: {k: v for k, v in answer.items() if k not in TOKENS})


TOKENS = ("NextToken", "nextToken")


class Pages:
    """A client whose every answer is one of `pages`, in turn, NextToken leading to the next."""

    def __init__(self, pages: list[dict[str, Any]], token: str = "NextToken") -> None:
        self.pages, self.token = pages, token

    def _page(self, params: dict[str, Any]) -> dict[str, Any]:
        index = int(params.get(self.token) or 0)
        page = dict(self.pages[index])
        if index + 1 < len(self.pages):
            page[self.token] = str(index + 1)
        return page

    def describe_alarm_history(self, **params: Any) -> dict[str, Any]:
        return self._page(params)

    def filter_log_events(self, **params: Any) -> dict[str, Any]:
        return self._page(params)

    def describe_alarms(self, **params: Any) -> dict[str, Any]:
        return self.pages[0]

    def describe_stack_events(self, **params: Any) -> dict[str, Any]:
        return self.pages[0]


class FakeAws:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.region = "us-east-1"

    def client(self, service: str, region: str | None = None) -> Any:
        return self._client


def read(history_pages: list[dict[str, Any]], log_pages: list[dict[str, Any]] | None) -> None:
    """What `beat` and `calibrate` do with the answers: read, analyse, render, fit, reload the fit."""
    reader = HistoryReader(Pages(history_pages), Pages(log_pages or [{}], "nextToken"), Pacer(None))
    items = reader.state_updates(TICK, START, END)
    changes, skipped = beat.read_state_updates(items)
    assert len(changes) + skipped == len(items)
    lines = None
    if log_pages is not None:
        lines = [line for e in reader.tick_lines("/aws/lambda/x", START, END) if (line := beat.TickLine.of(e))]
    for period in (10, 60):
        report = beat.analyse(CLOCK, period, (TICK,), WATCHDOG, START.timestamp(), END.timestamp(), changes, lines)
        beat.render_text(report)
        json.dumps(report.as_json(), allow_nan=False)
        model = calibrate(CLOCK, period, "api", (TICK,), WATCHDOG, changes, lines, START.timestamp(), END.timestamp())
        timing_model(json.loads(json.dumps(model, allow_nan=False)))  # whatever calibrate writes, --model reads


# ---- AWS output ---------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=examples(1000))
@given(pages=st.lists(answers("cloudwatch", "DescribeAlarmHistory"), min_size=1, max_size=3))
def test_any_alarm_history_is_read_or_its_items_skipped(pages: list[dict[str, Any]]) -> None:
    read(pages, None)


@pytest.mark.slow  # about 55 s (1,000 examples, each a calibration)
@settings(FUZZ, max_examples=examples(1000))
@given(
    history=st.lists(answers("cloudwatch", "DescribeAlarmHistory"), min_size=1, max_size=2),
    logs=st.lists(answers("logs", "FilterLogEvents"), min_size=1, max_size=3),
)
def test_any_log_is_read_or_its_events_left_out(history: list[dict[str, Any]], logs: list[dict[str, Any]]) -> None:
    read(history, logs)


def test_a_tick_delivered_three_times_is_one_duplicated_tick_not_a_probability_of_two() -> None:
    # Found by the fuzzing above: calibrate divided the copies by the ticks, and the model refused 2.0.
    line: dict[str, Any] = {"clock": CLOCK, "action": "tick", "tick_id": "0123456789abcdef", "lag_s": 0.4}
    line |= {"alarm": f"{CLOCK}-tick-is-1", "tick_time": "2026-12-05T11:55:00.123Z", "delivered": 1}
    read_lines = [beat.TickLine.of({"timestamp": 1796467400000, "message": json.dumps(line)}) for _ in range(3)]
    lines = [read_line for read_line in read_lines if read_line is not None]
    assert len(lines) == 3
    model = calibrate(CLOCK, 60, "api", (TICK,), WATCHDOG, [], lines, START.timestamp(), END.timestamp())
    assert model["parameters"]["duplicate_notification_prob"] == 1.0  # one tick, and it came again
    timing_model(json.loads(json.dumps(model)))


@settings(FUZZ, max_examples=examples(500))
@given(answer=answers("cloudwatch", "DescribeAlarms"), wave=st.booleans(), paused=st.booleans())
def test_any_describe_alarms_answer_gives_a_verdict(answer: dict[str, Any], wave: bool, paused: bool) -> None:
    names = ClockNames.of(CLOCK, 1, "wave" if wave else "api", 60)
    alarms = Metrics(FakeAws(Pages([answer]))).alarms(names)  # type: ignore[arg-type]
    stack = StackInfo(CLOCK, "arn:stack", "UPDATE_COMPLETE", parameters={"Paused": str(paused).lower()})
    verdict = judge(stack, alarms, [], 60, NOW, names=names)
    assert verdict.kind in ("ticking", "starting", "paused", "stalled", "broken", "changing")


@settings(FUZZ, max_examples=examples(500))
@given(answer=answers("cloudformation", "DescribeStackEvents"))
def test_any_stack_events_answer_gives_a_cause_or_none(answer: dict[str, Any]) -> None:
    events = Stacks(FakeAws(Pages([answer]))).events(CLOCK)  # type: ignore[arg-type]
    assert isinstance(root_cause(events), str)


# ---- the user's files -----------------------------------------------------------------------------------

WRITTEN_MODEL = {
    "format": FORMAT,
    "clock": CLOCK,
    "parameters": {
        "evaluation_offset_s": [["tick-is-1", 4.2], ["watchdog", 0.1]],
        "evaluation_jitter_s": [0.0, 1.0],
        "action_latency_s": [0.1, 0.9],
        "sns_delivery_s": [0.0, 0.0],
        "duplicate_notification_prob": 0.0,
        "evaluation_range_periods": 3,
        "sliding_window_end": "cycle",
    },
}


@settings(FUZZ, max_examples=examples(1000))
@given(data=json_values | mutated(WRITTEN_MODEL) | mutated(WRITTEN_MODEL).flatmap(mutated))
def test_any_model_file_is_a_timing_model_or_one_line(data: Any) -> None:
    try:
        model = timing_model(data)
    except ValueError as error:
        assert "\n" not in str(error) and str(error)
        return
    assert isinstance(model, TimingModel)
    for value in model.as_dict().values():  # every number the emulator will draw from is one
        for number in _numbers(value):
            assert math.isfinite(number) and number >= 0


def _numbers(value: Any) -> list[float]:
    if isinstance(value, tuple):
        return [n for inner in value for n in _numbers(inner)]
    return [float(value)] if isinstance(value, int | float) else []


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from alarmclock.cli import main

    status = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, err


@settings(FUZZ, max_examples=examples(150))
@given(
    content=st.binary(max_size=40)
    | st.text(max_size=40).map(str.encode)
    | json_values.map(lambda v: json.dumps(v).encode())
    | mutated({"job": "report", "n": [1, 2.5]}).map(lambda v: json.dumps(v).encode())
)
def test_any_payload_file_is_a_payload_or_one_line(content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "payload.json"
        path.write_bytes(content)
        status, err = run_cli(["template", "--payload", f"@{path}", "--target", TARGET], capsys)
    assert status == 0 or (status == 2 and err.count("\n") == 1 and err.startswith("alarmclock: error: ")), err


TARGET = "arn:aws:sqs:us-east-1:123456789012:ticks"


def written_template() -> dict[str, Any]:
    from alarmclock.spec import build_spec
    from alarmclock.template import build_template

    return build_template(build_spec(every="1m", targets=(TARGET,)))


@settings(FUZZ, max_examples=examples(300))
@given(
    text=st.text(alphabet=string.printable, max_size=60)
    | json_values.map(json.dumps)
    | st.builds(json.dumps, mutated(written_template()))
)
def test_any_template_file_is_a_clock_or_one_line(text: str) -> None:
    from alarmclock.emulator.adopt import AdoptError, adopt
    from alarmclock.emulator.template_file import TemplateFileError, load_template

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clock.yaml"
        path.write_text(text)
        try:
            adopted = adopt(load_template(str(path)))
        except (TemplateFileError, AdoptError) as error:
            assert "\n" not in str(error) and str(error)
            return
    assert adopted.spec.period_s > 0
