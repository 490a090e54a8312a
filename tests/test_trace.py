import threading

import pytest

from workerlab.trace import Span, Trace


class FakeClock:
    """A clock the test moves by hand, so times are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_times_are_relative_to_the_origin():
    clock = FakeClock()
    log = Trace(clock)
    clock.now += 1.5
    log.start("job", job=1, worker="w")
    clock.now += 0.25
    log.finish("job", job=1, worker="w")
    assert log.spans() == [Span("w", "job", 1, 1.5, 1.75)]
    assert log.spans()[0].duration == pytest.approx(0.25)


def test_worker_defaults_to_the_calling_thread():
    log = Trace()

    def work():
        with log.span("job", job="a"):
            pass

    thread = threading.Thread(target=work, name="barista-1")
    thread.start()
    thread.join()
    assert log.workers() == ["barista-1"]


def test_span_records_the_finish_when_the_body_raises():
    log = Trace()
    with pytest.raises(RuntimeError), log.span("job", job=7, worker="w"):
        raise RuntimeError("boom")
    assert [s.job for s in log.spans()] == [7]
    assert log.unfinished() == []


def test_unfinished_lists_starts_without_a_finish():
    log = Trace()
    log.start("job", job=1, worker="w")
    log.start("job", job=2, worker="w")
    log.finish("job", job=2, worker="w")
    assert [e.job for e in log.unfinished()] == [1]
    assert [s.job for s in log.spans()] == [2]


def test_repeated_job_ids_pair_in_order():
    clock = FakeClock()
    log = Trace(clock)
    for t in (1.0, 2.0, 3.0, 4.0):
        clock.now = 100 + t
        (log.start if t in (1.0, 3.0) else log.finish)("job", job="same", worker="w")
    assert [(s.start, s.end) for s in log.spans()] == [(1.0, 2.0), (3.0, 4.0)]


def test_labels_filter_spans_and_samples():
    log = Trace()
    with log.span("read", job=1, worker="w"):
        pass
    with log.span("write", job=1, worker="w"):
        pass
    log.sample("depth", 3)
    assert [s.label for s in log.spans("write")] == ["write"]
    assert [v for _, v in log.samples("depth")] == [3.0]
    assert log.samples("other") == []


def test_many_threads_lose_no_events():
    log = Trace()
    per_thread, threads = 2_000, 8

    def work(n: int):
        for i in range(per_thread):
            with log.span("job", job=(n, i)):
                pass

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert len(log) == 2 * per_thread * threads
    assert len(log.spans()) == per_thread * threads
    assert len(log.workers()) == threads


def test_events_are_in_time_order_and_reset_clears():
    log = Trace()
    for i in range(50):
        log.sample("depth", i)
    times = [e.time for e in log.events()]
    assert times == sorted(times)
    log.reset()
    assert len(log) == 0
    assert log.now() >= 0


def test_clock_must_be_callable():
    with pytest.raises(TypeError, match="clock"):
        Trace(clock=5)
