"""`alarmclock probe`: in every modelled world the probe names the world the emulator was set to and
the designs that work there; against moto, it makes the calls it says, and leaves nothing behind,
whether it ends, is interrupted, or finds what an earlier run left."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from alarmclock.cli import main
from alarmclock.probe import experiment, memory
from alarmclock.probe.emulated import run_emulated
from alarmclock.probe.findings import judge
from alarmclock.timing_model import TimingModel

REGION = "us-east-1"
# The edge alarm evaluated a fraction of a second into its cycle: there a point counted from its
# stamp misses the evaluation a point counted from its put makes (elsewhere the two look alike).
EARLY_EDGE = TimingModel().at(evaluation_offset_s=(("edge", 0.2),), evaluation_jitter_s=(0.0, 0.2))
WORLDS = {
    "put": EARLY_EDGE,
    "stamp": EARLY_EDGE.at(future_visible_from="stamp"),
    "late": TimingModel().at(future_visible_from="late", future_late_cycles=(2.0, 3.0)),
    "never": TimingModel().at(future_visible_from="never"),
}
AHEAD_WORKS = {"put": True, "stamp": True, "late": False, "never": False}


@pytest.mark.parametrize("world", sorted(WORLDS))
@pytest.mark.parametrize("seed", [1, 2])
def test_the_emulated_probe_names_its_world_and_the_designs_that_work_there(world: str, seed: int) -> None:
    observed = run_emulated(WORLDS[world], seed)
    findings = judge(observed)
    assert findings.world == world
    assert findings.could_also_be == []  # the edge alarm, early in its cycle, tells put from stamp
    stamps_ahead = AHEAD_WORKS[world]
    assert findings.designs == {
        "wave": stamps_ahead,
        "api": stamps_ahead,
        "logs": stamps_ahead,
        "now": True,  # nothing stamped ahead: it works in every world
        "wallclock": True,
    }
    assert findings.window_end == "cycle"
    # Every answer is drawn from history items, and the run fits the probe's time bar.
    assert all(a.evidence for a in findings.answers if "stamped" in a.question)
    assert max(p.put_at for p in observed.puts) - observed.started < experiment.MAX_MINUTES * 60


def test_the_probe_finds_where_a_window_ends_and_the_evaluation_second() -> None:
    pins = (("60s-flip", 42.0), ("10s-flip", 3.0))
    timing = TimingModel().at(sliding_window_end="second", evaluation_offset_s=pins, evaluation_jitter_s=(0.0, 0.5))
    findings = judge(run_emulated(timing))
    assert findings.window_end == "second"
    assert 42.0 <= findings.evaluation_offsets[60] < 42.5 and 3.0 <= findings.evaluation_offsets[10] < 3.5
    assert findings.jitter_s is not None and findings.jitter_s <= 0.5


def test_probe_emulate_json_is_one_object_with_the_world_and_the_designs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--emulate", "future_visible_from=never", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["future_visible_from"] == "never"
    assert printed["could_also_be"] == []
    assert printed["designs"] == {"wave": False, "api": False, "logs": False, "now": True, "wallclock": True}


def test_where_its_alarms_cannot_tell_a_put_from_a_stamp_the_probe_says_both_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # At the model's defaults the edge alarm looks seconds into its cycle: a point counted from its
    # stamp is visible by then, as one counted from its put is. The wave works in both.
    assert main(["probe", "--emulate", "future_visible_from=stamp", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["future_visible_from"], printed["could_also_be"]) == ("put", ["stamp"])
    assert printed["designs"]["wave"] is True
    assert main(["probe", "--emulate", "future_visible_from=stamp"]) == 0
    assert "world (future_visible_from): put (or stamp: the evidence fits it as well)" in capsys.readouterr().out


def test_the_probes_model_file_is_one_simulate_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.json"
    assert main(["probe", "--emulate", "future_visible_from=never", "-o", str(model)]) == 0
    assert json.loads(model.read_text())["parameters"]["future_visible_from"] == "never"
    capsys.readouterr()
    # The default clock, in the world the probe found: it switches itself and keeps ticking.
    assert main(["simulate", "--model", str(model), "--duration", "3h", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "ticking" and [s["design"] for s in report["switches"]] == ["now"]


@pytest.mark.parametrize(
    ("value", "words"),
    [("future_visible_from=mars", "future_visible_from takes"), ("nonsense", "--emulate 'nonsense'")],
)
def test_a_bad_emulate_value_is_one_line_and_status_2(
    value: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["probe", "--emulate", value]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1


# ---- against moto -----------------------------------------------------------------------------------


class FakeTime:
    """time.time and time.sleep for the probe's AWS path: sleeping moves the clock, nothing waits."""

    def __init__(self, start: float = 1_796_000_000.0, interrupt_after: float | None = None) -> None:
        self.now = start
        self.start = start
        self.interrupt_after = interrupt_after

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        if self.interrupt_after is not None and self.now - self.start > self.interrupt_after:
            raise KeyboardInterrupt


@pytest.fixture
def probe_aws(aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """moto, with every CloudWatch call the probe makes recorded, and a config dir of its own."""
    from moto_gaps import serve_alarm_history

    serve_alarm_history(monkeypatch)
    monkeypatch.setenv("ALARMCLOCK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, params))

    original = boto3.session.Session.client

    def client(self: Any, *args: Any, **kwargs: Any) -> Any:
        made = original(self, *args, **kwargs)
        made.meta.events.register("provide-client-params.cloudwatch.*", record)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)
    yield calls


def leftovers() -> list[str]:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    return [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNamePrefix=experiment.PREFIX)["MetricAlarms"]]


