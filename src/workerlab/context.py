"""Lesson 04: a context, one "stop" signal (and deadline) shared by a whole tree of calls.

Go passes a ``context.Context`` to every long call; the caller can cancel it or give it a
deadline, and everything below sees ``ctx.Done()`` close. Here ``ctx.done()`` is a lesson-03
channel closed when the context ends, so a worker can ``select`` on it and its jobs at once.
Go's rules: cancelling a parent cancels every child, never the reverse; the first one wins;
``err()`` says why it ended, ``cause()`` the reason given. It is cooperative: a worker must
look, or wait on ``done()``. Always call ``cancel`` (Go's ``defer cancel()``): it also stops
a deadline's timer. More of Go's API (values, ``AfterFunc``…): :mod:`workerlab.contextplus`.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from workerlab.channel import Channel
from workerlab.errors import Cancelled, ContextError, DeadlineExceeded
from workerlab.selecting import ChannelTimeout, recv, select
from workerlab.validate import positive_number

CancelFunc = Callable[..., None]
_names = itertools.count(1)


class Context:
    """A cancel signal with an optional deadline. Make one with :func:`with_cancel` & co."""

    def __init__(self, parent: Context | None, deadline: float | None, name: str) -> None:
        self.name, self.parent = name, parent
        self.deadline = deadline  # the time.monotonic() instant it ends by (Go: Deadline())
        self._done: Channel[None] = Channel(0, name=f"{name}.done")
        self._lock = threading.Lock()
        self._err: ContextError | None = None
        self._cause: BaseException | None = None
        self._on_end: set[Callable[[], None]] = set()  # each called once, when it ends
        self.can_end = True  # False for background() and the like: nothing to register

    def done(self) -> Channel[None]:
        """A channel that is closed when the context ends (Go's ``ctx.Done()``)."""
        return self._done

    def err(self) -> ContextError | None:
        """``None`` while live; then why it ended (``Cancelled`` or ``DeadlineExceeded``)."""
        return self._err

    def cause(self) -> BaseException | None:
        """The reason given to ``cancel`` (Go's ``context.Cause``), else ``err()``."""
        return self._cause

    def remaining(self) -> float | None:
        """Seconds left before the deadline (at least 0), or ``None`` without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the context ends or ``timeout`` seconds pass; ``True`` if it ended."""
        try:
            select(recv(self._done), timeout=timeout)
        except ChannelTimeout:
            return False
        return True

    def check(self) -> None:
        """Raise ``err()`` (chained to the cause) if the context has ended; else nothing."""
        error = self.err()
        if error is not None:
            fresh = type(error)(*error.args)  # a new instance: each raise, its own traceback
            raise fresh from (self._cause if self._cause is not error else None)

    def on_end(self, callback: Callable[[], None]) -> bool:
        """Call ``callback()`` once, when the context ends; ``False`` if it already has."""
        with self._lock:
            if self._err is None:
                self._on_end.add(callback)
            return self._err is None

    def forget(self, callback: Callable[[], None]) -> bool:
        """Undo :meth:`on_end`; ``True`` if ``callback`` was still to be called."""
        with self._lock:
            found = callback in self._on_end
            self._on_end.discard(callback)
            return found

    def __repr__(self) -> str:
        state = "live" if self.err() is None else type(self._err).__name__
        left = "" if self.deadline is None else f", {self.remaining():.3g} s left"
        return f"<Context {self.name}: {state}{left}>"

    def _end(self, error: ContextError, cause: BaseException | None) -> None:
        """End this context and every child below it; the first ending wins."""
        with self._lock:
            if self._err is not None:
                return
            self._err, self._cause = error, error if cause is None else cause
            callbacks, self._on_end = self._on_end, set()
        self._done.close()
        for callback in callbacks:  # children end too, timers stop
            callback()
        if self.parent is not None:
            self.parent.forget(self._end_with_parent)

    def _end_with_parent(self) -> None:
        """What a parent calls on its children when it ends."""
        assert self.parent is not None
        self._end(self.parent._err or Cancelled(), self.parent._cause)


_BACKGROUND = Context(None, None, "background")
_BACKGROUND.can_end = False


def background() -> Context:
    """The root context (Go's ``context.Background()``): never done, the parent of all."""
    return _BACKGROUND


def with_cancel(parent: Context, *, name: str | None = None) -> tuple[Context, CancelFunc]:
    """A child of ``parent`` and its ``cancel(cause=None)`` (Go's ``WithCancelCause``)."""
    return derive(parent, None, None, name)


def with_timeout(
    parent: Context, seconds: float, *, cause: BaseException | None = None, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """A child that ends ``seconds`` from now (Go's ``WithTimeout``); ``cause()`` then says
    ``cause`` if one is given (``WithTimeoutCause``). Its cancel function ends it sooner."""
    positive_number("seconds", seconds, allow_zero=True)
    return derive(parent, time.monotonic() + seconds, cause, name)


def sleep(ctx: Context, seconds: float) -> None:
    """Sleep ``seconds``, but wake at once and raise ``ctx``'s error if it ends first."""
    positive_number("seconds", seconds, allow_zero=True)
    check_context("ctx", ctx).check()
    if ctx.wait(seconds):
        ctx.check()


def check_context(name: str, value: Any) -> Context:
    """``value`` if it is a :class:`Context`; else a ``TypeError`` naming the argument."""
    if not isinstance(value, Context):
        raise TypeError(f"{name} must be a Context (start from background()), got {value!r}")
    return value


def derive(
    parent: Context, deadline: float | None, cause: BaseException | None, name: str | None
) -> tuple[Context, CancelFunc]:
    """A child of ``parent`` (ending by ``deadline``, never after the parent's) and its cancel."""
    child = Context(check_context("parent", parent), deadline, name or f"ctx-{next(_names)}")
    if parent.deadline is not None and (deadline is None or parent.deadline <= deadline):
        child.deadline = parent.deadline  # the parent's timer ends us both
    elif deadline is not None:  # a deadline of its own: a timer thread announces it
        expired = DeadlineExceeded(f"context {child.name}: deadline exceeded")
        timer = threading.Timer(deadline - time.monotonic(), child._end, (expired, cause))
        timer.name, timer.daemon = f"workerlab-deadline-{child.name}", True
        if timer.interval <= 0:  # already past: ended before anyone can look
            child._end(expired, cause)
        elif child.on_end(timer.cancel):  # ending the context stops the timer thread
            timer.start()
    if parent.can_end and not parent.on_end(child._end_with_parent):
        child._end_with_parent()  # the parent has already ended

    def cancel(cause: BaseException | None = None) -> None:
        if cause is not None and not isinstance(cause, BaseException):
            raise TypeError(f"cause must be an exception, got {type(cause).__name__}")
        child._end(Cancelled(f"context {child.name}: cancelled"), cause)

    return child, cancel
