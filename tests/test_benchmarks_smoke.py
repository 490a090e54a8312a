"""The benchmarks' smoke run: every measurement runs in seconds and prints sane numbers.

Speed is never asserted here (the machine may be busy); benchmarks/ prints the figures.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pool_benchmark_smoke_run(capsys):
    assert load("pool_benchmark").main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "Pool efficiency" in out and "bare threads" in out
    assert "ThreadPoolExecutor" in out and "bare queue.Queue loop" in out
    assert "numbers are sane" in out
