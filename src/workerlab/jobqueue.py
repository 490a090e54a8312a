"""A small durable job queue on SQLite, with leases, retries and a dead-letter state (lesson 07).

An in-process pool forgets everything when its process dies. A *durable* queue keeps the
jobs in a database, and a worker only *leases* a job: it claims it for ``lease_seconds``,
and if it has not acknowledged the job by then (because it crashed, or was killed), the
job becomes claimable again. That gives **at-least-once** delivery: no job is lost, but a
job may run twice, so jobs should be idempotent.

The pieces, each a few lines of SQL:

- :meth:`JobQueue.enqueue` inserts a ``ready`` job;
- :meth:`JobQueue.claim` picks the oldest claimable job and leases it, in one
  ``UPDATE … RETURNING`` inside one write transaction, so two workers can never claim the
  same job at once;
- :meth:`JobQueue.ack` marks it ``done``, but only if the caller still holds the lease;
- :meth:`JobQueue.fail` schedules a retry after an exponential :func:`backoff` delay, or
  moves the job to ``dead`` (the dead-letter state) after its last attempt.

Workers are separate OS processes (``python -m workerlab.jobqueue worker DB NAME``) started
and stopped by :class:`Fleet`, so a lesson can ``SIGKILL`` one in the middle of a job and
then count, with :func:`tally`, what was done, what was lost and what ran twice.

The module also holds the lesson's two library demos, with the same always-stopped
discipline: Huey on SQLite with a real consumer process (:func:`huey_app`,
:class:`HueyConsumer`), and a Dask distributed local cluster (:func:`local_cluster`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workerlab.trace import Span
from workerlab.validate import positive_int, positive_number

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'ready'
                 CHECK (state IN ('ready', 'running', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after    REAL    NOT NULL,
    lease_until  REAL,
    worker       TEXT,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS jobs_claimable ON jobs (state, run_after);
CREATE TABLE IF NOT EXISTS attempts (
    job_id   INTEGER NOT NULL,
    attempt  INTEGER NOT NULL,
    worker   TEXT    NOT NULL,
    claimed  REAL    NOT NULL,
    finished REAL,
    outcome  TEXT,
    error    TEXT,
    PRIMARY KEY (job_id, attempt)
);
"""


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retrying after failed attempt number ``attempt`` (1, 2, …).

    Exponential: ``base``, ``2·base``, ``4·base``, … never more than ``cap``, so a job that
    keeps failing does not hammer whatever it depends on. (Real systems add random
    jitter too, so that many failed jobs do not all retry at the same instant.)
    """
    positive_int("attempt", attempt)
    positive_number("base", base)
    positive_number("cap", cap)
    return min(cap, base * 2 ** (attempt - 1))


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job: what to do, and which attempt (lease) this worker holds."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    worker: str


class JobQueue:
    """A durable queue in one SQLite file, safe to share between processes.

    ``lease_seconds`` is how long a claimed job stays invisible to other workers; a job
    longer than its lease would be run twice, so choose it well above the longest job
    (real queues also let a worker renew its lease while it works). ``max_attempts`` is
    the default attempt limit before a job is dead-lettered; ``backoff_base`` and
    ``backoff_cap`` shape the delay between retries (see :func:`backoff`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lease_seconds: float = 1.0,
        max_attempts: int = 3,
        backoff_base: float = 0.05,
        backoff_cap: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lease_seconds = positive_number("lease_seconds", lease_seconds)
        self.max_attempts = positive_int("max_attempts", max_attempts)
        self.backoff_base = positive_number("backoff_base", backoff_base)
        self.backoff_cap = positive_number("backoff_cap", backoff_cap)
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        self.clock = clock
        self.path = Path(path)
        # Autocommit mode: every transaction below is opened explicitly with BEGIN IMMEDIATE,
        # which takes the write lock at once, so a claim never races another claim.
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> JobQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def enqueue(
        self, kind: str, payload: dict[str, Any], *, max_attempts: int | None = None
    ) -> int:
        """Store a new job and return its id; it is claimable at once."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty str, got {kind!r}")
        if not isinstance(payload, dict):
            raise TypeError(f"payload must be a dict, got {type(payload).__name__}")
        limit = self.max_attempts if max_attempts is None else max_attempts
        positive_int("max_attempts", limit)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO jobs (kind, payload, max_attempts, run_after) VALUES (?, ?, ?, ?)",
                (kind, json.dumps(payload), limit, self.clock()),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def claim(self, worker: str) -> Job | None:
        """Lease the oldest claimable job to ``worker``, or return None if there is none.

        Claimable means ``ready`` and due (its backoff delay is over), or ``running`` with
        an expired lease: its worker died or is too slow, so the job goes to someone else.
        A job whose lease expires on its last attempt is dead-lettered instead.
        """
        with self._transaction() as db:
            # Read the clock only once the write lock is ours: a claim that waited for the
            # lock must not compare leases with (or start its own from) a stale time.
            now = self.clock()
            db.execute(
                "UPDATE jobs SET state = 'dead', lease_until = NULL,"
                " last_error = 'lease expired on the last attempt (worker lost)'"
                " WHERE state = 'running' AND lease_until <= ? AND attempts >= max_attempts",
                (now,),
            )
            row = db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1,"
                " lease_until = :now + :lease, worker = :worker"
                " WHERE id = (SELECT id FROM jobs"
                "   WHERE (state = 'ready' AND run_after <= :now)"
                "      OR (state = 'running' AND lease_until <= :now)"
                "   ORDER BY run_after, id LIMIT 1)"
                " RETURNING id, kind, payload, attempts, max_attempts",
                {"now": now, "lease": self.lease_seconds, "worker": worker},
            ).fetchone()
            if row is None:
                return None
            job_id, kind, payload, attempt, max_attempts = row
            db.execute(
                "INSERT INTO attempts (job_id, attempt, worker, claimed) VALUES (?, ?, ?, ?)",
                (job_id, attempt, worker, now),
            )
        return Job(job_id, kind, json.loads(payload), attempt, max_attempts, worker)

    def _still_holds(self, db: sqlite3.Connection, job: Job) -> bool:
        row = db.execute(
            "SELECT 1 FROM jobs WHERE id = ? AND state = 'running' AND attempts = ? AND worker = ?",
            (job.id, job.attempt, job.worker),
        ).fetchone()
        return row is not None

    def _record(self, db: sqlite3.Connection, job: Job, outcome: str, error: str | None) -> None:
        db.execute(
            "UPDATE attempts SET finished = ?, outcome = ?, error = ?"
            " WHERE job_id = ? AND attempt = ?",
            (self.clock(), outcome, error, job.id, job.attempt),
        )

    def ack(self, job: Job) -> bool:
        """Mark ``job`` done; False (and nothing changes) if its lease was lost meanwhile.

        The lease is identified by the attempt number: after a lease expires, the next
        claim increments it, so a slow worker's late ack cannot complete someone else's lease.
        """
        with self._transaction() as db:
            if not self._still_holds(db, job):
                self._record(db, job, "lease lost", None)
                return False
            db.execute(
                "UPDATE jobs SET state = 'done', lease_until = NULL, last_error = NULL"
                " WHERE id = ?",
                (job.id,),
            )
            self._record(db, job, "done", None)
        return True

    def fail(self, job: Job, error: str) -> str:
        """Report that ``job`` raised ``error``: retry it later, or dead-letter it.

        Returns the job's new state, ``'ready'`` (retry after :func:`backoff`) or ``'dead'``,
        or ``'lease lost'`` if this worker no longer held the job.
        """
        with self._transaction() as db:
            if not self._still_holds(db, job):
                self._record(db, job, "lease lost", error)
                return "lease lost"
            if job.attempt >= job.max_attempts:
                db.execute(
                    "UPDATE jobs SET state = 'dead', lease_until = NULL, last_error = ?"
                    " WHERE id = ?",
                    (error, job.id),
                )
                self._record(db, job, "dead", error)
                return "dead"
            delay = backoff(job.attempt, self.backoff_base, self.backoff_cap)
            db.execute(
                "UPDATE jobs SET state = 'ready', lease_until = NULL, run_after = ?,"
                " last_error = ? WHERE id = ?",
                (self.clock() + delay, error, job.id),
            )
            self._record(db, job, "retry", error)
            return "ready"

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state (every state listed, zeros included)."""
        found = dict(self._db.execute("SELECT state, count(*) FROM jobs GROUP BY state"))
        return {state: found.get(state, 0) for state in ("ready", "running", "done", "dead")}

    def unfinished(self) -> int:
        """Jobs still ``ready`` or ``running``: a worker may stop when this is zero."""
        (count,) = self._db.execute(
            "SELECT count(*) FROM jobs WHERE state IN ('ready', 'running')"
        ).fetchone()
        return count

    def attempts(self) -> list[dict[str, Any]]:
        """Every attempt ever made, in claim order: job, attempt, worker, times, outcome.

        An attempt whose ``outcome`` is None was never reported: its worker died holding it.
        """
        cursor = self._db.execute(
            "SELECT job_id, attempt, worker, claimed, finished, outcome, error"
            " FROM attempts ORDER BY claimed, job_id"
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def dead_letters(self) -> list[tuple[int, int, str]]:
        """The dead-lettered jobs: (id, attempts made, last error)."""
        return list(
            self._db.execute("SELECT id, attempts, last_error FROM jobs WHERE state = 'dead'")
        )


def attempt_spans(attempts: list[dict[str, Any]], killed_at: dict[str, float]) -> list[Span]:
    """Turn :meth:`JobQueue.attempts` into timeline spans, one bar per attempt.

    The label is the attempt's outcome; an attempt never reported is labelled ``killed``
    and ends when its worker was killed (``killed_at``: worker name → ``time.time()``, as
    :attr:`Fleet.killed_at` records it). Times are seconds since the first claim.
    """
    if not attempts:
        return []
    start = min(a["claimed"] for a in attempts)
    spans = []
    for a in attempts:
        if a["finished"] is not None:
            end, label = a["finished"], a["outcome"]
        elif a["worker"] in killed_at:
            end, label = killed_at[a["worker"]], "killed"
        else:
            continue  # still in progress: nothing to draw yet
        spans.append(Span(a["worker"], label, a["job_id"], a["claimed"] - start, end - start))
    # A timeline draws workers in the order their first span comes: sort by worker name,
    # numbers compared as numbers (w2 before w10), so the rows read w1, w2, w3, …
    return sorted(spans, key=lambda s: (_natural_key(s.worker), s.start))


def _natural_key(name: str) -> list[tuple[int, int, str]]:
    """Sort key for names like ``w10``: runs of digits compare as numbers."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", name)]


# --- the job the lesson runs -----------------------------------------------------------------


def send_receipt(job: Job) -> None:
    """The lesson's job: work a little, then record a sale twice, once unsafely, once safely.

    Payload keys: ``work`` (seconds of work before the side effects), ``ledger`` (a file the
    job *appends* a line to: not idempotent, a rerun adds a second line, like charging a
    card twice), ``receipts`` (a folder where the job writes ``receipt-<id>.txt`` by
    atomic rename: idempotent, a rerun rewrites the same file), ``gap`` (seconds between
    the side effects and the acknowledgement: the window in which a crash causes a rerun),
    and ``fail_first`` (the first N attempts raise, to show retries; a large N makes a job
    that always fails).
    """
    payload = job.payload
    time.sleep(payload.get("work", 0.0))
    if job.attempt <= payload.get("fail_first", 0):
        raise RuntimeError(f"job {job.id}: the payment service said no (attempt {job.attempt})")
    line = f"job {job.id} charged by {job.worker} on attempt {job.attempt}\n"
    if "ledger" in payload:
        with open(payload["ledger"], "a") as ledger:  # O_APPEND: one whole line per write
            ledger.write(line)
    if "receipts" in payload:
        folder = Path(payload["receipts"])
        partial = folder / f".receipt-{job.id}.{os.getpid()}.tmp"
        partial.write_text(f"receipt for job {job.id}\n")
        partial.replace(folder / f"receipt-{job.id}.txt")  # atomic: all or nothing
    time.sleep(payload.get("gap", 0.0))


HANDLERS: dict[str, Callable[[Job], None]] = {"send_receipt": send_receipt}


def run_worker(
    path: str | os.PathLike[str],
    name: str,
    *,
    lease_seconds: float = 1.0,
    backoff_base: float = 0.05,
    backoff_cap: float = 2.0,
    poll: float = 0.01,
    max_seconds: float = 60.0,
) -> int:
    """A worker's whole life: claim, run, ack or fail, until no job is left; return jobs run.

    It stops when no job is ready or running any more, when ``max_seconds`` have passed
    (a bound, so a forgotten worker cannot run forever), or after the job in hand when it
    receives SIGTERM (a graceful stop). This runs in its own process: see :class:`Fleet`.
    """
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = signal.signal(signal.SIGTERM, stop)
    deadline = time.monotonic() + max_seconds
    done = 0
    try:
        with JobQueue(
            path, lease_seconds=lease_seconds, backoff_base=backoff_base, backoff_cap=backoff_cap
        ) as queue:
            while not stopping and time.monotonic() < deadline:
                job = queue.claim(name)
                if job is None:
                    if queue.unfinished() == 0:
                        break
                    time.sleep(poll)
                    continue
                handler = HANDLERS.get(job.kind)
                try:
                    if handler is None:
                        raise LookupError(f"no handler for job kind {job.kind!r}")
                    handler(job)
                except Exception as error:  # any failure of the job is reported, never fatal
                    queue.fail(job, f"{type(error).__name__}: {error}")
                else:
                    queue.ack(job)
                done += 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return done


class Fleet:
    """Worker processes on one queue file, started and always stopped by a ``with`` block.

    >>> with Fleet(db, workers=3) as fleet:               # doctest: +SKIP
    ...     fleet.kill_mid_job(ledger, after_effect=True) # SIGKILL a worker inside a job
    ...     fleet.wait(timeout=20)                        # the others finish every job

    Each worker is ``python -m workerlab.jobqueue``, a real OS process. Leaving the block
    (also through an exception) sends SIGTERM to the workers still alive, then SIGKILL
    after ``grace`` seconds, and waits for every one of them.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        workers: int = 3,
        *,
        lease_seconds: float = 1.0,
        backoff_base: float = 0.05,
        backoff_cap: float = 2.0,
        max_seconds: float = 60.0,
        grace: float = 2.0,
    ) -> None:
        positive_int("workers", workers)
        self.path = Path(path)
        self.lease_seconds = positive_number("lease_seconds", lease_seconds)
        self.backoff_base = positive_number("backoff_base", backoff_base)
        self.backoff_cap = positive_number("backoff_cap", backoff_cap)
        self.max_seconds = positive_number("max_seconds", max_seconds)
        self.grace = positive_number("grace", grace)
        self.initial = workers
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.killed_at: dict[str, float] = {}
        self.killed_jobs: list[int] = []  # the jobs kill_mid_job hit, in order
        self._logs = self.path.parent / f"{self.path.stem}-worker-logs"

    def __enter__(self) -> Fleet:
        self._logs.mkdir(exist_ok=True)
        JobQueue(self.path).close()  # create the schema before the workers race to
        try:
            for _ in range(self.initial):
                self.start_worker()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start_worker(self) -> str:
        """Start one more worker process; return its name (``w1``, ``w2``, …)."""
        name = f"w{len(self.processes) + 1}"
        log = (self._logs / f"{name}.log").open("wb")
        with log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "workerlab.jobqueue", "worker", str(self.path), name,
                 "--lease", str(self.lease_seconds), "--backoff-base", str(self.backoff_base),
                 "--backoff-cap", str(self.backoff_cap), "--max-seconds", str(self.max_seconds)],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        return name

    def alive(self) -> list[str]:
        """Names of the workers still running."""
        return [name for name, p in self.processes.items() if p.poll() is None]

    def kill(self, name: str) -> None:
        """SIGKILL worker ``name``: no cleanup, no goodbye, exactly like a crash."""
        process = self.processes[name]
        process.kill()
        self.killed_at[name] = time.time()
        process.wait(timeout=5)

    def kill_mid_job(
        self, ledger: Path, *, after_effect: bool, after_done: int = 0, timeout: float = 10.0
    ) -> tuple[str, int]:
        """Wait until some worker is inside a job, SIGKILL it; return (worker, job id).

        ``ledger`` is the jobs' ledger file (see :func:`send_receipt`). With
        ``after_effect`` it waits for a job that has already written its ledger line but
        not yet been acknowledged (the job needs a ``gap``): the crash that makes
        at-least-once delivery run a job twice. Otherwise it kills during the work, before
        any side effect. It first waits for ``after_done`` jobs to be done, so the workers are
        in their stride. Raises ``TimeoutError`` if no such moment comes within ``timeout``.

        It never picks a job that an earlier kill already hit, so each kill tells its own
        story. To look without a race, it freezes each worker with SIGSTOP, reads the queue and the
        ledger, and then either kills the frozen worker or lets it go on with SIGCONT: a
        worker cannot finish its job between the look and the kill.
        """
        positive_int("after_done", after_done, minimum=0)
        positive_number("timeout", timeout)
        deadline = time.monotonic() + timeout
        with JobQueue(self.path) as queue:
            while time.monotonic() < deadline:
                if queue.counts()["done"] >= after_done:
                    for worker in self.alive():
                        job_id = self._kill_if(queue, worker, ledger, after_effect)
                        if job_id is not None:
                            return worker, job_id
                time.sleep(0.005)
        raise TimeoutError(f"no worker was inside a job within {timeout} s")

    def _kill_if(
        self, queue: JobQueue, worker: str, ledger: Path, after_effect: bool
    ) -> int | None:
        """Freeze ``worker``; kill it if it holds a job in the wanted phase, else resume it."""
        process = self.processes[worker]
        process.send_signal(signal.SIGSTOP)
        try:
            attempts = queue.attempts()
            holding = [a for a in attempts if a["worker"] == worker and a["outcome"] is None]
            if holding:
                job_id, attempt = holding[-1]["job_id"], holding[-1]["attempt"]
                effect_done = (job_id, attempt) in _ledger_entries(ledger)
                if job_id not in self.killed_jobs and effect_done == after_effect:
                    self.kill(worker)
                    self.killed_jobs.append(job_id)
                    return job_id
            return None
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)

    def wait(self, timeout: float, *, progress: bool = False) -> None:
        """Wait for every worker to finish (they stop when no job is left).

        With ``progress``, a ``tqdm.auto`` bar counts the jobs finished (done or dead).
        Raises ``TimeoutError`` if some are still running after ``timeout`` seconds, and
        ``RuntimeError`` with its log if a worker crashed by itself (not killed by us).
        """
        positive_number("timeout", timeout)
        deadline = time.monotonic() + timeout
        if progress:
            self._show_progress(deadline)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise TimeoutError(f"worker {name} still running after {timeout} s") from None
            if process.returncode != 0 and name not in self.killed_at:
                log = (self._logs / f"{name}.log").read_text()[-2000:]
                raise RuntimeError(f"worker {name} exited with {process.returncode}:\n{log}")

    def _show_progress(self, deadline: float) -> None:
        """A progress bar of finished jobs, until all are finished, no worker is left, or
        the deadline passes (then :meth:`wait` reports what is wrong)."""
        from workerlab.progress import progress_bar  # here: worker processes never need it

        with JobQueue(self.path) as queue:
            total = sum(queue.counts().values())
            with progress_bar(
                total=total, enabled=True, desc="jobs finished", leave=True, unit="job"
            ) as bar:
                while time.monotonic() < deadline:
                    counts = queue.counts()
                    bar.update(counts["done"] + counts["dead"] - bar.n)
                    if queue.unfinished() == 0 or not self.alive():
                        break
                    time.sleep(0.05)

    def stop(self) -> None:
        """Stop every worker still alive: SIGTERM, then SIGKILL after the grace period."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + self.grace
        for process in self.processes.values():
            _stop_process(process, signal.SIGTERM, max(0.0, deadline - time.monotonic()))


def _stop_process(process: subprocess.Popen[bytes], signum: int, grace: float) -> None:
    """Send ``signum`` to ``process`` if it is alive, wait ``grace`` s, then SIGKILL it."""
    if process.poll() is None:
        process.send_signal(signum)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _ledger_entries(ledger: Path) -> set[tuple[int, int]]:
    """(job id, attempt) of every line in the ledger that :func:`send_receipt` writes."""
    if not ledger.exists():
        return set()
    entries = set()
    for line in ledger.read_text().splitlines():
        words = line.split()
        if len(words) == 8:  # a line being written right now is skipped until complete
            entries.add((int(words[1]), int(words[7])))
    return entries


@dataclass(frozen=True, slots=True)
class Tally:
    """What happened to a batch of jobs after the workers stopped."""

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


def tally(queue: JobQueue, ledger: Path, receipts: Path) -> Tally:
    """Count outcomes: jobs by state, and the two side effects of :func:`send_receipt`.

    ``lost`` counts jobs neither done nor dead-lettered; ``duplicate_charges`` counts
    ledger lines beyond the first for each job (what a non-idempotent job did twice).
    """
    counts = queue.counts()
    lines = ledger.read_text().splitlines() if ledger.exists() else []
    charged_jobs = {line.split()[1] for line in lines}
    return Tally(
        enqueued=sum(counts.values()),
        done=counts["done"],
        dead=counts["dead"],
        lost=counts["ready"] + counts["running"],
        charges=len(lines),
        duplicate_charges=len(lines) - len(charged_jobs),
        receipts=len(list(receipts.glob("receipt-*.txt"))),
    )


# --- Huey: a real library on an embedded (SQLite) storage ----------------------------------


def square(n: int, seconds: float) -> int:
    """A Huey task: wait ``seconds`` (the work), return ``n²`` (the result Huey stores)."""
    time.sleep(seconds)
    return n * n


def flaky(key: str, folder: str, failures: int) -> int:
    """A Huey task that fails its first ``failures`` runs, then returns how many runs it took.

    Each run appends its start time to ``folder/key.runs``, a file that outlives the runs,
    so the lesson can show the delay Huey waited between them.
    """
    runs = Path(folder) / f"{key}.runs"
    with runs.open("a") as log:
        log.write(f"{time.time()}\n")
    count = len(runs.read_text().splitlines())
    if count <= failures:
        raise ConnectionError(f"{key}: the mail server did not answer (run {count})")
    return count


def slow_job(i: int, seconds: float, folder: str) -> int:
    """A Huey task that marks ``started-i`` and, ``seconds`` later, ``done-i`` in ``folder``."""
    (Path(folder) / f"started-{i}").touch()
    time.sleep(seconds)
    (Path(folder) / f"done-{i}").touch()
    return i


@dataclass(frozen=True)
class HueyApp:
    """A Huey instance on one SQLite file, with the lesson's three tasks registered."""

    huey: Any
    square: Any
    flaky: Any
    slow_job: Any


