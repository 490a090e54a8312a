"""Lesson 02: a minimal worker pool built from threads and two queues.

The pool is the coffee shop: ``workers`` baristas (threads) take orders (jobs) from a
bounded line (``queue.Queue(maxsize=buffer)``) and put drinks (results) on the counter (a
``queue.SimpleQueue``, which never blocks a worker). The producer, the thread that calls
:func:`run_pool`, feeds the jobs and then says "no more jobs" in one of two ways:

- **sentinels**: one :data:`STOP` per worker, put after the last job. Each worker stops at
  the first sentinel it takes, so every worker gets exactly one. Works on every Python.
- **shutdown**: ``Queue.shutdown()`` (Python 3.13+). Workers finish what is queued, then
  their ``get`` raises ``queue.ShutDown`` and they stop. It is Go's ``close(jobs)``.

The caller then waits for the end in one of two ways: **collect** exactly as many results as
it sent jobs (then join the workers), or **join** the workers first and then drain the
counter. Both are here, so the lesson can show that they give the same results.

Every job's start and finish is recorded in a :class:`~workerlab.trace.Trace` (workers never
print), which the lesson draws as a per-worker timeline.

The hot path (one ``get``, the job, one ``put``, two trace records) is kept short on
purpose: under the GIL every wake-up of every worker is serialized, so per-job Python work
and thread switches are what limit the pool with hundreds of workers. For the same reason
the job queue (:class:`JobQueue`) wakes a producer blocked on a full queue only once it is
half empty, rather than after every job (see ``benchmarks/``).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from workerlab.trace import Span, Trace
from workerlab.validate import callable_arg, positive_int, positive_number

#: Whether this Python has ``Queue.shutdown()`` (3.13+), the built-in "no more jobs".
HAS_SHUTDOWN: bool = hasattr(queue.Queue, "shutdown")

StopMethod = Literal["sentinel", "shutdown"]
WaitMethod = Literal["collect", "join"]


class _Stop:
    """The type of :data:`STOP`: a unique marker that reads well in a repr."""

    _instance: _Stop | None = None

    def __new__(cls) -> _Stop:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "STOP"


#: The sentinel: a worker that takes it from the job queue stops. Compare with ``is``.
STOP: Any = _Stop()


class Result(NamedTuple):
    """What a worker puts on the counter for one job.

    ``index`` is the job's position in the input, ``worker`` the thread that ran it, and
    exactly one of ``value`` (what ``work`` returned) and ``error`` (what it raised) is set.
    A named tuple rather than a dataclass: it is built once per job on the hot path, and a
    tuple is the cheapest immutable record Python has.
    """

    index: int
    job: Any
    value: Any
    worker: str
    error: BaseException | None = None


class _WakeWhenHalfEmpty(threading.Condition):
    """The job queue's "not full" condition, notified only once the queue is half empty.

    ``queue.Queue.get`` notifies "not full" after *every* item, so a producer waiting on a
    full queue is woken once per job: with hundreds of workers, that is a thread switch and a
    GIL hand-over per job, and a busy machine starves the producer until the workers run dry.
    Waking it at half empty lets it refill half the buffer per wake-up instead.
    """

    def __init__(self, line: queue.Queue) -> None:
        super().__init__(line.mutex)
        self._line = line

    def notify(self, n: int = 1) -> None:
        if self._line._qsize() <= self._line.maxsize // 2:
            super().notify(n)

    def notify_all(self) -> None:
        # Condition.notify_all calls notify(); shutdown() and clean-up must always wake.
        super().notify(len(self._waiters))


class JobQueue(queue.Queue):
    """A bounded ``queue.Queue`` that wakes a blocked producer at half empty, not per item.

    Same interface and the same bound (``maxsize``); only *when* a producer waiting on a
    full queue wakes up changes. :func:`run_pool` feeds its workers through one.
    """

    def __init__(self, maxsize: int) -> None:
        super().__init__(positive_int("maxsize", maxsize))
        self.not_full = _WakeWhenHalfEmpty(self)


def default_stop() -> StopMethod:
    """``"shutdown"`` on Python 3.13+, else ``"sentinel"``."""
    return "shutdown" if HAS_SHUTDOWN else "sentinel"


class _NeverRaised(Exception):
    """Stands in for ``queue.ShutDown`` on Pythons older than 3.13."""


def worker_loop(
    name: str,
    jobs: queue.Queue,
    results: queue.SimpleQueue,
    work: Callable[[Any], Any],
    trace: Trace | None = None,
) -> None:
    """One worker: take ``(index, job)`` pairs from ``jobs`` until told to stop.

    Stops at :data:`STOP` or, on Python 3.13+, when ``jobs`` is shut down and empty.
    Each job's value (or the exception it raised) goes to ``results`` as a :class:`Result`;
    an error never kills the worker, so a failing job cannot make the caller wait forever.
    """
    shut_down: type[BaseException] = getattr(queue, "ShutDown", _NeverRaised)
    get, put = jobs.get, results.put
    while True:
        try:
            item = get()
        except shut_down:
            return
        if item is STOP:
            return
        index, job = item
        if trace is not None:
            trace.start("job", index, name)
        try:
            put(Result(index, job, work(job), name))
        except Exception as error:  # the job's failure is reported, not fatal to the worker
            put(Result(index, job, None, name, error))
        if trace is not None:
            trace.finish("job", index, name)


def start_workers(
    count: int,
    jobs: queue.Queue,
    results: queue.SimpleQueue,
    work: Callable[[Any], Any],
    trace: Trace | None = None,
    *,
    prefix: str = "barista",
) -> list[threading.Thread]:
    """Start ``count`` threads named ``barista-1`` … running :func:`worker_loop`."""
    positive_int("count", count)
    callable_arg("work", work)
    threads = [
        threading.Thread(
            target=worker_loop,
            args=(f"{prefix}-{n}", jobs, results, work, trace),
            name=f"{prefix}-{n}",
        )
        for n in range(1, count + 1)
    ]
    for thread in threads:
        thread.start()
    return threads


def say_no_more_jobs(
    jobs: queue.Queue, workers: int, how: StopMethod, *, timeout: float | None = None
) -> None:
    """Tell ``workers`` workers that no more jobs are coming: sentinels, or ``shutdown()``.

    With sentinels the caller must put exactly one per worker, *after* the last job: a
    job put after a sentinel may never run. ``shutdown()`` (3.13+) needs no count.
    """
    if how == "shutdown":
        if not HAS_SHUTDOWN:
            raise RuntimeError("Queue.shutdown() needs Python 3.13+; use how='sentinel'")
        jobs.shutdown()
    elif how == "sentinel":
        for _ in range(workers):
            jobs.put(STOP, timeout=timeout)
    else:
        raise ValueError(f"how must be 'sentinel' or 'shutdown', got {how!r}")


@dataclass(frozen=True, slots=True)
class PoolRun:
    """What one run of the pool did and measured.

    ``wall_seconds`` runs from the first job fed to the last result collected, with the
    workers already started: it is the pool's working time. Starting the threads is
    ``startup_seconds`` (lesson 03 measures what one thread costs).
    """

    workers: int
    buffer: int
    results: list[Result]
    wall_seconds: float
    startup_seconds: float
    trace: Trace | None
    stop: StopMethod
    wait: WaitMethod

    @property
    def jobs(self) -> int:
        """How many jobs were run."""
        return len(self.results)

    @property
    def throughput(self) -> float:
        """Jobs finished per second of wall time."""
        return self.jobs / self.wall_seconds if self.wall_seconds > 0 else math.inf

    def values(self) -> list[Any]:
        """The jobs' values in the order the jobs were given (not the order they finished)."""
        return [r.value for r in sorted(self.results, key=lambda r: r.index)]

    def jobs_per_worker(self) -> dict[str, int]:
        """How many jobs each worker ran, by worker name (workers that ran none are left out)."""
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.worker] = counts.get(r.worker, 0) + 1
        return counts

    def spans(self) -> list[Span]:
        """Every job's span, worker by worker in hiring order (barista-1, barista-2, …).

        :func:`workerlab.plots.timeline` draws rows in the order workers first appear, so
        this order puts the rows in the order the baristas were hired.
        """
        if self.trace is None:
            raise ValueError("this run was made with record=False, so it has no spans")

        def hiring_order(span: Span) -> tuple[int, float]:
            number = span.worker.rpartition("-")[2]
            return (int(number) if number.isdigit() else 0, span.start)

        return sorted(self.trace.spans("job"), key=hiring_order)

    def efficiency(self, latency: float) -> float:
        """Measured throughput over the ideal ``workers / latency`` (Little's law)."""
        return self.throughput / ideal_throughput(self.workers, latency)


