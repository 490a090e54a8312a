"""Lesson 08's lab: the folder of files the capstone works on, its results file, the sweep.

The job itself, the idea of the lesson, is :mod:`workerlab.capstone`.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

from workerlab import capstone
from workerlab.progress import progress_bar
from workerlab.validate import existing_folder, positive_int, positive_number

#: Words the files are made of: coffee-shop words, as everywhere in the course.
WORDS = (
    "espresso", "latte", "mocha", "cortado", "flat", "white", "americano", "ristretto",
    "macchiato", "cappuccino", "oat", "milk", "sugar", "cup", "saucer", "barista", "grinder",
    "beans", "roast", "crema", "steam", "foam", "order", "queue", "counter", "table", "receipt",
    "tip", "morning", "rush", "ticket", "pickup",
)  # fmt: skip


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
    paths = [
        _write_one(root, number, rng, number in bad)
        for number in progress_bar(range(count), enabled=progress, desc="writing", leave=True)
    ]
    return sorted(paths)


def _write_one(root: Path, number: int, rng: random.Random, broken: bool) -> Path:
    """Write order number ``number`` (invalid UTF-8 if ``broken``) and return its path."""
    shelf = root / f"shelf-{number % 20:02d}"
    shelf.mkdir(exist_ok=True)
    path = shelf / f"order-{number:05d}.txt"
    data = " ".join(rng.choices(WORDS, k=rng.randint(150, 1800))).encode()
    if broken:
        data = data[:100] + b"\xff\xfe" + data[100:]  # not UTF-8
    path.write_bytes(data)
    return path


def write_results(results: Iterable[capstone.FileResult], path: Path) -> Path:
    """Write the results as CSV, atomically: a temporary file, renamed into place.

    A reader never sees half a file (the trick of lesson 07's receipts).
    """
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "bytes", "sha256", "words"])
        writer.writerows([r.name, r.size, r.sha256, r.words] for r in results)
    partial.replace(path)
    return path


def speedup_sweep(
    paths: Sequence[Path],
    root: Path,
    worker_counts: Iterable[int],
    *,
    latency: float,
    progress: bool = True,
) -> dict[int, float]:
    """Wall seconds of the loop (key 1) and of the pool for each worker count, back to back.

    The loop is measured in the same sweep, on the same files in the same state (the same
    warm or cold file cache), right before the pools: a speedup compares like with like,
    however often the cell is run.
    """
    counts = [positive_int("workers", n, minimum=2) for n in worker_counts]  # 1: the loop
    positive_number("latency", latency, allow_zero=True)
    seconds = {}
    with progress_bar(total=1 + len(counts), enabled=progress, desc="sweep", leave=True) as bar:
        seconds[1] = capstone.run_loop(paths, root, latency=latency).wall_seconds
        bar.update()
        for n in counts:
            seconds[n] = capstone.run_workers(paths, root, workers=n, latency=latency).wall_seconds
            bar.update()
    return seconds
