"""Go beside Python: goroutines, threads and asyncio tasks measured side by side in one run.

Needs Go (``make go``). Full run (about a minute; run it on a machine as quiet as you
can get):

    .venv/bin/python benchmarks/go_beside_python.py

Smoke run (seconds; what ``make test`` runs, through tests/test_benchmarks_smoke_go.py):

    .venv/bin/python benchmarks/go_beside_python.py --smoke

It prints three tables, each from programs run one after the other in this one run, and
the ratios between them (never compare figures from different runs or machines):

1. **Pool efficiency**: measured throughput / (workers / latency) for the minimal pool of
   goroutines (``go/pool``), the course's pool of threads (``workerlab.pool.run_pool``) and
   a bare asyncio pool, on the same jobs (10 ms sleeps, 20 per worker, a line of 64).
2. **Start cost and memory per worker**: goroutines (``go/spawn``), threads, asyncio tasks
   and processes (``workerlab.lab.costs``), each started and parked, in a fresh process.
3. **Dispatch cost per no-op job**: a Go channel (``go/dispatch``) against a ``queue.Queue``
   loop, ``ThreadPoolExecutor``, the course's pool and an ``asyncio.Queue`` loop.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from workerlab.lab import go, ports
from workerlab.lab.goplots import duration, size

FULL = {
    "sweep": go.Sweep((1, 16, 64, 256, 1024, 4096), latency=0.010, jobs_per_worker=20, buffer=64),
    "spawn": go.SPAWN_COUNTS,
    "dispatch": {"go": 1_000_000, "python": 20_000, "repeats": 3},
}
SMOKE = {
    "sweep": go.Sweep((1, 16, 64), latency=0.005, jobs_per_worker=3, buffer=16),
    "spawn": {"goroutine": 1000, "thread": 50, "asyncio task": 500, "process": 1},
    "dispatch": {"go": 20_000, "python": 500, "repeats": 1},
}


def efficiency_table(side: go.GoSide, sweep: go.Sweep) -> dict[str, dict[int, float]]:
    """Print and return each kind's efficiency per worker count, and the ratios."""
    print(
        f"Pool efficiency (measured / ideal throughput): {sweep.latency * 1000:g} ms jobs, "
        f"{sweep.jobs_per_worker} per worker, a line of {sweep.buffer}"
    )
    pools = ports.compare_pools(side, sweep, progress=False)
    eff = {kind: {p.workers: p.efficiency for p in points} for kind, points in pools.items()}
    print(
        f"{'workers':>8} {'goroutines':>11} {'threads':>8} {'asyncio':>8}"
        f" {'go/threads':>11} {'go/asyncio':>11}"
    )
    for n in sweep.counts:
        g, t, a = (eff[kind][n] for kind in ("goroutines", "threads", "asyncio tasks"))
        print(f"{n:>8} {g:>11.2f} {t:>8.2f} {a:>8.2f} {g / t:>10.1f}× {g / a:>10.1f}×")
    return eff


def costs_table(side: go.GoSide, counts: dict[str, int]) -> dict[str, go.Costs]:
    """Print and return start cost and memory per worker of each kind, against a goroutine."""
    print("\nStart cost and memory per worker (started and parked, each kind in its own process)")
    costs = ports.compare_costs(side, counts, progress=False)
    base = costs["goroutine"]
    print(f"{'':>13} {'count':>6} {'start':>9} {'memory':>9} {'× goroutine':>18}")
    for kind, c in costs.items():
        print(
            f"{kind:>13} {counts[kind]:>6} {duration(c.start_seconds):>9} "
            f"{size(c.bytes_each):>9} {c.start_seconds / base.start_seconds:>8.0f}× start "
            f"{c.bytes_each / base.bytes_each:>6.1f}× memory"
        )
    return costs


def dispatch_table(side: go.GoSide, jobs: dict[str, int]) -> dict[str, float]:
    """Print and return seconds per no-op job on 4 workers, against a Go channel."""
    print(
        f"\nDispatch cost per no-op job on {go.DISPATCH_WORKERS} workers "
        f"({jobs['go']} jobs for Go, {jobs['python']} for Python, best of {jobs['repeats']})"
    )
    costs = {
        "Go channel": side.dispatch(jobs["go"], go.DISPATCH_WORKERS),
        **ports.python_dispatch(jobs["python"], go.DISPATCH_WORKERS, repeats=jobs["repeats"]),
    }
    for name, cost in costs.items():
        print(f"{name:>20} {duration(cost):>9}  {cost / costs['Go channel']:>6.0f}× Go")
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a run of seconds, for CI")
    args = parser.parse_args(argv)
    settings = SMOKE if args.smoke else FULL
    try:
        side = go.go_side(require=True)
    except (go.GoUnavailable, go.GoFailed) as error:
        print(f"This benchmark runs Go: {error}", file=sys.stderr)
        return 2
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{side.version}, Python {platform.python_version()} on {platform.system()}, "
        f"{os.cpu_count()} cores, load average {load:.2f} at start"
        f"{' (smoke run)' if args.smoke else ''}\n"
    )
    began = time.perf_counter()
    eff = efficiency_table(side, settings["sweep"])
    costs = costs_table(side, settings["spawn"])
    dispatch = dispatch_table(side, settings["dispatch"])
    print(f"\n({time.perf_counter() - began:.1f} s)")
    sane = (
        all(0 < e <= 1.05 for kind in eff.values() for e in kind.values())
        and all(c.start_seconds > 0 and c.bytes_each >= 0 for c in costs.values())
        and all(0 < d < 0.01 for d in dispatch.values())
        and go.leftover_process_groups() == []
    )
    print("numbers are sane" if sane else "NUMBERS ARE NOT SANE")
    return 0 if sane else 1


if __name__ == "__main__":
    sys.exit(main())
