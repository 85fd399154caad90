"""Emulated CloudWatch Logs, for the one thing the clock asks of it: metrics from its log lines.

A Lambda function's stdout goes to its log group; a line in embedded metric format (EMF) declares
metrics that CloudWatch Logs extracts and stores as if they had been put (CloudWatch User Guide,
"Specification: Embedded metric format"; docs/aws-facts.md). What the specification says is
modelled as it says it; what it does not say is a parameter of the timing model:

- fact: `_aws.Timestamp` is in milliseconds; points more than two weeks back or two hours ahead
  are not accepted (as PutMetricData's). A line that does not parse is kept as a log line only:
  the function is never told (there is no call to fail).
- fact: delivery is at least once, "duplicate metric values may occasionally occur":
  `emf_duplicate_prob` per line.
- assumption: how long extraction takes before an alarm can see the point: `emf_delay_s`.
"""

from __future__ import annotations

from typing import Any

from alarmclock.emulator.cloudwatch import EmulatedCloudWatch, point_time_accepted
from alarmclock.emulator.world import World


class EmfExtractor:
    def __init__(self, world: World, cloudwatch: EmulatedCloudWatch) -> None:
        self.world = world
        self.cloudwatch = cloudwatch
        self.extracted = 0  # points stored (a duplicate counts twice)
        self.rejected: list[tuple[float, str]] = []  # (time, why) for EMF lines that made no point

    def read(self, record: dict[str, Any]) -> None:
        """Take one structured log line; store the metric values it declares, if any."""
        metadata = record.get("_aws")
        if not isinstance(metadata, dict):
            return
        try:
            points = list(declared_points(record, metadata))
        except (KeyError, TypeError, ValueError) as error:
            self.rejected.append((self.world.now(), f"not valid EMF: {error}"))
            return
        copies = 2 if self.world.chance(self.world.timing.emf_duplicate_prob) else 1
        for namespace, metric, moment, value in points:
            if not point_time_accepted(self.world.now(), moment):
                self.rejected.append((self.world.now(), f"timestamp {moment} outside two weeks back, two hours ahead"))
                continue
            for _ in range(copies):
                delay = self.world.draw(self.world.timing.emf_delay_s)
                self.cloudwatch.add_point(namespace, metric, (), moment, value, delay=delay)
                self.extracted += 1


def declared_points(record: dict[str, Any], metadata: dict[str, Any]) -> list[tuple[str, str, float, float]]:
    """(namespace, metric, time, value) for each metric the line declares, without dimensions
    (the clock declares `Dimensions: [[]]`; a dimension set would name record keys)."""
    moment = float(metadata["Timestamp"]) / 1000.0
    found = []
    for directive in metadata["CloudWatchMetrics"]:
        if any(directive.get("Dimensions") or [[]]):
            raise ValueError("the emulator models only metrics without dimensions")
        for metric in directive["Metrics"]:
            name = metric["Name"]
            found.append((str(directive["Namespace"]), str(name), moment, float(record[name])))
    return found
