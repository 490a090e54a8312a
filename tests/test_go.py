"""Lesson 09: the Go runner, the recorded fallback, the Python ports, the plots and the check.

Tests marked by the ``live`` fixture build and run the real Go programs. Without Go they
skip and say why; with ``WORKERLAB_REQUIRE_GO=1`` (as ``.ci/run`` sets) a missing Go fails
them instead, so CI always exercises the live path.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from workerlab.checks.lesson09 import check_async_worker
from workerlab.lab import costs, go, goplots, ports
from workerlab.lab.go import Cancelling, Costs, GoFailed, GoUnavailable, Sweep

TINY = Sweep((1, 4), latency=0.002, jobs_per_worker=3, buffer=4)


@pytest.fixture(scope="module")
def live() -> go.GoSide:
    """A live Go side (the programs built here), or a skip; a failure under REQUIRE."""
    try:
        return go.go_side(require=True)
    except GoUnavailable as error:
        if os.environ.get(go.REQUIRE_VAR) == "1":
            pytest.fail(f"{go.REQUIRE_VAR}=1 but Go is not usable here: {error}")
        pytest.skip(f"no Go toolchain here, so the live path is not tested ({error})")


@pytest.fixture
def no_go(monkeypatch):
    """Go hidden: no ``go`` anywhere, as on a learner's machine without ``make go``."""
    monkeypatch.setattr(go, "find_go", lambda: None)
    monkeypatch.delenv(go.REQUIRE_VAR, raising=False)


# --- the reference answer to the exercise, and plausible wrong ones ---------------------------