def test_the_probe_creates_named_tagged_alarms_puts_reads_and_deletes_them(
    probe_aws: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alarmclock.cli import probe_cmd

    clock = FakeTime()
    monkeypatch.setattr(probe_cmd, "time", clock)
    assert main(["probe", "--yes", "--region", REGION, "--json"]) == 0
    out, err = capsys.readouterr()
    # The cost first, from the price table: well under the $0.05 the probe promises.
    assert f"at most ${probe_cmd.probe_cost():.3f} at list prices" in err.splitlines()[0]
    assert 0 < probe_cmd.probe_cost() < Decimal("0.01")  # README: "under a cent"; the bar is $0.05
    found = json.loads(out)
    # moto evaluates no alarm: nothing is known, and nothing is claimed to work.
    assert found["future_visible_from"] == "unknown" and not any(found["designs"].values())
    names = [name for name, _ in probe_aws]
    created = [p for name, p in probe_aws if name == "PutMetricAlarm"]
    assert len(created) == 6
    for alarm in created:
        assert alarm["AlarmName"].startswith(experiment.PREFIX) and alarm["ActionsEnabled"] is False
        assert alarm["Tags"] == [{"Key": experiment.TAG, "Value": alarm["AlarmName"].split("-")[2]}]
    puts = [p for name, p in probe_aws if name == "PutMetricData"]
    assert {p["Namespace"] for p in puts} == {experiment.NAMESPACE}
    assert "DescribeAlarmHistory" in names and names[-1] == "DeleteAlarms"
    assert leftovers() == []
    assert clock.now - clock.start <= experiment.MAX_MINUTES * 60
    assert memory.checked("123456789012", REGION) == {"future_visible_from": "unknown", "at": int(clock.now)}


def test_ctrl_c_deletes_what_the_probe_made_and_says_so(
    probe_aws: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alarmclock.cli import probe_cmd

    monkeypatch.setattr(probe_cmd, "time", FakeTime(interrupt_after=90))
    assert main(["probe", "--yes", "--region", REGION]) == 130
    err = capsys.readouterr().err
    assert "interrupted; deleted the probe's 6 alarms" in err and "Traceback" not in err
    assert leftovers() == []
    assert memory.checked("123456789012", REGION) is None  # an interrupted probe settles nothing


def test_a_rerun_deletes_what_an_interrupted_run_left(
    probe_aws: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alarmclock.cli import probe_cmd

    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    left = f"{experiment.PREFIX}dead01-60s-ahead"
    cloudwatch.put_metric_alarm(
        AlarmName=left,
        Namespace=experiment.NAMESPACE,
        MetricName=experiment.METRIC,
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.put_metric_alarm(  # someone else's alarm: never touched
        AlarmName="my-own-alarm",
        Namespace="mine",
        MetricName="m",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    monkeypatch.setattr(probe_cmd, "time", FakeTime())
    assert main(["probe", "--yes", "--region", REGION]) == 0
    assert f"deleted 1 alarms an earlier probe left: {left}" in capsys.readouterr().err
    assert leftovers() == []
    assert [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]] == ["my-own-alarm"]


# ---- deploy's note on an account no probe has checked ----------------------------------------------


class FakeAws:
    region = "eu-west-1"

    def client(self, service: str) -> Any:
        assert service == "sts"
        return self

    def get_caller_identity(self) -> dict[str, str]:
        return {"Account": "210987654321"}


def test_deploy_says_once_that_a_clock_stamping_ahead_rests_on_an_unverified_behaviour(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from alarmclock.cli.deploy_cmd import warn_if_unverified

    aws: Any = FakeAws()
    warn_if_unverified(aws, "wave", "sliding")
    first = capsys.readouterr().err
    assert "not documented" in first and "alarmclock probe --region eu-west-1" in first
    assert "switches itself to --publish now" in first
    warn_if_unverified(aws, "api", "sliding")
    assert capsys.readouterr().err == ""  # once per account and region


@pytest.mark.parametrize(("publish", "window"), [("now", "sliding"), ("api", "wallclock")])
def test_a_clock_that_stamps_nothing_ahead_gets_no_note(
    publish: str, window: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from alarmclock.cli.deploy_cmd import warn_if_unverified

    warn_if_unverified(FakeAws(), publish, window)  # type: ignore[arg-type]
    assert capsys.readouterr().err == ""


def test_a_probed_account_gets_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    from alarmclock.cli.deploy_cmd import warn_if_unverified

    memory.remember("210987654321", "eu-west-1", {"future_visible_from": "put", "at": 0})
    warn_if_unverified(FakeAws(), "wave", "sliding")  # type: ignore[arg-type]
    assert capsys.readouterr().err == ""


def test_the_probe_takes_about_thirteen_minutes_as_the_docs_say() -> None:
    observed = run_emulated(TimingModel())
    last_read = max(p.stamp for p in observed.puts) + experiment.LATE_CYCLES * 60  # the final wait's end
    assert round((last_read - observed.started) / 60) == 13
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "about 13 minutes" in readme
