"""workerlab.selecting: Go's select for threads, proved case by case and by properties."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workerlab.channel import Channel, ChannelClosed, WouldBlock
from workerlab.selecting import ChannelTimeout, recv, select, send


def in_thread(target, *args, name="helper") -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name)
    thread.start()
    return thread


def wait_until(condition, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.001)


def waiting_receivers(ch: Channel) -> int:
    with ch._lock:
        return len(ch._receivers)


def waiting_senders(ch: Channel) -> int:
    with ch._lock:
        return len(ch._senders)


def test_the_ready_case_fires_and_says_which_and_what():
    a, b = Channel(1, name="a"), Channel(1, name="b")
    b.send("mocha")
    assert select(recv(a), recv(b), timeout=1) == (1, "mocha", True)
    assert select(send(a, "latte"), recv(b), timeout=1) == (0, None, True)
    assert a.recv_nowait() == "latte"


def test_a_receive_from_a_closed_channel_fires_with_ok_false():
    done, jobs = Channel(0, name="done"), Channel(1, name="jobs")
    done.close()
    assert select(recv(jobs), recv(done), timeout=1) == (1, None, False)
    jobs.send("order")
    jobs.close()
    assert select(recv(jobs), timeout=1) == (0, "order", True)  # buffered items first
    assert select(recv(jobs), timeout=1) == (0, None, False)


def test_a_blocked_receive_wakes_when_its_channel_is_closed():
    jobs, done = Channel(1), Channel(0)
    got = []
    waiter = in_thread(lambda: got.append(select(recv(jobs), recv(done), timeout=5)))
    wait_until(lambda: waiting_receivers(done) == 1)
    done.close()
    waiter.join(5)
    assert got == [(1, None, False)]


def test_ready_cases_are_chosen_uniformly_at_random():
    channels = [Channel(1, name=f"c{n}") for n in range(3)]
    counts: Counter[int] = Counter()
    rounds = 3000
    for _ in range(rounds):
        for ch in channels:
            if len(ch) == 0:
                ch.send_nowait("x")
        index, _, _ = select(*(recv(ch) for ch in channels), timeout=1)
        counts[index] += 1
    # Each of 3 cases: expected 1000, standard deviation about 26; 5 sigma either side.
    assert all(870 <= counts[i] <= 1130 for i in range(3)), counts


def test_default_returns_at_once_when_nothing_is_ready():
    ch = Channel(0)
    began = time.monotonic()
    assert select(recv(ch), send(ch, 1), default=True) == (None, None, False)
    assert time.monotonic() - began < 0.5
    assert waiting_receivers(ch) == waiting_senders(ch) == 0, "a default select never waits"


def test_a_timeout_bounds_the_wait_and_leaves_nothing_behind():
    a, b = Channel(0, name="a"), Channel(1, name="b")
    b.send(1)
    began = time.monotonic()
    with pytest.raises(ChannelTimeout):
        select(recv(a), send(b, 2), timeout=0.05)
    assert 0.05 <= time.monotonic() - began < 1.0
    assert waiting_receivers(a) == waiting_senders(b) == 0
    assert b.recv_nowait() == 1 and len(b) == 0, "the send case that lost sent nothing"


def test_a_send_case_that_loses_delivers_nothing():
    """Two send cases waiting; a receiver takes from one: the other item stays unsent."""
    a, b = Channel(0, name="a"), Channel(0, name="b")
    outcome = []
    sender = in_thread(lambda: outcome.append(select(send(a, "to a"), send(b, "to b"), timeout=5)))
    wait_until(lambda: waiting_senders(a) == 1 and waiting_senders(b) == 1)
    assert a.recv(timeout=1) == "to a"
    sender.join(5)
    assert outcome == [(0, None, True)]
    with pytest.raises(WouldBlock):
        b.recv_nowait()  # nobody waits to send on b any more: its item was never sent


def test_a_select_send_completes_a_rendezvous_with_a_waiting_receiver():
    ch = Channel(0)
    got = []
    receiver = in_thread(lambda: got.append(ch.recv(timeout=5)))
    wait_until(lambda: waiting_receivers(ch) == 1)
    assert select(send(ch, "espresso"), default=True) == (0, None, True)
    receiver.join(5)
    assert got == ["espresso"]


def test_a_select_receive_completes_a_rendezvous_with_a_waiting_sender():
    ch, other = Channel(0), Channel(0)
    sender = in_thread(lambda: ch.send("ristretto", timeout=5))
    wait_until(lambda: waiting_senders(ch) == 1)
    assert select(recv(other), recv(ch), default=True) == (1, "ristretto", True)
    sender.join(5)


def test_two_selects_meet_on_a_rendezvous():
    ch, never = Channel(0), Channel(0)
    results = []
    sender = in_thread(lambda: results.append(select(send(ch, 7), recv(never), timeout=5)))
    wait_until(lambda: waiting_senders(ch) == 1)
    assert select(recv(never), recv(ch), timeout=5) == (1, 7, True)
    sender.join(5)
    assert results == [(0, None, True)]
    assert waiting_receivers(never) == 0, "the losing cases were withdrawn"


def test_closing_fails_a_waiting_send_case_with_channel_closed():
    ch = Channel(0, name="orders")
    errors = []

    def blocked() -> None:
        try:
            select(send(ch, 1), timeout=5)
        except ChannelClosed as error:
            errors.append(error)

    sender = in_thread(blocked)
    wait_until(lambda: waiting_senders(ch) == 1)
    ch.close()
    sender.join(5)
    assert len(errors) == 1 and "closed channel 'orders'" in str(errors[0])
    with pytest.raises(ChannelClosed):
        select(send(ch, 2), default=True)


def test_a_blocked_select_costs_no_cpu():
    a, b = Channel(0), Channel(0)
    spent = []

    def blocked() -> None:
        began = time.thread_time()
        with pytest.raises(ChannelTimeout):
            select(recv(a), recv(b), timeout=0.5)
        spent.append(time.thread_time() - began)

    waiter = in_thread(blocked)
    waiter.join(5)
    assert spent and spent[0] < 0.05, f"a blocked select used {spent} s of CPU in 0.5 s"


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: select(), ValueError, "no cases and no default"),
        (lambda: select("jobs"), TypeError, "recv"),
        (lambda: recv("jobs"), TypeError, "channel must be"),
        (lambda: send(None, 1), TypeError, "channel must be"),
        (lambda: select(recv(Channel(0)), timeout=-1), ValueError, "timeout"),
    ],
)
def test_bad_input_is_refused_before_anything_waits(call, error, words):
    began = time.monotonic()
    with pytest.raises(error, match=words):
        call()
    assert time.monotonic() - began < 0.5


# --- properties -----------------------------------------------------------------------------

BOUND = 5.0


@settings(max_examples=40, deadline=None)
@given(
    capacities=st.lists(st.integers(0, 3), min_size=1, max_size=3),
    producers=st.integers(1, 3),
    consumers=st.integers(1, 3),
    per_producer=st.integers(0, 10),
    cancel_after=st.one_of(st.none(), st.floats(0, 0.003)),
    data=st.data(),
)
def test_property_every_item_sent_is_received_exactly_once(
    capacities, producers, consumers, per_producer, cancel_after, data
):
    """Producers send through selects over random channels and a cancel channel; consumers
    receive through selects over all of them; a cancel may come at any moment. Every item
    whose send case fired is received exactly once (by a consumer, or left in a buffer);
    no select waits past its bound; no thread is left."""
    before = set(threading.enumerate())
    channels = [Channel(c, name=f"ch{n}") for n, c in enumerate(capacities)]
    cancel = Channel(0, name="cancel")
    targets = [
        data.draw(st.lists(st.sampled_from(range(len(channels))), min_size=1, unique=True))
        for _ in range(producers)
    ]
    sent: list[tuple[int, int, int]] = []  # (channel, producer, item)
    received: list[tuple[int, int, int]] = []
    problems: list[BaseException] = []
    lock = threading.Lock()

    def produce(p: int) -> None:
        try:
            for i in range(per_producer):
                cases = [send(channels[c], (c, p, i)) for c in targets[p]]
                index, _, _ = select(*cases, recv(cancel), timeout=BOUND)
                if index == len(cases):
                    return  # cancelled
                with lock:
                    sent.append((targets[p][index], p, i))
        except BaseException as error:
            problems.append(error)

    def consume() -> None:
        open_channels = list(channels)
        try:
            while open_channels:
                cases = [recv(ch) for ch in open_channels]
                index, item, ok = select(*cases, recv(cancel), timeout=BOUND)
                if index == len(cases):
                    return  # cancelled
                if not ok:
                    open_channels.pop(index)
                    continue
                with lock:
                    received.append(item)
        except BaseException as error:
            problems.append(error)

    eaters = [in_thread(consume, name=f"consumer-{n}") for n in range(consumers)]
    feeders = [in_thread(produce, p, name=f"producer-{p}") for p in range(producers)]
    if cancel_after is not None:
        time.sleep(cancel_after)
        cancel.close()
    for thread in feeders:
        thread.join(2 * BOUND)
    for ch in channels:
        ch.close()
    for thread in eaters:
        thread.join(2 * BOUND)
    left = []
    for ch in channels:  # what a cancel left in the buffers was sent, not lost
        while True:
            try:
                left.append(ch.recv_nowait())
            except ChannelClosed:
                break

    assert not problems, problems
    assert Counter(received + left) == Counter(sent), "each item sent arrives exactly once"
    assert all(not ch._senders and not ch._receivers for ch in [*channels, cancel])
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]
