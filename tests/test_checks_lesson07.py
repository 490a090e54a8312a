"""Lesson 07's self-checks: accept the reference, reject plausible mistakes, precisely."""

from __future__ import annotations

import os
import shutil
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


def deletes_then_writes(folder: Path, job_id: int) -> None:
    """Not atomic either, though the file under the name is a new one (a new inode)."""
    path = folder / f"receipt-{job_id}.txt"
    path.unlink(missing_ok=True)
    path.write_text(f"receipt for job {job_id}\n")


def deletes_then_renames(folder: Path, job_id: int) -> None:
    (folder / f"receipt-{job_id}.txt").unlink(missing_ok=True)
    reference_receipt(folder, job_id)


def temporary_elsewhere(folder: Path, job_id: int) -> None:
    handle, name = tempfile.mkstemp()  # the system's temporary folder: maybe another disk
    with os.fdopen(handle, "w") as f:
        f.write(f"receipt for job {job_id}\n")
    os.replace(name, folder / f"receipt-{job_id}.txt")


def copies_into_place(folder: Path, job_id: int) -> None:
    partial = folder / f".receipt-{job_id}.tmp"
    partial.write_text(f"receipt for job {job_id}\n")
    shutil.copyfile(partial, folder / f"receipt-{job_id}.txt")
    partial.unlink()


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (write_in_place, "rewritten in place"),
        (deletes_then_writes, "was deleted before the new one came"),
        (deletes_then_renames, "was deleted before the new one came"),
        (temporary_elsewhere, "in another folder"),
        (copies_into_place, "rewritten in place"),
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


@pytest.mark.parametrize("system_temp", [None, "/dev/shm"])
def test_the_receipt_verdicts_do_not_depend_on_the_file_system(system_temp, monkeypatch):
    """On tmpfs a deleted file's inode is not reused as on ext4: the verdicts are the same."""
    if system_temp is not None:
        if not os.path.isdir(system_temp):
            pytest.skip(f"no {system_temp} here")
        monkeypatch.setattr(tempfile, "tempdir", system_temp)
    assert check_record_receipt(reference_receipt).passed
    for wrong in (write_in_place, deletes_then_writes, temporary_elsewhere):
        assert not check_record_receipt(wrong).passed, wrong.__name__


def test_receipt_scaffold_is_not_done_yet():
    def scaffold(folder: Path, job_id: int) -> None:
        raise NotImplementedError("exercise 2: write record_receipt(folder, job_id)")

    assert "not done yet" in check_record_receipt(scaffold).message
    assert "pass your function" in check_record_receipt("record_receipt").message
