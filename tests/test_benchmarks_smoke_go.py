"""Smoke run of the Go-beside-Python benchmark: it runs end to end and prints every table.

Speed is never asserted here (the machine may be busy); ``benchmarks/go_beside_python.py``
without ``--smoke`` prints the real figures. It needs Go: without it the test skips, saying
so, except under ``WORKERLAB_REQUIRE_GO=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workerlab.lab import go

BENCH = Path(__file__).parent.parent / "benchmarks" / "go_beside_python.py"


def test_go_beside_python_smoke_run_prints_every_table():
    if go.find_go() is None and os.environ.get(go.REQUIRE_VAR) != "1":
        pytest.skip("no Go toolchain here (`make go` installs one)")
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "load average" in out and "(smoke run)" in out
    assert "Pool efficiency" in out and "go/threads" in out and "go/asyncio" in out
    rows = [line.split() for line in out.splitlines()]
    assert [row[0] for row in rows if row and row[0] in ("1", "16", "64")] == ["1", "16", "64"]
    for kind in ("goroutine", "thread", "asyncio task", "process"):
        assert f"{kind} " in out
    assert "Go channel" in out and "queue.Queue loop" in out and "asyncio.Queue loop" in out
    assert out.rstrip().endswith("numbers are sane")
