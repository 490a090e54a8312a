"""workerlab.pool: the one pool of the course, from lesson 02 to the capstone."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workerlab import pool
from workerlab.context import background, with_cancel, with_timeout
from workerlab.errors import Cancelled
from workerlab.lab import throughput
from workerlab.lab.jobs import sleeping_job
from workerlab.lab.tracing import traced
from workerlab.leak import leaked_threads
from workerlab.trace import Trace


def pool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("worker-")]


def test_every_job_runs_once_and_results_come_in_job_order():
    run = pool.run_pool(range(50), lambda n: n * 10, 4, buffer=3)
    assert [r.index for r in run.results] == list(range(50))
    assert run.values() == [n * 10 for n in range(50)]
    assert run.not_started == [] and run.ended_by is None and run.errors() == []
    assert {r.worker for r in run.results} <= {f"worker-{n}" for n in range(1, 5)}
    assert run.workers == 4 and run.buffer == 3 and run.throughput > 0


def test_workers_overlap_waits():
    trace = Trace()
    pool.run_pool(range(8), traced(sleeping_job(0.2), trace), 8)
    spans = trace.spans("job")
    assert len({s.worker for s in spans}) == 8  # each of the 8 workers took one job
    assert max(s.start for s in spans) < min(s.end for s in spans), "all 8 waits overlapped"


def test_a_failing_job_comes_back_as_a_value_and_the_others_still_run():
    def picky(order: int) -> int:
        if order == 7:
            raise ValueError("no oat milk")
        return order

    run = pool.run_pool(range(20), picky, 3)
    (failed,) = run.errors()
    assert failed.index == 7 and isinstance(failed.error, ValueError)
    assert run.values() == [n for n in range(20) if n != 7]


def test_a_generator_is_a_live_producer():
    fed: list[int] = []

    def orders():
        for n in range(10):
            fed.append(n)
            yield n

    run = pool.run_pool(orders(), lambda n: n, 2, buffer=1)
    assert run.values() == list(range(10)) and fed == list(range(10))


def test_cancel_stops_workers_that_wait_for_a_job_that_never_comes():
    """Issue 11: a producer that sends nothing; the workers wait in select; one cancel
    and every worker leaves within milliseconds (check-then-get workers would not)."""
    ctx, cancel = with_cancel(background())
    release = threading.Event()

    def silent_producer():
        yield 1  # one job, then nothing until the test ends
        release.wait(10)

    outcome: list[pool.PoolRun] = []
    caller = threading.Thread(
        target=lambda: outcome.append(pool.run_pool(silent_producer(), str, 3, ctx=ctx))
    )
    caller.start()
    deadline = time.monotonic() + 5
    while len(pool_threads()) < 3 and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.05)  # every worker is now waiting for its next job
    cancelled_at = time.perf_counter()
    cancel()
    for thread in pool_threads():
        thread.join(1.0)
    stopped_in = time.perf_counter() - cancelled_at
    assert not pool_threads(), "every worker left while the producer was still silent"
    assert stopped_in < 0.5, f"the workers took {stopped_in:.3f} s to hear the cancel"
    release.set()
    caller.join(5)
    assert outcome and isinstance(outcome[0].ended_by, Cancelled)


def test_a_deadline_stops_the_run_and_every_job_is_accounted_for():
    ctx, cancel = with_timeout(background(), 0.2)
    run = pool.run_pool(range(200), sleeping_job(0.05), 4, buffer=4, ctx=ctx)
    cancel()
    assert run.ended_by is not None and run.not_started
    assert len(run.results) + len(run.not_started) <= 200
    assert len(run.results) <= 4 * 5 + 4, "nobody starts a job long after the deadline"


def test_timeout_stops_the_pool_and_raises():
    started: list[int] = []

    def slow(job: int) -> int:
        started.append(job)
        time.sleep(0.05)
        return job

    with pytest.raises(TimeoutError, match=r"timeout=0\.2"):
        pool.run_pool(range(40), slow, 2, buffer=2, timeout=0.2)
    ran = len(started)
    assert ran < 40
    time.sleep(0.1)
    assert len(started) == ran, "no job starts after the call returned"


def test_an_interrupt_while_threads_start_leaves_no_thread(monkeypatch):
    """Ctrl-C lands where a big pool spends its first moments: starting its threads. The
    ones already started, and the deadline's timer, end anyway (seen in lesson 09)."""

    class InterruptedOnTheThird(threading.Thread):
        starts = 0

        def start(self) -> None:
            InterruptedOnTheThird.starts += 1
            if InterruptedOnTheThird.starts == 3:
                raise KeyboardInterrupt
            super().start()

    before = set(threading.enumerate())
    monkeypatch.setattr(pool.threading, "Thread", InterruptedOnTheThird)
    with pytest.raises(KeyboardInterrupt):
        pool.run_pool(range(10), sleeping_job(0.01), 5, timeout=60)
    monkeypatch.undo()
    assert InterruptedOnTheThird.starts == 3
    assert leaked_threads(before, grace=1.0) == []


