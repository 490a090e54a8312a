"""workerlab.errors and lesson 04's demo jobs: errors that remember their job and cause."""

from __future__ import annotations

import pytest

from workerlab.context import background, with_cancel
from workerlab.errors import (
    Cancelled,
    ContextError,
    DeadlineExceeded,
    JobError,
    errors_as,
    errors_is,
    wrap,
)
from workerlab.lab.jobs import Job, process


def test_errors_is_follows_causes_contexts_and_groups():
    ctx, cancel = with_cancel(background())
    cancel()
    try:
        ctx.check()
    except Cancelled as error:
        wrapped = wrap(Job(3, 0), error)
    assert isinstance(wrapped, JobError) and wrapped.__cause__ is not None
    assert errors_is(wrapped, Cancelled) and errors_is(wrapped, ContextError)
    assert not errors_is(wrapped, DeadlineExceeded)
    group = ExceptionGroup("many", [ValueError("a"), wrap(Job(4, 0), KeyError("b"))])
    assert errors_is(group, KeyError) and errors_is(group, (OSError, ValueError))
    assert isinstance(errors_as(group, JobError), JobError)
    try:
        try:
            raise OSError("disk")
        except OSError:
            raise RuntimeError("while handling") from None
    except RuntimeError as error:
        assert not errors_is(error, OSError)  # `from None` hides the context
    with pytest.raises(TypeError):
        errors_is("oops", ValueError)


def test_job_error_reads_like_gos_wrapped_errors():
    error = wrap(Job(7, 0), ValueError("bad input"))
    assert str(error) == "job 7: ValueError: bad input"
    assert error.job == Job(7, 0)


def test_jobs_reject_bad_fields():
    with pytest.raises(ValueError):
        Job(1, -1)
    with pytest.raises(TypeError):
        Job("one", 1)


def test_process_checks_the_context_before_working():
    ctx, cancel = with_cancel(background())
    assert process(ctx, Job(1, 0)) == 1
    with pytest.raises(ValueError, match="job 2"):
        process(ctx, Job(2, 0, fail=True))
    cancel()
    with pytest.raises(Cancelled):
        process(ctx, Job(3, 0))


