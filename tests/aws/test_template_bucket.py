"""deploy --s3-bucket, end to end against moto's server: the template goes to the user's bucket,
CloudFormation reads it from there, and the object is gone when the run ends, however it ends.

moto reads a TemplateURL from its own S3 only where the URL names "localhost" or an amazonaws.com
host (moto/cloudformation/utils.py, get_stack_from_s3_url), so these tests reach the server as
localhost; the URL is the S3 client's own endpoint, path-style, as on AWS.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from alarmclock.aws.execute import Runner
from alarmclock.aws.plan import change_set_name, plan_deploy
from alarmclock.aws.session import Aws, AwsOptions
from alarmclock.exit_status import ExitStatus
from alarmclock.limits import MAX_INLINE_TEMPLATE_BYTES
from alarmclock.render import deploy_body
from alarmclock.spec import SpecError, build_spec
from alarmclock.template import build_template
from test_aws_cli import client, endpoint, make_queue, moto_server, one_line_error, run, stack

from conftest import CLOCK, REGION, Quiet

__all__ = ["endpoint", "moto_server"]  # fixtures, used by name

BUCKET = "my-templates"


@pytest.fixture
def local(endpoint: str) -> str:
    """The server as localhost, with the bucket made."""
    url = endpoint.replace("127.0.0.1", "localhost")
    client(url, "s3").create_bucket(Bucket=BUCKET)
    return url


def status_of(endpoint: str) -> str | None:
    described = stack(endpoint)
    return None if described is None else str(described["StackStatus"])


def objects(endpoint: str) -> list[str]:
    return [o["Key"] for o in client(endpoint, "s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def deployed_template(endpoint: str) -> dict[str, Any]:
    body = client(endpoint, "cloudformation").get_template(StackName=CLOCK)["TemplateBody"]
    return body if isinstance(body, dict) else json.loads(body)


def test_deploy_with_an_s3_bucket_creates_the_clock_from_the_uploaded_template_and_removes_it(
    local: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _url, arn = make_queue(local)
    status, out, err = run(capsys, local, "deploy", CLOCK, "--target", arn, "--no-wait", "--s3-bucket", BUCKET)
    assert status == 0, err
    assert status_of(local) == "CREATE_COMPLETE"
    expected = deploy_body(build_template(build_spec(targets=[arn], name=CLOCK)))
    assert deployed_template(local) == json.loads(expected)
    assert f"uploaded the template ({len(expected.encode()):,} bytes) to s3://{BUCKET}/alarmclock/{CLOCK}/" in out
    assert objects(local) == []  # CloudFormation keeps its own copy; the bucket keeps nothing


def test_the_largest_clock_is_refused_inline_in_one_line_and_deploys_from_s3(
    local: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # As many queues as the function's 4 KB environment takes, at 20 s with the 2016 recipe's pair.
    arns: list[str] = []
    while True:
        arn = f"arn:aws:sqs:{REGION}:123456789012:{len(arns)}"
        try:
            build_spec(every="20s", alarms=2, targets=[*arns, arn], name=CLOCK)
        except SpecError:
            break
        arns.append(arn)
    for index in range(len(arns)):
        make_queue(local, str(index))
    size = len(deploy_body(build_template(build_spec(every="20s", alarms=2, targets=arns, name=CLOCK))).encode())
    assert size > MAX_INLINE_TEMPLATE_BYTES
    targets = [word for arn in arns for word in ("--target", arn)]
    argv = ["deploy", CLOCK, "--every", "20s", "--alarms", "2", *targets, "--no-wait"]
    status, out, err = run(capsys, local, *argv)
    assert status == ExitStatus.USAGE and out == ""
    assert one_line_error(err).startswith(f"the template is {size:,} bytes of compact JSON; CloudFormation takes")
    assert "pass --s3-bucket BUCKET" in err and stack(local) is None
    status, _out, err = run(capsys, local, *argv, "--s3-bucket", BUCKET)
    assert status == 0, err
    assert status_of(local) == "CREATE_COMPLETE" and objects(local) == []


def test_a_bucket_that_is_not_there_is_one_line_and_nothing_is_made(
    local: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _url, arn = make_queue(local)
    status, _out, err = run(capsys, local, "deploy", CLOCK, "--target", arn, "--s3-bucket", "not-my-bucket")
    assert status == ExitStatus.USAGE
    assert one_line_error(err) == (
        f"--s3-bucket not-my-bucket: there is no such bucket (or none this account can see) in {REGION}; "
        "nothing was changed"
    )
    assert stack(local) is None


@pytest.mark.parametrize("bucket", ["s3://my-templates", "My_Templates", "ab", "arn:aws:s3:::my-templates"])
def test_a_bucket_name_that_is_no_bucket_name_is_refused_before_any_aws_call(
    bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    status, _out, err = run(capsys, "http://127.0.0.1:9", "deploy", CLOCK, "--target", queue, "--s3-bucket", bucket)
    assert status == ExitStatus.USAGE
    assert f"--s3-bucket {bucket!r} is not a bucket name" in err and "Traceback" not in err


class InterruptOnUpload(Quiet):
    """Ctrl-C the moment the template is in the bucket."""

    def say(self, text: str) -> None:
        if text.startswith("uploaded the template"):
            raise KeyboardInterrupt


def test_ctrl_c_after_the_upload_leaves_nothing_in_the_bucket_and_nothing_changed(local: str) -> None:
    _url, arn = make_queue(local)
    aws = Aws(AwsOptions(region=REGION, endpoint_url=local))
    spec = build_spec(targets=[arn], name=CLOCK)
    plan = plan_deploy(CLOCK, spec, None, change_set_name=change_set_name(datetime.now(UTC)), s3_bucket=BUCKET)
    outcome = Runner(aws, InterruptOnUpload(), poll_s=0.01).run(plan)
    assert outcome.exit_code == ExitStatus.INTERRUPTED
    assert outcome.message == "interrupted: nothing was changed"
    assert objects(local) == [] and stack(local) is None
