"""`alarmclock simulate --template FILE [--clock PREFIX]`: the clock comes from a template the user made."""

from __future__ import annotations

import click

from alarmclock.emulator.adopt import AdoptedClock, AdoptError, adopt
from alarmclock.emulator.template_file import TemplateFileError, load_template
from alarmclock.spec import ClockOptions

# How each option that builds a clock is written: with --template the template has already decided each.
OPTION_FLAGS = {
    "every": "--every",
    "alarms": "--alarms",
    "window": "--window",
    "publish": "--publish",
    "via": "--via",
    "targets": "--target",
    "target_keys": "--target-key",
    "failure_alarm": "--failure-alarm",
    "payload": "--payload",
}


def adopt_template(clock: ClockOptions, path: str, prefix: str | None, faults: tuple[str, ...]) -> AdoptedClock:
    given = [flag for name, flag in OPTION_FLAGS.items() if name in clock.given]
    if given:
        raise click.UsageError(f"{', '.join(given)} cannot be used with --template: the template sets the clock")
    if any(fault.split(":", 1)[0] == "stack-update" for fault in faults):
        # The update rebuilds the clock from its options with a new payload; a foreign template's
        # clock has no options to rebuild it from.
        raise click.UsageError("--fault stack-update needs a clock built from options, not --template")
    try:
        adopted = adopt(load_template(path), prefix)
    except (TemplateFileError, AdoptError) as error:
        raise click.UsageError(str(error)) from None
    click.echo(adopted.summary(), err=True)
    return adopted
