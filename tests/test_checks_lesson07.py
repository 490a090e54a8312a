"""Lesson 07's self-checks: accept the reference, reject plausible mistakes, precisely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from workerlab.checks.lesson07 import check_backoff, check_record_receipt
from workerlab.leases import backoff

# --- exercise 1: backoff ----------------------------------------------------------------------


def test_backoff_check_accepts_the_core_function():
    assert check_backoff(backoff).passed


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, base, cap: max(cap, base * 2 ** (n - 1)), "`max`"),
        (lambda n, base, cap: min(cap, base * 2**n), "one doubling more"),
        (lambda n, base, cap: min(cap, base * 2 ** (n - 2)), "one doubling fewer"),
        (lambda n, base, cap: base * 2 ** (n - 1), "past the cap"),
        (lambda n, base, cap: min(cap, base * n), "linearly"),
        (lambda n, base, cap: base, "grow"),
        (lambda n, base, cap: cap, "grow"),
        (lambda n, base, cap: 1000 * min(cap, base * 2 ** (n - 1)), "milliseconds"),
        (lambda n, base, cap: None, "return"),
        (lambda n, base, cap: 3.3, "expected 0.1"),
    ],
    ids=["max", "more", "fewer", "no-cap", "linear", "base", "cap", "ms", "none", "other"],
)
def test_backoff_check_rejects_plausible_mistakes(wrong, says):
    result = check_backoff(wrong)
    assert not result.passed and says in result.message, result.message


def test_backoff_hints_use_the_words_every_lesson_uses():
    off = check_backoff(lambda n, base, cap: min(cap, base * 2**n)).message
    assert off.startswith("off by one: your answer counts one doubling more")
    ms = check_backoff(lambda n, base, cap: 1000 * min(cap, base * 2 ** (n - 1))).message
    assert "the answer in milliseconds" in ms


def test_the_scaffold_is_not_done_yet():
    def scaffold(attempt: int, base: float, cap: float) -> float:
        raise NotImplementedError("exercise 1: write backoff(attempt, base, cap)")

    assert "not done yet" in check_backoff(scaffold).message


# --- exercise 2: an idempotent, atomic receipt ------------------------------------------------


def reference_receipt(folder: Path, job_id: int) -> None:
    partial = folder / f".receipt-{job_id}.tmp"
    partial.write_text(f"receipt for job {job_id}\n")
    partial.replace(folder / f"receipt-{job_id}.txt")


def named_temporary(folder: Path, job_id: int) -> None:
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False) as f:
        f.write(f"receipt for job {job_id}")
    os.replace(f.name, folder / f"receipt-{job_id}.txt")


@pytest.mark.parametrize("right", [reference_receipt, named_temporary])
def test_receipt_check_accepts_atomic_answers(right):
    assert check_record_receipt(right).passed


def write_in_place(folder: Path, job_id: int) -> None:
    """Idempotent, but not atomic: issue 12 found it got the same ✅ as the atomic one."""
    (folder / f"receipt-{job_id}.txt").write_text(f"receipt for job {job_id}\n")


def skips_existing(folder: Path, job_id: int) -> None:
    path = folder / f"receipt-{job_id}.txt"
    if not path.exists():
        reference_receipt(folder, job_id)


def appends(folder: Path, job_id: int) -> None:
    with (folder / f"receipt-{job_id}.txt").open("a") as f:
        f.write(f"receipt for job {job_id}\n")


def one_file(folder: Path, job_id: int) -> None:
    with (folder / "receipts.txt").open("a") as f:
        f.write(f"receipt for job {job_id}\n")


def leaves_temp(folder: Path, job_id: int) -> None:
    (folder / f"tmp-{job_id}").write_text("x")
    reference_receipt(folder, job_id)


def refuses_reruns(folder: Path, job_id: int) -> None:
    path = folder / f"receipt-{job_id}.txt"
    if path.exists():
        raise FileExistsError(path.name)
    path.write_text(f"receipt for job {job_id}\n")


def wrong_text(folder: Path, job_id: int) -> None:
    partial = folder / f".receipt-{job_id}.tmp"
    partial.write_text(f"job {job_id}: paid\n")
    partial.replace(folder / f"receipt-{job_id}.txt")


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (write_in_place, "rewritten in place"),
        (skips_existing, "kept it"),
        (appends, "not add a second one"),
        (one_file, "no receipt-7.txt"),
        (leaves_temp, "extra files"),
        (refuses_reruns, "raised FileExistsError"),
        (wrong_text, "it should say 'receipt for job 7'"),
    ],
)
def test_receipt_check_rejects_plausible_mistakes(wrong, says):
    result = check_record_receipt(wrong)
    assert not result.passed and says in result.message, result.message


def test_receipt_check_is_not_fooled_by_a_plain_write_even_once():
    """The atomic and the in-place answer differ only in how the file is written."""
    assert check_record_receipt(reference_receipt).passed
    assert not check_record_receipt(write_in_place).passed


def test_receipt_scaffold_is_not_done_yet():
    def scaffold(folder: Path, job_id: int) -> None:
        raise NotImplementedError("exercise 2: write record_receipt(folder, job_id)")

    assert "not done yet" in check_record_receipt(scaffold).message
    assert "pass your function" in check_record_receipt("record_receipt").message
