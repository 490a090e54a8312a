"""Self-checks for the lessons' exercises.

Introduced in lesson 01; each later lesson adds its checks here. A check calls the
learner's function on several inputs, compares it with the reference, and when it is
wrong says *what* is wrong, recognising the usual mistakes (not just "incorrect").
Tests in ``tests/test_exercises.py`` prove each check rejects a plausible wrong answer.
"""

from __future__ import annotations

import contextlib
import math
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict of a self-check: ``passed`` and a message for the learner."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message


def _close(a: float, b: float, rel: float = 0.01) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def _call(fn: Callable[..., Any], *args: Any) -> tuple[Any, CheckResult | None]:
    """Call the learner's function; turn a crash or a non-number into a helpful verdict."""
    if not callable(fn):
        return None, CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    try:
        value = fn(*args)
    except NotImplementedError:
        return None, CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except Exception as error:  # the learner's code may raise anything; report it plainly
        return None, CheckResult(False, f"calling it with {args} raised {error!r}")
    if value is None:
        return None, CheckResult(False, "it returned None: did you forget `return`?")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, CheckResult(False, f"it should return a number, got {type(value).__name__}")
    return value, None


# --- lesson 01 -----------------------------------------------------------------------------


def check_predict_wall_time(fn: Callable[[int, float, float], float]) -> CheckResult:
    """Lesson 01, exercise 1: the sequential loop's wall time from files and latencies."""
    cases = [(100, 0.002, 0.003), (7, 0.01, 0.01), (1, 0.5, 0.1), (250, 0.004, 0.001)]
    for files, read, write in cases:
        got, problem = _call(fn, files, read, write)
        if problem is not None:
            return problem
        want = files * (read + write)
        if _close(got, want):
            continue
        if _close(got, 1000 * want):
            return CheckResult(
                False, "that looks like milliseconds: the latencies and the answer are in seconds."
            )
        if _close(got, read + write):
            return CheckResult(False, "that is the time for one file: the loop does every file.")
        if (
            _close(got, files * max(read, write))
            or _close(got, files * read)
            or _close(got, files * write)
        ):
            return CheckResult(False, "each file waits for its read *and* its write.")
        if got < want:
            return CheckResult(
                False,
                f"for {files} files, {read} s reads, {write} s writes you said {got:.4g} s: "
                "too little. In a blocking loop nothing overlaps: no wait hides another.",
            )
        return CheckResult(
            False,
            f"for {files} files, {read} s reads, {write} s writes you said {got:.4g} s: "
            "too much. Count each wait once per file.",
        )
    return CheckResult(True, "right: files × (read latency + write latency), nothing overlaps.")


def check_idle_share(fn: Callable[[float, float], float]) -> CheckResult:
    """Lesson 01, exercise 2: the CPU's idle share from wall and CPU seconds."""
    cases = [(2.0, 0.1), (1.0, 0.5), (10.0, 9.0), (4.0, 0.0)]
    for wall, cpu in cases:
        got, problem = _call(fn, wall, cpu)
        if problem is not None:
            return problem
        want = 1 - cpu / wall
        if _close(got, want):
            continue
        if _close(got, cpu / wall):
            return CheckResult(
                False, "that is the *busy* share (CPU / wall); we want the idle one."
            )
        if _close(got, wall - cpu):
            return CheckResult(
                False, "that is idle *seconds*; divide to get a share of the wall time."
            )
        if cpu and _close(got, 1 - wall / cpu):
            return CheckResult(
                False,
                "the division is upside down: a share *of the wall time* has it below the line.",
            )
        if _close(got, 100 * want):
            return CheckResult(False, "that is a percentage; return a share between 0 and 1.")
        return CheckResult(
            False,
            f"with wall={wall} s and cpu={cpu} s you returned {got:.4g}; expected {want:.4g}.",
        )
    return CheckResult(True, "right: idle share = 1 − CPU time / wall time.")


# --- lesson 02 -----------------------------------------------------------------------------


