"""workerlab.pool: the lesson 02 pool runs every job once, stops cleanly, and never hangs."""

from __future__ import annotations

import queue
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workerlab import pool
from workerlab.trace import Trace

WAITS = ["collect", "join"]
STOPS = ["sentinel", "shutdown"] if pool.HAS_SHUTDOWN else ["sentinel"]


def double(x: int) -> int:
    return 2 * x


@pytest.mark.parametrize("wait", WAITS)
@pytest.mark.parametrize("stop", STOPS)
def test_every_job_runs_once_and_values_keep_input_order(wait, stop):
    run = pool.run_pool(range(50), double, 4, buffer=3, wait=wait, stop=stop)
    assert run.values() == [2 * n for n in range(50)]
    assert sorted(r.index for r in run.results) == list(range(50))
    assert run.jobs == 50 and run.workers == 4 and run.buffer == 3
    assert (run.wait, run.stop) == (wait, stop)


def test_trace_has_one_job_span_per_job_named_after_the_barista():
    run = pool.run_pool(range(12), pool.sleeping_job(0.002), 3)
    trace = run.trace
    assert isinstance(trace, Trace)
    spans = trace.spans("job")
    assert sorted(s.job for s in spans) == list(range(12))
    assert set(trace.workers()) <= {"barista-1", "barista-2", "barista-3"}
    assert sum(run.jobs_per_worker().values()) == 12
    assert trace.unfinished() == []


def test_record_false_keeps_no_trace():
    run = pool.run_pool(range(5), double, 2, record=False)
    assert run.trace is None
    with pytest.raises(ValueError, match="record=False"):
        run.spans()


def test_spans_come_in_hiring_order():
    run = pool.run_pool(range(60), pool.sleeping_job(0.001), 12)
    workers = list(dict.fromkeys(s.worker for s in run.spans()))
    numbers = [int(name.rpartition("-")[2]) for name in workers]
    assert numbers == sorted(numbers) and len(run.spans()) == 60


def test_workers_overlap_waits():
    run = pool.run_pool(range(8), pool.sleeping_job(0.2), 8)
    spans = run.spans()
    assert len({s.worker for s in spans}) == 8  # each of the 8 workers took one job
    # 8 waits overlapped: some instant lies inside every one of them.
    assert max(s.start for s in spans) < min(s.end for s in spans)
    assert run.throughput > 0 and run.efficiency(0.2) > 0


def test_a_failing_job_is_reraised_with_a_note_after_the_pool_stopped():
    def picky(x: int) -> int:
        if x == 7:
            raise ValueError("no oat milk")
        return x

    with pytest.raises(ValueError, match="no oat milk") as caught:
        pool.run_pool(range(20), picky, 3)
    assert any("job 7" in note for note in caught.value.__notes__)


def test_timeout_stops_the_pool_and_raises():
    started: list[int] = []

    def slow(job: int) -> int:
        started.append(job)
        time.sleep(0.05)
        return job

    with pytest.raises(TimeoutError, match="did not finish 40 jobs"):
        pool.run_pool(range(40), slow, 2, buffer=2, timeout=0.2)
    # The queued jobs were dropped: far from all 40 ever started, and none starts later
    # (the autouse leak check also fails the test if a worker outlives the call).
    ran = len(started)
    assert ran < 40
    time.sleep(0.1)
    assert len(started) == ran


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"workers": 0}, ValueError, "workers"),
        ({"workers": 2.5}, TypeError, "workers"),
        ({"work": "not a function"}, TypeError, "work"),
        ({"buffer": 0}, ValueError, "buffer"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"wait": "soon"}, ValueError, "wait"),
        ({"stop": "pls"}, ValueError, "stop"),
    ],
)
def test_bad_input_is_rejected_before_any_thread_starts(kwargs, error, word):
    before = threading.active_count()
    args = {"jobs": range(3), "work": double, "workers": 2} | kwargs
    with pytest.raises(error, match=word):
        pool.run_pool(**args)
    assert threading.active_count() == before


