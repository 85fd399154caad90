"""Run a clock in virtual time: build its template, create the stack, let it tick, delete it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from alarmclock.beat_figures import judged_beat
from alarmclock.durations import format_duration
from alarmclock.emulator.cloudwatch import StateChange
from alarmclock.emulator.faults import Fault, FaultPlan
from alarmclock.emulator.report import (
    DUPLICATE_HORIZON_S,
    FaultOutcome,
    TickLog,
    TickReport,
    fault_outcome,
    fault_reach,
    switch_reach,
)
from alarmclock.emulator.services import Delivery
from alarmclock.emulator.stack import Stack
from alarmclock.emulator.world import World
from alarmclock.intervals import IntervalStats, missed_beat_periods, missed_beats_in, summarise_ticks
from alarmclock.spec import ClockSpec
from alarmclock.template import TARGET_PARAMETER, build_template, design
from alarmclock.timing_model import TimingModel

STACK_NAME = "clock"
# With no --target the template asks for a function ARN; the emulator plays that function.
DEFAULT_TARGET = "arn:aws:lambda:us-east-1:123456789012:function:my-job"
PROGRESS_STEP_S = 3600.0


@dataclass
class Scenario:
    spec: ClockSpec
    duration_s: float
    seed: int = 0
    timing: TimingModel = field(default_factory=TimingModel)
    faults: list[Fault] = field(default_factory=list)
    delete_at_end: bool = True
    template: dict[str, Any] | None = None  # default: build_template(spec)
    # Keep every delivery, alarm state change and log line (Run.deliveries, .history, world.log_lines)?
    # Without them memory stays bounded whatever the duration: the report needs only the compact
    # figures (TickLog's arrays of tick times, counts), which are always kept.
    keep_events: bool = True


@dataclass
class Run:
    scenario: Scenario
    world: World
    stack: Stack
    report: TickReport
    deliveries: list[Delivery]  # empty unless Scenario.keep_events
    tick_times: Sequence[float]  # distinct ticks, epoch seconds
    history: list[StateChange]  # every alarm state change if Scenario.keep_events, else none
    faults: list[FaultOutcome]

    def trace_records(self) -> list[dict[str, Any]]:
        """The trace as JSON objects (`--trace --json`), one a state change, with the text's fields."""
        start = self.world.start
        return [
            {
                "at_s": round(change.time - start, 3),
                "alarm": change.alarm,
                "from": change.old,
                "to": change.new,
                "actions": change.acted,
                "reason": change.reason,
            }
            for change in self.history
        ]

    def trace(self) -> list[str]:
        start = self.world.start
        return [
            f"+{format_duration(change.time - start, decimals=3):<14} {change.alarm:<20} "
            f"{change.old:>17} -> {change.new:<17}"
            f"{'' if change.acted else ' (actions disabled)'}  {change.reason}"
            for change in self.history
        ]


def simulate(scenario: Scenario, progress: Callable[[float], None] | None = None) -> Run:
    spec = scenario.spec
    world = World(scenario.seed, scenario.timing, keep_log=scenario.keep_events)
    template = scenario.template if scenario.template is not None else build_template(spec)
    parameters = {TARGET_PARAMETER: DEFAULT_TARGET} if TARGET_PARAMETER in template.get("Parameters", {}) else {}
    plan = FaultPlan([replace(f, hits=[]) for f in scenario.faults], start=world.start)
    stack = Stack(world, template, STACK_NAME, parameters, faults=plan)
    targets = [t.arn for t in spec.targets] or [DEFAULT_TARGET]
    horizon = DUPLICATE_HORIZON_S + max((f.amount_s for f in plan.faults), default=0.0)
    logs = {arn: TickLog(keep=scenario.keep_events, horizon_s=horizon) for arn in targets}
    for arn, log in logs.items():
        stack.services.add_sink(arn)
        stack.services.sinks[arn] = log
    changes: Counter[str] = Counter()

    start = world.start
    end = start + scenario.duration_s
    stack.create()
    deleted_mid_run = _schedule_lifecycle(plan, stack, spec, world)
    moment = start
    while moment < end:
        moment = min(end, moment + PROGRESS_STEP_S)
        world.run(moment)
        if not scenario.keep_events:
            _fold_history(stack, changes)
        if progress:
            progress((moment - start) / scenario.duration_s)
    delete_note, after_delete = "", 0
    if deleted_mid_run is not None:
        delete_note, after_delete = _describe_delete(stack, start + deleted_mid_run, logs[targets[0]])
    elif scenario.delete_at_end:
        stack.delete()
        # Keep watching for three periods: nothing may tick after a delete.
        world.run(end + 3 * spec.period_s + 60)
        delete_note, after_delete = _describe_delete(stack, end, logs[targets[0]])

    if stack.internal_errors:
        raise stack.internal_errors[0]
    if not scenario.keep_events:
        _fold_history(stack, changes)
    else:
        changes.update(c.alarm for c in stack.cloudwatch.history)
    log = logs[targets[0]]
    # A clock deleted mid-run is judged up to its delete: the silence after it is the delete's doing.
    judged_end = end if deleted_mid_run is None else start + deleted_mid_run
    count, duplicates, times, intervals, silence, stalled = summarise_ticks(
        log.firsts, log.copies, start, judged_end, spec.period_s
    )
    measured = [fault for fault in plan.faults if fault.name != "stack-delete"]
    cluster_ends = fault_cluster_ends(measured, spec.period_s)
    outcomes = [
        fault_outcome(fault, log, start, end, spec.period_s, until)
        for fault, until in zip(measured, cluster_ends, strict=True)
    ]
    switches = list(world.switches)
    reach = fault_reach(outcomes, spec.period_s)
    run_times = [t - start for t in times]
    missed_periods = missed_beat_periods(spec.alarms)
    in_faults, _ = judged_beat(run_times, reach, spec.period_s, missed_periods)
    excused, steady_mean = judged_beat(
        run_times, reach + switch_reach(switches, spec.period_s), spec.period_s, missed_periods
    )
    report = TickReport(
        period_s=spec.period_s,
        judged_s=scenario.duration_s if deleted_mid_run is None else deleted_mid_run,
        duration_s=scenario.duration_s,
        seed=scenario.seed,
        via=spec.via,
        design=design(spec),
        ticks=count,
        deliveries=sum(1 for t in log.firsts if t <= end) + sum(1 for t in log.copies if t <= end),
        duplicates=duplicates,
        first_tick_s=(times[0] - start) if times else None,
        intervals=IntervalStats.of(intervals),
        longest_silence=silence,
        missed_beats=missed_beats_in(intervals, spec.period_s, spec.alarms),
        missed_beat_periods=missed_periods,
        stalled_since_s=stalled,
        stack={"create": _describe_create(stack), "delete": delete_note},
        alarms={
            name: {
                "offset_s": round(alarm.offset_s, 1),
                "cycle_s": alarm.cycle_s,
                "changes": changes[name],
            }
            for name, alarm in sorted(stack.seen_alarms.items())
        },
        function={
            "runs": sum(f.runs for f in stack.seen_functions),
            "errors": sum(f.errors for f in stack.seen_functions),
            "dropped": len(stack.services.dropped),
        },
        log_counts=dict(sorted(world.log_counts.items())),
        deleted_at_s=deleted_mid_run,
        ticks_after_delete=after_delete,
        faults=[o.as_json() for o in outcomes],
        switches=switches,
        missed_beats_in_faults=in_faults,
        steady_mean_s=steady_mean,
        missed_beats_switching=excused - in_faults,
    )
    return Run(scenario, world, stack, report, list(log), times, stack.cloudwatch.history, outcomes)


