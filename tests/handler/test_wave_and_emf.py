"""The two ways of publishing added in 0.3, in the handler and in the emulator.

The wave (the default up to 120 minutes): the heartbeat, the watchdog's ALARM and the Starter lay
two hours of Tick values; a tick makes no CloudWatch call. The EMF line (`--publish logs`): each
tick writes its value in a log line that the emulated CloudWatch Logs turns into a point, late and
sometimes twice, as the timing model says.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from alarmclock import handler
from alarmclock.alarm_facts import evaluation_cycle
from alarmclock.emulator.cloudwatch import ALARM, OK, Alarm, EmulatedCloudWatch, MetricStore, Point
from alarmclock.emulator.logs import EmfExtractor
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.emulator.world import World
from alarmclock.spec import build_spec
from alarmclock.timing_model import TimingModel

CLOCK = "my-clock"
NOW = 1_795_769_012.5


class RecordingCloudWatch:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def put_metric_data(self, **kwargs: Any) -> None:
        self.calls.append(("put_metric_data", kwargs))

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: self.calls.append((name, kwargs))


class AlarmsStillOnTheWave(RecordingCloudWatch):
    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("describe_alarms", kwargs))
        dimensions = [{"Name": "Wave", "Value": "10s"}]
        return {"MetricAlarms": [{"AlarmName": f"{CLOCK}-tick-is-1", "Dimensions": dimensions}]}


def config(period: int = 60, publish: str = "wave", alarms: int = 1) -> handler.ClockConfig:
    return handler.ClockConfig(
        CLOCK, f"alarmclock/{CLOCK}", period, f"{CLOCK}-tick-is-", publish=publish, alarms=alarms
    )


def runtime(cloudwatch: Any, logs: list[dict[str, Any]] | None = None, now: float = NOW) -> handler.Runtime:
    sink = logs if logs is not None else []
    return handler.Runtime(client=lambda service, region: cloudwatch, now=lambda: now, http_put=None, log=sink.append)


# ---- the wave, in the handler -------------------------------------------------------------------


# How many values, at NOW (12.5 s past a minute): the periods from the current window's to the last
# that ends within two hours less a minute of now (see the next test for where that edge is).
@pytest.mark.parametrize(("period", "values"), [(10, 715), (60, 120), (300, 25), (3600, 3), (7200, 2)])
def test_the_wave_reaches_two_hours_ahead_on_a_fixed_grid(period: int, values: int) -> None:
    points = handler.wave_points(NOW, config(period))
    # From the window the alarm looks at now (the period before the current one: its value is
    # stamped one second into that period's last cycle) to two hours less a minute ahead.
    cycle = evaluation_cycle(period)
    current = NOW // period * period
    assert points[0][0] == current - cycle + 1
    assert points[-1][0] <= NOW + 7_140 < points[-1][0] + period + cycle
    assert len(points) == values
    for stamp, value in points:
        k = int(stamp // period)
        assert stamp == (k + 1) * period - cycle + 1 and value == k % 2
    # Laid later, the wave is the same where the two overlap: laying it again changes nothing.
    later = dict(handler.wave_points(NOW + 600, config(period)))
    assert all(later[stamp] == value for stamp, value in points if stamp in later)


@pytest.mark.parametrize("period", [10, 30, 60, 300, 3600, 7200])
def test_the_wave_lays_each_period_that_ends_within_two_hours_less_a_minute(period: int) -> None:
    # PutMetricData takes stamps up to two hours ahead; the wave stops a minute short (clock skew),
    # and takes in a period that ends by then, to the second after.
    day = 1_795_824_000  # a UTC midnight: every period ends there
    cycle = 10 if period < 60 else 60
    in_time = handler.wave_points(day - 7_140.5, config(period))
    assert in_time[-1] == (day - cycle + 1, (day // period - 1) % 2)  # the period that ends at midnight
    too_late = handler.wave_points(day - 7_141.5, config(period))
    assert too_late[-1][0] == day - period - cycle + 1  # the one before


@pytest.mark.parametrize("period", [10, 20, 30, 60, 300, 3600, 7200])
def test_a_wave_laid_by_04_and_one_laid_now_hold_the_same_value_in_each_window(period: int) -> None:
    # 0.4 stamped index k at the period's last second, (k + 1) * period - 1; now it is a second into
    # the period's last cycle. Both lie in that one cycle of period k, so every window (ending on a
    # whole cycle, or wall-clock) that holds one holds the other, with the same value: an upgraded
    # clock's alarm averages old and new points to the same value, and counts both.
    cycle = evaluation_cycle(period)
    for stamp, value in handler.wave_points(NOW, config(period)):
        k = int(stamp // period)
        old = (k + 1) * period - 1
        assert old // cycle == stamp // cycle and old // period == stamp // period == k
        assert value == k % 2


def test_a_daily_wave_is_refused_by_the_spec_not_laid_short() -> None:
    with pytest.raises(ValueError, match="2 hours ahead"):
        build_spec(every="1440m", publish="wave")
    assert build_spec(every="1440m").publish == "api" and build_spec(every="120m").publish == "wave"


def test_the_heartbeat_lays_the_wave_in_one_call_with_the_periods_dimension() -> None:
    cloudwatch = AlarmsStillOnTheWave()
    logs: list[dict[str, Any]] = []
    result = handler.handle({"alarmclock": "heartbeat"}, None, config(10), runtime(cloudwatch, logs))
    # Once per execution environment that has seen no alarm event yet, one look at which design the
    # alarms run (here, still the wave: a switched clock's heartbeat lays no wave); then the wave.
    (look, _), (name, call) = cloudwatch.calls
    assert name == "put_metric_data" and call["Namespace"] == f"alarmclock/{CLOCK}"
    assert look == "describe_alarms"
    assert len(call["MetricData"]) == result["values"] <= handler.MAX_DATA_PER_CALL
    assert {json.dumps(d["Dimensions"]) for d in call["MetricData"]} == {'[{"Name": "Wave", "Value": "10s"}]'}
    assert {d["StorageResolution"] for d in call["MetricData"]} == {1}
    assert [line["action"] for line in logs] == ["wave"] and logs[0]["reason"] == "heartbeat"
    handler.handle({"alarmclock": "heartbeat"}, None, config(10), runtime(cloudwatch, logs))
    assert [name for name, _ in cloudwatch.calls[2:]] == ["put_metric_data"]  # it looks once, not every time


def test_a_heartbeat_after_a_wave_laid_lately_lays_only_the_values_stamped_ahead() -> None:
    # A value put after its stamp counts in every world: laid again, it would feed an alarm that
    # counts nothing stamped ahead and keep it from the INSUFFICIENT_DATA that tells that world.
    handler._laid.clear()
    cloudwatch = AlarmsStillOnTheWave()
    handler.handle({"alarmclock": "heartbeat"}, None, config(10), runtime(cloudwatch))  # a new environment
    first = [d["Timestamp"].timestamp() for d in cloudwatch.calls[1][1]["MetricData"]]  # after the look
    assert first[0] == handler.wave_points(NOW, config(10))[0][0] < NOW  # from the window the alarm looks at
    later = NOW + 600
    handler.handle({"alarmclock": "heartbeat"}, None, config(10), runtime(cloudwatch, now=later))
    again = [d["Timestamp"].timestamp() for name, call in cloudwatch.calls[2:] for d in call["MetricData"]]
    assert again == [stamp for stamp, _ in handler.wave_points(later, config(10)) if stamp > later]
    assert again[0] - later <= 10


def test_a_wave_longer_than_one_call_takes_is_split() -> None:
    cloudwatch = RecordingCloudWatch()
    original = handler.MAX_DATA_PER_CALL
    handler.MAX_DATA_PER_CALL = 100
    try:
        handler.lay_wave(config(10), runtime(cloudwatch), "test")
    finally:
        handler.MAX_DATA_PER_CALL = original
    sizes = [len(call["MetricData"]) for _, call in cloudwatch.calls]
    assert sizes[:-1] == [100] * (len(sizes) - 1) and sum(sizes) == len(handler.wave_points(NOW, config(10)))


@pytest.mark.parametrize("state", ["ALARM", "OK"])
def test_a_wave_tick_calls_only_the_targets(state: str) -> None:
    cloudwatch = RecordingCloudWatch()
    logs: list[dict[str, Any]] = []
    event = {
        "source": "aws.cloudwatch",
        "alarmData": {
            "alarmName": f"{CLOCK}-tick-is-1",
            "state": {"value": state, "timestamp": "2026-11-27T08:43:17.611+0000"},
        },
    }
    sent: list[str] = []
    clock = config()
    clock.targets = ("arn:aws:sqs:us-east-1:123456789012:ticks",)
    run = runtime(cloudwatch, logs)
    run.client = lambda service, region: type(
        "SQS", (), {"send_message": lambda self, **kw: sent.append(kw["MessageBody"])}
    )()
    result = handler.handle(event, None, clock, run)
    assert result["action"] == "tick" and result["published"] == "wave"
    assert cloudwatch.calls == [] and len(sent) == 1
    assert logs[-1]["published"] == "wave" and not any("_aws" in line for line in logs)


def test_the_watchdogs_alarm_lays_a_wave_this_environment_did_not_lay_lately() -> None:
    cloudwatch = RecordingCloudWatch()
    event = {"source": "aws.cloudwatch", "alarmData": {"alarmName": f"{CLOCK}-watchdog", "state": {"value": "ALARM"}}}
    result = handler.handle(event, None, config(), runtime(cloudwatch))
    assert result["action"] == "wave"
    # (This event says nothing of the watchdog's previous state, so the handler asks whether the
    # watchdog is younger than its window; this fake answers nothing, which is no evidence.) No wave
    # laid by this execution environment: it may have run out, so it is laid, not switched from; then
    # the watchdog, acted on, is re-armed (handler.rearm_watchdog).
    assert [name for name, _ in cloudwatch.calls] == ["describe_alarms", "put_metric_data", "set_alarm_state"]
    assert cloudwatch.calls[-1][1] == {
        "AlarmName": f"{CLOCK}-watchdog",
        "StateValue": "OK",
        "StateReason": handler.REARM_MARK,
    }


# ---- the EMF line, in the handler -----------------------------------------------------------------


@pytest.mark.parametrize(("period", "resolution"), [(10, 1), (60, 1), (300, 60)])
def test_an_emf_tick_writes_its_value_in_one_line_before_the_targets_and_calls_no_cloudwatch(
    period: int, resolution: int
) -> None:
    cloudwatch = RecordingCloudWatch()
    logs: list[dict[str, Any]] = []
    changed = "2026-11-27T08:43:17.611+0000"
    event = {
        "source": "aws.cloudwatch",
        "alarmData": {"alarmName": f"{CLOCK}-tick-is-1", "state": {"value": "ALARM", "timestamp": changed}},
    }
    tick_time = handler.parse_time(changed, 0.0)
    result = handler.handle(event, None, config(period, "logs"), runtime(cloudwatch, logs, now=tick_time + 1.2))
    assert result["published"] == 0 and cloudwatch.calls == []
    emf, tick = logs
    assert (emf["action"], tick["action"]) == ("publish", "tick")  # the beat first, then the targets
    metadata = emf["_aws"]
    assert metadata["Timestamp"] == int(handler.next_stamp(tick_time, config(period, "logs")) * 1000)
    (directive,) = metadata["CloudWatchMetrics"]
    assert directive == {
        "Namespace": f"alarmclock/{CLOCK}",
        "Dimensions": [[]],
        "Metrics": [{"Name": "Tick", "StorageResolution": resolution}],
    }
    assert emf["Tick"] == 0 and emf["tick_id"] == tick["tick_id"]


def test_publish_comes_from_the_environment_and_a_bad_value_is_a_problem_not_a_stop() -> None:
    assert handler.ClockConfig.from_env({"ALARMCLOCK_PUBLISH": "wave"}).publish == "wave"
    assert handler.ClockConfig.from_env({}).publish == "api"  # a template from before 0.3
    broken = handler.ClockConfig.from_env({"ALARMCLOCK_PUBLISH": "pigeon"})
    assert broken.publish == "api" and any("ALARMCLOCK_PUBLISH" in p for p in broken.problems)


# ---- the emulator's side ----------------------------------------------------------------------------


def test_the_same_value_put_again_at_the_same_time_is_counted_not_stored_twice() -> None:
    store = MetricStore()
    store.put("n", "Tick", Point(100.0, 1.0, visible_at=105.0))
    store.put("n", "Tick", Point(100.0, 1.0, visible_at=103.0))
    store.put("n", "Tick", Point(100.0, 0.0, visible_at=101.0))
    store.put("n", "Tick", Point(100.0, 1.0, visible_at=104.0), dimensions=(("Wave", "60s"),))
    same = store.between("n", "Tick", 0, 200)
    assert [(p.value, p.copies, p.visible_at) for p in same] == [(1.0, 2, 103.0), (0.0, 1, 101.0)]
    assert [p.copies for p in store.between("n", "Tick", 0, 200, (("Wave", "60s"),))] == [1]


def test_an_alarm_counts_every_copy_and_reads_only_its_own_dimensions() -> None:
    now = [1_000_020.0]
    cloudwatch = EmulatedCloudWatch(lambda: now[0], lambda: 0.0)
    cloudwatch.put_metric_data(
        Namespace="n",
        MetricData=[
            {
                "MetricName": "Tick",
                "Value": 1.0,
                "Timestamp": 999_990.0,
                "Dimensions": [{"Name": "Wave", "Value": "60s"}],
            }
        ]
        * 2,
    )
    counting = Alarm(
        "c", "arn", "n", "Tick", "SampleCount", 60, 1, 2, "GreaterThanOrEqualToThreshold", dimensions=(("Wave", "60s"),)
    )
    plain = Alarm("p", "arn", "n", "Tick", "SampleCount", 60, 1, 1, "GreaterThanOrEqualToThreshold")
    assert counting.evaluate(cloudwatch.store, now[0], 3)[0] == ALARM  # two copies: SampleCount 2
    assert plain.evaluate(cloudwatch.store, now[0], 3)[0] != OK  # the metric without dimensions has no data


def test_a_point_stamped_ahead_is_visible_from_its_put_or_from_its_stamp_as_the_assumption_says() -> None:
    for mode, visible in (("put", 1_000_001.0), ("stamp", 1_000_501.0)):
        cloudwatch = EmulatedCloudWatch(lambda: 1_000_000.0, lambda: 1.0, future_visible_from=mode)
        cloudwatch.put_metric_data(
            Namespace="n", MetricData=[{"MetricName": "Tick", "Value": 1.0, "Timestamp": 1_000_500.0}]
        )
        (point,) = cloudwatch.store.between("n", "Tick", 0, 2_000_000)
        assert point.visible_at == visible


def test_put_metric_data_takes_at_most_1000_values_and_refuses_a_call_whole() -> None:
    from alarmclock.emulator.cloudwatch import CloudWatchError

    cloudwatch = EmulatedCloudWatch(lambda: 1_000_000.0, lambda: 0.0)
    datum = {"MetricName": "Tick", "Value": 1.0, "Timestamp": 1_000_000.0}
    with pytest.raises(CloudWatchError):
        cloudwatch.put_metric_data(Namespace="n", MetricData=[datum] * 1001)
    with pytest.raises(CloudWatchError):  # one value three hours ahead: none is stored
        cloudwatch.put_metric_data(Namespace="n", MetricData=[datum, datum | {"Timestamp": 1_010_800.0}])
    assert cloudwatch.store.between("n", "Tick", 0, 2_000_000) == []


def test_emf_lines_become_points_late_and_sometimes_twice_as_the_model_says() -> None:
    timing = TimingModel().at(emf_delay_s=(20.0, 20.0), emf_duplicate_prob=1.0)
    world = World(seed=1, timing=timing, start=1_000_000.0)
    cloudwatch = EmulatedCloudWatch(world.now, lambda: 0.0)
    extractor = EmfExtractor(world, cloudwatch)
    line = handler.emf_line(1, 1_000_059.0, config(60, "logs"), handler.tick_id(f"{CLOCK}-tick-is-1", 1_000_000.0))
    extractor.read(line)
    extractor.read({"action": "tick"})  # not EMF: nothing
    extractor.read({"_aws": {"Timestamp": "soon"}})  # EMF that does not parse: counted, no point
    extractor.read(line | {"_aws": line["_aws"] | {"Timestamp": (1_000_000 + 3 * 3600) * 1000}})  # too far ahead
    (point,) = cloudwatch.store.between(f"alarmclock/{CLOCK}", "Tick", 0, 2_000_000)
    assert (point.time, point.value, point.copies, point.visible_at) == (1_000_059.0, 1.0, 2, 1_000_020.0)
    assert extractor.extracted == 2 and len(extractor.rejected) == 2


def test_an_emf_clock_ticks_on_the_line_alone_and_never_calls_put_metric_data() -> None:
    spec = build_spec(every="1m", publish="logs")
    run = simulate(Scenario(spec=spec, duration_s=2 * 3600, seed=3))
    calls = run.stack.services.calls
    assert run.report.verdict == "ticking" and run.report.ticks >= 119
    assert calls[("cloudwatch", "PutMetricData")] == 0
    assert run.stack.services.emf.extracted >= run.report.ticks


@pytest.mark.parametrize("every", ["10s", "1m", "20s", "5m"])
def test_a_wave_clocks_ticks_make_no_aws_call_but_the_targets(every: str) -> None:
    # The emulator's call log, by (service, operation): everything the function called in 2 hours.
    target = "arn:aws:sqs:us-east-1:123456789012:ticks"
    spec = build_spec(every=every, targets=[target], publish="wave")
    run = simulate(Scenario(spec=spec, duration_s=2 * 3600, seed=4))
    calls = run.stack.services.calls
    lays = run.report.log_counts["INFO:wave"]  # the Starter's and one per 10-minute heartbeat
    assert run.report.ticks >= 2 * 3600 // spec.period_s - 2
    # A heartbeat that comes before the first tick asks once which design the alarms run (an
    # execution environment that has seen no alarm event); the ticks themselves never call CloudWatch.
    looks = calls.pop(("cloudwatch", "DescribeAlarms"), 0)
    assert looks <= 1
    # A new execution environment's first flip reads the latest flips' lateness from the alarm's
    # history (handler.lateness_so_far): once per environment, never on a warm one's ticks.
    histories = calls.pop(("cloudwatch", "DescribeAlarmHistory"), 0)
    assert 1 <= histories <= sum(function.environments for function in run.stack.seen_functions)
    assert dict(calls) == {
        ("cloudwatch", "PutMetricData"): lays,
        ("sqs", "SendMessage"): run.report.ticks + run.report.duplicates,
        ("cloudwatch", "DisableAlarmActions"): 1,  # the stack's delete, at the end of the run
    }
    assert lays == 1 + 2 * 60 // 10  # not one more for any of the ticks


def alarm_event(previous_gap_s: float, previous_state: str = "ALARM") -> dict[str, Any]:
    """The one alarm's change to OK at 08:44:17.604Z, having entered `previous_state` that much earlier."""
    changed = handler.parse_time("2026-11-27T08:44:17.604+0000", 0.0)
    return {
        "source": "aws.cloudwatch",
        "alarmData": {
            "alarmName": f"{CLOCK}-tick-is-1",
            "state": {"value": "OK", "timestamp": handler._iso(changed).replace("Z", "+0000")},
            "previousState": {
                "value": previous_state,
                "timestamp": handler._iso(changed - previous_gap_s).replace("Z", "+0000"),
            },
        },
    }


