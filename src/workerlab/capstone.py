"""The capstone job: checksums and word counts over a folder of real files (lesson 08).

One realistic batch job, built twice: :func:`run_sequential` (the lesson 01 loop) and
:func:`run_pool`, which brings together the course's ideas: lesson 02's pool
(:func:`workerlab.pool.run_pool`: worker threads fed through a bounded job queue), a
deadline carried by lesson 04's :class:`~workerlab.context.Context` that every wait
honours, errors sent back as values and kept with their causes instead of stopping the run
(lesson 04), a ``tqdm.auto`` progress bar, and no thread left behind, which lesson 05's
leak checker verifies. Threads suit this job: it waits on (simulated) slow storage most of
the time, and threads overlap waits well (lesson 06).
"""

from __future__ import annotations

import csv
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workerlab import context, errors, pool
from workerlab.progress import progress_bar
from workerlab.validate import existing_folder, positive_int, positive_number

_WORDS = (
    "espresso", "latte", "mocha", "cortado", "flat", "white", "americano", "ristretto",
    "macchiato", "cappuccino", "oat", "milk", "sugar", "cup", "saucer", "barista", "grinder",
    "beans", "roast", "crema", "steam", "foam", "order", "queue", "counter", "table", "receipt",
    "tip", "morning", "rush", "ticket", "pickup",
)


def make_corpus(
    folder: Path | str, count: int, *, broken: int = 3, seed: int = 8, progress: bool = False
) -> list[Path]:
    """Write ``count`` text files (1–12 KB of words) in 20 subfolders of ``folder``.

    ``broken`` of them are not valid UTF-8, the kind of file every real folder contains
    somewhere; the job must report them, not crash on them. Returns the paths, sorted.
    The same ``seed`` gives the same files, so every learner gets the same checksums.
    """
    root = existing_folder("folder", folder)
    positive_int("count", count)
    positive_int("broken", broken, minimum=0)
    if broken > count:
        raise ValueError(f"broken must be <= count, got {broken} > {count}")
    rng = random.Random(seed)
    bad = set(rng.sample(range(count), broken))
    paths = []
    with progress_bar(
        total=count, enabled=progress, desc="writing files", leave=True, unit="file"
    ) as bar:
        for number in range(count):
            paths.append(_write_one(root, number, rng, number in bad))
            bar.update()
    return sorted(paths)


def _write_one(root: Path, number: int, rng: random.Random, broken: bool) -> Path:
    """Write order number ``number`` (invalid UTF-8 if ``broken``) and return its path."""
    shelf = root / f"shelf-{number % 20:02d}"
    shelf.mkdir(exist_ok=True)
    path = shelf / f"order-{number:05d}.txt"
    data = " ".join(rng.choices(_WORDS, k=rng.randint(150, 1800))).encode()
    if broken:
        data = data[:100] + b"\xff\xfe" + data[100:]  # not UTF-8
    path.write_bytes(data)
    return path


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


def process_file(
    path: Path, root: Path, latency: float, ctx: context.Context | None = None
) -> FileResult:
    """Wait ``latency`` s (slow storage), read ``path``, hash it, count its words.

    Failures are wrapped in :class:`FileJobError` *from* the original error, saying which
    file and which step, so a report can show both the context and the cause. With a
    ``ctx``, the wait ends the moment it is cancelled or its deadline passes, and the
    context's error (``DeadlineExceeded``, ``Cancelled``) is raised as it is: that is not a
    fault of the file.
    """
    name = path.relative_to(root).as_posix()
    if ctx is None:
        time.sleep(latency)  # the storage's latency: a network disk, a bucket
    else:
        context.sleep(ctx, latency)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileJobError(name, "read") from error
    try:
        words = len(data.decode("utf-8").split())
    except UnicodeDecodeError as error:
        raise FileJobError(name, "decode") from error
    return FileResult(name, len(data), hashlib.sha256(data).hexdigest(), words)


