"""Plain, immutable descriptions of what AWS returned; built from API answers, never calling AWS."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from alarmclock import template
from alarmclock.readback import environment_fields, metadata_fields
from alarmclock.spec import ClockSpec
from alarmclock.template import ALARM_PREFIX, METRIC_NAME, NAMESPACE, PAUSED_PARAMETER, WAVE_DIMENSION

VERSION_TAG = "alarmclock:version"
# Every clock's template has these outputs; the 2016 recipe's two-alarm design also has Alarm0.
CLOCK_OUTPUTS = frozenset({"ClockName", "MetricNamespace", "Alarm1"})

# A wave clock's values reach this far ahead (handler.WAVE_AHEAD_S: a minute under PutMetricData's
# two hours), so a query for all of them ends there.
WAVE_AHEAD = timedelta(hours=2)

# Stack states, as CloudFormation names them.
SUCCEEDED = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
FAILED = frozenset(
    {
        "CREATE_FAILED",
        "ROLLBACK_COMPLETE",
        "ROLLBACK_FAILED",
        "DELETE_FAILED",
        "UPDATE_FAILED",
        "UPDATE_ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
        "IMPORT_ROLLBACK_FAILED",
    }
)
# After these the stack still works: the failed update was undone.
ROLLED_BACK_TO_WORKING = frozenset({"UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"})
# CloudFormation's wording when a change set or update would change nothing.
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CANCELLED = ("Resource creation cancelled", "Resource update cancelled")


def is_in_progress(status: str) -> bool:
    return status.endswith("_IN_PROGRESS")


def period_start(moment: datetime, period_s: int) -> datetime:
    """The start of the period `moment` falls in. CloudWatch aligns periods to the epoch and
    stamps a datapoint with its period's start (moto stamps it with its first value's time)."""
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % period_s, UTC)


@dataclass(frozen=True)
class ClockNames:
    """The names a clock's template derives from its stack name (template.py), and its metric's
    dimensions, which follow from how it publishes and its period."""

    stack: str
    tick_alarms: int = 1  # 1, or 2 for the 2016 recipe's pair
    # A wave clock's metric carries one dimension, Wave = "<period>s" (template.metric_dimensions);
    # None: the metric has none (api and logs clocks, and every clock from before the wave).
    wave: str | None = None

    @classmethod
    def of(cls, stack: str, tick_alarms: int, publish: str | None, period_s: int) -> ClockNames:
        """The names of a clock that publishes with `publish` (None: before --publish, so api)."""
        return cls(stack, tick_alarms, f"{period_s}s" if publish == "wave" else None)

    @property
    def is_wave(self) -> bool:
        return self.wave is not None

    @property
    def dimensions(self) -> list[dict[str, str]]:
        """The Tick metric's Dimensions, as GetMetricStatistics takes them."""
        return [{"Name": WAVE_DIMENSION, "Value": self.wave}] if self.wave is not None else []

    @property
    def namespace(self) -> str:
        return NAMESPACE.replace("${AWS::StackName}", self.stack)

    @property
    def metric(self) -> str:
        return METRIC_NAME

    @property
    def alarms(self) -> tuple[str, ...]:
        """The tick alarms: <prefix>1 alone, or the 2016 recipe's pair <prefix>0 and <prefix>1."""
        prefix = ALARM_PREFIX.replace("${AWS::StackName}", self.stack)
        return (prefix + "1",) if self.tick_alarms == 1 else (prefix + "0", prefix + "1")

    @property
    def watchdog(self) -> str | None:
        """The self-healing alarm, which clocks from templates without one do not have."""
        pattern = getattr(template, "WATCHDOG_NAME", None)
        return pattern.replace("${AWS::StackName}", self.stack) if isinstance(pattern, str) else None

    @property
    def all_alarms(self) -> tuple[str, ...]:
        return self.alarms + ((self.watchdog,) if self.watchdog else ())


