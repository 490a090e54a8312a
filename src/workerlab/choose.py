"""Lesson 06: when to reach for workers, measured on the learner's machine.

Everything lesson 06 runs lives here, on the standard library only:

- the two kinds of job (CPU-bound and I/O-bound) and the speedup sweeps that run them on
  threads, processes and asyncio;
- a simulated downstream service with limited capacity, and the load test that finds its
  knee and shows how a concurrency limit protects it;
- a pipeline of stages joined by bounded queues, and a pool doing every step;
- the per-job overhead sweep that shows where a sequential loop beats a pool;
- a profiler wrapper that says which function a slow job spends its time in;
- the scenario quiz (its self-check is ``workerlab.exercises.check_scenario_quiz``).

Why the jobs are module-level functions: a process pool sends each job to another
process by *pickling* a reference to its function (module name + function name). Under the
``spawn`` and ``forkserver`` start methods the worker process imports that module to find
the function again, and a function defined in a notebook cell lives in no importable module,
so it cannot be sent. Functions defined here can.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import cProfile
import multiprocessing
import os
import pstats
import queue
import random
import statistics
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Any, Literal, TypeVar

from workerlab.lab.envcheck import gil_enabled
from workerlab.progress import progress_bar
from workerlab.trace import Trace
from workerlab.validate import callable_arg, positive_int, positive_number

T = TypeVar("T")
Kind = Literal["threads", "processes", "asyncio"]
KINDS: tuple[Kind, ...] = ("threads", "processes", "asyncio")

# --- the two kinds of job --------------------------------------------------------------------


def cpu_job(iterations: int) -> int:
    """CPU-bound work: a pure-Python loop of ``iterations`` steps (no I/O, no C fast path).

    Pure Python holds the GIL the whole time, which is exactly what the lesson measures.
    """
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def io_job(seconds: float) -> float:
    """I/O-bound work: wait ``seconds`` (``time.sleep`` stands in for a network call)."""
    time.sleep(seconds)
    return seconds


async def async_io_job(seconds: float) -> float:
    """The asyncio form of :func:`io_job`: ``await`` the wait, so other tasks run meanwhile."""
    await asyncio.sleep(seconds)
    return seconds


async def async_cpu_job(iterations: int) -> int:
    """:func:`cpu_job` inside a coroutine: it never awaits, so it blocks the event loop."""
    return cpu_job(iterations)


def _nothing(value: int) -> int:
    """A job that does nothing: submitting it makes a process pool start its workers."""
    return value


def _check_in(ready: Any) -> None:
    """Runs first in every new pool process: tell the parent this worker is up."""
    ready.release()


# --- the machine: start method, cores, the GIL -------------------------------------------


def process_context() -> BaseContext:
    """The lesson's multiprocessing context: ``forkserver`` where there is one, else ``spawn``.

    Both start a fresh interpreter state rather than copying the (threaded) Jupyter kernel the
    way ``fork`` does, which is unsafe in a process with threads and no longer the default
    on Linux from Python 3.14. Passing the context explicitly makes the lesson behave the
    same on every Python version and operating system.
    """
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def cores() -> int:
    """CPU cores this process may run on (the affinity mask where the OS reports one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def gil_report() -> str:
    """One line saying whether this Python has a GIL, and what that means for threads."""
    free_threaded_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    version = ".".join(map(str, sys.version_info[:3]))
    if not gil_enabled():
        return (
            f"Python {version}, free-threaded build, GIL off: "
            "CPU-bound threads can run in parallel here."
        )
    if free_threaded_build:
        return (
            f"Python {version}, free-threaded build but the GIL is switched on "
            "(PYTHON_GIL=1 or an extension asked for it): one thread runs Python at a time."
        )
    return f"Python {version} with the GIL: one thread runs Python code at a time."


def load_average() -> float:
    """Runnable tasks on the machine, averaged over the last minute (NaN where unknown).

    Above :func:`cores`, programs are queueing for a core. The benchmark prints it beside
    its figures; the notebook measures the cores it gets instead (:func:`parallel_check`).
    """
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


# --- speedup sweeps ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Workload:
    """A batch of identical jobs: ``jobs`` of them, each ``cpu_job(size)`` or ``io_job(size)``.

    For ``bound="cpu"`` ``size`` is a number of loop iterations, for ``bound="io"`` seconds.
    """

    bound: Literal["cpu", "io"]
    size: float
    jobs: int

    def __post_init__(self) -> None:
        if self.bound not in ("cpu", "io"):
            raise ValueError(f"bound must be 'cpu' or 'io', got {self.bound!r}")
        positive_int("jobs", self.jobs)
        if self.bound == "cpu":
            positive_int("size", self.size)
        else:
            positive_number("size", self.size)

    def args(self) -> list[Any]:
        """The argument of every job."""
        return [self.size] * self.jobs

    def ideal_speedup(self, workers: int, cores: int) -> float:
        """The speedup theory promises with ``workers`` workers on ``cores`` cores.

        Waits overlap freely, so I/O-bound jobs promise ``workers`` (one per job at most);
        CPU-bound jobs can use no more than ``cores`` at once.
        """
        limit = self.jobs if self.bound == "io" else min(cores, self.jobs)
        return float(min(workers, limit))


def time_sequential(workload: Workload) -> float:
    """Seconds a plain loop takes over the workload: the baseline every speedup divides."""
    fn = cpu_job if workload.bound == "cpu" else io_job
    start = time.perf_counter()
    for arg in workload.args():
        fn(arg)
    return time.perf_counter() - start


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion with ``asyncio.run`` and return its result.

    In a script this is just ``asyncio.run(coro)``. Inside Jupyter the kernel's own event
    loop is already running in this thread, where ``asyncio.run`` refuses to start a second
    one; there the coroutine runs in a fresh loop on a short-lived thread, joined before
    returning.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with cf.ThreadPoolExecutor(1, thread_name_prefix="asyncio-runner") as runner:
        return runner.submit(asyncio.run, coro).result()


async def _gather_limited(workload: Workload, concurrency: int) -> list[Any]:
    """Run every job as a task, at most ``concurrency`` at once (an ``asyncio.Semaphore``)."""
    gate = asyncio.Semaphore(concurrency)
    job = async_cpu_job if workload.bound == "cpu" else async_io_job

    async def one(arg: Any) -> Any:
        async with gate:
            return await job(arg)

    return await asyncio.gather(*(one(arg) for arg in workload.args()))


@contextmanager
def process_pool(workers: int, *, timeout: float = 60.0) -> Iterator[cf.ProcessPoolExecutor]:
    """A process pool of ``workers`` processes, all of them running, always shut down on exit.

    The pool uses :func:`process_context`. Each worker process checks in (releases a shared
    semaphore) as soon as it has started, and this waits for all of them, so nothing timed
    inside the ``with`` block pays for a process still starting (their start-up cost is
    measured separately by :func:`pool_startup_seconds`). On exit it waits for the processes
    to end, so nothing outlives the block.
    """
    positive_int("workers", workers)
    positive_number("timeout", timeout)
    context = process_context()
    ready = context.Semaphore(0)
    pool = cf.ProcessPoolExecutor(
        workers, mp_context=context, initializer=_check_in, initargs=(ready,)
    )
    try:
        list(pool.map(_nothing, range(workers)))  # the first jobs make the pool start its processes
        deadline = time.monotonic() + timeout
        for _ in range(workers):
            if not ready.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"the {workers} worker processes did not start in {timeout} s")
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def pool_startup_seconds(workers: int) -> float:
    """Seconds to start a process pool of ``workers`` and get one empty job back from each."""
    start = time.perf_counter()
    with process_pool(workers):
        elapsed = time.perf_counter() - start
    return elapsed


