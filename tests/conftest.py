"""Shared fixtures: fake credentials, moto, a server that catches CloudFormation answers."""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws

from alarmclock import handler

EVENTS = Path(__file__).parent / "events"
REGION = "us-east-1"
ACCOUNT = "123456789012"
CLOCK = "my-clock"

logging.getLogger("werkzeug").setLevel(logging.ERROR)

# Hypothesis profiles, by HYPOTHESIS_PROFILE. "ci", the default (and what `make test`, so .ci/run,
# sets whatever the environment says): every property test at its full number of examples. "dev",
# for a quicker local loop: a fifth of them (the self-healing property test's 200 become 40).
FULL_EXAMPLES = settings.get_profile("default").max_examples
settings.register_profile("ci", max_examples=FULL_EXAMPLES)
settings.register_profile("dev", max_examples=FULL_EXAMPLES // 5)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The longest tests first: under pytest-xdist (`make test`) the suite's wall time is at least its
# longest test's, and xdist hands tests out in collection order, one to each worker in turn, so
# the day-long property tests (about a minute a chunk, collected near the end) would otherwise start last.
LONGEST_FIRST = ("test_self_healing.py::test_no_permanent_stall",)
# Fixtures that take over 5 s to build (the CDK synth, the checkov scan): a test using one is slow
# for `make check`, however quick its own body.
SLOW_FIXTURES = ("synthesized", "scan")
SLOW_S = 5.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(name in item.nodeid for name in LONGEST_FIRST))  # stable: else unchanged
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)


