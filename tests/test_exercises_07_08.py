"""Self-checks of lesson 08: accept the reference, reject plausible mistakes precisely.

(Lesson 07's are in test_checks_lesson07.py.)
"""

from __future__ import annotations

import math

import pytest

from workerlab.checks.lesson08 import check_pool_time

# --- lesson 08 ------------------------------------------------------------------------------


def test_pool_time_check_accepts_the_reference():
    assert check_pool_time(lambda f, lat, w: math.ceil(f / w) * lat).passed


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda f, lat, w: f * lat / w, "Round the number of rounds up"),
        (lambda f, lat, w: f * lat, "sequential"),
        (lambda f, lat, w: (f // w) * lat, "rounded down"),
        (lambda f, lat, w: lat, "expected"),
    ],
)
def test_pool_time_check_rejects_plausible_mistakes(wrong, says):
    result = check_pool_time(wrong)
    assert not result.passed and says in result.message, result.message
