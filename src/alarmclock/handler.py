"""alarmclock's Lambda function: one beat of a CloudWatch-alarm flip-flop clock.

This file is shipped verbatim as the function's inline code (``Code.ZipFile``), so it
imports only the standard library and boto3, never the rest of the package.

The loop (after vpalos/aws-1minute-timer): the function publishes a metric ``Tick`` as
0 or 1 and an alarm's action invokes it again when the alarm sees that value, so it
publishes the opposite one. Two designs (docs/timing-model.md):

- one alarm, ``<prefix>1`` watching ``Tick >= 1``, whose ALARM and OK actions both invoke
  the function: ALARM (Tick is 1) publishes 0, OK (Tick is 0) publishes 1. Every flip is
  made by the same alarm at the same second of its evaluation cycle (the default);
- the seed's pair, ``<prefix>0`` watching ``Tick <= 0`` and ``<prefix>1`` watching
  ``Tick >= 1``, each acting on ALARM only.

The value to publish is decided by *which* alarm changed and to *what*, never by a
remembered state, so a duplicate notification publishes the same value again and cannot
break the loop. Each value is stamped just before the end of the next period, as the alarm
will look at it (``next_stamp``), so the clock keeps its period on CloudWatch's sliding
evaluation window, whose end advances by one evaluation cycle, not by one period.

How the values reach the metric (``ALARMCLOCK_PUBLISH``, docs/cost.md):

- ``wave`` (the default at every period up to 120 minutes): the values are a fixed function of
  time, index k's value ``k % 2`` stamped ``(k + 1) * period - cycle + 1`` (``wave_points``), and
  the heartbeat lays the next two hours of them in one PutMetricData (``lay_wave``). The alarm
  flips on its own; a tick only calls the targets. A wave re-laid is the same wave, so laying it
  again is always safe;
- ``api``: each tick publishes the next value with PutMetricData (``publish_tick``);
- ``logs``: each tick writes the next value as an embedded-metric-format log line (``emf_line``).

``lambda_handler`` only wires the real AWS clients, clock and HTTP into ``handle``;
tests and the local emulator call ``handle`` with their own.
"""

import hashlib
import json
import os
import re
import threading
import time
import urllib.request
from datetime import UTC, datetime

import boto3
from botocore.config import Config

METRIC_NAME = "Tick"
# A tick's log line counts its failed deliveries on this metric (EMF): `status` and the optional alarm read it.
FAILURES_METRIC = "DeliveryFailures"
TICK_SOURCE = "alarmclock"
TICK_VERSION = 1
# Alarm "<prefix>V" in ALARM means "Tick is V", so the next value is 1 - V; in OK (the one-alarm
# design, whose OK action is a tick too) it means "Tick is not V", so the next value is V.
NEXT_VALUE = {"0": 1, "1": 0}
# Keep the custom resource's answer ahead of the function's own timeout (crhelper does the same).
ANSWER_MARGIN_S = 3.0
HEARTBEAT = "heartbeat"
# A restart replays the last state change (same stamp, same tick id: harmless if it was not
# lost) while that change is recent enough for the alarms to still see its period.
REPLAY_MARK = "replaying "
# A kick that must change an alarm to the state it is already in first sets the other state, with
# this reason; the action that step runs is not a tick and is ignored.
PRELUDE_MARK = "alarmclock: kick prelude"
# The reason the watchdog is set back to OK with, once its ALARM was acted on (rearm_watchdog).
REARM_MARK = "alarmclock: re-armed after acting on its ALARM"
# A change older than this (or two periods, if longer) is outside any alarm's view: a replay, never a
# tick (foreign). A change time further ahead of the clock than MAX_STAMP_AHEAD_S is no clock skew.
MAX_STAMP_AGE_S = 3600.0
MAX_STAMP_AHEAD_S = 300.0
# `alarmclock restart` invokes the function with {"alarmclock": "restart"}: a person asks for it.
RESTART = "restart"
RESTART_REASON = "restarted on request"
# Restarts that must kick even while the last tick's value seems due: the loop was stopped on
# purpose (a pause), it never published on this metric (a clock that laid a wave until now), or
# someone asked for it (the replayed tick is harmless if it was delivered).
ALWAYS_KICK = ("resumed", "switched from a wave", RESTART_REASON)
# The watchdog's evaluation jitter and latency, on top of its cycle, before it sees a new value.
SETTLE_MARGIN_S = 15.0
# PutMetricData takes stamps up to two hours ahead; a minute less leaves room for clock skew.
WAVE_AHEAD_S = 7140.0
# PutMetricData takes at most 1,000 values a call; a 10 s wave of two hours is 715.
MAX_DATA_PER_CALL = 1000
# A wave's metric carries its period as a dimension: a changed period (or a switch from "api")
# then starts a fresh metric instead of meeting two hours of values laid on the old grid.
WAVE_DIMENSION = "Wave"
# The documented design's metric: each flip publishes the next value stamped at the flip's time, to
# a tick alarm whose Period is the evaluation cycle (a wave clock that switched, or --publish now).
NOW_DIMENSION = "Now"
PUBLISHES = ("wave", "api", "logs", "now")
# A tick alarm that a wave clock switched to the documented design says so, and why, in its
# AlarmDescription (where `alarmclock status` reads it).
SWITCH_MARK = "alarmclock: switched to --publish now: "
# The documented design's watchdog: no Tick over this many evaluation cycles (plus one) is a stall.
NOW_WATCHDOG_QUIET_CYCLES = 2
# How long after its flip the documented design stamps the next value, at most (now_stamp).
NOW_STAMP_AFTER_S = 5.0
# At most this many ticks a wave's alarm skipped are delivered late (missed_tick_times): a silence
# of up to 10 periods is jitter at a window boundary; a longer one is an outage.
MAX_CATCH_UP = 9
# wave_unsteady: this many changes of lateness within this many flips switch a wave clock.
UNSTEADY_FLIPS = 60
UNSTEADY_CHANGES = 4
# now_no_better: a switch on a changing lateness is a trial this many cycles long; this many flips decided
# late within it send the clock back to its wave, to stay (STAY_MARK, after the description).
TRIAL_CYCLES = 30
TRIAL_FLIPS = 3
# wave_held_still: this many flips that held still past a due one, deciding late, within the time the
# clock has to notice switch a wave clock (one, soon after the stack laid the wave).
HELD_FLIPS = 2
STAY_MARK = " | stays on its wave: "
UNSTEADY_WHY = "the tick alarm's lateness changed"
AFTER_STAY = ", after its wave was tried"
# An evaluation this soon after its window's end, of an alarm that looks near the end of its cycle,
# is the one before, carried across (steady_lateness; docs/timing-model.md: evaluation_jitter_s, up to
# 5 s in the ranges swept).
CROSSING_S = 5
# A self-switching wave clock's heartbeat rule is named from its stack's id (template.heartbeat), so that
# the function can set the rule's rate to its design's (set_heartbeat) without a Ref the rule's own
# target to the function would make circular: at most 57 of a rule name's 64 characters.
HEARTBEAT_RULE = "alarmclock-heartbeat-"
HEARTBEAT_DESCRIPTION = "alarmclock watchdog: restarts the clock if its alarms stop flipping"
# The one tick alarm's description as the template writes it (template.tick_alarm; a test keeps them
# equal): a switched clock's alarm gets it back when it returns to its wave.
WAVE_ALARM_DESCRIPTION = "alarmclock: ALARM when Tick is 1 (the clock publishes 0 next), OK when it is 0 (publishes 1)"
# CloudFormation answers at "a presigned S3 bucket" URL (CloudFormation User Guide, "Custom resource request
# objects", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html): any other
# scheme or host (http, file:, data:, 169.254.169.254, a server of the sender's) is not CloudFormation's.
# Virtual-hosted or path-style, with or without a region, in aws and aws-cn; no user, no port, and only
# printable ASCII, so the host checked is the host urllib connects to. (The bucket's name is not
# documented, so it is not pinned: the StackId check is what ties a request to this stack.)
S3_URL = re.compile(r"https://([a-z0-9.-]+\.)?s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?/[!-~]*")
# The design each clock's alarms were last seen running ("wave" or "now"), by clock name: a wave
# clock's heartbeat needs it, and no event tells it. Kept for the life of the execution environment.
_designs: dict = {}
# When this execution environment last laid each clock's wave (epoch seconds): a wave laid lately lies
# ahead, so an alarm with no data, or a watchdog in ALARM, says its values are not counted.
_laid: dict = {}
# How many cycles late the tick alarm decided each of its latest flips (wave_unsteady), by clock name:
# a lateness that keeps changing is a beat the wave does not hold. A new environment reads it again
# from the alarm's history (lateness_so_far).
_lateness: dict = {}
# Flips a switched wave clock's documented design decided late within its trial (now_no_better), by clock.
_now_late: dict = {}
# When the tick alarm's latest flips that held still past a due one came (wave_held_still), by clock.
_held: dict = {}
# When the stack (Create, Update) last laid each clock's wave in this execution environment.
_started: dict = {}
# When this execution environment last saw each clock's tick alarm flip through SNS, whose message does
# not say when the alarm entered the state it leaves (wave_held_still).
_sns_flips: dict = {}


# When a heartbeat last came to each clock in this execution environment (epoch seconds): one sooner
# than half the wave's rate, to a clock running its wave, says the rule kept a switched design's rate.
_beats: dict = {}


CONFIG_FIELDS = (
    "alarm_prefix alarms clock namespace payload period problems publish stack_id starter targets "
    "watchdog watchdog_window window"
)


