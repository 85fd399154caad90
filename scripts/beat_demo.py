"""docs/beat.md's `alarmclock beat` example, made by the emulator (no AWS account): a one-minute
clock publishing each tick (--publish api, so the outage shows a restart) emulated for a day
with a 20-minute function outage, its alarm history and log read back
through botocore exactly as `beat` reads a deployed clock's, and reported as `beat` reports it.

    python scripts/beat_demo.py          # prints the report; tests/aws/test_beat_cli.py checks docs/beat.md has it
"""

from __future__ import annotations

from datetime import UTC, datetime

from alarmclock import beat
from alarmclock.aws.history import HistoryReader, Pacer
from alarmclock.aws.models import ClockNames
from alarmclock.emulator.faults import parse_fault
from alarmclock.emulator.reader import EmulatedReader
from alarmclock.emulator.simulate import Scenario, simulate
from alarmclock.spec import build_spec

EVERY, SEED, DURATION_S, FAULT = "1m", 7, 86_400.0, "function-errors:at=6h,for=20m"


def demo() -> str:
    # A wave clock goes on flipping through a function outage and needs no restart; a clock
    # publishing each tick stops and is restarted, which is what this example shows.
    spec = build_spec(every=EVERY, publish="api")
    run = simulate(
        Scenario(spec=spec, duration_s=DURATION_S, seed=SEED, faults=[parse_fault(FAULT)], delete_at_end=False)
    )
    side = EmulatedReader(run.stack)
    reader = HistoryReader(side.client("cloudwatch"), side.client("logs"), Pacer(rate_per_s=None))
    names = ClockNames.of("clock", spec.alarms, spec.publish, spec.period_s)
    start, end = run.world.start, run.world.start + DURATION_S
    window = (datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))
    changes = [
        change
        for alarm in names.all_alarms
        for item in reader.state_updates(alarm, *window)
        if (change := beat.StateUpdate.of(item)) is not None
    ]
    lines = [line for event in reader.tick_lines(side.log_group, *window) if (line := beat.TickLine.of(event))]
    report = beat.analyse("clock", spec.period_s, names.alarms, names.watchdog, start, end, changes, lines)
    return beat.render_text(report)


if __name__ == "__main__":
    print(demo(), end="")
