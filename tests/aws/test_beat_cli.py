"""`alarmclock beat` and `calibrate` against moto's server on 127.0.0.1, end to end over HTTP.

moto falls short in two places, filled here in the open (tests/moto_gaps.py):
- it answers no DescribeAlarmHistory: `serve_alarm_history` answers it from the past states moto
  keeps on each alarm, with no stateReasonData where moto has none (every change here is made by
  SetAlarmState, whose history items on AWS carry none either: no evaluation second to find);
- the handler MotoGaps runs logs to a list, not to the function's log group: the test writes its
  lines there, stamped when the function ran (the change's time plus its lag_s), as Lambda would.
moto reads a JSON filter pattern as "match everything"; beat keeps only the tick lines either way.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import settings as moto_settings
from moto.cloudwatch.models import cloudwatch_backends
from moto.server import ThreadedMotoServer

from alarmclock.cli import main
from moto_gaps import MotoGaps, describe_alarm_history, moto_state_updates, serve_alarm_history

from conftest import ACCOUNT, CLOCK, REGION

POLL = ["--poll-interval", "0.01"]
FAST = ["--rate", "1000"]  # moto has no rate limit; the pacing itself is tested in test_clock_beat.py


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    moto_settings.moto_server_host()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=5).read()
    serve_alarm_history(monkeypatch)
    yield moto_server


@pytest.fixture
def history_requests(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every DescribeAlarmHistory request moto answered, with its parameters."""
    from moto.cloudwatch.responses import CloudWatchResponse

    seen: list[dict[str, Any]] = []

    def counted(response: Any) -> Any:
        seen.append(
            {key: response._get_param(key) for key in ("AlarmName", "HistoryItemType", "MaxRecords", "NextToken")}
        )
        return describe_alarm_history(response)

    monkeypatch.setattr(CloudWatchResponse, "describe_alarm_history", counted, raising=False)
    return seen


def run(capsys: pytest.CaptureFixture[str], endpoint: str, *argv: str) -> tuple[int, str, str]:
    status = main([*argv, "--endpoint-url", endpoint])
    out, err = capsys.readouterr()
    return status, out, err


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def deployed_clock(endpoint: str, capsys: pytest.CaptureFixture[str]) -> MotoGaps:
    """A 1-minute clock deployed on moto, its first tick made by the real handler, its tick lines
    in the function's log group."""
    sqs = client(endpoint, "sqs")
    url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    gaps = MotoGaps(endpoint)
    with gaps.running():
        status, _, err = run(
            capsys,
            endpoint,
            "deploy",
            CLOCK,
            "--every",
            "1m",
            "--publish",
            "api",
            "--target",
            arn,
            "--tick-timeout",
            "20",
            *POLL,
        )
    assert status == 0, err
    group = client(endpoint, "cloudformation").describe_stack_resource(
        StackName=CLOCK, LogicalResourceId="TickLogGroup"
    )["StackResourceDetail"]["PhysicalResourceId"]
    logs = client(endpoint, "logs")
    logs.create_log_stream(logGroupName=group, logStreamName="lambda")
    events = []
    for line in gaps.logs:
        ran = _epoch(line["tick_time"]) + line["lag_s"] if line["action"] == "tick" else time.time()
        events.append({"timestamp": round(ran * 1000), "message": json.dumps(line)})
    logs.put_log_events(
        logGroupName=group, logStreamName="lambda", logEvents=sorted(events, key=lambda e: e["timestamp"])
    )
    return gaps


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_beat_reads_a_clock_on_moto_asking_only_for_state_updates(
    endpoint: str, capsys: pytest.CaptureFixture[str], history_requests: list[dict[str, Any]]
) -> None:
    gaps = deployed_clock(endpoint, capsys)
    assert [line["action"] for line in gaps.logs if line["action"] == "tick"] == ["tick"]
    status, out, err = run(capsys, endpoint, "beat", CLOCK, *FAST)
    assert status == 0, err
    assert "(ticks timed by the function's log)" in out.splitlines()[0]
    assert "  ticks delivered    1 distinct, 0 duplicate deliveries" in out
    assert "  restarts           0" in out
    # SetAlarmState's changes carry no queryDate: no evaluation second to report, and it says so.
    assert f"  alarm {CLOCK}-tick-is-1" in out and "not evaluated into a new state" in out
    assert {r["AlarmName"] for r in history_requests} == {f"{CLOCK}-tick-is-1", f"{CLOCK}-watchdog"}
    assert all(r["HistoryItemType"] == "StateUpdate" and str(r["MaxRecords"]) == "100" for r in history_requests)


