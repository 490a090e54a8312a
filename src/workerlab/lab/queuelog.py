"""What happened inside lesson 07's lease queue: every attempt, and the jobs by state.

The queue (:mod:`workerlab.leases`) keeps no history of its own. So that the lesson can
draw and count every attempt, its workers use a :class:`RecordedQueue`, which writes each
claim and its outcome to an ``attempts`` table beside the jobs: a record attached from
outside the core, so that the core reads like the lesson. :func:`attempts`, :func:`counts`
and :func:`dead_letters` read a queue file from any process, on a connection of their own.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from typing import Any

from workerlab.leases import Claim, JobQueue

ATTEMPTS = """
CREATE TABLE IF NOT EXISTS attempts (
    job_id   INTEGER NOT NULL,
    attempt  INTEGER NOT NULL,
    worker   TEXT    NOT NULL,
    claimed  REAL    NOT NULL,
    finished REAL,               -- NULL: never reported, its worker died holding it
    outcome  TEXT,               -- done, retry, dead, or lease lost
    error    TEXT,
    PRIMARY KEY (job_id, attempt)
);
"""


class RecordedQueue(JobQueue):
    """A :class:`~workerlab.leases.JobQueue` that also records every attempt and its outcome.

    The outcome is ``done``, ``retry`` (failed, will be tried again), ``dead`` (failed on
    its last attempt) or ``lease lost`` (another worker had claimed the job meanwhile). An
    ack or a failure and its record commit together, so a worker killed in between leaves
    neither. A claim is recorded just after it commits: a worker killed in that instant
    leaves a claim with no record (the job itself is safe: its lease runs out as usual).
    """

    def __init__(self, path: str | os.PathLike[str], **settings: Any) -> None:
        super().__init__(path, **settings)
        self._db.executescript(ATTEMPTS)

    def claim(self, worker: str) -> Claim | None:
        claim = super().claim(worker)
        if claim is not None:
            self._db.execute(
                "INSERT INTO attempts (job_id, attempt, worker, claimed) VALUES (?, ?, ?, ?)",
                (claim.id, claim.attempt, worker, self.clock()),
            )
        return claim

    def ack(self, claim: Claim) -> bool:
        finished = self.clock()  # before the ack: its time is when the work ended
        with self._db:  # the ack and its record: one transaction
            self._db.execute("BEGIN IMMEDIATE")
            acked = super().ack(claim)
            self._finished(claim, finished, "done" if acked else "lease lost", None)
        return acked

    def fail(self, claim: Claim, error: str) -> str:
        finished = self.clock()  # before the retry's delay starts, so waits are measured whole
        with self._db:  # the failure and its record: one transaction
            self._db.execute("BEGIN IMMEDIATE")
            state = super().fail(claim, error)
            self._finished(claim, finished, "retry" if state == "ready" else state, error)
        return state

    def _finished(self, claim: Claim, when: float, outcome: str, error: str | None) -> None:
        self._db.execute(
            "UPDATE attempts SET finished = ?, outcome = ?, error = ?"
            " WHERE job_id = ? AND attempt = ?",
            (when, outcome, error, claim.id, claim.attempt),
        )


def read(path: str | os.PathLike[str], sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of one query, on a connection of its own (closed before this returns)."""
    with closing(sqlite3.connect(path, timeout=30)) as db:
        return db.execute(sql, args).fetchall()


def counts(path: str | os.PathLike[str]) -> dict[str, int]:
    """How many jobs of the queue in ``path`` are in each state (zeros included)."""
    found = dict(read(path, "SELECT state, count(*) FROM jobs GROUP BY state"))
    return {state: found.get(state, 0) for state in ("ready", "running", "done", "dead")}


def dead_letters(path: str | os.PathLike[str]) -> list[tuple[int, int, str]]:
    """The dead-lettered jobs, for a human to look at: (id, attempts made, last error)."""
    return read(path, "SELECT id, attempts, last_error FROM jobs WHERE state = 'dead'")


def attempts(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every attempt the workers recorded (see :class:`RecordedQueue`), in claim order.

    Each is a dict: job, attempt, worker, times (``time.time()``), outcome and error. An
    attempt whose ``outcome`` is None was never reported: its worker died holding it (or
    is still working on it).
    """
    names = ("job_id", "attempt", "worker", "claimed", "finished", "outcome", "error")
    try:
        rows = read(path, f"SELECT {', '.join(names)} FROM attempts ORDER BY claimed, job_id")
    except sqlite3.OperationalError as error:  # no worker has run on this queue yet
        if "no such table" in str(error):
            return []
        raise
    return [dict(zip(names, row, strict=True)) for row in rows]
