"""The capstone job of lesson 08: same results sequentially and pooled, errors, deadline."""

from __future__ import annotations

import csv

import pytest

from workerlab import capstone, context


@pytest.fixture
def corpus(tmp_path):
    return tmp_path, capstone.make_corpus(tmp_path, 60, broken=2)


def test_make_corpus_is_reproducible_and_checks_arguments(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    first = [p.read_bytes() for p in capstone.make_corpus(a, 10, broken=1)]
    assert first == [p.read_bytes() for p in capstone.make_corpus(b, 10, broken=1)]
    with pytest.raises(ValueError, match="broken"):
        capstone.make_corpus(a, 2, broken=3)
    with pytest.raises(ValueError, match="folder"):
        capstone.make_corpus(tmp_path / "missing", 2)


def test_pool_and_sequential_agree_and_collect_errors_with_causes(corpus):
    root, paths = corpus
    seq = capstone.run_sequential(paths, root, latency=0)
    pooled = capstone.run_pool(paths, root, workers=4, latency=0.001)
    assert seq.results == pooled.results and len(seq.results) == 58
    assert [e.name for e in seq.errors] == sorted(e.name for e in pooled.errors)
    error = pooled.errors[0]
    assert error.step == "decode" and isinstance(error.__cause__, UnicodeDecodeError)
    assert "decode failed <- UnicodeDecodeError" in pooled.error_lines()[0]
    assert pooled.accounted == len(paths) and not pooled.cut_short


def test_a_vanished_file_is_a_read_error(corpus):
    root, paths = corpus
    paths[0].unlink()
    report = capstone.run_pool(paths, root, workers=2, latency=0)
    assert any(e.step == "read" and isinstance(e.__cause__, FileNotFoundError)
               for e in report.errors)


def test_a_context_deadline_stops_the_run_and_every_file_is_accounted_for(corpus):
    root, paths = corpus
    ctx, cancel = context.with_timeout(context.background(), 0.1)
    try:
        report = capstone.run_pool(paths, root, workers=2, latency=0.02, ctx=ctx)
    finally:
        cancel()
    assert report.cut_short and "(cut short)" in report.summary()
    assert report.not_started > 0 and report.accounted == len(paths), report.summary()
    full_run = len(paths) * 0.02 / 2  # every file's wait, shared by 2 workers
    assert report.wall_seconds < full_run, "the run ended before all its waits were served"


def test_a_cancelled_context_interrupts_the_waits_at_once(corpus):
    root, paths = corpus
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    report = capstone.run_pool(paths, root, workers=2, latency=5.0, ctx=ctx)
    assert report.not_started == len(paths)
    assert report.wall_seconds < 5.0, "no 5 s wait was served: a cancelled context starts none"
    with pytest.raises(TypeError, match="ctx"):
        capstone.run_pool(paths, root, workers=2, latency=0, ctx=0.5)


def test_interrupted_waits_are_counted_not_reported_as_errors(corpus):
    root, paths = corpus
    ctx, cancel = context.with_timeout(context.background(), 0.2)
    try:
        report = capstone.run_pool(paths[:4], root, workers=4, latency=5.0, ctx=ctx)
    finally:
        cancel()
    assert report.interrupted == 4 and report.errors == []
    assert report.wall_seconds < 5.0, "the 5 s waits were cut short, not waited out"


def test_the_pool_checks_its_arguments_before_starting(corpus):
    root, paths = corpus
    with pytest.raises(ValueError, match="buffer"):
        capstone.run_pool(paths, root, workers=2, latency=0, buffer=-1)
    with pytest.raises(ValueError, match="workers"):
        capstone.run_pool(paths, root, workers=0, latency=0)


def test_write_results_is_a_csv_with_a_header(corpus, tmp_path):
    root, paths = corpus
    report = capstone.run_sequential(paths[:5], root, latency=0)
    out = capstone.write_results(report.results, tmp_path / "results.csv")
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["file", "bytes", "sha256", "words"] and len(rows) == 6
    assert not list(tmp_path.glob("*.partial"))


def test_sweep_times_each_worker_count():
    fake = {1: 1.0, 2: 0.5, 4: 0.3}
    seconds = capstone.sweep(lambda n: capstone.RunReport(n, wall_seconds=fake[n]), fake,
                             progress=False)
    assert seconds == fake
