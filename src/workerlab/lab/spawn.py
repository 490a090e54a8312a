"""What it costs to start a worker: a thread, an asyncio task, a process (lesson 03).

Each cost is the median time to start one worker that does nothing and wait for it to end.
Such small times are easily disturbed: when other programs want the cores, a new thread
waits its turn before it can run, and the figures (and their ratios) grow. So the
measurement also asks how much of a core this process got meanwhile (:func:`cpu_share`),
and says when the figures are not the machine's own (:attr:`SpawnCosts.disturbed`).
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Literal

from workerlab.mphelpers import stop_helpers_after
from workerlab.progress import progress_bar
from workerlab.validate import positive_int, positive_number

SpawnKind = Literal["thread", "asyncio task", "process"]
KINDS: tuple[SpawnKind, ...] = ("thread", "asyncio task", "process")
#: Each kind with its article, for sentences.
_A: dict[str, str] = {
    "thread": "a thread",
    "asyncio task": "an asyncio task",
    "process": "a process",
}

#: How processes are started: ``spawn``, a fresh interpreter. It is the default on macOS
#: and Windows, works everywhere, and is safe in a process that already runs threads (a
#: Jupyter kernel does), where ``fork`` can copy a lock another thread holds, and deadlock
#: (Python 3.12+ warns; 3.14 made ``forkserver`` Linux's default for this reason).
START_METHOD = "spawn"
#: Below this share of a core (see :func:`cpu_share`) a measurement counts as disturbed,
#: as it does when the load average is above the number of cores.
QUIET_SHARE = 0.8


#: What each started process runs: a builtin, so the new interpreter imports nothing of
#: ours to find it, and returns at once.
_PROCESS_TARGET = os.getpid


def _nothing() -> None:
    """What each spawned thread runs: nothing, so only the start and the join are timed."""


async def _nothing_async() -> None:
    """The asyncio task's body: nothing."""


