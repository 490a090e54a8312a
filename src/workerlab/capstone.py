"""Lesson 08, the capstone: checksums and word counts over a folder of real files.

One realistic batch job, built with the whole course. :func:`checksum_file` is the job for
one file; :func:`run_loop` runs it file after file (lesson 01); :func:`run_workers` runs it
on the course's pool (lesson 02), with a deadline every wait honours and errors sent back
with their causes (lesson 04), and every worker joined before it returns (lesson 05).
Threads suit this job: it waits on (simulated) slow storage most of the time (lesson 06).
The files to work on and the speedup sweep live in :mod:`workerlab.lab.corpus`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workerlab import context, pool
from workerlab.errors import ContextError
from workerlab.progress import progress_bar
from workerlab.validate import positive_number


def checksum_file(
    path: Path, root: Path, latency: float, ctx: context.Context | None = None
) -> FileResult:
    """Wait ``latency`` s for the storage, read ``path``, hash it, count its words.

    A failure is raised as a :class:`FileJobError` *from* the original error: which file,
    which step, and the cause. The wait ends the moment ``ctx`` ends (a cancel, a deadline)
    with the context's own error: that is not the file's fault.
    """
    name = path.relative_to(root).as_posix()
    context.sleep(ctx or context.background(), latency)  # the storage: a network disk
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileJobError(name, "read") from error
    try:
        words = len(data.decode("utf-8").split())
    except UnicodeDecodeError as error:
        raise FileJobError(name, "decode") from error
    return FileResult(name, len(data), hashlib.sha256(data).hexdigest(), words)


@dataclass(frozen=True, slots=True)
class FileResult:
    """What the job computes for one file: its size, SHA-256 and number of words."""

    name: str
    size: int
    sha256: str
    words: int


class FileJobError(Exception):
    """A file could not be processed; ``__cause__`` holds the original exception."""

    def __init__(self, name: str, step: str) -> None:
        super().__init__(f"{name}: {step} failed")
        self.name = name
        self.step = step


def run_workers(
    paths: Iterable[Path],
    root: Path,
    *,
    workers: int,
    latency: float,
    ctx: context.Context | None = None,
    progress: bool = False,
    timeout: float = 120.0,
) -> FolderRun:
    """Run the job on the course's pool: ``workers`` threads fed through a bounded line.

    A file's error comes back in the pool's results instead of stopping the run. ``ctx``
    (e.g. ``context.with_timeout``) ends the run early: a file waiting on storage stops at
    once (*interrupted*), files never handed out are counted (*not started*), and every
    worker stops. ``timeout`` bounds the whole run (``TimeoutError``).
    """
    paths = list(paths)
    positive_number("latency", latency, allow_zero=True)  # the pool checks the rest
    lock = threading.Lock()  # the bar is updated from the worker threads
    bar = progress_bar(total=len(paths), enabled=progress, desc=f"{workers} workers", leave=True)
    with bar:

        def work(path: Path) -> FileResult:
            try:
                return checksum_file(path, root, latency, ctx)
            finally:
                with lock:
                    bar.update()

        start = time.perf_counter()
        run = pool.run_pool(paths, work, workers, ctx=ctx, timeout=timeout)
    folder = FolderRun(f"{workers} workers", wall_seconds=time.perf_counter() - start)
    folder.not_started = len(paths) - len(run.results)  # the context ended before they ran
    for result in sorted(run.results, key=lambda r: r.index):  # in the order of the files
        if result.error is None:
            folder.results.append(result.value)
        elif isinstance(result.error, FileJobError):
            folder.errors.append(result.error)
        elif isinstance(result.error, ContextError):
            folder.interrupted += 1
        else:
            raise result.error  # a bug, not a bad file: never count it away
    return folder


def run_loop(
    paths: Iterable[Path], root: Path, *, latency: float, progress: bool = False
) -> FolderRun:
    """The same job file after file (lesson 01's loop), collecting errors instead of stopping."""
    paths = list(paths)
    positive_number("latency", latency, allow_zero=True)
    folder = FolderRun("the loop")
    start = time.perf_counter()
    for path in progress_bar(paths, enabled=progress, desc="the loop", leave=True):
        try:
            folder.results.append(checksum_file(path, root, latency))
        except FileJobError as error:
            folder.errors.append(error)
    folder.wall_seconds = time.perf_counter() - start
    return folder


@dataclass
class FolderRun:
    """One run over the folder. Every file lands in exactly one place: ``results`` (done),
    ``errors`` (failed, with causes), ``interrupted`` (started, then stopped by the context)
    or ``not_started`` (the context ended first)."""

    label: str  # "the loop", "16 workers"
    results: list[FileResult] = field(default_factory=list)
    errors: list[FileJobError] = field(default_factory=list)
    interrupted: int = 0
    not_started: int = 0
    wall_seconds: float = 0.0

    @property
    def accounted(self) -> int:
        """How many files the run accounts for (all of them, always)."""
        return len(self.results) + len(self.errors) + self.interrupted + self.not_started

    @property
    def cut_short(self) -> bool:
        """True if the context (a deadline, a cancel) ended the run before its end."""
        return self.interrupted + self.not_started > 0

    def summary(self) -> str:
        """One line for the learner: counts and time."""
        return (
            f"{self.label}: {len(self.results)} files done, {len(self.errors)} errors, "
            f"{self.interrupted} interrupted, {self.not_started} not started, "
            f"{self.wall_seconds:.2f} s" + (" (cut short)" if self.cut_short else "")
        )
