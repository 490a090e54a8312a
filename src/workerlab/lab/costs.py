"""What a Python worker costs to start, and the memory it holds while parked (lesson 09).

The Python port of the course's Go program ``go/spawn``: start ``count`` workers of one
kind, let each say "started" and then wait (parked) until released, so that all of them
are alive at once when memory is read; then release them and wait for every one to end.
It prints one JSON object, as the Go program does::

    python -m workerlab.lab.costs thread 1000
    python -m workerlab.lab.costs "asyncio task" 10000
    python -m workerlab.lab.costs process 4

Run it in a fresh interpreter (``workerlab.lab.ports.parked_costs`` does), not inside a
notebook's kernel: memory is read as the growth of the process's resident set (RSS), which
only means "what these workers took" in a process that does nothing else meanwhile.

- **thread**: the time from the first ``start()`` until every thread has run, per thread;
  memory is the RSS growth per thread (its stack pages touched, its Python thread state).
- **asyncio task**: the same for tasks on one event loop, each awaiting an event.
- **process**: ``multiprocessing`` with ``spawn`` (a fresh interpreter, as lesson 03);
  start cost until each child has reported in; memory is each child's own RSS (of which
  some pages, such as the interpreter's code, are shared between processes).

This module imports only a little of the standard library (asyncio only where tasks are
measured): a spawned child imports it again, and anything it imported would be counted in
the process's start cost and memory.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import threading
import time
from typing import Any

KINDS = ("thread", "asyncio task", "process")


def rss_bytes() -> int:
    """This process's resident memory now, in bytes.

    Read from ``/proc/self/statm`` on Linux. Elsewhere the peak so far
    (``getrusage``), which serves as long as memory only grows while workers start. Not
    the peak on Linux: a process started from a big one (a Jupyter kernel) inherits its
    parent's peak, which would hide the growth being measured.
    """
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc: macOS and the BSDs
        pass
    try:
        import resource
    except ImportError:  # Windows: no getrusage
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS says bytes, others KiB


def threads(count: int) -> dict[str, float]:
    """Start ``count`` parked threads: seconds per start, and RSS growth per thread."""
    baseline = rss_bytes()
    release = threading.Event()
    started = threading.Semaphore(0)

    def parked() -> None:
        started.release()
        release.wait()

    workers = [threading.Thread(target=parked, name=f"parked-{n}") for n in range(count)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for _ in workers:
        started.acquire()
    took = time.perf_counter() - began
    grown = rss_bytes() - baseline
    release.set()
    for worker in workers:
        worker.join()
    return {"start_seconds": took / count, "bytes_each": grown / count}


def tasks(count: int) -> dict[str, float]:
    """Start ``count`` parked asyncio tasks: seconds per start, and RSS growth per task."""
    import asyncio  # here, not at the top: a spawned child would carry its ~10 MB

    async def main() -> dict[str, float]:
        baseline = rss_bytes()
        release = asyncio.Event()
        running = 0

        async def parked() -> None:
            nonlocal running
            running += 1
            await release.wait()

        began = time.perf_counter()
        pending = [asyncio.create_task(parked()) for _ in range(count)]
        while running < count:  # each pass of the loop runs every task that is ready
            await asyncio.sleep(0)
        took = time.perf_counter() - began
        grown = rss_bytes() - baseline
        release.set()
        await asyncio.gather(*pending)
        return {"start_seconds": took / count, "bytes_each": grown / count}

    return asyncio.run(main())


def _parked_child(ready: Any, release: Any) -> None:
    """A spawned child: report its own RSS, then wait to be released (at most 60 s)."""
    ready.put(rss_bytes())
    release.wait(60)


def processes(count: int) -> dict[str, float]:
    """Start ``count`` parked spawned processes: seconds per start, and RSS per process."""
    context = multiprocessing.get_context("spawn")
    ready, release = context.Queue(), context.Event()
    children = [
        context.Process(target=_parked_child, args=(ready, release), name=f"parked-{n}")
        for n in range(count)
    ]
    began = time.perf_counter()
    try:
        for child in children:
            child.start()
        sizes = [ready.get(timeout=60) for _ in children]
        took = time.perf_counter() - began
    finally:
        release.set()
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join()
    return {"start_seconds": took / count, "bytes_each": sum(sizes) / count}


def measure(kind: str, count: int) -> dict[str, Any]:
    """Start and park ``count`` workers of ``kind``; what the Go program prints, for Python."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"count must be an int, got {type(count).__name__}")
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    run = {"thread": threads, "asyncio task": tasks, "process": processes}[kind]
    return {
        "program": "costs",
        "python": platform.python_version(),
        "kind": kind,
        "count": count,
        **run(count),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: ``KIND COUNT``; prints one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("count", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.kind, args.count)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
