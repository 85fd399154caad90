"""`alarmclock simulate`: run a clock's own template in virtual time and report its beat."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from alarmclock.cli.group import cli
from alarmclock.cli.options import simulate_clock_options, spec_of
from alarmclock.cli.output import emit, output_option
from alarmclock.durations import DurationError, format_duration, parse_duration
from alarmclock.exit_status import ExitStatus
from alarmclock.spec import ClockOptions

if TYPE_CHECKING:
    from alarmclock.timing_model import TimingModel

MAX_DURATION_S = 366 * 86_400
PROGRESS_FROM_S = 6 * 3600  # show a progress bar for runs longer than this


def fault_help() -> str:
    """Each fault with its defaults, from the fault table itself (emulator/faults.py)."""
    from alarmclock.emulator.faults import ALL_FAULTS, DEFAULT_AT_S

    def shown(defaults: dict[str, float]) -> str:
        keys = {"at": DEFAULT_AT_S, **defaults}
        return ",".join(f"{k}={v if k == 'count' else format_duration(v)}" for k, v in keys.items())

    return ", ".join(f"{name} ({shown(defaults)})" for name, (_, defaults) in ALL_FAULTS.items())


def parse_run_duration(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except DurationError as error:
        raise click.UsageError(f"--duration {error}") from None
    if not 0 < seconds <= MAX_DURATION_S:
        raise click.UsageError(f"--duration {text!r} must be more than 0 and at most 366d")
    return seconds


def parse_parameters(pairs: tuple[str, ...]) -> dict[str, Any]:
    """NAME=VALUE pairs for the timing model; a span is LOW,HIGH. Checked as a model file's values are
    (parameter_values.py), each NAME once."""
    from alarmclock.parameter_values import KNOWN, ParameterError, from_text

    values: dict[str, Any] = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        if name not in KNOWN or not raw:
            raise click.UsageError(f"--param {pair!r}: use NAME=VALUE with NAME one of: {', '.join(KNOWN)}")
        if name in values:
            raise click.UsageError(f"--param {pair!r}: {name} is given twice; give each parameter once")
        try:
            values[name] = from_text(name, raw)
        except ParameterError as error:
            raise click.UsageError(f"--param {pair!r}: {error}") from None
    return values


@cli.command()
@simulate_clock_options
@click.option(
    "--duration", default="24h", show_default=True, metavar="DURATION", help="Virtual time to run: e.g. 90m, 24h, 30d."
)
@click.option("--seed", default=0, show_default=True, type=int, metavar="N", help="Same seed, same run, byte for byte.")
@output_option
@click.option("--trace", is_flag=True, help="Also list every alarm state change.")
@click.option(
    "--plot",
    metavar="FILE.png",
    help="Draw the tick intervals over time and their histogram; the suffix picks the format (png, svg, pdf, ...).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a timing-model parameter (see docs/timing-model.md), e.g. visibility_delay_s=5,30.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME[:at=T,for=D,count=N,by=S]",
    help=f"Inject a fault (repeatable): {fault_help()}. E.g. --fault function-errors:at=2h,for=10m; "
    "each key at most once. See docs/self-healing.md.",
)
@click.option("--keep", is_flag=True, help="Do not delete the stack at the end of the run.")
@click.option(
    "--template",
    "template_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Run the clock in this template (JSON or YAML: a `cdk synth` output, an edited `alarmclock template`) "
    "instead of one built from the options above; its other resources are listed and left out.",
)
@click.option(
    "--clock",
    "clock_prefix",
    metavar="LOGICAL_ID_PREFIX",
    help="With --template holding several clocks: the one whose logical ids start with this (e.g. the "
    "AlarmClock construct's id, Every10s).",
)
@click.option(
    "--model",
    metavar="MODEL.json",
    help="Start from a timing model fitted by `alarmclock calibrate` (--param still overrides it).",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No progress bar (it shows only on a terminal, for runs over 6h, and never with --json).",
)
def simulate(
    clock: ClockOptions,
    duration: str,
    seed: int,
    output: str,
    trace: bool,
    plot: str | None,
    params: tuple[str, ...],
    faults: tuple[str, ...],
    keep: bool,
    template_path: str | None,
    clock_prefix: str | None,
    model: str | None,
    quiet: bool,
) -> int:
    """Run a clock in virtual time, with no AWS account, and report its beat.

    The clock is the one `alarmclock template` would print with the same options: its alarms,
    function (the real handler code), topic, permissions and custom resource are emulated
    from that template, by the rules in docs/timing-model.md. The stack is created, ticks for
    --duration, and is deleted.

    With --template, the clock is the one in that template (its options come from it): found by
    its custom resource and logical ids, its targets played by stand-ins, the rest left out.

    Exit status 0 if the verdict is ticking; 1 for any other verdict (missing beats, off its
    period, stalled, never ticked, too short to tell, ticked after delete); 2 for bad input.
    """
    adopted = None
    if template_path is not None:
        from alarmclock.cli.simulate_template import adopt_template

        adopted = adopt_template(clock, template_path, clock_prefix, faults)
        spec = adopted.spec
    elif clock_prefix is not None:
        raise click.UsageError("--clock picks a clock in a --template; give the template too")
    else:
        spec = spec_of(clock)
    seconds = parse_run_duration(duration)
    overrides = parse_parameters(params)
    figure_format = check_plot(plot) if plot is not None else None
    from alarmclock.emulator.faults import FaultError, check_inside_run, parse_fault

    try:
        plan = [check_inside_run(parse_fault(text), seconds) for text in faults]
    except FaultError as error:
        raise click.UsageError(str(error)) from None

    from alarmclock.emulator.report import render_text
    from alarmclock.emulator.simulate import Scenario
    from alarmclock.emulator.simulate import simulate as run_simulation
    from alarmclock.timing_model import TimingModel

    if "evaluation_offset_s" in overrides:
        from alarmclock.template import build_template

        template = adopted.template if adopted is not None else build_template(spec)
        refuse_pins_of_no_alarm(params, overrides["evaluation_offset_s"], template)
    base = load_model(model) if model is not None else TimingModel()
    scenario = Scenario(
        spec=spec,
        duration_s=seconds,
        seed=seed,
        timing=base.at(**overrides),
        faults=plan,
        delete_at_end=not keep,
        template=adopted.template if adopted is not None else None,
        keep_events=trace,  # the report needs compact figures only; --trace lists every state change
    )
    if shows_progress(seconds, output != "text", quiet, sys.stderr):
        with click.progressbar(length=1000, label="simulating", file=sys.stderr) as bar:
            done = [0]

            def advance(fraction: float) -> None:
                step = int(fraction * 1000) - done[0]
                bar.update(step)
                done[0] += step

            run = run_simulation(scenario, progress=advance)
    else:
        run = run_simulation(scenario)

    if output == "text":
        click.echo(render_text(run.report, run.trace() if trace else None), nl=False)
    else:
        data = run.report.as_json()
        data["parameters"] = {k: list(v) if isinstance(v, tuple) else v for k, v in scenario.timing.as_dict().items()}
        if trace:
            data["trace"] = run.trace_records()
        emit(data, output, text=lambda: None)
    if plot is not None and figure_format is not None:
        # After the report: a figure that fails to write must not take the run with it.
        from alarmclock.plot import plot_intervals

        write_plot(plot, lambda: plot_intervals(run.tick_times, run.world.start, run.report, plot, figure_format))
    # Like `status`: 0 only for a healthy verdict, so CI can run a simulation as a check.
    return ExitStatus.OK if run.report.judgement.healthy else ExitStatus.FAILED


def refuse_pins_of_no_alarm(params: tuple[str, ...], pins: tuple[tuple[str, float], ...], template: Any) -> None:
    """A pin whose suffix ends no alarm's name would pin nothing, in silence: refuse it."""
    names = alarm_names(template)
    if names is None:
        return  # a name the template leaves to CloudFormation: nothing to check against
    for suffix, _ in pins:
        if suffix and not any(name.endswith(suffix) for name in names):
            (pair,) = [p for p in params if p.startswith("evaluation_offset_s=")]
            raise click.UsageError(
                f"--param {pair!r}: no alarm of this clock ends in {suffix!r}; its alarms are {', '.join(names)}"
            )