def test_beat_pages_through_a_long_history_with_next_token(
    endpoint: str, capsys: pytest.CaptureFixture[str], history_requests: list[dict[str, Any]], tmp_path: Path
) -> None:
    deployed_clock(endpoint, capsys)
    cloudwatch = client(endpoint, "cloudwatch")
    # The deploy's changes (moto's alarm starts in OK, MotoGaps puts it in INSUFFICIENT_DATA as AWS
    # would, the kick sets OK) and these flips: 250 in all, three pages.
    for index in range(250 - len(moto_state_updates(f"{CLOCK}-tick-is-1"))):
        state = "ALARM" if index % 2 == 0 else "OK"
        cloudwatch.set_alarm_state(AlarmName=f"{CLOCK}-tick-is-1", StateValue=state, StateReason="test flip")
    figure = tmp_path / "beat.png"
    status, out, err = run(capsys, endpoint, "beat", CLOCK, "--json", "--plot", str(figure), *FAST)
    report = json.loads(out)
    assert err == f"wrote {figure}\n" and figure.read_bytes().startswith(b"\x89PNG")
    assert report["alarms"][f"{CLOCK}-tick-is-1"]["changes"] == 250
    pages = [r for r in history_requests if r["AlarmName"] == f"{CLOCK}-tick-is-1"]
    assert [r["NextToken"] for r in pages] == [None, "100", "200"]
    # Only one of those changes made a tick line (the flips ran no action): the log times the beat.
    assert report["ticks"] == 1 and report["timed_by"] == "the function's log"
    assert status == 0, err


def test_calibrate_on_moto_says_what_it_could_not_fit_and_simulate_runs_on_the_model(
    endpoint: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deployed_clock(endpoint, capsys)
    target = tmp_path / "model.json"
    status, out, err = run(capsys, endpoint, "calibrate", CLOCK, "-o", str(target), *FAST)
    assert status == 0, err
    model = json.loads(target.read_text())
    assert out.startswith(f"wrote {target}: fitted ")
    assert model["observations"]["action_latency_s"]["ticks"] == 1
    assert "evaluation_offset_s" not in model["parameters"]  # no evaluation in moto's history
    assert "evaluation_range_periods" in model["assumptions"]
    status = main(["simulate", "--every", "1m", "--duration", "2h", "--model", str(target)])
    out, err = capsys.readouterr()
    assert status == 0, err
    # Two hours of a one-minute clock on the fitted model: it ticks, about once a minute.
    assert re.search(r"^  verdict +ticking$", out, re.M), out
    delivered = re.search(r"^  ticks delivered +(\d+) distinct", out, re.M)
    assert delivered and 115 <= int(delivered.group(1)) <= 120, out


def test_beat_errors_are_one_line(endpoint: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, endpoint, "beat", "no-such-clock", *FAST)
    assert status == 1 and err.startswith("alarmclock: error: no stack named 'no-such-clock'") and err.count("\n") == 1
    deployed_clock(endpoint, capsys)
    time.sleep(1.1)
    status, _, err = run(capsys, endpoint, "beat", CLOCK, "--since", "1s", *FAST)
    assert status == 1 and err.count("\n") == 1
    assert "no state changes in the history of" in err and "it has not ticked yet" in err
    status, _, err = run(capsys, endpoint, "beat", CLOCK, "--since", "31d", *FAST)
    assert status == 2 and "goes back 30 days at most" in err and err.count("\n") == 1
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "alarmclock-timing-model/1", "parameters": {"action_latency_s": [2, 1]}}')
    for model in (str(broken), str(tmp_path / "missing.json")):
        status = main(["simulate", "--model", model])
        _, err = capsys.readouterr()
        assert status == 2 and err.startswith("alarmclock: error: --model") and err.count("\n") == 1


NOT_LISTENING = "http://127.0.0.1:9"  # any AWS call would fail: exit status 1, not 2


