"""Lesson 06: a pipeline of stages joined by channels, against the course's pool doing every step.

A pipeline gives each step of the work its own worker thread(s), joined by bounded
channels (lesson 03's :class:`~workerlab.channel.Channel`), the way Go joins goroutines:
each stage ranges over its input channel and sends to the next; when a stage's input is
closed and drained, its last worker closes its output, and the close travels down the line
(:func:`stage_worker`). The alternative is one pool (lesson 02's
:func:`workerlab.pool.run_pool`) whose every worker does all the steps of an item
(:func:`run_in_pool`). Steps wait (``time.sleep``) rather than compute, as fetching and
storing do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workerlab.channel import Channel
from workerlab.pool import PoolRun, run_pool
from workerlab.trace import Trace
from workerlab.validate import positive_int, positive_number


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


class LastOut:
    """Counts a stage's workers out: :meth:`leave` is true for the last one to leave.

    Go waits for a stage's goroutines with a ``sync.WaitGroup`` and then closes the next
    channel; here the last worker out closes it.
    """

    def __init__(self, workers: int) -> None:
        self._left = positive_int("workers", workers)
        self._lock = threading.Lock()

    def leave(self) -> bool:
        """One worker is done; true if it was the last."""
        with self._lock:
            self._left -= 1
            return self._left == 0


def stage_worker(
    stage: Stage, inbox: Channel, outbox: Channel, trace: Trace, last_out: LastOut
) -> None:
    """One worker of ``stage``: do its step for each item from ``inbox``, send the item on.

    The ``for`` loop ends once ``inbox`` is closed and drained (Go's ``for x := range in``).
    ``send`` blocks while the next stage is behind: that is backpressure. The stage's last
    worker to finish closes ``outbox``, so the next stage ends in turn. Each step is a span
    in ``trace``, on a row named after this worker's thread.
    """
    try:
        for item in inbox:
            with trace.span(stage.name, job=item):
                time.sleep(stage.seconds)
            outbox.send(item)
    finally:
        if last_out.leave():
            outbox.close()


def feed(items: int, first: Channel) -> None:
    """The source: send ``0 .. items - 1`` into the first stage's channel, then close it."""
    try:
        for item in range(items):
            first.send(item)
    finally:
        first.close()


@dataclass(frozen=True, slots=True)
class PipelineRun:
    """How long ``items`` items took to flow through, in what order they came out, the trace."""

    items: int
    wall_seconds: float
    order: list[int]
    trace: Trace

    def busy_share(self, worker: str) -> float:
        """Share of the run ``worker`` spent working (the rest it waited on a channel)."""
        busy = sum(s.duration for s in self.trace.spans() if s.worker == worker)
        return busy / self.wall_seconds


def run_pipeline(
    items: int, stages: Sequence[Stage], *, capacity: int = 4, timeout: float = 30.0
) -> PipelineRun:
    """Pass ``items`` items through ``stages``, each its own thread(s), joined by channels.

    Channel *k* (``capacity`` items) feeds stage *k*; the last one collects what the last
    stage finished, which this thread receives until it is closed. Worker threads are named
    ``<stage>-1``, ``<stage>-2``, …. Every channel wait is bounded by ``timeout``, and every
    thread is joined before this returns. Interrupted, it lets the items already fed run
    out (a fraction of a second here) before re-raising, so no thread is left behind.
    """
    positive_int("items", items)
    positive_int("capacity", capacity)
    positive_number("timeout", timeout)
    stages = list(stages)
    if not stages or not all(isinstance(s, Stage) for s in stages):
        raise ValueError("stages must be a non-empty sequence of Stage")
    trace = Trace()
    channels = [Channel(capacity, timeout=timeout, name=f"to {s.name}") for s in stages]
    channels.append(Channel(capacity, timeout=timeout, name="finished"))
    threads = [threading.Thread(target=feed, args=(items, channels[0]), name="feed")]
    for k, stage in enumerate(stages):
        last_out = LastOut(stage.workers)
        threads += [
            threading.Thread(
                target=stage_worker,
                args=(stage, channels[k], channels[k + 1], trace, last_out),
                name=f"{stage.name}-{n}",
            )
            for n in range(1, stage.workers + 1)
        ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    order: list[int] = []
    try:
        order.extend(channels[-1])  # until the last stage closes it
    finally:
        for _ in channels[-1]:  # only after an interrupt: let the fed items run out
            pass
        _join_all(threads, timeout)
    return PipelineRun(items, time.perf_counter() - start, order, trace)


def _join_all(threads: Sequence[threading.Thread], timeout: float) -> None:
    """Join every thread within ``timeout`` seconds in total, or raise ``TimeoutError``."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        raise TimeoutError(f"threads did not finish in {timeout} s: {stuck}")


def every_step(stages: Sequence[Stage]) -> Callable[[int], int]:
    """A pool's work function: all of ``stages``' steps for one item, one after the other."""

    def all_steps(item: int) -> int:
        for stage in stages:
            time.sleep(stage.seconds)
        return item

    return all_steps


def run_in_pool(items: int, stages: Sequence[Stage], workers: int) -> PoolRun:
    """Pass ``items`` items through every step, each item by one of the pool's ``workers``.

    The course's pool (:func:`workerlab.pool.run_pool`) with :func:`every_step` as its work.
    ``workers=1`` is the plain loop: every step of every item, in a row.
    """
    positive_int("items", items)
    stages = list(stages)
    if not stages or not all(isinstance(s, Stage) for s in stages):
        raise ValueError("stages must be a non-empty sequence of Stage")
    return run_pool(range(items), every_step(stages), positive_int("workers", workers))


def pipeline_pace(stages: Sequence[Stage]) -> float:
    """Seconds between two items leaving a pipeline, in theory: its slowest stage's pace.

    A stage with *k* workers finishes an item every ``seconds / k``.
    """
    return max(s.seconds / s.workers for s in stages)
