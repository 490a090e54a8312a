"""Lesson 03: a Go-like channel for threads, that records who waited and for how long.

``queue.Queue`` is close to a Go channel, with three differences that bite: ``maxsize=0``
means *unbounded* (in Go, capacity 0 is a rendezvous), there is no ``close`` before Python
3.13, and nothing records *when* a caller had to wait. :class:`Channel` fills those gaps
so lesson 03 can show blocking, not just describe it:

- ``Channel(capacity)``: ``send`` blocks while ``capacity`` items are waiting; with
  ``capacity=0`` it is a true **rendezvous**: ``send`` returns only once a receiver has
  taken the item (Go's unbuffered channel).
- ``close()``: no more sends (a later ``send`` raises :class:`ChannelClosed`, like Go's
  panic); receivers still get every buffered item, and iteration (``for item in ch``)
  stops once the channel is closed *and* drained.
- **Every blocking call has a timeout** (the channel's ``timeout`` unless the call passes
  its own): a demo that would hang raises :class:`ChannelTimeout` instead.
- With a :class:`~workerlab.trace.Trace`, each wait longer than zero is recorded as a span
  labelled :data:`BLOCKED_SEND` or :data:`BLOCKED_RECV` for the waiting thread, and the
  buffer's depth is sampled after every change under :attr:`Channel.depth_label`.

>>> ch = Channel(2, name="orders")
>>> ch.send("latte"); ch.send("mocha"); ch.close()
>>> list(ch)
['latte', 'mocha']
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from workerlab.trace import Trace
from workerlab.validate import positive_int, positive_number

T = TypeVar("T")

#: Trace label of the interval a sender spent waiting (for space, or for a rendezvous).
BLOCKED_SEND = "blocked on send"
#: Trace label of the interval a receiver spent waiting for an item.
BLOCKED_RECV = "blocked on recv"


class ChannelClosed(Exception):
    """A send on a closed channel, or a receive from one that is closed and drained."""


class ChannelTimeout(TimeoutError):
    """A send or receive waited longer than its timeout."""


class Channel(Generic[T]):
    """A FIFO channel between threads with Go's semantics and a timeout on every wait.

    ``capacity`` is how many items may wait in the buffer (0: rendezvous). ``timeout`` is
    the longest any call waits, in seconds, unless the call passes its own. ``trace``
    (optional) receives blocked intervals and depth samples; ``name`` labels them.
    """

    def __init__(
        self,
        capacity: int,
        *,
        timeout: float = 10.0,
        trace: Trace | None = None,
        name: str = "channel",
    ) -> None:
        self._capacity = positive_int("capacity", capacity, minimum=0)
        self._timeout = positive_number("timeout", timeout)
        if trace is not None and not isinstance(trace, Trace):
            raise TypeError(f"trace must be a workerlab.trace.Trace, got {type(trace).__name__}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        self._trace = trace
        self.name = name
        self._items: deque[T] = deque()
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._not_empty = threading.Condition(self._lock)
        self._taken_cond = threading.Condition(self._lock)
        self._closed = False
        self._sent = 0  # items ever placed in the buffer
        self._taken = 0  # items ever taken out of it
        self._sample()

    # --- what the channel is --------------------------------------------------------------

    @property
    def capacity(self) -> int:
        """How many items may wait in the buffer; 0 means rendezvous."""
        return self._capacity

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    def depth_label(self) -> str:
        """The trace label under which the buffer's depth is sampled."""
        return f"{self.name} depth"

    def __len__(self) -> int:
        """Items waiting in the buffer now (for a rendezvous: 0, or 1 being handed over)."""
        return len(self._items)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"Channel({self._capacity}, name={self.name!r}: {len(self)} waiting, {state})"

    # --- the operations -------------------------------------------------------------------

    def send(self, item: T, timeout: float | None = None) -> None:
        """Put ``item`` in the channel, waiting while the buffer is full.

        With capacity 0, also wait until a receiver has taken it. Raises
        :class:`ChannelClosed` if the channel is (or gets) closed before the item is
        placed, and :class:`ChannelTimeout` after ``timeout`` seconds; in both cases the item
        was not delivered.
        """
        deadline = self._deadline(timeout)
        slots = max(self._capacity, 1)  # a rendezvous hands over through one slot
        with self._lock:
            if self._closed:
                raise ChannelClosed(f"send on closed channel {self.name!r}")
            if len(self._items) >= slots:
                self._wait(
                    self._not_full,
                    lambda: self._closed or len(self._items) < slots,
                    deadline,
                    BLOCKED_SEND,
                    lambda: (
                        f"send on {self.name!r} waited {self._limit(timeout)} s: "
                        f"the buffer stayed full ({len(self._items)}/{self._capacity})"
                    ),
                )
                if self._closed:
                    raise ChannelClosed(f"send on closed channel {self.name!r}")
            self._items.append(item)
            self._sent += 1
            ticket = self._sent
            self._not_empty.notify()
            self._sample()
            if self._capacity == 0:
                self._await_handover(ticket, deadline, timeout)

    def _await_handover(self, ticket: int, deadline: float, timeout: float | None) -> None:
        """Rendezvous: wait until the item with ``ticket`` is taken; on failure, take it back."""
        try:
            self._wait(
                self._taken_cond,
                lambda: self._taken >= ticket or self._closed,
                deadline,
                BLOCKED_SEND,
                lambda: (
                    f"send on {self.name!r} waited {self._limit(timeout)} s: "
                    "no receiver took the item (capacity 0 is a rendezvous)"
                ),
            )
        except ChannelTimeout:
            self._take_back()
            raise
        if self._taken < ticket:  # closed before anyone took it: not delivered
            self._take_back()
            raise ChannelClosed(f"channel {self.name!r} closed before a receiver took the item")

    def _take_back(self) -> None:
        """Remove an undelivered rendezvous item (with capacity 0 the one slot holds ours)."""
        self._items.popleft()
        self._sent -= 1
        self._not_full.notify()
        self._sample()

    def recv(self, timeout: float | None = None) -> T:
        """Take the oldest item, waiting while the buffer is empty.

        Raises :class:`ChannelClosed` once the channel is closed and drained, and
        :class:`ChannelTimeout` after ``timeout`` seconds with nothing to take.
        """
        deadline = self._deadline(timeout)
        with self._lock:
            if not self._items and not self._closed:
                self._wait(
                    self._not_empty,
                    lambda: bool(self._items) or self._closed,
                    deadline,
                    BLOCKED_RECV,
                    lambda: (
                        f"recv on {self.name!r} waited {self._limit(timeout)} s "
                        "and nothing arrived (is a sender still running? did it forget close()?)"
                    ),
                )
            if not self._items:
                raise ChannelClosed(f"channel {self.name!r} is closed and drained")
            item = self._items.popleft()
            self._taken += 1
            if self._capacity == 0:
                self._taken_cond.notify_all()
            self._not_full.notify()
            self._sample()
            return item

    def close(self) -> None:
        """No more sends: waiting senders fail, receivers drain what is left, then stop.

        Closing twice is an error, as in Go: it means two parts of the program both think
        they own the channel.
        """
        with self._lock:
            if self._closed:
                raise ChannelClosed(f"channel {self.name!r} is already closed")
            self._closed = True
            for condition in (self._not_full, self._not_empty, self._taken_cond):
                condition.notify_all()

    def __iter__(self) -> Iterator[T]:
        """Receive until the channel is closed and drained (Go's ``for v := range ch``).

        Each wait is bounded by the channel's timeout, so a forgotten ``close()`` raises
        :class:`ChannelTimeout` instead of hanging.
        """
        while True:
            try:
                yield self.recv()
            except ChannelClosed:
                return

    # --- helpers --------------------------------------------------------------------------

    def _limit(self, timeout: float | None) -> float:
        """The timeout that applies: the call's own, else the channel's."""
        return self._timeout if timeout is None else timeout

    def _deadline(self, timeout: float | None) -> float:
        """The monotonic-clock instant at which a call with ``timeout`` gives up."""
        if timeout is not None:
            positive_number("timeout", timeout, allow_zero=True)
        return time.monotonic() + self._limit(timeout)

    def _wait(
        self,
        condition: threading.Condition,
        ready: Callable[[], bool],
        deadline: float,
        label: str,
        message: Callable[[], str],
    ) -> None:
        """Wait on ``condition`` until ``ready()``; record the wait; raise on the deadline.

        The predicate is checked after every wake-up, including a timed-out one, so a
        notification that arrives as the time runs out is never lost.
        """
        if self._trace is not None:
            self._trace.start(label, self.name)
        try:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ChannelTimeout(message())
                condition.wait(left)
        finally:
            if self._trace is not None:
                self._trace.finish(label, self.name)

    def _sample(self) -> None:
        """Record the buffer's depth now, if the channel has a trace."""
        if self._trace is not None:
            self._trace.sample(self.depth_label, len(self._items))