def test_a_job_that_ignores_the_context_is_named_not_waited_for_forever():
    gate = threading.Event()
    with pytest.raises(TimeoutError, match="worker-1 still running"):
        pool.run_pool([1], lambda _: gate.wait(30), 1, timeout=0.1)
    gate.set()  # let it finish, so the leak check sees it go
    for thread in pool_threads():
        thread.join(5)


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"workers": 0}, ValueError, "workers"),
        ({"workers": 2.5}, TypeError, "workers"),
        ({"work": "not callable"}, TypeError, "work"),
        ({"buffer": -1}, ValueError, "buffer"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"ctx": "soon"}, TypeError, "ctx"),
    ],
)
def test_bad_input_is_rejected_before_any_thread_starts(kwargs, error, word):
    arguments = {"jobs": range(3), "work": str, "workers": 2} | kwargs
    before = threading.active_count()
    with pytest.raises(error, match=word):
        pool.run_pool(**arguments)
    assert threading.active_count() == before


def test_a_rendezvous_line_works_too():
    run = pool.run_pool(range(30), lambda n: -n, 3, buffer=0)
    assert run.values() == [-n for n in range(30)]


@settings(max_examples=25, deadline=None)
@given(workers=st.integers(1, 6), buffer=st.integers(0, 5), jobs=st.integers(0, 40))
def test_property_each_job_exactly_once_and_no_thread_left(workers, buffer, jobs):
    before = set(threading.enumerate())
    run = pool.run_pool(range(jobs), lambda n: n + 1, workers, buffer=buffer)
    assert [r.index for r in run.results] == list(range(jobs))
    assert run.values() == [n + 1 for n in range(jobs)]
    assert not leaked_threads(before, grace=1.0), "a stopped timer thread ends within 1 s"


# --- the lab pieces around the pool ---------------------------------------------------------


def test_ideal_throughput_and_sleeping_job_validate():
    assert throughput.ideal_throughput(4, 0.02) == pytest.approx(200)
    with pytest.raises(ValueError, match="latency"):
        throughput.ideal_throughput(4, 0)
    with pytest.raises(ValueError, match="seconds"):
        sleeping_job(-1)
    assert repr(sleeping_job(0.02)) == "sleep(0.02 s)"


def test_explore_reports_throughput_against_ideal_in_coffee_shop_words():
    run, trace, summary = throughput.explore(3, 2, 10, 9)
    assert "3 baristas, a line of 2, 9 orders of 10 ms" in summary and "3 rounds" in summary
    assert len(run.results) == 9 and len(trace.spans("job")) == 9


def test_the_explorer_refuses_a_run_that_would_hold_the_kernel_for_long(monkeypatch):
    """1 barista, 160 orders of 100 ms would block the kernel 16 s: refused before it starts."""
    with monkeypatch.context() as patched:
        patched.setattr(throughput.pool, "run_pool", lambda *a, **k: pytest.fail("it ran"))
        with pytest.raises(ValueError, match=r"on 1 barista take at least 16\.0 s"):
            throughput.explore(1, 8, 100, 160)
    assert throughput.explore(1, 1, 5, 4)[2].startswith("1 barista, a line of 1")


def test_pool_explorer_runs_when_its_button_is_pressed():
    from workerlab.lab.widgets import pool_explorer

    box = pool_explorer()
    workers, buffer, latency, jobs = box.children[0].children
    button, summary = box.children[1], box.children[2]
    assert "4 baristas" in summary.value  # a first run happens straight away
    workers.value, buffer.value, latency.value, jobs.value = 2, 2, 5, 8
    button.click()
    assert "2 baristas, a line of 2, 8 orders of 5 ms" in summary.value
    assert not button.disabled and button.description == "Open the shop"


def test_every_value_of_the_pool_explorers_sliders_can_be_picked():
    """About 10 px of track per value at least (issue 12: 80 px for 32 values was too few)."""
    from workerlab.lab.widgets import pool_explorer

    for slider in pool_explorer().children[0].children:
        width = int(slider.layout.width.removesuffix("px"))
        label = int(slider.style.description_width.removesuffix("px"))
        values = round((slider.max - slider.min) / slider.step) + 1
        track = width - label - 60  # the readout takes about 60 px
        assert track / values >= 10, f"{slider.description}: {track / values:.0f} px per value"
