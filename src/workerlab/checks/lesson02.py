"""Self-checks for lesson 02's exercises."""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from workerlab.checks.common import call, close, in_milliseconds, off_by_one, rounded
from workerlab.records import CheckResult


def check_ideal_throughput(fn: Callable[[int, float], float]) -> CheckResult:
    """Lesson 02, exercise 1: the best throughput a pool can reach (Little's law)."""
    cases = [(8, 0.01), (1, 0.01), (64, 0.05), (3, 0.2), (3, 0.7)]
    for workers, latency in cases:
        got, problem = call(fn, workers, latency)
        if problem is not None:
            return problem
        want = workers / latency
        if close(got, want):
            continue
        if close(got, latency / workers):
            return CheckResult(False, "upside down: that is seconds per job, not jobs per second.")
        if close(got, 1 / latency):
            return CheckResult(
                False, "that is one worker's throughput: all the workers run at the same time."
            )
        if close(got, workers * latency):
            return CheckResult(False, "divide by the latency: a longer job means fewer per second.")
        if close(got, want / 1000) or close(got, want * 1000):
            return CheckResult(
                False, "the latency is in seconds, and the answer in jobs per *second*."
            )
        verdict = rounded(got, want)
        if verdict is not None:
            return verdict
        return CheckResult(
            False,
            f"with {workers} workers and {latency} s jobs you returned {got:.4g} jobs/s; "
            f"expected {want:.4g}.",
        )
    return CheckResult(True, "right: that is the dashed ideal line of the sweep above.")


