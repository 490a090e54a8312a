"""Smoke run of lesson 06's benchmarks: they run end to end and print every table.

Speed is never asserted here (the machine may be busy); ``benchmarks/choose_bench.py``
without ``--smoke`` prints the real figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parent.parent / "benchmarks" / "choose_bench.py"


def test_choose_benchmarks_smoke_run_prints_every_table():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "load average" in out and "(smoke run)" in out
    assert "CPU-bound:" in out and "process pool with" in out and "× cores" in out
    assert "I/O-bound:" in out and "at the end:" in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith("100 ")]
    assert [row[1] for row in rows] == ["threads", "asyncio"]
    assert all("failed:" not in line for line in out.splitlines())