def time_batch(
    kind: Kind, workload: Workload, workers: int, pool: cf.ProcessPoolExecutor | None = None
) -> float:
    """Seconds ``workers`` threads, processes or asyncio tasks take to run the workload.

    For processes, only the jobs are timed: they run on ``pool`` if given (a running pool of
    ``workers`` processes from :func:`process_pool`), else on a new one started beforehand.
    For threads and asyncio, starting them is part of the time (it costs microseconds).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    positive_int("workers", workers)
    if kind == "asyncio":
        start = time.perf_counter()
        run_coroutine(_gather_limited(workload, workers))
        return time.perf_counter() - start
    fn = cpu_job if workload.bound == "cpu" else io_job
    if kind == "threads":
        start = time.perf_counter()
        with cf.ThreadPoolExecutor(workers, thread_name_prefix="sweep") as pool:
            list(pool.map(fn, workload.args()))
        return time.perf_counter() - start
    if pool is None:
        with process_pool(workers) as new_pool:
            return time_batch(kind, workload, workers, new_pool)
    start = time.perf_counter()
    list(pool.map(fn, workload.args()))
    return time.perf_counter() - start


@dataclass(frozen=True, slots=True)
class Sweep:
    """Speedups of one kind of worker over a plain loop, at each worker count."""

    kind: Kind
    workload: Workload
    workers: tuple[int, ...]
    seconds: tuple[float, ...]
    sequential_seconds: float
    cores: int
    #: CPU seconds ÷ wall seconds of this process, the most any run reached, per worker count:
    #: how many cores the workers kept busy. Load can only lower it, so "at most 1 core" is
    #: a claim a busy machine cannot fake. NaN for processes (their CPU time is not ours).
    busy_cores: tuple[float, ...] = ()

    @property
    def speedups(self) -> tuple[float, ...]:
        """Sequential time divided by the time with each worker count."""
        return tuple(self.sequential_seconds / s for s in self.seconds)

    @property
    def ideal(self) -> tuple[float, ...]:
        """The speedup theory promises at each worker count (see :meth:`Workload.ideal_speedup`)."""
        return tuple(self.workload.ideal_speedup(w, self.cores) for w in self.workers)

    def speedup_at(self, workers: int) -> float:
        """The measured speedup with ``workers`` workers."""
        return self.speedups[self.workers.index(workers)]


def speedup_sweep(
    workload: Workload,
    workers: Sequence[int],
    kinds: Sequence[Kind] = KINDS,
    *,
    repeats: int = 1,
    progress: bool = False,
) -> dict[Kind, Sweep]:
    """Time the workload sequentially and on each kind of worker at each worker count.

    Every measurement is repeated ``repeats`` times and the fastest run kept: other programs
    on the machine can only make a run slower, never faster, so the minimum is the fairest
    estimate. Each process pool is started once and reused by every round (all are shut
    down before this returns). With ``progress`` a ``tqdm`` bar counts the runs.
    """
    workers = [positive_int("workers", w) for w in workers]
    if not workers:
        raise ValueError("workers is empty: give at least one worker count")
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"kinds must hold some of {KINDS}, got {kind!r}")
    positive_int("repeats", repeats)
    runs = [(kind, w) for kind in kinds for w in workers]
    bar = progress_bar(total=repeats * (len(runs) + 1), enabled=progress, desc="runs")
    best_sequential = float("inf")
    best: dict[tuple[Kind, int], float] = {}
    busiest: dict[tuple[Kind, int], float] = {}
    with ExitStack() as pools_to_close:
        pools: dict[int, cf.ProcessPoolExecutor] = {}
        pools_to_close.callback(bar.close)
        for _ in range(repeats):  # repeat whole rounds, so a busy moment hits one run only
            best_sequential = min(best_sequential, time_sequential(workload))
            bar.update()
            for kind, w in runs:
                if kind == "processes" and w not in pools:
                    pools[w] = pools_to_close.enter_context(process_pool(w))
                cpu_start = time.process_time()
                seconds = time_batch(
                    kind, workload, w, pools.get(w) if kind == "processes" else None
                )
                busy = (time.process_time() - cpu_start) / seconds
                best[kind, w] = min(best.get((kind, w), float("inf")), seconds)
                busiest[kind, w] = max(busiest.get((kind, w), 0.0), busy)
                bar.update()
    n_cores = cores()
    return {
        kind: Sweep(
            kind,
            workload,
            tuple(workers),
            tuple(best[kind, w] for w in workers),
            best_sequential,
            n_cores,
            tuple(float("nan") if kind == "processes" else busiest[kind, w] for w in workers),
        )
        for kind in kinds
    }


def _spin(seconds: float) -> tuple[float, float, float]:
    """Compute for ``seconds`` of wall time; return (start, end, CPU seconds this process got).

    Runs in a pool worker. ``time.monotonic`` is one clock for every process on the machine,
    so the parent can line the windows of several workers up.
    """
    start = time.monotonic()
    cpu = time.process_time()
    while time.monotonic() - start < seconds:
        cpu_job(1_000)
    return start, time.monotonic(), time.process_time() - cpu


def _free_cores(pool: cf.ProcessPoolExecutor, workers: int, seconds: float) -> float:
    """Cores ``workers`` pool processes get right now: their CPU seconds over the shared window.

    Each worker computes flat out for ``seconds``; on an idle machine they get ``workers``
    cores between them, on a busy one less: the rest goes to other programs.
    """
    windows = list(pool.map(_spin, [seconds] * workers, chunksize=1))
    span = max(end for _, end, _ in windows) - min(start for start, _, _ in windows)
    return sum(cpu for _, _, cpu in windows) / span


@dataclass(frozen=True, slots=True)
class ParallelCheck:
    """A process pool against the plain loop, with the cores each of them got meanwhile.

    ``speedup`` is the loop's time over the pool's. ``loop_cores`` is the share of a core
    the loop got (its CPU time over its wall time, at most 1); ``free_cores`` is the number
    of cores ``workers`` processes computing flat out got just before and just after the
    pool ran (the mean of the two). On an idle machine those are 1 and ``workers``; on a
    busy one other programs take part of them.
    """

    workers: int
    speedup: float
    loop_cores: float
    free_cores: float
    attempts: int

    @property
    def allowed(self) -> float:
        """The speedup the measured cores allow: ``min(workers, free_cores) / loop_cores``."""
        return min(self.workers, self.free_cores) / self.loop_cores

    @property
    def share(self) -> float:
        """How much of the allowed speedup the pool reached (1.0: all of it)."""
        return self.speedup / self.allowed


def parallel_check(
    workload: Workload,
    workers: int = 2,
    *,
    target_share: float = 0.65,
    attempts: int = 6,
    probe_seconds: float = 0.1,
    chunksize: int | None = None,
) -> ParallelCheck:
    """How much of the speedup the machine's free cores allow does a process pool reach?

    A parallel speedup needs free cores, and a shared machine may have none at the moment:
    then 2 processes *cannot* beat the loop, however right the code. So each attempt
    measures, back to back: the loop (and the share of a core it got), the free cores
    (``workers`` processes computing flat out for ``probe_seconds``), the pool running the
    workload, and the free cores again. Attempts stop once the pool reaches
    ``target_share`` of the speedup those cores allow (:attr:`ParallelCheck.allowed`); the
    best attempt is returned. With 2 free cores the allowed speedup is 2, so the default
    asks for 1.3×; while other programs hold cores it asks for proportionally less.

    The jobs go in ``chunksize`` trips (default: one trip per worker), so on a busy machine
    the pool does not also wait for this process to be scheduled between jobs; pass
    ``chunksize=1`` to check the one-job-at-a-time pool of :func:`overhead_sweep`.

    The free cores are measured by the pool's own workers: this checks that the pool turns
    the cores it can get into speed (its start-up and per-job costs do not eat it), not
    that the pool has as many processes as it was asked for (``process_pool`` does that).
    The pool is started before any timing and shut down before this returns.
    """
    positive_int("workers", workers)
    positive_number("target_share", target_share)
    positive_int("attempts", attempts)
    positive_number("probe_seconds", probe_seconds)
    if chunksize is None:
        chunksize = -(-workload.jobs // workers)  # one trip per worker
    positive_int("chunksize", chunksize)
    fn = cpu_job if workload.bound == "cpu" else io_job
    best: ParallelCheck | None = None
    with process_pool(workers) as pool:
        for attempt in range(1, attempts + 1):
            wall, cpu = time.perf_counter(), time.process_time()
            time_sequential(workload)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            before = _free_cores(pool, workers, probe_seconds)
            start = time.perf_counter()
            list(pool.map(fn, workload.args(), chunksize=chunksize))
            pooled = time.perf_counter() - start
            after = _free_cores(pool, workers, probe_seconds)
            check = ParallelCheck(
                workers, wall / pooled, min(1.0, cpu / wall), (before + after) / 2, attempt
            )
            if best is None or check.share > best.share:
                best = check
            if best.share >= target_share:
                break
    assert best is not None  # attempts >= 1
    return best


# --- a downstream service with limited capacity --------------------------------------------


class Overloaded(Exception):
    """The service refused a request: too many were already in flight (an HTTP 503)."""


class SimulatedService:
    """A downstream service (a database, an API) that can serve ``capacity`` requests at once.

    A request takes ``latency`` seconds while at most ``capacity`` are in flight. Beyond that
    the requests share the service and slow each other down: each takes
    ``latency × (in_flight / capacity) ** congestion``, so with ``congestion > 1`` throughput
    does not just level off, it falls (the contention, context switches and lock waits a
    real overloaded service suffers). A request that arrives when ``refuse_above`` are
    already in flight is refused with :class:`Overloaded` after ``refuse_latency`` seconds.

    The slowdown is fixed when a request arrives, from the number in flight at that moment:
    a simple model, good enough to show the knee. Thread-safe; clients call :meth:`call`.
    """

    def __init__(
        self,
        capacity: int = 4,
        latency: float = 0.01,
        *,
        refuse_above: int = 16,
        congestion: float = 1.5,
        refuse_latency: float = 0.001,
    ) -> None:
        self.capacity = positive_int("capacity", capacity)
        self.latency = positive_number("latency", latency)
        self.refuse_above = positive_int("refuse_above", refuse_above, minimum=capacity)
        self.congestion = positive_number("congestion", congestion, allow_zero=True)
        self.refuse_latency = positive_number("refuse_latency", refuse_latency, allow_zero=True)
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_in_flight = 0

    @property
    def max_throughput(self) -> float:
        """Requests per second the service completes at best: ``capacity / latency``."""
        return self.capacity / self.latency

    def service_time(self, in_flight: int) -> float:
        """Seconds a request takes when it arrives as one of ``in_flight`` requests."""
        load = max(1.0, in_flight / self.capacity)
        return self.latency * load**self.congestion

    def call(self) -> float:
        """Serve one request; return its service time, or raise :class:`Overloaded`."""
        seconds: float | None = None
        with self._lock:
            if self._in_flight < self.refuse_above:
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
                seconds = self.service_time(self._in_flight)
        if seconds is None:
            time.sleep(self.refuse_latency)
            raise Overloaded(f"{self.refuse_above} requests already in flight")
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self._in_flight -= 1
        return seconds


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What ``clients`` clients calling the service for ``seconds`` saw."""

    clients: int
    limit: int | None
    seconds: float
    ok: int
    errors: int
    latencies: tuple[float, ...] = field(repr=False)
    peak_in_flight: int

    @property
    def throughput(self) -> float:
        """Successful requests per second."""
        return self.ok / self.seconds

    @property
    def error_share(self) -> float:
        """Share of responses that were refusals (0 when there were none)."""
        total = self.ok + self.errors
        return self.errors / total if total else 0.0

    @property
    def median_latency(self) -> float:
        """Median seconds a successful request spent in the service."""
        return statistics.median(self.latencies) if self.latencies else float("nan")


