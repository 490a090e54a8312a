"""Deadlocks the kernel survives (introduced in lesson 05).

Go's runtime notices when every goroutine is blocked and stops the program with
"fatal error: all goroutines are asleep - deadlock!". Python notices nothing: a deadlocked
program just hangs, and a deadlocked notebook cell hangs the kernel until it is restarted.
So the course ships two tools.

**The watchdog.** Python cannot kill a thread from outside, so a watchdog cannot end a
deadlock by force. It can only release waits it is able to reach. That is the design: the
demo's threads block through the watchdog's *own* waiting primitives (a queue, a lock, an
unbuffered "rendezvous" channel, a join), which wait in short slices and, between slices,
tell the watchdog "I am blocked on X" and look whether it has called the demo off. When
every participating thread has been blocked longer than a grace period, the watchdog
writes a Go-like report (each thread's name and where it is blocked, read with
``sys._current_frames()``) and calls the demo off: each blocked wait raises
:class:`DeadlockDetected`, the threads unwind and end, and the ``with`` block exits
normally with the report kept for the cell to show::

    with Watchdog(grace=0.5) as dog:
        jobs = dog.queue()
        worker = dog.start(lambda: jobs.get(), name="worker-1")
        dog.join(worker)          # nobody ever puts a job: all threads are asleep
    print(dog.report)

A thread blocked in a plain ``queue.Queue.get()``, in ``time.sleep`` or in lesson 03's
:class:`~workerlab.channel.Channel` is out of its reach: the watchdog counts it as running,
and could not release it anyway (a ``Channel`` wait does end by itself, at its timeout).

The leak checker, the other tool of lesson 05, is :mod:`workerlab.leak`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from workerlab.frames import is_private_helper, where
from workerlab.validate import callable_arg, positive_int, positive_number

_THIS_FILE = str(Path(__file__).resolve())
#: The watchdog's waiting machinery: hidden from reports, which show what the demo called.
_MACHINERY = {"wait_until", "attempt", "<lambda>", "run"}


def _hide(path: str, function: str) -> bool:
    """Leave the watchdog's own waiting machinery out of a report, as well as private helpers."""
    return is_private_helper(path, function) or (path == _THIS_FILE and function in _MACHINERY)


# --- the deadlock watchdog ------------------------------------------------------------------


class DemoCalledOff(RuntimeError):
    """The watchdog released every watched wait; ``report`` says why and where threads were.

    Raised inside each released wait, so the demo's threads unwind and end.
    """

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


class DeadlockDetected(DemoCalledOff):
    """Every participating thread was blocked longer than the grace period."""


class DemoTooLong(DemoCalledOff):
    """The demo ran past the watchdog's time limit (deadlocked or not)."""


@dataclass
class _Waiter:
    """A participant's state: blocked on what, since when (``None`` while it runs)."""

    thread: threading.Thread
    what: str | None = None
    since: float | None = None
    finished: bool = False


