"""The verdict every self-check returns; each lesson's checks: tests/test_checks_lessonNN.py."""

from workerlab.records import CheckResult


def test_check_result_reads_well():
    assert repr(CheckResult(True, "right")) == "✅ right"
    assert repr(CheckResult(False, "no")) == "❌ no"
    assert not CheckResult(False, "no")