@pytest.mark.parametrize(
    ("period", "gap", "caught_up"),
    [
        (60, 60.4, 0),  # the next flip, on time
        (60, 120.7, 1),  # one window of the same value skipped
        (60, 179.2, 2),
        (60, 600.0, 9),  # up to MAX_CATCH_UP
        (60, 660.0, 0),  # longer: an outage, not jitter
        (10, 30.5, 2),
        (300, 600.0, 0),  # a period of several cycles never skips a flip: nothing to catch up
    ],
)
def test_a_one_cycle_wave_delivers_the_ticks_its_alarm_skipped_late(period: int, gap: float, caught_up: int) -> None:
    sent: list[dict[str, Any]] = []
    clock = config(period)
    clock.targets = ("arn:aws:sqs:us-east-1:123456789012:ticks",)
    run = runtime(None)
    run.now = lambda: handler.parse_time("2026-11-27T08:44:19.000+0000", 0.0)
    run.client = lambda service, region: type(
        "SQS", (), {"send_message": lambda self, **kw: sent.append(json.loads(kw["MessageBody"]))}
    )()
    handler.handle(alarm_event(gap), None, clock, run)
    assert len(sent) == 1 + caught_up
    assert [tick.get("caught_up", False) for tick in sent] == [True] * caught_up + [False]
    assert len({tick["tick_id"] for tick in sent}) == len(sent)  # each skipped tick has its own id
    times = [handler.parse_time(tick["tick_time"].replace("Z", "+00:00"), 0.0) for tick in sent]
    assert times == sorted(times)
    # The same notification again (a duplicate) delivers the same ids: a target drops them.
    again: list[dict[str, Any]] = []
    run.client = lambda service, region: type(
        "SQS", (), {"send_message": lambda self, **kw: again.append(json.loads(kw["MessageBody"]))}
    )()
    handler.handle(alarm_event(gap), None, clock, run)
    assert [t["tick_id"] for t in again] == [t["tick_id"] for t in sent]