def alarm_names(template: Any) -> list[str] | None:
    """The alarms' names in the emulated stack, or None if one is not a plain ${AWS::StackName} name."""
    from alarmclock.emulator.simulate import STACK_NAME

    names = []
    resources = template.get("Resources") if isinstance(template, dict) else None
    for resource in (resources or {}).values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudWatch::Alarm":
            continue
        name = (resource.get("Properties") or {}).get("AlarmName")
        if isinstance(name, dict) and list(name) == ["Fn::Sub"] and isinstance(name["Fn::Sub"], str):
            name = name["Fn::Sub"].replace("${AWS::StackName}", STACK_NAME)
        if not isinstance(name, str) or "${" in name:
            return None
        names.append(name)
    return names


def shows_progress(seconds: float, as_json: bool, quiet: bool, stream: TextIO) -> bool:
    """A progress bar for a long run, on a terminal only: never in --output json or table (`as_json`),
    with --quiet, or when stderr goes to a file or a pipe (where it would be noise in a log)."""
    return seconds > PROGRESS_FROM_S and not as_json and not quiet and stream.isatty()


def check_plot(path: str) -> str:
    """The figure's format, from the path; refused before the run, which may take minutes."""
    from alarmclock.plot import PlotPathError, PlotUnavailable, plot_format

    try:
        return plot_format(path)
    except PlotUnavailable as error:
        raise click.ClickException(str(error)) from None
    except PlotPathError as error:
        raise click.UsageError(str(error)) from None


def write_plot(path: str, draw: Callable[[], None]) -> None:
    """Draw the figure after the report is printed; if that fails, say so and keep the report."""
    from alarmclock.plot import PlotWriteError

    try:
        draw()
    except PlotWriteError as error:
        message = f"the figure {path} was not written ({error}); the report above is complete"
        raise click.ClickException(message) from None
    click.echo(f"wrote {path}", err=True)


def load_model(path: str) -> TimingModel:
    """`calibrate`'s output as a TimingModel; a file that is not one is bad input."""
    from alarmclock.calibrate import timing_model

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise click.UsageError(f"--model {path!r}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise click.UsageError(f"--model {path!r}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise click.UsageError(f"--model {path!r}: not JSON ({getattr(error, 'msg', error)})") from None
    try:
        return timing_model(data)
    except ValueError as error:
        raise click.UsageError(f"--model {path!r}: {error}") from None