class ClockConfig:
    """The clock's settings, read from the function's environment (set by the template)."""

    # One string, not one name a line: each line of the inlined handler costs the template its indentation.
    __slots__ = tuple(CONFIG_FIELDS.split())

    def __init__(
        self,
        clock,
        namespace,
        period,
        alarm_prefix,
        targets=(),
        payload=None,
        problems=(),
        watchdog=None,
        watchdog_window=None,
        alarms=1,
        window="sliding",
        publish="api",
        stack_id=None,
        starter="Starter",
    ):
        self.clock = clock
        self.namespace = namespace
        self.period = period
        self.alarm_prefix = alarm_prefix
        self.targets = tuple(targets)
        self.payload = payload
        self.problems = tuple(problems)
        self.watchdog = watchdog or clock + "-watchdog"
        # How far back the watchdog looks (seconds): it knows nothing until it is that old.
        self.watchdog_window = watchdog_window if watchdog_window is not None else 2 * period + 10
        self.alarms = alarms  # tick alarms: 1 (ALARM and OK actions) or 2 (the seed's pair)
        self.window = window  # the tick alarms' EvaluationWindow: "sliding" or "wallclock"
        self.publish = publish  # how the beat reaches the metric: "wave", "api" or "logs"
        # The stack's ARN (AWS::StackId): the only stack whose requests it answers, and whose account and
        # region its alarms are in. None (a config built by hand): it answers none, and checks alarms by name.
        self.stack_id = stack_id
        self.starter = starter  # its custom resource's logical id (the CDK construct's is its own)

    @property
    def alarm_names(self):
        """The tick alarms: <prefix>1 alone, or the pair <prefix>0 and <prefix>1."""
        if self.alarms == 1:
            return [self.alarm_prefix + "1"]
        return [self.alarm_prefix + "0", self.alarm_prefix + "1"]

    @property
    def cycle(self):
        # Alarms of 60 s and more are evaluated every minute, high-resolution ones every 10 s.
        return 10 if self.high_resolution else 60

    @property
    def dimensions(self):
        if self.publish == "wave":
            return [{"Name": WAVE_DIMENSION, "Value": "%ds" % self.period}]
        if self.publish == "now":
            return [{"Name": NOW_DIMENSION, "Value": "%ds" % self.period}]
        return []

    @property
    def flips_per_tick(self):
        # The documented design's alarm flips once an evaluation cycle; every k-th flip is a tick.
        return self.period // self.cycle if self.publish == "now" else 1

    def now_design(self):
        """This clock as the documented design runs it: a wave clock whose tick alarm switched."""
        clone = ClockConfig.__new__(ClockConfig)
        for name in ClockConfig.__slots__:
            setattr(clone, name, getattr(self, name))
        clone.publish = "now"
        step, periods = now_watchdog_shape(self.cycle)
        clone.watchdog_window = step * periods
        return clone

    @property
    def all_alarm_names(self):
        return [*self.alarm_names, self.watchdog]

    @property
    def high_resolution(self):
        # A high-resolution alarm, as CloudWatch means it: a Period of 10, 20 or 30 s (spec.py's too).
        return self.period < 60

    @property
    def storage_resolution(self):
        # The points' StorageResolution: 1 s wherever an alarm reads periods under a minute, that is
        # below a minute the tick alarms, and the watchdog at a minute and in the documented design,
        # which looks at 10 s periods.
        return 1 if self.period <= 60 or self.publish == "now" else 60

    @classmethod
    def from_env(cls, env):
        # A broken variable must not stop the beat: keep going with what parses, report the rest.
        problems = []
        clock = env.get("ALARMCLOCK_NAME", "alarmclock")
        try:
            period = int(env.get("ALARMCLOCK_PERIOD", "60"))
        except ValueError:
            problems.append("ALARMCLOCK_PERIOD is not an integer")
            period = 60
        targets = _json_env(env, "ALARMCLOCK_TARGETS", [], problems)
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            problems.append("ALARMCLOCK_TARGETS is not a list of ARNs")
            targets = []
        alarms = env.get("ALARMCLOCK_ALARMS", "1")
        if alarms not in ("1", "2"):
            problems.append("ALARMCLOCK_ALARMS is not 1 or 2")
            alarms = "1"
        window = env.get("ALARMCLOCK_WINDOW", "sliding")
        if window not in ("sliding", "wallclock"):
            problems.append("ALARMCLOCK_WINDOW is not sliding or wallclock")
            window = "sliding"
        # A stack whose template sets no ALARMCLOCK_PUBLISH publishes every tick (CHANGELOG.md, 0.3.0).
        publish = env.get("ALARMCLOCK_PUBLISH", "api")
        if publish not in PUBLISHES:
            problems.append("ALARMCLOCK_PUBLISH is not one of " + ", ".join(PUBLISHES))
            publish = "api"
        return cls(
            publish=publish,
            alarms=int(alarms),
            window=window,
            clock=clock,
            namespace=env.get("ALARMCLOCK_NAMESPACE", "alarmclock/" + clock),
            period=period,
            alarm_prefix=env.get("ALARMCLOCK_ALARM_PREFIX", clock + "-tick-is-"),
            targets=[t for t in targets if t],
            payload=_json_env(env, "ALARMCLOCK_PAYLOAD", None, problems),
            problems=problems,
            watchdog=env.get("ALARMCLOCK_WATCHDOG_ALARM"),
            watchdog_window=_number_env(env, "ALARMCLOCK_WATCHDOG_WINDOW", None, problems),
            stack_id=env.get("ALARMCLOCK_STACK_ID"),
            starter=env.get("ALARMCLOCK_STARTER", "Starter"),
        )


def _number_env(env, name, default, problems):
    raw = env.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        problems.append(name + " is not a number")
        return default


def _json_env(env, name, default, problems):
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = json.loads(raw)
        # Strict JSON only: json reads NaN, Infinity and 1e400 (as inf), and would send them on as
        # NaN and Infinity, which EventBridge and JavaScript's JSON.parse refuse.
        json.dumps(value, allow_nan=False)
        return value
    except ValueError:
        problems.append(name + " is not valid JSON")
        return default


class Runtime:
    """Everything the handler touches outside itself.

    client(service, region) returns a boto3 client; now() returns epoch seconds;
    http_put(url, body) answers CloudFormation; log(record) writes one structured line.
    """

    __slots__ = ("client", "http_put", "log", "now")

    def __init__(self, client, now, http_put, log):
        self.client = client
        self.now = now
        self.http_put = http_put
        self.log = log


CHANGE_FIELDS = (
    "arn description dimensions name previous_reason previous_state previous_time reason reason_data state time via"
)


class AlarmChange:
    """One alarm state change, from either notification format (only the direct Lambda event says
    when the alarm entered the state it leaves)."""

    __slots__ = tuple(CHANGE_FIELDS.split())

    def __init__(
        self,
        name,
        state,
        time,
        via,
        reason=None,
        previous_state=None,
        previous_time=None,
        dimensions=None,
        reason_data=None,
        arn=None,
        description=None,
        previous_reason=None,
    ):
        self.name = name
        self.state = state
        self.time = time
        self.via = via
        self.reason = reason
        self.previous_state = previous_state
        self.previous_time = previous_time
        # The alarm's metric dimensions as the event shows them ({name: value}; None if it does not):
        # which design the alarm runs now. reasonData: what the evaluation looked at (a JSON string).
        self.dimensions = dimensions
        self.reason_data = reason_data
        self.arn = arn  # the alarm's ARN, as the event says
        self.description = description  # the alarm's description (the direct event's configuration)
        self.previous_reason = previous_reason  # why the alarm entered the state it leaves


def handle(event, context, config, runtime):
    """Handle one invocation. Never raises for a malformed event; raises only when the
    next beat could not be published, so Lambda's asynchronous retry tries again."""
    try:
        kind, body = classify(event)
        why = foreign(kind, body, config, runtime.now())
        if why:
            kind, body = "ignored", why
    except Exception as error:  # a malformed event must never break the clock
        kind, body = "ignored", "unreadable event: %s" % _describe(error)
    if kind == "custom_resource":
        return handle_custom_resource(body, context, config, runtime)
    if kind == "alarm":
        return handle_alarm(body, config, runtime)
    if kind == HEARTBEAT:
        return handle_heartbeat(config, runtime)
    if kind == RESTART:
        return handle_restart(body, config, runtime)
    runtime.log({"level": "WARNING", "clock": config.clock, "action": "ignored", "reason": body})
    return {"action": "ignored", "reason": body}


def classify(event):
    """Return ("custom_resource", request), ("alarm", AlarmChange), ("heartbeat", event), ("restart", event)
    or ("ignored", reason)."""
    if not isinstance(event, dict):
        return "ignored", "event is not an object"
    if event.get("alarmclock") == HEARTBEAT:
        return HEARTBEAT, event

    def answerable(request):
        # CloudFormation always sends these three; a request without them is not its, and cannot be answered.
        return all(isinstance(request.get(k), str) and request[k] for k in ("ResponseURL", "StackId", "RequestId"))

    if "RequestType" in event:
        if not answerable(event):
            return "ignored", "a RequestType without CloudFormation's ResponseURL, StackId and RequestId"
        return "custom_resource", event
    if event.get("source") == "aws.cloudwatch" and isinstance(event.get("alarmData"), dict):
        # CloudWatch's direct Lambda alarm action.
        data = event["alarmData"]
        state = data.get("state") or {}
        previous = data.get("previousState")
        previous = previous if isinstance(previous, dict) else {}
        configuration = data.get("configuration")
        described = configuration.get("description") if isinstance(configuration, dict) else None
        return "alarm", AlarmChange(
            data.get("alarmName"),
            state.get("value"),
            state.get("timestamp") or event.get("time"),
            "lambda",
            state.get("reason"),
            previous.get("value"),
            previous.get("timestamp"),
            _event_dimensions(configuration),
            state.get("reasonData"),
            event.get("alarmArn"),
            described if isinstance(described, str) else None,
            previous.get("reason"),
        )
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        sns = records[0].get("Sns") or {}
        message = json.loads(sns.get("Message") or "null")
        if isinstance(message, dict) and "RequestType" in message:
            if not answerable(message):
                return "ignored", "a RequestType without CloudFormation's ResponseURL, StackId and RequestId"
            return "custom_resource", message
        if isinstance(message, dict) and "AlarmName" in message:
            trigger = message.get("Trigger")
            dimensions = trigger.get("Dimensions") if isinstance(trigger, dict) else None
            return "alarm", AlarmChange(
                message.get("AlarmName"),
                message.get("NewStateValue"),
                message.get("StateChangeTime"),
                "sns",
                message.get("NewStateReason"),
                message.get("OldStateValue"),
                dimensions=_pairs(dimensions, "name", "value"),
                reason_data=sns_reason_data(message, trigger),
                arn=message.get("AlarmArn"),
                description=message.get("AlarmDescription"),
            )
        return "ignored", "SNS message is neither an alarm nor a CloudFormation request"
    # Last, off the path every tick takes: only `alarmclock restart` sends this.
    if event.get("alarmclock") == RESTART:
        return RESTART, event
    return "ignored", "unknown event shape"


