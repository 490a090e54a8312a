"""Each self-check accepts the right answer and rejects plausible wrong ones, saying why."""


import pytest

from workerlab.checks.lesson01 import check_idle_share, check_predict_wall_time
from workerlab.records import CheckResult


def test_check_result_reads_well():
    assert repr(CheckResult(True, "right")) == "✅ right"
    assert repr(CheckResult(False, "no")) == "❌ no"
    assert not CheckResult(False, "no")


def test_predict_wall_time_accepts_the_reference():
    assert check_predict_wall_time(lambda n, r, w: n * (r + w))


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, r, w: r + w, "one file"),
        (lambda n, r, w: n * max(r, w), "read *and* its write"),
        (lambda n, r, w: n * r, "read *and* its write"),
        (lambda n, r, w: n * (r + w) / 4, "nothing overlaps"),
        (lambda n, r, w: 2 * n * (r + w), "once per file"),
        (lambda n, r, w: 1000 * n * (r + w), "milliseconds"),
        (lambda n, r, w: None, "returned None"),
        (lambda n, r, w: "fast", "number"),
        (lambda n, r, w: 1 / 0, "raised"),
        (42, "function itself"),
    ],
)
def test_predict_wall_time_rejects_plausible_mistakes(wrong, says):
    result = check_predict_wall_time(wrong)
    assert not result.passed
    assert says in result.message


def test_not_implemented_scaffold_is_reported_as_not_done():
    def scaffold(n, r, w):
        raise NotImplementedError

    result = check_predict_wall_time(scaffold)
    assert not result and "not done yet" in result.message


def test_idle_share_accepts_the_reference():
    assert check_idle_share(lambda wall, cpu: 1 - cpu / wall)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda wall, cpu: cpu / wall, "*busy* share"),
        (lambda wall, cpu: wall - cpu, "seconds"),
        (lambda wall, cpu: 100 * (1 - cpu / wall), "percentage"),
        (lambda wall, cpu: 1 - wall / cpu if cpu else 0.0, "upside down"),
        (lambda wall, cpu: 0.5, "expected"),
    ],
)
def test_idle_share_rejects_plausible_mistakes(wrong, says):
    result = check_idle_share(wrong)
    assert not result.passed
    assert says in result.message
