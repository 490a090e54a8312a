"""Self-checks for lesson 01's exercises."""

from __future__ import annotations

from collections.abc import Callable

from workerlab.checks.common import call, close
from workerlab.records import CheckResult


def check_predict_wall_time(fn: Callable[[int, float, float], float]) -> CheckResult:
    """Lesson 01, exercise 1: the sequential loop's wall time from files and latencies."""
    cases = [(100, 0.002, 0.003), (7, 0.01, 0.01), (1, 0.5, 0.1), (250, 0.004, 0.001)]
    for files, read, write in cases:
        got, problem = call(fn, files, read, write)
        if problem is not None:
            return problem
        want = files * (read + write)
        if close(got, want):
            continue
        if close(got, 1000 * want):
            return CheckResult(
                False, "that looks like milliseconds: the latencies and the answer are in seconds."
            )
        if close(got, read + write):
            return CheckResult(False, "that is the time for one file: the loop does every file.")
        if (
            close(got, files * max(read, write))
            or close(got, files * read)
            or close(got, files * write)
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
        got, problem = call(fn, wall, cpu)
        if problem is not None:
            return problem
        want = 1 - cpu / wall
        if close(got, want):
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
        return CheckResult(
            False,
            f"with wall={wall} s and cpu={cpu} s you returned {got:.4g}; expected {want:.4g}.",
        )
    return CheckResult(True, "right: idle share = 1 − CPU time / wall time.")