def load_test(
    service: SimulatedService, clients: int, duration: float, *, limit: int | None = None
) -> LoadResult:
    """``clients`` threads call ``service`` back to back for ``duration`` seconds.

    With ``limit``, every call first takes a slot from one shared
    ``threading.BoundedSemaphore(limit)``: however many clients there are, at most ``limit``
    requests are in flight. Latency is the time inside the service (what the service's own
    dashboard shows); time spent waiting for a slot is the client's queue, not the service's.
    """
    positive_int("clients", clients)
    positive_number("duration", duration)
    if limit is not None:
        positive_int("limit", limit)
    gate = threading.BoundedSemaphore(limit) if limit is not None else None
    latencies: list[float] = []  # list.append is atomic: the clients need no lock
    refusals: list[Overloaded] = []
    start = time.perf_counter()
    deadline = start + duration

    def client() -> None:
        while time.perf_counter() < deadline:
            left = deadline - time.perf_counter()
            if gate is not None and not gate.acquire(timeout=max(0.0, left)):
                return  # the run ended while this client waited for a slot
            try:
                latencies.append(service.call())
            except Overloaded as refusal:
                refusals.append(refusal)
            finally:
                if gate is not None:
                    gate.release()

    with cf.ThreadPoolExecutor(clients, thread_name_prefix="client") as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result(timeout=duration + 30)  # a bound, and re-raises a client's error
    elapsed = time.perf_counter() - start
    return LoadResult(
        clients,
        limit,
        elapsed,
        len(latencies),
        len(refusals),
        tuple(latencies),
        service.peak_in_flight,
    )


