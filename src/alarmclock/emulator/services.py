"""Emulated Lambda, SNS and the targets' services (SQS, EventBridge, a user's function).

The clock's own function runs the real handler code, loaded from the template's
Code.ZipFile; everything it calls comes back through the bridge to `dispatch` here.
"""

from __future__ import annotations

import functools
import types
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alarmclock.emulator import iam
from alarmclock.emulator.bridge import Bridge, ServiceError
from alarmclock.emulator.cloudwatch import CloudWatchError, EmulatedCloudWatch
from alarmclock.emulator.faults import Faults
from alarmclock.emulator.formats import alarm_arn, iso_millis_z
from alarmclock.emulator.logs import EmfExtractor, LogError, LogGroup
from alarmclock.emulator.world import World

# botocore's operation name -> IAM's action name, where they differ.
IAM_ACTIONS = {("lambda", "Invoke"): "lambda:InvokeFunction"}
CLOUDWATCH_OPERATIONS = {
    "PutMetricData": "put_metric_data",
    "SetAlarmState": "set_alarm_state",
    "DisableAlarmActions": "disable_alarm_actions",
    "EnableAlarmActions": "enable_alarm_actions",
    "DescribeAlarms": "describe_alarms",
    "DescribeAlarmHistory": "describe_alarm_history",
    "PutMetricAlarm": "put_metric_alarm",
    "DeleteAlarms": "delete_alarms",
}


@dataclass
class Delivery:
    time: float
    target: str
    body: str


@dataclass
class Invocation:
    """One asynchronous invocation and its retries."""

    event: dict[str, Any]
    attempt: int = 0
    request_id: str = ""
    throttles: int = 0


@functools.lru_cache(maxsize=16)
def _compiled(code: str, filename: str) -> types.CodeType:
    # Compiled once, run in each new environment: an hourly clock starts one at nearly every run.
    return compile(code, filename, "exec")


@dataclass
class EmulatedFunction:
    name: str
    arn: str
    region: str
    role_statements: list[dict[str, Any]]
    environment: dict[str, str]
    code: str
    permissions: list[dict[str, Any]] = field(default_factory=list)
    module: types.ModuleType | None = None
    config: Any = None  # the module's ClockConfig of this environment, read at the first run
    last_run: float | None = None
    runs: int = 0
    errors: int = 0
    environments: int = 0  # execution environments started (keep_warm_s)

    def load(self) -> types.ModuleType:
        # The handler runs exactly as deployed: the template's inline code, as module "index".
        if self.module is None:
            self.environments += 1
            module = types.ModuleType("index")
            module.__file__ = "index.py"
            exec(_compiled(self.code, f"<{self.name}/index.py>"), module.__dict__)
            self.module = module
        return self.module

    def may_be_invoked_by(self, principal: str, source_arn: str) -> bool:
        # A resource policy statement for that principal whose SourceArn (if any) matches.
        for permission in self.permissions:
            if permission.get("Principal") != principal:
                continue
            wanted = permission.get("SourceArn")
            if wanted is None or iam.wildcard_matches(str(wanted), source_arn):
                return True
        return False


class Context:
    """The Lambda context the handler sees. It has no get_remaining_time_in_millis: the
    handler's deadline guard is a real-time thread, and in virtual time a run takes no time."""

    def __init__(self, function: EmulatedFunction, request_id: str) -> None:
        self.function_name = function.name
        self.invoked_function_arn = function.arn
        self.aws_request_id = request_id
        self.log_stream_name = f"2026/01/01/[$LATEST]{request_id[:12]}"