def check_ideal_throughput(fn: Callable[[int, float], float]) -> CheckResult:
    """Lesson 02, exercise 1: the best throughput a pool can reach (Little's law)."""
    cases = [(8, 0.01), (1, 0.01), (64, 0.05), (3, 0.2)]
    for workers, latency in cases:
        got, problem = _call(fn, workers, latency)
        if problem is not None:
            return problem
        want = workers / latency
        if _close(got, want):
            continue
        if _close(got, latency / workers):
            return CheckResult(False, "upside down: that is seconds per job, not jobs per second.")
        if _close(got, 1 / latency):
            return CheckResult(
                False, "that is one worker's throughput: all the workers run at the same time."
            )
        if _close(got, workers * latency):
            return CheckResult(False, "divide by the latency: a longer job means fewer per second.")
        if _close(got, want / 1000) or _close(got, want * 1000):
            return CheckResult(
                False, "the latency is in seconds, and the answer in jobs per *second*."
            )
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
        got, problem = _call(fn, orders, baristas, latency)
        if problem is not None:
            return problem
        rounds = math.ceil(orders / baristas)
        want = rounds * latency
        if _close(got, want):
            continue
        where = f"for {orders} orders, {baristas} baristas, {latency} s each you returned {got:.4g}"
        if _close(got, orders / baristas * latency):
            return CheckResult(
                False,
                f"{where} s: that spreads the orders evenly, as if a barista could make part of "
                "one. The last round lasts a whole order, even when only some baristas work.",
            )
        if _close(got, orders // baristas * latency):
            return CheckResult(
                False, f"{where} s: rounded down. The orders left over still need a round."
            )
        if _close(got, orders * latency):
            return CheckResult(False, f"{where} s: that is one barista making every order.")
        if _close(got, rounds):
            return CheckResult(
                False, f"{where}: that counts rounds; turn it into seconds (each lasts `latency`)."
            )
        return CheckResult(False, f"{where} s; expected {want:.4g} s.")
    return CheckResult(True, "right: now see a real run agree, in the next cell.")


class _CheckOver(BaseException):
    """Raised inside the learner's worker when the check's time is up (a BaseException, so
    an ``except Exception`` in the learner's loop cannot swallow it)."""


class _BoundedQueue(queue.Queue):
    """A job queue for the check: its ``get`` gives up when the check is over, so a worker
    that never stops cannot outlive the check (the thread ends, nothing leaks)."""

    def __init__(self) -> None:
        super().__init__()
        self.over = threading.Event()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        limit = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.over.is_set():
                raise _CheckOver
            try:
                return super().get(block, 0.02 if block else None)
            except queue.Empty:
                if not block or (limit is not None and time.monotonic() >= limit):
                    raise


def check_worker(fn: Callable[[queue.Queue, queue.SimpleQueue], None]) -> CheckResult:
    """Lesson 02, exercise 2: a worker loop that doubles each job and stops at ``STOP``.

    Three threads run the learner's ``worker(jobs, results)``; the check feeds 30 jobs and
    three sentinels only once the workers have started and found the line empty (as a real
    producer may be slower than its workers), and gives them at most 2 seconds. It then says
    what went wrong, if anything.
    """
    from workerlab.pool import STOP, drain_queue

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
    got = drain_queue(results)

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
    leftover = jobs.qsize()
    if leftover:
        return CheckResult(False, f"{leftover} item(s) were put back into the job queue.")
    return CheckResult(True, "right: every job came back doubled, once, and all three went home.")


# --- lesson 03 -----------------------------------------------------------------------------


def check_last_send(fn: Callable[[int, int, float], float]) -> CheckResult:
    """Lesson 03, exercise 1: when the producer's last ``send`` returns.

    ``n`` items are sent as fast as possible into a channel of ``capacity``; one consumer
    takes an item, works ``service`` seconds on it, then takes the next.
    """
    cases = [(10, 3, 0.1), (10, 0, 0.1), (5, 8, 0.2), (6, 1, 0.5), (4, 3, 1.0)]
    for n, capacity, service in cases:
        got, problem = _call(fn, n, capacity, service)
        if problem is not None:
            return problem
        want = max(0, n - 1 - capacity) * service
        if _close(got, want):
            continue
        if got < 0:
            return CheckResult(
                False,
                f"for n={n}, capacity={capacity} you returned {got:.4g} s: a time cannot be "
                "negative. When everything fits in the buffer, no send waits at all.",
            )
        if _close(got, (n - 1) * service) and capacity:
            return CheckResult(
                False, "that ignores the buffer: the producer can run `capacity` items ahead."
            )
        if _close(got, max(0, n - capacity) * service) or _close(got, n * service):
            return CheckResult(
                False,
                "off by one item: the consumer takes the first item at time 0, and the "
                "item in its hands is no longer in the buffer.",
            )
        if want and _close(got, want / service):
            return CheckResult(
                False, "that counts items: turn it into seconds (each item takes `service`)."
            )
        if capacity == 0 and _close(got, (n - 2) * service):
            return CheckResult(False, "capacity 0 is a rendezvous, not a buffer of one.")
        return CheckResult(
            False,
            f"for n={n}, capacity={capacity}, service={service} s you returned "
            f"{got:.4g} s; expected {want:.4g} s.",
        )
    return CheckResult(True, "right, rendezvous included: now compare it with section 3's trace.")


def _drain_with(fn: Callable[[Any], list[Any]], ch: Any) -> tuple[Any, CheckResult | None]:
    """Call the learner's ``drain(ch)``; turn a crash or a missing return into a verdict."""
    from workerlab.channel import ChannelClosed

    try:
        got = fn(ch)
    except NotImplementedError:
        return None, CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except ChannelClosed:
        return None, CheckResult(
            False,
            "recv() raised ChannelClosed at the end: that is how a closed, drained channel "
            "answers. Loop with `for item in ch`, or catch ChannelClosed.",
        )
    except Exception as error:  # the learner's code may raise anything; report it
        return None, CheckResult(False, f"your function raised {error!r}")
    if got is None:
        return None, CheckResult(False, "it returned None: did you forget `return`?")
    return list(got), None


def check_drain(fn: Callable[[Any], list[Any]]) -> CheckResult:
    """Lesson 03, exercise 2: receive every item from a channel until it is closed.

    First a producer thread sends 12 items, with small pauses, into a channel of capacity 2
    and then closes it; then a channel is closed with 12 items still in its buffer. Each
    time the learner's ``drain(ch)`` must return all 12, in order.
    """
    from workerlab.channel import Channel, ChannelClosed

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    live: Channel[int] = Channel(2, timeout=0.5, name="check")

    def close() -> None:
        """Close ``live`` if nobody has yet: the producer when done, the check when the
        learner's function returned early (so a blocked send ends now, not at its timeout)."""
        with contextlib.suppress(ChannelClosed):
            live.close()

    def produce() -> None:
        try:
            for item in range(12):
                time.sleep(0.003)
                live.send(item)
        except (ChannelClosed, TimeoutError):  # the learner stopped receiving; just stop
            pass
        finally:
            close()

    producer = threading.Thread(target=produce, name="check-producer")
    producer.start()
    try:
        got, problem = _drain_with(fn, live)
    finally:
        close()
        producer.join(timeout=15)
    if problem is not None:
        return problem
    if len(got) < 12 and got == list(range(len(got))):
        return CheckResult(
            False,
            f"you stopped after {len(got)} of 12 items. len(ch) is what waits *now*, not "
            "what is still coming: keep receiving until the channel is closed.",
        )
    if got != list(range(12)):
        return CheckResult(False, f"expected the items 0 … 11 in order, got {got[:6]}…")

    full: Channel[int] = Channel(12, timeout=0.5, name="check")
    for item in range(12):
        full.send(item)
    full.close()
    got, problem = _drain_with(fn, full)
    if problem is not None:
        return problem
    if got != list(range(12)):
        return CheckResult(
            False,
            f"on a channel closed with 12 items still waiting you returned {len(got)}: "
            "closed means no more *sends*, not no more items. Receive until it is closed "
            "*and* drained.",
        )
    return CheckResult(True, "right: every item, in order, however the channel was closed.")


# --- lesson 04 -----------------------------------------------------------------------------


def _raised(make: Callable[[], BaseException]) -> BaseException:
    """The exception ``make`` builds, raised and caught, so it carries its chain as in life."""
    try:
        raise make()
    except BaseException as error:  # the test exceptions are built to be caught here
        return error


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    """``outer`` raised ``from inner``, caught."""
    try:
        raise outer from inner
    except BaseException as error:
        return error


def check_is_kind(fn: Callable[[BaseException, type[BaseException]], bool]) -> CheckResult:
    """Lesson 04, exercise 1: ``is_kind(error, kind)``, Go's ``errors.Is`` written by hand."""
    from workerlab.context import Cancelled, ContextError, DeadlineExceeded, Job, JobError

    job = Job(1, 0)
    cancelled = _raised(lambda: Cancelled("stop"))
    one_level = _chained(JobError(job), cancelled)
    two_levels = _chained(RuntimeError("worker gave up"), one_level)
    grouped = ExceptionGroup("pool", [ValueError("a"), _chained(JobError(job), DeadlineExceeded())])
    failed = _chained(JobError(job), ValueError("bad input"))
    cases = [
        (cancelled, Cancelled, True, None),
        (one_level, Cancelled, True, "the JobError wraps the cancellation: look at `__cause__`."),
        (two_levels, Cancelled, True, "follow `__cause__` all the way down, not one level."),
        (
            grouped,
            DeadlineExceeded,
            True,
            "an ExceptionGroup holds its errors in `.exceptions`: look inside each one.",
        ),
        (
            _raised(lambda: DeadlineExceeded()),
            ContextError,
            True,
            "a DeadlineExceeded *is* a ContextError: compare with isinstance, not type() ==.",
        ),
        (failed, Cancelled, False, "a job that failed with ValueError was not cancelled."),
        (grouped, KeyError, False, "nothing in that group is a KeyError."),
        (failed, JobError, True, "the error itself counts too, not only what it wraps."),
    ]
    for error, kind, want, hint in cases:
        if not callable(fn):
            return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
        try:
            got = fn(error, kind)
        except NotImplementedError:
            return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
        except Exception as problem:  # the learner's code may raise anything
            return CheckResult(False, f"is_kind({error!r}, {kind.__name__}) raised {problem!r}")
        if not isinstance(got, bool):
            return CheckResult(False, f"return True or False, got {type(got).__name__} {got!r}")
        if got != want:
            message = hint or f"is_kind({error!r}, {kind.__name__}) should be {want}."
            return CheckResult(False, f"is_kind(…, {kind.__name__}) returned {got}: {message}")
    return CheckResult(True, "right: the error, its causes and group members, by isinstance.")


def check_handle(fn: Callable[[Any, Any, Callable[[Any], Any]], Any]) -> CheckResult:
    """Lesson 04, exercise 2: ``handle(ctx, job, work)`` checks the context, wraps errors."""
    from workerlab.context import (
        Cancelled,
        DeadlineExceeded,
        Job,
        JobError,
        background,
        errors_is,
        with_cancel,
        with_deadline,
    )

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    calls: list[int] = []

    def work(job: Job) -> int:
        calls.append(job.id)
        if job.fail:
            raise ValueError(f"bad input in job {job.id}")
        return job.id * 10

    def run(ctx: Any, job: Job) -> tuple[Any, BaseException | None]:
        try:
            return fn(ctx, job, work), None
        except NotImplementedError:
            raise
        except Exception as error:  # what the learner's code raised is what we check
            return None, error

    live, cancel_live = with_cancel(background())
    stopped, cancel_stopped = with_cancel(background())
    cancel_stopped()
    expired, cancel_expired = with_deadline(background(), 0)
    try:
        got, error = run(live, Job(3, 0))
        if error is not None:
            return CheckResult(False, f"with a live context and a good job it raised {error!r}")
        if got is None:
            return CheckResult(False, "it returned None: return what work(job) returned.")
        if got != 30 or calls != [3]:
            return CheckResult(False, "call work(job) once and return its result.")
        for ctx, kind in ((stopped, Cancelled), (expired, DeadlineExceeded)):
            calls.clear()
            got, error = run(ctx, Job(4, 0))
            if calls:
                return CheckResult(
                    False, "it called work(job) on a finished context: check the context first."
                )
            if error is None:
                return CheckResult(False, "on a finished context, raise its error: ctx.check().")
            if not errors_is(error, kind):
                return CheckResult(
                    False, f"on a {kind.__name__} context it raised {error!r}; raise ctx's error."
                )
        got, error = run(live, Job(5, 0, fail=True))
        if error is None:
            return CheckResult(False, "work(job) failed, yet it returned: raise the error.")
        if not isinstance(error, JobError):
            return CheckResult(
                False,
                f"it raised {type(error).__name__}: wrap it, `raise JobError(job) from error`.",
            )
        if error.job != Job(5, 0, fail=True):
            return CheckResult(False, "the JobError must carry the job that failed.")
        if not isinstance(error.__cause__, ValueError):
            return CheckResult(
                False, "the JobError has no cause: write `raise JobError(job) from error`."
            )
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    finally:
        for cancel in (cancel_live, cancel_stopped, cancel_expired):
            cancel()
    return CheckResult(True, "right: check first, then work; failures wrapped with their job.")


# --- lesson 05 -----------------------------------------------------------------------------


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


# --- lesson 06 -----------------------------------------------------------------------------


def check_pipeline_seconds(fn: Callable[[int, list[float]], float]) -> CheckResult:
    """Lesson 06, exercise 1: how long ``items`` items take through one-worker stages."""
    cases = [  # a short run first: its mistakes are far apart, so each is told apart
        (3, [0.003, 0.001, 0.006]),
        (100, [0.003, 0.001, 0.006]),
        (1, [0.002, 0.005]),
        (10, [0.004, 0.004]),
        (50, [0.010]),
        (20, [0.001, 0.008, 0.002]),
    ]
    for items, stages in cases:
        got, problem = _call(fn, items, list(stages))
        if problem is not None:
            return problem
        want = sum(stages) + (items - 1) * max(stages)
        if _close(got, want):
            continue
        noun = "item" if items == 1 else "items"
        said = f"for {items} {noun} through stages of {stages} s you said {got:.4g} s"
        if _close(got, items * sum(stages)):
            return CheckResult(
                False,
                f"{said}: that is the sequential loop. In a pipeline the stages work on "
                "different items at the same time.",
            )
        if _close(got, items * max(stages)):
            return CheckResult(
                False,
                f"{said}: almost. The slowest stage sets the pace, but the first item must "
                "also pass through every stage before the pace starts (the pipe fills up).",
            )
        if _close(got, items * sum(stages) / len(stages)):
            return CheckResult(
                False,
                f"{said}: that assumes the work spreads evenly over the stages, like a "
                "pool; but each item must go through the slowest stage, one at a time.",
            )
        if _close(got, sum(stages) + items * max(stages)):
            return CheckResult(
                False,
                f"{said}: one slowest stage too many. The first item's time already "
                "includes its pass through the slowest stage.",
            )
        if _close(got, sum(stages) + (items - 1) * min(stages)):
            return CheckResult(False, f"{said}: the *slowest* stage sets the pace, not the fastest")
        return CheckResult(False, f"{said}; expected {want:.4g} s.")
    return CheckResult(True, "right: the pipe fills once, then the slowest stage sets the pace.")


def check_scenario_quiz(fn: Callable[[], dict[int, str]]) -> CheckResult:
    """Lesson 06, exercise 2: the right tool for each scenario in ``choose.SCENARIOS``.

    Every wrong answer gets its own explanation (why that tool does not fit that situation),
    all at once, so one run of the check teaches as much as possible.
    """
    from workerlab.choose import CHOICES, SCENARIOS

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    try:
        answers = fn()
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except Exception as error:  # the learner's code may raise anything; report it plainly
        return CheckResult(False, f"calling it raised {error!r}")
    if not isinstance(answers, dict):
        return CheckResult(
            False, f"return a dict {{scenario number: choice}}, got {type(answers).__name__}"
        )
    if answers and all(isinstance(key, str) for key in answers):
        return CheckResult(
            False, f"the keys are the scenario numbers, 1 to {len(SCENARIOS)}, not strings."
        )
    missing = sorted(set(SCENARIOS) - set(answers))
    if missing:
        return CheckResult(False, f"answer every scenario: {missing} are missing.")
    extra = sorted(set(answers) - set(SCENARIOS), key=str)
    if extra:
        return CheckResult(
            False, f"there are no scenarios {extra}; the keys are 1 to {len(SCENARIOS)}."
        )
    notes = []
    for number, scenario in SCENARIOS.items():
        choice = answers[number]
        normalised = choice.strip().lower() if isinstance(choice, str) else choice
        if normalised not in CHOICES:
            hint = (
                " (a pool of threads is 'pool')" if normalised in ("threads", "thread pool") else ""
            )
            notes.append(f"{number}: {choice!r} is not one of {', '.join(CHOICES)}{hint}.")
        elif normalised != scenario.answer:
            notes.append(f"{number}: not {normalised}: {scenario.wrong[normalised]}")
    if notes:
        right = len(SCENARIOS) - len(notes)
        return CheckResult(False, f"{right} of {len(SCENARIOS)} right. " + " ".join(notes))
    return CheckResult(
        True,
        f"all {len(SCENARIOS)} right: you picked each tool from the shape of the work "
        "(waiting or computing, stages or independent jobs, durable or not).",
    )


# --- lesson 07 -----------------------------------------------------------------------------


def check_backoff(fn: Callable[[int, float, float], float]) -> CheckResult:
    """Lesson 07, exercise 1: the exponential retry delay, capped."""
    cases = [(1, 0.1, 10.0), (2, 0.1, 10.0), (3, 0.5, 10.0), (5, 0.1, 10.0), (8, 0.1, 3.0)]
    for attempt, base, cap in cases:
        got, problem = _call(fn, attempt, base, cap)
        if problem is not None:
            return problem
        want = min(cap, base * 2 ** (attempt - 1))
        if _close(got, want):
            continue
        if _close(got, min(cap, base * 2**attempt)):
            return CheckResult(
                False, "off by one doubling: after attempt 1 the wait is `base` itself."
            )
        if _close(got, base * 2 ** (attempt - 1)):
            return CheckResult(
                False, f"attempt {attempt} waits {got:.4g} s: past the cap of {cap} s. Cap it."
            )
        if _close(got, min(cap, base * attempt)):
            return CheckResult(False, "that grows linearly (base × attempt); double it each time.")
        if _close(got, min(cap, base)) or _close(got, cap):
            return CheckResult(False, "the delay should grow with each attempt, up to the cap.")
        return CheckResult(
            False, f"backoff({attempt}, {base}, {cap}) returned {got:.4g}; expected {want:.4g}."
        )
    return CheckResult(True, "right: every case agrees, the doubling and the cap included.")


def check_record_receipt(fn: Callable[[Path, int], Any]) -> CheckResult:
    """Lesson 07, exercise 2: a side effect that is safe to repeat (idempotent).

    Runs the learner's ``fn(folder, job_id)`` twice for job 7 and once for job 8, as
    at-least-once delivery may, and checks the folder then holds exactly one receipt per
    job (named ``receipt-<id>.txt``, saying ``receipt for job <id>``) and nothing else.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        try:
            for job_id in (7, 7, 8):
                fn(folder, job_id)
        except NotImplementedError:
            return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
        except Exception as error:  # the learner's code may raise anything; report it plainly
            return CheckResult(False, f"running it raised {error!r}")
        files = sorted(p.name for p in folder.iterdir())
        expected = ["receipt-7.txt", "receipt-8.txt"]
        if files != expected:
            leftovers = [f for f in files if f not in expected]
            if leftovers and all(f in files for f in expected):
                return CheckResult(
                    False,
                    f"it left extra files behind: {leftovers}. Rename temporary files into place.",
                )
            return CheckResult(
                False, f"after jobs 7, 7, 8 the folder holds {files}, not {expected}."
            )
        text = (folder / "receipt-7.txt").read_text()
        if text.count("receipt for job 7") != 1:
            return CheckResult(
                False,
                "receipt-7.txt says "
                f"{text!r}: running job 7 twice must leave one receipt, not add a second one.",
            )
    return CheckResult(True, "right: running it twice leaves the same single receipt (idempotent).")


# --- lesson 08 -----------------------------------------------------------------------------


def check_pool_time(fn: Callable[[int, float, int], float]) -> CheckResult:
    """Lesson 08, exercise: the least wall time of a pool on latency-bound files."""
    cases = [(10, 0.1, 4), (8, 0.5, 2), (3, 1.0, 8), (1000, 0.002, 16), (7, 0.2, 1)]
    for files, latency, workers in cases:
        got, problem = _call(fn, files, latency, workers)
        if problem is not None:
            return problem
        want = math.ceil(files / workers) * latency
        if _close(got, want):
            continue
        if _close(got, files * latency / workers):
            return CheckResult(
                False,
                f"{files} files on {workers} workers take whole rounds: a worker cannot do "
                "part of a file. Round the number of rounds up.",
            )
        if _close(got, files * latency):
            return CheckResult(False, "that is the sequential time: the workers wait in parallel.")
        if _close(got, math.floor(files / workers) * latency):
            return CheckResult(False, "rounded down: the last, partly filled round counts too.")
        return CheckResult(
            False,
            f"{files} files, {latency} s each, {workers} workers: you said {got:.4g} s, "
            f"expected {want:.4g} s.",
        )
    return CheckResult(True, "right: every case agrees, uneven splits included.")
