"""alarmclock.cdk.AlarmClock in real CDK stacks: one app, synthesized once for every test here
(CDK runs its JavaScript in a Node.js process; one synth takes seconds, one per test would take
minutes). Each clock's resources are the CLI's template's; its grants are CDK's, least privilege;
its names never clash; every template lints clean, passes checkov and ticks in the emulator like
the same clock built from options."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from alarmclock.cli import main
from alarmclock.render import render
from test_security import checkov_command, iam_problems, policy_documents
from variants import run_checkov

# One CDK synth for the file (a session fixture): keep it on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("cdk")

ROOT = Path(__file__).resolve().parents[2]
Json = dict[str, Any]
ACCOUNT = "123456789012"
ENV = {"account": ACCOUNT, "region": "us-east-1"}
JOB_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:job"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
# The ARNs the CLI is given for the targets the stacks declare (their tokens resolve to Ref/GetAtt).
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue"
BUS_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"
ALIAS_ARN = f"{JOB_ARN}:live"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"  # the queue's key
# The user's own resources in these stacks are fixtures, not the clock's; checkov's findings on them
# are the user's business, so they carry skips that say so (the clock's resources carry none of these).
FIXTURE_SKIPS = {
    "checkov": {
        "skip": [
            {"id": check, "comment": "a test fixture standing for the user's own function"}
            for check in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173")
        ]
    }
}


@dataclass(frozen=True)
class ClockCase:
    """A clock in the synthesized app, and the `alarmclock template` options of the same clock."""

    stack: str
    clock_id: str
    options: tuple[str, ...]  # the CLI's, the targets given by the ARNs the stand-ins below use
    paused: bool = False


# One clock per target kind, together every option the CLI has.
CASES = (
    ClockCase("Targets", "FunctionClock", ("--every", "10s", "--target", JOB_ARN, "--payload", '{"job": "poll"}')),
    ClockCase("Targets", "QueueClock", ("--every", "1m", "--target", QUEUE_ARN, "--alarms", "2", "--publish", "logs")),
    ClockCase(
        "Targets", "TopicClock", ("--every", "5m", "--target", TOPIC_ARN, "--via", "sns", "--window", "wallclock")
    ),
    ClockCase("Targets", "BusClock", ("--every", "1440m", "--target", BUS_ARN), paused=True),
    ClockCase("Targets", "AliasClock", ("--every", "30s", "--target", ALIAS_ARN, "--publish", "api")),
    ClockCase("Pair", "Fast", ("--every", "10s", "--target", JOB_ARN)),
    ClockCase("Pair", "Slow", ("--every", "5m", "--target", JOB_ARN)),
    ClockCase("Dev", "Every1m", ("--every", "1m", "--target", JOB_ARN)),
    ClockCase("Prod", "Every1m", ("--every", "1m", "--target", JOB_ARN)),
)


class Synthesized:
    """The app, its stacks' templates, and each clock's logical ids and target ARNs."""

    def __init__(self) -> None:
        from aws_cdk import App, Duration, Stack
        from aws_cdk import aws_events as events
        from aws_cdk import aws_kms as kms
        from aws_cdk import aws_lambda as lambda_
        from aws_cdk import aws_sns as sns
        from aws_cdk import aws_sqs as sqs

        from alarmclock.cdk import AlarmClock

        app = App()
        self.stacks: dict[str, Any] = {}
        self.clocks: dict[tuple[str, str], Any] = {}
        # What each target's ARN token resolves to in its template -> the ARN the CLI is given.
        self.arns: dict[str, dict[str, str]] = {}

        def stack(name: str) -> Any:
            self.stacks[name] = Stack(app, name, env=ENV)
            self.arns[name] = {}
            return self.stacks[name]

        def job(scope: Any) -> Any:
            function = lambda_.Function(
                scope,
                "Job",
                runtime=lambda_.Runtime.PYTHON_3_13,
                handler="index.handler",
                code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            )
            for key, block in FIXTURE_SKIPS.items():
                function.node.default_child.add_metadata(key, block)
            return function

        def clock(scope: Any, clock_id: str, targets: list[tuple[Any, str]], **props: Any) -> None:
            name = scope.node.id
            for target, arn in targets:
                token = next(
                    getattr(target, a)
                    for a in ("function_arn", "topic_arn", "queue_arn", "event_bus_arn")
                    if hasattr(target, a)
                )
                self.arns[name][json.dumps(scope.resolve(token))] = arn
            self.clocks[(name, clock_id)] = AlarmClock(scope, clock_id, targets=[t for t, _ in targets], **props)

        targets = stack("Targets")
        function = job(targets)
        # checkov 3.3.30 (CKV_AWS_27) takes a KMS key for encryption, not SQS-managed SSE. A customer
        # managed key: the clock's function must be let use it.
        key = kms.Key(targets, "QueueKey", enable_key_rotation=True)
        self.arns["Targets"][json.dumps(targets.resolve(key.key_arn))] = KEY_ARN
        queue = sqs.Queue(
            targets, "Queue", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True
        )
        topic = sns.Topic.from_topic_arn(targets, "Alerts", TOPIC_ARN)  # another stack's topic
        bus = events.EventBus(targets, "Bus", event_bus_name="orders")
        alias = lambda_.Alias(targets, "Live", alias_name="live", version=function.current_version)
        clock(targets, "FunctionClock", [(function, JOB_ARN)], every=Duration.seconds(10), payload={"job": "poll"})
        clock(targets, "QueueClock", [(queue, QUEUE_ARN)], every="1m", alarms=2, publish="logs")
        clock(targets, "TopicClock", [(topic, TOPIC_ARN)], every=Duration.minutes(5), via="sns", window="wallclock")
        clock(targets, "BusClock", [(bus, BUS_ARN)], every=Duration.days(1), paused=True)
        clock(targets, "AliasClock", [(alias, ALIAS_ARN)], every=30, publish="api")

        pair = stack("Pair")
        shared = job(pair)
        clock(pair, "Fast", [(shared, JOB_ARN)], every=Duration.seconds(10))
        clock(pair, "Slow", [(shared, JOB_ARN)], every=Duration.minutes(5))

        for environment in ("Dev", "Prod"):  # one stack per environment, the same clock in each
            scope = stack(environment)
            imported = lambda_.Function.from_function_arn(scope, "Job", JOB_ARN)
            clock(scope, "Every1m", [(imported, JOB_ARN)], every=Duration.minutes(1))

        self.example = load_example().JobsStack(app, "Jobs", env=ENV)
        assembly = app.synth()
        self.templates: dict[str, Json] = {
            name: assembly.get_stack_by_name(name).template for name in [*self.stacks, "Jobs"]
        }

    def logical_ids(self, case: ClockCase) -> dict[str, str]:
        """The clock's logical ids in its stack -> the names its resources have in the CLI's template."""
        construct = self.clocks[(case.stack, case.clock_id)]
        stack = self.stacks[case.stack]
        return {stack.resolve(resource.logical_id): name for name, resource in construct.resources.items()}


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("cdk_app", ROOT / "examples" / "cdk_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    if shutil.which("node") is None:
        pytest.fail("Node.js is not installed: AWS CDK runs its JavaScript with it (install Node.js 20 or later)")
    return Synthesized()


def test_one_synth_makes_every_stack(synthesized: Synthesized) -> None:
    # One synth for every test in this file (a synth per test would cost seconds each).
    assert set(synthesized.templates) == {"Targets", "Pair", "Dev", "Prod", "Jobs"}
    assert sum(len(t["Resources"]) for t in synthesized.templates.values()) > 10 * len(CASES)


# ---- one source of truth: the construct's resources are the CLI's template's -------------------------


def cli_template(case: ClockCase, tmp_path: Path) -> Json:
    out = tmp_path / f"{case.stack}-{case.clock_id}.json"
    assert main(["template", *case.options, "--format", "json", "-o", str(out)]) == 0
    return dict(json.loads(out.read_text()))


def walk(value: Any, change: Callable[[Any], Any]) -> Any:
    """change(value) applied bottom-up to every list and dict."""
    if isinstance(value, list):
        return change([walk(item, change) for item in value])
    if isinstance(value, dict):
        return change({key: walk(item, change) for key, item in value.items()})
    return value


def normalised_cli(template: Json, clock_name: str, paused: bool) -> Json:
    """The CLI's template as the construct must emit it: its Paused parameter decided, named after the
    clock instead of the stack, and without the statements that CDK's grants replace."""

    def decide(value: Any) -> Any:
        if value == {"Ref": "Paused"}:
            return "true" if paused else "false"
        if isinstance(value, dict) and set(value) == {"Fn::If"} and value["Fn::If"][0] == "ClockRunning":
            return value["Fn::If"][2 if paused else 1]
        if value == {"Ref": "AWS::StackName"}:
            return clock_name
        if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"].replace("${AWS::StackName}", clock_name)
            return {"Fn::Sub": text} if "${" in text else text
        return value

    resources = walk(copy.deepcopy(template["Resources"]), decide)
    document = resources["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    document["Statement"] = [s for s in document["Statement"] if not s.get("Sid", "").startswith("CallTargets")]
    return dict(resources)


def normalised_cdk(synthesized: Synthesized, case: ClockCase) -> tuple[Json, list[Json]]:
    """The clock's resources under the CLI's logical ids, its targets' ARNs as the CLI was given them;
    and the statements CDK's grants added to its role."""
    template = synthesized.templates[case.stack]
    names = synthesized.logical_ids(case)
    arns = synthesized.arns[case.stack]

    def rename(value: Any) -> Any:
        if isinstance(value, dict) and json.dumps(value) in arns:
            return arns[json.dumps(value)]
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in names:
            return {"Ref": names[value["Ref"]]}
        if isinstance(value, dict) and set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in names:
            return {"Fn::GetAtt": [names[value["Fn::GetAtt"][0]], value["Fn::GetAtt"][1]]}
        if isinstance(value, dict) and set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            if all(isinstance(part, str) for part in parts):
                return separator.join(parts)
        return value

    resources = {}
    for logical, name in names.items():
        resource = walk(copy.deepcopy(template["Resources"][logical]), rename)
        depends = [d for d in resource.pop("DependsOn", []) if d in names]  # not CDK's grant policy
        if depends:
            resource["DependsOn"] = sorted(names[d] for d in depends)
        resources[name] = resource
    # The one variable the construct adds: its Starter's logical id, which the CLI's template need not
    # give (the function's default is the template's own, Starter).
    variables = resources["TickFunction"]["Properties"]["Environment"]["Variables"]
    assert names[variables.pop("ALARMCLOCK_STARTER")] == "Starter"
    role = next(lg for lg, name in names.items() if name == "TickRole")
    grants = [
        walk(copy.deepcopy(statement), rename)
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]
    return resources, grants


@pytest.mark.parametrize("case", CASES, ids=[f"{c.stack}-{c.clock_id}" for c in CASES])
def test_the_construct_emits_the_clis_template(synthesized: Synthesized, case: ClockCase, tmp_path: Path) -> None:
    clock = synthesized.clocks[(case.stack, case.clock_id)]
    expected = normalised_cli(cli_template(case, tmp_path), clock.clock_name, case.paused)
    for resource in expected.values():  # CDK lists DependsOn sorted
        if isinstance(resource.get("DependsOn"), list):
            resource["DependsOn"] = sorted(resource["DependsOn"])
        elif "DependsOn" in resource:
            resource["DependsOn"] = [resource["DependsOn"]]
    emitted, _ = normalised_cdk(synthesized, case)
    assert list(emitted) == list(expected)
    for name, resource in expected.items():
        assert emitted[name] == resource, name


TARGET_GRANTS = {  # clock -> (actions, resource) of each statement its role gets for its target: only what it calls
    # (an unqualified function by its own ARN; CDK's grant_send_messages would add sqs:GetQueueAttributes,
    # sqs:GetQueueUrl and the key's Encrypt and ReEncrypt*, which the clock never uses)
    "FunctionClock": [({"lambda:InvokeFunction"}, JOB_ARN)],
    "QueueClock": [({"sqs:SendMessage"}, QUEUE_ARN), ({"kms:GenerateDataKey", "kms:Decrypt"}, KEY_ARN)],
    "TopicClock": [({"sns:Publish"}, TOPIC_ARN)],
    "BusClock": [({"events:PutEvents"}, BUS_ARN)],
    "AliasClock": [({"lambda:InvokeFunction"}, ALIAS_ARN)],
}


@pytest.mark.parametrize("clock_id", list(TARGET_GRANTS))
def test_each_target_is_granted_only_what_the_clock_calls_on_it(synthesized: Synthesized, clock_id: str) -> None:
    case = next(c for c in CASES if c.clock_id == clock_id)
    _, grants = normalised_cdk(synthesized, case)
    found = [(set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]]), s["Resource"]) for s in grants]
    assert found == TARGET_GRANTS[clock_id]
    # The function waits for its grants: its first tick may already call the target.
    function = next(lg for lg, name in synthesized.logical_ids(case).items() if name == "TickFunction")
    policy = next(
        lg
        for lg, r in synthesized.templates[case.stack]["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy" and lg.startswith(clock_id)
    )
    assert policy in synthesized.templates[case.stack]["Resources"][function]["DependsOn"]


def test_a_function_in_another_account_synthesizes_with_a_warning_naming_its_owners_policy() -> None:
    # grant_invoke on a function imported from another account tried to change that function's
    # policy and failed at synth with an unclear error; the clock grants its own role only, and says
    # what the function's owner must add.
    from aws_cdk import App, Duration, Stack
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk.assertions import Annotations, Match

    from alarmclock.cdk import AlarmClock

    app = App()
    stack = Stack(app, "Cross", env=ENV)
    other = "arn:aws:lambda:us-east-1:111122223333:function:job"
    AlarmClock(
        stack, "Clock", every=Duration.minutes(1), targets=[lambda_.Function.from_function_arn(stack, "Job", other)]
    )
    template = app.synth().get_stack_by_name("Cross").template
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("111122223333"))
    assert len(warnings) == 1
    assert f"target {other} is in account 111122223333, not the clock's ({ACCOUNT})" in warnings[0].entry.data
    assert f"--principal {ACCOUNT}" in warnings[0].entry.data
    grants = [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert grants == [{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": other}]
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Permission" and "Job" in str(r)]


def test_assertions_find_each_clocks_alarm_and_grants(synthesized: Synthesized) -> None:
    from aws_cdk.assertions import Match, Template

    template = Template.from_json(synthesized.templates["Targets"])
    template.resource_count_is("Custom::AlarmClockStarter", 5)
    for case in (c for c in CASES if c.stack == "Targets"):
        clock = synthesized.clocks[(case.stack, case.clock_id)]
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {"AlarmName": f"{clock.clock_name}-watchdog", "Namespace": clock.namespace, "MetricName": "Tick"},
        )
    queue_clock = synthesized.logical_ids(next(c for c in CASES if c.clock_id == "QueueClock"))
    role = next(lg for lg, name in queue_clock.items() if name == "TickRole")
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": role}],
            "PolicyDocument": {
                "Statement": Match.array_with([Match.object_like({"Action": "sqs:SendMessage", "Effect": "Allow"})])
            },
        },
    )


