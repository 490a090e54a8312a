"""Throughput against worker count, and what dispatching a job costs (lesson 02).

The measurements behind lesson 02's plots and ``benchmarks/pool_benchmark.py``. Each
function runs one experiment and returns plain numbers; timings are taken on whatever else
the machine is doing, so compare numbers measured in the same run (ratios), never against
numbers from elsewhere.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from workerlab import pool
from workerlab.lab.jobs import sleeping_job
from workerlab.lab.tracing import traced
from workerlab.progress import progress_bar
from workerlab.trace import Trace
from workerlab.validate import positive_int, positive_number


def ideal_throughput(workers: int, latency: float) -> float:
    """Little's law for a pool: ``workers`` jobs in flight, each ``latency`` s, so
    ``workers / latency`` jobs per second. No pool of that size can do better."""
    return positive_int("workers", workers) / positive_number("latency", latency)


#: The longest run the pool explorer starts (seconds): the kernel does nothing else meanwhile.
LONGEST_EXPLORER_RUN = 5.0


def _baristas(workers: int) -> str:
    return f"{workers} barista{'s' * (workers != 1)}"


def explore(
    workers: int, buffer: int, latency_ms: float, jobs: int
) -> tuple[pool.PoolRun, Trace, str]:
    """The pool explorer's callback: ``jobs`` orders of ``latency_ms`` on the pool.

    Returns the run, the trace of every job (for the timeline) and a one-line report of
    the throughput against the ideal, in the coffee-shop words the widget uses.
    """
    positive_int("jobs", jobs)
    latency = positive_number("latency_ms", latency_ms) / 1000
    ideal = ideal_throughput(workers, latency)
    rounds = -(-jobs // workers)
    if rounds * latency > LONGEST_EXPLORER_RUN:  # the kernel is busy while it runs
        raise ValueError(
            f"{jobs} orders of {latency_ms:g} ms on {_baristas(workers)} take at least "
            f"{rounds * latency:.1f} s, and the explorer keeps a run under "
            f"{LONGEST_EXPLORER_RUN:g} s: hire more baristas or take fewer orders."
        )
    trace = Trace()
    run = pool.run_pool(range(jobs), traced(sleeping_job(latency), trace), workers, buffer=buffer)
    summary = (
        f"{_baristas(workers)}, a line of {buffer}, {jobs} orders of {latency_ms:g} ms: "
        f"{run.wall_seconds * 1000:.0f} ms, {run.throughput:.0f} orders/s; "
        f"ideal {ideal:.0f} orders/s, so {run.throughput / ideal:.0%} of it "
        f"({rounds} round{'s' if rounds > 1 else ''} of orders)."
    )
    return run, trace, summary


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
    is recorded: a sweep needs only each run's wall time (what a trace costs per job is
    measured by :func:`dispatch_cost`).
    """
    counts = [positive_int("worker count", n) for n in worker_counts]
    if not counts:
        raise ValueError("worker_counts is empty")
    positive_number("latency", latency)
    positive_int("jobs_per_worker", jobs_per_worker)
    positive_int("repeats", repeats)
    job = sleeping_job(latency)
    points = []
    for workers in progress_bar(counts, desc="workers", enabled=progress):
        jobs = workers * jobs_per_worker
        best = min(
            pool.run_pool(range(jobs), job, workers).wall_seconds
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




def executor_efficiency(workers: int, *, latency: float = 0.01, rounds: int = 20) -> float:
    """The standard library's pool on the same jobs: ``ThreadPoolExecutor`` efficiency.

    ``workers * rounds`` sleeps of ``latency`` on ``workers`` threads (started first, not
    timed); the result is ideal time over measured time, like the pool's efficiency.
    """
    positive_int("workers", workers)
    positive_number("latency", latency)
    positive_int("rounds", rounds)
    job = sleeping_job(latency)
    with ThreadPoolExecutor(max_workers=workers) as executor:
        list(executor.map(job, range(workers)))  # start every thread before the clock
        began = time.perf_counter()
        list(executor.map(job, range(workers * rounds)))
        return rounds * latency / (time.perf_counter() - began)


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
    "workerlab.pool": lambda jobs, workers: pool.run_pool(range(jobs), _noop, workers),
    "workerlab.pool + trace": lambda jobs, workers: pool.run_pool(
        range(jobs), traced(_noop, Trace()), workers
    ),
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
