"""workerlab.deadlock: the watchdog reports real deadlocks on channels, only those, and
leaves nothing behind; and the hook in workerlab.selecting it reads."""

from __future__ import annotations

import queue
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workerlab import selecting
from workerlab.channel import Channel, ChannelTimeout
from workerlab.context import background, with_cancel, with_timeout
from workerlab.deadlock import ASLEEP, DemoCalledOff, Watchdog
from workerlab.selecting import recv, select


def watchdog_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "workerlab-watchdog"]


def waiting(ch: Channel) -> int:
    """How many selects wait on ``ch`` (to send or to receive): none once a demo ends."""
    with ch._lock:
        return len(ch._receivers) + len(ch._senders)


def barista_loop(jobs: Channel, served: list) -> None:
    for order in jobs:  # ends once jobs is closed and drained
        served.append(order)


# --- the hook in selecting: a blocked select is listed, and can be released ----------------


def test_a_blocked_select_is_listed_while_it_waits_and_forgotten_when_it_wakes():
    inbox = Channel(0, name="inbox")
    got = []
    thread = threading.Thread(target=lambda: got.append(inbox.recv(timeout=5)), name="reader")
    thread.start()
    deadline = time.monotonic() + 5
    while thread not in selecting.blocked:
        assert time.monotonic() < deadline, "the blocked select was never listed"
        time.sleep(0.001)
    waiter, cases, since = selecting.blocked[thread]
    assert [(c.channel, c.sending) for c in cases] == [(inbox, False)]
    assert since <= time.monotonic() and not waiter.fired
    inbox.send("latte", timeout=5)
    thread.join(5)
    assert got == ["latte"] and thread not in selecting.blocked


def test_firing_a_blocked_waiter_with_an_error_makes_its_select_raise_it():
    inbox = Channel(0, name="inbox")
    raised = []

    def reader() -> None:
        try:
            select(recv(inbox), timeout=5)
        except LookupError as error:
            raised.append(error)

    thread = threading.Thread(target=reader, name="reader")
    thread.start()
    deadline = time.monotonic() + 5
    while thread not in selecting.blocked:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert selecting.blocked[thread][0].fire(0, LookupError("released"), False)
    thread.join(5)
    assert [str(e) for e in raised] == ["released"]
    assert waiting(inbox) == 0 and thread not in selecting.blocked


# --- the watchdog reports deadlocks on channels ---------------------------------------------


def test_an_unbuffered_send_with_no_receiver_is_reported_and_ended():
    started = time.monotonic()
    with Watchdog(grace=0.2) as dog:
        orders = Channel(0, name="orders")
        orders.send("flat white")  # nobody receives
    assert time.monotonic() - started < 5
    assert dog.deadlocked and dog.report.startswith(ASLEEP)
    assert "thread \"MainThread\" [send to 'orders', 0." in dog.report
    assert "send  channel.py:" in dog.report, "the channel operation is named"
    name = "test_an_unbuffered_send_with_no_receiver_is_reported_and_ended"
    assert f"{name}  test_deadlock.py:" in dog.report, "and the test's own line"
    assert dog.asleep == {"MainThread": "send to 'orders'"}
    assert waiting(orders) == 0 and not selecting.blocked
    assert not watchdog_threads(), "the watchdog's own thread ends with the block"


def test_workers_on_a_channel_nobody_closes_are_all_reported_and_released():
    served: list[int] = []
    with Watchdog(grace=0.2) as dog:
        jobs = Channel(2, name="jobs")
        baristas = [dog.start(barista_loop, jobs, served, name=f"barista-{n}") for n in (1, 2)]
        for order in range(5):
            jobs.send(order)
        for barista in baristas:
            dog.join(barista)  # but nobody closes jobs
    assert dog.deadlocked and sorted(served) == list(range(5))
    assert dog.asleep == {
        "MainThread": "recv from 'barista-1 ended'",
        "barista-1": "recv from 'jobs'",
        "barista-2": "recv from 'jobs'",
    }
    assert dog.report.count("barista_loop  test_deadlock.py:") == 2
    assert "join  deadlock.py:" in dog.report
    assert not any(b.is_alive() for b in baristas) and waiting(jobs) == 0


