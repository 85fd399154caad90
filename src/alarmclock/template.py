"""The CloudFormation template of a clock: a ClockSpec in, a plain dict out.

Building is pure (no I/O but reading the handler's source once); serialising is `render`.
The template stands on its own: deployable with `aws cloudformation deploy`, no
alarmclock needed, no S3 bucket, no zip step.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from alarmclock import __version__
from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.inline_source import strip_comments_and_docstrings

if TYPE_CHECKING:
    # Only as types: a ClockSpec checks its environment's size with limits.py, which builds that
    # environment here, so a template that imported spec.py at run time would close a loop.
    from alarmclock.spec import ClockSpec, Target

RUNTIME = "python3.13"  # python3.11 and older are deprecated (cfn-lint E2533)
FUNCTION_TIMEOUT_S = 30
# A custom resource that never answers blocks the stack for ServiceTimeout (default an hour).
STARTER_TIMEOUT_S = 300
LOG_RETENTION_DAYS = 14
METRIC_NAME = "Tick"
FAILURES_METRIC = "DeliveryFailures"  # handler.FAILURES_METRIC (a test keeps them equal)
FAILURES_ALARM_NAME = "${AWS::StackName}-delivery-failures"
WAVE_DIMENSION = "Wave"  # handler.WAVE_DIMENSION (a test keeps them equal)
NOW_DIMENSION = "Now"  # handler.NOW_DIMENSION (a test keeps them equal)
NOW_WATCHDOG_QUIET_CYCLES = 2  # handler.NOW_WATCHDOG_QUIET_CYCLES (a test keeps them equal)
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
WATCHDOG_NAME = "${AWS::StackName}-watchdog"
ALARMS_ARN = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
ALARM_ARN = ALARMS_ARN + ALARM_PREFIX


def tick_alarm_values(spec: ClockSpec) -> tuple[int, ...]:
    """The Tick value each tick alarm watches for: (1,) for one alarm, (0, 1) for the seed's pair."""
    return (1,) if spec.alarms == 1 else (0, 1)


def alarm_arns(spec: ClockSpec) -> dict[str, str]:
    """Every alarm of a clock, by logical id: the role may start, watch and stop each one, and each
    may invoke the function directly. One list, so an alarm cannot get one grant and miss the other."""
    arns = {f"TickAlarm{value}": ALARM_ARN + str(value) for value in tick_alarm_values(spec)}
    return arns | {"Watchdog": ALARMS_ARN + WATCHDOG_NAME}


@lru_cache(maxsize=1)
def handler_source() -> str:
    """handler.py as the template inlines it: the same code without comments, docstrings and empty
    lines, which would take a third of CloudFormation's 51,200 bytes (inline_source.py)."""
    return strip_comments_and_docstrings(handler_text())


