"""Run a clock in virtual time: build its template, create the stack, let it tick, delete it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alarmclock.emulator.cloudwatch import StateChange
from alarmclock.emulator.faults import Faults
from alarmclock.emulator.formats import iso_millis_z
from alarmclock.emulator.report import IntervalStats, TickReport, summarise_ticks
from alarmclock.emulator.services import Delivery, tick_ids
from alarmclock.emulator.stack import Stack
from alarmclock.emulator.timing import TimingModel
from alarmclock.emulator.world import World
from alarmclock.spec import ClockSpec
from alarmclock.template import TARGET_PARAMETER, build_template

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
    faults: Faults = field(default_factory=Faults)
    delete_at_end: bool = True
    template: dict[str, Any] | None = None  # default: build_template(spec)


@dataclass
class Run:
    scenario: Scenario
    world: World
    stack: Stack
    report: TickReport
    deliveries: list[Delivery]
    tick_times: list[float]  # distinct ticks, epoch seconds
    history: list[StateChange]

    def trace(self) -> list[str]:
        start = self.world.start
        return [
            f"+{change.time - start:10.3f}s  {change.alarm:<20} {change.old:>17} -> {change.new:<17}"
            f"{'' if change.acted else ' (actions disabled)'}  {change.reason}"
            for change in self.history
        ]


def simulate(scenario: Scenario, progress: Callable[[float], None] | None = None) -> Run:
    spec = scenario.spec
    world = World(scenario.seed, scenario.timing)
    template = scenario.template if scenario.template is not None else build_template(spec)
    parameters = {TARGET_PARAMETER: DEFAULT_TARGET} if TARGET_PARAMETER in template.get("Parameters", {}) else {}
    stack = Stack(world, template, STACK_NAME, parameters, faults=scenario.faults)
    targets = [t.arn for t in spec.targets] or [DEFAULT_TARGET]
    for arn in targets:
        stack.services.add_sink(arn)

    start = world.start
    end = start + scenario.duration_s
    stack.create()
    moment = start
    while moment < end:
        moment = min(end, moment + PROGRESS_STEP_S)
        world.run(moment)
        if progress:
            progress((moment - start) / scenario.duration_s)
    delete_note = ""
    if scenario.delete_at_end:
        stack.delete()
        # Keep watching for three periods: nothing may tick after a delete.
        world.run(end + 3 * spec.period_s + 60)
        delete_note = _describe_delete(stack, end, targets[0])

    if stack.internal_errors:
        raise stack.internal_errors[0]
    deliveries = stack.services.sinks[targets[0]]
    ticks = tick_ids(deliveries)
    count, duplicates, times, intervals, silence, stalled = summarise_ticks(ticks, start, end, spec.period_s)
    report = TickReport(
        period_s=spec.period_s,
        duration_s=scenario.duration_s,
        seed=scenario.seed,
        via=spec.via,
        ticks=count,
        deliveries=len([t for t in ticks if t[0] <= end]),
        duplicates=duplicates,
        first_tick_s=(times[0] - start) if times else None,
        intervals=IntervalStats.of(intervals),
        longest_silence=silence,
        late_intervals=sum(1 for i in intervals if i > 1.5 * spec.period_s),
        stalled_since_s=stalled,
        stack={"create": _describe_create(stack), "delete": delete_note},
        alarms={
            name: {
                "offset_s": round(alarm.offset_s, 1),
                "changes": sum(1 for c in stack.cloudwatch.history if c.alarm == name),
            }
            for name, alarm in sorted(stack.seen_alarms.items())
        },
        function={
            "runs": sum(f.runs for f in stack.seen_functions),
            "errors": sum(f.errors for f in stack.seen_functions),
            "dropped": len(stack.services.dropped),
        },
        log_counts=dict(sorted(world.log_counts.items())),
    )
    return Run(scenario, world, stack, report, deliveries, times, stack.cloudwatch.history)


def _describe_create(stack: Stack) -> str:
    events = stack.state.events
    created = next((e for e in events if e.status in ("CREATE_COMPLETE", "CREATE_FAILED")), None)
    if created is None:
        return "never completed (the custom resource did not answer)"
    elapsed = created.time - events[0].time
    text = f"{created.status} {elapsed:.1f} s after the Create request"
    return text + (f": {created.reason}" if created.reason else "")


def _describe_delete(stack: Stack, deleted_at: float, target: str) -> str:
    done = next(
        (
            e
            for e in stack.state.events
            if e.time >= deleted_at and e.status.startswith("DELETE_") and e.status != "DELETE_IN_PROGRESS"
        ),
        None,
    )
    if done is None:
        return "delete still in progress at the end of the run"
    answered = done.time - deleted_at
    after = [d for d in stack.services.sinks[target] if d.time > done.time]
    return f"{done.status} {answered:.1f} s after the Delete request; {len(after)} ticks after it"


def utc(epoch: float) -> str:
    return iso_millis_z(epoch)
