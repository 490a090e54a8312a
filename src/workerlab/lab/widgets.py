"""Interactive explorers: thin ipywidgets shells around plain, tested functions.

Each explorer's logic lives in its lesson's module (so tests can call it); here it only
gets sliders, a Run button and an output area. Introduced in lesson 01.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
from IPython.display import display
from matplotlib.figure import Figure

from workerlab.lab import crash, loop, plots, throughput
from workerlab.lab.tracing import in_hiring_order
from workerlab.validate import positive_int


def _explorer(
    rows: list[w.Widget],
    compute: Callable[[], tuple[str, Figure]],
    *,
    label: str,
    busy_label: str,
    first_summary: str = "",
    run_now: bool = True,
) -> w.VBox:
    """The shell every explorer shares: control rows, a Run button, a summary line, a plot.

    ``compute`` reads the controls, runs the experiment and returns ``(summary, figure)``.
    While it runs the button is disabled; if it raises, the summary line says what went
    wrong (a button callback's exception would otherwise only reach the browser console).
    """
    run = w.Button(description=label, button_style="primary", icon="play")
    summary_line = w.Label(first_summary)
    output = w.Output()

    def on_run(_button: w.Button | None = None) -> None:
        run.disabled, run.description = True, busy_label
        try:
            summary, figure = compute()
        except Exception as error:  # show any failure to the learner, then keep the widget alive
            summary_line.value = f"⚠ the run failed: {type(error).__name__}: {error}"
        else:
            summary_line.value = summary
            with output:
                output.clear_output(wait=True)
                display(figure)
        finally:
            run.disabled, run.description = False, label

    run.on_click(on_run)
    if run_now:
        on_run()  # show a first run straight away
    return w.VBox([*rows, run, summary_line, output])


def latency_explorer(history: int = 4) -> w.VBox:
    """Lesson 01: drag the storage latencies and the file count, press Run, compare runs.

    The callback is :func:`workerlab.lab.loop.latency_run`. The plot keeps the last
    ``history`` runs on one axis, in seconds, so a slower run shows as a longer bar beside
    the earlier ones. One slider per row, wide enough that every value can be picked.
    """
    positive_int("history", history)
    wide = {"layout": w.Layout(width="560px"), "style": {"description_width": "120px"}}
    ms = {"readout_format": ".1f", **wide}
    read = w.FloatSlider(value=2, min=0.5, max=8, step=0.5, description="read (ms)", **ms)
    write = w.FloatSlider(value=2, min=0.5, max=8, step=0.5, description="write (ms)", **ms)
    count = w.IntSlider(value=100, min=10, max=300, step=10, description="files", **wide)
    runs: dict[str, tuple[dict[str, float], float]] = {}

    def compute() -> tuple[str, Figure]:
        run, summary = loop.latency_run(count.value, read.value, write.value)
        name = f"{count.value} files, {read.value:g}/{write.value:g} ms"
        runs.pop(name, None)
        runs[name] = (run.step_totals(), run.cpu_seconds)
        while len(runs) > history:
            runs.pop(next(iter(runs)))
        return summary, plots.wall_vs_cpu(runs, title="Your runs (newest at the bottom)")

    return _explorer(
        [w.VBox([read, write, count])], compute, label="Run the loop", busy_label="running…"
    )


def pool_explorer() -> w.VBox:
    """Lesson 02: hire baristas, lengthen the line, slow the espresso machine; see the timeline.

    The callback is :func:`workerlab.lab.throughput.explore`; this only adds sliders, a
    button, a summary line (throughput against the ideal) and the timeline of the last run.
    One slider per row, wide enough that every value can be picked.
    """
    wide = {"layout": w.Layout(width="700px"), "style": {"description_width": "180px"}}
    workers = w.IntSlider(value=4, min=1, max=32, description="baristas (workers)", **wide)
    buffer = w.IntSlider(value=8, min=1, max=40, description="line length (buffer)", **wide)
    latency = w.IntSlider(
        value=20, min=5, max=100, step=5, description="time per order (ms)", **wide
    )
    jobs = w.IntSlider(value=24, min=4, max=160, step=4, description="orders (jobs)", **wide)

    def compute() -> tuple[str, Figure]:
        _, trace, summary = throughput.explore(
            workers.value, buffer.value, latency.value, jobs.value
        )
        figure = plots.timeline(
            in_hiring_order(trace.spans("job")),
            title="Who made which order, and when",
            row_title="barista",
        )
        return summary, figure

    return _explorer(
        [w.VBox([workers, buffer, latency, jobs])],
        compute,
        label="Open the shop",
        busy_label="serving…",
    )


def crash_explorer() -> w.VBox:
    """Lesson 07: choose workers, lease and where to SIGKILL a worker; run; read the tally.

    Each run starts real worker processes on a fresh SQLite queue (about 2–4 s), kills one
    worker where you chose, lets a replacement finish, and draws every attempt. Runs are
    drawn alike so that they can be compared: one colour per outcome, the time axis always
    in seconds, and a kill just after a claim still a visible sliver. The callback is
    :func:`workerlab.lab.crash.crash_run`.
    """
    style = {"description_width": "70px"}  # and 360 px in all: ≥ 12 px for each lease value
    workers = w.IntSlider(
        value=2, min=1, max=4, description="workers", style=style, layout=w.Layout(width="360px")
    )
    lease = w.FloatSlider(
        value=0.5,
        min=0.3,
        max=2.0,
        step=0.1,
        description="lease (s)",
        style=style,
        layout=w.Layout(width="360px"),
    )
    kill = w.ToggleButtons(options=crash.KILLS, value=crash.KILLS[2], description="kill")

    def compute() -> tuple[str, Figure]:
        run = crash.crash_run(workers.value, lease.value, kill.value)
        killed = f"{', '.join(run.killed)} killed" if run.killed else "no kill"
        title = f"{run.tally.enqueued} jobs, {workers.value} workers, lease {lease.value:g} s"
        figure = plots.timeline(
            run.spans, title=f"{title} ({killed}); bars: attempts", unit="s", min_width=0.01
        )
        return str(run.tally), figure

    return _explorer(
        [w.HBox([workers, lease]), kill],
        compute,
        label="Run 12 jobs",
        busy_label="running…",
        first_summary="Press Run: real processes start, one may be killed.",
        run_now=False,
    )
