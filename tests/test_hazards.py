"""workerlab.hazards: the watchdog fires on real deadlocks only."""

from __future__ import annotations

import contextlib
import queue
import threading
import time

import pytest

from workerlab.channel import Channel, ChannelTimeout
from workerlab.hazards import (
    DeadlockDetected,
    DemoTooLong,
    Watchdog,
)


def watchdog_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "workerlab-watchdog"]


# --- the watchdog fires on real deadlocks ---------------------------------------------------


def test_an_unbuffered_send_with_no_receiver_is_reported_and_ended():
    started = time.monotonic()
    with Watchdog(grace=0.2) as dog:
        dog.rendezvous().send("order 1")
    assert time.monotonic() - started < 10
    assert dog.deadlocked
    report = dog.report
    assert report.startswith("all threads are asleep - deadlock!")
    assert 'thread "MainThread" [Rendezvous.send' in report
    assert "test_an_unbuffered_send_with_no_receiver_is_reported_and_ended  test_hazards.py:" in (
        report
    )
    assert not watchdog_threads(), "the watchdog's own thread ends with the block"


def test_workers_waiting_on_a_queue_nobody_closes_are_all_reported_and_released():
    def worker(jobs):
        while True:
            jobs.get()

    with Watchdog(grace=0.2) as dog:
        jobs = dog.queue()
        workers = [dog.start(worker, jobs, name=f"worker-{n}") for n in (1, 2)]
        for thread in workers:
            thread.join()
    assert dog.deadlocked
    assert "[join(worker-1)" in dog.report
    for name in ("worker-1", "worker-2"):
        assert f'thread "{name}" [Queue.get' in dog.report
    assert "worker  test_hazards.py:" in dog.report
    assert not any(t.is_alive() for t in workers)


def test_two_locks_taken_in_opposite_orders_deadlock():
    with Watchdog(grace=0.2) as dog:
        a, b = dog.lock(), dog.lock()
        both_hold_one = threading.Barrier(2)

        def take(first, second):
            with first:
                both_hold_one.wait(5)
                with second:
                    pass

        dog.start(take, a, b, name="left")
        dog.start(take, b, a, name="right")
    assert dog.deadlocked
    assert dog.report.count("[Lock.acquire") == 2
    assert "[join(left)" in dog.report  # leaving the block waits for the threads too


def test_the_watchdog_stays_silent_on_a_busy_healthy_pool():
    def worker(jobs, results):
        while (job := jobs.get()) is not None:
            time.sleep(0.002)  # working, not blocked
            results.put(job * job)

    with Watchdog(grace=1.0) as dog:  # generous: a loaded machine may stall a thread
        jobs, results = dog.queue(maxsize=2), dog.queue()
        workers = [dog.start(worker, jobs, results, name=f"w{n}") for n in range(3)]
        for job in range(100):
            jobs.put(job)
        for _ in workers:
            jobs.put(None)
        got = sorted(results.get() for _ in range(100))
        for thread in workers:
            thread.join()
    assert not dog.deadlocked
    assert dog.report == "no deadlock: every thread finished on its own"
    assert got == sorted(n * n for n in range(100))


def test_a_sleeping_thread_is_not_asleep_in_the_deadlock_sense():
    with Watchdog(grace=0.05) as dog:
        worker = dog.start(time.sleep, 0.4, name="napper")
        worker.join()
    assert not dog.deadlocked


def test_timeouts_on_watched_waits_still_work():
    with Watchdog(grace=5) as dog:
        q = dog.queue(maxsize=1)
        with pytest.raises(queue.Empty):
            q.get(timeout=0.05)
        q.put(1)
        with pytest.raises(queue.Full):
            q.put(2, timeout=0.05)
        lock = dog.lock()
        assert lock.acquire()
        assert not lock.acquire(timeout=0.05)
        lock.release()
    assert not dog.deadlocked


def test_errors_in_participants_reach_the_main_thread():
    def fail():
        raise ValueError("bad job")

    with pytest.raises(ValueError, match="bad job"), Watchdog(grace=1) as dog:
        dog.start(fail, name="failing")
    assert not watchdog_threads()


