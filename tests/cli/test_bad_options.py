"""Every subcommand, every option, a bad value: one line on stderr, exit status 2, no traceback, and no
AWS call (issue 22's "close the class").

The AWS commands run against an endpoint where nothing listens: a bad value refused after any AWS
call would end in "cannot reach AWS", status 1, so status 2 shows it was refused before any call,
and nothing was created anywhere. A new option must be given bad values here, or be named in
FREE_TEXT with why any value is accepted.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from alarmclock.cli import cli, main, register_commands

NOWHERE = "http://127.0.0.1:9"  # nothing listens on the discard port
CLOCK = "my-clock"

# Bad values by option, and by command where one option means different things.
BAD: dict[str, list[str]] = {
    "--since": ["1M", "abc", "-1h", "", "1h30", "10S", "0", "31d"],
    "--output": ["yaml"],
    "calibrate --output": ["/nonexistent/dir/model.json", "json"],
    "template --output": ["/nonexistent/dir/x.yaml", "json"],
    "--plot": ["beat.unknown-format", "beat"],
    "--rate": ["0", "-1", "x"],
    "--region": ["us_east_1", "US East"],
    "--profile": ["no-such-profile"],
    "--endpoint-url": ["notaurl", "ftp://example.com", "localhost:4566"],
    "--poll-interval": ["-1", "x"],
    "--every": ["45s", "0", "soon", "3h", "1M"],
    "--alarms": ["3", "0"],
    "--window": ["weekly"],
    "--publish": ["pigeon"],
    "--via": ["sqs"],
    "--memory": ["0", "x"],
    "--duration-ms": ["-1", "x"],
    "--target": ["arn:aws:s3:::my-bucket", "arn:aws:lambda:us-east-1:123456789012:layer:x"],
    "--target-key": ["arn:aws:kms:us-east-1:123456789012:alias/jobs", "1234abcd-12ab-34cd-56ef-1234567890ab"],
    "--payload": ["{job}", "NaN", "@/nonexistent/payload.json"],
    "--tags": ["team", "aws:team=x"],
    "--role-arn": ["not-an-arn"],
    "--s3-bucket": ["s3://my-templates", "My_Templates"],
    "--tick-timeout": ["0s", "0", "1M", "-5m"],
    "--settle": ["1M", "-1s"],
    "--duration": ["abc", "0", "400d"],
    "--seed": ["x"],
    "--param": ["nope=1", "async_queue_s=0", "evaluation_offset_s=nonexistent:3"],
    "--fault": ["nope", "function-errors:at=1h,at=2h", "late-evaluation:by=0s", "late-data:at=x"],
    "--template": ["/nonexistent/clock.yaml"],
    "--clock": ["Every10s"],  # without --template
    "--model": ["/nonexistent/model.json"],
    "--format": ["toml"],
    "--design": ["sideways"],
    "--emulate": ["nope=1", "future_visible_from=mars", "future_late_cycles=3,1"],
    "probe -o": ["/nonexistent/dir/model.json"],
}
# Options any value of which is a good one (or that take none): stack names and prefixes, checked
# by CloudFormation on the AWS call.
FREE_TEXT = {"name", "names", "--all-matching"}


def options() -> list[tuple[str, str, str]]:
    register_commands()
    found: list[tuple[str, str, str]] = []
    for name, command in sorted(cli.commands.items()):
        for parameter in command.params:
            if isinstance(parameter, click.Option) and parameter.is_flag:
                continue
            option = parameter.opts[-1] if isinstance(parameter, click.Option) else str(parameter.name)
            if option in FREE_TEXT:
                continue
            values = BAD.get(f"{name} {option}", BAD.get(option))
            assert values is not None, f"give `{name} {option}` bad values in BAD, or name it in FREE_TEXT"
            found.extend((name, option, value) for value in values)
    return found


def argv_for(command: str, option: str, value: str, tmp_path: Path) -> list[str]:
    params = {p.opts[-1] if isinstance(p, click.Option) else p.name for p in cli.commands[command].params}
    argv = [command]
    if "name" in params:
        argv.append(CLOCK)
    if command == "calibrate" and option != "--output":
        argv += ["-o", str(tmp_path / "model.json")]
    if command == "deploy" and option != "--target":
        argv += ["--target", "arn:aws:sqs:us-east-1:123456789012:ticks"]
    argv += [option, value]
    if "--endpoint-url" in params and option != "--endpoint-url":
        argv += ["--endpoint-url", NOWHERE]
    return argv


@pytest.mark.parametrize(("command", "option", "value"), options(), ids=lambda v: v or "''")
def test_a_bad_option_value_is_one_line_and_status_2_before_any_aws_call(
    command: str, option: str, value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status = main(argv_for(command, option, value, tmp_path))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert status == 2, err
    assert err.startswith("alarmclock: error: ") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []  # calibrate wrote no model, template no file
