"""Lesson 01's self-checks accept the right answer and name each plausible mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from exercise_cells import unhelpful_exercise_cells

from workerlab.checks.lesson01 import check_idle_share, check_predict_wall_time


def test_predict_wall_time_accepts_the_reference():
    result = check_predict_wall_time(lambda n, r, w: n * (r + w))
    assert result.passed and "nothing overlaps" in result.message


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        # The first case is 40 files, 2 ms reads and 3 ms writes: 0.2 s.
        (lambda n, r, w: (n - 1) * (r + w), "off by one: your answer counts one file fewer "
         "than there are (0.195 instead of 0.2)."),
        (lambda n, r, w: (n + 1) * (r + w), "off by one: your answer counts one file more "
         "than there are (0.205 instead of 0.2)."),
        (lambda n, r, w: 1000 * n * (r + w), "you returned 200, which is the answer in "
         "milliseconds: the inputs and the answer are in seconds (divide by 1000)."),
        (lambda n, r, w: r + w, "that is the time for one file: the loop does every file."),
        (lambda n, r, w: n * max(r, w), "each file waits for its read *and* its write."),
        (lambda n, r, w: n * r, "each file waits for its read *and* its write."),
        (lambda n, r, w: n * w, "each file waits for its read *and* its write."),
        (lambda n, r, w: n * (r + w) / 4, "for 40 files, 0.002 s reads, 0.003 s writes you "
         "returned 0.05; expected 0.2. That is too little: in a blocking loop nothing "
         "overlaps, no wait hides another."),
        (lambda n, r, w: 2 * n * (r + w), "for 40 files, 0.002 s reads, 0.003 s writes you "
         "returned 0.4; expected 0.2. That is too much: count each wait once per file."),
        (lambda n, r, w: int(n * (r + w)), "you returned 0: the right value (0.2) rounded to "
         'a whole number. Return it unrounded; round only where you print it (f"{x:.2f}").'),
        (lambda n, r, w: None, "it returned None: did you forget `return`?"),
        (lambda n, r, w: "fast", "it should return a number, got str"),
        (lambda n, r, w: 1 / 0, "calling it with (40, 0.002, 0.003) raised "
         "ZeroDivisionError('division by zero')"),
        (42, "pass your function itself, not int"),
    ],
)
def test_predict_wall_time_rejects_plausible_mistakes_saying_what_is_wrong(wrong, says):
    result = check_predict_wall_time(wrong)
    assert not result.passed
    assert result.message == says


def test_an_off_by_one_file_is_not_hidden_by_the_tolerance():
    """One file fewer is 2.5 % off in the first case: never accepted as close enough."""
    for files in (1, 7, 25, 40):
        wrong = check_predict_wall_time(lambda n, r, w, f=files: (n - (n == f)) * (r + w))
        assert not wrong.passed and "off by one" in wrong.message


def test_the_scaffold_is_reported_as_not_done():
    def predict_wall_time(n_files, read_latency, write_latency):
        raise NotImplementedError("exercise 1: write predict_wall_time")

    result = check_predict_wall_time(predict_wall_time)
    assert not result and "not done yet" in result.message


def test_idle_share_accepts_the_reference():
    assert check_idle_share(lambda wall, cpu: 1 - cpu / wall)
    assert check_idle_share(lambda wall, cpu: (wall - cpu) / wall)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda wall, cpu: cpu / wall, "that is the *busy* share (CPU / wall); we want the "
         "idle one."),
        (lambda wall, cpu: wall - cpu, "that is idle *seconds*; divide to get a share of the "
         "wall time."),
        (lambda wall, cpu: 100 * (1 - cpu / wall), "that is a percentage; return a share "
         "between 0 and 1."),
        (lambda wall, cpu: 1 - wall / cpu if cpu else 0.0, "the division is upside down: a "
         "share *of the wall time* has it below the line."),
        (lambda wall, cpu: 0.5, "for wall=2.0 s and cpu=0.1 s you returned 0.5; expected 0.95."),
        # Rounded: right on the first cases, whose shares are short decimals; then 2/3.
        (lambda wall, cpu: round(1 - cpu / wall, 2), "you returned 0.67: the right value "
         "(0.666667) rounded to 2 decimal place(s). Return it unrounded; round only where you "
         'print it (f"{x:.2f}").'),
    ],
)
def test_idle_share_rejects_plausible_mistakes_saying_what_is_wrong(wrong, says):
    result = check_idle_share(wrong)
    assert not result.passed
    assert result.message == says


def test_unsolved_exercises_say_which_exercise_to_solve():
    notebook = Path(__file__).parent.parent / "notebooks" / "01_blocking_loop.ipynb"
    assert unhelpful_exercise_cells(notebook) == []
