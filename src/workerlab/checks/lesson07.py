"""Self-checks for lesson 07's exercises."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from workerlab.checks.common import call, close, in_milliseconds, off_by_one, wrong_value
from workerlab.records import CheckResult

#: (attempt, base, cap): the first four never reach the cap, the last one does.
BACKOFF_CASES = [(1, 0.1, 10.0), (2, 0.1, 10.0), (3, 0.5, 10.0), (5, 0.1, 10.0), (8, 0.1, 3.0)]


def _backoff(
    attempt: int, base: float, cap: float, *, shift: int = 0, limit: Callable[..., float] = min
) -> float:
    """The right delay (by default), or a usual mistake: the exponent off, ``max`` for ``min``."""
    return limit(cap, base * 2 ** (attempt - 1 + shift))


def check_backoff(fn: Callable[[int, float, float], float]) -> CheckResult:
    """Lesson 07, exercise 1: the exponential retry delay, capped.

    Every case is run first; then the answers are compared with the usual mistakes, each a
    whole formula over every case, so the message names the mistake rather than a number.
    """
    answers = []
    for case in BACKOFF_CASES:
        got, problem = call(fn, *case)
        if problem is not None:
            return problem
        answers.append(got)

    def like(formula: Callable[[int, float, float], float]) -> bool:
        """The answers agree with ``formula`` in every case."""
        return all(close(a, formula(*c)) for a, c in zip(answers, BACKOFF_CASES, strict=True))

    if like(_backoff):
        return CheckResult(True, "right: every case agrees, the doubling and the cap included.")
    got, (attempt, base, cap) = next(
        (a, c) for a, c in zip(answers, BACKOFF_CASES, strict=True) if not close(a, _backoff(*c))
    )
    want, case = _backoff(attempt, base, cap), f"backoff({attempt}, {base}, {cap})"
    if (verdict := in_milliseconds(got, want)) is not None:
        return verdict
    if like(partial(_backoff, limit=max)):
        return CheckResult(
            False,
            f"{case} returned {got:.4g}: the larger of the doubling "
            f"({base * 2 ** (attempt - 1):.4g} s) and the cap ({cap:g} s). With `max` every "
            "wait is at least the cap; the cap is a ceiling, so take the smaller: `min(cap, …)`.",
        )
    if like(lambda n, b, c: b * 2 ** (n - 1)):
        return CheckResult(
            False, f"{case} returned {got:.4g} s: past the cap of {cap:g} s. Cap it with `min`."
        )
    if like(partial(_backoff, shift=1)) or like(partial(_backoff, shift=-1)):
        verdict = off_by_one(got, want, abs(got - want), "doubling")
        assert verdict is not None  # got is want ± that step, by construction
        return CheckResult(False, f"{verdict.message} After attempt 1 the wait is `base` itself.")
    if like(lambda n, b, c: min(c, b * n)):
        return CheckResult(False, "that grows linearly (base × attempt); double it each time.")
    if like(lambda n, b, c: b) or like(lambda n, b, c: c):
        return CheckResult(False, "the delay should grow with each attempt, up to the cap.")
    return wrong_value(case, got, want)


def check_record_receipt(fn: Callable[[Path, int], Any]) -> CheckResult:
    """Lesson 07, exercise 2: a receipt that is safe to write twice, and never half written.

    Runs the learner's ``fn(folder, job_id)`` for job 7, for job 7 again (as at-least-once
    delivery may), then for job 8 over half a receipt that an earlier attempt left when it
    crashed mid-write. The folder must then hold exactly one whole receipt per job
    (``receipt-<id>.txt`` saying ``receipt for job <id>``) and nothing else.

    Atomic means the receipt is *replaced* by a rename, never rewritten in place, where a
    reader (or a crash) can catch it empty or half written. The check tells the two apart
    by the file's inode number: a rename puts a new file under the name, an in-place write
    keeps the old one.
    """
    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for job_id in (7, 7):  # a job, and the same job again: at-least-once delivery
            problem = _run(fn, folder, job_id)
            if problem is None:
                problem = _whole_receipt(folder, job_id)
            if problem is not None:
                return problem
        half = folder / "receipt-8.txt"
        half.write_text("receipt for jo")  # what a crash in the middle of a write leaves
        before = half.stat().st_ino
        problem = _run(fn, folder, 8)
        if problem is not None:
            return problem
        if half.read_text() == "receipt for jo":
            return CheckResult(
                False,
                "receipt-8.txt held half a receipt (an earlier attempt crashed mid-write) and "
                "your function kept it: a rerun must write the whole receipt again, not skip "
                "a file that exists.",
            )
        problem = _whole_receipt(folder, 8)
        if problem is not None:
            return problem
        if half.stat().st_ino == before:
            return CheckResult(
                False,
                "receipt-8.txt was rewritten in place: from the moment it is opened (which "
                "empties it) to its last write, a reader or a crash finds half a receipt. "
                "Write a temporary file in the same folder, then `Path.replace` it onto the "
                "receipt's name: the rename swaps in the whole file at once.",
            )
        files = sorted(p.name for p in folder.iterdir())
        if files != ["receipt-7.txt", "receipt-8.txt"]:
            leftovers = [f for f in files if f not in ("receipt-7.txt", "receipt-8.txt")]
            return CheckResult(
                False,
                f"it left extra files behind: {leftovers}. Rename temporary files into place.",
            )
    return CheckResult(
        True,
        "right: a rerun leaves the same single receipt (idempotent), swapped in whole "
        "by a rename (atomic).",
    )


def _run(fn: Callable[[Path, int], Any], folder: Path, job_id: int) -> CheckResult | None:
    """Call the learner's function; a verdict if it raised, else None."""
    try:
        fn(folder, job_id)
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except Exception as error:  # the learner's code may raise anything; report it plainly
        return CheckResult(False, f"running it for job {job_id} raised {error!r}")
    return None


def _whole_receipt(folder: Path, job_id: int) -> CheckResult | None:
    """A verdict unless ``folder`` holds ``receipt-<job_id>.txt`` with exactly its text."""
    path = folder / f"receipt-{job_id}.txt"
    if not path.is_file():
        files = sorted(p.name for p in folder.iterdir())
        return CheckResult(
            False, f"after job {job_id} the folder holds {files}, but no {path.name}."
        )
    text, want = path.read_text(), f"receipt for job {job_id}"
    if text.count(want) > 1:
        return CheckResult(
            False,
            f"{path.name} says {text!r}: running job {job_id} twice must leave one receipt, "
            "not add a second one.",
        )
    if text.strip() != want:
        return CheckResult(False, f"{path.name} says {text!r}; it should say {want!r}.")
    return None
