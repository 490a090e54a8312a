"""Cancellation, deadlines and wrapped errors for worker threads (introduced in lesson 04).

Go passes a ``context.Context`` as the first argument of every long call: the caller can
cancel it, or give it a deadline, and every function below it sees ``ctx.Done()`` close.
Python's threads have no such thing built in, so this module builds a small one:

>>> root = background()
>>> ctx, cancel = with_cancel(root)
>>> child, cancel_child = with_timeout(ctx, 60)
>>> cancel(ValueError("the user pressed Stop"))
>>> child.done().is_set(), type(child.err()).__name__, child.cause()
(True, 'Cancelled', ValueError('the user pressed Stop'))
>>> cancel_child()   # always release a context you made: it stops its deadline timer

The rules are Go's: cancelling a parent cancels every child (grandchildren too), never the
other way round; the first cancellation wins and later ones change nothing; ``err()`` says
*why* it ended, as one of two distinct exception types (:class:`Cancelled`,
:class:`DeadlineExceeded`); ``cause()`` gives the reason passed to ``cancel``.

Cancellation is cooperative, in Go and here: a context only *says* "stop". A worker must
look, either by polling ``ctx.err()`` between steps or, better, by waiting on the context
itself (:func:`sleep`, ``ctx.wait``), which wakes the instant it is cancelled.

The module also holds the lesson's jobs, errors and a small context-aware pool:
:class:`Job`, :func:`process`, :class:`JobError` (an error wrapped with its job and cause,
like Go's ``fmt.Errorf("job %d: %w", …)``), :func:`errors_is` (Go's ``errors.Is``) and
:func:`run_pool`, plus :func:`stop_latency`, which measures how fast a pool stops.
"""

from __future__ import annotations

import itertools
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from workerlab.pool import drain_queue
from workerlab.trace import Span, Trace
from workerlab.validate import callable_arg, positive_int, positive_number


class ContextError(Exception):
    """Why a context is done: the base of :class:`Cancelled` and :class:`DeadlineExceeded`."""


class Cancelled(ContextError):
    """The context was cancelled by its ``cancel`` function (Go's ``context.Canceled``)."""


class DeadlineExceeded(ContextError, TimeoutError):
    """The context's deadline passed (Go's ``context.DeadlineExceeded``).

    It is also a ``TimeoutError``, so code that already catches timeouts catches it.
    """


CancelFunc = Callable[..., None]
_names = itertools.count(1)


class Context:
    """A cancel signal with an optional deadline, shared by a call and everything under it.

    Do not build one directly: start from :func:`background` and derive children with
    :func:`with_cancel`, :func:`with_timeout` or :func:`with_deadline`. A context is safe
    to share between threads; it is read-only for everyone but the holder of its
    ``cancel`` function.
    """

    def __init__(self, parent: Context | None, deadline: float | None, name: str) -> None:
        self.name = name
        self._parent = parent
        self._deadline = deadline
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._err: ContextError | None = None
        self._cause: BaseException | None = None
        self._children: set[Context] = set()
        self._timer: threading.Timer | None = None

    # --- what a worker reads ------------------------------------------------------------

    def done(self) -> threading.Event:
        """An event that is set once the context is cancelled or its deadline passes.

        Wait on it (``ctx.done().wait(seconds)``) to sleep until either happens: Go's
        ``<-ctx.Done()``. :meth:`wait` does the same and also notices a deadline that a busy
        machine's timer has not announced yet.
        """
        self._expire_if_due()
        return self._done

    def err(self) -> ContextError | None:
        """``None`` while the context is live; then why it ended: Cancelled or DeadlineExceeded."""
        self._expire_if_due()
        return self._err

    def cause(self) -> BaseException | None:
        """The reason given to ``cancel`` (Go's ``context.Cause``); the ``err()`` if none was."""
        self._expire_if_due()
        return self._cause

    def deadline(self) -> float | None:
        """The ``time.monotonic()`` instant this context expires at, or ``None``."""
        return self._deadline

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never below 0), or ``None`` without one."""
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - time.monotonic())

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the context is done or ``timeout`` seconds pass; ``True`` if done."""
        if timeout is not None:
            positive_number("timeout", timeout, allow_zero=True)
        left = self.remaining()
        if left is not None and (timeout is None or left <= timeout):
            # The deadline comes first: wait for it ourselves rather than trust the timer.
            if self._done.wait(left):
                return True
            self._expire_if_due()
            return self._done.is_set()
        return self._done.wait(timeout)

    def check(self) -> None:
        """Raise ``err()`` (chained to the cause) if the context is done; else do nothing.

        The Python way to write Go's ``select { case <-ctx.Done(): return ctx.Err() … }``
        at the top of an expensive step.
        """
        error = self.err()
        if error is None:
            return
        fresh = type(error)(*error.args)  # a new instance, so each raise has its own traceback
        cause = self._cause
        raise fresh from (cause if cause is not error else None)

    def __repr__(self) -> str:
        self._expire_if_due()
        state = "live" if self._err is None else type(self._err).__name__
        left = self.remaining()
        deadline = "" if left is None else f", {left:.3g} s left"
        return f"<Context {self.name}: {state}{deadline}>"

    # --- how it ends --------------------------------------------------------------------

    def _cancel(self, error: ContextError, cause: BaseException | None) -> None:
        """End this context and every child below it; the first cancellation wins."""
        with self._lock:
            if self._err is not None:
                return
            self._err = error
            self._cause = cause if cause is not None else error
            children, self._children = self._children, set()
            timer, self._timer = self._timer, None
        self._done.set()
        if timer is not None:
            timer.cancel()  # the timer thread wakes and ends at once
        for child in children:
            child._cancel(error, self._cause)
        if self._parent is not None:
            self._parent._forget(self)

    def _expire_if_due(self) -> None:
        if self._err is None and self._deadline is not None and time.monotonic() >= self._deadline:
            self._cancel(DeadlineExceeded(f"context {self.name}: deadline exceeded"), None)

    def _on_deadline(self) -> None:
        """The timer's callback: make sure the deadline is announced, even by a timer that
        woke a little early (a clock that is not ``time.monotonic``), or a waiter on
        ``done()`` would sleep on."""
        while (left := self.remaining()) and not self._done.wait(left):
            pass
        self._expire_if_due()

    def _adopt(self, child: Context) -> None:
        """Register ``child`` so it is cancelled with us; cancel it now if we are done."""
        with self._lock:
            if self._err is None:
                self._children.add(child)
                return
            error, cause = self._err, self._cause
        child._cancel(error, cause)

    def _forget(self, child: Context) -> None:
        with self._lock:
            self._children.discard(child)

    def _start_timer(self) -> None:
        """Announce the deadline on time even if nobody is waiting on the context."""
        assert self._deadline is not None
        left = self._deadline - time.monotonic()
        if left <= 0:
            self._expire_if_due()
            return
        timer = threading.Timer(left, self._on_deadline)
        timer.name = f"workerlab-deadline-{self.name}"
        timer.daemon = True  # belt and braces: cancel() is what really ends it
        with self._lock:
            if self._err is not None:
                return
            self._timer = timer
        timer.start()


