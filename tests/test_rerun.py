"""Every notebook survives what learners do: each code cell run twice in a row (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rerun import run_every_cell_twice

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.rerun
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_can_be_run_twice_in_a_row(path):
    problems = run_every_cell_twice(path)
    assert not problems, "\n".join(map(str, problems))
