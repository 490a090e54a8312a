"""Lesson 08: the capstone's job (workerlab.capstone) and its lab (workerlab.lab.corpus)."""

from __future__ import annotations

import csv
import hashlib

import pytest

from workerlab import capstone, context
from workerlab.lab import corpus


@pytest.fixture
def files(tmp_path):
    return tmp_path, corpus.make_corpus(tmp_path, 60, broken=2)


def test_make_corpus_is_reproducible_and_checks_arguments(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    first = [p.read_bytes() for p in corpus.make_corpus(a, 10, broken=1)]
    assert first == [p.read_bytes() for p in corpus.make_corpus(b, 10, broken=1)]
    assert sum(1 for data in first if b"\xff\xfe" in data) == 1
    with pytest.raises(ValueError, match="broken"):
        corpus.make_corpus(a, 2, broken=3)
    with pytest.raises(ValueError, match="folder"):
        corpus.make_corpus(tmp_path / "missing", 2)


def test_checksum_file_reads_hashes_and_counts(files):
    root, paths = files
    good = next(p for p in paths if b"\xff" not in p.read_bytes())
    result = capstone.checksum_file(good, root, 0)
    data = good.read_bytes()
    assert result == capstone.FileResult(
        good.relative_to(root).as_posix(),
        len(data),
        hashlib.sha256(data).hexdigest(),
        len(data.split()),
    )


def test_checksum_file_names_the_file_and_step_and_keeps_the_cause(files):
    root, paths = files
    broken = next(p for p in paths if b"\xff" in p.read_bytes())
    with pytest.raises(capstone.FileJobError) as caught:
        capstone.checksum_file(broken, root, 0)
    name = broken.relative_to(root).as_posix()
    assert str(caught.value) == f"{name}: decode failed"
    assert caught.value.step == "decode" and isinstance(caught.value.__cause__, UnicodeDecodeError)


def test_the_pool_and_the_loop_agree_and_collect_errors_with_causes(files):
    root, paths = files
    loop = capstone.run_loop(paths, root, latency=0)
    pooled = capstone.run_workers(paths, root, workers=4, latency=0.001)
    assert loop.results == pooled.results and len(loop.results) == 58
    assert [e.name for e in loop.errors] == [e.name for e in pooled.errors]
    assert all(isinstance(e.__cause__, UnicodeDecodeError) for e in pooled.errors)
    assert pooled.accounted == len(paths) and not pooled.cut_short
    assert pooled.summary().startswith("4 workers: 58 files done, 2 errors, 0 interrupted, ")
    assert loop.summary().startswith("the loop: 58 files done, 2 errors, ")


def test_a_vanished_file_is_a_read_error(files):
    root, paths = files
    paths[0].unlink()
    run = capstone.run_workers(paths, root, workers=2, latency=0)
    assert any(e.step == "read" and isinstance(e.__cause__, FileNotFoundError) for e in run.errors)


def test_a_bug_in_the_job_is_raised_not_counted_away(files, monkeypatch):
    root, paths = files

    def buggy(path, root, latency, ctx=None):
        raise KeyError("a bug")

    monkeypatch.setattr(capstone, "checksum_file", buggy)
    with pytest.raises(KeyError, match="a bug"):
        capstone.run_workers(paths, root, workers=2, latency=0)


def test_a_deadline_stops_the_run_and_every_file_is_accounted_for(files):
    root, paths = files
    ctx, cancel = context.with_timeout(context.background(), 0.1)
    try:
        run = capstone.run_workers(paths, root, workers=2, latency=0.02, ctx=ctx)
    finally:
        cancel()
    assert run.cut_short and "(cut short)" in run.summary()
    assert run.not_started > 0 and run.accounted == len(paths), run.summary()
    full_run = len(paths) * 0.02 / 2  # every file's wait, shared by 2 workers
    assert run.wall_seconds < full_run, "the run ended before all its waits were served"


def test_a_cancelled_context_starts_no_wait(files):
    root, paths = files
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    run = capstone.run_workers(paths, root, workers=2, latency=5.0, ctx=ctx)
    assert run.results == [] and run.errors == []
    assert run.interrupted + run.not_started == len(paths)
    assert run.wall_seconds < 5.0, "no 5 s wait was served: a cancelled context starts none"


def test_interrupted_waits_are_counted_not_reported_as_errors(files):
    root, paths = files
    ctx, cancel = context.with_timeout(context.background(), 0.2)
    try:
        run = capstone.run_workers(paths[:4], root, workers=4, latency=5.0, ctx=ctx)
    finally:
        cancel()
    assert run.interrupted == 4 and run.errors == [] and run.accounted == 4
    assert run.wall_seconds < 5.0, "the 5 s waits were cut short, not waited out"


def test_the_run_checks_its_arguments_before_starting(files):
    root, paths = files
    with pytest.raises(ValueError, match="workers"):
        capstone.run_workers(paths, root, workers=0, latency=0)
    with pytest.raises(ValueError, match="latency"):
        capstone.run_workers(paths, root, workers=2, latency=-1)
    with pytest.raises(TypeError, match="ctx"):
        capstone.run_workers(paths, root, workers=2, latency=0, ctx=0.5)
    with pytest.raises(ValueError, match="latency"):
        capstone.run_loop(paths, root, latency=-1)


def test_write_results_is_a_csv_with_a_header_and_no_partial_file(files, tmp_path):
    root, paths = files
    run = capstone.run_loop(paths[:5], root, latency=0)
    out = corpus.write_results(run.results, tmp_path / "results.csv")
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["file", "bytes", "sha256", "words"]
    assert rows[1:] == [[r.name, str(r.size), r.sha256, str(r.words)] for r in run.results]
    assert not list(tmp_path.glob("*.partial"))


def test_the_sweep_times_the_loop_and_each_pool_on_the_same_files(files):
    root, paths = files
    seconds = corpus.speedup_sweep(paths, root, [2, 4], latency=0.002, progress=False)
    assert list(seconds) == [1, 2, 4]
    assert seconds[1] >= len(paths) * 0.002  # the loop pays every wait
    assert seconds[4] < seconds[1]  # four workers overlap them
    with pytest.raises(ValueError, match="workers"):
        corpus.speedup_sweep(paths, root, [1, 2], latency=0, progress=False)
