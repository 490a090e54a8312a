"""Self-checks for the lessons' exercises.

Introduced in lesson 01; each later lesson adds its checks here. A check calls the
learner's function on several inputs, compares it with the reference, and when it is
wrong says *what* is wrong, recognising the usual mistakes (not just "incorrect").
Tests in ``tests/test_exercises.py`` prove each check rejects a plausible wrong answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
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


# --- lesson 06 -----------------------------------------------------------------------------


def check_pipeline_seconds(fn: Callable[[int, list[float]], float]) -> CheckResult:
    """Lesson 06, exercise 1: how long ``items`` items take through one-worker stages."""
    cases = [
        (100, [0.003, 0.001, 0.006]),
        (1, [0.002, 0.005]),
        (10, [0.004, 0.004]),
        (50, [0.010]),
        (20, [0.001, 0.008, 0.002]),
    ]
    for items, stages in cases:
        got, problem = _call(fn, items, list(stages))
        if problem is not None:
            return problem
        want = sum(stages) + (items - 1) * max(stages)
        if _close(got, want):
            continue
        said = f"for {items} items through stages of {stages} s you said {got:.4g} s"
        if _close(got, items * sum(stages)):
            return CheckResult(
                False,
                f"{said}: that is the sequential loop. In a pipeline the stages work on "
                "different items at the same time.",
            )
        if _close(got, items * max(stages)):
            return CheckResult(
                False,
                f"{said}: almost. The slowest stage sets the pace, but the first item must "
                "also pass through every stage before the pace starts (the pipe fills up).",
            )
        if _close(got, items * sum(stages) / len(stages)):
            return CheckResult(
                False,
                f"{said}: that assumes the work spreads evenly over the stages, like a "
                "pool; but each item must go through the slowest stage, one at a time.",
            )
        if _close(got, sum(stages) + (items - 1) * min(stages)):
            return CheckResult(False, f"{said}: the *slowest* stage sets the pace, not the fastest")
        return CheckResult(False, f"{said}; expected {want:.4g} s.")
    return CheckResult(
        True,
        "right: the first item takes the sum of the stages, then one item leaves every "
        "max(stage) seconds; the slowest stage sets the pace.",
    )


def check_scenario_quiz(fn: Callable[[], dict[int, str]]) -> CheckResult:
    """Lesson 06, exercise 2: the right tool for each scenario in ``choose.SCENARIOS``.

    Every wrong answer gets its own explanation (why that tool does not fit that situation),
    all at once, so one run of the check teaches as much as possible.
    """
    from workerlab.choose import CHOICES, SCENARIOS

    if not callable(fn):
        return CheckResult(False, f"pass your function itself, not {type(fn).__name__}")
    try:
        answers = fn()
    except NotImplementedError:
        return CheckResult(False, "not done yet: replace `raise NotImplementedError`.")
    except Exception as error:  # the learner's code may raise anything; report it plainly
        return CheckResult(False, f"calling it raised {error!r}")
    if not isinstance(answers, dict):
        return CheckResult(
            False, f"return a dict {{scenario number: choice}}, got {type(answers).__name__}"
        )
    missing = sorted(set(SCENARIOS) - set(answers))
    if missing:
        return CheckResult(False, f"answer every scenario: {missing} are missing.")
    extra = sorted(set(answers) - set(SCENARIOS), key=str)
    if extra:
        return CheckResult(
            False, f"there are no scenarios {extra}; the keys are 1 to {len(SCENARIOS)}."
        )
    notes = []
    for number, scenario in SCENARIOS.items():
        choice = answers[number]
        normalised = choice.strip().lower() if isinstance(choice, str) else choice
        if normalised not in CHOICES:
            notes.append(f"{number}: {choice!r} is not one of {', '.join(CHOICES)}.")
        elif normalised != scenario.answer:
            notes.append(f"{number}: not {normalised}: {scenario.wrong[normalised]}")
    if notes:
        right = len(SCENARIOS) - len(notes)
        return CheckResult(False, f"{right} of {len(SCENARIOS)} right. " + " ".join(notes))
    return CheckResult(
        True,
        f"all {len(SCENARIOS)} right. Sequential until there is a bottleneck; a pool for "
        "independent I/O (its size is the limit); processes for CPU; asyncio for many waits; "
        "a pipeline for stages; a job queue when jobs must survive the process.",
    )
