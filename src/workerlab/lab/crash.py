"""The crash explorer's run, and every attempt of a run as timeline bars (lesson 07).

:func:`crash_run` is the explorer's callback: a fresh queue of jobs, worker processes, one
SIGKILL where the learner chose, a replacement worker. :func:`attempt_spans` turns the
attempts the workers recorded into bars for :func:`workerlab.lab.plots.timeline`.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workerlab.lab.fleet import Fleet
from workerlab.lab.queuelog import attempts
from workerlab.lab.receipts import BatchRun, receipt_batch, tally
from workerlab.trace import Span
from workerlab.validate import positive_int, positive_number

#: Where the explorer may SIGKILL a worker: nowhere, before the job's side effect, or
#: after its ledger line but before its ack (the kill that makes a job run twice).
KILLS = ("none", "during the work", "after the effect")
#: Every outcome an attempt can have, in the order a legend lists them.
OUTCOMES = ("done", "killed", "retry", "lease lost", "dead")


@dataclass(frozen=True, slots=True)
class CrashRun:
    """One run of the crash explorer: every attempt as a bar, and what the run left behind."""

    spans: list[Span]
    tally: BatchRun
    killed: list[str]


def crash_run(workers: int, lease_seconds: float, kill: str, *, jobs: int = 12) -> CrashRun:
    """``jobs`` jobs on ``workers`` worker processes, and one SIGKILL where ``kill`` says.

    ``kill`` is one of :data:`KILLS`. A fresh worker replaces the killed one, as a
    supervisor would. Everything lives in a temporary folder removed before this returns.
    """
    positive_int("workers", workers)
    positive_number("lease_seconds", lease_seconds)
    positive_int("jobs", jobs)
    if kill not in KILLS:
        raise ValueError(f"kill must be one of {KILLS}, got {kill!r}")
    with tempfile.TemporaryDirectory(prefix="workerlab-explorer-") as name:
        batch = receipt_batch(Path(name), jobs, work=0.1, gap=0.15)
        with Fleet(batch.db, workers, lease_seconds=lease_seconds, max_seconds=30) as fleet:
            if kill != "none":
                fleet.kill_mid_job(batch.ledger, after_effect=kill == KILLS[2], after_done=1)
                fleet.start_worker()
            fleet.wait(timeout=30)
        spans = attempt_spans(attempts(batch.db), fleet.killed_at)
        return CrashRun(spans, tally(batch), sorted(fleet.killed_at))


def attempt_spans(recorded: list[dict[str, Any]], killed_at: dict[str, float]) -> list[Span]:
    """Turn :func:`workerlab.lab.queuelog.attempts` into timeline spans, one bar per attempt.

    The label is the attempt's outcome; an attempt never reported is labelled ``killed``
    and ends when its worker was killed (``killed_at``: worker name → ``time.time()``, as
    :attr:`Fleet.killed_at` records it). Times are seconds since the first claim.
    """
    if not recorded:
        return []
    start = min(a["claimed"] for a in recorded)
    spans = []
    for a in recorded:
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
