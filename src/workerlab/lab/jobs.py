"""Demo jobs the lessons run on their pools (lessons 02 and 04).

- :func:`sleeping_job`: a job that waits (an I/O stand-in: a disk, a network call);
- :class:`Job` and :func:`process`: lesson 04's jobs as dataclasses, and the job function
  that takes a context first, as Go's ``process(ctx, j)`` does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workerlab.context import Context, sleep
from workerlab.validate import positive_int, positive_number


class _Sleep:
    """A job that waits ``seconds`` and returns its input; a class so its repr says so."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, job: Any) -> Any:
        time.sleep(self.seconds)
        return job

    def __repr__(self) -> str:
        return f"sleep({self.seconds:g} s)"


def sleeping_job(seconds: float) -> Callable[[Any], Any]:
    """A job function that waits ``seconds`` (standing in for I/O) and returns its input."""
    return _Sleep(positive_number("seconds", seconds))


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: ``seconds`` of simulated waiting, and whether it fails.

    Frozen: it travels from the producer's thread to a worker's and back inside an error,
    and an object nobody can change is safe to share between threads.
    """

    id: int
    seconds: float
    fail: bool = False

    def __post_init__(self) -> None:  # a dataclass checks nothing by itself
        positive_int("id", self.id, minimum=0)
        positive_number("seconds", self.seconds, allow_zero=True)


def process(ctx: Context, job: Job) -> int:
    """Do ``job``: look at ``ctx`` first, wait its time on ``ctx``, return its id.

    Raises ``ctx``'s error if the context ends first, and ``ValueError`` for a job made to
    fail. It does not wrap errors: wrapping with the job is the worker's part.
    """
    ctx.check()  # before the expensive part: a cancelled job costs nothing
    sleep(ctx, job.seconds)
    if job.fail:
        raise ValueError(f"bad input in job {job.id}")
    return job.id
