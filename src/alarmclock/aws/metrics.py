"""CloudWatch: the clock's alarms and its Tick metric; and whether a target exists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from alarmclock.aws.models import AlarmInfo, ClockNames, Datapoint, period_start
from alarmclock.aws.session import DENIED_CODES, Aws, error_code, error_message
from alarmclock.template import FAILURES_METRIC

# GetMetricStatistics answers at most 1,440 datapoints per call.
MAX_DATAPOINTS = 1440
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "NotFound",
        "NotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    }
)


class Metrics:
    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    @property
    def cloudwatch(self) -> Any:
        return self.aws.client("cloudwatch")

    def alarms(self, names: ClockNames) -> dict[str, AlarmInfo]:
        answer = self.cloudwatch.describe_alarms(AlarmNames=list(names.all_alarms))
        # AlarmName is not a required member of MetricAlarm (API reference): one without is no alarm of ours.
        return {a["AlarmName"]: AlarmInfo.from_api(a) for a in answer.get("MetricAlarms") or () if a.get("AlarmName")}

    def datapoints(self, names: ClockNames, period_s: int, start: datetime, end: datetime) -> list[Datapoint]:
        start = period_start(start, period_s)
        if (end - start).total_seconds() / period_s > MAX_DATAPOINTS:
            start = end - timedelta(seconds=period_s * MAX_DATAPOINTS)
            start = period_start(start, period_s) + timedelta(seconds=period_s)
        answer = self.cloudwatch.get_metric_statistics(
            Namespace=names.namespace,
            MetricName=names.metric,
            # A metric is its namespace, name and exact dimensions: a wave clock's Tick has Wave.
            Dimensions=names.dimensions,
            StartTime=start,
            EndTime=end,
            Period=period_s,
            Statistics=["SampleCount", "Minimum", "Maximum", "Average"],
        )
        points = [Datapoint.from_api(p) for p in answer.get("Datapoints", [])]
        return sorted(points, key=lambda p: p.timestamp)

    def sample_count(self, names: ClockNames, period_s: int, start: datetime, end: datetime) -> int:
        """How many Tick values were published from `start`'s period up to `end`."""
        return sum(p.samples for p in self.datapoints(names, period_s, start, end))

    def failed_deliveries(self, names: ClockNames, end: datetime) -> int:
        """How many deliveries the function counted as failed (its tick lines, handler.handle_alarm) in the hour
        before `end`."""
        answer = self.cloudwatch.get_metric_statistics(
            Namespace=names.namespace,
            MetricName=FAILURES_METRIC,
            StartTime=end - timedelta(hours=1),
            EndTime=end,
            Period=60,
            Statistics=["Sum"],
        )
        return int(sum(float(p.get("Sum") or 0) for p in answer.get("Datapoints", [])))

    def function_exists(self, name: str) -> bool:
        import botocore.exceptions

        try:
            self.aws.client("lambda").get_function_configuration(FunctionName=name)
        except botocore.exceptions.ClientError as error:
            if error_code(error) in NOT_FOUND_CODES:
                return False
            raise
        return True


def check_target(aws: Aws, arn: str) -> tuple[bool | None, str]:
    """(True, "") if the target exists, (False, why) if AWS says it does not, (None, why)
    if it cannot be checked (e.g. the caller may not describe it)."""
    import botocore.exceptions

    parts = arn.split(":", 5)
    service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
    try:
        client = aws.client(service, region)
        if service == "lambda":
            client.get_function_configuration(FunctionName=arn)
        elif service == "sns":
            client.get_topic_attributes(TopicArn=arn)
        elif service == "sqs":
            client.get_queue_url(QueueName=resource, QueueOwnerAWSAccountId=account)
        elif service == "events":
            client.describe_event_bus(Name=arn)
        else:
            return None, f"cannot check a {service} target"
    except botocore.exceptions.ClientError as error:
        code, message = error_code(error), error_message(error)
        if code in NOT_FOUND_CODES:
            return False, f"{code}: {message}"
        if code in DENIED_CODES:
            return None, f"{code}: {message}"
        raise
    return True, ""
