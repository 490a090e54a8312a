"""Lesson 05: each self-check accepts the reference and rejects plausible mistakes, saying
precisely which mistake it is."""

from __future__ import annotations

import queue
import threading

import pytest

from workerlab.checks.lesson05 import check_serve, check_stop_workers
from workerlab.pool import STOP

# --- lesson 05, exercise 1: stop_workers ------------------------------------------------------


def test_stop_workers_accepts_one_stop_per_worker():
    def stop_workers(jobs, n_workers):
        for _ in range(n_workers):
            jobs.put(STOP)

    assert check_stop_workers(stop_workers)


def put_stops(count):
    """A wrong answer that puts ``count(n_workers)`` STOPs."""

    def stop_workers(jobs, n_workers):
        for _ in range(count(n_workers)):
            jobs.put(STOP)

    return stop_workers


def test_one_stop_too_few_is_named_as_off_by_one():
    result = check_stop_workers(put_stops(lambda n: n - 1))
    assert not result.passed
    assert result.message.startswith("off by one: your answer counts one STOP fewer")
    assert "(2 instead of 3)" in result.message and "waiting for a job forever" in result.message


def test_one_stop_too_many_is_named_as_off_by_one():
    result = check_stop_workers(put_stops(lambda n: n + 1))
    assert not result.passed
    assert result.message.startswith("off by one: your answer counts one STOP more")
    assert "(4 instead of 3)" in result.message and "in the queue" in result.message


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (put_stops(lambda n: 1), "with 3 workers you put 1 STOP(s): 1 went home and 2 waited"),
        (put_stops(lambda n: 0), "with 3 workers you put 0 STOP(s): 0 went home and 3 waited"),
        (put_stops(lambda n: 3), "with 4 workers you put 3 STOP(s)"),  # hard-coded for 3
        (put_stops(lambda n: 2 * n), "with 3 workers you put 6 STOPs: 3 stayed in the queue"),
        (lambda jobs, n: [jobs.put(None) for _ in range(n)] and None, "you put None"),
        (lambda jobs, n: [jobs.get() for _ in range(2)] and put_stops(lambda n: n)(jobs, n),
         "jobs were lost: the workers did 8 of the 10"),
        (lambda jobs, n: 1 / 0, "stop_workers(jobs, 3) raised ZeroDivisionError"),
        (None, "function itself"),
    ],
)
def test_stop_workers_rejects_plausible_mistakes(wrong, says):
    result = check_stop_workers(wrong)
    assert not result.passed
    assert says in result.message


def stops_then_join(count):
    """An answer that puts ``count(n_workers)`` STOPs, then waits with ``jobs.join()``."""

    def stop_workers(jobs, n_workers):
        put_stops(count)(jobs, n_workers)
        jobs.join()  # waits until every item put has been marked task_done

    return stop_workers


@pytest.mark.timeout(30)
def test_an_answer_that_joins_the_queue_never_hangs_the_check():
    """``jobs.join()`` is what a learner who knows ``queue.Queue`` writes to wait for the
    workers. The check's workers call ``task_done``, so the right answer plus a join passes;
    with STOPs nobody takes (or none at all) the check still ends, and names the mistake."""
    assert check_stop_workers(stops_then_join(lambda n: n))
    too_many = check_stop_workers(stops_then_join(lambda n: n + 1))
    assert not too_many.passed and "one STOP more" in too_many.message
    none = check_stop_workers(stops_then_join(lambda n: 0))
    assert not none.passed and "you put 0 STOP(s)" in none.message


@pytest.mark.skipif(hasattr(queue.Queue, "shutdown"), reason="Queue.shutdown exists here")
def test_a_queue_shutdown_answer_is_told_it_needs_python_3_13():
    result = check_stop_workers(lambda jobs, n: jobs.shutdown())
    assert not result and "came with Python 3.13" in result.message


def test_stop_workers_scaffold_is_not_done_yet():
    def scaffold(jobs, n_workers):
        raise NotImplementedError("exercise 1: put what stops every worker")

    assert check_stop_workers(scaffold).message.startswith("not done yet")


# --- lesson 05, exercise 2: serve -------------------------------------------------------------


def reference_serve(dog, counter, orders):
    received = []

    def barista():
        for order in counter:  # until the counter is closed
            received.append(order)

    worker = dog.start(barista, name="barista")
    for order in orders:
        counter.send(order)
    counter.close()  # the producer closes, after its last send
    dog.join(worker)
    return received


def with_a_sentinel(dog, counter, orders):
    received = []

    def barista():
        while (order := counter.recv()) is not STOP:
            received.append(order)

    worker = dog.start(barista, name="barista")
    for order in [*orders, STOP]:
        counter.send(order)
    dog.join(worker)
    return received


def serve_with(barista, *, close=True):
    """A serve like ``reference_serve`` but for its ``barista(counter, received, count)``
    and, with ``close=False``, no close: the wrong baristas below differ only there."""

    def serve(dog, counter, orders):
        received = []
        worker = dog.start(barista, counter, received, len(orders), name="barista")
        for order in orders:
            counter.send(order)
        if close:
            counter.close()
        dog.join(worker)
        return received

    serve.__name__ = barista.__name__
    return serve


