"""workerlab.leak: the leak checker catches real leaks, says where, and waits for stragglers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import psutil
import pytest

from workerlab.channel import Channel
from workerlab.frames import where
from workerlab.leak import (
    LeakedThreads,
    child_processes,
    leaked_processes,
    leaked_threads,
    no_leaked_threads,
)


def test_the_leak_checker_catches_a_real_leak_and_says_where_it_is_blocked():
    jobs = Channel(1, name="jobs")

    def forgotten_worker():
        for _ in jobs:  # ends once the channel is closed and drained
            pass

    thread = threading.Thread(target=forgotten_worker, name="forgotten")
    with pytest.raises(LeakedThreads) as caught, no_leaked_threads(grace=0.1):
        thread.start()
    message = str(caught.value)
    assert 'thread "forgotten" (daemon=False) blocked at:' in message
    assert "recv  channel.py:" in message, "the innermost call of the channel is named"
    assert "_wait" not in message, "the channel's private helper is machinery, not shown"
    assert "forgotten_worker  test_leak.py:" in message
    assert caught.value.threads == [thread]
    jobs.close()  # the fix: close the channel, and the worker drains it and stops
    thread.join(5)
    assert not thread.is_alive()


def test_the_leak_checker_passes_a_clean_run_and_waits_for_ending_threads():
    with no_leaked_threads(grace=2.0):
        threading.Thread(target=time.sleep, args=(0.1,), name="almost-done").start()


def test_leaked_threads_can_ignore_some():
    stop = threading.Event()
    baseline = set(threading.enumerate())
    thread = threading.Thread(target=stop.wait, args=(5,), name="known-helper")
    thread.start()
    try:
        assert leaked_threads(baseline, grace=0, ignore=lambda t: t.name == "known-helper") == []
        assert leaked_threads(baseline, grace=0) == [thread]
        assert where(thread)[0].function == "wait"
    finally:
        stop.set()
        thread.join()
    with pytest.raises(TypeError):
        where("thread")
    with pytest.raises(ValueError), no_leaked_threads(grace=-1):
        pass


def test_leaked_processes_finds_a_new_child_of_a_child_and_gives_it_grace():
    """A grandchild counts; a child that ends within the grace period does not."""
    before = child_processes()
    script = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
        "time.sleep(30)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    quick = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    try:
        deadline = time.monotonic() + 10
        while len(leaked_processes(before, grace=0)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)  # the grandchild is on its way
        leaked = leaked_processes(before, grace=0)
        assert parent.pid in leaked and quick.pid in leaked and len(leaked) == 3
        leaked = leaked_processes(before, grace=1.0)  # quick ends (a zombie) meanwhile
        assert parent.pid in leaked and quick.pid not in leaked and len(leaked) == 2
    finally:
        for child in psutil.Process(parent.pid).children(recursive=True):
            child.kill()
        parent.kill()
        parent.wait()
        quick.kill()
        quick.wait()
    assert leaked_processes(before, grace=2) == {}
