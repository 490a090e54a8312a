"""Lesson 04, the rest of Go's context API that fits threads.

Each is a few lines on top of :mod:`workerlab.context`:

- :func:`with_deadline`: a child that ends at a given instant (``WithDeadline``/``…Cause``);
- :func:`with_value` and :func:`value`: a child that carries one key → value pair, found
  from any context below it (``WithValue``, ``ctx.Value``). Python's own tool for
  request-scoped values is :mod:`contextvars`: it follows a thread or an asyncio task
  without being passed around, and is what real code should reach for;
- :func:`without_cancel`: a child that keeps the values but never ends with its parent
  (``WithoutCancel``), for work that must finish even when the request is gone;
- :func:`after_func`: run a function once, in its own thread, when a context ends, with a
  ``stop()`` to call it off (``AfterFunc``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from workerlab.context import CancelFunc, Context, check_context, derive
from workerlab.validate import callable_arg


def with_deadline(
    parent: Context, when: float, *, cause: BaseException | None = None, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """A child that ends at ``when``, a ``time.monotonic()`` instant (Go's ``WithDeadline``)."""
    if isinstance(when, bool) or not isinstance(when, int | float):
        raise TypeError(f"when must be a time.monotonic() instant, got {type(when).__name__}")
    return derive(parent, float(when), cause, name)


class _ValueContext(Context):
    """A context that carries one key → value pair and ends with its parent."""

    def __init__(self, parent: Context, key: Any, stored: Any) -> None:
        super().__init__(parent, parent.deadline, f"{parent.name}+value")
        self._key, self._stored = key, stored


def with_value(parent: Context, key: Any, stored: Any) -> Context:
    """A child of ``parent`` that carries ``key`` → ``stored`` (Go's ``WithValue``).

    It ends when ``parent`` does; it has no cancel function of its own. Use a key only your
    code can make (a private class or ``object()``), never a plain string, so two libraries
    cannot collide, as Go's documentation advises.
    """
    check_context("parent", parent)
    try:
        hash(key)
    except TypeError:
        raise TypeError(f"key must be hashable, got {type(key).__name__}") from None
    child = _ValueContext(parent, key, stored)
    child.can_end = parent.can_end
    if parent.can_end and not parent.on_end(child._end_with_parent):
        child._end_with_parent()  # the parent has already ended
    return child


def value(ctx: Context, key: Any) -> Any:
    """The value stored under ``key`` in ``ctx`` or its nearest ancestor, else ``None``."""
    current: Context | None = check_context("ctx", ctx)
    while current is not None:
        if isinstance(current, _ValueContext) and current._key == key:
            return current._stored
        current = current.parent
    return None


def without_cancel(parent: Context) -> Context:
    """A child that keeps ``parent``'s values but is never cancelled or timed out with it
    (Go's ``WithoutCancel``): ``done()`` never closes, ``err()`` stays ``None``."""
    detached = Context(check_context("parent", parent), None, f"{parent.name}+without-cancel")
    detached.can_end = False
    return detached


def after_func(ctx: Context, function: Callable[[], Any]) -> Callable[[], bool]:
    """Run ``function()`` in a thread of its own once ``ctx`` ends (Go's ``AfterFunc``).

    If ``ctx`` has already ended it starts at once. Returns ``stop()``: it calls the run off
    and returns ``True`` if ``function`` had not started yet, else ``False``.
    """
    check_context("ctx", ctx)
    callable_arg("function", function)

    def start() -> None:
        threading.Thread(target=function, name=f"after-{ctx.name}").start()

    if not ctx.on_end(start):
        start()
    return lambda: ctx.forget(start)
