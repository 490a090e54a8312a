"""multiprocessing's helper processes are stopped only when nothing still needs them."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from pathlib import Path

from workerlab import mphelpers

SPAWN = multiprocessing.get_context("spawn")


def start_a_process(method: str = "spawn") -> None:
    child = multiprocessing.get_context(method).Process(target=os.getpid)
    child.start()
    child.join(30)
    assert child.exitcode == 0


def test_stop_helpers_stops_both_and_removes_the_temp_folder():
    start_a_process("forkserver")
    temp = Path(multiprocessing.util.get_temp_dir())
    assert set(mphelpers.running_helpers()) == {"resource tracker", "fork server"}
    assert sorted(mphelpers.stop_helpers()) == ["fork server", "resource tracker"]
    assert mphelpers.running_helpers() == {} and not temp.exists()
    start_a_process("forkserver")  # the next process brings them back
    assert set(mphelpers.running_helpers()) == {"resource tracker", "fork server"}
    assert Path(multiprocessing.util.get_temp_dir()).parent == Path(tempfile.gettempdir())
    mphelpers.stop_helpers()


def test_a_running_child_or_a_live_semaphore_keeps_what_it_needs():
    stop = SPAWN.Event()
    child = SPAWN.Process(target=stop.wait, args=(30,))
    child.start()
    try:
        assert mphelpers.stop_helpers() == []
        assert "resource tracker" in mphelpers.running_helpers()
    finally:
        stop.set()
        child.join(30)
    assert mphelpers.live_semaphores() >= 1  # the Event holds semaphores
    assert "resource tracker" not in mphelpers.stop_helpers()
    del stop
    assert mphelpers.live_semaphores() == 0
    assert mphelpers.stop_helpers() == ["resource tracker"]


def test_stop_helpers_after_stops_them_even_when_the_block_raises():
    try:
        with mphelpers.stop_helpers_after():
            start_a_process()
            raise RuntimeError("the demo failed")
    except RuntimeError:
        pass
    assert mphelpers.running_helpers() == {}
