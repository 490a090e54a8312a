"""Self-checks for the lessons' exercises.

Introduced in lesson 01; each later lesson adds its checks here. A check calls the
learner's function on several inputs, compares it with the reference, and when it is
wrong says *what* is wrong, recognising the usual mistakes (not just "incorrect").
Tests in ``tests/test_exercises.py`` prove each check rejects a plausible wrong answer.
"""

from __future__ import annotations

import math
import tempfile
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
    return CheckResult(True, "right: base, 2·base, 4·base, … never more than the cap.")


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
    return CheckResult(True, "right: ⌈files / workers⌉ rounds of one latency each.")
