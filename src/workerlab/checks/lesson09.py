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
#: How soon a worker that waits for done (not polls) returns once it is set (seconds).
PROMPT = 0.1


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
    heard = asyncio.get_running_loop().time()
    problem = await _finish(task, BOUND)
    late = asyncio.get_running_loop().time() - heard
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
    if late > PROMPT:
        return CheckResult(
            False,
            f"your worker returned {late * 1e3:.0f} ms after done was set: it looks at done "
            "now and then (polling), so it hears it late. Wait for a job and for done at "
            "once, as Go's select does, and it wakes as soon as done is set.",
        )
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


class _WatchedQueue(asyncio.Queue):
    """An ``asyncio.Queue`` that counts how often a worker looks at it."""

    looks = 0

    def get_nowait(self) -> Any:  # get() takes its item through get_nowait() too
        self.looks += 1
        return super().get_nowait()

    def empty(self) -> bool:
        self.looks += 1
        return super().empty()

    def qsize(self) -> int:
        self.looks += 1
        return super().qsize()


async def _waits_without_polling(worker: Callable[..., Any]) -> CheckResult | None:
    """No job for 0.5 s: a worker that waits looks at the queue once, one that polls
    (``wait_for(jobs.get(), 0.1)``, ``get_nowait`` in a loop) again and again."""
    jobs, done = _WatchedQueue(), asyncio.Event()
    task = asyncio.create_task(worker(jobs, done, []))
    await asyncio.sleep(0.5)
    looks = jobs.looks
    done.set()
    await _finish(task, BOUND)
    if looks > 2:
        return CheckResult(
            False,
            f"with no job for 0.5 s your worker looked at the queue {looks} times: that is "
            "polling, which costs CPU and hears done late (lesson 04). Wait for a job and "
            "for done at once, once: asyncio.wait({get, stop}, return_when=FIRST_COMPLETED).",
        )
    return await _leftovers("after waiting for 0.5 s")


async def _job_and_done_together(worker: Callable[..., Any]) -> CheckResult | None:
    """Job 5 and ``done`` arrive at the same moment, while the worker waits: the job must
    not vanish. Either the worker handles it, or it is still on the queue."""
    jobs: asyncio.Queue = asyncio.Queue()
    done = asyncio.Event()
    results: list = []
    task = asyncio.create_task(worker(jobs, done, results))
    await asyncio.sleep(0.02)
    jobs.put_nowait(5)
    done.set()
    problem = await _finish(task, BOUND)
    if problem is not None:
        return CheckResult(False, f"when a job and done came together, {problem}")
    if results != [10] and jobs.qsize() != 1:
        return CheckResult(
            False,
            "job 5 and done came at the same moment, and job 5 vanished: your `get` had "
            "already taken it when your worker returned. When both finished, the get's job "
            "is yours: handle it (Go's select picks one case; the job is never lost).",
        )
    return await _leftovers("when a job and done came together")


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
    cases = (_drains, _hears_done_while_waiting, _waits_without_polling, _job_and_done_together)
    for case in (*cases, _many_workers):
        verdict = run_coroutine(case(worker))
        if verdict is not None:
            return verdict
    return CheckResult(
        True,
        "right: your worker waits for a job and for done at once, stops at None or done, "
        "and leaves nothing behind, as Go's select loop does.",
    )
