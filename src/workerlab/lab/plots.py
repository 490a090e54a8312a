"""Plots the lessons draw from measurements. Each function returns a matplotlib ``Figure``.

Introduced in lesson 01 (the timeline); later lessons add their own plots here.

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``: nothing is kept
in pyplot's global list of open figures (so nothing leaks from a notebook that draws many),
the functions are safe to call from any thread, and tests can inspect what was drawn.
A notebook shows a returned figure by ending a cell with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import NullLocator

from workerlab.trace import Span
from workerlab.validate import positive_number

if TYPE_CHECKING:  # only for type hints: plots never runs a lesson's code
    from workerlab.lab.overhead import OverheadPoint
    from workerlab.lab.service import LoadRun
    from workerlab.lab.speedup import Sweep

#: Colours for the usual labels, so every lesson paints "read" or "job" the same way.
LABEL_COLOURS = {
    "job": "tab:blue",
    "read": "tab:orange",
    "transform": "tab:green",
    "write": "tab:purple",
    "wait": "tab:gray",
    "blocked": "tab:red",
    "blocked on send": "tab:red",
    "blocked on recv": "tab:pink",
    "make order": "tab:brown",
    "failed": "crimson",
    "interrupted": "tab:olive",
    "waiting for a job": "silver",
    # lesson 07: the outcome of each attempt on the lease queue
    "done": "seagreen",
    "killed": "crimson",
    "retry": "darkorange",
    "lease lost": "tab:gray",
    "dead": "black",
}
_FALLBACK_COLOURS = ["tab:cyan", "tab:olive", "tab:brown", "tab:pink", "gold", "navy"]


#: The units a time axis may use, and the factor from seconds to each.
TIME_UNITS = {"µs": 1e6, "ms": 1e3, "s": 1.0}


def time_unit(seconds: float) -> tuple[str, float]:
    """The unit a duration of ``seconds`` reads best in, and the factor to convert to it."""
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    if seconds < 0.002:
        return "µs", 1e6
    if seconds < 2:
        return "ms", 1e3
    return "s", 1.0


def _duration(seconds: float) -> str:
    """``seconds`` as a short bar label in the largest unit under 1,000: "96.8 µs", "79.3 ms"."""
    unit, factor = next(
        ((unit, factor) for unit, factor in (("µs", 1e6), ("ms", 1e3)) if seconds * factor < 999.5),
        ("s", 1.0),
    )
    value = seconds * factor
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def label_colours(labels: Iterable[str]) -> dict[str, str]:
    """A colour for each label: the shared one where it has one, else the next spare."""
    colours: dict[str, str] = {}
    spare = iter(_FALLBACK_COLOURS * 10)
    for label in labels:
        if label not in colours:
            colours[label] = LABEL_COLOURS.get(label) or next(spare)
    return colours


def timeline(
    spans: Sequence[Span],
    *,
    rows: Literal["worker", "label"] = "worker",
    title: str = "Timeline",
    row_title: str | None = None,
    annotate: bool | None = None,
    width: float = 9.0,
    marks: Mapping[str, float] | None = None,
    unit: str | None = None,
    min_width: float = 0.0,
) -> Figure:
    """Draw a Gantt chart: one row per worker (or per label), one bar per span.

    Bars are coloured by label (the same colour for a label in every lesson and every
    run), with a legend; with ``annotate`` (default: when there are at most 40 bars) each
    bar shows its job. The x axis is time since the trace began, in the unit that suits the
    run's length, or in ``unit`` ("µs", "ms" or "s"): an explorer that redraws after every
    run passes one, so that the axis never changes unit between runs. ``marks`` draws a
    dashed vertical line for each named instant (seconds on the trace's clock), such as a
    deadline (lesson 04). ``min_width`` (a fraction of the axis, 0 by default) draws any
    shorter bar that wide, so a very short span (a worker killed just after its claim)
    stays visible; leave it at 0 where the bars' lengths are the lesson.
    """
    if rows not in ("worker", "label"):
        raise ValueError(f"rows must be 'worker' or 'label', got {rows!r}")
    if unit is not None and unit not in TIME_UNITS:
        raise ValueError(f"unit must be one of {sorted(TIME_UNITS)} or None, got {unit!r}")
    if not 0 <= min_width < 0.5:
        raise ValueError(f"min_width must be a fraction of the axis in [0, 0.5), got {min_width}")
    spans = list(spans)
    if not spans:
        raise ValueError("spans is empty: there is nothing to draw")
    if not all(isinstance(s, Span) for s in spans):
        raise TypeError("spans must hold workerlab.trace.Span objects (from Trace.spans())")
    if annotate is None:
        annotate = len(spans) <= 40

    row_names = list(dict.fromkeys(getattr(s, rows) for s in spans))
    colours = label_colours(s.label for s in spans)
    marks = dict(marks or {})
    for name, when in marks.items():
        positive_number(f"marks[{name!r}]", when, allow_zero=True)
    end = max(s.end for s in spans)
    unit, factor = time_unit(end) if unit is None else (unit, TIME_UNITS[unit])
    shortest = min_width * end  # seconds: no bar is drawn narrower

    fig = Figure(figsize=(width, 0.9 + 0.42 * len(row_names)), layout="constrained")
    ax = fig.add_subplot()
    for index, name in enumerate(row_names):
        mine = [s for s in spans if getattr(s, rows) == name]
        ax.broken_barh(
            [(s.start * factor, max(s.duration, shortest) * factor) for s in mine],
            (index - 0.38, 0.76),
            facecolors=[colours[s.label] for s in mine],
            edgecolor="white",
            linewidth=0.3,
        )
        if annotate:
            for s in mine:
                if s.job is not None:
                    ax.text(
                        (s.start + s.duration / 2) * factor,
                        index,
                        str(getattr(s.job, "id", s.job)),  # a Job shows as its number
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white",
                    )
    for name, when in marks.items():
        ax.axvline(when * factor, color="black", linestyle="--", linewidth=1)
        ax.text(when * factor, -0.5, f" {name}", va="bottom", ha="center", fontsize=8)
    ax.set_yticks(range(len(row_names)), row_names)
    ax.set_ylim(len(row_names) - 0.5, -0.5)  # first row on top
    ax.set_xlim(left=0)
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_ylabel(row_title or rows)
    ax.set_title(title)
    if rows == "worker":
        # Known labels in their fixed order, so the legend reads the same in every run.
        order = {label: index for index, label in enumerate(LABEL_COLOURS)}
        listed = sorted(colours, key=lambda label: order.get(label, len(order)))
        handles = [Patch(color=colours[label], label=label) for label in listed]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def stop_latency(
    polling: dict[float, Sequence[float]],
    waiting: Sequence[float],
    *,
    title: str = "How fast a pool stops after cancel",
) -> Figure:
    """Stop latency against poll interval, with waiting on the context beside it.

    Introduced in lesson 04. ``polling`` maps each poll interval (seconds) to the measured
    latencies (seconds from cancel to the last worker's exit); ``waiting`` holds the
    latencies of workers that wait on the context. Dots are single runs, the line joins
    the medians; the dashed line is the worst a poller can do (one whole interval late).
    """
    if not polling or not waiting:
        raise ValueError("pass at least one poll interval and one waiting measurement")
    if any(not runs for runs in polling.values()):
        raise ValueError("every poll interval needs at least one measurement")
    intervals = sorted(polling)
    fig = Figure(figsize=(7.5, 4), layout="constrained")
    ax = fig.add_subplot()
    for n, interval in enumerate(intervals):
        runs = polling[interval]
        ax.scatter(
            [interval * 1e3] * len(runs),
            [r * 1e3 for r in runs],
            color="tab:orange",
            alpha=0.5,
            s=18,
            label="polling: single runs" if n == 0 else None,
        )
    medians = [sorted(polling[i])[len(polling[i]) // 2] * 1e3 for i in intervals]
    ax.plot(
        [i * 1e3 for i in intervals],
        medians,
        "o-",
        color="tab:orange",
        label="polling ctx.err() every interval (median)",
    )
    xs = [0, intervals[-1] * 1e3]
    ax.plot(
        xs,
        xs,
        "--",
        color="tab:gray",
        label="one whole interval late (worst case, before scheduling delays)",
    )
    wait_median = sorted(waiting)[len(waiting) // 2] * 1e3
    ax.axhline(
        wait_median,
        color="tab:blue",
        linewidth=2,
        label=f"waiting on the context (median {wait_median:.1f} ms)",
    )
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("poll interval (ms)")
    ax.set_ylabel("cancel → last worker exits (ms)")
    ax.set_title(title)
    ax.legend(loc="upper left", frameon=False)
    return fig


def wall_vs_cpu(
    runs: Mapping[str, tuple[Mapping[str, float], float]], *, title: str = "Where the time went"
) -> Figure:
    """For each run, two bars: its wall clock split by step, and its total CPU time.

    ``runs`` maps a run's name to ``(seconds per step, cpu seconds)``. All runs share one
    axis, always in seconds (an explorer that adds runs never switches its unit), so a
    slower run shows as a longer bar. Introduced in lesson 01: the gap between a run's two
    bars is time the CPU spent idle.
    """
    if not runs:
        raise ValueError("runs is empty: pass {name: (seconds per step, cpu seconds)}")
    for name, (steps, cpu) in runs.items():
        if not steps:
            raise ValueError(f"runs[{name!r}] has no steps: pass the seconds spent in each step")
        if any(v < 0 for v in steps.values()) or cpu < 0:
            raise ValueError(f"runs[{name!r}]: step seconds and cpu seconds must be >= 0")
    colours = label_colours(label for steps, _ in runs.values() for label in steps)
    fig = Figure(figsize=(9, 1.0 + 0.9 * len(runs)), layout="constrained")
    ax = fig.add_subplot()
    labels: list[str] = []
    for row, (name, (steps, cpu)) in enumerate(runs.items()):
        left = 0.0
        for label, seconds in steps.items():
            ax.barh(2 * row, seconds, left=left, color=colours[label], label=label)
            left += seconds
        ax.barh(2 * row + 0.8, cpu, height=0.6, color="black", label="CPU busy (total)")
        labels += [f"{name}: wall clock", "CPU time"]
    ax.set_yticks([y for row in range(len(runs)) for y in (2 * row, 2 * row + 0.8)], labels)
    ax.invert_yaxis()
    ax.set_xlabel("total time (s)")
    ax.set_title(title)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    ax.legend(
        unique.values(), unique.keys(), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False
    )
    return fig


def throughput_vs_workers(
    workers: Sequence[int],
    throughput: Sequence[float],
    latency: float,
    *,
    title: str = "Throughput against worker count",
) -> Figure:
    """Measured jobs per second against worker count, beside the ideal line workers / latency.

    Introduced in lesson 02. Both axes are logarithmic, so the ideal (Little's law) is a
    straight line and a shortfall at any size shows as the same gap.
    """
    if len(workers) != len(throughput) or not workers:
        raise ValueError("workers and throughput must be non-empty and of the same length")
    if latency <= 0:
        raise ValueError(f"latency must be > 0, got {latency}")
    fig = Figure(figsize=(6.5, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(
        workers,
        [n / latency for n in workers],
        "--",
        color="tab:gray",
        label=f"ideal: workers / {latency * 1000:g} ms",
    )
    ax.plot(workers, throughput, "o-", color="tab:blue", label="measured")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(list(workers), [str(n) for n in workers])
    # Plain numbers at the ideal values, rather than only the powers of ten a log axis marks.
    ax.set_yticks([n / latency for n in workers], [f"{n / latency:,.0f}" for n in workers])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("workers (threads)")
    ax.set_ylabel("throughput (jobs/s)")
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    return fig


def channel_activity(
    spans: Sequence[Span],
    depth: Sequence[tuple[float, float]],
    capacity: int,
    *,
    title: str = "Inside the channel",
) -> Figure:
    """Two panels sharing the time axis: the buffer's depth, and who was doing what.

    Introduced in lesson 03. The top panel is a step plot of the depth samples with the
    capacity as a dashed line; the bottom one is a timeline (one row per thread) where the
    ``blocked on …`` spans, painted red and pink, show who had to wait and for how long.
    """
    spans = list(spans)
    if not spans or not depth:
        raise ValueError("spans and depth must both be non-empty (did the trace record them?)")
    if capacity < 0:
        raise ValueError(f"capacity must be >= 0, got {capacity}")
    end = max(max(s.end for s in spans), depth[-1][0])
    unit, factor = time_unit(end)
    rows = list(dict.fromkeys(s.worker for s in spans))
    colours = label_colours(s.label for s in spans)
    fig = Figure(figsize=(9, 2.2 + 0.4 * len(rows)), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.2, max(1.0, 0.45 * len(rows))])
    times = [t * factor for t, _ in depth] + [end * factor]
    values = [v for _, v in depth] + [depth[-1][1]]
    top.step(times, values, where="post", color="tab:blue")
    slots = capacity or 1  # a rendezvous hands each item over through one slot
    top.axhline(slots, ls="--", color="tab:gray")
    top.text(
        0,
        slots,
        " capacity" if capacity else " hand-over slot (rendezvous)",
        va="bottom",
        fontsize=8,
        color="tab:gray",
    )
    top.set_ylabel("items waiting")
    top.set_ylim(bottom=0, top=max(*values, slots) + 0.8)
    top.set_title(title)
    for index, name in enumerate(rows):
        mine = [s for s in spans if s.worker == name]
        bottom.broken_barh(
            [(s.start * factor, s.duration * factor) for s in mine],
            (index - 0.38, 0.76),
            facecolors=[colours[s.label] for s in mine],
            edgecolor="white",  # so back-to-back jobs show as separate bars
            linewidth=0.5,
        )
    bottom.set_yticks(range(len(rows)), rows)
    bottom.set_ylim(len(rows) - 0.5, -0.5)
    bottom.set_xlim(0, end * factor)
    bottom.set_xlabel(f"time since start ({unit})")
    handles = [Patch(color=colour, label=label) for label, colour in colours.items()]
    bottom.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def buffer_effect(
    capacities: Sequence[int],
    throughput: Sequence[float],
    producer_blocked: Sequence[float],
    consumers_blocked: Sequence[float],
    *,
    title: str = "What the buffer buys",
) -> Figure:
    """Throughput (left) and seconds spent blocked (right) against the channel's capacity.

    Introduced in lesson 03: a bigger buffer absorbs bursts, so fewer waits and more
    throughput, until it stops mattering.
    """
    n = len(capacities)
    if not n or not len(throughput) == len(producer_blocked) == len(consumers_blocked) == n:
        raise ValueError("all four sequences must be non-empty and of the same length")
    labels = [str(c) for c in capacities]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(labels, throughput, "o-", color="tab:blue")
    left.set_ylim(bottom=0)
    left.set_xlabel("capacity (0 = rendezvous)")
    left.set_ylabel("throughput (items/s)")
    left.set_title("throughput")
    unit, factor = time_unit(max([*producer_blocked, *consumers_blocked, 1e-9]))
    x = range(n)
    right.bar(
        [i - 0.2 for i in x],
        [v * factor for v in producer_blocked],
        0.4,
        color=LABEL_COLOURS["blocked"],
        label="producer, blocked on send",
    )
    right.bar(
        [i + 0.2 for i in x],
        [v * factor for v in consumers_blocked],
        0.4,
        color="tab:pink",
        label="workers, blocked on recv",
    )
    right.set_xticks(list(x), labels)
    right.set_xlabel("capacity (0 = rendezvous)")
    right.set_ylabel(f"time blocked ({unit}, summed)")
    right.set_title("waiting")
    right.legend(frameon=False)
    fig.suptitle(title)
    return fig


def spawn_costs(costs: dict[str, float], *, claim: tuple[str, float] | None = None) -> Figure:
    """Horizontal bars: seconds to start one worker of each kind, on a log scale.

    Introduced in lesson 03. ``claim`` adds a hatched bar for a figure quoted rather than
    measured (the article's goroutine), so the two kinds are never confused.
    """
    if not costs or any(v <= 0 for v in costs.values()):
        raise ValueError("costs must be a non-empty dict of positive seconds")
    names, values = list(costs), [costs[k] * 1e6 for k in costs]
    fig = Figure(figsize=(7.5, 0.9 + 0.5 * (len(names) + bool(claim))), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(names, values, color="tab:blue", label="measured here")
    for name, value in zip(names, values, strict=True):
        ax.text(value, name, f" {_duration(costs[name])}", va="center", fontsize=8)
    if claim is not None:
        ax.barh(
            [claim[0]],
            [claim[1] * 1e6],
            color="white",
            edgecolor="tab:gray",
            hatch="//",
            label="quoted, not measured",
        )
        ax.text(
            claim[1] * 1e6,
            claim[0],
            f" < {_duration(claim[1])} (quoted)",
            va="center",
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_xlim(right=max([*values, claim[1] * 1e6 if claim else 0]) * 8)  # room for labels
    ax.invert_yaxis()
    ax.set_xlabel("time to start one and wait for it to end (µs, log scale)")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


# --- lesson 06 -----------------------------------------------------------------------------

#: One colour per kind of worker, the same in every lesson-06 plot.
KIND_COLOURS = {"threads": "tab:blue", "processes": "tab:orange", "asyncio": "tab:green"}


def speedup_vs_workers(
    sweeps: Mapping[str, Sweep], *, title: str = "Speedup", disturbed: bool = False
) -> Figure:
    """Measured speedup against worker count for each kind of worker, beside the ideal.

    ``sweeps`` maps a kind (threads, processes, asyncio) to a ``workerlab.lab.speedup.Sweep``;
    each kind keeps its colour (:data:`KIND_COLOURS`). The dashed line is what theory
    promises (the sweep's ``ideal``). With ``disturbed`` (the machine was busy, see
    ``lab.speedup.disturbances``) the plot says so in red, at the bottom. Lesson 06.
    """
    if not sweeps:
        raise ValueError("sweeps is empty: run speedup.speedup_sweep first")
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ideal_drawn: dict[tuple[int, ...], tuple[float, ...]] = {}
    for kind, sweep in sweeps.items():
        ax.plot(
            sweep.workers,
            sweep.speedups,
            marker="o",
            color=KIND_COLOURS[kind],
            label=kind,
        )
        ideal_drawn[tuple(sweep.workers)] = tuple(sweep.ideal)
    for n, (workers, ideal) in enumerate(sorted(ideal_drawn.items(), key=lambda i: -len(i[0]))):
        ax.plot(workers, ideal, "k--", linewidth=1, label="ideal" if n == 0 else None)
    ax.set_xscale("log", base=2)
    all_workers = sorted({w for sweep in sweeps.values() for w in sweep.workers})
    ax.set_xticks(all_workers, [str(w) for w in all_workers])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("workers (threads, processes or concurrent tasks)")
    ax.set_ylabel("speedup over a plain loop (×)")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    if disturbed:
        ax.text(  # at the bottom, below every speedup a disturbed run still reaches
            0.98,
            0.03,
            "disturbed: see the notes printed above",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            color="crimson",
            fontsize=9,
        )
    ax.legend(loc="upper left", frameon=False)
    return fig


#: One colour per client run in the load plots: without a limit, and through a semaphore.
LIMIT_COLOURS = {"no limit": "tab:red", "limit": "tab:blue"}


def load_curves(
    unlimited: Sequence[LoadRun],
    limited: Sequence[LoadRun] = (),
    *,
    capacity: int | None = None,
) -> Figure:
    """Throughput, latency and refusals against client concurrency, side by side.

    ``unlimited`` and ``limited`` are ``workerlab.lab.service.LoadRun`` lists (clients calling
    freely, and through a concurrency limit), in :data:`LIMIT_COLOURS`. A dotted line marks
    the service's ``capacity``. Introduced in lesson 06.
    """
    if not unlimited:
        raise ValueError("unlimited is empty: run service.load_sweep first")
    fig = Figure(figsize=(10, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = [
        ("throughput (ok requests/s)", lambda r: r.throughput),
        ("median service latency (ms)", lambda r: r.median_latency * 1e3),
        ("refused (% of responses)", lambda r: r.refused_share * 100),
    ]
    runs = [("no limit", unlimited, LIMIT_COLOURS["no limit"])]
    if limited:
        runs.append((f"limit = {limited[0].limit}", limited, LIMIT_COLOURS["limit"]))
    for ax, (ylabel, value) in zip(axes, panels, strict=True):
        for label, results, colour in runs:
            ax.plot(
                [r.clients for r in results],
                [value(r) for r in results],
                marker="o",
                color=colour,
                label=label,
            )
        if capacity is not None:
            ax.axvline(capacity, color="gray", linestyle=":", label=f"capacity = {capacity}")
        ax.set_xscale("log", base=2)
        ticks = sorted({r.clients for _, results, _ in runs for r in results})
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("concurrent clients")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
    axes[0].legend(loc="lower right", frameon=False, fontsize=8)
    fig.suptitle("A service with limited capacity, under growing load")
    return fig


def job_size_crossover(points: Sequence[OverheadPoint], crossover: int | None = None) -> Figure:
    """Seconds per job against job size, in a plain loop and through a process pool.

    ``points`` are ``workerlab.lab.overhead.OverheadPoint``; both axes are logarithmic, the
    times always in µs. A dotted line marks ``crossover``, the size from which the pool
    wins. Introduced in lesson 06.
    """
    if not points:
        raise ValueError("points is empty: run overhead.overhead_sweep first")
    points = sorted(points, key=lambda p: p.size)
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.add_subplot()
    sizes = [p.size for p in points]
    ax.plot(
        sizes, [p.sequential * 1e6 for p in points], marker="o", color="black", label="plain loop"
    )
    ax.plot(
        sizes,
        [p.pooled * 1e6 for p in points],
        marker="o",
        color=KIND_COLOURS["processes"],
        label="process pool, one job at a time",
    )
    if crossover is not None:
        ax.axvline(crossover, color="gray", linestyle=":", label="the pool starts to win")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("job size (loop iterations)")
    ax.set_ylabel("wall time per job (µs)")
    ax.set_title("Tiny jobs: the per-job overhead decides")
    ax.legend(loc="upper left", frameon=False)
    return fig
