"""Lesson 06's simulated service and load tests: behaviour, never speed."""

from __future__ import annotations

import threading
import time

import pytest

from workerlab.lab import service
from workerlab.lab.service import LoadRun, Overloaded, SimulatedService


def test_service_latency_grows_past_capacity():
    svc = SimulatedService(capacity=4, latency=0.01, congestion=1.5)
    assert svc.max_throughput == 400
    assert svc.service_time(1) == svc.service_time(4) == 0.01
    assert svc.service_time(16) == pytest.approx(0.01 * 4**1.5)


def test_service_refuses_when_too_many_are_in_flight():
    svc = SimulatedService(capacity=1, latency=0.3, refuse_above=1)
    busy = threading.Thread(target=svc.call)
    busy.start()
    while svc.peak_in_flight == 0:
        time.sleep(0.001)
    with pytest.raises(Overloaded):
        svc.call()
    busy.join()


def test_service_checks_its_arguments():
    with pytest.raises(ValueError, match="refuse_above"):
        SimulatedService(capacity=4, refuse_above=2)


def test_a_client_calls_until_its_time_is_up_and_counts_refusals():
    svc = SimulatedService(capacity=1, latency=0.002, refuse_above=1)
    latencies: list[float] = []
    refusals: list[Overloaded] = []
    service.client(svc, time.perf_counter() + 0.03, latencies, refusals)
    assert len(latencies) >= 2 and refusals == []  # alone, it is never refused


def test_a_limit_holds_concurrency_at_the_limit():
    limited = service.load_test(SimulatedService(capacity=2, latency=0.005), 12, 0.1, limit=2)
    assert limited.peak_in_flight <= 2 and limited.refused == 0 and limited.ok > 0
    free = service.load_test(SimulatedService(capacity=2, latency=0.005, refuse_above=4), 12, 0.1)
    assert free.peak_in_flight == 4 and free.refused > 0
    assert 0 < free.refused_share < 1
    assert free.wall_seconds >= 0.1


def test_knee_is_the_best_throughput():
    def run(clients: int, ok: int) -> LoadRun:
        return LoadRun(clients, None, 1.0, ok, 0, (0.01,), clients)

    assert service.knee([run(1, 100), run(4, 390), run(8, 280)]) == 4
    with pytest.raises(ValueError, match="runs"):
        service.knee([])


def test_load_sweep_makes_one_run_per_client_count():
    runs = service.load_sweep([1, 3], 0.05, repeats=2, capacity=2, latency=0.005)
    assert [r.clients for r in runs] == [1, 3]


def test_load_sweep_checks_the_service_options_before_any_thread_starts():
    with pytest.raises(ValueError, match="refuse_above"):
        service.load_sweep([1], 0.05, capacity=4, refuse_above=2)
