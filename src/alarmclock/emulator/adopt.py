"""Find one clock in a template the user made (a `cdk synth` output, an edited `alarmclock template`)
and hand the emulator that clock alone, in the shape it runs.

A clock is known by its custom resource (Custom::AlarmClockStarter) and its resources by their
logical ids: the template's own names (TickFunction, Watchdog, ...), or, from the CDK construct, the
construct's path before them and CDK's 8-character hash after. What the emulator gets:

- the clock's resources under the template's logical ids, in the template's order (the same seed
  then draws the same random numbers in the same order as `simulate` with options);
- the IAM policies attached to the clock's role (CDK's grants) folded into the role, where the
  emulator reads the function's rights;
- each resource of the user's that the clock calls (a function, topic, queue or bus) played by a
  stand-in ARN that the emulator records deliveries to;
- nothing else: every other resource is listed once and left out. A clock that refers to a resource
  the emulator cannot stand in for is refused, with its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from alarmclock.emulator.intrinsics import Resolver, TemplateError, references
from alarmclock.emulator.simulate import DEFAULT_TARGET
from alarmclock.readback import ENVIRONMENT_READ, ReadbackError, environment_fields
from alarmclock.spec import ClockSpec, SpecError, build_spec
from alarmclock.template import TARGET_PARAMETER, build_template

Json = dict[str, Any]
STARTER_TYPE = "Custom::AlarmClockStarter"
REGION, ACCOUNT = "us-east-1", "123456789012"  # the emulator's (emulator.stack.Stack defaults)
_CDK_HASH = r"(?:[0-9A-F]{8})?"
_STARTER = re.compile(rf"^(?P<prefix>[A-Za-z0-9]*?)Starter{_CDK_HASH}$")
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::RolePolicy")
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(\.[^}]*)?\}")  # ${Logical} or ${Logical.Attribute}


class AdoptError(ValueError):
    """The template holds no clock the emulator can run, or several and none chosen; one line."""


@dataclass
class AdoptedClock:
    prefix: str  # "" for an `alarmclock template`, the construct's path for the CDK construct
    spec: ClockSpec
    template: Json  # the clock alone, under the template's logical ids
    parameters: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # logical id -> type
    stand_ins: dict[str, str] = field(default_factory=dict)  # logical id of a target -> its ARN here

    def summary(self) -> str:
        """For stderr, once: which clock, who plays its targets, what is left out."""
        parts = [f"simulating {self.prefix or 'the clock'} ({len(self.template['Resources'])} resources)"]
        if self.stand_ins:
            parts.append("targets played by " + ", ".join(f"{lg} as {arn}" for lg, arn in self.stand_ins.items()))
        if self.left_out:
            by_type: dict[str, list[str]] = {}
            for logical, kind in self.left_out.items():
                by_type.setdefault(kind, []).append(logical)
            listed = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in sorted(by_type.items()))
            parts.append(f"left out, not part of this clock ({len(self.left_out)}): {listed}")
        return "\n  ".join(parts)


def clock_label(prefix: str) -> str:
    """How messages name a clock: by its prefix (the construct's path), or "the clock" if it has none."""
    return f"clock {prefix}" if prefix else "the clock"


@lru_cache(maxsize=1)
def clock_logical_ids() -> tuple[str, ...]:
    """Every logical id a clock's template can have, from the templates themselves."""
    names: list[str] = []
    for via in ("lambda", "sns"):
        for name in build_template(build_spec(via=via, alarms=2))["Resources"]:
            if name not in names:
                names.append(name)
    return tuple(names)


def find_starter(resources: Json, prefix: str | None) -> tuple[str, str]:
    """(logical id of the clock's starter, its prefix); refuses none, or several with no prefix."""
    starters = [lg for lg, r in resources.items() if isinstance(r, dict) and r.get("Type") == STARTER_TYPE]
    found = [(lg, m.group("prefix")) for lg in starters if (m := _STARTER.match(lg))]
    if not found:
        raise AdoptError(f"no alarmclock clock in this template (no resource of type {STARTER_TYPE})")
    if prefix is not None:
        chosen = [(lg, p) for lg, p in found if p == prefix] or [(lg, p) for lg, p in found if lg.startswith(prefix)]
        if len(chosen) != 1:
            listed = ", ".join(p or "(no prefix)" for _, p in found)
            raise AdoptError(f"--clock {prefix!r} matches {len(chosen)} of the clocks in this template: {listed}")
        return chosen[0]
    if len(found) > 1:
        listed = ", ".join(p or "(no prefix)" for _, p in found)
        raise AdoptError(f"{len(found)} clocks in this template ({listed}); pick one with --clock PREFIX")
    return found[0]


def members(resources: Json, prefix: str) -> dict[str, str]:
    """The clock's resources: template logical id -> the name it has in the clock's template."""
    known = "|".join(sorted(clock_logical_ids(), key=len, reverse=True))
    pattern = re.compile(rf"^{re.escape(prefix)}(?P<name>{known}){_CDK_HASH}$")
    found: dict[str, str] = {}
    for logical in resources:
        match = pattern.match(logical)
        if match:
            if match.group("name") in found.values():
                raise AdoptError(f"two resources of {clock_label(prefix)} are its {match.group('name')}")
            found[logical] = match.group("name")
    return found


def rename(value: Any, names: dict[str, str]) -> Any:
    """Ref, Fn::GetAtt and Fn::Sub variables naming a clock resource -> its name in the clock."""
    if isinstance(value, list):
        return [rename(item, names) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in names:
        return {"Ref": names[value["Ref"]]}
    if set(value) == {"Fn::GetAtt"}:
        logical, attribute = _get_att(value["Fn::GetAtt"])
        if logical in names:
            return {"Fn::GetAtt": [names[logical], attribute]}
    if set(value) == {"Fn::Sub"}:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        text = _SUB_NAME.sub(lambda m: "${" + names.get(m.group(1), m.group(1)) + (m.group(2) or "") + "}", text)
        variables = {key: rename(item, names) for key, item in variables.items()}
        return {"Fn::Sub": [text, variables] if variables else text}
    return {key: rename(item, names) for key, item in value.items()}


def _get_att(argument: Any) -> tuple[str, str]:
    logical, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
    return str(logical), str(attribute)


# What each kind of target resource returns, from the CloudFormation resource reference's "Return
# values" of each type: Ref, and Fn::GetAtt by attribute. {arn} and {name} are filled per resource.
STAND_INS: dict[str, tuple[str, str, dict[str, str]]] = {
    # type: (service, Ref, attributes)
    "AWS::Lambda::Function": ("lambda", "{name}", {"Arn": "{arn}"}),
    "AWS::Lambda::Alias": ("lambda", "{arn}", {}),
    "AWS::Lambda::Version": ("lambda", "{arn}", {"Version": "1"}),
    "AWS::SNS::Topic": ("sns", "{arn}", {"TopicArn": "{arn}", "TopicName": "{name}"}),
    "AWS::SQS::Queue": (
        "sqs",
        f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{{name}}",
        {"Arn": "{arn}", "QueueName": "{name}"},
    ),
    "AWS::Events::EventBus": ("events", "{name}", {"Arn": "{arn}", "Name": "{name}"}),
    # An encrypted queue's or topic's key, which the clock's grant names: the emulator encrypts nothing.
    "AWS::KMS::Key": ("kms", "{name}", {"Arn": "{arn}", "KeyId": "{name}"}),
}


def stand_in_arn(service: str, name: str) -> str:
    resource = {"lambda": f"function:{name}", "events": f"event-bus/{name}", "kms": f"key/{name}"}.get(service, name)
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


class StandIns:
    """Replaces references to the user's resources the clock calls by stand-in values."""

    def __init__(self, resources: Json, clock: set[str], prefix: str) -> None:
        self.resources = resources
        self.clock = clock
        self.prefix = prefix
        self.arns: dict[str, str] = {}

    def value(self, logical: str, attribute: str | None) -> str:
        resource = self.resources.get(logical)
        if not isinstance(resource, dict):
            raise AdoptError(f"{clock_label(self.prefix)} refers to {logical!r}, which the template does not declare")
        kind = str(resource.get("Type"))
        if kind not in STAND_INS:
            raise AdoptError(
                f"{clock_label(self.prefix)} depends on {logical} ({kind}), which the emulator does not model; "
                f"it can stand in for {', '.join(STAND_INS)}"
            )
        service, ref, attributes = STAND_INS[kind]
        name = re.sub(r"[^A-Za-z0-9_-]", "-", logical)[:64]
        arn = stand_in_arn(service, name)
        self.arns.setdefault(logical, arn)
        shape = ref if attribute is None else attributes.get(attribute)
        if shape is None:
            raise AdoptError(
                f"{clock_label(self.prefix)} uses {logical}.{attribute}, which the emulator cannot stand in for"
            )
        return shape.format(arn=arn, name=name)

    def replace(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.replace(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"} and self._foreign(value["Ref"]):
            return self.value(value["Ref"], None)
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = _get_att(value["Fn::GetAtt"])
            if self._foreign(logical):
                return self.value(logical, attribute)
        if set(value) == {"Fn::Sub"}:
            text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
            variables = {key: self.replace(item) for key, item in variables.items()}
            for name in re.findall(r"\$\{([^}!][^}]*)\}", text):
                logical, _, attribute = name.partition(".")
                if name not in variables and self._foreign(logical):
                    variables[name] = self.value(logical, attribute or None)
            return {"Fn::Sub": [text, variables] if variables else text}
        return {key: self.replace(item) for key, item in value.items()}

    def _foreign(self, logical: Any) -> bool:
        return isinstance(logical, str) and logical in self.resources and logical not in self.clock


def adopt(template: Json, prefix: str | None = None) -> AdoptedClock:
    """The clock in `template` (the one whose logical ids start with `prefix`, if given); AdoptError,
    one line, for a template that holds none the emulator can run, whatever its values' shapes."""
    try:
        return _adopt(template, prefix)
    except AdoptError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        # A value of a shape CloudFormation refuses too (an Fn::GetAtt without its attribute, a
        # property that is a list where a name goes): say so, rather than where Python tripped.
        raise AdoptError(
            f"the clock in this template has a value of a shape CloudFormation would refuse too "
            f"({type(error).__name__}: {str(error)[:80]})"
        ) from None


def _adopt(template: Json, prefix: str | None) -> AdoptedClock:
    resources: Json = template["Resources"]
    starter, found_prefix = find_starter(resources, prefix)
    names = members(resources, found_prefix)
    if names.get(starter) != "Starter":
        raise AdoptError(f"{clock_label(found_prefix)}: its starter {starter} does not follow the clock's naming")
    role = next((lg for lg, name in names.items() if name == "TickRole"), None)
    folded = [lg for lg, r in resources.items() if r.get("Type") in POLICY_TYPES and _attached_to(r, role)]
    stand_ins = StandIns(resources, set(names) | set(folded), found_prefix)

    clock: Json = {}
    for logical, name in names.items():
        resource = dict(stand_ins.replace(resources[logical]))
        depends = resource.pop("DependsOn", [])
        kept = [names[d] for d in (depends if isinstance(depends, list) else [depends]) if d in names]
        if kept:
            resource["DependsOn"] = kept
        clock[name] = rename(resource, names)
    variables = clock.get("TickFunction", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    if variables.get("ALARMCLOCK_STARTER") in names:  # a CDK clock's Starter, under the template's name here
        variables["ALARMCLOCK_STARTER"] = names[variables["ALARMCLOCK_STARTER"]]
    if "TickRole" in clock:
        policies = clock["TickRole"].setdefault("Properties", {}).setdefault("Policies", [])
        for logical in folded:
            properties = rename(stand_ins.replace(resources[logical]["Properties"]), names)
            policies.append(
                {"PolicyName": properties.get("PolicyName", logical), "PolicyDocument": properties["PolicyDocument"]}
            )

    parameters, conditions = _used_parameters_and_conditions(template, clock)
    spec, given = clock_spec(clock, parameters, found_prefix)
    expected = list(build_template(spec)["Resources"])
    missing = [name for name in expected if name not in clock]
    if missing:
        raise AdoptError(f"{clock_label(found_prefix)} lacks {', '.join(missing)} (a {spec.via} clock has them)")
    extra = [name for name in clock if name not in expected]
    if extra:
        raise AdoptError(f"{clock_label(found_prefix)} has {', '.join(extra)}, which its design has not")
    adopted: Json = {"Resources": {name: clock[name] for name in expected}}
    if parameters:
        adopted["Parameters"] = parameters
    if conditions:
        adopted["Conditions"] = conditions
    left_out = {
        lg: str(r.get("Type"))
        for lg, r in resources.items()
        if lg not in names and lg not in folded and lg not in stand_ins.arns
    }
    return AdoptedClock(found_prefix, spec, adopted, given, left_out, dict(stand_ins.arns))


def _attached_to(policy: Json, role: str | None) -> bool:
    properties = policy.get("Properties", {})
    roles = properties.get("Roles", []) if policy["Type"] == "AWS::IAM::Policy" else [properties.get("RoleName")]
    return role is not None and {"Ref": role} in roles


def _used_parameters_and_conditions(template: Json, clock: Json) -> tuple[Json, Json]:
    """The template's parameters and conditions the clock uses, and only those: a CDK app's
    BootstrapVersion, say, is no business of the clock's."""
    declared_conditions: Json = template.get("Conditions", {})
    used_conditions = {c for c in _condition_names(clock) if c in declared_conditions}
    conditions = {name: declared_conditions[name] for name in sorted(used_conditions)}
    declared: Json = template.get("Parameters", {})
    named = references(clock) | references(conditions)
    return {name: declared[name] for name in declared if name in named}, conditions


def _condition_names(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _condition_names(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Fn::If" and isinstance(item, list) and item:
                found.add(str(item[0]))
            if key == "Condition" and isinstance(item, str):
                found.add(item)
            found |= _condition_names(item)
    return found


def clock_spec(clock: Json, parameters: Json, prefix: str) -> tuple[ClockSpec, dict[str, str]]:
    """The clock's options, read back from what its function is told (its environment), and the
    parameter values the emulator passes (a template with no target asks for one)."""
    function = clock.get("TickFunction", {}).get("Properties", {})
    variables = function.get("Environment", {}).get("Variables", {})
    given = {TARGET_PARAMETER: DEFAULT_TARGET} if TARGET_PARAMETER in parameters else {}
    values = {name: str(p["Default"]) for name, p in parameters.items() if "Default" in p} | given
    pseudo: dict[str, str | None] = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
    resolver = Resolver(values, pseudo, {}, {})
    try:
        environment = {key: resolver.resolve(variables[key]) for key in ENVIRONMENT_READ if key in variables}
        fields = environment_fields(environment)
        if given:  # the template's target is a parameter, which the emulator's stand-in answers
            fields["targets"] = ()
        return ClockSpec(via="sns" if "TickTopic" in clock else "lambda", **fields), given
    except (KeyError, TypeError, ValueError, TemplateError) as error:
        if isinstance(error, SpecError | ReadbackError):
            raise AdoptError(f"{clock_label(prefix)}: {error}") from None
        raise AdoptError(f"{clock_label(prefix)}: its TickFunction's environment is not a clock's ({error})") from None
