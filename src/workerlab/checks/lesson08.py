"""Self-checks for lesson 08's exercise."""

from __future__ import annotations

import math
from collections.abc import Callable

from workerlab.checks.common import call, close, in_milliseconds, off_by_one, wrong_value
from workerlab.records import CheckResult


def check_pool_time(fn: Callable[[int, float, int], float]) -> CheckResult:
    """Lesson 08, exercise 1: the least wall time of a pool on latency-bound files."""
    # Uneven splits first (10 on 4: a partly filled last round), then an even one (8 on 2);
    # the last leaves one file over a thousand, which no rounding trick catches: only ceil.
    cases = [
        (10, 0.1, 4), (8, 0.5, 2), (3, 1.0, 8), (1000, 0.002, 16), (7, 0.2, 1), (1001, 0.01, 1000)
    ]
    for files, latency, workers in cases:
        got, problem = call(fn, files, latency, workers)
        if problem is not None:
            return problem
        want = math.ceil(files / workers) * latency
        if close(got, want, rel=1e-6):
            continue
        verdict = in_milliseconds(got, want)
        if verdict is not None:
            return verdict
        if close(got, files * latency / workers):
            return CheckResult(
                False,
                f"{files} files on {workers} workers take whole rounds: a worker cannot do "
                "part of a file. Round the number of rounds up.",
            )
        if close(got, files * latency):
            return CheckResult(False, "that is the sequential time: the workers wait in parallel.")
        if close(got, files // workers * latency):
            return CheckResult(False, "rounded down: the last, partly filled round counts too.")
        verdict = off_by_one(got, want, latency, "round")
        if verdict is not None and files % workers == 0:
            return CheckResult(
                False,
                f"{verdict.message} {files} files on {workers} workers split evenly: there "
                "is no partly filled round to add. Round up (math.ceil) instead of adding one.",
            )
        if verdict is not None:
            return verdict
        return wrong_value(f"{files} files, {latency} s each, {workers} workers", got, want)
    return CheckResult(True, "right: every case agrees, uneven splits included.")
