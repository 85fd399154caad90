"""The bridge's quick path answers as botocore's whole request path does: the same seed gives the
same report, trace and calls through both, and a bad call fails the same way on both."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from alarmclock.emulator.bridge import PATH_VARIABLE, Bridge, ServiceError
from alarmclock.emulator.faults import parse_fault
from alarmclock.emulator.report import render_text
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec

# Every design at 10 s and at 1 m; --publish now takes one alarm, the others two.
DESIGNS = [("wave", 2), ("wave", 1), ("api", 2), ("logs", 2), ("now", 1)]
HOURS = {"10s": 1.0, "1m": 4.0}
FAULTS = ("put-metric-fails:at=1h,for=20m", "throttling:at=2h,for=10m", "function-errors:at=3h,for=5m")


def everything_printed(every: str, publish: str, alarms: int, seed: int, faults: tuple[str, ...] = ()) -> str:
    spec = build_spec(every=every, publish=publish, alarms=alarms)
    scenario = Scenario(
        spec=spec, duration_s=HOURS[every] * 3600, seed=seed, faults=[parse_fault(text) for text in faults]
    )
    run = simulate(scenario)
    calls = sorted(f"{service}:{operation} {count}" for (service, operation), count in run.stack.services.calls.items())
    lines = [json.dumps(record, sort_keys=True) for record in run.world.log_lines]
    return "\n".join([render_text(run.report, run.trace()), json.dumps(run.report.as_json()), *calls, *lines])


def both_paths(monkeypatch: pytest.MonkeyPatch, *args: Any, **kwargs: Any) -> tuple[str, str]:
    monkeypatch.setenv(PATH_VARIABLE, "faithful")
    faithful = everything_printed(*args, **kwargs)
    monkeypatch.setenv(PATH_VARIABLE, "quick")
    return faithful, everything_printed(*args, **kwargs)


@pytest.mark.parametrize("every", ["10s", "1m"])
@pytest.mark.parametrize(("publish", "alarms"), DESIGNS)
def test_both_paths_print_the_same_bytes_for_every_design(
    monkeypatch: pytest.MonkeyPatch, every: str, publish: str, alarms: int
) -> None:
    faithful, quick = both_paths(monkeypatch, every, publish, alarms, seed=5)
    assert "ticks delivered" in faithful and "lambda:Invoke" in faithful  # the target was called
    assert quick == faithful


@pytest.mark.parametrize("every", ["10s", "1m"])
def test_both_paths_print_the_same_bytes_through_faults(monkeypatch: pytest.MonkeyPatch, every: str) -> None:
    faults = FAULTS if every == "1m" else tuple(text.replace("h,", "0m,") for text in FAULTS)
    faithful, quick = both_paths(monkeypatch, every, "wave", 2, seed=9, faults=faults)
    assert "function_error" in faithful and "Throttl" in faithful  # the faults were felt
    assert quick == faithful


def test_the_quick_path_is_the_default_and_the_variable_selects_the_faithful_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PATH_VARIABLE, raising=False)
    assert not Bridge(lambda *a: {}).faithful
    monkeypatch.setenv(PATH_VARIABLE, "faithful")
    assert Bridge(lambda *a: {}).faithful
    assert not Bridge(lambda *a: {}, faithful=False).faithful


UTC_STAMP = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
PLUS_ONE = datetime.timezone(datetime.timedelta(hours=1))
# Calls botocore refuses, and near misses it takes: (service, method, parameters).
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "Tick", "Value": 1.0}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"Value": "one"}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "Tick", "Value": True}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "", "MetricData": [{"MetricName": "Tick", "Value": 1.0}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": []}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": ({"MetricName": "Tick", "Value": 1},)}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Unknown": 1}]}),
    ("cloudwatch", "put_metric_data", {"MetricData": [{"MetricName": "Tick", "Value": 1.0}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": "x"}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": "2026"}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": -1.5}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": True}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": UTC_STAMP}]}),
    (
        "cloudwatch",
        "put_metric_data",
        {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": UTC_STAMP.astimezone(PLUS_ONE)}]},
    ),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Values": [1, "2"]}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Dimensions": [{}]}]}),
    (
        "cloudwatch",
        "put_metric_data",
        {
            "Namespace": "n",
            "MetricData": [
                {
                    "MetricName": "T",
                    "Dimensions": [{"Name": "Clock", "Value": "c"}],
                    "Timestamp": UTC_STAMP.replace(tzinfo=None),
                    "Value": float("nan"),
                    "StorageResolution": 1,
                }
            ],
        },
    ),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Dimensions": {}}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Dimensions": ()}]}),
    (
        "cloudwatch",
        "put_metric_data",
        {"Namespace": "n", "MetricData": [{"MetricName": "T", "Dimensions": [{"Name": "", "Value": "c"}]}]},
    ),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": 1e12}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "Timestamp": 0}]}),
    ("cloudwatch", "put_metric_data", {"Namespace": "n", "MetricData": [{"MetricName": "T", "StorageResolution": 0}]}),
    ("cloudwatch", "describe_alarms", {"AlarmNames": ["a", 2], "MaxRecords": 0}),
    ("cloudwatch", "describe_alarms", {"MaxRecords": 1.0}),
    ("lambda", "invoke", {"FunctionName": "f", "InvocationType": "Event", "Payload": b"{}"}),
    ("lambda", "invoke", {"FunctionName": "f", "Payload": 3}),
    ("lambda", "invoke", {"FunctionName": "f", "Payload": bytearray(b"{}")}),
    ("sns", "publish", {"TopicArn": "t", "Message": "m", "MessageAttributes": {"k": {"DataType": 1}}}),
    ("events", "put_events", {"Entries": [{"Detail": "{}", "Time": 1_767_225_600}]}),
    ("logs", "filter_log_events", {"logGroupName": "g", "limit": 0, "interleaved": "yes"}),
]


def outcome(faithful: bool, service: str, method: str, params: dict[str, Any]) -> tuple[str, str, list[Any]]:
    received: list[Any] = []

    def dispatch(caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        received.append((operation, params))
        return {}

    client = Bridge(dispatch, faithful=faithful).client("me", service, "us-east-1")
    try:
        answer = getattr(client, method)(**params)
    except ParamValidationError as error:
        return "ParamValidationError", str(error), received
    return "answered", str(answer), received


@pytest.mark.parametrize(("service", "method", "params"), CALLS)
def test_a_call_fails_or_succeeds_on_the_quick_path_as_on_the_faithful_one(
    service: str, method: str, params: dict[str, Any]
) -> None:
    assert outcome(False, service, method, params) == outcome(True, service, method, params)


def test_the_table_holds_calls_botocore_refuses_and_calls_it_takes() -> None:
    verdicts = {outcome(True, *call)[0] for call in CALLS}
    assert verdicts == {"ParamValidationError", "answered"}


@pytest.mark.parametrize("faithful", [False, True])
def test_an_error_answer_raises_the_same_client_error_on_both_paths(faithful: bool) -> None:
    def dispatch(caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError("ResourceNotFoundException", "no such function", 404)

    client = Bridge(dispatch, faithful=faithful).client("me", "lambda", "us-east-1")
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.invoke(FunctionName="f", InvocationType="Event", Payload=b"{}")
    assert isinstance(caught.value, ClientError)
    assert str(caught.value) == (
        "An error occurred (ResourceNotFoundException) when calling the Invoke operation: no such function"
    )
    assert caught.value.response["ResponseMetadata"] == {}


@pytest.mark.parametrize("faithful", [False, True])
def test_a_hook_registered_after_the_first_call_runs_on_both_paths(faithful: bool) -> None:
    # The quick path skips botocore's events while every handler is one known to do nothing; a
    # handler added later must run (here, one that gives the call its parameters).
    received: list[Any] = []

    def dispatch(caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        received.append(params)
        return {}

    client = Bridge(dispatch, faithful=faithful).client("me", "cloudwatch", "us-east-1")
    datum = {"MetricName": "T", "Value": 1.0}
    client.put_metric_data(Namespace="n", MetricData=[datum])
    client.meta.events.register(
        "provide-client-params.cloudwatch.PutMetricData",
        lambda params, **_: {**params, "Namespace": "given"},
    )
    client.put_metric_data(Namespace="n", MetricData=[datum])
    assert [params["Namespace"] for params in received] == ["n", "given"]


@pytest.mark.parametrize("faithful", [False, True])
def test_positional_arguments_are_refused_on_both_paths(faithful: bool) -> None:
    client = Bridge(lambda *a: {}, faithful=faithful).client("me", "cloudwatch", "us-east-1")
    with pytest.raises(TypeError, match="only accepts keyword arguments"):
        client.describe_alarms({"AlarmNames": ["a"]})


@pytest.mark.parametrize("faithful", [False, True])
def test_bridges_share_a_session_but_each_answers_its_own_calls(faithful: bool) -> None:
    def answering(name: str) -> Any:
        return lambda caller, service, operation, params: {"MessageId": name}

    first, second = Bridge(answering("first"), faithful=faithful), Bridge(answering("second"), faithful=faithful)
    assert first.session is second.session
    for bridge, name in ((second, "second"), (first, "first")):
        assert bridge.client("me", "sns", "us-east-1").publish(TopicArn="t", Message="m")["MessageId"] == name


def test_the_sessions_service_list_answers_as_botocores_full_listing() -> None:
    from botocore.loaders import Loader

    from alarmclock.emulator.bridge import _session

    loader = _session()._session.get_component("data_loader")
    names = ["cloudwatch", "lambda", "sns", "logs", "nope", "CloudWatch", ".", "", "cloudwatch/2010-08-01"]
    for kind in ("service-2", "endpoint-rule-set-1", "waiters-2"):
        listed, full = loader.list_available_services(kind), Loader.list_available_services(loader, kind)
        assert [name in listed for name in names] == [name in full for name in names]
        assert list(listed) == full
