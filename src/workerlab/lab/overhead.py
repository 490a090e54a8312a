"""Lesson 06: tiny jobs, where a plain loop beats any process pool, and the size where it stops.

Handing a job to a process pool costs something per job whatever the job: pickling the
call, two trips through a pipe, waking a worker, pickling the result back.
:func:`overhead_sweep` times jobs of growing size both ways, per job, and :func:`crossover`
finds the size from which the pool keeps winning.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from workerlab.kinds import cpu_job
from workerlab.lab.speedup import process_pool
from workerlab.progress import progress_bar
from workerlab.validate import positive_int, positive_number


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

    @property
    def ratio(self) -> float:
        """The pool's time per job over the loop's (above 1: the loop wins)."""
        return self.pooled / self.sequential


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
    each pays the pool's full per-job cost. Each time is the best of ``repeats`` runs. The
    pool is started before any timing (:func:`workerlab.lab.speedup.process_pool`).
    """
    sizes = [positive_int("sizes", s) for s in sizes]
    positive_int("workers", workers)
    positive_number("budget", budget)
    positive_int("max_jobs", max_jobs)
    positive_int("repeats", repeats)
    points = []
    with (
        progress_bar(total=len(sizes), enabled=progress, desc="job sizes") as bar,
        process_pool(workers) as pool,
    ):
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
