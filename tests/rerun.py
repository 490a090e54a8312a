"""Run a notebook as learners do: every code cell twice in a row, then on to the next.

Learners re-run cells: to see a number again, after an edit, by habit. Every cell of the
course must survive it (issue 12): run, run again, go on, and still teach the right thing.
``python tests/rerun.py notebooks/02_minimal_pool.ipynb`` prints what broke.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError


@dataclass(frozen=True)
class Problem:
    """A code cell that failed on its first or its second run."""

    cell: int
    run: int
    error: str

    def __str__(self) -> str:
        return f"cell {self.cell}, run {self.run}: {self.error}"


def run_every_cell_twice(path: Path, *, timeout: int = 180) -> list[Problem]:
    """Execute ``path`` top to bottom in a fresh kernel, each code cell twice; list failures.

    Cells tagged ``raises-exception`` are allowed their error. Nothing is written back.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    problems: list[Problem] = []
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            allowed = "raises-exception" in cell.metadata.get("tags", [])
            for run in (1, 2):
                try:
                    client.execute_cell(cell, index)
                except (CellExecutionError, CellTimeoutError) as error:
                    if not allowed:
                        text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()
                        last = text.splitlines()[-1][:300]
                        problems.append(Problem(index, run, last))
    return problems


if __name__ == "__main__":
    failed = 0
    for name in sys.argv[1:]:
        found = run_every_cell_twice(Path(name))
        failed += bool(found)
        print(f"{name}: " + ("every cell survives a second run" if not found else ""))
        for problem in found:
            print(f"  {problem}")
    sys.exit(1 if failed else 0)
