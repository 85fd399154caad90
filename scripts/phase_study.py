"""The beat at every evaluation phase: pin a clock's tick alarm to each second of its cycle and measure.

CloudWatch evaluates each alarm at its own, undocumented second of the evaluation cycle (the
timing model draws it per alarm). A claim about the beat must hold for every such second, not
for the few a handful of seeds happen to draw: `jobs` pins the tick alarm to every point of a
grid over the cycle, and `run_at` runs the clock there. scripts/phase_sweep.py prints the tables in
docs/timing-model.md from it; tests/emulator/test_phase_study.py checks the claims on a coarser grid.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.intervals import percentile
from alarmclock.spec import ClockSpec, build_spec
from alarmclock.template import build_template, heartbeat_minutes, watchdog_shape
from alarmclock.timing_model import WORLDS, TimingModel

# The designs compared: one alarm flipped by a wave laid ahead (the default at 20 s, 30 s and 2 to
# 120 minutes); one alarm whose ticks publish the next value with PutMetricData (the default at
# 10 s, 1 m and 1440 m) or in an EMF log line; the seed's pair; one alarm on a wall-clock window
# (only where CloudWatch allows one: 1m, 5m, 1h, 1440m). The last is the pair with each Tick stamped
# at its state change's time, an ablation of next_stamp that shows why the stamp is chosen (the
# first release's design, hence "(0.1)": CHANGELOG.md). (No commas in the names:
# scripts/phase_sweep.py --designs splits on them.)
DESIGNS: dict[str, dict[str, Any]] = {
    "one alarm + wave": {"alarms": 1, "publish": "wave"},
    "one alarm + PutMetricData": {"alarms": 1, "publish": "api"},
    "one alarm + EMF line": {"alarms": 1, "publish": "logs"},
    "two alarms + PutMetricData": {"alarms": 2, "publish": "api"},
    "one alarm (wall clock) + PutMetricData": {"alarms": 1, "window": "wallclock", "publish": "api"},
    "two alarms stamped at the change (0.1)": {"alarms": 2, "publish": "api", "stamp": "change"},
    "one alarm + now": {"alarms": 1, "publish": "now"},
}
WAVE_DESIGN = "one alarm + wave"
# Where a period is one evaluation cycle (10 s, 1 m) or no wave reaches a period ahead (1440 m),
# the default publishes each tick.
EACH_TICK_DESIGN = "one alarm + PutMetricData"


def default_design(every: str) -> str:
    """The design `alarmclock template --every EVERY` builds, by its name here."""
    return WAVE_DESIGN if build_spec(every=every).publish == "wave" else EACH_TICK_DESIGN


# The handler line that ends next_stamp on a wall-clock window; the ablation takes that branch always.
# As the template inlines it: comments gone, one space an indentation level, one-line strings in
# single quotes (inline_source.py).
_WALL_CLOCK_BRANCH = " if config.window=='wallclock' or config.publish=='now':\n"
_ALWAYS_AT_THE_CHANGE = " if True:  # ablation: stamped at the change\n"
MODELS: dict[str, TimingModel] = {
    "defaults": TimingModel(),
    "harsh end": TimingModel.extreme("high"),
    # The other end of the one assumption the wave rests on (timing.py, future_visible_from).
    "points visible from their stamp": TimingModel().at(future_visible_from="stamp"),
}
# The first tables' designs and models (docs/timing-model.md, docs/beat.md): `now` came with the worlds.
FIRST_DESIGNS = tuple(d for d in DESIGNS if d != "one alarm + now")
FIRST_MODELS = tuple(MODELS)
# The table of every design in every world of future_visible_from (timing.WORLDS): one model per
# world, the defaults otherwise ('late' at its default future_late_cycles), swept apart from the first
# tables on a coarser grid (coarse_grid), each run made afresh by the code of the day.
WORLD_MODELS: dict[str, TimingModel] = {
    f"world {world}": TimingModel().at(future_visible_from=world) for world in WORLDS
}
WORLD_PERIODS = ("10s", "20s", "1m", "5m", "1h")
# The other end of the window-end assumption alone, for tests/emulator/test_phase_study.py.
OTHER_MODELS: dict[str, TimingModel] = {"windows ending on a second": TimingModel().at(sliding_window_end="second")}
ALL_MODELS = MODELS | OTHER_MODELS | WORLD_MODELS
# Virtual time per run: a few hundred intervals where that is cheap, at least four days' worth of
# hourly ones, six daily ones.
RUN_S: dict[str, float] = {
    "10s": 3600,
    "20s": 2 * 3600,
    "30s": 3 * 3600,
    "1m": 4 * 3600,
    "5m": 24 * 3600,
    "1h": 4 * 86_400,
    "120m": 8 * 86_400,
    "1440m": 7 * 86_400,
}
PINNED_ALARM = "tick-is-1"  # the one alarm; in the pair, tick-is-1 (tick-is-0 is drawn per run)
MEAN_TOLERANCE = 0.01  # "within 1 % of the period"


@dataclass(frozen=True)
class PhaseRun:
    """One run with the tick alarm evaluated at `offset_s` of every cycle (plus the jitter)."""

    design: str
    every: str
    model: str
    offset_s: float
    period_s: int
    ticks: int
    mean: float
    p1: float
    p99: float
    max: float
    missed_beats: int  # steady intervals longer than two periods
    longest_silence_s: float  # after the first tick, the end of the run included
    stalled: bool  # a silence longer than the self-healing's reach (stall_after_s)
    switches: int = 0  # times the clock changed its design by itself (handler.switch_design)
    # Where the clock switched: from when its beat is measured (three periods after its last switch).
    settled_s: float | None = None

    def holds(self, spread_s: float) -> bool:
        """Mean within 1 % of the period, and p1 and p99 within the period +- spread_s."""
        return (
            not self.stalled
            and abs(self.mean - self.period_s) <= MEAN_TOLERANCE * self.period_s
            and self.period_s - spread_s <= self.p1
            and self.p99 <= self.period_s + spread_s
        )

    def mean_holds(self) -> bool:
        return not self.stalled and abs(self.mean - self.period_s) <= MEAN_TOLERANCE * self.period_s


def stall_after_s(period_s: int, publish: str = "api") -> float:
    """A silence this long is a stall: longer than the watchdog's window plus two heartbeats plus a
    period, by when the self-healing (docs/self-healing.md) has had two tries at a restart. (Below
    that, a slow clock at the harsh end of the ranges is slow, not stalled.)"""
    step, periods = watchdog_shape(period_s, publish)
    return step * periods + 2 * 60 * heartbeat_minutes(period_s, publish) + period_s


def grid(cycle_s: int) -> list[float]:
    """The issue's grid: 0.5 s steps over a 60 s cycle, 0.25 s over a 10 s one."""
    step = 0.5 if cycle_s == 60 else 0.25
    return [round(i * step, 2) for i in range(int(cycle_s / step))]


