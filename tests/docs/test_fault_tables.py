"""The fault tables in docs/self-healing.md, and the figures the prose quotes from
them, are scripts/fault_table.py's output for docs/data/fault-tables.json; and that file is what
this code simulates (a few of its runs, repeated here, match it field for field).

When a change moves them on purpose: `python scripts/fault_table.py --json docs/data/fault-tables.json`,
paste what it prints into docs/self-healing.md, then fix the sentences these tests name.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from alarmclock.spec import build_spec

ROOT = Path(__file__).parents[2]
DATA = ROOT / "docs" / "data" / "fault-tables.json"
SCRIPT = ROOT / "scripts" / "fault_table.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fault_table", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


fault_table = load_script()
RUNS: list[Any] = fault_table.load(DATA)


def printed() -> str:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--from-json", str(DATA)], capture_output=True, text=True, check=True
    ).stdout.strip()


def words(text: str) -> str:
    return " ".join(text.split())  # a quoted phrase may wrap anywhere


def test_the_file_holds_every_run_of_every_table_the_docs_show_once() -> None:
    wanted = fault_table.jobs(fault_table.PERIODS, fault_table.PUBLISHING, fault_table.RUNS)
    recorded = [fault_table.Job(r.every, r.publish, r.fault, r.index) for r in RUNS]
    assert recorded == wanted, "docs/data/fault-tables.json is not one full `fault_table.py --json` run"


def test_the_docs_tables_are_the_scripts_output() -> None:
    shown = printed()
    assert shown.count("\n| `") == 6 * len(fault_table.FAULTS)
    page = (ROOT / "docs" / "self-healing.md").read_text()
    assert shown in page, "docs/self-healing.md's fault tables are stale: paste scripts/fault_table.py's output"


def test_the_self_healing_page_shows_the_one_minute_waves_table() -> None:
    one_minute = printed().split("A one-minute clock", 1)[1]
    table = one_minute.split("The wave:\n\n", 1)[1].split("\n\n", 1)[0]
    assert table.startswith("| fault |") and table.count("\n") == 1 + len(fault_table.FAULTS)
    assert table in (ROOT / "docs" / "self-healing.md").read_text(), "the one-minute wave's fault table is stale"


# A few recorded runs, one per table and each of another fault, repeated: seconds, not the ten
# minutes of the whole file. Any change to the emulator, the handler or the template that moves a
# fault's outcome moves most runs, so a stale file fails here.
SAMPLE = [
    ("10s", "wave", "late-retry", 3),
    ("10s", "api", "lose-notification", 7),
    ("1m", "wave", "skip-evaluation", 11),
    ("1m", "api", "late-evaluation", 15),
    ("5m", "wave", "put-metric-fails", 19),
    ("5m", "api", "duplicate-notification", 0),
]


@pytest.mark.parametrize(("every", "publish", "fault", "index"), SAMPLE)
def test_a_recorded_run_is_what_the_code_simulates(every: str, publish: str, fault: str, index: int) -> None:
    (recorded,) = [r for r in RUNS if (r.every, r.publish, r.fault, r.index) == (every, publish, fault, index)]
    again = fault_table.execute(fault_table.Job(every, publish, fault, index))
    assert dataclasses.asdict(again) == dataclasses.asdict(recorded), (
        "docs/data/fault-tables.json is stale: python scripts/fault_table.py --json docs/data/fault-tables.json"
    )


# ---- the figures docs/self-healing.md's prose quotes --------------------------------------------


def rows() -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], Any]]:
    """(every, fault) -> the default's row and publishing each tick's."""
    found = fault_table.rows(RUNS)
    default = {(e, f): row for (e, p, f), row in found.items() if p != "api"}
    api = {(e, f): row for (e, p, f), row in found.items() if p == "api"}
    return default, api


PERIOD_WORDS = {"10s": "10 s", "1m": "1 m", "5m": "5 m"}
NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def worse_rows() -> list[tuple[str, str]]:
    """(every, fault) where the default loses more ticks than publishing each tick, or its worst
    recovery is over a fifth longer (the cost issue's bar), in the tables' order."""
    wave, api = rows()
    return [key for key in wave if wave[key].lost > api[key].lost or wave[key].max > 1.2 * api[key].max]


def test_the_rows_the_prose_names_are_the_rows_where_the_wave_does_worse() -> None:
    # "the wave loses as few ticks as publishing each tick or fewer (counting a tick delivered late
    # as delivered), and its worst recovery is within a fifth of publishing each tick's, or
    # shorter, but in N rows", and the list under it names them, one bullet each.
    worse = worse_rows()
    page = words((ROOT / "docs" / "self-healing.md").read_text())
    count = NUMBER_WORDS[len(worse)]
    assert f"its worst recovery is within a fifth of publishing each tick's, or shorter, but in {count} rows" in page
    listed = page.split(f"but in {count} rows:", 1)[1].split("Publishing each tick, a lost notification", 1)[0]
    named = [bullet.split(" (", 1)[0] for bullet in listed.split("- ")[1:]]
    assert named == [f"`{fault}` at {PERIOD_WORDS[every]}" for every, fault in worse]


def quoted() -> list[str]:
    """Each figure the prose quotes, as the prose words it, made from the file."""
    wave, api = rows()

    def medians(key: tuple[str, str]) -> str:
        w, a = f"{wave[key].p50:.0f}", f"{api[key].p50:.0f}"
        return f"the median {w} s for both" if w == a else f"the median {w} s against {a} s"

    phrases = [
        f"`{fault}` at {PERIOD_WORDS[every]} ({wave[every, fault].max:.0f} s against {api[every, fault].max:.0f} s "
        f"at worst; {medians((every, fault))})"
        for every, fault in worse_rows()
    ]
    lose = ("5m", "lose-notification")
    phrases.append(
        f"({api[lose].max:.0f} s at worst at 5 m, {api[lose].max / 300:.1f} periods; the wave: {wave[lose].max:.0f} s)"
    )
    return phrases


@pytest.mark.parametrize("phrase", quoted())
def test_a_figure_the_prose_quotes_is_the_tables(phrase: str) -> None:
    page = words((ROOT / "docs" / "self-healing.md").read_text())
    assert phrase in page, f"docs/self-healing.md should say: {phrase}"


def test_one_table_can_be_some_rows_with_more_runs_and_an_unknown_fault_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert fault_table.main(["--every", "5m", "--runs", "2", "--faults", "lose-notification", "--jobs", "1"]) == 0
    shown = capsys.readouterr().out
    assert "--faults lose-notification" in shown
    assert [line.split(" | ")[0] for line in shown.splitlines() if line.startswith("| `")] == [
        "| `lose-notification:count=1`"
    ]
    assert fault_table.main(["--faults", "lose-notification,nope"]) == 2
    assert capsys.readouterr().err.startswith("fault_table: unknown fault 'nope'")


def test_one_table_can_run_through_sns_in_one_world_and_counts_switches_and_silences(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--every", "10s", "--runs", "2", "--faults", "lose-notification", "--via", "sns", "--world", "late"]
    assert fault_table.main([*argv, "--jobs", "1"]) == 0
    shown = capsys.readouterr().out
    assert "but for its world, late (`python scripts/fault_table.py --every 10s --runs 2" in shown
    assert "--via sns --world late`" in shown
    # In `late` the default clock switches (tests/emulator/test_worlds.py): through SNS too.
    assert "Switched its design by itself: 2 of 2 runs" in shown
    # The same draw through the direct action is another run (SNS adds its delivery to each flip).
    job = fault_table.Job("10s", "wave", "lose-notification", 0, "late", "sns")
    assert fault_table.execute(job) != fault_table.execute(dataclasses.replace(job, via="lambda"))
    assert fault_table.main(["--json", "x.json", "--via", "sns"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# ---- the worlds: docs/self-healing.md's "In every world", from docs/data/fault-worlds.json --------

WORLDS_DATA = ROOT / "docs" / "data" / "fault-worlds.json"
WORLD_RUNS: list[Any] = fault_table.load(WORLDS_DATA)


def is_default(run: Any) -> bool:
    return bool(run.publish == build_spec(every=run.every).publish)


def test_the_worlds_file_holds_whole_runs_of_every_line_of_the_worlds_table() -> None:
    indices = max(r.index for r in WORLD_RUNS) + 1
    wanted = [job for index in range(indices) for job in fault_table.world_jobs(index)]
    recorded = [fault_table.Job(r.every, r.publish, r.fault, r.index, r.world) for r in WORLD_RUNS]
    assert recorded == wanted, "docs/data/fault-worlds.json is not one `fault_table.py --worlds` run"
    assert {r.world for r in WORLD_RUNS} == set(fault_table.WORLDS)


def assert_the_docs_show(data: Path, heading: str, opening: str) -> None:
    """docs/self-healing.md, after `heading`, holds what `fault_table.py --from-json data` prints."""
    shown = subprocess.run(
        [sys.executable, str(SCRIPT), "--from-json", str(data)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert shown.startswith(opening)
    page = (ROOT / "docs" / "self-healing.md").read_text()
    assert shown in page.partition(heading)[2], (
        f"docs/self-healing.md's '{heading.lstrip('# ')}' is stale: paste `scripts/fault_table.py --from-json "
        f"{data.relative_to(ROOT)}`"
    )


def test_the_docs_worlds_table_is_the_scripts_output() -> None:
    assert_the_docs_show(WORLDS_DATA, "## In every world", "Every fault in every world")


@pytest.mark.xfail(
    strict=True,
    reason="at 10s, in runs 1, 2, 5 and 6 (runs 2, 5 and 6 draw a point counted two or three cycles after it is "
    "sent: a visibility delay reaching 18-28 s, or up to 4-5 s of jitter), the beat's own gaps outlast three "
    "periods, and 38 of 720 runs end inside one (30-53 s)",
)
def test_in_every_world_no_clock_of_the_default_or_the_documented_design_ends_silent() -> None:
    # Issue 21: in every modelled world the default clock has no stall, once it has switched too.
    silent = [r for r in WORLD_RUNS if r.stalled_since_s is not None]
    assert silent == [], f"{len(silent)} runs ended silent, e.g. {silent[:3]}"


def test_no_clock_is_left_stopped_at_a_minute_and_up_none_ends_silent_and_at_ten_seconds_not_for_long() -> None:
    # A silence at the end that outlasts the re-armed watchdog's restarts would be a loop left stopped.
    silent = [r for r in WORLD_RUNS if r.stalled_since_s is not None]
    assert [r for r in silent if r.every != "10s"] == []
    ends = [fault_table.DURATION_S - r.stalled_since_s for r in silent]
    # 53 s at most since the switch sets the heartbeat's rate (the documented design's own, run 2); 103 s
    # before it, with the held-still check (60 s before that): in `late`, run 0's draw switched on no
    # data, found values stamped now late too, and went back to a wave that kept missing beats.
    assert max(ends, default=0.0) < 120.0, max(ends)


def test_where_the_wave_works_the_default_ends_on_its_wave_whatever_the_fault() -> None:
    # Issue 21: where points stamped ahead count (from their put, or from their stamp), the default
    # clock keeps the wave, under every fault of the tables. From a minute up it never switches. At 10 s
    # a visibility delay of many seconds, drawn per point, changes the wave's lateness as points counted
    # late would: there it tries the documented design once and goes back (handler.now_no_better).
    default = [r for r in WORLD_RUNS if r.world in fault_table.WAVE_WORLDS and is_default(r)]
    # (Run 2's draw in `stamp`, where neither design holds a beat, passed its trial and stayed switched
    # until the switch set the heartbeat's rate: its trial, begun at another moment, now goes back.)
    assert [r for r in default if r.switches not in (0, 2)] == []
    assert [r for r in default if r.every != "10s" and r.switches] == []
    assert [r for r in default if r.world == "put" and r.switches] == []


def test_where_no_point_stamped_ahead_counts_the_default_switches_and_the_documented_design_never_does() -> None:
    never = [r for r in WORLD_RUNS if r.world == "never"]
    # Once; or, after a trial that found values stamped now counted late too (the draws with a
    # visibility delay of many seconds), back on its wave until its alarm's no data ended the wave for
    # good. (At 5 m the trial judged only the flips that were ticks, one in five, until it judged every
    # flip: then runs 0 and 5 came back too. Since the switch sets the heartbeat's rate, run 0's trial,
    # begun at another moment, passes.)
    assert all(r.switches in (1, 3) for r in never if is_default(r))
    assert {r.index for r in never if is_default(r) and r.switches == 3 and r.every == "5m"} == {5}
    assert all(r.switches == 0 for r in WORLD_RUNS if r.publish == "now")


SNS_DATA = ROOT / "docs" / "data" / "fault-worlds-sns.json"
SNS_RUNS: list[Any] = fault_table.load(SNS_DATA)


def test_the_sns_worlds_file_holds_whole_runs_of_the_default_through_sns() -> None:
    indices = max(r.index for r in SNS_RUNS) + 1
    wanted = [job for index in range(indices) for job in fault_table.world_jobs(index, "sns")]
    recorded = [fault_table.Job(r.every, r.publish, r.fault, r.index, r.world, r.via) for r in SNS_RUNS]
    assert recorded == wanted, "docs/data/fault-worlds-sns.json is not one `fault_table.py --worlds --via sns` run"
    assert {r.publish for r in SNS_RUNS} == {"wave"}


def test_the_docs_sns_worlds_table_is_the_scripts_output() -> None:
    assert_the_docs_show(SNS_DATA, "### Through SNS", "Through SNS (`--via sns`), every fault in every world")


def test_through_sns_no_clock_ends_silent_from_a_minute_up_and_where_nothing_ahead_counts_every_one_switches() -> None:
    assert [r for r in SNS_RUNS if r.every != "10s" and r.stalled_since_s is not None] == []
    assert all(r.switches for r in SNS_RUNS if r.world == "never")
    assert [r for r in SNS_RUNS if r.world == "put" and r.switches] == []


def test_a_recorded_sns_run_is_what_the_code_simulates() -> None:
    # Run 7 at 5 m in `never`: silent from the start before the watchdog's history was read.
    (recorded,) = [
        r for r in SNS_RUNS if (r.every, r.fault, r.index, r.world) == ("5m", "lose-notification", 7, "never")
    ]
    again = fault_table.execute(fault_table.Job("5m", "wave", "lose-notification", 7, "never", "sns"))
    assert dataclasses.asdict(again) == dataclasses.asdict(recorded), "docs/data/fault-worlds-sns.json is stale"
    assert recorded.switches and recorded.stalled_since_s is None


WORLD_SAMPLE = [
    ("1m", "wave", "late-data", 0, "late"),
    ("5m", "now", "lose-notification", 1, "never"),
]


@pytest.mark.parametrize(("every", "publish", "fault", "index", "world"), WORLD_SAMPLE)
def test_a_recorded_world_run_is_what_the_code_simulates(
    every: str, publish: str, fault: str, index: int, world: str
) -> None:
    key = (every, publish, fault, index, world)
    (recorded,) = [r for r in WORLD_RUNS if (r.every, r.publish, r.fault, r.index, r.world) == key]
    again = fault_table.execute(fault_table.Job(every, publish, fault, index, world))
    assert dataclasses.asdict(again) == dataclasses.asdict(recorded), (
        f"docs/data/fault-worlds.json is stale: {fault_table.WORLDS_COMMAND}"
    )


def test_update_runs_one_designs_runs_again_and_keeps_the_rest_as_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = next(r for r in WORLD_RUNS if (r.every, r.publish, r.world) == ("5m", "wave", "put"))
    again = next(r for r in WORLD_RUNS if (r.every, r.publish, r.world) == ("5m", "now", "never"))
    path = tmp_path / "runs.json"
    fault_table.dump(path, [kept, dataclasses.replace(again, ticks_lost=-1)], "the command")
    assert fault_table.main(["--update", str(path), "--publish", "now", "--jobs", "1"]) == 0
    assert capsys.readouterr().err.startswith("fault_table: 1 of 2 runs again on 1 processes")
    assert fault_table.load(path) == [kept, again]  # the one asked for is what the code simulates again
    assert path.read_text().startswith('{"command": "the command",')
    assert fault_table.main(["--update", str(path), "--publish", "api"]) == 2
    assert capsys.readouterr().err == f"fault_table: {path} holds no run of --publish api\n"
    assert fault_table.main(["--update", str(path)]) == 2
    assert capsys.readouterr().err == "fault_table: --update FILE takes --publish (and --every), nothing else\n"