def sns_reason_data(message, trigger):
    """The direct event's reasonData as far as an SNS message says it, or None (docs/aws-facts.md): the
    period (Trigger), each evaluated datapoint's period from NewStateReason ("[1.0 (06/12/26
    04:00:10)]", day first, to the second) and, for the evaluation's queryDate, the state change's time."""
    stamps = re.findall(r"\((\d\d)/(\d\d)/(\d\d) ([\d:]{8})\)", str(message.get("NewStateReason")))
    if not stamps or not isinstance(trigger, dict):
        return None
    points = [{"timestamp": "20%s-%s-%sT%s+00:00" % (y, m, d, t)} for d, m, y, t in stamps]
    return {"period": trigger.get("Period"), "queryDate": message.get("StateChangeTime"), "evaluatedDatapoints": points}


def foreign(kind, body, config, now):
    """Why a request or an alarm change is not this clock's own, or None. Whoever may invoke the
    function (or publish to its topic) can send any event: only CloudFormation's requests for this
    stack's Starter (template.py's one custom resource; ALARMCLOCK_STARTER names it where its logical id
    is another, as in a CDK stack), and fresh changes of this clock's alarms, in the stack's partition,
    region and account, are acted on."""
    if kind == "custom_resource":
        if not S3_URL.fullmatch(body["ResponseURL"]):
            return "a ResponseURL that is not an https S3 URL"
        if (body["StackId"], body.get("LogicalResourceId")) != (config.stack_id, config.starter):
            return "a request for %.300s, not this stack's %s" % (body["StackId"], config.starter)
    if kind == "alarm":
        # arn:P:cloudformation:R:A:stack/NAME/ID -> arn:P:cloudwatch:R:A:alarm: (the stack's P, R and A)
        own = re.sub(r":cloudformation:(.*):stack/.*", r":cloudwatch:\1:alarm:", config.stack_id or "")
        if body.name not in config.all_alarm_names or (own and body.arn != own + body.name):
            return "alarm %.300r is not one of this clock's" % (body.arn or body.name)
        # A time (or replayed time) out of any alarm's view is a replay: never a tick.
        tick_time = replayed_time(body.reason) or parse_time(body.time, now)
        if not -MAX_STAMP_AHEAD_S <= now - tick_time <= max(MAX_STAMP_AGE_S, 2.0 * config.period):
            return "a state change of %s, out of the alarms' view" % _iso(tick_time)
    return None  # its own


def handle_alarm(change, config, runtime):
    name = change.name if isinstance(change.name, str) else ""
    wave = config
    if config.publish == "wave" and change.dimensions is not None:
        _designs[config.clock] = "now" if NOW_DIMENSION in change.dimensions else "wave"
        if NOW_DIMENSION in change.dimensions:
            config = config.now_design()  # this wave clock's alarms switched to the documented design
    if name == config.watchdog and change.state == "ALARM":
        result = handle_watchdog(change, config, runtime)
        verdict = result.get("verdict")
        # A new watchdog's first ALARM (from INSUFFICIENT_DATA, younger than its window) says only
        # that the clock is starting: the next ALARM is the one to act on, and it will come.
        creating = verdict == "starting" and change.previous_state == "INSUFFICIENT_DATA"
        if verdict not in ("paused", "missing") and not creating and not result.get("rearmed"):
            result["rearmed"] = rearm_watchdog(config, runtime)
        return result
    if name not in config.alarm_names:
        return _ignore(config, runtime, "alarm %r is not one of this clock's" % name)
    if isinstance(change.reason, str) and change.reason.startswith(PRELUDE_MARK):
        return _ignore(config, runtime, "alarm %s went to %s as a kick's first step" % (name, change.state))
    if change.state == "INSUFFICIENT_DATA" and config.alarms == 1:
        if config.publish == "wave":
            laid = None if config.clock in _laid else no_data_before(change, config, runtime)
            return wave_not_followed(config, runtime, "the tick alarm has no data", laid)
        if config.publish == "now":
            # A kick's value lies in the cycle of the kick, which the next evaluation does not look at
            # yet: no data then is the loop starting. Later, nothing was published for a whole
            # evaluation range: the loop stopped; start it again.
            since = parse_time(change.previous_time, None)
            if since is not None and runtime.now() - since < 2 * config.cycle + SETTLE_MARGIN_S:
                return _ignore(config, runtime, "no data yet: the kick's value is not in the window yet")
            return restart(config, runtime, "the tick alarm has no data")
    value = next_value(name[len(config.alarm_prefix) :], change.state, config)
    if value is None:
        return _ignore(config, runtime, "alarm %s went to %s, which is not a tick" % (name, change.state))
    now = runtime.now()
    # A restart that replays an earlier change says so in the reason: take that change's time.
    tick_time = replayed_time(change.reason) or parse_time(change.time, now)
    # The next beat first: a failing target must never stop the clock. Its stamp is derived from
    # the state change's time, not from now: a duplicate notification or a late retry of this
    # change then lands where the first did, where it can only repeat the same value. Derived
    # from now, it could land beside the next value: the average 0.5 then satisfies no alarm
    # and the seed's clock stops for good. (A change out of the alarms' view never gets here: foreign.)
    published = value
    if config.publish == "wave":
        published = "wave"  # already laid: this tick only calls the targets
    elif config.publish == "logs":
        runtime.log(emf_line(value, next_stamp(tick_time, config), config, tick_id(name, tick_time)))
    else:
        stamp = now_stamp(tick_time, now, config) if config.publish == "now" else next_stamp(tick_time, config)
        publish_tick(value, stamp, config, runtime)
    # Where the documented design's alarm flips once a cycle, only the first flip on or after each
    # of the period's grid times is a tick, delivered with that grid time (tick_grid_times).
    times = tick_grid_times(change, tick_time, config) if config.flips_per_tick > 1 else None
    if times == []:
        result = {"action": "flip", "published": published, "tick": None, "failed": []}
        return with_design_check(result, change, config, wave, now, runtime)
    if times:
        tick_time, caught_up = times[-1], times[:-1]
    else:
        # A wave whose alarm was evaluated across a window boundary may have skipped a period of the
        # same value: that tick never had a state change. Deliver it now, late but not lost.
        caught_up = missed_tick_times(change, tick_time, config)
    this_tick = tick_id(name, tick_time)
    tick = {
        "source": TICK_SOURCE,
        "version": TICK_VERSION,
        "clock": config.clock,
        "tick_id": this_tick,
        "tick_time": _iso(tick_time),
        "period_s": config.period,
        "alarm": name,
        "payload": config.payload,
    }
    failures = []
    for missed in caught_up:
        late = dict(tick, tick_id=tick_id(name, missed), tick_time=_iso(missed), caught_up=True)
        failures += deliver(late, config.targets, runtime)
    failures += deliver(tick, config.targets, runtime)
    record = {
        "level": "ERROR" if failures else "INFO",
        "clock": config.clock,
        "action": "tick",
        "tick_id": tick["tick_id"],
        "tick_time": tick["tick_time"],
        "alarm": name,
        "via": change.via,
        "published": published,
        "lag_s": round(now - tick_time, 3),
        "delivered": len(config.targets) * (1 + len(caught_up)) - len(failures),
        "failed": failures,
    }
    if caught_up:
        record["caught_up"] = [_iso(t) for t in caught_up]
    if failures:
        # Seen, not only logged: the line is also a value of the metric, in embedded metric format (CloudWatch
        # User Guide, "Specification: Embedded metric format"), so counting the failures costs no API call.
        metric = {"Namespace": config.namespace, "Dimensions": [[]], "Metrics": [{"Name": FAILURES_METRIC}]}
        record.update(
            {"_aws": {"Timestamp": int(now * 1000), "CloudWatchMetrics": [metric]}, FAILURES_METRIC: len(failures)}
        )
    if config.problems:
        record["config_problems"] = list(config.problems)
    runtime.log(record)
    result = {"action": "tick", "published": published, "tick": tick, "failed": failures}
    return with_design_check(result, change, config, wave, now, runtime)


def with_design_check(result, change, config, wave, now, runtime):
    """`result`, after the check a flip's reasonData allows, off the tick's path unless it fails: did
    the alarm follow the wave? Where a period holds several cycles, by the value it decided on
    (wave_lag); at every period, by a lateness that keeps changing (wave_unsteady: a steady one is a
    beat kept, shifted); and at every period by flips that held still past a due one while deciding
    late (wave_held_still: the quick evidence at 10 s and 20 s). A switch on it is a trial
    (now_no_better), which judges every flip of the documented design's alarm, a tick or not. A wave
    not counted at all shows as no data, in every period."""
    if change.reason_data is not None and config.publish == "wave":
        why = (
            (config.period > config.cycle and wave_lag(change, config))
            or wave_unsteady(change, config, runtime)
            or wave_held_still(change, config)
        )
        if why is not None:
            result["switch"] = switch_design(config, runtime, "now", why)
    elif change.reason_data is not None and wave.publish == "wave":
        why = now_no_better(change, config, now)
        if why is not None:
            result["switch"] = switch_design(wave, runtime, "wave", why, stay=True)
    return result