class _Background(Context):
    """The root: never cancelled, no deadline, so children need not register with it."""

    def _adopt(self, child: Context) -> None:
        pass


_BACKGROUND = _Background(None, None, "background")


def background() -> Context:
    """The root context (Go's ``context.Background()``): never done, the parent of all."""
    return _BACKGROUND


def _check_parent(parent: Any) -> Context:
    if not isinstance(parent, Context):
        raise TypeError(
            f"parent must be a Context (start from background()), got {type(parent).__name__}"
        )
    return parent


def _derive(
    parent: Context, deadline: float | None, name: str | None
) -> tuple[Context, CancelFunc]:
    if parent._deadline is not None and (deadline is None or parent._deadline <= deadline):
        deadline = parent._deadline  # a child never outlives its parent's deadline
        own_timer = False
    else:
        own_timer = deadline is not None
    child = Context(parent, deadline, name or f"ctx-{next(_names)}")
    parent._adopt(child)
    if own_timer:
        child._start_timer()
    else:
        child._expire_if_due()

    def cancel(cause: BaseException | None = None) -> None:
        """Cancel the context (and its children); ``cause`` says why. Safe to call twice."""
        if cause is not None and not isinstance(cause, BaseException):
            raise TypeError(f"cause must be an exception, got {type(cause).__name__}")
        child._cancel(Cancelled(f"context {child.name}: cancelled"), cause)

    return child, cancel


def with_cancel(parent: Context, *, name: str | None = None) -> tuple[Context, CancelFunc]:
    """A child of ``parent`` and the function that cancels it (Go's ``WithCancelCause``).

    Call ``cancel()`` (optionally ``cancel(SomeError("why"))``) when the work is over,
    in a ``finally`` block, as Go code does with ``defer cancel()``.
    """
    return _derive(_check_parent(parent), None, name)


