"""Multiprocessing's helper processes, stopped once a lesson is done with processes.

Starting a process with ``spawn`` or ``forkserver`` (or a ``ProcessPoolExecutor``, or Dask's
local cluster) also starts helpers that outlive it: the *resource tracker*, which removes
the shared semaphores a crashed program leaves behind, and for ``forkserver`` the *fork
server* (with a ``pymp-*`` folder in the temporary folder). Both run until the Python that
started them exits.

In a Jupyter kernel that makes every shutdown and restart slow. ipykernel ends its child
processes with SIGTERM, re-sent with growing pauses (0.01 s … 10 s) until none is left; the
resource tracker ignores SIGTERM, so the kernel would wait about 14 s. Jupyter gives up after
half its 5 s ``shutdown_wait_time``, then terminates and kills the kernel, whose exit
handlers never run: the ``pymp-*`` folder stays behind.

:func:`stop_helpers` ends both helpers the way the interpreter's exit does, by closing the
pipe each one listens on, then lets multiprocessing remove its temporary folder; the next
process start brings them back. A kernel with no helper left shuts down as fast as a fresh
one. CPython has no public call for this: the ``_stop`` methods used here are the ones its
own test suite uses (3.8 to 3.14); on a Python without them this does nothing.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import forkserver, resource_tracker, synchronize, util

__all__ = ["live_semaphores", "running_helpers", "stop_helpers", "stop_helpers_after"]


def running_helpers() -> dict[str, int]:
    """The helper processes multiprocessing runs for this process now: name → pid."""
    pids = {
        "resource tracker": getattr(resource_tracker._resource_tracker, "_pid", None),
        "fork server": getattr(forkserver._forkserver, "_forkserver_pid", None),
    }
    return {name: pid for name, pid in pids.items() if pid is not None}


def stop_helpers() -> list[str]:
    """Stop the fork server and the resource tracker, and remove multiprocessing's temp folder.

    Returns the names of the helpers it stopped. Does nothing while a child process is still
    running (it may still need them): end the children first. Keeps the resource tracker
    while a multiprocessing semaphore (a ``Lock``, ``Queue``, ``Semaphore``…) is still
    referenced, since a tracker that stops removes the semaphores it tracks and says so on
    the cell's output: drop the last reference (``del pool``) to let it go. Safe to call at
    any time, and again; processes started afterwards start new helpers as usual.
    """
    if multiprocessing.active_children():
        return []
    stopped = list(running_helpers())
    helpers = [forkserver._forkserver]
    gc.collect()  # a semaphore kept only by a reference cycle is released now
    if not live_semaphores():
        helpers.append(resource_tracker._resource_tracker)
    for helper in helpers:
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            stop()
    _remove_temp_folder()
    return [name for name in stopped if name not in running_helpers()]


def live_semaphores() -> int:
    """How many multiprocessing semaphores this process still holds (the tracker tracks them)."""
    cleanup = getattr(getattr(synchronize, "SemLock", None), "_cleanup", None)
    registry = getattr(util, "_finalizer_registry", {})
    return sum(getattr(f, "_callback", None) is cleanup for f in list(registry.values()))


@contextmanager
def stop_helpers_after() -> Iterator[None]:
    """Run the block (which starts processes), then :func:`stop_helpers`, even if it raised.

    >>> with stop_helpers_after():
    ...     with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
    ...         list(pool.map(abs, [-1, -2]))
    """
    try:
        yield
    finally:
        stop_helpers()


def _remove_temp_folder() -> None:
    """Run multiprocessing's own clean-up of its ``pymp-*`` folder now instead of at exit.

    The clean-up removes the folder and makes multiprocessing forget it, so the next process
    start that needs one makes a new one (in the temporary folder current then).
    """
    registry = getattr(util, "_finalizer_registry", {})
    remove = getattr(util, "_remove_temp_dir", None)
    for finalizer in list(registry.values()):
        if remove is not None and getattr(finalizer, "_callback", None) is remove:
            finalizer()