def handle_watchdog(change, config, runtime):
    """The watchdog went to ALARM: the loop published nothing for its window."""
    if config.publish == "wave":
        # The wave ran out (the heartbeat failed for two hours), or its points do not count; or the
        # watchdog is younger than its window and saw no whole window yet (a new stack).
        if watchdog_is_young(change, config, runtime):
            # Starting, if this execution environment laid the wave (the create did); if not, a later
            # ALARM (the watchdog re-armed) is the one that tells whether this wave is counted.
            starting = laid_lately(config, runtime)
            laid = lay_wave(config, runtime, "a watchdog younger than its window saw no Tick", starting)
            return dict(laid, verdict="starting") if starting else laid
        return wave_not_followed(config, runtime, "the watchdog saw no Tick", rearmed_at(change, config, runtime))
    alarms = describe_alarms(config, runtime)
    verdict, why = diagnose(alarms, config, runtime.now())
    if verdict != "stalled":
        return dict(
            _ignore(config, runtime, "watchdog ALARM while the clock is %s: %s" % (verdict, why)), verdict=verdict
        )
    return restart(config, runtime, "the watchdog saw no Tick", alarms)


def rearm_watchdog(config, runtime):
    """Set the watchdog back to OK once its ALARM was acted on, so that it can call again.

    An alarm that stays in ALARM calls nobody again: a restart whose value the alarm never counts
    (seen later than its evaluation range reaches back), a wave that is not counted, or a watchdog too
    young to trust would wait for the heartbeat, 2 to 30 minutes away. SetAlarmState lasts until the
    next evaluation ("Using Amazon CloudWatch alarms", SetAlarmState in the API reference): if the
    clock is still silent, the watchdog goes to ALARM again and calls once more, so the self-healing
    repeats at the watchdog's own cadence. Best effort: a failed call leaves the heartbeat to it."""
    try:
        runtime.client("cloudwatch", None).set_alarm_state(
            AlarmName=config.watchdog, StateValue="OK", StateReason=REARM_MARK
        )
    except Exception as error:
        runtime.log({"level": "WARNING", "clock": config.clock, "action": "rearm", "reason": _describe(error)})
        return False
    return True


def wave_lag(change, config):
    """Why the alarm's latest flip says the wave is not followed, or None.

    reasonData says when the alarm was evaluated (queryDate) and which period it decided on (the newest
    evaluatedDatapoints' timestamp: the period's start), so which wave value it took in. Where the
    wave works, every value is visible within a cycle of its stamp (laid hours before; counted from
    its stamp, seconds after it), so the alarm decides on the newest value stamped a cycle before it
    looks. A decision on an older value while a newer one had been stamped a cycle or more before
    means values stamped ahead count late, or not at all (timing.py, future_visible_from). (A flip
    that merely comes late says less: a skipped or late evaluation does that too. Where the lateness
    is steady, the wave keeps its beat, a cycle or two behind.)
    """
    seen = decision(change, config.period)
    if seen is None:
        return None  # no decision to judge, or not the wave's alarm as this clock laid it
    decided, query = seen
    period, cycle = config.period, config.cycle
    into = period - cycle + 1  # where a wave value lies in its period (wave_points)
    taken = (decided - into) // period * period + into + period  # the value in the decided period
    if query - (taken + period) >= cycle:
        return "the tick alarm decided on a value %.0f s older than the wave's newest" % period
    return None


def wave_unsteady(change, config, runtime):
    """Why the wave's lateness keeps changing, or None.

    A steady lateness is no fault: where a point stamped ahead counts only from its stamp, a
    visibility delay past the cycle makes every flip the same cycles late, and the wave keeps its beat,
    shifted (better than values stamped now would, which wait as long). Where points stamped ahead
    count some cycles late, drawn per point (timing.py, future_late_cycles), the lateness changes from
    flip to flip, and so does the interval: the beat's p1 and p99 are lost, while values stamped now
    count in seconds. (Where a period holds several cycles, a value counted a few cycles late is
    still the decided period's: wave_lag does not see it, this does.) So count the changes of
    lateness over the latest flips (reasonData: queryDate and the evaluated period); one fault (a
    skipped or late evaluation, a slow point) makes two, going and coming back: UNSTEADY_CHANGES of
    them within UNSTEADY_FLIPS flips is not one fault."""
    current = decision(change, config.period)
    if current is None or STAY_MARK in (change.description or ""):
        return None  # no decision to judge, or the documented design was tried and did no better
    seen = lateness_so_far(current, change.name, config, runtime)
    seen.append(flip_lateness(current, config.period, config.cycle))
    del seen[:-UNSTEADY_FLIPS]
    late = steady_lateness(seen, config.period, config.cycle)
    changes = sum(map(int.__ne__, late, late[1:]))  # consecutive flips whose lateness differs
    if changes < UNSTEADY_CHANGES:
        return None
    seen.clear()
    return UNSTEADY_WHY + " %d times in %d flips: values stamped ahead count late" % (
        changes,
        UNSTEADY_FLIPS,
    )


def wave_held_still(change, config):
    """Why the tick alarm holding still past a due flip says the wave is counted late, or None.

    Where the wave works, the alarm flips once a period, at its own second of the cycle. A flip that
    comes more than half a cycle after a period has passed since the one before (the direct event
    says when that was) held still past a due flip; if it also decided late (flip_lateness: the
    newest value was not counted yet when the alarm looked), the values it passed were counted late
    too. A flip that held still but decided on time says only that a window went unevaluated, as
    does one a cycle late that an evaluation carried across its cycle's end (where a period holds
    several cycles: a flip at the cycle's first or last second, or an alarm seen looking at both
    ends of it; steady_lateness). One fault does it once. Where points stamped ahead count some
    cycles late, drawn per point (timing_model: future_late_cycles), it comes again and again, and
    the alarm can hold still for minutes with no event at all, while the lateness read at the flips
    that do come may change only every few (wave_unsteady). So HELD_FLIPS such flips within the time
    the clock has to notice (3 periods and a minute: docs/timing-model.md) switch; where the hold
    began within that time of a wave laid by the stack, one does: its first value, put after its
    stamp, counts in every world, and the next, stamped ahead, are the question itself (and where
    they never count in time, no event comes until the hold ends). The times are kept in the
    execution environment: at 10 s and 20 s, where this is the quick evidence, one environment runs
    nearly every flip. A switch on it is a trial, as on a changing lateness (now_no_better)."""
    flip, previous = parse_time(change.time, None), parse_time(change.previous_time, None)
    if change.via == "sns":  # the message does not say when the flip before was: this environment's last
        previous = _sns_flips.get(config.clock)
        _sns_flips[config.clock] = flip
    if flip is None or previous is None or flip - previous <= config.period + config.cycle / 2:
        return None  # nothing to judge, or a flip on time: the per-tick path ends here
    seen = decision(change, config.period)  # None for a first flip, or one from no data
    if STAY_MARK in (change.description or "") or seen is None:
        return None  # the documented design was tried and did no better; or nothing to judge
    late, second = flip_lateness(seen, config.period, config.cycle)
    looked = [at for _, at in _lateness.get(config.clock) or ()] + [second]
    crossing = not 1 <= second <= config.cycle - 1 or max(looked) - min(looked) > config.cycle / 2
    if late <= (config.period > config.cycle and crossing):
        return None  # decided on time, or carried across its cycle's end: a window went unevaluated
    span = 3 * config.period + max(60, config.period)
    held = _held[config.clock] = {t for t in _held.get(config.clock, ()) if flip - t < span} | {flip}
    young = previous - _started.get(config.clock, 0) < span  # the hold began within it
    if len(held) < (1 if young else HELD_FLIPS):
        return None
    held.clear()
    return "the tick alarm held still past %s due flip%s within %d s%s: values stamped ahead count late" % (
        "a" if young else HELD_FLIPS,
        "" if young else "s",
        span,
        " of the stack laying the wave" if young else "",
    )


def lateness_so_far(current, alarm, config, runtime):
    """The lateness of the tick alarm's flips before the `current` decision, oldest first
    (wave_unsteady): this execution environment's memory, or where it has none, the alarm's own
    history. Lambda keeps no environment for certain between invocations ("Understanding the Lambda
    execution environment lifecycle", Lambda Developer Guide), and a clock of an hour finds a new one
    at nearly every flip; the history (kept 30 days) holds each flip's reasonData, so one
    DescribeAlarmHistory call at a new environment's first flip makes the count the same as a warm
    one's, and nothing is kept outside the stack."""
    seen = _lateness.get(config.clock)
    if seen is not None:
        return seen
    seen = _lateness[config.clock] = []
    for _, data in reversed(state_updates(alarm, config, runtime)):  # oldest first
        try:
            past = decided_on(data["newState"]["stateReasonData"], data["oldState"]["stateValue"], config.period)
        except (KeyError, TypeError):
            continue  # an item with no evaluation behind it: a kick, a re-arm
        if past is not None and past != current:  # the history holds the flip being handled too
            seen.append(flip_lateness(past, config.period, config.cycle))
    return seen


def state_updates(alarm, config, runtime):
    """(epoch seconds, HistoryData) of the alarm's latest UNSTEADY_FLIPS state changes, newest first
    (one DescribeAlarmHistory call); none, with a WARNING, where they cannot be read."""
    try:
        items = runtime.client("cloudwatch", None).describe_alarm_history(
            AlarmName=alarm, HistoryItemType="StateUpdate", MaxRecords=UNSTEADY_FLIPS
        )["AlarmHistoryItems"]
        return [(_epoch(item.get("Timestamp")), json.loads(item["HistoryData"])) for item in items]
    except Exception as error:  # best effort: no look, no evidence
        runtime.log({"level": "WARNING", "clock": config.clock, "action": "history", "reason": _describe(error)})
        return []