def ideal_throughput(workers: int, latency: float) -> float:
    """Little's law for a pool: ``workers`` jobs in flight, each ``latency`` s, so workers/latency
    jobs per second. No pool of that size can do better with jobs of that length."""
    positive_int("workers", workers)
    positive_number("latency", latency)
    return workers / latency


def run_pool(
    jobs: Iterable[Any],
    work: Callable[[Any], Any],
    workers: int,
    *,
    buffer: int | None = None,
    trace: Trace | None = None,
    record: bool = True,
    stop: StopMethod | None = None,
    wait: WaitMethod = "collect",
    timeout: float = 60.0,
) -> PoolRun:
    """Run ``work(job)`` for every job on ``workers`` threads; return a :class:`PoolRun`.

    - ``buffer``: size of the job queue (default ``2 * workers``); the producer (the
      calling thread) blocks while it is full.
    - ``trace``: where job spans are recorded (a fresh :class:`Trace` if not given);
      ``record=False`` records nothing (for dispatch-cost benchmarks).
    - ``stop``: ``"sentinel"`` or ``"shutdown"`` (3.13+); default the latter where present.
    - ``wait``: ``"collect"`` exactly one result per job, then join the workers; or
      ``"join"`` the workers, then drain the results.
    - ``timeout``: a bound on the whole run, in seconds. If it passes, the pool is stopped
      (queued jobs are dropped, running ones finish) and ``TimeoutError`` is raised.

    If a job raised, the first such exception is re-raised once every worker has stopped,
    with a note naming the job. Arguments are checked before any thread starts.
    """
    callable_arg("work", work)
    positive_int("workers", workers)
    buffer = 2 * workers if buffer is None else positive_int("buffer", buffer)
    positive_number("timeout", timeout)
    stop = default_stop() if stop is None else stop
    if stop not in ("sentinel", "shutdown"):
        raise ValueError(f"stop must be 'sentinel' or 'shutdown', got {stop!r}")
    if stop == "shutdown" and not HAS_SHUTDOWN:
        raise ValueError("stop='shutdown' needs Python 3.13+ (Queue.shutdown); use 'sentinel'")
    if wait not in ("collect", "join"):
        raise ValueError(f"wait must be 'collect' or 'join', got {wait!r}")
    if trace is not None and not isinstance(trace, Trace):
        raise TypeError(f"trace must be a workerlab.trace.Trace, got {type(trace).__name__}")
    items: Sequence[Any] = jobs if isinstance(jobs, Sequence) else list(jobs)
    if record and trace is None:
        trace = Trace()
    log = trace if record else None

    deadline = time.monotonic() + timeout
    job_queue = JobQueue(buffer)
    counter: queue.SimpleQueue = queue.SimpleQueue()
    started = time.perf_counter()
    threads = start_workers(workers, job_queue, counter, work, log)
    began = time.perf_counter()
    try:
        for index, job in enumerate(items):
            job_queue.put((index, job), timeout=_left(deadline))
        say_no_more_jobs(job_queue, workers, stop, timeout=_left(deadline))
        if wait == "collect":
            results = [counter.get(timeout=_left(deadline)) for _ in range(len(items))]
            _join(threads, deadline)
        else:
            _join(threads, deadline)
            results = _drain(counter)
    except (queue.Full, queue.Empty, TimeoutError):
        _abandon(job_queue, threads, stop)
        raise TimeoutError(
            f"the pool did not finish {len(items)} jobs within timeout={timeout} s"
        ) from None
    except BaseException:  # e.g. KeyboardInterrupt from the notebook's stop button
        _abandon(job_queue, threads, stop)
        raise
    wall = time.perf_counter() - began
    run = PoolRun(workers, buffer, results, wall, began - started, trace, stop, wait)
    failed = [r for r in results if r.error is not None]
    if failed:
        first = min(failed, key=lambda r: r.index)
        assert first.error is not None
        first.error.add_note(f"raised by job {first.index} ({first.job!r}) in {first.worker}")
        raise first.error
    return run


