"""What a clock costs a month, item by item, and what the usual alternatives cost for the same beat.

Pure arithmetic on the dated list prices in `alarmclock.prices`: a period in, bills out. Amounts
are Decimal, exact until they are shown. The model, stated once and used everywhere:

- A month is 30 days (2,592,000 s). Alarms and the metric are charged a whole month; everything
  per request scales with 30 days (a 730-hour month would add 1.4 % to those).
- The clock ticks at its nominal period. A sub-minute clock may hold a slower beat; then it
  makes fewer ticks and the per-tick items shrink in proportion.
- The targets' own charges are left out of every row: each approach calls them once per tick.
- "With free tier" gives the clock the account's whole always-free allowance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.prices import PRICES, Price
from alarmclock.spec import PUBLISHES, Publish, Via, check_period, check_publish, default_publish
from alarmclock.template import heartbeat_minutes, watchdog_shape

MONTH_DAYS = 30
MONTH_S = MONTH_DAYS * 86_400
MINUTES_PER_MONTH = MONTH_S // 60
BYTES_PER_GB = 2**30  # AWS bills data in binary gigabytes
# CloudWatch Logs bills each event's bytes plus 26 bytes of metadata. Every Lambda invocation writes
# START, END and REPORT (about 260 bytes); the tick function adds one JSON line (about 240 bytes).
LAMBDA_PLATFORM_LOG_BYTES = 340
TICK_LINE_LOG_BYTES = 300
# With --publish logs each tick writes one more line, in embedded metric format (handler.emf_line,
# about 310 bytes for a 20-character clock name); with a wave each heartbeat writes one line saying
# how far it laid it (about 140). tests/cli/test_cost.py measures both against the handler's own lines.
EMF_LINE_LOG_BYTES = 340
WAVE_LINE_LOG_BYTES = 170
# Lambda's SQS poller count is not published exactly: "five concurrent batches" when traffic is
# low, "as few as 2". We take five pollers, each a 20-second long poll: 15 ReceiveMessage a minute.
SQS_IDLE_RECEIVES_PER_MINUTE = 15
# A Step Functions Task that invokes Lambda asynchronously returns in tens of milliseconds.
STEP_FUNCTIONS_TASK_S = Decimal("0.05")
EXPRESS_MEMORY_MB = 64  # a two-state workflow with a tiny payload fits the smallest 64 MB step


@dataclass(frozen=True)
class Usage:
    """What the price table cannot know: the functions' size and how long each tick's work takes."""

    memory_mb: int = 128
    duration_ms: int = 100

    @property
    def memory_gb(self) -> Decimal:
        return Decimal(self.memory_mb) / 1024


@dataclass(frozen=True)
class LineItem:
    label: str
    quantity: Decimal
    price: Price

    @property
    def list_usd(self) -> Decimal:
        return self.quantity * self.price.unit_price

    @property
    def with_free_tier_usd(self) -> Decimal:
        return max(Decimal(0), self.quantity - self.price.free_per_month) * self.price.unit_price


@dataclass(frozen=True)
class Bill:
    items: tuple[LineItem, ...]

    def __post_init__(self) -> None:
        # One item per price, so each free allowance is subtracted exactly once.
        keys = [item.price.key for item in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError(f"a bill lists the same price twice: {keys}")

    @property
    def list_usd(self) -> Decimal:
        return sum((item.list_usd for item in self.items), Decimal(0))

    @property
    def with_free_tier_usd(self) -> Decimal:
        return sum((item.with_free_tier_usd for item in self.items), Decimal(0))


@dataclass(frozen=True)
class Alternative:
    """One way to get the same beat. `bill` is None when the approach cannot hold it at all."""

    name: str
    bill: Bill | None
    design: str  # what exactly is priced
    precision: str  # what is reported about the beat it holds
    note: str = ""  # why it is impossible, or that it is not needed
    recovery: str = ""  # what brings the beat back after a fault
    targets: str = ""  # how it reaches the targets, and what that costs beyond their own charges


@dataclass(frozen=True)
class Estimate:
    period_s: int
    via: Via
    usage: Usage
    ticks_per_month: Decimal
    clock: Bill
    alternatives: tuple[Alternative, ...] = ()
    publish: Publish = "wave"
    alarms: int = 1


def ticks_per_month(period_s: int) -> Decimal:
    return Decimal(MONTH_S) / Decimal(period_s)


def lambda_items(
    invocations: Decimal, seconds_each: Decimal, usage: Usage, log_bytes_each: int | Decimal
) -> list[LineItem]:
    # Lambda bills whole milliseconds of duration.
    billed_s = Decimal(math.ceil(seconds_each * 1000)) / 1000
    return [
        LineItem("Lambda requests", invocations, PRICES["lambda_requests"]),
        LineItem(
            f"Lambda duration ({usage.memory_mb} MB arm64, {billed_s.normalize():f} s each)",
            invocations * billed_s * usage.memory_gb,
            PRICES["lambda_duration_arm64"],
        ),
        LineItem("CloudWatch Logs ingestion", invocations * log_bytes_each / BYTES_PER_GB, PRICES["logs_ingestion"]),
    ]


# What the function's CloudWatch calls are, by how the beat is published.
API_CALLS_LABEL = {
    "wave": "CloudWatch API: one PutMetricData per heartbeat (the wave)",
    "api": "CloudWatch API: PutMetricData per tick, DescribeAlarms per heartbeat",
    "logs": "CloudWatch API: DescribeAlarms per heartbeat",
    "now": "CloudWatch API: PutMetricData per flip (one a cycle), DescribeAlarms per heartbeat",
}


def clock_bill(
    period_s: int, via: Via = "lambda", usage: Usage | None = None, alarms: int = 1, publish: Publish | None = None
) -> Bill:
    """The clock as the template deploys it: its tick alarm(s) (one, or the seed's pair) and one run
    per tick, plus the self-healing (a watchdog alarm and a heartbeat rule).

    The CloudWatch calls follow how the beat is published: with a wave, each heartbeat makes one
    PutMetricData (two hours of values) and a tick none; with PutMetricData per tick, one a tick
    and a DescribeAlarms per heartbeat; with an EMF log line, only the heartbeat's DescribeAlarms,
    and a second log line per tick."""
    usage = usage or Usage()
    ticks = ticks_per_month(check_period(period_s))
    publish = publish or default_publish(period_s)
    check_publish(period_s, publish)
    tick_alarms_high = period_s < 60
    watchdog_high = watchdog_shape(period_s, publish)[0] < 60
    heartbeats = Decimal(MINUTES_PER_MONTH // heartbeat_minutes(period_s, publish))
    # The documented design's alarm flips once an evaluation cycle, and each flip runs the function.
    flips = ticks * (period_s // evaluation_cycle(period_s)) if publish == "now" else ticks
    high = alarms * tick_alarms_high + watchdog_high
    standard = alarms + 1 - high
    items = []
    if standard:
        items.append(LineItem(f"{standard} standard-resolution alarm(s)", Decimal(standard), PRICES["alarm_standard"]))
    if high:
        items.append(LineItem(f"{high} high-resolution alarm(s)", Decimal(high), PRICES["alarm_high_resolution"]))
    runs = flips + heartbeats
    tick_log_bytes = LAMBDA_PLATFORM_LOG_BYTES + TICK_LINE_LOG_BYTES + (EMF_LINE_LOG_BYTES if publish == "logs" else 0)
    heartbeat_log_bytes = LAMBDA_PLATFORM_LOG_BYTES + (WAVE_LINE_LOG_BYTES if publish == "wave" else 0)
    log_bytes = (flips * tick_log_bytes + heartbeats * heartbeat_log_bytes) / runs
    api_calls = {"wave": heartbeats, "api": ticks + heartbeats, "logs": heartbeats, "now": flips + heartbeats}[publish]
    items += [
        LineItem("custom metric Tick", Decimal(1), PRICES["custom_metric"]),
        LineItem(API_CALLS_LABEL[publish], api_calls, PRICES["cloudwatch_api"]),
        LineItem(
            f"heartbeat rule, rate({heartbeat_minutes(period_s, publish)} minutes)",
            heartbeats,
            PRICES["eventbridge_scheduled_rule"],
        ),
        *lambda_items(runs, Decimal(usage.duration_ms) / 1000, usage, log_bytes),
    ]
    if via == "sns":
        # The alarm publishes to the topic; SNS's delivery to a Lambda subscriber is free.
        per = "flip" if publish == "now" else "tick"
        items.append(LineItem(f"SNS publishes, one per {per}", flips, PRICES["sns_publish"]))
    return Bill(tuple(items))


@dataclass(frozen=True)
class Kickoff:
    """Below a minute, something must start each minute's run (a free EventBridge rule) and the
    run makes that minute's ticks; from a minute up, one run per tick."""

    every_s: int
    ticks: int

    @classmethod
    def for_period(cls, period_s: int) -> Kickoff:
        return cls(60, 60 // period_s) if period_s < 60 else cls(period_s, 1)

    @property
    def per_month(self) -> Decimal:
        return Decimal(MONTH_S) / Decimal(self.every_s)


# What brings each alternative's beat back, and how it reaches the targets (docs/cost.md's sources).
SCHEDULE_RECOVERY = (
    "nothing to restart: AWS runs the schedule; a failed delivery is retried, by default for 24 hours "
    "and up to 185 times (EventBridge and Scheduler retry policies)"
)
DIRECT_TARGETS = "calls Lambda, SNS, SQS and EventBridge targets itself: nothing beyond their own charges"
KICKOFF_RECOVERY = "the free rule starts the next minute's run afresh: a fault costs at most that minute's ticks"
NOT_NEEDED = "not needed: an EventBridge rule holds this beat at no charge (priced for comparison)"
BELOW_A_MINUTE = "not possible: schedules have one-minute precision and reject rates below a minute"


def rate_expression(period_s: int) -> str:
    minutes = period_s // 60
    return f"rate({minutes} minute{'s' if minutes > 1 else ''})"


# EventBridge invoking the target itself on a rate, priced by the invocation: how each of its two
# schedules is named, called in a sentence (below a minute; from a minute), billed, and what it promises.
SCHEDULES = {
    "rule": ("EventBridge rule", "scheduled rule", "rule", "scheduled rule invocations", "eventbridge_scheduled_rule"),
    "scheduler": ("EventBridge Scheduler", "schedule", "schedule", "Scheduler invocations", "scheduler_invocations"),
}
SCHEDULE_PRECISION = {
    "rule": "same second each minute, about +-0.5 s measured; docs promise only 'within that minute'",
    "scheduler": "'60 second precision' (docs)",
}


def schedule(period_s: int, which: str) -> Alternative:
    name, called, short, item, price = SCHEDULES[which]
    if period_s < 60:
        return Alternative(name, None, f"a {called} that invokes the target", "", BELOW_A_MINUTE)
    bill = Bill((LineItem(item, ticks_per_month(period_s), PRICES[price]),))
    return Alternative(
        name,
        bill,
        f"{rate_expression(period_s)} {short} invoking the target directly",
        SCHEDULE_PRECISION[which],
        recovery=SCHEDULE_RECOVERY,
        targets=DIRECT_TARGETS,
    )


def step_functions_standard(period_s: int) -> Alternative:
    kickoff = Kickoff.for_period(period_s)
    # n Task states and the n-1 Waits between them, unrolled; a Choice-and-counter loop costs about twice.
    transitions = kickoff.per_month * (2 * kickoff.ticks - 1)
    bill = Bill((LineItem("state transitions", transitions, PRICES["sfn_standard_transitions"]),))
    if kickoff.ticks > 1:
        run = (
            f"{kickoff.ticks} Tasks that invoke the target asynchronously with a Wait of {period_s} s "
            f"between them, unrolled ({2 * kickoff.ticks - 1} transitions a run)"
        )
    else:
        run = "one Task that invokes the target asynchronously (1 transition a run)"
    return Alternative(
        "Step Functions Standard",
        bill,
        f"a free rule starts a run every {kickoff.every_s} s: {run}",
        "Wait is in whole seconds, about 10 ms a transition; each run restarts from the rule's time",
        NOT_NEEDED if period_s >= 60 else "",
        recovery=KICKOFF_RECOVERY,
        targets="a Task per target per tick (each target kind needs its own service integration): a transition each",
    )


def step_functions_express(period_s: int) -> Alternative:
    kickoff = Kickoff.for_period(period_s)
    # Billed from start to end, rounded up to 100 ms, in 64 MB steps of memory.
    run_s = (kickoff.ticks - 1) * period_s + kickoff.ticks * STEP_FUNCTIONS_TASK_S
    billed_s = Decimal(math.ceil(run_s * 10)) / 10
    gb_seconds = kickoff.per_month * billed_s * Decimal(EXPRESS_MEMORY_MB) / 1024
    bill = Bill(
        (
            LineItem("executions", kickoff.per_month, PRICES["sfn_express_requests"]),
            LineItem(
                f"duration ({EXPRESS_MEMORY_MB} MB, {billed_s:f} s a run)", gb_seconds, PRICES["sfn_express_duration"]
            ),
        )
    )
    return Alternative(
        "Step Functions Express",
        bill,
        f"the Standard design as an Express workflow, one run every {kickoff.every_s} s, "
        f"{billed_s:f} s long (waits are billed as duration); logging off",
        "as Standard; a run may last at most 5 minutes",
        NOT_NEEDED if period_s >= 60 else "",
        recovery=KICKOFF_RECOVERY,
        targets="a Task per target per tick, billed as the run's duration",
    )


def sqs_timers(period_s: int, usage: Usage) -> Alternative:
    kickoff = Kickoff.for_period(period_s)
    ticks = ticks_per_month(period_s)
    sends = kickoff.per_month  # one SendMessageBatch a run: up to 10 messages, DelaySeconds 0, P, 2P, ...
    per_tick = 2 * ticks  # the poll that returns the message, and its DeleteMessageBatch
    idle_polls = Decimal(SQS_IDLE_RECEIVES_PER_MINUTE * MINUTES_PER_MONTH)
    sender = lambda_items(kickoff.per_month, Decimal(usage.duration_ms) / 1000, usage, LAMBDA_PLATFORM_LOG_BYTES)
    bill = Bill(
        (
            LineItem(
                "SQS requests (sends, receives, deletes, idle long polls)",
                sends + per_tick + idle_polls,
                PRICES["sqs_requests"],
            ),
            *sender,
        )
    )
    last_delay_s = period_s * (kickoff.ticks - 1)
    queued = f"{kickoff.ticks} messages delayed 0 to {last_delay_s} s" if kickoff.ticks > 1 else "one message"
    return Alternative(
        "SQS message timers",
        bill,
        f"a free rule runs a sender function every {kickoff.every_s} s that queues {queued} in one batch; "
        f"Lambda's poller invokes the target; {SQS_IDLE_RECEIVES_PER_MINUTE} idle long polls a minute",
        "DelaySeconds is in whole seconds; the poller's delivery lag is not published",
        NOT_NEEDED if period_s >= 60 else "",
        recovery=KICKOFF_RECOVERY + "; a message whose target fails comes back after its visibility timeout",
        targets="the target must be a Lambda function fed by the queue's poller (priced here); an SNS, SQS or "
        "EventBridge target needs a forwarding function as well",
    )


def sleeping_lambda(period_s: int, usage: Usage) -> Alternative:
    kickoff = Kickoff.for_period(period_s)
    # It sleeps to absolute times, so a run lasts the waits plus the last tick's work.
    run_s = (kickoff.ticks - 1) * period_s + Decimal(usage.duration_ms) / 1000
    bill = Bill(tuple(lambda_items(kickoff.per_month, run_s, usage, LAMBDA_PLATFORM_LOG_BYTES)))
    calls = f"{kickoff.ticks} times, sleeping {period_s} s between; it pays for the sleep"
    return Alternative(
        "sleeping Lambda",
        bill,
        f"a free rule starts a function every {kickoff.every_s} s that invokes the target "
        + (calls if kickoff.ticks > 1 else "once"),
        "drifts with the work unless it sleeps to absolute times; x86_64 costs 25 % more",
        NOT_NEEDED if period_s >= 60 else "",
        recovery=KICKOFF_RECOVERY,
        targets="the function calls the targets itself: nothing beyond their own charges",
    )


PUBLISH_NAMES = {
    "wave": "wave laid ahead",
    "api": "PutMetricData per tick",
    "logs": "EMF log line per tick",
    "now": "documented: stamped now, every cycle",
}
CLOCK_TARGETS = (
    "the tick function calls each target once a tick (Invoke, Publish, SendMessage or PutEvents): "
    "nothing beyond the target's own charges"
)


def this_clock(period_s: int, via: Via, usage: Usage, alarms: int = 1, publish: Publish = "wave") -> Alternative:
    """One row for alarmclock with one way of publishing the beat; what it says of the beat and of
    recovery is what the emulator shows (docs/timing-model.md, docs/self-healing.md): no clock has
    been measured on AWS."""
    flips = (
        "one alarm flip-flopping on a metric, its ALARM and OK actions both calling the function"
        if alarms == 1
        else "the seed's two alarms flip-flopping on a metric"
    )
    if publish == "wave":
        how = (
            f"{flips}; a heartbeat every {heartbeat_minutes(period_s, publish)} minutes lays the next two hours "
            "of Tick values in one PutMetricData, so a tick makes no CloudWatch call"
        )
        beat = (
            "in the emulator, the period at the alarm's evaluation second, on a fixed grid that no "
            "fault moves; measured nowhere on AWS"
        )
        recovery = (
            "nothing to restart for faults under two hours (the beat is already in the metric; ticks "
            "whose function fails are lost); after a longer outage, the first heartbeat after the fix"
        )
    elif publish == "now":
        how = (
            f"{flips}; every flip (one an evaluation cycle) publishes the next value stamped at the flip, "
            "and every period's first flip is a tick: nothing rests on an undocumented behaviour"
        )
        beat = "in the emulator, the period at the alarm's evaluation second, in every world; measured nowhere on AWS"
        recovery = (
            "a watchdog alarm's action restarts the loop at once, and a heartbeat every "
            f"{heartbeat_minutes(period_s, publish)} minutes while the restart fails"
        )
    else:
        what = "PutMetricData" if publish == "api" else "an embedded-metric-format log line"
        how = f"{flips}; each tick publishes the next value with {what}"
        beat = "in the emulator, the period at the alarm's evaluation second; measured nowhere on AWS"
        if publish == "logs":
            beat += "; it rests on an undocumented extraction delay (a few seconds keeps a minute, not 10 s)"
        recovery = (
            "a watchdog alarm's action restarts the loop at once, and a heartbeat every "
            f"{heartbeat_minutes(period_s, publish)} minutes while the restart fails"
        )
    return Alternative(
        f"alarmclock ({PUBLISH_NAMES[publish]})",
        clock_bill(period_s, via, usage, alarms, publish),
        how,
        beat,
        recovery=recovery,
        targets=CLOCK_TARGETS,
    )


def estimate(
    period_s: int,
    via: Via = "lambda",
    usage: Usage | None = None,
    compare: bool = False,
    alarms: int = 1,
    publish: Publish | None = None,
) -> Estimate:
    usage = usage or Usage()
    check_period(period_s)
    publish = publish or default_publish(period_s)
    alternatives: tuple[Alternative, ...] = ()
    if compare:
        # The clock as asked for first, then its other ways of publishing that the period allows.
        others = [p for p in PUBLISHES if p != publish and allows(period_s, p)]
        alternatives = (
            *(this_clock(period_s, via, usage, alarms, p) for p in (publish, *others)),
            schedule(period_s, "rule"),
            schedule(period_s, "scheduler"),
            step_functions_standard(period_s),
            step_functions_express(period_s),
            sqs_timers(period_s, usage),
            sleeping_lambda(period_s, usage),
        )
    bill = clock_bill(period_s, via, usage, alarms, publish)
    return Estimate(period_s, via, usage, ticks_per_month(period_s), bill, alternatives, publish, alarms)


def allows(period_s: int, publish: Publish) -> bool:
    try:
        check_publish(period_s, publish)
    except ValueError:
        return False
    return True
