"""Lesson 07's lab: real worker processes killed mid-job, Huey, Dask, and the crash explorer."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing

import pytest

from workerlab import leak
from workerlab.lab import crash, dask_demo, fleet, huey_demo, plots, queuelog, receipts
from workerlab.lab.processes import wait_for_files
from workerlab.leases import JobQueue
from workerlab.trace import Span


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """conftest's leak check, except Dask's offload thread, which by design lives as long as
    the process once a Dask client has run (lesson 07 tells the learner the same)."""
    with leak.no_leaked_threads(grace=2.0, ignore=lambda t: t.name.startswith("Dask-Offload")):
        yield


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the record of attempts, attached from outside the core --------------------------------


def test_the_recorded_queue_logs_every_attempt_and_its_outcome(tmp_path):
    clock = FakeClock()
    path = tmp_path / "q.db"
    with closing(queuelog.RecordedQueue(path, lease_seconds=1.0, clock=clock)) as q:
        q.enqueue("send_receipt", {}, max_attempts=2)
        q.enqueue("send_receipt", {}, max_attempts=2)
        slow = q.claim("slow")
        clock.now += 1.5
        fast = q.claim("fast")  # slow's lease expired: fast takes job 1
        other = q.claim("other")
        clock.now += 0.25
        assert q.ack(slow) is False and q.ack(fast) is True
        assert q.fail(other, "boom") == "ready"
        clock.now += 1
        assert q.fail(q.claim("other"), "boom again") == "dead"
    outcomes = [
        (a["job_id"], a["attempt"], a["worker"], a["outcome"]) for a in queuelog.attempts(path)
    ]
    assert outcomes == [
        (1, 1, "slow", "lease lost"),
        (1, 2, "fast", "done"),
        (2, 1, "other", "retry"),
        (2, 2, "other", "dead"),
    ]
    [first] = [a for a in queuelog.attempts(path) if a["worker"] == "fast"]
    assert (first["claimed"], first["finished"]) == (1001.5, 1001.75)
    assert queuelog.counts(path) == {"ready": 0, "running": 0, "done": 1, "dead": 1}
    assert queuelog.dead_letters(path) == [(2, 2, "boom again")]


def test_attempts_of_a_queue_no_worker_ran_on_is_empty(tmp_path):
    with closing(JobQueue(tmp_path / "q.db")) as q:
        q.enqueue("send_receipt", {})
    assert queuelog.attempts(tmp_path / "q.db") == []


def test_attempt_spans_label_outcomes_and_kills():
    recorded = [
        {
            "job_id": 1,
            "attempt": 1,
            "worker": "a",
            "claimed": 10.0,
            "finished": 10.5,
            "outcome": "done",
            "error": None,
        },
        {
            "job_id": 2,
            "attempt": 1,
            "worker": "b",
            "claimed": 10.0,
            "finished": None,
            "outcome": None,
            "error": None,
        },
        {
            "job_id": 3,
            "attempt": 1,
            "worker": "c",
            "claimed": 10.2,
            "finished": None,
            "outcome": None,
            "error": None,
        },
    ]
    spans = crash.attempt_spans(recorded, {"b": 10.75})
    assert [(s.worker, s.label, s.start, s.end) for s in spans] == [
        ("a", "done", 0.0, 0.5),
        ("b", "killed", 0.0, 0.75),
    ], "c is still working: nothing to draw yet"


def test_attempt_spans_list_workers_in_name_order_for_the_timeline_rows():
    recorded = [
        {"job_id": j, "attempt": 1, "worker": w, "claimed": t, "finished": t + 1, "outcome": "done"}
        for j, (w, t) in enumerate([("w3", 0.0), ("w10", 0.1), ("w2", 0.2), ("w3", 0.3)])
    ]
    spans = crash.attempt_spans(recorded, {})
    assert [(s.worker, s.job) for s in spans] == [("w2", 2), ("w3", 0), ("w3", 3), ("w10", 1)]


# --- the job and its batch -------------------------------------------------------------------


def test_a_batch_needs_a_fresh_folder(tmp_path):
    batch = receipts.receipt_batch(tmp_path, 3, work=0.0)
    assert queuelog.counts(batch.db)["ready"] == 3 and batch.receipts.is_dir()
    with pytest.raises(ValueError, match="fresh folder"):
        receipts.receipt_batch(tmp_path, 3)
    with pytest.raises(ValueError, match="jobs"):
        receipts.receipt_batch(tmp_path / "x", 0)


def test_run_worker_runs_jobs_in_process_and_restores_sigterm(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    batch = receipts.receipt_batch(tmp_path, 3)
    with closing(JobQueue(batch.db)) as q:
        q.enqueue("no_such_kind", {}, max_attempts=1)
    assert fleet.run_worker(batch.db, "solo", max_seconds=10) == 4
    assert signal.getsignal(signal.SIGTERM) is before
    result = receipts.tally(batch)
    assert (result.done, result.dead, result.charges, result.receipts) == (3, 1, 3, 3)
    assert "no handler" in queuelog.dead_letters(batch.db)[0][2]
    assert sorted(p.name for p in batch.receipts.iterdir()) == [
        "receipt-1.txt",
        "receipt-2.txt",
        "receipt-3.txt",
    ], "the receipts were renamed into place: no temporary file is left"


# --- real processes, really killed ---------------------------------------------------------


def test_fleet_arguments_are_checked_before_any_process_starts(tmp_path):
    with pytest.raises(ValueError, match="workers"):
        fleet.Fleet(tmp_path / "q.db", workers=0)
    with pytest.raises(ValueError, match="lease_seconds"):
        fleet.Fleet(tmp_path / "q.db", lease_seconds=-1)


@pytest.mark.parametrize("seed", [7, 11])
def test_random_sigkills_lose_no_job(tmp_path, seed):
    """Workers SIGKILLed at random moments: every job still ends done, none twice-acked."""
    rng = random.Random(seed)
    batch = receipts.receipt_batch(tmp_path, 60, work=0.05, gap=0.01, max_attempts=25)
    with fleet.Fleet(batch.db, workers=3, lease_seconds=0.3, max_seconds=40) as crew:
        time.sleep(0.3)  # let the workers start and get going
        for _ in range(8):
            time.sleep(rng.uniform(0.02, 0.12))
            alive = crew.alive()
            if alive:
                crew.kill(rng.choice(alive))
            crew.start_worker()  # a supervisor would restart it
        crew.wait(timeout=40)
    assert len(crew.killed_at) >= 3
    result = receipts.tally(batch)
    recorded = queuelog.attempts(batch.db)
    completions = Counter(a["job_id"] for a in recorded if a["outcome"] == "done")
    mid_job = sum(a["outcome"] is None for a in recorded)
    print(f"{len(crew.killed_at)} SIGKILLs, {mid_job} mid-job: {result}")  # shown with -s
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
    batch = receipts.receipt_batch(tmp_path, 4, work=0.3, max_attempts=3)
    with fleet.Fleet(batch.db, workers=3, lease_seconds=0.1, max_seconds=20) as crew:
        crew.wait(timeout=20)
    recorded = queuelog.attempts(batch.db)
    states = queuelog.counts(batch.db)
    completions = Counter(a["job_id"] for a in recorded if a["outcome"] == "done")
    assert states["done"] + states["dead"] == 4 and states["done"] == len(completions), states
    assert all(n == 1 for n in completions.values()), completions
    assert len(recorded) > 4, "leases expired and jobs were claimed again"


def test_an_always_failing_job_is_dead_lettered_after_its_limit(tmp_path):
    batch = receipts.receipt_batch(tmp_path, 1, fail_first=99, max_attempts=4)
    with fleet.Fleet(batch.db, workers=2, backoff_base=0.1, backoff_cap=0.25, max_seconds=20) as c:
        c.wait(timeout=20)
    recorded = queuelog.attempts(batch.db)
    assert [a["outcome"] for a in recorded] == ["retry", "retry", "retry", "dead"]
    assert queuelog.counts(batch.db)["dead"] == 1
    waits = [b["claimed"] - a["finished"] for a, b in itertools.pairwise(recorded)]
    assert all(w >= want for w, want in zip(waits, [0.1, 0.2, 0.25], strict=True)), waits
    assert not batch.ledger.exists() and not list(batch.receipts.iterdir())


def test_kill_mid_job_after_the_effect_makes_a_duplicate_that_receipts_absorb(tmp_path):
    batch = receipts.receipt_batch(tmp_path, 6, work=0.02, gap=0.3)
    with fleet.Fleet(batch.db, workers=2, lease_seconds=0.5, max_seconds=20) as crew:
        worker, job_id = crew.kill_mid_job(batch.ledger, after_effect=True, timeout=10)
        crew.wait(timeout=20)
    result = receipts.tally(batch)
    spans = crash.attempt_spans(queuelog.attempts(batch.db), crew.killed_at)
    assert (result.done, result.lost, result.receipts) == (6, 0, 6)
    assert result.duplicate_charges == 1
    assert [(s.worker, s.job) for s in spans if s.label == "killed"] == [(worker, job_id)]


def test_kill_mid_job_during_the_work_leaves_no_duplicate(tmp_path):
    batch = receipts.receipt_batch(tmp_path, 6, work=0.3, gap=0.02)
    with fleet.Fleet(batch.db, workers=2, lease_seconds=0.5, max_seconds=20) as crew:
        worker, job_id = crew.kill_mid_job(batch.ledger, after_effect=False, timeout=10)
        crew.wait(timeout=20)
    result = receipts.tally(batch)
    assert (result.done, result.lost, result.duplicate_charges) == (6, 0, 0)
    spans = crash.attempt_spans(queuelog.attempts(batch.db), crew.killed_at)
    assert [(s.worker, s.job) for s in spans if s.label == "killed"] == [(worker, job_id)]


def test_a_fleet_on_a_finished_queue_kills_nobody_and_says_why(tmp_path):
    """Issue 12: re-running the kill demo on a finished queue used to kill an idle worker and
    report an earlier run's job as if it had just been hit."""
    batch = receipts.receipt_batch(tmp_path, 3, work=0.02, gap=0.2)
    with fleet.Fleet(batch.db, workers=2, lease_seconds=0.5, max_seconds=20) as crew:
        first = crew.kill_mid_job(batch.ledger, after_effect=True, timeout=10)
        crew.wait(timeout=20)
    assert first[1] in {1, 2, 3}
    with fleet.Fleet(batch.db, workers=2, lease_seconds=0.5, max_seconds=20) as again:
        with pytest.raises(RuntimeError, match="no job left to kill"):
            again.kill_mid_job(batch.ledger, after_effect=True, timeout=10)
        again.wait(timeout=20)
    assert again.killed_at == {} and again.killed_jobs == []


