"""Every `alarmclock` example in README's Usage section runs as written: `template` and `simulate`
in-process (in a scratch directory, so `> clock.yaml` and `--plot beat.png` land there); the AWS
commands, which need an account, are parsed by the CLI itself, so an option the README shows and
the CLI lacks fails here. A simulation runs 2 hours of virtual time here (6 with faults) (CI's budget; its
options are all exercised, and the quick start's full 24-hour demo has its own test in
test_simulate_cli.py); its exit status is its verdict's, 0 or 1, with the report printed."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import click
import pytest

from alarmclock.calibrate import FORMAT
from alarmclock.cli import cli, main, register_commands

# The README's CDK app is synthesized once for the file: keep it on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("readme")

README = Path(__file__).parents[2] / "README.md"
RUN_HERE = ("template", "simulate")
MAX_SIMULATED = "2h"
WITH_FAULTS = "6h"


def usage_examples() -> list[list[str]]:
    usage = README.read_text().split("\n## Usage\n", 1)[1].split("\n## ", 1)[0]
    examples = []
    for block in re.findall(r"```sh\n(.*?)```", usage, re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["alarmclock"]:
                examples.append(words[1 : words.index(">")] if ">" in words else words[1:])
    return examples


EXAMPLES = usage_examples()


def test_the_usage_section_has_examples_of_every_command() -> None:
    shown = {argv[0] for argv in EXAMPLES}
    assert {"template", "simulate", "deploy", "status", "pause", "resume", "restart", "list", "destroy"} <= shown


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `python examples/cdk_app.py` writes (the README's CDK app), synthesized once."""
    if shutil.which("node") is None:
        pytest.fail("Node.js is not installed: AWS CDK runs its JavaScript with it (install Node.js 20 or later)")
    from aws_cdk import App

    found = importlib.util.spec_from_file_location("cdk_app", README.parent / "examples" / "cdk_app.py")
    assert found is not None and found.loader is not None
    example: Any = importlib.util.module_from_spec(found)
    found.loader.exec_module(example)
    outdir = tmp_path_factory.mktemp("cdk") / "cdk.out"
    app = App(outdir=str(outdir))
    example.JobsStack(app, "Jobs")
    app.synth()
    return outdir


# A timing model as `alarmclock calibrate` writes it (its format and a few fitted parameters).
MODEL = {
    "format": FORMAT,
    "parameters": {"evaluation_offset_s": [["tick-is-1", 17.4]], "evaluation_jitter_s": [0.1, 0.6]},
}


def reads_the_cdk_app(argv: list[str]) -> bool:
    return any(word.startswith("cdk.out/") for word in argv)


# An example that reads the CDK app's template waits for its synth (about 8 s): slow for `make check`.
@pytest.mark.parametrize(
    "argv",
    [pytest.param(a, marks=pytest.mark.slow) if reads_the_cdk_app(a) else a for a in EXAMPLES if a[0] in RUN_HERE],
    ids=" ".join,
)
def test_a_local_example_runs_as_written(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.chdir(tmp_path)
    # The inputs the README's examples read: made as the README says to make them.
    (tmp_path / "payload.json").write_text('{"job": "report"}\n')
    (tmp_path / "model.json").write_text(json.dumps(MODEL))
    if reads_the_cdk_app(argv):
        shutil.copytree(request.getfixturevalue("cdk_out"), tmp_path / "cdk.out")
    if argv[0] == "simulate":
        argv = shortened(argv)
    status = main(argv)
    out, err = capsys.readouterr()
    if argv[0] == "simulate":
        assert status in (0, 1) and "verdict" in out, err
    else:
        assert status == 0 and out, err


def shortened(argv: list[str]) -> list[str]:
    # Faults the README injects up to 5 h in need a run that reaches them.
    duration = WITH_FAULTS if "--fault" in argv else MAX_SIMULATED
    if "--duration" not in argv:
        return [*argv, "--duration", duration]
    at = argv.index("--duration") + 1
    return [*argv[:at], duration, *argv[at + 1 :]]


@pytest.mark.parametrize("argv", [a for a in EXAMPLES if a[0] not in RUN_HERE], ids=" ".join)
def test_an_aws_example_parses(argv: list[str]) -> None:
    register_commands()
    command = cli.commands[argv[0]]
    assert isinstance(command, click.Command)
    context = command.make_context(argv[0], argv[1:])  # raises on an unknown option or a bad value
    assert context.params