def recv_until_it_raises(counter, received, count):
    while True:
        received.append(counter.recv())


def counts_the_orders(counter, received, count):
    """Works, but only because the barista knows how many orders come: nobody closes."""
    for _ in range(count):
        received.append(counter.recv())


def brews_a_string(counter, received, count):
    for order in counter:
        received.append(order.brew())  # str has no .brew()


def with_a_plain_join(dog, counter, orders):
    received = []
    worker = dog.start(lambda: received.extend(counter), name="barista")
    for order in orders:
        counter.send(order)
    counter.close()
    worker.join()  # Thread.join: fine here, though the watchdog cannot see it
    return received


def sends_first(dog, counter, orders):
    received = []
    for order in orders:
        counter.send(order)  # nobody receives yet
    worker = dog.start(lambda: received.extend(counter), name="barista")
    dog.join(worker)
    return received


def never_closes(dog, counter, orders):
    received = []
    worker = dog.start(lambda: received.extend(counter), name="barista")
    for order in orders:
        counter.send(order)
    dog.join(worker)
    return received


def never_closes_and_joins_plainly(dog, counter, orders):
    received = []
    worker = dog.start(lambda: received.extend(counter), name="barista")
    for order in orders:
        counter.send(order)
    worker.join()  # invisible to the watchdog: only its 2 s limit ends this one
    return received


def keeps_the_sentinel(dog, counter, orders):
    received = []

    def barista():
        while True:
            order = counter.recv()
            received.append(order)
            if order is None:
                return

    worker = dog.start(barista, name="barista")
    for order in [*orders, None]:
        counter.send(order)
    dog.join(worker)
    return received


def no_join(dog, counter, orders):
    received = []
    dog.start(lambda: received.extend(counter), name="barista")
    for order in orders:
        counter.send(order)
    counter.close()
    return received  # the barista may still be running


def closes_too_soon(dog, counter, orders):
    received = []
    worker = dog.start(lambda: received.extend(counter), name="barista")
    counter.close()
    for order in orders:
        counter.send(order)
    dog.join(worker)
    return received


def a_barista_per_order(dog, counter, orders):
    received = []
    for order in orders:  # works, but it is three baristas, not one
        worker = dog.start(lambda: received.append(counter.recv()), name="barista")
        counter.send(order)
        dog.join(worker)
    return received


def a_plain_thread(dog, counter, orders):
    received = []
    worker = threading.Thread(target=lambda: received.extend(counter), name="barista")
    worker.start()
    for order in orders:
        counter.send(order)
    counter.close()
    worker.join(5)
    return received


@pytest.mark.parametrize("right", [reference_serve, with_a_sentinel, with_a_plain_join])
def test_serve_accepts_right_answers(right):
    result = check_serve(right)
    assert result, result.message


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (sends_first, "serve sends on the counter with nobody receiving"),
        (serve_with(recv_until_it_raises), "`recv()` on it raises instead"),
        (
            serve_with(counts_the_orders, close=False),
            "the counter was never closed (nor a sentinel sent)",
        ),
        (never_closes, "after the last order the barista still waits for another. Close"),
        (never_closes_and_joins_plainly, "only its 2 s limit ended it: wait with dog.join"),
        (keeps_the_sentinel, "(None is not an order: don't keep a sentinel)"),
        (no_join, "serve returned while the barista was still running"),
        (serve_with(brews_a_string), "the thread \"barista\" raised AttributeError"),
        (closes_too_soon, "serve raised ChannelClosed"),
        (a_barista_per_order, "you started 3 threads: the task is *one* barista"),
        (a_plain_thread, "start the barista with dog.start(...), not threading.Thread"),
        (lambda dog, counter, orders: list(orders), "dog.start"),
        (lambda dog, counter, orders: dog.start(lambda: None) and None, "returned None"),
        (lambda dog, counter, orders: 1 / 0, "serve raised ZeroDivisionError"),
        (None, "function itself"),
    ],
)
def test_serve_rejects_plausible_mistakes(wrong, says):
    result = check_serve(wrong)
    assert not result.passed
    assert says in result.message


def test_a_deadlock_verdict_carries_the_watchdogs_report():
    message = check_serve(never_closes).message
    assert "all threads are asleep - deadlock!" in message
    assert "thread \"barista\" [recv from 'counter'" in message
    assert "<lambda>  test_checks_lesson05.py:" in message, "the barista's own line"


def test_serve_scaffold_is_not_done_yet():
    def scaffold(dog, counter, orders):
        raise NotImplementedError("exercise 2: hand each order to one barista")

    assert check_serve(scaffold).message.startswith("not done yet")


def test_the_lessons_scaffolds_say_which_exercise_they_are():
    import re
    from pathlib import Path

    import nbformat

    path = Path(__file__).parent.parent / "notebooks" / "05_deadlocks_and_leaks.ipynb"
    scaffolds = [
        cell.source
        for cell in nbformat.read(path, as_version=4).cells
        if "exercise" in cell.metadata.get("tags", [])
    ]
    assert len(scaffolds) == 2
    for number, source in enumerate(scaffolds, start=1):
        assert re.search(rf'raise NotImplementedError\("exercise {number}: \w', source), source
