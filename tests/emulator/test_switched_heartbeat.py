"""A switched clock's heartbeat runs at the documented design's rate, in the emulated account.

The function puts its own stack's heartbeat rule (PutRule, allowed by the role for that rule alone):
every 2 minutes once it switched to the documented design, and back to the wave's 10 when it goes
back. The emulator fires a rule on the schedule the last PutRule gave it (providers/rule.py).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from alarmclock.cli import main
from alarmclock.durations import parse_duration
from alarmclock.emulator import services
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec
from alarmclock.timing_model import TimingModel

HOUR = 3600.0
ROOT = Path(__file__).resolve().parents[2]


def heartbeats_of(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The (virtual) times at which the heartbeat rule invoked the function, as the run goes."""
    times: list[float] = []
    invoke = services.Services.invoke_async

    def counting(self: services.Services, arn: str, event: dict[str, Any], principal: Any, source: str) -> None:
        if event == {"alarmclock": "heartbeat"}:
            times.append(self.world.now())
        invoke(self, arn, event, principal, source)

    monkeypatch.setattr(services.Services, "invoke_async", counting)
    return times


@pytest.mark.parametrize("every", ["10s", "1m"])
def test_where_no_point_stamped_ahead_counts_the_switched_clocks_heartbeat_comes_every_2_minutes(
    every: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    beats = heartbeats_of(monkeypatch)
    timing = TimingModel().at(future_visible_from="never")
    run = simulate(Scenario(spec=build_spec(every=every), duration_s=2 * HOUR, seed=3, timing=timing))
    (switch,) = run.report.switches
    calls = run.stack.services.calls
    assert calls[("events", "PutRule")] == 1  # allowed: no WARNING, and the rule fires at its new rate
    assert "WARNING:heartbeat" not in run.report.log_counts
    start = run.stack.world.start
    before = [t - start for t in beats if t - start < switch["at_s"]]
    after = [t - start for t in beats if t - start > switch["at_s"] + 60]
    assert all(b - a == pytest.approx(600, abs=1) for a, b in itertools.pairwise(before))
    gaps = [b - a for a, b in itertools.pairwise(after)]
    assert len(gaps) >= 50 and all(gap == pytest.approx(120, abs=1) for gap in gaps)


def test_where_the_wave_works_the_heartbeat_keeps_the_waves_rate_and_no_rule_is_put(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    beats = heartbeats_of(monkeypatch)
    run = simulate(Scenario(spec=build_spec(every="1m"), duration_s=2 * HOUR, seed=3))
    assert run.report.switches == [] and run.stack.services.calls[("events", "PutRule")] == 0
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert len(gaps) >= 10 and all(gap == pytest.approx(600, abs=1) for gap in gaps)


def test_the_recovery_docs_self_healing_quotes_is_the_simulators(capsys: pytest.CaptureFixture[str]) -> None:
    argv = "simulate --every 10s --duration 8h --param future_visible_from=never --fault function-errors:at=3h"
    assert main(argv.split()) == 0
    out = capsys.readouterr().out
    (next_tick,) = re.findall(r"function-errors for 10m from \+3h: .*, next tick (\S+) after it ended", out)
    assert parse_duration(next_tick) <= 2 * 60 + 3 * 10  # the heartbeat's 2 minutes and 3 periods
    text = " ".join((ROOT / "docs" / "self-healing.md").read_text().split())
    assert f"`alarmclock {argv}`: the next tick {next_tick} after the fault ended)" in text
