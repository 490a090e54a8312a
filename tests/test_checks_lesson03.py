"""Lesson 03: each self-check accepts the right answer and rejects plausible wrong ones,
each with the message that names the mistake."""

import time

import pytest

from workerlab.channel import ChannelClosed, ChannelTimeout, WouldBlock
from workerlab.checks import lesson03
from workerlab.checks.lesson03 import check_drain, check_last_send

# --- exercise 1: last_send ----------------------------------------------------------------------


def reference(n, cap, t):
    return max(0, n - 1 - cap) * t


def test_last_send_accepts_the_reference():
    assert check_last_send(reference)


def not_done(n, cap, t):
    raise NotImplementedError("exercise 1: …")


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (not_done, "not done yet"),
        (lambda n, cap, t: reference(n, cap, t) * 1000, "milliseconds"),
        (lambda n, cap, t: (n - 1 - cap) * t, "cannot be negative"),
        (lambda n, cap, t: n * t, "*finishes* the last item"),
        (lambda n, cap, t: (n - 1) * t, "ignores the buffer"),
        (lambda n, cap, t: max(0, n - 1 - max(cap, 1)) * t, "rendezvous, not a buffer of one"),
        (lambda n, cap, t: max(0, n - cap) * t, "off by one: your answer counts one item more"),
        (
            lambda n, cap, t: max(0, n - 2 - cap) * t,
            "off by one: your answer counts one item fewer",
        ),
        (lambda n, cap, t: max(0, n - 1 - cap), "counts items"),
        (lambda n, cap, t: reference(n, cap, t) / 2, "expected 0.6"),
    ],
)
def test_last_send_rejects_plausible_mistakes(wrong, says):
    result = check_last_send(wrong)
    assert not result and says in result.message, result.message


def test_last_send_explains_an_off_by_one_in_this_lessons_terms():
    more = check_last_send(lambda n, cap, t: max(0, n - cap) * t).message
    assert "item in its hands is no longer in the buffer" in more
    fewer = check_last_send(lambda n, cap, t: max(0, n - 2 - cap) * t).message
    assert "once the consumer has *taken* item i − capacity" in fewer


def test_n_times_service_is_not_called_off_by_one():
    message = check_last_send(lambda n, cap, t: n * t).message
    assert "off by one" not in message and "n × service" in message


# --- exercise 2: drain -------------------------------------------------------------------------


def loop_until_closed(ch):
    items = []
    while True:
        try:
            items.append(ch.recv())
        except ChannelClosed:
            return items


def retries_after_a_timeout(ch):
    items = []
    while True:
        try:
            items.append(ch.recv(timeout=0.05))
        except ChannelTimeout:
            continue  # nothing yet: wait again (it polls, but it never stops early)
        except ChannelClosed:
            return items


def polls_until_closed(ch):
    items = []
    while True:
        try:
            items.append(ch.recv_nowait())
        except WouldBlock:
            time.sleep(0.001)
        except ChannelClosed:
            return items


@pytest.mark.parametrize(
    "right",
    [
        list,
        lambda ch: [item for item in ch],
        loop_until_closed,
        retries_after_a_timeout,
        polls_until_closed,
    ],
    ids=["list", "comprehension", "loop-until-closed", "retries-after-timeout", "polls"],
)
def test_drain_accepts_every_drain_that_stops_only_at_the_end(right):
    result = check_drain(right)
    assert result, result.message


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


def stops_once_closed_and_empty(ch):
    """Looks careful, but between its look at ``ch.closed`` and its ``recv`` the close can
    come: then recv raises ChannelClosed. The check's producer pauses before it closes, so
    this race is lost every time, not by luck."""
    items = []
    while not ch.closed or len(ch):
        items.append(ch.recv())
    return items


def timeout_is_the_end(timeout):
    def drain(ch):
        items = []
        while True:
            try:
                items.append(ch.recv(timeout=timeout))
            except (ChannelTimeout, ChannelClosed):
                return items

    return drain


def the_channels_own_timeout_is_the_end(ch):
    items = []
    while True:
        try:
            items.append(ch.recv())
        except (ChannelTimeout, ChannelClosed):
            return items


def any_error_is_the_end(ch):
    items = []
    while True:
        try:
            items.append(ch.recv())
        except Exception:
            return items


def would_block_is_the_end(ch):
    items = []
    while True:
        try:
            items.append(ch.recv_nowait())
        except (WouldBlock, ChannelClosed):
            return items


def short_timeout_not_caught(ch):
    return [ch.recv(timeout=0.0005) for _ in range(12)]


def never_stops(ch):
    items = []
    while True:
        try:
            items.append(ch.recv())
        except ChannelClosed:
            time.sleep(0.01)  # "maybe more will come"


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda ch: (_ for _ in ()).throw(NotImplementedError("exercise 2")), "not done yet"),
        (recv_forever, "ChannelClosed"),
        (takes_what_is_waiting, "len(ch)"),
        # It either meets the close mid-recv (ChannelClosed escapes) or leaves items behind.
        (stops_once_closed, ("no more *sends*", "ChannelClosed")),
        (stops_once_closed_and_empty, "recv() raised ChannelClosed at the end"),
        (lambda ch: None, "returned None"),
        (lambda ch: set(ch), "it returned a set"),
        (lambda ch: sorted(ch, reverse=True), "in order"),
        (timeout_is_the_end(0.05), "recv(timeout=0.05) gave up"),
        (timeout_is_the_end(60), "recv(timeout=60) gave up"),
        (the_channels_own_timeout_is_the_end, "the channel's own timeout (10 s)"),
        (any_error_is_the_end, "A timeout means nothing arrived *yet*"),
        (would_block_is_the_end, "WouldBlock means empty *now*"),
        (short_timeout_not_caught, "not a pace to keep up"),
        (never_stops, "still running"),
    ],
    ids=[
        "not-done",
        "recv-forever",
        "len",
        "while-not-closed",
        "while-not-closed-or-len",
        "none",
        "a-set",
        "reversed",
        "short-timeout-is-end",
        "long-timeout-is-end",
        "own-timeout-is-end",
        "any-error-is-end",
        "would-block-is-end",
        "short-timeout-raises",
        "never-stops",
    ],
)
def test_drain_rejects_plausible_mistakes(wrong, says, monkeypatch):
    monkeypatch.setattr(lesson03, "_PATIENCE", 1.0)  # how long a drain that never ends runs
    result = check_drain(wrong)
    alternatives = says if isinstance(says, tuple) else (says,)
    assert not result and any(say in result.message for say in alternatives), result.message


def test_a_long_timeout_taken_for_the_end_is_rejected_without_waiting_it_out():
    began = time.monotonic()
    result = check_drain(timeout_is_the_end(3600))
    assert not result and "paused for longer than 3600 s" in result.message
    assert time.monotonic() - began < 3.0  # the check plays the pause out, it does not wait


def test_the_check_says_a_stall_raising_a_timeout_is_right():
    assert "said so (ChannelTimeout)" in check_drain(list).message
    assert "waited for the close" in check_drain(retries_after_a_timeout).message