def huey_app(path: str | os.PathLike[str]) -> HueyApp:
    """Build the Huey application stored in ``path``; producer and consumer both call this.

    ``flaky`` retries twice, after 0.2 s then 0.4 s (``retry_backoff=2``). Huey's consumer
    looks at delayed tasks once a second, so each retry really starts up to 1 s later.
    """
    from huey import SqliteHuey  # imported here so the SQLite workers above start fast

    huey = SqliteHuey("workerlab", filename=str(path))
    return HueyApp(
        huey=huey,
        square=huey.task()(square),
        flaky=huey.task(retries=2, retry_delay=0.2, retry_backoff=2)(flaky),
        slow_job=huey.task()(slow_job),
    )


def run_huey_consumer(path: str | os.PathLike[str], workers: int) -> None:
    """Run Huey's own consumer (``huey.consumer.Consumer``) on ``path`` until signalled.

    SIGINT stops it gracefully (running tasks finish), SIGTERM at once (running tasks are
    interrupted), SIGKILL without a word. Threads as workers; polls every 20–100 ms.
    """
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    consumer = huey_app(path).huey.create_consumer(
        workers=workers, worker_type="thread", initial_delay=0.02, backoff=1.1, max_delay=0.1
    )
    consumer.run()


class HueyConsumer:
    """A Huey consumer process on ``path``, started by ``with`` and always stopped after it.

    Leaving the block stops it gracefully (SIGINT) if it is still running, and SIGKILLs
    it if it has not stopped after ``grace`` seconds. Its log goes to ``log``.
    """

    def __init__(
        self, path: str | os.PathLike[str], log: Path, *, workers: int = 2, grace: float = 5.0
    ) -> None:
        self.path = Path(path)
        self.log = Path(log)
        self.workers = positive_int("workers", workers)
        self.grace = positive_number("grace", grace)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> HueyConsumer:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workerlab.jobqueue", "huey", str(self.path),
                 "--workers", str(self.workers)],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            _stop_process(self.process, signal.SIGINT, self.grace)

    def stop_gracefully(self, timeout: float) -> int:
        """SIGINT: finish the running tasks, then exit; return the exit code."""
        assert self.process is not None, "start the consumer with `with` first"
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=positive_number("timeout", timeout))

    def kill(self) -> None:
        """SIGKILL the consumer, as a crash or the out-of-memory killer would."""
        assert self.process is not None, "start the consumer with `with` first"
        self.process.kill()
        self.process.wait(timeout=5)


