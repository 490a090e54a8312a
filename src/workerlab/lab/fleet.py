"""Worker processes on lesson 07's lease queue: start them, kill them mid-job, stop them.

A worker is a real OS process, ``python -m workerlab.lab.fleet worker DB NAME``: it claims
jobs from the queue (a :class:`workerlab.lab.queuelog.RecordedQueue`, so every attempt is
recorded) and runs them until none is left. :class:`Fleet` starts a group of them, can
SIGKILL one in the middle of a job, and always stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from workerlab.lab.processes import stop_process
from workerlab.lab.queuelog import RecordedQueue, counts, read
from workerlab.lab.receipts import ledger_entries, send_receipt
from workerlab.leases import Claim
from workerlab.progress import progress_bar
from workerlab.validate import positive_int, positive_number

HANDLERS: dict[str, Callable[[Claim], None]] = {"send_receipt": send_receipt}


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
        queue = RecordedQueue(
            path, lease_seconds=lease_seconds, backoff_base=backoff_base, backoff_cap=backoff_cap
        )
        with closing(queue):
            while not stopping and time.monotonic() < deadline:
                claim = queue.claim(name)
                if claim is None:
                    left = counts(path)
                    if left["ready"] + left["running"] == 0:
                        break
                    time.sleep(poll)
                    continue
                handler = HANDLERS.get(claim.kind)
                try:
                    if handler is None:
                        raise LookupError(f"no handler for job kind {claim.kind!r}")
                    handler(claim)
                except Exception as error:  # any failure of the job is reported, never fatal
                    queue.fail(claim, f"{type(error).__name__}: {error}")
                else:
                    queue.ack(claim)
                done += 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return done


class Fleet:
    """Worker processes on one queue file, started and always stopped by a ``with`` block.

    >>> with Fleet(db, workers=3) as fleet:               # doctest: +SKIP
    ...     fleet.kill_mid_job(ledger, after_effect=True) # SIGKILL a worker inside a job
    ...     fleet.wait(timeout=20)                        # the others finish every job

    Each worker is ``python -m workerlab.lab.fleet worker …``, a real OS process. Leaving
    the block (also through an exception) sends SIGTERM to the workers still alive, then
    SIGKILL after ``grace`` seconds, and waits for every one of them.
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
        self.initial = positive_int("workers", workers)
        self.path = Path(path)
        self.lease_seconds = positive_number("lease_seconds", lease_seconds)
        self.backoff_base = positive_number("backoff_base", backoff_base)
        self.backoff_cap = positive_number("backoff_cap", backoff_cap)
        self.max_seconds = positive_number("max_seconds", max_seconds)
        self.grace = positive_number("grace", grace)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.killed_at: dict[str, float] = {}  # worker name -> time.time() of its SIGKILL
        self.killed_jobs: list[int] = []  # the jobs kill_mid_job hit, in order
        self._logs = self.path.parent / f"{self.path.stem}-worker-logs"

    def __enter__(self) -> Fleet:
        self._logs.mkdir(exist_ok=True)
        RecordedQueue(self.path).close()  # create the tables before the workers race to
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
        options = {
            "--lease": self.lease_seconds,
            "--backoff-base": self.backoff_base,
            "--backoff-cap": self.backoff_cap,
            "--max-seconds": self.max_seconds,
        }
        command = [sys.executable, "-m", "workerlab.lab.fleet", "worker", str(self.path), name]
        command += [str(part) for option in options.items() for part in option]
        with (self._logs / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
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
        any side effect. It first waits for ``after_done`` jobs to be done, so the workers
        are in their stride. Raises ``TimeoutError`` if no such moment comes within
        ``timeout``, and ``RuntimeError`` at once if every job is already finished.

        It never picks a job that an earlier kill already hit, so each kill tells its own
        story. To look without a race, it freezes each worker with SIGSTOP, reads the queue
        and the ledger, and then either kills the frozen worker or lets it go on with
        SIGCONT: a worker cannot finish its job between the look and the kill.
        """
        positive_int("after_done", after_done, minimum=0)
        positive_number("timeout", timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = counts(self.path)
            if now["ready"] + now["running"] == 0:
                raise RuntimeError("every job is finished: there is no job left to kill")
            if now["done"] >= after_done:
                for worker in self.alive():
                    job_id = self._kill_if(worker, ledger, after_effect)
                    if job_id is not None:
                        return worker, job_id
            time.sleep(0.005)
        raise TimeoutError(f"no worker was inside a job within {timeout} s")

    def _kill_if(self, worker: str, ledger: Path, after_effect: bool) -> int | None:
        """Freeze ``worker``; kill it if it holds a job in the wanted phase, else resume it."""
        process = self.processes[worker]
        process.send_signal(signal.SIGSTOP)
        try:
            # What the worker holds now, from the queue itself (not from an older run), once
            # its attempt is recorded (so the timeline can draw the killed attempt).
            holding = read(
                self.path,
                "SELECT jobs.id, jobs.attempts FROM jobs JOIN attempts"
                " ON attempts.job_id = jobs.id AND attempts.attempt = jobs.attempts"
                " WHERE jobs.state = 'running' AND jobs.worker = ?",
                worker,
            )
            for job_id, attempt in holding:
                effect_done = (job_id, attempt) in ledger_entries(ledger)
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
        """A bar of finished jobs, until all are finished, no worker is left, or the
        deadline passes (then :meth:`wait` reports what is wrong)."""
        total = sum(counts(self.path).values())
        with progress_bar(total=total, desc="jobs finished", leave=True, unit="job") as bar:
            while time.monotonic() < deadline:
                now = counts(self.path)
                bar.update(now["done"] + now["dead"] - bar.n)
                if now["ready"] + now["running"] == 0 or not self.alive():
                    break
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop every worker still alive: SIGTERM, then SIGKILL after the grace period."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + self.grace
        for process in self.processes.values():
            stop_process(process, signal.SIGTERM, max(0.0, deadline - time.monotonic()))


def main(argv: list[str] | None = None) -> int:
    """``python -m workerlab.lab.fleet worker DB NAME``: one worker of the lease queue."""
    parser = argparse.ArgumentParser(description="Run a worker process of lesson 07's queue.")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="one worker of the SQLite lease queue")
    worker.add_argument("database", type=Path)
    worker.add_argument("name")
    worker.add_argument("--lease", type=float, default=1.0)
    worker.add_argument("--backoff-base", type=float, default=0.05)
    worker.add_argument("--backoff-cap", type=float, default=2.0)
    worker.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    run_worker(
        args.database,
        args.name,
        lease_seconds=args.lease,
        backoff_base=args.backoff_base,
        backoff_cap=args.backoff_cap,
        max_seconds=args.max_seconds,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
