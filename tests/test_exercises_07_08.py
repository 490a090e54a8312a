"""Self-checks of lesson 07: accept the reference, reject plausible mistakes precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from workerlab.checks.lesson07 import check_backoff, check_record_receipt
from workerlab.jobqueue import backoff


def test_backoff_check_accepts_the_module_function():
    assert check_backoff(backoff).passed


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, base, cap: min(cap, base * 2**n), "off by one"),
        (lambda n, base, cap: base * 2 ** (n - 1), "past the cap"),
        (lambda n, base, cap: min(cap, base * n), "linearly"),
        (lambda n, base, cap: base, "grow"),
        (lambda n, base, cap: None, "return"),
    ],
)
def test_backoff_check_rejects_plausible_mistakes(wrong, says):
    result = check_backoff(wrong)
    assert not result.passed and says in result.message, result.message


def reference_receipt(folder: Path, job_id: int) -> None:
    partial = folder / f".receipt-{job_id}.tmp"
    partial.write_text(f"receipt for job {job_id}\n")
    partial.replace(folder / f"receipt-{job_id}.txt")


def appends(folder: Path, job_id: int) -> None:
    with (folder / f"receipt-{job_id}.txt").open("a") as f:
        f.write(f"receipt for job {job_id}\n")


def one_file(folder: Path, job_id: int) -> None:
    with (folder / "receipts.txt").open("a") as f:
        f.write(f"receipt for job {job_id}\n")


def leaves_temp(folder: Path, job_id: int) -> None:
    (folder / f"tmp-{job_id}").write_text("x")
    (folder / f"receipt-{job_id}.txt").write_text(f"receipt for job {job_id}\n")


def refuses_reruns(folder: Path, job_id: int) -> None:
    path = folder / f"receipt-{job_id}.txt"
    if path.exists():
        raise FileExistsError(path.name)
    path.write_text(f"receipt for job {job_id}\n")


def test_receipt_check_accepts_the_reference():
    assert check_record_receipt(reference_receipt).passed


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (appends, "one receipt, not add a second"),
        (one_file, "the folder holds ['receipts.txt']"),
        (leaves_temp, "extra files"),
        (refuses_reruns, "raised FileExistsError"),
    ],
)
def test_receipt_check_rejects_plausible_mistakes(wrong, says):
    result = check_record_receipt(wrong)
    assert not result.passed and says in result.message, result.message
