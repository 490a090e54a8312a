"""workerlab.lab.stopping: how fast a pool stops, polling against waiting on the context."""

from __future__ import annotations

import time

import pytest

from workerlab.context import background, with_cancel
from workerlab.errors import Cancelled
from workerlab.lab.stopping import poll_sleep, stop_latency, stop_latency_sweep


def test_poll_sleep_returns_normally_when_the_context_outlives_it():
    ctx, cancel = with_cancel(background())
    poll_sleep(ctx, 0.01, 0.005)
    cancel()
    with pytest.raises(Cancelled):
        poll_sleep(ctx, 0.01, 0.005)


@pytest.mark.parametrize("poll", [None, 0.05])
def test_stop_latency_measures_a_pool_that_the_cancel_really_stops(poll):
    started = time.monotonic()
    latency = stop_latency(poll, workers=2, job_seconds=30, seed=1)
    assert 0 <= latency < 10
    assert time.monotonic() - started < 15, "the cancel, not the 30 s job, ended the workers"


def test_stop_latency_sweep_measures_every_interval_and_the_waiting_workers():
    polling, waiting = stop_latency_sweep([0.01, 0.02], repeats=2, workers=2)
    assert sorted(polling) == [0.01, 0.02]
    assert all(len(runs) == 2 for runs in polling.values()) and len(waiting) == 2
    with pytest.raises(ValueError):
        stop_latency_sweep([])
    with pytest.raises(ValueError):
        stop_latency_sweep([0.01], repeats=0)


def test_check_then_get_workers_wait_for_the_next_job_select_workers_leave_at_once():
    from workerlab import pool
    from workerlab.lab.stopping import cancel_while_waiting, check_then_get

    deaf = cancel_while_waiting(check_then_get, lull=0.6)
    hearing = cancel_while_waiting(pool.worker, lull=0.6)
    assert deaf.stop_latency > 0.3, "they waited on until the producer's next move"
    assert hearing.stop_latency < 0.1 and 10 * hearing.stop_latency < deaf.stop_latency
    assert len(hearing.exits) == len(deaf.exits) == 3
    labels = {s.label for s in hearing.spans()}
    assert labels == {"job", "waiting for a job"}
    # The deaf wait shows: for each worker, a wait that starts before the cancel ends after it.
    for run in (deaf, hearing):
        waits = [s for s in run.spans() if s.label == "waiting for a job"]
        across = {s.worker for s in waits if s.start < run.cancelled_at < s.end}
        assert across == set(run.exits), (run.cancelled_at, waits)
