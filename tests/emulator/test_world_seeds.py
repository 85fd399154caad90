"""scripts/world_seeds.py: the default clock seed by seed in each world, beside the same seed in `put`
(docs/timing-model.md, "Right in every world", quotes its output over 40 seeds)."""

from __future__ import annotations

import pytest
import world_seeds


def test_it_prints_one_row_per_period_and_world_from_the_runs_it_made(capsys: pytest.CaptureFixture[str]) -> None:
    assert world_seeds.main(["--every", "10s", "--worlds", "never", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| 10s")]
    # Where nothing stamped ahead counts, the ten-second default switches within a minute at both seeds.
    (row,) = rows
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:4] == ["10s", "never", "2 of 2", "none"]
    low, high = (float(n) for n in cells[4].removesuffix(" s").split("-"))
    assert 0 < low <= high <= 60


def test_a_seed_that_is_not_ticking_is_named_and_starred_where_put_loses_it_too() -> None:
    results = {("10s", "put", 0): ("missing beats", None), ("10s", "late", 0): ("missing beats", 30.0)}
    assert world_seeds.row("10s", "late", 1, results) == "| 10s | late | 0 of 1 | 0* | 30-30 s |"
    results[("10s", "put", 0)] = ("ticking", None)
    assert world_seeds.row("10s", "late", 1, results) == "| 10s | late | 0 of 1 | 0 | 30-30 s |"


@pytest.mark.parametrize(("argv", "said"), [(["--worlds", "nope"], "unknown world 'nope'"), (["--every", "7s"], "7s")])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert world_seeds.main([*argv, "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err
