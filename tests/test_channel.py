"""workerlab.channel: Go's channel semantics and a bound on every wait."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workerlab.channel import Channel, ChannelClosed, ChannelTimeout, WouldBlock


def in_thread(target, *args, name="helper") -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name)
    thread.start()
    return thread


def test_buffered_send_and_recv_are_fifo():
    ch: Channel[str] = Channel(3)
    for item in ("a", "b", "c"):
        ch.send(item)
    assert len(ch) == 3
    assert [ch.recv(), ch.recv(), ch.recv()] == ["a", "b", "c"]


def test_iteration_drains_then_stops_after_close():
    ch: Channel[int] = Channel(5)
    for n in range(4):
        ch.send(n)
    ch.close()
    assert list(ch) == [0, 1, 2, 3]
    with pytest.raises(ChannelClosed, match="closed and drained"):
        ch.recv()


def test_send_after_close_raises_a_clear_error():
    ch: Channel[int] = Channel(1, name="orders")
    ch.close()
    with pytest.raises(ChannelClosed, match="send on closed channel 'orders'"):
        ch.send(1)
    with pytest.raises(ChannelClosed, match="already closed"):
        ch.close()
    assert ch.closed and "closed" in repr(ch)


def test_full_buffer_send_times_out_and_says_why():
    ch: Channel[int] = Channel(1, name="line")
    ch.send(1)
    began = time.monotonic()
    with pytest.raises(ChannelTimeout, match="buffer stayed full"):
        ch.send(2, timeout=0.05)
    assert 0.05 <= time.monotonic() - began < 1.0
    assert isinstance(ChannelTimeout("x"), TimeoutError)


def test_empty_recv_times_out_with_the_channel_default():
    ch: Channel[int] = Channel(2, timeout=0.05)
    with pytest.raises(ChannelTimeout, match="nothing arrived"):
        ch.recv()
    with pytest.raises(ChannelTimeout):
        list(ch)  # a forgotten close() does not hang the loop


def test_rendezvous_send_returns_only_once_a_receiver_took_the_item():
    ch: Channel[str] = Channel(0)
    taken_at: list[float] = []

    def receive_later():
        time.sleep(0.1)
        taken_at.append(time.monotonic())
        ch.recv()

    helper = in_thread(receive_later)
    ch.send("espresso", timeout=5)
    returned = time.monotonic()
    helper.join()
    assert returned >= taken_at[0]
    assert len(ch) == 0


def test_rendezvous_without_a_receiver_times_out_and_takes_the_item_back():
    ch: Channel[str] = Channel(0)
    with pytest.raises(ChannelTimeout, match="no receiver took the item"):
        ch.send("latte", timeout=0.05)
    assert len(ch) == 0
    with pytest.raises(ChannelTimeout):
        ch.recv(timeout=0.02)  # the item was not delivered


def test_close_wakes_blocked_senders_with_an_error_and_blocked_receivers_stop():
    ch: Channel[int] = Channel(1)
    ch.send(0)
    errors: list[BaseException] = []

    def blocked_send():
        try:
            ch.send(1, timeout=5)
        except ChannelClosed as error:
            errors.append(error)

    sender = in_thread(blocked_send)
    time.sleep(0.05)
    ch.close()
    sender.join(timeout=5)
    assert len(errors) == 1
    assert list(ch) == [0]  # what was buffered before close is still delivered


def test_a_receive_releases_a_waiting_sender_whose_item_joins_the_end_of_the_line():
    ch: Channel[str] = Channel(1)
    ch.send("latte")
    sent: list[str] = []
    sender = in_thread(lambda: (ch.send("mocha", timeout=5), sent.append("mocha")))
    time.sleep(0.05)  # the sender is waiting: the line is full
    assert sent == [] and len(ch) == 1
    assert ch.recv_nowait() == "latte"  # the oldest first...
    sender.join(timeout=5)
    assert sent == ["mocha"]  # ...and that receive completed the waiting send
    assert ch.recv_nowait() == "mocha"  # whose item was already in the line


def test_close_wakes_a_waiting_receiver_with_the_end_not_an_item():
    ch: Channel[int] = Channel(2)
    outcome: list[object] = []

    def receive():
        try:
            outcome.append(ch.recv(timeout=5))
        except ChannelClosed as error:
            outcome.append(error)

    receiver = in_thread(receive)
    time.sleep(0.05)  # the receiver is waiting on an empty line
    began = time.monotonic()
    ch.close()
    receiver.join(timeout=5)
    assert time.monotonic() - began < 1.0  # woken by the close, not by its timeout
    assert len(outcome) == 1 and isinstance(outcome[0], ChannelClosed)


def test_nowait_operations_never_wait():
    ch: Channel[int] = Channel(1, name="line")
    with pytest.raises(WouldBlock, match="recv on 'line' would wait"):
        ch.recv_nowait()
    ch.send_nowait(1)
    with pytest.raises(WouldBlock, match="send on 'line' would wait"):
        ch.send_nowait(2)
    assert ch.recv_nowait() == 1
    rendezvous: Channel[int] = Channel(0)
    with pytest.raises(WouldBlock):
        rendezvous.send_nowait(1)  # nobody is waiting to receive it
    ch.close()
    with pytest.raises(ChannelClosed):
        ch.recv_nowait()


def test_a_rendezvous_send_nowait_hands_over_to_a_waiting_receiver():
    ch: Channel[str] = Channel(0)
    got: list[str] = []
    receiver = in_thread(lambda: got.append(ch.recv(timeout=5)))
    deadline = time.monotonic() + 5
    while True:  # until the receiver is waiting, send_nowait has nobody to hand to
        try:
            ch.send_nowait("cortado")
            break
        except WouldBlock:
            assert time.monotonic() < deadline
            time.sleep(0.001)
    receiver.join(5)
    assert got == ["cortado"]


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"capacity": -1}, ValueError, "capacity"),
        ({"capacity": 1.5}, TypeError, "capacity"),
        ({"capacity": 1, "timeout": 0}, ValueError, "timeout"),
        ({"capacity": 1, "name": ""}, TypeError, "name"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, word):
    with pytest.raises(error, match=word):
        Channel(**kwargs)
    with pytest.raises(ValueError, match="timeout"):
        Channel(1).recv(timeout=-1)


# --- properties -----------------------------------------------------------------------------

TIMEOUT = 5.0


@settings(max_examples=30, deadline=None)
@given(
    capacity=st.integers(0, 4),
    producers=st.integers(1, 3),
    consumers=st.integers(1, 3),
    per_producer=st.integers(0, 12),
    close_early=st.one_of(st.none(), st.floats(0, 0.004)),
)
def test_property_exactly_once_no_late_items_bounded_calls_no_threads_left(
    capacity, producers, consumers, per_producer, close_early
):
    """Items whose send returned are received exactly once; failed sends never arrive;
    nothing arrives after the drain; no call outlasts its timeout; no thread is left."""
    before = set(threading.enumerate())
    ch: Channel[tuple[int, int]] = Channel(capacity, timeout=TIMEOUT)
    delivered: list[tuple[int, int]] = []
    failed: list[tuple[int, int]] = []
    received: list[list[tuple[int, int]]] = [[] for _ in range(consumers)]
    longest: list[float] = []
    lock = threading.Lock()

    def produce(p: int) -> None:
        for i in range(per_producer):
            began = time.monotonic()
            try:
                ch.send((p, i))
                outcome = delivered
            except ChannelClosed:
                outcome = failed
            with lock:
                outcome.append((p, i))
                longest.append(time.monotonic() - began)

    def consume(c: int) -> None:
        began = time.monotonic()
        for item in ch:
            received[c].append(item)
            with lock:
                longest.append(time.monotonic() - began)
            began = time.monotonic()

    workers = [in_thread(consume, c, name=f"c{c}") for c in range(consumers)]
    senders = [in_thread(produce, p, name=f"p{p}") for p in range(producers)]
    if close_early is not None:
        time.sleep(close_early)
        ch.close()
        for thread in senders:
            thread.join(timeout=2 * TIMEOUT)
    else:
        for thread in senders:
            thread.join(timeout=2 * TIMEOUT)
        ch.close()
    for thread in workers:
        thread.join(timeout=2 * TIMEOUT)

    got = [item for items in received for item in items]
    assert sorted(got) == sorted(delivered), "every delivered item exactly once, nothing else"
    assert not set(got) & set(failed)
    assert len(delivered) + len(failed) == producers * per_producer
    for items in received:  # each producer's items arrive in the order they were sent
        for p in range(producers):
            mine = [i for q, i in items if q == p]
            assert mine == sorted(mine)
    with pytest.raises(ChannelClosed):
        ch.recv(timeout=0.01)  # nothing after the drain
    assert max(longest, default=0) < TIMEOUT + 1.0
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]


@settings(max_examples=15, deadline=None)
@given(capacity=st.integers(0, 3), timeout=st.floats(0.005, 0.05), send=st.booleans())
def test_property_a_blocked_call_gives_up_at_its_timeout(capacity, timeout, send):
    ch: Channel[int] = Channel(capacity)
    for n in range(capacity):
        ch.send(n)
    began = time.monotonic()
    with pytest.raises(ChannelTimeout):
        if send:
            ch.send(99, timeout=timeout)
        else:
            Channel(capacity).recv(timeout=timeout)
    waited = time.monotonic() - began
    assert timeout <= waited < timeout + 1.0
    assert len(ch) == capacity  # a timed-out send leaves nothing behind