def load_sweep(
    clients: Sequence[int],
    duration: float,
    *,
    limit: int | None = None,
    repeats: int = 1,
    progress: bool = False,
    **service_options: Any,
) -> list[LoadResult]:
    """:func:`load_test` at each client count, each against a fresh :class:`SimulatedService`.

    With ``repeats``, each count is run that many times and the run with the best
    throughput kept (a busy machine only ever wakes the clients late, lowering it).
    """
    clients = [positive_int("clients", c) for c in clients]
    positive_int("repeats", repeats)
    bar = progress_bar(
        total=len(clients) * repeats, enabled=progress, desc="limited" if limit else "clients"
    )
    results = []
    try:
        for count in clients:
            runs = []
            for _ in range(repeats):
                service = SimulatedService(**service_options)
                runs.append(load_test(service, count, duration, limit=limit))
                bar.update()
            results.append(max(runs, key=lambda r: r.throughput))
    finally:
        bar.close()
    return results


def knee(results: Sequence[LoadResult]) -> int:
    """The client count with the highest throughput: past it, more clients only hurt."""
    if not results:
        raise ValueError("results is empty: run load_sweep first")
    return max(results, key=lambda r: r.throughput).clients


# --- a pipeline of stages vs one pool ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the work: ``name``, the ``seconds`` it waits per item, its ``workers``."""

    name: str
    seconds: float
    workers: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("name must be a non-empty string")
        positive_number("seconds", self.seconds)
        positive_int("workers", self.workers)


