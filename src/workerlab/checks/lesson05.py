"""Self-checks for lesson 05's exercises."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from workerlab.records import CheckResult


def check_stop_workers(fn: Callable[[Any, int], None]) -> CheckResult:
    """Lesson 05, exercise 1: ``stop_workers(jobs, n_workers)`` ends every worker, loses nothing.

    The check runs real worker threads that stop at a ``None`` sentinel; their waits are
    bounded (1 s), so a wrong answer costs a short wait, never a hang or a leaked thread.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    for n_workers in (1, 3, 4):
        verdict = _stop_workers_trial(fn, n_workers)
        if verdict is not None:
            return verdict
    return CheckResult(True, "right: one sentinel per worker, after the last job.")


def _stop_workers_trial(fn: Callable[[Any, int], None], n_workers: int) -> CheckResult | None:
    """Run 10 jobs on ``n_workers`` sentinel-stopped workers, stopped by ``fn``; None if fine."""
    import queue

    jobs: queue.Queue[Any] = queue.Queue()
    done: list[int] = []
    stopped: list[str] = []

    def worker() -> None:
        while True:
            try:
                job = jobs.get(timeout=1.0)
            except queue.Empty:
                return  # the bound that keeps a wrong answer from hanging the check
            if job is None:
                stopped.append(threading.current_thread().name)
                return
            done.append(job)

    threads = [threading.Thread(target=worker, name=f"check-worker-{n}") for n in range(n_workers)]
    for thread in threads:
        thread.start()
    for job in range(10):
        jobs.put(job)
    try:
        fn(jobs, n_workers)
    except Exception as error:  # the learner's code may raise anything
        for _ in threads:
            jobs.put(None)  # let the workers go at once rather than after their 1 s bound
        for thread in threads:
            thread.join()
        if isinstance(error, NotImplementedError):
            return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
        return CheckResult(False, f"stop_workers raised {error!r}")
    for thread in threads:
        thread.join()
    if len(stopped) < n_workers:
        workers = "1 worker" if n_workers == 1 else f"{n_workers} workers"
        if not stopped:
            return CheckResult(
                False,
                f"with {workers}, none saw a sentinel: each waited for a job forever (here: "
                "1 s, then the check gave up). Put a sentinel (None) in the queue.",
            )
        return CheckResult(
            False,
            f"with {workers}, {len(stopped)} saw a sentinel and {n_workers - len(stopped)} "
            "waited for a job forever (here: 1 s, then the check gave up). A worker that "
            "takes a sentinel stops and does not put it back.",
        )
    if sorted(done) != list(range(10)):
        return CheckResult(False, f"jobs were lost: only {len(done)} of 10 were done.")
    if jobs.qsize():
        return CheckResult(
            False,
            f"{jobs.qsize()} extra sentinel(s) stayed in the queue: put exactly one per worker.",
        )
    return None


def check_serve(fn: Callable[[Any, list[str]], list[str]]) -> CheckResult:
    """Lesson 05, exercise 2: ``serve(dog, orders)`` hands orders to a barista, no deadlock.

    It runs under a :class:`workerlab.hazards.Watchdog` (0.3 s grace, 5 s limit), so a
    deadlocked answer is reported and ended, never hung. The watchdog also notes whether
    ``serve`` made a rendezvous and joined its barista before returning: without the join
    the barista might still be running (or not yet have received every order).
    """
    from workerlab.hazards import DeadlockDetected, DemoCalledOff, Watchdog

    class ServeWatchdog(Watchdog):
        """The check's watchdog: it also counts the rendezvous ``serve`` makes."""

        def __init__(self) -> None:
            super().__init__(grace=0.3, limit=5)
            self.channels = 0

        def rendezvous(self) -> Any:
            self.channels += 1
            return super().rendezvous()

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    orders = ["latte", "mocha", "flat white"]
    got: Any = None
    raised: Exception | None = None
    joined_by_serve: set[threading.Thread] = set()
    dog = ServeWatchdog()
    try:
        with dog:
            got = fn(dog, list(orders))
            joined_by_serve = set(dog.joined)  # before leaving the block joins them too
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except DemoCalledOff:  # the learner caught the release, then waited again: same story
        pass
    except Exception as error:  # the learner's code (or its thread) may raise anything
        raised = error
    crashed = [t for t in dog.participants if t.error is not None]
    if crashed:
        return CheckResult(
            False, f'the thread "{crashed[0].name}" raised {crashed[0].error!r}; fix that first.'
        )
    if raised is not None:
        return CheckResult(False, f"serve raised {raised!r}")
    if isinstance(dog.called_off, DeadlockDetected):
        report = dog.called_off.report
        if "Rendezvous.receive" in report:
            return CheckResult(
                False,
                "deadlock: after the last order the barista still waits for another. Send a "
                "sentinel (None) so it stops, then join it.\n\n" + report,
            )
        if "Rendezvous.send" in report:
            return CheckResult(
                False,
                "deadlock: the main thread sends with nobody receiving. Start the barista "
                "(dog.start) before the first send.\n\n" + report,
            )
        return CheckResult(False, "deadlock:\n\n" + report)
    if dog.called_off is not None:
        return CheckResult(False, dog.called_off.report)
    if not dog.participants:
        return CheckResult(False, "start the barista as a thread, with dog.start(...).")
    if got is None:
        return CheckResult(False, "it returned None: return the list the barista received.")
    if not dog.channels:
        return CheckResult(
            False, "hand the orders through an unbuffered channel: counter = dog.rendezvous()."
        )
    if not set(dog.participants) <= joined_by_serve:
        return CheckResult(
            False,
            "serve returned without waiting for the barista: join it (worker.join()) before "
            "returning, or it may still be running.",
        )
    if list(got) != orders:
        return CheckResult(
            False, f"the barista received {list(got)!r}; expected {orders!r} (no sentinel)."
        )
    return CheckResult(True, "right: a receiver first, a sentinel last, and a join: no deadlock.")