@lru_cache(maxsize=1)
def handler_text() -> str:
    """The exact text of handler.py."""
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
        resources_.update(sns_path(spec))
        action: Json = ref("TickTopic")
        service_token: Json = ref("TickTopic")
        wiring = ["TickSubscription", "TickTopicPermission", "TickTopicPolicy"]
    else:
        resources_.update(direct_lambda_path(spec))
        action = get_att("TickFunction", "Arn")
        service_token = get_att("TickFunction", "Arn")
        wiring = [f"{logical}Permission" for logical in alarm_arns(spec)]
    tick_alarms = [f"TickAlarm{value}" for value in tick_alarm_values(spec)]
    for value in tick_alarm_values(spec):
        resources_[f"TickAlarm{value}"] = tick_alarm(spec, value=value, action=action)
    # The watchdog comes after the starter's first beat: created earlier, it would find no Tick
    # at all, go to ALARM and restart a clock that is only starting.
    resources_["Watchdog"] = watchdog_alarm(spec, action=action) | {"DependsOn": "Starter"}
    resources_.update(heartbeat(spec))
    if spec.failure_alarm:
        resources_["DeliveryFailuresAlarm"] = failures_alarm()
    resources_["Starter"] = {
        "Type": "Custom::AlarmClockStarter",
        # Start the loop only once both alarms can fire and reach the function.
        "DependsOn": [*tick_alarms, "HeartbeatPermission", *wiring],
        "Properties": {
            "ServiceToken": service_token,
            "ServiceTimeout": STARTER_TIMEOUT_S,
            "PeriodSeconds": spec.period_s,
            # A change of publishing must reach the handler as an Update: the clock's metric changes.
            "Publish": spec.publish,
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
    template["Resources"] = with_checkov_skips(resources_)
    template["Outputs"] = outputs(spec)
    return template


def describe(spec: ClockSpec) -> str:
    every = f"{spec.period_s // 60} min" if spec.period_s >= 60 else f"{spec.period_s} s"
    whom = f"{len(spec.targets)} target(s)" if spec.targets else f"the function in {TARGET_PARAMETER}"
    return f"a clock that invokes {whom} every {every} ({design(spec)}; alarms reach it via {spec.via})"


PUBLISH_WORDS = {
    "wave": "a wave laid ahead",
    "api": "PutMetricData per tick",
    "logs": "EMF log line per tick",
    "now": "PutMetricData stamped now, every cycle",
}


def design(spec: ClockSpec) -> str:
    alarms = "one alarm" if spec.alarms == 1 else "two alarms"
    window = "wall-clock" if spec.window == "wallclock" else "sliding"
    return f"{alarms}, {window} window, {PUBLISH_WORDS[spec.publish]}"


def metadata(spec: ClockSpec) -> Json:
    # `alarmclock status` and `deploy` recognise a clock by this block, and read it back with the
    # function's environment (readback.py): the targets and payload are there alone, not repeated
    # here, which keeps the largest template inside CloudFormation's 51,200 bytes inline.
    block: Json = {
        "version": __version__,
        "period_s": spec.period_s,
        "via": spec.via,
        "alarms": spec.alarms,
        "window": spec.window,
        "publish": spec.publish,
    }
    if spec.target_keys:
        block["target_keys"] = list(spec.target_keys)
    if spec.failure_alarm:
        block["failure_alarm"] = True
    return block


def tick_function(spec: ClockSpec) -> Json:
    if spec.targets:
        targets: Any = json.dumps([t.arn for t in spec.targets])
    else:
        targets = sub(f'["${{{TARGET_PARAMETER}}}"]')
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Description": "alarmclock: keeps the Tick beat and calls the clock's targets",
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
                    # The one stack whose CloudFormation requests (and alarms) the function obeys.
                    "ALARMCLOCK_STACK_ID": ref("AWS::StackId"),
                    "ALARMCLOCK_NAMESPACE": sub(NAMESPACE),
                    "ALARMCLOCK_PERIOD": str(spec.period_s),
                    "ALARMCLOCK_ALARMS": str(spec.alarms),
                    "ALARMCLOCK_WINDOW": spec.window,
                    "ALARMCLOCK_PUBLISH": spec.publish,
                    "ALARMCLOCK_ALARM_PREFIX": sub(ALARM_PREFIX),
                    "ALARMCLOCK_WATCHDOG_ALARM": sub(WATCHDOG_NAME),
                    "ALARMCLOCK_WATCHDOG_WINDOW": str(math.prod(watchdog_shape(spec.period_s, spec.publish))),
                    "ALARMCLOCK_TARGETS": targets,
                    "ALARMCLOCK_PAYLOAD": json.dumps(spec.payload),
                }
            },
        },
    }


