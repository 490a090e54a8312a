"""Self-checks for lesson 08's exercises."""

from __future__ import annotations

import math
from collections.abc import Callable

from workerlab.checks.common import call, close
from workerlab.records import CheckResult


def check_pool_time(fn: Callable[[int, float, int], float]) -> CheckResult:
    """Lesson 08, exercise: the least wall time of a pool on latency-bound files."""
    cases = [(10, 0.1, 4), (8, 0.5, 2), (3, 1.0, 8), (1000, 0.002, 16), (7, 0.2, 1)]
    for files, latency, workers in cases:
        got, problem = call(fn, files, latency, workers)
        if problem is not None:
            return problem
        want = math.ceil(files / workers) * latency
        if close(got, want):
            continue
        if close(got, files * latency / workers):
            return CheckResult(
                False,
                f"{files} files on {workers} workers take whole rounds: a worker cannot do "
                "part of a file. Round the number of rounds up.",
            )
        if close(got, files * latency):
            return CheckResult(False, "that is the sequential time: the workers wait in parallel.")
        if close(got, math.floor(files / workers) * latency):
            return CheckResult(False, "rounded down: the last, partly filled round counts too.")
        return CheckResult(
            False,
            f"{files} files, {latency} s each, {workers} workers: you said {got:.4g} s, "
            f"expected {want:.4g} s.",
        )
    return CheckResult(True, "right: every case agrees, uneven splits included.")
