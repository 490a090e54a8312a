"""Lesson 04: ``select``, waiting for whichever of several channel operations comes first.

Go's ``select`` waits on several channel operations at once and does the first that can go
ahead: the next job *or* the cancellation, whichever comes first. ``select(recv(jobs),
recv(ctx.done()))`` does the same for threads and returns ``(index, value, ok)``: which case
fired, what it received, and ``ok=False`` for a receive from a closed, drained channel.
Several ready cases: one is chosen at random, so none starves. A blocked select sleeps on
a lock (no CPU) until another thread's operation fires it; each select fires exactly once.
"""

from __future__ import annotations

import random
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from workerlab.validate import positive_number

if TYPE_CHECKING:
    from workerlab.channel import Channel


class ChannelTimeout(TimeoutError):
    """A send, receive or select waited longer than its timeout."""


class Case(NamedTuple):
    """One case of a :func:`select`: receive from ``channel``, or send ``item`` to it."""

    channel: Channel[Any]
    sending: bool
    item: Any = None


#: Lesson 05's hook: each select blocked now, ``thread -> (waiter, cases, since)`` (on
#: ``time.monotonic()``); a select adds itself just before it sleeps and leaves when it wakes.
#: The deadlock watchdog reads it, and releases a select by firing its waiter with an error,
#: ``waiter.fire(0, error, False)``: the select raises it (as ``close`` fails a waiting sender).
blocked: dict[threading.Thread, tuple[_Waiter, tuple[Case, ...], float]] = {}


def recv(channel: Channel[Any]) -> Case:
    """The case "receive from ``channel``" (Go's ``case v, ok := <-ch``)."""
    return Case(_channel(channel), False)


def send(channel: Channel[Any], item: Any) -> Case:
    """The case "send ``item`` to ``channel``" (Go's ``case ch <- item``)."""
    return Case(_channel(channel), True, item)


def _channel(channel: Any) -> Channel[Any]:
    if not hasattr(channel, "_try"):
        raise TypeError(f"channel must be a workerlab Channel, got {type(channel).__name__}")
    return channel


def select(
    *cases: Case, timeout: float | None = None, default: bool = False
) -> tuple[Any, Any, bool]:
    """Do whichever case can go first; return ``(index, value, ok)`` (Go's ``select``).

    Several ready cases: one at random. None ready: with ``default=True`` return ``(None,
    None, False)`` at once; else wait up to ``timeout`` seconds (``None``: no bound), then
    raise :class:`ChannelTimeout`. A send case on a closed channel raises ``ChannelClosed``.
    """
    if not cases and not default:
        raise ValueError("select() with no cases and no default would wait forever")
    for case in cases:
        if not isinstance(case, Case):
            raise TypeError(f"cases must be recv(ch) or send(ch, item), got {case!r}")
    if timeout is not None:
        positive_number("timeout", timeout, allow_zero=True)
    channels = sorted({id(c.channel): c.channel for c in cases}.values(), key=id)
    waiter = _Waiter()
    with _locked(channels):
        for index in random.sample(range(len(cases)), len(cases)):
            if cases[index].channel._try(cases[index], index, waiter):
                return waiter.result()
        if default:
            return None, None, False
        waiter.prepare_to_wait()
        for index, case in enumerate(cases):
            case.channel._waiting(case.sending)[waiter, index] = case.item
    me = threading.current_thread()
    blocked[me] = (waiter, cases, time.monotonic())
    try:
        waiter._sleep(timeout)
    finally:
        del blocked[me]
        with _locked(channels):  # nobody can fire us now: we hold every lock a firer needs
            for index, case in enumerate(cases):
                case.channel._waiting(case.sending).pop((waiter, index), None)
    if not waiter.fired:  # a case that fired just as the time ran out still counts
        raise ChannelTimeout(f"select waited {timeout} s and no case could go ahead")
    return waiter.result()


class _Waiter:
    """One select call, fired exactly once: by its own first ready case, or, once it
    waits, by the first other thread whose operation serves one of its cases. ``fire``
    takes ``_claim`` without blocking, so of two threads racing to fire it one wins."""

    __slots__ = ("_claim", "_wake", "index", "ok", "value")

    def __init__(self) -> None:
        self._claim = threading.Lock()
        self._wake: threading.Lock | None = None

    def prepare_to_wait(self) -> None:
        """Arm the lock that ``wait`` sleeps on and ``fire`` releases."""
        self._wake = threading.Lock()
        self._wake.acquire()

    def fire(self, index: int, value: Any, ok: bool) -> bool:
        if not self._claim.acquire(blocking=False):
            return False  # another case fired first
        self.index, self.value, self.ok = index, value, ok
        if self._wake is not None:
            self._wake.release()
        return True

    def _sleep(self, timeout: float | None) -> None:
        assert self._wake is not None
        self._wake.acquire(timeout=-1 if timeout is None else timeout)

    @property
    def fired(self) -> bool:
        return self._claim.locked()

    def result(self) -> tuple[int, Any, bool]:
        if not self.ok and isinstance(self.value, Exception):
            raise self.value  # a send case whose channel was closed while it waited
        return self.index, self.value, self.ok


class _locked:
    """Hold the locks of ``channels`` (sorted by ``id``, so two selects never deadlock)."""

    def __init__(self, channels: list[Channel[Any]]) -> None:
        self.channels = channels

    def __enter__(self) -> None:
        taken = []
        try:
            for channel in self.channels:
                channel._lock.acquire()
                taken.append(channel)
        except BaseException:  # interrupted half way: give back what was taken
            for channel in reversed(taken):
                channel._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        for channel in reversed(self.channels):
            channel._lock.release()
