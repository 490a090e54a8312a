"""The measurements behind the lessons' plots and ``benchmarks/`` (introduced in lessons 02–03).

Each function runs one experiment and returns plain numbers; the notebooks plot them
(``workerlab.plots``) and assert the claims, and ``benchmarks/`` prints them side by side.
Sweeps show a ``tqdm.auto`` progress bar when ``progress=True``, so a long cell never looks
hung.

Timings are taken with ``time.perf_counter`` on whatever else the machine is doing: compare
numbers measured in the same run (ratios), never against numbers from elsewhere.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import random
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from tqdm.auto import tqdm

from workerlab import pool
from workerlab.channel import BLOCKED_RECV, BLOCKED_SEND, Channel
from workerlab.trace import Trace
from workerlab.validate import positive_int, positive_number


def progress_bar(
    iterable: Any = None,
    *,
    desc: str,
    enabled: bool,
    total: int | None = None,
    leave: bool = False,
    unit: str = "it",
) -> tqdm:
    """A ``tqdm.auto`` bar (lesson 02), the one every module uses; it starts no monitor thread.

    tqdm's monitor thread would outlive the run, and every lesson's end check (rightly)
    counts it as a leaked thread, so it is turned off here as in ``lesson.start``. When not
    ``enabled`` the bar is disabled: its ``update``/``close`` and ``with`` do nothing. By
    default it vanishes when done (``leave=False``), as a sweep's inner bar should.
    """
    tqdm.monitor_interval = 0
    return tqdm(iterable, desc=desc, total=total, disable=not enabled, leave=leave, unit=unit)


# --- lesson 02: throughput against worker count ---------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One pool run in a sweep: ``jobs`` jobs of ``latency`` s on ``workers`` workers."""

    workers: int
    jobs: int
    latency: float
    seconds: float

    @property
    def throughput(self) -> float:
        """Jobs per second, measured."""
        return self.jobs / self.seconds

    @property
    def ideal(self) -> float:
        """Jobs per second by Little's law: workers / latency."""
        return self.workers / self.latency

    @property
    def efficiency(self) -> float:
        """Measured over ideal throughput (1.0 is perfect)."""
        return self.throughput / self.ideal


def throughput_sweep(
    worker_counts: Sequence[int],
    *,
    latency: float = 0.01,
    jobs_per_worker: int = 20,
    repeats: int = 1,
    progress: bool = True,
) -> list[SweepPoint]:
    """Run the pool once per worker count (best of ``repeats``) with I/O-bound jobs.

    Each run gives every worker ``jobs_per_worker`` jobs that each sleep ``latency`` s
    (waiting, as on a disk or a network), so the ideal throughput is workers / latency.
    The best of several repeats is kept: interference from other programs only ever slows
    a run down, so the fastest run is the closest to what the pool itself can do. No trace
    is recorded: a sweep needs only each run's wall time (the trace's own cost per job is
    measured by :func:`dispatch_cost`).
    """
    counts = [positive_int("worker count", n) for n in worker_counts]
    if not counts:
        raise ValueError("worker_counts is empty")
    positive_number("latency", latency)
    positive_int("jobs_per_worker", jobs_per_worker)
    positive_int("repeats", repeats)
    job = pool.sleeping_job(latency)
    points = []
    for workers in progress_bar(counts, desc="workers", enabled=progress):
        jobs = workers * jobs_per_worker
        best = min(
            pool.run_pool(range(jobs), job, workers, record=False).wall_seconds
            for _ in range(repeats)
        )
        points.append(SweepPoint(workers, jobs, latency, best))
    return points


