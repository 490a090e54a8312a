"""Lesson 09: the Python ports of the course's Go programs, and the side-by-side runs.

Each function here is the Python half of one comparison in ``go/`` and returns the same
record as the Go half (:class:`~workerlab.lab.go.GoSide`), so a cell can run both and plot
them on one set of axes:

- **the pool** (``go/pool``): the course's own pool, ``workerlab.pool.run_pool`` (threads),
  and a bare asyncio pool (one task per worker, an ``asyncio.Queue``), on the same jobs:
  sleeps of a fixed latency, the same number per worker, the same line length;
- **start cost and memory** (``go/spawn``): threads, asyncio tasks and processes, started
  and parked by ``workerlab.lab.costs`` in a fresh interpreter;
- **dispatch cost** (``go/dispatch``): no-op jobs through a ``queue.Queue`` loop,
  ``ThreadPoolExecutor``, the course's pool, and an ``asyncio.Queue`` loop;
- **cancelling** (``go/cancel``): an ``async def worker(jobs, done, results)`` (lesson 09's
  exercise) cancelled mid-run, with a bound on each stop;
- **a leak** (``go/leak``): threads counted before and after a ``serve`` that forgets to
  say "no more jobs", as the Go program counts goroutines.

asyncio runs in a loop of its own (``workerlab.lab.speedup.run_coroutine``): inside Jupyter, on a
short-lived thread, since the kernel's loop is already running.
"""

from __future__ import annotations

import asyncio
import inspect
import queue
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from workerlab import pool
from workerlab.lab.costs import KINDS
from workerlab.lab.go import (
    CANCELLING,
    DISPATCH_JOBS,
    DISPATCH_WORKERS,
    LEAK_JOBS,
    LEAK_WORKERS,
    SPAWN_COUNTS,
    SWEEP,
    Cancelling,
    Costs,
    GoSide,
    LeakRun,
    StopRun,
    Sweep,
    run_command,
    tail,
)
from workerlab.lab.jobs import sleeping_job
from workerlab.lab.speedup import run_coroutine
from workerlab.lab.throughput import SweepPoint, dispatch_cost
from workerlab.progress import progress_bar
from workerlab.validate import callable_arg, positive_int, positive_number

if TYPE_CHECKING:  # only for type hints
    from tqdm import tqdm


def thread_pool_sweep(sweep: Sweep = SWEEP, *, progress: tqdm | None = None) -> list[SweepPoint]:
    """The course's pool (``workerlab.pool.run_pool``, threads) on the sweep's jobs, the
    fastest of ``sweep.repeats`` runs per worker count.

    ``progress``: a tqdm bar to advance once per worker count (or ``None``).
    """
    job = sleeping_job(sweep.latency)
    points = []
    for workers in sweep.counts:
        jobs = workers * sweep.jobs_per_worker
        best = min(
            pool.run_pool(range(jobs), job, workers, buffer=sweep.buffer).wall_seconds
            for _ in range(sweep.repeats)
        )
        points.append(SweepPoint(workers, jobs, sweep.latency, best))
        if progress is not None:
            progress.update()
    return points


async def asyncio_worker(jobs: asyncio.Queue, results: list, latency: float) -> None:
    """One worker of the bare asyncio pool: go/pool's worker as a task. It takes jobs until
    it takes ``None`` (asyncio.Queue has no close before Python 3.13), each waiting
    ``latency`` s, and appends each job to ``results``."""
    while (job := await jobs.get()) is not None:
        await asyncio.sleep(latency)  # the job: waiting, not computing
        results.append(job)


async def _asyncio_pool(workers: int, jobs: int, buffer: int, latency: float) -> float:
    """A bare asyncio pool: ``workers`` :func:`asyncio_worker` tasks fed through an
    ``asyncio.Queue(buffer)``, one ``None`` per task at the end. Seconds from the first job
    put to the last task ended (the tasks are already waiting, as the other pools' workers
    are)."""
    line: asyncio.Queue = asyncio.Queue(buffer)
    results: list[int] = []
    async with asyncio.timeout(60 + 10 * jobs * latency / workers):
        tasks = [
            asyncio.create_task(asyncio_worker(line, results, latency)) for _ in range(workers)
        ]
        await asyncio.sleep(0)  # every task starts and waits for a job
        began = time.perf_counter()
        for job in range(jobs):
            await line.put(job)
        for _ in tasks:
            await line.put(None)
        await asyncio.gather(*tasks)
        took = time.perf_counter() - began
    if sorted(results) != list(range(jobs)):
        raise AssertionError("the asyncio pool lost or repeated a job")
    return took


