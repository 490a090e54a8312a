"""Benchmark the lesson 02 pool: efficiency against Little's law, and dispatch cost per job.

Full run (under a minute; run it on a machine as quiet as you can get):

    .venv/bin/python benchmarks/pool_benchmark.py

Smoke run (seconds; what ``make test`` runs, through tests/test_benchmarks_smoke.py):

    .venv/bin/python benchmarks/pool_benchmark.py --smoke

It prints two tables, each measured side by side in one run:

1. **Pool efficiency**: measured throughput / (workers / latency) for 1, 4, 16, 64 and 256
   workers, 10 ms I/O-bound jobs (sleeps), 20 jobs per worker, best of ``--repeats``. Beside
   it two *references*, measured the same way: ``ThreadPoolExecutor`` (the standard
   library's pool, the one to use in real code) and bare threads that only sleep (no queue,
   no pool: the most any thread pool can reach on this machine right now, so a low number
   there means a busy machine). The last column is the pool over bare threads.
2. **Dispatch cost per no-op job**: ``workerlab.pool`` (with and without a traced job)
   against ``ThreadPoolExecutor`` and a bare ``queue.Queue`` loop, same workers.

The course's pool is built to be read, not to win: these numbers say what its clarity
costs. No targets are checked; the smoke run only checks that everything runs and the
numbers are sane.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from workerlab.lab import throughput

FULL = {"workers": [1, 4, 16, 64, 256], "jobs_per_worker": 20, "dispatch_jobs": 20_000}
SMOKE = {"workers": [1, 4, 16], "jobs_per_worker": 3, "dispatch_jobs": 500}
LATENCY = 0.010


def efficiency_table(workers: list[int], jobs_per_worker: int, repeats: int) -> dict[int, float]:
    """Print and return pool efficiency per worker count, beside the bare-threads ceiling."""
    print(
        f"Pool efficiency: {LATENCY * 1000:g} ms jobs, {jobs_per_worker} jobs per worker, "
        f"best of {repeats}"
    )
    print(
        f"{'workers':>8} {'jobs/s':>9} {'ideal':>8} {'pool':>7} {'executor':>9} "
        f"{'bare threads':>13} {'pool/bare':>10}"
    )
    result = {}
    for n in workers:
        (point,) = throughput.throughput_sweep(
            [n], latency=LATENCY, jobs_per_worker=jobs_per_worker, repeats=repeats, progress=False
        )
        executor = max(
            throughput.executor_efficiency(n, latency=LATENCY, rounds=jobs_per_worker)
            for _ in range(repeats)
        )
        ceiling = max(
            throughput.sleeping_threads_efficiency(n, latency=LATENCY, rounds=jobs_per_worker)
            for _ in range(repeats)
        )
        result[n] = point.efficiency
        print(
            f"{n:>8} {point.throughput:>9.0f} {point.ideal:>8.0f} {point.efficiency:>7.3f} "
            f"{executor:>9.3f} {ceiling:>13.3f} {point.efficiency / ceiling:>10.3f}"
        )
    return result


def dispatch_table(jobs: int, workers: int, repeats: int) -> dict[str, float]:
    """Print and return seconds per no-op job for each dispatcher, and the ratios."""
    print(f"\nDispatch cost per no-op job: {jobs} jobs on {workers} threads, best of {repeats}")
    costs = throughput.dispatch_cost(jobs=jobs, workers=workers, repeats=repeats, progress=False)
    executor = costs["ThreadPoolExecutor"]
    for name, cost in costs.items():
        print(f"{name:>24} {cost * 1e6:>7.2f} µs/job  {cost / executor:>5.2f}× ThreadPoolExecutor")
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a run of seconds, for CI")
    parser.add_argument("--repeats", type=int, default=None, help="runs per point (best kept)")
    args = parser.parse_args(argv)
    size = SMOKE if args.smoke else FULL
    repeats = args.repeats or (1 if args.smoke else 3)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Python {platform.python_version()} on {platform.system()}, {os.cpu_count()} cores, "
        f"load average {load:.2f} at start{' (smoke run)' if args.smoke else ''}\n"
    )
    began = time.perf_counter()
    efficiency = efficiency_table(size["workers"], size["jobs_per_worker"], repeats)
    costs = dispatch_table(size["dispatch_jobs"], 4, repeats)
    print(f"\n({time.perf_counter() - began:.1f} s)")
    sane = all(0 < e <= 1.05 for e in efficiency.values()) and all(
        0 < c < 0.01 for c in costs.values()
    )
    print("numbers are sane" if sane else "NUMBERS ARE NOT SANE")
    return 0 if sane else 1


if __name__ == "__main__":
    sys.exit(main())
