"""Lesson 06's core: the same batch on threads, processes and asyncio (behaviour, never speed)."""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import threading
from pathlib import Path

import nbformat
import pytest

from workerlab import kinds

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "06_when_to_use_workers.ipynb"


def test_jobs_do_what_they_say():
    assert kinds.cpu_job(10) == sum(i * i % 7 for i in range(10))
    assert kinds.io_job(0.001) == 0.001
    assert asyncio.run(kinds.async_io_job(0.001)) == 0.001
    assert asyncio.run(kinds.async_cpu_job(10)) == kinds.cpu_job(10)


def test_the_three_tools_give_the_same_results_in_order():
    batch = [3_000, 10, 500, 20_000]
    want = [kinds.cpu_job(n) for n in batch]
    assert kinds.run_threads(kinds.cpu_job, batch, 2) == want
    assert kinds.run_processes(kinds.cpu_job, batch, 2) == want
    assert asyncio.run(kinds.run_asyncio(kinds.async_cpu_job, batch, 2)) == want
    assert multiprocessing.active_children() == []


def test_run_asyncio_keeps_at_most_workers_jobs_running():
    running, most = 0, 0

    async def job(arg: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.002)
        running -= 1
        return arg

    assert asyncio.run(kinds.run_asyncio(job, range(12), 3)) == list(range(12))
    assert most == 3


def test_run_threads_uses_several_threads():
    seen: set[str] = set()
    barrier = threading.Barrier(2, timeout=5)

    def job(arg: int) -> int:
        seen.add(threading.current_thread().name)
        barrier.wait()  # only passes if two jobs run at the same time
        return arg

    assert kinds.run_threads(job, [1, 2], 2) == [1, 2]
    assert len(seen) == 2


@pytest.mark.parametrize("run", [kinds.run_threads, kinds.run_processes])
def test_bad_arguments_are_refused_before_anything_starts(run):
    with pytest.raises(ValueError, match="workers"):
        run(kinds.cpu_job, [1], 0)
    with pytest.raises(TypeError, match="job"):
        run(42, [1], 1)


def test_run_asyncio_refuses_zero_workers_instead_of_waiting_forever():
    with pytest.raises(ValueError, match="workers"):
        asyncio.run(kinds.run_asyncio(kinds.async_io_job, [0.001], 0))


def test_a_job_from_a_module_pickles_as_a_reference():
    assert pickle.loads(pickle.dumps(kinds.cpu_job)) is kinds.cpu_job
    assert b"workerlab.kinds" in pickle.dumps(kinds.cpu_job)


def test_the_start_method_is_one_that_is_safe_in_a_threaded_kernel():
    assert kinds.START_METHOD in ("forkserver", "spawn")
    assert kinds.START_METHOD in multiprocessing.get_all_start_methods()


def test_the_lesson_says_which_start_method_it_uses_and_never_the_other_alone():
    """Issue 12: the text spoke of spawn while the lesson printed forkserver."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    printed = [
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code" and "START_METHOD" in cell.source
        for output in cell.outputs
    ]
    assert any(f"start method: {kinds.START_METHOD}" in text for text in printed), printed
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            named = {m for m in ("spawn", "forkserver") if f"`{m}`" in cell.source}
            assert named != {"spawn"} and named != {"forkserver"}, (
                f"cell {index} names one start method alone: say which the lesson uses"
            )
