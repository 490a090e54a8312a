"""The SQLite lease queue of lesson 07: semantics with a fake clock, then real killed processes."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from workerlab import jobqueue as jq
from workerlab import leak


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """conftest's leak check, except Dask's offload thread, which by design lives as long as
    the process once a Dask client has run (lesson 07 tells the learner the same)."""
    with leak.no_leaked_threads(grace=2.0, ignore=lambda t: t.name.startswith("Dask-Offload")):
        yield


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
    with jq.JobQueue(tmp_path / "q.db", lease_seconds=1.0, max_attempts=3, clock=clock) as q:
        yield q


def test_backoff_doubles_up_to_the_cap():
    assert [jq.backoff(n, 0.1, 0.5) for n in (1, 2, 3, 4, 5)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.5, 0.5]
    )
    with pytest.raises(ValueError, match="attempt"):
        jq.backoff(0, 0.1, 1.0)
    with pytest.raises(ValueError, match="cap"):
        jq.backoff(1, 0.1, 0)


def test_arguments_are_checked_before_the_database_is_touched(tmp_path):
    with pytest.raises(ValueError, match="lease_seconds"):
        jq.JobQueue(tmp_path / "q.db", lease_seconds=0)
    assert not (tmp_path / "q.db").exists()
    with pytest.raises(ValueError, match="workers"):
        jq.Fleet(tmp_path / "q.db", workers=0)


def test_enqueue_claim_ack(queue):
    job_id = queue.enqueue("send_receipt", {"work": 0})
    job = queue.claim("a")
    assert (job.id, job.attempt, job.worker, job.payload) == (job_id, 1, "a", {"work": 0})
    assert queue.claim("b") is None, "a leased job is invisible to other workers"
    assert queue.ack(job) is True
    assert queue.counts() == {"ready": 0, "running": 0, "done": 1, "dead": 0}
    assert queue.unfinished() == 0


def test_an_expired_lease_returns_the_job_and_the_late_ack_is_refused(queue, clock):
    queue.enqueue("send_receipt", {})
    slow = queue.claim("slow")
    clock.now += 1.01  # the lease (1 s) ran out: the slow worker is presumed dead
    fast = queue.claim("fast")
    assert fast is not None and fast.id == slow.id and fast.attempt == 2
    assert queue.ack(slow) is False, "a lost lease must not complete the job"
    assert queue.ack(fast) is True
    outcomes = [(a["worker"], a["outcome"]) for a in queue.attempts()]
    assert outcomes == [("slow", "lease lost"), ("fast", "done")]


def test_failures_retry_after_exponential_backoff_then_dead_letter(queue, clock):
    queue.enqueue("send_receipt", {})
    delays = []
    for attempt in (1, 2):
        job = queue.claim("w")
        assert job.attempt == attempt
        assert queue.fail(job, "boom") == "ready"
        assert queue.claim("w") is None, "not due before its backoff delay"
        due = jq.backoff(attempt, queue.backoff_base, queue.backoff_cap)
        delays.append(due)
        clock.now += due + 1e-6
    assert delays == pytest.approx([0.05, 0.1])
    job = queue.claim("w")
    assert queue.fail(job, "boom") == "dead"
    assert queue.dead_letters() == [(job.id, 3, "boom")]
    assert queue.claim("w") is None


def test_a_lease_expiring_on_the_last_attempt_dead_letters(queue, clock):
    queue.enqueue("send_receipt", {}, max_attempts=1)
    queue.claim("crashes")
    clock.now += 2
    assert queue.claim("other") is None
    [(_, attempts, error)] = queue.dead_letters()
    assert attempts == 1 and "lease expired" in error


def test_attempt_spans_label_outcomes_and_kills(queue, clock):
    queue.enqueue("send_receipt", {})
    queue.enqueue("send_receipt", {})
    first = queue.claim("a")
    queue.claim("b")
    clock.now += 0.5
    queue.ack(first)
    spans = jq.attempt_spans(queue.attempts(), {"b": clock.now + 0.25})
    assert [(s.worker, s.label, s.start, s.end) for s in spans] == [
        ("a", "done", 0.0, 0.5),
        ("b", "killed", 0.0, 0.75),
    ]


def test_attempt_spans_list_workers_in_name_order_for_the_timeline_rows():
    attempts = [
        {"job_id": j, "attempt": 1, "worker": w, "claimed": t, "finished": t + 1, "outcome": "done"}
        for j, (w, t) in enumerate([("w3", 0.0), ("w10", 0.1), ("w2", 0.2), ("w3", 0.3)])
    ]
    spans = jq.attempt_spans(attempts, {})
    assert [(s.worker, s.job) for s in spans] == [("w2", 2), ("w3", 0), ("w3", 3), ("w10", 1)]


def test_concurrent_claims_never_hand_out_a_job_twice(tmp_path):
    path = tmp_path / "q.db"
    with jq.JobQueue(path, lease_seconds=60) as q:
        for i in range(60):
            q.enqueue("send_receipt", {"i": i})
    claimed: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        try:
            with jq.JobQueue(path, lease_seconds=60) as q:
                while (job := q.claim(name)) is not None:
                    acked = q.ack(job)
                    with lock:
                        (claimed if acked else refused).append(job.id)
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
    import sqlite3

    locked = threading.Event()

    def other_writer() -> None:
        blocker = sqlite3.connect(tmp_path / "q.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock…
        locked.set()
        time.sleep(0.3)  # …while the claim below waits for it
        clock.now += 5.0
        blocker.execute("COMMIT")
        blocker.close()

    with jq.JobQueue(tmp_path / "q.db", lease_seconds=1.0, clock=clock) as q:
        q.enqueue("send_receipt", {})
        writer = threading.Thread(target=other_writer)
        writer.start()
        assert locked.wait(timeout=10)
        job = q.claim("w")
        writer.join(timeout=10)
        assert job is not None and not writer.is_alive()
        [attempt] = q.attempts()
        (lease_until,) = q._db.execute("SELECT lease_until FROM jobs").fetchone()
    assert attempt["claimed"] == clock.now and lease_until == clock.now + 1.0


def test_run_worker_runs_jobs_in_process_and_restores_sigterm(tmp_path):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    path, receipts = tmp_path / "q.db", tmp_path / "receipts"
    receipts.mkdir()
    with jq.JobQueue(path) as q:
        for _ in range(3):
            q.enqueue("send_receipt", {"receipts": str(receipts)})
        q.enqueue("no_such_kind", {}, max_attempts=1)
    assert jq.run_worker(path, "solo", max_seconds=10) == 4
    assert signal.getsignal(signal.SIGTERM) is before
    with jq.JobQueue(path) as q:
        assert q.counts() == {"ready": 0, "running": 0, "done": 3, "dead": 1}
        assert "no handler" in q.dead_letters()[0][2]


def batch(
    folder: Path, jobs: int, *, max_attempts: int = 25, **payload: float
) -> tuple[Path, Path, Path]:
    """A queue of ``jobs`` send_receipt jobs in ``folder``; returns (db, ledger, receipts)."""
    path, ledger, receipts = folder / "q.db", folder / "ledger.txt", folder / "receipts"
    receipts.mkdir()
    with jq.JobQueue(path) as q:
        for _ in range(jobs):
            q.enqueue(
                "send_receipt",
                {"ledger": str(ledger), "receipts": str(receipts), **payload},
                max_attempts=max_attempts,
            )
    return path, ledger, receipts


@pytest.mark.parametrize("seed", [7, 11])
def test_random_sigkills_lose_no_job(tmp_path, seed):
    """Workers SIGKILLed at random moments: every job still ends done, none twice-acked."""
    rng = random.Random(seed)
    path, ledger, receipts = batch(tmp_path, 60, work=0.05, gap=0.01)
    with jq.Fleet(path, workers=3, lease_seconds=0.3, max_seconds=40) as fleet:
        time.sleep(0.3)  # let the workers start and get going
        for _ in range(8):
            time.sleep(rng.uniform(0.02, 0.12))
            alive = fleet.alive()
            if alive:
                fleet.kill(rng.choice(alive))
            fleet.start_worker()  # a supervisor would restart it
        fleet.wait(timeout=40)
    assert len(fleet.killed_at) >= 3
    with jq.JobQueue(path) as q:
        result = jq.tally(q, ledger, receipts)
        completions = Counter(a["job_id"] for a in q.attempts() if a["outcome"] == "done")
        mid_job = sum(a["outcome"] is None for a in q.attempts())
    print(f"{len(fleet.killed_at)} SIGKILLs, {mid_job} mid-job: {result}")  # shown with -s
    assert result.lost == 0 and result.done + result.dead == 60, result
    assert result.receipts == result.done, "the idempotent receipts match the done jobs exactly"
    assert result.charges >= result.done
    assert all(n == 1 for n in completions.values()), "a lease was completed twice"
    assert len(completions) == result.done


def test_jobs_longer_than_their_lease_are_never_completed_twice(tmp_path):
    """Workers steal each other's expired leases mid-run; still no job is completed twice.

    (A worker whose lease expired may still ack if nobody claimed the job meanwhile: the
    lease only matters once another worker holds the job.)
    """
    path, _, _ = batch(tmp_path, 4, work=0.3, max_attempts=3)
    with jq.Fleet(path, workers=3, lease_seconds=0.1, max_seconds=20) as fleet:
        fleet.wait(timeout=20)
    with jq.JobQueue(path) as q:
        attempts = q.attempts()
        counts = q.counts()
    completions = Counter(a["job_id"] for a in attempts if a["outcome"] == "done")
    assert counts["done"] + counts["dead"] == 4 and counts["done"] == len(completions), counts
    assert all(n == 1 for n in completions.values()), completions
    assert len(attempts) > 4, "leases expired and jobs were claimed again"


def test_an_always_failing_job_is_dead_lettered_after_its_limit(tmp_path):
    path, ledger, receipts = batch(tmp_path, 1, fail_first=99, max_attempts=4)
    with jq.Fleet(path, workers=2, backoff_base=0.1, backoff_cap=0.25, max_seconds=20) as fleet:
        fleet.wait(timeout=20)
    with jq.JobQueue(path) as q:
        attempts = q.attempts()
        assert [a["outcome"] for a in attempts] == ["retry", "retry", "retry", "dead"]
        assert q.counts()["dead"] == 1
    waits = [b["claimed"] - a["finished"] for a, b in itertools.pairwise(attempts)]
    assert all(w >= want - 0.01 for w, want in zip(waits, [0.1, 0.2, 0.25], strict=True)), waits
    assert not ledger.exists() and not list(receipts.iterdir())


def test_kill_mid_job_after_the_effect_makes_a_duplicate_that_receipts_absorb(tmp_path):
    path, ledger, receipts = batch(tmp_path, 6, work=0.02, gap=0.3)
    with jq.Fleet(path, workers=2, lease_seconds=0.5, max_seconds=20) as fleet:
        worker, job_id = fleet.kill_mid_job(ledger, after_effect=True, timeout=10)
        fleet.wait(timeout=20)
    with jq.JobQueue(path) as q:
        result = jq.tally(q, ledger, receipts)
        spans = jq.attempt_spans(q.attempts(), fleet.killed_at)
    assert (result.done, result.lost, result.receipts) == (6, 0, 6)
    assert result.duplicate_charges == 1
    assert [(s.worker, s.job) for s in spans if s.label == "killed"] == [(worker, job_id)]


def test_the_fleet_stops_its_workers_when_the_block_fails(tmp_path):
    path, _, _ = batch(tmp_path, 50, work=0.2)
    with pytest.raises(RuntimeError, match="cell failed"), jq.Fleet(path, workers=2) as fleet:
        raise RuntimeError("cell failed")
    assert fleet.alive() == []
    assert all(p.returncode is not None for p in fleet.processes.values())


def test_huey_runs_tasks_stops_gracefully_and_a_kill_loses_the_running_ones(tmp_path):
    app = jq.huey_app(tmp_path / "huey.db")
    with jq.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", workers=2) as consumer:
        assert app.square(7, 0).get(blocking=True, timeout=20) == 49
        assert consumer.stop_gracefully(timeout=20) == 0
    for i in range(2):
        app.slow_job(i, 5.0, str(tmp_path))
    with jq.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", workers=2) as consumer:
        jq.wait_for_files(tmp_path, "started-*", 2, timeout=20)
        consumer.kill()
    assert consumer.process.returncode == -9
    assert app.huey.pending_count() == 0, "Huey removed the tasks when it took them"
    assert not list(tmp_path.glob("done-*")), "and nothing finished them"


def test_huey_follow_reports_each_retry(tmp_path):
    app = jq.huey_app(tmp_path / "huey.db")
    with jq.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", workers=1):
        outcomes = list(jq.follow(app.flaky("k", str(tmp_path), 1), timeout=20))
    assert outcomes[0].startswith("failed: ConnectionError") and outcomes[1] == "returned 2"


def test_a_consumer_stuck_in_a_task_is_killed_after_the_grace_period(tmp_path):
    app = jq.huey_app(tmp_path / "huey.db")
    app.slow_job(0, 30.0, str(tmp_path))
    with jq.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", grace=0.5) as consumer:
        jq.wait_for_files(tmp_path, "started-*", 1, timeout=20)
    assert consumer.process.returncode == -9, "SIGINT waited for the task, so SIGKILL ended it"


def test_dask_reruns_the_task_of_a_killed_worker_and_leaves_no_process():
    import multiprocessing
    import tempfile

    with tempfile.TemporaryDirectory() as name, jq.local_cluster(workers=2) as client:
        futures = client.map(jq.dask_job, range(4), seconds=0.3, folder=name, pure=False)
        _, job = jq.kill_busy_dask_worker(Path(name), timeout=30)
        assert client.gather(futures) == [0, 1, 4, 9]
        assert jq.dask_starts(Path(name))[job] >= 2
    assert multiprocessing.active_children() == []


def test_wait_for_files_is_bounded(tmp_path):
    with pytest.raises(TimeoutError, match="0 of 1"):
        jq.wait_for_files(tmp_path, "never-*", 1, timeout=0.05)


def test_crash_run_kills_after_the_effect_and_counts_the_duplicate():
    spans, result = jq.crash_run(2, 0.3, "after the effect", jobs=4)
    assert (result.done, result.lost, result.duplicate_charges, result.receipts) == (4, 0, 1, 4)
    assert [s.label for s in spans].count("killed") == 1
    with pytest.raises(ValueError, match="kill must be one of"):
        jq.crash_run(2, 0.3, "sometimes")


def test_crash_explorer_runs_when_pressed():
    from workerlab.lab.widgets import crash_explorer

    box = crash_explorer()
    sliders, kill, button, summary, _output = box.children
    workers, _lease = sliders.children
    assert summary.value.startswith("Press Run")
    workers.value, kill.value = 4, "none"
    button.click()
    assert summary.value.startswith("12 jobs: 12 done") and "0 lost" in summary.value
    assert not button.disabled
