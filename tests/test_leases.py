"""Lesson 07's core, the SQLite lease queue: its semantics, exact under a clock moved by hand."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from workerlab.leases import Claim, JobQueue, backoff


class FakeClock:
    """A clock the test moves by hand, so lease expiry and backoff are exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(tmp_path: Path, clock: FakeClock):
    with closing(JobQueue(tmp_path / "q.db", lease_seconds=1.0, clock=clock)) as q:
        yield q


def states(path: Path) -> list[tuple[int, str, int, str | None]]:
    """The jobs table, read with plain SQL as the notebook does: (id, state, attempts, worker)."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT id, state, attempts, worker FROM jobs ORDER BY id").fetchall()


def test_backoff_doubles_up_to_the_cap():
    assert [backoff(n, 0.1, 0.5) for n in (1, 2, 3, 4, 5)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.5, 0.5]
    )
    with pytest.raises(ValueError, match="attempt"):
        backoff(0, 0.1, 1.0)
    with pytest.raises(ValueError, match="cap"):
        backoff(1, 0.1, 0)


def test_arguments_are_checked_before_the_database_is_touched(tmp_path):
    with pytest.raises(ValueError, match="lease_seconds"):
        JobQueue(tmp_path / "q.db", lease_seconds=0)
    with pytest.raises(TypeError, match="clock"):
        JobQueue(tmp_path / "q.db", clock=1000.0)
    assert not (tmp_path / "q.db").exists()


def test_enqueue_claim_ack(queue, tmp_path):
    job_id = queue.enqueue("send_receipt", {"work": 0})
    claim = queue.claim("a")
    assert claim == Claim(job_id, "send_receipt", {"work": 0}, 1, "a")
    assert queue.claim("b") is None, "a leased job is invisible to other workers"
    assert queue.ack(claim) is True
    assert states(tmp_path / "q.db") == [(job_id, "done", 1, "a")]
    with pytest.raises(ValueError, match="max_attempts"):
        queue.enqueue("send_receipt", {}, max_attempts=0)
    with pytest.raises(TypeError, match="JSON"):
        queue.enqueue("send_receipt", {"when": object()})


def test_an_expired_lease_returns_the_job_and_the_late_ack_is_refused(queue, clock, tmp_path):
    queue.enqueue("send_receipt", {})
    slow = queue.claim("slow")
    clock.now += 0.99
    assert queue.claim("fast") is None, "the lease still runs"
    clock.now += 0.02  # the lease (1 s) ran out: the slow worker is presumed dead
    fast = queue.claim("fast")
    assert fast is not None and fast.id == slow.id and fast.attempt == 2
    assert queue.ack(slow) is False, "a lost lease must not complete the job"
    assert queue.fail(slow, "late") == "lease lost", "nor fail it"
    assert queue.ack(fast) is True
    assert states(tmp_path / "q.db") == [(1, "done", 2, "fast")]


def test_an_expired_lease_nobody_claimed_still_acks(queue, clock):
    """The lease only makes the job claimable: until someone claims it, it is still ours."""
    queue.enqueue("send_receipt", {})
    slow = queue.claim("slow")
    clock.now += 5
    assert queue.ack(slow) is True


def test_failures_retry_after_exponential_backoff_then_dead_letter(queue, clock, tmp_path):
    queue.enqueue("send_receipt", {}, max_attempts=3)
    delays = []
    for attempt in (1, 2):
        claim = queue.claim("w")
        assert claim.attempt == attempt
        assert queue.fail(claim, "boom") == "ready"
        due = backoff(attempt, queue.backoff_base, queue.backoff_cap)
        clock.now += due * 0.99
        assert queue.claim("w") is None, "not due before its backoff delay"
        clock.now += due * 0.02
        delays.append(due)
    assert delays == pytest.approx([0.05, 0.1])
    claim = queue.claim("w")
    assert queue.fail(claim, "boom") == "dead"
    assert queue.claim("w") is None
    with closing(sqlite3.connect(tmp_path / "q.db")) as db:
        assert db.execute("SELECT state, attempts, last_error FROM jobs").fetchall() == [
            ("dead", 3, "boom")
        ]


def test_a_lease_expiring_on_the_last_attempt_dead_letters(queue, clock, tmp_path):
    queue.enqueue("send_receipt", {}, max_attempts=1)
    queue.claim("crashes")
    clock.now += 2
    assert queue.claim("other") is None
    with closing(sqlite3.connect(tmp_path / "q.db")) as db:
        [(state, error)] = db.execute("SELECT state, last_error FROM jobs").fetchall()
    assert state == "dead" and "lease expired" in error


def test_claims_take_the_oldest_due_job_first(queue, clock):
    first = queue.enqueue("send_receipt", {"n": 1})
    clock.now += 0.1
    second = queue.enqueue("send_receipt", {"n": 2})
    assert [queue.claim("a").id, queue.claim("b").id] == [first, second]


def test_concurrent_claims_never_hand_out_a_job_twice(tmp_path):
    path = tmp_path / "q.db"
    with closing(JobQueue(path, lease_seconds=60)) as q:
        for i in range(60):
            q.enqueue("send_receipt", {"i": i})
    claimed: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        try:
            with closing(JobQueue(path, lease_seconds=60)) as q:  # one connection per thread
                while (claim := q.claim(name)) is not None:
                    acked = q.ack(claim)
                    with lock:
                        (claimed if acked else refused).append(claim.id)
        except BaseException as error:  # a thread's exception would not fail the test
            errors.append(error)

    threads = [threading.Thread(target=claimer, args=(f"t{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads) and errors == [] and refused == []
    assert sorted(claimed) == list(range(1, 61))


def test_a_claim_that_waited_for_the_lock_leases_from_the_time_it_got_it(tmp_path, clock):
    """The clock is read inside the write transaction, not before waiting for it."""
    locked = threading.Event()

    def other_writer() -> None:
        blocker = sqlite3.connect(tmp_path / "q.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock…
        locked.set()
        time.sleep(0.3)  # …while the claim below waits for it
        clock.now += 5.0
        blocker.execute("COMMIT")
        blocker.close()

    with closing(JobQueue(tmp_path / "q.db", lease_seconds=1.0, clock=clock)) as q:
        q.enqueue("send_receipt", {})
        writer = threading.Thread(target=other_writer)
        writer.start()
        assert locked.wait(timeout=10)
        claim = q.claim("w")
        writer.join(timeout=10)
    assert claim is not None and not writer.is_alive()
    with closing(sqlite3.connect(tmp_path / "q.db")) as db:
        (lease_until,) = db.execute("SELECT lease_until FROM jobs").fetchone()
    assert lease_until == clock.now + 1.0


def test_a_failed_claim_rolls_back_and_the_queue_stays_usable(queue, monkeypatch):
    queue.enqueue("send_receipt", {})

    def broken_clock() -> float:
        raise RuntimeError("clock broke")

    monkeypatch.setattr(queue, "clock", broken_clock)
    with pytest.raises(RuntimeError, match="clock broke"):
        queue.claim("w")
    monkeypatch.undo()
    assert queue.claim("w") is not None, "the write lock was released"
