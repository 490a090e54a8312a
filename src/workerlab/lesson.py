"""What every lesson notebook does at its start and at its end (introduced in lesson 00).

>>> lesson = start(1)          # first code cell: remember which threads exist now
>>> folder = lesson.tempdir()  # temporary folders the lesson will remove
>>> lesson.finish()            # last code cell: remove them, prove nothing was left behind
✅ Lesson 01 ends clean: no extra threads or processes, temporary folders removed.

The end check is the course's promise that every demo is safe: a notebook that started a
thread and lost track of it fails here (and so fails CI), instead of leaving a thread
running in the learner's kernel.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from workerlab.exercises import CheckResult
from workerlab.validate import positive_int, positive_number


def extra_threads(baseline: set[threading.Thread], *, grace: float = 2.0) -> list[threading.Thread]:
    """Threads alive now that were not in ``baseline``, after waiting up to ``grace`` seconds.

    A thread that is just finishing is not a leak, so this polls until every extra thread
    has ended or the grace period runs out.
    """
    positive_number("grace", grace, allow_zero=True)
    deadline = time.monotonic() + grace
    while True:
        extra = [
            t
            for t in threading.enumerate()
            if t not in baseline and t.is_alive() and not _is_kernel_machinery(t)
        ]
        if not extra or time.monotonic() >= deadline:
            return extra
        time.sleep(0.01)


def _is_kernel_machinery(thread: threading.Thread) -> bool:
    """Whether ``thread`` is one of the Jupyter kernel's own service threads.

    ipykernel 7 starts a *subshell* thread whenever JupyterLab asks for one, which can be in
    the middle of a lesson; and pyzmq starts its *garbage collector* thread the first time
    the kernel sends a large message without copying it (a big figure does it, found in
    lesson 06). Both belong to the kernel, not to the lesson, so they are no leak.
    """
    kinds: list[type] = []
    try:
        from zmq.utils.garbage import GarbageCollectorThread

        kinds.append(GarbageCollectorThread)
    except ImportError:  # no pyzmq: not running in a kernel
        pass
    try:
        from ipykernel.thread import BaseThread

        kinds.append(BaseThread)
    except ImportError:  # ipykernel < 7, or not running in a kernel at all
        pass
    return isinstance(thread, tuple(kinds))


@dataclass
class Lesson:
    """A lesson in progress: the threads it started with and the temporary folders it made."""

    number: int
    baseline: set[threading.Thread] = field(default_factory=lambda: set(threading.enumerate()))
    folders: list[Path] = field(default_factory=list)

    def tempdir(self) -> Path:
        """A new temporary folder that :meth:`finish` removes."""
        folder = Path(tempfile.mkdtemp(prefix=f"workerlab-{self.number:02d}-"))
        self.folders.append(folder)
        return folder

    def finish(self, *, grace: float = 2.0) -> CheckResult:
        """Remove the lesson's folders; raise ``AssertionError`` if a thread or process is left."""
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        left_folders = [f.name for f in self.folders if f.exists()]
        threads = extra_threads(self.baseline, grace=grace)
        children = multiprocessing.active_children()
        problems = []
        if threads:
            problems.append("threads still running: " + ", ".join(t.name for t in threads))
        if children:
            problems.append("child processes still running: " + ", ".join(p.name for p in children))
        if left_folders:
            problems.append("folders not removed: " + ", ".join(left_folders))
        if problems:
            raise AssertionError(
                f"Lesson {self.number:02d} left things behind: " + "; ".join(problems)
            )
        return CheckResult(
            True,
            f"Lesson {self.number:02d} ends clean: no extra threads or processes, "
            "temporary folders removed.",
        )


def start(number: int) -> Lesson:
    """Begin lesson ``number``: show figures as images, and snapshot the running threads."""
    positive_int("number", number, minimum=0)
    _show_figures_inline()
    # tqdm starts a monitor thread on first use unless told not to; the end check would
    # (rightly) call it an extra thread.
    import tqdm

    tqdm.tqdm.monitor_interval = 0
    return Lesson(number)


def _show_figures_inline() -> None:
    """In IPython, display a returned ``Figure`` as a PNG, whatever matplotlib backend is set."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # not running under IPython: nothing to configure
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"}, bbox_inches="tight", dpi=90)