def tick_role(spec: ClockSpec) -> Json:
    statements: list[Json] = [
        {
            # With --publish logs these lines carry the beat too (embedded metric format).
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": get_att("TickLogGroup", "Arn"),
        }
    ]
    if spec.publish != "logs":
        statements.append(
            {
                # PutMetricData has no resource type; the namespace condition key is the scope.
                "Sid": "PublishOwnTick",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": sub(NAMESPACE)}},
            }
        )
    # SetAlarmState kicks the loop on create, resume and restart, and DescribeAlarms lets the
    # heartbeat see a stall. DisableAlarmActions stops the loop on delete. A wave is laid, never
    # kicked, until its alarm does not follow it: then the function switches its own two alarms to
    # the documented design
    # (PutMetricAlarm), which it kicks (handler.switch_design). The seed's pair never switches. A
    # new execution environment reads how late its alarm's latest flips were from the alarm's history
    # (DescribeAlarmHistory, handler.lateness_so_far): scoped to the alarms, as a metric alarm allows.
    alarm_actions = ["cloudwatch:DescribeAlarms", "cloudwatch:SetAlarmState", "cloudwatch:DisableAlarmActions"]
    if self_switching(spec):
        alarm_actions[2:2] = ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarmHistory"]
    elif spec.publish == "wave":
        alarm_actions = ["cloudwatch:DisableAlarmActions"]
    statements.append(
        {
            "Sid": "WatchStartAndStopOwnAlarms",
            "Effect": "Allow",
            "Action": alarm_actions,
            "Resource": [sub(arn) for arn in alarm_arns(spec).values()],
        }
    )
    if self_switching(spec):
        # A switch of design sets the heartbeat's rate to the design's (handler.set_heartbeat): this
        # stack's rule alone, by the name the stack's id gives it.
        arn = sub(f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{HEARTBEAT_RULE}")
        rule = {"Fn::Join": ["", [arn, STACK_UUID]]}
        statements.append({"Sid": "SetOwnHeartbeat", "Effect": "Allow", "Action": "events:PutRule", "Resource": rule})
    statements.extend(target_statements(spec.targets))
    if spec.target_keys:
        statements.append(
            {
                # An SQS queue or SNS topic encrypted with a customer managed key takes a message from a
                # sender that may use the key: GenerateDataKey and Decrypt (Amazon SQS Developer Guide,
                # "Key management", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html;
                # Amazon SNS Developer Guide, https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
                "Sid": "UseTargetKeys",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": list(spec.target_keys),
            }
        )
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


# cfn-lint's E3615 (1.51, and still 1.58) accepts only 10, 30 and multiples of 60, the list in the
# CloudFormation resource docs. The PutMetricAlarm API reference, which is what CloudFormation
# calls and what botocore's service model ships, accepts 10, 20 and 30 (terraform-provider-aws#42390
# added 20 for the same reason). We trust the API reference: on a 20 s alarm, and only there, that
# one check is silenced; every other check still runs. If AWS ever refused 20, the stack would fail
# at create with PutMetricAlarm's ValidationError and roll back: loud, not a silent dead clock.
LINT_CHECKS_WRONG_FOR_PERIOD = {20: ["E3615"]}


def self_switching(spec: ClockSpec) -> bool:
    """A clock that checks that its alarm follows its wave, and changes to the documented design by
    itself when it does not: one alarm laying a wave on a sliding window (the default up to 120m)."""
    return spec.publish == "wave" and spec.alarms == 1 and spec.window == "sliding"


def alarm_period(spec: ClockSpec) -> int:
    """The tick alarm's Period: the clock's period, or the evaluation cycle for the documented design
    (its alarm flips every cycle; the function delivers every k-th flip)."""
    if spec.publish == "now":
        return 10 if spec.high_resolution else 60
    return spec.period_s


def tick_alarm(spec: ClockSpec, value: int, action: Json) -> Json:
    """A tick alarm: Average over one period of the 0/1 metric, as in the seed.

    Below 60 s the same properties make a high-resolution alarm: its Period (10, 20 or 30) is all
    it takes, since the handler publishes Tick with StorageResolution=1 at those periods. In the
    one-alarm design the OK action calls the function too: OK means Tick is 0, so it publishes 1.
    """
    alarm: Json = {"Type": "AWS::CloudWatch::Alarm"}
    wrong_checks = LINT_CHECKS_WRONG_FOR_PERIOD.get(alarm_period(spec))
    if wrong_checks:
        alarm["Metadata"] = {"cfn-lint": {"config": {"ignore_checks": list(wrong_checks)}}}
    if spec.alarms == 1:
        description = "alarmclock: ALARM when Tick is 1 (the clock publishes 0 next), OK when it is 0 (publishes 1)"
    else:
        description = f"alarmclock: Tick is {value}, so the clock publishes {1 - value} next"
    properties: Json = {
        "AlarmName": sub(f"{ALARM_PREFIX}{value}"),
        "AlarmDescription": description,
        "Namespace": sub(NAMESPACE),
        "MetricName": METRIC_NAME,
        **metric_dimensions(spec),
        "Statistic": "Average",
        "Period": alarm_period(spec),
        "EvaluationPeriods": 1,
        "Threshold": value,
        "ComparisonOperator": ("LessThanOrEqualToThreshold" if value == 0 else "GreaterThanOrEqualToThreshold"),
        "TreatMissingData": "missing",
        # A paused clock keeps its alarms but they act on nothing.
        "ActionsEnabled": {"Fn::If": [RUNNING_CONDITION, True, False]},
        "AlarmActions": [action],
    }
    if spec.alarms == 1:
        properties["OKActions"] = [action]
    if self_switching(spec) or spec.publish == "now":
        # No data at all where a wave is laid, or a loop that published nothing for a whole range:
        # the function looks (handler.wave_not_followed, or a restart).
        properties["InsufficientDataActions"] = [action]
    if spec.window == "wallclock":
        # Aligned to the period in UTC: a 1440m clock ticks once a day, just after midnight UTC.
        properties["EvaluationWindow"] = {"WallClockWindow": {}}
    return alarm | {"Properties": properties}


def metric_dimensions(spec: ClockSpec) -> Json:
    """A wave's metric carries its period (handler.WAVE_DIMENSION): a changed period, or a switch
    of publishing, then meets a fresh metric, not two hours of values laid on another grid."""
    names = {"wave": WAVE_DIMENSION, "now": NOW_DIMENSION}
    if spec.publish not in names:
        return {}
    return {"Dimensions": [{"Name": names[spec.publish], "Value": f"{spec.period_s}s"}]}


HEARTBEAT_INPUT = '{"alarmclock": "heartbeat"}'
HEARTBEAT_RULE = "alarmclock-heartbeat-"  # handler.HEARTBEAT_RULE (a test keeps them equal)
HEARTBEAT_DESCRIPTION = "alarmclock watchdog: restarts the clock if its alarms stop flipping"  # handler's too
# A wave reaches two hours ahead. Laid every 10 minutes (every half period from 20 minutes up, at
# most every 30), it outlasts three failed heartbeats in a row at least, and a clock whose
# function failed for longer is back within one heartbeat of the fix.
WAVE_HEARTBEAT_MINUTES = (10, 30)


def heartbeat_minutes(period_s: int, publish: str = "api") -> int:
    """How often the heartbeat runs. With a wave, every 10 to 30 minutes: it lays the wave. Otherwise
    about half a period, between 2 minutes and an hour: it only matters after a long fault (the
    watchdog's own action restarts the clock at once, but a failing function can waste that one
    call); each look is one DescribeAlarms ($0.01 per 1,000)."""
    if publish == "wave":
        fastest, slowest = WAVE_HEARTBEAT_MINUTES
        return max(fastest, min(slowest, period_s // 120))
    if publish == "now":
        return 2  # its loop runs once a cycle, whatever the period
    return max(2, min(60, period_s // 120))


# The last part of the stack's id (its ARN): a UUID, the same in the template and in the function.
STACK_UUID = {"Fn::Select": [2, {"Fn::Split": ["/", ref("AWS::StackId")]}]}


def heartbeat_rule_name() -> Json:
    """A self-switching clock's heartbeat rule name (handler.HEARTBEAT_RULE and the stack's UUID):
    the function sets the rule's rate when it switches its design (handler.set_heartbeat)."""
    return {"Fn::Join": ["", [HEARTBEAT_RULE, STACK_UUID]]}


def heartbeat(spec: ClockSpec) -> Json:
    """A scheduled rule that asks the function whether the watchdog sees the loop stalled, and
    restarts it if so (docs/self-healing.md). The flip-flop stays the beat."""
    minutes = heartbeat_minutes(spec.period_s, spec.publish)
    named = {"Name": heartbeat_rule_name()} if self_switching(spec) else {}
    return {
        "Heartbeat": {
            "Type": "AWS::Events::Rule",
            "Properties": named
            | {
                "Description": HEARTBEAT_DESCRIPTION,
                "ScheduleExpression": f"rate({minutes} minutes)",
                "State": {"Fn::If": [RUNNING_CONDITION, "ENABLED", "DISABLED"]},
                "Targets": [{"Id": "clock", "Arn": get_att("TickFunction", "Arn"), "Input": HEARTBEAT_INPUT}],
            },
        },
        "HeartbeatPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref("TickFunction"),
                "Principal": "events.amazonaws.com",
                "SourceArn": get_att("Heartbeat", "Arn"),
            },
        },
    }


def direct_lambda_path(spec: ClockSpec) -> Json:
    # CloudWatch's direct Lambda alarm action needs this resource policy, one per alarm.
    return {
        f"{logical}Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref("TickFunction"),
                "Principal": "lambda.alarms.cloudwatch.amazonaws.com",
                "SourceAccount": ref("AWS::AccountId"),
                "SourceArn": sub(arn),
            },
        }
        for logical, arn in alarm_arns(spec).items()
    }


def watchdog_shape(period_s: int, publish: str = "api") -> tuple[int, int]:
    """(Period, EvaluationPeriods) of the watchdog: a stretch of stamps without a single Tick that a
    running loop never leaves, plus a step.

    Values are stamped a period apart (a cycle more where a flip comes a cycle late:
    docs/timing-model.md), so from two minutes up a period plus a minute is enough; the window is
    counted by stamp, which is up to a period ahead of its tick, so a longer one would see a stall a
    period later (a 5-minute clock's recovery passed three periods with two). Up to a minute, two
    periods: there a value may become visible well after its stamp.
    """
    if publish == "now":
        # A value every evaluation cycle, stamped at its flip, read in 10 s periods so that a lost
        # flip is restarted within three periods at a minute (handler.now_watchdog_shape).
        return 10, NOW_WATCHDOG_QUIET_CYCLES * evaluation_cycle(period_s) // 10 + 1
    if publish == "wave":
        # A wave's values are laid two hours ahead, so the watchdog sees the wave run out (the
        # heartbeat failed for two hours), or its values not counted at all (handler.wave_not_followed);
        # the minute's resolution is plenty, at a third the price. A period plus a minute always holds
        # a value stamped a minute before its end, visible in every world where the wave works.
        return 60, max(period_s, 60) // 60 + 1
    else:
        step = 10 if period_s <= 60 else 60  # high resolution where a minute is too coarse
        quiet = 2 * period_s if period_s <= 60 else period_s + 60
    periods = math.ceil(quiet / step) + 1
    return step, min(periods, 86_400 // step)  # PutMetricAlarm: Period x EvaluationPeriods <= 1 day


def watchdog_alarm(spec: ClockSpec, action: Json) -> Json:
    """The self-healing's detector: no Tick at all over its whole window -> ALARM -> restart.

    SampleCount of the same metric, every period of the window below 1, with missing data as
    breaching: any Tick in the window keeps it OK, none makes it ALARM. (A missing-data rule on
    the tick alarms themselves cannot do this: with real points in the evaluation range, CloudWatch
    evaluates the most recent ones and ignores the gap.)
    """
    step, periods = watchdog_shape(spec.period_s, spec.publish)
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": sub(WATCHDOG_NAME),
            "AlarmDescription": f"alarmclock watchdog: no Tick for {step * periods} s, so the clock restarts itself",
            "Namespace": sub(NAMESPACE),
            "MetricName": METRIC_NAME,
            **metric_dimensions(spec),
            "Statistic": "SampleCount",
            "Period": step,
            "EvaluationPeriods": periods,
            "DatapointsToAlarm": periods,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            "TreatMissingData": "breaching",
            "ActionsEnabled": {"Fn::If": [RUNNING_CONDITION, True, False]},
            "AlarmActions": [action],
        },
    }


