"""Self-checks for lesson 06's exercises."""

from __future__ import annotations

from collections.abc import Callable

from workerlab.checks.common import call, close
from workerlab.records import CheckResult


def check_pipeline_seconds(fn: Callable[[int, list[float]], float]) -> CheckResult:
    """Lesson 06, exercise 1: how long ``items`` items take through one-worker stages."""
    cases = [  # a short run first: its mistakes are far apart, so each is told apart
        (3, [0.003, 0.001, 0.006]),
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
        want = sum(stages) + (items - 1) * max(stages)
        if close(got, want):
            continue
        noun = "item" if items == 1 else "items"
        said = f"for {items} {noun} through stages of {stages} s you said {got:.4g} s"
        if close(got, items * sum(stages)):
            return CheckResult(
                False,
                f"{said}: that is the sequential loop. In a pipeline the stages work on "
                "different items at the same time.",
            )
        if close(got, items * max(stages)):
            return CheckResult(
                False,
                f"{said}: almost. The slowest stage sets the pace, but the first item must "
                "also pass through every stage before the pace starts (the pipe fills up).",
            )
        if close(got, items * sum(stages) / len(stages)):
            return CheckResult(
                False,
                f"{said}: that assumes the work spreads evenly over the stages, like a "
                "pool; but each item must go through the slowest stage, one at a time.",
            )
        if close(got, sum(stages) + items * max(stages)):
            return CheckResult(
                False,
                f"{said}: one slowest stage too many. The first item's time already "
                "includes its pass through the slowest stage.",
            )
        if close(got, sum(stages) + (items - 1) * min(stages)):
            return CheckResult(False, f"{said}: the *slowest* stage sets the pace, not the fastest")
        return CheckResult(False, f"{said}; expected {want:.4g} s.")
    return CheckResult(True, "right: the pipe fills once, then the slowest stage sets the pace.")


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
            hint = (
                " (a pool of threads is 'pool')" if normalised in ("threads", "thread pool") else ""
            )
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