def _left(deadline: float) -> float:
    """Seconds until ``deadline``; raises ``TimeoutError`` once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _join(threads: list[threading.Thread], deadline: float) -> None:
    for thread in threads:
        thread.join(_left(deadline))
        if thread.is_alive():
            raise TimeoutError


def _drain(results: queue.SimpleQueue) -> list[Result]:
    drained = []
    while True:
        try:
            drained.append(results.get_nowait())
        except queue.Empty:
            return drained


def _abandon(jobs: queue.Queue, threads: list[threading.Thread], stop: StopMethod) -> None:
    """After a timeout: drop queued jobs, stop every worker, wait (bounded) for them to end."""
    if stop == "shutdown":
        jobs.shutdown(immediate=True)
    else:
        with jobs.mutex:  # drop every queued job at once, then one sentinel per worker
            jobs.queue.clear()
            jobs.not_full.notify_all()
        for _ in threads:
            try:
                jobs.put(STOP, timeout=1.0)
            except queue.Full:  # workers stuck in long jobs: stop waiting for them
                break
    for thread in threads:
        thread.join(timeout=5.0)


def explore(workers: int, buffer: int, latency_ms: float, jobs: int) -> tuple[PoolRun, str]:
    """The explorer's callback: run ``jobs`` sleeps of ``latency_ms`` on the pool.

    Returns the run and a one-line report of its throughput against the ideal, in the
    coffee-shop words the widget uses. The widget in ``workerlab.widgets`` only draws them.
    """
    positive_int("workers", workers)
    positive_int("buffer", buffer)
    positive_number("latency_ms", latency_ms)
    positive_int("jobs", jobs)
    latency = latency_ms / 1000
    run = run_pool(range(jobs), sleeping_job(latency), workers, buffer=buffer)
    ideal = ideal_throughput(workers, latency)
    rounds = math.ceil(jobs / workers)
    summary = (
        f"{workers} baristas, a line of {buffer}, {jobs} orders of {latency_ms:g} ms: "
        f"{run.wall_seconds * 1000:.0f} ms, {run.throughput:.0f} orders/s; "
        f"ideal {ideal:.0f} orders/s, so {run.throughput / ideal:.0%} of it "
        f"({rounds} round{'s' if rounds > 1 else ''} of orders)."
    )
    return run, summary


class _Sleep:
    """A job that waits ``seconds`` (an I/O stand-in) and returns its input.

    A class rather than a closure so that its repr says what it does.
    """

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, job: Any) -> Any:
        time.sleep(self.seconds)
        return job

    def __repr__(self) -> str:
        return f"sleep({self.seconds:g} s)"


def sleeping_job(seconds: float) -> Callable[[Any], Any]:
    """A job function that waits ``seconds`` (standing in for I/O) and returns its input."""
    return _Sleep(positive_number("seconds", seconds))
