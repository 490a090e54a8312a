"""A durable job queue on SQLite, with leases, retries and a dead-letter state (lesson 07).

An in-process pool forgets everything when its process dies. A *durable* queue keeps the
jobs in a database, and a worker only *leases* a job: it claims it for ``lease_seconds``,
and if it has not acknowledged the job by then (because it crashed, or was killed), the
job becomes claimable again. That gives **at-least-once** delivery: no job is lost, but a
job may run twice, so jobs should be idempotent.

The pieces, each a few lines of SQL: :meth:`JobQueue.enqueue` inserts a ``ready`` job;
:meth:`JobQueue.claim` picks the oldest claimable job and leases it, in one ``UPDATE …
RETURNING`` inside one write transaction, so two workers can never claim the same job at
once; :meth:`JobQueue.ack` marks it ``done``, but only if the caller still holds the lease;
:meth:`JobQueue.fail` schedules a retry after an exponential :func:`backoff` delay, or
moves the job to ``dead`` (the dead-letter state) after its last attempt.

Worker processes, kills, and the library demos (Huey, Dask) live in ``workerlab.lab``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workerlab.validate import callable_arg, positive_int, positive_number

SCHEMA = """
PRAGMA journal_mode = WAL;  -- readers never block the writer
CREATE TABLE IF NOT EXISTS jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,               -- which handler runs it
    payload      TEXT    NOT NULL,               -- its arguments, as JSON
    state        TEXT    NOT NULL DEFAULT 'ready',  -- ready → running → done (or dead)
    attempts     INTEGER NOT NULL DEFAULT 0,     -- claims so far: it also names the lease
    max_attempts INTEGER NOT NULL,
    run_after    REAL    NOT NULL,               -- not claimable before (the backoff)
    lease_until  REAL,                           -- while running: claimable again after
    worker       TEXT,                           -- who holds (or last held) it
    last_error   TEXT
);
"""


class JobQueue:
    """A durable queue in one SQLite file: each worker (a thread or a process) opens its own.

    ``lease_seconds``: how long a claimed job stays invisible to other workers; choose it
    well above the longest job (real queues let a worker renew its lease as it works).
    ``backoff_base`` and ``backoff_cap`` shape the waits between a job's attempts.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lease_seconds: float = 1.0,
        backoff_base: float = 0.05,
        backoff_cap: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lease_seconds = positive_number("lease_seconds", lease_seconds)
        self.backoff_base = positive_number("backoff_base", backoff_base)
        self.backoff_cap = positive_number("backoff_cap", backoff_cap)
        self.clock = callable_arg("clock", clock)
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)  # autocommit
        self._db.executescript(SCHEMA)

    def enqueue(self, kind: str, payload: Any, max_attempts: int = 3) -> int:
        """Store a job (``payload``: its arguments, JSON) and return its id; claimable at once."""
        return self._db.execute(
            "INSERT INTO jobs (kind, payload, max_attempts, run_after) VALUES (?, ?, ?, ?)",
            (kind, json.dumps(payload), positive_int("max_attempts", max_attempts), self.clock()),
        ).lastrowid

    def claim(self, worker: str) -> Claim | None:
        """Lease the oldest claimable job to ``worker``, or return None if there is none.

        Claimable: ``ready`` and due (its backoff is over), or ``running`` with an expired
        lease (its worker died, or is too slow), unless that was its last attempt: dead.
        """
        with self._db:  # commits when the block ends, rolls back if it raises
            self._db.execute("BEGIN IMMEDIATE")  # take the write lock now: no claim races us
            now = self.clock()  # read once the lock is ours: never lease from a stale time
            self._db.execute(
                "UPDATE jobs SET state = 'dead', last_error = 'lease expired on the last attempt'"
                " WHERE state = 'running' AND lease_until <= ? AND attempts >= max_attempts",
                (now,),
            )
            row = self._db.execute(
                """UPDATE jobs SET state = 'running', attempts = attempts + 1,
                                   lease_until = :now + :lease, worker = :worker
                    WHERE id = (SELECT id FROM jobs
                                 WHERE (state = 'ready'   AND run_after   <= :now)  -- due
                                    OR (state = 'running' AND lease_until <= :now)  -- lost
                                 ORDER BY run_after, id LIMIT 1)
                RETURNING id, kind, payload, attempts""",
                {"now": now, "lease": self.lease_seconds, "worker": worker},
            ).fetchone()
        if row is None:
            return None
        job_id, kind, payload, attempt = row
        return Claim(job_id, kind, json.loads(payload), attempt, worker)

    def ack(self, claim: Claim) -> bool:
        """Mark the job done; False (and nothing changes) if this lease was lost meanwhile.

        The attempt number names the lease: once someone else has claimed the job, it has
        moved on, so a slow worker's late ack matches no row.
        """
        done = self._db.execute(
            "UPDATE jobs SET state = 'done', lease_until = NULL"
            " WHERE id = ? AND state = 'running' AND attempts = ? AND worker = ?",
            (claim.id, claim.attempt, claim.worker),
        )
        return done.rowcount == 1

    def fail(self, claim: Claim, error: str) -> str:
        """Report that the job raised ``error``: retry it after :func:`backoff`, or dead-letter it.

        Returns the job's new state, ``'ready'`` or ``'dead'`` (after its last attempt), or
        ``'lease lost'`` (and nothing changes) if this worker no longer held the job.
        """
        delay = backoff(claim.attempt, self.backoff_base, self.backoff_cap)
        row = self._db.execute(
            "UPDATE jobs SET lease_until = NULL, last_error = ?, run_after = ?,"
            " state = CASE WHEN attempts < max_attempts THEN 'ready' ELSE 'dead' END"
            " WHERE id = ? AND state = 'running' AND attempts = ? AND worker = ? RETURNING state",
            (error, self.clock() + delay, claim.id, claim.attempt, claim.worker),
        ).fetchone()
        return "lease lost" if row is None else row[0]

    def close(self) -> None:
        """Close the database connection (or use ``with contextlib.closing(JobQueue(…))``)."""
        self._db.close()


@dataclass(frozen=True, slots=True)
class Claim:
    """A job leased to one worker: what to do, and which attempt (the lease) it holds."""

    id: int
    kind: str
    payload: Any
    attempt: int
    worker: str


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, …) before the next.

    ``base``, ``2·base``, ``4·base``, … never more than ``cap``, so a job that keeps failing
    does not hammer what it depends on (real systems add random jitter: retries spread out).
    """
    positive_int("attempt", attempt)
    return min(positive_number("cap", cap), positive_number("base", base) * 2 ** (attempt - 1))
