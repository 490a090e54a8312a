"""Lesson 06's pipeline (channels between stages) against the course's pool: behaviour only."""

from __future__ import annotations

import ast
import inspect
import signal
import threading

import pytest

from workerlab import pool
from workerlab.channel import Channel
from workerlab.lab import pipeline
from workerlab.lab.pipeline import LastOut, Stage
from workerlab.trace import Trace


def test_pipeline_passes_every_item_through_every_stage_in_order():
    stages = [Stage("fetch", 0.001), Stage("parse", 0.0005), Stage("store", 0.002)]
    run = pipeline.run_pipeline(12, stages, capacity=2)
    assert run.order == list(range(12))  # one worker per stage keeps the order
    for stage in stages:
        spans = run.trace.spans(stage.name)
        assert [s.job for s in spans] == list(range(12))
        assert {s.worker for s in spans} == {f"{stage.name}-1"}
    assert 0 < run.busy_share("store-1") <= 1
    # the slowest stage sets the pace: a relation no busy machine can break
    assert run.wall_seconds >= 12 * 0.002


def test_pipeline_with_several_workers_in_a_stage_still_ends():
    stages = [Stage("fetch", 0.001, workers=2), Stage("store", 0.001, workers=3)]
    run = pipeline.run_pipeline(10, stages)
    assert sorted(run.order) == list(range(10))
    assert sorted(s.job for s in run.trace.spans("store")) == list(range(10))
    assert {s.worker for s in run.trace.spans("store")} <= {"store-1", "store-2", "store-3"}


def test_a_stage_blocks_on_a_full_channel_instead_of_piling_items_up():
    stages = [Stage("fast", 0.0005), Stage("slow", 0.01)]
    run = pipeline.run_pipeline(20, stages, capacity=2)
    fast_done = [s.end for s in run.trace.spans("fast")]
    slow_started = [s.start for s in run.trace.spans("slow")]
    # item k + 4 cannot leave `fast` before `slow` has taken item k: 2 in the channel,
    # 1 in `slow`, 1 held by `fast` waiting to send
    for k in range(len(slow_started) - 4):
        assert fast_done[k + 4] >= slow_started[k] - 1e-3


def test_the_last_worker_out_closes_the_next_channel():
    out = LastOut(2)
    assert not out.leave() and out.leave()
    inbox, outbox = Channel(4, name="in"), Channel(4, name="out")
    for item in (1, 2):
        inbox.send(item)
    inbox.close()
    pipeline.stage_worker(Stage("s", 0.0001), inbox, outbox, Trace(), LastOut(1))
    assert list(outbox) == [1, 2] and outbox.closed


def test_pipeline_checks_its_arguments():
    with pytest.raises(ValueError, match="stages"):
        pipeline.run_pipeline(3, [])
    with pytest.raises(ValueError, match="name"):
        Stage("", 0.1)
    with pytest.raises(ValueError, match="capacity"):
        pipeline.run_pipeline(3, [Stage("a", 0.001)], capacity=0)


def test_the_pool_comparison_uses_the_course_pool():
    stages = [Stage("fetch", 0.001), Stage("store", 0.002)]
    run = pipeline.run_in_pool(6, stages, workers=3)
    assert isinstance(run, pool.PoolRun)
    assert run.values() == list(range(6))
    assert run.wall_seconds >= 2 * 0.003  # 6 items of 3 ms on 3 workers: 2 rounds at least
    threads_before = threading.active_count()
    pipeline.run_in_pool(2, stages, workers=1)
    assert threading.active_count() == threads_before


def test_lesson_06_defines_no_pool_of_its_own_and_no_private_sentinel():
    """Issue 10: one run_pool (lesson 02's), one sentinel; the pipeline closes channels."""
    tree = ast.parse(inspect.getsource(pipeline))
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert "run_pool" not in defined
    sentinels = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "object"
    ]
    assert sentinels == [], "a private end-of-stream object: close the channel instead"


def test_pipeline_pace_is_the_slowest_stage_per_worker():
    assert pipeline.pipeline_pace([Stage("a", 0.003), Stage("b", 0.006)]) == 0.006
    assert pipeline.pipeline_pace([Stage("a", 0.003), Stage("b", 0.006, workers=3)]) == 0.003


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals")
def test_an_interrupted_pipeline_lets_its_items_run_out_and_leaves_no_thread():
    stages = [Stage("get", 0.001), Stage("put", 0.004)]
    main = threading.main_thread().ident
    timer = threading.Timer(0.03, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_pipeline(40, stages, capacity=2)
    timer.join()
    left = [t.name for t in threading.enumerate() if t.name.split("-")[0] in ("get", "put")]
    assert left == [] and not any(t.name == "feed" for t in threading.enumerate())
