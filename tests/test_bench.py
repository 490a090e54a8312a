"""workerlab.bench: each measurement returns sane numbers (never asserting speed)."""

from __future__ import annotations

import pytest

from workerlab.lab import buffers, spawn, throughput
from workerlab.lab.tracing import BLOCKED_SEND


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


@pytest.mark.parametrize("kind", ["thread", "asyncio task", "process"])
def test_spawn_cost_of_each_kind(kind):
    assert 0 < spawn.spawn_cost(kind, 2) < 5


def test_spawn_cost_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="kind"):
        spawn.spawn_cost("goroutine", 1)


def test_buffer_run_records_who_waited():
    run = buffers.buffer_run(0, items=8, produce=0.001, consume=0.002)
    assert run.items == 8 and run.capacity == 0 and run.throughput > 0
    assert run.producer_blocked > 0  # a rendezvous makes the producer wait for every hand-over
    assert {s.worker for s in run.trace.spans(BLOCKED_SEND)} == {buffers.PRODUCER}
    assert sorted(s.job for s in run.trace.spans("job")) == list(range(8))


def test_buffer_sweep_keeps_the_same_random_times():
    runs = buffers.buffer_sweep([0, 4], items=6, produce=0.001, consume=0.001, progress=False)
    assert [r.capacity for r in runs] == [0, 4]
    make = [[round(s.duration, 2) for s in r.trace.spans("make order")] for r in runs]
    assert len(make[0]) == len(make[1]) == 6
    with pytest.raises(ValueError, match="capacit"):
        buffers.buffer_sweep([], progress=False)
