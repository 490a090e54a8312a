"""Lesson 09's plots: Go beside Python on one set of axes. Each function returns a ``Figure``.

Built with ``matplotlib.figure.Figure`` (not pyplot), like every plot of the course, so
nothing is kept in pyplot's global list of figures and tests can inspect what was drawn.
A figure whose Go half was recorded elsewhere says so in its title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from workerlab.lab.go import Costs
from workerlab.lab.throughput import SweepPoint

#: One colour per kind of worker, the same in every plot of the lesson.
COLOURS = {
    "goroutines": "#00ADD8",  # Go's own blue
    "goroutine": "#00ADD8",
    "threads": "tab:red",
    "thread": "tab:red",
    "asyncio tasks": "tab:green",
    "asyncio task": "tab:green",
    "process": "tab:purple",
}


def duration(seconds: float) -> str:
    """``seconds`` in the unit that reads best: "184 ns", "3.6 µs", "59 ms"."""
    for unit, factor in (("ns", 1e9), ("µs", 1e6), ("ms", 1e3)):
        if seconds * factor < 999.5:
            value = seconds * factor
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{seconds:.2f} s"


def size(nbytes: float) -> str:
    """``nbytes`` in the unit that reads best: "2.6 KiB", "15 MiB"."""
    for unit, factor in (("B", 1), ("KiB", 2**-10), ("MiB", 2**-20)):
        if nbytes * factor < 999.5:
            value = nbytes * factor
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{nbytes * 2**-30:.1f} GiB"


def efficiency_vs_workers(
    sweeps: Mapping[str, Sequence[SweepPoint]], *, recorded: str = ""
) -> Figure:
    """Efficiency (measured throughput over workers / latency) against worker count, one line
    per kind of worker, beside the ideal (1.0: every worker always busy).

    ``sweeps`` maps a kind ("goroutines", "threads", "asyncio tasks") to its points, all
    with the same jobs; ``recorded``, if given, names the kind whose figures were recorded
    elsewhere, and the plot says so.
    """
    if not sweeps or not all(sweeps.values()):
        raise ValueError("sweeps must map each kind to a non-empty list of points")
    latencies = {p.latency for points in sweeps.values() for p in points}
    if len(latencies) != 1:
        raise ValueError(f"every sweep must have the same job latency, got {sorted(latencies)}")
    counts = sorted({p.workers for points in sweeps.values() for p in points})
    fig = Figure(figsize=(7.5, 4.3), layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(1.0, ls="--", color="tab:gray", label="ideal: workers / latency")
    for kind, points in sweeps.items():
        label = f"{kind} (recorded elsewhere)" if kind == recorded else kind
        ax.plot(
            [p.workers for p in points],
            [p.efficiency for p in points],
            "o-",
            color=COLOURS.get(kind),
            label=label,
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks(counts, [str(n) for n in counts])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("workers (log scale)")
    ax.set_ylabel("efficiency (measured / ideal throughput)")
    (latency,) = latencies
    ax.set_title(f"{latency * 1000:g} ms I/O jobs, the same for every kind of worker")
    ax.legend(frameon=False, loc="lower left")
    ax.grid(True, alpha=0.3)
    return fig


def worker_costs(costs: Mapping[str, Costs], *, recorded: str = "") -> Figure:
    """Two panels of horizontal bars on log scales: the time to start one worker of each
    kind, and the memory one holds while parked. ``recorded`` names a recorded kind."""
    if not costs or any(c.start_seconds <= 0 for c in costs.values()):
        raise ValueError("costs must be non-empty, with positive start times")
    kinds = list(costs)
    names = [f"{k}\n(recorded)" if k == recorded else k for k in kinds]
    colours = [COLOURS.get(k, "tab:blue") for k in kinds]
    fig = Figure(figsize=(9, 0.8 + 0.55 * len(kinds)), layout="constrained")
    start_ax, memory_ax = fig.subplots(1, 2, sharey=True)
    starts = [costs[k].start_seconds * 1e6 for k in kinds]
    memory = [max(costs[k].bytes_each, 1.0) / 1024 for k in kinds]  # a 0 has no log
    start_ax.barh(names, starts, color=colours)
    memory_ax.barh(names, memory, color=colours)
    for kind, name, start, held in zip(kinds, names, starts, memory, strict=True):
        start_ax.text(start, name, f" {duration(costs[kind].start_seconds)}", va="center")
        memory_ax.text(held, name, f" {size(costs[kind].bytes_each)}", va="center")
    for ax, values in ((start_ax, starts), (memory_ax, memory)):
        ax.set_xscale("log")
        ax.set_xlim(min(values) / 3, max(values) * 30)  # room for the labels
    start_ax.invert_yaxis()
    start_ax.set_xlabel("time to start one (µs, log scale)")
    memory_ax.set_xlabel("memory held by one, parked (KiB, log scale)")
    fig.suptitle("What one worker costs")
    return fig


def dispatch_costs(costs: Mapping[str, float], *, recorded: str = "") -> Figure:
    """Horizontal bars on a log scale: seconds per no-op job for each way of running jobs."""
    if not costs or any(v <= 0 for v in costs.values()):
        raise ValueError("costs must be a non-empty mapping of positive seconds")
    names = [f"{k} (recorded)" if k == recorded else k for k in costs]
    values = [v * 1e6 for v in costs.values()]
    colours = [
        COLOURS["goroutines"]
        if "Go" in k
        else COLOURS["asyncio tasks"]
        if "asyncio" in k
        else COLOURS["threads"]
        for k in costs
    ]
    fig = Figure(figsize=(7.5, 0.9 + 0.45 * len(names)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(names, values, color=colours)
    for name, value, seconds in zip(names, values, costs.values(), strict=True):
        ax.text(value, name, f" {duration(seconds)}", va="center")
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 3, max(values) * 20)
    ax.invert_yaxis()
    ax.set_xlabel("time per no-op job: hand it over, get its result back (µs, log scale)")
    ax.set_title("Dispatch cost")
    return fig
