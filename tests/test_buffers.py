"""workerlab.lab.buffers: who waits around a channel, recorded (lesson 03)."""

from __future__ import annotations

import threading

import pytest

from workerlab.lab import buffers
from workerlab.lab.tracing import BLOCKED_RECV, BLOCKED_SEND


def test_buffer_run_records_who_waited():
    run = buffers.buffer_run(0, items=8, produce=0.001, consume=0.002)
    assert run.items == 8 and run.capacity == 0 and run.throughput > 0
    assert run.producer_blocked > 0  # a rendezvous makes the producer wait for every hand-over
    assert {s.worker for s in run.trace.spans(BLOCKED_SEND)} == {buffers.PRODUCER}
    assert sorted(s.job for s in run.trace.spans("job")) == list(range(8))


def test_a_full_buffer_blocks_the_producer_and_an_empty_one_the_consumers():
    full = buffers.buffer_run(
        2, items=6, consumers=1, produce=0.0005, consume=0.01, random_times=False
    )
    empty = buffers.buffer_run(
        4, items=6, consumers=2, produce=0.01, consume=0.0005, random_times=False
    )
    assert full.producer_blocked > full.consumers_blocked
    assert empty.consumers_blocked > empty.producer_blocked
    assert {s.worker for s in empty.trace.spans(BLOCKED_RECV)} <= {"barista-1", "barista-2"}
    depths = [depth for _, depth in full.trace.samples("orders depth")]
    assert max(depths) == 2  # the line fills up to its capacity, never beyond


def test_buffer_sweep_keeps_the_same_random_times():
    runs = buffers.buffer_sweep([0, 4], items=6, produce=0.001, consume=0.001, progress=False)
    assert [r.capacity for r in runs] == [0, 4]
    make = [[round(s.duration, 2) for s in r.trace.spans("make order")] for r in runs]
    assert len(make[0]) == len(make[1]) == 6
    with pytest.raises(ValueError, match="capacit"):
        buffers.buffer_sweep([], progress=False)


def test_repeats_keep_the_fastest_run(monkeypatch):
    seconds = iter([0.3, 0.1, 0.2])
    made = []

    def one_run(capacity, make, serve, consumers):
        made.append((make, serve))
        return buffers.BufferRun(capacity, len(make), next(seconds), 0.0, 0.0, None)

    monkeypatch.setattr(buffers, "_one_run", one_run)
    run = buffers.buffer_run(2, items=5, repeats=3)
    assert run.seconds == 0.1 and len(made) == 3
    assert made[0] == made[1] == made[2]  # every repeat gets the same random times


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"capacity": -1}, ValueError, "capacity"),
        ({"capacity": 1, "items": 0}, ValueError, "items"),
        ({"capacity": 1, "consumers": 1.5}, TypeError, "consumers"),
        ({"capacity": 1, "produce": 0}, ValueError, "produce"),
        ({"capacity": 1, "repeats": 0}, ValueError, "repeats"),
    ],
)
def test_bad_arguments_are_refused_before_any_thread_starts(kwargs, error, word):
    before = threading.active_count()
    with pytest.raises(error, match=word):
        buffers.buffer_run(**kwargs)
    assert threading.active_count() == before
