import pytest
from matplotlib.figure import Figure

from workerlab import plots
from workerlab.plots import time_unit, timeline, wall_vs_cpu
from workerlab.trace import Span

SPANS = [
    Span("w1", "job", 1, 0.00, 0.10),
    Span("w2", "job", 2, 0.00, 0.12),
    Span("w1", "job", 3, 0.10, 0.20),
    Span("w2", "wait", None, 0.12, 0.20),
]


def test_timeline_has_one_row_per_worker_and_labelled_axes():
    fig = timeline(SPANS, title="Two baristas")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["w1", "w2"]
    assert ax.get_xlabel() == "time since start (ms)"
    assert ax.get_ylabel() == "worker"
    assert ax.get_title() == "Two baristas"
    assert len(ax.collections) == 2  # one bar collection per row
    assert [len(c.get_paths()) for c in ax.collections] == [2, 2]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"job", "wait"}


def test_timeline_bars_sit_at_the_span_times():
    ax = timeline(SPANS).axes[0]
    first_row = ax.collections[0]
    xs = sorted(round(p.vertices[:, 0].min(), 6) for p in first_row.get_paths())
    assert xs == [0.0, 100.0]  # ms


def test_timeline_by_label_and_annotations():
    ax = timeline(SPANS, rows="label").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["job", "wait"]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "3"]
    assert len(timeline(SPANS, annotate=False).axes[0].texts) == 0


def test_timeline_switches_to_seconds_for_long_runs():
    ax = timeline([Span("w", "job", 1, 0.0, 5.0)]).axes[0]
    assert ax.get_xlabel() == "time since start (s)"


@pytest.mark.parametrize(
    ("spans", "kwargs", "error", "word"),
    [
        ([], {}, ValueError, "spans"),
        ([("w", "job", 1, 0, 1)], {}, TypeError, "spans"),
        (SPANS, {"rows": "job"}, ValueError, "rows"),
    ],
)
def test_timeline_rejects_bad_input(spans, kwargs, error, word):
    with pytest.raises(error, match=word):
        timeline(spans, **kwargs)


def test_time_unit():
    assert time_unit(0.001) == ("µs", 1e6)
    assert time_unit(0.5) == ("ms", 1e3)
    assert time_unit(30) == ("s", 1.0)
    with pytest.raises(ValueError, match="seconds"):
        time_unit(-1)


def test_wall_vs_cpu_stacks_the_steps_of_each_run_on_one_axis():
    fig = wall_vs_cpu(
        {
            "fast": ({"read": 0.4, "transform": 0.1, "write": 0.5}, 0.12),
            "slow": ({"read": 1.2, "transform": 0.1, "write": 0.5}, 0.13),
        }
    )
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([400, 100, 500, 120, 1200, 100, 500, 130])
    assert ax.get_xlabel() == "total time (ms)"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "fast: wall clock",
        "CPU time",
        "slow: wall clock",
        "CPU time",
    ]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["read", "transform", "write", "CPU busy (total)"]


def test_wall_vs_cpu_rejects_bad_input():
    with pytest.raises(ValueError, match="runs"):
        wall_vs_cpu({})
    with pytest.raises(ValueError, match="no steps"):
        wall_vs_cpu({"a": ({}, 0.1)})
    with pytest.raises(ValueError, match="cpu seconds"):
        wall_vs_cpu({"a": ({"read": 1.0}, -1)})


def test_stop_latency_draws_polling_waiting_and_the_worst_case():
    fig = plots.stop_latency({0.05: [0.02, 0.04], 0.1: [0.05, 0.09]}, [0.001, 0.002])
    ax = fig.axes[0]
    assert "poll interval (ms)" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("waiting on the context" in label for label in labels)
    assert any("worst case" in label for label in labels)
    with pytest.raises(ValueError):
        plots.stop_latency({}, [0.1])
    with pytest.raises(ValueError):
        plots.stop_latency({0.1: []}, [0.1])
