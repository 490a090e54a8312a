"""How fast does a pool stop after a cancel? (lesson 04)

Two experiments on real threads. :func:`cancel_while_waiting`: workers that look at the
context and *then* wait for a job (:func:`check_then_get`) cannot hear a cancel while they
wait; workers that ``select`` on the job and the context (``workerlab.pool.worker``) leave at
once. :func:`stop_latency`: inside a long job, a worker that *polls* the context between
naps hears a cancel only when its nap ends; one that *waits on the context* wakes at once.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from workerlab.channel import Channel, ChannelClosed
from workerlab.context import Context, background, check_context, sleep, with_cancel
from workerlab.errors import ContextError
from workerlab.lab.tracing import in_hiring_order, traced
from workerlab.pool import Result
from workerlab.trace import Span, Trace
from workerlab.validate import callable_arg, positive_int, positive_number


def poll_sleep(ctx: Context, seconds: float, interval: float) -> None:
    """Sleep ``seconds`` in naps of ``interval``, checking ``ctx`` between naps.

    The polling style, for comparison with :func:`workerlab.context.sleep`: a cancel is
    noticed only at the end of the current nap, so on average ``interval / 2`` late.
    """
    check_context("ctx", ctx)
    positive_number("seconds", seconds, allow_zero=True)
    positive_number("interval", interval)
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ctx.check()
        time.sleep(min(interval, left))
    ctx.check()


def stop_latency(
    poll_interval: float | None,
    *,
    workers: int = 4,
    cancel_after: float = 0.05,
    job_seconds: float = 5.0,
    seed: int | None = None,
) -> float:
    """Seconds from ``cancel()`` to the last worker's exit, for one pool.

    Each worker runs one long job (``job_seconds``) that waits either by polling the
    context every ``poll_interval`` seconds (:func:`poll_sleep`) or, with ``None``, by
    waiting on the context itself (:func:`sleep`). Workers start a little apart (random,
    up to one poll interval), as real workers do, so the cancel lands at a different
    point of each one's nap. The job is far longer than the run: only the cancel ends it.
    """
    if poll_interval is not None:
        positive_number("poll_interval", poll_interval)
    positive_int("workers", workers)
    positive_number("cancel_after", cancel_after)
    positive_number("job_seconds", job_seconds)
    rng = random.Random(seed)
    ctx, cancel = with_cancel(background(), name="stop-latency")
    exits: list[float] = []

    def worker(offset: float) -> None:
        time.sleep(offset)
        try:
            if poll_interval is None:
                sleep(ctx, job_seconds)
            else:
                poll_sleep(ctx, job_seconds, poll_interval)
        except ContextError:
            pass
        exits.append(time.perf_counter())

    spread = poll_interval or 0.0
    threads = [
        threading.Thread(target=worker, args=(rng.uniform(0, spread),), name=f"stopper-{n}")
        for n in range(workers)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(cancel_after + spread)
        cancelled_at = time.perf_counter()
        cancel()
    finally:
        cancel()
        for thread in threads:
            thread.join()
    return max(exits) - cancelled_at


def stop_latency_sweep(
    intervals: Iterable[float],
    *,
    repeats: int = 5,
    workers: int = 4,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> tuple[dict[float, list[float]], list[float]]:
    """Measure :func:`stop_latency` ``repeats`` times per poll interval and for waiting.

    Returns ``(polling, waiting)``: latencies per interval, and latencies of waiting
    workers. ``progress`` wraps the list of runs (pass ``tqdm`` to see it move).
    """
    intervals = [positive_number("interval", i) for i in intervals]
    if not intervals:
        raise ValueError("intervals is empty: give at least one poll interval")
    positive_int("repeats", repeats)
    callable_arg("progress", progress)
    runs = [(interval, seed) for seed in range(repeats) for interval in [None, *intervals]]
    polling: dict[float, list[float]] = {interval: [] for interval in intervals}
    waiting: list[float] = []
    for interval, seed in progress(runs):
        latency = stop_latency(interval, workers=workers, seed=seed)
        (waiting if interval is None else polling[interval]).append(latency)
    return polling, waiting


# --- the worker that cannot hear a cancel while it waits (issue 11) ---------------------------


def check_then_get(ctx: Context, jobs: Channel[Any], results: queue.SimpleQueue, work: Any) -> None:
    """The bug: look at the context, *then* wait for a job. A cancel that comes while it
    waits goes unheard until the next job arrives or the line is closed."""
    name = threading.current_thread().name
    while ctx.err() is None:  # 1. look at the context ...
        try:
            index, job = jobs.recv()  # 2. ... then wait for a job, deaf to any cancel
        except ChannelClosed:
            return
        results.put(Result(index, job, work(job), None, name))


WorkerLoop = Callable[[Context, Channel[Any], queue.SimpleQueue, Any], None]


@dataclass(frozen=True)
class CancelRun:
    """A pool cancelled while its workers wait for jobs: who did what, and when they left."""

    trace: Trace
    cancelled_at: float  # on the trace's clock
    exits: dict[str, float]  # worker -> when it returned, on the trace's clock

    @property
    def stop_latency(self) -> float:
        """Seconds from the cancel until the last worker had left."""
        return max(self.exits.values()) - self.cancelled_at

    def spans(self) -> list[Span]:
        """Each job, and each worker's waits for a job: from one job's end to the next
        one's start, and from its last job to its exit."""
        jobs = self.trace.spans("job")
        waits = []
        for worker, left in self.exits.items():
            mine = sorted((s for s in jobs if s.worker == worker), key=lambda s: s.start)
            ends = [0.0] + [s.end for s in mine]
            starts = [s.start for s in mine] + [left]
            waits += [
                Span(worker, "waiting for a job", None, end, start)
                for end, start in zip(ends, starts, strict=True)
                if start > end
            ]
        return in_hiring_order(jobs + waits)


def cancel_while_waiting(
    loop: WorkerLoop, *, workers: int = 3, cancel_after: float = 0.3, lull: float = 1.0
) -> CancelRun:
    """Cancel a pool whose workers run ``loop`` while they wait for jobs; time the stop.

    A live producer sends 8 jobs of 20 ms, then falls silent for ``lull`` seconds (a quiet
    spell), sends one last job and closes the line. The cancel comes ``cancel_after``
    seconds in, during the quiet spell. ``loop`` is :func:`workerlab.pool.worker` (select)
    or :func:`check_then_get` (the bug).
    """
    callable_arg("loop", loop)
    positive_int("workers", workers)
    positive_number("cancel_after", cancel_after)
    positive_number("lull", lull)
    trace, exits = Trace(), {}
    ctx, cancel = with_cancel(background(), name="shop")
    jobs: Channel[Any] = Channel(2, name="jobs", timeout=cancel_after + lull + 5)
    work = traced(lambda job: time.sleep(0.02), trace, key=lambda job: job)

    def barista() -> None:
        loop(ctx, jobs, queue.SimpleQueue(), work)
        exits[threading.current_thread().name] = trace.now()

    def producer() -> None:
        for index in range(8):
            jobs.send((index, index))
            time.sleep(0.02)
        time.sleep(lull)  # a quiet spell: no job comes
        jobs.send((8, 8))
        jobs.close()

    threads = [threading.Thread(target=barista, name=f"worker-{n}") for n in range(1, workers + 1)]
    threads.append(threading.Thread(target=producer, name="producer"))
    for thread in threads:
        thread.start()
    time.sleep(cancel_after)
    cancelled_at = trace.now()
    cancel()
    for thread in threads:
        thread.join(cancel_after + lull + 10)
    return CancelRun(trace, cancelled_at, exits)
