"""Run a plan against AWS, streaming what happens, and end with an Outcome.

Waiting loops poll every `poll_s` seconds (tests pass a tiny one). Ctrl-C is caught here
because only the runner knows what it has started: before execution it removes the
change set it made; after, it says what state the stack is in and what to do.

A tick is seen differently by how the clock publishes: an api or logs clock's tick publishes a
new Tick value, so the runner counts values; a wave clock's values are laid ahead (the Starter lays
two hours of them at once), so its tick is a tick alarm's state change.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from alarmclock.aws import steps
from alarmclock.aws.functions import Functions, Invocation
from alarmclock.aws.metrics import Metrics, check_target
from alarmclock.aws.models import (
    FAILED,
    SUCCEEDED,
    WAVE_AHEAD,
    AlarmInfo,
    Change,
    ClockNames,
    StackEvent,
    is_in_progress,
    is_no_change,
    period_start,
    root_cause,
    stack_advice,
)
from alarmclock.aws.plan import destructive_changes
from alarmclock.aws.session import Aws
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.template_bucket import MissingBucket, TemplateBucket
from alarmclock.aws.verdict import clock_time, ticking_states
from alarmclock.durations import format_duration
from alarmclock.exit_status import ExitStatus


class Progress(Protocol):
    """Where the runner reports; the CLI prints, tests may record."""

    def say(self, text: str) -> None: ...

    def event(self, event: StackEvent) -> None: ...

    def changes(self, changes: list[Change], creating: bool) -> None: ...

    def confirm(self, question: str) -> bool: ...


# CloudWatch's reason for the state an alarm is created in (PutMetricAlarm).
INITIAL_STATE_REASON = "Unchecked: Initial alarm creation"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    exit_code: ExitStatus = ExitStatus.OK
    status: str = ""
    first_tick: datetime | None = None


class Stop(Exception):
    """Ends a run early with an outcome (a failure, or nothing to do)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunState:
    """What a run has done so far, read when it ends and when it is interrupted."""

    stack_id: str = ""
    change_set_id: str = ""
    change_set_type: str = ""
    executed: bool = False
    status: str = ""
    first_tick: datetime | None = None
    first_tick_by: str = ""  # a wave clock's: which alarm went to which state
    seen_events: set[str] = field(default_factory=set)
    tick_baseline: int = 0
    # A wave clock's tick alarms when the run began: each one's last state change (absent: no alarm).
    alarm_baseline: dict[str, datetime | None] = field(default_factory=dict)
    started: datetime | None = None
    restart_answer: dict[str, Any] | None = None  # what the clock's function said it did (restart)
    # deploy --s3-bucket: the template's object while it is there, and its URL.
    uploaded: steps.UploadTemplate | None = None
    template_url: str | None = None