def test_a_sub_that_names_a_resource_names_the_new_one() -> None:
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template

    from alarmclock.cdk.emit import emit_resources

    stack = Stack(App(), "Sub")
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": {"Fn::Sub": "${Topic.TopicName}-${AWS::Region}-${Topic}"}},
            },
        }
    }
    emitted = emit_resources(stack, template)
    topic, queue = (stack.resolve(emitted[name].logical_id) for name in ("Topic", "Queue"))
    properties = Template.from_stack(stack).to_json()["Resources"][queue]["Properties"]
    assert properties["QueueName"] == {
        "Fn::Sub": [
            "${TopicTopicName}-${AWS::Region}-${Topic}",
            {"TopicTopicName": {"Fn::GetAtt": [topic, "TopicName"]}, "Topic": {"Ref": topic}},
        ]
    }


def clock_only(template: Json) -> Json:
    """The template without the user's own IAM: the least-privilege rule is the clock's promise."""
    clock_roles = {lg for lg, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role" and "TickRole" in lg}
    resources = {
        lg: r
        for lg, r in template["Resources"].items()
        if lg in clock_roles
        or r["Type"] not in ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::Lambda::Permission")
        or (r["Type"] == "AWS::IAM::Policy" and any(ref.get("Ref") in clock_roles for ref in r["Properties"]["Roles"]))
        or "TickFunction" in json.dumps(r.get("Properties", {}))
    }
    return {**template, "Resources": resources}


@pytest.mark.parametrize("stack", ["Targets", "Pair", "Dev", "Jobs"])
def test_every_clocks_iam_is_least_privilege(synthesized: Synthesized, stack: str) -> None:
    template = clock_only(synthesized.templates[stack])
    documents = policy_documents(template)
    assert len(documents) >= 2 * sum(1 for c in CASES if c.stack == stack)  # the role's own, and the grants
    assert iam_problems(template) == []


# ---- names: several clocks per stack, one stack per environment ----------------------------------


def clock_names(template: Json) -> list[str]:
    names = []
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::CloudWatch::Alarm" and "AlarmName" in properties:
            names += [properties["AlarmName"], properties["Namespace"]]
        if resource["Type"] == "AWS::Lambda::Function" and "ALARMCLOCK_NAME" in json.dumps(properties):
            names.append(properties["Environment"]["Variables"]["ALARMCLOCK_NAME"])
    return names


def test_no_two_clocks_share_a_name_in_a_stack_or_across_stacks(synthesized: Synthesized) -> None:
    alarms = [
        (stack, name)
        for stack, template in synthesized.templates.items()
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        for name in [resource["Properties"]["AlarmName"]]
    ]
    assert len(alarms) == len({name for _, name in alarms}) >= 2 * len(CASES)
    namespaces = {clock.namespace for clock in synthesized.clocks.values()}
    assert len(namespaces) == len(synthesized.clocks)
    # The same clock in the Dev and the Prod stack: names from the construct's path, stack included.
    dev, prod = synthesized.clocks[("Dev", "Every1m")], synthesized.clocks[("Prod", "Every1m")]
    assert dev.clock_name.startswith("Dev-Every1m-") and prod.clock_name.startswith("Prod-Every1m-")
    assert set(clock_names(synthesized.templates["Dev"])).isdisjoint(clock_names(synthesized.templates["Prod"]))
    # Log groups take names CloudFormation makes unique: the clock names none.
    for template in synthesized.templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Logs::LogGroup":
                assert "LogGroupName" not in resource["Properties"]


def test_accessors_name_the_clocks_own_metric_and_alarms(synthesized: Synthesized) -> None:
    stack = synthesized.stacks["Targets"]
    clock = synthesized.clocks[("Targets", "FunctionClock")]
    metric = clock.metric_tick()
    assert (metric.namespace, metric.metric_name, metric.dimensions) == (clock.namespace, "Tick", {"Wave": "10s"})
    assert (metric.period.to_seconds(), metric.statistic) == (10, "Average")
    assert clock.metric_tick(statistic="SampleCount").statistic == "SampleCount"
    assert synthesized.clocks[("Targets", "QueueClock")].metric_tick().dimensions is None  # logs: no wave
    logical = {name: stack.resolve(r.logical_id) for name, r in clock.resources.items()}
    assert stack.resolve(clock.watchdog_alarm.alarm_arn) == {"Fn::GetAtt": [logical["Watchdog"], "Arn"]}
    assert [stack.resolve(a.alarm_arn) for a in clock.tick_alarms] == [{"Fn::GetAtt": [logical["TickAlarm1"], "Arn"]}]
    assert stack.resolve(clock.function.function_arn) == {"Fn::GetAtt": [logical["TickFunction"], "Arn"]}
    # The example's dashboard draws that metric.
    dashboard = next(
        r for r in synthesized.templates["Jobs"]["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"
    )
    assert "alarmclock/Jobs-Every10s-" in json.dumps(dashboard)


def test_bad_props_fail_at_synth_with_the_clis_message() -> None:
    from aws_cdk import App, Duration, Stack
    from aws_cdk import aws_sqs as sqs

    from alarmclock.cdk import AlarmClock

    stack = Stack(App(), "Bad")
    queue = sqs.Queue(stack, "Queue")
    with pytest.raises(ValueError, match="is not a valid alarm period"):
        AlarmClock(stack, "Odd", every=Duration.seconds(45), targets=[queue])
    with pytest.raises(ValueError, match="needs at least one target"):
        AlarmClock(stack, "Lonely", every="1m", targets=[])
    with pytest.raises(TypeError, match="is not an IFunction, ITopic, IQueue or IEventBus"):
        AlarmClock(stack, "Bucket", every="1m", targets=["arn:aws:s3:::bucket"])
    with pytest.raises(ValueError, match="--window wallclock cannot hold"):
        AlarmClock(stack, "Wall", every="10s", targets=[queue], window="wallclock")
    # The environment is measured with the construct's own clock name, as Lambda counts it.
    with pytest.raises(
        ValueError, match=r"would measure [\d,]+ bytes for clock Bad-Big-\w+; Lambda takes at most 4,096"
    ):
        AlarmClock(stack, "Big", every="1m", targets=[queue], payload={"quotes": '"' * 1000})
    AlarmClock(stack, "Fits", every="1m", targets=[queue], payload={"quotes": '"' * 600})


# ---- cfn-lint, checkov ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["Targets", "Pair", "Dev", "Prod", "Jobs"])
def test_every_synthesized_template_lints_clean(synthesized: Synthesized, stack: str) -> None:
    text = render(synthesized.templates[stack], "json")
    problems = [str(match) for match in lint(text, config=ManualArgs(regions=["us-east-1"]))]
    # CDK's own Function adds a DependsOn on its role that its GetAtt already implies (W3005): the
    # user's resource, not the clock's; any finding on a clock's resource still fails.
    clocks = {lg for case in CASES if case.stack == stack for lg in synthesized.logical_ids(case)}
    cdk_idiom = re.compile(r"^\[W3005: .*\]\s*\('(\w+)' dependency already enforced .* at 'Resources/(\w+)/")
    problems = [p for p in problems if not ((m := cdk_idiom.match(p)) and not {m.group(1), m.group(2)} & clocks)]
    assert problems == []


def test_every_synthesized_template_passes_checkov(synthesized: Synthesized, tmp_path: Path) -> None:
    files = []
    for stack in ("Targets", "Pair", "Dev", "Prod"):
        path = tmp_path / f"{stack}.json"
        path.write_text(render(synthesized.templates[stack], "json"))
        files.append(path)
    report = run_checkov(checkov_command(), tmp_path)
    assert report.problems(files) == []
    passed = {r.resource.split(".")[0] for r in report.results if r.result == "PASSED"}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::SQS::Queue"} <= passed


# ---- the emulator runs the synthesized clock like the same clock built from options ---------------


def simulate_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Json, str]:
    status = main(["simulate", *args, "--json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out), captured.err


DURATIONS = {"10s": "30m", "30s": "1h", "1m": "1h", "5m": "2h", "1440m": "3d"}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.stack}-{c.clock_id}" for c in CASES])
def test_simulate_template_ticks_with_the_same_beat_as_simulate_with_options(
    synthesized: Synthesized, case: ClockCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "template.json"
    path.write_text(render(synthesized.templates[case.stack], "json"))
    common = ["--duration", DURATIONS[case.options[1]], "--seed", "7"]
    status, from_template, note = simulate_json(["--template", str(path), "--clock", case.clock_id, *common], capsys)
    assert note.startswith(f"simulating {case.clock_id} (")
    if case.paused:  # deployed stopped (the CLI's simulate has no such option): it must not tick
        assert (from_template["ticks"], from_template["verdict"]) == (0, "never ticked")
        return
    expected_status, from_options, _ = simulate_json([*case.options, *common], capsys)
    assert from_template["ticks"] > 0 and from_template["verdict"] == "ticking"
    # Everything but the alarms' names (the stack's name there, the construct's path here) is the same.
    clock_name = synthesized.clocks[(case.stack, case.clock_id)].clock_name
    renamed = {name.replace(clock_name, "clock"): value for name, value in from_template.pop("alarms").items()}
    assert renamed == from_options.pop("alarms")
    assert (status, from_template) == (expected_status, from_options)


def test_the_cdk_pages_example_simulates_as_the_page_says(
    synthesized: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Jobs.template.json"
    path.write_text(json.dumps(synthesized.templates["Jobs"]))
    assert main(["simulate", "--template", str(path), "--duration", "1h"]) == 2
    assert "2 clocks in this template (Every10s, Hourly); pick one with --clock PREFIX" in capsys.readouterr().err
    status, report, note = simulate_json(["--template", str(path), "--clock", "Every10s", "--duration", "1h"], capsys)
    assert status == 0 and report["verdict"] == "ticking" and report["period_s"] == 10
    # `cdk synth` prints YAML: the same clock, the same run.
    yaml_path = tmp_path / "Jobs.template.yaml"
    yaml_path.write_text(render(synthesized.templates["Jobs"], "yaml"))
    assert simulate_json(["--template", str(yaml_path), "--clock", "Every10s", "--duration", "1h"], capsys)[1] == report
    assert re.search(r"left out, not part of this clock \(\d+\): .*AWS::CloudWatch::Dashboard: Clocks", note)
    # The CDK page shows the app as it is, the command as it runs, and the name the clock gets.
    page = (ROOT / "docs" / "cdk.md").read_text()
    assert (ROOT / "examples" / "cdk_app.py").read_text() in page
    assert "alarmclock simulate --template cdk.out/Jobs.template.json --clock Every10s --duration 6h" in page
    assert f"e.g. `{synthesized.example.node.find_child('Every10s').clock_name}`" in page
