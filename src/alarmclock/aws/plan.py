"""What `deploy`, `pause`, `resume`, `restart` and `destroy` would do: a list of steps, decided without AWS.

A plan is built from plain models (the spec, and what is deployed now) and says exactly
which CloudFormation calls `execute` will make, so tests read it without a server.
Refusals (a stack that is not a clock, a stack CloudFormation cannot update) are
`PlanError`s whose one-line message says what to do.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from alarmclock import __version__
from alarmclock.aws import DEFAULT_SETTLE_S
from alarmclock.aws.models import (
    FAILED,
    VERSION_TAG,
    Change,
    ClockMetadata,
    ClockNames,
    Deployed,
    StackInfo,
    is_in_progress,
    stack_advice,
)
from alarmclock.aws.steps import (
    CheckTargets,
    ConfirmGone,
    CreateChangeSet,
    DeleteStack,
    ExecuteChangeSet,
    InvokeRestart,
    LeaveChangeSet,
    Parameter,
    Plan,
    ReviewChangeSet,
    Step,
    UpdateParameters,
    UploadTemplate,
    WaitForStack,
    WaitForTick,
)
from alarmclock.limits import MAX_INLINE_TEMPLATE_BYTES, MAX_S3_TEMPLATE_BYTES, LimitError, check_template_body
from alarmclock.render import deploy_body
from alarmclock.spec import ClockSpec, can_publish
from alarmclock.template import PAUSED_PARAMETER, TARGET_PARAMETER, build_template


class PlanError(Exception):
    """A refusal: one line that says what is wrong and what to do."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


# How long after the run's stack operation a wave clock's first tick may come, on top of a period
# when its alarm already had data: an evaluation cycle (60 s; 10 s below a minute) until the
# alarm's next evaluation, and a minute for an evaluation that comes late and for the poll.
WAVE_TICK_MARGIN_S = 120.0


def default_tick_timeout(period_s: int, publish: str = "api", creating: bool = False) -> float:
    """How long deploy and resume wait for the first tick.

    api and logs: the Starter kicks the loop before the stack completes; allow two periods plus
    CloudWatch's ingestion delay before calling the clock silent. wave: the tick is the tick alarm's
    own state change. A new clock's alarm leaves INSUFFICIENT_DATA at its next evaluation, within a
    cycle of the Starter laying the wave; an existing one (a resume, an update) changes state only
    where the wave does, at the next period boundary, up to a period after the stack operation."""
    if publish == "wave":
        return (0 if creating else period_s) + WAVE_TICK_MARGIN_S
    return 2 * period_s + 120.0


def change_set_name(now: datetime) -> str:
    """Unique per deploy: the second and a random part, so two deploys of one clock in the same
    second never share (and overwrite) a change set. ChangeSetName: a letter, then letters, digits
    and hyphens, at most 128."""
    return f"alarmclock-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def body_to_send(template: dict[str, Any], from_s3: bool = False) -> str:
    """The body `deploy` sends, refused before any change if CloudFormation would refuse it: inline, or
    (`from_s3`) uploaded for `deploy --s3-bucket`, which takes up to 1 MB."""
    body = deploy_body(template)
    try:
        check_template_body(body, "compact JSON", MAX_S3_TEMPLATE_BYTES if from_s3 else MAX_INLINE_TEMPLATE_BYTES)
    except LimitError as error:
        # (From S3 it cannot happen: the function's 4 KB environment keeps every clock far smaller.)
        s3 = (
            ""
            if from_s3
            else "pass --s3-bucket BUCKET (a bucket of yours in the clock's region) to deploy it from S3, or "
        )
        raise PlanError(f"{error}: {s3}give fewer or shorter targets, or a smaller payload", 2) from None
    return body


def template_key(stack: str, change_set: str) -> str:
    """The uploaded template's key: one object per deploy, named by its stack and change set (unique
    per deploy), so two deploys never overwrite each other's, and a user listing the bucket sees whose it is."""
    return f"alarmclock/{stack}/{change_set}.json"


# ---- plans --------------------------------------------------------------------------------------


