"""Many clocks at once: `list` reads a fleet in batches, with a small bounded concurrency.

One clock's `status` makes four calls (DescribeStacks, GetTemplateSummary, DescribeAlarms,
GetMetricStatistics); a fleet read that way makes four per clock, in series. Here:

- DescribeStacks: its pages, which hold every stack;
- GetTemplateSummary: one per clock (no API reads several templates), WORKERS at a time;
- DescribeAlarms: up to 100 alarm names a call (its AlarmNames limit);
- GetMetricData: up to 500 queries a call (its MetricDataQueries limit), four per clock, one call
  per window (clocks of one period and way of publishing share one).

Throttling is botocore's adaptive retry (session.py), shared by the threads through one client.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

from alarmclock.aws.metrics import MAX_DATAPOINTS
from alarmclock.aws.models import VERSION_TAG, AlarmInfo, Datapoint, Deployed, period_start
from alarmclock.aws.session import Aws
from alarmclock.aws.stacks import Stacks
from alarmclock.aws.status import ClockStatus, Reading, assemble, reading

MAX_ALARM_NAMES = 100  # DescribeAlarms AlarmNames
MAX_METRIC_QUERIES = 500  # GetMetricData MetricDataQueries
STATISTICS = {"SampleCount": "samples", "Minimum": "minimum", "Maximum": "maximum", "Average": "average"}
# Few enough to stay well inside CloudFormation's and CloudWatch's request rates.
WORKERS = 8

T = TypeVar("T")
R = TypeVar("R")


def list_clocks(aws: Aws, now: datetime) -> list[ClockStatus]:
    """Every clock in the region (a stack with alarmclock's metadata), with its status."""
    stacks = Stacks(aws)
    found = stacks.list_clocks()
    # Built here, once: the threads share each client (thread-safe), never the session (not).
    aws.client("cloudformation"), aws.client("cloudwatch")
    deployed = [d for d in bounded(stacks.deployed_from, found) if is_listed(d)]
    readings = [reading(d, now) for d in deployed]
    alarms = read_alarms(aws, [r for r in readings if r.read_alarms])
    points = read_datapoints(aws, readings)
    return [
        assemble(
            aws.region,
            d,
            now,
            r,
            {a: alarms[a] for a in r.names.all_alarms if a in alarms},
            points.get(r.names.namespace, []),
        )
        for d, r in zip(deployed, readings, strict=True)
    ]


def bounded(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """work(item) for each item, WORKERS at a time, in the items' order."""
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(work, items))


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


def read_alarms(aws: Aws, readings: Sequence[Reading]) -> dict[str, AlarmInfo]:
    names = [alarm for r in readings for alarm in r.names.all_alarms]
    cloudwatch = aws.client("cloudwatch")

    def describe(batch: Sequence[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNames=list(batch), AlarmTypes=["MetricAlarm"], PaginationConfig={"PageSize": MAX_ALARM_NAMES}
        ):
            found += page.get("MetricAlarms", [])
        return found

    answers = bounded(describe, list(chunks(names, MAX_ALARM_NAMES)))
    return {a["AlarmName"]: AlarmInfo.from_api(a) for answer in answers for a in answer}


def read_datapoints(aws: Aws, readings: Sequence[Reading]) -> dict[str, list[Datapoint]]:
    """Each clock's Tick datapoints (by namespace), as Metrics.datapoints reads one clock's."""
    by_window: dict[tuple[int, datetime, datetime], list[Reading]] = defaultdict(list)
    for r in readings:
        by_window[(r.period_s, *window(r))].append(r)
    per_call = MAX_METRIC_QUERIES // len(STATISTICS)
    calls = [
        (period, start, end, batch)
        for (period, start, end), group in by_window.items()
        for batch in chunks(group, per_call)
    ]
    cloudwatch = aws.client("cloudwatch")

    def fetch(call: tuple[int, datetime, datetime, Sequence[Reading]]) -> dict[str, list[Datapoint]]:
        period, start, end, batch = call
        queries = [
            {
                "Id": f"c{index}_{statistic.lower()}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": r.names.namespace,
                        "MetricName": r.names.metric,
                        "Dimensions": r.names.dimensions,
                    },
                    "Period": period,
                    "Stat": statistic,
                },
                "ReturnData": True,
            }
            for index, r in enumerate(batch)
            for statistic in STATISTICS
        ]
        values: dict[str, dict[datetime, float]] = defaultdict(dict)
        for page in cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        ):
            for result in page.get("MetricDataResults", []):
                values[result["Id"]].update(zip(result.get("Timestamps", []), result.get("Values", []), strict=False))
        return {r.names.namespace: datapoints_of(values, f"c{index}") for index, r in enumerate(batch)}

    found: dict[str, list[Datapoint]] = {}
    for answer in bounded(fetch, calls):
        found |= answer
    return found


def window(r: Reading) -> tuple[datetime, datetime]:
    """[start, end) as Metrics.datapoints asks it: at most 1,440 periods, the latest kept."""
    start, end = period_start(r.start, r.period_s), r.end
    if (end - start).total_seconds() / r.period_s > MAX_DATAPOINTS:
        start = period_start(end - timedelta(seconds=r.period_s * MAX_DATAPOINTS), r.period_s)
        start += timedelta(seconds=r.period_s)
    return start, end


def datapoints_of(values: dict[str, dict[datetime, float]], prefix: str) -> list[Datapoint]:
    """One clock's four statistics, joined by period into Datapoints (only periods with values)."""
    samples = values.get(f"{prefix}_samplecount", {})
    stat = {key: values.get(f"{prefix}_{name.lower()}", {}) for name, key in STATISTICS.items()}
    return sorted(
        (
            Datapoint(
                timestamp=moment,
                samples=int(count),
                minimum=float(stat["minimum"].get(moment, 0.0)),
                maximum=float(stat["maximum"].get(moment, 0.0)),
                average=float(stat["average"].get(moment, 0.0)),
            )
            for moment, count in samples.items()
            if count > 0
        ),
        key=lambda p: p.timestamp,
    )


def is_listed(deployed: Deployed) -> bool:
    """A clock: its template has alarmclock's metadata, or it is one `deploy` is creating (no
    template yet) under alarmclock's tag. Outputs named like a clock's are not enough."""
    if deployed.metadata is not None:
        return True
    return deployed.stack.status == "REVIEW_IN_PROGRESS" and VERSION_TAG in deployed.stack.tags
