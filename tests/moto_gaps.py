"""What AWS does for a deployed clock and moto cannot, done by the tests, in the open.

moto's CloudFormation (5.2, no Docker here):
- skips `AWS::CloudWatch::Alarm`, so no alarm exists after a deploy;
- would run the `Starter` custom resource's function in Docker, so the handler never runs;
  and through a change set it completes the stack without waiting for that answer;
- never evaluates alarms, and `SetAlarmState` fires no action.

`MotoGaps.sync()` closes those gaps for every clock on the moto server, the way AWS would:
it creates (updates, deletes) the two alarms exactly as the deployed template declares them,
runs the real `alarmclock.handler.handle` in-process with the Create/Update/Delete request
CloudFormation would send (with the stack's real `Paused` value), and delivers CloudWatch's
direct-Lambda alarm action to the same handler when an alarm with enabled actions goes to
ALARM (as the handler's kick makes it). The handler's answers to CloudFormation are kept in
`answers` and checked by the tests, since moto is not waiting for them.

It never evaluates the metric: the loop's later beats are the emulator's business, and tests
that need a past beat write it with put_metric_data.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from alarmclock import handler

from conftest import ACCOUNT, REGION, load_event

# The AWS::CloudWatch::Alarm properties that are PutMetricAlarm parameters of the same name.
ALARM_KEYS = (
    "AlarmName",
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "ExtendedStatistic",
    "Unit",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
)


@dataclass
class Deployed:
    stack_id: str
    name: str
    template: str
    paused: bool
    config: handler.ClockConfig
    alarm_names: list[str] = field(default_factory=list)


class MotoGaps:
    def __init__(self, endpoint: str, region: str = REGION) -> None:
        self.endpoint, self.region = endpoint, region
        session = boto3.Session(region_name=region)
        self.kw = {"region_name": region, "endpoint_url": endpoint}
        self.cloudformation = session.client("cloudformation", **self.kw)
        self.cloudwatch = session.client("cloudwatch", **self.kw)
        self.lambda_ = session.client("lambda", **self.kw)
        self.deployed: dict[str, Deployed] = {}
        self.delivered: set[tuple[str, str]] = set()
        self.answers: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        self.deliver_actions = True
        self.lock = threading.Lock()
        self._clients: dict[tuple[str, str | None], Any] = {}

    # ---- the handler's runtime: real boto3 against moto, the real clock, answers recorded ----

    def client(self, service: str, region: str | None) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = boto3.client(  # type: ignore[call-overload]
                service, region_name=region or self.region, endpoint_url=self.endpoint
            )
        return self._clients[key]

    def record_answer(self, url: str, body: bytes) -> None:
        self.answers.append(json.loads(body))

    @property
    def runtime(self) -> handler.Runtime:
        return handler.Runtime(client=self.client, now=time.time, http_put=self.record_answer, log=self.logs.append)

    # ---- sync --------------------------------------------------------------------------------

    def sync(self) -> None:
        """Bring every clock on the server to where AWS would have it by now."""
        with self.lock:
            live = {}
            for page in self.cloudformation.get_paginator("describe_stacks").paginate():
                for stack in page["Stacks"]:
                    tags = {t["Key"]: t["Value"] for t in stack.get("Tags") or ()}
                    if "alarmclock:version" in tags and stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                        live[stack["StackId"]] = stack
            for stack in live.values():
                self.settle(stack)
            for stack_id in [s for s in self.deployed if s not in live]:
                status = self.cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
                if status == "DELETE_COMPLETE":
                    self.delete(self.deployed.pop(stack_id))
            if self.deliver_actions:
                for clock in self.deployed.values():
                    self.deliver(clock)

    def settle(self, stack: dict[str, Any]) -> None:
        stack_id, name = stack["StackId"], stack["StackName"]
        template = self.cloudformation.get_template(StackName=stack_id)["TemplateBody"]
        text = template if isinstance(template, str) else json.dumps(template, sort_keys=True)
        params = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters") or ()}
        paused = params.get("Paused") == "true"
        known = self.deployed.get(stack_id)
        if known is not None and (known.template, known.paused) == (text, paused):
            return
        body = json.loads(template) if isinstance(template, str) else template
        function = self.cloudformation.describe_stack_resource(StackName=stack_id, LogicalResourceId="TickFunction")
        function_name = function["StackResourceDetail"]["PhysicalResourceId"]
        env = self.lambda_.get_function_configuration(FunctionName=function_name)["Environment"]["Variables"]
        clock = Deployed(stack_id, name, text, paused, handler.ClockConfig.from_env(env))
        # CloudFormation creates or updates the alarms (every AWS::CloudWatch::Alarm) as the
        # template declares them.
        resolved = {
            "TickFunction.Arn": self.lambda_.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"]
        }
        if "TickTopic" in body["Resources"]:
            topic = self.cloudformation.describe_stack_resource(StackName=stack_id, LogicalResourceId="TickTopic")
            resolved["TickTopic"] = topic["StackResourceDetail"]["PhysicalResourceId"]
        for resource in body["Resources"].values():
            if resource["Type"] != "AWS::CloudWatch::Alarm":
                continue
            declared = resolve(resource["Properties"], name, paused, resolved)
            self.cloudwatch.put_metric_alarm(**{k: declared[k] for k in ALARM_KEYS if k in declared})
            clock.alarm_names.append(declared["AlarmName"])
        # ... then sends the Starter its request, with the stack's real Paused value.
        properties = {"ServiceToken": "(moto)", "Paused": "true" if paused else "false"}
        if known is None:
            request = self.request("Create", clock, properties)
        else:
            request = self.request("Update", clock, properties)
            request["OldResourceProperties"] = {"ServiceToken": "(moto)", "Paused": "true" if known.paused else "false"}
            request["PhysicalResourceId"] = f"{name}-Starter"
        handler.handle(request, None, clock.config, self.runtime)
        self.deployed[stack_id] = clock

    def delete(self, clock: Deployed) -> None:
        # CloudFormation sends the Starter its Delete, then deletes the alarms.
        request = self.request("Delete", clock, {"ServiceToken": "(moto)"})
        request["PhysicalResourceId"] = f"{clock.name}-Starter"
        handler.handle(request, None, clock.config, self.runtime)
        self.cloudwatch.delete_alarms(AlarmNames=clock.alarm_names)

    def request(self, kind: str, clock: Deployed, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "RequestType": kind,
            "ResponseURL": f"{self.endpoint}/cloudformation_{self.region}/cfnresponse?stack={clock.stack_id}",
            "StackId": clock.stack_id,
            "RequestId": f"{kind}-{len(self.answers)}",
            "LogicalResourceId": "Starter",
            "ResourceType": "Custom::AlarmClockStarter",
            "ResourceProperties": properties,
        }

    def deliver(self, clock: Deployed) -> None:
        """CloudWatch's direct Lambda action for each new ALARM state (moto fires none)."""
        alarms = self.cloudwatch.describe_alarms(AlarmNames=clock.alarm_names)["MetricAlarms"]
        for alarm in alarms:
            stamp = alarm["StateUpdatedTimestamp"].astimezone(UTC)
            key = (alarm["AlarmName"], stamp.isoformat())
            if alarm["StateValue"] != "ALARM" or not alarm["ActionsEnabled"] or key in self.delivered:
                continue
            self.delivered.add(key)
            handler.handle(alarm_action(alarm["AlarmName"], stamp), None, clock.config, self.runtime)

    # ---- background --------------------------------------------------------------------------

    @contextlib.contextmanager
    def running(self, every_s: float = 0.02) -> Iterator[MotoGaps]:
        """sync() in a thread while a blocking command (deploy, resume, destroy) waits."""
        stop = threading.Event()
        errors: list[BaseException] = []

        def loop() -> None:
            while not stop.is_set():
                try:
                    self.sync()
                except Exception as error:  # reported when the block ends
                    errors.append(error)
                    return
                stop.wait(every_s)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(5)
        if errors:
            raise errors[0]


