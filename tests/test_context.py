"""workerlab.context: cancellation propagation, deadlines, error chains, the pool."""

from __future__ import annotations

import threading
import time

import pytest

from workerlab.context import (
    Cancelled,
    ContextError,
    DeadlineExceeded,
    Job,
    JobError,
    background,
    errors_as,
    errors_is,
    poll_sleep,
    process,
    run_pool,
    sleep,
    stop_latency,
    stop_latency_sweep,
    with_cancel,
    with_deadline,
    with_timeout,
    wrap,
)

# --- cancellation ---------------------------------------------------------------------------


def test_background_is_never_done():
    root = background()
    assert root.err() is None and not root.done().is_set()
    assert root.deadline() is None and root.remaining() is None
    assert background() is root


def test_cancel_sets_done_and_err_and_cause():
    ctx, cancel = with_cancel(background())
    assert ctx.err() is None and not ctx.wait(0)
    reason = RuntimeError("user pressed stop")
    cancel(reason)
    assert ctx.done().is_set() and ctx.wait(0)
    assert isinstance(ctx.err(), Cancelled)
    assert not isinstance(ctx.err(), DeadlineExceeded)
    assert ctx.cause() is reason


def test_cause_defaults_to_the_error_and_first_cancel_wins():
    ctx, cancel = with_cancel(background())
    cancel()
    assert ctx.cause() is ctx.err()
    first = ctx.err()
    cancel(ValueError("later"))
    assert ctx.err() is first and ctx.cause() is first


def test_cancelling_a_parent_cancels_every_descendant_but_not_the_reverse():
    parent, cancel_parent = with_cancel(background())
    child, cancel_child = with_cancel(parent)
    sibling, cancel_sibling = with_timeout(parent, 60)
    grandchild, cancel_grandchild = with_cancel(child)
    cancel_child()
    assert child.err() and grandchild.err()
    assert parent.err() is None and sibling.err() is None
    reason = KeyError("shutdown")
    cancel_parent(reason)
    assert isinstance(sibling.err(), Cancelled) and sibling.cause() is reason
    assert isinstance(grandchild.err(), Cancelled)
    for cancel in (cancel_sibling, cancel_grandchild):
        cancel()


def test_a_child_of_a_done_parent_is_born_done():
    parent, cancel = with_cancel(background())
    cancel(OSError("gone"))
    child, cancel_child = with_cancel(parent)
    assert isinstance(child.err(), Cancelled) and isinstance(child.cause(), OSError)
    cancel_child()


def test_parents_forget_children_that_are_cancelled():
    parent, cancel_parent = with_cancel(background())
    for _ in range(50):
        _, cancel = with_cancel(parent)
        cancel()
    assert not parent._children
    cancel_parent()


def test_check_raises_a_fresh_error_chained_to_the_cause():
    ctx, cancel = with_cancel(background())
    ctx.check()  # live: nothing happens
    reason = ValueError("why")
    cancel(reason)
    with pytest.raises(Cancelled) as caught:
        ctx.check()
    assert caught.value is not ctx.err() and caught.value.__cause__ is reason


def test_wait_wakes_promptly_when_cancelled_from_another_thread():
    ctx, cancel = with_cancel(background())
    timer = threading.Timer(0.05, cancel)
    timer.start()
    started = time.monotonic()
    assert ctx.wait(30)
    assert time.monotonic() - started < 10  # woke on cancel, long before 30 s
    timer.join()


# --- deadlines ------------------------------------------------------------------------------


def test_timeout_expires_with_deadline_exceeded():
    ctx, cancel = with_timeout(background(), 0.05)
    assert ctx.err() is None
    assert ctx.wait(30)
    assert isinstance(ctx.err(), DeadlineExceeded) and isinstance(ctx.err(), TimeoutError)
    assert not isinstance(ctx.err(), Cancelled)
    cancel()  # after expiry: changes nothing
    assert isinstance(ctx.err(), DeadlineExceeded)


