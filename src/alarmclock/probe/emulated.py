"""The probe against the emulator, in virtual time: what it would say in a modelled world."""

from __future__ import annotations

from typing import Any

from alarmclock.emulator.stack import Stack
from alarmclock.emulator.world import World
from alarmclock.probe.experiment import Experiment, Observed
from alarmclock.timing_model import TimingModel


def run_emulated(timing: TimingModel, seed: int = 0) -> Observed:
    """Run the probe's experiment against emulated CloudWatch: an empty stack gives it the alarms'
    evaluation schedule, and a real boto3 client (botocore checks each call) answered by it."""
    world = World(seed, timing)
    stack = Stack(world, {"Resources": {}}, "probe")
    cloudwatch: Any = stack.services.bridge.client("probe", "cloudwatch", stack.region)

    def wait(seconds: float) -> None:
        world.run(world.now() + seconds)

    experiment = Experiment(cloudwatch, world.now, wait, run="emulated")
    try:
        return experiment.perform()
    finally:
        experiment.cleanup()