def follow(result: Any, timeout: float) -> Iterator[str]:
    """Yield each outcome of a Huey task with retries, until it returns or gives up.

    Huey stores each failed run's exception as the task's result; ``get`` raises it as a
    ``TaskException``. ``reset`` forgets it, so the next ``get`` waits for the retry.
    Raises ``huey.exceptions.ResultTimeout`` if nothing new comes within ``timeout`` s.
    """
    from huey.exceptions import TaskException

    positive_number("timeout", timeout)
    while True:
        try:
            value = result.get(blocking=True, timeout=timeout)
        except TaskException as failed:
            yield f"failed: {failed.metadata['error']}"
            if failed.metadata.get("retries", 0) == 0:
                return  # no retry left: Huey gave up
            result.reset()
        else:
            yield f"returned {value!r}"
            return


def wait_for_files(folder: Path, pattern: str, count: int, timeout: float) -> list[Path]:
    """Wait until ``folder`` holds at least ``count`` files matching ``pattern``; return them.

    Raises ``TimeoutError`` after ``timeout`` seconds, so a demo never waits forever.
    """
    positive_number("timeout", timeout)
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(folder.glob(pattern))
        if len(found) >= count:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{len(found)} of {count} {pattern!r} files after {timeout} s")
        time.sleep(0.005)


