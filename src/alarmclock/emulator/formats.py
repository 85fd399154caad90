"""The payloads AWS sends, built the way AWS documents them (docs/aws-facts.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

# CloudWatch's own format, 2026-01-01T00:00:05.577+0000: iso_millis_z(epoch)[:-1] + "+0000", the
# same text. One cache with the reason data's: a change's time is also its evaluation's queryDate,
# and is formatted again as the next change's previous state.
from alarmclock.emulator.alarm_history import cloudwatch_time, reason_data_json
from alarmclock.emulator.cloudwatch import Alarm, StateChange

REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "Europe (Ireland)"}
COMPARISON_WORDS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


def alarm_arn(region: str, account: str, name: str) -> str:
    """An alarm's ARN: the one place the emulator builds it (the handler, standalone, has its own)."""
    return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"


def iso_millis_z(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def state_reason(alarm: Alarm, change: StateChange) -> str:
    """The state's reason as AWS words it where an evaluation crossed the threshold or did not: "Threshold
    Crossed: 1 out of the last 1 datapoints [1.0 (06/12/26 04:00:10)] was greater than or equal to the
    threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)." Each evaluated datapoint is
    its value and its period's start, day first, to the second (docs/aws-facts.md: AWS's example SNS
    payload and a captured notification). Any other reason (no data, a SetAlarmState) is the
    emulator's own text, which nothing reads for its datapoints."""
    evaluation, words = change.evaluation, COMPARISON_WORDS.get(alarm.comparison)
    if evaluation is None or words is None or not change.reason.startswith(("Threshold Crossed: [", "Threshold not")):
        return change.reason
    window = evaluation.datapoints[-alarm.evaluation_periods :]
    shown = ", ".join(f"{value!r} ({datetime.fromtimestamp(at, UTC):%d/%m/%y %H:%M:%S})" for at, value in window)
    crossed = change.new == "ALARM"
    needed = alarm.datapoints_to_alarm or alarm.evaluation_periods
    return (
        f"Threshold Crossed: {needed} out of the last {alarm.evaluation_periods} datapoints [{shown}] was "
        f"{'' if crossed else 'not '}{words} the threshold ({alarm.threshold!r}) (minimum {needed} datapoint "
        f"for {change.old} -> {change.new} transition)."
    )


def sns_alarm_message(alarm: Alarm, change: StateChange, region: str, account: str) -> str:
    """The JSON string an alarm publishes to its SNS topic."""
    return json.dumps(
        {
            "AlarmName": alarm.name,
            "AlarmDescription": alarm.description or None,
            "AWSAccountId": account,
            "NewStateValue": change.new,
            "NewStateReason": state_reason(alarm, change),
            "StateChangeTime": cloudwatch_time(change.time),
            "Region": REGION_NAMES.get(region, region),
            "AlarmArn": alarm.arn,
            "OldStateValue": change.old,
            "Trigger": {
                "MetricName": alarm.metric,
                "Namespace": alarm.namespace,
                "StatisticType": "Statistic",
                "Statistic": alarm.statistic.upper(),
                "Unit": None,
                "Dimensions": [{"value": value, "name": name} for name, value in alarm.dimensions],
                "Period": alarm.period_s,
                "EvaluationPeriods": alarm.evaluation_periods,
                "ComparisonOperator": alarm.comparison,
                "Threshold": alarm.threshold,
                "TreatMissingData": alarm.treat_missing_data,
            },
        }
    )


def sns_subject(alarm: Alarm, change: StateChange, region: str) -> str:
    return f'{change.new}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'


def direct_alarm_event(alarm: Alarm, change: StateChange, region: str, account: str) -> dict[str, Any]:
    """The event of CloudWatch's direct Lambda alarm action."""
    stamp = cloudwatch_time(change.time)
    state: dict[str, Any] = {"value": change.new, "reason": state_reason(alarm, change), "timestamp": stamp}
    if change.evaluation is not None:
        # fact: the event carries the evaluation's reasonData as a JSON string (User Guide,
        # "alarms-and-actions-Lambda"); a change made by SetAlarmState has none.
        state["reasonData"] = reason_data_json(change.evaluation)
    return {
        "source": "aws.cloudwatch",
        "alarmArn": alarm.arn,
        "accountId": account,
        "time": stamp,
        "region": region,
        "alarmData": {
            "alarmName": alarm.name,
            "state": state,
            # fact: the previous state's reason too (the event in "Using Amazon CloudWatch alarms",
            # Lambda alarm actions, carries it, and that state's reasonData, which nothing here reads).
            "previousState": {
                "value": change.old,
                "reason": change.previous_reason,
                "timestamp": cloudwatch_time(change.previous_at),
            },
            "configuration": {
                "description": alarm.description,
                "metrics": [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": alarm.namespace,
                                "name": alarm.metric,
                                "dimensions": dict(alarm.dimensions),
                            },
                            "period": alarm.period_s,
                            "stat": alarm.statistic,
                        },
                        "returnData": True,
                    }
                ],
            },
        },
    }


def custom_resource_request(
    kind: str,
    stack_id: str,
    logical_id: str,
    resource_type: str,
    token: str,
    properties: dict[str, Any],
    old_properties: dict[str, Any] | None,
    physical_id: str | None,
    request_id: str,
    response_url: str,
) -> dict[str, Any]:
    """A CloudFormation custom resource request (CloudFormation User Guide)."""
    request: dict[str, Any] = {
        "RequestType": kind,
        "ServiceToken": token,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        # CloudFormation passes every property as a string.
        "ResourceProperties": stringify(properties),
    }
    if old_properties is not None:
        request["OldResourceProperties"] = stringify(old_properties)
    if physical_id is not None:
        request["PhysicalResourceId"] = physical_id
    return request


def stringify(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: stringify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringify(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
