import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

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


def test_finish_names_a_leaked_thread_says_where_it_waits_and_how_to_recover():
    lesson = start(2)
    stop = threading.Event()
    leak = threading.Thread(target=stop.wait, name="forgotten-barista")
    leak.start()
    try:
        with pytest.raises(AssertionError) as failed:
            lesson.finish(grace=0.05)
    finally:
        stop.set()
        leak.join()
    message = str(failed.value)
    assert "threads still running: forgotten-barista (waiting in wait  threading.py:" in message
    assert "run the cell that stops them" in message
    assert "Kernel → Restart" in message


def test_finish_names_a_child_process_of_any_kind_and_passes_once_it_ended():
    """Not only multiprocessing's: a ``subprocess`` (a Huey consumer, a Go program) counts."""
    forgotten = "import time; time.sleep(30)"
    before = subprocess.Popen([sys.executable, "-c", forgotten])  # the lesson's not to judge
    lesson = start(7)
    child = subprocess.Popen([sys.executable, "-c", forgotten])
    try:
        with pytest.raises(AssertionError) as failed:
            lesson.finish(grace=0.05)
        message = str(failed.value)
        assert "child processes still running: python" in message
        assert f"(pid {child.pid})" in message
        assert f"pid {before.pid}" not in message
        assert "Kernel → Restart" in message
        child.kill()
        child.wait()
        assert lesson.finish(grace=0.05), "an ended (and reaped) child is no leak"
    finally:
        for process in (before, child):
            process.kill()
            process.wait()


def test_the_lesson_folder_holds_every_temporary_file_until_finish():
    system_temp = tempfile.gettempdir()
    lesson = start(3)
    try:
        assert tempfile.gettempdir() == os.environ["TMPDIR"] == str(lesson.folder)
        made = Path(tempfile.mkdtemp())
        assert made.parent == lesson.folder and lesson.tempdir().parent == lesson.folder
    finally:
        lesson.finish()
    assert tempfile.gettempdir() == system_temp and os.environ.get("TMPDIR") != str(lesson.folder)
    assert not lesson.folder.exists()


def test_running_the_first_cell_again_leaves_no_folder_behind():
    first = start(4)
    second = start(4)  # a learner runs the first cell twice
    assert first.folder != second.folder
    second.finish()
    assert not first.folder.exists() and not second.folder.exists()


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


def test_a_name_from_a_cell_not_run_gets_a_hint_in_a_kernel():
    """After a restart, a later cell fails with NameError: the kernel says what to run first."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    from workerlab.ipython_setup import MISSING_NAME_HINT

    start = "from workerlab import lesson as lessons\nlesson = lessons.start(2)"
    nb = new_notebook(cells=[new_code_cell(start), new_code_cell("print(run)")])
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute()
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs] == ["error", "stream"]
    assert outputs[0].ename == "NameError" and MISSING_NAME_HINT in outputs[1].text
