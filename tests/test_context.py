"""workerlab.context and contextplus: Go's context rules, tested the way Go tests them.

Several tests are modelled on Go's own ``context_test.go`` (named in their docstrings):
the same scenarios, in Python, against ``workerlab.context``.
"""

from __future__ import annotations

import threading
import time

import pytest

from workerlab.channel import Channel
from workerlab.context import background, sleep, with_cancel, with_timeout
from workerlab.contextplus import after_func, value, with_deadline, with_value, without_cancel
from workerlab.errors import Cancelled, DeadlineExceeded
from workerlab.selecting import recv, select

# --- cancellation ---------------------------------------------------------------------------


def test_background_is_never_done():
    root = background()
    assert root.err() is None and not root.done().closed
    assert root.deadline is None and root.remaining() is None
    assert background() is root


def test_cancel_sets_done_and_err_and_cause():
    ctx, cancel = with_cancel(background())
    assert ctx.err() is None and not ctx.wait(0)
    reason = RuntimeError("user pressed stop")
    cancel(reason)
    assert ctx.done().closed and ctx.wait(0)
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
    """Go's TestChildFinishesFirst: a child cancelled first is removed from its parent."""
    parent, cancel_parent = with_cancel(background())
    for _ in range(50):
        _, cancel = with_cancel(parent)
        cancel()
    assert not parent._on_end, "nothing of the 50 children is kept by the parent"
    cancel_parent()


def test_background_keeps_no_children():
    for _ in range(20):
        _ = with_cancel(background())  # never cancelled: still nothing to leak
    assert not background()._on_end


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
    assert child.deadline == parent.deadline
    assert child.wait(30)  # the parent's timer announced it
    assert isinstance(child.err(), DeadlineExceeded)
    cancel_child()
    cancel()


def test_a_child_cannot_outlive_its_parents_deadline():
    parent, cancel = with_timeout(background(), 10)
    child, cancel_child = with_timeout(parent, 60)
    assert child.deadline == parent.deadline
    earlier, cancel_earlier = with_timeout(parent, 1)
    assert earlier.deadline < parent.deadline
    for c in (cancel_earlier, cancel_child, cancel):
        c()


def test_a_past_deadline_is_done_at_once():
    ctx, cancel = with_deadline(background(), time.monotonic() - 1)
    assert ctx.wait(5) and isinstance(ctx.err(), DeadlineExceeded) and ctx.remaining() == 0
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
    cancel()
    with pytest.raises(Cancelled):
        sleep(ctx, 0.01)




# --- done() is a channel: select on it ------------------------------------------------------


def test_done_is_a_channel_a_select_can_wait_on():
    ctx, cancel = with_cancel(background())
    jobs = Channel(1)
    assert select(recv(jobs), recv(ctx.done()), default=True)[0] is None
    threading.Timer(0.05, cancel).start()
    assert select(recv(jobs), recv(ctx.done()), timeout=5) == (1, None, False)


# --- causes (Go's TestCause) ----------------------------------------------------------------


def test_a_timeout_with_a_cause_reports_it_once_the_deadline_passes():
    """Go's WithTimeoutCause: Err is DeadlineExceeded, Cause is the given cause."""
    why = TimeoutError("the batch had 50 ms")
    ctx, cancel = with_timeout(background(), 0.02, cause=why)
    assert ctx.wait(5)
    assert isinstance(ctx.err(), DeadlineExceeded) and ctx.cause() is why
    cancel()
    assert ctx.cause() is why, "a cancel after the deadline changes nothing"


def test_a_cancel_before_the_deadline_reports_the_cancel_not_the_deadline_cause():
    ctx, cancel = with_timeout(background(), 60, cause=TimeoutError("never used"))
    reason = RuntimeError("stop")
    cancel(reason)
    assert isinstance(ctx.err(), Cancelled) and ctx.cause() is reason


def test_a_deadline_cause_reaches_the_children():
    why = TimeoutError("budget")
    parent, cancel = with_deadline(background(), time.monotonic() + 0.02, cause=why)
    child, cancel_child = with_cancel(parent)
    assert child.wait(5)
    assert isinstance(child.err(), DeadlineExceeded) and child.cause() is why
    cancel_child()
    cancel()


# --- values (Go's TestValues) ----------------------------------------------------------------


class _Key:
    """A key only this test can make, as Go advises for context keys."""


def test_values_are_found_from_below_and_the_nearest_wins():
    user, request = _Key(), _Key()
    base = with_value(background(), user, "ana")
    inner = with_value(base, request, 7)
    shadow = with_value(inner, user, "ben")
    ctx, cancel = with_cancel(shadow)
    assert value(ctx, user) == "ben" and value(ctx, request) == 7
    assert value(base, request) is None and value(inner, user) == "ana"
    assert value(background(), user) is None
    cancel()


def test_a_value_context_ends_with_its_parent():
    parent, cancel = with_cancel(background())
    child = with_value(parent, _Key, 1)
    assert child.err() is None
    cancel(ValueError("why"))
    assert isinstance(child.err(), Cancelled) and isinstance(child.cause(), ValueError)
    with pytest.raises(TypeError, match="hashable"):
        with_value(background(), [], 1)


# --- without_cancel (Go's TestWithoutCancel) -------------------------------------------------


def test_without_cancel_keeps_values_but_never_ends():
    key = _Key()
    parent, cancel = with_timeout(with_value(background(), key, "kept"), 0.01)
    detached = without_cancel(parent)
    cancel()
    assert parent.err() is not None
    assert detached.err() is None and not detached.done().closed and detached.deadline is None
    assert value(detached, key) == "kept"
    child, cancel_child = with_cancel(detached)  # it can still have children of its own
    cancel_child()
    assert child.err() is not None and detached.err() is None


# --- after_func (Go's TestAfterFunc*) --------------------------------------------------------


def test_after_func_runs_once_in_its_own_thread_after_cancel():
    ctx, cancel = with_cancel(background(), name="shift")
    ran: list[str] = []
    stop = after_func(ctx, lambda: ran.append(threading.current_thread().name))
    time.sleep(0.02)
    assert ran == []
    cancel()
    cancel()
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.02)
    assert ran == ["after-shift"], "once, in a thread of its own"
    assert stop() is False, "too late to stop: it has run"


def test_after_func_runs_after_a_timeout_and_at_once_if_already_done():
    ctx, cancel = with_timeout(background(), 0.01)
    fired = threading.Event()
    after_func(ctx, fired.set)
    assert fired.wait(5)
    late = threading.Event()
    after_func(ctx, late.set)  # the context has already ended: it runs at once
    assert late.wait(5)
    cancel()


def test_a_stopped_after_func_never_runs():
    ctx, cancel = with_cancel(background())
    ran = threading.Event()
    stop = after_func(ctx, ran.set)
    assert stop() is True and stop() is False
    cancel()
    assert not ran.wait(0.05)
    with pytest.raises(TypeError, match="function"):
        after_func(ctx, "not callable")
