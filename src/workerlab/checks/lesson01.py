"""Self-checks for lesson 01's exercises."""

from __future__ import annotations

from collections.abc import Callable

from workerlab.checks.common import (
    call,
    close,
    in_milliseconds,
    off_by_one,
    rounded,
    wrong_value,
)
from workerlab.records import CheckResult


def check_predict_wall_time(fn: Callable[[int, float, float], float]) -> CheckResult:
    """Lesson 01, exercise 1: the sequential loop's wall time from files and latencies."""
    # Few enough files that one file more or less is far outside the tolerance.
    cases = [(40, 0.002, 0.003), (7, 0.01, 0.01), (1, 0.5, 0.1), (25, 0.004, 0.001)]
    for files, read, write in cases:
        got, problem = call(fn, files, read, write)
        if problem is not None:
            return problem
        want = files * (read + write)
        if close(got, want, rel=1e-6):
            continue
        for verdict in (in_milliseconds(got, want), off_by_one(got, want, read + write, "file")):
            if verdict is not None:  # a failed CheckResult is falsy: test for None
                return verdict
        if close(got, read + write):
            return CheckResult(False, "that is the time for one file: the loop does every file.")
        if any(close(got, files * wait) for wait in (max(read, write), read, write)):
            return CheckResult(False, "each file waits for its read *and* its write.")
        verdict = rounded(got, want)
        if verdict is not None:
            return verdict
        case = f"{files} files, {read} s reads, {write} s writes"
        if got < want:
            reason = "too little: in a blocking loop nothing overlaps, no wait hides another."
        else:
            reason = "too much: count each wait once per file."
        return CheckResult(False, f"{wrong_value(case, got, want).message} That is {reason}")
    return CheckResult(True, "right: files × (read latency + write latency), nothing overlaps.")


def check_idle_share(fn: Callable[[float, float], float]) -> CheckResult:
    """Lesson 01, exercise 2: the CPU's idle share from wall and CPU seconds."""
    # The last case's share, 2/3, has no short decimal form: a rounded answer shows there.
    cases = [(2.0, 0.1), (1.0, 0.5), (10.0, 9.0), (4.0, 0.0), (3.0, 1.0)]
    for wall, cpu in cases:
        got, problem = call(fn, wall, cpu)
        if problem is not None:
            return problem
        want = 1 - cpu / wall
        if close(got, want, rel=1e-6):
            continue
        if close(got, cpu / wall):
            return CheckResult(
                False, "that is the *busy* share (CPU / wall); we want the idle one."
            )
        if close(got, wall - cpu):
            return CheckResult(
                False, "that is idle *seconds*; divide to get a share of the wall time."
            )
        if cpu and close(got, 1 - wall / cpu):
            return CheckResult(
                False,
                "the division is upside down: a share *of the wall time* has it below the line.",
            )
        if close(got, 100 * want):
            return CheckResult(False, "that is a percentage; return a share between 0 and 1.")
        verdict = rounded(got, want)
        if verdict is not None:
            return verdict
        return wrong_value(f"wall={wall} s and cpu={cpu} s", got, want)
    return CheckResult(True, "right: idle share = 1 − CPU time / wall time.")