def with_deadline(
    parent: Context, when: float, *, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """A child that expires at ``when``, a ``time.monotonic()`` instant (Go's ``WithDeadline``).

    A small timer thread announces the deadline; ``cancel()`` ends it, so always call it.
    """
    _check_parent(parent)
    if isinstance(when, bool) or not isinstance(when, int | float):
        raise TypeError(f"when must be a time.monotonic() instant, got {type(when).__name__}")
    return _derive(parent, float(when), name)


def with_timeout(
    parent: Context, seconds: float, *, name: str | None = None
) -> tuple[Context, CancelFunc]:
    """A child that expires ``seconds`` from now (Go's ``WithTimeout``)."""
    _check_parent(parent)
    positive_number("seconds", seconds, allow_zero=True)
    return _derive(parent, time.monotonic() + seconds, name)


def sleep(ctx: Context, seconds: float) -> None:
    """Sleep ``seconds``, but wake at once and raise ``ctx``'s error if it ends first.

    Unlike ``time.sleep``, a cancelled worker does not finish its nap before noticing.
    """
    _check_parent(ctx)
    positive_number("seconds", seconds, allow_zero=True)
    ctx.check()
    if ctx.wait(seconds):
        ctx.check()


def poll_sleep(ctx: Context, seconds: float, interval: float) -> None:
    """Sleep ``seconds`` in naps of ``interval``, checking ``ctx`` between naps.

    The polling style, for comparison with :func:`sleep`: a cancel is noticed only at
    the end of the current nap, so on average ``interval / 2`` late.
    """
    _check_parent(ctx)
    positive_number("seconds", seconds, allow_zero=True)
    positive_number("interval", interval)
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ctx.check()
        time.sleep(min(interval, left))
    ctx.check()


# --- errors ---------------------------------------------------------------------------------


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception it wraps: causes, contexts and group members."""
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


ErrorKind = type[BaseException] | tuple[type[BaseException], ...]


def errors_as(error: BaseException, kind: ErrorKind) -> BaseException | None:
    """The first exception of type ``kind`` in ``error``'s chain, or ``None`` (``errors.As``)."""
    if not isinstance(error, BaseException):
        raise TypeError(f"error must be an exception, got {type(error).__name__}")
    for member in _chain(error):
        if isinstance(member, kind):
            return member
    return None


def errors_is(error: BaseException, kind: ErrorKind) -> bool:
    """Is ``error``, or anything it wraps, of type ``kind``? (Go's ``errors.Is``.)

    It follows ``raise … from …`` causes, implicit contexts (an error raised while handling
    another) and the members of an ``ExceptionGroup``, however deep.
    """
    return errors_as(error, kind) is not None


# --- jobs and a context-aware pool ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: ``seconds`` of simulated waiting, and whether it fails."""

    id: int
    seconds: float
    fail: bool = False

    def __post_init__(self) -> None:
        positive_int("id", self.id, minimum=0)
        positive_number("seconds", self.seconds, allow_zero=True)


class JobError(Exception):
    """A job failed: carries the ``job``; the original error is its ``__cause__``.

    Raise it as ``raise JobError(job) from error``, Go's ``fmt.Errorf("job %d: %w", …)``.
    """

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        self.job = job

    def __str__(self) -> str:
        cause = self.__cause__
        reason = f"{type(cause).__name__}: {cause}" if cause is not None else "failed"
        return f"job {self.job.id}: {reason}"


def wrap(job: Job, error: BaseException) -> JobError:
    """``JobError(job)`` raised ``from error`` and caught again: the error a worker sends back.

    The worker cannot raise it (nobody would catch it in its thread), so it builds it
    with ``raise … from …``, which records ``error`` as the ``__cause__``, and returns it.
    """
    try:
        raise JobError(job) from error
    except JobError as wrapped:
        return wrapped


def process(ctx: Context, job: Job) -> int:
    """Do ``job``: look at ``ctx`` before starting, wait its time on ``ctx``, return its id.

    Raises ``ctx``'s error if the context ends first, and ``ValueError`` for a job made to
    fail. Errors are *not* wrapped here: wrapping with the job is the worker's job.
    """
    ctx.check()  # before the expensive part: a cancelled job costs nothing
    sleep(ctx, job.seconds)
    if job.fail:
        raise ValueError(f"bad input in job {job.id}")
    return job.id


@dataclass
class PoolReport:
    """What :func:`run_pool` saw: results, wrapped errors, jobs never started, and a trace."""

    results: list[int]
    errors: list[JobError]
    not_started: list[Job]
    trace: Trace
    seconds: float = 0.0
    workers: int = 0
    cancelled: bool = field(default=False)

    def errors_of(self, kind: type[BaseException]) -> list[JobError]:
        """The errors whose chain holds a ``kind`` (for example ``Cancelled``)."""
        return [error for error in self.errors if errors_is(error, kind)]

    def spans_by_outcome(self) -> list[Span]:
        """The trace's job spans, labelled ``job`` (done), ``failed`` or ``interrupted``.

        A job is *interrupted* when its error holds a :class:`ContextError`: the context
        ended while it ran. Ready for :func:`workerlab.plots.timeline`.
        """
        outcome = {
            e.job.id: "interrupted" if errors_is(e, ContextError) else "failed" for e in self.errors
        }
        return [
            Span(s.worker, outcome.get(s.job, "job"), s.job, s.start, s.end)
            for s in self.trace.spans("job")
        ]


_DONE = object()  # the sentinel that tells one worker "no more jobs"


def run_pool(
    ctx: Context,
    jobs: Iterable[Job],
    workers: int,
    *,
    work: Callable[[Context, Job], int] = process,
    trace: Trace | None = None,
) -> PoolReport:
    """Run ``jobs`` on ``workers`` threads under ``ctx``; return when every worker has exited.

    Each worker takes jobs from a shared queue until it meets a sentinel or finds ``ctx``
    done. Results go back on a results queue, errors on their own errors queue, each
    wrapped as ``JobError(job) from cause``. Cancelling ``ctx`` (or its deadline passing)
    makes every worker stop after, or during, its current job; the jobs still queued are
    reported as ``not_started``.
    """
    _check_parent(ctx)
    positive_int("workers", workers)
    callable_arg("work", work)
    jobs = list(jobs)
    for job in jobs:
        if not isinstance(job, Job):
            raise TypeError(f"jobs must be Job objects, got {type(job).__name__}")
    trace = trace if trace is not None else Trace()
    todo: queue.Queue[Any] = queue.Queue()
    for job in jobs:
        todo.put(job)
    for _ in range(workers):
        todo.put(_DONE)
    results: queue.Queue[int] = queue.Queue()
    errors: queue.Queue[JobError] = queue.Queue()

    def worker() -> None:
        while ctx.err() is None:
            job = todo.get()  # never blocks: every job and sentinel is already queued
            if job is _DONE:
                return
            with trace.span("job", job=job.id):
                try:
                    results.put(work(ctx, job))
                except Exception as error:
                    errors.put(wrap(job, error))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"worker-{n}") for n in range(1, workers + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    left = [item for item in drain_queue(todo) if item is not _DONE]
    return PoolReport(
        results=sorted(drain_queue(results)),
        errors=sorted(drain_queue(errors), key=lambda error: error.job.id),
        not_started=left,
        trace=trace,
        seconds=seconds,
        workers=workers,
        cancelled=ctx.err() is not None,
    )


# --- how fast does a pool stop? -------------------------------------------------------------


def stop_latency(
    poll_interval: float | None,
    *,
    workers: int = 4,
    cancel_after: float = 0.05,
    job_seconds: float = 5.0,
    seed: int | None = None,
) -> float:
    """Seconds from ``cancel()`` to the last worker's exit, for one pool.

    Each worker runs one long job (``job_seconds``) that waits either by polling the
    context every ``poll_interval`` seconds (:func:`poll_sleep`) or, with ``None``, by
    waiting on the context itself (:func:`sleep`). Workers start a little apart (random,
    up to one poll interval), as real workers do, so the cancel lands at a different
    point of each one's nap. The job is far longer than the run: only the cancel ends it.
    """
    if poll_interval is not None:
        positive_number("poll_interval", poll_interval)
    positive_int("workers", workers)
    positive_number("cancel_after", cancel_after)
    positive_number("job_seconds", job_seconds)
    rng = random.Random(seed)
    ctx, cancel = with_cancel(background(), name="stop-latency")
    exits: list[float] = []

    def worker(offset: float) -> None:
        time.sleep(offset)
        try:
            if poll_interval is None:
                sleep(ctx, job_seconds)
            else:
                poll_sleep(ctx, job_seconds, poll_interval)
        except ContextError:
            pass
        exits.append(time.perf_counter())

    spread = poll_interval or 0.0
    threads = [
        threading.Thread(target=worker, args=(rng.uniform(0, spread),), name=f"stopper-{n}")
        for n in range(workers)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(cancel_after + spread)
        cancelled_at = time.perf_counter()
        cancel()
    finally:
        cancel()
        for thread in threads:
            thread.join()
    return max(exits) - cancelled_at


def stop_latency_sweep(
    intervals: Iterable[float],
    *,
    repeats: int = 5,
    workers: int = 4,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> tuple[dict[float, list[float]], list[float]]:
    """Measure :func:`stop_latency` ``repeats`` times per poll interval and for waiting.

    Returns ``(polling, waiting)``: latencies per interval, and latencies of waiting
    workers. ``progress`` wraps the list of runs (pass ``tqdm`` to see it move).
    """
    intervals = [positive_number("interval", i) for i in intervals]
    if not intervals:
        raise ValueError("intervals is empty: give at least one poll interval")
    positive_int("repeats", repeats)
    callable_arg("progress", progress)
    runs = [(interval, seed) for seed in range(repeats) for interval in [None, *intervals]]
    polling: dict[float, list[float]] = {interval: [] for interval in intervals}
    waiting: list[float] = []
    for interval, seed in progress(runs):
        latency = stop_latency(interval, workers=workers, seed=seed)
        (waiting if interval is None else polling[interval]).append(latency)
    return polling, waiting
