"""workerlab.lab.throughput: each measurement returns sane numbers (never asserting speed)."""

from __future__ import annotations

import pytest

from workerlab.lab import throughput


def test_throughput_sweep_points_carry_ideal_and_efficiency():
    points = throughput.throughput_sweep([1, 4], latency=0.005, jobs_per_worker=3, progress=False)
    assert [(p.workers, p.jobs) for p in points] == [(1, 3), (4, 12)]
    assert points[1].ideal == pytest.approx(800)
    assert all(0 < p.efficiency <= 1.05 for p in points)  # a pool cannot beat Little's law
    with pytest.raises(ValueError, match="empty"):
        throughput.throughput_sweep([], progress=False)
    with pytest.raises(ValueError, match="worker count"):
        throughput.throughput_sweep([0], progress=False)


def test_sleeping_threads_efficiency_is_a_share():
    assert 0 < throughput.sleeping_threads_efficiency(4, latency=0.002, rounds=3) <= 1.05


def test_dispatch_cost_measures_every_variant():
    costs = throughput.dispatch_cost(jobs=300, workers=2, repeats=1, progress=False)
    assert set(costs) == set(throughput.DISPATCHERS)
    assert all(0 < c < 0.01 for c in costs.values())
