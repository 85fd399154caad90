"""`simulate --plot`: the tick intervals over time, and their histogram."""

from __future__ import annotations

import itertools

from alarmclock.emulator.report import TickReport


class PlotUnavailable(RuntimeError):
    pass


def plot_intervals(tick_times: list[float], start: float, report: TickReport, path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only; no display here or in CI
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'alarmclock[plot]'") from None

    hours = [(t - start) / 3600 for t in tick_times[1:]]
    intervals = [b - a for a, b in itertools.pairwise(tick_times)]
    figure, (over_time, histogram) = plt.subplots(2, 1, figsize=(10, 7), constrained_layout=True)
    every = f"{report.period_s // 60} min" if report.period_s >= 60 else f"{report.period_s} s"
    figure.suptitle(
        f"alarmclock: {every} clock via {report.via}, seed {report.seed}: "
        f"{report.ticks:,} ticks, mean {report.intervals.mean:.1f} s, p99 {report.intervals.p99:.1f} s"
    )
    over_time.plot(hours, intervals, ".", markersize=2)
    over_time.axhline(report.period_s, color="grey", linewidth=0.8, linestyle="--", label="period")
    over_time.set_xlabel("virtual time (hours since the stack was created)")
    over_time.set_ylabel("interval since previous tick (s)")
    over_time.legend(loc="upper right")
    histogram.hist(intervals, bins=60)
    histogram.axvline(report.period_s, color="grey", linewidth=0.8, linestyle="--")
    histogram.set_xlabel("interval between ticks (s)")
    histogram.set_ylabel("ticks")
    figure.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(figure)
