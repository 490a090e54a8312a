"""Lesson 06's speedup sweeps: a batch on threads, processes and asyncio against a plain loop.

The sweeps run :mod:`workerlab.kinds`'s three tools at several worker counts and divide the
loop's time by each. A shared machine can disturb them (other programs take the cores, or
slow the loop the speedups divide by), so the sweep also measures what load cannot fake:
the share of a core the loop got, the cores busy in this process, and how many cores
worker processes computing flat out get (:func:`free_cores`). :func:`disturbances` turns
those into plain sentences, so a lesson says when its figures were disturbed instead of
teaching the wrong thing. :func:`parallel_check` asks a process pool for the speedup the
free cores allow, no more.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import math
import multiprocessing
import os
import signal
import sys
import sysconfig
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from workerlab.kinds import (
    START_METHOD,
    async_cpu_job,
    async_io_job,
    cpu_job,
    io_job,
    run_asyncio,
    run_threads,
)
from workerlab.lab.envcheck import gil_enabled
from workerlab.progress import progress_bar
from workerlab.validate import positive_int, positive_number

T = TypeVar("T")
Kind = Literal["threads", "processes", "asyncio"]
KINDS: tuple[Kind, ...] = ("threads", "processes", "asyncio")

# --- the machine ------------------------------------------------------------------------------


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
    its figures; the notebook measures the cores it gets instead (:func:`free_cores`).
    """
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


# --- the workload -----------------------------------------------------------------------------


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

    @property
    def job(self) -> Callable[[Any], Any]:
        """The job function: :func:`workerlab.kinds.cpu_job` or :func:`~workerlab.kinds.io_job`."""
        return cpu_job if self.bound == "cpu" else io_job

    @property
    def async_job(self) -> Callable[[Any], Coroutine[Any, Any, Any]]:
        """The same job as a coroutine function, for asyncio."""
        return async_cpu_job if self.bound == "cpu" else async_io_job

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


def time_loop(workload: Workload) -> tuple[float, float]:
    """A plain loop over the workload: (wall seconds, share of a core it got).

    The wall time is the baseline every speedup divides. The share is its CPU time over its
    wall time (lesson 01's two clocks): 1.0 for computing on a quiet machine, less when other
    programs took the core meanwhile, about 0 for waiting.
    """
    job, args = workload.job, workload.args()
    wall, cpu = time.perf_counter(), time.process_time()
    for arg in args:
        job(arg)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, min(1.0, cpu / wall)


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion with ``asyncio.run`` and return its result.

    In a script this is just ``asyncio.run(coro)``. Inside Jupyter the kernel's own event
    loop is already running in this thread, where ``asyncio.run`` refuses to start a second
    one; there the coroutine runs in a fresh loop on a short-lived thread, joined before
    returning (a notebook cell can simply ``await`` it instead).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with cf.ThreadPoolExecutor(1, thread_name_prefix="asyncio-runner") as runner:
        return runner.submit(asyncio.run, coro).result()


# --- process pools started before the clock -----------------------------------------------------


