"""The CLI in-process: main(argv) -> exit status, output read from the captured streams."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from alarmclock.cli import main

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:my-job"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_template_prints_a_yaml_template_with_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["template", "--every", "1m", "--target", TARGET], capsys)
    assert status == 0 and err == ""
    template = yaml.safe_load(out)
    # The function's environment is the one record of the targets (readback.py); Metadata does not repeat them.
    variables = template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]
    assert json.loads(variables["ALARMCLOCK_TARGETS"]) == [TARGET]
    assert "targets" not in template["Metadata"]["alarmclock"]
    assert template["Resources"]["TickAlarm1"]["Properties"]["Period"] == 60
    assert "TickAlarm0" not in template["Resources"]  # one alarm by default


def test_template_builds_the_seeds_pair_and_a_wall_clock_window_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["template", "--every", "5m", "--alarms", "2", "--window", "wallclock"], capsys)
    assert status == 0
    resources = yaml.safe_load(out)["Resources"]
    for name in ("TickAlarm0", "TickAlarm1"):
        assert resources[name]["Properties"]["EvaluationWindow"] == {"WallClockWindow": {}}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--every", "3h"], "cannot be held by an alarm clock"),
        (["--every", "2m", "--window", "wallclock"], "WallClockWindow takes only"),
        (["--alarms", "3"], "--alarms"),
        (["--window", "weekly"], "--window"),
    ],
)
def test_template_refuses_a_design_that_cannot_hold_the_period(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["template", *argv], capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and says in err


@pytest.mark.parametrize(("every", "period"), [("10s", 10), ("20s", 20), ("30 sec", 30)])
def test_template_accepts_sub_minute_periods(every: str, period: int, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["template", "--every", every, "--target", TARGET], capsys)
    assert status == 0 and err == ""
    resources = yaml.safe_load(out)["Resources"]
    assert resources["TickAlarm1"]["Properties"]["Period"] == period
    assert resources["TickFunction"]["Properties"]["Environment"]["Variables"]["ALARMCLOCK_PERIOD"] == str(period)


def test_template_writes_json_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clock.json"
    status, out, err = run(
        ["template", "--every", "5m", "--via", "sns", "--format", "json", "-o", str(path), "--payload", '{"a": 1}'],
        capsys,
    )
    assert status == 0 and out == ""
    assert f"wrote {path}" in err
    template = json.loads(path.read_text())
    assert "TickTopic" in template["Resources"]
    assert json.loads(
        template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]["ALARMCLOCK_PAYLOAD"]
    ) == {"a": 1}


def test_template_output_dash_is_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["template", "--format", "json", "-o", "-"], capsys)
    assert (status, err) == (0, "")
    assert "TickFunction" in json.loads(out)["Resources"]
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--every", "45s"], ["--every", "45s", "whole minutes"]),
        (["--every", "0"], ["--every", "positive"]),
        (["--every", "soon"], ["--every", "not a duration"]),
        (["--every", "25h"], ["--every", "1440m"]),
        (["--every", "15s"], ["--every", "15s", "10s, 20s, 30s"]),
        (["--target", "my-job"], ["--target", "not an ARN"]),
        (["--target", "arn:aws:s3:us-east-1:123456789012:bucket"], ["'s3' is not a supported target", "sqs (SQS"]),
        (["--target", "arn:aws:lambda:us-east-1:123456789012:layer:x"], ["does not name a Lambda function"]),
        (["--target", TARGET, "--target", TARGET], ["same ARN"]),
        (["--payload", "{job}"], ["--payload", "not valid JSON"]),
        (["--payload", "NaN"], ["--payload", "NaN is not a JSON number"]),
        (["--payload", '{"a": Infinity}'], ["--payload", "Infinity is not a JSON number"]),
        (["--payload", '{"a": [-Infinity]}'], ["--payload", "-Infinity is not a JSON number"]),
        (["--payload", '{"a": 1e400}'], ["--payload", "1e400 is too large for a JSON number"]),
        (["--payload", "1" + "0" * 400], ["--payload", "too large for a JSON number"]),
        (["--payload", json.dumps({"x": "y" * 4000})], ["4 KB"]),
        (["--via", "sqs"], ["--via", "lambda", "sns"]),
        (["--format", "toml"], ["--format", "yaml", "json"]),
        (["--bogus"], ["No such option"]),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    argv: list[str], names: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["template", *argv], capsys)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("alarmclock: error: ")
    for name in names:
        assert name in err
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["a-directory", "no-such-directory/x.yaml"])
def test_an_output_that_is_no_file_in_a_directory_is_bad_input_either_way(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-directory").mkdir()
    status, out, err = run(["template", "-o", str(tmp_path / where)], capsys)
    assert (status, out, err.count("\n")) == (2, "", 1), err


def test_an_arn_of_a_service_no_tick_goes_to_names_the_service_and_lists_those_that_can(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(["template", "--target", "arn:aws:s3:::my-bucket"], capsys)
    assert status == 2 and err.count("\n") == 1
    assert "'arn:aws:s3:::my-bucket': service 's3' is not a supported target; use lambda (Lambda function), " in err
    assert "is not an ARN" not in err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, a file every write to fails")
def test_a_write_that_fails_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    # Not bad input (that is status 2, above): the file is there, the write fails (a full disk).
    status, _, err = run(["template", "-o", "/dev/full"], capsys)
    assert status == 1
    assert err.startswith("alarmclock: error: cannot write") and err.count("\n") == 1


def test_every_option_says_what_it_is_in_one_placeholder_style(capsys: pytest.CaptureFixture[str]) -> None:
    from alarmclock.cli import cli, register_commands

    register_commands()
    for name, command in sorted(cli.commands.items()):
        for parameter in command.params:
            if isinstance(parameter, click.Option) and not parameter.hidden:
                assert parameter.help, f"{name} {parameter.opts[-1]} has no description"
        status, out, _ = run([name, "--help"], capsys)
        assert status == 0
        for placeholder in (" TEXT", " FLOAT RANGE", " INTEGER RANGE", " FLOAT", " INTEGER"):
            assert not re.search(rf"^  -\S*(, --\S+)?{placeholder}\b", out, re.MULTILINE), (name, placeholder)
    _, out, _ = run(["restart", "--help"], capsys)
    assert "every 10 minutes" in " ".join(out.split())  # as docs/how-it-works.md says; longer periods in detail
    _, out, _ = run(["status", "--help"], capsys)
    assert "AWS_DEFAULT_REGION" in out
    _, out, _ = run(["simulate", "--help"], capsys)
    assert "function-errors (at=1h,for=10m)" in " ".join(out.split())


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--help"], capsys)
    assert status == 0 and "template" in out
    status, out, _ = run(["template", "--help"], capsys)
    assert status == 0 and "--every" in out and "--target" in out
    assert "10s, 20s, 30s" in out
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and "alarmclock" in out


def test_an_unknown_command_is_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["frobnicate"], capsys)
    assert status == 2 and "No such command" in err


def test_the_console_script_runs_as_a_module() -> None:
    # The installed entry point, end to end in a subprocess: exit status and stderr as a user sees them.
    done = subprocess.run(
        [sys.executable, "-m", "alarmclock", "template", "--every", "45s"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("alarmclock: error: --every '45s'")


def test_plain_alarmclock_shows_the_help_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([], capsys)
    assert status == 0 and err == ""
    assert out.startswith("Usage: alarmclock") and "Commands:" in out


def test_deploy_help_shows_no_default_that_an_update_would_not_use(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["deploy", "--help"], capsys)
    flat = " ".join(out.split())  # help wraps to the terminal's width
    assert status == 0
    assert "[default: 1m]" not in flat and "[default: lambda]" not in flat and "[default: 1]" not in flat
    assert "A new clock gets 1m; an update keeps the clock's own" in flat


def test_deploy_help_does_not_promise_a_function_arn_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    # deploy refuses a new clock without --target; only `template` takes the ARN as a parameter.
    _, deploy_help, _ = run(["deploy", "--help"], capsys)
    _, template_help, _ = run(["template", "--help"], capsys)
    assert "asks for a function ARN" not in " ".join(deploy_help.split())
    assert "A new clock needs at least one" in " ".join(deploy_help.split())
    assert "takes a function's ARN as a parameter" in " ".join(template_help.split())


@pytest.mark.parametrize(
    ("arn", "says"),
    [
        ("arn:aws:lambda:us-east-1:123456789012:layer:x", "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS]"),
        ("arn:aws:sqs:us-east-1:123456789012:a/b", "arn:aws:sqs:REGION:ACCOUNT:QUEUE"),
        ("arn:aws:sns:us-east-1:123456789012:a/b", "an SNS topic"),
        ("arn:aws:events:us-east-1:123456789012:rule/x", "does not name an EventBridge event bus"),
        ("my-job", "an ARN looks like arn:aws:lambda:us-east-1:123456789012:function:my-job"),
    ],
)
def test_an_arn_error_says_what_an_arn_looks_like_not_a_pattern(
    arn: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["template", "--target", arn], capsys)
    assert status == 2 and says in err
    for regex in ("[A-Za-z", "{1,", "(?:", "\\"):
        assert regex not in err


def test_the_documented_exit_statuses_are_the_enums() -> None:
    from alarmclock.exit_status import ExitStatus

    docs = (Path(__file__).parents[2] / "docs" / "cli-aws.md").read_text()
    section = docs.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ") and line[2].isdigit()]
    documented = [(int(row[0].strip("| ")), row[1].strip("`"), row[2].rstrip(" |")) for row in rows]
    assert documented == [(status.value, status.name, status.meaning) for status in ExitStatus]


def test_no_module_keeps_exit_codes_of_its_own() -> None:
    # One ExitStatus for the whole CLI: no EXIT_* constants and no bare 130 beside it.
    package = Path(__file__).parents[2] / "src" / "alarmclock"
    for path in package.rglob("*.py"):
        if path.name in ("exit_status.py", "handler.py"):
            continue
        text = path.read_text()
        assert not re.search(r"\bEXIT_[A-Z]+\b", text), path
        assert not re.search(r"\breturn 130\b|exit_code\s*=\s*\d", text), path


def test_payload_at_file_reads_the_json_from_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"job": "report", "n": 3}\n')
    status, out, err = run(["template", "--target", TARGET, "--payload", f"@{payload}"], capsys)
    assert status == 0, err
    variables = yaml.safe_load(out)["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]
    assert json.loads(variables["ALARMCLOCK_PAYLOAD"]) == {"job": "report", "n": 3}


@pytest.mark.parametrize(("content", "says"), [(None, "cannot read"), ("{job}", "not valid JSON"), ("NaN", "NaN")])
def test_payload_at_file_refuses_a_missing_file_or_bad_json(
    content: str | None, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = tmp_path / "payload.json"
    if content is not None:
        payload.write_text(content)
    status, out, err = run(["template", "--payload", f"@{payload}"], capsys)
    assert status == 2 and out == "" and says in err and err.count("\n") == 1


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_is_what_the_cli_reference_says(shell: str) -> None:
    page = (Path(__file__).parents[2] / "docs" / "cli.md").read_text()
    assert f"_ALARMCLOCK_COMPLETE={shell}_source alarmclock" in page
    env = {**os.environ, "_ALARMCLOCK_COMPLETE": f"{shell}_source"}
    done = subprocess.run([sys.executable, "-m", "alarmclock"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "_ALARMCLOCK_COMPLETE" in done.stdout


# ---- --output json|table|text ---------------------------------------------------------------------


def test_cost_says_the_same_in_json_table_and_text_and_json_is_output_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, as_json, _ = run(["cost", "--every", "1m", "--output", "json"], capsys)
    assert status == 0
    assert run(["cost", "--every", "1m", "--json"], capsys)[1] == as_json
    data = json.loads(as_json)
    status, table, err = run(["cost", "--every", "1m", "--output", "table"], capsys)
    assert (status, err) == (0, "")
    assert re.search(rf"^  list_usd +{data['clock']['list_usd']}$", table, re.M)
    assert re.search(r"^    ITEM +PRICE_KEY +QUANTITY", table, re.M)  # the items as columns
    assert run(["cost", "--every", "1m", "--output", "text"], capsys)[1] == run(["cost", "--every", "1m"], capsys)[1]


def test_json_with_another_output_is_one_line_and_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["cost", "--json", "--output", "table"], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("alarmclock: error: --json is --output json: give one of --json and --output table")
    assert err.count("\n") == 1


def test_simulate_output_table_holds_the_json_reports_figures(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--every", "1m", "--duration", "10m", "--seed", "7"]
    data = json.loads(run([*argv, "--output", "json"], capsys)[1])
    status, table, _ = run([*argv, "--output", "table"], capsys)
    assert status in (0, 1)
    assert re.search(rf"^verdict +{data['verdict']}$", table, re.M)
    assert re.search(rf"^ticks +{data['ticks']}$", table, re.M)
    assert re.search(r"^  NAME +OFFSET_S +CYCLE_S +CHANGES$", table, re.M)  # alarms: one row each


@pytest.mark.parametrize("command", [["template"], ["calibrate", "my-clock"]], ids=lambda c: c[0])
@pytest.mark.parametrize("name", ["json", "table", "text"])
def test_template_and_calibrate_keep_o_for_a_file_and_refuse_a_formats_name_there(
    command: list[str], name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run([*command, "-o", name], capsys)
    assert (status, out) == (2, "")
    assert err.startswith(f"alarmclock: error: -o/--output {name!r}: {command[0]}'s -o names the file to write")
    assert f"give ./{name}" in err and err.count("\n") == 1
    assert not (tmp_path / name).exists()


def test_template_writes_a_file_named_like_a_format_when_asked_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = run(["template", "--format", "json", "--output", "./json"], capsys)
    assert status == 0, err
    assert "TickFunction" in json.loads((tmp_path / "json").read_text())["Resources"]


def test_template_cannot_look_up_a_function_name_and_says_deploy_can(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["template", "--target", "my-job"], capsys)
    assert (status, out) == (2, "")
    assert "--target 'my-job' is a function's name, not an ARN, and template makes no AWS call" in err
    assert "'alarmclock deploy' looks names up" in err and err.count("\n") == 1


def test_a_table_writes_numbers_as_a_person_does_and_the_trace_in_columns(capsys: pytest.CaptureFixture[str]) -> None:
    from alarmclock.cli.output import render_table

    assert render_table({"a": 43200.0, "b": 1e-05, "c": 0.1 + 0.2, "d": 3}).splitlines() == [
        "a  43200",
        "b  0.00001",
        "c  0.3",
        "d  3",
    ]
    status, table, _ = run(["simulate", "--duration", "1h", "--trace", "--output", "table"], capsys)
    assert status == 0
    header = next(line for line in table.splitlines() if "REASON" in line)
    assert header.split() == ["AT_S", "ALARM", "FROM", "TO", "ACTIONS", "REASON"]
    assert "e-0" not in table and "43200.0" not in table


@pytest.mark.parametrize("argv", [["cost"], ["simulate", "--duration", "1h"]])
def test_json_is_indented_alike_by_every_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([*argv, "--json"], capsys)
    assert status == 0 and out.startswith('{\n  "')


def test_a_report_counts_one_thing_in_the_singular_and_thousands_with_a_comma() -> None:
    from alarmclock.counts import counted

    assert counted(1, "duplicate delivery", "duplicate deliveries") == "1 duplicate delivery"
    assert counted(1440, "state change") == "1,440 state changes"
    assert counted(1, "tick lost", "ticks lost") == "1 tick lost"


def test_a_table_puts_plain_fields_first_and_lists_of_objects_in_aligned_columns() -> None:
    from alarmclock.cli.output import render_table

    table = render_table(
        {
            "clock": "c",
            "alarms": [{"name": "c-tick-is-1", "state": "OK"}, {"name": "c-watchdog", "state": None}],
            "paused": False,
            "targets": ["a", "b"],
        }
    )
    assert table.splitlines() == [
        "clock    c",
        "paused   no",
        "targets  a, b",
        "alarms",
        "  NAME         STATE",
        "  c-tick-is-1  OK",
        "  c-watchdog   -",
    ]
