"""Lesson 07's job with side effects, a batch of it, and the count of what it did.

:func:`send_receipt` charges a card (a ledger line: not idempotent) and writes a receipt
(a file replaced atomically: idempotent). :func:`receipt_batch` puts a batch of them on a
fresh queue; after the workers stop, :func:`tally` counts what was done, lost, and charged
twice.
"""

from __future__ import annotations

import os
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from workerlab.lab.queuelog import RecordedQueue, counts
from workerlab.leases import Claim
from workerlab.validate import positive_int


def send_receipt(claim: Claim) -> None:
    """The lesson's job: work a little, then record a sale twice, once unsafely, once safely.

    Payload keys: ``work`` (seconds of work before the side effects), ``ledger`` (a file the
    job *appends* a line to: not idempotent, a rerun adds a second line, like charging a
    card twice), ``receipts`` (a folder where the job writes ``receipt-<id>.txt`` by
    atomic rename: idempotent, a rerun replaces the same file), ``gap`` (seconds between
    the side effects and the acknowledgement: the window in which a crash causes a rerun),
    and ``fail_first`` (the first N attempts raise, to show retries; a large N makes a job
    that always fails).
    """
    payload = claim.payload
    time.sleep(payload.get("work", 0.0))
    if claim.attempt <= payload.get("fail_first", 0):
        raise RuntimeError(f"job {claim.id}: the payment service said no (attempt {claim.attempt})")
    if "ledger" in payload:
        with open(payload["ledger"], "a") as ledger:  # O_APPEND: one whole line per write
            ledger.write(f"job {claim.id} charged by {claim.worker} on attempt {claim.attempt}\n")
    if "receipts" in payload:
        folder = Path(payload["receipts"])
        partial = folder / f".receipt-{claim.id}.{os.getpid()}.tmp"
        partial.write_text(f"receipt for job {claim.id}\n")
        partial.replace(folder / f"receipt-{claim.id}.txt")  # atomic: all or nothing
    time.sleep(payload.get("gap", 0.0))


@dataclass(frozen=True, slots=True)
class ReceiptBatch:
    """Where a batch of :func:`send_receipt` jobs lives: the queue, the ledger, the receipts."""

    db: Path
    ledger: Path
    receipts: Path


def receipt_batch(
    folder: Path, jobs: int, *, max_attempts: int = 5, **payload: float
) -> ReceiptBatch:
    """Enqueue ``jobs`` fresh :func:`send_receipt` jobs in a new queue in ``folder``.

    ``payload`` adds the job's timings (``work``, ``gap``, ``fail_first``); the ledger and
    the receipts folder are made beside the queue. ``folder`` must not hold a queue yet.
    """
    positive_int("jobs", jobs)
    batch = ReceiptBatch(folder / "jobs.db", folder / "ledger.txt", folder / "receipts")
    if batch.db.exists():
        raise ValueError(f"folder already holds a queue ({batch.db.name}): use a fresh folder")
    batch.receipts.mkdir()
    with closing(RecordedQueue(batch.db)) as queue:
        for _ in range(jobs):
            job = {"ledger": str(batch.ledger), "receipts": str(batch.receipts), **payload}
            queue.enqueue("send_receipt", job, max_attempts=max_attempts)
    return batch


@dataclass(frozen=True, slots=True)
class BatchRun:
    """What a run of workers left behind on a :class:`ReceiptBatch`, once they stopped."""

    enqueued: int
    done: int
    dead: int
    lost: int
    charges: int
    duplicate_charges: int
    receipts: int

    def __str__(self) -> str:
        return (
            f"{self.enqueued} jobs: {self.done} done, {self.dead} dead-lettered, "
            f"{self.lost} lost | ledger: {self.charges} charges, "
            f"{self.duplicate_charges} duplicates | receipts: {self.receipts} files"
        )


def tally(batch: ReceiptBatch) -> BatchRun:
    """Count outcomes: jobs by state, and the two side effects of :func:`send_receipt`.

    ``lost`` counts jobs neither done nor dead-lettered; ``duplicate_charges`` counts
    ledger lines beyond the first for each job (what a non-idempotent job did twice).
    """
    states = counts(batch.db)
    lines = batch.ledger.read_text().splitlines() if batch.ledger.exists() else []
    charged_jobs = {line.split()[1] for line in lines}
    return BatchRun(
        enqueued=sum(states.values()),
        done=states["done"],
        dead=states["dead"],
        lost=states["ready"] + states["running"],
        charges=len(lines),
        duplicate_charges=len(lines) - len(charged_jobs),
        receipts=len(list(batch.receipts.glob("receipt-*.txt"))),
    )


def ledger_entries(ledger: Path) -> set[tuple[int, int]]:
    """(job id, attempt) of every line in the ledger that :func:`send_receipt` writes."""
    if not ledger.exists():
        return set()
    entries = set()
    for line in ledger.read_text().splitlines():
        words = line.split()
        if len(words) == 8:  # a line being written right now is skipped until complete
            entries.add((int(words[1]), int(words[7])))
    return entries