@dataclass(frozen=True, slots=True)
class FlowResult:
    """How long ``items`` items took to flow through, and the trace of every step."""

    items: int
    seconds: float
    trace: Trace

    def busy_share(self, worker: str) -> float:
        """Share of the run ``worker`` spent working (the rest it waited on a queue)."""
        busy = sum(s.duration for s in self.trace.spans() if s.worker == worker)
        return busy / self.seconds


_DONE = object()  # the end-of-stream marker a stage passes on when its input is exhausted


def _join_all(threads: Sequence[threading.Thread], timeout: float) -> None:
    """Join every thread within ``timeout`` seconds in total, or raise ``TimeoutError``."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        raise TimeoutError(f"threads did not finish in {timeout} s: {stuck}")


def run_pipeline(
    items: int, stages: Sequence[Stage], *, maxsize: int = 4, timeout: float = 30.0
) -> FlowResult:
    """Pass ``items`` items through ``stages``, each its own thread(s), joined by bounded queues.

    Stage *k* takes items from queue *k* and puts them on queue *k + 1* (``maxsize`` each), so
    a fast stage blocks when the next one falls behind instead of piling items up. When a
    stage's input ends, its last worker to finish passes one end marker per worker of the
    next stage (the Python form of closing a Go channel). Every step is a span in the trace,
    on a row named after its stage worker; queue depths are sampled as ``queue→<stage>``.
    """
    positive_int("items", items)
    positive_int("maxsize", maxsize)
    positive_number("timeout", timeout)
    stages = list(stages)
    if not stages or not all(isinstance(s, Stage) for s in stages):
        raise ValueError("stages must be a non-empty sequence of Stage")
    trace = Trace()
    queues = [queue.Queue(maxsize) for _ in stages]
    queues.append(queue.Queue())  # the last stage's output: the results, unbounded
    remaining = [s.workers for s in stages]
    lock = threading.Lock()
    deadline = time.monotonic() + timeout

    def put(index: int, item: object) -> None:
        queues[index].put(item, timeout=max(0.001, deadline - time.monotonic()))
        if index < len(stages):
            trace.sample(f"queue→{stages[index].name}", queues[index].qsize())

    def work(index: int, name: str) -> None:
        stage = stages[index]
        while True:
            item = queues[index].get(timeout=max(0.001, deadline - time.monotonic()))
            if item is _DONE:
                break
            with trace.span(stage.name, job=item, worker=name):
                time.sleep(stage.seconds)
            put(index + 1, item)
        with lock:
            remaining[index] -= 1
            last = remaining[index] == 0
        if last:
            downstream = stages[index + 1].workers if index + 1 < len(stages) else 1
            for _ in range(downstream):
                put(index + 1, _DONE)

    threads = [
        threading.Thread(target=work, args=(i, f"{s.name}-{k}"), name=f"{s.name}-{k}")
        for i, s in enumerate(stages)
        for k in range(s.workers)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for item in range(items):
        put(0, item)
    for _ in range(stages[0].workers):
        put(0, _DONE)
    _join_all(threads, timeout)
    return FlowResult(items, time.perf_counter() - start, trace)


def run_pool(items: int, stages: Sequence[Stage], workers: int) -> FlowResult:
    """Pass ``items`` items through every stage, each item by one of ``workers`` pool threads."""
    positive_int("items", items)
    positive_int("workers", workers)
    stages = list(stages)
    trace = Trace()

    def every_step(item: int) -> None:
        for stage in stages:
            with trace.span(stage.name, job=item):
                time.sleep(stage.seconds)

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(workers, thread_name_prefix="pool") as pool:
        list(pool.map(every_step, range(items)))
    return FlowResult(items, time.perf_counter() - start, trace)


def pipeline_pace(stages: Sequence[Stage]) -> float:
    """Seconds between two items leaving a pipeline, in theory: its slowest stage's pace.

    A stage with *k* workers finishes an item every ``seconds / k``.
    """
    return max(s.seconds / s.workers for s in stages)


# --- tiny jobs: per-job overhead ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OverheadPoint:
    """Seconds per job at one job size: in a plain loop and through a process pool."""

    size: int
    jobs: int
    sequential: float
    pooled: float

    @property
    def pool_wins(self) -> bool:
        """True when the pool finished the jobs faster than the loop."""
        return self.pooled < self.sequential


def overhead_sweep(
    sizes: Sequence[int],
    *,
    workers: int = 2,
    budget: float = 0.08,
    max_jobs: int = 300,
    repeats: int = 1,
    progress: bool = False,
) -> list[OverheadPoint]:
    """Time ``cpu_job(size)`` jobs in a loop and in a pool of ``workers`` processes, per job.

    Each size gets as many jobs as fit in about ``budget`` seconds of sequential work (at
    most ``max_jobs``, at least 4 per worker, rounded up to a multiple of ``workers`` so no
    worker is left alone with the last job). The jobs go one by one (``chunksize=1``), so
    each pays the pool's full per-job cost: pickling the call, two trips through a pipe,
    waking a worker, pickling the result back. Each time is the best of ``repeats`` runs.
    """
    sizes = [positive_int("sizes", s) for s in sizes]
    positive_int("workers", workers)
    positive_number("budget", budget)
    positive_int("max_jobs", max_jobs)
    positive_int("repeats", repeats)
    bar = progress_bar(total=len(sizes), enabled=progress, desc="job sizes")
    points = []
    try:
        with process_pool(workers) as pool:
            for size in sizes:
                start = time.perf_counter()
                cpu_job(size)
                one = max(time.perf_counter() - start, 1e-7)
                jobs = max(4 * workers, min(max_jobs, int(budget / one)))
                jobs = -(-jobs // workers) * workers
                sequential = pooled = float("inf")
                for _ in range(repeats):
                    start = time.perf_counter()
                    for _ in range(jobs):
                        cpu_job(size)
                    sequential = min(sequential, (time.perf_counter() - start) / jobs)
                    start = time.perf_counter()
                    list(pool.map(cpu_job, [size] * jobs, chunksize=1))
                    pooled = min(pooled, (time.perf_counter() - start) / jobs)
                points.append(OverheadPoint(size, jobs, sequential, pooled))
                bar.update()
    finally:
        bar.close()
    return points


def crossover(points: Sequence[OverheadPoint]) -> int | None:
    """The smallest job size from which the pool wins at every larger size, or None."""
    ordered = sorted(points, key=lambda p: p.size)
    winner = None
    for point in reversed(ordered):
        if not point.pool_wins:
            break
        winner = point.size
    return winner


# --- measure before you optimize -----------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Lower-case words of ``text`` (a step of :func:`slow_report`)."""
    return [word.strip(".,;:!?") for word in text.lower().split()]


