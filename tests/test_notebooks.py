"""Checks on every committed notebook that nbval does not make (it only re-runs cells)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from exercise_cells import unhelpful_exercise_cells

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ABSOLUTE_PATH = re.compile(r"(/tmp/|/root/|/home/\w+|/work/|/Users/\w+|[A-Z]:\\\\Users)")


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS][:2] == ["00", "01"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
class TestNotebook:
    def test_is_valid_nbformat(self, path):
        nbformat.validate(load(path))

    def test_uses_the_python3_kernel(self, path):
        assert load(path).metadata.kernelspec.name == "python3"

    def test_was_executed_top_to_bottom(self, path):
        counts = [c.execution_count for c in code_cells(load(path))]
        assert counts == list(range(1, len(counts) + 1)), "run `make execute` to refresh it"

    def test_holds_no_error_output(self, path):
        for index, cell in enumerate(load(path).cells):
            if "raises-exception" in cell.metadata.get("tags", []):
                continue
            for output in cell.get("outputs", []):
                assert output.output_type != "error", f"cell {index}: {output.get('ename')}"
                assert output.get("name") != "stderr" or "Warning" not in output.text, (
                    f"cell {index} printed a warning: {output.text[:200]}"
                )

    def test_holds_no_absolute_path_of_the_machine(self, path):
        for index, cell in enumerate(load(path).cells):
            text = json.dumps(cell.get("outputs", []))
            match = ABSOLUTE_PATH.search(text)
            assert match is None, f"cell {index} output shows {match.group()}…"

    def test_opens_with_goals_and_time_and_ends_with_summary(self, path):
        nb = load(path)
        first = nb.cells[0]
        assert first.cell_type == "markdown"
        assert "Learning goals" in first.source or "You will" in first.source
        assert re.search(r"\d+\s*min", first.source), "state the estimated time in minutes"
        last = nb.cells[-1]
        assert last.cell_type == "markdown"
        assert "Summary" in last.source or "summary" in last.source

    def test_links_to_the_next_lesson(self, path):
        # By number, not by position: a branch may hold lessons 04-05 without 02-03 yet.
        following = [p for p in NOTEBOOKS if int(p.name[:2]) == int(path.name[:2]) + 1]
        for nxt in following:
            assert nxt.name in load(path).cells[-1].source

    def test_ends_with_the_clean_finish_check(self, path):
        last_code = code_cells(load(path))[-1]
        assert "lesson.finish()" in last_code.source
        text = "".join(
            o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in last_code.outputs
        )
        assert "ends clean" in text

    def test_says_which_exercise_to_solve_before_using_it(self, path):
        """In a student copy an unsolved exercise raises: every later cell that calls the
        learner's function says "solve exercise N first" (issue 12), in every lesson."""
        assert unhelpful_exercise_cells(path) == []

    def test_shows_its_plots(self, path):
        nb = load(path)
        draws = [c for c in code_cells(nb) if "plots." in c.source]
        for cell in draws:
            kinds = {k for o in cell.outputs for k in o.get("data", {})}
            assert "image/png" in kinds, f"a plotting cell shows no image: {cell.source[:60]}"