class Services:
    """Lambda, SNS and the sinks of one emulated account and region."""

    def __init__(self, world: World, cloudwatch: EmulatedCloudWatch, faults: Faults, region: str, account: str):
        self.world = world
        self.cloudwatch = cloudwatch
        self.faults = faults
        self.region = region
        self.account = account
        self.functions: dict[str, EmulatedFunction] = {}  # by ARN and by name
        self.topics: dict[str, list[tuple[str, str]]] = {}  # topic ARN -> [(protocol, endpoint)]
        self.topic_policies: dict[str, list[dict[str, Any]]] = {}  # topic ARN -> its policy's statements
        self.sinks: dict[str, list[Delivery]] = {}  # target ARN -> what it received
        self.answers: Callable[[str, bytes], None] = lambda url, body: None
        self.bridge = Bridge(self.dispatch)
        self.dropped: list[tuple[float, str]] = []  # (time, why) for invocations that never ran
        self._request_counter = 0
        self._verdicts: dict[tuple[Any, ...], bool] = {}
        self.emf = EmfExtractor(world, cloudwatch)
        self.log_group = LogGroup()  # the functions' log lines, as FilterLogEvents reads them
        # Scheduled rules by name: each takes a PutRule's parameters (providers/rule.py).
        self.rules: dict[str, Callable[[dict[str, Any]], None]] = {}
        # Every call the clock's function made, by (service, operation): the cost model's usage.
        self.calls: Counter[tuple[str, str]] = Counter()

    # ---- setup ----------------------------------------------------------------------------

    def add_function(self, function: EmulatedFunction) -> None:
        self.functions[function.arn] = function
        self.functions[function.name] = function
        self.log_group.names.add(f"/aws/lambda/{function.name}")  # Lambda's default log group

    def remove_function(self, arn: str) -> None:
        function = self.functions.pop(arn, None)
        if function:
            self.functions.pop(function.name, None)

    def add_sink(self, arn: str) -> None:
        self.sinks.setdefault(arn, [])

    # ---- asynchronous invocation of the clock's function -------------------------------------

    def invoke_async(self, function_arn: str, event: dict[str, Any], principal: str | None, source_arn: str) -> None:
        """Queue an Event invocation. `principal` is the AWS service invoking it, whose right to
        is checked against the function's resource policy; None for the stack's own caller."""
        function = self.functions.get(function_arn)
        if function is None:
            self.dropped.append((self.world.now(), f"no function {function_arn}"))
            return
        if principal is not None and not function.may_be_invoked_by(principal, source_arn):
            self.dropped.append((self.world.now(), f"{principal} may not invoke {function.name} for {source_arn}"))
            return
        self._request_counter += 1
        invocation = Invocation(event=event, request_id=f"{self._request_counter:08d}-emulated")
        self.world.later(self.world.draw(self.world.timing.async_queue_s), self._start, function.arn, invocation)

    def _start(self, function_arn: str, invocation: Invocation) -> None:
        function = self.functions.get(function_arn)
        if function is None:
            self.dropped.append((self.world.now(), "function deleted before it ran"))
            return
        if self.faults.throttled(self.world.now()):
            # Lambda keeps a throttled asynchronous event and retries it with backoff, for up to
            # six hours by default (Lambda Developer Guide, asynchronous invocation).
            invocation.throttles += 1
            backoff = min(2.0**invocation.throttles, 300.0) * self.world.rng.uniform(0.5, 1.0)
            self.world.later(backoff, self._start, function_arn, invocation)
            return
        timing = self.world.timing
        idle = None if function.last_run is None else self.world.now() - function.last_run
        cold = idle is None or idle > timing.keep_warm_s
        if cold:
            # assumption: an environment idle longer than keep_warm_s is gone, and with it whatever the
            # handler kept in memory; the next run loads the module afresh, as a new environment does
            # (Lambda Developer Guide, "Lambda execution environment": reuse is not guaranteed).
            function.module = function.config = None
        delay = self.world.draw(timing.cold_start_s) if cold else 0.0
        self.world.later(delay, self._run, function_arn, invocation)

    def _run(self, function_arn: str, invocation: Invocation) -> None:
        function = self.functions.get(function_arn)
        if function is None:
            self.dropped.append((self.world.now(), "function deleted before it ran"))
            return
        function.last_run = self.world.now()
        function.runs += 1
        failure = self.faults.function_failure(self.world.now())
        try:
            if failure:
                raise RuntimeError(failure)
            self._call_handler(function, invocation)
            if self.faults.crash_after_work(self.world.now()):
                raise RuntimeError("injected crash after the work was done")
        except Exception as error:
            function.errors += 1
            self.world.log({"level": "ERROR", "action": "function_error", "error": f"{type(error).__name__}: {error}"})
            # fact: Lambda retries a failed asynchronous invocation twice, about 1 and 2 minutes later.
            if invocation.attempt < len(self.world.timing.retry_delays_s):
                delay = self.world.timing.retry_delays_s[invocation.attempt]
                invocation.attempt += 1
                self.world.later(delay, self._start, function_arn, invocation)
            else:
                self.dropped.append((self.world.now(), "retries exhausted"))

    def _call_handler(self, function: EmulatedFunction, invocation: Invocation) -> None:
        module = function.load()
        # Read once, as the real entry point (handler.lambda_handler) reads it once per execution
        # environment; an update makes a new EmulatedFunction, so a new environment is read anew.
        # (ClockConfig is never changed in place: the handler clones it to switch designs.)
        if function.config is None:
            function.config = module.ClockConfig.from_env(function.environment)
        config = function.config
        role = function.arn

        def client(service: str, region: str | None) -> Any:
            return self.bridge.client(role, service, region or function.region)

        runtime = module.Runtime(client=client, now=self.world.now, http_put=self.answers, log=self._log)
        module.handle(invocation.event, Context(function, invocation.request_id), config, runtime)

    def _log(self, record: dict[str, Any]) -> None:
        """The function's stdout: its log group, where EMF lines also become metric values."""
        self.world.log(record)
        self.log_group.write(self.world.now(), record)
        self.emf.read(record)

    # ---- SNS -----------------------------------------------------------------------------------

    def publish_to_topic(self, topic_arn: str, message: str, subject: str) -> None:
        """Deliver to each subscription after SNS's latency (the topic's own publishes)."""
        for protocol, endpoint in self.topics.get(topic_arn, []):
            if protocol != "lambda":
                continue
            event = sns_event(topic_arn, message, subject, self.world.now())
            delay = self.world.draw(self.world.timing.sns_delivery_s)
            self.world.later(delay, self.invoke_async, endpoint, event, "sns.amazonaws.com", topic_arn)

    # ---- the API the handler calls -------------------------------------------------------------

    def dispatch(self, caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls[(service, operation)] += 1
        function = self.functions.get(caller)
        action, resources, context = self._authorisation(service, operation, params)
        for resource in resources:
            if function is not None and not self._allowed(function, action, resource, context):
                raise ServiceError(
                    "AccessDenied", f"{function.name} is not authorized to perform {action} on {resource}"
                )
        resource = resources[0]
        refusal = self.faults.api_failure(self.world.now(), action)
        if refusal:
            raise ServiceError(refusal, f"{action} refused (fault injected)")
        if service == "cloudwatch":
            try:
                result: dict[str, Any] = getattr(self.cloudwatch, CLOUDWATCH_OPERATIONS[operation])(**params)
            except CloudWatchError as error:
                raise ServiceError(error.code, str(error), 404) from None
            return result
        if service == "logs" and operation == "FilterLogEvents":
            try:
                return self.log_group.filter(self.world.now(), **params)
            except LogError as error:
                raise ServiceError(error.code, str(error)) from None
        if service == "lambda" and operation == "Invoke":
            return self._deliver(resource, params.get("Payload", b""), {"StatusCode": 202})
        if service == "sns" and operation == "Publish":
            return self._deliver(resource, params["Message"], {"MessageId": "emulated"})
        if service == "sqs" and operation == "SendMessage":
            return self._deliver(resource, params["MessageBody"], {"MessageId": "emulated", "MD5OfMessageBody": ""})
        if service == "events" and operation == "PutRule":
            # A rule not in a stack would be created without targets: nothing to fire.
            if params["Name"] in self.rules:
                self.rules[params["Name"]](params)
            return {"RuleArn": resource}
        if service == "events" and operation == "PutEvents":
            for entry in params["Entries"]:
                self._deliver(resource, entry["Detail"], {})
            return {"FailedEntryCount": 0, "Entries": [{"EventId": "emulated"} for _ in params["Entries"]]}
        raise ServiceError("InvalidAction", f"the emulator does not model {service}:{operation}")

    def _allowed(self, function: EmulatedFunction, action: str, resource: str, context: dict[str, str]) -> bool:
        # The same few questions come every tick; a function's statements never change in place
        # (an update makes a new function), so the answers can be kept per statements list.
        key = (id(function.role_statements), action, resource, tuple(sorted(context.items())))
        if key not in self._verdicts:
            self._verdicts[key] = iam.allowed(function.role_statements, action, resource, context)
        return self._verdicts[key]

    def _deliver(self, target: str, body: str | bytes, answer: dict[str, Any]) -> dict[str, Any]:
        if target not in self.sinks:
            raise ServiceError("ResourceNotFoundException", f"no such target: {target}", 404)
        text = body.decode() if isinstance(body, bytes) else body
        self.sinks[target].append(Delivery(self.world.now(), target, text))
        return answer

    def _authorisation(
        self, service: str, operation: str, params: dict[str, Any]
    ) -> tuple[str, list[str], dict[str, str]]:
        """The IAM action, the resource ARNs it touches and the condition keys of one call."""
        region, account = self.region, self.account
        action = IAM_ACTIONS.get((service, operation), f"{service}:{operation}")
        if service == "cloudwatch":
            if operation == "PutMetricData":
                return action, ["*"], {"cloudwatch:namespace": params["Namespace"]}
            if operation == "DescribeAlarms" and "AlarmNames" not in params:
                return action, ["*"], {}  # by prefix, or every alarm
            names = params.get("AlarmNames") or [params.get("AlarmName", "")]
            return action, [alarm_arn(region, account, name) for name in names], {}
        if service == "lambda":
            name = str(params["FunctionName"])
            arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
            return action, [arn], {}
        if service == "sns":
            return action, [str(params.get("TopicArn", ""))], {}
        if service == "sqs":
            # https://sqs.REGION.amazonaws.com/ACCOUNT/NAME -> arn:aws:sqs:REGION:ACCOUNT:NAME
            host, queue_account, queue = str(params["QueueUrl"]).split("/")[2:5]
            return action, [f"arn:aws:sqs:{host.split('.')[1]}:{queue_account}:{queue}"], {}
        if service == "events" and operation == "PutRule":
            return action, [f"arn:aws:events:{region}:{account}:rule/{params['Name']}"], {}
        if service == "events":
            bus = str(params["Entries"][0].get("EventBusName", "default"))
            arn = bus if bus.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{bus}"
            return action, [arn], {}
        return action, ["*"], {}


def sns_event(topic_arn: str, message: str, subject: str, now: float) -> dict[str, Any]:
    """The event SNS hands a subscribed Lambda function (Lambda Developer Guide, SNS event)."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:emulated",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "emulated",
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": iso_millis_z(now),
                    "SignatureVersion": "1",
                    "Signature": "EMULATED",
                    "MessageAttributes": {},
                },
            }
        ]
    }