def test_an_error_in_the_block_releases_waiting_threads():
    def wait_forever(jobs):
        jobs.get()

    with pytest.raises(KeyError), Watchdog(grace=30) as dog:
        worker = dog.start(wait_forever, dog.queue(), name="waiter")
        raise KeyError("main failed")
    assert not worker.is_alive()


def test_bad_use_gets_clear_errors():
    with pytest.raises(ValueError):
        Watchdog(grace=0)
    with pytest.raises(RuntimeError, match="with Watchdog"):
        Watchdog().start(print)
    with Watchdog() as dog:
        with pytest.raises(TypeError):
            dog.start("not callable")
        with pytest.raises(TypeError):
            dog.join("thread")
        with pytest.raises(ValueError, match="maxsize"):
            dog.queue(-1)
        with pytest.raises(RuntimeError, match="one demo"):
            dog.__enter__()


def test_detection_raises_in_the_blocked_main_thread_first():
    with Watchdog(grace=0.1) as dog:
        with pytest.raises(DeadlockDetected) as caught:
            dog.queue().get()
        assert "all threads are asleep" in caught.value.report
    assert dog.deadlocked, "the watchdog's record counts, even if the block handled the error"


def test_the_time_limit_ends_a_demo_that_never_deadlocks():
    def spin(jobs):
        while True:  # busy, never blocked for long: no deadlock, but no end either
            with contextlib.suppress(queue.Empty):
                jobs.get(timeout=0.01)

    started = time.monotonic()
    with Watchdog(grace=5, limit=0.3) as dog:
        jobs = dog.queue()
        dog.start(spin, jobs, name="spinner")
    assert time.monotonic() - started < 10
    assert isinstance(dog.called_off, DemoTooLong) and not dog.deadlocked
    assert dog.report.startswith("the demo ran past its 0.3 s limit")
    assert 'thread "spinner"' in dog.report


def test_joining_a_participant_after_a_called_off_demo_is_a_plain_join():
    def worker(jobs):
        jobs.get()

    with Watchdog(grace=0.2) as dog:
        worker_thread = dog.start(worker, dog.queue(), name="waiter")
        worker_thread.join()
    assert dog.deadlocked
    worker_thread.join()  # the demo is over: no DeadlockDetected raised here
    assert not worker_thread.is_alive()


def test_a_participant_that_crashed_is_named_in_the_deadlock_report():
    def barista(orders):
        orders.receive().brew()  # str has no .brew(): the barista dies on the first order

    with Watchdog(grace=0.2) as dog:
        orders = dog.rendezvous()
        dog.start(barista, orders, name="barista")
        orders.send("latte")
        orders.send("mocha")  # nobody is left to receive it
    assert dog.deadlocked
    assert 'thread "barista" [ended with AttributeError:' in dog.report
    assert 'thread "MainThread" [Rendezvous.send' in dog.report


def test_the_watchdog_remembers_which_threads_were_joined():
    with Watchdog(grace=1) as dog:
        first = dog.start(time.sleep, 0.01, name="first")
        second = dog.start(time.sleep, 0.01, name="second")
        first.join()
        assert dog.joined == [first]
    assert set(dog.joined) == {first, second}  # leaving the block joined the other one


def test_a_channel_wait_is_outside_the_watchdogs_reach_and_ends_at_its_own_timeout():
    inbox = Channel(0, name="inbox", timeout=0.5)
    with Watchdog(grace=0.1, limit=0.3) as dog:
        waiter = dog.start(inbox.recv, name="waiter")
        waiter.join()
    assert not dog.deadlocked, "a thread blocked in a Channel counts as running"
    assert isinstance(dog.called_off, DemoTooLong)
    assert 'thread "waiter" [running]' in dog.report
    assert "recv  channel.py:" in dog.report
    assert isinstance(waiter.error, ChannelTimeout), "the channel's own timeout ended it"
