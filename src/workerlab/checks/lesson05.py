"""Self-checks for lesson 05's exercises: stop every worker; serve without a deadlock."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workerlab.channel import Channel, ChannelClosed
from workerlab.checks.common import off_by_one
from workerlab.deadlock import DemoCalledOff, Watchdog
from workerlab.pool import STOP
from workerlab.records import CheckResult

NOT_DONE = CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
#: How long a check's worker waits for a job before it gives up: a wrong answer's only cost.
GIVE_UP = 0.5

# --- exercise 1: stop_workers(jobs, n_workers) ------------------------------------------------


@dataclass
class _Shift:
    """One run of ``stop_workers`` on ``workers`` sentinel workers that had 10 jobs."""

    workers: int
    done: list[Any] = field(default_factory=list)  # what the workers took as jobs
    went_home: list[str] = field(default_factory=list)  # the workers that took a STOP
    left: list[Any] = field(default_factory=list)  # what was still in the queue at the end

    @property
    def stops(self) -> int:
        """How many STOPs the learner put: those taken, and those left in the queue."""
        return len(self.went_home) + sum(item is STOP for item in self.left)

    @property
    def foreign(self) -> list[Any]:
        """What the learner put that is neither a job nor ``STOP`` (say ``None``)."""
        return [x for x in self.done + self.left if x is not STOP and x not in range(10)]


def check_stop_workers(fn: Callable[[Any, int], None]) -> CheckResult:
    """Lesson 05, exercise 1: ``stop_workers(jobs, n_workers)`` ends every worker, loses nothing.

    Real worker threads take jobs from a ``queue.Queue`` and go home at ``STOP``; they give
    up waiting after half a second, so a wrong answer costs a moment, never a hang or a
    leaked thread. Three shifts (3, 4 and 1 workers) tell "one fewer than the workers"
    from "always two".
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    shifts = []
    for workers in (3, 4, 1):
        try:
            shifts.append(_shift(fn, workers))
        except NotImplementedError:
            return NOT_DONE
        except AttributeError as error:
            if "shutdown" not in str(error):
                return CheckResult(False, f"stop_workers(jobs, {workers}) raised {error!r}")
            return CheckResult(
                False,
                "queue.Queue.shutdown() came with Python 3.13; on this Python "
                f"({sys.version_info.major}.{sys.version_info.minor}) send one STOP per "
                "worker instead.",
            )
        except Exception as error:  # the learner's code may raise anything; say it plainly
            return CheckResult(False, f"stop_workers(jobs, {workers}) raised {error!r}")
    for shift in shifts:
        if shift.foreign:
            return CheckResult(
                False,
                f"you put {shift.foreign[0]!r} in the queue: the workers go home at STOP "
                "(from workerlab.pool, the course's one sentinel) and took it for a job.",
            )
    for sign in (-1, 1):
        if all(s.stops == s.workers + sign for s in shifts):
            three = shifts[0]
            hint = off_by_one(three.stops, three.workers, 1, "STOP")
            assert hint is not None
            effect = (
                f"{three.stops} send {three.stops} workers home and leave one waiting for a "
                f"job forever (the check gave up after {GIVE_UP} s): a leak"
                if sign < 0
                else f"{three.stops} leave one STOP in the queue, for nobody"
            )
            return CheckResult(
                False, f"{hint.message} Each worker takes one STOP; with 3 workers, {effect}."
            )
    for shift in shifts:
        workers = "1 worker" if shift.workers == 1 else f"{shift.workers} workers"
        home = len(shift.went_home)
        if shift.stops < shift.workers:
            return CheckResult(
                False,
                f"with {workers} you put {shift.stops} STOP(s): {home} went home and "
                f"{shift.workers - home} waited for a job forever (the check gave up after "
                f"{GIVE_UP} s). A worker that takes STOP goes home and does not put it back: "
                "one STOP per worker.",
            )
        if shift.stops > shift.workers:
            return CheckResult(
                False,
                f"with {workers} you put {shift.stops} STOPs: {shift.stops - shift.workers} "
                "stayed in the queue. Exactly one per worker.",
            )
        if sorted(shift.done) != list(range(10)):
            return CheckResult(
                False, f"jobs were lost: the workers did {len(shift.done)} of the 10 jobs."
            )
    return CheckResult(True, "right: one STOP per worker, after the last job.")