def plan_deploy(
    name: str,
    spec: ClockSpec,
    current: Deployed | None,
    *,
    change_set_name: str,
    yes: bool = False,
    wait: bool = True,
    tick_timeout_s: float | None = None,
    tags: Mapping[str, str] | None = None,
    role_arn: str | None = None,
    execute: bool = True,
    s3_bucket: str | None = None,
) -> Plan:
    """`tags` are added to the stack's own (CloudFormation passes stack tags on to the resources
    that take tags); `execute` False creates and shows the change set and stops there; `s3_bucket`:
    CloudFormation reads the template from there (up to 1 MB, where inline takes 51,200 bytes)."""
    creating = current is None or current.stack.status == "REVIEW_IN_PROGRESS"
    if current is not None:
        if not current.is_clock and current.stack.status != "REVIEW_IN_PROGRESS":
            raise PlanError(not_a_clock(current.stack))
        check_state(current, "deploy")
    template = build_template(spec)
    deployed_params = {} if creating or current is None else current.stack.parameters
    parameters = []
    for key in template.get("Parameters", {}):
        if key in deployed_params:
            parameters.append(Parameter(key))  # keep it: a paused clock stays paused
        elif key == PAUSED_PARAMETER:
            parameters.append(Parameter(key, "false"))
        elif key == TARGET_PARAMETER:
            raise PlanError("a new clock needs at least one --target (the ARN to call on every tick)", 2)
        else:  # pragma: no cover - the template has no other parameters
            raise PlanError(f"no value for template parameter {key}")
    stack_tags = {} if creating or current is None else dict(current.stack.tags)
    stack_tags |= dict(tags or {})
    stack_tags[VERSION_TAG] = __version__
    paused = current is not None and not creating and current.stack.paused
    steps: list[Step] = []
    if spec.targets:
        steps.append(CheckTargets(tuple(t.arn for t in spec.targets)))
    body = body_to_send(template, from_s3=s3_bucket is not None)
    if s3_bucket:
        steps.append(UploadTemplate(s3_bucket, template_key(name, change_set_name), body))
    steps += [
        CreateChangeSet(
            stack=name,
            name=change_set_name,
            change_set_type="CREATE" if creating else "UPDATE",
            template_body=body,
            parameters=tuple(parameters),
            tags=tuple(sorted(stack_tags.items())),
            role_arn=role_arn,
            from_s3=s3_bucket is not None,
        ),
    ]
    if not execute:
        steps += [ReviewChangeSet(ask_before_destroying=False), LeaveChangeSet()]
        return Plan("deploy", name, tuple(steps))
    steps += [
        ReviewChangeSet(ask_before_destroying=not yes),
        ExecuteChangeSet()
        if creating or current is None
        else ExecuteChangeSet(current.stack.status, current.stack.last_change),
        WaitForStack(frozenset({"CREATE_COMPLETE"}) if creating else frozenset({"UPDATE_COMPLETE"})),
    ]
    notes = []
    if paused:
        notes.append(f"{name} is paused and stays paused ('alarmclock resume {name}' starts it)")
    elif wait:
        timeout = tick_timeout_s
        if timeout is None:
            timeout = default_tick_timeout(spec.period_s, spec.publish, creating)
        steps.append(WaitForTick(ClockNames.of(name, spec.alarms, spec.publish, spec.period_s), spec.period_s, timeout))
    return Plan("deploy", name, tuple(steps), tuple(notes))


def plan_set_paused(current: Deployed, paused: bool, *, wait: bool = True, tick_timeout_s: float | None = None) -> Plan:
    action = "pause" if paused else "resume"
    stack = current.stack
    if not current.is_clock:
        raise PlanError(not_a_clock(stack))
    check_state(current, action)
    if stack.paused == paused:
        return Plan(action, stack.name, (), (f"{stack.name} is {'already paused' if paused else 'not paused'}",))
    parameters = [Parameter(PAUSED_PARAMETER, "true" if paused else "false")]
    parameters += [Parameter(key) for key in sorted(stack.parameters) if key != PAUSED_PARAMETER]
    steps: list[Step] = [UpdateParameters(stack.name, tuple(parameters)), WaitForStack(frozenset({"UPDATE_COMPLETE"}))]
    if not paused and wait:
        period, publish = period_and_publish(current)
        timeout = tick_timeout_s if tick_timeout_s is not None else default_tick_timeout(period, publish)
        steps.append(WaitForTick(current.names, period, timeout))
    return Plan(action, stack.name, tuple(steps))


def plan_restart(
    current: Deployed,
    function_name: str | None,
    *,
    wait: bool = True,
    tick_timeout_s: float | None = None,
    design: str | None = None,
) -> Plan:
    """Kick a running clock on purpose: its function, invoked with a restart, lays a wave clock's
    wave again or kicks an api or logs clock's loop (handler.handle_restart). The stack is not
    touched, so nothing of the clock's settings can change. A paused clock is refused: resume is
    what starts it (and turns its alarms' actions back on)."""
    stack = current.stack
    if not current.is_clock:
        raise PlanError(not_a_clock(stack))
    check_state(current, "restart")
    if stack.paused:
        raise PlanError(f"{stack.name} is paused; 'alarmclock resume {stack.name}' starts it")
    if function_name is None:
        raise PlanError(
            f"stack {stack.name!r} has no TickFunction to restart it; 'alarmclock deploy {stack.name}' restores it"
        )
    if design is not None and (current.metadata is None or current.metadata.spec.publish != "wave"):
        raise PlanError(
            f"--design switches a wave clock's alarms; {stack.name} publishes "
            f"{current.metadata.spec.publish if current.metadata else 'in an unknown way'}: "
            f"'alarmclock deploy {stack.name} --publish {design}' changes it"
        )
    steps: list[Step] = [InvokeRestart(function_name, design)]
    if wait:
        period, publish = period_and_publish(current)
        timeout = tick_timeout_s if tick_timeout_s is not None else default_tick_timeout(period, publish)
        steps.append(WaitForTick(current.names, period, timeout))
    return Plan("restart", stack.name, tuple(steps))