def test_a_select_on_jobs_and_a_context_is_seen_and_named_with_all_its_cases():
    ctx, cancel = with_cancel(background(), name="shift")
    with Watchdog(grace=0.2) as dog:
        jobs = Channel(0, name="jobs")
        worker = dog.start(lambda: select(recv(jobs), recv(ctx.done())), name="worker")
        dog.join(worker)
    cancel()
    assert dog.deadlocked
    assert dog.asleep["worker"] == "select: recv from 'jobs' | recv from 'shift.done'"


def test_the_fix_a_receiver_first_is_not_reported():
    received = []
    with Watchdog(grace=0.2) as dog:
        orders = Channel(0, name="orders")
        barista = dog.start(lambda: received.append(orders.recv()), name="barista")
        orders.send("flat white")
        dog.join(barista)
    assert not dog.deadlocked and not dog.called_off and dog.asleep == {}
    assert dog.report == "no deadlock: every thread finished on its own"
    assert received == ["flat white"]


def test_leaving_the_block_waits_for_the_demo_threads_and_sees_a_leak():
    with Watchdog(grace=0.2) as dog:
        jobs = Channel(1, name="jobs")
        dog.start(barista_loop, jobs, [], name="forgotten")  # never closed, never joined
    assert dog.deadlocked and dog.asleep["forgotten"] == "recv from 'jobs'"
    assert "[recv from 'forgotten ended'" in dog.report


# --- ... and only those ------------------------------------------------------------------------


def test_a_busy_healthy_pool_is_never_reported():
    served: list[int] = []
    results = Channel(300, name="results")

    def brewing_loop(jobs: Channel) -> None:
        for order in jobs:
            time.sleep(0.001)  # working, not blocked
            results.send(order)

    for _ in range(3):  # a short grace, three runs: a false alarm would show
        with Watchdog(grace=0.05) as dog:
            jobs = Channel(2, name="jobs")
            baristas = [dog.start(brewing_loop, jobs, name=f"b{n}") for n in range(3)]
            for order in range(100):
                jobs.send(order)
            jobs.close()
            for barista in baristas:
                dog.join(barista)
        assert not dog.called_off, dog.report
        served += [results.recv() for _ in range(100)]
    assert sorted(served) == sorted(list(range(100)) * 3)


def test_a_slow_producer_is_not_a_deadlock():
    with Watchdog(grace=0.05) as dog:
        orders = Channel(0, name="orders")

        def slow_producer() -> None:
            time.sleep(0.3)  # asleep in time.sleep: running, in the watchdog's sense
            orders.send("late but coming")

        producer = dog.start(slow_producer, name="producer")
        got = orders.recv()  # blocked six times longer than the grace
        dog.join(producer)
    assert not dog.called_off and got == "late but coming"


def test_a_pending_deadline_timer_is_a_thread_that_will_wake_the_others():
    with Watchdog(grace=0.05) as dog:
        ctx, cancel = with_timeout(background(), 0.3, name="order")
        index, _, ok = select(recv(Channel(0, name="never")), recv(ctx.done()))
        cancel()
    assert not dog.called_off and (index, ok) == (1, False)


# --- what it cannot see, it bounds -----------------------------------------------------------


def test_a_thread_blocked_outside_a_channel_counts_as_running_and_the_limit_ends_the_demo():
    plain = queue.Queue()
    with Watchdog(grace=0.05, limit=0.4) as dog:
        jobs = Channel(0, name="jobs")
        waiter = dog.start(jobs.recv, name="waiter")
        stuck = threading.Thread(target=plain.get, name="plain-get")
        stuck.start()
        stuck.join(timeout=0.8)  # a plain join: invisible to the watchdog
        plain.put("release")  # let the plain thread end, or the block could not
    stuck.join(5)
    assert dog.called_off and not dog.deadlocked
    assert dog.report.startswith("the demo ran past its 0.4 s limit")
    assert 'thread "plain-get" [running]' in dog.report
    assert dog.asleep == {"waiter": "recv from 'jobs'"}
    assert not waiter.is_alive() and waiting(jobs) == 0