def test_the_fleet_stops_its_workers_when_the_block_fails(tmp_path):
    batch = receipts.receipt_batch(tmp_path, 50, work=0.2)
    with pytest.raises(RuntimeError, match="cell failed"), fleet.Fleet(batch.db, workers=2) as c:
        raise RuntimeError("cell failed")
    assert c.alive() == []
    assert all(p.returncode is not None for p in c.processes.values())


def test_a_worker_that_crashes_by_itself_is_reported_with_its_log(tmp_path):
    batch = receipts.receipt_batch(tmp_path, 4, work=0.3)
    with fleet.Fleet(batch.db, workers=1, max_seconds=20) as crew:
        deadline = time.monotonic() + 20
        while not queuelog.attempts(batch.db) and time.monotonic() < deadline:
            time.sleep(0.01)  # until the worker is inside its first job
        with closing(sqlite3.connect(batch.db)) as db:
            db.execute("DROP TABLE jobs")  # pulled from under the worker: its next claim fails
        with pytest.raises(RuntimeError) as failed:
            crew.wait(timeout=20)
    assert "w1 exited with 1" in str(failed.value) and "no such table" in str(failed.value)


def test_wait_for_files_is_bounded(tmp_path):
    with pytest.raises(TimeoutError, match="0 of 1"):
        wait_for_files(tmp_path, "never-*", 1, timeout=0.05)