def now_no_better(change, config, now):
    """Why a wave clock that switched should go back to its wave, or None.

    The changing lateness a wave shows (wave_unsteady) has two causes the wave cannot tell apart:
    points stamped ahead counted late (the documented design, whose values are stamped now, then
    keeps the beat), or points counted late whatever their stamp, a visibility delay past the cycle
    (then the documented design waits as long for each flip, and the wave, laid hours before, keeps the
    better beat). So the switch is a trial: within TRIAL_CYCLES of it (the tick alarm's description
    says when), TRIAL_FLIPS flips decided on an older value than the newest mean the second. (Where only
    points stamped ahead count late, a value stamped now is decided late only after a fault or a
    latency of seconds; where every point does, most are.) A switch on no data is tried alike: a new
    clock's first values, counted from their stamp many seconds late, leave its alarm without data
    as values never counted would. A clock that stayed on its wave and switches again does so for
    good (AFTER_STAY)."""
    described = change.description or ""
    tried = described.startswith(SWITCH_MARK) and AFTER_STAY not in described  # once, then it stays
    switched = parse_time(described.rpartition("(")[2].rstrip(")"), None) if tried else None
    if switched is None or now - switched > TRIAL_CYCLES * config.cycle:
        return None  # no trial, or over: reasonData is not read on the per-tick path after it
    late = lateness(change, config.cycle, config.cycle)
    if late is None:
        return None
    # Each flip once: a duplicated notification, or Lambda's retry of a failed run, brings the same
    # flip (its state change's time) again.
    flips = _now_late.setdefault(config.clock, set())
    if late > 0:
        flips.add(change.time)
    count = len(flips)
    if count < TRIAL_FLIPS:
        return None
    return "values stamped now counted late too (%d flips within %d cycles of the switch)" % (count, TRIAL_CYCLES)


def decision(change, period):
    """(the start of the period the alarm decided on, when it looked) from reasonData (evaluatedDatapoints,
    queryDate); None for a kick, INSUFFICIENT_DATA, an alarm's first flip or an alarm of another period."""
    try:
        data = change.reason_data  # SNS's (sns_reason_data) is read already
        return decided_on(data if isinstance(data, dict) else json.loads(data), change.previous_state, period)
    except (ValueError, TypeError):
        return None