def asyncio_pool_sweep(sweep: Sweep = SWEEP, *, progress: tqdm | None = None) -> list[SweepPoint]:
    """A bare asyncio pool (one :func:`asyncio_worker` task per worker) on the sweep's jobs,
    the fastest of ``sweep.repeats`` runs per worker count."""
    points = []
    for workers in sweep.counts:
        jobs = workers * sweep.jobs_per_worker
        best = min(
            run_coroutine(_asyncio_pool(workers, jobs, sweep.buffer, sweep.latency))
            for _ in range(sweep.repeats)
        )
        points.append(SweepPoint(workers, jobs, sweep.latency, best))
        if progress is not None:
            progress.update()
    return points


def compare_pools(
    side: GoSide, sweep: Sweep = SWEEP, *, progress: bool = True
) -> dict[str, list[SweepPoint]]:
    """The sweep on goroutines (``side``), threads and asyncio tasks, one after the other."""
    steps = progress_bar(
        total=1 + 2 * len(sweep.counts), desc="goroutines", enabled=progress, unit="run"
    )
    with steps:
        goroutines = side.pool(sweep)
        steps.update()
        steps.set_description("threads")
        threads = thread_pool_sweep(sweep, progress=steps)
        steps.set_description("asyncio tasks")
        tasks = asyncio_pool_sweep(sweep, progress=steps)
    return {"goroutines": goroutines, "threads": threads, "asyncio tasks": tasks}


def parked_costs(kind: str, count: int, *, timeout: float = 120.0) -> Costs:
    """Start cost and memory of ``count`` parked ``kind`` (thread, asyncio task, process),
    measured by ``workerlab.lab.costs`` in a fresh interpreter."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    positive_int("count", count)
    done = run_command(
        [sys.executable, "-m", "workerlab.lab.costs", kind, str(count)], timeout=timeout
    )
    if done.status != 0:
        raise RuntimeError(f"measuring {kind} failed:\n{tail(done.stderr)}")
    data = done.data
    return Costs(kind, data["start_seconds"], data["bytes_each"])


def compare_costs(
    side: GoSide, counts: dict[str, int] = SPAWN_COUNTS, *, progress: bool = True
) -> dict[str, Costs]:
    """Start cost and memory per goroutine (``side``), thread, asyncio task and process:
    ``counts`` says how many of each kind to start (the keys of ``SPAWN_COUNTS``)."""
    if set(counts) != set(SPAWN_COUNTS):
        raise ValueError(f"counts must give a count for each of {', '.join(SPAWN_COUNTS)}")
    costs = {}
    for kind in progress_bar(list(counts), desc="start and park", enabled=progress):
        count = counts[kind]
        costs[kind] = side.spawn(count) if kind == "goroutine" else parked_costs(kind, count)
    return costs


async def _asyncio_dispatch(jobs: int, workers: int) -> None:
    """No-op jobs through an ``asyncio.Queue`` to ``workers`` tasks, results on another."""
    line: asyncio.Queue = asyncio.Queue(2 * workers)
    results: asyncio.Queue = asyncio.Queue()

    async def worker() -> None:
        while (job := await line.get()) is not None:
            results.put_nowait(job)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    for job in range(jobs):
        await line.put(job)
    for _ in tasks:
        await line.put(None)
    await asyncio.gather(*tasks)
    if results.qsize() != jobs:
        raise AssertionError("the asyncio dispatch lost a job")


def python_dispatch(
    jobs: int = DISPATCH_JOBS["python"], workers: int = DISPATCH_WORKERS, *, repeats: int = 2
) -> dict[str, float]:
    """Seconds per no-op job: a bare ``queue.Queue`` loop, ``ThreadPoolExecutor``, the
    course's pool (``workerlab.lab.throughput.dispatch_cost``) and an ``asyncio.Queue`` loop."""
    positive_int("repeats", repeats)
    threads = dispatch_cost(jobs=jobs, workers=workers, repeats=repeats, progress=False)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        run_coroutine(_asyncio_dispatch(jobs, workers))
        best = min(best, (time.perf_counter() - began) / jobs)
    return {
        "queue.Queue loop": threads["bare queue.Queue loop"],
        "ThreadPoolExecutor": threads["ThreadPoolExecutor"],
        "workerlab.pool": threads["workerlab.pool"],
        "asyncio.Queue loop": best,
    }


