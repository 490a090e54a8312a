"""Dask distributed, an existing engine, on a local cluster; and a worker killed (lesson 07).

:func:`local_cluster` starts a scheduler and worker processes on this machine and always
closes them; everything they write goes to a folder the lesson owns. :func:`dask_job`
marks each start in a file named after the worker's process id, so
:func:`kill_busy_dask_worker` can SIGKILL the process that holds a job, and
:func:`dask_starts` can count the reruns.

(The module is named ``dask_demo``, not ``dask``, so that it never hides the library.)
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workerlab.lab.processes import wait_for_files
from workerlab.mphelpers import stop_helpers_after
from workerlab.validate import existing_folder, positive_int


def dask_job(i: int, seconds: float, folder: str) -> int:
    """A Dask task: mark ``start-i-<pid>`` in ``folder``, work ``seconds``, return ``i²``."""
    (Path(folder) / f"start-{i}-{os.getpid()}").touch()
    time.sleep(seconds)
    return i * i


def dask_setup(worker: Any) -> None:
    """Dask runs this in each worker process as it starts (the cluster's ``preload``): the
    worker ignores Ctrl-C.

    JupyterLab's *Kernel → Interrupt* signals the kernel's whole process group, so the
    worker processes hear it too and would each print a traceback into the cell. Stopping
    them is the kernel's job: the interrupt ends the ``with`` block, which closes the
    cluster and its workers.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def local_cluster(scratch: Path, workers: int = 2) -> Iterator[Any]:
    """A Dask ``Client`` on a local cluster of ``workers`` processes, one thread each.

    Only error logs. The scheduler's web server listens on a free port of this machine
    only (not on 8787, where another cluster may be). Dask's scratch space (work folders
    and lock files, by default in the system's temporary folder) goes into ``scratch``.
    The cluster and its worker processes are closed when the block ends, also when it
    ends with an exception, and so are multiprocessing's helper processes.
    """
    import logging

    import dask
    from distributed import Client, LocalCluster

    existing_folder("scratch", scratch)
    positive_int("workers", workers)
    with (
        stop_helpers_after(),  # then multiprocessing's helpers go too: a fast kernel restart
        dask.config.set({"temporary-directory": os.fspath(scratch)}),  # the scheduler's too
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
            local_directory=os.fspath(scratch),
            preload=[__name__],  # each worker runs this module's dask_setup as it starts
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def kill_busy_dask_worker(folder: Path, timeout: float) -> tuple[int, int]:
    """SIGKILL the worker process that started a :func:`dask_job` first; return (pid, job).

    It waits (up to ``timeout`` seconds) for the first ``start-*`` marker, which names the
    job and the worker's process id.
    """
    [marker, *_] = wait_for_files(folder, "start-*", 1, timeout)
    _, job, pid = marker.name.split("-")
    os.kill(int(pid), signal.SIGKILL)
    return int(pid), int(job)


def dask_starts(folder: Path) -> Counter[int]:
    """How many times each :func:`dask_job` was started (a rerun counts twice)."""
    return Counter(int(p.name.split("-")[1]) for p in Path(folder).glob("start-*"))