@dataclass
class Runner:
    """Runs one plan: each step by its own method (STEP_METHODS), what it has done in `done`."""

    aws: Aws
    progress: Progress
    poll_s: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utc_now

    def __post_init__(self) -> None:
        self.stacks = Stacks(self.aws)
        self.metrics = Metrics(self.aws)
        self.done = RunState()

    def run(self, plan: steps.Plan) -> Outcome:
        if not plan.steps:
            # With nothing to do the last note is the outcome, which the caller prints: say only the others.
            *before, last = plan.notes or ("nothing to do",)
            for note in before:
                self.progress.say(note)
            return Outcome(True, last)
        for note in plan.notes:
            self.progress.say(note)
        self.done.started = self.now()
        self.done.stack_id = plan.stack
        try:
            return self.run_steps(plan)
        finally:
            self.remove_template()

    def run_steps(self, plan: steps.Plan) -> Outcome:
        try:
            wait = plan.find(steps.WaitForTick)
            if wait is not None and wait.names.is_wave:
                # Seen before anything changes: the alarm may flip before the stack completes.
                self.done.alarm_baseline = {a.name: a.state_changed for a in self.tick_alarms(wait.names)}
            elif wait is not None:
                # Counted before anything changes: the Starter may kick the loop before the stack completes.
                self.done.tick_baseline = self.ticks_since_start(wait)
            for step in plan.steps:
                self.do(step, plan)
        except Stop as stop:
            return stop.outcome
        except KeyboardInterrupt:
            return self.interrupted(plan)
        return self.success(plan)

    # ---- steps ------------------------------------------------------------------------------

    def do(self, step: steps.Step, plan: steps.Plan) -> None:
        method = STEP_METHODS.get(type(step))
        if method is None:  # pragma: no cover - every Step has its method
            raise TypeError(step)
        method(self, step, plan)

    def execute_change_set(self, step: steps.ExecuteChangeSet, plan: steps.Plan) -> None:
        self.check_unchanged(step, plan)
        self.remember_events()
        self.done.executed = True  # before the call: Ctrl-C during it must not claim "nothing changed"
        self.stacks.execute_change_set(self.done.change_set_id)

    def leave_change_set(self, step: steps.LeaveChangeSet, plan: steps.Plan) -> None:
        change_set = self.done.change_set_id
        raise Stop(
            Outcome(
                True,
                f"change set {change_set} is ready and was not executed (--no-execute); "
                f"execute it with 'aws cloudformation execute-change-set --change-set-name {change_set}', "
                f"or run the deploy again without --no-execute",
            )
        )

    def update_parameters(self, step: steps.UpdateParameters, plan: steps.Plan) -> None:
        self.remember_events()
        self.done.executed = True
        if not self.stacks.update_parameters(step):
            self.done.executed = False
            raise Stop(Outcome(True, f"{plan.stack}: nothing to change"))
        self.progress.say(
            f"updating {plan.stack}: {', '.join(f'{q.key}={q.value}' for q in step.parameters if q.value)}"
        )

    def invoke_restart(self, step: steps.InvokeRestart, plan: steps.Plan) -> None:
        self.done.executed = True
        self.progress.say(f"invoking {step.function_name} with a restart")
        invocation = Functions(self.aws).restart(step.function_name, step.design)
        self.done.restart_answer = invocation.answer
        self.progress.say(restarted(plan.stack, invocation))
        stack = self.stacks.describe(self.done.stack_id)
        self.done.status = stack.status if stack else ""

    def delete_stack(self, step: steps.DeleteStack, plan: steps.Plan) -> None:
        self.remember_events()
        self.done.executed = True
        self.stacks.delete(step.stack)
        self.done.stack_id = step.stack
        self.progress.say(f"deleting stack {plan.stack}")

    def check_targets(self, step: steps.CheckTargets, plan: steps.Plan) -> None:
        for arn in step.targets:
            exists, why = check_target(self.aws, arn)
            if exists is False:
                raise Stop(
                    Outcome(False, f"target {arn} does not exist ({why}); nothing was changed", ExitStatus.FAILED)
                )
            if exists is None:
                self.progress.say(f"warning: could not check target {arn} ({why}); deploying anyway")

    def upload_template(self, step: steps.UploadTemplate, plan: steps.Plan) -> None:
        bucket = TemplateBucket(self.aws, step.bucket)
        try:
            url = bucket.put(step.key, step.body)
        except MissingBucket:
            raise Stop(
                Outcome(
                    False,
                    f"--s3-bucket {step.bucket}: there is no such bucket (or none this account can see) "
                    f"in {self.aws.region}; nothing was changed",
                    ExitStatus.USAGE,
                )
            ) from None
        self.done.uploaded, self.done.template_url = step, url
        self.progress.say(f"uploaded the template ({len(step.body.encode()):,} bytes) to s3://{step.bucket}/{step.key}")

    def remove_template(self) -> None:
        """The uploaded template goes when the run ends, however it ends: CloudFormation read it when
        the change set was created and keeps its own copy. A copy left behind is said, never fatal."""
        uploaded = self.done.uploaded
        if uploaded is None:
            return
        self.done.uploaded = None
        try:
            TemplateBucket(self.aws, uploaded.bucket).remove(uploaded.key)
        except Exception as error:  # the run's own outcome matters more than this object
            self.progress.say(
                f"warning: could not remove s3://{uploaded.bucket}/{uploaded.key} ({type(error).__name__}: "
                f"{error}); delete it yourself"
            )

    def create_change_set(self, step: steps.CreateChangeSet, plan: steps.Plan) -> None:
        created = self.stacks.create_change_set(step, self.done.template_url)
        if created is None:
            raise Stop(Outcome(True, f"{step.stack} is up to date: nothing to change"))
        self.done.change_set_id, self.done.stack_id = created
        self.done.change_set_type = step.change_set_type
        self.progress.say(
            f"{'creating' if step.change_set_type == 'CREATE' else 'updating'} stack {step.stack}: "
            f"change set {step.name}"
        )

    def review(self, step: steps.ReviewChangeSet, plan: steps.Plan) -> None:
        while True:
            status, reason, changes = self.stacks.describe_change_set(self.done.change_set_id)
            if status not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
                break
            self.sleep(self.poll_s)
        self.remove_template()  # the change set is made (or failed): CloudFormation needs it no more
        if status == "FAILED":
            self.discard_change_set()
            if is_no_change(reason):
                raise Stop(Outcome(True, f"{plan.stack} is up to date: nothing to change", status=status))
            raise Stop(Outcome(False, f"CloudFormation rejected the change: {reason}", ExitStatus.FAILED))
        creating = self.done.change_set_type == "CREATE"
        self.progress.changes(changes, creating)
        risky = destructive_changes(changes)
        if risky and step.ask_before_destroying:
            what = ", ".join(f"{c.logical_id} ({'replace' if c.action != 'Remove' else 'remove'})" for c in risky)
            if not self.progress.confirm(f"this deploy would replace or remove {what}; go ahead?"):
                self.discard_change_set()
                raise Stop(
                    Outcome(
                        False,
                        f"nothing changed: {plan.stack} left as it was (pass --yes to allow it)",
                        ExitStatus.FAILED,
                    )
                )

    def check_unchanged(self, step: steps.ExecuteChangeSet, plan: steps.Plan) -> None:
        """Stop, changing nothing, if the stack is no longer where the plan found it: another
        deploy (or anyone) changed or deleted it meanwhile, and executing now would undo theirs or
        report a change this deploy did not make. CloudFormation refuses a change set made stale
        by another's execution, but not one made while the other was still being reviewed."""
        stack = self.stacks.describe(self.done.stack_id)
        expected = step.read_status or "REVIEW_IN_PROGRESS"
        if (
            stack is not None
            and stack.status == expected
            and (not step.read_status or stack.last_change == step.read_changed)
        ):
            return
        now = (
            f"it is {stack.status}, last changed {stack.last_change:%H:%M:%S}"
            if stack and stack.last_change
            else (f"it is {stack.status}" if stack else "it was deleted")
        )
        self.stacks.delete_change_set(self.done.change_set_id)  # never the stack: it is someone else's now
        self.done.change_set_id = ""
        raise Stop(
            Outcome(
                False,
                f"stack {plan.stack} changed while this deploy was preparing its change ({now}; "
                f"it was {step.read_status or 'not yet created'}): another deploy or update got there first. "
                f"This deploy changed nothing; see 'alarmclock status {plan.stack}', then deploy again",
                ExitStatus.FAILED,
                stack.status if stack else "DELETE_COMPLETE",
            )
        )

    def discard_change_set(self) -> None:
        self.stacks.delete_change_set(self.done.change_set_id)
        if self.done.change_set_type == "CREATE":
            # The CREATE change set left an empty stack in REVIEW_IN_PROGRESS; remove it too.
            self.stacks.delete(self.done.stack_id)
        self.done.change_set_id = ""

    def remember_events(self) -> None:
        if self.stacks.describe(self.done.stack_id) is not None:
            self.done.seen_events |= {e.event_id for e in self.stacks.events(self.done.stack_id)}

    def stream_events(self) -> list[StackEvent]:
        events = self.stacks.events(self.done.stack_id)
        for event in reversed(events):
            if event.event_id not in self.done.seen_events:
                self.done.seen_events.add(event.event_id)
                self.progress.event(event)
        return events

    def wait_for_stack(self, step: steps.WaitForStack, plan: steps.Plan) -> None:
        while True:
            events = self.stream_events()
            stack = self.stacks.describe(self.done.stack_id)
            self.done.status = stack.status if stack else "DELETE_COMPLETE"
            if not is_in_progress(self.done.status):
                break
            self.sleep(self.poll_s)
        if self.done.status in step.success:
            return
        cause = root_cause(events)
        advice = stack_advice(plan.stack, self.done.status)
        raise Stop(
            Outcome(
                False,
                f"{plan.action} failed: stack {plan.stack} is {self.done.status}"
                + (f": {cause}" if cause else "")
                + (f"; {advice}" if advice else ""),
                ExitStatus.FAILED,
                self.done.status,
            )
        )

    def ticks_since_start(self, step: steps.WaitForTick) -> int:
        """Tick values published since before the run began: counted from a window wide enough for
        any stamp a new value can have (`tick_window`), so a new one always adds to the count."""
        start, end = tick_window(self.done.started or self.now(), self.now(), step.period_s)
        return self.metrics.sample_count(step.names, step.period_s, start, end)

    def wait_for_tick(self, step: steps.WaitForTick, plan: steps.Plan) -> None:
        self.progress.say(
            f"waiting for the first tick (up to {format_duration(step.timeout_s)}; Ctrl-C stops waiting, not the clock)"
        )
        deadline = time.monotonic() + step.timeout_s
        while True:
            if step.names.is_wave:
                tick = self.wave_tick(step.names)
                if tick is not None:
                    self.done.first_tick, self.done.first_tick_by = (
                        tick.state_changed,
                        f"{tick.name} went to {tick.state}",
                    )
                    return
            elif self.ticks_since_start(step) > self.done.tick_baseline:
                # When it was seen, not its datapoint's period: a value is stamped up to a period
                # ahead of its tick (or, replayed, up to two periods back), so that period says
                # little about when the tick came.
                self.done.first_tick = self.now()
                return
            self.check_still_there(step)
            if time.monotonic() >= deadline:
                raise Stop(
                    Outcome(
                        False,
                        f"stack {step.names.stack} is {self.done.status or 'deployed'} but no tick was seen within "
                        f"{format_duration(step.timeout_s)}; see 'alarmclock status {step.names.stack}'",
                        ExitStatus.FAILED,
                        self.done.status,
                    )
                )
            self.sleep(self.poll_s)

    def check_still_there(self, step: steps.WaitForTick) -> None:
        """A clock deleted (or being deleted) while this command waits for its tick will never tick:
        stop waiting and say so, rather than wait out the timeout and blame the tick."""
        stack = self.stacks.describe(self.done.stack_id)
        self.done.status = stack.status if stack else "DELETE_COMPLETE"
        if self.done.status.startswith("DELETE_"):
            raise Stop(
                Outcome(
                    False,
                    f"stack {step.names.stack} is {self.done.status}: it was deleted while this command waited for its "
                    "first tick, so none will come",
                    ExitStatus.FAILED,
                    self.done.status,
                )
            )

    def tick_alarms(self, names: ClockNames) -> list[AlarmInfo]:
        alarms = self.metrics.alarms(names)
        return [alarms[a] for a in names.alarms if a in alarms]

    def wave_tick(self, names: ClockNames) -> AlarmInfo | None:
        """A wave clock's first tick since the run began: a tick alarm's change to a state that
        ticks (ALARM or OK; ALARM for the pair) that it had not made when the run began (or a new
        alarm's), made since its configuration last changed. A resume turns the alarms' actions on
        by updating them: before that, a paused clock's alarm flips on the laid wave and calls no
        one. Compared with AWS's own timestamps, so the local clock's skew does not matter."""
        ticks = []
        for alarm in self.tick_alarms(names):
            changed = alarm.state_changed
            if alarm.state not in ticking_states(names) or changed is None:
                continue
            # A state the alarm was created with is no evaluation of the wave (AWS creates alarms in
            # INSUFFICIENT_DATA with this reason; moto, in OK with it).
            if alarm.reason.startswith(INITIAL_STATE_REASON):
                continue
            if alarm.name in self.done.alarm_baseline and changed == self.done.alarm_baseline[alarm.name]:
                continue
            if alarm.configured is not None and changed < alarm.configured:
                continue
            ticks.append((changed, alarm))
        return min(ticks, key=lambda tick: tick[0])[1] if ticks else None

    def confirm_gone(self, step: steps.ConfirmGone, plan: steps.Plan) -> None:
        before = self.gone_begin(step)
        deadline = time.monotonic() + step.settle_s
        if step.settle_s > 0:
            self.progress.say(f"checking for {format_duration(step.settle_s)} that nothing of {plan.stack} is left")
        while time.monotonic() < deadline:
            self.sleep(self.poll_s)
        self.gone_end(step, plan, before)

    def gone_begin(self, step: steps.ConfirmGone) -> tuple[datetime, datetime, int]:
        """The Tick query's window, and how many values it holds as the settle starts."""
        names, period = step.names, step.period_s
        if names.is_wave:
            window_start, end = wave_window(self.now(), period)
        else:
            window_start, end = tick_window(self.now(), self.now(), period)
        return window_start, end, self.metrics.sample_count(names, period, window_start, end)

    def gone_end(self, step: steps.ConfirmGone, plan: steps.Plan, begun: tuple[datetime, datetime, int]) -> None:
        """A Stop that says what is left of the clock after the settle, and how to remove it."""
        names, period = step.names, step.period_s
        window_start, end, before = begun
        alarms = list(self.metrics.alarms(names))
        left = [f"alarm {a}" for a in alarms]
        region = f" --region {self.aws.region}"
        how = [f"aws cloudwatch delete-alarms --alarm-names {' '.join(alarms)}{region}"] if alarms else []
        if step.function_name and self.metrics.function_exists(step.function_name):
            left.append(f"function {step.function_name}")
            how.append(f"aws lambda delete-function --function-name {step.function_name}{region}")
        if step.settle_s > 0:
            if not names.is_wave:
                # A value in flight is stamped up to a period after its tick: look that far past now.
                _, end = tick_window(self.now(), self.now(), period)
            later = self.metrics.sample_count(names, period, window_start, end)
            if later > before:
                left.append(f"Tick data still arriving in {names.namespace} ({later - before} new value(s))")
        if left:
            # Tick data alone has nothing to delete: an invocation in flight (or a retry) published it.
            then = (
                f"remove it with: {'; '.join(how)}"
                if how
                else "nothing is left to delete (an invocation in flight published it; CloudWatch keeps it "
                "until it expires)"
            )
            raise Stop(
                Outcome(
                    False,
                    f"stack {plan.stack} is deleted, but some of the clock is left: {'; '.join(left)}; {then}",
                    ExitStatus.FAILED,
                    self.done.status,
                )
            )

    # ---- endings ----------------------------------------------------------------------------

    def success(self, plan: steps.Plan) -> Outcome:
        name = plan.stack
        if plan.action == "destroy":
            checked = plan.find(steps.ConfirmGone)
            quiet = (
                f", no Tick data arrived for {format_duration(checked.settle_s)}"
                if checked and checked.settle_s > 0
                else ""
            )
            return Outcome(
                True,
                f"{name} destroyed: stack deleted, no alarms left{quiet} "
                "(CloudWatch keeps past Tick datapoints until they expire)",
                status=self.done.status,
            )
        did = DONE.get(plan.action, "deployed")
        first = clock_time(self.done.first_tick) if self.done.first_tick is not None else ""
        if self.done.first_tick is not None and self.done.first_tick_by:
            return Outcome(
                True,
                f"{name} is {did} and ticking (stack {self.done.status}; first tick at {first}: "
                f"{self.done.first_tick_by})",
                status=self.done.status,
                first_tick=self.done.first_tick,
            )
        if self.done.first_tick is not None:
            return Outcome(
                True,
                f"{name} is {did} and ticking (stack {self.done.status}; first tick seen at {first})",
                status=self.done.status,
                first_tick=self.done.first_tick,
            )
        if plan.action == "pause":
            return Outcome(
                True,
                f"{name} is paused (stack {self.done.status}); 'alarmclock resume {name}' restarts it",
                status=self.done.status,
            )
        return Outcome(
            True,
            f"{name} is {did} (stack {self.done.status}); not waiting for a tick: 'alarmclock status {name}' shows it",
            status=self.done.status,
        )

    def record(self, plan: steps.Plan, outcome: Outcome) -> dict[str, Any]:
        """The run as one JSON object (`--output json`): what was done, and where the stack is now."""
        # Described once more, for the final status and the stack's id (a pause or resume knows only its
        # name); best effort, as in `interrupted`: the outcome is what must reach the caller.
        try:
            stack = self.stacks.describe(self.done.stack_id or plan.stack)
        except Exception:
            stack = None
        status = stack.status if stack else outcome.status or self.done.status
        stack_id = stack.stack_id if stack else self.done.stack_id if self.done.stack_id.startswith("arn:") else ""
        if outcome.exit_code == ExitStatus.INTERRUPTED:
            result = "interrupted"
        elif not outcome.ok:
            result = "failed"
        elif plan.find(steps.LeaveChangeSet) is not None and self.done.change_set_id:
            result = "change set created"
        elif not self.done.executed:
            result = "nothing to do"
        elif plan.action == "deploy":
            result = "created" if self.done.change_set_type == "CREATE" else "updated"
        else:
            result = DONE[plan.action]
        record: dict[str, Any] = {
            "clock": plan.stack,
            "region": self.aws.region,
            "action": plan.action,
            "ok": outcome.ok,
            "result": result,
            "changed": self.done.executed,
            "stack_status": status or None,
            "stack_id": stack_id or None,
            "change_set": self.done.change_set_id or None,
            "first_tick": self.done.first_tick.isoformat() if self.done.first_tick else None,
            "first_tick_by": self.done.first_tick_by or None,
            "message": outcome.message,
            "exit_status": int(outcome.exit_code),
        }
        if plan.action == "restart":
            record["function_answer"] = self.done.restart_answer
        return record

    def interrupted(self, plan: steps.Plan) -> Outcome:
        name = plan.stack
        if self.done.change_set_id and not self.done.executed:
            try:
                self.discard_change_set()
                done = "removed the change set; nothing was changed"
            except Exception:  # best effort: the user already asked to stop
                done = "the change set was not executed; nothing was changed (delete it in the console if it is left)"
            return Outcome(False, f"interrupted: {done}", ExitStatus.INTERRUPTED)
        if not self.done.executed:
            return Outcome(False, "interrupted: nothing was changed", ExitStatus.INTERRUPTED)
        if plan.action == "restart":
            # A restart changes no stack: what matters is whether the function had answered.
            return Outcome(False, restart_interrupted_message(name, self.done.restart_answer), ExitStatus.INTERRUPTED)
        try:
            stack = self.stacks.describe(self.done.stack_id)
            status = stack.status if stack else "DELETE_COMPLETE"
        except Exception:
            status = "unknown"
        return Outcome(False, interrupted_message(name, plan.action, status), ExitStatus.INTERRUPTED, status)