# --- Huey ------------------------------------------------------------------------------------


def test_huey_runs_tasks_stops_gracefully_and_a_kill_loses_the_running_ones(tmp_path):
    app = huey_demo.huey_app(tmp_path / "huey.db")
    with huey_demo.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", workers=2) as consumer:
        assert app.square(7, 0).get(blocking=True, timeout=20) == 49
        assert consumer.stop_gracefully(timeout=20) == 0
    for i in range(2):
        app.slow_job(i, 5.0, str(tmp_path))
    with huey_demo.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", workers=2) as consumer:
        wait_for_files(tmp_path, "started-*", 2, timeout=20)
        consumer.kill()
    assert consumer.process.returncode == -9
    assert app.huey.pending_count() == 0, "Huey removed the tasks when it took them"
    assert not list(tmp_path.glob("done-*")), "and nothing finished them"
    app.huey.storage.close()


def test_huey_follow_reports_each_retry(tmp_path):
    app = huey_demo.huey_app(tmp_path / "huey.db")
    with huey_demo.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", workers=1):
        outcomes = list(huey_demo.follow(app.flaky("k", str(tmp_path), 1), timeout=20))
    assert outcomes[0].startswith("failed: ConnectionError") and outcomes[1] == "returned 2"
    app.huey.storage.close()