@pytest.mark.parametrize("since", ["1M", "abc", "-1h", "", "1h30", "10S", "0", "0s", "31d"])
@pytest.mark.parametrize("command", ["beat", "calibrate"])
def test_a_bad_since_is_one_line_and_status_2_before_any_aws_call(
    command: str, since: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    extra = ["-o", str(tmp_path / "model.json")] if command == "calibrate" else []
    status = main([command, "no-such-clock", "--since", since, *extra, "--endpoint-url", NOT_LISTENING])
    out, err = capsys.readouterr()
    assert status == 2, err
    assert err.startswith(f"alarmclock: error: --since {since!r}") and err.count("\n") == 1
    assert "Traceback" not in out + err


def test_since_reads_up_to_30_days_of_history(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    deployed_clock(endpoint, capsys)
    status, out, err = run(capsys, endpoint, "beat", CLOCK, "--since", "30d", *FAST)
    assert status == 0, err
    # The function's log is kept 14 days: a longer window is timed by the alarms' changes, and says so.
    assert err == (
        "alarmclock: note: the function's log is kept 14 days, less than --since: "
        "ticks are timed at the alarms' changes\n"
    )
    assert "(ticks timed by the alarms' state changes)" in out and "1 distinct" in out


def test_unreadable_history_items_are_skipped_counted_and_said(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.core.responses import ActionResult

    deployed_clock(endpoint, capsys)
    name = f"{CLOCK}-tick-is-1"
    good = moto_state_updates(name)[-1]
    bad = [
        {key: value for key, value in good.items() if key != "HistoryData"},  # HistoryData null
        {**good, "HistoryData": "[]"},
        {**good, "HistoryData": '"a bare string"'},
        {**good, "HistoryData": json.dumps({"newState": "ALARM", "oldState": {"stateValue": "OK"}})},
        {key: value for key, value in good.items() if key != "Timestamp"},
    ]

    def with_bad_items(response: Any) -> Any:
        result: Any = describe_alarm_history(response).result
        if response._get_param("AlarmName") == name:
            result["AlarmHistoryItems"] = [*result["AlarmHistoryItems"], *bad]
        return ActionResult(result)

    from moto.cloudwatch.responses import CloudWatchResponse

    monkeypatch.setattr(CloudWatchResponse, "describe_alarm_history", with_bad_items, raising=False)
    status, out, err = run(capsys, endpoint, "beat", CLOCK, "--json", *FAST)
    assert status == 0, err
    assert err == (
        "alarmclock: note: 5 alarm history items were skipped: not a StateUpdate as AWS documents it "
        "(no Timestamp, or a HistoryData without a newState object)\n"
    )
    assert json.loads(out)["ticks"] == 1


# moto warns that AccessDenied is not one of CloudWatch's modelled errors; AWS sends it all the same.
@pytest.mark.filterwarnings("ignore:Exception\\(CloudWatchException\\) with code AccessDenied")
def test_beat_without_permission_to_read_history_says_so(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudwatch.exceptions import CloudWatchException
    from moto.cloudwatch.responses import CloudWatchResponse

    deployed_clock(endpoint, capsys)

    def denied(response: Any) -> Any:
        raise CloudWatchException("AccessDenied", "User is not authorized to perform: cloudwatch:DescribeAlarmHistory")

    monkeypatch.setattr(CloudWatchResponse, "describe_alarm_history", denied, raising=False)
    status, _, err = run(capsys, endpoint, "beat", CLOCK, *FAST)
    assert status == 1 and err.count("\n") == 1
    assert err.startswith("alarmclock: error: not allowed to call DescribeAlarmHistory")
    assert cloudwatch_backends[ACCOUNT][REGION].alarms  # the clock is still there


def test_the_beat_page_shows_what_the_beat_demo_prints() -> None:
    import importlib.util

    root = Path(__file__).parents[2]
    spec = importlib.util.spec_from_file_location("beat_demo", root / "scripts" / "beat_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    printed = module.demo()
    page = (root / "docs" / "beat.md").read_text()
    assert "made by the emulator, not by AWS" in page
    assert printed.rstrip("\n") in page, "docs/beat.md's beat example is stale: python scripts/beat_demo.py"
    assert "restarts           1: the watchdog has seen no Tick (1)" in printed


def test_without_tick_lines_in_the_log_beat_times_ticks_at_the_changes_and_says_so(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    gaps = MotoGaps(endpoint)
    sqs = client(endpoint, "sqs")
    url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    with gaps.running():
        status, _, err = run(
            capsys,
            endpoint,
            "deploy",
            CLOCK,
            "--every",
            "1m",
            "--publish",
            "api",
            "--target",
            arn,
            "--tick-timeout",
            "20",
            *POLL,
        )
    assert status == 0, err
    status, out, err = run(capsys, endpoint, "beat", CLOCK, *FAST)  # the log group is empty
    assert status == 0, err
    assert err.count("\n") == 1 and err.startswith("alarmclock: note: the function's log holds no tick lines")
    assert "(ticks timed by the alarms' state changes)" in out and "1 distinct" in out


def test_a_long_read_shows_its_progress_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    from alarmclock.cli.beat_cmd import StderrProgress

    progress = StderrProgress(every=50)
    for page in range(1, 121):
        progress("my-clock-tick-is-1", page, page * 100)
    _, err = capsys.readouterr()
    assert err.splitlines() == [
        "  reading my-clock-tick-is-1: 50 pages, 5,000 items",
        "  reading my-clock-tick-is-1: 100 pages, 10,000 items",
    ]
