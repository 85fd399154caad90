"""The list prices `alarmclock cost` multiplies by: one dated table, each price with its source.

us-east-1, USD, on-demand list prices, no discounts or Savings Plans. The figures were taken on
PRICES_DATE from docs/aws-facts.md (its table "List prices, us-east-1", collected late 2026)
and, for the rows that table lacks, from stored copies of AWS's public pricing pages named in
`source`. Nothing here was fetched live: check the pricing pages before quoting a figure, and
update the date when you change a price.

Free-tier amounts are AWS's always-free monthly allowances. They are per account, so a bill
"with free tier" assumes nothing else in the account uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PRICES_DATE = "2026-11-27"
REGION = "us-east-1"
CURRENCY = "USD"

_CLOUDWATCH = "aws.amazon.com/cloudwatch/pricing"
_FACTS = "docs/aws-facts.md"


@dataclass(frozen=True)
class Price:
    """`usd` buys `per` units; up to `free_per_month` units a month cost nothing under the free tier."""

    key: str
    what: str
    usd: Decimal
    per: int
    unit: str
    free_per_month: Decimal
    source: str

    @property
    def unit_price(self) -> Decimal:
        return self.usd / self.per


def _price(key: str, what: str, usd: str, per: int, unit: str, free: int | str, source: str) -> Price:
    return Price(key, what, Decimal(usd), per, unit, Decimal(free), source)


PRICES: dict[str, Price] = {
    p.key: p
    for p in (
        _price(
            "alarm_standard",
            "standard-resolution alarm (period of 60 s or more)",
            "0.10",
            1,
            "alarm-month",
            10,
            f"{_CLOUDWATCH} (Alarms; free tier: 10 alarm metrics); {_FACTS}",
        ),
        _price(
            "alarm_high_resolution",
            "high-resolution alarm (period of 10, 20 or 30 s)",
            "0.30",
            1,
            "alarm-month",
            0,  # the 10 free alarm metrics apply to standard-resolution alarms only
            f"{_CLOUDWATCH} (Alarms; free tier 'only applicable to Standard resolution alarms'); "
            f"PutMetricAlarm API reference, Period ('a higher charge'); {_FACTS}",
        ),
        _price(
            "custom_metric",
            "custom metric (first 10,000; same price at either storage resolution)",
            "0.30",
            1,
            "metric-month",
            10,
            f"{_CLOUDWATCH} (Metrics); {_FACTS}",
        ),
        _price(
            "cloudwatch_api",
            "CloudWatch API requests (PutMetricData)",
            "0.01",
            1_000,
            "requests",
            1_000_000,
            f"{_CLOUDWATCH} (API requests; free tier excludes GetMetricData only); {_FACTS}",
        ),
        _price(
            "logs_ingestion",
            "CloudWatch Logs ingestion (Lambda logs, first tier)",
            "0.50",
            1,
            "GB",
            5,  # 5 GB a month, shared by ingestion, archive storage and Logs Insights scans
            f"{_CLOUDWATCH} (Logs; free tier 5 GB data)",
        ),
        _price(
            "lambda_requests",
            "Lambda requests",
            "0.20",
            1_000_000,
            "requests",
            1_000_000,
            f"aws.amazon.com/lambda/pricing; {_FACTS}",
        ),
        _price(
            "lambda_duration_arm64",
            "Lambda duration, arm64 (first 7.5 billion GB-s)",
            "0.0000133334",
            1,
            "GB-s",
            400_000,  # one allowance for x86_64 and arm64 together
            "aws.amazon.com/lambda/pricing (Arm price; free tier 400,000 GB-s)",
        ),
        _price(
            "lambda_duration_x86_64",
            "Lambda duration, x86_64 (first 6 billion GB-s)",
            "0.0000166667",
            1,
            "GB-s",
            400_000,
            f"aws.amazon.com/lambda/pricing; {_FACTS}",
        ),
        _price(
            "sns_publish",
            "SNS publishes (deliveries to Lambda are free)",
            "0.50",
            1_000_000,
            "requests",
            1_000_000,
            f"aws.amazon.com/sns/pricing; {_FACTS}",
        ),
        _price(
            "eventbridge_scheduled_rule",
            "EventBridge scheduled rule invocations",
            "0",
            1,
            "invocations",
            0,
            f"aws.amazon.com/eventbridge/pricing (scheduled rules: no charge); {_FACTS}",
        ),
        _price(
            "scheduler_invocations",
            "EventBridge Scheduler invocations",
            "1.00",
            1_000_000,
            "invocations",
            14_000_000,
            f"aws.amazon.com/eventbridge/pricing (Scheduler); {_FACTS}",
        ),
        _price(
            "sfn_standard_transitions",
            "Step Functions Standard state transitions",
            "0.025",
            1_000,
            "transitions",
            4_000,
            f"aws.amazon.com/step-functions/pricing; {_FACTS}",
        ),
        _price(
            "sfn_express_requests",
            "Step Functions Express requests (executions started)",
            "1.00",
            1_000_000,
            "requests",
            0,
            "aws.amazon.com/step-functions/pricing (Express; no free tier)",
        ),
        _price(
            "sfn_express_duration",
            "Step Functions Express duration (first 1,000 GB-hours; 100 ms and 64 MB steps)",
            "0.00001667",
            1,
            "GB-s",
            0,
            "aws.amazon.com/step-functions/pricing (Express duration)",
        ),
        _price(
            "sqs_requests",
            "SQS standard-queue requests (each 64 KB chunk is one)",
            "0.40",
            1_000_000,
            "requests",
            1_000_000,
            f"aws.amazon.com/sqs/pricing; {_FACTS}",
        ),
    )
}
