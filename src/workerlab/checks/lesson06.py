"""Self-checks for lesson 06's exercises."""

from __future__ import annotations

from collections.abc import Callable

from workerlab.checks.common import call, close, in_milliseconds, off_by_one, wrong_value
from workerlab.lab.quiz import CHOICES, SCENARIOS
from workerlab.records import CheckResult

#: Names learners write for a choice, and the choice they mean.
NEAR_MISSES = {
    "threads": "pool",
    "thread pool": "pool",
    "thread": "pool",
    "process pool": "processes",
    "process": "processes",
    "multiprocessing": "processes",
    "async": "asyncio",
    "loop": "sequential",
    "plain loop": "sequential",
    "job queue": "job-queue library",
    "job-queue": "job-queue library",
    "job queue library": "job-queue library",
    "celery": "job-queue library",
}


def check_pipeline_seconds(fn: Callable[[int, list[float]], float]) -> CheckResult:
    """Lesson 06, exercise 1: how long ``items`` items take through one-worker stages."""
    cases = [  # the first case keeps every usual mistake's answer apart from the others
        (4, [0.004, 0.001, 0.006]),
        (100, [0.003, 0.001, 0.006]),
        (1, [0.002, 0.005]),
        (10, [0.004, 0.004]),
        (50, [0.010]),
        (20, [0.001, 0.008, 0.002]),
    ]
    for items, stages in cases:
        got, problem = call(fn, items, list(stages))
        if problem is not None:
            return problem
        total, slowest = sum(stages), max(stages)
        want = total + (items - 1) * slowest
        if close(got, want):
            continue
        noun = "item" if items == 1 else "items"
        case = f"{items} {noun} through stages of {stages} s"
        said = f"for {case} you said {got:.4g} s"
        milliseconds = in_milliseconds(got, want)
        if milliseconds is not None:
            return milliseconds
        if close(got, items * total):
            return CheckResult(
                False,
                f"{said}: that is the sequential loop. In a pipeline the stages work on "
                "different items at the same time.",
            )
        if items > 1 and close(got, total):
            return CheckResult(
                False,
                f"{said}: that is the first item's trip only. The other {items - 1} follow "
                "it out of the last stage, one at the slowest stage's pace.",
            )
        if close(got, items * slowest):
            return CheckResult(
                False,
                f"{said}: almost. The slowest stage sets the pace, but the first item must "
                "also pass through every stage before the pace starts (the pipe fills up).",
            )
        if close(got, (items - 1) * slowest):
            return CheckResult(
                False,
                f"{said}: that is the pace after the first item, without the first item's own "
                "trip through every stage (the pipe fills up first).",
            )
        if close(got, items * total / len(stages)):
            return CheckResult(
                False,
                f"{said}: that assumes the work spreads evenly over the stages, like a "
                "pool; but each item must go through the slowest stage, one at a time.",
            )
        counted = off_by_one(got, want, slowest, "item")
        if counted is not None:
            return CheckResult(
                False,
                f"{counted.message} The first item's trip already includes the slowest "
                f"stage; after it come the other {items - 1}.",
            )
        if close(got, total + (items - 1) * min(stages)):
            return CheckResult(False, f"{said}: the *slowest* stage sets the pace, not the fastest")
        return wrong_value(case, got, want)
    return CheckResult(True, "right: the pipe fills once, then the slowest stage sets the pace.")


def check_scenario_quiz(fn: Callable[[], dict[int, str]]) -> CheckResult:
    """Lesson 06, exercise 2: the right tool for each scenario in ``lab.quiz.SCENARIOS``.

    Every wrong answer gets its own explanation (why that tool does not fit that situation),
    all at once, so one run of the check teaches as much as possible.
    """
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
    if answers and all(isinstance(key, str) for key in answers):
        return CheckResult(
            False, f"the keys are the scenario numbers, 1 to {len(SCENARIOS)}, not strings."
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
            meant = NEAR_MISSES.get(normalised) if isinstance(normalised, str) else None
            hint = f" (did you mean {meant!r}?)" if meant else ""
            notes.append(f"{number}: {choice!r} is not one of {', '.join(CHOICES)}{hint}.")
        elif normalised != scenario.answer:
            notes.append(f"{number}: not {normalised}: {scenario.wrong[normalised]}")
    if notes:
        right = len(SCENARIOS) - len(notes)
        return CheckResult(False, f"{right} of {len(SCENARIOS)} right. " + " ".join(notes))
    return CheckResult(
        True,
        f"all {len(SCENARIOS)} right: you picked each tool from the shape of the work "
        "(waiting or computing, stages or independent jobs, durable or not).",
    )
