"""Each self-check accepts the right answer and rejects plausible wrong ones, saying why."""


import pytest

from workerlab.checks.lesson06 import check_pipeline_seconds, check_scenario_quiz
from workerlab.choose import CHOICES, SCENARIOS
from workerlab.records import CheckResult


def test_check_result_reads_well():
    assert repr(CheckResult(True, "right")) == "✅ right"
    assert repr(CheckResult(False, "no")) == "❌ no"
    assert not CheckResult(False, "no")


# --- lesson 06 -----------------------------------------------------------------------------


def test_pipeline_seconds_accepts_the_reference_without_giving_it_away():
    result = check_pipeline_seconds(lambda n, st: sum(st) + (n - 1) * max(st))
    assert result and "max(" not in result.message and "sum" not in result.message


def test_pipeline_seconds_says_item_for_one_item():
    result = check_pipeline_seconds(lambda n, st: 0.0 if n == 1 else sum(st) + (n - 1) * max(st))
    assert "for 1 item through" in result.message


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, st: n * sum(st), "sequential loop"),
        (lambda n, st: n * max(st), "fills up"),
        (lambda n, st: n * sum(st) / len(st), "like a pool"),
        (lambda n, st: sum(st) + (n - 1) * min(st), "*slowest*"),
        (lambda n, st: sum(st) + n * max(st), "one slowest stage too many"),
        (lambda n, st: sum(st) * (n - 1) + max(st), "expected"),
        (lambda n, st: max(st), "expected"),
        (lambda n, st: None, "returned None"),
    ],
)
def test_pipeline_seconds_rejects_plausible_mistakes(wrong, says):
    result = check_pipeline_seconds(wrong)
    assert not result.passed
    assert says in result.message


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


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ({1: "sequential"}, "missing"),
        ({**RIGHT, 99: "pool"}, "no scenarios [99]"),
        ({**RIGHT, 2: "threads"}, "(a pool of threads is 'pool')"),
        ({str(n): a for n, a in RIGHT.items()}, "not strings"),
        ([("pool",)], "return a dict"),
    ],
)
def test_scenario_quiz_rejects_malformed_answers(answers, says):
    result = check_scenario_quiz(lambda: answers)
    assert not result.passed
    assert says in result.message


def test_scenario_quiz_reports_the_scaffold_and_crashes():
    def scaffold() -> dict[int, str]:
        raise NotImplementedError

    assert "not done yet" in check_scenario_quiz(scaffold).message
    assert "raised" in check_scenario_quiz(lambda: 1 / 0).message
    assert "function itself" in check_scenario_quiz(RIGHT).message
