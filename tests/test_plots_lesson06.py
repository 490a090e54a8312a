"""Lesson 06's plots: what each draws, one unit per axis and one colour per kind."""

from __future__ import annotations

import math

import pytest
from matplotlib.colors import to_rgba

from workerlab.lab.overhead import OverheadPoint
from workerlab.lab.plots import (
    KIND_COLOURS,
    LIMIT_COLOURS,
    job_size_crossover,
    load_curves,
    speedup_vs_workers,
)
from workerlab.lab.service import LoadRun
from workerlab.lab.speedup import Sweep, Workload


def _sweep(kind, speedups):
    workers = (1, 2, 4)
    busy = tuple(math.nan for _ in workers)
    seconds = tuple(1 / s for s in speedups)
    return Sweep(kind, Workload("cpu", 10, 8), workers, seconds, 1.0, 2, busy)


def test_speedup_plot_draws_each_kind_and_the_ideal():
    sweeps = {
        "threads": _sweep("threads", (1.0, 0.9, 0.9)),
        "processes": _sweep("processes", (1.0, 1.8, 1.9)),
    }
    ax = speedup_vs_workers(sweeps, title="CPU").axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"threads", "processes", "ideal"}
    assert list(lines["ideal"].get_ydata()) == [1, 2, 2]  # capped at the 2 cores
    assert list(lines["processes"].get_ydata()) == pytest.approx([1.0, 1.8, 1.9])
    assert ax.get_ylabel() == "speedup over a plain loop (×)"
    assert not ax.texts  # nothing to warn about
    with pytest.raises(ValueError):
        speedup_vs_workers({})


def test_each_kind_keeps_its_colour_whatever_the_order_or_the_subset():
    both = speedup_vs_workers(
        {"processes": _sweep("processes", (1, 2, 2)), "threads": _sweep("threads", (1, 1, 1))}
    )
    alone = speedup_vs_workers({"threads": _sweep("threads", (1, 1, 1))})
    for fig in (both, alone):
        for line in fig.axes[0].get_lines():
            if line.get_label() in KIND_COLOURS:
                assert to_rgba(line.get_color()) == to_rgba(KIND_COLOURS[line.get_label()])


def test_a_disturbed_sweep_says_so_on_the_plot():
    fig = speedup_vs_workers({"processes": _sweep("processes", (1, 2.2, 0.8))}, disturbed=True)
    assert any("disturbed" in text.get_text() for text in fig.axes[0].texts)


def test_load_curves_draw_three_panels_with_both_runs_in_fixed_colours():
    free = [LoadRun(c, None, 1.0, 100, 100 * (c - 1), (0.01,), c) for c in (1, 2, 4)]
    limited = [LoadRun(c, 2, 1.0, 200, 0, (0.01,), 2) for c in (1, 2, 4)]
    fig = load_curves(free, limited, capacity=2)
    assert len(fig.axes) == 3
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines[:2]] == ["no limit", "limit = 2"]
    assert to_rgba(lines[0].get_color()) == to_rgba(LIMIT_COLOURS["no limit"])
    assert to_rgba(lines[1].get_color()) == to_rgba(LIMIT_COLOURS["limit"])
    assert [ax.get_xlabel() for ax in fig.axes] == ["concurrent clients"] * 3
    assert fig.axes[1].get_ylabel() == "median service latency (ms)"
    assert list(fig.axes[2].get_lines()[0].get_ydata()) == pytest.approx([0, 50, 75])


def test_crossover_plot_is_log_log_per_job_in_microseconds():
    points = [OverheadPoint(10, 5, 1e-6, 2e-4), OverheadPoint(10**4, 5, 1e-3, 6e-4)]
    ax = job_size_crossover(points, crossover=10**4).axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([1, 1000])  # µs
    assert ax.get_ylabel() == "wall time per job (µs)"
    assert to_rgba(ax.get_lines()[1].get_color()) == to_rgba(KIND_COLOURS["processes"])
