import pytest
from matplotlib.figure import Figure

from workerlab.lab import plots
from workerlab.lab.plots import time_unit, timeline, wall_vs_cpu
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


def test_timeline_labels_a_job_with_an_id_by_its_number():
    """Lesson 04's jobs are ``Job(id=…, seconds=…, fail=…)``: the bar says 7, not the repr."""
    from workerlab.lab.jobs import Job

    ax = timeline([Span("w", "done", Job(7, 0.05), 0.0, 0.05)]).axes[0]
    assert [t.get_text() for t in ax.texts] == ["7"]


def test_timeline_marks_named_instants_in_the_axis_unit():
    ax = timeline(SPANS, marks={"deadline": 0.15}).axes[0]
    [line] = ax.get_lines()
    assert list(line.get_xdata()) == [150.0, 150.0]  # ms, like the bars
    assert "deadline" in {t.get_text().strip() for t in ax.texts}


def test_timeline_switches_to_seconds_for_long_runs():
    ax = timeline([Span("w", "job", 1, 0.0, 5.0)]).axes[0]
    assert ax.get_xlabel() == "time since start (s)"


@pytest.mark.parametrize(
    ("spans", "kwargs", "error", "word"),
    [
        ([], {}, ValueError, "spans"),
        ([("w", "job", 1, 0, 1)], {}, TypeError, "spans"),
        (SPANS, {"rows": "job"}, ValueError, "rows"),
        (SPANS, {"marks": {"deadline": -1}}, ValueError, "deadline"),
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
    assert widths == pytest.approx([0.4, 0.1, 0.5, 0.12, 1.2, 0.1, 0.5, 0.13])
    assert ax.get_xlabel() == "total time (s)"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "fast: wall clock",
        "CPU time",
        "slow: wall clock",
        "CPU time",
    ]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["read", "transform", "write", "CPU busy (total)"]


def test_wall_vs_cpu_keeps_one_unit_whatever_the_runs_last():
    """The latency explorer adds runs of 0.1 s to 5 s: its axis must not jump from ms to s."""
    short = wall_vs_cpu({"short": ({"read": 0.02, "write": 0.03}, 0.004)}).axes[0]
    long = wall_vs_cpu({"long": ({"read": 3.0, "write": 2.5}, 0.2)}).axes[0]
    assert short.get_xlabel() == long.get_xlabel() == "total time (s)"
    assert [p.get_width() for p in short.patches] == pytest.approx([0.02, 0.03, 0.004])


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
    assert any("single runs" in label for label in labels)
    with pytest.raises(ValueError):
        plots.stop_latency({}, [0.1])
    with pytest.raises(ValueError):
        plots.stop_latency({0.1: []}, [0.1])


def test_throughput_vs_workers_draws_measured_and_ideal():
    from workerlab.lab.plots import throughput_vs_workers

    ax = throughput_vs_workers([1, 4, 16], [95, 380, 1500], 0.01).axes[0]
    ideal, measured = ax.lines
    assert list(ideal.get_ydata()) == pytest.approx([100, 400, 1600])
    assert list(measured.get_ydata()) == [95, 380, 1500]
    assert ax.get_xlabel() == "workers (threads)" and "jobs/s" in ax.get_ylabel()
    assert "10 ms" in ax.get_legend().get_texts()[0].get_text()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["100", "400", "1,600"]
    with pytest.raises(ValueError, match="same length"):
        throughput_vs_workers([1, 2], [1.0], 0.01)
    with pytest.raises(ValueError, match="latency"):
        throughput_vs_workers([1], [1.0], 0)


def test_channel_activity_has_depth_and_timeline_panels():
    from workerlab.lab.plots import channel_activity

    spans = [Span("producer", "blocked on send", "ch", 0.01, 0.03), Span("w", "job", 1, 0, 0.04)]
    fig = channel_activity(spans, [(0.0, 0), (0.01, 2), (0.03, 1)], capacity=2)
    top, bottom = fig.axes[:2]
    assert top.get_ylabel() == "items waiting"
    assert [t.get_text() for t in bottom.get_yticklabels()] == ["producer", "w"]
    assert {t.get_text() for t in bottom.get_legend().get_texts()} == {"blocked on send", "job"}
    assert "rendezvous" in channel_activity(spans, [(0.0, 0)], 0).axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="non-empty"):
        channel_activity([], [(0.0, 0)], 1)


def test_buffer_effect_and_spawn_costs():
    from workerlab.lab.plots import buffer_effect, spawn_costs

    fig = buffer_effect([0, 2, 8], [100, 150, 160], [0.5, 0.2, 0.0], [0.4, 0.3, 0.1])
    left, right = fig.axes
    assert left.get_ylabel() == "throughput (items/s)" and "blocked" in right.get_ylabel()
    assert len(right.patches) == 6
    with pytest.raises(ValueError, match="same length"):
        buffer_effect([0], [1, 2], [0], [0])
    ax = spawn_costs({"thread": 50e-6, "process": 5e-3}, claim=("goroutine (quoted)", 1e-6)).axes[0]
    assert ax.get_xscale() == "log" and len(ax.patches) == 3
    labels = [t.get_text().strip() for t in ax.texts]
    assert labels == ["50.0 µs", "5.0 ms", "< 1.0 µs (quoted)"]
    with pytest.raises(ValueError, match="positive"):
        spawn_costs({"thread": 0})
