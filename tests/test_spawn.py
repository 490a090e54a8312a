"""workerlab.lab.spawn: start costs, measured sanely, and a busy machine said so (lesson 03)."""

from __future__ import annotations

import math
import multiprocessing
import os
import statistics
import threading

import pytest

from workerlab import mphelpers
from workerlab.lab import spawn


@pytest.mark.parametrize("kind", spawn.KINDS)
def test_spawn_cost_of_each_kind(kind):
    assert 0 < spawn.spawn_cost(kind, 2) < 5


def test_a_process_measurement_leaves_no_process_behind():
    spawn.spawn_cost("process", 2)
    assert multiprocessing.active_children() == []
    assert "resource tracker" not in mphelpers.running_helpers()  # so a restart is fast


def test_bad_arguments_are_refused_before_anything_starts(monkeypatch):
    with pytest.raises(ValueError, match="kind"):
        spawn.spawn_cost("goroutine", 1)
    with pytest.raises(ValueError, match="count"):
        spawn.spawn_cost("thread", 0)
    started = []
    monkeypatch.setattr(spawn, "spawn_cost", lambda kind, n: started.append(kind) or 1.0)
    with pytest.raises(ValueError, match="goroutine"):
        spawn.spawn_costs({"thread": 10, "goroutine": 10}, progress=False)
    with pytest.raises(ValueError, match="process"):
        spawn.spawn_costs({"thread": 10, "process": 0}, progress=False)
    with pytest.raises(TypeError, match="counts"):
        spawn.spawn_costs({}, progress=False)
    assert started == []  # the good kind before the bad one was not measured either


def test_spawn_costs_measure_every_kind_asked_for_with_spawn():
    costs = spawn.spawn_costs({"thread": 20, "asyncio task": 50, "process": 1}, progress=False)
    assert set(costs.seconds) == set(spawn.KINDS)
    assert costs.start_method == "spawn"
    assert 0 < costs.cpu_share <= 1.05
    assert costs.cores >= 1
    assert math.isnan(costs.load_average) or costs.load_average >= 0


def test_cpu_share_is_a_share_and_drops_when_a_thread_competes():
    assert 0 < spawn.cpu_share(0.01) <= 1.05
    stop = threading.Event()

    def hog() -> None:  # a Python thread computing flat out: the two take the GIL in turns
        while not stop.is_set():
            pass

    rival = threading.Thread(target=hog, name="hog")
    rival.start()
    try:
        shared = statistics.mean(spawn.cpu_share(0.05) for _ in range(3))
    finally:
        stop.set()
        rival.join()
    # Taking turns, the measuring thread holds the GIL about half the time at most; a busy
    # machine can only lower that. So it reads as disturbed, whatever the machine.
    assert shared < spawn.QUIET_SHARE - 0.1, shared
    with pytest.raises(ValueError, match="seconds"):
        spawn.cpu_share(0)


def costs(share: float, load: float = 0.4) -> spawn.SpawnCosts:
    seconds = {"thread": 60e-6, "asyncio task": 6e-6, "process": 0.048}
    return spawn.SpawnCosts(seconds, "spawn", share, load, 2)


def test_the_summary_quotes_the_measured_figures_cheapest_first():
    text = costs(0.97).summary()
    assert text.startswith("Measured here: an asyncio task 6.0 µs, a thread 60.0 µs (10× an")
    assert "a process 48 ms (800× a thread), started with 'spawn'" in text
    assert "quiet enough: this process got 97% of a core, and the load average was 0.4 on 2" in text
    assert not costs(0.97).disturbed


def test_the_summary_says_when_a_busy_machine_disturbed_the_figures():
    busy = costs(0.45)
    assert busy.disturbed
    assert "⚠ The machine was busy while this ran: this process got only 45% of a core." in (
        busy.summary()
    )
    assert "read these ratios as rough" in busy.summary()
    queued = costs(1.0, load=6.5)  # a share that looks fine, but programs queue for a core
    assert queued.disturbed
    assert "busy while this ran: the load average was 6.5 on 2 cores, so programs queued" in (
        queued.summary()
    )
    assert "100%" not in queued.summary(), "a full core is not a sign of a busy machine"
    unknown = spawn.SpawnCosts({"thread": 1e-4}, "spawn", 0.9, math.nan, 2)
    assert not unknown.disturbed and "load average" not in unknown.summary()


def test_a_process_that_fails_is_not_timed_as_a_start(monkeypatch):
    monkeypatch.setattr(spawn, "_PROCESS_TARGET", os.abort)  # what the child runs
    with pytest.raises(RuntimeError, match="exit code"):
        spawn.spawn_cost("process", 1)
    assert multiprocessing.active_children() == []
