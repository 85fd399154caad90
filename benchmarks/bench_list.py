"""`alarmclock list` on a fleet: API calls and wall time against a moto server on 127.0.0.1.

    .venv/bin/python benchmarks/bench_list.py --clocks 120 [--latency 0.1]

Creates the clocks (CreateStack of each one's template, as deploy sends it), then runs `list` in
process and counts every AWS call it makes, by operation. `--latency S` adds S seconds to each call
(a call to AWS takes some 50-150 ms; moto on 127.0.0.1 answers in a few), so what concurrency saves
shows. No AWS account is used: the credentials are moto's dummies.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

REGION = "us-east-1"


def create_clocks(endpoint: str, count: int) -> None:
    import boto3

    from alarmclock.render import deploy_body
    from alarmclock.spec import build_spec
    from alarmclock.template import build_template

    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=endpoint)
    url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint)
    for index in range(count):
        name = f"clock-{index:03d}"
        # Periods of 1m and 5m, wave and api: the list reads each kind's metric its own way.
        every, publish = ("1m", "wave") if index % 2 else ("5m", "api")
        body = deploy_body(build_template(build_spec(every=every, targets=[arn], name=name, publish=publish)))
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=body,
            Parameters=[{"ParameterKey": "Paused", "ParameterValue": "false"}],
            Capabilities=["CAPABILITY_IAM"],
            Tags=[{"Key": "alarmclock:version", "Value": "bench"}],
        )


@contextlib.contextmanager
def counted(latency_s: float) -> Iterator[Counter[str]]:
    """Every botocore call made inside, by operation name; each delayed by `latency_s`."""
    from botocore.client import BaseClient

    calls: Counter[str] = Counter()
    lock = threading.Lock()
    original = BaseClient._make_api_call

    def call(self: Any, operation: str, params: Any) -> Any:
        with lock:
            calls[operation] += 1
        if latency_s:
            time.sleep(latency_s)
        return original(self, operation, params)

    BaseClient._make_api_call = call
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clocks", type=int, default=120)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each AWS call")
    args = parser.parse_args()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[key] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = REGION

    import logging

    from moto.server import ThreadedMotoServer

    # moto logs each request, each resource type its CloudFormation lacks (alarms) and its Docker probe.
    logging.disable(logging.ERROR)
    warnings.simplefilter("ignore")

    from alarmclock.cli import main as alarmclock

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        began = time.perf_counter()
        create_clocks(endpoint, args.clocks)
        print(f"created {args.clocks} clocks in {time.perf_counter() - began:.1f} s")
        out = io.StringIO()
        with counted(args.latency) as calls, contextlib.redirect_stdout(out):
            began = time.perf_counter()
            status = alarmclock(["list", "--endpoint-url", endpoint, "--region", REGION, "--output", "json"])
            wall = time.perf_counter() - began
        listed = out.getvalue().count('"clock":')
        total = sum(calls.values())
        print(
            f"list: exit {status}, {listed} clocks, {total} calls ({total / max(listed, 1):.2f} per clock), "
            f"{wall:.2f} s wall with {args.latency * 1000:.0f} ms added per call"
        )
        for operation, count in calls.most_common():
            print(f"  {operation:<22} {count}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
