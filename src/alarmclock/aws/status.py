"""Find a clock by name, and gather what `status` shows about it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from alarmclock.aws.metrics import Metrics
from alarmclock.aws.models import (
    WAVE_AHEAD,
    AlarmInfo,
    ClockMetadata,
    ClockNames,
    Datapoint,
    Deployed,
    StackInfo,
    period_start,
)
from alarmclock.aws.plan import PlanError, not_a_clock
from alarmclock.aws.session import Aws
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.verdict import STALLED_AFTER_PERIODS, Verdict, beat, judge

WINDOW = timedelta(hours=1)
DEFAULT_PERIOD_S = 60


def find_clock(stacks: Stacks, name: str, region: str, read_function: bool = False) -> Deployed:
    """The clock `name`, or a PlanError that says there is none (or that it is no clock);
    `read_function`: with its targets and payload (Stacks.metadata)."""
    deployed = stacks.deployed(name, read_function)
    if deployed is None:
        raise PlanError(f"no stack named {name!r} in {region} ('alarmclock list' shows the clocks there)")
    if not deployed.is_clock and deployed.stack.status != "REVIEW_IN_PROGRESS":
        raise PlanError(not_a_clock(deployed.stack))
    return deployed


@dataclass(frozen=True)
class ClockStatus:
    region: str
    stack: StackInfo
    metadata: ClockMetadata | None
    period_s: int
    alarms: dict[str, AlarmInfo]
    datapoints: list[Datapoint]
    start: datetime
    now: datetime
    verdict: Verdict
    names: ClockNames
    failure: str = ""
    last_ticks: list[Datapoint] = field(default_factory=list)
    # A wave clock's latest laid value: the start of its period (None: nothing laid, or not a wave).
    laid_until: datetime | None = None
    # Deliveries the function counted as failed in the last hour (None: not read).
    failed_deliveries: int | None = None

    @property
    def design(self) -> tuple[str, str]:
        """(the design the clock's alarms run now, why): as deployed, or the documented design a wave
        clock switched itself to (its tick alarm's description says when and why)."""
        from alarmclock.handler import SWITCH_MARK

        deployed = self.metadata.spec.publish if self.metadata else "unknown"
        for name in self.names.alarms:
            info = self.alarms.get(name)
            if info is not None and info.description.startswith(SWITCH_MARK):
                return "now", "switched by the clock itself: " + info.description[len(SWITCH_MARK) :]
        return deployed, "as deployed"

    @property
    def end(self) -> datetime:
        """Where the beat ends: now, or the newest value's period if that is later. On a sliding
        window each value is stamped just before the end of the next period (handler.next_stamp),
        so the latest tick's datapoint may be in the period after the current one. A wave clock's
        beat ends with the last period that has ended: the values after it are only laid ahead."""
        if self.names.is_wave:
            return self.now - timedelta(seconds=self.period_s)
        latest = self.datapoints[-1].timestamp if self.datapoints else self.now
        return max(self.now, latest)

    @property
    def laid_ahead(self) -> timedelta | None:
        """How far past now the wave is laid: to the end of the latest laid value's period."""
        if self.laid_until is None:
            return None
        return self.laid_until + timedelta(seconds=self.period_s) - self.now

    @property
    def beat(self) -> str:
        return beat(self.datapoints, self.period_s, self.start, self.end)

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        stack = self.stack
        return {
            "clock": stack.name,
            "region": self.region,
            "verdict": self.verdict.kind,
            "reason": self.verdict.reason,
            "since": iso(self.verdict.since),
            "warnings": list(self.verdict.warnings),
            "stack": {
                "id": stack.stack_id,
                "status": stack.status,
                "status_reason": stack.status_reason or None,
                "failure": self.failure or None,
                "paused": stack.paused,
                "last_change": iso(stack.last_change),
            },
            "design": {"running": self.design[0], "why": self.design[1]},
            "settings": None
            if self.metadata is None
            else {
                "period_s": self.metadata.spec.period_s,
                "via": self.metadata.spec.via,
                "alarms": len(self.names.alarms),
                "window": self.metadata.spec.window,
                "publish": self.metadata.spec.publish,
                # None: not read (`list` asks no function; `status` does)
                "targets": [t.arn for t in self.metadata.spec.targets] if self.metadata.targets_read else None,
                "version": self.metadata.version,
            },
            "alarms": [
                {
                    "name": alarm,
                    "exists": alarm in self.alarms,
                    "state": self.alarms[alarm].state if alarm in self.alarms else None,
                    "actions_enabled": self.alarms[alarm].actions_enabled if alarm in self.alarms else None,
                    "state_since": iso(self.alarms[alarm].state_updated) if alarm in self.alarms else None,
                }
                for alarm in self.names.all_alarms
                if alarm in self.names.alarms or alarm in self.alarms
            ],
            "last_ticks": [
                {
                    "period_start": iso(period_start(p.timestamp, self.period_s)),
                    "value": p.maximum if p.minimum == p.maximum else p.average,
                    "samples": p.samples,
                }
                for p in self.last_ticks
            ],
            "beat": {
                "from": iso(self.start),
                "to": iso(self.end),
                "period_s": self.period_s,
                "pattern": self.beat,
                "legend": "1/0: value laid in that period (ended periods only), ~: both, .: nothing"
                if self.names.is_wave
                else "1/0: value published in that period, ~: both, .: nothing",
            },
            "failed_deliveries_last_hour": self.failed_deliveries,
            "wave": None
            if not self.names.is_wave
            else {
                "laid_until": iso(self.laid_until),
                "ahead_s": None if self.laid_ahead is None else int(self.laid_ahead.total_seconds()),
            },
        }


@dataclass(frozen=True)
class Reading:
    """What `status` reads of a clock: its metric over [start, end), at its period."""

    names: ClockNames
    period_s: int
    start: datetime
    end: datetime
    read_alarms: bool  # a stack still in review has no alarms to read


def reading(deployed: Deployed, now: datetime) -> Reading:
    period = deployed.metadata.spec.period_s if deployed.metadata else DEFAULT_PERIOD_S
    window = max(WINDOW, timedelta(seconds=period * (STALLED_AFTER_PERIODS + 1)))
    names = deployed.names
    # A wave clock's is read to the end of the laid wave, to say how far ahead it is. Otherwise end
    # a period ahead: the current period is still filling, EndTime is exclusive, and a value is
    # stamped up to a period after its tick (handler.next_stamp).
    ahead = WAVE_AHEAD + timedelta(seconds=period) if names.is_wave else timedelta(seconds=period)
    start = period_start(now - window, period)
    return Reading(names, period, start, now + ahead, deployed.stack.status != "REVIEW_IN_PROGRESS")


def gather(aws: Aws, deployed: Deployed, now: datetime, last: int = 5) -> ClockStatus:
    read = reading(deployed, now)
    metrics = Metrics(aws)
    alarms = metrics.alarms(read.names) if read.read_alarms else {}
    points = metrics.datapoints(read.names, read.period_s, read.start, read.end)
    failed = metrics.failed_deliveries(read.names, now) if read.read_alarms else None
    return replace(assemble(aws.region, deployed, now, read, alarms, points, last), failed_deliveries=failed)


def assemble(
    region: str,
    deployed: Deployed,
    now: datetime,
    read: Reading,
    alarms: dict[str, AlarmInfo],
    points: list[Datapoint],
    last: int = 5,
) -> ClockStatus:
    """The status from what was read (one clock's calls in `gather`, a fleet's batches in `fleet`)."""
    stack, names, period, start = deployed.stack, read.names, read.period_s, read.start
    laid_until = None
    if names.is_wave:
        # Show and judge only the periods that have ended (a datapoint ahead is a value laid, not a tick).
        laid_until = period_start(points[-1].timestamp, period) if points else None
        datapoints = [p for p in points if period_start(p.timestamp, period) + timedelta(seconds=period) <= now]
    else:
        datapoints = points
    verdict = judge(stack, alarms, datapoints, period, now, deployed.failure, window_start=start, names=names)
    return ClockStatus(
        region=region,
        stack=stack,
        metadata=deployed.metadata,
        period_s=period,
        alarms=alarms,
        datapoints=datapoints,
        start=start,
        now=now,
        verdict=verdict,
        names=names,
        failure=deployed.failure,
        last_ticks=datapoints[-last:][::-1],
        laid_until=laid_until,
    )