def test_a_consumer_stuck_in_a_task_is_killed_after_the_grace_period(tmp_path):
    app = huey_demo.huey_app(tmp_path / "huey.db")
    app.slow_job(0, 30.0, str(tmp_path))
    with huey_demo.HueyConsumer(tmp_path / "huey.db", tmp_path / "log", grace=0.5) as consumer:
        wait_for_files(tmp_path, "started-*", 1, timeout=20)
    assert consumer.process.returncode == -9, "SIGINT waited for the task, so SIGKILL ended it"
    app.huey.storage.close()


# --- Dask ------------------------------------------------------------------------------------


def test_dask_reruns_the_task_of_a_killed_worker_and_leaves_nothing_behind(tmp_path, monkeypatch):
    """The rerun, and issue 12's cleanliness: no process left, and nothing written to the
    system's temporary folder (here a folder of the test's own, so that it can be looked at)."""
    system_tmp, scratch, marks = tmp_path / "system-tmp", tmp_path / "scratch", tmp_path / "m"
    for folder in (system_tmp, scratch, marks):
        folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    monkeypatch.setenv("TMPDIR", str(system_tmp))
    with dask_demo.local_cluster(scratch, workers=2) as client:
        futures = client.map(
            dask_demo.dask_job, range(4), seconds=0.3, folder=str(marks), pure=False
        )
        _, job = dask_demo.kill_busy_dask_worker(marks, timeout=30)
        assert client.gather(futures) == [0, 1, 4, 9]
        assert dask_demo.dask_starts(marks)[job] >= 2
    assert multiprocessing.active_children() == []
    assert not any(p.name.startswith("dask") for p in system_tmp.iterdir()), list(
        system_tmp.iterdir()
    )
    assert (scratch / "dask-scratch-space").is_dir(), (
        "Dask's scratch space is in the lesson's folder"
    )


