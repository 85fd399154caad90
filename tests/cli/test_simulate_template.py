"""`alarmclock simulate --template FILE [--clock PREFIX]` on templates made without CDK: an
`alarmclock template` output runs exactly as its options do; other resources are left out and
listed; what cannot run is refused in one line (tests/template/test_cdk.py runs synthesized CDK stacks)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from alarmclock.cli import main
from alarmclock.emulator.adopt import rename
from alarmclock.emulator.template_file import load_template
from alarmclock.render import render
from alarmclock.spec import build_spec
from alarmclock.template import build_template

Json = dict[str, Any]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, template: Json, fmt: str = "json") -> str:
    path = tmp_path / f"clock.{fmt}"
    path.write_text(render(template, fmt))  # type: ignore[arg-type]
    return str(path)


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--every", "10s", "--target", "arn:aws:sqs:eu-west-1:123456789012:jobs", "--payload", '{"job": "poll"}'],
        ["--via", "sns", "--alarms", "2", "--target", "arn:aws:lambda:us-east-1:123456789012:function:job"],
        ["--every", "5m", "--window", "wallclock", "--publish", "logs"],
    ],
    ids=["defaults", "10s-sqs-payload", "sns-two-alarms", "5m-wallclock-logs"],
)
def test_an_alarmclock_template_runs_byte_for_byte_as_its_options(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "clock.yaml")
    assert main(["template", *options, "-o", path]) == 0
    capsys.readouterr()
    common = ["--duration", "3h", "--seed", "11", "--trace"]
    status, from_template, note = run(["simulate", "--template", path, *common], capsys)
    assert note.startswith("simulating the clock (") and "left out" not in note
    assert (status, from_template) == run(["simulate", *options, *common], capsys)[:2]
    assert status == 0 and "verdict            ticking" in from_template


def test_resources_that_are_not_the_clocks_are_listed_once_and_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = build_template(build_spec())
    template["Resources"] |= {
        "Uploads": {"Type": "AWS::S3::Bucket"},
        "Reports": {"Type": "AWS::S3::Bucket"},
        "Alerts": {"Type": "AWS::SNS::Topic"},
    }
    status, out, note = run(["simulate", "--template", write(tmp_path, template), "--duration", "2h"], capsys)
    assert status == 0 and "verdict            ticking" in out
    assert note.count("Uploads") == 1
    assert "left out, not part of this clock (3): AWS::S3::Bucket: Uploads, Reports; AWS::SNS::Topic: Alerts" in note


def test_a_clock_that_depends_on_what_the_emulator_does_not_model_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = build_template(build_spec())
    template["Resources"]["Uploads"] = {"Type": "AWS::S3::Bucket"}
    statements = template["Resources"]["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    statements.append({"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::GetAtt": ["Uploads", "Arn"]}})
    status, out, err = run(["simulate", "--template", write(tmp_path, template)], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("alarmclock: error: the clock depends on Uploads (AWS::S3::Bucket), which the emulator")
    assert err.count("\n") == 1


def two_clocks() -> Json:
    """Two clocks in one template, as two constructs would put them (a prefix per clock)."""
    merged: Json = {"Resources": {}}
    for prefix, every in (("Fast", "10s"), ("Slow", "5m")):
        template = build_template(build_spec(every=every, targets=["arn:aws:sns:us-east-1:123456789012:t"]))
        names = {logical: prefix + logical for logical in template["Resources"]}
        for logical, resource in template["Resources"].items():
            merged["Resources"][names[logical]] = rename(copy.deepcopy(resource), names)
        depends = merged["Resources"][f"{prefix}Starter"]["DependsOn"]
        merged["Resources"][f"{prefix}Starter"]["DependsOn"] = [names[d] for d in depends]
        merged["Resources"][f"{prefix}Watchdog"]["DependsOn"] = f"{prefix}Starter"
        merged["Parameters"], merged["Conditions"] = template["Parameters"], template["Conditions"]
    return merged


def test_several_clocks_need_clock_to_pick_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, two_clocks())
    status, _, err = run(["simulate", "--template", path], capsys)
    assert status == 2 and "2 clocks in this template (Fast, Slow); pick one with --clock PREFIX" in err
    status, out, note = run(["simulate", "--template", path, "--clock", "Slow", "--duration", "2h", "--json"], capsys)
    assert status == 0 and json.loads(out)["period_s"] == 300
    assert note.startswith("simulating Slow (") and "Custom::AlarmClockStarter: FastStarter" in note
    status, _, err = run(["simulate", "--template", path, "--clock", "Medium"], capsys)
    assert status == 2 and "--clock 'Medium' matches 0 of the clocks in this template: Fast, Slow" in err


def test_short_form_yaml_reads_as_the_long_form(tmp_path: Path) -> None:
    path = tmp_path / "short.yaml"
    path.write_text(
        "Resources:\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      Arn: !GetAtt Function.Arn\n"
        "      List: !GetAtt [Function, Arn]\n"
        "      Name: !Sub '${AWS::StackName}-x'\n"
        "      Ref: !Ref Paused\n"
        "      If: !If [ClockRunning, true, false]\n"
        "      Join: !Join ['', [a, !Ref AWS::Region]]\n"
    )
    assert load_template(str(path))["Resources"]["Role"]["Properties"] == {
        "Arn": {"Fn::GetAtt": ["Function", "Arn"]},
        "List": {"Fn::GetAtt": ["Function", "Arn"]},
        "Name": {"Fn::Sub": "${AWS::StackName}-x"},
        "Ref": {"Ref": "Paused"},
        "If": {"Fn::If": ["ClockRunning", True, False]},
        "Join": {"Fn::Join": ["", ["a", {"Ref": "AWS::Region"}]]},
    }


def without(name: str) -> Json:
    template = build_template(build_spec())
    del template["Resources"][name]
    return template


@pytest.mark.parametrize(
    ("files", "argv", "message"),
    [
        ({}, ["--template", "missing.yaml"], "cannot read missing.yaml: No such file or directory"),
        ({"list.yaml": "- a\n- b\n"}, ["--template", "list.yaml"], "list.yaml is not a CloudFormation template"),
        ({"bad.json": "{\n  'x': [\n"}, ["--template", "bad.json"], "bad.json is neither JSON nor YAML"),
        (
            {"none.json": json.dumps({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})},
            ["--template", "none.json"],
            "no alarmclock clock in this template (no resource of type Custom::AlarmClockStarter)",
        ),
        (
            {"clock.json": render(without("Heartbeat"), "json")},
            ["--template", "clock.json"],
            "the clock lacks Heartbeat",
        ),
        (
            {"clock.json": render(build_template(build_spec()), "json")},
            ["--template", "clock.json", "--every", "5m", "--via", "sns"],
            "--every, --via cannot be used with --template: the template sets the clock",
        ),
        (
            {"clock.json": render(build_template(build_spec()), "json")},
            ["--template", "clock.json", "--fault", "stack-update:at=1h"],
            "--fault stack-update needs a clock built from options, not --template",
        ),
        ({}, ["--clock", "Fast"], "--clock picks a clock in a --template; give the template too"),
    ],
    ids=["missing", "not-a-template", "not-yaml", "no-clock", "incomplete", "options-too", "update", "clock-alone"],
)
def test_bad_input_is_one_line_and_exit_status_2(
    files: dict[str, str],
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    status, out, err = run(["simulate", *argv], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("alarmclock: error: ") and message in err
    assert err.count("\n") == 1


def test_a_property_of_a_shape_its_type_does_not_take_fails_the_stack_as_cloudformation_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = build_template(build_spec())
    template["Resources"]["TickLogGroup"]["Properties"] = ["RetentionInDays", 14]  # a list, not an object
    status, out, err = run(["simulate", "--template", write(tmp_path, template), "--duration", "20m"], capsys)
    assert status == 1 and "Traceback" not in out + err
    assert "  verdict            never ticked\n" in out
    assert "CREATE_FAILED" in out and "TickLogGroup: Properties validation failed" in out


@pytest.mark.parametrize("statistic", [None, ["Maximum"], "Median"])
def test_an_alarm_statistic_putmetricalarm_refuses_fails_the_stack(
    statistic: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = build_template(build_spec())
    template["Resources"]["TickAlarm1"]["Properties"]["Statistic"] = statistic
    status, out, err = run(["simulate", "--template", write(tmp_path, template), "--duration", "20m"], capsys)
    assert status == 1 and "Traceback" not in out + err
    assert "TickAlarm1: ValidationError: Statistic" in out


def test_a_template_whose_get_att_has_no_attribute_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = build_template(build_spec())
    template["Resources"]["TickAlarm1Permission"]["Properties"]["SourceArn"] = {"Fn::GetAtt": "TickAlarm1"}
    status, out, err = run(["simulate", "--template", write(tmp_path, template), "--duration", "20m"], capsys)
    assert (status, out, err.count("\n")) == (2, "", 1), err
    assert err.startswith("alarmclock: error: the clock in this template has a value of a shape CloudFormation")
