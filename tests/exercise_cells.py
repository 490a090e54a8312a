"""What a learner sees before solving an exercise: messages that say which one (issue 12).

In a student copy the reference solutions are gone, so until an exercise is solved its
scaffold raises, and so does every later cell that uses the learner's function. Both must
say which exercise to solve, not show a bare ``NotImplementedError:``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat


def unhelpful_exercise_cells(path: Path) -> list[str]:
    """Problems in ``path``: a scaffold without ``NotImplementedError("exercise N: …")``, or
    a cell that calls an exercise's function without saying "solve exercise N first"."""
    cells = nbformat.read(path, as_version=4).cells
    code = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code"]
    problems, exercises = [], {}
    for index, cell in code:
        if "exercise" in cell.metadata.get("tags", []):
            number = len(exercises) + 1
            name = re.search(r"^(?:async )?def (\w+)", cell.source, re.M).group(1)
            exercises[name] = number
            if not re.search(rf'raise NotImplementedError\(\s*"exercise {number}: ', cell.source):
                problems.append(f"cell {index}: the scaffold of {name} names no exercise")
    for index, cell in code:
        if {"exercise", "solution"} & set(cell.metadata.get("tags", [])):
            continue
        for name, number in exercises.items():
            calls = re.search(rf"(?<![\w.]){name}\(", cell.source)  # not leases.backoff(
            # Handing the function to a helper uses it too, except handing it to a check.
            unchecked = re.sub(rf"check_\w+\(\s*{name}\s*\)", "", cell.source)
            passes = re.search(rf"[(,]\s*{name}\s*[,)]", unchecked)
            if (calls or passes) and f"solve exercise {number} first" not in cell.source:
                problems.append(f"cell {index} uses {name}: no 'solve exercise {number} first'")
    return problems
