"""Lesson 05: a watchdog, so that a deadlocked demo is reported and ended instead of hung.

Go stops a program whose goroutines are all blocked: "fatal error: all goroutines are asleep
- deadlock!". Python notices nothing, and a deadlocked cell hangs its kernel. A
:class:`Watchdog` watches a ``with`` block's threads (the one that enters it, and every one
started inside it). When all have been blocked in a channel operation (``send``, ``recv``,
``select``) for longer than ``grace`` seconds, it reports what each waits for and where, then
ends the demo: it fires the waiter each blocked ``select`` sleeps on (they are listed in
``workerlab.selecting.blocked``) with :class:`DemoCalledOff`, which the ``select`` raises.
Python cannot kill a thread: one blocked anywhere else (``time.sleep``, ``queue.Queue.get``,
``Thread.join``) counts as running, so the watchdog never cries wolf; ``limit`` bounds the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from workerlab import selecting
from workerlab.channel import Channel
from workerlab.frames import where
from workerlab.leak import is_kernel_machinery
from workerlab.validate import callable_arg, positive_number

ASLEEP = "all threads are asleep - deadlock!"


class DemoCalledOff(RuntimeError):
    """Raised in each blocked thread of a demo the watchdog ends; ``report`` says why."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


class Watchdog:
    """Watch a ``with`` block's threads; when all are blocked past ``grace`` s, report, end it.

    Start the demo's threads with :meth:`start` and wait for one with :meth:`join`, a wait
    the watchdog sees (leaving the block joins them all that way). Afterwards ``deadlocked``
    says whether every thread was asleep, and ``report`` where each one was. ``limit``
    seconds bound the whole demo: past them, blocked operations are released all the same.
    """

    def __init__(self, grace: float = 0.5, *, limit: float = 10.0, tick: float = 0.02) -> None:
        self.grace = positive_number("grace", grace)
        self.limit = positive_number("limit", limit)
        self.tick = positive_number("tick", tick)  # how often it looks
        self.deadlocked, self.called_off = False, False
        self.report = "no deadlock: every thread finished on its own"
        self.asleep: dict[str, str] = {}  # thread name -> what it waited for, once called off
        self.started: dict[threading.Thread, Channel[None]] = {}  # each closes its own as it ends
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _watch(self) -> None:
        """Look every ``tick``; once the demo is called off, release whoever is blocked."""
        began = time.monotonic()
        while not self._stop.wait(self.tick):
            now, waits = time.monotonic(), self._waits()
            if not self.called_off:
                if all(wait and now - wait[2] > self.grace for wait in waits.values()):
                    self._call_off(ASLEEP, waits, now)
                elif now - began > self.limit:
                    self._call_off(f"the demo ran past its {self.limit:g} s limit", waits, now)
            for wait in waits.values():
                if self.called_off and wait:
                    wait[0].fire(0, DemoCalledOff(self.report), False)

    def _waits(self) -> dict[threading.Thread, Any]:
        """The thread that entered the block, then each one started since: the select each
        one is blocked in (``None`` if it is not)."""
        new = [t for t in threading.enumerate() if t not in self._baseline]
        threads = [self._main, *(t for t in new if not is_kernel_machinery(t))]
        waits = {thread: selecting.blocked.get(thread) for thread in threads}
        return {thread: w if w and not w[0].fired else None for thread, w in waits.items()}

    def _call_off(self, headline: str, waits: dict[threading.Thread, Any], now: float) -> None:
        """Write the report: each participant, what it waits for, and where it is (its
        innermost call, the course's calls it is in, and your lines that made them)."""
        lines = [headline]
        for thread, wait in waits.items():
            if wait:
                self.asleep[thread.name] = _waiting_for(wait[1])
            state = f"{_waiting_for(wait[1])}, {now - wait[2]:.1f} s" if wait else "running"
            lines += ["", f'thread "{thread.name}" [{state}]:']
            lines += [f"    {frame}" for frame in where(thread)]
        self.report, self.deadlocked = "\n".join(lines), headline == ASLEEP
        self.called_off = True

    def start(
        self, target: Callable[..., Any], *args: Any, name: str | None = None
    ) -> threading.Thread:
        """Start a thread of the demo running ``target(*args)``; :meth:`join` waits for it."""
        callable_arg("target", target)
        if self._thread is None or self._stop.is_set():
            raise RuntimeError("start threads inside a `with Watchdog(...) as dog:` block")
        thread = threading.Thread(target=self._run, args=(target, args), name=name)
        self.started[thread] = Channel(0, name=f"{thread.name} ended")
        thread.start()
        return thread

    def _run(self, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """A demo thread's life: a release by the watchdog ends it quietly (a crash does not)."""
        try:
            target(*args)
        except DemoCalledOff:
            pass  # the watchdog ended the demo: ending here is the point
        finally:
            self.started[threading.current_thread()].close()

    def join(self, thread: threading.Thread, timeout: float | None = None) -> None:
        """Wait for a thread of :meth:`start` to end (or ``timeout`` seconds): a receive
        the watchdog sees, from the channel the thread closes as it ends."""
        if thread not in self.started:
            raise ValueError(f"thread must be one this watchdog started, got {thread!r}")
        try:
            selecting.select(selecting.recv(self.started[thread]), timeout=timeout)
        except selecting.ChannelTimeout:
            return  # like Thread.join: the caller looks at thread.is_alive()
        thread.join()  # it has closed its channel: this waits for its last instant only

    def __enter__(self) -> Watchdog:
        if self._thread is not None:
            raise RuntimeError("a Watchdog watches one demo: make a new one for the next")
        self._thread = threading.Thread(target=self._watch, name="workerlab-watchdog")
        self._main, self._baseline = threading.current_thread(), {*threading.enumerate()}
        self._baseline.add(self._thread)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> bool:
        if error is None:
            try:
                for thread in list(self.started):
                    self.join(thread)  # leaving waits for each demo thread, where the dog sees
            except DemoCalledOff as released:
                error = released
        if error is not None and not self.called_off:  # the block failed: release the rest
            self._call_off(f"the demo ended with {type(error).__name__}", {}, 0.0)
        for thread in self.started:  # meanwhile the watchdog releases whoever waits again
            thread.join(5.0)
        self._stop.set()
        self._thread.join()  # type: ignore[union-attr]
        if stuck := [thread.name for thread in self.started if thread.is_alive()]:
            raise RuntimeError(f"blocked outside any channel, they cannot be released: {stuck}")
        return isinstance(error, DemoCalledOff)


def _waiting_for(cases: tuple[selecting.Case, ...]) -> str:
    """What a select waits for: ``recv from 'jobs'``, ``send to 'orders'``, or several."""
    ops = [f"{'send to' if c.sending else 'recv from'} {c.channel.name!r}" for c in cases]
    return ops[0] if len(ops) == 1 else "select: " + " | ".join(ops)