def unique_in_order(words: Sequence[str]) -> list[str]:
    """Distinct words in first-seen order, checked against a *list*: O(n²), the hidden cost."""
    seen: list[str] = []
    for word in words:
        if word not in seen:
            seen.append(word)
    return seen


def unique_in_order_fast(words: Sequence[str]) -> list[str]:
    """The same result as :func:`unique_in_order` in O(n): ``dict`` keys keep insertion order."""
    return list(dict.fromkeys(words))


def slow_report(text: str, unique: Callable[[Sequence[str]], list[str]] = unique_in_order) -> str:
    """A job that feels slow: tokenize, find distinct words, summarise."""
    words = tokenize(text)
    distinct = unique(words)
    longest = sorted(distinct, key=len, reverse=True)[:3]
    return f"{len(words)} words, {len(distinct)} distinct; longest: {', '.join(longest)}"


def sample_text(words: int = 6000, vocabulary: int = 3000, seed: int = 6) -> str:
    """Deterministic text of ``words`` words drawn from ``vocabulary`` made-up words."""
    positive_int("words", words)
    positive_int("vocabulary", vocabulary)
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(vocabulary)]
    return " ".join(rng.choices(vocab, k=words))


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """One function in a profile: calls, seconds in its own code, seconds including callees."""

    function: str
    calls: int
    own_seconds: float
    cumulative_seconds: float


