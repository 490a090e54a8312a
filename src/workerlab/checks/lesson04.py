"""Self-checks for lesson 04's exercises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workerlab.records import CheckResult


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
    from workerlab.errors import Cancelled, ContextError, DeadlineExceeded, JobError
    from workerlab.lab.jobs import Job

    job = Job(1, 0)
    cancelled = _raised(lambda: Cancelled("stop"))
    one_level = _chained(JobError(job), cancelled)
    two_levels = _chained(RuntimeError("worker gave up"), one_level)
    grouped = ExceptionGroup("pool", [ValueError("a"), _chained(JobError(job), DeadlineExceeded())])
    failed = _chained(JobError(job), ValueError("bad input"))
    nested = ExceptionGroup("batch", [ExceptionGroup("pool", [one_level])])
    deep_member = ExceptionGroup("pool", [two_levels])
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
        (
            nested,
            Cancelled,
            True,
            "a group can hold a group, and a member can wrap a cause: look at each member "
            "the way you look at the error itself (call is_kind on it: recursion).",
        ),
        (
            deep_member,
            Cancelled,
            True,
            "a group's member can wrap a cause that wraps another: look at each member the "
            "way you look at the error itself (call is_kind on it: recursion).",
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
    from workerlab.context import background, with_cancel
    from workerlab.contextplus import with_deadline
    from workerlab.errors import Cancelled, DeadlineExceeded, JobError, errors_is
    from workerlab.lab.jobs import Job

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    calls: list[int] = []
    # Job 6 stands for a learner pressing Ctrl-C (Kernel → Interrupt) while work runs.
    interrupt = KeyboardInterrupt("the check's own Ctrl-C")

    def work(job: Job) -> int:
        calls.append(job.id)
        if job.id == 6:
            raise interrupt
        if job.id == 7:
            raise OSError("disk full")
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
        except KeyboardInterrupt as error:
            if error is not interrupt and error.__cause__ is not interrupt:
                raise  # a real Ctrl-C: stop the check too
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
            if not isinstance(error, kind):
                return CheckResult(
                    False,
                    f"the {kind.__name__} came back wrapped in {type(error).__name__}: a stopped "
                    "context is not the job's fault. Call ctx.check() *before* the try, so it "
                    "raises the context's own error, unwrapped.",
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
        got, error = run(live, Job(7, 0))
        if not (isinstance(error, JobError) and isinstance(error.__cause__, OSError)):
            return CheckResult(
                False,
                f"when work raised OSError, it {'raised ' + repr(error) if error else 'returned'}"
                ": any error of the job's is a failure to wrap; catch `Exception`, not only "
                "ValueError.",
            )
        got, error = run(live, Job(6, 0))
        if error is not interrupt:
            return CheckResult(
                False,
                "a Ctrl-C while work ran came back as "
                f"{type(error).__name__ if error else 'a result'}: catch `Exception`, not "
                "`BaseException` (or a bare `except:`), so an interrupt stops the program "
                "instead of becoming a job error.",
            )
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    finally:
        for cancel in (cancel_live, cancel_stopped, cancel_expired):
            cancel()
    return CheckResult(True, "right: check first, then work; failures wrapped with their job.")
