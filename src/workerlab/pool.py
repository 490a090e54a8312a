"""Lesson 02: a worker pool; lesson 04 gives it a context that stops it.

The coffee shop: ``workers`` baristas (threads) take orders (jobs) from a bounded line (a
lesson-03 :class:`~workerlab.channel.Channel` of ``buffer`` places) and put drinks (results)
on the counter (a ``queue.SimpleQueue``, which never makes a barista wait). The producer,
the thread that calls :func:`run_pool`, feeds the line and then *closes* it: Go's way of
saying "no more jobs", and Python 3.13's ``Queue.shutdown()``. A barista goes home when the
line is closed and empty, or the moment the context ends (lesson 04), even while it waits
for an order: it waits for whichever comes first, with ``select``.

A job that raises does not kill its barista: the error comes back in ``Result.error``, as Go
returns errors as values. No trace calls here: a lesson that wants a timeline wraps ``work``
(:func:`workerlab.lab.tracing.traced`). ``STOP`` is the sentinel for pools built by hand on
``queue.Queue``, which has no close before Python 3.13: one per worker, after the last job.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workerlab.channel import Channel
from workerlab.context import Context, background, check_context, with_timeout
from workerlab.errors import ContextError
from workerlab.selecting import recv, select, send
from workerlab.validate import callable_arg, positive_int, positive_number


class _Stop:
    def __repr__(self) -> str:
        return "STOP"


#: The sentinel for a pool built by hand on ``queue.Queue``: a worker that takes it stops.
STOP: Any = _Stop()


def worker(ctx: Context, jobs: Channel[Any], results: queue.SimpleQueue, work: Callable) -> None:
    """One barista: take the next job, do it, put the result on the counter, and again.

    Stops when ``jobs`` is closed and empty (``ok`` is false), or when ``ctx`` ends: the
    select waits for whichever comes first, so a barista waiting for an order still hears
    the cancel at once. (If both are ready, select picks at random: hence the last look.)
    """
    name = threading.current_thread().name
    while True:
        case, item, ok = select(recv(jobs), recv(ctx.done()))
        if case == 1 or not ok or ctx.err() is not None:  # ended, or closed and empty
            return
        index, job = item
        try:
            results.put(Result(index, job, work(job), None, name))
        except Exception as error:  # the job failed: report it, keep working
            results.put(Result(index, job, None, error, name))


def run_pool(
    jobs: Iterable[Any],
    work: Callable[[Any], Any],
    workers: int,
    *,
    buffer: int | None = None,
    ctx: Context | None = None,
    timeout: float = 60.0,
) -> PoolRun:
    """Run ``work(job)`` for every job on ``workers`` threads; return a :class:`PoolRun`.

    ``jobs`` is read as the line has room (a generator is a live producer). ``buffer`` is
    the line's length (default ``2 * workers``): the producer waits while it is full. Ending
    ``ctx`` stops the run: waiting workers leave at once, a running job finishes (or stops
    itself, if it watches ``ctx``), jobs never run are listed in ``not_started`` (of a
    generator, those it had produced). ``timeout`` bounds the whole run: past it the run
    stops the same way and raises ``TimeoutError``. Arguments are checked before any
    thread starts.
    """
    callable_arg("work", work)
    positive_int("workers", workers)
    buffer = 2 * workers if buffer is None else positive_int("buffer", buffer, minimum=0)
    positive_number("timeout", timeout)
    parent = background() if ctx is None else check_context("ctx", ctx)
    produced: list[Any] = []  # every job taken from ``jobs`` so far, in order
    line: Channel[Any] = Channel(buffer, name="jobs")
    counter: queue.SimpleQueue = queue.SimpleQueue()
    run_ctx, stop = with_timeout(parent, timeout, cause=TimeoutError(f"the pool ran {timeout} s"))
    threads = [
        threading.Thread(target=worker, args=(run_ctx, line, counter, work), name=f"worker-{n}")
        for n in range(1, workers + 1)
    ]
    try:  # from the first start on: an interrupt anywhere below still ends every thread
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        for index, job in enumerate(jobs):  # feed the line, unless the context ends first
            produced.append(job)
            if select(send(line, (index, job)), recv(run_ctx.done()))[0] == 1:
                break
        line.close()  # "no more jobs"
        for thread in threads:  # each leaves once the line is empty, or the context ends
            thread.join(run_ctx.remaining())
    finally:
        stop()  # the end (or an interrupt): any worker still waiting leaves now
        grace = time.monotonic() + 5.0
        for thread in filter(threading.Thread.is_alive, threads):  # only those started
            thread.join(max(0.0, grace - time.monotonic()))
    seconds = time.perf_counter() - started
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:  # Python cannot stop a thread: it finishes its job on its own, later
        raise TimeoutError(f"{', '.join(stuck)} still running a job that ignores the context")
    results = sorted((counter.get() for _ in range(counter.qsize())), key=lambda r: r.index)
    taken = {r.index for r in results}
    left = [job for index, job in enumerate(produced) if index not in taken]
    if isinstance(jobs, Sequence):  # a list's unread jobs were not started either
        left += list(jobs[len(produced) :])
    if parent.err() is None and isinstance(run_ctx.cause(), TimeoutError):
        raise TimeoutError(f"the pool did not finish its jobs within timeout={timeout} s")
    return PoolRun(workers, buffer, results, left, seconds, parent.err())


@dataclass(frozen=True, slots=True)
class Result:
    """One job's outcome: its place in the input, the job, its value or error, its worker."""

    index: int
    job: Any
    value: Any
    error: BaseException | None
    worker: str


@dataclass(frozen=True, slots=True)
class PoolRun:
    """What one run of the pool did: results in job order, jobs never run, and the time
    from the first job fed to the last worker gone (starting the threads is not counted)."""

    workers: int
    buffer: int
    results: list[Result]
    not_started: list[Any]
    wall_seconds: float
    ended_by: ContextError | None  # why the caller's context stopped the run, if it did

    def values(self) -> list[Any]:
        """The values of the jobs that succeeded, in job order."""
        return [r.value for r in self.results if r.error is None]

    def errors(self) -> list[Result]:
        """The results of the jobs that raised, in job order."""
        return [r for r in self.results if r.error is not None]

    @property
    def throughput(self) -> float:
        """Jobs finished per second of wall time."""
        return len(self.results) / self.wall_seconds if self.wall_seconds > 0 else math.inf
