"""Huey, a real task queue, on an embedded SQLite file, with its own consumer (lesson 07).

:func:`huey_app` builds the application (a ``SqliteHuey`` and the lesson's three tasks);
:class:`HueyConsumer` runs Huey's own consumer in a separate process,
``python -m workerlab.lab.huey_demo consumer DB``, and always stops it. The tasks live in
this module, not in a notebook cell, because the consumer imports them by name.

(The module is named ``huey_demo``, not ``huey``, so that it never hides the library.)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workerlab.lab.processes import stop_process
from workerlab.validate import positive_int, positive_number


def square(n: int, seconds: float) -> int:
    """A Huey task: wait ``seconds`` (the work), return ``n²`` (the result Huey stores)."""
    time.sleep(seconds)
    return n * n


def flaky(key: str, folder: str, failures: int) -> int:
    """A Huey task that fails its first ``failures`` runs, then returns how many runs it took.

    Each run appends its start time to ``folder/key.runs``, a file that outlives the runs,
    so the lesson can show the delay Huey waited between them.
    """
    runs = Path(folder) / f"{key}.runs"
    with runs.open("a") as log:
        log.write(f"{time.time()}\n")
    count = len(runs.read_text().splitlines())
    if count <= failures:
        raise ConnectionError(f"{key}: the mail server did not answer (run {count})")
    return count


def slow_job(i: int, seconds: float, folder: str) -> int:
    """A Huey task that marks ``started-i`` and, ``seconds`` later, ``done-i`` in ``folder``."""
    (Path(folder) / f"started-{i}").touch()
    time.sleep(seconds)
    (Path(folder) / f"done-{i}").touch()
    return i


@dataclass(frozen=True)
class HueyApp:
    """A Huey instance on one SQLite file, with the lesson's three tasks registered."""

    huey: Any
    square: Any
    flaky: Any
    slow_job: Any


def huey_app(path: str | os.PathLike[str]) -> HueyApp:
    """Build the Huey application stored in ``path``; producer and consumer both call this.

    ``flaky`` retries twice, after 0.2 s then 0.4 s (``retry_backoff=2``). Huey's consumer
    looks at delayed tasks once a second, so each retry really starts up to 1 s later.
    """
    from huey import SqliteHuey  # imported here: importing this module stays cheap

    huey = SqliteHuey("workerlab", filename=os.fspath(path))
    return HueyApp(
        huey=huey,
        square=huey.task()(square),
        flaky=huey.task(retries=2, retry_delay=0.2, retry_backoff=2)(flaky),
        slow_job=huey.task()(slow_job),
    )


def run_consumer(path: str | os.PathLike[str], workers: int) -> None:
    """Run Huey's own consumer (``huey.consumer.Consumer``) on ``path`` until signalled.

    SIGINT stops it gracefully (running tasks finish), SIGTERM at once (running tasks are
    interrupted), SIGKILL without a word. Threads as workers; polls every 20–100 ms.
    """
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    consumer = huey_app(path).huey.create_consumer(
        workers=workers, worker_type="thread", initial_delay=0.02, backoff=1.1, max_delay=0.1
    )
    # Huey starts its workers *before* it sets its signal handlers: a SIGINT in between
    # would kill the consumer outright (seen on a busy machine). So SIGINT waits, blocked,
    # until start() has returned, and is then delivered to Huey's own handler.
    start = consumer.start

    def start_then_listen() -> Any:
        started = start()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
        return started

    consumer.start = start_then_listen
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    consumer.run()


class HueyConsumer:
    """A Huey consumer process on ``path``, started by ``with`` and always stopped after it.

    Leaving the block stops it gracefully (SIGINT) if it is still running, and SIGKILLs
    it if it has not stopped after ``grace`` seconds. Its log goes to ``log``.
    """

    def __init__(
        self, path: str | os.PathLike[str], log: Path, *, workers: int = 2, grace: float = 5.0
    ) -> None:
        self.path = Path(path)
        self.log = Path(log)
        self.workers = positive_int("workers", workers)
        self.grace = positive_number("grace", grace)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> HueyConsumer:
        command = [sys.executable, "-m", "workerlab.lab.huey_demo", "consumer", str(self.path)]
        command += ["--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            stop_process(self.process, signal.SIGINT, self.grace)

    def stop_gracefully(self, timeout: float) -> int:
        """SIGINT: finish the running tasks, then exit; return the exit code."""
        assert self.process is not None, "start the consumer with `with` first"
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=positive_number("timeout", timeout))

    def kill(self) -> None:
        """SIGKILL the consumer, as a crash or the out-of-memory killer would."""
        assert self.process is not None, "start the consumer with `with` first"
        self.process.kill()
        self.process.wait(timeout=5)


def follow(result: Any, timeout: float) -> Iterator[str]:
    """Yield each outcome of a Huey task with retries, until it returns or gives up.

    Huey stores each failed run's exception as the task's result; ``get`` raises it as a
    ``TaskException``. ``reset`` forgets it, so the next ``get`` waits for the retry.
    Raises ``huey.exceptions.ResultTimeout`` if nothing new comes within ``timeout`` s.
    """
    from huey.exceptions import TaskException

    positive_number("timeout", timeout)
    while True:
        try:
            value = result.get(blocking=True, timeout=timeout)
        except TaskException as failed:
            yield f"failed: {failed.metadata['error']}"
            if failed.metadata.get("retries", 0) == 0:
                return  # no retry left: Huey gave up
            result.reset()
        else:
            yield f"returned {value!r}"
            return


def main(argv: list[str] | None = None) -> int:
    """``python -m workerlab.lab.huey_demo consumer DB``: Huey's consumer on a SqliteHuey file."""
    parser = argparse.ArgumentParser(description="Run lesson 07's Huey consumer.")
    commands = parser.add_subparsers(dest="command", required=True)
    consumer = commands.add_parser("consumer", help="a Huey consumer on a SqliteHuey file")
    consumer.add_argument("database", type=Path)
    consumer.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    run_consumer(args.database, args.workers)
    return 0


if __name__ == "__main__":
    # Run main() from the imported module, not from __main__: Huey names each task after
    # its function's module, and the producer knows them as workerlab.lab.huey_demo.*.
    from workerlab.lab.huey_demo import main as imported_main

    sys.exit(imported_main())
