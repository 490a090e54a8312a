"""What it costs to start a worker: a thread, an asyncio task, a process (lesson 03)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import threading
import time
from typing import Literal

from workerlab.progress import progress_bar
from workerlab.validate import positive_int

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
