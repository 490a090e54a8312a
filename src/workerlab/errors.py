"""Lesson 04: errors that remember: why a context ended, and which job failed and why.

Go returns errors as values and wraps them as they travel up, ``fmt.Errorf("job %d: %w",
id, err)``; ``errors.Is`` then looks through the wrapping. Python has both halves built in:
``raise JobError(job) from error`` keeps the original as ``__cause__``, and
:func:`errors_is` walks the chain (causes, implicit contexts, ``ExceptionGroup`` members).
A worker thread cannot raise to its caller, so it sends the wrapped error back as a value
(:func:`wrap` builds one), the way lesson 02's pool returns it in ``Result.error``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class ContextError(Exception):
    """Why a context is done: the base of :class:`Cancelled` and :class:`DeadlineExceeded`."""


class Cancelled(ContextError):
    """The context was cancelled by its ``cancel`` function (Go's ``context.Canceled``)."""


class DeadlineExceeded(ContextError, TimeoutError):
    """The context's deadline passed (Go's ``context.DeadlineExceeded``); a TimeoutError too."""


class JobError(Exception):
    """A job failed: carries the ``job``; the original error is its ``__cause__``.

    Raise it as ``raise JobError(job) from error``, Go's ``fmt.Errorf("job %d: %w", …)``.
    """

    def __init__(self, job: Any) -> None:
        super().__init__(job)
        self.job = job

    def __str__(self) -> str:
        cause = self.__cause__
        reason = f"{type(cause).__name__}: {cause}" if cause is not None else "failed"
        return f"job {getattr(self.job, 'id', self.job)}: {reason}"


def wrap(job: Any, error: BaseException) -> JobError:
    """``JobError(job)`` raised ``from error`` and caught again: an error to send back.

    ``raise … from …`` is what records ``error`` as the ``__cause__`` (with a traceback), so
    the worker raises it, catches it, and returns it as a value.
    """
    try:
        raise JobError(job) from error
    except JobError as wrapped:
        return wrapped


ErrorKind = type[BaseException] | tuple[type[BaseException], ...]


def errors_is(error: BaseException, kind: ErrorKind) -> bool:
    """Is ``error``, or anything it wraps, of type ``kind``? (Go's ``errors.Is``.)"""
    return errors_as(error, kind) is not None


def errors_as(error: BaseException, kind: ErrorKind) -> BaseException | None:
    """The first exception of type ``kind`` in ``error``'s chain, or ``None`` (``errors.As``)."""
    if not isinstance(error, BaseException):
        raise TypeError(f"error must be an exception, got {type(error).__name__}")
    return next((member for member in chain(error) if isinstance(member, kind)), None)


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and everything it wraps: ``from`` causes, implicit contexts (an error raised
    while handling another) and the members of exception groups, however deep."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(reversed(current.exceptions))
        if current.__cause__ is not None:
            stack.append(current.__cause__)
        elif current.__context__ is not None and not current.__suppress_context__:
            stack.append(current.__context__)
