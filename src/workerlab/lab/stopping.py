"""How fast does a pool stop after a cancel? Polling the context against waiting on it (lesson 04).

A worker that *polls* naps in slices and looks at ``ctx.err()`` between them: a cancel that
lands mid-nap waits for the nap to end. A worker that *waits on the context* wakes the
instant it ends. :func:`stop_latency` measures the difference on real threads.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from workerlab.context import Context, background, check_context, sleep, with_cancel
from workerlab.errors import ContextError
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
