"""Lesson 06's tiny-job overhead sweep and profiling helpers: behaviour, never speed."""

from __future__ import annotations

import multiprocessing

import pytest

from workerlab.lab import overhead, profiling
from workerlab.lab.overhead import OverheadPoint


def test_crossover_is_where_the_pool_keeps_winning():
    def point(size: int, seq: float, pooled: float) -> OverheadPoint:
        return OverheadPoint(size, 10, seq, pooled)

    points = [point(10, 1e-6, 2e-4), point(1000, 1e-4, 2e-4), point(10**4, 1e-3, 6e-4)]
    assert overhead.crossover(points) == 10**4
    assert overhead.crossover(points[:2]) is None
    assert overhead.crossover([*points, point(10**5, 1e-2, 2e-2)]) is None
    assert points[0].ratio == pytest.approx(200) and not points[0].pool_wins and points[2].pool_wins


def test_overhead_sweep_times_each_size():
    points = overhead.overhead_sweep([10, 1000], budget=0.002, max_jobs=20)
    assert [p.size for p in points] == [10, 1000]
    assert all(4 <= p.jobs <= 20 and p.jobs % 2 == 0 for p in points)
    assert all(p.sequential > 0 and p.pooled > 0 for p in points)
    assert multiprocessing.active_children() == []


def test_profile_points_at_the_quadratic_function():
    text = profiling.sample_text(words=1500, vocabulary=800)
    rows = profiling.profile_call(profiling.slow_report, text)
    assert rows[0].function == "profiling:unique_in_order"
    assert all("/" not in row.function and "\\" not in row.function for row in rows)
    table = profiling.profile_table(rows, top=3)
    assert table.splitlines()[1].startswith("profiling:unique_in_order")
    assert len(table.splitlines()) == 4


def test_the_fast_unique_gives_the_same_answer():
    words = profiling.tokenize(profiling.sample_text(words=500, vocabulary=100))
    assert profiling.unique_in_order_fast(words) == profiling.unique_in_order(words)
    fast = profiling.slow_report("a b a", profiling.unique_in_order_fast)
    assert fast == profiling.slow_report("a b a")