def spawn_cost(kind: SpawnKind, count: int) -> float:
    """Median seconds to start one ``kind`` of worker and wait for it to end, over ``count``.

    Processes are started with :data:`START_METHOD`, joined and closed one by one, so none
    is left behind (a process that has not ended after 30 s is killed, and the call fails,
    as it does when a process exits with an error); multiprocessing's helper processes are
    stopped afterwards (:func:`workerlab.mphelpers.stop_helpers_after`).
    """
    positive_int("count", count)
    if kind == "thread":
        return statistics.median(_thread_samples(count))
    if kind == "asyncio task":
        return statistics.median(_task_samples(count))
    if kind == "process":
        return statistics.median(_process_samples(count))
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def _thread_samples(count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        thread = threading.Thread(target=_nothing)
        thread.start()
        thread.join()
        samples.append(time.perf_counter() - began)
    return samples


def _task_samples(count: int) -> list[float]:
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
    failures: list[BaseException] = []

    def run() -> None:
        try:
            samples.extend(asyncio.run(main()))
        except BaseException as error:  # re-raised in the caller's thread below
            failures.append(error)

    runner = threading.Thread(target=run, name="asyncio-spawn-cost")
    runner.start()
    runner.join(timeout=60)
    if failures:
        raise failures[0]
    if runner.is_alive() or not samples:
        raise RuntimeError("the asyncio measurement did not finish within 60 s")
    return samples


def _process_samples(count: int) -> list[float]:
    context = multiprocessing.get_context(START_METHOD)
    samples = []
    # The first start also starts multiprocessing's resource tracker, which would outlive
    # the measurement and slow every kernel restart: stop_helpers_after ends it afterwards.
    with stop_helpers_after():
        for _ in range(count):
            began = time.perf_counter()
            process = context.Process(target=_PROCESS_TARGET, name="spawn-cost")
            process.start()
            process.join(timeout=30)
            samples.append(time.perf_counter() - began)
            if process.is_alive():  # never seen; but a measurement must not leave one behind
                process.kill()
                process.join()
                process.close()
                raise TimeoutError("a started process did not end within 30 s")
            failed = process.exitcode
            process.close()  # frees its resources now, not whenever it is garbage-collected
            if failed:  # a process that crashed on start-up would time the crash, not a start
                raise RuntimeError(f"a started process failed with exit code {failed}")
    return samples


def _figure(seconds: float) -> str:
    """A short, readable duration: "9.6 µs", "126 µs", "92 ms"."""
    if seconds >= 2e-3:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-4 else f"{seconds * 1e6:.0f} µs"


def cpu_share(seconds: float = 0.03) -> float:
    """The share of one core this thread got while it computed flat out for ``seconds``.

    About 1.0 on a quiet machine. When other programs want the cores too, the operating
    system takes turns, and the share drops: at 0.5, this thread waited half the time.
    """
    positive_number("seconds", seconds)
    wall, cpu = time.perf_counter(), time.thread_time()
    while time.perf_counter() - wall < seconds:
        pass
    return (time.thread_time() - cpu) / (time.perf_counter() - wall)


def load_average() -> float:
    """Programs running or waiting for a core, averaged over the last minute (NaN where
    the system does not say, as on Windows).

    Above the number of cores, programs queue for one. It trails by a minute;
    :func:`cpu_share` says what this process gets now.
    """
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


@dataclass(frozen=True, slots=True)
class SpawnCosts:
    """Median seconds to start one worker of each kind, and how quiet the machine was.

    ``cpu_share`` is the mean of :func:`cpu_share` measured before each kind and after the
    last; ``load_average`` is :func:`load_average` at the end, on ``cores`` cores.
    """

    seconds: dict[SpawnKind, float]
    start_method: str
    cpu_share: float
    load_average: float
    cores: int

    @property
    def disturbed(self) -> bool:
        """True when other programs wanted the cores: this process got less than
        :data:`QUIET_SHARE` of one, or more programs were runnable than there are cores.
        Then every figure is inflated."""
        return self.cpu_share < QUIET_SHARE or self.load_average > self.cores

    def summary(self) -> str:
        """The measured figures in a sentence, and whether the machine let them be fair."""
        parts, previous = [], None
        for kind in sorted(self.seconds, key=self.seconds.__getitem__):  # cheapest first
            seconds = self.seconds[kind]
            figure = _figure(seconds)
            if previous is not None:
                figure += f" ({seconds / self.seconds[previous]:,.0f}× {_A[previous]})"
            if kind == "process":
                figure += f", started with {self.start_method!r}"
            parts.append(f"{_A[kind]} {figure}")
            previous = kind
        text = "Measured here: " + ", ".join(parts) + "."
        share = f"this process got {self.cpu_share:.0%} of a core"
        load = f"the load average was {self.load_average:.1f} on {self.cores} cores"
        if self.disturbed:  # name only what was off: "got 100% of a core" reads as quiet
            reasons = []
            if self.cpu_share < QUIET_SHARE:
                reasons.append(f"this process got only {self.cpu_share:.0%} of a core")
            if self.load_average > self.cores:
                reasons.append(f"{load}, so programs queued for a core")
            return (
                f"{text}\n⚠ The machine was busy while this ran: {' and '.join(reasons)}. "
                "Under load, a new thread or process waits its turn for a core, so figures "
                "come out larger than on a quiet machine, and not all by the same factor: read "
                "these ratios as rough. The order holds; run the cell again when the machine "
                "is quieter."
            )
        if not math.isnan(self.load_average):  # unknown (no getloadavg): not said
            share += f", and {load}"
        return f"{text}\nThe machine was quiet enough: {share}."


def spawn_costs(counts: dict[SpawnKind, int] | None = None, *, progress: bool = True) -> SpawnCosts:
    """:func:`spawn_cost` for each kind (defaults: 300 threads, 3000 tasks, 8 processes).

    Around each kind, :func:`cpu_share` checks how quiet the machine is.
    """
    if counts is None:
        counts = {"thread": 300, "asyncio task": 3000, "process": 8}
    if not isinstance(counts, dict) or not counts:
        raise TypeError(f"counts must be a non-empty dict of kind -> count, got {counts!r}")
    for kind, n in counts.items():  # every argument checked before anything starts
        if kind not in KINDS:
            raise ValueError(f"counts: kind must be one of {KINDS}, got {kind!r}")
        positive_int(f"counts[{kind!r}]", n)
    seconds: dict[SpawnKind, float] = {}
    shares = []
    for kind, n in progress_bar(counts.items(), desc="spawn", enabled=progress, total=len(counts)):
        shares.append(cpu_share())
        seconds[kind] = spawn_cost(kind, n)
    shares.append(cpu_share())
    cores = os.cpu_count() or 1
    return SpawnCosts(seconds, START_METHOD, statistics.mean(shares), load_average(), cores)