@dataclass(frozen=True)
class ClockMetadata:
    """A deployed clock read back (readback.py): the version that deployed it, and its spec."""

    version: str
    spec: ClockSpec
    # False: deployed before --publish existed, so it publishes with PutMetricData on each tick; an
    # update that keeps its way of publishing gives it its period's default instead.
    publish_chosen: bool = True
    # False: its function's environment was not read (`list` does not), so the spec has no targets,
    # keys or payload, whatever the clock has.
    targets_read: bool = True

    @classmethod
    def from_template_metadata(
        cls,
        metadata: Any,
        name: str | None = None,
        environment: Mapping[str, Any] | None = None,
        target_parameter: bool = False,
    ) -> ClockMetadata | None:
        """The clock `name` from its template's Metadata (GetTemplateSummary's) and, if read, its
        function's environment; None if the template holds no clock alarmclock can read back.
        `target_parameter`: the stack takes its target as the TargetFunctionArn parameter, which
        the environment shows resolved; the clock's spec has no targets of its own."""
        block = parse_metadata(metadata).get("alarmclock")
        if not isinstance(block, dict):
            return None
        try:
            fields = metadata_fields(block)
            if environment is not None:
                fields |= environment_fields(environment, settings=False)
            if target_parameter:
                fields["targets"] = ()
            read = "targets" in fields
            if not read:  # without its targets a clock takes no keys (ClockSpec refuses them)
                fields["target_keys"] = ()
            spec = ClockSpec(name=name, **fields)
        except (KeyError, TypeError, ValueError):
            return None
        return cls(str(block.get("version", "?")), spec, publish_chosen=bool(block.get("publish")), targets_read=read)


def parse_metadata(metadata: Any) -> dict[str, Any]:
    """GetTemplateSummary's Metadata: a JSON string from AWS (moto sends a Python repr)."""
    if isinstance(metadata, dict):
        return metadata
    if not isinstance(metadata, str) or not metadata.strip():
        return {}
    try:
        parsed = json.loads(metadata)
    except ValueError:
        try:
            parsed = ast.literal_eval(metadata)  # moto 5 writes str(dict); literal_eval runs no code
        except (ValueError, SyntaxError):
            return {}
    return parsed if isinstance(parsed, dict) else {}