def _ignore_interrupts() -> None:
    """Runs first in every new pool process: leave Ctrl-C to the parent.

    The notebook's stop button interrupts the kernel's whole process group, workers too.
    Ignoring it here leaves the interrupt to the parent, which shuts the pool down in order
    (each worker finishes its job and exits) instead of every worker dying with a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pid_after(seconds: float) -> int:
    """The warm-up job: wait ``seconds`` (so the jobs overlap), then name this process."""
    time.sleep(seconds)
    return os.getpid()


@contextmanager
def process_pool(workers: int, *, timeout: float = 60.0) -> Iterator[cf.ProcessPoolExecutor]:
    """A process pool like :func:`workerlab.kinds.run_processes`'s, with every worker running.

    Same start method (:data:`workerlab.kinds.START_METHOD`). Before yielding, it hands out
    short overlapping warm-up jobs until every one of the ``workers`` processes has run one,
    so nothing timed inside the ``with`` block pays for a process still starting (that cost
    is :func:`pool_startup_seconds`). No multiprocessing lock or semaphore is involved, so
    none outlives the block (a live one keeps the resource tracker, and a slow kernel
    restart, alive). On exit it waits for the processes to end, so nothing outlives the
    block, and jobs not started yet are cancelled (an interrupted cell).
    """
    positive_int("workers", workers)
    positive_number("timeout", timeout)
    context = multiprocessing.get_context(START_METHOD)
    pool = cf.ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)
    try:
        deadline = time.monotonic() + timeout
        seen: set[int] = set()
        while len(seen) < workers:  # a process that has run a job has started
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the {workers} worker processes did not start in {timeout} s")
            seen |= set(pool.map(_pid_after, [0.02] * workers, timeout=left))
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

    Threads and asyncio run :mod:`workerlab.kinds`'s own functions; starting them is part
    of the time (microseconds). For processes only the jobs are timed, ``pool.map`` as in
    :func:`~workerlab.kinds.run_processes`, on ``pool`` if given (a running pool of
    ``workers`` processes from :func:`process_pool`), else on one started beforehand.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    positive_int("workers", workers)
    if kind == "processes" and pool is None:
        with process_pool(workers) as new_pool:
            return time_batch(kind, workload, workers, new_pool)
    start = time.perf_counter()
    if kind == "threads":
        run_threads(workload.job, workload.args(), workers)
    elif kind == "asyncio":
        run_coroutine(run_asyncio(workload.async_job, workload.args(), workers))
    else:
        assert pool is not None
        list(pool.map(workload.job, workload.args()))
    return time.perf_counter() - start


# --- free cores ---------------------------------------------------------------------------------


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


def free_cores(pool: cf.ProcessPoolExecutor, workers: int, seconds: float = 0.05) -> float:
    """Cores ``workers`` processes of ``pool`` get right now, computing flat out for ``seconds``.

    Their CPU seconds over their shared window: on an idle machine ``workers`` (up to the
    cores there are), on a busy one less, as other programs take the rest.
    """
    positive_int("workers", workers)
    positive_number("seconds", seconds)
    windows = list(pool.map(_spin, [seconds] * workers, chunksize=1))
    span = max(end for _, end, _ in windows) - min(start for start, _, _ in windows)
    return sum(cpu for _, _, cpu in windows) / span


# --- the sweep ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sweep:
    """Speedups of one kind of worker over a plain loop, at each worker count.

    ``loop_cores`` is the share of a core the loop got (NaN for waiting work, where it means
    nothing). ``busy_cores`` is, per worker count, this process's CPU seconds over wall
    seconds, the most any run reached: how many cores threads or tasks kept busy. Load can
    only lower it, so "at most 1 core" is a claim a busy machine cannot fake (NaN for
    processes, whose CPU time is not ours). ``free_cores`` is the most cores worker
    processes computing flat out got between rounds (NaN unless processes ran CPU-bound
    work).
    """

    kind: Kind
    workload: Workload
    workers: tuple[int, ...]
    seconds: tuple[float, ...]
    sequential_seconds: float
    cores: int
    busy_cores: tuple[float, ...]
    loop_cores: float = math.nan
    free_cores: float = math.nan

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
    """Time the workload in a loop and on each kind of worker at each worker count.

    Every measurement is repeated ``repeats`` times and the fastest run kept: other programs
    on the machine can only make a run slower, never faster, so the minimum is the fairest
    estimate. Whole rounds are repeated, so a busy moment hits one run of each point only.
    Each process pool is started once, before any timing, and reused by every round (all
    are shut down before this returns). For CPU-bound work with processes, each round ends
    by measuring the free cores. With ``progress`` a ``tqdm`` bar counts the runs.
    """
    workers = [positive_int("workers", w) for w in workers]
    if not workers:
        raise ValueError("workers is empty: give at least one worker count")
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"kinds must hold some of {KINDS}, got {kind!r}")
    positive_int("repeats", repeats)
    n_cores = cores()
    probe = workload.bound == "cpu" and "processes" in kinds
    runs = [(kind, w) for kind in kinds for w in workers]
    bar = progress_bar(total=repeats * (len(runs) + 1 + probe), enabled=progress, desc="runs")
    loop_seconds, loop_cores, most_free = math.inf, 0.0, 0.0
    best: dict[tuple[Kind, int], float] = {}
    busiest: dict[tuple[Kind, int], float] = {}
    with ExitStack() as to_close:
        to_close.callback(bar.close)
        pools: dict[int, cf.ProcessPoolExecutor] = {}
        if "processes" in kinds:
            pools = {w: to_close.enter_context(process_pool(w)) for w in workers}
        for _ in range(repeats):
            # The loop is timed twice a round, so that a slow moment of this machine (its
            # pace varies by tens of percent run to run) does not set every baseline.
            for seconds, share in (time_loop(workload), time_loop(workload)):
                if seconds < loop_seconds:
                    loop_seconds, loop_cores = seconds, share
            bar.update()
            for kind, w in runs:
                cpu_start = time.process_time()
                seconds = time_batch(kind, workload, w, pools.get(w))
                busy = (time.process_time() - cpu_start) / seconds
                best[kind, w] = min(best.get((kind, w), math.inf), seconds)
                busiest[kind, w] = max(busiest.get((kind, w), 0.0), busy)
                bar.update()
            if probe:
                widest = max(workers)
                most_free = max(most_free, free_cores(pools[widest], min(widest, n_cores)))
                bar.update()
    return {
        kind: Sweep(
            kind,
            workload,
            tuple(workers),
            tuple(best[kind, w] for w in workers),
            loop_seconds,
            n_cores,
            tuple(math.nan if kind == "processes" else busiest[kind, w] for w in workers),
            loop_cores if workload.bound == "cpu" else math.nan,
            most_free if probe else math.nan,
        )
        for kind in kinds
    }


def disturbances(sweeps: Mapping[str, Sweep]) -> list[str]:
    """What in these sweeps shows a disturbed run, one sentence each ([] if none).

    Each sign is measured, none guessed. Computing: the loop got less than a whole core
    (every speedup then reads too high); a speedup above the ideal (only a loop slower than
    it can be gives one); processes far below the ideal while the free cores measured were
    few; threads or tasks that kept less than a core busy (under the GIL they keep one
    busy: other programs took the rest). Waiting: the loop's sleeps ended late (a busy
    machine wakes sleepers late); processes far below the ideal (each hand-over to and from
    a worker process waits for a core).
    """
    notes: list[str] = []
    for sweep in sweeps.values():
        if sweep.workload.bound == "io":
            notes += [note for note in _waiting_disturbances(sweep) if note not in notes]
    cpu = [s for s in sweeps.values() if s.workload.bound == "cpu"]
    if cpu and cpu[0].loop_cores < 0.85:
        notes.append(
            f"the plain loop got only {cpu[0].loop_cores:.2f} of a core: other programs slowed "
            "the baseline, so every speedup here reads too high."
        )
    for sweep in cpu:
        starved = []  # threads or tasks that did not get a whole core
        for w, speedup, ideal, busy in zip(
            sweep.workers, sweep.speedups, sweep.ideal, sweep.busy_cores, strict=True
        ):
            if speedup > 1.08 * ideal:
                notes.append(
                    f"{sweep.kind} with {w}: {speedup:.2f}×, above the ideal {ideal:.0f}×: the "
                    "loop they are measured against ran slower than it can."
                )
            elif sweep.kind != "processes" and busy < 0.85:
                starved.append(f"{busy:.2f} with {w}")
        if starved:
            notes.append(
                f"{sweep.kind} kept less than a core busy ({', '.join(starved)}), where "
                "under the GIL they keep one: other programs took the rest."
            )
        low = _far_below(sweep)
        wanted = min(max((w for w, _, _ in low), default=1), sweep.cores)
        if low and sweep.free_cores < 0.8 * wanted:
            notes.append(
                f"{_listed(low)}: worker processes computing flat out got at most "
                f"{sweep.free_cores:.2f} of {wanted} cores; other programs held the rest."
            )
    return notes


def shortfalls(sweeps: Mapping[str, Sweep]) -> list[str]:
    """Process speedups far below the ideal although the cores were free: no disturbance,
    the cost of handing jobs to processes, which a short batch shows (one sentence each)."""
    notes = []
    for sweep in sweeps.values():
        low = _far_below(sweep) if sweep.workload.bound == "cpu" else []
        wanted = min(max((w for w, _, _ in low), default=1), sweep.cores)
        if low and not sweep.free_cores < 0.8 * wanted:
            notes.append(
                f"{_listed(low)}, though worker processes got {sweep.free_cores:.2f} cores when "
                "measured: sending each job to a process and its result back costs time, "
                "which a batch this short shows."
            )
    return notes


def _far_below(sweep: Sweep) -> list[tuple[int, float, float]]:
    """(workers, speedup, ideal) where processes reached less than 80 % of an ideal >= 2."""
    if sweep.kind != "processes":
        return []
    points = zip(sweep.workers, sweep.speedups, sweep.ideal, strict=True)
    return [(w, s, i) for w, s, i in points if i >= 2 and s < 0.8 * i]


def _listed(low: list[tuple[int, float, float]]) -> str:
    said = "processes " + ", ".join(f"with {w}: {s:.2f}×" for w, s, _ in low)
    ideals = {i for _, _, i in low}
    return f"{said}, far below " + (
        f"the ideal {ideals.pop():.0f}×" if len(ideals) == 1 else "their ideals"
    )


def _waiting_disturbances(sweep: Sweep) -> list[str]:
    """The signs of a busy machine in a sweep of waiting jobs (see :func:`disturbances`)."""
    notes = []
    waited = sweep.workload.jobs * sweep.workload.size
    if sweep.sequential_seconds > 1.25 * waited:
        notes.append(
            f"the plain loop took {sweep.sequential_seconds * 1e3:.0f} ms for "
            f"{waited * 1e3:.0f} ms of waiting: a busy machine wakes sleepers late."
        )
    if sweep.kind == "processes":
        low = [
            f"with {w}: {speedup:.2f}×"
            for w, speedup, ideal in zip(sweep.workers, sweep.speedups, sweep.ideal, strict=True)
            if ideal >= 2 and speedup < 0.6 * ideal
        ]
        if low:
            notes.append(
                f"processes {', '.join(low)}, far below the ideal: every hand-over to and from "
                "a worker process waited for a core that other programs held."
            )
    return notes


def describe(sweeps: Mapping[str, Sweep]) -> str:
    """The sweeps as text: the loop, each kind's speedups beside the ideal, and any disturbance."""
    if not sweeps:
        raise ValueError("sweeps is empty: run speedup_sweep first")
    first = next(iter(sweeps.values()))
    loop = f"plain loop {first.sequential_seconds * 1e3:.0f} ms"
    if not math.isnan(first.loop_cores):
        loop += f" (it got {first.loop_cores:.2f} of a core)"
    lines = [loop]
    for kind, sweep in sweeps.items():
        figures = ", ".join(
            f"{w}: {s:.2f}×" for w, s in zip(sweep.workers, sweep.speedups, strict=True)
        )
        lines.append(f"{kind:>9}  {figures}")
    notes, short = disturbances(sweeps), shortfalls(sweeps)
    if notes:
        lines.append(
            "⚠️ Disturbed: something besides this work slowed the run, so these figures do not"
        )
        lines.append("show what this machine can do (re-run the cell when it is quieter):")
        lines += [f"- {note}" for note in notes]
    elif short:
        lines += [f"Note: {note}" for note in short]
    elif first.workload.bound == "cpu":
        lines.append("Undisturbed: the loop had a whole core, the processes the cores they needed.")
    return "\n".join(lines)