def test_dask_workers_ignore_the_kernels_interrupt(tmp_path):
    """Kernel → Interrupt signals the kernel's whole process group: the workers go on (no
    traceback from each); the kernel alone stops the cluster, by leaving the block."""
    with dask_demo.local_cluster(tmp_path, workers=2) as client:
        before = client.run(os.getpid)
        for pid in before.values():
            os.kill(pid, signal.SIGINT)
        time.sleep(1.0)  # a worker that died of it would be gone, or restarted, by now
        assert client.run(os.getpid) == before
        assert client.submit(pow, 3, 2).result(timeout=30) == 9


def test_local_cluster_needs_an_existing_scratch_folder(tmp_path):
    with pytest.raises(ValueError, match="scratch"), dask_demo.local_cluster(tmp_path / "nope"):
        pass


# --- the crash explorer ----------------------------------------------------------------------


def test_crash_run_kills_after_the_effect_and_counts_the_duplicate():
    run = crash.crash_run(2, 0.3, "after the effect", jobs=4)
    result = run.tally
    assert (result.done, result.lost, result.duplicate_charges, result.receipts) == (4, 0, 1, 4)
    assert [s.label for s in run.spans].count("killed") == 1 and len(run.killed) == 1
    with pytest.raises(ValueError, match="kill must be one of"):
        crash.crash_run(2, 0.3, "sometimes")


def test_every_outcome_has_its_own_fixed_colour():
    """Issue 12: the explorer swapped colours between runs (done/killed), because labels
    took spare colours in the order they came."""
    colours = [plots.LABEL_COLOURS[outcome] for outcome in crash.OUTCOMES]
    assert len(set(colours)) == len(colours)
    one_way = plots.label_colours(["killed", "done"])
    other_way = plots.label_colours(["done", "retry", "killed"])
    assert one_way["killed"] == other_way["killed"] and one_way["done"] == other_way["done"]


def test_the_timeline_keeps_a_given_unit_and_a_short_bar_visible():
    spans = [Span("w1", "done", 1, 0.0, 1.9), Span("w2", "killed", 2, 0.5, 0.5004)]
    ax = plots.timeline(spans, unit="s", min_width=0.006).axes[0]
    assert ax.get_xlabel() == "time since start (s)", "not ms, though the run lasted < 2 s"
    killed_bar = ax.collections[1].get_paths()[0].vertices[:, 0]
    assert killed_bar.max() - killed_bar.min() == pytest.approx(0.006 * 1.9)
    plain = plots.timeline(spans).axes[0].collections[1].get_paths()[0].vertices[:, 0]
    assert plain.max() - plain.min() == pytest.approx(0.0004 * 1000), "by default: true widths"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["done", "killed"]
    with pytest.raises(ValueError, match="unit"):
        plots.timeline(spans, unit="minutes")
    with pytest.raises(ValueError, match="min_width"):
        plots.timeline(spans, min_width=0.9)


def test_crash_explorer_runs_when_pressed_and_draws_in_seconds():
    from workerlab.lab.widgets import crash_explorer

    box = crash_explorer()
    sliders, kill, button, summary, _output = box.children
    workers, lease = sliders.children
    assert summary.value.startswith("Press Run")
    steps = round((lease.max - lease.min) / lease.step)
    track = int(lease.layout.width.removesuffix("px")) - int(
        lease.style.description_width.removesuffix("px")
    )
    assert track / steps >= 12, "a slider wide enough to pick every lease"
    workers.value, kill.value = 4, "none"
    button.click()
    assert summary.value.startswith("12 jobs: 12 done") and "0 lost" in summary.value
    assert not button.disabled


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and SIGSTOP are POSIX")
def test_the_worker_entry_point_is_the_lab_module(tmp_path):
    batch = receipts.receipt_batch(tmp_path, 2)
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "workerlab.lab.fleet", "worker", str(batch.db), "solo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert queuelog.counts(batch.db)["done"] == 2