@dataclass(frozen=True)
class StackInfo:
    name: str
    stack_id: str
    status: str
    status_reason: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    description: str = ""
    created: datetime | None = None
    updated: datetime | None = None

    @classmethod
    def from_api(cls, stack: dict[str, Any]) -> StackInfo:
        return cls(
            name=stack["StackName"],
            stack_id=stack["StackId"],
            status=stack["StackStatus"],
            status_reason=stack.get("StackStatusReason") or "",
            parameters={p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters") or ()},
            tags={t["Key"]: t["Value"] for t in stack.get("Tags") or ()},
            outputs={o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs") or ()},
            description=stack.get("Description") or "",
            created=stack.get("CreationTime"),
            updated=stack.get("LastUpdatedTime"),
        )

    @property
    def paused(self) -> bool:
        return self.parameters.get(PAUSED_PARAMETER, "false").lower() == "true"

    @property
    def looks_like_clock(self) -> bool:
        """Cheap test from DescribeStacks alone: our tag, or a clock template's outputs."""
        return VERSION_TAG in self.tags or set(self.outputs) >= CLOCK_OUTPUTS

    @property
    def names(self) -> ClockNames:
        # The template's outputs name its tick alarms; Alarm0 exists only for the 2016 recipe's pair.
        return ClockNames(self.name, 2 if "Alarm0" in self.outputs else 1)

    @property
    def last_change(self) -> datetime | None:
        return self.updated or self.created


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""

    @classmethod
    def from_api(cls, event: dict[str, Any]) -> StackEvent:
        return cls(
            event_id=event["EventId"],
            timestamp=event["Timestamp"],
            logical_id=event.get("LogicalResourceId", ""),
            resource_type=event.get("ResourceType", ""),
            status=event.get("ResourceStatus", ""),
            reason=event.get("ResourceStatusReason") or "",
        )

    @property
    def is_stack(self) -> bool:
        return self.resource_type == "AWS::CloudFormation::Stack"

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")


@dataclass(frozen=True)
class Change:
    """One row of a change set: what CloudFormation will do to one resource."""

    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True | False | Conditional ("" when not reported)

    @classmethod
    def from_api(cls, change: dict[str, Any]) -> Change:
        resource = change.get("ResourceChange") or {}
        return cls(
            action=resource.get("Action", ""),
            logical_id=resource.get("LogicalResourceId", ""),
            resource_type=resource.get("ResourceType", ""),
            replacement=resource.get("Replacement") or "",
        )

    @property
    def destructive(self) -> bool:
        """Deletes something, or may: a removal, or a replacement (new physical resource)."""
        return self.action == "Remove" or self.replacement in ("True", "Conditional")


@dataclass(frozen=True)
class AlarmInfo:
    name: str
    state: str
    actions_enabled: bool
    state_updated: datetime | None = None
    reason: str = ""
    period_s: int | None = None
    # When StateValue last changed (a wave clock's tick), and when the alarm's configuration last
    # changed (created, or updated by CloudFormation: a resume turns its actions back on).
    state_changed: datetime | None = None
    configured: datetime | None = None
    # A wave clock that switched itself to the documented design says so here (handler.SWITCH_MARK).
    description: str = ""

    @classmethod
    def from_api(cls, alarm: dict[str, Any]) -> AlarmInfo:
        return cls(
            name=alarm["AlarmName"],
            state=alarm.get("StateValue", "INSUFFICIENT_DATA"),
            actions_enabled=bool(alarm.get("ActionsEnabled", True)),
            state_updated=alarm.get("StateUpdatedTimestamp"),
            reason=alarm.get("StateReason") or "",
            period_s=alarm.get("Period"),
            # StateUpdatedTimestamp also moves when only the EvaluationState does, so it is the
            # stand-in only for an endpoint that does not answer StateTransitionedTimestamp.
            state_changed=alarm.get("StateTransitionedTimestamp") or alarm.get("StateUpdatedTimestamp"),
            configured=alarm.get("AlarmConfigurationUpdatedTimestamp"),
            description=alarm.get("AlarmDescription") or "",
        )


@dataclass(frozen=True)
class Datapoint:
    """One period of the Tick metric: when, how many values were published, and which."""

    timestamp: datetime
    samples: int
    minimum: float
    maximum: float
    average: float

    @classmethod
    def from_api(cls, point: dict[str, Any]) -> Datapoint:
        return cls(
            timestamp=point["Timestamp"],
            samples=int(point.get("SampleCount", 0)),
            minimum=float(point.get("Minimum", 0.0)),
            maximum=float(point.get("Maximum", 0.0)),
            average=float(point.get("Average", 0.0)),
        )


# ---- a stack's state, read -------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployed:
    """What is in the account now under the clock's name."""

    stack: StackInfo
    metadata: ClockMetadata | None = None
    failure: str = ""  # the root cause of the last failed operation, if any

    @property
    def is_clock(self) -> bool:
        """Its template has alarmclock's metadata (every clock's template has had it). Outputs named
        like a clock's, or the tag, are how `list` finds candidates cheaply, never enough to act on."""
        return self.metadata is not None

    @property
    def names(self) -> ClockNames:
        """The clock's names. How many tick alarms it has is in its template's metadata (every
        clock's template has it: `alarms`, or none before the one-alarm design, when every clock
        had the pair); the stack's outputs say it too, but only once a create has finished. How it
        publishes (and so its metric's dimensions) is only in the metadata: a clock without it is
        from before --publish, an api clock."""
        if self.metadata is not None:
            spec = self.metadata.spec
            return ClockNames.of(self.stack.name, spec.alarms, spec.publish, spec.period_s)
        return self.stack.names


def root_cause(events: list[StackEvent]) -> str:
    """The first resource failure of the latest operation ("TickRole: ..."), for one-line errors.

    `events` is newest first, as DescribeStackEvents returns them. Later failures are
    usually CloudFormation cancelling the rest ("Resource creation cancelled"); skip those.
    """
    latest: list[StackEvent] = []
    for event in events:
        latest.append(event)
        if event.is_stack and event.status in ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"):
            break
    failures = [e for e in reversed(latest) if e.failed and not e.is_stack and e.reason]
    real = [e for e in failures if not any(c in e.reason for c in CANCELLED)]
    chosen = (real or failures)[:1]
    if chosen:
        return f"{chosen[0].logical_id}: {chosen[0].reason}"
    stack_failures = [e for e in reversed(latest) if e.is_stack and e.reason and e.status != "CREATE_IN_PROGRESS"]
    stack_failures = [e for e in stack_failures if e.status in FAILED or "ROLLBACK" in e.status]
    return stack_failures[0].reason if stack_failures else ""


def is_no_change(reason: str) -> bool:
    return any(text in reason for text in NO_CHANGES)


def stack_advice(name: str, status: str) -> str:
    """What to do about a stack in a failed or stuck state (empty if nothing needs doing): the one
    wording of deploy's refusals, a failed operation, an interrupted one, and status's verdict."""
    if status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"):
        return f"run 'alarmclock destroy {name}', then deploy again"
    if status == "DELETE_FAILED":
        return f"fix what blocked the delete, then run 'alarmclock destroy {name}' again"
    if status == "UPDATE_ROLLBACK_COMPLETE":
        return "the clock was rolled back to its previous version and still runs"
    if status == "UPDATE_ROLLBACK_FAILED":
        return f"run 'aws cloudformation continue-update-rollback --stack-name {name}', then try again"
    if status in FAILED:
        return f"run 'alarmclock destroy {name}', then deploy again"
    return ""
