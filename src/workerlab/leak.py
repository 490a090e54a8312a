"""The leak checker, Go's ``goleak`` for threads (introduced in lesson 05).

A thread alive at the end of a block that was not alive at its start is a *leak*: a worker
left waiting for a job that will never come, holding its memory. Python says nothing about
it, so the course checks: :func:`no_leaked_threads` around a block, :func:`leaked_threads`
against a snapshot taken earlier (every lesson's end check uses it). A thread that is just
finishing is not a leak, so both give stragglers a short grace period first.

Processes leak the same way: :func:`leaked_processes` finds child processes of any kind
(``multiprocessing``'s, ``subprocess``'s, and what those started) alive now but not in a
snapshot taken earlier with :func:`child_processes`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import psutil

from workerlab.frames import where
from workerlab.validate import callable_arg, positive_number

ThreadFilter = Callable[[threading.Thread], bool]


class LeakedThreads(AssertionError):
    """Threads outlived the block that started them; the message says where each one is."""

    def __init__(self, threads: list[threading.Thread]) -> None:
        self.threads = threads
        lines = [f"{len(threads)} thread(s) leaked:"]
        for thread in threads:
            lines.append(f'  thread "{thread.name}" (daemon={thread.daemon}) blocked at:')
            lines.extend(f"      {frame}" for frame in where(thread) or ["(not running)"])
        super().__init__("\n".join(lines))


def leaked_threads(
    baseline: Iterable[threading.Thread],
    *,
    grace: float = 1.0,
    ignore: ThreadFilter | None = None,
) -> list[threading.Thread]:
    """Threads alive now but not in ``baseline``, once ``grace`` seconds of retries are up.

    Polls until every extra thread has ended or the grace period is over. The Jupyter
    kernel's own service threads never count (see :func:`is_kernel_machinery`), nor do
    threads for which ``ignore(thread)`` is true.
    """
    positive_number("grace", grace, allow_zero=True)
    if ignore is not None:
        callable_arg("ignore", ignore)
    before = set(baseline)
    deadline = time.monotonic() + grace
    while True:
        extra = [
            thread
            for thread in threading.enumerate()
            if thread not in before
            and thread.is_alive()
            and not is_kernel_machinery(thread)
            and not (ignore is not None and ignore(thread))
        ]
        if not extra or time.monotonic() >= deadline:
            return extra
        time.sleep(0.01)


@contextmanager
def no_leaked_threads(*, grace: float = 1.0, ignore: ThreadFilter | None = None) -> Iterator[None]:
    """Fail with :class:`LeakedThreads` if the block leaves a thread running (like goleak).

    Threads still alive ``grace`` seconds after the block ends, that were not alive when it
    began, are leaks; ``ignore(thread)`` may excuse some. If the block raises, that error wins.
    """
    positive_number("grace", grace, allow_zero=True)
    if ignore is not None:
        callable_arg("ignore", ignore)
    baseline = set(threading.enumerate())
    yield
    leaks = leaked_threads(baseline, grace=grace, ignore=ignore)
    if leaks:
        raise LeakedThreads(leaks)


def is_kernel_machinery(thread: threading.Thread) -> bool:
    """Whether ``thread`` is one of the Jupyter kernel's own service threads.

    ipykernel 7 starts a *subshell* thread whenever JupyterLab asks for one, which can be in
    the middle of a lesson; and pyzmq starts its *garbage collector* thread the first time
    the kernel sends a large message without copying it (a big figure does it). Both belong
    to the kernel, not to the lesson, so they are no leak.
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


def child_processes() -> dict[int, str]:
    """This process's children, and theirs, that still run: pid → program name.

    A zombie (ended, its exit status not yet collected) does not count: it holds nothing.
    """
    children = {}
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                children[child.pid] = child.name()
        except psutil.NoSuchProcess:  # it ended while we looked
            pass
    return children


def leaked_processes(baseline: Iterable[int], *, grace: float = 1.0) -> dict[int, str]:
    """Child processes running now whose pid is not in ``baseline``, once ``grace`` seconds
    of retries are up (a process that was just told to stop gets time to end): pid → name."""
    positive_number("grace", grace, allow_zero=True)
    before = set(baseline)
    deadline = time.monotonic() + grace
    while True:
        extra = {pid: name for pid, name in child_processes().items() if pid not in before}
        if not extra or time.monotonic() >= deadline:
            return extra
        time.sleep(0.01)
