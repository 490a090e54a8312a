"""Lesson 06: the same batch of jobs on threads, on processes and on asyncio.

Go has one tool for concurrent work, the goroutine. Python has three, and each fits a
different kind of work. Each function below runs ``job(arg)`` for every arg, at most
``workers`` at a time, and returns the results in the args' order:

- :func:`run_threads`: OS threads in this interpreter. Good at waiting (a thread that waits
  on a socket or a disk lets the others run); no faster at computing in Python, because the
  GIL lets one thread at a time run Python code.
- :func:`run_processes`: separate interpreters, each with its own GIL, so computing runs on
  every core; the price is starting them, and copying every job and result between them.
- :func:`run_asyncio`: tasks taking turns on one thread at each ``await``. Thousands of
  waits cost a few objects each; a job that computes without awaiting stalls all the others.

``concurrent.futures`` gives threads and processes one interface: the first two functions
differ by one class. asyncio needs its jobs written as coroutines (``async def``).

The jobs live here, in a module, because a process pool needs them to: it sends a job to a
worker process by *pickling* it, and a function pickles as a reference (its module's name
and its own), which the worker imports to find the function again. A function typed into a
notebook cell lives in ``__main__``, which a worker started by ``forkserver`` or ``spawn``
cannot import.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import TypeVar

from workerlab.validate import callable_arg, positive_int

A = TypeVar("A")
R = TypeVar("R")

#: How :func:`run_processes` starts its workers. ``forkserver`` (Linux, macOS) forks each
#: worker from a small server process started once; ``spawn`` (Windows, the only one there)
#: starts a fresh interpreter per worker. Both are safe in a process that runs threads, as a
#: Jupyter kernel does (``fork`` is not, and from Python 3.14 it is no longer Linux's default).
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def run_threads(job: Callable[[A], R], args: Iterable[A], workers: int) -> list[R]:
    """``job(arg)`` for every arg on ``workers`` threads; the results in the args' order."""
    callable_arg("job", job)
    with ThreadPoolExecutor(max_workers=positive_int("workers", workers)) as pool:
        return list(pool.map(job, args))


def run_processes(job: Callable[[A], R], args: Iterable[A], workers: int) -> list[R]:
    """The same on ``workers`` processes; ``job`` must be a function defined in a module."""
    callable_arg("job", job)
    context = multiprocessing.get_context(START_METHOD)
    with ProcessPoolExecutor(positive_int("workers", workers), mp_context=context) as pool:
        return list(pool.map(job, args))


async def run_asyncio(job: Callable[[A], Awaitable[R]], args: Iterable[A], workers: int) -> list[R]:
    """The same as asyncio tasks, at most ``workers`` running at once (a semaphore's slots).

    ``job`` is a coroutine function. Await it: ``await run_asyncio(...)`` in a notebook cell
    (Jupyter already runs an event loop), ``asyncio.run(run_asyncio(...))`` in a script.
    """
    callable_arg("job", job)
    slots = asyncio.Semaphore(positive_int("workers", workers))

    async def one(arg: A) -> R:
        async with slots:  # waits here while `workers` jobs are running
            return await job(arg)

    return await asyncio.gather(*(one(arg) for arg in args))


# --- the jobs: in a module, where a worker process can import them (see the top) -----------


def cpu_job(iterations: int) -> int:
    """CPU-bound work: a pure-Python loop of ``iterations`` steps, holding the GIL throughout."""
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def io_job(seconds: float) -> float:
    """I/O-bound work: wait ``seconds`` (``time.sleep`` stands in for a network call)."""
    time.sleep(seconds)
    return seconds


async def async_io_job(seconds: float) -> float:
    """:func:`io_job` for asyncio: ``await`` the wait, so other tasks run meanwhile."""
    await asyncio.sleep(seconds)
    return seconds


async def async_cpu_job(iterations: int) -> int:
    """:func:`cpu_job` in a coroutine: it never awaits, so no other task runs meanwhile."""
    return cpu_job(iterations)
