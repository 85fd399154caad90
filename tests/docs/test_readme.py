"""Every `alarmclock` example in the README's Usage section and in the documentation's pages runs as
written: `template` and `simulate` in-process (in a scratch directory, so `> clock.yaml` and
`--plot beat.png` land there); the AWS commands, which need an account, are parsed by the CLI
itself, so an option the README shows and the CLI lacks fails here. A simulation runs 2 hours of
virtual time here (6 with faults) (CI's budget; its options are all exercised, and the demo's full
24-hour run has its own test in test_simulate_cli.py); its exit status is its verdict's, 0 or 1,
with the report printed. The README stays a front door: short, every link resolving, and its
headline figures the ones the pages it links to print."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest

from alarmclock import handler
from alarmclock.calibrate import FORMAT
from alarmclock.cli import cli, main, register_commands

# The README's CDK app is synthesized once for the file: keep it on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("readme")

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
# The pages whose shell examples run (or parse) here, as the README's do.
PAGES_WITH_EXAMPLES = ("getting-started.md", "beat.md", "cdk.md", "cli-aws.md")
RUN_HERE = ("template", "simulate")
MAX_SIMULATED = "2h"
WITH_FAULTS = "6h"


def examples_in(text: str) -> list[list[str]]:
    examples = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["alarmclock"]:
                examples.append(words[1 : words.index(">")] if ">" in words else words[1:])
    return examples


def readme_section(heading: str) -> str:
    return README.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


USAGE = examples_in(readme_section("Usage"))
EXAMPLES = USAGE + [argv for page in PAGES_WITH_EXAMPLES for argv in examples_in((ROOT / "docs" / page).read_text())]


def test_the_usage_section_has_one_example_of_every_command() -> None:
    register_commands()
    assert sorted(argv[0] for argv in USAGE) == sorted(cli.commands)


def test_the_readme_is_a_short_front_door() -> None:
    text = README.read_text()
    assert text.count("\n") <= 200
    # A reader cannot follow "issue 13": name what was built instead.
    assert not re.search(r"\bissues? \d", text, re.I)
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[:4] == ["Install", "Demo and tests, from a clone", "How it works", "Usage"]


def test_every_link_in_the_readme_resolves() -> None:
    links = re.findall(r"\]\(([^)]+)\)", README.read_text())
    local = [link for link in links if not link.startswith("https://")]
    assert local and not [link for link in local if not (ROOT / link.split("#")[0]).is_file()]


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


# ---- the headline figures: each is what the script behind the page it links to prints -----------


def figures() -> str:
    return " ".join(readme_section("Figures").split())


def printed(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def first_row(table: str, *leading: str) -> list[str]:
    """The cells of the first Markdown table row in `table` whose first cells are `leading`."""
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if tuple(cells[: len(leading)]) == leading:
            return cells
    raise AssertionError(f"no row starting {leading}")


def test_the_beat_figure_is_the_phase_sweeps() -> None:
    sweep = printed("phase_sweep.py", "--from-json", str(ROOT / "docs" / "data" / "phase-sweep.json"))
    holding = first_row(sweep, "one alarm + wave", "1m")[2].split()[0]  # the defaults' table comes first
    mean = first_row(sweep, "defaults", "1m")[2]
    shown = figures()
    assert f"at {holding} of the half-seconds" in shown and f"all of them is {mean} s" in shown
    assert "([The beat](docs/beat.md)" in shown


def test_the_cost_figures_are_the_cost_models() -> None:
    table = printed("cost_table.py")

    def list_price(every: str) -> str:
        wave = first_row(table, every, "wave")[2]  # "$0.5745 / $0.0000": list, then with the free tier
        return f"${Decimal(wave.split(' / ')[0].lstrip('$')).quantize(Decimal('0.01'))}"

    shown = figures()
    assert f"{list_price('1m')} a month for a one-minute clock and {list_price('10s')} for a ten-second one" in shown
    assert "([Cost](docs/cost.md)" in shown


def test_the_recovery_figure_is_the_fault_tables() -> None:
    tables = printed("fault_table.py", "--from-json", str(ROOT / "docs" / "data" / "fault-tables.json"))
    wave = tables.split("A one-minute clock", 1)[1].split("The wave:\n\n", 1)[1].split("\n\n", 1)[0]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in wave.splitlines()[2:]]
    over = [row[-1].split("/") for row in rows]  # "0/20": runs that took longer than three periods
    assert all(late == "0" for late, _ in over), "a run took over three periods: the README's claim is stale"
    runs = sum(int(total) for _, total in over)
    slowest = max(int(row[-2]) for row in rows)
    shown = figures()
    assert f"after each of {len(rows)} kinds of fault, injected {runs} times" in shown
    assert f"at most {slowest} s after it" in shown and "([Self-healing](docs/self-healing.md)" in shown


def test_the_performance_figure_is_the_benchmarks_on_the_page() -> None:
    # bench_simulate.py's table is measured by hand and pasted into docs/performance.md; the README
    # quotes its wave 1m row, so a new measurement pasted there fails here until the README follows.
    lines = (ROOT / "docs" / "performance.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("clock ") and "now us/tick" in line)
    columns = re.split(r"\s{2,}", header.strip())  # clock, ticks, 0.4.0 us/tick, now us/tick, ...
    wave = re.split(r"\s{2,}", next(line for line in lines if line.startswith("wave 1m ")).strip())
    now_us = wave[columns.index("now us/tick")]
    assert f"at about {now_us} µs of CPU a tick" in " ".join(readme_section("Figures").split())


# ---- the tick a target receives, as the README and the getting-started page show it ---------------


@pytest.mark.parametrize("shown_in", ["README.md", "docs/getting-started.md"])
def test_the_tick_shown_is_one_the_handler_sends(shown_in: str) -> None:
    (block,) = re.findall(r"```json\n(.*?)```", (ROOT / shown_in).read_text(), re.S)
    tick = json.loads(block)
    assert list(tick) == ["source", "version", "clock", "tick_id", "tick_time", "period_s", "alarm", "payload"]
    assert (tick["source"], tick["version"]) == (handler.TICK_SOURCE, handler.TICK_VERSION)
    assert tick["alarm"] == f"{tick['clock']}-tick-is-1"
    stamp = datetime.fromisoformat(tick["tick_time"].replace("Z", "+00:00")).timestamp()
    assert handler._iso(stamp) == tick["tick_time"]
    assert tick["tick_id"] == handler.tick_id(tick["alarm"], stamp), "the id is derived from the alarm and the time"
