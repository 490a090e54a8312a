"""Lesson 06's helpers: behaviour and shapes, never speed (benchmarks/ measures speed)."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time

import pytest

from workerlab import choose
from workerlab.choose import (
    CHOICES,
    SCENARIOS,
    LoadResult,
    OverheadPoint,
    SimulatedService,
    Stage,
    Workload,
)


def test_jobs_do_what_they_say():
    assert choose.cpu_job(10) == sum(i * i % 7 for i in range(10))
    assert choose.io_job(0.001) == 0.001
    assert choose.run_coroutine(choose.async_io_job(0.001)) == 0.001
    assert choose.run_coroutine(choose.async_cpu_job(10)) == choose.cpu_job(10)


def test_workload_checks_its_arguments_and_knows_its_ideal():
    with pytest.raises(ValueError, match="bound"):
        Workload("gpu", 1, 1)
    with pytest.raises(TypeError, match="size"):
        Workload("cpu", 0.5, 4)
    with pytest.raises(ValueError, match="jobs"):
        Workload("io", 0.01, 0)
    io, cpu = Workload("io", 0.01, 8), Workload("cpu", 100, 8)
    assert [io.ideal_speedup(w, cores=2) for w in (1, 4, 16)] == [1, 4, 8]
    assert [cpu.ideal_speedup(w, cores=2) for w in (1, 4, 16)] == [1, 2, 2]


def test_run_coroutine_works_inside_a_running_event_loop():
    async def inside_a_loop() -> float:  # what a Jupyter cell is
        return choose.run_coroutine(choose.async_io_job(0.001))

    assert asyncio.run(inside_a_loop()) == 0.001


def test_process_pool_uses_an_explicit_context_and_leaves_no_process():
    assert choose.process_context().get_start_method() in ("forkserver", "spawn")
    with choose.process_pool(2) as pool:
        assert list(pool.map(choose.cpu_job, [10, 20])) == [choose.cpu_job(10), choose.cpu_job(20)]
    assert multiprocessing.active_children() == []


def test_speedup_sweep_measures_every_kind_at_every_count():
    sweeps = choose.speedup_sweep(Workload("io", 0.002, 4), [1, 2], repeats=2)
    assert set(sweeps) == {"threads", "processes", "asyncio"}
    for kind, sweep in sweeps.items():
        assert sweep.kind == kind and sweep.workers == (1, 2)
        assert len(sweep.seconds) == 2 and all(s > 0 for s in sweep.seconds)
        assert sweep.speedup_at(2) == sweep.sequential_seconds / sweep.seconds[1]
        assert sweep.ideal == (1.0, 2.0)
        if kind == "processes":
            assert all(b != b for b in sweep.busy_cores)  # NaN: not measured
        else:
            assert all(0 <= b < 1 for b in sweep.busy_cores)  # waiting keeps no core busy
    assert multiprocessing.active_children() == []


def test_speedup_sweep_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kinds"):
        choose.speedup_sweep(Workload("io", 0.001, 1), [1], kinds=["fibers"])
    with pytest.raises(ValueError, match="empty"):
        choose.speedup_sweep(Workload("io", 0.001, 1), [])
    with pytest.raises(ValueError, match="kind"):
        choose.time_batch("fibers", Workload("io", 0.001, 1), 1)


def test_gil_report_says_whether_threads_can_run_python_in_parallel():
    assert "GIL" in choose.gil_report()


def test_service_latency_grows_past_capacity():
    service = SimulatedService(capacity=4, latency=0.01, congestion=1.5)
    assert service.max_throughput == 400
    assert service.service_time(1) == service.service_time(4) == 0.01
    assert service.service_time(16) == pytest.approx(0.01 * 4**1.5)


def test_service_refuses_when_too_many_are_in_flight():
    service = SimulatedService(capacity=1, latency=0.3, refuse_above=1)
    busy = threading.Thread(target=service.call)
    busy.start()
    while service.peak_in_flight == 0:
        time.sleep(0.001)
    with pytest.raises(choose.Overloaded):
        service.call()
    busy.join()


def test_service_checks_its_arguments():
    with pytest.raises(ValueError, match="refuse_above"):
        SimulatedService(capacity=4, refuse_above=2)


def test_a_limit_holds_concurrency_at_the_limit():
    limited = choose.load_test(SimulatedService(capacity=2, latency=0.005), 12, 0.1, limit=2)
    assert limited.peak_in_flight <= 2 and limited.errors == 0 and limited.ok > 0
    free = choose.load_test(SimulatedService(capacity=2, latency=0.005, refuse_above=4), 12, 0.1)
    assert free.peak_in_flight == 4 and free.errors > 0
    assert 0 < free.error_share < 1


def test_knee_is_the_best_throughput():
    def result(clients: int, ok: int) -> LoadResult:
        return LoadResult(clients, None, 1.0, ok, 0, (0.01,), clients)

    assert choose.knee([result(1, 100), result(4, 390), result(8, 280)]) == 4
    with pytest.raises(ValueError):
        choose.knee([])


def test_load_sweep_makes_one_result_per_client_count():
    results = choose.load_sweep([1, 3], 0.05, repeats=2, capacity=2, latency=0.005)
    assert [r.clients for r in results] == [1, 3]


def test_pipeline_passes_every_item_through_every_stage_in_order():
    stages = [Stage("fetch", 0.001), Stage("parse", 0.0005), Stage("store", 0.002)]
    result = choose.run_pipeline(12, stages, maxsize=2)
    for stage in stages:
        spans = result.trace.spans(stage.name)
        assert [s.job for s in spans] == list(range(12))  # one worker per stage keeps order
        assert {s.worker for s in spans} == {f"{stage.name}-0"}
    depths = [v for _, v in result.trace.samples("queue→store")]
    assert depths and max(depths) <= 2
    assert 0 < result.busy_share("store-0") <= 1


def test_pipeline_with_several_workers_in_a_stage_still_ends():
    stages = [Stage("fetch", 0.001, workers=2), Stage("store", 0.001, workers=3)]
    result = choose.run_pipeline(10, stages)
    assert sorted(s.job for s in result.trace.spans("store")) == list(range(10))
    assert {s.worker for s in result.trace.spans("store")} <= {"store-0", "store-1", "store-2"}


def test_pipeline_checks_its_arguments():
    with pytest.raises(ValueError, match="stages"):
        choose.run_pipeline(3, [])
    with pytest.raises(ValueError, match="name"):
        Stage("", 0.1)


def test_pool_does_every_step_of_every_item():
    stages = [Stage("fetch", 0.001), Stage("store", 0.001)]
    result = choose.run_pool(6, stages, workers=3)
    for stage in stages:
        assert sorted(s.job for s in result.trace.spans(stage.name)) == list(range(6))


def test_pipeline_pace_is_the_slowest_stage_per_worker():
    assert choose.pipeline_pace([Stage("a", 0.003), Stage("b", 0.006)]) == 0.006
    assert choose.pipeline_pace([Stage("a", 0.003), Stage("b", 0.006, workers=3)]) == 0.003


def test_crossover_is_where_the_pool_keeps_winning():
    def point(size: int, seq: float, pooled: float) -> OverheadPoint:
        return OverheadPoint(size, 10, seq, pooled)

    points = [point(10, 1e-6, 2e-4), point(1000, 1e-4, 2e-4), point(10**4, 1e-3, 6e-4)]
    assert choose.crossover(points) == 10**4
    assert choose.crossover(points[:2]) is None
    assert choose.crossover([*points, point(10**5, 1e-2, 2e-2)]) is None


def test_overhead_sweep_times_each_size():
    points = choose.overhead_sweep([10, 1000], budget=0.002, max_jobs=20)
    assert [p.size for p in points] == [10, 1000]
    assert all(4 <= p.jobs <= 20 and p.sequential > 0 and p.pooled > 0 for p in points)
    assert multiprocessing.active_children() == []


def test_profile_points_at_the_quadratic_function():
    text = choose.sample_text(words=1500, vocabulary=800)
    rows = choose.profile_call(choose.slow_report, text)
    assert rows[0].function == "choose:unique_in_order"
    assert all("/" not in row.function and "\\" not in row.function for row in rows)
    table = choose.profile_table(rows, top=3)
    assert table.splitlines()[1].startswith("choose:unique_in_order")
    assert len(table.splitlines()) == 4


def test_the_fast_unique_gives_the_same_answer():
    words = choose.tokenize(choose.sample_text(words=500, vocabulary=100))
    assert choose.unique_in_order_fast(words) == choose.unique_in_order(words)
    assert choose.slow_report("a b a", choose.unique_in_order_fast) == choose.slow_report("a b a")


def test_every_scenario_explains_every_wrong_choice():
    for scenario in SCENARIOS.values():
        assert scenario.answer in CHOICES
        assert set(scenario.wrong) == set(CHOICES) - {scenario.answer}
        assert all(text.strip() for text in scenario.wrong.values())
    assert {s.answer for s in SCENARIOS.values()} == set(CHOICES)


def test_parallel_check_measures_loop_pool_and_free_cores_and_leaves_no_process():
    check = choose.parallel_check(Workload("cpu", 2_000, 4), attempts=2, probe_seconds=0.01)
    assert check.workers == 2 and 1 <= check.attempts <= 2
    assert check.speedup > 0 and 0 < check.loop_cores <= 1 and check.free_cores > 0
    assert multiprocessing.active_children() == []
    with pytest.raises(ValueError, match="attempts"):
        choose.parallel_check(Workload("cpu", 10, 1), attempts=0)
    with pytest.raises(ValueError, match="chunksize"):
        choose.parallel_check(Workload("cpu", 10, 1), chunksize=0)


def test_parallel_check_asks_for_what_the_measured_cores_allow():
    idle = choose.ParallelCheck(2, speedup=1.6, loop_cores=1.0, free_cores=1.9, attempts=1)
    assert idle.allowed == pytest.approx(1.9) and idle.share == pytest.approx(1.6 / 1.9)
    # more free cores than workers cannot help; a loop slowed by other programs raises the bar
    capped = choose.ParallelCheck(2, speedup=1.0, loop_cores=0.5, free_cores=3.0, attempts=1)
    assert capped.allowed == pytest.approx(4.0) and capped.share == pytest.approx(0.25)


def test_load_average_is_a_number_or_nan():
    load = choose.load_average()
    assert load >= 0 or load != load