async def good_worker(jobs: asyncio.Queue, done: asyncio.Event, results: list) -> None:
    stop = asyncio.create_task(done.wait())
    try:
        while True:
            take = asyncio.create_task(jobs.get())
            await asyncio.wait({take, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not take.done():
                take.cancel()
                return
            job = take.result()
            if job is None:
                return
            results.append(job * 2)
    finally:
        stop.cancel()


async def deaf_worker(jobs, done, results):
    """Checks done, then waits in get(): never hears done while no job comes."""
    while not done.is_set():
        job = await jobs.get()
        if job is None:
            return
        results.append(job * 2)


async def getter_left_behind(jobs, done, results):
    """Waits on both, but leaves its pending get() when done wins: it swallows a later job."""
    stop = asyncio.create_task(done.wait())
    while True:
        take = asyncio.create_task(jobs.get())
        await asyncio.wait({take, stop}, return_when=asyncio.FIRST_COMPLETED)
        if not take.done():
            return
        job = take.result()
        if job is None:
            stop.cancel()
            return
        results.append(job * 2)


async def stop_task_left_behind(jobs, done, results):
    """Cancels its get, but never the task waiting on done."""
    stop = asyncio.create_task(done.wait())
    while True:
        take = asyncio.create_task(jobs.get())
        await asyncio.wait({take, stop}, return_when=asyncio.FIRST_COMPLETED)
        if not take.done():
            take.cancel()
            return
        job = take.result()
        if job is None:
            return
        results.append(job * 2)


async def doubles_nothing(jobs, done, results):
    """Right shape, wrong job: appends the job itself."""
    while (job := await jobs.get()) is not None:
        results.append(job)


async def ignores_none(jobs, done, results):
    """Never stops at None: skips it and waits for more."""
    while True:
        job = await jobs.get()
        if job is not None:
            results.append(job * 2)


def poller(every: float):
    """A worker that polls: it waits ``every`` seconds for a job, then looks at done."""

    async def worker(jobs, done, results):
        while not done.is_set():
            try:
                job = await asyncio.wait_for(jobs.get(), every)
            except TimeoutError:
                continue
            if job is None:
                return
            results.append(job * 2)

    worker.__name__ = f"polls_every_{every * 1e3:.0f}_ms"
    return worker


async def drops_a_job_taken_with_done(jobs, done, results):
    stop = asyncio.create_task(done.wait())
    try:
        while True:
            take = asyncio.create_task(jobs.get())
            finished, _ = await asyncio.wait({take, stop}, return_when=asyncio.FIRST_COMPLETED)
            if stop in finished:  # the get may have finished too: its job is dropped
                take.cancel()
                return
            job = take.result()
            if job is None:
                return
            results.append(job * 2)
    finally:
        stop.cancel()


async def scaffold(jobs, done, results):
    raise NotImplementedError


# --- running a command ------------------------------------------------------------------------


def test_a_command_past_its_timeout_is_killed_with_everything_it_started():
    began = time.perf_counter()
    with pytest.raises(GoFailed, match=r"did not finish within 0\.5 s"):
        go.run_command(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5)
    assert time.perf_counter() - began < 10
    assert go.leftover_process_groups() == []


def test_a_finished_command_leaves_no_process_behind():
    done = go.run_command(["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"], timeout=10)
    orphan = int(done.stdout)
    assert done.status == 0
    assert go.leftover_process_groups() == []
    with pytest.raises(ProcessLookupError):
        os.kill(orphan, 0)


def test_run_command_checks_its_arguments_before_starting_anything():
    with pytest.raises(TypeError, match="argv"):
        go.run_command([], timeout=1)
    with pytest.raises(TypeError, match="argv"):
        go.run_command(["echo", 3], timeout=1)
    with pytest.raises(ValueError, match="timeout"):
        go.run_command(["echo"], timeout=0)


def test_a_program_run_reads_the_json_on_its_last_line():
    run = go.ProgramRun(("x/pool",), 0, 'warming up\n{"program": "pool"}\n', "", 0.1)
    assert run.name == "pool" and run.data == {"program": "pool"}
    with pytest.raises(GoFailed, match="no JSON"):
        _ = go.ProgramRun(("x/pool",), 2, "", "panic: boom", 0.1).data
    with pytest.raises(GoFailed, match="not a JSON object"):
        _ = go.ProgramRun(("x/pool",), 0, "[1, 2]", "", 0.1).data


def test_run_program_refuses_unknown_programs_and_arguments():
    with pytest.raises(ValueError, match="name must be one of"):
        go.run_program("rm")
    with pytest.raises(TypeError, match="args"):
        go.run_program("pool", 4)


# --- the toolchain, offline and contained ------------------------------------------------------


def test_go_runs_offline_and_writes_only_in_the_projects_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GOFLAGS", "-mod=vendor")
    monkeypatch.setenv("GOPROXY", "https://example.invalid")
    env = go.go_environment(tmp_path)
    assert env["GOTOOLCHAIN"] == "local" and env["GOPROXY"] == "off"
    assert "GOFLAGS" not in env, "the learner's GOFLAGS must not change the course's build"
    for name in ("GOCACHE", "GOPATH", "HOME", "XDG_CONFIG_HOME"):
        assert Path(env[name]).is_relative_to(tmp_path), name
    assert go.STATE.is_relative_to(go.ROOT / "build")


def test_find_go_looks_in_this_environment_first_then_on_path(monkeypatch, tmp_path):
    monkeypatch.setattr(go.sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setenv("PATH", "")
    assert go.find_go() is None
    fake = tmp_path / "go"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert go.find_go() == fake


def test_go_durations_are_whole_units():
    assert go._go_duration(0.010) == "10ms"
    assert go._go_duration(0.0005) == "500us"
    assert go._go_duration(2.0) == "2000ms"


def test_settings_are_checked_when_made():
    with pytest.raises(ValueError, match="counts is empty"):
        Sweep((), 0.01, 1, 1)
    with pytest.raises(ValueError, match="latency"):
        Sweep((1,), 0, 1, 1)
    with pytest.raises(TypeError, match="workers"):
        Cancelling(workers=2.5)


# --- without Go: the recorded fallback ----------------------------------------------------------


def test_without_go_the_lesson_falls_back_to_the_recorded_results(no_go):
    side = go.go_side()
    assert not side.live
    assert side.label.startswith("recorded on ") and side.label.endswith("not measured here")
    assert "no Go toolchain was found" in side.reason
    assert str(side).count("make go") == 1 and "workerlab[go]" in str(side)


def test_without_go_every_step_of_the_lesson_runs_on_recordings(no_go):
    side = go.go_side()
    go.run_lesson(side)  # the lesson's every Go call has a recorded answer
    points = side.pool(go.SWEEP)
    assert [p.workers for p in points] == list(go.SWEEP.counts)
    assert all(0 < p.efficiency <= 1.05 for p in points)
    assert side.spawn().bytes_each > 0 and side.dispatch() > 0
    assert side.leak(fixed=False).leaked == go.LEAK_WORKERS and side.leak(fixed=True).leaked == 0
    deadlock = side.deadlock()
    assert deadlock.status == 2 and "all goroutines are asleep - deadlock!" in deadlock.stderr
    assert all(s is not None and s < 0.1 for s in side.cancel().stop_seconds)


def test_without_go_other_settings_are_refused_clearly(no_go):
    with pytest.raises(ValueError, match="no recorded run of `pool"):
        go.go_side().pool(TINY)


def test_requiring_go_turns_the_fallback_into_an_error(no_go, monkeypatch):
    with pytest.raises(GoUnavailable, match="make go"):
        go.go_side(require=True)
    monkeypatch.setenv(go.REQUIRE_VAR, "1")
    with pytest.raises(GoUnavailable):
        go.go_side()


def test_the_recordings_say_where_they_came_from():
    saved = json.loads(go.RECORDED.read_text())
    assert saved["command"] == "python -m workerlab.lab.go record"
    machine = saved["machine"]
    assert set(machine) == {"date", "go", "python", "cores", "platform"}
    assert machine["go"].startswith("go1.") and machine["cores"] >= 1
    assert {run["program"] for run in saved["runs"]} == set(go.PROGRAMS)
    assert not any("/work/" in run["stderr"] or "/home/" in run["stderr"] for run in saved["runs"])


# --- with Go: the live path ---------------------------------------------------------------------


def test_live_go_vet_and_go_test_pass(live):
    output = go.vet_and_test()
    assert "FAIL" not in output
    for program in ("pool", "cancel", "spawn", "dispatch", "deadlock", "leak"):
        assert f"ok  \tworkerlab/go/{program}" in output


def test_live_the_go_sources_are_gofmt_clean(live):
    gofmt = Path(go.run_command(
        [str(go.find_go()), "env", "GOROOT"], timeout=60, env=go.go_environment()
    ).stdout.strip()) / "bin" / "gofmt"  # fmt: skip
    # gofmt keeps telemetry too: give it the course's private home, as every go command
    listed = go.run_command(
        [str(gofmt), "-l", str(go.SOURCES)], timeout=60, env=go.go_environment()
    )
    assert listed.status == 0 and listed.stdout == "", f"not gofmt-formatted: {listed.stdout}"


def test_live_go_writes_nothing_in_the_learners_home(live, monkeypatch, tmp_path):
    """Go keeps settings and telemetry in the user's config folder: never the learner's."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    go.build()
    assert go.run_program("leak").status == 0
    assert list(tmp_path.iterdir()) == []


def test_live_programs_print_what_the_recordings_hold(live):
    """Each recorded run, run live with the same arguments, prints the same JSON keys: the
    recordings are not stale."""
    go.run_lesson(live)
    recorded = go.recorded_side()
    for run in live.runs:
        then = recorded.run(run.name, *run.argv[1:])
        assert run.status == then.status, run.name
        if run.name != "deadlock":
            assert set(run.data) == set(then.data), run.name
    assert go.leftover_process_groups() == []


def test_live_pool_returns_every_count(live):
    points = live.pool(TINY)
    assert [(p.workers, p.jobs) for p in points] == [(1, 3), (4, 12)]
    assert all(0 < p.efficiency <= 1.05 for p in points)


def test_live_deadlock_is_reported_by_go_itself(live):
    run = live.deadlock()
    assert run.status == 2
    assert "fatal error: all goroutines are asleep - deadlock!" in run.stderr
    assert "[chan receive]" in run.stderr
    assert str(go.ROOT) not in run.stderr, "-trimpath keeps the machine's folders out"


def test_live_leak_is_positive_and_its_fix_zero(live):
    assert live.leak(5, 20, fixed=False).leaked == 5
    assert live.leak(5, 20, fixed=True).leaked == 0


def test_live_cancel_stops_quickly_and_goroutines_cost_little(live):
    stopped = live.cancel(Cancelling(workers=2, interval=0.001, after=0.02, repeats=2))
    assert all(s is not None and s < 0.5 for s in stopped.stop_seconds)
    assert all(n > 0 for n in stopped.jobs_handled)
    spawn = live.spawn(1000)
    assert spawn.bytes_each >= 1024 and spawn.start_seconds > 0


def test_live_command_line_builds(live, capsys):
    assert go.main(["build"]) == 0
    assert "built pool, cancel" in capsys.readouterr().out


# --- the Python ports -----------------------------------------------------------------------------


def test_thread_and_asyncio_pools_run_every_count():
    for sweep in (ports.thread_pool_sweep(TINY), ports.asyncio_pool_sweep(TINY)):
        assert [(p.workers, p.jobs) for p in sweep] == [(1, 3), (4, 12)]
        assert all(0 < p.efficiency <= 1.05 for p in sweep)


def test_compare_pools_runs_all_three_kinds_on_the_same_jobs(no_go, monkeypatch):
    side = go.go_side()
    monkeypatch.setattr(side, "pool", lambda sweep: ports.thread_pool_sweep(sweep))
    result = ports.compare_pools(side, TINY, progress=False)
    assert list(result) == ["goroutines", "threads", "asyncio tasks"]
    assert all([p.jobs for p in points] == [3, 12] for points in result.values())


@pytest.mark.parametrize(("kind", "count"), [("thread", 50), ("asyncio task", 200), ("process", 1)])
def test_parked_workers_cost_time_and_memory(kind, count):
    measured = ports.parked_costs(kind, count)
    assert measured.kind == kind and measured.start_seconds > 0
    assert measured.bytes_each >= 0
    assert go.leftover_process_groups() == []


def test_a_process_holds_more_memory_than_a_thread():
    thread, process = ports.parked_costs("thread", 100), ports.parked_costs("process", 1)
    assert process.bytes_each > 10 * thread.bytes_each


def test_parked_costs_checks_its_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        ports.parked_costs("fiber", 3)
    with pytest.raises(ValueError, match="count"):
        ports.parked_costs("thread", 0)
    with pytest.raises(ValueError, match="kind"):
        costs.measure("goroutine", 3)
    with pytest.raises(TypeError, match="count"):
        costs.measure("thread", 2.0)


def test_costs_command_line_prints_one_json_object(capsys):
    assert costs.main(["asyncio task", "10"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "asyncio task" and data["count"] == 10


def test_python_dispatch_measures_four_ways():
    measured = ports.python_dispatch(300, 2, repeats=1)
    assert list(measured) == [
        "queue.Queue loop",
        "ThreadPoolExecutor",
        "workerlab.pool",
        "asyncio.Queue loop",
    ]
    assert all(0 < cost < 0.01 for cost in measured.values())


def test_a_good_async_worker_stops_quickly_and_handles_jobs():
    stopped = ports.asyncio_stop_latency(good_worker, Cancelling(2, 0.001, 0.03, 2))
    assert all(s is not None and s < 0.5 for s in stopped.stop_seconds)
    assert all(n > 0 for n in stopped.jobs_handled)


def test_a_deaf_async_worker_costs_its_bound_not_a_hang():
    began = time.perf_counter()
    stopped = ports.asyncio_stop_latency(deaf_worker, Cancelling(2, 1.0, 0.02, 1), bound=0.2)
    assert stopped.stop_seconds == (None,)
    assert time.perf_counter() - began < 5


def test_asyncio_stop_latency_wants_an_async_function():
    with pytest.raises(TypeError, match="async def"):
        ports.asyncio_stop_latency(lambda jobs, done, results: None)


def test_thread_leak_counts_the_leaked_workers_and_ends_them():
    assert ports.thread_leak(3, 10, fixed=False).leaked == 3
    assert ports.thread_leak(3, 10, fixed=True).leaked == 0
    # the autouse leak checker fails this test if a leaky worker is still alive


# --- the plots --------------------------------------------------------------------------------


def test_efficiency_plot_draws_each_kind_beside_the_ideal():
    sweeps = {
        "threads": ports.thread_pool_sweep(TINY),
        "asyncio tasks": ports.asyncio_pool_sweep(TINY),
    }
    fig = goplots.efficiency_vs_workers(sweeps, recorded="threads")
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["ideal: workers / latency", "threads (recorded elsewhere)", "asyncio tasks"]
    assert "efficiency" in ax.get_ylabel() and "workers" in ax.get_xlabel()
    with pytest.raises(ValueError, match="same job latency"):
        other = Sweep((1,), latency=0.001, jobs_per_worker=1, buffer=1)
        goplots.efficiency_vs_workers(
            {"a": ports.thread_pool_sweep(TINY), "b": ports.thread_pool_sweep(other)}
        )


def test_cost_and_dispatch_plots_label_their_units():
    measured = {"goroutine": Costs("goroutine", 2e-6, 2700), "thread": Costs("thread", 6e-5, 16e3)}
    fig = goplots.worker_costs(measured, recorded="goroutine")
    assert [ax.get_xscale() for ax in fig.axes] == ["log", "log"]
    assert "µs" in fig.axes[0].get_xlabel() and "KiB" in fig.axes[1].get_xlabel()
    fig = goplots.dispatch_costs({"Go channel": 2e-7, "queue.Queue loop": 7e-6})
    assert "µs" in fig.axes[0].get_xlabel()
    with pytest.raises(ValueError):
        goplots.dispatch_costs({})


def test_durations_and_sizes_read_well():
    assert goplots.duration(1.84e-7) == "184 ns"
    assert goplots.duration(3.6e-6) == "3.6 µs"
    assert goplots.duration(0.0598) == "60 ms"
    assert goplots.size(2700) == "2.6 KiB" and goplots.size(15.5e6) == "15 MiB"


# --- the exercise's check -----------------------------------------------------------------------


def test_the_check_accepts_the_reference_worker():
    assert check_async_worker(good_worker)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (scaffold, "not done yet"),
        (lambda jobs, done, results: None, "async def"),
        ("worker", "pass your function itself"),
        (deaf_worker, "cannot hear done"),
        (getter_left_behind, "swallows it"),
        (stop_task_left_behind, "left a task running"),
        (doubles_nothing, "want [2, 4, 6]"),
        (ignores_none, "must return"),
        (poller(0.05), "that is polling"),
        (poller(0.4), "it hears it late"),
        (drops_a_job_taken_with_done, "job 5 vanished"),
    ],
    ids=lambda value: getattr(value, "__name__", None) if callable(value) else None,
)
def test_the_check_rejects_plausible_wrong_workers(wrong, says):
    verdict = check_async_worker(wrong)
    assert not verdict
    assert says in verdict.message, verdict.message


def test_the_check_is_bounded():
    began = time.perf_counter()
    check_async_worker(deaf_worker)
    assert time.perf_counter() - began < 5