_unmarked_slow: list[tuple[float, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note each test over SLOW_S not marked slow (under xdist too: reports reach the controller)."""
    if report.when == "call" and report.duration > SLOW_S and "slow" not in report.keywords:
        _unmarked_slow.append((report.duration, report.nodeid))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # So `make check` stays under a minute: a test that grew slow is named, to be marked.
    if _unmarked_slow:
        terminalreporter.write_sep("=", f"over {SLOW_S:g} s and not marked slow (mark them @pytest.mark.slow)")
        for duration, nodeid in sorted(_unmarked_slow, reverse=True):
            terminalreporter.write_line(f"{duration:6.1f}s {nodeid}")


def examples(full: int) -> int:
    """`full` examples under the ci profile, proportionally fewer under dev."""
    return max(1, full * settings().max_examples // FULL_EXAMPLES)


@pytest.fixture(autouse=True)
def _own_config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """alarmclock's config directory (what probes checked, what deploy said once) in a fresh folder,
    never the user's. moto's account and region count as probed, so deploy's once-only note on an
    unverified account (tests/emulator/test_probe.py checks it) stays out of the other tests' output."""
    folder = tmp_path_factory.mktemp("config")
    (folder / "probed.json").write_text(json.dumps({"123456789012/us-east-1": {"future_visible_from": "put"}}))
    monkeypatch.setenv("ALARMCLOCK_CONFIG_DIR", str(folder))


@pytest.fixture(autouse=True)
def _forget_designs() -> Iterator[None]:
    """The handler remembers, per clock name, which design its alarms were last seen running (as an
    execution environment does); each test starts with an environment that has seen nothing."""
    from alarmclock import handler

    handler._designs.clear()
    handler._laid.clear()
    handler._sns_flips.clear()  # the flip before, through SNS (handler.wave_held_still)
    yield
    handler._designs.clear()
    handler._laid.clear()
    handler._sns_flips.clear()


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # Never reach real AWS, whatever the machine's environment holds.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


def load_event(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


# CloudFormation answers at an https S3 URL, and the handler PUTs to no other (handler.S3_HOST). A test's
# answer URL is one, and the runtime's PUT carries it to a local server that stands in for S3
# (answer_put): CaughtAnswers', or moto's CloudFormation endpoint.
ANSWER_HOST = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{CLOCK}/5b9b2c10-acde-11f0-9c1e-0a1b2c3d4e5f"


def answer_url(local: str) -> str:
    """The S3 answer URL that answer_put carries to `local` (http://host:port/path?query)."""
    return ANSWER_HOST + "/local/" + local.removeprefix("http://")


def answer_put(url: str, body: bytes) -> None:
    """The handler's real PUT, to the local server an answer_url names."""
    assert url.startswith(ANSWER_HOST + "/local/"), url
    handler._real_http_put("http://" + url.removeprefix(ANSWER_HOST + "/local/"), body)


class CaughtAnswers:
    """An HTTP server on 127.0.0.1 that records every PUT, as S3's presigned URL would."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.content_types: list[str | None] = []
        answers = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                answers.content_types.append(self.headers.get("Content-Type"))
                answers.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = answer_url(f"http://127.0.0.1:{self.server.server_port}/answer?X-Amz-Signature=EXAMPLE")
        # serve_forever checks for shutdown every poll_interval (0.5 s by default): each test
        # using this server would wait that long in its teardown.
        serve = functools.partial(self.server.serve_forever, poll_interval=0.01)
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def answers() -> Iterator[CaughtAnswers]:
    caught = CaughtAnswers()
    yield caught
    caught.close()


class Clock:
    """Virtual time for the handler: tests move it by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ten_second_alarm_entry(name: str, dimensions: dict[str, str], description: str) -> dict[str, Any]:
    """A DescribeAlarms entry of one of a ten-second clock's alarms, with these dimensions and description."""
    return {
        "AlarmName": name,
        "AlarmDescription": description,
        "ActionsEnabled": True,
        "StateValue": "OK",
        "MetricName": "Tick",
        "Namespace": f"alarmclock/{CLOCK}",
        "Statistic": "Average",
        "Period": 10,
        "EvaluationPeriods": 1,
        "Threshold": 0.5,
        "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
    }


def make_runtime(
    now: Callable[[], float] | None = None,
    client: Callable[[str, str | None], Any] | None = None,
) -> tuple[handler.Runtime, list[dict[str, Any]]]:
    """The handler's runtime with moto-backed clients and a log kept in a list."""
    logs: list[dict[str, Any]] = []
    clients: dict[tuple[str, str | None], Any] = {}

    def moto_client(service: str, region: str | None) -> Any:
        key = (service, region)
        if key not in clients:
            clients[key] = boto3.client(service, region_name=region or REGION)
        return clients[key]

    runtime = handler.Runtime(
        client=client or moto_client,
        now=now or Clock(1_795_769_000.0),
        http_put=answer_put,
        log=logs.append,
    )
    return runtime, logs


def clock_config(
    targets: list[str] | tuple[str, ...] = (), payload: Any = None, period: int = 60
) -> handler.ClockConfig:
    return handler.ClockConfig(
        clock=CLOCK,
        namespace=f"alarmclock/{CLOCK}",
        period=period,
        alarm_prefix=f"{CLOCK}-tick-is-",
        targets=list(targets),
        payload=payload,
        stack_id=STACK_ID,
    )


class Quiet:
    """The runner's Progress, for tests that call the runner themselves."""

    def say(self, text: str) -> None:
        pass

    def event(self, event: Any) -> None:
        pass

    def changes(self, changes: Any, creating: bool) -> None:
        pass

    def confirm(self, question: str) -> bool:
        return False


class AnsweringCloudWatch:
    """A CloudWatch client for the handler: DescribeAlarms answers these entries; every other call
    (SetAlarmState, PutMetricData, ...) is recorded as (method, parameters)."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.history: list[dict[str, Any]] = []  # DescribeAlarmHistory's items, newest first

    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        return {"MetricAlarms": self.entries}

    def describe_alarm_history(self, **kwargs: Any) -> dict[str, Any]:
        """`history`'s items; the call is recorded too."""
        self.calls.append(("describe_alarm_history", kwargs))
        return {"AlarmHistoryItems": self.history}

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: self.calls.append((name, kwargs))

    def states_set(self, alarm: str) -> list[tuple[str, str]]:
        """(state, reason) of each SetAlarmState on `alarm`, in order."""
        return [
            (c["StateValue"], c["StateReason"])
            for name, c in self.calls
            if name == "set_alarm_state" and c["AlarmName"] == alarm
        ]
