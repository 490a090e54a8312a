"""Lesson 08's self-check accepts the right answer and names each plausible mistake."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from exercise_cells import unhelpful_exercise_cells

from workerlab.checks.lesson08 import check_pool_time


def test_pool_time_check_accepts_the_reference():
    assert check_pool_time(lambda f, lat, w: math.ceil(f / w) * lat).passed
    assert check_pool_time(lambda f, lat, w: (f + w - 1) // w * lat).passed


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        # The first case is 10 files of 0.1 s on 4 workers: 3 rounds, 0.3 s.
        (
            lambda f, lat, w: 1000 * math.ceil(f / w) * lat,
            "you returned 300, which is the answer in milliseconds: the inputs and the "
            "answer are in seconds (divide by 1000).",
        ),
        (
            lambda f, lat, w: f * lat / w,
            "10 files on 4 workers take whole rounds: a worker cannot do part of a file. "
            "Round the number of rounds up.",
        ),
        (
            lambda f, lat, w: f * lat,
            "that is the sequential time: the workers wait in parallel.",
        ),
        (
            lambda f, lat, w: (f // w) * lat,
            "rounded down: the last, partly filled round counts too.",
        ),
        (
            # right whenever the split is uneven; the second case (8 on 2) is even
            lambda f, lat, w: (f // w + 1) * lat,
            "off by one: your answer counts one round more than there are (2.5 instead of "
            "2). 8 files on 2 workers split evenly: there is no partly filled round to add. "
            "Round up (math.ceil) instead of adding one.",
        ),
        (
            lambda f, lat, w: lat,
            "for 10 files, 0.1 s each, 4 workers you returned 0.1; expected 0.3.",
        ),
        (lambda f, lat, w: None, "it returned None: did you forget `return`?"),
        (
            lambda f, lat, w: round(f / w + 0.49) * lat,
            "1001 files on 1000 workers take whole rounds: a worker cannot do part of a file. "
            "Round the number of rounds up.",
        ),
    ],
)
def test_pool_time_check_rejects_plausible_mistakes_saying_what_is_wrong(wrong, says):
    result = check_pool_time(wrong)
    assert not result.passed
    assert result.message == says


def test_the_scaffold_is_reported_as_not_done():
    def pool_time(files, latency, workers):
        raise NotImplementedError("exercise 1: write pool_time")

    result = check_pool_time(pool_time)
    assert not result and "not done yet" in result.message


def test_unsolved_exercise_says_which_exercise_to_solve():
    notebook = Path(__file__).parent.parent / "notebooks" / "08_capstone.ipynb"
    assert unhelpful_exercise_cells(notebook) == []
