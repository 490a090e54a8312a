"""Self-checks for lesson 07's exercises."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workerlab.checks.common import call, close
from workerlab.records import CheckResult


def check_backoff(fn: Callable[[int, float, float], float]) -> CheckResult:
    """Lesson 07, exercise 1: the exponential retry delay, capped."""
    cases = [(1, 0.1, 10.0), (2, 0.1, 10.0), (3, 0.5, 10.0), (5, 0.1, 10.0), (8, 0.1, 3.0)]
    for attempt, base, cap in cases:
        got, problem = call(fn, attempt, base, cap)
        if problem is not None:
            return problem
        want = min(cap, base * 2 ** (attempt - 1))
        if close(got, want):
            continue
        if close(got, min(cap, base * 2**attempt)):
            return CheckResult(
                False, "off by one doubling: after attempt 1 the wait is `base` itself."
            )
        if close(got, base * 2 ** (attempt - 1)):
            return CheckResult(
                False, f"attempt {attempt} waits {got:.4g} s: past the cap of {cap} s. Cap it."
            )
        if close(got, min(cap, base * attempt)):
            return CheckResult(False, "that grows linearly (base × attempt); double it each time.")
        if close(got, min(cap, base)) or close(got, cap):
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