# --- a process pool against the cores it can get ------------------------------------------------


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

    @property
    def disturbance(self) -> str | None:
        """What other programs took while it ran, in a sentence; None on a quiet machine."""
        if self.free_cores < 0.8 * self.workers:
            return (
                f"only {self.free_cores:.2f} of {self.workers} cores were free (other programs "
                "held the rest): this speedup is what the machine allowed, not what it can do."
            )
        if self.loop_cores < 0.85:
            return f"the loop got only {self.loop_cores:.2f} of a core, so the speedup reads high."
        return None

    def __str__(self) -> str:
        text = (
            f"{self.workers} processes: speedup {self.speedup:.2f}× over the loop; the cores "
            f"they could get ({self.free_cores:.2f}; the loop got {self.loop_cores:.2f}) allow "
            f"{self.allowed:.2f}×, and they reached {self.share:.0%} of it"
        )
        return text + (f"\n⚠️ Disturbed: {self.disturbance}" if self.disturbance else "")


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
    ``chunksize=1`` to check the one-job-at-a-time pool of the overhead sweep.

    The free cores are measured by the pool's own workers: this checks that the pool turns
    the cores it can get into speed (its start-up and per-job costs do not eat it), not
    that the pool has as many processes as it was asked for (:func:`process_pool` does).
    The pool is started before any timing and shut down before this returns.
    """
    if workload.bound != "cpu":
        raise ValueError("workload must be CPU-bound (bound='cpu'): waiting needs no free cores")
    positive_int("workers", workers)
    positive_number("target_share", target_share)
    positive_int("attempts", attempts)
    positive_number("probe_seconds", probe_seconds)
    if chunksize is None:
        chunksize = -(-workload.jobs // workers)  # one trip per worker
    positive_int("chunksize", chunksize)
    best: ParallelCheck | None = None
    with process_pool(workers) as pool:
        for attempt in range(1, attempts + 1):
            loop_seconds, loop_cores = time_loop(workload)
            before = free_cores(pool, workers, probe_seconds)
            start = time.perf_counter()
            list(pool.map(workload.job, workload.args(), chunksize=chunksize))
            pooled = time.perf_counter() - start
            after = free_cores(pool, workers, probe_seconds)
            check = ParallelCheck(
                workers, loop_seconds / pooled, loop_cores, (before + after) / 2, attempt
            )
            if best is None or check.share > best.share:
                best = check
            if best.share >= target_share:
                break
    assert best is not None  # attempts >= 1
    return best