def resolve(value: Any, stack: str, paused: bool, resolved: dict[str, str]) -> Any:
    """The few intrinsic functions the alarms use, as CloudFormation resolves them."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Sub":
            for name, real in (
                ("AWS::StackName", stack),
                ("AWS::Region", REGION),
                ("AWS::AccountId", ACCOUNT),
                ("AWS::Partition", "aws"),
            ):
                arg = arg.replace("${" + name + "}", real)
            return arg
        if key == "Ref":
            return resolved.get(arg, arg)
        if key == "Fn::GetAtt":
            return resolved[".".join(arg)]
        if key == "Fn::If":
            condition, if_true, if_false = arg
            assert condition == "ClockRunning"
            return resolve(if_false if paused else if_true, stack, paused, resolved)
    if isinstance(value, dict):
        return {k: resolve(v, stack, paused, resolved) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, stack, paused, resolved) for v in value]
    return value


def alarm_action(alarm_name: str, when: datetime) -> dict[str, Any]:
    """The recorded direct-Lambda alarm event, for this alarm going to ALARM at `when`."""
    event = copy.deepcopy(load_event("lambda_alarm_action.json"))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"
    event["alarmArn"] = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm_name}"
    event["time"] = stamp
    event["alarmData"]["alarmName"] = alarm_name
    event["alarmData"]["state"]["timestamp"] = stamp
    return event
