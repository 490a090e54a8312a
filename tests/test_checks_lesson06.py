"""Lesson 06's self-checks accept the right answers and reject plausible wrong ones, saying why."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import nbformat
import pytest

from workerlab.checks.lesson06 import NEAR_MISSES, check_pipeline_seconds, check_scenario_quiz
from workerlab.lab.quiz import CHOICES, SCENARIOS

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "06_when_to_use_workers.ipynb"


def right(n: int, st: list[float]) -> float:
    return sum(st) + (n - 1) * max(st)


# --- exercise 1: a pipeline's time --------------------------------------------------------------


def test_pipeline_seconds_accepts_the_reference_without_giving_it_away():
    result = check_pipeline_seconds(right)
    assert result and "max(" not in result.message and "sum" not in result.message


def test_pipeline_seconds_says_item_for_one_item():
    result = check_pipeline_seconds(lambda n, st: 0.0 if n == 1 else right(n, st))
    assert "for 1 item through" in result.message


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, st: n * sum(st), "sequential loop"),
        (lambda n, st: n * max(st), "fills up"),
        (lambda n, st: (n - 1) * max(st), "without the first item's own trip"),
        (lambda n, st: sum(st), "the first item's trip only"),
        (lambda n, st: n * sum(st) / len(st), "like a pool"),
        (lambda n, st: sum(st) + (n - 1) * min(st), "*slowest*"),
        (lambda n, st: sum(st) * (n - 1) + max(st), "expected"),
        (lambda n, st: max(st), "expected"),
        (lambda n, st: None, "returned None"),
        (lambda n, st: "fast", "number"),
        (lambda n, st: 1 / 0, "raised"),
        (42, "function itself"),
    ],
)
def test_pipeline_seconds_rejects_plausible_mistakes(wrong, says):
    result = check_pipeline_seconds(wrong)
    assert not result.passed
    assert says in result.message


def test_pipeline_seconds_gives_the_course_hint_for_milliseconds():
    """Issue 12: an answer in ms got 'expected 0.029 s' without the hint other lessons give."""
    result = check_pipeline_seconds(lambda n, st: 1000 * right(n, st))
    assert not result
    assert "milliseconds" in result.message and "divide by 1000" in result.message


@pytest.mark.parametrize(("extra", "word"), [(1, "more"), (-1, "fewer")])
def test_pipeline_seconds_names_an_off_by_one(extra, word):
    result = check_pipeline_seconds(lambda n, st: sum(st) + (n - 1 + extra) * max(st))
    assert not result
    assert result.message.startswith(f"off by one: your answer counts one item {word}")
    assert "The first item's trip already includes the slowest stage" in result.message


def test_pipeline_seconds_names_the_case_and_both_values_when_nothing_explains_it():
    result = check_pipeline_seconds(lambda n, st: 0.5)
    assert result.message == (
        "for 4 items through stages of [0.004, 0.001, 0.006] s you returned 0.5; expected 0.029."
    )


def test_the_first_case_tells_every_known_mistake_apart():
    items, stages = 4, [0.004, 0.001, 0.006]
    answers = {
        "right": right(items, stages),
        "loop": items * sum(stages),
        "one trip": sum(stages),
        "no fill": items * max(stages),
        "pace only": (items - 1) * max(stages),
        "pool": items * sum(stages) / len(stages),
        "one more": right(items, stages) + max(stages),
        "one fewer": right(items, stages) - max(stages),
        "fastest": sum(stages) + (items - 1) * min(stages),
        "ms": 1000 * right(items, stages),
    }
    values = sorted(answers.values())
    assert all(b > 1.02 * a for a, b in pairwise(values)), answers


def test_the_scaffold_is_reported_as_not_done_yet():
    def pipeline_seconds(items, stage_seconds):
        raise NotImplementedError("exercise 1: return the seconds")

    assert "not done yet" in check_pipeline_seconds(pipeline_seconds).message


# --- exercise 2: the scenario quiz --------------------------------------------------------------

RIGHT = {number: scenario.answer for number, scenario in SCENARIOS.items()}


def test_scenario_quiz_accepts_the_right_answers_without_listing_them():
    result = check_scenario_quiz(lambda: dict(RIGHT))
    assert result and not any(answer in result.message for answer in ("processes", "asyncio"))
    assert check_scenario_quiz(lambda: {n: f" {a.upper()} " for n, a in RIGHT.items()})


@pytest.mark.parametrize(
    ("number", "choice"),
    [(n, c) for n, s in SCENARIOS.items() for c in CHOICES if c != s.answer],
)
def test_scenario_quiz_explains_each_wrong_choice(number, choice):
    result = check_scenario_quiz(lambda: {**RIGHT, number: choice})
    assert not result.passed
    assert f"{len(SCENARIOS) - 1} of {len(SCENARIOS)} right" in result.message
    assert f"{number}: not {choice}: {SCENARIOS[number].wrong[choice]}" in result.message


def test_scenario_quiz_lists_every_wrong_answer_at_once():
    result = check_scenario_quiz(lambda: {n: "sequential" for n in RIGHT})
    assert not result.passed
    wrong = [n for n, a in RIGHT.items() if a != "sequential"]
    assert all(f"{n}: not sequential" in result.message for n in wrong)
    assert result.message.startswith("1 of 6 right.")


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ({1: "sequential"}, "missing"),
        ({**RIGHT, 99: "pool"}, "no scenarios [99]"),
        ({**RIGHT, 2: "threads"}, "2: 'threads' is not one of"),
        ({**RIGHT, 2: "threads"}, "(did you mean 'pool'?)"),
        ({**RIGHT, 3: "multiprocessing"}, "(did you mean 'processes'?)"),
        ({**RIGHT, 6: "Celery"}, "(did you mean 'job-queue library'?)"),
        ({**RIGHT, 5: "async"}, "(did you mean 'asyncio'?)"),
        ({**RIGHT, 1: None}, "1: None is not one of"),
        ({str(n): a for n, a in RIGHT.items()}, "not strings"),
        ([("pool",)], "return a dict"),
    ],
)
def test_scenario_quiz_rejects_malformed_answers(answers, says):
    result = check_scenario_quiz(lambda: answers)
    assert not result.passed
    assert says in result.message


def test_a_near_miss_always_points_at_a_real_choice():
    assert set(NEAR_MISSES.values()) <= set(CHOICES)
    assert not set(NEAR_MISSES) & set(CHOICES)


def test_scenario_quiz_reports_the_scaffold_and_crashes():
    def scaffold() -> dict[int, str]:
        raise NotImplementedError("exercise 2: return your answers")

    assert "not done yet" in check_scenario_quiz(scaffold).message
    assert "raised" in check_scenario_quiz(lambda: 1 / 0).message
    assert "function itself" in check_scenario_quiz(RIGHT).message


def test_every_scenario_explains_every_wrong_choice():
    for scenario in SCENARIOS.values():
        assert scenario.answer in CHOICES
        assert set(scenario.wrong) == set(CHOICES) - {scenario.answer}
        assert all(text.strip() for text in scenario.wrong.values())
    assert {s.answer for s in SCENARIOS.values()} == set(CHOICES)


# --- the notebook's scaffolds -------------------------------------------------------------------


def _exercise_cells() -> list[str]:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [c.source for c in nb.cells if "exercise" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("number", [1, 2])
def test_a_scaffold_says_which_exercise_and_what_to_write(number):
    """Issue 12: an unsolved function raised a bare NotImplementedError in later cells."""
    namespace: dict = {}
    exec(_exercise_cells()[number - 1], namespace)  # defines the learner's function
    function = next(v for k, v in namespace.items() if callable(v) and not k.startswith("__"))
    args = (30, [0.006, 0.002, 0.012]) if number == 1 else ()
    with pytest.raises(NotImplementedError, match=rf"^exercise {number}: \w+") as raised:
        function(*args)
    assert len(str(raised.value)) > 40, "say what to write, not just which exercise"


def test_a_cell_that_uses_the_learners_function_says_which_exercise_it_needs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    users = [
        c.source
        for c in nb.cells
        if c.cell_type == "code"
        and "pipeline_seconds(" in c.source
        and not {"exercise", "solution"} & set(c.metadata.get("tags", []))
        and "from workerlab.checks.lesson06 import" not in c.source  # the check cell itself
    ]
    assert users, "the lesson compares the learner's formula with the measurement"
    assert all("exercise 1" in source for source in users), users