#: The shape of lesson 09's exercise: ``async def worker(jobs, done, results)``.
AsyncWorker = Callable[[asyncio.Queue, asyncio.Event, list], Coroutine[Any, Any, None]]


async def _stop_once(
    worker: AsyncWorker, settings: Cancelling, bound: float
) -> tuple[float | None, int]:
    """One cancelled run of ``settings.workers`` copies of ``worker``: a producer puts a job
    every ``interval`` s; after ``after`` s, ``done`` is set. Returns seconds until every
    worker had returned (``None`` if some had not within ``bound`` s: those are cancelled,
    as asyncio can) and the jobs handled."""
    jobs: asyncio.Queue = asyncio.Queue()
    done = asyncio.Event()
    results: list[int] = []

    async def produce() -> None:
        n = 0
        while not done.is_set():
            await asyncio.sleep(settings.interval)
            jobs.put_nowait(n)
            n += 1

    workers = [asyncio.create_task(worker(jobs, done, results)) for _ in range(settings.workers)]
    producer = asyncio.create_task(produce())
    await asyncio.sleep(settings.after)
    began = time.perf_counter()
    done.set()
    _, late = await asyncio.wait(workers, timeout=bound)
    stopped = None if late else time.perf_counter() - began
    for task in (*late, producer):
        task.cancel()
    await asyncio.wait([*late, producer], timeout=bound)
    failed = [t.exception() for t in workers if t.done() and not t.cancelled() and t.exception()]
    if failed:
        raise failed[0]  # the worker's own error
    return stopped, len(results)


def asyncio_stop_latency(
    worker: AsyncWorker, settings: Cancelling = CANCELLING, *, bound: float = 1.0
) -> StopRun:
    """Python's side of ``go/cancel``: ``worker`` (``async def worker(jobs, done, results)``,
    lesson 09's exercise) cancelled mid-run, ``settings.repeats`` times; a bound of ``bound``
    seconds on each stop, so a worker that never hears ``done`` costs a second, not a hang."""
    callable_arg("worker", worker)
    if not inspect.iscoroutinefunction(worker):
        raise TypeError("worker must be an `async def` function")
    positive_number("bound", bound)
    runs = [run_coroutine(_stop_once(worker, settings, bound)) for _ in range(settings.repeats)]
    return StopRun(tuple(s for s, _ in runs), tuple(n for _, n in runs))


def thread_leak(workers: int = LEAK_WORKERS, jobs: int = LEAK_JOBS, *, fixed: bool) -> LeakRun:
    """Python's side of ``go/leak``: threads alive before and after a ``serve`` whose workers
    wait on a ``queue.Queue``; unless ``fixed``, it returns without telling them "no more
    jobs" (``pool.STOP``, Python 3.11's close). The leaked threads are counted, then
    released, since a lesson must not keep them."""
    positive_int("workers", workers)
    positive_int("jobs", jobs)
    line: queue.Queue = queue.Queue()
    served = threading.Semaphore(0)

    def work() -> None:
        while line.get() is not pool.STOP:
            served.release()

    before = _settled_thread_count()
    threads = [threading.Thread(target=work, name=f"leaky-{n}") for n in range(workers)]
    try:
        for thread in threads:
            thread.start()
        for job in range(jobs):
            line.put(job)
        for _ in range(jobs):  # every job is done: serve's caller has what it wanted
            if not served.acquire(timeout=10):
                raise RuntimeError("a job was not served within 10 s")
        if fixed:
            for _ in threads:
                line.put(pool.STOP)  # the fix: no more jobs, so every worker returns...
            for thread in threads:
                thread.join(timeout=10)  # ...and serve returns only once they all have
        after = _settled_thread_count()
    finally:  # end the leak, now that it has been counted (or something failed)
        for _ in threads:
            line.put(pool.STOP)
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=10)
    return LeakRun(before, after)


def _settled_thread_count() -> int:
    """``threading.active_count()`` once threads that are finishing have finished: it waits
    until the count stops changing (at most a second), as ``go/leak`` does for goroutines."""
    count = threading.active_count()
    for _ in range(100):
        time.sleep(0.01)
        now = threading.active_count()
        if now == count:
            return now
        count = now
    return count