def profile_call(fn: Callable[..., Any], *args: Any) -> list[ProfileRow]:
    """Run ``fn(*args)`` under ``cProfile``; return every function, most own time first.

    Functions are named ``module:function`` (built-ins by their name), without file paths.
    """
    callable_arg("fn", fn)
    profiler = cProfile.Profile()
    profiler.runcall(fn, *args)
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    rows = []
    for (filename, _line, name), (_cc, calls, own, cumulative, _callers) in stats.items():
        if filename == "~":
            label = name.strip("<>").removeprefix("built-in method ")
        else:
            module = os.path.splitext(os.path.basename(filename))[0]
            label = f"{module}:{name}"
        rows.append(ProfileRow(label, calls, own, cumulative))
    rows.sort(key=lambda r: r.own_seconds, reverse=True)
    return rows


def profile_table(rows: Sequence[ProfileRow], top: int = 5) -> str:
    """The ``top`` rows as a text table, own time in milliseconds."""
    lines = [f"{'function':<38} {'calls':>7} {'own ms':>8} {'cum ms':>8}"]
    for row in rows[:top]:
        lines.append(
            f"{row.function[:38]:<38} {row.calls:>7} "
            f"{row.own_seconds * 1e3:>8.1f} {row.cumulative_seconds * 1e3:>8.1f}"
        )
    return "\n".join(lines)


# --- the scenario quiz ---------------------------------------------------------------------

