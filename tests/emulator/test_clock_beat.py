"""`beat` and `calibrate` on emulated clocks: the emulator records what AWS records (alarm history,
the function's log), the same reading code reads it back through botocore, and the figures must
agree with what the emulator knows: simulate's own report, and the parameters it ran with."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from alarmclock import beat
from alarmclock.aws.history import HistoryReader, Pacer
from alarmclock.aws.models import ClockNames
from alarmclock.aws.session import AwsError
from alarmclock.beat_figures import BeatFigures, judge
from alarmclock.calibrate import calibrate, timing_model
from alarmclock.emulator.faults import parse_fault
from alarmclock.emulator.reader import EmulatedReader
from alarmclock.emulator.report import render_text as simulate_text
from alarmclock.emulator.simulate import Run, Scenario, simulate
from alarmclock.spec import build_spec
from alarmclock.timing_model import TimingModel

# A day-long run per clock, shared by the file's tests: keep them on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("clock-beat")

DAY = 86_400.0
# Known, non-default parameters for one of the clocks: calibrate must find these, not the defaults.
SKEWED = TimingModel(evaluation_jitter_s=(0.0, 2.0), action_latency_s=(0.2, 1.5), async_queue_s=(0.1, 0.4))


@dataclass
class Read:
    run: Run
    names: ClockNames
    changes: list[beat.StateUpdate]
    lines: list[beat.TickLine]
    calls: list[tuple[str, dict[str, Any]]]
    report: beat.BeatReport


def read_back(every: str, seed: int, timing: TimingModel, duration: float = DAY) -> Read:
    spec = build_spec(every=every)
    run = simulate(Scenario(spec=spec, duration_s=duration, seed=seed, timing=timing, delete_at_end=False))
    return read_run(run, duration)


def read_run(run: Run, duration: float) -> Read:
    spec = run.scenario.spec
    reader_side = EmulatedReader(run.stack)
    cloudwatch, logs = reader_side.client("cloudwatch"), reader_side.client("logs")
    calls: list[tuple[str, dict[str, Any]]] = []
    for client in (cloudwatch, logs):
        client.meta.events.register(
            "provide-client-params.*.*", lambda params, model, **_: calls.append((model.name, dict(params)))
        )
    reader = HistoryReader(cloudwatch, logs, Pacer(rate_per_s=None))
    start, end = run.world.start, run.world.start + duration
    names = ClockNames.of("clock", spec.alarms, spec.publish, spec.period_s)
    window = (datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))
    changes = [
        change
        for alarm in names.all_alarms
        for item in reader.state_updates(alarm, *window)
        if (change := beat.StateUpdate.of(item)) is not None
    ]
    lines = [line for e in reader.tick_lines(reader_side.log_group, *window) if (line := beat.TickLine.of(e))]
    report = beat.analyse("clock", spec.period_s, names.alarms, names.watchdog, start, end, changes, lines)
    return Read(run, names, changes, lines, calls, report)


# A day each of a minute clock (publishing each tick, the 1 m default), and six hours of a 10 s
# wave clock (as many ticks as 1.5 days at 1 m): a 10 s day takes 20 s to emulate, too slow for CI.
CLOCKS = {
    "1m-seed1": ("1m", 1, TimingModel(), DAY),
    "1m-seed2-skewed": ("1m", 2, SKEWED, DAY),
    "10s-seed3": ("10s", 3, TimingModel(), DAY / 4),
}


@pytest.fixture(scope="module", params=sorted(CLOCKS))
def clock(request: pytest.FixtureRequest) -> Read:
    every, seed, timing, duration = CLOCKS[request.param]
    return read_back(every, seed, timing, duration)


def test_beat_reports_the_ticks_and_intervals_of_simulates_own_report(clock: Read) -> None:
    simulated, measured = clock.run.report, clock.report
    assert measured.timed_by == "the function's log"
    assert measured.ticks == simulated.ticks > 1000
    assert measured.duplicates == simulated.duplicates
    assert measured.missed_beats == simulated.missed_beats
    for figure in ("count", "mean", "p50", "p95", "p99", "max", "min"):
        ours, theirs = getattr(measured.intervals, figure), getattr(simulated.intervals, figure)
        assert ours == pytest.approx(theirs, abs=1e-3), figure  # to the millisecond (log stamps are ms)
    assert measured.longest_silence.length_s == pytest.approx(simulated.longest_silence.length_s, abs=1e-3)
    # The same layout: the lines that carry the same figures read the same, but for a last digit
    # that a millisecond can tip.
    shared = ("  ticks delivered", "  interval (s)", "  missed beats", "  longest silence")

    def layout(text: str) -> list[str]:
        return [re.sub(r"[0-9][0-9.,:]*", "#", line) for line in text.splitlines() if line.startswith(shared)]

    assert layout(beat.render_text(measured)) == layout(simulate_text(simulated))
    assert len(layout(simulate_text(simulated))) == 4


def test_beat_finds_each_alarms_evaluation_second(clock: Read) -> None:
    for name, alarm in clock.run.stack.seen_alarms.items():
        found = clock.report.alarms[name]
        if found["evaluations"] < 50:
            continue  # the watchdog changes state rarely; calibrate says how rarely
        assert abs(found["offset_s"] - alarm.offset_s) <= 0.1, name


def test_calibrate_recovers_the_parameters_the_clock_ran_with(clock: Read) -> None:
    run, timing = clock.run, clock.run.scenario.timing
    spec = run.scenario.spec
    model = calibrate(
        "clock",
        spec.period_s,
        spec.publish,
        clock.names.alarms,
        clock.names.watchdog,
        clock.changes,
        clock.lines,
        run.world.start,
        run.world.start + run.scenario.duration_s,
    )
    parameters, observations = model["parameters"], model["observations"]
    pins = dict(parameters["evaluation_offset_s"])
    tick = run.stack.seen_alarms["clock-tick-is-1"]
    assert abs(pins["tick-is-1"] - tick.offset_s) <= 0.1
    assert (
        observations["evaluation_offset_s"]["clock-tick-is-1"]["evaluations"]
        == clock.report.alarms["clock-tick-is-1"]["evaluations"]
        > 1000
    )
    true_jitter = timing.evaluation_jitter_s[1]
    assert parameters["evaluation_jitter_s"][1] == pytest.approx(true_jitter, rel=0.2)
    # Latency: action plus Lambda's queue (via lambda), observed together as lag_s.
    low = timing.action_latency_s[0] + timing.async_queue_s[0]
    high = timing.action_latency_s[1] + timing.async_queue_s[1]
    fitted_low, fitted_high = parameters["action_latency_s"]
    assert fitted_low == pytest.approx(low, abs=0.2 * (high - low))
    assert fitted_high == pytest.approx(high, abs=0.2 * (high - low))
    assert observations["action_latency_s"]["ticks"] > 1000
    assert "visibility_delay_s" in model["assumptions"]  # a wave shows nothing of it; a tick, a bound
    if spec.publish != "wave":
        bound = observations["visibility_delay_s"]
        assert bound["ticks"] > 1000 and bound["at_most_s"] >= timing.visibility_delay_s[0]
    # And it loads as the emulator's model.
    loaded = timing_model(json.loads(json.dumps(model)))
    assert loaded.action_latency_s == (fitted_low, fitted_high)
    assert loaded.evaluation_offset_s[0][0] in ("tick-is-1", "watchdog")


def test_beat_reads_only_state_updates_page_by_page(clock: Read) -> None:
    history_calls = [params for name, params in clock.calls if name == "DescribeAlarmHistory"]
    assert history_calls and all(
        p["HistoryItemType"] == "StateUpdate" and p["MaxRecords"] == 100 for p in history_calls
    )
    tick_changes = clock.report.alarms["clock-tick-is-1"]["changes"]
    pages = [p for p in history_calls if p["AlarmName"] == "clock-tick-is-1"]
    assert len(pages) == math.ceil(tick_changes / 100)
    assert sum(1 for p in pages if "NextToken" in p) == len(pages) - 1
    log_calls = [params for name, params in clock.calls if name == "FilterLogEvents"]
    assert log_calls and all(p["filterPattern"] == '{ $.action = "tick" }' for p in log_calls)


def test_simulate_and_beat_report_one_type_of_figures_with_one_verdict(clock: Read) -> None:
    simulated, measured = clock.run.report, clock.report
    assert isinstance(simulated, BeatFigures) and isinstance(measured, BeatFigures)
    # The same figures judged the same way: a day of a running clock, read back, is ticking in both.
    assert simulated.judgement == measured.judgement == judge(measured)
    assert measured.verdict == "ticking"
    # Built once: a report is not changed after it is made.
    with pytest.raises(dataclasses.FrozenInstanceError):
        measured.ticks = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        simulated.faults = []  # type: ignore[misc]


def test_a_beat_read_from_aws_is_judged_by_the_figures_it_shows(clock: Read) -> None:
    # beat's exit status is the verdict's health: 0 when a tick came in the window (which ends now,
    # so within the last three periods) and none was missed, however short the window.
    report = clock.report
    stalled = dataclasses.replace(report, stalled_since_s=3600.0)
    missing = dataclasses.replace(report, missed_beats=2)
    silent = dataclasses.replace(report, ticks=0)
    short = dataclasses.replace(report, judged_s=2.0 * report.period_s)
    assert (stalled.verdict, missing.verdict, silent.verdict) == ("stalled", "missing beats", "never ticked")
    assert missing.judgement.reason == f"2 intervals longer than {report.missed_beat_periods:g} periods"
    assert short.verdict == "ticking" and short.judgement.healthy
    assert not any(figures.judgement.healthy for figures in (stalled, missing, silent))
    # A simulated run starts with its clock: one as short is too short to tell.
    run = dataclasses.replace(clock.run.report, judged_s=2.0 * report.period_s)
    assert run.verdict == "too short to tell" and not run.judgement.healthy


def test_a_clock_with_faults_reports_its_restarts_and_their_causes() -> None:
    spec = build_spec(every="1m", publish="api")
    faults = [parse_fault("function-errors:at=2h,for=20m")]
    run = simulate(Scenario(spec=spec, duration_s=6 * 3600, seed=5, faults=faults, delete_at_end=False))
    read = read_run(run, 6 * 3600)
    assert read.report.ticks == run.report.ticks
    assert read.report.missed_beats == run.report.missed_beats >= 1
    assert run.report.log_counts.get("INFO:kick", 0) >= 2  # the start and at least one restart
    assert len(read.report.restarts) == run.report.log_counts["INFO:kick"] - 1  # all but the stack's start
    assert read.report.restart_causes == {"the watchdog has seen no Tick": len(read.report.restarts)}
    assert read.report.watchdog_alarms >= 1
    text = beat.render_text(read.report)
    assert "restarts           1: the watchdog has seen no Tick (1)" in text


def test_without_the_log_ticks_are_timed_at_the_alarms_changes() -> None:
    read = read_back("1m", 4, TimingModel(), duration=6 * 3600)
    spec = read.run.scenario.spec
    start = read.run.world.start
    from_history = beat.analyse(
        "clock", spec.period_s, read.names.alarms, read.names.watchdog, start, start + 6 * 3600, read.changes, None
    )
    assert from_history.timed_by == "the alarms' state changes"
    assert from_history.ticks == read.report.ticks
    # Timed earlier, by the latency: never by more than the latency's upper end.
    for changed, delivered in zip(from_history.tick_times, read.report.tick_times, strict=True):
        assert 0 < delivered - changed <= 0.8 + 1.2  # action + queue (+ a cold start)


def test_the_pacer_paces_and_backs_off_when_throttled() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    answers = iter([_throttled(), _throttled(), {"AlarmHistoryItems": []}, {"AlarmHistoryItems": []}])

    asked: list[float] = []

    def operation(**_: Any) -> dict[str, Any]:
        asked.append(now[0])
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    pacer = Pacer(rate_per_s=2.0, sleep=sleep, clock=lambda: now[0])
    pacer.call(operation)
    pacer.call(operation)
    assert pacer.requests == 4 and pacer.throttled == 2
    assert slept[:2] == [0.5, 1.0]  # two backoffs, growing
    assert all(b - a >= 0.5 for a, b in itertools.pairwise(asked))  # never two requests within half a second
    always = Pacer(rate_per_s=None, max_attempts=3, sleep=lambda s: None)
    with pytest.raises(AwsError, match="throttled"):
        always.call(lambda **_: (_ for _ in ()).throw(_throttled()))


def _throttled() -> ClientError:
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "DescribeAlarmHistory")


def test_history_is_kept_30_days_and_no_longer() -> None:
    from alarmclock.emulator.alarm_history import AlarmHistory, Record

    history = AlarmHistory()
    for day in range(40):
        history.add("a", Record(day * DAY, "StateUpdate", "OK", "", "ALARM", "x"))
    answer = history.describe(39 * DAY, AlarmName="a", HistoryItemType="StateUpdate")
    days = sorted(item["Timestamp"].timestamp() / DAY for item in answer["AlarmHistoryItems"])
    assert days[0] >= 9 and len(days) == 31
    assert len(history.records["a"]) <= 32  # bounded: pruned as it goes, not only when read


def test_history_items_write_cloudwatchs_own_time_format_and_json() -> None:
    import random

    from alarmclock.emulator import alarm_history as history
    from alarmclock.emulator import formats

    draw = random.Random(11)
    moments = [1_767_225_605.577, 1_767_225_600.0, 1_767_225_659.9995, 1_767_312_000.123456]
    moments += [round(1_767_225_600 + draw.uniform(0, 2e6), draw.choice([0, 1, 3, 4, 7])) for _ in range(20_000)]
    for moment in moments:
        assert history.cloudwatch_time(moment) == formats.cloudwatch_time(moment)
    # HistoryData is written by hand for speed: it must be json.dumps's bytes.
    for index in range(2_000):
        points = tuple((moments[index + k], draw.choice([0.0, 1.0, 0.5, 1 / 3])) for k in range(index % 4))
        evaluation = history.Evaluation(moments[index], moments[index + 1], "Maximum", 10, 1.0, points)
        record = history.Record(1.0, "StateUpdate", "OK", 'a "quoted" reason\n', "ALARM", "é", evaluation)
        assert record.history_data() == json.dumps(record.history_data_dict(), separators=(",", ":"))


def test_timing_model_md_says_how_calibrate_replaces_every_assumption() -> None:
    from pathlib import Path

    from alarmclock.timing_model import PARAMETERS

    page = (Path(__file__).parents[2] / "docs" / "timing-model.md").read_text()
    section = page.split("## Replacing the assumptions", 1)[1].split("\n## ", 1)[0]
    for parameter in PARAMETERS:
        if parameter.basis == "assumption":
            assert f"`{parameter.name}`" in section, parameter.name


def test_the_emulated_log_answers_filter_log_events_as_cloudwatch_logs_would() -> None:
    from alarmclock.emulator.bridge import Bridge, ServiceError
    from alarmclock.emulator.logs import LogError, LogGroup

    group = LogGroup()
    group.names.add("/aws/lambda/f")
    for second in range(30):
        group.write(1000.0 + second, {"action": "tick" if second % 3 else "wave", "n": second})

    def dispatch(caller: str, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return group.filter(2000.0, **params)
        except LogError as error:
            raise ServiceError(error.code, str(error)) from None

    logs = Bridge(dispatch).client("me", "logs", "us-east-1")
    page = logs.filter_log_events(
        logGroupName="/aws/lambda/f", filterPattern='{ $.action = "tick" }', startTime=1_005_000, limit=5
    )
    assert [json.loads(e["message"])["n"] for e in page["events"]] == [5, 7, 8, 10, 11]
    assert page["events"][0]["timestamp"] == 1_005_000
    rest = logs.filter_log_events(
        logGroupName="/aws/lambda/f", filterPattern='{ $.action = "tick" }', nextToken=page["nextToken"]
    )
    assert [json.loads(e["message"])["n"] for e in rest["events"]] == [n for n in range(12, 30) if n % 3]
    assert "nextToken" not in rest
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        logs.filter_log_events(logGroupName="/aws/lambda/other")
    with pytest.raises(ClientError, match="InvalidParameterException"):
        logs.filter_log_events(logGroupName="/aws/lambda/f", filterPattern="tick")


def test_an_item_served_again_on_the_next_page_is_read_once() -> None:
    from alarmclock.aws.history import distinct

    def item(second: int) -> dict[str, Any]:
        data = {"newState": {"stateValue": "ALARM" if second % 2 else "OK"}, "oldState": {"stateValue": "OK"}}
        return {
            "AlarmName": "a",
            "HistoryItemType": "StateUpdate",
            "Timestamp": datetime.fromtimestamp(second * 60, UTC),
            "HistoryData": json.dumps(data),
        }

    # DescribeAlarmHistory's pages are not snapshots: an item written while they are read pushes the
    # last one of a page onto the next.
    pages = {None: [item(3), item(2)], "2": [item(2), item(1)], "3": [item(1), item(0)]}
    tokens = {None: "2", "2": "3", "3": None}

    class Pages:
        def describe_alarm_history(self, **params: Any) -> dict[str, Any]:
            token = params.get("NextToken")
            return {"AlarmHistoryItems": pages[token], **({"NextToken": tokens[token]} if tokens[token] else {})}

    reader = HistoryReader(Pages(), pacer=Pacer(None))
    items = reader.state_updates("a", datetime.fromtimestamp(0, UTC), datetime.fromtimestamp(600, UTC))
    assert [i["Timestamp"].timestamp() for i in items] == [0, 60, 120, 180]
    # The same time with other HistoryData is another item; log events are the same by eventId
    # (a tick delivered twice writes two lines: two events, two ids).
    other = {**item(1), "HistoryData": "{}"}
    assert distinct([item(1), other, item(1)]) == [item(1), other]
    line = {"timestamp": 1, "message": "{}"}
    assert distinct([{**line, "eventId": "1"}, {**line, "eventId": "2"}, {**line, "eventId": "1"}]) == [
        {**line, "eventId": "1"},
        {**line, "eventId": "2"},
    ]


def test_one_missed_period_is_one_missed_beat_whatever_the_jitter_from_the_log_and_the_history() -> None:
    from alarmclock.handler import tick_id
    from alarmclock.intervals import missed_beat_periods, missed_beats_in

    # A 1-minute clock: intervals of a period give or take the jitter, three single missed periods
    # (119.8, 120.1 and 119.7 s: two periods give or take the jitter) and a 20-minute silence.
    gaps = [60.2, 59.7, 119.8, 60.3, 120.1, 59.9, 60.0, 119.7, 60.1, 1200.4, 59.8, 60.2]
    times = list(itertools.accumulate(gaps, initial=1000.0))
    alarm = "clock-tick-is-1"
    lines = [beat.TickLine(t + 0.3, tick_id(alarm, t), alarm, t, 0.3, (), 1) for t in times]
    changes = [
        beat.StateUpdate(alarm, t, "OK" if i % 2 else "ALARM", "ALARM" if i % 2 else "OK", "Threshold", t - 0.1)
        for i, t in enumerate(times)
    ]
    for timed_by in (lines, None):
        report = beat.analyse("clock", 60, (alarm,), None, 990.0, times[-1] + 30, changes, timed_by)
        assert report.missed_beats == 4, report.timed_by
        assert "missed beats       4 intervals longer than 1.5 periods" in beat.render_text(report)
    # simulate counts with the same function, so the two stay in step (the pair: only over 2 periods).
    assert missed_beats_in(gaps, 60, 1) == 4 and missed_beat_periods(2) == 2.0
    assert missed_beats_in([100.0, 20.0] * 5 + [121.0], 60, 2) == 1
