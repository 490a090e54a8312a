"""Lesson 05: each self-check accepts the reference and rejects plausible mistakes."""

from __future__ import annotations

import pytest

from workerlab.checks.lesson05 import check_serve, check_stop_workers

# --- lesson 05, exercise 1: stop_workers ------------------------------------------------------


def test_stop_workers_accepts_one_sentinel_per_worker():
    def stop_workers(jobs, n_workers):
        for _ in range(n_workers):
            jobs.put(None)

    assert check_stop_workers(stop_workers)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda jobs, n: jobs.put(None), "1 saw a sentinel and 2 waited"),
        (lambda jobs, n: None, "with 1 worker, none saw a sentinel"),
        (lambda jobs, n: [jobs.put(None) for _ in range(2 * n)] and None, "extra sentinel"),
        (lambda jobs, n: 1 / 0, "raised"),
        (None, "function itself"),
    ],
)
def test_stop_workers_rejects_plausible_mistakes(wrong, says):
    result = check_stop_workers(wrong)
    assert not result.passed
    assert says in result.message


def test_stop_workers_scaffold_is_not_done_yet():
    def scaffold(jobs, n_workers):
        raise NotImplementedError

    assert "not done yet" in check_stop_workers(scaffold).message


# --- lesson 05, exercise 2: serve -------------------------------------------------------------


def reference_serve(dog, orders):
    counter = dog.rendezvous()
    received = []

    def barista():
        while (order := counter.receive()) is not None:
            received.append(order)

    worker = dog.start(barista, name="barista")
    for order in orders:
        counter.send(order)
    counter.send(None)
    worker.join()
    return received


def sends_first(dog, orders):
    counter = dog.rendezvous()
    received = []
    for order in orders:
        counter.send(order)
    worker = dog.start(lambda: received.append(counter.receive()), name="barista")
    worker.join()
    return received


def no_sentinel(dog, orders):
    counter = dog.rendezvous()
    received = []

    def barista():
        while True:
            received.append(counter.receive())

    worker = dog.start(barista, name="barista")
    for order in orders:
        counter.send(order)
    worker.join()
    return received


def keeps_the_sentinel(dog, orders):
    counter = dog.rendezvous()
    received = []

    def barista():
        while True:
            order = counter.receive()
            received.append(order)
            if order is None:
                return

    worker = dog.start(barista, name="barista")
    for order in [*orders, None]:
        counter.send(order)
    worker.join()
    return received


def no_join(dog, orders):
    counter = dog.rendezvous()
    received = []

    def barista():
        while (order := counter.receive()) is not None:
            received.append(order)

    dog.start(barista, name="barista")
    for order in [*orders, None]:
        counter.send(order)
    return received  # the barista may still be running


def through_a_queue(dog, orders):
    counter = dog.queue()  # buffered: the main thread never waits for the barista
    received = []

    def barista():
        while (order := counter.get()) is not None:
            received.append(order)

    worker = dog.start(barista, name="barista")
    for order in [*orders, None]:
        counter.put(order)
    worker.join()
    return received


def barista_crashes(dog, orders):
    counter = dog.rendezvous()
    received = []

    def barista():
        while (order := counter.receive()) is not None:
            received.append(order.brew())  # str has no .brew()

    worker = dog.start(barista, name="barista")
    for order in [*orders, None]:
        counter.send(order)
    worker.join()
    return received


def test_serve_accepts_the_reference():
    assert check_serve(reference_serve)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (sends_first, "nobody receiving"),
        (no_sentinel, "Send a sentinel"),
        (keeps_the_sentinel, "no sentinel"),
        (no_join, "join it"),
        (through_a_queue, "dog.rendezvous()"),
        (barista_crashes, 'the thread "barista" raised AttributeError'),
        (lambda dog, orders: list(orders), "dog.start"),
        (lambda dog, orders: dog.start(lambda: None) and None, "returned None"),
        (lambda dog, orders: 1 / 0, "raised"),
        (None, "function itself"),
    ],
)
def test_serve_rejects_plausible_mistakes(wrong, says):
    result = check_serve(wrong)
    assert not result.passed
    assert says in result.message


def test_serve_scaffold_is_not_done_yet():
    def scaffold(dog, orders):
        raise NotImplementedError

    assert "not done yet" in check_serve(scaffold).message
