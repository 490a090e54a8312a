"""Interactive explorers: thin ipywidgets shells around plain, tested functions.

Each explorer's logic lives in its lesson's module (so tests can call it); here it only
gets sliders, a Run button and an output area. Introduced in lesson 01.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import ipywidgets as w
from IPython.display import display

from workerlab import blocking, plots, pool


def latency_explorer(files: Sequence[Path], out_folder: Path) -> w.VBox:
    """Lesson 01: drag the storage latencies and file count, press Run, see wall vs CPU time."""
    read = w.FloatSlider(value=2, min=0.5, max=10, step=0.5, description="read (ms)")
    write = w.FloatSlider(value=2, min=0.5, max=10, step=0.5, description="write (ms)")
    count = w.IntSlider(value=100, min=10, max=len(files), step=10, description="files")
    run = w.Button(description="Run the loop", button_style="primary", icon="play")
    output = w.Output()

    def on_run(_button: w.Button | None = None) -> None:
        run.disabled = True
        try:
            report, summary = blocking.latency_run(
                files[: count.value], out_folder, read.value, write.value
            )
            with output:
                output.clear_output(wait=True)
                print(summary)
                display(plots.wall_vs_cpu(report.step_totals(), report.cpu_seconds))
        finally:
            run.disabled = False

    run.on_click(on_run)
    on_run()  # show a first run straight away
    return w.VBox([w.HBox([read, write, count]), run, output])


def pool_explorer() -> w.VBox:
    """Lesson 02: hire baristas, lengthen the line, slow the espresso machine; see the timeline.

    The callback is :func:`workerlab.pool.explore`; this only adds sliders, a button and
    an output area, and draws the timeline of the run.
    """
    style = {"description_width": "initial"}
    workers = w.IntSlider(value=4, min=1, max=32, description="baristas (workers)", style=style)
    buffer = w.IntSlider(value=8, min=1, max=64, description="line length (buffer)", style=style)
    latency = w.FloatSlider(
        value=20, min=1, max=100, step=1, description="time per order (ms)", style=style
    )
    jobs = w.IntSlider(value=24, min=1, max=200, description="orders (jobs)", style=style)
    run = w.Button(description="Open the shop", button_style="primary", icon="play")
    output = w.Output()

    def on_run(_button: w.Button | None = None) -> None:
        run.disabled = True
        try:
            result, summary = pool.explore(workers.value, buffer.value, latency.value, jobs.value)
            assert result.trace is not None
            with output:
                output.clear_output(wait=True)
                print(summary)
                display(
                    plots.timeline(
                        result.trace.spans(),
                        title="Who made which order, and when",
                        row_title="barista",
                    )
                )
        finally:
            run.disabled = False

    run.on_click(on_run)
    on_run()  # show a first run straight away
    return w.VBox([w.HBox([workers, buffer]), w.HBox([latency, jobs]), run, output])
