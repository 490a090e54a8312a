"""workerlab.lab.tracing: timelines attached from outside the cores."""

from __future__ import annotations

import threading
import time

import pytest

from workerlab.lab.tracing import (
    BLOCKED_RECV,
    BLOCKED_SEND,
    TracedChannel,
    in_hiring_order,
    traced,
)
from workerlab.pool import run_pool
from workerlab.trace import Span, Trace


def test_a_traced_channel_records_blocked_intervals_and_depth():
    trace = Trace()
    ch: TracedChannel[int] = TracedChannel(1, trace=trace, name="orders")

    def slow_consumer():
        for _ in ch:
            time.sleep(0.03)

    consumer = threading.Thread(target=slow_consumer, name="barista")
    consumer.start()
    for n in range(4):
        ch.send(n)
    ch.close()
    consumer.join(timeout=5)
    sends = trace.spans(BLOCKED_SEND)
    assert sends and all(s.worker == "MainThread" for s in sends)
    assert sum(s.duration for s in sends) > 0.03
    assert all(s.worker == "barista" for s in trace.spans(BLOCKED_RECV))
    depths = [v for _, v in trace.samples(ch.depth_label)]
    assert depths[0] == 0 and max(depths) == 1 and depths[-1] == 0


def test_a_traced_channel_records_nothing_when_nobody_waits():
    trace = Trace()
    ch: TracedChannel[int] = TracedChannel(2, trace=trace, name="line")
    ch.send(1)
    assert ch.recv() == 1
    assert trace.spans() == [], "no wait, no blocked span"
    with pytest.raises(TypeError, match="trace"):
        TracedChannel(1, trace="log")


def test_traced_work_records_one_span_per_job_for_the_worker_that_ran_it():
    trace = Trace()
    run = run_pool(range(8), traced(lambda n: n * n, trace), 3)
    spans = trace.spans("job")
    assert sorted(s.job for s in spans) == list(range(8))
    by_job = {r.index: r.worker for r in run.results}
    assert all(by_job[s.job] == s.worker for s in spans), "the span names the worker thread"
    assert run.values() == [n * n for n in range(8)]
    assert "traced(" in repr(traced(len, trace))
    with pytest.raises(TypeError, match="work"):
        traced(42, trace)


def test_hiring_order_puts_worker_10_after_worker_2():
    spans = [Span(f"worker-{n}", "job", n, 0.0, 1.0) for n in (10, 2, 1)]
    assert [s.worker for s in in_hiring_order(spans)] == ["worker-1", "worker-2", "worker-10"]
