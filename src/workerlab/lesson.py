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
from dataclasses import dataclass, field
from pathlib import Path

from workerlab.leak import leaked_threads
from workerlab.records import CheckResult
from workerlab.validate import positive_int


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
        threads = leaked_threads(self.baseline, grace=grace)
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
