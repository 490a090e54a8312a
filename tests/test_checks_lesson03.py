"""Lesson 03: each self-check accepts the right answer and rejects plausible wrong ones."""


import pytest

from workerlab.checks.lesson03 import check_drain, check_last_send


def test_last_send_accepts_the_reference():
    assert check_last_send(lambda n, cap, t: max(0, n - 1 - cap) * t)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, cap, t: (n - 1 - cap) * t, "negative"),
        (lambda n, cap, t: (n - 1) * t, "ignores the buffer"),
        (lambda n, cap, t: max(0, n - cap) * t, "off by one"),
        (lambda n, cap, t: n * t, "off by one"),
        (lambda n, cap, t: max(0, n - 1 - max(cap, 1)) * t, "rendezvous"),
        (lambda n, cap, t: max(0, n - 1 - cap), "counts items"),
        (lambda n, cap, t: max(0, n - 1 - cap) * t / 2, "expected"),
    ],
)
def test_last_send_rejects_plausible_mistakes(wrong, says):
    result = check_last_send(wrong)
    assert not result and says in result.message


def test_drain_accepts_iteration():
    assert check_drain(list)
    assert check_drain(lambda ch: [item for item in ch])


def recv_forever(ch):
    items = []
    while True:
        items.append(ch.recv())


def takes_what_is_waiting(ch):
    return [ch.recv() for _ in range(len(ch))]


def stops_once_closed(ch):
    items = []
    while not ch.closed:
        items.append(ch.recv())
    return items


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (recv_forever, "ChannelClosed"),
        (takes_what_is_waiting, "len(ch)"),
        (stops_once_closed, "no more *sends*"),
        (lambda ch: None, "returned None"),
        (lambda ch: sorted(ch, reverse=True), "in order"),
    ],
)
def test_drain_rejects_plausible_mistakes(wrong, says):
    result = check_drain(wrong)
    assert not result and says in result.message