def test_the_tick_line_counts_every_delivery_of_the_ticks_caught_up_too() -> None:
    # Two targets, two ticks skipped: 2 x (1 + 2) = 6 deliveries, each skipped tick named.
    clock = config(60)
    clock.targets = ("arn:aws:sqs:us-east-1:123456789012:ticks", "arn:aws:sqs:us-east-1:123456789012:more")
    logs: list[dict[str, Any]] = []
    run = runtime(None, logs, now=handler.parse_time("2026-11-27T08:44:19.000+0000", 0.0))
    run.client = lambda service, region: type("SQS", (), {"send_message": lambda self, **kw: None})()
    handler.handle(alarm_event(179.2), None, clock, run)
    (line,) = [line for line in logs if line.get("action") == "tick"]
    assert (line["delivered"], line["failed"]) == (6, [])
    # The previous flip was at 08:41:18.404 (179.2 s before 08:44:17.604): a period and two after it.
    assert line["caught_up"] == ["2026-11-27T08:42:18.404Z", "2026-11-27T08:43:18.404Z"]


def test_nothing_is_caught_up_without_a_previous_state_time_or_when_publishing_each_tick() -> None:
    no_time = alarm_event(120.7)
    del no_time["alarmData"]["previousState"]["timestamp"]  # a previous state, but not since when
    for event, clock in (
        (alarm_event(120.7, previous_state="INSUFFICIENT_DATA"), config(60)),
        (no_time, config(60)),
        (alarm_event(120.7), config(60, publish="api")),
    ):
        assert handler.missed_tick_times(handler.classify(event)[1], 0.0, clock) == []