def decided_on(data, previous_state, period):
    """decision, from reasonData already read (an event's, or a history item's stateReasonData)."""
    try:
        seen = (
            max(parse_time(p.get("timestamp"), None) for p in data.get("evaluatedDatapoints") or ()) + 0,
            (parse_time(data.get("queryDate"), None) + 0),
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return seen if data.get("period") == period and previous_state in ("ALARM", "OK") else None


def lateness(change, period, cycle):
    """How many evaluation cycles late the alarm decided on this flip's wave value (0: as soon as
    it could), or None (decision)."""
    seen = decision(change, period)
    return None if seen is None else flip_lateness(seen, period, cycle)[0]


def flip_lateness(seen, period, cycle):
    """(lateness, the second of its cycle the alarm looked at) of one decision (wave_unsteady).

    Where a period is one cycle, a window holds one value: a value counted late leaves the alarm
    deciding on an older window than the newest complete when it looked. Where it holds several
    cycles, the alarm decides on the newest window, and a value counted late is first taken in by a
    later window than the first that holds its stamp (one second into the period's last cycle,
    wave_points)."""
    decided, query = seen
    if period == cycle:
        return int((query - decided) // cycle) - 1, query % cycle
    into = period - cycle + 1
    taken = (decided - into) // period * period + into + period  # the value's stamp (wave_lag)
    # Never less than 0: where a window ends on the second it is evaluated rather than on a whole
    # cycle (timing.py, sliding_window_end), a value seen soon enough is taken in a cycle early.
    return max(0, int((decided + period - (taken - 1 + cycle)) // cycle)), query % cycle


def steady_lateness(flips, period, cycle):
    """Each flip's lateness, less the cycle an evaluation carried across its window's end by its
    jitter shows. Where a period holds several cycles and the alarm looks at the end of its cycle
    (within CROSSING_S of it, at some flip), an evaluation that came within CROSSING_S after the
    boundary was the one before, late: the window it was due to look at went unevaluated, and the
    flip comes a cycle late in every world alike (docs/timing-model.md, "What stays")."""
    near_end = period > cycle and any(second >= cycle - CROSSING_S for _, second in flips)
    return [late - 1 if near_end and late and second < CROSSING_S else late for late, second in flips]


def tick_grid_times(change, flip_time, config):
    """The period's grid time this flip delivers, as a list of one, or [].

    The documented design's alarm flips once an evaluation cycle; a clock of k cycles delivers the
    first flip at or after each multiple of its period, named by that grid time, so its ticks and
    ids are on the period's grid and a duplicate notification names the same tick. The direct event
    says when the previous flip was: within a period of it, the grid time after it (if one came) is
    this flip's; a grid time at the previous flip's own instant was that flip's. SNS does not say,
    nor does a flip from no data or one after a silence over a period (an outage, not a skipped
    window: nothing is caught up): then a flip is a tick when a grid time lies within the cycle
    before it.
    """
    period = config.period
    newest = (flip_time // period) * period
    previous = parse_time(change.previous_time, None)
    if previous is None or change.previous_state not in _ticking(config) or flip_time - previous > period:
        return [newest] if flip_time - newest < config.cycle else []
    return [] if previous >= newest else [newest]


def watchdog_is_young(change, config, runtime):
    """Whether the watchdog that went to ALARM has not looked at a whole window yet (a new stack): the
    direct event says since when it was INSUFFICIENT_DATA; SNS does not, so then ask."""
    if change.previous_time is not None:
        since = parse_time(change.previous_time, 0.0)
        return change.previous_state == "INSUFFICIENT_DATA" and runtime.now() - since < config.watchdog_window
    try:
        watchdog = next(a for a in describe_alarms(config, runtime) if a.get("AlarmName") == config.watchdog)
    except Exception:  # no look, no evidence either way: not young
        return False
    return young_watchdog(watchdog, config, runtime.now())


def wave_not_followed(config, runtime, why, laid=None):
    """A wave clock's alarm is not following the wave (the watchdog saw no Tick, or the tick alarm has
    no data). If the wave was laid lately (by this execution environment, or at `laid`), values lie
    ahead that the alarm does not count: switch to the documented design. Otherwise the wave may have
    run out (the heartbeat failed for two hours), or another environment laid it: lay it (again), and
    look next time."""
    if laid_lately(config, runtime, laid) and config.alarms == 1 and config.window == "sliding":
        return switch_design(config, runtime, "now", why + " with a wave laid ahead")
    return lay_wave(config, runtime, why)


def laid_lately(config, runtime, laid=None):
    """Whether the wave was laid recently enough that values lie ahead: by this execution environment,
    or at `laid` (epoch seconds, by any)."""
    laid = max(_laid.get(config.clock) or 0.0, laid or 0.0)
    return runtime.now() - laid < WAVE_AHEAD_S - 2 * max(config.period, 60)


def no_data_before(change, config, runtime):
    """When the tick alarm last went to INSUFFICIENT_DATA before this change, from its history, or None.

    A wave clock acts on each such change by laying the wave (or by switching): a second one within
    the wave's reach says values lie ahead that the alarm does not count, where a new execution
    environment, which remembers no wave it laid, would lay it again and look next time, in a new
    environment again, for ever. Asked only by an environment that laid no wave: one call, on a path
    a working wave never takes."""
    return entered(change, "INSUFFICIENT_DATA", parse_time(change.time, runtime.now()) - 1, config, runtime)[0]


def entered(change, state, before, config, runtime):
    """(when, why) the changed alarm last entered `state` before `before`, from its history (one
    DescribeAlarmHistory call), or (None, None)."""
    for at, data in state_updates(change.name, config, runtime):  # newest first
        new = data.get("newState") or {}
        if new.get("stateValue") == state and at < before:
            return at, new.get("stateReason")
    return None, None


def rearmed_at(change, config, runtime):
    """When the watchdog was re-armed, if its ALARM left the OK of a re-arm, else None. A wave clock's
    watchdog is re-armed only after its ALARM was acted on by laying the wave (rearm_watchdog): a
    second ALARM in the same run of silence is then evidence from the event alone, where a new
    execution environment, which remembers no wave it laid, would lay it again and look next time,
    in a new environment again (an hourly clock's, or a five-minute one's), for ever. An SNS message
    does not say why or when the watchdog became OK: its latest OK in its history does (one
    DescribeAlarmHistory call, on a path a working wave never takes)."""
    if change.previous_state != "OK":
        return None
    at, why = (
        entered(change, "OK", runtime.now(), config, runtime)
        if change.via == "sns"
        else (parse_time(change.previous_time, None), change.previous_reason)
    )
    return at if why == REARM_MARK else None


def now_watchdog_shape(cycle):
    """(Period, EvaluationPeriods) of the documented design's watchdog: values are a cycle apart, so
    two cycles without one, plus a step, is a stall; it reads 10 s periods, so that a lost flip is
    restarted within three periods at a minute (template.watchdog_shape keeps the same)."""
    return 10, NOW_WATCHDOG_QUIET_CYCLES * cycle // 10 + 1


def switch_design(config, runtime, design, why, stay=False):
    """Change a wave clock's two alarms, in place, to the documented design ("now": the design's
    metric, NOW_DIMENSION, over one evaluation cycle, and a kick to start its loop) or back to its
    wave ("wave", laid again). Everything else about each alarm is kept as DescribeAlarms shows it;
    the tick alarm says why in its description. Nothing outside the stack is touched, and a redeploy
    that changes the alarms changes them back."""
    alarms = {a.get("AlarmName"): a for a in describe_alarms(config, runtime)}
    tick = alarms.get(config.alarm_names[0])
    if tick is None:
        return _ignore(config, runtime, "cannot switch: the tick alarm does not exist")
    running = "now" if NOW_DIMENSION in (_pairs(tick.get("Dimensions"), "Name", "Value") or {}) else "wave"
    if running == design:
        return {"action": "switch", "design": design, "skipped": "already running"}
    target = config.now_design() if design == "now" else config
    watch_step, watch_periods = now_watchdog_shape(config.cycle) if design == "now" else (60, None)
    after = AFTER_STAY if STAY_MARK in (tick.get("AlarmDescription") or "") else ""
    described = WAVE_ALARM_DESCRIPTION
    if design == "now":
        described = SWITCH_MARK + "%s%s (%s)" % (why, after, _iso(runtime.now()))
    if stay:
        described += STAY_MARK + why
    cloudwatch = runtime.client("cloudwatch", None)
    shapes = [(tick, {"Period": target.cycle if design == "now" else config.period, "AlarmDescription": described})]
    watchdog = alarms.get(config.watchdog)
    if watchdog is not None:
        periods = watch_periods or max(1, int(config.watchdog_window // 60))
        shapes.append((watchdog, {"Period": watch_step, "EvaluationPeriods": periods, "DatapointsToAlarm": periods}))
    for alarm, changes in shapes:
        kept = {key: alarm[key] for key in _ALARM_KEYS if alarm.get(key) is not None}
        cloudwatch.put_metric_alarm(**dict(kept, Dimensions=target.dimensions, **changes))
    _designs[config.clock] = design
    _now_late.pop(config.clock, None)  # a new trial, if this is one
    runtime.log({"level": "WARNING", "clock": config.clock, "action": "switch", "design": design, "reason": why})
    heartbeat = set_heartbeat(config, runtime, design, tick.get("ActionsEnabled", True))
    # PutMetricAlarm keeps a state: a watchdog in ALARM would not call again if the new design stalls.
    rearmed = watchdog is not None and watchdog.get("StateValue") == "ALARM" and rearm_watchdog(config, runtime)
    if design == "wave":
        return dict(lay_wave(config, runtime, why), switch="wave", rearmed=rearmed, heartbeat=heartbeat)
    kicked = None
    if tick.get("ActionsEnabled"):
        kicked = kick(
            target, runtime, "alarmclock: switched to --publish now", tick["AlarmName"], "OK", tick.get("StateValue")
        )
    return {
        "action": "switch",
        "design": "now",
        "reason": why,
        "kicked": kicked,
        "rearmed": rearmed,
        "heartbeat": heartbeat,
    }


def heartbeat_minutes(period, design):
    """How often a wave clock's heartbeat runs in this design (template.heartbeat_minutes, which a
    test keeps equal): the wave's every 10 to 30 minutes lays it; the documented design's every 2
    restarts a loop that a failing function kept its watchdog's one call from restarting."""
    return 2 if design == "now" else max(10, min(30, period // 120))


def set_heartbeat(config, runtime, design, running=True):
    """Set the heartbeat rule's rate to the design's (PutRule, which replaces what it is not given:
    so the description and state again). The rule is the stack's own, named from its id. Best
    effort: the switch stands without it, and the rate is back at the next deploy that touches the
    rule. Returns the minutes set, or None."""
    if not config.stack_id:
        return None
    minutes = heartbeat_minutes(config.period, design)
    try:
        runtime.client("events", None).put_rule(
            Name=HEARTBEAT_RULE + config.stack_id.rsplit("/", 1)[-1],
            ScheduleExpression="rate(%d minutes)" % minutes,
            State="ENABLED" if running else "DISABLED",
            Description=HEARTBEAT_DESCRIPTION,
        )
    except Exception as error:
        runtime.log({"level": "WARNING", "clock": config.clock, "action": HEARTBEAT, "reason": _describe(error)})
        return None
    return minutes


# What PutMetricAlarm is given again, from DescribeAlarms, to keep the rest of an alarm as it is.
_ALARM_KEY_NAMES = (
    "AlarmName AlarmDescription ActionsEnabled OKActions AlarmActions InsufficientDataActions MetricName "
    "Namespace Statistic Period EvaluationPeriods DatapointsToAlarm Threshold ComparisonOperator TreatMissingData"
)
_ALARM_KEYS = _ALARM_KEY_NAMES.split()


def missed_tick_times(change, tick_time, config):
    """The grid times of ticks a one-alarm wave skipped just before this change, at most
    MAX_CATCH_UP of them.

    Where a period is one evaluation cycle (10 s, 1 m), an evaluation that the jitter carries across
    a window boundary looks at the next window early, and the one after may look at a window of the
    same value: that flip, and its tick, never happen (docs/timing-model.md, "What stays"). The
    direct Lambda event says when the alarm entered the state it now leaves; a gap of n periods
    since then means n - 1 ticks were skipped. A longer gap is an outage (CloudWatch not
    evaluating, a paused clock), not jitter: nothing is replayed for it.
    """
    # Only where a period is one cycle: a longer one's flip is at most a cycle late, never skipped.
    one_cycle = config.period == config.cycle
    if (
        config.publish not in ("wave", "now")
        or config.alarms != 1
        or not one_cycle
        or change.previous_state not in _ticking(config)
    ):
        return []
    previous = parse_time(change.previous_time, None)
    if previous is None:
        return []
    skipped = round((tick_time - previous) / config.period) - 1
    if not 1 <= skipped <= MAX_CATCH_UP:
        return []
    return [previous + index * config.period for index in range(1, skipped + 1)]


def next_value(suffix, state, config):
    """The value to publish after alarm <prefix><suffix> changed to `state`, or None if that is no tick."""
    if suffix not in NEXT_VALUE or state not in _ticking(config):
        return None
    return NEXT_VALUE[suffix] if state == "ALARM" else int(suffix)


def next_stamp(tick_time, config):
    """When the next value is stamped, so the alarm sees it one period after this change.

    A sliding window ends on the last whole evaluation cycle and advances by one cycle per
    evaluation (CloudWatch User Guide, "Alarm evaluation window"), so a value stamped now would be
    seen one cycle later, not one period later. Stamped one second before the end of the next
    period instead, it enters the window exactly one period after the window that made this
    change, and leaves it one period later: the alarm flips once a period, at the same second of
    its cycle. (The second before the end, not the cycle's start: so it also holds if a window
    ends on a whole second rather than a whole cycle.) A wall-clock window reflects a value only
    after the aligned period holding it ends, so there the change's own time is right.
    """
    if config.window == "wallclock" or config.publish == "now":
        # The documented design: stamped at the change (within the function's latency of being sent),
        # so a duplicate or a retry of it lands in the cycle it came from (docs/timing-model.md).
        return tick_time
    cycle = config.cycle
    return (tick_time // cycle) * cycle + config.period - 1.0


def now_stamp(change_time, now, config):
    """Where the documented design stamps a flip's value: a few seconds after the change, never later
    than this function's clock (nothing stamped ahead), nor past the change's own evaluation cycle.

    Stamped at the change itself, the value falls out of the next evaluation's newest period when
    that evaluation comes over a cycle after this one (its jitter, where a window ends on a whole
    second), into the older period with the value before it: their average, 0.5, satisfies no alarm,
    and the loop waits for its watchdog. A few seconds later it stays in. Not past its own cycle:
    a window that ends on whole cycles would see it a cycle late. A duplicate or a retry of the
    same change lands within the same seconds of the same cycle."""
    cycle_end = (change_time // config.cycle + 1) * config.cycle
    return min(change_time + NOW_STAMP_AFTER_S, now, cycle_end - 0.5)


def publish_tick(value, stamp, config, runtime):
    runtime.client("cloudwatch", None).put_metric_data(
        Namespace=config.namespace,
        MetricData=[
            {
                "MetricName": METRIC_NAME,
                "Dimensions": config.dimensions,
                "Value": float(value),
                "Timestamp": stamp,
                # Sub-minute alarms need high-resolution points, or they lapse into INSUFFICIENT_DATA.
                "StorageResolution": config.storage_resolution,
            }
        ],
    )


def emf_line(value, stamp, config, tick):
    """The next value as an embedded-metric-format log line, which CloudWatch Logs turns into a
    Tick point (CloudWatch User Guide, "Specification: Embedded metric format"). Written before the
    targets are called, so a slow target cannot delay the beat; the tick's own line follows."""
    return {
        "_aws": {
            "Timestamp": int(stamp * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": config.namespace,
                    "Dimensions": [[]],
                    "Metrics": [{"Name": METRIC_NAME, "StorageResolution": config.storage_resolution}],
                }
            ],
        },
        METRIC_NAME: value,
        "clock": config.clock,
        "action": "publish",
        "tick_id": tick,
    }


def wave_points(now, config):
    """(stamp, value) of the wave from the window the alarm looks at now to two hours ahead.

    Index k's value is k % 2, stamped one second into the last evaluation cycle of period k (for a
    period of one cycle, one second after it starts). A sliding window whose end is a whole cycle
    first takes it in at the same evaluation as any other second of that cycle, and a wall-clock
    window reflects it once period k ends: the alarm flips once a period, at its own second of the
    cycle, whoever laid the values and when. Early in its cycle rather than at its last second, so
    that a point counted only from its stamp (undocumented: timing.py, future_visible_from) has the
    rest of the cycle, 59 s or 9 s, to become visible before that evaluation looks for it.
    The first value is the one the alarm's current window holds, so a new clock's alarm leaves
    INSUFFICIENT_DATA at its next evaluation.
    """
    period = config.period
    first = int(now // period) - 1
    last = int((now + WAVE_AHEAD_S + 1) // period) - 1
    into_last_cycle = period - config.cycle + 1.0
    return [(k * period + into_last_cycle, k % 2) for k in range(first, last + 1)]


def lay_wave(config, runtime, why, ahead=False):
    """Lay (again) the next two hours of the beat: one PutMetricData, whatever the clock's state.

    `ahead`: only the values stamped after now, where this execution environment laid the rest
    lately. A value put after its stamp counts in every world (timing_model: future_visible_from),
    so laid again it would feed an alarm that counts no value stamped ahead for a window more, and
    keep it from going to INSUFFICIENT_DATA, the quick evidence of that world (wave_not_followed)."""
    now = runtime.now()
    points = [p for p in wave_points(now, config) if p[0] > now or not ahead]
    resolution = config.storage_resolution
    # Stamps as aware datetimes, not epoch floats: botocore turns a float into a datetime in the
    # local zone through dateutil, which took more than half of a 120-value call's time. The
    # stamps are whole seconds, so the datetime is the same instant to the microsecond.
    data = [
        {
            "MetricName": METRIC_NAME,
            "Dimensions": config.dimensions,
            "Value": float(value),
            "Timestamp": datetime.fromtimestamp(stamp, UTC),
            "StorageResolution": resolution,
        }
        for stamp, value in points
    ]
    cloudwatch = runtime.client("cloudwatch", None)
    for start in range(0, len(data), MAX_DATA_PER_CALL):
        cloudwatch.put_metric_data(Namespace=config.namespace, MetricData=data[start : start + MAX_DATA_PER_CALL])
    _laid[config.clock] = runtime.now()
    record = {"level": "INFO", "clock": config.clock, "action": "wave", "values": len(data), "reason": why}
    record["until"] = _iso(points[-1][0])
    runtime.log(record)
    return {"action": "wave", "values": len(data), "until": record["until"], "reason": why}


def tick_id(alarm_name, tick_time):
    """Same alarm, same state-change time -> same id, so targets can drop duplicates."""
    key = "%s|%.3f" % (alarm_name, tick_time)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def deliver(tick, targets, runtime):
    """Send the tick to every target; return "arn: error" for each that failed."""
    try:
        body = json.dumps(tick, separators=(",", ":"), allow_nan=False)
    except ValueError as error:  # a NaN or Infinity in the payload: strict parsers would refuse it
        return ["%s: the tick is not valid JSON (%s)" % (arn, error) for arn in targets]
    # A FIFO queue or topic takes a message only with a group id (one group: the ticks keep their order)
    # and a deduplication id: the tick id, so a tick sent twice within SQS's five-minute deduplication
    # interval arrives once (Amazon SQS Developer Guide, "Amazon SQS FIFO queue key terms",
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-key-terms.html).
    fifo = {"MessageGroupId": tick["clock"], "MessageDeduplicationId": tick["tick_id"]}
    failures = []
    for arn in targets:
        try:
            send_to_target(arn, body, runtime, fifo)
        except Exception as error:  # one bad target must not starve the others
            failures.append("%s: %s" % (arn, _describe(error)))
    return failures


def send_to_target(arn, body, runtime, fifo):
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError("not an ARN")
    partition, service, region, account, resource = parts[1:]
    client = runtime.client(service, region)
    fifo = fifo if resource.endswith(".fifo") else {}
    if service == "lambda":
        client.invoke(FunctionName=arn, InvocationType="Event", Payload=body.encode())
    elif service == "sns":
        client.publish(TopicArn=arn, Message=body, **fifo)
    elif service == "sqs":
        suffix = ".cn" if partition == "aws-cn" else ""
        url = "https://sqs.%s.amazonaws.com%s/%s/%s" % (region, suffix, account, resource)
        client.send_message(QueueUrl=url, MessageBody=body, **fifo)
    elif service == "events":
        answer = client.put_events(
            Entries=[{"Source": TICK_SOURCE, "DetailType": "alarmclock tick", "Detail": body, "EventBusName": arn}]
        )
        if answer.get("FailedEntryCount"):
            raise RuntimeError(str(answer.get("Entries")))
    else:
        raise ValueError("unsupported target service " + service)


def handle_custom_resource(request, context, config, runtime):
    """Start the clock on Create, restart it on resume, stop it on Delete; always answer."""
    kind = request.get("RequestType")
    answer = Answer(request, context, config, runtime)
    status, reason = "SUCCESS", ""
    try:
        answer.arm_deadline()
        paused = _paused(request.get("ResourceProperties"))
        if config.publish == "wave" and kind in ("Create", "Update"):
            # The wave starts, resumes and survives updates by being laid; its alarm leaves
            # INSUFFICIENT_DATA, or flips, at its next evaluation. Nothing to kick.
            if not paused:
                lay_wave(config, runtime, "stack " + kind.lower())
                _started[config.clock] = runtime.now()
        elif kind == "Create":
            if not paused:
                # fact: a new alarm starts in INSUFFICIENT_DATA, so one state change starts the loop.
                name, state, _ = choose_kick([], config, runtime.now())
                kick(config, runtime, "alarmclock: stack created", name, state, "INSUFFICIENT_DATA")
        elif kind == "Update":
            # Otherwise leave the running loop alone: an extra beat now could put 0 and 1 in
            # one period, whose average (0.5) satisfies neither alarm and stalls the clock. But a
            # clock that stopped laying a wave watches a metric without it: nothing publishes there
            # until a kick. (A Starter without Publish published every tick: CHANGELOG.md, 0.3.0.)
            old = request.get("OldResourceProperties")
            was_wave = isinstance(old, dict) and old.get("Publish") == "wave"
            if not paused and (_paused(old) or was_wave):
                restart(config, runtime, "resumed" if _paused(old) else "switched from a wave")
        elif kind == "Delete":
            stop_clock(config, runtime)
        else:
            status, reason = "FAILED", "unknown RequestType %r" % (kind,)
    except Exception as error:
        status, reason = "FAILED", _describe(error)
    finally:
        answer.send(status, reason)
    return {"action": kind, "status": status, "reason": reason}


def handle_heartbeat(config, runtime):
    """A scheduled rule calls this every 2 to 60 minutes (about half a period; 10 to 30 minutes for a
    wave: template.heartbeat_minutes). A wave clock lays the next two hours of its wave again,
    whatever the alarms say. Otherwise, if the watchdog alarm is in ALARM, the loop has not
    published for a while: restart it. (The watchdog's own action does that at once; this repeats
    it while a fault, such as a failing function, keeps the restart from working.)"""
    if config.publish == "wave":
        now, last = runtime.now(), _beats.get(config.clock)
        _beats[config.clock] = now
        if design_now(config, runtime) != "now":
            # Keeping the wave two hours long is the heartbeat's whole job.
            laid = lay_wave(config, runtime, HEARTBEAT, laid_lately(config, runtime))
            # (As wave_not_followed, template.self_switching: the one alarm on a sliding window.)
            switching = config.alarms == 1 and config.window == "sliding"
            if switching and last is not None and now - last < heartbeat_minutes(config.period, "wave") * 30:
                # The rule kept the documented design's rate (a deploy set the alarms back, not it).
                laid["heartbeat"] = set_heartbeat(config, runtime, "wave")
            return laid
        # A wave clock that switched to the documented design: its heartbeat is that design's too,
        # every 2 minutes (set_heartbeat); its alarms do not read the wave.
        config = config.now_design()
    alarms = describe_alarms(config, runtime)
    verdict, why = diagnose(alarms, config, runtime.now())
    if verdict != "stalled":
        return {"action": HEARTBEAT, "verdict": verdict, "reason": why}
    return restart(config, runtime, why, alarms)


def design_now(config, runtime):
    """The design a wave clock's alarms run ("wave" or "now"), as last seen in an alarm's event; an
    execution environment that has seen none asks once (one DescribeAlarms), and a failed look
    leaves it the wave."""
    known = _designs.get(config.clock)
    if known is not None or config.alarms != 1:
        return known or "wave"
    try:
        alarms = describe_alarms(config, runtime)
    except Exception as error:  # the wave is laid already; the look is best effort
        runtime.log({"level": "WARNING", "clock": config.clock, "action": "design", "reason": _describe(error)})
        return "wave"
    tick = next((a for a in alarms if a.get("AlarmName") == config.alarm_names[0]), {})
    switched = NOW_DIMENSION in (_pairs(tick.get("Dimensions"), "Name", "Value") or {})
    _designs[config.clock] = "now" if switched else "wave"
    return _designs[config.clock]


def handle_restart(event, config, runtime):
    """`alarmclock restart`: restart a running clock on purpose. A wave clock lays its wave again,
    as its heartbeat does; the others kick the loop as a resume does (replaying the last tick while
    its period is in view). A paused clock (actions off) or one without its alarms is left alone.
    `--design now|wave` switches a wave clock to the documented design, or back."""
    if config.publish == "wave" and event.get("design") in ("now", "wave"):
        return switch_design(config, runtime, event["design"], "asked for by alarmclock restart")
    if config.publish == "wave":
        _designs.pop(config.clock, None)  # a person asks: look again
        if design_now(config, runtime) == "wave":
            return lay_wave(config, runtime, RESTART_REASON)
        config = config.now_design()
    alarms = describe_alarms(config, runtime)
    verdict, why = diagnose(alarms, config, runtime.now())
    if verdict in ("paused", "missing"):
        return _ignore(config, runtime, "restart refused: %s" % why)
    return restart(config, runtime, RESTART_REASON, alarms)


def describe_alarms(config, runtime):
    return runtime.client("cloudwatch", None).describe_alarms(AlarmNames=config.all_alarm_names)["MetricAlarms"]


def diagnose(alarms, config, now):
    """("ticking" | "paused" | "missing" | "starting" | "stalled", why) from the clock's DescribeAlarms
    entries; "starting": the watchdog is in ALARM but younger than its window (young_watchdog)."""
    by_name = {a.get("AlarmName"): a for a in alarms}
    if any(name not in by_name for name in config.alarm_names):
        return "missing", "the clock's alarms do not exist"
    if not any(by_name[name].get("ActionsEnabled") for name in config.alarm_names):
        return "paused", "the alarms' actions are disabled"
    watchdog = by_name.get(config.watchdog)
    if watchdog is not None and watchdog.get("StateValue") == "ALARM":
        if young_watchdog(watchdog, config, now):
            return "starting", "the watchdog is younger than its window"
        return "stalled", "the watchdog has seen no Tick since %s" % _iso(
            _epoch(watchdog.get("StateTransitionedTimestamp"))
        )
    return "ticking", "the watchdog is %s" % (watchdog or {}).get("StateValue", "missing")


def young_watchdog(watchdog, config, now):
    """A watchdog created or changed less than its window ago (a new stack, a resume) has not
    looked at a whole window yet: its ALARM only says that the clock is starting."""
    return now - _epoch(watchdog.get("AlarmConfigurationUpdatedTimestamp")) < config.watchdog_window


def restart(config, runtime, why, alarms=None):
    """Restart a stalled loop, safely even if it was only slow.

    If a tick alarm's latest tick-making change is recent, replay it: the function publishes
    the same value with the same stamp and the same tick id, which is harmless if the first
    delivery happened and restores the beat if it was lost. Otherwise start afresh from what
    the alarms' states say the data holds (``choose_kick``).
    """
    alarms = describe_alarms(config, runtime) if alarms is None else alarms
    now = runtime.now()
    due = value_due_in(alarms, config, now)
    if due is not None and why not in ALWAYS_KICK:
        # The newest tick (a kick's included) has published a value the watchdog cannot see yet:
        # it is stamped up to a period ahead. The loop is not stalled; a kick now would only
        # repeat that tick. If its publishing failed, Lambda retries it; the heartbeat looks again.
        return {"action": "restart", "skipped": "the newest tick's value is due in %.0f s" % due, "reason": why}
    name, state, replay = choose_kick(alarms, config, now)
    reason = "alarmclock: restart (%s)" % why
    if replay is not None:
        reason += "; " + REPLAY_MARK + _iso(replay)
    current = next((a.get("StateValue") for a in alarms if a.get("AlarmName") == name), None)
    kick(config, runtime, reason, name, state, current)
    return {"action": "restart", "kicked": name, "state": state, "replay": replay, "reason": why}


def value_due_in(alarms, config, now):
    """Seconds until the watchdog can see the value of the newest tick, or None if it can already.

    The value is stamped up to a period ahead (next_stamp); the watchdog counts it once its
    window passes that stamp, within one evaluation cycle, plus a little for the jitter.
    """
    due = None
    for alarm in alarms:
        if alarm.get("AlarmName") not in config.alarm_names or alarm.get("StateValue") not in _ticking(config):
            continue
        changed = _epoch(alarm.get("StateTransitionedTimestamp"))
        stamp = next_stamp(replayed_time(alarm.get("StateReason")) or changed, config)
        visible = max(stamp, changed) + config.cycle + SETTLE_MARGIN_S
        due = visible if due is None else max(due, visible)
    return due - now if due is not None and due > now else None


def _ticking(config):
    """The states a tick alarm changes to that make a tick."""
    return ("ALARM", "OK") if config.alarms == 1 else ("ALARM",)


def choose_kick(alarms, config, now):
    """(tick alarm to force, the state to force it into, state-change time to replay or None).

    Every state forced is one the alarm's data already calls for, so its next evaluation keeps
    it: the pair starts from <prefix>0 in ALARM (Tick is 0, publish 1); the single alarm from
    its own state (ALARM: Tick is 1, publish 0; OK or no data yet: publish 1).
    """
    ticking = _ticking(config)
    changes = [a for a in alarms if a.get("AlarmName") in config.alarm_names and a.get("StateValue") in ticking]
    if changes:
        latest = max(changes, key=lambda a: _epoch(a.get("StateTransitionedTimestamp")))
        changed = replayed_time(latest.get("StateReason")) or _epoch(latest.get("StateTransitionedTimestamp"))
        # The replayed point must land in a period the alarms still look at (at least 2 periods back).
        # The documented design never replays: its value is stamped at the change, and the same stamp
        # again lands where the lost value lies (beside the one before it, where their average satisfies
        # no alarm); a fresh kick stamps now, in the newest period.
        fresh_enough = now - changed <= 2 * config.period and config.publish != "now"
        return latest["AlarmName"], latest["StateValue"], (changed if fresh_enough else None)
    if config.alarms == 1:
        return config.alarm_prefix + "1", "OK", None
    return config.alarm_prefix + "0", "ALARM", None


def kick(config, runtime, reason, name=None, state="ALARM", current=None):
    """Force one tick alarm into `state` so that its action runs, whatever state it is in.

    SetAlarmState runs the new state's actions when the state changes, so this invokes the
    function, which publishes the next value; the alarms then take over. An alarm already in
    `state` (or in an unknown one) is first set to the other state, with a reason the handler
    ignores. (The seed published a 0 and waited for an evaluation: a minute or two, and nothing
    at all if <prefix>0 was already in ALARM, as it can be on resume.)
    """
    cloudwatch = runtime.client("cloudwatch", None)
    if name is None:
        name, state, _ = choose_kick([], config, runtime.now())
    if current is None or current == state:
        prelude = "OK" if state == "ALARM" else "ALARM"
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=prelude, StateReason=PRELUDE_MARK + " (" + reason + ")")
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
    runtime.log(
        {"level": "INFO", "clock": config.clock, "action": "kick", "alarm": name, "state": state, "reason": reason}
    )
    return name


def _event_dimensions(configuration):
    # The direct event: configuration.metrics[0].metricStat.metric.dimensions, as {name: value}.
    try:
        dimensions = configuration["metrics"][0]["metricStat"]["metric"]["dimensions"]
    except (KeyError, IndexError, TypeError):
        return None
    return {str(k): str(v) for k, v in dimensions.items()} if isinstance(dimensions, dict) else None


def _pairs(items, key, value):
    # SNS's Trigger.Dimensions ([{"name": ..., "value": ...}]) and DescribeAlarms' ("Name", "Value").
    if not isinstance(items, list):
        return None if items is None else {}
    return {str(i.get(key)): str(i.get(value)) for i in items if isinstance(i, dict)}


def _paused(properties):
    return isinstance(properties, dict) and str(properties.get("Paused", "false")).lower() == "true"


def stop_clock(config, runtime):
    # Delete must succeed even if the alarms are already gone, or the stack cannot be deleted.
    try:
        runtime.client("cloudwatch", None).disable_alarm_actions(AlarmNames=config.all_alarm_names)
    except Exception as error:
        runtime.log({"level": "WARNING", "clock": config.clock, "action": "stop", "reason": _describe(error)})


class Answer:
    """Sends exactly one answer to CloudFormation: the handler's, or FAILED just before
    the function's deadline if the work hangs (otherwise the stack waits ServiceTimeout)."""

    def __init__(self, request, context, config, runtime):
        self.request = request
        self.context = context
        self.config = config
        self.runtime = runtime
        self.lock = threading.Lock()
        self.sent = False
        self.timer = None

    def arm_deadline(self):
        remaining = getattr(self.context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return
        delay = max(0.0, remaining() / 1000.0 - ANSWER_MARGIN_S)
        self.timer = threading.Timer(delay, self.send, ("FAILED", "the function ran out of time"))
        self.timer.daemon = True
        self.timer.start()

    def physical_id(self):
        if self.request.get("PhysicalResourceId"):
            return self.request["PhysicalResourceId"]
        # Stable across Updates: a new id would make CloudFormation delete the "old" resource.
        return "%s-%s" % (self.config.clock, self.request.get("LogicalResourceId", "Starter"))

    def send(self, status, reason):
        with self.lock:
            if self.sent:
                return
            self.sent = True
        if self.timer is not None:
            self.timer.cancel()
        stream = getattr(self.context, "log_stream_name", None)
        body = {
            "Status": status,
            "Reason": (reason + " " if reason else "") + ("(log stream %s)" % stream if stream else ""),
            "PhysicalResourceId": self.physical_id(),
            "StackId": self.request.get("StackId"),
            "RequestId": self.request.get("RequestId"),
            "LogicalResourceId": self.request.get("LogicalResourceId"),
            "NoEcho": False,
            "Data": {"ClockName": self.config.clock},
        }
        record = {
            "level": "INFO",
            "clock": self.config.clock,
            "action": "answer",
            "request": self.request.get("RequestType"),
            "status": status,
            "reason": reason,
        }
        try:
            self.runtime.http_put(str(self.request.get("ResponseURL")), json.dumps(body).encode())
        except Exception as error:
            record.update(level="ERROR", answer_error=_describe(error))
        self.runtime.log(record)


def _ignore(config, runtime, reason):
    runtime.log({"level": "INFO", "clock": config.clock, "action": "ignored", "reason": reason})
    return {"action": "ignored", "reason": reason}


def parse_time(text, default):
    # Public, with replayed_time and tick_id: `alarmclock beat` reads the times this function
    # writes and must name the same ticks. CloudWatch writes "2026-11-27T08:42:00.123+0000";
    # older payloads vary, so fall back.
    if isinstance(text, str):
        for parse in (
            # That format first, by fromisoformat: where strptime reads such a text it reads the same
            # time, and where strptime refuses one the last reading below is this same fromisoformat.
            # (strptime checks the locale at each call: a tenth of a tick in the emulator.)
            lambda: datetime.fromisoformat(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", text)[0]),
            lambda: datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z"),
            lambda: datetime.fromisoformat(text.replace("Z", "+00:00")),
        ):
            try:
                epoch = parse().timestamp()
                # "0001-01-01T00:00:00+14:00" parses but is before year 1 in UTC: _iso would raise.
                datetime.fromtimestamp(epoch, UTC)
                return epoch
            except (ValueError, OverflowError, OSError, TypeError):  # TypeError: not that format (no match)
                pass
    return default


def replayed_time(reason):
    if isinstance(reason, str) and REPLAY_MARK in reason:
        return parse_time(reason.rsplit(REPLAY_MARK, 1)[1].strip(), None)
    return None


def _epoch(value):
    # botocore parses timestamps into datetimes; tolerate epoch numbers and missing values.
    if hasattr(value, "timestamp"):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return 0.0


def _iso(epoch):
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _describe(error):
    return "%s: %s" % (type(error).__name__, error)


# ---- wiring for the real Lambda runtime -------------------------------------------------

_BOTO_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})
_clients: dict = {}
_config = None


def _real_client(service, region):
    key = (service, region)
    if key not in _clients:
        _clients[key] = boto3.client(service, region_name=region, config=_BOTO_CONFIG)
    return _clients[key]


def _real_http_put(url, body):
    # S3 presigned URLs reject a content type they were not signed with: send an empty one.
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _print_log(record):
    print(json.dumps(record, default=str))


REAL_RUNTIME = Runtime(client=_real_client, now=time.time, http_put=_real_http_put, log=_print_log)


def lambda_handler(event, context):
    global _config
    if _config is None:
        _config = ClockConfig.from_env(os.environ)
    return handle(event, context, _config, REAL_RUNTIME)
