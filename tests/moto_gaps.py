"""What AWS does for a deployed clock and moto cannot, done by the tests, in the open.

moto's CloudFormation (5.2.5, pinned in pyproject.toml; no Docker here):
- skips `AWS::CloudWatch::Alarm`, so no alarm exists after a deploy;
- would run the `Starter` custom resource's function in Docker, so the handler never runs;
  and through a change set it completes the stack without waiting for that answer;
- never evaluates alarms, and `SetAlarmState` fires no action.
moto's CloudWatch also starts every alarm in OK (AWS: INSUFFICIENT_DATA), resets an alarm's
state when PutMetricAlarm updates it (AWS keeps it), and answers no StateTransitionedTimestamp
(when StateValue last changed).

`MotoGaps.sync()` closes those gaps for every clock on the moto server, the way AWS would:
- it creates, updates and deletes the clock's alarms (every `AWS::CloudWatch::Alarm` of the
  deployed template: the one tick alarm or the seed's pair, and the watchdog) exactly as the
  template declares them, and, as CloudFormation, updates only those whose properties changed; a
  new alarm starts in INSUFFICIENT_DATA, an updated one keeps its state and when it changed;
- it keeps StateTransitionedTimestamp on moto's own alarm objects (the server runs in this
  process, and moto answers any attribute of that name): set when an alarm is created and when
  SetAlarmState really changes its state, kept when an alarm is updated;
- it runs the real `alarmclock.handler.handle` in-process with the Create, Update or Delete
  request CloudFormation would send the Starter: Create once, Update only when the Starter's
  properties changed (with the old ones), Delete when the stack is gone;
- every state change the handler makes with SetAlarmState runs that state's actions, as AWS
  runs them: only when the state really changes (SetAlarmState to the state an alarm is already
  in runs nothing), only while the alarm's actions are enabled, and for the new state's own list
  (AlarmActions on ALARM, OKActions on OK: in the one-alarm design both are ticks). Each action
  is delivered to the same handler in the format of its path: CloudWatch's direct Lambda event,
  or the SNS notification for `--via sns`. A kick's prelude (the other state first, when the
  alarm is already in the one the kick wants) is delivered too; the handler ignores it.
The handler's answers to CloudFormation are kept in `answers` and checked by the tests, since
moto is not waiting for them.

For a clock that publishes with the api or logs, it never evaluates the metric: the loop's later
beats are the emulator's business, and tests that need a past beat write it with put_metric_data.
The handler stamps each Tick it publishes up to a period after the state change
(handler.next_stamp), so a query for the ticks since some moment must look up to a period past now.

A wave clock has no kick: its tick alarm leaves INSUFFICIENT_DATA, and flips, only when CloudWatch
evaluates it on the values the handler laid. So for a wave clock every `sync()` also does what
CloudWatch does at the tick alarms' evaluation at that moment (`evaluate`), and nothing more: it
reads the Tick values moto holds (with the clock's Wave dimension) in the window the alarm looks
at now (sliding: the period that ends on the last whole evaluation cycle; wall-clock: the last
whole period), compares their Average with the alarm's own threshold and operator, and if that
calls for another state, sets it with SetAlarmState, whose actions then run as above (only if the
state changed and the actions are enabled). For the one alarm (Tick >= 1), a 1 in the window is
ALARM and a 0 is OK; for the pair, tick-is-V goes to ALARM on a V and the other to OK. A window
with no value leaves the state as it is (CloudWatch moves to INSUFFICIENT_DATA only once its whole
evaluation range is empty, which no test waits for), and the watchdog is never evaluated. The
evaluation happens whenever a test syncs, not at CloudWatch's own second of the cycle; a state
that flips once a period flips at the first sync after the period boundary.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from moto.cloudwatch.models import cloudwatch_backends

from alarmclock import handler

from conftest import ACCOUNT, REGION, answer_url, load_event

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
    "EvaluationWindow",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
)
# Which of an alarm's action lists runs when it changes to each state.
ACTIONS_FOR_STATE = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}
# What DescribeAlarms says of an alarm PutMetricAlarm has just created, on AWS.
INITIAL_STATE = ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
# How an alarm compares its statistic with its threshold (the operators a clock's alarms use).
COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
}


@dataclass
class Deployed:
    stack_id: str
    name: str
    template: str
    paused: bool
    config: handler.ClockConfig
    starter: dict[str, Any]  # the Starter's properties, as CloudFormation sends them
    alarm_names: list[str] = field(default_factory=list)
    declared: dict[str, dict[str, Any]] = field(default_factory=dict)  # each alarm's PutMetricAlarm
    function_arn: str = ""
    topic_arn: str | None = None


@dataclass(frozen=True)
class Transition:
    """One alarm state change made by SetAlarmState: the alarm as DescribeAlarms shows it after."""

    previous: str
    alarm: dict[str, Any]


class MotoGaps:
    def __init__(self, endpoint: str, region: str = REGION) -> None:
        self.endpoint, self.region = endpoint, region
        session = boto3.Session(region_name=region)
        self.kw = {"region_name": region, "endpoint_url": endpoint}
        self.cloudformation = session.client("cloudformation", **self.kw)
        self.cloudwatch = session.client("cloudwatch", **self.kw)
        self.lambda_ = session.client("lambda", **self.kw)
        self.deployed: dict[str, Deployed] = {}
        self.transitions: list[Transition] = []
        self.delivered: list[tuple[str, str]] = []  # (alarm, state) of each action run
        self.set_states: list[tuple[str, str]] = []  # (alarm, state) of each SetAlarmState by the handler
        self.answers: list[dict[str, Any]] = []
        self.invoked: list[Any] = []  # the events of each Invoke of a clock's function (serve_invocations)
        self.logs: list[dict[str, Any]] = []
        self.deliver_actions = True
        self.lock = threading.RLock()
        self._clients: dict[tuple[str, str | None], Any] = {}

    # ---- the handler's runtime: real boto3 against moto, the real clock, answers recorded ----

    def client(self, service: str, region: str | None) -> Any:
        key = (service, region)
        if key not in self._clients:
            real = boto3.client(service, region_name=region or self.region, endpoint_url=self.endpoint)
            self._clients[key] = AlarmStates(real, self) if service == "cloudwatch" else real
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
                self.deliver()
                clock = self.deployed[stack["StackId"]]
                if clock.config.publish == "wave":
                    self.evaluate(clock)
                    self.deliver()
            for stack_id in [s for s in self.deployed if s not in live]:
                status = self.cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
                if status == "DELETE_COMPLETE":
                    self.delete(self.deployed.pop(stack_id))
                    self.deliver()

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
        resolved = {
            "TickFunction.Arn": self.lambda_.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"],
            "Paused": "true" if paused else "false",
        }
        if "TickTopic" in body["Resources"]:
            topic = self.cloudformation.describe_stack_resource(StackName=stack_id, LogicalResourceId="TickTopic")
            resolved["TickTopic"] = topic["StackResourceDetail"]["PhysicalResourceId"]
        # CloudFormation passes a custom resource its properties as strings.
        starter = {
            k: str(v) for k, v in resolve(body["Resources"]["Starter"]["Properties"], name, paused, resolved).items()
        }
        clock = Deployed(
            stack_id,
            name,
            text,
            paused,
            handler.ClockConfig.from_env(env),
            starter,
            function_arn=resolved["TickFunction.Arn"],
            topic_arn=resolved.get("TickTopic"),
        )
        # CloudFormation creates or updates the alarms (every AWS::CloudWatch::Alarm) as the
        # template declares them ...
        before = {a["AlarmName"]: a for a in self.describe(known.alarm_names if known else [])}
        for resource in body["Resources"].values():
            if resource["Type"] != "AWS::CloudWatch::Alarm":
                continue
            declared = resolve(resource["Properties"], name, paused, resolved)
            request = {k: declared[k] for k in ALARM_KEYS if k in declared}
            alarm_name = declared["AlarmName"]
            clock.alarm_names.append(alarm_name)
            clock.declared[alarm_name] = request
            old = before.get(alarm_name)
            if old is not None and known is not None and known.declared.get(alarm_name) == request:
                continue  # unchanged: CloudFormation leaves it alone
            self.cloudwatch.put_metric_alarm(**request)
            # ... a new alarm in INSUFFICIENT_DATA, an updated one in the state it had (moto: OK),
            # since the time it had it.
            state, reason = (old["StateValue"], old["StateReason"]) if old else INITIAL_STATE
            self.cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue=state, StateReason=reason)
            if old is None:
                self.mark_transition(alarm_name)
            else:
                self.keep_transition(alarm_name, old)
        # ... deletes those the template no longer has (the pair's tick-is-0, after --alarms 1) ...
        gone = [a for a in (known.alarm_names if known else []) if a not in clock.alarm_names]
        if gone:
            self.cloudwatch.delete_alarms(AlarmNames=gone)
        # ... then sends the Starter its Create, or its Update if its properties changed.
        if known is None:
            handler.handle(self.request("Create", clock, starter), None, clock.config, self.runtime)
        elif starter != known.starter:
            request = self.request("Update", clock, starter)
            request["OldResourceProperties"] = known.starter
            request["PhysicalResourceId"] = f"{name}-Starter"
            handler.handle(request, None, clock.config, self.runtime)
        self.deployed[stack_id] = clock

    def delete(self, clock: Deployed) -> None:
        # CloudFormation sends the Starter its Delete, then deletes the alarms.
        request = self.request("Delete", clock, clock.starter)
        request["PhysicalResourceId"] = f"{clock.name}-Starter"
        handler.handle(request, None, clock.config, self.runtime)
        self.cloudwatch.delete_alarms(AlarmNames=clock.alarm_names)

    def request(self, kind: str, clock: Deployed, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "RequestType": kind,
            "ResponseURL": answer_url(
                f"{self.endpoint}/cloudformation_{self.region}/cfnresponse?stack={clock.stack_id}"
            ),
            "StackId": clock.stack_id,
            "RequestId": f"{kind}-{len(self.answers)}",
            "LogicalResourceId": "Starter",
            "ResourceType": "Custom::AlarmClockStarter",
            "ResourceProperties": dict(properties),
        }

    def describe(self, names: list[str]) -> list[dict[str, Any]]:
        return list(self.cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]) if names else []

    # ---- alarm state times: moto's alarm objects, in this process ---------------------------------

    def moto_alarm(self, name: str) -> Any:
        return cloudwatch_backends[ACCOUNT][self.region].alarms[name]

    def mark_transition(self, name: str) -> None:
        """The alarm's StateValue has just changed: DescribeAlarms' StateTransitionedTimestamp."""
        alarm = self.moto_alarm(name)
        alarm.state_transitioned_timestamp = alarm.state_updated_timestamp

    def keep_transition(self, name: str, old: dict[str, Any]) -> None:
        """An updated alarm keeps its state's times (moto's PutMetricAlarm made a new alarm)."""
        alarm = self.moto_alarm(name)
        for attribute, key in (
            ("state_updated_timestamp", "StateUpdatedTimestamp"),
            ("state_transitioned_timestamp", "StateTransitionedTimestamp"),
        ):
            if old.get(key) is not None:
                setattr(alarm, attribute, old[key].astimezone(UTC).replace(tzinfo=None))  # moto's are naive UTC

    # ---- a wave clock's alarm evaluations -------------------------------------------------------

    def evaluate(self, clock: Deployed) -> None:
        """What CloudWatch does when it evaluates a wave clock's tick alarms now: each goes to the
        state the value in its current window calls for (see the module's docstring)."""
        config, now = clock.config, time.time()
        if config.window == "wallclock":
            end = now // config.period * config.period
        else:
            end = now // config.cycle * config.cycle
        for alarm in self.describe(config.alarm_names):
            points = self.cloudwatch.get_metric_statistics(
                Namespace=alarm["Namespace"],
                MetricName=alarm["MetricName"],
                Dimensions=alarm.get("Dimensions") or [],
                StartTime=datetime.fromtimestamp(end - config.period, UTC),
                EndTime=datetime.fromtimestamp(end, UTC),
                Period=config.period,
                Statistics=["Average"],
            )["Datapoints"]
            if not points:
                continue
            value = sum(p["Average"] for p in points) / len(points)
            breaching = COMPARE[alarm["ComparisonOperator"]](value, alarm["Threshold"])
            state = "ALARM" if breaching else "OK"
            if state != alarm["StateValue"]:
                relation = "crossed" if breaching else "did not cross"
                reason = f"Threshold Crossed: 1 datapoint [{value}] {relation} the threshold ({alarm['Threshold']})"
                self.set_state(self.cloudwatch, AlarmName=alarm["AlarmName"], StateValue=state, StateReason=reason)

    # ---- alarm actions -------------------------------------------------------------------------

    def set_state(self, cloudwatch: Any, **request: Any) -> Any:
        """SetAlarmState, and the transition it makes (if it makes one) for `deliver`."""
        name = request["AlarmName"]
        before = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        answer = cloudwatch.set_alarm_state(**request)
        # AWS runs actions "when the updated state differs from the previous value" (SetAlarmState).
        if before and before[0]["StateValue"] != request["StateValue"]:
            self.mark_transition(name)
            after = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
            self.changed(before[0]["StateValue"], after)
        return answer

    def changed(self, previous: str, alarm: dict[str, Any]) -> None:
        """SetAlarmState changed an alarm's state: its actions for the new state are due."""
        self.transitions.append(Transition(previous, alarm))

    def deliver(self) -> None:
        """Run the actions of every state change so far, in order, as CloudWatch would.

        With `deliver_actions` off they are lost (a failed invocation, say). An action may make
        more changes (a watchdog's restart kicks a tick alarm): those run in turn.
        """
        while self.transitions:
            change = self.transitions.pop(0)
            alarm, state = change.alarm, change.alarm["StateValue"]
            clock = next((c for c in self.deployed.values() if alarm["AlarmName"] in c.alarm_names), None)
            if not self.deliver_actions or clock is None or not alarm["ActionsEnabled"]:
                continue
            for arn in alarm.get(ACTIONS_FOR_STATE[state]) or ():
                if arn == clock.function_arn:
                    event = alarm_action(alarm["AlarmName"], state, change.previous, when(alarm), alarm["StateReason"])
                elif arn == clock.topic_arn:
                    event = sns_alarm_notification(arn, alarm, change.previous)
                else:
                    continue  # not this clock's function: nothing of ours runs
                self.delivered.append((alarm["AlarmName"], state))
                handler.handle(event, None, clock.config, self.runtime)

    # ---- a synchronous Invoke of a clock's function ----------------------------------------------

    def serve_invocations(self, monkeypatch: Any) -> None:
        """moto would run a clock's function in Docker: run the real handler on the event instead,
        as Lambda runs it for a RequestResponse Invoke (`alarmclock restart`): the answer is the
        handler's return value, or, if it raised, Lambda's error object with FunctionError
        Unhandled. The alarm actions its SetAlarmState calls cause run later, as AWS runs them: at
        the next `deliver` (a `sync`). Other functions are left to moto."""
        from moto.awslambda.models import LambdaBackend

        original = LambdaBackend.invoke
        gaps = self

        def invoke(
            backend: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
        ) -> Any:
            function = backend.get_function(function_name, qualifier)
            clock = next((c for c in gaps.deployed.values() if c.function_arn == function.function_arn), None)
            if clock is None:
                return original(backend, function_name, qualifier, body, headers, response_headers)
            gaps.invoked.append(json.loads(body or "null"))
            try:
                with gaps.lock:
                    answer = handler.handle(gaps.invoked[-1], None, clock.config, gaps.runtime)
            except Exception as error:
                response_headers["x-amz-function-error"] = "Unhandled"
                answer = {"errorMessage": str(error), "errorType": type(error).__name__}
            payload = json.dumps(answer)
            response_headers["Content-Length"] = str(len(payload))
            return payload

        monkeypatch.setattr(LambdaBackend, "invoke", invoke)

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


class AlarmStates:
    """The handler's CloudWatch client: moto's, except that SetAlarmState reports each real state
    change to MotoGaps, whose `deliver` then runs the alarm's actions (moto runs none). Every
    SetAlarmState the handler makes (a kick, its prelude) is kept in `MotoGaps.set_states`."""

    def __init__(self, real: Any, gaps: MotoGaps) -> None:
        self.real, self.gaps = real, gaps

    def set_alarm_state(self, **request: Any) -> Any:
        self.gaps.set_states.append((request["AlarmName"], request["StateValue"]))
        return self.gaps.set_state(self.real, **request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def resolve(value: Any, stack: str, paused: bool, resolved: dict[str, str]) -> Any:
    """The few intrinsic functions the alarms and the Starter use, as CloudFormation resolves them."""
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


def when(alarm: dict[str, Any]) -> datetime:
    return alarm["StateUpdatedTimestamp"].astimezone(UTC)


def cloudwatch_time(moment: datetime) -> str:
    # As CloudWatch writes it: "2026-11-27T08:43:17.611+0000".
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def alarm_action(
    alarm_name: str, state: str = "ALARM", previous: str = "OK", at: datetime | None = None, reason: str = ""
) -> dict[str, Any]:
    """The recorded direct-Lambda alarm event, for this alarm going from `previous` to `state` at `at`."""
    event = copy.deepcopy(load_event("lambda_alarm_action.json"))
    stamp = cloudwatch_time(at or datetime.now(UTC))
    event["alarmArn"] = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm_name}"
    event["time"] = stamp
    data = event["alarmData"]
    data["alarmName"] = alarm_name
    data["state"].update(value=state, timestamp=stamp, reason=reason or data["state"]["reason"])
    data["previousState"]["value"] = previous
    return event


def sns_alarm_notification(topic_arn: str, alarm: dict[str, Any], previous: str) -> dict[str, Any]:
    """The recorded SNS alarm notification, for this alarm's latest change, from its topic."""
    event = copy.deepcopy(load_event("sns_alarm_notification.json"))
    record = event["Records"][0]["Sns"]
    message = json.loads(record["Message"])
    message.update(
        AlarmName=alarm["AlarmName"],
        AlarmArn=alarm["AlarmArn"],
        AlarmDescription=alarm.get("AlarmDescription", ""),
        NewStateValue=alarm["StateValue"],
        NewStateReason=alarm["StateReason"],
        OldStateValue=previous,
        StateChangeTime=cloudwatch_time(when(alarm)),
        AlarmActions=alarm.get("AlarmActions", []),
        OKActions=alarm.get("OKActions", []),
    )
    record.update(
        TopicArn=topic_arn,
        Subject=f'{alarm["StateValue"]}: "{alarm["AlarmName"]}" in US East (N. Virginia)',
        Message=json.dumps(message),
    )
    return event


# ---- alarm history and the function's log (for `beat` and `calibrate`) ----------------------------
#
# moto 5.2 keeps a list of each alarm's past states (`FakeAlarm.history`: item type, the old
# reason, reason data, state and when it was entered, appended before every update) but answers no
# DescribeAlarmHistory. `describe_alarm_history` answers it from that list and the alarm's current
# state, as AWS would: one StateUpdate item per real change of state, newest first, MaxRecords a
# page with NextToken; the HistoryData carries oldState and newState, and stateReasonData only
# where moto kept one (SetAlarmState's changes have none, as on AWS). (The handler MotoGaps runs
# logs to `MotoGaps.logs`; a test that needs its log group writes those lines there, as Lambda would.)


def moto_state_updates(name: str) -> list[dict[str, Any]]:
    """Every StateUpdate of moto's alarm `name`, oldest first, as AlarmHistoryItems."""
    alarm = cloudwatch_backends[ACCOUNT][REGION].alarms.get(name)
    if alarm is None:
        return []
    states = [(entry[3], entry[1], entry[2], entry[4]) for entry in alarm.history if entry[0] == "StateUpdate"]
    states.append((alarm.state_value, alarm.state_reason, alarm.state_reason_data, alarm.state_updated_timestamp))
    items = []
    for (old, old_reason, _, _), (new, reason, reason_data, when) in itertools.pairwise(states):
        if old == new:
            continue  # an update to the state it was in: no change, no item
        new_state: dict[str, Any] = {"stateValue": new, "stateReason": reason}
        data = json.loads(reason_data or "{}")
        if data:
            new_state["stateReasonData"] = data
        history_data = {
            "version": "1.0",
            "oldState": {"stateValue": old, "stateReason": old_reason},
            "newState": new_state,
        }
        items.append(
            {
                "AlarmName": name,
                "AlarmType": "MetricAlarm",
                "Timestamp": when,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": f"Alarm updated from {old} to {new}",
                "HistoryData": json.dumps(history_data),
            }
        )
    return items


def describe_alarm_history(response: Any) -> Any:
    """moto's CloudWatchResponse.describe_alarm_history (installed by `serve_alarm_history`)."""
    from moto.core.responses import ActionResult

    name = response._get_param("AlarmName")
    kind = response._get_param("HistoryItemType")
    size = int(response._get_param("MaxRecords") or 100)
    start_date, end_date = response._get_param("StartDate"), response._get_param("EndDate")
    items = [
        item
        for item in moto_state_updates(name)[::-1]  # newest first
        if kind in (None, item["HistoryItemType"])
        and (start_date is None or _moment(item["Timestamp"]) >= _moment(start_date))
        and (end_date is None or _moment(item["Timestamp"]) <= _moment(end_date))
    ]
    start = int(response._get_param("NextToken") or 0)
    result: dict[str, Any] = {"AlarmHistoryItems": items[start : start + size]}
    if start + size < len(items):
        result["NextToken"] = str(start + size)
    return ActionResult(result)


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def serve_alarm_history(monkeypatch: Any) -> None:
    from moto.cloudwatch.responses import CloudWatchResponse

    monkeypatch.setattr(CloudWatchResponse, "describe_alarm_history", describe_alarm_history, raising=False)
