"""Lesson 01's lab: files for the blocking loop to work on, a run's summary, the explorer's runs.

The loop itself, the idea of the lesson, is :mod:`workerlab.blocking`.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from workerlab.blocking import LoopRun, SimulatedIO, run_sequential
from workerlab.validate import existing_folder, positive_int, positive_number

#: Words the generated files are made of: enough variety for the transform to do real work.
VOCABULARY = (
    "order", "barista", "queue", "espresso", "latte", "milk", "cup", "worker", "job", "line",
    "shop", "counter", "grinder", "bean", "roast", "steam", "foam", "ticket", "customer",
    "wait", "ready", "pour", "brew", "filter", "cold", "hot", "sugar",
)  # fmt: skip


def make_text_files(
    folder: Path | str, count: int, *, words: int = 150, seed: int = 1
) -> list[Path]:
    """Write ``count`` small text files of ``words`` random words into ``folder``.

    The same ``seed`` gives the same files, so every learner's run processes the same text.
    Lines hold 12 words, like a page of plain text.
    """
    folder = existing_folder("folder", folder)
    positive_int("count", count)
    positive_int("words", words)
    rng = random.Random(seed)
    paths = []
    for number in range(count):
        path = folder / f"order-{number:04d}.txt"
        lines = (
            " ".join(rng.choices(VOCABULARY, k=min(12, words - start)))
            for start in range(0, words, 12)
        )
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def describe(run: LoopRun) -> str:
    """A one-line summary of a run, as the notebook and the explorer show it."""
    return (
        f"{run.files} files in {run.wall_seconds:.2f} s of wall time; "
        f"the CPU worked for {run.cpu_seconds:.3f} s of it, "
        f"so it sat idle {run.idle_share:.0%} of the time."
    )


def latency_run(count: int, read_ms: float, write_ms: float) -> tuple[LoopRun, str]:
    """The latency explorer's callback: run the loop over ``count`` fresh files.

    Latencies are in milliseconds. The files live in a temporary folder that is removed
    before this returns, so the explorer works at any time, even after the lesson's own
    folders are gone. Returns the run and its one-line summary.
    """
    positive_int("count", count)
    positive_number("read_ms", read_ms)
    positive_number("write_ms", write_ms)
    with tempfile.TemporaryDirectory(prefix="workerlab-explorer-") as folder:
        inbox, outbox = Path(folder, "in"), Path(folder, "out")
        inbox.mkdir()
        outbox.mkdir()
        files = make_text_files(inbox, count)
        run = run_sequential(files, outbox, SimulatedIO(read_ms / 1000, write_ms / 1000))
    return run, describe(run)