@dataclass
class RunReport:
    """The outcome of a run: results, errors with causes, files cut short, wall time.

    Every file lands in exactly one place: ``results``, ``errors``, ``interrupted`` (handed
    to the pool, then stopped by the context) or ``not_started`` (the context ended first).
    """

    workers: int
    results: list[FileResult] = field(default_factory=list)
    errors: list[FileJobError] = field(default_factory=list)
    interrupted: int = 0
    not_started: int = 0
    wall_seconds: float = 0.0

    @property
    def accounted(self) -> int:
        """How many files the report accounts for (all of them, always)."""
        return len(self.results) + len(self.errors) + self.interrupted + self.not_started

    @property
    def cut_short(self) -> bool:
        """True if the context (a deadline, a cancel) ended the run before its end."""
        return self.interrupted + self.not_started > 0

    def summary(self) -> str:
        """One line for the learner: counts and time."""
        text = (
            f"{self.workers} worker(s): {len(self.results)} files done, "
            f"{len(self.errors)} errors, {self.interrupted} interrupted, "
            f"{self.not_started} not started, {self.wall_seconds:.2f} s"
        )
        return text + (" (cut short)" if self.cut_short else "")

    def error_lines(self) -> list[str]:
        """Each error with its cause, as ``file: step failed <- CauseType: message``."""
        return [f"{e} <- {type(e.__cause__).__name__}: {e.__cause__}" for e in self.errors]


def run_sequential(
    paths: Iterable[Path], root: Path, *, latency: float, progress: bool = False
) -> RunReport:
    """Process every file one after the other (the lesson 01 loop), collecting errors."""
    paths = list(paths)
    positive_number("latency", latency, allow_zero=True)
    report = RunReport(workers=1)
    start = time.perf_counter()
    with progress_bar(
        total=len(paths), enabled=progress, desc="sequential", leave=True, unit="file"
    ) as bar:
        for path in paths:
            try:
                report.results.append(process_file(path, root, latency))
            except FileJobError as error:
                report.errors.append(error)
            bar.update()
    report.wall_seconds = time.perf_counter() - start
    return report


def run_pool(
    paths: Iterable[Path],
    root: Path,
    *,
    workers: int,
    latency: float,
    ctx: context.Context | None = None,
    buffer: int | None = None,
    progress: bool = False,
    timeout: float = 120.0,
) -> RunReport:
    """Process the files on lesson 02's pool: ``workers`` threads, a bounded job queue.

    ``buffer`` (default ``2 × workers``) is the job queue's size: the producer waits while
    it is full. A worker never lets an error escape: a :class:`FileJobError` comes back as
    a value and lands in ``errors``, so one bad file cannot stop the run. ``ctx`` (lesson
    04's context, e.g. from ``context.with_timeout``) ends the run early: a worker that
    takes a file after the context ended skips it (``not_started``), and a file waiting on
    storage stops waiting at once (``interrupted``). Nothing is dropped silently.
    ``timeout`` is the pool's own bound on the whole run (it raises ``TimeoutError``).
    """
    paths = list(paths)
    positive_int("workers", workers)
    positive_number("latency", latency, allow_zero=True)
    if ctx is not None and not isinstance(ctx, context.Context):
        raise TypeError(f"ctx must be a workerlab.context.Context, got {type(ctx).__name__}")
    skipped = object()  # what a worker returns for a file it never started
    lock = threading.Lock()  # the bar is updated from the worker threads

    with progress_bar(
        total=len(paths), enabled=progress, desc=f"{workers} workers", leave=True, unit="file"
    ) as bar:

        def work(path: Path) -> object:
            if ctx is not None and ctx.err() is not None:
                outcome: object = skipped
            else:
                try:
                    outcome = process_file(path, root, latency, ctx)
                except (FileJobError, errors.ContextError) as error:
                    outcome = error  # sent back as a value, like Go's (result, err)
            with lock:
                bar.update()
            return outcome

        run = pool.run_pool(paths, work, workers, buffer=buffer, timeout=timeout)
    report = RunReport(workers=workers, wall_seconds=run.wall_seconds)
    for outcome in run.values():
        if isinstance(outcome, FileResult):
            report.results.append(outcome)
        elif isinstance(outcome, FileJobError):
            report.errors.append(outcome)
        elif isinstance(outcome, errors.ContextError):
            report.interrupted += 1
        else:
            report.not_started += 1
    return report


def write_results(results: Iterable[FileResult], path: Path) -> Path:
    """Write the results as CSV, atomically (a temporary file renamed into place)."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "bytes", "sha256", "words"])
        for r in results:
            writer.writerow([r.name, r.size, r.sha256, r.words])
    partial.replace(path)
    return path


def sweep(
    run: Callable[[int], RunReport], worker_counts: Iterable[int], *, progress: bool = True
) -> dict[int, float]:
    """Wall seconds of ``run(workers)`` for each worker count, with a progress bar."""
    counts = [positive_int("workers", n) for n in worker_counts]
    seconds = {}
    with progress_bar(
        total=len(counts), enabled=progress, desc="sweep", leave=True, unit="run"
    ) as bar:
        for n in counts:
            seconds[n] = run(n).wall_seconds
            bar.update()
    return seconds
