import threading

import pytest

from workerlab.leak import leaked_threads as extra_threads
from workerlab.lesson import start


def test_finish_removes_folders_and_reports_clean():
    lesson = start(1)
    folder = lesson.tempdir()
    (folder / "file.txt").write_text("x")
    assert repr(lesson.finish()) == (
        "✅ Lesson 01 ends clean: no extra threads or processes, temporary folders removed."
    )
    assert not folder.exists()


def test_finish_names_a_leaked_thread():
    lesson = start(2)
    stop = threading.Event()
    leak = threading.Thread(target=stop.wait, name="forgotten-barista")
    leak.start()
    try:
        with pytest.raises(AssertionError, match="forgotten-barista"):
            lesson.finish(grace=0.05)
    finally:
        stop.set()
        leak.join()


def test_a_thread_that_is_about_to_end_is_not_a_leak():
    before = set(threading.enumerate())
    stop = threading.Event()
    ending = threading.Thread(target=stop.wait, args=(0.1,), name="almost-done")
    ending.start()
    assert extra_threads(before, grace=2.0) == []
    ending.join()


def test_the_kernels_own_threads_are_not_a_leak():
    base_thread = pytest.importorskip("ipykernel.thread").BaseThread
    before = set(threading.enumerate())
    subshell = base_thread(name="subshell-started-by-jupyterlab")
    subshell.start()
    try:
        assert extra_threads(before, grace=0) == []
    finally:
        subshell.stop()
        subshell.join(timeout=5)


def test_start_rejects_bad_numbers():
    with pytest.raises(ValueError, match="number"):
        start(-1)
    with pytest.raises(TypeError, match="number"):
        start("01")
    with pytest.raises(ValueError, match="grace"):
        extra_threads(set(), grace=-1)


def test_the_kernels_own_threads_are_not_leaks():
    from zmq.utils.garbage import GarbageCollector

    before = set(threading.enumerate())
    collector = GarbageCollector()  # what pyzmq starts when a kernel sends a big figure
    collector.start()
    try:
        assert extra_threads(before, grace=0) == []
    finally:
        collector.stop()
