"""Lesson 06's benchmarks: what threads, processes and asyncio really buy on this machine.

Two measurements, each printed as a table of figures measured side by side in one run:

1. CPU-bound: the speedup of a process pool over a plain loop with 1, 2, … up to the
   number of cores (target on an idle machine: at least 0.8 × cores with every core busy),
   and of a thread pool for contrast (about 1× under the GIL).
2. Many concurrent I/O jobs (1,000 and 10,000 at once, each waiting 0.2 s): one thread
   per job against one asyncio task per job, wall time and peak memory. Each case runs in
   a fresh Python process so the memory figures do not mix.

Run it from the course folder:

    .venv/bin/python benchmarks/choose_bench.py            # the full run, about a minute
    .venv/bin/python benchmarks/choose_bench.py --smoke    # a seconds-long check that it works

The machine's load average is printed first: on a machine busy with other work the
speedups are lower, and the figures say nothing about an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass

from workerlab import kinds
from workerlab.lab import speedup


@dataclass(frozen=True)
class Settings:
    """How big each measurement is: ``--smoke`` only shrinks these, the code path is the same."""

    cpu_size: int
    cpu_jobs_per_core: int
    repeats: int
    io_counts: tuple[int, ...]
    io_seconds: float


FULL = Settings(
    cpu_size=400_000, cpu_jobs_per_core=8, repeats=3, io_counts=(1_000, 10_000), io_seconds=0.2
)
SMOKE = Settings(cpu_size=5_000, cpu_jobs_per_core=2, repeats=1, io_counts=(100,), io_seconds=0.01)


def cpu_benchmark(settings: Settings) -> list[str]:
    """Process and thread speedups over a plain loop at 1, 2, … cores workers."""
    cores = speedup.cores()
    counts = sorted({1, 2, cores} | {w for w in (4, 8, 16) if w <= cores})
    work = speedup.Workload("cpu", settings.cpu_size, settings.cpu_jobs_per_core * cores)
    sweeps = speedup.speedup_sweep(
        work, counts, kinds=["processes", "threads"], repeats=settings.repeats
    )
    lines = [
        f"CPU-bound: {work.jobs} jobs of cpu_job({settings.cpu_size:,}), best of "
        f"{settings.repeats}; plain loop {sweeps['processes'].sequential_seconds:.3f} s",
        f"{'workers':>8} {'processes':>10} {'threads':>8} {'ideal':>6}",
    ]
    for index, workers in enumerate(counts):
        lines.append(
            f"{workers:>8} {sweeps['processes'].speedups[index]:>9.2f}× "
            f"{sweeps['threads'].speedups[index]:>7.2f}× {sweeps['processes'].ideal[index]:>5.0f}×"
        )
    best = sweeps["processes"].speedup_at(cores)
    lines.append(
        f"process pool with {cores} workers: {best:.2f}× = {best / cores:.2f} × cores "
        f"(target on an idle machine: ≥ 0.80 × cores)"
    )
    lines += [f"disturbed: {note}" for note in speedup.disturbances(sweeps)]
    return lines


def _peak_rss_bytes() -> int:
    """This process's peak resident memory so far, in bytes (0 where the OS does not say).

    ``ru_maxrss`` is in KiB on Linux and in bytes on macOS; Windows has no ``resource``.
    """
    try:
        import resource
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _threads_case(count: int, seconds: float) -> None:
    """One thread per job, all started, then all joined."""
    threads = [threading.Thread(target=time.sleep, args=(seconds,)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)


def _asyncio_case(count: int, seconds: float) -> None:
    """One asyncio task per job, gathered."""

    async def main() -> None:
        await asyncio.gather(*(asyncio.sleep(seconds) for _ in range(count)))

    asyncio.run(main())


def io_case(kind: str, count: int, seconds: float) -> dict[str, float | str]:
    """Run one I/O case in this process: wall time, peak RSS growth, peak traced Python memory.

    Called in a fresh process by :func:`io_benchmark` (``--io-case``). Time and resident
    memory come from a first run; Python-level allocations from a second run under
    ``tracemalloc`` (which slows the run down, so it is not timed).
    """
    case = _threads_case if kind == "threads" else _asyncio_case
    baseline = _peak_rss_bytes()
    start = time.perf_counter()
    try:
        case(count, seconds)
    except RuntimeError as error:  # e.g. "can't start new thread": the OS limit was reached
        return {"error": str(error)}
    wall = time.perf_counter() - start
    rss = _peak_rss_bytes() - baseline
    tracemalloc.start()
    case(count, seconds)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": wall, "rss_growth": rss, "traced_peak": traced}


def io_benchmark(settings: Settings) -> list[str]:
    """Threads vs asyncio for each job count, each case in a fresh Python process."""
    lines = [
        f"I/O-bound: N jobs at once, each waiting {settings.io_seconds} s "
        "(ideal wall time: that wait)",
        f"{'jobs':>7} {'kind':>8} {'wall s':>7} {'× wait':>7} {'peak RSS +MiB':>14} "
        f"{'traced MiB':>11}",
    ]
    for count in settings.io_counts:
        for kind in ("threads", "asyncio"):
            command = [
                sys.executable,
                __file__,
                "--io-case",
                kind,
                str(count),
                str(settings.io_seconds),
            ]
            done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if "error" in result:
                lines.append(f"{count:>7} {kind:>8}  failed: {result['error']}")
                continue
            lines.append(
                f"{count:>7} {kind:>8} {result['seconds']:>7.3f} "
                f"{result['seconds'] / settings.io_seconds:>6.2f}× "
                f"{result['rss_growth'] / 2**20:>14.1f} {result['traced_peak'] / 2**20:>11.2f}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the benchmarks, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check it runs")
    parser.add_argument("--only", choices=["cpu", "io"], help="run one benchmark only")
    parser.add_argument(
        "--io-case", nargs=3, metavar=("KIND", "COUNT", "SECONDS"), help=argparse.SUPPRESS
    )  # internal: one I/O case, in a fresh process
    args = parser.parse_args(argv)
    if args.io_case:
        kind, count, seconds = args.io_case
        print(json.dumps(io_case(kind, int(count), float(seconds))))
        return 0
    settings = SMOKE if args.smoke else FULL
    load = speedup.load_average()
    print(f"{speedup.gil_report()}")
    print(
        f"cores: {speedup.cores()}, start method: {kinds.START_METHOD}, "
        f"load average (1 min): {load:.2f}{' (smoke run)' if args.smoke else ''}"
    )
    if args.only in (None, "cpu"):
        print("\n".join(["", *cpu_benchmark(settings)]))
    if args.only in (None, "io"):
        print("\n".join(["", *io_benchmark(settings)]))
    print(f"\nload average (1 min) at the end: {speedup.load_average():.2f}")
    return 0


if __name__ == "__main__":  # the guard process pools need: workers re-import this file
    sys.exit(main())
