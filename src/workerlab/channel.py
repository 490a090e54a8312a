"""Lesson 03: Go's channel, for threads.

``Channel(capacity)`` is a FIFO between threads with Go's rules. ``send`` waits while the
buffer is full; with capacity 0 there is no buffer at all, and ``send`` waits until a
receiver takes the item from its hand (a *rendezvous*, Go's unbuffered channel). ``close()``
means "no more": receivers still get every buffered item, then ``recv`` raises
:class:`ChannelClosed` (and ``for item in ch`` ends), and a ``send`` after it raises too.
Every blocking call has a timeout (the channel's, unless the call gives its own), so a
demo never hangs: it raises :class:`ChannelTimeout` instead.

How it works: ``_try`` does an operation if it needs no waiting, handing an item straight
to a thread that waits on the other side. A blocking ``send`` or ``recv`` is a ``select``
with one case (lesson 04, :mod:`workerlab.selecting`): it waits in the channel's line of
waiting receivers or senders until another thread's operation serves it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from workerlab.selecting import Case, ChannelTimeout, recv, select, send
from workerlab.validate import positive_int, positive_number

if TYPE_CHECKING:
    from workerlab.selecting import _Waiter

T = TypeVar("T")


class ChannelClosed(Exception):
    """A send on a closed channel, or a receive from one that is closed and drained."""


class WouldBlock(Exception):
    """``send_nowait``/``recv_nowait`` could not go ahead without waiting."""


class Channel(Generic[T]):
    """A FIFO between threads with Go's semantics and a timeout on every wait."""

    def __init__(self, capacity: int = 0, *, timeout: float = 10.0, name: str = "channel") -> None:
        self.capacity = positive_int("capacity", capacity, minimum=0)
        self.timeout = positive_number("timeout", timeout)
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        self.name = name
        self.closed = False
        self._lock = threading.Lock()
        self._items: deque[T] = deque()
        self._receivers: OrderedDict[tuple[_Waiter, int], Any] = OrderedDict()
        self._senders: OrderedDict[tuple[_Waiter, int], Any] = OrderedDict()

    def send(self, item: T, timeout: float | None = None) -> None:
        """Put ``item`` in the channel, waiting while the buffer is full (or for a receiver)."""
        wait = self.timeout if timeout is None else timeout
        try:
            select(send(self, item), timeout=wait)
        except ChannelTimeout:
            why = "the buffer stayed full" if self.capacity else "no receiver took the item"
            why += "" if self.capacity else " (a rendezvous)"
            raise ChannelTimeout(f"send on {self.name!r} waited {wait} s: {why}") from None

    def recv(self, timeout: float | None = None) -> T:
        """Take the oldest item, waiting while there is none; ``ChannelClosed`` once drained."""
        wait = self.timeout if timeout is None else timeout
        try:
            _, item, ok = select(recv(self), timeout=wait)
        except ChannelTimeout:
            message = f"recv on {self.name!r} waited {wait} s: nothing arrived"
            raise ChannelTimeout(message) from None
        if not ok:
            raise ChannelClosed(f"channel {self.name!r} is closed and drained")
        return item

    def send_nowait(self, item: T) -> None:
        """Send only if it needs no waiting; else raise :class:`WouldBlock`."""
        if select(send(self, item), default=True)[0] is None:
            raise WouldBlock(f"send on {self.name!r} would wait")

    def recv_nowait(self) -> T:
        """Receive only if it needs no waiting; else raise :class:`WouldBlock`."""
        index, item, ok = select(recv(self), default=True)
        if index is None:
            raise WouldBlock(f"recv on {self.name!r} would wait")
        if not ok:
            raise ChannelClosed(f"channel {self.name!r} is closed and drained")
        return item

    def close(self) -> None:
        """No more sends: waiting receivers stop once drained, waiting senders fail."""
        with self._lock:
            if self.closed:
                raise ChannelClosed(f"channel {self.name!r} is already closed")
            self.closed = True
            for (waiter, index), _ in self._receivers.items():
                waiter.fire(index, None, False)
            for (waiter, index), _ in self._senders.items():
                waiter.fire(index, ChannelClosed(f"send on closed channel {self.name!r}"), False)

    def __iter__(self) -> Iterator[T]:
        """Receive until the channel is closed and drained (Go's ``for v := range ch``)."""
        while True:
            try:
                yield self.recv()
            except ChannelClosed:
                return

    def __len__(self) -> int:
        """How many items wait in the buffer now (always 0 for a rendezvous)."""
        return len(self._items)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"Channel({self.capacity}, name={self.name!r}: {len(self)} waiting, {state})"

    def _waiting(self, sending: bool) -> OrderedDict[tuple[_Waiter, int], Any]:
        """The selects waiting to send to (or receive from) this channel, oldest first."""
        return self._senders if sending else self._receivers

    def _try(self, case: Case, index: int, me: _Waiter) -> bool:
        """With the lock held: if ``case`` needs no waiting, do it, fire ``me`` and return
        True; else return False (the caller waits). A send hands its item straight to a
        waiting receiver, else buffers it; a receive first frees a waiting sender."""
        if case.sending:
            if self.closed:
                raise ChannelClosed(f"send on closed channel {self.name!r}")
            while self._receivers:  # someone waits to receive: hand the item straight over
                (receiver, at), _ = self._receivers.popitem(last=False)
                if receiver.fire(at, case.item, True):
                    return me.fire(index, None, True)
            if len(self._items) < self.capacity:
                self._items.append(case.item)
                return me.fire(index, None, True)
            return False
        while self._senders:  # someone waits to send: their item is next in line
            (sender, at), item = self._senders.popitem(last=False)
            if sender.fire(at, None, True):
                self._items.append(item)
                break
        if self._items:
            return me.fire(index, self._items.popleft(), True)
        return me.fire(index, None, False) if self.closed else False