def test_deadline_reaches_children_even_when_nobody_waits():
    parent, cancel = with_timeout(background(), 0.05)
    child, cancel_child = with_cancel(parent)
    assert child.deadline() == parent.deadline()
    assert child.done().wait(30)  # the parent's timer announced it
    assert isinstance(child.err(), DeadlineExceeded)
    cancel_child()
    cancel()


def test_a_child_cannot_outlive_its_parents_deadline():
    parent, cancel = with_timeout(background(), 10)
    child, cancel_child = with_timeout(parent, 60)
    assert child.deadline() == parent.deadline()
    earlier, cancel_earlier = with_timeout(parent, 1)
    assert earlier.deadline() < parent.deadline()
    for c in (cancel_earlier, cancel_child, cancel):
        c()


def test_a_past_deadline_is_done_at_once():
    ctx, cancel = with_deadline(background(), time.monotonic() - 1)
    assert isinstance(ctx.err(), DeadlineExceeded) and ctx.remaining() == 0
    cancel()


def test_cancel_stops_the_deadline_timer_thread():
    _ctx, cancel = with_timeout(background(), 60, name="tidy")
    assert any(t.name == "workerlab-deadline-tidy" for t in threading.enumerate())
    cancel()
    for t in threading.enumerate():
        if t.name == "workerlab-deadline-tidy":
            t.join(5)
            assert not t.is_alive()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: with_cancel(None), TypeError),
        (lambda: with_timeout(background(), -1), ValueError),
        (lambda: with_timeout(background(), "5"), TypeError),
        (lambda: with_deadline(background(), "soon"), TypeError),
        (lambda: with_cancel(background())[1]("not an exception"), TypeError),
        (lambda: sleep(background(), -0.1), ValueError),
        (lambda: background().wait(-1), ValueError),
    ],
)
def test_bad_arguments_get_clear_errors(call, error):
    with pytest.raises(error):
        call()


# --- sleeping -------------------------------------------------------------------------------


def test_sleep_raises_the_contexts_error_as_soon_as_it_ends():
    ctx, cancel = with_timeout(background(), 0.05)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        sleep(ctx, 30)
    assert time.monotonic() - started < 10
    cancel()


def test_sleep_returns_normally_when_the_context_outlives_it():
    ctx, cancel = with_cancel(background())
    sleep(ctx, 0.01)
    poll_sleep(ctx, 0.01, 0.005)
    cancel()
    with pytest.raises(Cancelled):
        poll_sleep(ctx, 0.01, 0.005)


# --- errors ---------------------------------------------------------------------------------


def test_errors_is_follows_causes_contexts_and_groups():
    ctx, cancel = with_cancel(background())
    cancel()
    try:
        ctx.check()
    except Cancelled as error:
        wrapped = wrap(Job(3, 0), error)
    assert isinstance(wrapped, JobError) and wrapped.__cause__ is not None
    assert errors_is(wrapped, Cancelled) and errors_is(wrapped, ContextError)
    assert not errors_is(wrapped, DeadlineExceeded)
    group = ExceptionGroup("many", [ValueError("a"), wrap(Job(4, 0), KeyError("b"))])
    assert errors_is(group, KeyError) and errors_is(group, (OSError, ValueError))
    assert isinstance(errors_as(group, JobError), JobError)
    try:
        try:
            raise OSError("disk")
        except OSError:
            raise RuntimeError("while handling") from None
    except RuntimeError as error:
        assert not errors_is(error, OSError)  # `from None` hides the context
    with pytest.raises(TypeError):
        errors_is("oops", ValueError)


def test_job_error_reads_like_gos_wrapped_errors():
    error = wrap(Job(7, 0), ValueError("bad input"))
    assert str(error) == "job 7: ValueError: bad input"
    assert error.job == Job(7, 0)


def test_jobs_reject_bad_fields():
    with pytest.raises(ValueError):
        Job(1, -1)
    with pytest.raises(TypeError):
        Job("one", 1)


def test_process_checks_the_context_before_working():
    ctx, cancel = with_cancel(background())
    assert process(ctx, Job(1, 0)) == 1
    with pytest.raises(ValueError, match="job 2"):
        process(ctx, Job(2, 0, fail=True))
    cancel()
    with pytest.raises(Cancelled):
        process(ctx, Job(3, 0))


