"""The CloudFormation template of a clock: a ClockSpec in, a plain dict out.

Building is pure (no I/O but reading the handler's source once); serialising is `render`.
The template stands on its own: deployable with `aws cloudformation deploy`, no
alarmclock needed, no S3 bucket, no zip step.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from alarmclock import __version__
from alarmclock.spec import ClockSpec, Target

RUNTIME = "python3.13"  # python3.11 and older are deprecated (cfn-lint E2533)
FUNCTION_TIMEOUT_S = 30
# A custom resource that never answers blocks the stack for ServiceTimeout (default an hour).
STARTER_TIMEOUT_S = 300
LOG_RETENTION_DAYS = 14
METRIC_NAME = "Tick"
TARGET_PARAMETER = "TargetFunctionArn"
PAUSED_PARAMETER = "Paused"
RUNNING_CONDITION = "ClockRunning"
FUNCTION_ARN_PATTERN = r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$"

Json = dict[str, Any]


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


def ref(name: str) -> Json:
    return {"Ref": name}


def get_att(resource: str, attribute: str) -> Json:
    return {"Fn::GetAtt": [resource, attribute]}


# Names derive from the stack's name, so two clocks in one account and region never share
# alarms or metric data (the seed used the fixed names TickState0/TickState1 and namespace Tick).
CLOCK_NAME = ref("AWS::StackName")
NAMESPACE = "alarmclock/${AWS::StackName}"
ALARM_PREFIX = "${AWS::StackName}-tick-is-"
ALARM_ARN = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:" + ALARM_PREFIX


@lru_cache(maxsize=1)
def handler_source() -> str:
    """The exact text of handler.py: the template inlines this file, unchanged."""
    return resources.files("alarmclock").joinpath("handler.py").read_text(encoding="utf-8")


def build_template(spec: ClockSpec) -> Json:
    resources_: Json = {
        "TickLogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"RetentionInDays": LOG_RETENTION_DAYS},
        },
        "TickRole": tick_role(spec),
        "TickFunction": tick_function(spec),
    }
    if spec.via == "sns":
        resources_.update(sns_path())
        action: Json = ref("TickTopic")
        service_token: Json = ref("TickTopic")
        wiring = ["TickSubscription", "TickTopicPermission"]
    else:
        resources_.update(direct_lambda_path())
        action = get_att("TickFunction", "Arn")
        service_token = get_att("TickFunction", "Arn")
        wiring = ["TickAlarm0Permission", "TickAlarm1Permission"]
    resources_["TickAlarm0"] = tick_alarm(spec, value=0, action=action)
    resources_["TickAlarm1"] = tick_alarm(spec, value=1, action=action)
    resources_["Starter"] = {
        "Type": "Custom::AlarmClockStarter",
        # Start the loop only once both alarms can fire and reach the function.
        "DependsOn": ["TickAlarm0", "TickAlarm1", *wiring],
        "Properties": {
            "ServiceToken": service_token,
            "ServiceTimeout": STARTER_TIMEOUT_S,
            "PeriodSeconds": spec.period_s,
            "Paused": ref(PAUSED_PARAMETER),
        },
    }
    template: Json = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"alarmclock {__version__}: {describe(spec)}",
        "Metadata": {"alarmclock": metadata(spec)},
    }
    template["Parameters"] = {
        PAUSED_PARAMETER: {
            "Type": "String",
            "AllowedValues": ["false", "true"],
            "Default": "false",
            "Description": "true stops the clock and keeps everything (alarmclock pause / resume set this)",
        }
    }
    template["Conditions"] = {RUNNING_CONDITION: {"Fn::Equals": [ref(PAUSED_PARAMETER), "false"]}}
    if not spec.targets:
        template["Parameters"] |= {
            TARGET_PARAMETER: {
                "Type": "String",
                "Description": "ARN of the Lambda function to invoke on every tick",
                "AllowedPattern": FUNCTION_ARN_PATTERN,
                "ConstraintDescription": "must be a Lambda function ARN",
            }
        }
    template["Resources"] = resources_
    template["Outputs"] = outputs()
    return template


def describe(spec: ClockSpec) -> str:
    every = f"{spec.period_s // 60} min" if spec.period_s >= 60 else f"{spec.period_s} s"
    whom = f"{len(spec.targets)} target(s)" if spec.targets else f"the function in {TARGET_PARAMETER}"
    return f"a clock that invokes {whom} every {every} (alarms reach it via {spec.via})"


def metadata(spec: ClockSpec) -> Json:
    # `alarmclock status` and `deploy` recognise a clock by this block.
    block: Json = {
        "version": __version__,
        "period_s": spec.period_s,
        "via": spec.via,
        "targets": [t.arn for t in spec.targets],
    }
    if spec.payload is not None:
        block["payload"] = spec.payload
    return block


def tick_function(spec: ClockSpec) -> Json:
    if spec.targets:
        targets: Any = json.dumps([t.arn for t in spec.targets])
    else:
        targets = sub(f'["${{{TARGET_PARAMETER}}}"]')
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Description": "alarmclock: publishes the next Tick and calls the clock's targets",
            "Runtime": RUNTIME,
            "Architectures": ["arm64"],
            "Handler": "index.lambda_handler",
            "Code": {"ZipFile": handler_source()},
            "Role": get_att("TickRole", "Arn"),
            "MemorySize": 128,
            "Timeout": FUNCTION_TIMEOUT_S,
            "LoggingConfig": {"LogGroup": ref("TickLogGroup")},
            "Environment": {
                "Variables": {
                    "ALARMCLOCK_NAME": CLOCK_NAME,
                    "ALARMCLOCK_NAMESPACE": sub(NAMESPACE),
                    "ALARMCLOCK_PERIOD": str(spec.period_s),
                    "ALARMCLOCK_ALARM_PREFIX": sub(ALARM_PREFIX),
                    "ALARMCLOCK_TARGETS": targets,
                    "ALARMCLOCK_PAYLOAD": json.dumps(spec.payload),
                }
            },
        },
    }


def tick_role(spec: ClockSpec) -> Json:
    statements: list[Json] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": get_att("TickLogGroup", "Arn"),
        },
        {
            # PutMetricData has no resource type; the namespace condition key is the scope.
            "Sid": "PublishOwnTick",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": sub(NAMESPACE)}},
        },
        {
            # SetAlarmState kicks the loop on create and resume; DisableAlarmActions stops it on delete.
            "Sid": "StartAndStopOwnAlarms",
            "Effect": "Allow",
            "Action": ["cloudwatch:SetAlarmState", "cloudwatch:DisableAlarmActions"],
            "Resource": [sub(ALARM_ARN + "0"), sub(ALARM_ARN + "1")],
        },
    ]
    statements.extend(target_statements(spec.targets))
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "alarmclock-tick",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


TARGET_ACTIONS = {
    "lambda": "lambda:InvokeFunction",
    "sns": "sns:Publish",
    "sqs": "sqs:SendMessage",
    "events": "events:PutEvents",
}


def target_statements(targets: tuple[Target, ...]) -> list[Json]:
    if not targets:
        return [
            {
                "Sid": "InvokeTarget",
                "Effect": "Allow",
                "Action": TARGET_ACTIONS["lambda"],
                "Resource": ref(TARGET_PARAMETER),
            }
        ]
    statements = []
    for service, action in TARGET_ACTIONS.items():
        arns = [t.arn for t in targets if t.service == service]
        if arns:
            sid = "CallTargets" + {"lambda": "Lambda", "sns": "Sns", "sqs": "Sqs", "events": "Events"}[service]
            statements.append({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": arns})
    return statements


def tick_alarm(spec: ClockSpec, value: int, action: Json) -> Json:
    # The seed's alarms, unchanged in substance: Average over one period of the 0/1 metric.
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": sub(f"{ALARM_PREFIX}{value}"),
            "AlarmDescription": f"alarmclock: Tick is {value}, so the clock publishes {1 - value} next",
            "Namespace": sub(NAMESPACE),
            "MetricName": METRIC_NAME,
            "Statistic": "Average",
            "Period": spec.period_s,
            "EvaluationPeriods": 1,
            "Threshold": value,
            "ComparisonOperator": ("LessThanOrEqualToThreshold" if value == 0 else "GreaterThanOrEqualToThreshold"),
            "TreatMissingData": "missing",
            # A paused clock keeps its alarms but they act on nothing.
            "ActionsEnabled": {"Fn::If": [RUNNING_CONDITION, True, False]},
            "AlarmActions": [action],
        },
    }


def direct_lambda_path() -> Json:
    # CloudWatch's direct Lambda alarm action needs this resource policy, one per alarm.
    return {
        f"TickAlarm{value}Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref("TickFunction"),
                "Principal": "lambda.alarms.cloudwatch.amazonaws.com",
                "SourceAccount": ref("AWS::AccountId"),
                "SourceArn": sub(f"{ALARM_ARN}{value}"),
            },
        }
        for value in (0, 1)
    }


def sns_path() -> Json:
    # The seed's path: alarm -> SNS topic -> function.
    return {
        "TickTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"DisplayName": "alarmclock ticks"},
        },
        "TickSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "Protocol": "lambda",
                "TopicArn": ref("TickTopic"),
                "Endpoint": get_att("TickFunction", "Arn"),
            },
        },
        "TickTopicPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref("TickFunction"),
                "Principal": "sns.amazonaws.com",
                "SourceArn": ref("TickTopic"),
            },
        },
    }


def outputs() -> Json:
    return {
        "ClockName": {"Value": CLOCK_NAME},
        "FunctionName": {"Value": ref("TickFunction")},
        "MetricNamespace": {"Value": sub(NAMESPACE)},
        "Alarm0": {"Value": sub(ALARM_PREFIX + "0")},
        "Alarm1": {"Value": sub(ALARM_PREFIX + "1")},
    }
