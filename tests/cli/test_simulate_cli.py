"""`alarmclock simulate` in-process: the report, its JSON, the plot, bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from alarmclock.cli import main
from alarmclock.cli.simulate_cmd import shows_progress


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_simulate_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["simulate", "--every", "1m", "--duration", "2h", "--seed", "7"], capsys)
    assert status == 0 and err == ""
    assert "verdict            ticking" in out
    # One a minute from the alarm's first look at the laid wave: 120 in the 2 hours.
    assert "ticks delivered    120 distinct" in out
    assert "interval (s)       mean" in out
    assert "0 ticks after it" in out


def test_simulate_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["simulate", "--duration", "90m", "--seed", "3", "--json", "--trace"], capsys)
    assert status == 0
    data = json.loads(out)
    for key in ("period_s", "duration_s", "ticks", "first_tick_s", "longest_silence_s", "duplicates", "intervals"):
        assert key in data
    assert set(data["intervals"]) >= {"mean", "p50", "p95", "p99", "max"}
    assert data["period_s"] == 60 and data["duration_s"] == 5400
    assert 89 <= data["ticks"] <= 91 and data["verdict"] == "ticking"
    # The trace as objects, the text's fields by name (not padded text lines).
    first = next(change for change in data["trace"] if change["alarm"] == "clock-tick-is-1")
    assert set(first) == {"at_s", "alarm", "from", "to", "actions", "reason"}
    assert (first["from"], first["to"] in ("OK", "ALARM")) == ("INSUFFICIENT_DATA", True)
    assert data["parameters"]["evaluation_range_periods"] == 3


def test_the_same_seed_prints_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--duration", "3h", "--seed", "42", "--via", "sns", "--trace"]
    first = run(argv, capsys)
    second = run(argv, capsys)
    assert first == second and first[0] == 0


def test_a_parameter_changes_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    base = json.loads(run(["simulate", "--duration", "2h", "--json"], capsys)[1])
    slow = json.loads(run(["simulate", "--duration", "2h", "--json", "--param", "action_latency_s=3,5"], capsys)[1])
    assert slow["parameters"]["action_latency_s"] == [3.0, 5.0]
    assert slow["first_tick_s"] > base["first_tick_s"] + 2


# ---- the verdict follows from the figures, and the exit status from the verdict ------------------


def test_a_stack_deleted_mid_run_is_judged_up_to_the_delete(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--duration", "3h", "--seed", "7", "--fault", "stack-delete:at=1h"]
    status, out, _ = run(argv, capsys)
    assert status == 0
    assert "  verdict            ticking (until the stack was deleted at +1h)\n" in out
    assert "  missed beats       0 intervals longer than 1.5 periods\n" in out
    data = json.loads(run([*argv, "--json"], capsys)[1])
    assert data["stalled_since_s"] is None and data["longest_silence_s"] < 62
    assert (data["verdict"], data["healthy"], data["deleted_at_s"]) == ("ticking", True, 3600)


def test_a_run_too_short_to_tell_says_so_and_is_not_healthy(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["simulate", "--duration", "1s"], capsys)
    assert status == 1
    assert "  verdict            too short to tell (a verdict needs 3 periods, 3m; the run lasted 1s)\n" in out
    assert "  stack              still CREATE_IN_PROGRESS when the run ended\n" in out


def test_a_clock_that_misses_beats_is_not_ticking_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    # (Publishing each tick: a wave is laid long before any delay could matter.)
    argv = ["simulate", "--duration", "2h", "--publish", "api", "--param", "visibility_delay_s=0,1e9", "--json"]
    status, out, _ = run(argv, capsys)
    data = json.loads(out)
    assert status == 1 and data["missed_beats"] > 0
    assert (data["verdict"], data["healthy"]) == ("missing beats", False)
    assert data["verdict_reason"] == f"{data['missed_beats']} intervals longer than 1.5 periods"


def test_a_stalled_clock_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["simulate", "--duration", "3h", "--fault", "function-errors:at=1h,for=2h"], capsys)
    assert status == 1
    assert "  verdict            stalled (no tick since +" in out


def test_beats_missed_during_an_injected_fault_do_not_fail_the_clock(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--duration", "3h", "--seed", "2", "--fault", "function-errors:at=1h,for=10m", "--json"]
    status, out, _ = run(argv, capsys)
    data = json.loads(out)
    assert data["missed_beats"] >= 1 and data["missed_beats_in_faults"] == data["missed_beats"]
    assert (status, data["verdict"]) == (0, "ticking")
    missed = data["missed_beats"]
    assert data["verdict_reason"] == (
        "its missed beat falls within the injected faults"
        if missed == 1
        else f"its {missed} missed beats all fall within the injected faults"
    )


@pytest.mark.parametrize(
    ("name", "magic"), [("beat.png", b"\x89PNG\r\n\x1a\n"), ("beat.svg", b"<?xml"), ("beat.pdf", b"%PDF")]
)
def test_plot_writes_every_format_matplotlib_writes(
    name: str, magic: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    status, out, err = run(["simulate", "--duration", "2h", "--plot", str(path)], capsys)
    assert (status, err) == (0, f"wrote {path}\n")
    assert "verdict            ticking" in out
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # nothing else left behind


def test_the_same_seed_draws_the_same_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (first, second):
        assert run(["simulate", "--duration", "1h", "--plot", str(path)], capsys)[0] == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("plot", "words"),
    [
        ("beat.txt", ["--plot", "'txt' is not a format matplotlib writes", ".png, .svg or .pdf"]),
        ("beat", ["--plot", "no suffix", ".png, .svg or .pdf"]),
        ("no/such/dir/beat.png", ["--plot", "no directory", "no/such/dir"]),
        (".", ["--plot", "is a directory"]),
        ("", ["--plot needs a file name"]),
    ],
)
def test_a_plot_that_cannot_be_written_is_refused_before_the_run(
    plot: str, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["simulate", "--duration", "2h", "--plot", plot], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("alarmclock: error: ") and err.count("\n") == 1
    for word in words:
        assert word in err
    assert list(tmp_path.iterdir()) == []


def test_a_figure_that_fails_to_write_still_prints_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.figure

    def disk_full(figure: Any, target: Any, **options: Any) -> None:
        if hasattr(target, "write"):
            target.write(b"<?xml half a figure")
        else:
            Path(target).write_bytes(b"<?xml half a figure")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", disk_full)  # matplotlib's, not ours
    path = tmp_path / "beat.svg"
    status, out, err = run(["simulate", "--duration", "1h", "--plot", str(path), "--json"], capsys)
    assert status == 1
    assert json.loads(out)["verdict"] == "ticking"
    assert err == (
        f"alarmclock: error: the figure {path} was not written (No space left on device); "
        "the report above is complete\n"
    )
    assert list(tmp_path.iterdir()) == []  # no half-written figure left behind


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--duration", "0"], ["--duration", "more than 0"]),
        (["--duration", "soon"], ["--duration", "not a duration"]),
        (["--duration", "400d"], ["366d"]),
        (["--every", "45s"], ["--every"]),
        (["--param", "nope=1"], ["--param", "evaluation_range_periods"]),
        (["--param", "visibility_delay_s=5"], ["LOW,HIGH"]),
        (["--param", "evaluation_range_periods=0"], ["evaluation_range_periods", "a whole number >= 1"]),
        (["--param", "evaluation_offset_s=75"], ["0 <= SECOND < 60"]),
        (["--param", "evaluation_offset_s=tick-is-1:x"], ["NAME_SUFFIX:SECOND"]),
        (["--param", "sliding_window_end=minute"], ["cycle or second"]),
        (["--every", "3h"], ["cannot be held", "2 hours"]),
        (["--every", "10s", "--window", "wallclock"], ["WallClockWindow"]),
        (["--every", "1440m", "--publish", "wave"], ["--publish wave", "2 hours ahead"]),
        (["--publish", "carrier-pigeon"], ["--publish"]),
        (["--seed", "x"], ["--seed"]),
        (["--param", "duplicate_notification_prob=2"], ["duplicate_notification_prob", "0 <= P <= 1"]),
        (["--param", "keep_warm_s=nan"], ["keep_warm_s", "a number >= 0"]),
        (["--param", "visibility_delay_s=0,inf"], ["visibility_delay_s", "LOW,HIGH"]),
        (["--fault", "skip-evaluation:at=1h,for=100d"], ["skip-evaluation", "ends after --duration (1d)"]),
        (["--fault", "late-data:by=99999h"], ["late-data", "by=4166d15h is longer than --duration (1d)"]),
        (["--duration", "2h", "--fault", "lose-notification:at=3h"], ["at=3h is not inside --duration (2h)"]),
        (["--param", "evaluation_offset_s=nonexistent:3"], ["no alarm of this clock ends in 'nonexistent'"]),
        (["--fault", "function-errors:at=1h,at=2h"], ["at is given twice"]),
        (["--fault", "late-evaluation:by=0s"], ["by must be more than 0"]),
        (["--fault", "late-data:by=0"], ["by must be more than 0"]),
        (
            ["--param", "evaluation_range_periods=3", "--param", "evaluation_range_periods=4"],
            ["evaluation_range_periods is given twice"],
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    argv: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["simulate", *argv], capsys)
    assert status == 2 and out == ""
    assert err.startswith("alarmclock: error: ") and err.count("\n") == 1
    for word in words:
        assert word in err


# A model file's value and --param's VALUE for the same parameter: refused with the same words.
MODEL_VALUES_AND_PARAMS = [
    ({"async_queue_s": 0}, "async_queue_s=0"),
    ({"async_queue_s": True}, "async_queue_s=true"),
    ({"async_queue_s": [1, 2, 3]}, "async_queue_s=1,2,3"),
    ({"async_queue_s": [2, 1]}, "async_queue_s=2,1"),
    ({"evaluation_range_periods": 0}, "evaluation_range_periods=0"),
    ({"evaluation_range_periods": 2.5}, "evaluation_range_periods=2.5"),
    ({"evaluation_range_periods": True}, "evaluation_range_periods=true"),
    ({"sliding_window_end": 5}, "sliding_window_end=5"),
    ({"future_visible_from": 3}, "future_visible_from=3"),
    ({"evaluation_offset_s": [["tick-is-1", 75]]}, "evaluation_offset_s=tick-is-1:75"),
    ({"evaluation_offset_s": "tick-is-1:5"}, "evaluation_offset_s=tick-is-1:x"),
    ({"duplicate_notification_prob": 2}, "duplicate_notification_prob=2"),
    ({"keep_warm_s": -1}, "keep_warm_s=-1"),
    ({"keep_warm_s": "60"}, "keep_warm_s=sixty"),
]


@pytest.mark.parametrize(("parameters", "param"), MODEL_VALUES_AND_PARAMS)
def test_a_model_files_values_are_checked_as_params_are_with_the_same_words(
    parameters: dict[str, Any], param: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"format": "alarmclock-timing-model/1", "parameters": parameters}))
    status, out, err = run(["simulate", "--duration", "10m", "--model", str(model)], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1, err
    status, _, param_err = run(["simulate", "--duration", "10m", "--param", param], capsys)
    assert status == 2 and param_err.count("\n") == 1, param_err
    said = param_err.split(f"--param {param!r}: ", 1)[1].split(" (see ", 1)[0]
    assert err.startswith(f"alarmclock: error: --model {str(model)!r}: {said}, not "), (err, said)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"format": "alarmclock-timing-model/1", "parameters": "x"}', '"parameters" must be an object'),
        ('{"format": "alarmclock-timing-model/1", "parameters": []}', '"parameters" must be an object'),
        ('{"format": "alarmclock-timing-model/1", "parameters": {"nope": 1}}', "'nope' is not a parameter"),
        ("[1, 2]", "not an alarmclock calibrate output"),
        ("{", "not JSON (Expecting property name"),
        ("", "not JSON (Expecting value"),
    ],
)
def test_a_model_file_of_the_wrong_shape_is_one_line(
    body: str, words: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = tmp_path / "model.json"
    model.write_text(body)
    status, out, err = run(["simulate", "--duration", "10m", "--model", str(model)], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1 and words in err, err


def test_pinned_evaluation_seconds_and_the_window_end_reach_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--duration", "1h", "--json", "--alarms", "2", "--publish", "api"]
    argv += ["--param", "evaluation_offset_s=tick-is-0:7.5,tick-is-1:42", "--param", "sliding_window_end=second"]
    status, out, _ = run(argv, capsys)
    data = json.loads(out)
    assert status == 0 and data["parameters"]["sliding_window_end"] == "second"
    assert data["parameters"]["evaluation_offset_s"] == [["tick-is-0", 7.5], ["tick-is-1", 42.0]]
    offsets = {name: info["offset_s"] for name, info in data["alarms"].items()}
    assert (offsets["clock-tick-is-0"], offsets["clock-tick-is-1"]) == (7.5, 42.0)
    assert data["design"] == "two alarms, sliding window, PutMetricData per tick"


def test_the_readme_and_getting_started_show_what_make_demo_prints(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).parents[2]
    command = next(line.strip() for line in (root / "Makefile").read_text().splitlines() if "simulate" in line)
    argv = command.split("alarmclock ", 1)[1].split()
    status, out, _ = run(argv, capsys)
    assert status == 0
    for shown in ("README.md", "docs/getting-started.md"):
        assert out.rstrip("\n") in (root / shown).read_text(), (
            f"{shown}'s demo output is stale: paste what `make demo` prints"
        )


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("seconds", "as_json", "quiet", "stream", "shown"),
    [
        (7 * 3600, False, False, FakeTerminal(), True),
        (7 * 3600, True, False, FakeTerminal(), False),  # never in --json
        (7 * 3600, False, True, FakeTerminal(), False),  # --quiet
        (7 * 3600, False, False, io.StringIO(), False),  # stderr to a file or a pipe
        (3600, False, False, FakeTerminal(), False),  # a short run needs none
    ],
)
def test_progress_shows_on_a_terminal_only(
    seconds: float, as_json: bool, quiet: bool, stream: io.StringIO, shown: bool
) -> None:
    assert shows_progress(seconds, as_json, quiet, stream) is shown


def test_a_long_run_prints_no_progress_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["simulate", "--every", "5m", "--duration", "7h"], capsys)
    assert status == 0 and "verdict" in out and err == ""
