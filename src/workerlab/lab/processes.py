"""Child processes a demo starts: stopping them for sure, and hearing from them (lesson 07).

Lesson 07's workers, Huey consumer and Dask cluster run in other processes. A demo must
never leave one behind (:func:`stop_process`), and the notebook learns what a job in
another process is doing from the *marker files* the job writes (:func:`wait_for_files`),
because a worker never prints.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from workerlab.validate import positive_int, positive_number


def stop_process(process: subprocess.Popen[bytes], signum: int, grace: float) -> None:
    """Send ``signum`` to ``process`` if it is alive, wait ``grace`` s, then SIGKILL it.

    The polite signal first (SIGTERM, SIGINT): a well-written worker finishes or hands back
    its job. SIGKILL is the bound: after it the process is gone, whatever it was doing.
    """
    positive_number("grace", grace, allow_zero=True)
    if process.poll() is None:
        process.send_signal(signum)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_for_files(folder: Path, pattern: str, count: int, timeout: float) -> list[Path]:
    """Wait until ``folder`` holds at least ``count`` files matching ``pattern``; return them.

    Raises ``TimeoutError`` after ``timeout`` seconds, so a demo never waits forever.
    """
    positive_int("count", count)
    positive_number("timeout", timeout)
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(Path(folder).glob(pattern))
        if len(found) >= count:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{len(found)} of {count} {pattern!r} files after {timeout} s")
        time.sleep(0.005)