class Participant(threading.Thread):
    """A thread started by :meth:`Watchdog.start`: it counts for deadlock detection.

    When the watchdog calls a demo off, the :class:`DemoCalledOff` raised in this
    thread's wait ends it quietly; any other error is kept in ``error`` and re-raised by
    the watchdog when the ``with`` block ends.
    """

    def __init__(self, dog: Watchdog, target: Callable[..., Any], args: tuple, name: str | None):
        super().__init__(name=name, daemon=False)
        self._dog = dog
        self._work = target
        self._work_args = args
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work(*self._work_args)
        except DemoCalledOff:
            pass  # the watchdog called the demo off: ending here is the point
        except BaseException as error:  # kept for the main thread, which re-raises it
            self.error = error
        finally:
            self._dog._finished(self)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end, through the watchdog (so a join can deadlock too)."""
        self._dog.join(self, timeout)


class WatchedQueue(queue.Queue):
    """A ``queue.Queue`` whose blocking ``put`` and ``get`` the watchdog sees and can release."""

    def __init__(self, dog: Watchdog, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self._dog = dog

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """``queue.Queue.get``, with a blocking wait the watchdog sees."""
        if not block:
            return super().get(block=False)
        box: list[Any] = []

        def attempt(seconds: float) -> bool:
            try:
                box.append(queue.Queue.get(self, block=seconds > 0, timeout=seconds or None))
            except queue.Empty:
                return False
            return True

        if not self._dog.wait_until("Queue.get", attempt, timeout):
            raise queue.Empty
        return box[0]

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """``queue.Queue.put``, with a blocking wait the watchdog sees."""
        if not block:
            return super().put(item, block=False)

        def attempt(seconds: float) -> bool:
            try:
                queue.Queue.put(self, item, block=seconds > 0, timeout=seconds or None)
            except queue.Full:
                return False
            return True

        if not self._dog.wait_until("Queue.put", attempt, timeout):
            raise queue.Full
        return None


class WatchedLock:
    """A ``threading.Lock`` whose blocking ``acquire`` the watchdog sees and can release."""

    def __init__(self, dog: Watchdog) -> None:
        self._dog = dog
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """``threading.Lock.acquire``, with a blocking wait the watchdog sees."""
        if not blocking:
            return self._lock.acquire(blocking=False)

        def attempt(seconds: float) -> bool:
            return self._lock.acquire(timeout=seconds) if seconds else self._lock.acquire(False)

        return self._dog.wait_until("Lock.acquire", attempt, None if timeout < 0 else timeout)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> WatchedLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Rendezvous:
    """An unbuffered channel: ``send`` returns only once a receiver has taken the item.

    That is Go's ``make(chan T)``. (``queue.Queue(maxsize=1)`` is *not* one: its first put
    returns at once.)
    """

    def __init__(self, dog: Watchdog) -> None:
        self._dog = dog
        self._offers: queue.Queue[tuple[Any, threading.Event]] = queue.Queue()

    def send(self, item: Any) -> None:
        """Hand ``item`` to a receiver; block until one has taken it."""
        taken = threading.Event()
        self._offers.put((item, taken))
        self._dog.wait_until("Rendezvous.send", lambda s: taken.wait(s) if s else taken.is_set())

    def receive(self) -> Any:
        """Take the next item a sender offers; block until one does."""
        box: list[tuple[Any, threading.Event]] = []

        def attempt(seconds: float) -> bool:
            try:
                box.append(self._offers.get(block=seconds > 0, timeout=seconds or None))
            except queue.Empty:
                return False
            return True

        self._dog.wait_until("Rendezvous.receive", attempt)
        item, taken = box[0]
        taken.set()
        return item


class Watchdog:
    """Watch a demo's threads; if all are blocked longer than ``grace``, report and end it.

    Use it as a ``with`` block. The thread that enters it (usually the notebook's main
    thread) and every thread started with :meth:`start` are the *participants*. Block
    through :meth:`queue`, :meth:`lock`, :meth:`rendezvous` and :meth:`join`, so the
    watchdog can see the waits and release them. Leaving the block waits for every
    participant, through the watchdog too: a thread that would never end (a leak) is
    reported like a deadlock instead of hanging the cell. After the block,
    :attr:`deadlocked` says what happened and :attr:`report` holds the message; the
    watchdog's own thread has ended.

    ``limit`` (seconds, ``None`` for none) bounds the whole demo: past it, the watchdog
    releases every watched wait even without a deadlock (:class:`DemoTooLong`), so a demo
    that blocks through the watchdog always ends.

    ``tick`` is how often waits and the watchdog look up (seconds): it bounds how late a
    release comes, not how fast the demo runs (a wait returns as soon as it can).
    """

    def __init__(
        self, grace: float = 0.5, *, limit: float | None = 30.0, tick: float = 0.02
    ) -> None:
        self.grace = positive_number("grace", grace)
        self.limit = None if limit is None else positive_number("limit", limit)
        self.tick = positive_number("tick", tick)
        self._lock = threading.Lock()
        self._waiters: dict[threading.Thread, _Waiter] = {}
        self._participants: list[Participant] = []
        self._abort = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._detected: DemoCalledOff | None = None
        self._joined: list[threading.Thread] = []
        self.called_off: DemoCalledOff | None = None

    # --- making the demo's pieces -------------------------------------------------------

    def start(self, target: Callable[..., Any], *args: Any, name: str | None = None) -> Participant:
        """Start a participating thread that runs ``target(*args)``."""
        callable_arg("target", target)
        self._require_running()
        thread = Participant(self, target, args, name)
        with self._lock:  # registered before it starts, so its first wait is seen
            self._participants.append(thread)
            self._waiters[thread] = _Waiter(thread)
        thread.start()
        return thread

    def queue(self, maxsize: int = 0) -> WatchedQueue:
        """A watched ``queue.Queue(maxsize)`` (0 means unbounded, as in ``queue``)."""
        return WatchedQueue(self, positive_int("maxsize", maxsize, minimum=0))

    def lock(self) -> WatchedLock:
        """A watched lock."""
        return WatchedLock(self)

    def rendezvous(self) -> Rendezvous:
        """A watched unbuffered channel."""
        return Rendezvous(self)

    def join(self, thread: threading.Thread, timeout: float | None = None) -> None:
        """Wait for ``thread`` to end, where the watchdog sees the wait."""
        if not isinstance(thread, threading.Thread):
            raise TypeError(f"thread must be a threading.Thread, got {type(thread).__name__}")

        def attempt(seconds: float) -> bool:
            threading.Thread.join(thread, seconds)
            return not thread.is_alive()

        with self._lock:
            self._joined.append(thread)
        if self._stop.is_set():  # after the block (clean or called off): a plain join
            threading.Thread.join(thread, timeout)
            return
        self.wait_until(f"join({thread.name})", attempt, timeout)

    # --- the waiting machinery ----------------------------------------------------------

    def wait_until(
        self, what: str, attempt: Callable[[float], bool], timeout: float | None = None
    ) -> bool:
        """Call ``attempt(seconds)`` until it returns true; meanwhile this thread is blocked.

        ``attempt`` waits at most ``seconds`` (0: not at all) and says whether it succeeded.
        Returns ``False`` if ``timeout`` passes first; raises :class:`DemoCalledOff` (a
        :class:`DeadlockDetected` for a deadlock) if the watchdog calls the demo off.
        The building block of every watched primitive.
        """
        if self._abort.is_set():
            raise self._called_off()
        if attempt(0):
            return True
        me = self._waiters.get(threading.current_thread())
        started = time.monotonic()
        if me is not None:
            me.what, me.since = what, started
        try:
            while True:
                if self._abort.is_set():
                    raise self._called_off()
                left = None if timeout is None else timeout - (time.monotonic() - started)
                if left is not None and left <= 0:
                    return False
                if attempt(self.tick if left is None else min(self.tick, left)):
                    return True
        finally:
            if me is not None:
                me.what, me.since = None, None

    def _called_off(self) -> DemoCalledOff:
        """A fresh error for one released wait (each raise gets its own traceback)."""
        assert self._detected is not None
        return type(self._detected)(self._detected.report)

    def _call_off(self, reason: DemoCalledOff) -> None:
        """Release every watched wait, now and later, with ``reason``; the first reason wins."""
        with self._lock:
            if self._detected is None:
                self._detected = reason
        self._abort.set()

    def _finished(self, thread: Participant) -> None:
        with self._lock:
            self._waiters[thread].finished = True

    def _require_running(self) -> None:
        if self._thread is None or self._stop.is_set():
            raise RuntimeError("use the watchdog as a `with Watchdog(...) as dog:` block")

    # --- the watchdog's own thread ------------------------------------------------------

    def _watch(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            with self._lock:
                alive = [w for w in self._waiters.values() if not w.finished]
            if alive and all(w.since is not None and now - w.since > self.grace for w in alive):
                headline = "all threads are asleep - deadlock!"
                self._call_off(DeadlockDetected(self._report(headline, alive, now)))
                return
            if self.limit is not None and now - started > self.limit:
                headline = f"the demo ran past its {self.limit:g} s limit: watched waits released"
                self._call_off(DemoTooLong(self._report(headline, alive, now)))
                return

    def _report(self, headline: str, waiters: list[_Waiter], now: float) -> str:
        lines = [headline]
        for thread in self._participants:  # a crash is often *why* the others wait forever
            if thread.error is not None:
                lines.append("")
                lines.append(
                    f'thread "{thread.name}" [ended with {type(thread.error).__name__}: '
                    f"{thread.error}]"
                )
        for waiter in waiters:
            state = (
                "running"
                if waiter.since is None
                else (f"{waiter.what}, blocked {now - waiter.since:.1f} s")
            )
            lines.append("")
            lines.append(f'thread "{waiter.thread.name}" [{state}]:')
            frames = where(waiter.thread, depth=4, hide=_hide)
            own = [f for f in frames if not f.library] or frames[:1]
            lines.extend(f"    {frame}" for frame in own)
        return "\n".join(lines)

    # --- the with block -----------------------------------------------------------------

    def __enter__(self) -> Watchdog:
        if self._thread is not None:
            raise RuntimeError("a Watchdog watches one demo: make a new one for the next")
        main = threading.current_thread()
        self._waiters[main] = _Waiter(main)
        self._thread = threading.Thread(target=self._watch, name="workerlab-watchdog", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            try:
                for thread in list(self._participants):
                    self.join(thread)
            except DemoCalledOff as called_off:
                exc = called_off
        if exc is not None:  # whatever ended the block, release every thread still waiting
            self._call_off(
                exc
                if isinstance(exc, DemoCalledOff)
                else DemoCalledOff(f"the demo ended with {type(exc).__name__}: waits released")
            )
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        stuck = []
        for thread in self._participants:
            threading.Thread.join(thread, 5.0)
            if thread.is_alive():
                stuck.append(thread.name)
        if stuck:
            raise RuntimeError(
                "these threads are blocked outside the watchdog's waits and cannot be "
                f"released: {', '.join(stuck)}"
            )
        # The watchdog's own record, not whichever error the main thread saw: a released
        # worker may end before the main thread's wait notices the call-off.
        if isinstance(self._detected, DeadlockDetected | DemoTooLong):
            self.called_off = self._detected
        if isinstance(exc, DemoCalledOff):
            return True
        errors = [t.error for t in self._participants if t.error is not None]
        if exc is None and errors:
            raise errors[0]
        return False

    @property
    def participants(self) -> list[Participant]:
        """The threads started with :meth:`start`, in order."""
        return list(self._participants)

    @property
    def joined(self) -> list[threading.Thread]:
        """Every thread joined through the watchdog so far, in order (repeats kept).

        Leaving the block joins each participant too, so read it inside the block to see
        what the demo itself waited for (lesson 05's ``serve`` check does).
        """
        with self._lock:
            return list(self._joined)

    @property
    def deadlocked(self) -> bool:
        """True if the watchdog found every thread asleep and called the demo off."""
        return isinstance(self.called_off, DeadlockDetected)

    @property
    def report(self) -> str:
        """The Go-like deadlock report (or why the demo was called off), or a line saying
        the demo ended on its own."""
        if self.called_off is None:
            return "no deadlock: every thread finished on its own"
        return self.called_off.report