def coarse_grid(cycle_s: int) -> list[float]:
    """Every fourth point of the grid (2 s steps over a 60 s cycle, 1 s over a 10 s one), plus the
    grid's points where the jitter can carry an evaluation across a window boundary."""
    fine = grid(cycle_s)
    low, high = boundary_band(TimingModel(), cycle_s)
    return sorted(set(fine[::4]) | {offset for offset in fine if low < offset < high})


def spread_for(model: TimingModel) -> float:
    """The p1/p99 bound around the period: twice the jitter's upper end, plus a second."""
    return 2 * model.evaluation_jitter_s[1] + 1.0


def boundary_band(model: TimingModel, cycle_s: int) -> tuple[float, float]:
    """Evaluation seconds whose jitter can carry an evaluation across a window boundary."""
    return (cycle_s - model.evaluation_jitter_s[1], float(cycle_s))


def spec_and_template(design: str, every: str) -> tuple[ClockSpec, dict[str, Any] | None]:
    settings = dict(DESIGNS[design])
    stamp = settings.pop("stamp", "ahead")
    spec = build_spec(every=every, **settings)
    if stamp == "ahead":
        return spec, None
    template = build_template(spec)
    code = template["Resources"]["TickFunction"]["Properties"]["Code"]
    if _WALL_CLOCK_BRANCH not in code["ZipFile"]:
        raise RuntimeError("the ablation no longer finds next_stamp's wall-clock branch in the handler")
    code["ZipFile"] = code["ZipFile"].replace(_WALL_CLOCK_BRANCH, _ALWAYS_AT_THE_CHANGE)
    return spec, template


def run_at(
    design: str, every: str, model_name: str, offset_s: float, seed: int, duration_s: float | None = None
) -> PhaseRun:
    spec, template = spec_and_template(design, every)
    timing = ALL_MODELS[model_name].at(evaluation_offset_s=((PINNED_ALARM, offset_s),))
    scenario = Scenario(spec=spec, duration_s=duration_s or RUN_S[every], seed=seed, timing=timing, template=template)
    run = simulate(scenario)
    # The first interval runs from the create kick to the alarm's first look at the next period:
    # anywhere between one period minus a cycle and one period plus a cycle. The beat is the rest.
    period = spec.period_s
    every_interval = sorted(b - a for a, b in itertools.pairwise(run.tick_times[1:]))
    end = run.world.start + scenario.duration_s
    silence = max([*every_interval, end - run.tick_times[-1]]) if run.tick_times else scenario.duration_s
    # A clock that changed its design is held to its beat once it has (issue 21's bar): from three
    # periods after its last switch. Stalls and silences are judged over the whole run.
    settled = run.report.switches[-1]["at_s"] + 3 * period if run.report.switches else None
    after = [t for t in run.tick_times if settled is None or t >= run.world.start + settled]
    steady = every_interval if settled is None else sorted(b - a for a, b in itertools.pairwise(after))
    return PhaseRun(
        design=design,
        every=every,
        model=model_name,
        offset_s=offset_s,
        period_s=period,
        ticks=run.report.ticks,
        mean=sum(steady) / len(steady) if steady else math.nan,
        p1=percentile(steady, 0.01),
        p99=percentile(steady, 0.99),
        max=steady[-1] if steady else math.nan,
        missed_beats=sum(1 for interval in every_interval if interval > 2 * period),
        longest_silence_s=silence,
        stalled=silence > stall_after_s(period, spec.publish),
        switches=len(run.report.switches),
        settled_s=None if settled is None else round(settled, 3),
    )


