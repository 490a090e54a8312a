"""A thread-safe event log: who started and finished what, and when.

Introduced in lesson 01 and used by every lesson after it. Workers never print (where a
background thread's ``print`` lands differs between Jupyter versions, and printing from
many threads interleaves); they *record* events here, and the notebook cell shows them
afterwards as a table or a plot.

Recording is one clock read and one ``list.append``, which is atomic in CPython (with
or without the GIL), so a :class:`Trace` is cheap enough to leave on in a benchmark.

>>> log = Trace()
>>> with log.span("job", job=1, worker="w1"):
...     pass
>>> [(s.worker, s.label, s.job) for s in log.spans()]
[('w1', 'job', 1)]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

EventKind = Literal["start", "finish", "sample"]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened: ``kind`` of ``label`` (for ``job``) in ``worker`` at ``time``.

    ``time`` is seconds since the trace's origin. ``value`` is only set for samples
    (for example a queue's depth).
    """

    time: float
    kind: EventKind
    worker: str
    label: str
    job: Hashable | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A finished interval: ``worker`` spent ``start``..``end`` seconds on ``label``."""

    worker: str
    label: str
    job: Hashable | None
    start: float
    end: float

    @property
    def duration(self) -> float:
        """Length of the interval in seconds."""
        return self.end - self.start


class Trace:
    """An append-only, thread-safe log of start/finish events and samples.

    ``worker`` defaults to the name of the calling thread, so a worker thread only has to
    say *what* it does. Times are seconds since the trace was created (or since
    :meth:`reset`), read from ``clock`` (``time.perf_counter`` unless a test passes another).
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        self._clock = clock
        self._origin = clock()
        self._events: list[Event] = []

    def now(self) -> float:
        """Seconds since the trace's origin."""
        return self._clock() - self._origin

    def reset(self) -> None:
        """Forget every event and restart the clock at zero."""
        self._events = []
        self._origin = self._clock()

    def _record(
        self,
        kind: EventKind,
        label: str,
        job: Hashable | None,
        worker: str | None,
        value: float | None = None,
    ) -> None:
        if worker is None:
            worker = threading.current_thread().name
        self._events.append(Event(self.now(), kind, worker, label, job, value))

    def start(
        self, label: str = "job", job: Hashable | None = None, worker: str | None = None
    ) -> None:
        """Record that ``worker`` (default: this thread) started ``label`` for ``job``."""
        self._record("start", label, job, worker)

    def finish(
        self, label: str = "job", job: Hashable | None = None, worker: str | None = None
    ) -> None:
        """Record that ``worker`` (default: this thread) finished ``label`` for ``job``."""
        self._record("finish", label, job, worker)

    def sample(self, label: str, value: float, worker: str | None = None) -> None:
        """Record a measurement at this instant, such as a queue's depth."""
        self._record("sample", label, None, worker, float(value))

    @contextmanager
    def span(
        self, label: str = "job", job: Hashable | None = None, worker: str | None = None
    ) -> Iterator[None]:
        """Record a start on entry and a finish on exit (also when the body raises)."""
        if worker is None:
            worker = threading.current_thread().name
        self.start(label, job, worker)
        try:
            yield
        finally:
            self.finish(label, job, worker)

    def events(self) -> list[Event]:
        """A snapshot of every event so far, in time order."""
        return sorted(self._events[:], key=lambda event: event.time)

    def __len__(self) -> int:
        return len(self._events)

    def spans(self, label: str | None = None) -> list[Span]:
        """Pair each start with its finish (same worker, label and job), in start order.

        Starts without a finish yet are left out: see :meth:`unfinished`.
        """
        open_starts: dict[tuple[str, str, Hashable | None], list[float]] = {}
        spans: list[Span] = []
        for event in self.events():
            if label is not None and event.label != label:
                continue
            key = (event.worker, event.label, event.job)
            if event.kind == "start":
                open_starts.setdefault(key, []).append(event.time)
            elif event.kind == "finish" and open_starts.get(key):
                started = open_starts[key].pop(0)
                spans.append(Span(event.worker, event.label, event.job, started, event.time))
        return sorted(spans, key=lambda span: (span.start, span.worker))

    def unfinished(self) -> list[Event]:
        """Start events that have no matching finish (work still running, or lost)."""
        finished = {(s.worker, s.label, s.job, s.start) for s in self.spans()}
        return [
            e
            for e in self.events()
            if e.kind == "start" and (e.worker, e.label, e.job, e.time) not in finished
        ]

    def samples(self, label: str) -> list[tuple[float, float]]:
        """``(time, value)`` pairs recorded with :meth:`sample` under ``label``."""
        return [
            (e.time, e.value)
            for e in self.events()
            if e.kind == "sample" and e.label == label and e.value is not None
        ]

    def workers(self) -> list[str]:
        """Names of every worker that recorded something, in order of first appearance."""
        return list(dict.fromkeys(e.worker for e in self.events()))
