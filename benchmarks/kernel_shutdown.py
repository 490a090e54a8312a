"""How long a Jupyter kernel takes to shut down (what a restart waits for), and what it leaves.

    .venv/bin/python benchmarks/kernel_shutdown.py

Each row starts a fresh ``python3`` kernel with a temporary folder of its own (standing in
for the system's), runs one cell, then times ``KernelManager.shutdown_kernel(now=False)``,
the first half of JupyterLab's restart, and lists what is left in that folder.

A kernel that started a process with ``spawn`` or ``forkserver`` still runs multiprocessing's
resource tracker, which ignores SIGTERM; ipykernel's shutdown waits for it, Jupyter gives up
after half its 5 s wait and kills the kernel, so its exit handlers never remove ``pymp-*``.
``lesson.finish()`` (or ``workerlab.mphelpers.stop_helpers_after()`` around a process demo)
stops the helpers first.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client import KernelManager

PROCESSES = (
    "import multiprocessing, os\n"
    "for method in {methods}:\n"
    "    child = multiprocessing.get_context(method).Process(target=os.getpid)\n"
    "    child.start(); child.join(30)\n"
)
LESSON = "from workerlab import lesson as lessons\nlesson = lessons.start(3)\n"
CASES = {
    "a fresh kernel": "",
    "spawn, helpers left running": PROCESSES.format(methods="['spawn']"),
    "forkserver, helpers left running": PROCESSES.format(methods="['forkserver']"),
    "spawn + forkserver, then lesson.finish()": LESSON
    + PROCESSES.format(methods="['spawn', 'forkserver']")
    + "lesson.finish()\n",
    "forkserver in stop_helpers_after(), no finish": LESSON
    + "from workerlab.mphelpers import stop_helpers_after\n"
    + "with stop_helpers_after():\n"
    + "".join(f"    {line}\n" for line in PROCESSES.format(methods="['forkserver']").splitlines()),
}


def measure(code: str) -> tuple[float, list[str]]:
    """Seconds ``shutdown_kernel(now=False)`` took after running ``code``, and what was left."""
    folder = Path(tempfile.mkdtemp(prefix="wlbench-", dir="/tmp"))
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env={"TMPDIR": str(folder)}, cwd=folder)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        if code:
            reply = client.execute_interactive(code, timeout=120, output_hook=lambda m: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"the cell failed: {reply['content'].get('evalue')}")
    finally:
        client.stop_channels()
    began = time.perf_counter()
    manager.shutdown_kernel(now=False)
    took = time.perf_counter() - began
    left = sorted(p.name for p in folder.iterdir())
    shutil.rmtree(folder, ignore_errors=True)
    return took, left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs per case (best is shown)")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}; best of {args.repeats}; shutdown_kernel(now=False)")
    for label, code in CASES.items():
        runs = [measure(code) for _ in range(args.repeats)]
        took, left = min(runs)
        print(f"{label:48s} {took:5.2f} s   left behind: {', '.join(left) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