def applicable(design: str, every: str) -> bool:
    """Whether the design can be built for this period (the wall clock takes only some)."""
    try:
        spec_and_template(design, every)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Job:
    design: str
    every: str
    model: str
    offset_s: float
    seed: int
    duration_s: float | None = None

    def __call__(self) -> PhaseRun:
        return run_at(self.design, self.every, self.model, self.offset_s, self.seed, self.duration_s)


def jobs(
    designs: Iterable[str],
    periods: Iterable[str],
    models: Iterable[str],
    offsets: Callable[[int], list[float]] | None = None,
) -> list[Job]:
    """Every (design, period, model, offset) of the sweep: on the grid, or the coarse grid for the
    worlds' models, unless `offsets` says otherwise. The seed differs per offset, so the pair's other
    alarm and the latencies are drawn anew at each point; it is the offset's index in the fine grid,
    so a coarse grid's run is the fine grid's run at that second."""
    found = []
    for design, every, model in itertools.product(designs, periods, models):
        if not applicable(design, every):
            continue
        cycle = evaluation_cycle(spec_and_template(design, every)[0].period_s)
        fine = {offset: index for index, offset in enumerate(grid(cycle))}
        chosen = offsets or (coarse_grid if model in WORLD_MODELS else grid)
        for index, offset in enumerate(chosen(cycle)):
            found.append(Job(design, every, model, offset, seed=fine.get(offset, index)))
    return found


def execute(job: Job) -> PhaseRun:
    return job()


@dataclass(frozen=True)
class Summary:
    """One (design, period, model) over the whole grid."""

    design: str
    every: str
    model: str
    period_s: int
    points: int
    mean_within: int  # seconds whose mean interval is within 1 % of the period
    holding: int  # ... and whose p1 and p99 are within the period +- spread_s
    spread_s: float
    stalls: int
    lowest_mean: float  # of the seconds' mean intervals
    highest_mean: float
    average_mean: float  # of the seconds' mean intervals: the beat of a clock whose second is drawn at random
    worst_p1: float  # over the holding seconds
    worst_p99: float
    lowest_p1: float  # over all seconds
    highest_p99: float
    worst_max: float  # over all seconds
    longest_silence_s: float
    held_back: tuple[float, ...]  # the seconds that do not hold
    held_back_in_band: bool  # all of them within the jitter's reach of a window boundary
    held_back_lowest_mean: float  # among them (nan if none)
    held_back_highest_mean: float
    held_back_p99: float
    missing_beats: int = 0  # seconds with an interval over two periods (a beat missing, or late)
    switched: int = 0  # seconds whose clock changed its design by itself

    @property
    def mean_share(self) -> float:
        return self.mean_within / self.points

    @property
    def holding_share(self) -> float:
        return self.holding / self.points


def summarise(runs: list[PhaseRun]) -> Summary:
    first = runs[0]
    model = ALL_MODELS[first.model]
    spread = spread_for(model)
    low, high = boundary_band(model, evaluation_cycle(first.period_s))
    holding = [r for r in runs if r.holds(spread)]
    back = [r for r in runs if not r.holds(spread)]
    return Summary(
        design=first.design,
        every=first.every,
        model=first.model,
        period_s=first.period_s,
        points=len(runs),
        mean_within=sum(1 for r in runs if r.mean_holds()),
        holding=len(holding),
        spread_s=spread,
        stalls=sum(1 for r in runs if r.stalled),
        lowest_mean=min(r.mean for r in runs),
        highest_mean=max(r.mean for r in runs),
        average_mean=sum(r.mean for r in runs) / len(runs),
        worst_p1=min((r.p1 for r in holding), default=math.nan),
        worst_p99=max((r.p99 for r in holding), default=math.nan),
        lowest_p1=min(r.p1 for r in runs),
        highest_p99=max(r.p99 for r in runs),
        worst_max=max(r.max for r in runs),
        longest_silence_s=max(r.longest_silence_s for r in runs),
        held_back=tuple(r.offset_s for r in back),
        held_back_in_band=all(low < r.offset_s < high for r in back),
        held_back_lowest_mean=min((r.mean for r in back), default=math.nan),
        held_back_highest_mean=max((r.mean for r in back), default=math.nan),
        held_back_p99=max((r.p99 for r in back), default=math.nan),
        missing_beats=sum(1 for r in runs if r.max > 2 * r.period_s),
        switched=sum(1 for r in runs if r.switches),
    )


def summaries(runs: list[PhaseRun]) -> list[Summary]:
    groups: dict[tuple[str, str, str], list[PhaseRun]] = {}
    for run in runs:
        groups.setdefault((run.design, run.every, run.model), []).append(run)
    return [summarise(group) for group in groups.values()]
