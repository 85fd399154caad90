"""A clock is worked out once: ClockSpec checks itself, and a clock's template reads back as the spec
that made it, from its Metadata and its function's environment (readback.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from alarmclock.aws.models import ClockMetadata
from alarmclock.emulator.adopt import adopt
from alarmclock.readback import ReadbackError, environment_fields
from alarmclock.spec import ClockSpec, SpecError, Target, build_spec
from alarmclock.template import build_template
from variants import PAYLOADS, TARGETS, VARIANTS

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = Target("arn:aws:sqs:us-east-1:123456789012:jobs", "sqs")


def environment(template: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = template["Resources"]["TickFunction"]["Properties"]["Environment"]["Variables"]
    return variables


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_a_clocks_template_reads_back_as_the_spec_that_made_it(variant: Any) -> None:
    spec = build_spec(
        every=variant.every,
        via=variant.via,
        targets=TARGETS[variant.targets],
        payload=PAYLOADS[variant.payload],
        alarms=variant.alarms,
        window=variant.window,
        name="clock",
    )
    template = build_template(spec)
    variables = environment(template)
    if not spec.targets:  # as Lambda holds it: the TargetFunctionArn parameter's value
        variables = variables | {"ALARMCLOCK_TARGETS": '["arn:aws:lambda:us-east-1:123456789012:function:job"]'}
    read = ClockMetadata.from_template_metadata(template["Metadata"], "clock", variables, not spec.targets)
    assert read is not None and read.targets_read and read.publish_chosen
    assert read.spec == spec


def test_the_metadata_does_not_repeat_what_the_environment_records() -> None:
    spec = build_spec(targets=[QUEUE.arn], payload='{"job": "report"}', target_keys=[KEY], failure_alarm=True)
    block = build_template(spec)["Metadata"]["alarmclock"]
    assert "targets" not in block and "payload" not in block
    assert block["target_keys"] == [KEY] and block["failure_alarm"] is True
    # Without the environment the targets are not known: the spec read back says so, and has none.
    unread = ClockMetadata.from_template_metadata({"alarmclock": block}, "clock")
    assert unread is not None and not unread.targets_read
    assert (unread.spec.targets, unread.spec.target_keys, unread.spec.payload) == ((), (), None)


def test_simulate_template_reads_a_clock_back_the_same_way() -> None:
    spec = build_spec(every="5m", via="sns", targets=[QUEUE.arn], payload="[1, 2]", alarms=2, publish="api")
    adopted = adopt(build_template(spec))
    assert adopted.spec == spec


def test_an_environment_that_is_not_a_clocks_is_refused_with_the_variable() -> None:
    variables = environment(build_template(build_spec(targets=[QUEUE.arn])))
    with pytest.raises(ReadbackError, match=r"^ALARMCLOCK_TARGETS is not JSON"):
        environment_fields(variables | {"ALARMCLOCK_TARGETS": "[oops"})
    with pytest.raises(ReadbackError, match=r"^ALARMCLOCK_TARGETS is not a list of ARNs"):
        environment_fields(variables | {"ALARMCLOCK_TARGETS": '{"a": 1}'})
    with pytest.raises(ReadbackError, match=r"^ALARMCLOCK_PERIOD is not set"):
        environment_fields({key: value for key, value in variables.items() if key != "ALARMCLOCK_PERIOD"})


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"period_s": 45}, "--every '45s' is not a valid alarm period"),
        ({"period_s": 86_400, "window": "sliding"}, "--every 1d needs --window wallclock"),
        ({"period_s": 86_400, "window": "wallclock", "publish": "wave"}, "--publish wave cannot hold --every 1d"),
        ({"alarms": 3}, "--alarms 3 is not supported"),
        ({"alarms": 2, "publish": "now"}, "--publish now takes one alarm on a sliding window"),
        ({"via": "sqs"}, "--via 'sqs' is not supported"),
        ({"targets": (QUEUE, QUEUE)}, "--target: the same ARN is given twice"),
        ({"target_keys": (KEY,)}, "--target-key is for an encrypted SQS queue or SNS topic"),
        ({"name": "9lives"}, "clock name '9lives' is not valid"),
    ],
)
def test_no_invalid_clock_can_be_constructed_or_replaced_into(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(SpecError, match="^" + re.escape(says)):
        ClockSpec(**fields)
    with pytest.raises(SpecError, match="^" + re.escape(says)):
        replace(ClockSpec(), **fields)


def test_a_period_given_as_text_is_quoted_as_written() -> None:
    with pytest.raises(SpecError, match=r"^--publish wave cannot hold --every 1440m"):
        build_spec(every="1440m", publish="wave")
    # ... and the text is no part of the clock: two specs of one period are equal.
    assert build_spec(every="1440m") == build_spec(every="1d") == ClockSpec(period_s=86_400)
