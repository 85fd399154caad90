"""`simulate --plot` and `beat --plot`: the tick intervals over time, and their histogram.

The path is checked before the run (`plot_format`), so a run of days is never lost to a typo;
the figure is drawn in memory and written in one go, so a failure leaves no half a file.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from alarmclock.durations import format_duration
from alarmclock.intervals import IntervalStats

if TYPE_CHECKING:
    from alarmclock.beat import BeatReport

COMMON_FORMATS = ("png", "svg", "pdf")
# What each writer would stamp with the date or matplotlib's version; left out, the same seed
# draws the same bytes. (Each writer refuses keys it does not know: SVG has no "Software".)
REPRODUCIBLE_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Creator": None, "Date": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}
# The SVG writer draws its element ids from a random salt unless given one.
SVG_SALT = "alarmclock"


class SimulatedBeat(Protocol):
    """simulate's report (emulator/report.TickReport), as the figure's title reads it: the beat's
    figures and the run's seed and route, named here so that drawing needs nothing of the emulator."""

    @property
    def period_s(self) -> int: ...

    @property
    def ticks(self) -> int: ...

    @property
    def intervals(self) -> IntervalStats: ...

    @property
    def via(self) -> str: ...

    @property
    def seed(self) -> int: ...


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


class PlotPathError(ValueError):
    """A --plot path the figure cannot be written to; the message says why."""


class PlotWriteError(RuntimeError):
    """Drawing or writing the figure failed after the run; the message says why."""


def pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only; no display here or in CI
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'alarmclock[plot]'") from None
    return plt


def plot_format(path: str) -> str:
    """The format the figure will be written in, from the path's suffix; refuses a path it cannot be."""
    pyplot()
    from matplotlib.backend_bases import FigureCanvasBase

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    others = ", ".join(f for f in formats if f not in COMMON_FORMATS)
    choice = f"use .png, .svg or .pdf (or .{others.replace(', ', ', .')})"
    target = Path(path)
    if not path:
        raise PlotPathError(f"--plot needs a file name, e.g. beat.png; {choice}")
    if target.is_dir():
        raise PlotPathError(f"--plot {path!r} is a directory; name a file in it, e.g. {target / 'beat.png'}")
    suffix = target.suffix.removeprefix(".").lower()
    if not suffix:
        raise PlotPathError(f"--plot {path!r} has no suffix to say its format: {choice}")
    if suffix not in formats:
        raise PlotPathError(f"--plot {path!r}: {suffix!r} is not a format matplotlib writes; {choice}")
    folder = target.parent
    if not folder.is_dir():
        raise PlotPathError(f"--plot {path!r}: there is no directory {str(folder)!r}")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise PlotPathError(f"--plot {path!r}: not allowed to write there")
    return suffix


def plot_intervals(tick_times: Sequence[float], start: float, report: SimulatedBeat, path: str, fmt: str) -> None:
    """Draw the figure and write it to `path` in `fmt` (from plot_format); PlotWriteError if that fails."""
    every = format_duration(report.period_s, decimals=0)
    title = (
        f"alarmclock: {every} clock via {report.via}, seed {report.seed}: "
        f"{report.ticks:,} ticks, mean {report.intervals.mean:.1f} s, p99 {report.intervals.p99:.1f} s"
    )
    write_figure(lambda: draw(tick_times, start, report.period_s, title), path, fmt)


def plot_beat(report: BeatReport, path: str, fmt: str) -> None:
    """`alarmclock beat`'s figure: the same two panels, for a deployed clock's real ticks."""
    every = format_duration(report.period_s, decimals=0)
    title = (
        f"alarmclock beat: {report.clock}, a {every} clock: {report.ticks:,} ticks, "
        f"mean {report.intervals.mean:.1f} s, p99 {report.intervals.p99:.1f} s"
    )
    xlabel = "hours since the start of the window (UTC)"
    write_figure(lambda: draw(report.tick_times, report.start, report.period_s, title, xlabel), path, fmt)


def write_figure(make: Any, path: str, fmt: str) -> None:
    try:
        figure = make()
        drawn = io.BytesIO()
        with pyplot().rc_context({"svg.hashsalt": SVG_SALT}):
            figure.savefig(drawn, format=fmt, dpi=110, metadata=REPRODUCIBLE_METADATA.get(fmt))
        pyplot().close(figure)
    except Exception as error:  # a writer's own failure (pgf without LaTeX, say): the run is kept
        pyplot().close("all")
        raise PlotWriteError(reason(error)) from None
    try:
        Path(path).write_bytes(drawn.getvalue())
    except OSError as error:
        Path(path).unlink(missing_ok=True)  # no half a figure
        raise PlotWriteError(reason(error)) from None


def reason(error: Exception) -> str:
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return text.splitlines()[0] if text else type(error).__name__


def draw(
    tick_times: Sequence[float],
    start: float,
    period_s: int,
    title: str,
    xlabel: str = "virtual time (hours since the stack was created)",
) -> Any:
    plt = pyplot()
    hours = [(t - start) / 3600 for t in tick_times[1:]]
    intervals = [b - a for a, b in itertools.pairwise(tick_times)]
    figure, (over_time, histogram) = plt.subplots(2, 1, figsize=(10, 7), constrained_layout=True)
    figure.suptitle(title)
    over_time.plot(hours, intervals, ".", markersize=2)
    over_time.axhline(period_s, color="grey", linewidth=0.8, linestyle="--", label="period")
    over_time.set_xlabel(xlabel)
    over_time.set_ylabel("interval since previous tick (s)")
    over_time.legend(loc="upper right")
    histogram.hist(intervals, bins=60)
    histogram.axvline(period_s, color="grey", linewidth=0.8, linestyle="--")
    histogram.set_xlabel("interval between ticks (s)")
    histogram.set_ylabel("ticks")
    return figure
