"""A producer, a channel and its consumers: who waits, and for how long (lesson 03)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workerlab.lab.tracing import BLOCKED_RECV, BLOCKED_SEND, TracedChannel
from workerlab.progress import progress_bar
from workerlab.trace import Trace
from workerlab.validate import positive_int, positive_number

#: The producer thread's name in :func:`buffer_run` (the customers placing orders).
PRODUCER = "customers"


@dataclass(frozen=True, slots=True)
class BufferRun:
    """One producer and ``consumers`` workers around a channel of ``capacity``."""

    capacity: int
    items: int
    seconds: float
    producer_blocked: float
    consumers_blocked: float
    trace: Trace

    @property
    def throughput(self) -> float:
        """Items per second through the channel."""
        return self.items / self.seconds


def buffer_run(
    capacity: int,
    *,
    items: int = 40,
    consumers: int = 2,
    produce: float = 0.002,
    consume: float = 0.004,
    random_times: bool = True,
    seed: int = 3,
    repeats: int = 1,
) -> BufferRun:
    """Push ``items`` through a :class:`Channel` of ``capacity`` and record who waited.

    The producer takes a random time around ``produce`` s per item and the consumers
    around ``consume`` s (exponential, so some orders come in bursts and some take long);
    the same ``seed`` gives the same times for every capacity, so runs compare fairly.
    With ``random_times=False`` every item takes exactly ``produce`` and ``consume`` s.
    The producer is a thread named :data:`PRODUCER`, the consumers ``barista-1`` ….

    With ``repeats`` above 1 it runs that many times and returns the fastest run: on a busy
    machine a thread may wake late (and make the other side wait), which only ever makes a
    run slower, so the fastest is the one closest to what the timings alone would give.
    """
    positive_int("capacity", capacity, minimum=0)
    positive_int("items", items)
    positive_int("consumers", consumers)
    positive_number("produce", produce)
    positive_number("consume", consume)
    positive_int("repeats", repeats)
    rng = random.Random(seed)
    if random_times:
        make = [rng.expovariate(1 / produce) for _ in range(items)]
        serve = [rng.expovariate(1 / consume) for _ in range(items)]
    else:
        make, serve = [produce] * items, [consume] * items
    runs = [_one_run(capacity, make, serve, consumers) for _ in range(repeats)]
    return min(runs, key=lambda run: run.seconds)


def _one_run(capacity: int, make: list[float], serve: list[float], consumers: int) -> BufferRun:
    """One run of :func:`buffer_run`: ``make[i]`` and ``serve[i]`` are item ``i``'s times."""
    items = len(make)
    trace = Trace()
    orders: TracedChannel[int] = TracedChannel(capacity, trace=trace, name="orders", timeout=30)

    failures: list[BaseException] = []

    def consumer() -> None:
        try:
            for item in orders:
                with trace.span("job", item):
                    time.sleep(serve[item])
        except Exception as error:  # re-raised in the caller's thread below
            failures.append(error)

    def producer() -> None:
        try:
            for item in range(items):
                with trace.span("make order", item):
                    time.sleep(make[item])
                orders.send(item)
        except Exception as error:  # re-raised in the caller's thread below
            failures.append(error)
        finally:
            orders.close()

    threads = [threading.Thread(target=producer, name=PRODUCER)] + [
        threading.Thread(target=consumer, name=f"barista-{n}") for n in range(1, consumers + 1)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    seconds = time.perf_counter() - began
    if failures:
        raise failures[0]
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError("buffer_run: a thread was still running after 60 s")
    blocked = trace.spans(BLOCKED_SEND) + trace.spans(BLOCKED_RECV)
    return BufferRun(
        capacity,
        items,
        seconds,
        sum(s.duration for s in blocked if s.worker == PRODUCER),
        sum(s.duration for s in blocked if s.worker != PRODUCER),
        trace,
    )


def buffer_sweep(
    capacities: Sequence[int], *, progress: bool = True, **kwargs: Any
) -> list[BufferRun]:
    """:func:`buffer_run` for each capacity, same random times (see its arguments)."""
    caps = [positive_int("capacity", c, minimum=0) for c in capacities]
    if not caps:
        raise ValueError("capacities is empty")
    return [buffer_run(c, **kwargs) for c in progress_bar(caps, desc="capacity", enabled=progress)]
