"""`--every` goes one way from `deploy` to the template: read from its text once, checked by ClockSpec alone.

docs/architecture.md ("A `deploy` run"): the options are read into a ClockSpec's fields once, a new
clock is a ClockSpec of them and an update the deployed one with them replaced, and a ClockSpec
checks itself. Here a deploy runs in-process against moto (`--no-execute`: the whole way to the
change set's template, and no further), and a profiler counts where the period is parsed and
checked on the way; a static pass says which modules may parse a period at all.

The new period is checked twice, both times by a ClockSpec being made: the options given, on their
own, before any AWS call (a bad one needs no credentials to be refused: tests/cli/test_bad_options.py),
and the clock deploy sends. An update also reads the deployed clock back as a ClockSpec, which checks
the old period.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
import pytest

from alarmclock import spec
from alarmclock.cli import main

from conftest import CLOCK, REGION

PACKAGE = Path(__file__).parents[2] / "src" / "alarmclock"
POLL = ["--poll-interval", "0.01"]
# The period's way in: its text to seconds, and the check of those seconds against what CloudWatch takes.
WATCHED: dict[str, Callable[..., Any]] = {"parse_period": spec.parse_period, "check_period": spec.check_period}


@contextmanager
def calls_counted(functions: dict[str, Callable[..., Any]]) -> Iterator[Counter[tuple[str, Any, str]]]:
    """Each call of these functions inside the block, seen by a profiler (nothing is patched):
    (the function, its first argument, the function that called it), and how many times."""
    codes = {function.__code__: name for name, function in functions.items()}
    counted: Counter[tuple[str, Any, str]] = Counter()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            code = frame.f_code
            first = frame.f_locals[code.co_varnames[0]]
            caller = frame.f_back.f_code.co_qualname if frame.f_back else ""
            counted[(codes[code], first, caller)] += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield counted
    finally:
        sys.setprofile(previous)


def queue_arn() -> str:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def deploy(*options: str) -> Counter[tuple[str, Any, str]]:
    with calls_counted(WATCHED) as counted:
        status = main(["deploy", CLOCK, *options, "--no-execute", *POLL])
    assert status == 0
    return counted


# Read once from the text; checked by the two ClockSpecs that carry it, and nowhere else.
THE_NEW_PERIOD = Counter(
    {("parse_period", "5m", "read_options"): 1, ("check_period", 300, "ClockSpec.__post_init__"): 2}
)


@pytest.mark.slow  # every call moto makes passes the profiler
def test_a_new_clocks_period_is_parsed_once_and_checked_only_by_clockspec(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    counted = deploy("--every", "5m", "--target", queue_arn())
    assert counted == THE_NEW_PERIOD, capsys.readouterr().err


@pytest.mark.slow  # moto runs the first deploy's change set
def test_an_updates_period_is_parsed_once_and_checked_only_by_clockspec(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy("--every", "1m", "--target", queue_arn())
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    [change_set] = cloudformation.list_change_sets(StackName=CLOCK)["Summaries"]
    cloudformation.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    capsys.readouterr()
    counted = deploy("--every", "5m", "--yes")
    deployed = ("check_period", 60, "ClockSpec.__post_init__")  # the deployed clock, read back
    assert counted == THE_NEW_PERIOD + Counter({deployed: 1}), capsys.readouterr().err


def test_a_refused_period_is_refused_before_any_aws_call(capsys: pytest.CaptureFixture[str]) -> None:
    # No moto here: a call to AWS would fail with exit status 1, not refuse the option with 2.
    status = main(["deploy", CLOCK, "--every", "7s", "--target", "my-job", "--endpoint-url", "http://127.0.0.1:9"])
    assert status == 2
    assert capsys.readouterr().err.startswith("alarmclock: error: --every '7s' is not a valid alarm period")


def callers_of(name: str) -> set[str]:
    """The package's modules that name `name` outside its own definition (a call, or a reference)."""
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Name) and node.id == name) or (
                isinstance(node, ast.Attribute) and node.attr == name
            ):
                found.add(path.relative_to(PACKAGE).as_posix())
    return found


def test_only_the_spec_reads_a_period_from_its_text() -> None:
    assert callers_of("parse_period") == {"spec.py"}


def test_only_the_spec_and_the_cost_model_check_a_period() -> None:
    # cost.py prices a bare period (no ClockSpec), so it checks the period itself.
    assert callers_of("check_period") == {"spec.py", "cost.py"}