def _fold_history(stack: Stack, changes: Counter[str]) -> None:
    """Count the alarm state changes so far and let them go (the run keeps no history)."""
    history = stack.cloudwatch.history
    changes.update(change.alarm for change in history)
    del history[:]


def fault_cluster_ends(faults: list[Fault], period_s: int) -> list[float]:
    """For each fault, when it and every fault overlapping it (or starting within the three
    periods of recovery after it) are all over: recovery is measured from there."""
    spans = sorted((f.start_s, f.end_s, i) for i, f in enumerate(faults))
    ends = [0.0] * len(faults)
    group: list[int] = []
    group_end = -1.0
    for begin, finish, index in spans:
        if group and begin > group_end + 3 * period_s:
            for member in group:
                ends[member] = group_end
            group, group_end = [], -1.0
        group.append(index)
        group_end = max(group_end, finish)
    for member in group:
        ends[member] = group_end
    return ends


def _schedule_lifecycle(plan: FaultPlan, stack: Stack, spec: ClockSpec, world: World) -> float | None:
    """Stack updates and deletes from the fault plan; returns when the stack is deleted, if it is."""
    deleted: float | None = None
    for fault in plan.lifecycle():
        if fault.name == "stack-update":
            # A real change: a new payload, so the function's environment (and code revision) changes.
            changed = build_template(replace(spec, payload={"updated_at_s": fault.start_s}))
            world.at(world.start + fault.start_s, stack.update, changed)
        elif fault.name == "stack-delete":
            deleted = fault.start_s if deleted is None else min(deleted, fault.start_s)
            world.at(world.start + fault.start_s, stack.delete)
        fault.hits.append(fault.start_s)
    return deleted


def _describe_create(stack: Stack) -> str:
    events = stack.state.events
    created = next((e for e in events if e.status in ("CREATE_COMPLETE", "CREATE_FAILED")), None)
    if created is None:
        # Not an unanswered custom resource: CloudFormation waits for it until its ServiceTimeout,
        # and then fails the stack (CREATE_FAILED). The run ended first.
        return "still CREATE_IN_PROGRESS when the run ended"
    elapsed = created.time - events[0].time
    text = f"{created.status} {format_duration(elapsed)} after the Create request"
    return text + (f": {created.reason}" if created.reason else "")


def _describe_delete(stack: Stack, deleted_at: float, log: TickLog) -> tuple[str, int]:
    """What the delete did, and how many ticks the target received after it completed."""
    done = next(
        (
            e
            for e in stack.state.events
            if e.time >= deleted_at and e.status.startswith("DELETE_") and e.status != "DELETE_IN_PROGRESS"
        ),
        None,
    )
    if done is None:
        return "delete still in progress at the end of the run", 0
    answered = done.time - deleted_at
    after = log.count_after(done.time)
    return f"{done.status} {format_duration(answered)} after the Delete request; {after} ticks after it", after
