"""A CDK app with two clocks inside it: the documentation's "The CDK construct" (docs/cdk.md)."""

import os

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from alarmclock.cdk import AlarmClock

JOB_CODE = """
def handler(event, context):
    print("tick", event["tick_id"], event.get("payload"))
"""


class JobsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        poll = lambda_.Function(
            self,
            "Poll",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(JOB_CODE),
        )
        work = sqs.Queue(self, "Work", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)

        # Every 10 seconds: the function is invoked and a message sent to the queue, both with the payload.
        clock = AlarmClock(self, "Every10s", every=Duration.seconds(10), targets=[poll, work], payload={"job": "poll"})
        # A second clock in the same stack: its alarms and metric have names of their own.
        AlarmClock(self, "Hourly", every=Duration.hours(1), targets=[work], payload={"job": "report"})

        # The clock on your dashboard: its Tick metric and its watchdog (the alarm that restarts it).
        cloudwatch.Dashboard(
            self,
            "Clocks",
            widgets=[
                [
                    cloudwatch.GraphWidget(title="Tick", left=[clock.metric_tick()]),
                    cloudwatch.AlarmStatusWidget(alarms=[clock.watchdog_alarm]),
                ]
            ],
        )


if __name__ == "__main__":
    # Run by itself it writes cdk.out/; run by the CDK CLI (cdk synth, cdk deploy), where the CLI says.
    app = App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
    JobsStack(app, "Jobs")
    app.synth()