@pytest.mark.skipif(pool.HAS_SHUTDOWN, reason="only older Pythons lack Queue.shutdown")
def test_shutdown_is_refused_clearly_before_3_13():
    with pytest.raises(ValueError, match=r"3\.13"):
        pool.run_pool(range(3), double, 2, stop="shutdown")


def test_ideal_throughput_and_sleeping_job_validate():
    assert pool.ideal_throughput(8, 0.01) == pytest.approx(800)
    with pytest.raises(ValueError, match="latency"):
        pool.ideal_throughput(8, -0.01)
    with pytest.raises(ValueError, match="seconds"):
        pool.sleeping_job(-1)
    assert repr(pool.STOP) == "STOP" and pool.STOP is type(pool.STOP)()


def test_low_level_pieces_compose_like_the_notebook_shows():
    jobs: queue.Queue = queue.Queue(maxsize=2)
    results: queue.SimpleQueue = queue.SimpleQueue()
    threads = pool.start_workers(2, jobs, results, double)
    for index, job in enumerate([5, 6, 7]):
        jobs.put((index, job))
    pool.say_no_more_jobs(jobs, 2, "sentinel")
    for thread in threads:
        thread.join(timeout=5)
    got = sorted(results.get_nowait().value for _ in range(3))
    assert got == [10, 12, 14]
    assert [t.name for t in threads] == ["barista-1", "barista-2"]
    with pytest.raises(ValueError, match="how"):
        pool.say_no_more_jobs(jobs, 2, "later")


def test_explore_reports_throughput_against_ideal_in_coffee_shop_words():
    run, summary = pool.explore(workers=4, buffer=4, latency_ms=5, jobs=12)
    assert run.jobs == 12 and run.workers == 4
    assert "4 baristas" in summary and "12 orders" in summary and "ideal 800 orders/s" in summary
    assert "3 rounds" in summary
    with pytest.raises(ValueError, match="latency_ms"):
        pool.explore(4, 4, 0, 12)
    with pytest.raises(ValueError, match="jobs"):
        pool.explore(4, 4, 5, 0)


@settings(max_examples=25, deadline=None)
@given(
    workers=st.integers(1, 8),
    buffer=st.integers(1, 6),
    jobs=st.lists(st.integers(-1000, 1000), max_size=40),
    wait=st.sampled_from(WAITS),
    stop=st.sampled_from(STOPS),
)
def test_property_each_job_exactly_once_and_no_thread_left(workers, buffer, jobs, wait, stop):
    before = set(threading.enumerate())
    run = pool.run_pool(jobs, double, workers, buffer=buffer, wait=wait, stop=stop, timeout=20)
    assert run.values() == [2 * j for j in jobs]
    assert sorted(r.index for r in run.results) == list(range(len(jobs)))
    assert len(run.trace.spans("job")) == len(jobs)
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]


def test_job_queue_wakes_a_blocked_producer_only_once_half_empty():
    line = pool.JobQueue(4)
    for n in range(4):
        line.put(n)
    producer = threading.Thread(target=line.put, args=("next",), kwargs={"timeout": 5})
    producer.start()
    line.get()
    time.sleep(0.05)
    assert producer.is_alive() and line.qsize() == 3  # 3 of 4: not woken yet
    line.get()
    producer.join(timeout=5)
    assert not producer.is_alive() and line.qsize() == 3  # woke at 2 of 4 and put its item
    with pytest.raises(ValueError, match="maxsize"):
        pool.JobQueue(0)


def test_job_queue_put_still_times_out_when_full():
    line = pool.JobQueue(2)
    line.put(1)
    line.put(2)
    with pytest.raises(queue.Full):
        line.put(3, timeout=0.02)


def test_pool_explorer_runs_when_its_button_is_pressed():
    from workerlab.lab.widgets import pool_explorer

    box = pool_explorer()
    (workers, buffer), (latency, jobs) = box.children[0].children, box.children[1].children
    button, summary = box.children[2], box.children[3]
    assert "4 baristas" in summary.value  # a first run happens straight away
    workers.value, buffer.value, latency.value, jobs.value = 2, 2, 1, 6
    button.click()
    assert "2 baristas, a line of 2, 6 orders of 1 ms" in summary.value
    assert not button.disabled and button.description == "Open the shop"