#: The answers a scenario can have.
CHOICES = ("sequential", "pool", "pipeline", "processes", "asyncio", "job-queue library")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A situation, the right tool for it, and why each other choice is wrong there."""

    situation: str
    answer: str
    why: str
    wrong: dict[str, str]


SCENARIOS: dict[int, Scenario] = {
    1: Scenario(
        "A one-off script renames 40 files in a local folder; it takes half a second.",
        "sequential",
        "half a second, once: there is no bottleneck worth any complexity.",
        {
            "pool": "a pool saves at most half a second once, and adds shutdown and "
            "error handling to get right.",
            "pipeline": "there are no stages that need decoupling, and nothing is slow.",
            "processes": "starting the processes costs more than the whole job.",
            "asyncio": "rewriting a half-second script as coroutines buys nothing.",
            "job-queue library": "a broker and workers for a half-second one-off is all cost.",
        },
    ),
    2: Scenario(
        "Fetch 5,000 customer records from a partner's REST API with the (blocking) "
        "`requests` library; the partner allows at most 10 requests at a time.",
        "pool",
        "independent I/O-bound calls: a pool of 10 threads overlaps the waits and its size "
        "is the limit that protects the partner's API.",
        {
            "sequential": "5,000 calls one after the other wait for 5,000 round trips in a "
            "row, while 10 could be in flight.",
            "pipeline": "there is one step per record, not a chain of stages.",
            "processes": "the work is waiting on the network, which threads overlap just as "
            "well, without starting processes or pickling every result.",
            "asyncio": "`requests` blocks: inside a coroutine it would stall the event loop; "
            "asyncio needs an async HTTP client, and the code is blocking today.",
            "job-queue library": "it runs once in one program and needs no persistence or "
            "retries across restarts: a broker is extra machinery.",
        },
    ),
    3: Scenario(
        "Run a pure-Python simulation 200 times with different seeds; each run keeps one "
        "core busy for a second.",
        "processes",
        "CPU-bound pure Python: only separate processes run it on several cores at once "
        "(on a Python with the GIL).",
        {
            "sequential": "200 s on one core while the others sit idle.",
            "pool": "a pool of threads shares one GIL: CPU-bound Python gets no faster "
            "(unless the Python is free-threaded).",
            "pipeline": "each run is one CPU-bound step; stages would not add cores.",
            "asyncio": "coroutines take turns on one thread: a loop that never awaits "
            "blocks all the others, so nothing runs in parallel.",
            "job-queue library": "a local process pool already uses every core; a broker "
            "only pays off when the runs must spread over several machines.",
        },
    ),
    4: Scenario(
        "Read a log stream line by line, parse each line, and write it to a database that "
        "accepts one writer at a time, keeping the order of the lines.",
        "pipeline",
        "a chain of stages with different speeds and limits: read → parse → write, one "
        "writer, joined by bounded queues that keep the order and hold back the reader.",
        {
            "sequential": "the reader would wait for every database write before reading "
            "the next line: the stages could overlap but do not.",
            "pool": "a pool runs many writers at once and finishes lines out of order, "
            "and the database takes one writer only.",
            "processes": "the work waits on I/O, and separate processes would make keeping "
            "the order harder, not easier.",
            "asyncio": "the question is the shape of the work (stages), not thousands of "
            "waits; and the database driver here is blocking.",
            "job-queue library": "a stream processed as it arrives, in one program: no "
            "persistence or retries across machines were asked for.",
        },
    ),
    5: Scenario(
        "Keep 10,000 websocket connections open, mostly idle, each waiting for the next "
        "message to forward.",
        "asyncio",
        "10,000 mostly idle waits: a task costs a few kilobytes and microseconds, one "
        "event loop watches every socket.",
        {
            "sequential": "one connection at a time cannot even keep the others open.",
            "pool": "10,000 threads each reserve a stack and are scheduled by the OS; a "
            "smaller pool would leave connections unserved.",
            "pipeline": "there is no chain of stages, only many independent waits.",
            "processes": "10,000 processes, each a whole interpreter, to wait on sockets.",
            "job-queue library": "these are live connections, not jobs to persist and retry.",
        },
    ),
    6: Scenario(
        "A web app sends a password-reset email per request; an email must not be lost "
        "if the server restarts, and a failed send must be retried later.",
        "job-queue library",
        "persistence across restarts and retries with backoff are exactly what a job "
        "queue (with a broker or a database behind it) provides.",
        {
            "sequential": "the request would wait for the mail server, and a crash loses it.",
            "pool": "jobs held in a pool's in-memory queue vanish when the process restarts.",
            "pipeline": "an in-process pipeline loses its queued items on a restart too.",
            "processes": "a process pool is still in-memory: no persistence, no retries.",
            "asyncio": "a background task dies with the process, with nothing to retry it.",
        },
    ),
}
