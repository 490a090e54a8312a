"""Lesson 01: a blocking loop over real files, and where its time goes.

The loop reads a text file, transforms it, and writes the result, one file after the
other. Reading and writing wait on simulated slow storage (``time.sleep`` standing in for a
network disk or a remote API) before the real read or write; the transform is real CPU
work. Timing the loop with the wall clock and with the process's CPU clock shows what the
lesson is about: the program is slow, yet the CPU is idle most of the time.
"""

from __future__ import annotations

import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workerlab.trace import Trace
from workerlab.validate import existing_folder, positive_int, positive_number

#: Words the generated files are made of: enough variety for the transform to do real work.
_VOCABULARY = [
    "order",
    "barista",
    "queue",
    "espresso",
    "latte",
    "milk",
    "cup",
    "worker",
    "job",
    "line",
    "shop",
    "counter",
    "grinder",
    "bean",
    "roast",
    "steam",
    "foam",
    "ticket",
    "customer",
    "wait",
    "ready",
    "pour",
    "brew",
    "filter",
    "cold",
    "hot",
    "sugar",
]


@dataclass(frozen=True, slots=True)
class SimulatedIO:
    """How long each read and each write waits on the (simulated) slow storage, in seconds."""

    read_latency: float = 0.002
    write_latency: float = 0.002

    def __post_init__(self) -> None:
        positive_number("read_latency", self.read_latency)
        positive_number("write_latency", self.write_latency)


@dataclass(frozen=True, slots=True)
class LoopReport:
    """What one run of the loop measured."""

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


def make_text_files(
    folder: Path | str, count: int, *, words: int = 150, seed: int = 1
) -> list[Path]:
    """Write ``count`` small text files of ``words`` random words into ``folder``.

    The same ``seed`` gives the same files, so every learner's run processes the same text.
    """
    folder = existing_folder("folder", folder)
    positive_int("count", count)
    positive_int("words", words)
    rng = random.Random(seed)
    paths = []
    for number in range(count):
        path = folder / f"order-{number:04d}.txt"
        lines = (
            " ".join(rng.choices(_VOCABULARY, k=min(12, words - start)))
            for start in range(0, words, 12)
        )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def transform(text: str) -> str:
    """The CPU step: count the words and put a summary line above the text, in capitals."""
    counts = Counter(re.findall(r"[a-z]+", text.lower()))
    top = ", ".join(f"{word}={n}" for word, n in counts.most_common(3))
    return f"words={sum(counts.values())} top: {top}\n{text.upper()}"


def process_file(path: Path, out_folder: Path, io: SimulatedIO, trace: Trace | None = None) -> Path:
    """Read ``path``, transform it and write the result into ``out_folder``; return the output path.

    Each step is recorded in ``trace`` (if given) as a span labelled read, transform, write.
    """
    log = trace if trace is not None else Trace()
    with log.span("read", job=path.stem):
        time.sleep(io.read_latency)
        text = path.read_text(encoding="utf-8")
    with log.span("transform", job=path.stem):
        result = transform(text)
    with log.span("write", job=path.stem):
        time.sleep(io.write_latency)
        out_path = out_folder / path.name
        out_path.write_text(result, encoding="utf-8")
    return out_path


def run_sequential(
    files: Sequence[Path], out_folder: Path | str, io: SimulatedIO | None = None
) -> LoopReport:
    """Process every file, one after the other, and measure wall time and CPU time.

    CPU time is ``time.process_time()``: the time this process spent on a CPU (in Python
    and in the kernel's file system code), which does not advance while it sleeps.
    """
    if isinstance(files, str | Path) or not isinstance(files, Sequence):
        raise TypeError("files must be a sequence of paths (e.g. the list make_text_files returns)")
    if not files:
        raise ValueError("files is empty: make some with make_text_files first")
    missing = [Path(f).name for f in files if not Path(f).is_file()]
    if missing:
        raise ValueError(f"files holds paths that are not files: {missing[:3]}")
    out_folder = existing_folder("out_folder", out_folder)
    if io is None:
        io = SimulatedIO()
    elif not isinstance(io, SimulatedIO):
        raise TypeError(f"io must be a SimulatedIO, got {type(io).__name__}")

    trace = Trace()
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    for path in files:
        process_file(Path(path), out_folder, io, trace)
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    return LoopReport(files=len(files), wall_seconds=wall, cpu_seconds=cpu, trace=trace)


def describe(report: LoopReport) -> str:
    """A one-paragraph summary of a run, as the notebook and the explorer show it."""
    return (
        f"{report.files} files in {report.wall_seconds:.2f} s of wall time; "
        f"the CPU worked for {report.cpu_seconds:.3f} s of it, "
        f"so it sat idle {report.idle_share:.0%} of the time."
    )


def latency_run(count: int, read_ms: float, write_ms: float) -> tuple[LoopReport, str]:
    """The latency explorer's callback: run the loop over ``count`` fresh files.

    Latencies are in milliseconds. The files live in a temporary folder that is removed
    before this returns, so the explorer works at any time, even after the lesson's own
    folders are gone. Returns the report and its one-line summary.
    """
    positive_int("count", count)
    positive_number("read_ms", read_ms)
    positive_number("write_ms", write_ms)
    with tempfile.TemporaryDirectory(prefix="workerlab-explorer-") as folder:
        inbox, outbox = Path(folder, "in"), Path(folder, "out")
        inbox.mkdir()
        outbox.mkdir()
        files = make_text_files(inbox, count)
        report = run_sequential(files, outbox, SimulatedIO(read_ms / 1000, write_ms / 1000))
    return report, describe(report)