def check_shop_time(fn: Callable[[int, int, float], float]) -> CheckResult:
    """Lesson 02, exercise 3: how long ``orders`` jobs of ``latency`` s take on ``baristas``.

    Every barista takes the next order the moment it is free, so the orders go in rounds
    of ``baristas``; the last round may be part-empty but still lasts a whole ``latency``.
    """
    cases = [(24, 4, 0.02), (24, 7, 0.02), (10, 32, 0.02), (1, 1, 0.5), (25, 8, 0.1)]
    for orders, baristas, latency in cases:
        got, problem = call(fn, orders, baristas, latency)
        if problem is not None:
            return problem
        rounds = math.ceil(orders / baristas)
        want = rounds * latency
        if close(got, want):
            continue
        verdict = in_milliseconds(got, want)
        if verdict is not None:
            return verdict
        where = (
            f"for {orders} order{'s' * (orders != 1)}, {baristas} barista{'s' * (baristas != 1)}"
            f", {latency} s each you returned {got:.4g}"
        )
        if close(got, orders / baristas * latency):
            return CheckResult(
                False,
                f"{where} s: that spreads the orders evenly, as if a barista could make part of "
                "one. The last round lasts a whole order, even when only some baristas work.",
            )
        if close(got, orders // baristas * latency):
            return CheckResult(
                False, f"{where} s: rounded down. The orders left over still need a round."
            )
        if close(got, orders * latency):
            return CheckResult(False, f"{where} s: that is one barista making every order.")
        if close(got, rounds) and not close(got, (rounds + 1) * latency):
            return CheckResult(
                False, f"{where}: that counts rounds; turn it into seconds (each lasts `latency`)."
            )
        verdict = off_by_one(got, want, latency, "round")
        if verdict is not None and orders % baristas == 0:
            return CheckResult(
                False,
                f"{where} s. {verdict.message} {orders} orders on {baristas} baristas split "
                "evenly: there is no part-empty round to add. Round up (math.ceil) instead of "
                "adding one.",
            )
        if verdict is not None:
            return CheckResult(False, f"{where} s. {verdict.message}")
        return CheckResult(False, f"{where} s; expected {want:.4g} s.")
    return CheckResult(True, "right: now see a real run agree, in the next cell.")


class _CheckOver(BaseException):
    """Raised inside the learner's worker when the check's time is up (a BaseException, so
    an ``except Exception`` in the learner's loop cannot swallow it)."""


class _BoundedQueue(queue.Queue):
    """A job queue for the check: its ``get`` gives up when the check is over, so a worker
    that never stops cannot outlive the check (the thread ends, nothing leaks). It also
    counts how the worker looks at it: a worker that polls (``get_nowait()``, ``get`` with a
    timeout, ``empty()`` in a loop) instead of simply waiting in ``get()`` is caught."""

    def __init__(self) -> None:
        super().__init__()
        self.over = threading.Event()
        self.polls = 0  # looks that do not wait: get(block=False), get(timeout=…), empty()…

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if not block or timeout is not None:
            self.polls += 1
        limit = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.over.is_set():
                raise _CheckOver
            try:
                return super().get(block, 0.02 if block else None)
            except queue.Empty:
                if not block or (limit is not None and time.monotonic() >= limit):
                    raise

    def empty(self) -> bool:
        self.polls += 1
        if self.over.is_set():
            raise _CheckOver
        return super().empty()

    def qsize(self) -> int:
        self.polls += 1
        if self.over.is_set():
            raise _CheckOver
        return super().qsize()


def check_worker(fn: Callable[[queue.Queue, queue.SimpleQueue], None]) -> CheckResult:
    """Lesson 02, exercise 2: a worker loop that doubles each job and stops at ``STOP``.

    Three threads run the learner's ``worker(jobs, results)``; the check feeds 30 jobs and
    three sentinels only once the workers have started and found the line empty (as a real
    producer may be slower than its workers), and gives them at most 2 seconds. It then says
    what went wrong, if anything.
    """
    from workerlab.pool import STOP

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    jobs, results = _BoundedQueue(), queue.SimpleQueue()
    crashes: list[BaseException] = []

    def run() -> None:
        try:
            fn(jobs, results)
        except _CheckOver:
            pass
        except BaseException as error:  # the learner's code may raise anything; report it
            crashes.append(error)

    threads = [threading.Thread(target=run, name=f"check-worker-{n}") for n in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.03)  # the line is empty for a moment: that is not "no more jobs"
    for job in range(30):
        jobs.put(job)
    for _ in range(3):
        jobs.put(STOP)
    deadline = time.monotonic() + 2.0
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    jobs.over.set()  # every later get() raises _CheckOver, which ends a looping worker
    for thread in threads:
        thread.join(timeout=1.0)  # a looping worker meets _CheckOver within 0.02 s
    if any(thread.is_alive() for thread in threads):
        return CheckResult(
            False,
            "a worker never stopped, not even when the check ended its get(): does it catch "
            "every exception (a bare `except:`) and loop on? Restart the kernel to stop it.",
        )
    got = [results.get() for _ in range(results.qsize())]

    if crashes:
        error = crashes[0]
        if isinstance(error, NotImplementedError):
            return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
        if isinstance(error, TypeError) and "_Stop" in str(error):
            return CheckResult(
                False,
                f"your worker treated STOP as a job ({error}): check `if job is STOP` "
                "*before* using it.",
            )
        return CheckResult(False, f"a worker raised {error!r}")
    if STOP in got:
        return CheckResult(False, "STOP ended up among the results: stop at it, don't pass it on.")
    if stuck:
        return CheckResult(
            False,
            f"{stuck} of 3 workers never stopped: each must return when it takes STOP "
            "(each takes exactly one, so all three end).",
        )
    if len(got) == 29 and 0 not in got:
        return CheckResult(
            False,
            "job 0 never came back, and the worker that took it went home: to Python 0 is "
            "false, so `if not job` reads it as the end. Compare with the sentinel itself: "
            "`if job is STOP`.",
        )
    if 0 < len(got) <= 3:
        return CheckResult(
            False,
            f"only {len(got)} of 30 jobs came back: each worker did one job and went home. "
            "Loop: take a job, do it, and again, until you take STOP.",
        )
    if len(got) < 30:
        return CheckResult(
            False,
            f"only {len(got)} of 30 jobs came back: your workers went home before taking "
            "STOP. An empty line only means no order is waiting *now*: keep looping until "
            "you take STOP.",
        )
    if sorted(got) == list(range(30)):
        return CheckResult(False, "the results are the jobs themselves: put `job * 2`.")
    if sorted(got) != [2 * job for job in range(30)]:
        return CheckResult(False, f"expected the 30 values job * 2, got {sorted(got)[:6]}…")
    if jobs.polls > 3:
        return CheckResult(
            False,
            f"your worker polls: it looked at the queue {jobs.polls} times without waiting "
            "(get_nowait(), get(timeout=…), empty() or qsize() in a loop). A plain "
            "`jobs.get()` waits without using the CPU and wakes the moment a job arrives.",
        )
    leftover = queue.Queue.qsize(jobs)
    if leftover:
        return CheckResult(False, f"{leftover} item(s) were put back into the job queue.")
    return CheckResult(True, "right: every job came back doubled, once, and all three went home.")
