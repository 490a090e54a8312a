"""Interactive explorers: thin ipywidgets shells around plain, tested functions.

Each explorer's logic lives in its lesson's module (so tests can call it); here it only
gets sliders, a Run button and an output area. Introduced in lesson 01.
"""

from __future__ import annotations

import ipywidgets as w
from IPython.display import display

from workerlab import blocking, jobqueue, plots, pool
from workerlab.validate import positive_int


def latency_explorer(history: int = 4) -> w.VBox:
    """Lesson 01: drag the storage latencies and the file count, press Run, compare runs.

    The plot keeps the last ``history`` runs on one axis, so a slower run shows as a
    longer bar beside the earlier ones.
    """
    positive_int("history", history)
    read = w.FloatSlider(value=2, min=0.5, max=8, step=0.5, description="read (ms)")
    write = w.FloatSlider(value=2, min=0.5, max=8, step=0.5, description="write (ms)")
    count = w.IntSlider(value=100, min=10, max=300, step=10, description="files")
    run = w.Button(description="Run the loop", button_style="primary", icon="play")
    summary_line = w.Label()
    output = w.Output()
    runs: dict[str, tuple[dict[str, float], float]] = {}

    def on_run(_button: w.Button | None = None) -> None:
        run.disabled, run.description = True, "running…"
        try:
            report, summary = blocking.latency_run(count.value, read.value, write.value)
            name = f"{count.value} files, {read.value:g}/{write.value:g} ms"
            runs.pop(name, None)
            runs[name] = (report.step_totals(), report.cpu_seconds)
            while len(runs) > history:
                runs.pop(next(iter(runs)))
            summary_line.value = summary
            with output:
                output.clear_output(wait=True)
                display(plots.wall_vs_cpu(runs, title="Your runs (newest at the bottom)"))
        finally:
            run.disabled, run.description = False, "Run the loop"

    run.on_click(on_run)
    on_run()  # show a first run straight away
    return w.VBox([w.HBox([read, write, count]), run, summary_line, output])


def pool_explorer() -> w.VBox:
    """Lesson 02: hire baristas, lengthen the line, slow the espresso machine; see the timeline.

    The callback is :func:`workerlab.pool.explore`; this only adds sliders, a button, a
    summary line (throughput against the ideal) and the timeline of the last run.
    """
    style = {"description_width": "initial"}
    workers = w.IntSlider(value=4, min=1, max=32, description="baristas (workers)", style=style)
    buffer = w.IntSlider(value=8, min=1, max=64, description="line length (buffer)", style=style)
    latency = w.FloatSlider(
        value=20, min=1, max=100, step=1, description="time per order (ms)", style=style
    )
    jobs = w.IntSlider(value=24, min=1, max=200, description="orders (jobs)", style=style)
    run = w.Button(description="Open the shop", button_style="primary", icon="play")
    summary_line = w.Label()
    output = w.Output()

    def on_run(_button: w.Button | None = None) -> None:
        run.disabled, run.description = True, "serving…"
        try:
            result, summary = pool.explore(workers.value, buffer.value, latency.value, jobs.value)
            summary_line.value = summary
            with output:
                output.clear_output(wait=True)
                display(
                    plots.timeline(
                        result.spans(),
                        title="Who made which order, and when",
                        row_title="barista",
                    )
                )
        finally:
            run.disabled, run.description = False, "Open the shop"

    run.on_click(on_run)
    on_run()  # show a first run straight away
    return w.VBox([w.HBox([workers, buffer]), w.HBox([latency, jobs]), run, summary_line, output])


def crash_explorer() -> w.VBox:
    """Lesson 07: choose workers, lease and where to SIGKILL a worker; run; read the tally.

    Each run starts real worker processes on a fresh SQLite queue (about 2–4 s), kills one
    worker where you chose, lets a replacement finish, and draws every attempt.
    """
    workers = w.IntSlider(value=2, min=1, max=4, description="workers")
    lease = w.FloatSlider(value=0.5, min=0.3, max=2.0, step=0.1, description="lease (s)")
    kill = w.ToggleButtons(options=jobqueue.KILLS, value=jobqueue.KILLS[2], description="kill")
    run = w.Button(description="Run 12 jobs", button_style="primary", icon="play")
    summary_line = w.Label("Press Run: real processes start, one may be killed.")
    output = w.Output()

    def on_run(_button: w.Button | None = None) -> None:
        run.disabled, run.description = True, "running…"
        try:
            spans, result = jobqueue.crash_run(workers.value, lease.value, kill.value)
            summary_line.value = str(result)
            with output:
                output.clear_output(wait=True)
                display(plots.timeline(spans, title=f"kill: {kill.value}, lease {lease.value:g} s"))
        finally:
            run.disabled, run.description = False, "Run 12 jobs"

    run.on_click(on_run)
    return w.VBox([w.HBox([workers, lease]), kill, run, summary_line, output])
