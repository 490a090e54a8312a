"""Lesson 06: a downstream service with limited capacity, and the load tests that find its knee.

Workers often call another system (a database, a partner's API) that has a capacity of its
own. :class:`SimulatedService` is one, on the standard library only: it serves a few
requests at once, slows down past that, and refuses requests beyond a limit. :func:`client`
is one caller, with or without a shared concurrency limit (a semaphore);
:func:`load_test` runs many of them; :func:`load_sweep` and :func:`knee` find the client
count past which more concurrency only hurts.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from workerlab.progress import progress_bar
from workerlab.validate import positive_int, positive_number


class Overloaded(Exception):
    """The service refused a request: too many were already in flight (an HTTP 503)."""


class SimulatedService:
    """A downstream service (a database, an API) that can serve ``capacity`` requests at once.

    A request takes ``latency`` seconds while at most ``capacity`` are in flight. Beyond that
    the requests share the service and slow each other down: each takes
    ``latency × (in_flight / capacity) ** congestion``, so with ``congestion > 1`` throughput
    does not just level off, it falls (the contention, context switches and lock waits a
    real overloaded service suffers). A request that arrives when ``refuse_above`` are
    already in flight is refused with :class:`Overloaded` after ``refuse_latency`` seconds.

    The slowdown is fixed when a request arrives, from the number in flight at that moment:
    a simple model, good enough to show the knee. Thread-safe; clients call :meth:`call`.
    """

    def __init__(
        self,
        capacity: int = 4,
        latency: float = 0.01,
        *,
        refuse_above: int = 16,
        congestion: float = 1.5,
        refuse_latency: float = 0.001,
    ) -> None:
        self.capacity = positive_int("capacity", capacity)
        self.latency = positive_number("latency", latency)
        self.refuse_above = positive_int("refuse_above", refuse_above, minimum=capacity)
        self.congestion = positive_number("congestion", congestion, allow_zero=True)
        self.refuse_latency = positive_number("refuse_latency", refuse_latency, allow_zero=True)
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_in_flight = 0

    @property
    def max_throughput(self) -> float:
        """Requests per second the service completes at best: ``capacity / latency``."""
        return self.capacity / self.latency

    def service_time(self, in_flight: int) -> float:
        """Seconds a request takes when it arrives as one of ``in_flight`` requests."""
        load = max(1.0, in_flight / self.capacity)
        return self.latency * load**self.congestion

    def call(self) -> float:
        """Serve one request; return its service time, or raise :class:`Overloaded`."""
        seconds: float | None = None
        with self._lock:
            if self._in_flight < self.refuse_above:
                self._in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
                seconds = self.service_time(self._in_flight)
        if seconds is None:
            time.sleep(self.refuse_latency)
            raise Overloaded(f"{self.refuse_above} requests already in flight")
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self._in_flight -= 1
        return seconds


def client(
    service: SimulatedService,
    until: float,
    latencies: list[float],
    refusals: list[Overloaded],
    gate: threading.BoundedSemaphore | None = None,
) -> None:
    """One client: call ``service`` back to back until ``until`` (a ``perf_counter`` time).

    With ``gate``, one ``threading.BoundedSemaphore(limit)`` shared by every client (an
    ``asyncio.Semaphore`` in async code), each call first takes one of its slots: however
    many clients there are, at most ``limit`` requests are in flight, and the others wait on
    their own side. The wait is short: every slot is held by a call, and a call ends.
    Latencies and refusals go to the lists (``list.append`` is atomic: no lock needed).
    """
    while time.perf_counter() < until:
        try:
            if gate is None:
                latencies.append(service.call())
            else:
                with gate:  # waits here while `limit` calls are in flight
                    latencies.append(service.call())
        except Overloaded as refusal:
            refusals.append(refusal)


@dataclass(frozen=True, slots=True)
class LoadRun:
    """What ``clients`` clients calling the service for about ``wall_seconds`` saw."""

    clients: int
    limit: int | None
    wall_seconds: float
    ok: int
    refused: int
    latencies: tuple[float, ...] = field(repr=False)
    peak_in_flight: int

    @property
    def throughput(self) -> float:
        """Successful requests per second."""
        return self.ok / self.wall_seconds

    @property
    def refused_share(self) -> float:
        """Share of responses that were refusals (0 when there were none)."""
        total = self.ok + self.refused
        return self.refused / total if total else 0.0

    @property
    def median_latency(self) -> float:
        """Median seconds a successful request spent in the service."""
        return statistics.median(self.latencies) if self.latencies else float("nan")


def load_test(
    service: SimulatedService, clients: int, duration: float, *, limit: int | None = None
) -> LoadRun:
    """``clients`` threads run :func:`client` against ``service`` for ``duration`` seconds.

    With ``limit``, they share one ``threading.BoundedSemaphore(limit)``. Latency is the
    time inside the service (what the service's own dashboard shows); time spent waiting for
    a slot is the client's queue, not the service's. A call that started before the end is
    counted, so a run lasts a little longer than ``duration``; its wall time is measured.
    """
    positive_int("clients", clients)
    positive_number("duration", duration)
    if limit is not None:
        positive_int("limit", limit)
    gate = threading.BoundedSemaphore(limit) if limit is not None else None
    latencies: list[float] = []
    refusals: list[Overloaded] = []
    start = time.perf_counter()
    until = start + duration
    with ThreadPoolExecutor(clients, thread_name_prefix="client") as pool:
        running = [
            pool.submit(client, service, until, latencies, refusals, gate) for _ in range(clients)
        ]
        for future in running:
            future.result(timeout=duration + 30)  # a bound, and re-raises a client's error
    return LoadRun(
        clients,
        limit,
        time.perf_counter() - start,
        len(latencies),
        len(refusals),
        tuple(latencies),
        service.peak_in_flight,
    )


def load_sweep(
    clients: Sequence[int],
    duration: float,
    *,
    limit: int | None = None,
    repeats: int = 1,
    progress: bool = False,
    **service_options: Any,
) -> list[LoadRun]:
    """:func:`load_test` at each client count, each against a fresh :class:`SimulatedService`.

    With ``repeats``, each count is run that many times and the run with the best
    throughput kept (a busy machine only ever wakes the clients late, lowering it).
    """
    clients = [positive_int("clients", c) for c in clients]
    positive_int("repeats", repeats)
    SimulatedService(**service_options)  # check the options before any thread starts
    bar = progress_bar(
        total=len(clients) * repeats, enabled=progress, desc="limited" if limit else "clients"
    )
    runs = []
    with bar:
        for count in clients:
            tries = []
            for _ in range(repeats):
                service = SimulatedService(**service_options)
                tries.append(load_test(service, count, duration, limit=limit))
                bar.update()
            runs.append(max(tries, key=lambda r: r.throughput))
    return runs


def knee(runs: Sequence[LoadRun]) -> int:
    """The client count with the highest throughput: past it, more clients only hurt."""
    if not runs:
        raise ValueError("runs is empty: run load_sweep first")
    return max(runs, key=lambda r: r.throughput).clients
