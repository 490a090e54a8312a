"""Lesson 09's self-check: Go's context-aware worker, ported to asyncio.

The learner writes ``async def worker(jobs, done, results)``: take jobs (numbers) from the
``asyncio.Queue`` ``jobs`` and append ``job * 2`` to the list ``results``; return when it
takes ``None`` (Go's closed channel) or as soon as the ``asyncio.Event`` ``done`` is set
(Go's ``ctx.Done()``), even while it is waiting for a job. That last part is Go's
``select``: the worker must wait for a job *and* for ``done`` at once.

Every case runs on an event loop of its own with a bound, so a wrong answer costs a
fraction of a second, never a hang: a worker that does not return in time is cancelled
(asyncio can cancel a task from outside, as no one can a thread). Tests in
``tests/test_go.py`` prove the check rejects the plausible wrong answers.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from workerlab.lab.speedup import run_coroutine
from workerlab.records import CheckResult

#: How long a worker may take to return once it should (seconds).
BOUND = 0.5


async def _finish(task: asyncio.Task, bound: float) -> str | None:
    """Wait up to ``bound`` s for ``task``; ``None`` if it returned, else what went wrong
    ("timeout", or the error it raised, as text). A late task is cancelled."""
    done, _ = await asyncio.wait({task}, timeout=bound)
    if not done:
        task.cancel()
        await asyncio.wait({task}, timeout=bound)
        return "timeout"
    if task.cancelled():
        return "it was cancelled"
    error = task.exception()
    return None if error is None else f"it raised {error!r}"


async def _others() -> set[asyncio.Task]:
    """Tasks still pending on this loop besides the current one, after two passes of the
    loop (so that tasks cancelled a moment ago have ended)."""
    await asyncio.sleep(0.01)
    await asyncio.sleep(0)
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()}


async def _leftovers(when: str) -> CheckResult | None:
    """A verdict if a task the worker started is still pending after it returned."""
    left = await _others()
    if not left:
        return None
    names = ", ".join(sorted(getattr(t.get_coro(), "__qualname__", "?") for t in left))
    return CheckResult(
        False,
        f"{when}, your worker returned but left a task running ({names}): a task you start, "
        "cancel before you return (try/finally), or it leaks, like a goroutine.",
    )


async def _drains(worker: Callable[..., Any]) -> CheckResult | None:
    """Jobs 1, 2, 3 then None, and ``done`` never set: [2, 4, 6], and it returns."""
    jobs: asyncio.Queue = asyncio.Queue()
    for job in (1, 2, 3, None):
        jobs.put_nowait(job)
    results: list = []
    problem = await _finish(asyncio.create_task(worker(jobs, asyncio.Event(), results)), BOUND)
    if problem == "timeout":
        return CheckResult(
            False,
            "with jobs 1, 2, 3 and then None, your worker did not return: when it takes "
            "None (Go's closed channel) it must return.",
        )
    if problem is not None:
        return CheckResult(False, f"with jobs 1, 2, 3 and then None, {problem}")
    if results != [2, 4, 6]:
        return CheckResult(
            False, f"with jobs 1, 2, 3 and then None, results is {results!r}; want [2, 4, 6]."
        )
    return await _leftovers("after jobs 1, 2, 3 and then None")


async def _hears_done_while_waiting(worker: Callable[..., Any]) -> CheckResult | None:
    """No job ever comes; ``done`` is set after 50 ms: it must return within the bound,
    leaving no task behind and no ``get`` that would take a later job."""
    jobs: asyncio.Queue = asyncio.Queue()
    done = asyncio.Event()
    results: list = []
    task = asyncio.create_task(worker(jobs, done, results))
    await asyncio.sleep(0.05)
    if task.done():
        return CheckResult(
            False,
            f"with no job and done not set, your worker returned at once "
            f"({await _finish(task, BOUND) or 'without an error'}): it must wait for a job.",
        )
    done.set()
    problem = await _finish(task, BOUND)
    if problem == "timeout":
        return CheckResult(
            False,
            f"done was set while your worker waited for a job, and it had not returned "
            f"{BOUND} s later. Waiting in `await jobs.get()` alone, it cannot hear done: wait "
            "for a job and for done at once (asyncio.wait with FIRST_COMPLETED), as Go's "
            "select does.",
        )
    if problem is not None:
        return CheckResult(False, f"when done was set while it waited for a job, {problem}")
    await _others()  # let a get() left behind, if any, run once
    jobs.put_nowait(7)
    await asyncio.sleep(0.01)
    if jobs.empty():
        return CheckResult(
            False,
            "after your worker returned, a job put on the queue was taken by nobody's "
            "worker: a `jobs.get()` you started is still waiting and swallows it. Cancel it "
            "before returning.",
        )
    return await _leftovers("when done was set")


async def _many_workers(worker: Callable[..., Any]) -> CheckResult | None:
    """Four workers share 40 jobs and four Nones: every job done once, every worker back."""
    jobs: asyncio.Queue = asyncio.Queue()
    for job in [*range(40), None, None, None, None]:
        jobs.put_nowait(job)
    results: list = []
    done = asyncio.Event()
    tasks = [asyncio.create_task(worker(jobs, done, results)) for _ in range(4)]
    problems = [await _finish(t, BOUND) for t in tasks]
    if any(problems):
        return CheckResult(
            False, f"four workers on 40 jobs and four Nones: {next(p for p in problems if p)}"
        )
    if sorted(results) != [2 * n for n in range(40)]:
        return CheckResult(
            False, f"four workers on jobs 0..39 gave {len(results)} results, not each 2 * job once."
        )
    return await _leftovers("with four workers")


def check_async_worker(worker: Any) -> CheckResult:
    """Lesson 09's exercise: ``async def worker(jobs, done, results)``, Go's select in asyncio."""
    if not callable(worker):
        return CheckResult(False, f"pass your function itself, not {type(worker).__name__}")
    if not inspect.iscoroutinefunction(worker):
        return CheckResult(False, "write it with `async def`: it awaits the queue and the event.")
    try:
        run_coroutine(asyncio.wait_for(worker(asyncio.Queue(), asyncio.Event(), []), 0.05))
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except Exception:  # a timeout, or an error: the cases below explain what is wrong
        pass
    for case in (_drains, _hears_done_while_waiting, _many_workers):
        verdict = run_coroutine(case(worker))
        if verdict is not None:
            return verdict
    return CheckResult(
        True,
        "right: your worker waits for a job and for done at once, stops at None or done, "
        "and leaves nothing behind, as Go's select loop does.",
    )
