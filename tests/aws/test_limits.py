"""AWS's limits on a clock (alarmclock.limits), each tested at its edge: just under, just over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from alarmclock.aws.plan import PlanError, plan_deploy
from alarmclock.aws.steps import CreateChangeSet, UploadTemplate
from alarmclock.cli import main
from alarmclock.limits import (
    GENERATED_NAME_LIMITS,
    MAX_CLOCK_NAME,
    MAX_ENVIRONMENT_BYTES,
    MAX_INLINE_TEMPLATE_BYTES,
    MAX_S3_TEMPLATE_BYTES,
    LimitError,
    check_template_body,
    clock_environment,
    derived_names,
    environment_bytes,
    generated_name,
)
from alarmclock.render import Format, deploy_body, render
from alarmclock.spec import SpecError, build_spec, check_clock_name
from alarmclock.template import build_template
from test_aws_cli import POLL, client, endpoint, make_queue, moto_server

__all__ = ["endpoint", "moto_server"]  # fixtures, used by name

REGION, ACCOUNT = "us-east-1", "123456789012"
TARGET = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-job"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def main_with(endpoint: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run([*argv, "--region", REGION, "--endpoint-url", endpoint, *POLL], capsys)


# ---- Lambda's 4 KB of environment variables ------------------------------------------------------


def payload_filling(name: str | None, spare: int, target: str = TARGET) -> str:
    """A string payload that leaves the function's environment `spare` bytes under Lambda's limit."""
    base = environment_bytes(clock_environment(build_spec(targets=[target], payload='""', name=name)))
    return json.dumps("x" * (MAX_ENVIRONMENT_BYTES - base - spare))


@pytest.mark.parametrize("name", [None, "my-clock", "c" * MAX_CLOCK_NAME])
def test_the_environment_is_taken_up_to_4096_bytes_as_lambda_measures_them_and_refused_beyond(
    name: str | None,
) -> None:
    at_the_limit = build_spec(targets=[TARGET], payload=payload_filling(name, 0), name=name)
    assert environment_bytes(clock_environment(at_the_limit)) == MAX_ENVIRONMENT_BYTES
    with pytest.raises(SpecError, match=r"would measure 4,097 bytes .*Lambda takes at most 4,096"):
        build_spec(targets=[TARGET], payload=payload_filling(name, -1), name=name)


def test_lambda_measures_the_variables_as_one_json_object_so_quotes_count_twice_over() -> None:
    spec = build_spec(targets=[TARGET], payload=json.dumps('"' * 100), name="c")
    variables = clock_environment(spec)
    assert variables["ALARMCLOCK_PAYLOAD"] == json.dumps('"' * 100)  # 202 characters of \" and quotes
    without = environment_bytes(variables | {"ALARMCLOCK_PAYLOAD": ""})
    # Each quote is \" in the variable, and \\\" once Lambda writes the variables as JSON: 4 bytes.
    assert environment_bytes(variables) - without == 4 * 100 + 2 * 2
    # The old cap counted 1,000 quotes as about 2,000 bytes, under its 3,000; Lambda counts 4,004.
    with pytest.raises(SpecError, match="would measure"):
        build_spec(targets=[TARGET], payload=json.dumps('"' * 1000))


def test_every_variable_counts_and_an_unknown_stack_name_counts_at_its_longest() -> None:
    payload = payload_filling("c", 0)
    build_spec(targets=[TARGET], payload=payload, name="c")  # fits with a one-letter name
    with pytest.raises(SpecError, match=f"stack name is unknown, counted at its longest \\({MAX_CLOCK_NAME}"):
        build_spec(targets=[TARGET], payload=payload)
    unknown = clock_environment(build_spec(targets=[TARGET]))
    assert unknown["ALARMCLOCK_NAME"] == "N" * MAX_CLOCK_NAME
    assert unknown["ALARMCLOCK_WATCHDOG_ALARM"] == "N" * MAX_CLOCK_NAME + "-watchdog"
    # Without targets the template takes the function's ARN as a parameter: counted at its longest.
    parameter = json.loads(clock_environment(build_spec())["ALARMCLOCK_TARGETS"])
    assert len(parameter) == 1 and len(parameter[0]) > 250


def test_template_deploy_and_the_spec_refuse_the_same_environment_with_the_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = payload_filling(None, -1)
    status, out, err = run(["template", "--target", TARGET, "--payload", payload], capsys)
    assert status == 2 and out == ""
    assert "4,097 bytes" in err and "4,096" in err and err.count("\n") == 1
    # simulate builds the same spec: refused before any virtual second runs.
    status, out, err = run(["simulate", "--target", TARGET, "--payload", payload, "--duration", "1h"], capsys)
    assert status == 2 and "4,097 bytes" in err
    # (--s3: the template's own size is another limit, tested below.)
    status, out, err = run(["template", "--target", TARGET, "--payload", payload_filling(None, 0), "--s3"], capsys)
    assert status == 0 and out.startswith("AWSTemplateFormatVersion"), err


# ---- CloudFormation's 51,200 bytes inline ----------------------------------------------------------


def test_a_template_body_is_taken_up_to_51200_bytes_and_refused_beyond() -> None:
    assert check_template_body("x" * MAX_INLINE_TEMPLATE_BYTES, "YAML") == MAX_INLINE_TEMPLATE_BYTES
    with pytest.raises(LimitError, match=r"51,201 bytes of YAML; CloudFormation takes at most 51,200 bytes inline"):
        check_template_body("x" * (MAX_INLINE_TEMPLATE_BYTES + 1), "YAML")
    # Bytes, not characters: an "é" is two.
    with pytest.raises(LimitError, match="51,201 bytes"):
        check_template_body("x" * (MAX_INLINE_TEMPLATE_BYTES - 1) + "é", "JSON")


def short_targets(count: int) -> list[str]:
    """Short ARNs of every service in turn: the most template per byte of environment (each is in the
    environment, the metadata and the role's policy)."""
    services = ["sqs", "sns", "lambda", "events"]
    resources = {"sqs": "{}", "sns": "{}", "lambda": "function:{}", "events": "event-bus/{}"}
    return [
        f"arn:aws:{services[i % 4]}:{REGION}:{ACCOUNT}:{resources[services[i % 4]].format(i)}" for i in range(count)
    ]


WORST = ["--every", "20s", "--alarms", "2"]  # cfn-lint metadata on both alarms, a wave's dimensions


def targets_argv(count: int) -> list[str]:
    return [word for arn in short_targets(count) for word in ("--target", arn)]


def largest_fitting(fmt: Format) -> int:
    """How many short targets the default design takes before its template passes 51,200 bytes."""
    count = 0
    while True:
        template = build_template(build_spec(targets=short_targets(count + 1)))
        if len(render(template, fmt).encode()) > MAX_INLINE_TEMPLATE_BYTES:
            return count
        count += 1


def test_as_json_the_targets_that_fit_inline_are_written_and_one_more_is_refused_with_the_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # JSON over the inline limit indented is written as deploy sends it (render.render). The handler
    # grew past the point where the function's 4 KB environment was the limit: 28 of these targets fit
    # in compact JSON (2026-12-06; 47 before the held-still check of issue 21), the environment takes
    # more, and one target more than fits is refused with the template's size; past the environment,
    # with the environment's.
    count = largest_fitting_compact()
    assert 25 <= count < len(most_targets("1m", 1))
    status, out, err = run(["template", *targets_argv(count), "--format", "json"], capsys)
    assert status == 0, err
    assert len(out.encode()) <= MAX_INLINE_TEMPLATE_BYTES
    status, out, err = run(["template", *targets_argv(count + 1), "--format", "json"], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "bytes of JSON; CloudFormation takes at most 51,200 bytes inline" in err
    status, out, err = run(["template", *targets_argv(len(most_targets("1m", 1)) + 1), "--format", "json"], capsys)
    assert status == 2 and "Lambda takes at most 4,096" in err


def largest_fitting_compact() -> int:
    """How many short targets the default design takes before deploy's compact JSON passes 51,200 bytes."""
    count = 0
    while (
        len(deploy_body(build_template(build_spec(targets=short_targets(count + 1)))).encode())
        <= MAX_INLINE_TEMPLATE_BYTES
    ):
        count += 1
    return count


@pytest.mark.parametrize("fmt", ["yaml"])
def test_template_writes_what_fits_inline_and_refuses_one_target_more_with_the_size(
    fmt: Format, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    count = largest_fitting(fmt)
    assert count >= 1, "the default template with one target no longer fits CloudFormation's 51,200 bytes"
    written = tmp_path / f"clock.{fmt}"
    status, _, err = run(["template", *targets_argv(count), "--format", fmt, "-o", str(written)], capsys)
    assert status == 0, err
    assert len(written.read_bytes()) <= MAX_INLINE_TEMPLATE_BYTES
    status, out, err = run(["template", *targets_argv(count + 1), "--format", fmt], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert f"bytes of {fmt.upper()}; CloudFormation takes at most 51,200 bytes inline" in err
    # The ways that take it, measured: compact JSON where it fits (YAML in flow style costs about as
    # much, so here it may not).
    bigger = build_template(build_spec(targets=short_targets(count + 1)))
    assert ("alarmclock deploy (" in err) == (len(deploy_body(bigger).encode()) <= MAX_INLINE_TEMPLATE_BYTES)
    assert "--s3" in err
    # --s3: the template will be deployed from S3, which takes up to 1 MB.
    status, out, _ = run(["template", *targets_argv(count + 1), "--format", fmt, "--s3"], capsys)
    assert status == 0 and len(out.encode()) > MAX_INLINE_TEMPLATE_BYTES


def most_targets(every: str, alarms: int) -> list[str]:
    """As many short targets as the function's environment takes (a template's unknown stack name
    counted at its longest)."""
    count = 1
    while True:
        try:
            build_spec(every=every, alarms=alarms, targets=short_targets(count + 1))
        except SpecError:
            return short_targets(count)
        count += 1


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_at_the_worst_case_template_writes_what_fits_or_refuses_with_the_size(
    fmt: Format, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = most_targets("20s", 2)
    size = len(render(build_template(build_spec(every="20s", alarms=2, targets=targets)), fmt).encode())
    status, out, err = run(["template", *WORST, *targets_argv(len(targets)), "--format", fmt], capsys)
    if size <= MAX_INLINE_TEMPLATE_BYTES:
        assert status == 0 and len(out.encode()) == size
    else:  # 54,037 bytes of YAML, 54,466 of JSON, measured on 2026-12-05
        assert (
            status == 2
            and f"the template is {size:,} bytes of {fmt.upper()}; CloudFormation takes at most 51,200" in err
        )


def test_the_largest_clock_is_refused_inline_before_any_change_and_deploys_from_s3() -> None:
    # Targets fill the environment; compact JSON is what deploy sends. It fitted inline (48,532 bytes
    # at 20s with the 2016 recipe's pair, measured on 2026-12-05) until the handler grew by the history
    # reads of issue 21: inline, such a clock is refused in the plan with its size and the way that
    # takes it; with --s3-bucket the same body is uploaded and read from there (up to 1 MB).
    spec = build_spec(every="20s", alarms=2, targets=most_targets("20s", 2), name="c")
    size = len(deploy_body(build_template(spec)))
    assert size > MAX_INLINE_TEMPLATE_BYTES
    with pytest.raises(PlanError, match=f"^the template is {size:,} bytes of compact JSON.*: pass --s3-bucket BUCKET"):
        plan_deploy("c", spec, None, change_set_name="alarmclock-20261205-130301-0a1b2c3d")
    plan = plan_deploy("c", spec, None, change_set_name="alarmclock-20261205-130301-0a1b2c3d", s3_bucket="b")
    upload = plan.find(UploadTemplate)
    assert upload is not None and len(upload.body) == size
    fewer = build_spec(every="20s", alarms=2, targets=most_targets("20s", 2)[:22], name="c")
    plan = plan_deploy("c", fewer, None, change_set_name="alarmclock-20261205-130301-0a1b2c3d")
    step = plan.find(CreateChangeSet)
    assert step is not None and len(step.template_body) == len(deploy_body(build_template(fewer))) <= 51_200


@pytest.mark.parametrize("via", ["lambda", "sns"])
def test_every_clock_the_environment_allows_deploys_from_s3_far_inside_its_1_mb(via: str) -> None:
    # The largest clocks the function's 4 KB environment allows, with everything that adds to the
    # template (the pair, a failure alarm, a key), at every period: each plans with --s3-bucket.
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    largest = 0
    for every in ("10s", "20s", "1m", "5m", "1h"):
        targets = [f"arn:aws:sqs:{REGION}:{ACCOUNT}:{n}" for n in range(200)]
        while True:
            try:
                spec = build_spec(
                    every=every, via=via, alarms=2, targets=targets, target_keys=[key], failure_alarm=True
                )
                break
            except SpecError:
                targets.pop()
        plan = plan_deploy("c", spec, None, change_set_name="alarmclock-20261205-130301-0a1b2c3d", s3_bucket="b")
        upload = plan.find(UploadTemplate)
        assert upload is not None
        largest = max(largest, len(upload.body.encode()))
    assert MAX_INLINE_TEMPLATE_BYTES < largest < MAX_S3_TEMPLATE_BYTES / 10


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_payload_is_taken_100_levels_deep_and_refused_at_101(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The template's writers recurse once per level; a thousand levels made a traceback.
    for depth in (101, 5000):
        payload = "[" * depth + "]" * depth
        status, _, err = run(["template", "--target", TARGET, "--payload", payload, "--format", fmt], capsys)
        assert status == 2 and "nested more than 100 levels deep" in err
    deepest = ["template", "--target", TARGET, "--payload", "[" * 100 + "]" * 100, "--format", fmt]
    status, out, err = run(deepest, capsys)
    # The payload is one string in the function's environment, not nested in the template's
    # Metadata too (where indented JSON grew with the square of its depth, past 51,200 bytes).
    assert status == 0, err
    assert len(out.encode()) <= MAX_INLINE_TEMPLATE_BYTES
    assert json.loads(function_variables(out)["ALARMCLOCK_PAYLOAD"]) == json.loads("[" * 100 + "]" * 100)


def function_variables(text: str) -> dict[str, str]:
    variables: dict[str, str] = yaml.safe_load(text)["Resources"]["TickFunction"]["Properties"]["Environment"][
        "Variables"
    ]
    return variables


# ---- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 100, 101, MAX_CLOCK_NAME])
def test_every_name_derived_from_a_clock_name_up_to_128_characters_fits_its_own_limit(length: int) -> None:
    name = "a" * length
    assert check_clock_name(name) == name
    for what, (derived, limit) in derived_names(name).items():
        assert len(derived) <= limit, what
    for resource_type, limit in GENERATED_NAME_LIMITS.items():
        assert len(generated_name(name, "TickFunction", "0123456789AB", resource_type)) <= limit


def test_a_clock_name_over_128_characters_is_refused_with_the_limit() -> None:
    with pytest.raises(SpecError, match="at most 128 characters"):
        check_clock_name("a" * (MAX_CLOCK_NAME + 1))


def test_a_short_generated_name_is_cloudformations_whole_pattern() -> None:
    assert generated_name("clock", "TickFunction", "ABC", "AWS::Lambda::Function") == "clock-TickFunction-ABC"


@pytest.mark.parametrize("command", ["status", "pause", "resume", "restart", "destroy", "deploy"])
def test_every_command_that_takes_a_name_takes_128_characters_and_refuses_129(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run([command, "a" * (MAX_CLOCK_NAME + 1), "--region", REGION], capsys)
    assert status == 2 and "at most 128 characters" in err
    # 128 passes the name check: what fails next is the AWS call (no endpoint is listening here).
    status, _, err = run(
        [command, "a" * MAX_CLOCK_NAME, "--region", REGION, "--endpoint-url", "http://127.0.0.1:9"], capsys
    )
    assert "clock name" not in err


def test_deploy_measures_the_environment_with_the_clocks_own_name_and_refuses_before_any_change(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _url, queue = make_queue(endpoint)
    name = "c" * MAX_CLOCK_NAME
    over = payload_filling(name, -1, target=queue)
    status, _out, err = main_with(endpoint, ["deploy", name, "--target", queue, "--payload", over], capsys)
    assert status == 2 and f"would measure 4,097 bytes for clock {name};" in err
    assert client(endpoint, "cloudformation").describe_stacks()["Stacks"] == []


def test_a_clock_of_128_characters_is_deployed_listed_paused_and_destroyed_like_any_other(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run: such a stack showed in `list`, but status, pause and destroy refused its name.
    name = "c" * MAX_CLOCK_NAME
    _url, queue = make_queue(endpoint)
    status, _out, err = main_with(endpoint, ["deploy", name, "--target", queue, "--no-wait"], capsys)
    assert status == 0, err
    listed = json.loads(main_with(endpoint, ["list", "--output", "json"], capsys)[1])
    assert [clock["clock"] for clock in listed["clocks"]] == [name]
    assert json.loads(main_with(endpoint, ["status", name, "--output", "json"], capsys)[1])["clock"] == name
    status, _out, err = main_with(endpoint, ["pause", name], capsys)
    assert status == 0, err
    status, _out, err = main_with(endpoint, ["destroy", name, "--yes", "--settle", "0"], capsys)
    assert status == 0, err
    assert client(endpoint, "cloudformation").describe_stacks()["Stacks"] == []