def test_a_channel_timeout_inside_the_block_still_works():
    with Watchdog(grace=5) as dog, pytest.raises(ChannelTimeout):
        Channel(0, name="inbox").recv(timeout=0.05)
    assert not dog.called_off


def test_an_error_in_the_block_releases_the_waiting_threads_and_propagates():
    with pytest.raises(KeyError), Watchdog(grace=30) as dog:
        worker = dog.start(Channel(0, name="never").recv, name="waiter")
        raise KeyError("main failed")
    assert not worker.is_alive()
    assert dog.report == "the demo ended with KeyError" and not dog.deadlocked


def test_a_thread_that_catches_the_release_and_waits_again_is_released_again():
    with Watchdog(grace=0.1) as dog:
        inbox = Channel(0, name="inbox")
        with pytest.raises(DemoCalledOff) as caught:
            inbox.recv()
        assert caught.value.report == dog.report
        with pytest.raises(DemoCalledOff):
            inbox.recv()  # the demo is over: any wait is released at once
    assert dog.deadlocked


def test_a_crash_in_a_demo_thread_is_not_swallowed(monkeypatch):
    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    with Watchdog(grace=0.2) as dog:
        orders = Channel(0, name="orders")
        dog.start(lambda: orders.recv().brew(), name="barista")  # str has no .brew()
        orders.send("latte")
    assert [c.exc_type for c in crashes] == [AttributeError]
    assert crashes[0].thread.name == "barista"
    assert not dog.called_off


def test_after_the_block_a_join_returns_at_once():
    with Watchdog(grace=0.1) as dog:
        worker = dog.start(Channel(0, name="never").recv, name="waiter")
    began = time.monotonic()
    dog.join(worker)
    assert time.monotonic() - began < 1 and dog.deadlocked


def test_a_join_with_a_timeout_returns_after_it():
    with Watchdog(grace=5) as dog:
        gate = Channel(0, name="gate")
        worker = dog.start(gate.recv, name="waiter")
        dog.join(worker, timeout=0.05)
        assert worker.is_alive()
        gate.send("go")


def test_bad_use_gets_clear_errors():
    with pytest.raises(ValueError, match="grace"):
        Watchdog(grace=0)
    with pytest.raises(ValueError, match="limit"):
        Watchdog(limit=-1)
    with pytest.raises(RuntimeError, match="with Watchdog"):
        Watchdog().start(print)
    other = threading.Thread(target=print)
    with Watchdog() as dog:
        with pytest.raises(TypeError, match="target"):
            dog.start("not callable")
        with pytest.raises(ValueError, match="thread must be one this watchdog started"):
            dog.join(other)
        with pytest.raises(RuntimeError, match="one demo"):
            dog.__enter__()


@settings(max_examples=12, deadline=None)
@given(
    workers=st.integers(1, 3),
    capacity=st.integers(0, 3),
    orders=st.integers(0, 6),
    closed=st.booleans(),
)
def test_property_deadlocked_exactly_when_nobody_closes_and_nothing_is_left(
    workers, capacity, orders, closed
):
    served: list[int] = []
    with Watchdog(grace=0.05) as dog:
        jobs = Channel(capacity, name="jobs")
        baristas = [dog.start(barista_loop, jobs, served, name=f"b{n}") for n in range(workers)]
        for order in range(orders):
            jobs.send(order)
        if closed:
            jobs.close()
        for barista in baristas:
            dog.join(barista)
    assert dog.deadlocked is not closed
    assert sorted(served) == list(range(orders)), "every order served, deadlock or not"
    assert not any(b.is_alive() for b in baristas)
    assert waiting(jobs) == 0 and not selecting.blocked and not watchdog_threads()


def test_an_interrupt_while_blocked_releases_every_thread_and_propagates():
    import _thread

    interrupt = threading.Timer(0.2, _thread.interrupt_main)
    interrupt.start()
    with pytest.raises(KeyboardInterrupt), Watchdog(grace=30) as dog:
        waiter = dog.start(Channel(0, name="never").recv, name="waiter")
        Channel(0, name="inbox").recv(timeout=5)  # Kernel → Interrupt, as a learner does
    interrupt.join()
    assert not waiter.is_alive() and not selecting.blocked
    assert dog.report == "the demo ended with KeyboardInterrupt"
