"""Lesson 04: each self-check accepts the reference and rejects plausible mistakes."""

from __future__ import annotations

import sys

import pytest

from workerlab.checks.lesson04 import check_handle, check_is_kind
from workerlab.errors import JobError, errors_is

# --- lesson 04, exercise 1: is_kind -----------------------------------------------------------


def reference_is_kind(error, kind):
    if isinstance(error, kind):
        return True
    if isinstance(error, BaseExceptionGroup) and any(
        reference_is_kind(member, kind) for member in error.exceptions
    ):
        return True
    return error.__cause__ is not None and reference_is_kind(error.__cause__, kind)


def top_level_only(error, kind):
    return isinstance(error, kind)


def one_level(error, kind):
    return isinstance(error, kind) or isinstance(error.__cause__, kind)


def no_groups(error, kind):
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__
    return False


def exact_type(error, kind):
    while error is not None:
        if type(error) is kind:
            return True
        if isinstance(error, BaseExceptionGroup):
            return any(exact_type(e, kind) for e in error.exceptions)
        error = error.__cause__
    return False


def groups_one_level_deep(error, kind):
    while error is not None:
        if isinstance(error, kind):
            return True
        if isinstance(error, BaseExceptionGroup):  # members and their first cause only
            return any(
                isinstance(e, kind) or isinstance(e.__cause__, kind) for e in error.exceptions
            )
        error = error.__cause__
    return False


def test_is_kind_accepts_the_reference_and_the_library_helper():
    assert check_is_kind(reference_is_kind)
    assert check_is_kind(errors_is)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (top_level_only, "look at `__cause__`"),
        (one_level, "all the way down"),
        (no_groups, "`.exceptions`"),
        (groups_one_level_deep, "recursion"),
        (exact_type, "isinstance"),
        (lambda error, kind: True, "not cancelled"),
        (lambda error, kind: "yes", "True or False"),
        (lambda error, kind: 1 / 0, "raised"),
        ("errors_is", "function itself"),
    ],
)
def test_is_kind_rejects_plausible_mistakes(wrong, says):
    result = check_is_kind(wrong)
    assert not result.passed
    assert says in result.message


def test_is_kind_scaffold_is_not_done_yet():
    def scaffold(error, kind):
        raise NotImplementedError

    assert "not done yet" in check_is_kind(scaffold).message


# --- lesson 04, exercise 2: handle ------------------------------------------------------------


def reference_handle(ctx, job, work):
    ctx.check()
    try:
        return work(job)
    except Exception as error:
        raise JobError(job) from error


def no_check(ctx, job, work):
    try:
        return work(job)
    except Exception as error:
        raise JobError(job) from error


def check_after_work(ctx, job, work):
    try:
        result = work(job)
    except Exception as error:
        raise JobError(job) from error
    ctx.check()
    return result


def not_wrapped(ctx, job, work):
    ctx.check()
    return work(job)


def no_from(ctx, job, work):
    ctx.check()
    try:
        return work(job)
    except Exception:
        raise JobError(job) from None


def returns_error(ctx, job, work):
    if ctx.err() is not None:
        return ctx.err()
    return work(job)


def swallows(ctx, job, work):
    ctx.check()
    try:
        return work(job)
    except Exception:
        return -1


def wrong_error_type(ctx, job, work):
    if ctx.err() is not None:
        raise RuntimeError("stopped")
    return reference_handle(ctx, job, work)


def check_inside_the_try(ctx, job, work):
    try:
        ctx.check()
        return work(job)
    except Exception as error:
        raise JobError(job) from error


def catches_only_value_errors(ctx, job, work):
    ctx.check()
    try:
        return work(job)
    except ValueError as error:
        raise JobError(job) from error


def catches_everything(ctx, job, work):
    ctx.check()
    try:
        return work(job)
    except BaseException as error:
        raise JobError(job) from error


def bare_except(ctx, job, work):
    ctx.check()
    try:
        return work(job)
    except:  # noqa: E722 (the mistake under test)
        raise JobError(job) from sys.exc_info()[1]


def test_handle_accepts_the_reference():
    assert check_handle(reference_handle)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (no_check, "check the context first"),
        (check_after_work, "check the context first"),
        (not_wrapped, "wrap it"),
        (no_from, "no cause"),
        (returns_error, "raise its error"),
        (swallows, "raise the error"),
        (wrong_error_type, "raise ctx's error"),
        (check_inside_the_try, "Call ctx.check() *before* the try"),
        (catches_only_value_errors, "not only ValueError"),
        (catches_everything, "not `BaseException`"),
        (bare_except, "not `BaseException`"),
        (lambda ctx, job, work: None, "returned None"),
        (lambda ctx, job, work: 1 / 0, "raised"),
        (42, "function itself"),
    ],
)
def test_handle_rejects_plausible_mistakes(wrong, says):
    result = check_handle(wrong)
    assert not result.passed
    assert says in result.message


def test_handle_scaffold_is_not_done_yet():
    def scaffold(ctx, job, work):
        raise NotImplementedError

    assert "not done yet" in check_handle(scaffold).message