def failures_alarm() -> Json:
    """--failure-alarm: ALARM while any delivery failed in the last five minutes (a tick's ERROR log line
    counts its failed deliveries as a DeliveryFailures value: handler.handle_alarm). It has no action of
    its own: its state changes reach EventBridge's default bus as "CloudWatch Alarm State Change" events,
    where a rule can send them on (CloudWatch User Guide, "Alarm events and EventBridge":
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html)."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": sub(FAILURES_ALARM_NAME),
            "AlarmDescription": "alarmclock: a tick could not be delivered to a target (the function's log says why)",
            "Namespace": sub(NAMESPACE),
            "MetricName": FAILURES_METRIC,
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    }


def sns_path(spec: ClockSpec) -> Json:
    # The seed's path: alarm -> SNS topic -> function. Only the clock's own alarms may publish: the service
    # principal, for these source ARNs in this account (IAM User Guide, "The confused deputy problem":
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
    # CloudFormation publishes its requests with the rights of whoever runs the stack operation, as it
    # invokes a function: an identity in the account, which needs no statement here.
    alarms_publish = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": ref("TickTopic"),
        "Condition": {
            # The tick alarms by their own ARN (shorter, within the 51,200 bytes); the watchdog, which
            # comes after the Starter that waits for this policy, by its name.
            "ArnEquals": {
                "aws:SourceArn": [
                    get_att(a, "Arn") if a != "Watchdog" else sub(arn) for a, arn in alarm_arns(spec).items()
                ]
            },
            "StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")},
        },
    }
    return {
        "TickTopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [ref("TickTopic")],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [alarms_publish]},
            },
        },
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


# checkov checks that do not fit a clock, by resource type, so every resource of that type gets
# them; each reason is shown next to the skip in checkov's output. Every other check must pass:
# tests/template/test_security.py and `make security` scan every template variant and fail on any failure.
# A customer managed KMS key would add $1/month to every clock (AWS KMS pricing; a one-minute clock
# lists at about $1/month in all, `alarmclock cost`), and none of this data is secret.
CHECKOV_SKIPS: dict[str, list[tuple[str, str]]] = {
    # Each reason is short: it is repeated in every template, inside CloudFormation's 51,200 bytes.
    "AWS::Lambda::Function": [
        (
            "CKV_AWS_115",
            "Reserved concurrency can fail deploys where the account's quota is low; a clock runs a few "
            "invocations a period.",
        ),
        (
            "CKV_AWS_116",
            "A dead-lettered beat is stale a period later; the Heartbeat rule restarts a stalled clock.",
        ),
        (
            "CKV_AWS_117",
            "The function calls AWS APIs only; in a VPC it would need a NAT gateway or endpoints, billed "
            "hourly, to protect nothing.",
        ),
        (
            "CKV_AWS_173",
            "Lambda encrypts environment variables at rest; they hold ARNs and a payload sent in clear to "
            "every target.",
        ),
    ],
    "AWS::Logs::LogGroup": [
        (
            "CKV_AWS_158",
            "CloudWatch Logs encrypts at rest; the lines hold tick ids and ARNs, and a customer managed key "
            "costs $1/month.",
        ),
    ],
    "AWS::SNS::Topic": [
        (
            "CKV_AWS_26",
            "Alarms cannot publish under alias/aws/sns; a $1/month key would hide only alarm changes and "
            "this stack's CloudFormation requests.",
        ),
    ],
}


def with_checkov_skips(resources: Json) -> Json:
    """Add CHECKOV_SKIPS to each resource's Metadata, where checkov reads them."""
    for resource in resources.values():
        skips = CHECKOV_SKIPS.get(resource["Type"])
        if skips:
            skip = [{"id": check, "comment": reason} for check, reason in skips]
            resource["Metadata"] = resource.get("Metadata", {}) | {"checkov": {"skip": skip}}
    return resources


def outputs(spec: ClockSpec) -> Json:
    # Alarm0 only for the seed's pair: `alarmclock status` reads the design from it.
    tick_alarms = {f"Alarm{value}": {"Value": sub(f"{ALARM_PREFIX}{value}")} for value in tick_alarm_values(spec)}
    return {
        "ClockName": {"Value": CLOCK_NAME},
        "FunctionName": {"Value": ref("TickFunction")},
        "MetricNamespace": {"Value": sub(NAMESPACE)},
        **tick_alarms,
        "Watchdog": {"Value": sub(WATCHDOG_NAME)},
    }
