"""Lesson 01: a blocking loop over real files, and where its time goes.

The loop takes one file at a time through three steps: read it, transform it, write the
result. Reading and writing first wait on slow storage (``time.sleep`` stands in for a
network disk or a remote API), then really read or write; the transform is real CPU work.
Timing the loop twice, with the wall clock and with the process's CPU clock, shows what
the lesson is about: the program is slow, yet the CPU is idle most of the time.

    run = run_sequential(files, out_folder, SimulatedIO(read_latency=0.003))
    run.wall_seconds, run.cpu_seconds, run.idle_share

The files to work on, the explorer's runs and the summary line live in
:mod:`workerlab.lab.loop`.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workerlab.trace import Trace
from workerlab.validate import existing_folder, positive_number


def run_sequential(
    files: Sequence[Path], out_folder: Path | str, io: SimulatedIO | None = None
) -> LoopRun:
    """Process every file, one after the other, and measure wall time and CPU time.

    Wall time is ``time.perf_counter()``, a stopwatch. CPU time is ``time.process_time()``:
    the time this process spent on a CPU (in Python and in the kernel's file system code);
    it stands still while the process sleeps or waits.
    """
    files, out_folder, io = _checked(files, out_folder, io)
    trace = Trace()
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    for path in files:
        process_file(path, out_folder, io, trace)  # the next file waits for this one
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    return LoopRun(files=len(files), wall_seconds=wall, cpu_seconds=cpu, trace=trace)


def process_file(path: Path, out_folder: Path, io: SimulatedIO, trace: Trace | None = None) -> Path:
    """Read ``path``, transform it, write the result into ``out_folder``; return its path.

    Each step is recorded in ``trace`` (if given) as a span named read, transform or write.
    """
    trace = trace if trace is not None else Trace()
    with trace.span("read", job=path.stem):
        time.sleep(io.read_latency)  # waiting on the slow storage: the CPU has nothing to do
        text = path.read_text(encoding="utf-8")
    with trace.span("transform", job=path.stem):
        result = transform(text)  # computing: the CPU is busy
    with trace.span("write", job=path.stem):
        time.sleep(io.write_latency)  # waiting on the slow storage again
        out_path = out_folder / path.name
        out_path.write_text(result, encoding="utf-8")
    return out_path


def transform(text: str) -> str:
    """The CPU step: count the words and put a summary line above the text, in capitals."""
    counts = Counter(re.findall(r"[a-z]+", text.lower()))
    top = ", ".join(f"{word}={n}" for word, n in counts.most_common(3))
    return f"words={sum(counts.values())} top: {top}\n{text.upper()}"


@dataclass(frozen=True, slots=True)
class SimulatedIO:
    """How long each read and each write waits on the (simulated) slow storage, in seconds."""

    read_latency: float = 0.002
    write_latency: float = 0.002

    def __post_init__(self) -> None:
        positive_number("read_latency", self.read_latency)
        positive_number("write_latency", self.write_latency)


@dataclass(frozen=True, slots=True)
class LoopRun:
    """What one run of the loop measured: how many files, wall and CPU seconds, the trace."""

    files: int
    wall_seconds: float
    cpu_seconds: float
    trace: Trace

    @property
    def busy_share(self) -> float:
        """Fraction of the wall time the CPU spent working for this process."""
        return min(1.0, self.cpu_seconds / self.wall_seconds)

    @property
    def idle_share(self) -> float:
        """Fraction of the wall time the CPU sat idle, waiting on I/O."""
        return 1.0 - self.busy_share

    def step_totals(self) -> dict[str, float]:
        """Total seconds spent in each step (read, transform, write), in that order."""
        totals: dict[str, float] = {}
        for span in self.trace.spans():
            totals[span.label] = totals.get(span.label, 0.0) + span.duration
        return totals


def _checked(
    files: Sequence[Path], out_folder: Path | str, io: SimulatedIO | None
) -> tuple[list[Path], Path, SimulatedIO]:
    """The loop's arguments, checked before any file is touched (a clear error, not a trace)."""
    if isinstance(files, str | Path) or not isinstance(files, Sequence):
        raise TypeError("files must be a sequence of paths (e.g. the list make_text_files returns)")
    if not files:
        raise ValueError("files is empty: make some with make_text_files first")
    paths = [Path(f) for f in files]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise ValueError(f"files holds paths that are not files: {missing[:3]}")
    folder = existing_folder("out_folder", out_folder)
    if io is None:
        io = SimulatedIO()
    elif not isinstance(io, SimulatedIO):
        raise TypeError(f"io must be a SimulatedIO, got {type(io).__name__}")
    return paths, folder, io
