"""What every lesson notebook does at its start and at its end (introduced in lesson 00).

>>> lesson = start(1)          # first code cell: remember which threads exist now
>>> folder = lesson.tempdir()  # temporary folders the lesson will remove
>>> lesson.finish()            # last code cell: remove them, prove nothing was left behind
✅ Lesson 01 ends clean: no extra threads or processes, temporary folders removed.

The end check is the course's promise that every demo is safe: a notebook that started a
thread and lost track of it fails here (and so fails CI), instead of leaving a thread
running in the learner's kernel. When it fails it names each thread, says where it waits,
and says how to recover.

While a lesson runs, its own folder is the temporary folder of everything it starts
(``tempfile`` and ``TMPDIR``: multiprocessing's ``pymp-*`` folder, Dask's scratch space,
the files a demo makes), so nothing lands in the system's temporary folder. ``finish``
stops multiprocessing's helper processes (a kernel restart then takes a second, not ten:
see :mod:`workerlab.mphelpers`), removes the folder and puts the temporary folder back.
A kernel that exits before ``finish`` removes the folder on its way out; the folder of one
that was killed is removed by the next lesson's ``start``.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from workerlab.frames import where
from workerlab.ipython_setup import explain_missing_names, show_figures_inline
from workerlab.leak import child_processes, leaked_processes, leaked_threads
from workerlab.mphelpers import running_helpers, stop_helpers
from workerlab.records import CheckResult
from workerlab.validate import positive_int

#: A lesson's folder in the system's temporary folder: ``wl02-<kernel pid>-…``. Short, for
#: the Unix socket multiprocessing's fork server puts two folders below it, and a socket's
#: path may hold 103 characters (macOS; Linux 107): ``/pymp-…/listener-…`` takes 32.
FOLDER_PATTERN = re.compile(r"wl\d\d-(\d+)-")
LONGEST_FOLDER = 103 - 32

RECOVER = (
    "To recover, run the cell that stops them (it sends their sentinels, closes their "
    "channel or cancels their context), or restart the kernel (Kernel → Restart Kernel…) "
    "and run the lesson again from the top."
)


@dataclass
class Lesson:
    """A lesson in progress: the threads and child processes it started with, and its own
    temporary folder."""

    number: int
    folder: Path
    baseline: set[threading.Thread] = field(default_factory=lambda: set(threading.enumerate()))
    processes_before: set[int] = field(default_factory=lambda: set(child_processes()))

    def tempdir(self) -> Path:
        """A new temporary folder inside the lesson's own, which :meth:`finish` removes."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"workerlab-{self.number:02d}-", dir=self.folder))

    def finish(self, *, grace: float = 2.0) -> CheckResult:
        """Clean up; raise ``AssertionError`` naming what is left and how to recover.

        Stops multiprocessing's helper processes (once no child runs), removes the lesson's
        folder and puts the temporary folder back, then checks that no thread or child
        process the lesson started is still running.
        """
        threads = leaked_threads(self.baseline, grace=grace)
        named = {p.pid: p.name for p in multiprocessing.active_children()}
        stop_helpers()
        helpers = set(running_helpers().values())  # still running only while a child runs
        children = leaked_processes(self.processes_before | helpers, grace=grace)
        _restore_temp_folder()
        _remove_own_folders()
        problems = []
        if threads:
            problems.append("threads still running: " + "; ".join(map(_waiting, threads)))
        if children:
            names = [f"{named.get(pid, name)} (pid {pid})" for pid, name in children.items()]
            problems.append("child processes still running: " + ", ".join(names))
        if self.folder.exists():
            problems.append(f"folder not removed (still in use?): {self.folder.name}")
        if problems:
            raise AssertionError(
                f"Lesson {self.number:02d} left things behind: "
                + "; ".join(problems)
                + (f". {RECOVER}" if threads or children else ".")
            )
        return CheckResult(
            True,
            f"Lesson {self.number:02d} ends clean: no extra threads or processes, "
            "temporary folders removed.",
        )


def start(number: int) -> Lesson:
    """Begin lesson ``number``: show figures as images, snapshot the threads, make its folder.

    From here until :meth:`Lesson.finish`, temporary files of this process and of the
    processes it starts go into the lesson's folder.
    """
    positive_int("number", number, minimum=0)
    show_figures_inline()
    explain_missing_names()
    # tqdm starts a monitor thread on first use unless told not to; the end check would
    # (rightly) call it an extra thread.
    import tqdm

    tqdm.tqdm.monitor_interval = 0
    system_temp = _restore_temp_folder()
    _remove_folders_of_dead_kernels(system_temp)
    folder = Path(tempfile.mkdtemp(prefix=f"wl{number:02d}-{os.getpid()}-"))
    if not _own_folders:
        atexit.register(_at_exit)
    _own_folders.append(folder)
    if len(str(folder)) <= LONGEST_FOLDER:  # else the fork server could not start in it
        _redirect_temp_folder(folder)
    return Lesson(number, folder)


# The temporary folder before a lesson redirected it: (tempfile.tempdir, TMPDIR).
_saved: list[tuple[str | None, str | None]] = []
# Every lesson folder this process made: running the first cell again starts a new lesson,
# and the next finish (or the kernel's exit) removes the earlier folders too.
_own_folders: list[Path] = []


def _remove_own_folders() -> None:
    for folder in _own_folders:
        shutil.rmtree(folder, ignore_errors=True)


def _at_exit() -> None:
    """A kernel restarted or shut down mid-lesson: remove its folders on the way out."""
    stop_helpers()  # first, so multiprocessing removes its own folder before ours goes
    _remove_own_folders()


def _redirect_temp_folder(folder: Path) -> None:
    if not _saved:
        _saved.append((tempfile.tempdir, os.environ.get("TMPDIR")))
    tempfile.tempdir = str(folder)
    os.environ["TMPDIR"] = str(folder)


def _restore_temp_folder() -> Path:
    """Put back the temporary folder a lesson redirected (if any); return the system's."""
    if _saved:
        tempdir, env = _saved.pop()
        tempfile.tempdir = tempdir
        if env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = env
    return Path(tempfile.gettempdir())


def _remove_folders_of_dead_kernels(system_temp: Path) -> None:
    """Remove lesson folders whose kernel was killed before it could (POSIX only)."""
    if os.name != "posix":
        return
    for folder in system_temp.glob("wl[0-9][0-9]-*"):
        match = FOLDER_PATTERN.match(folder.name)
        if match and folder.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and belongs to someone else
        return True
    return True


def _waiting(thread: threading.Thread) -> str:
    """``barista-1 (waiting in get  queue.py:171 ← worker  In[5]:4)``: a thread and where it is."""
    frames = where(thread)
    return f"{thread.name} (waiting in {' ← '.join(map(str, frames))})" if frames else thread.name