# --- Dask distributed: an existing engine, here on one machine -----------------------------


def dask_job(i: int, seconds: float, folder: str) -> int:
    """A Dask task: mark ``start-i-<pid>`` in ``folder``, work ``seconds``, return ``i²``."""
    (Path(folder) / f"start-{i}-{os.getpid()}").touch()
    time.sleep(seconds)
    return i * i


@contextmanager
def local_cluster(workers: int = 2) -> Iterator[Any]:
    """A Dask ``Client`` on a local cluster of ``workers`` processes, one thread each.

    No dashboard (no port to open) and only error logs. The cluster and its worker
    processes are closed when the block ends, also when it ends with an exception.
    """
    import logging

    from distributed import Client, LocalCluster

    positive_int("workers", workers)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def kill_busy_dask_worker(folder: Path, timeout: float) -> tuple[int, int]:
    """SIGKILL the worker process that started a :func:`dask_job` first; return (pid, job).

    It waits (up to ``timeout`` seconds) for the first ``start-*`` marker, which names the
    job and the worker's process id.
    """
    [marker, *_] = wait_for_files(folder, "start-*", 1, timeout)
    _, job, pid = marker.name.split("-")
    os.kill(int(pid), signal.SIGKILL)
    return int(pid), int(job)


def dask_starts(folder: Path) -> Counter[int]:
    """How many times each :func:`dask_job` was started (a rerun counts twice)."""
    return Counter(int(p.name.split("-")[1]) for p in folder.glob("start-*"))