# Each step's method: a new Step type gets its method here.
STEP_METHODS: dict[type[steps.Step], Callable[[Runner, Any, steps.Plan], None]] = {
    steps.CheckTargets: Runner.check_targets,
    steps.UploadTemplate: Runner.upload_template,
    steps.CreateChangeSet: Runner.create_change_set,
    steps.ReviewChangeSet: Runner.review,
    steps.ExecuteChangeSet: Runner.execute_change_set,
    steps.LeaveChangeSet: Runner.leave_change_set,
    steps.UpdateParameters: Runner.update_parameters,
    steps.InvokeRestart: Runner.invoke_restart,
    steps.DeleteStack: Runner.delete_stack,
    steps.WaitForStack: Runner.wait_for_stack,
    steps.WaitForTick: Runner.wait_for_tick,
    steps.ConfirmGone: Runner.confirm_gone,
}


def destroy_together(
    aws: Aws,
    progress: Progress,
    plans: list[steps.Plan],
    poll_s: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[tuple[Runner, Outcome]]:
    """Destroy several clocks side by side: every DeleteStack first (CloudFormation deletes them in
    parallel), then the wait for each, then one settle for all, so n clocks take one `--settle`, not n.
    Each clock ends with its own outcome; one that fails does not stop the others."""
    runs = [Runner(aws, progress, poll_s=poll_s, sleep=sleep) for _ in plans]
    outcomes: dict[int, Outcome] = {}
    try:
        for run, plan in zip(runs, plans, strict=True):
            run.done.started, run.done.stack_id = run.now(), plan.stack
        phases: list[Callable[[steps.Plan], steps.Step | None]] = [
            lambda plan: plan.find(steps.DeleteStack),
            lambda plan: plan.find(steps.WaitForStack),
        ]
        for phase in phases:
            for index, (run, plan) in enumerate(zip(runs, plans, strict=True)):
                step = phase(plan)
                if index in outcomes or step is None:
                    continue
                try:
                    run.do(step, plan)
                except Stop as stop:
                    outcomes[index] = stop.outcome
        checks = {
            index: (step, runs[index].gone_begin(step))
            for index, plan in enumerate(plans)
            if index not in outcomes and (step := plan.find(steps.ConfirmGone)) is not None
        }
        settle = max((step.settle_s for step, _ in checks.values()), default=0.0)
        if settle > 0:
            progress.say(f"checking for {format_duration(settle)} that nothing of the {len(checks)} clocks is left")
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            sleep(poll_s)
        for index, (step, begun) in checks.items():
            try:
                runs[index].gone_end(step, plans[index], begun)
            except Stop as stop:
                outcomes[index] = stop.outcome
    except KeyboardInterrupt:
        for index, (run, plan) in enumerate(zip(runs, plans, strict=True)):
            outcomes.setdefault(index, run.interrupted(plan))
    return [
        (run, outcomes[index] if index in outcomes else run.success(plan))
        for index, (run, plan) in enumerate(zip(runs, plans, strict=True))
    ]


# What each command that may wait for a tick has done, in its last line and its JSON.
DONE = {"deploy": "deployed", "pause": "paused", "resume": "resumed", "restart": "restarted", "destroy": "destroyed"}


def restarted(name: str, invocation: Invocation) -> str:
    """What the clock's function said it did when asked to restart, in one line; a Stop if it did not."""
    answer = invocation.answer
    if invocation.error is not None:
        why = f"{answer.get('errorType', invocation.error)}: {answer.get('errorMessage', '')}".rstrip(": ")
        if "errorType" not in answer and "errorMessage" not in answer and "raw" in answer:
            # Not Lambda's error document: the function's own answer is the reason (the JSON has it whole).
            raw = " ".join(str(answer["raw"]).split())
            why = f"{invocation.error}: {raw[:200] + '...' if len(raw) > 200 else raw}" if raw else why
        raise Stop(Outcome(False, f"{name}'s function failed to restart it ({why})", ExitStatus.FAILED))
    action = answer.get("action")
    if action == "wave":
        return f"laid the wave again: {answer.get('values')} values, up to {answer.get('until')}"
    if action == "restart" and answer.get("kicked"):
        replay = answer.get("replay")
        replaying = f", replaying the tick of {datetime.fromtimestamp(replay, UTC):%H:%M:%S} UTC" if replay else ""
        return f"kicked {answer['kicked']} into {answer.get('state')}{replaying}"
    if action == "ignored" and answer.get("reason") == "unknown event shape":
        # A handler older than the restart event answers it as an unknown event; a deploy brings it up to date.
        raise Stop(
            Outcome(
                False,
                f"{name}'s function predates 'alarmclock restart' and ignored it; "
                f"'alarmclock deploy {name}' brings it up to date",
                ExitStatus.FAILED,
            )
        )
    why = answer.get("reason") or answer.get("skipped") or json_text(answer)
    raise Stop(Outcome(False, f"{name}'s function did not restart it: {why}", ExitStatus.FAILED))


def json_text(value: Any) -> str:
    return json.dumps(value, default=str)


# A restart replays a state change up to this many periods old, with that change's stamp
# (handler.choose_kick); a new value is stamped at most a period (less a second) after its change
# (handler.next_stamp). A window for "the ticks since T" must reach from that far before T to a
# period past now, or a replayed or future-stamped tick would be missed.
REPLAY_PERIODS = 2


def tick_window(since: datetime, now: datetime, period_s: int) -> tuple[datetime, datetime]:
    """(StartTime, EndTime) of a Tick query that holds every value published since `since`."""
    period = timedelta(seconds=period_s)
    return period_start(since - (REPLAY_PERIODS + 1) * period, period_s), now + period


def wave_window(now: datetime, period_s: int) -> tuple[datetime, datetime]:
    """(StartTime, EndTime) of a Tick query that holds every value of a wave clock laid at `now` or
    later (a wave starts with the period before now's; a period more for clock skew) up to two hours
    ahead. Kept fixed while destroy watches: values laid before the delete count the same at the
    start and at the end, and each value laid again (a heartbeat that still runs) adds a sample."""
    period = timedelta(seconds=period_s)
    return period_start(now - 2 * period, period_s), now + WAVE_AHEAD + period


def restart_interrupted_message(name: str, answer: dict[str, Any] | None) -> str:
    """What Ctrl-C during a restart left behind: the Invoke is synchronous, so before its answer
    the function may or may not have kicked the clock; after it, only the wait was cut short."""
    if answer is None:
        return (
            f"interrupted while invoking {name}'s function: the restart may or may not have happened; "
            f"see 'alarmclock status {name}'"
        )
    return f"interrupted while waiting for the next tick after the restart; see 'alarmclock status {name}'"


def interrupted_message(name: str, action: str, status: str) -> str:
    """What Ctrl-C left behind, and what to do: CloudFormation carries on without us."""
    if is_in_progress(status):
        return (
            f"interrupted: stack {name} is {status}; CloudFormation carries on without alarmclock. "
            f"Follow it with 'alarmclock status {name}'"
        )
    if status in SUCCEEDED:
        if action in ("deploy", "resume"):
            return (
                f"interrupted while waiting for the first tick: stack {name} is {status}; "
                f"see 'alarmclock status {name}'"
            )
        return f"interrupted: stack {name} is {status}; the {action} is done"
    if status == "DELETE_COMPLETE":
        return f"interrupted: stack {name} is DELETE_COMPLETE; the clock is gone"
    if status in FAILED:
        return f"interrupted: stack {name} is {status}; {stack_advice(name, status) or 'see alarmclock status ' + name}"
    return f"interrupted: stack {name} is {status}; see 'alarmclock status {name}'"