# --- the pool -------------------------------------------------------------------------------


def test_pool_runs_every_job_and_sends_wrapped_errors_back():
    jobs = [Job(n, 0.001, fail=n % 5 == 0) for n in range(20)]
    ctx, cancel = with_cancel(background())
    report = run_pool(ctx, jobs, 4)
    cancel()
    assert report.results == [n for n in range(20) if n % 5]
    assert [e.job.id for e in report.errors] == [0, 5, 10, 15]
    assert all(errors_is(e, ValueError) for e in report.errors)
    assert report.not_started == [] and not report.cancelled
    assert len(report.trace.spans()) == 20


def test_a_deadline_stops_the_pool_and_leaves_jobs_unstarted():
    jobs = [Job(n, 0.05) for n in range(200)]
    ctx, cancel = with_timeout(background(), 0.2)
    report = run_pool(ctx, jobs, 4)
    cancel()
    assert report.cancelled
    assert report.not_started, "200 jobs of 50 ms on 4 workers cannot finish in 0.2 s"
    assert report.errors_of(DeadlineExceeded), "jobs running at the deadline report it"
    done = len(report.results) + len(report.errors) + len(report.not_started)
    assert done == 200, "every job is accounted for"


def test_pool_rejects_bad_input_before_starting_threads():
    ctx = background()
    with pytest.raises(ValueError):
        run_pool(ctx, [], 0)
    with pytest.raises(TypeError):
        run_pool(ctx, [1, 2], 2)
    with pytest.raises(TypeError):
        run_pool(ctx, [], 2, work=None)


@pytest.mark.parametrize("poll", [None, 0.05])
def test_stop_latency_measures_a_pool_that_the_cancel_really_stops(poll):
    started = time.monotonic()
    latency = stop_latency(poll, workers=2, job_seconds=30, seed=1)
    assert 0 <= latency < 10
    assert time.monotonic() - started < 15, "the cancel, not the 30 s job, ended the workers"


def test_stop_latency_sweep_measures_every_interval_and_the_waiting_workers():
    polling, waiting = stop_latency_sweep([0.01, 0.02], repeats=2, workers=2)
    assert sorted(polling) == [0.01, 0.02]
    assert all(len(runs) == 2 for runs in polling.values()) and len(waiting) == 2
    with pytest.raises(ValueError):
        stop_latency_sweep([])
    with pytest.raises(ValueError):
        stop_latency_sweep([0.01], repeats=0)


def test_spans_by_outcome_tell_done_failed_and_interrupted_jobs_apart():
    jobs = [Job(0, 0.001), Job(1, 0.001, fail=True), Job(2, 30)]
    ctx, cancel = with_timeout(background(), 0.1)
    report = run_pool(ctx, jobs, 3)
    cancel()
    labels = {s.job: s.label for s in report.spans_by_outcome()}
    assert labels == {0: "job", 1: "failed", 2: "interrupted"}


def test_a_timer_that_fires_early_still_announces_the_deadline(monkeypatch):
    # Simulate a platform timer that wakes before time.monotonic() reaches the deadline.
    started = []
    real_timer = threading.Timer

    def early_timer(interval, function):
        real = real_timer(interval / 4, function)
        started.append(real)
        return real

    monkeypatch.setattr(threading, "Timer", early_timer)
    ctx, cancel = with_timeout(background(), 0.1)
    assert started, "the context made its timer through threading.Timer"
    assert ctx.done().wait(30), "done() is set although nobody called err() or wait()"
    assert isinstance(ctx.err(), DeadlineExceeded)
    cancel()


def test_repr_tells_an_expired_context_even_before_its_timer_runs(monkeypatch):
    real_timer = threading.Timer
    late = []

    def late_timer(interval, function):  # a loaded machine: the timer has not run yet
        late.append(real_timer(60, function))
        return late[-1]

    monkeypatch.setattr(threading, "Timer", late_timer)
    ctx, cancel = with_deadline(background(), time.monotonic() + 0.02)
    time.sleep(0.05)
    assert "DeadlineExceeded" in repr(ctx)
    cancel()
