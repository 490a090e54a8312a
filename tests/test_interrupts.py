"""Every long demo survives Kernel → Interrupt, as a class presses it (issue 12).

A learner who interrupts a demo that takes seconds, runs it again and goes on must reach a
clean end: the interrupt reaches the kernel the way JupyterLab sends it (to the kernel's
whole process group, so worker processes hear it too), the demo stops within its bounds
and shows one ``KeyboardInterrupt`` (no worker's traceback besides), and
``lesson.finish()`` finds no thread, process or folder left behind.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"

#: (notebook, how its longest demo cell begins, seconds into that cell to interrupt it).
LONG_DEMOS = [
    ("01_blocking_loop", "run = blocking.run_sequential(", 0.7),
    ("02_minimal_pool", "from workerlab.lab import throughput", 0.6),
    ("04_context_and_errors", "from tqdm.auto import tqdm\n\nintervals", 1.5),
    ("06_when_to_use_workers", 'io_work = speedup.Workload("io"', 1.0),
    ("07_job_queue_libraries", "result = None  # the tally", 1.5),
    ("07_job_queue_libraries", "from distributed import as_completed", 1.5),
    ("08_capstone", "from workerlab.lab.corpus import speedup_sweep", 2.0),
    ("09_go_beside_python", "pools = ports.compare_pools(", 3.0),
]


def _errors(cell: nbformat.NotebookNode) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


def _streams(cell: nbformat.NotebookNode) -> list[str]:
    return [o.text for o in cell.outputs if o.output_type == "stream"]


def _interrupt_after(client: NotebookClient, seconds: float) -> threading.Timer:
    """Kernel → Interrupt in ``seconds``, through the kernel manager as JupyterLab does it."""
    timer = threading.Timer(seconds, lambda: asyncio.run(client.km.interrupt_kernel()))
    timer.start()
    return timer


def _code_cells(path: Path) -> tuple[nbformat.NotebookNode, list[int]]:
    notebook = nbformat.read(path, as_version=4)
    return notebook, [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]


def _demo_index(notebook: nbformat.NotebookNode, code: list[int], begins: str) -> int:
    found = [i for i in code if notebook.cells[i].source.startswith(begins)]
    assert len(found) == 1, f"{len(found)} cells begin with {begins!r}"
    return found[0]


@pytest.mark.rerun
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("stem", "begins", "after"), LONG_DEMOS, ids=[f"{s}-{b[:12]}" for s, b, _ in LONG_DEMOS]
)
def test_an_interrupted_demo_runs_again_and_the_lesson_ends_clean(stem, begins, after):
    notebook, code = _code_cells(NOTEBOOKS / f"{stem}.ipynb")
    demo = _demo_index(notebook, code, begins)
    client = NotebookClient(notebook, kernel_name="python3", timeout=180, allow_errors=True)
    problems = []
    with client.setup_kernel():
        for index in code:
            cell = notebook.cells[index]
            if index == demo:
                timer = _interrupt_after(client, after)
                client.execute_cell(cell, index)
                timer.join()
                assert "KeyboardInterrupt" in str(_errors(cell)), (
                    f"cell {index} was not interrupted (it ended in under {after} s?)"
                )
                problems += [
                    f"cell {index}, interrupted, also shows a traceback: {text[:300]}"
                    for text in _streams(cell)
                    if "Traceback" in text
                ]
                cell.outputs = []
            client.execute_cell(cell, index)
            problems += [f"cell {index}: {error}" for error in _errors(cell)]
    assert not problems, "\n".join(problems)


#: (notebook, how a long demo begins, seconds in): interrupted and *not* run again.
UNFINISHED = [
    ("06_when_to_use_workers", "cpu_sweeps = None", 1.0),
    ("07_job_queue_libraries", "result = None  # the tally", 1.5),
    ("08_capstone", "from workerlab.lab.corpus import speedup_sweep", 2.0),
]


@pytest.mark.rerun
@pytest.mark.timeout(240)
@pytest.mark.parametrize(("stem", "begins", "after"), UNFINISHED, ids=[s for s, _, _ in UNFINISHED])
def test_the_cell_after_an_interrupted_demo_says_it_did_not_finish(stem, begins, after):
    """Never a verdict or a plot from the previous run's figures, and nothing left behind."""
    notebook, code = _code_cells(NOTEBOOKS / f"{stem}.ipynb")
    demo = _demo_index(notebook, code, begins)
    client = NotebookClient(notebook, kernel_name="python3", timeout=120, allow_errors=True)
    with client.setup_kernel():
        for index in code[: code.index(demo) + 2]:
            cell = notebook.cells[index]
            if index == demo:  # run it whole once: the figures a stale cell would reuse
                client.execute_cell(cell, index)
                assert _errors(cell) == []
            timer = _interrupt_after(client, after) if index == demo else None
            client.execute_cell(cell, index)
            if timer:
                timer.join()
                assert "KeyboardInterrupt" in str(_errors(cell))
        finish = notebook.cells[code[-1]]
        client.execute_cell(finish, code[-1])
    after_demo = notebook.cells[code[code.index(demo) + 1]]
    assert _errors(after_demo) == [
        "AssertionError: the demo above did not finish (interrupted?): run it again"
    ]
    assert _errors(finish) == [], "an interrupted demo leaves nothing behind"