KILLS = ("none", "during the work", "after the effect")


def crash_run(
    workers: int, lease_seconds: float, kill: str, *, jobs: int = 12
) -> tuple[list[Span], Tally]:
    """The crash explorer's callback: ``jobs`` jobs on ``workers`` processes, maybe one kill.

    ``kill`` is one of :data:`KILLS`: no kill, a SIGKILL during a job's work (before its
    side effect), or after its ledger line but before its ack. A fresh worker replaces the
    killed one, as a supervisor would. Everything lives in a temporary folder removed before
    this returns. Returns the attempts as timeline spans, and the tally.
    """
    positive_int("workers", workers)
    positive_number("lease_seconds", lease_seconds)
    positive_int("jobs", jobs)
    if kill not in KILLS:
        raise ValueError(f"kill must be one of {KILLS}, got {kill!r}")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="workerlab-explorer-") as name:
        folder = Path(name)
        ledger, receipts = folder / "ledger.txt", folder / "receipts"
        receipts.mkdir()
        payload = {"work": 0.1, "gap": 0.15, "ledger": str(ledger), "receipts": str(receipts)}
        with JobQueue(folder / "jobs.db") as queue:
            for _ in range(jobs):
                queue.enqueue("send_receipt", payload, max_attempts=5)
            with Fleet(
                folder / "jobs.db", workers, lease_seconds=lease_seconds, max_seconds=30
            ) as fleet:
                if kill != "none":
                    fleet.kill_mid_job(ledger, after_effect=kill == KILLS[2], after_done=1)
                    fleet.start_worker()
                fleet.wait(timeout=30)
            return attempt_spans(queue.attempts(), fleet.killed_at), tally(queue, ledger, receipts)


