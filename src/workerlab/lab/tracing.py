"""Recording what workers and channels did, attached from outside the cores (lessons 02–03).

The cores read like the lessons' prose, with no trace calls in them. When a lesson wants a
timeline, it wraps the pieces instead: :func:`traced` wraps a job function so every call
records a span for the worker thread that ran it, and :class:`TracedChannel` is a
:class:`~workerlab.channel.Channel` that records every interval a caller spent blocked, and
the buffer's depth after every change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from workerlab.channel import Channel, WouldBlock
from workerlab.errors import ContextError, errors_is
from workerlab.trace import Span, Trace
from workerlab.validate import callable_arg

T = TypeVar("T")

#: Trace label of the interval a sender spent waiting (for space, or for a rendezvous).
BLOCKED_SEND = "blocked on send"
#: Trace label of the interval a receiver spent waiting for an item.
BLOCKED_RECV = "blocked on recv"


class Traced:
    """A job function that records a ``label`` span per call, for the thread that runs it.

    The span's job is the call's argument (or ``key(job)``); a class rather than a closure
    so that its repr says what it wraps.
    """

    def __init__(
        self, work: Callable[[Any], Any], trace: Trace, label: str, key: Callable[[Any], Any]
    ) -> None:
        self.work, self.trace, self.label, self.key = work, trace, label, key

    def __call__(self, job: Any) -> Any:
        with self.trace.span(self.label, job=self.key(job)):
            return self.work(job)

    def __repr__(self) -> str:
        return f"traced({self.work!r})"


def traced(
    work: Callable[[Any], Any],
    trace: Trace,
    *,
    label: str = "job",
    key: Callable[[Any], Any] = lambda job: job,
) -> Traced:
    """``work``, recording each call as a ``label`` span in ``trace`` (worker: the thread)."""
    callable_arg("work", work)
    callable_arg("key", key)
    if not isinstance(trace, Trace):
        raise TypeError(f"trace must be a workerlab.trace.Trace, got {type(trace).__name__}")
    return Traced(work, trace, label, key)


def in_hiring_order(spans: list[Span]) -> list[Span]:
    """``spans`` worker by worker, in the order the workers were numbered (w-1, w-2, … w-10).

    A timeline draws one row per worker in the order they first appear; this puts the rows
    in the order the workers were started, not the order they happened to record first.
    """

    def order(span: Span) -> tuple[int, str, float]:
        number = span.worker.rpartition("-")[2]
        return (int(number) if number.isdigit() else 0, span.worker, span.start)

    return sorted(spans, key=order)


class TracedChannel(Channel[T]):
    """A channel that records blocked intervals and its depth in a :class:`Trace`.

    Each ``send`` or ``recv`` first tries without waiting; only if it must wait is the
    wait recorded, as a span labelled :data:`BLOCKED_SEND` or :data:`BLOCKED_RECV` for the
    calling thread. The depth is sampled under :attr:`depth_label` after every operation.
    """

    def __init__(self, capacity: int = 0, *, trace: Trace, **options: Any) -> None:
        if not isinstance(trace, Trace):
            raise TypeError(f"trace must be a workerlab.trace.Trace, got {type(trace).__name__}")
        super().__init__(capacity, **options)
        self.trace = trace
        self.depth_label = f"{self.name} depth"
        self._sample()

    def send(self, item: T, timeout: float | None = None) -> None:
        try:
            self.send_nowait(item)
        except WouldBlock:
            with self.trace.span(BLOCKED_SEND, job=self.name):
                super().send(item, timeout)
        self._sample()

    def recv(self, timeout: float | None = None) -> T:
        try:
            item = self.recv_nowait()
        except WouldBlock:
            with self.trace.span(BLOCKED_RECV, job=self.name):
                item = super().recv(timeout)
        self._sample()
        return item

    def close(self) -> None:
        super().close()
        self._sample()

    def _sample(self) -> None:
        self.trace.sample(self.depth_label, len(self), worker=threading.current_thread().name)


def by_outcome(spans: list[Span], results: list[Any]) -> list[Span]:
    """``spans`` of traced jobs, relabelled by how each job ended, for a timeline.

    ``results`` are a pool run's :class:`~workerlab.pool.Result` records: a job whose error
    holds a context error was *interrupted* (its context ended while it ran), one with any
    other error *failed*, the rest are *done*.
    """

    def ended(result: Any) -> str:
        if result.error is None:
            return "done"
        return "interrupted" if errors_is(result.error, ContextError) else "failed"

    outcome = {r.job: ended(r) for r in results}
    return [Span(s.worker, outcome.get(s.job, s.label), s.job, s.start, s.end) for s in spans]