def sleeping_threads_efficiency(workers: int, *, latency: float = 0.01, rounds: int = 20) -> float:
    """The ceiling for any thread pool here: ``workers`` bare threads that only sleep.

    Each thread sleeps ``rounds`` times ``latency`` with no queue at all; the result is
    ideal time over measured time (thread start excluded). On a busy machine it is below 1,
    and no pool of threads can beat it; the benchmark prints it beside the pool's.
    """
    positive_int("workers", workers)
    positive_number("latency", latency)
    positive_int("rounds", rounds)
    go = threading.Event()

    def sleeper() -> None:
        go.wait()
        for _ in range(rounds):
            time.sleep(latency)

    threads = [threading.Thread(target=sleeper, name=f"sleeper-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    return rounds * latency / (time.perf_counter() - began)


# --- lesson 02 / benchmarks: dispatch cost per job ------------------------------------------


def _noop(job: Any) -> Any:
    return job


def _bare_queue_loop(jobs: int, workers: int) -> None:
    """The least a pool can do: Queue in, SimpleQueue out, one sentinel per worker."""
    inbox: queue.Queue = queue.Queue(maxsize=2 * workers)
    outbox: queue.SimpleQueue = queue.SimpleQueue()

    def work() -> None:
        while (item := inbox.get()) is not None:
            outbox.put(item)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for n in range(jobs):
        inbox.put(n)
    for _ in threads:
        inbox.put(None)
    for _ in range(jobs):
        outbox.get()
    for thread in threads:
        thread.join()


def _executor(jobs: int, workers: int) -> None:
    with ThreadPoolExecutor(max_workers=workers) as executor:
        for _ in executor.map(_noop, range(jobs)):
            pass


DISPATCHERS: dict[str, Callable[[int, int], None]] = {
    "workerlab.pool": lambda jobs, workers: pool.run_pool(
        range(jobs), _noop, workers, record=False
    ),
    "workerlab.pool + trace": lambda jobs, workers: pool.run_pool(range(jobs), _noop, workers),
    "ThreadPoolExecutor": _executor,
    "bare queue.Queue loop": _bare_queue_loop,
}


def dispatch_cost(
    *, jobs: int = 20_000, workers: int = 4, repeats: int = 3, progress: bool = True
) -> dict[str, float]:
    """Seconds per no-op job, for each way of running jobs on ``workers`` threads.

    The variants run interleaved (A B C D, A B C D, …) so that a burst of load from
    elsewhere hits all of them alike; each keeps its best repeat. Thread start and join
    are included, amortised over ``jobs``.
    """
    positive_int("jobs", jobs)
    positive_int("workers", workers)
    positive_int("repeats", repeats)
    best = dict.fromkeys(DISPATCHERS, float("inf"))
    steps = progress_bar(total=repeats * len(DISPATCHERS), desc="dispatch", enabled=progress)
    with steps:
        for _ in range(repeats):
            for name, run in DISPATCHERS.items():
                began = time.perf_counter()
                run(jobs, workers)
                best[name] = min(best[name], (time.perf_counter() - began) / jobs)
                steps.update()
    return best


# --- lesson 03: what it costs to start a worker ---------------------------------------------

SpawnKind = Literal["thread", "asyncio task", "process"]


def _nothing() -> None:
    """What each spawned worker runs: nothing, so only the start and the join are timed."""


async def _nothing_async() -> None:
    """The asyncio task's body: nothing."""


def spawn_cost(kind: SpawnKind, count: int) -> float:
    """Median seconds to start one ``kind`` of worker and wait for it to end, over ``count``.

    Processes are started with ``spawn`` (a fresh interpreter): the default on macOS and
    Windows, available everywhere, and safe in a process that already runs threads (as a
    Jupyter kernel does), where ``fork`` is deprecated from Python 3.12 on. ``fork``, where
    it is safe, is several times cheaper.
    """
    positive_int("count", count)
    if kind == "thread":
        samples = []
        for _ in range(count):
            began = time.perf_counter()
            thread = threading.Thread(target=_nothing)
            thread.start()
            thread.join()
            samples.append(time.perf_counter() - began)
        return statistics.median(samples)
    if kind == "asyncio task":

        async def main() -> list[float]:
            samples = []
            for _ in range(count):
                began = time.perf_counter()
                await asyncio.create_task(_nothing_async())
                samples.append(time.perf_counter() - began)
            return samples

        # asyncio.run refuses to start inside a running loop (as in Jupyter), so the
        # measurement gets a loop of its own, in a thread of its own.
        samples: list[float] = []
        runner = threading.Thread(target=lambda: samples.extend(asyncio.run(main())))
        runner.start()
        runner.join(timeout=60)
        if not samples:
            raise RuntimeError("the asyncio measurement did not finish (see the thread's error)")
        return statistics.median(samples)
    if kind == "process":
        samples = []
        for _ in range(count):
            began = time.perf_counter()
            # A builtin target, so the new interpreter imports nothing of ours to find it.
            process = multiprocessing.get_context("spawn").Process(target=os.getpid)
            process.start()
            process.join(timeout=30)
            samples.append(time.perf_counter() - began)
        return statistics.median(samples)
    raise ValueError(f"kind must be 'thread', 'asyncio task' or 'process', got {kind!r}")


def spawn_costs(
    counts: dict[SpawnKind, int] | None = None, *, progress: bool = True
) -> dict[SpawnKind, float]:
    """:func:`spawn_cost` for each kind (defaults: 300 threads, 3000 tasks, 8 processes)."""
    counts = counts or {"thread": 300, "asyncio task": 3000, "process": 8}
    return {
        kind: spawn_cost(kind, n)
        for kind, n in progress_bar(counts.items(), desc="spawn", enabled=progress)
    }


# --- lesson 03: buffer size, throughput and blocking ----------------------------------------


#: The producer thread's name in :func:`buffer_run` (the customers placing orders).
PRODUCER = "customers"


@dataclass(frozen=True, slots=True)
class BufferRun:
    """One producer and ``consumers`` workers around a channel of ``capacity``."""

    capacity: int
    items: int
    seconds: float
    producer_blocked: float
    consumers_blocked: float
    trace: Trace

    @property
    def throughput(self) -> float:
        """Items per second through the channel."""
        return self.items / self.seconds


def buffer_run(
    capacity: int,
    *,
    items: int = 40,
    consumers: int = 2,
    produce: float = 0.002,
    consume: float = 0.004,
    random_times: bool = True,
    seed: int = 3,
) -> BufferRun:
    """Push ``items`` through a :class:`Channel` of ``capacity`` and record who waited.

    The producer takes a random time around ``produce`` s per item and the consumers
    around ``consume`` s (exponential, so some orders come in bursts and some take long);
    the same ``seed`` gives the same times for every capacity, so runs compare fairly.
    With ``random_times=False`` every item takes exactly ``produce`` and ``consume`` s.
    The producer is a thread named :data:`PRODUCER`, the consumers ``barista-1`` ….
    """
    positive_int("capacity", capacity, minimum=0)
    positive_int("items", items)
    positive_int("consumers", consumers)
    positive_number("produce", produce)
    positive_number("consume", consume)
    rng = random.Random(seed)
    if random_times:
        make = [rng.expovariate(1 / produce) for _ in range(items)]
        serve = [rng.expovariate(1 / consume) for _ in range(items)]
    else:
        make, serve = [produce] * items, [consume] * items
    trace = Trace()
    orders: Channel[int] = Channel(capacity, trace=trace, name="orders", timeout=30)

    failures: list[BaseException] = []

    def consumer() -> None:
        try:
            for item in orders:
                with trace.span("job", item):
                    time.sleep(serve[item])
        except Exception as error:  # re-raised in the caller's thread below
            failures.append(error)

    def producer() -> None:
        try:
            for item in range(items):
                with trace.span("make order", item):
                    time.sleep(make[item])
                orders.send(item)
        except Exception as error:  # re-raised in the caller's thread below
            failures.append(error)
        finally:
            orders.close()

    threads = [threading.Thread(target=producer, name=PRODUCER)] + [
        threading.Thread(target=consumer, name=f"barista-{n}") for n in range(1, consumers + 1)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    seconds = time.perf_counter() - began
    if failures:
        raise failures[0]
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError("buffer_run: a thread was still running after 60 s")
    blocked = trace.spans(BLOCKED_SEND) + trace.spans(BLOCKED_RECV)
    return BufferRun(
        capacity,
        items,
        seconds,
        sum(s.duration for s in blocked if s.worker == PRODUCER),
        sum(s.duration for s in blocked if s.worker != PRODUCER),
        trace,
    )


def buffer_sweep(
    capacities: Sequence[int], *, progress: bool = True, **kwargs: Any
) -> list[BufferRun]:
    """:func:`buffer_run` for each capacity, same random times (see its arguments)."""
    caps = [positive_int("capacity", c, minimum=0) for c in capacities]
    if not caps:
        raise ValueError("capacities is empty")
    return [buffer_run(c, **kwargs) for c in progress_bar(caps, desc="capacity", enabled=progress)]