def main(argv: list[str] | None = None) -> int:
    """Command line of a worker process.

    ``python -m workerlab.jobqueue worker DB NAME`` runs one SQLite-queue worker;
    ``python -m workerlab.jobqueue huey DB`` runs a Huey consumer.
    """
    parser = argparse.ArgumentParser(description="Run a workerlab.jobqueue worker process.")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="one worker of the SQLite lease queue")
    worker.add_argument("database", type=Path)
    worker.add_argument("name")
    worker.add_argument("--lease", type=float, default=1.0)
    worker.add_argument("--backoff-base", type=float, default=0.05)
    worker.add_argument("--backoff-cap", type=float, default=2.0)
    worker.add_argument("--max-seconds", type=float, default=60.0)
    huey = commands.add_parser("huey", help="a Huey consumer on a SqliteHuey file")
    huey.add_argument("database", type=Path)
    huey.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "worker":
        run_worker(args.database, args.name, lease_seconds=args.lease,
                   backoff_base=args.backoff_base, backoff_cap=args.backoff_cap,
                   max_seconds=args.max_seconds)
    else:
        run_huey_consumer(args.database, args.workers)
    return 0


if __name__ == "__main__":
    # Run main() from the imported module, not from __main__: Huey names each task after
    # its function's module, and the producer knows them as workerlab.jobqueue.*.
    from workerlab.jobqueue import main as imported_main

    sys.exit(imported_main())
