"""CloudWatch's time format, made by hand (alarm_history.cloudwatch_time), is datetime's text to the byte."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from alarmclock.emulator import alarm_history as history
from alarmclock.emulator import formats


def by_datetime(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")[:-6] + "+0000"


EDGES = [0.0, -0.0, 1e-7, -1e-7, 0.5, -0.5, 59.9999995, -0.0000005, 0.0000005, 1_767_225_600.0, 1_767_225_659.9999996]


@pytest.mark.parametrize("epoch", EDGES)
def test_edges_read_as_datetime_reads_them(epoch: float) -> None:
    assert history.cloudwatch_time.__wrapped__(epoch) == by_datetime(epoch)


def test_random_times_and_rounding_ties_read_as_datetime_reads_them() -> None:
    rng = random.Random(24)
    for i in range(30_000):
        whole = float(rng.randint(-(10**9), 4 * 10**9))
        kind = i % 4
        if kind == 0:
            epoch = rng.uniform(-2e9, 4.1e9)
        elif kind == 1:
            epoch = round(rng.uniform(1.7e9, 1.9e9), rng.randint(0, 7))
        elif kind == 2:  # halves of a microsecond and of a millisecond, either side of a second
            epoch = whole + rng.choice([0.0005, 0.0015, 0.9995, 0.9999995, 0.0000005, 0.0000015, 0.5])
        else:
            epoch = math.nextafter(whole + rng.randint(0, 1999) / 2000, rng.choice([math.inf, -math.inf]))
        assert history.cloudwatch_time.__wrapped__(epoch) == by_datetime(epoch), epoch


def test_the_alarm_events_format_is_the_same_function() -> None:
    assert formats.cloudwatch_time is history.cloudwatch_time
    assert formats.cloudwatch_time(1_767_225_605.577) == formats.iso_millis_z(1_767_225_605.577)[:-1] + "+0000"