def plan_destroy(current: Deployed, *, function_name: str | None = None, settle_s: float = DEFAULT_SETTLE_S) -> Plan:
    stack = current.stack
    if not current.is_clock and stack.status != "REVIEW_IN_PROGRESS":
        raise PlanError(not_a_clock(stack))
    check_state(current, "destroy")
    steps: tuple[Step, ...] = (
        DeleteStack(stack.stack_id),
        WaitForStack(frozenset({"DELETE_COMPLETE"})),
        ConfirmGone(current.names, function_name, settle_s, period_and_publish(current)[0]),
    )
    return Plan("destroy", stack.name, steps)


def period_and_publish(current: Deployed) -> tuple[int, str]:
    """The clock's period and way of publishing; a stack whose template says neither: 60 s, api."""
    if current.metadata is None:
        return 60, "api"
    return current.metadata.spec.period_s, current.metadata.spec.publish


# ---- refusals -----------------------------------------------------------------------------------


def not_a_clock(stack: StackInfo) -> str:
    return (
        f"stack {stack.name!r} is not an alarmclock clock (its template has no alarmclock metadata); "
        "alarmclock leaves it alone"
    )


def check_state(current: Deployed, action: str) -> None:
    """Refuse, with what to do, when CloudFormation cannot do `action` to the stack now."""
    stack = current.stack
    name, status = stack.name, stack.status
    why = f" ({current.failure})" if current.failure else ""
    if status == "REVIEW_IN_PROGRESS":
        if action in ("deploy", "destroy"):
            return
        raise PlanError(f"clock {name!r} was never deployed (REVIEW_IN_PROGRESS); run 'alarmclock deploy {name}'")
    if is_in_progress(status):
        raise PlanError(
            f"stack {name!r} is busy ({status}); wait for it to finish ('alarmclock status {name}') and try again"
        )
    if action == "destroy":
        return  # every settled state can be deleted (DELETE_FAILED: try again)
    advice = stack_advice(name, status)
    if status == "ROLLBACK_COMPLETE":
        raise PlanError(
            f"stack {name!r} is ROLLBACK_COMPLETE: its first deploy failed{why} and CloudFormation cannot update it; "
            + advice
        )
    if status in ("ROLLBACK_FAILED", "CREATE_FAILED"):
        raise PlanError(f"stack {name!r} is {status}: its first deploy failed{why} and so did the clean-up; {advice}")
    if status == "DELETE_FAILED":
        raise PlanError(f"stack {name!r} is DELETE_FAILED: an earlier destroy could not finish{why}; {advice}")
    if status == "UPDATE_ROLLBACK_FAILED":
        raise PlanError(f"stack {name!r} is UPDATE_ROLLBACK_FAILED{why}; {advice}")
    if status in FAILED - {"UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}:
        raise PlanError(f"stack {name!r} is {status}{why}; CloudFormation cannot {action} it now")


def destructive_changes(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.destructive]


def clock_to_deploy(name: str, given: Mapping[str, Any], deployed: ClockMetadata | None) -> ClockSpec:
    """The clock `deploy` sends: a new one from the options given (ClockSpec's fields, read by
    spec.read_options) and defaults, or the deployed one with those given replaced, so that
    `deploy NAME --every 5m` changes only the period. Either way ClockSpec checks the result.

    A clock keeps its design (one alarm, or the 2016 recipe's pair), via, targets, payload and failure
    alarm unless given. New targets bring their own keys (they may be unencrypted). A new period
    gets its default window unless --window is given (a wall-clock window may not hold it, and
    sliding cannot hold 1440m), and keeps the way of publishing unless --publish is given or the
    period cannot hold it: then the period's default. A clock from before --publish (an api clock)
    gets its period's default too."""
    if deployed is None:
        return ClockSpec(name=name, **given)
    spec, changes = deployed.spec, dict(given)
    if not deployed.targets_read and "targets" not in changes:
        raise PlanError(
            f"clock {name!r} has no function to read its targets and payload from; give them (--target, --payload)", 2
        )
    new_period = changes.get("period_s", spec.period_s) != spec.period_s
    if new_period:
        changes.setdefault("window", None)
    if "publish" not in changes and (
        not deployed.publish_chosen or (new_period and not can_publish(changes["period_s"], spec.publish))
    ):
        changes["publish"] = None
    if "targets" in changes:
        changes.setdefault("target_keys", ())
    if "period_s" not in changes:
        changes["period_text"] = None  # a refusal shows the deployed period as a duration
    return replace(spec, name=name, **changes)
