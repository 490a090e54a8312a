"""Lesson 01: the blocking loop (workerlab.blocking) and its lab (workerlab.lab.loop)."""

import itertools
import re

import pytest

from workerlab.blocking import LoopRun, SimulatedIO, process_file, run_sequential, transform
from workerlab.lab.loop import describe, latency_run, make_text_files
from workerlab.trace import Trace


def test_make_text_files_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    first = make_text_files(a, 5, words=30, seed=3)
    second = make_text_files(b, 5, words=30, seed=3)
    assert [p.name for p in first] == [f"order-{i:04d}.txt" for i in range(5)]
    assert [p.read_text() for p in first] == [p.read_text() for p in second]
    assert all(len(p.read_text().split()) == 30 for p in first)


def test_transform_counts_words_and_capitalises():
    out = transform("latte milk latte\n")
    assert out.splitlines()[0] == "words=3 top: latte=2, milk=1"
    assert out.splitlines()[1] == "LATTE MILK LATTE"


def test_process_file_writes_the_result_and_records_three_steps(tmp_path):
    (src,) = make_text_files(tmp_path, 1, words=12)
    out_folder = tmp_path / "out"
    out_folder.mkdir()
    log = Trace()
    out = process_file(src, out_folder, SimulatedIO(0.001, 0.001), log)
    assert out.read_text() == transform(src.read_text())
    assert [s.label for s in log.spans()] == ["read", "transform", "write"]
    read = log.spans("read")[0]
    assert read.duration >= 0.001  # the simulated latency really waited


def test_run_sequential_processes_every_file_one_at_a_time(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    files = make_text_files(src, 40)
    report = run_sequential(files, out, SimulatedIO(0.003, 0.002))
    assert isinstance(report, LoopRun) and report.files == 40
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in files]
    # One file at a time: no two steps ever overlap.
    spans = report.trace.spans()
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    # The wall time is at least the sum of the waits, and the CPU is mostly idle.
    assert report.wall_seconds >= 40 * 0.005
    assert report.busy_share < 0.5
    assert report.idle_share == pytest.approx(1 - report.busy_share)
    totals = report.step_totals()
    assert list(totals) == ["read", "transform", "write"]
    assert totals["read"] > totals["transform"]
    assert sum(totals.values()) <= report.wall_seconds


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"read_latency": 0}, ValueError, "read_latency"),
        ({"read_latency": -1}, ValueError, "read_latency"),
        ({"write_latency": "fast"}, TypeError, "write_latency"),
    ],
)
def test_simulated_io_rejects_bad_latencies(kwargs, error, word):
    with pytest.raises(error, match=word):
        SimulatedIO(**kwargs)


def test_make_text_files_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        make_text_files(tmp_path / "missing", 3)
    with pytest.raises(ValueError, match="count"):
        make_text_files(tmp_path, 0)
    with pytest.raises(TypeError, match="count"):
        make_text_files(tmp_path, 2.5)
    with pytest.raises(ValueError, match="words"):
        make_text_files(tmp_path, 2, words=-1)
    assert list(tmp_path.iterdir()) == []  # nothing was written before the check failed


def test_run_sequential_rejects_bad_input(tmp_path):
    files = make_text_files(tmp_path, 2)
    with pytest.raises(ValueError, match="files"):
        run_sequential([], tmp_path)
    with pytest.raises(TypeError, match="files"):
        run_sequential(tmp_path, tmp_path)
    with pytest.raises(ValueError, match="files"):
        run_sequential([tmp_path / "nope.txt"], tmp_path)
    with pytest.raises(ValueError, match="out_folder"):
        run_sequential(files, tmp_path / "missing")
    with pytest.raises(TypeError, match="io"):
        run_sequential(files, tmp_path, io=0.1)


def test_process_file_works_without_a_trace(tmp_path):
    (src,) = make_text_files(tmp_path, 1, words=5)
    out = tmp_path / "out"
    out.mkdir()
    assert process_file(src, out, SimulatedIO(0.001, 0.001)) == out / src.name


def test_describe_says_files_wall_cpu_and_idle_share():
    run = LoopRun(files=300, wall_seconds=2.0, cpu_seconds=0.25, trace=Trace())
    assert describe(run) == (
        "300 files in 2.00 s of wall time; the CPU worked for 0.250 s of it, "
        "so it sat idle 88% of the time."
    )


def test_latency_run_makes_and_removes_its_own_files(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    report, summary = latency_run(10, read_ms=4, write_ms=1)
    assert report.files == 10
    assert report.wall_seconds >= 10 * 0.005
    assert summary.startswith("10 files in ")
    assert "idle" in summary
    assert list(tmp_path.iterdir()) == []  # its temporary folder is gone
    with pytest.raises(ValueError, match="read_ms"):
        latency_run(10, read_ms=0, write_ms=1)
    with pytest.raises(ValueError, match="count"):
        latency_run(0, read_ms=1, write_ms=1)


def test_latency_explorer_reruns_with_the_sliders_values_when_pressed():
    from workerlab.lab.widgets import latency_explorer

    box = latency_explorer(history=2)
    sliders, button, summary, _output = box.children
    read, _write, count = sliders.children
    assert summary.value.startswith("100 files in ")  # the first run, straight away
    count.value = 10
    read.value = 8
    button.click()
    assert summary.value.startswith("10 files in ")
    assert not button.disabled
    with pytest.raises(ValueError, match="history"):
        latency_explorer(history=0)


def test_the_latency_explorers_sliders_are_wide_enough_to_pick_every_value():
    """About 10 px of track per value at least (issue 12: 80 px for 32 values was too few)."""
    from workerlab.lab.widgets import latency_explorer

    sliders = latency_explorer().children[0].children
    for slider in sliders:
        width = int(re.fullmatch(r"(\d+)px", slider.layout.width).group(1))
        label = int(re.fullmatch(r"(\d+)px", slider.style.description_width).group(1))
        values = round((slider.max - slider.min) / slider.step) + 1
        track = width - label - 60  # the readout takes about 60 px
        assert track / values >= 10, f"{slider.description}: {track / values:.0f} px per value"


def test_an_explorer_shows_a_failed_run_instead_of_hiding_it(monkeypatch):
    from workerlab.lab import loop
    from workerlab.lab.widgets import latency_explorer

    box = latency_explorer()
    _sliders, button, summary, _output = box.children

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(loop, "latency_run", broken)
    button.click()
    assert summary.value == "⚠ the run failed: OSError: disk full"
    assert not button.disabled and button.description == "Run the loop"