def _shift(fn: Callable[[Any, int], None], workers: int) -> _Shift:
    """Queue 10 jobs for ``workers`` STOP-ended workers, call ``fn``, see what happened.

    The workers mark each item ``task_done``, as standard-library workers should, so an
    answer that ends with ``jobs.join()`` waits for them; once they are all gone, a sweeper
    takes what is left (and marks it done), so that ``join`` returns even then.
    """
    jobs: queue.Queue[Any] = queue.Queue()
    shift = _Shift(workers)
    returned = threading.Event()

    def worker() -> None:
        while True:
            try:
                job = jobs.get(timeout=GIVE_UP)
            except queue.Empty:
                return  # the bound that keeps a wrong answer from hanging the check
            jobs.task_done()
            if job is STOP:
                shift.went_home.append(threading.current_thread().name)
                return
            shift.done.append(job)

    def sweeper() -> None:  # after the workers: what nobody will take, so join() returns
        for thread in threads:
            thread.join()
        while not returned.is_set():
            try:
                shift.left.append(jobs.get(timeout=0.02))
            except queue.Empty:
                continue
            jobs.task_done()

    threads = [threading.Thread(target=worker, name=f"check-worker-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    sweeping = threading.Thread(target=sweeper, name="check-sweeper")
    sweeping.start()
    for job in range(10):
        jobs.put(job)
    try:
        fn(jobs, workers)
    except BaseException:
        for _ in threads:
            jobs.put(STOP)  # let the workers go at once rather than at their bound
        raise
    finally:
        returned.set()
        sweeping.join()
    while not jobs.empty():
        shift.left.append(jobs.get_nowait())
    return shift


# --- exercise 2: serve(dog, counter, orders) ---------------------------------------------------


class _CheckWatchdog(Watchdog):
    """The check's watchdog: it keeps a barista's crash for the verdict (instead of a
    traceback), and keeps each thread alive a moment after its work, so that a ``serve``
    that returns without waiting for its barista is caught every time."""

    def __init__(self) -> None:
        super().__init__(grace=0.3, limit=2.0)
        self.crashes: dict[str, Exception] = {}

    def start(
        self, target: Callable[..., Any], *args: Any, name: str | None = None
    ) -> threading.Thread:
        def _run() -> None:
            try:
                target(*args)
            except DemoCalledOff:
                raise
            except Exception as error:  # the learner's barista may raise anything
                self.crashes[threading.current_thread().name] = error
            time.sleep(0.1)

        return super().start(_run, name=name)


class _CountedChannel(Channel):
    """The check's counter: a :class:`Channel` that counts the sends that went through."""

    def __init__(self, capacity: int, *, name: str) -> None:
        super().__init__(capacity, name=name)
        self.sends = 0

    def send(self, item: Any, timeout: float | None = None) -> None:
        super().send(item, timeout)
        self.sends += 1


def check_serve(fn: Callable[[Watchdog, Channel[Any], list[str]], list[str]]) -> CheckResult:
    """Lesson 05, exercise 2: ``serve(dog, counter, orders)`` hands the orders through the
    unbuffered ``counter`` to one barista thread, and returns what it received.

    It runs under a watchdog (0.3 s grace, 2 s limit), so a deadlocked answer is reported
    and ended, never hung; the verdict names the mistake the report shows.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    orders = ["latte", "mocha", "flat white"]
    dog, counter = _CheckWatchdog(), _CountedChannel(0, name="counter")
    main = threading.current_thread().name
    got, running = None, []  # stay so if the watchdog released serve before it returned
    try:
        with dog:
            got = fn(dog, counter, list(orders))
            running = [thread.name for thread in dog.started if thread.is_alive()]
    except NotImplementedError:
        return NOT_DONE
    except Exception as error:  # the learner's code may raise anything; say it plainly
        return CheckResult(False, f"serve raised {error!r}")
    if dog.crashes:
        name, error = next(iter(dog.crashes.items()))
        hint = (
            " A closed channel ends a `for order in counter` loop by itself; `recv()` on it "
            "raises instead."
            if isinstance(error, ChannelClosed)
            else ""
        )
        return CheckResult(False, f'the thread "{name}" raised {error!r}; fix that first.{hint}')
    barista_waits = "recv from 'counter'" in [v for k, v in dog.asleep.items() if k != main]
    if dog.called_off and barista_waits:
        unseen = "" if dog.deadlocked else (
            " (serve waited for it in a way the watchdog cannot see, so only its "
            f"{dog.limit:g} s limit ended it: wait with dog.join(barista))"
        )
        return CheckResult(
            False,
            "deadlock: after the last order the barista still waits for another"
            f"{unseen}. Close the counter after the last order (the producer closes), so "
            "its loop ends, then dog.join(barista).\n\n" + dog.report,
        )
    if dog.asleep.get(main) == "send to 'counter'":
        return CheckResult(
            False,
            "deadlock: serve sends on the counter with nobody receiving. Start the barista "
            "(dog.start) before the first send.\n\n" + dog.report,
        )
    if dog.called_off:
        return CheckResult(False, "the watchdog ended the demo:\n\n" + dog.report)
    if not dog.started:
        return CheckResult(
            False,
            "start the barista with dog.start(...), not threading.Thread or an executor: "
            "the watchdog can only see (and release) the threads it started.",
        )
    if len(dog.started) > 1:
        return CheckResult(
            False,
            f"you started {len(dog.started)} threads: the task is *one* barista for all the "
            "orders, looping over the counter (`for order in counter`) until it is closed.",
        )
    if got is None:
        return CheckResult(False, "it returned None: return the list the barista received.")
    if running:
        return CheckResult(
            False,
            "serve returned while the barista was still running: wait for it with "
            "dog.join(barista) before returning, or its last order may not be in the list.",
        )
    if list(got) != orders:
        extra = [x for x in got if x not in orders]
        why = f" ({extra[0]!r} is not an order: don't keep a sentinel)" if extra else ""
        return CheckResult(False, f"the barista received {list(got)!r}; expected {orders!r}{why}.")
    if not counter.closed and counter.sends == len(orders):
        return CheckResult(
            False,
            "every order arrived, but nothing said they were all: the counter was never "
            "closed (nor a sentinel sent). Your barista knew how many orders would come; a "
            "real one does not. The producer closes the counter after its last send, and "
            "the barista loops `for order in counter` until then.",
        )
    return CheckResult(True, "right: a receiver first, a close after the last order, a join.")
