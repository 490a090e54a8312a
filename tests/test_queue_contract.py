"""Every queue the course uses keeps the contract of a bounded queue (issue 10).

The two promises a producer relies on: a blocked ``put`` wakes as soon as one slot frees,
and a ``put`` with a timeout succeeds when a slot frees before the timeout. The course's
first pool broke the first one (a producer was woken only at half empty); these tests
would have caught it, for every queue the lessons use.
"""

from __future__ import annotations

import queue
import threading
import time

import pytest

from workerlab.channel import Channel
from workerlab.lab.tracing import TracedChannel
from workerlab.trace import Trace


def stdlib_queue(size: int):
    q: queue.Queue = queue.Queue(size)
    return q.put, q.get


def channel(size: int):
    ch: Channel = Channel(size)
    return ch.send, ch.recv


def traced_channel(size: int):
    ch: TracedChannel = TracedChannel(size, trace=Trace())
    return ch.send, ch.recv


QUEUES = {"queue.Queue": stdlib_queue, "Channel": channel, "TracedChannel": traced_channel}


@pytest.mark.parametrize("make", QUEUES.values(), ids=QUEUES.keys())
def test_a_blocked_put_wakes_as_soon_as_one_slot_frees(make):
    put, get = make(5)
    for item in range(5):
        put(item)
    woke = threading.Event()

    def producer() -> None:
        put("x", timeout=5)
        woke.set()

    thread = threading.Thread(target=producer)
    thread.start()
    time.sleep(0.1)
    assert not woke.is_set(), "the queue is full: put must wait"
    assert get() == 0  # one slot is free now
    assert woke.wait(2), "the blocked put did not wake when a slot freed"
    thread.join(5)
    assert [get() for _ in range(5)] == [1, 2, 3, 4, "x"]


@pytest.mark.parametrize("make", QUEUES.values(), ids=QUEUES.keys())
def test_a_put_with_a_timeout_succeeds_when_a_slot_frees_in_time(make):
    put, get = make(1)
    put("first")
    threading.Timer(0.05, get).start()
    began = time.monotonic()
    put("second", timeout=2)  # must not raise: the slot frees after 50 ms
    assert time.monotonic() - began < 1.5
    assert get(timeout=1) == "second"
