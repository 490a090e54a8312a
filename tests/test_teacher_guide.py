"""The teacher's guide (teacher/README.md) keeps up with the lessons it describes."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from teacherkit import classroom

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "teacher" / "README.md").read_text()
NOTEBOOKS = classroom.lesson_notebooks(ROOT / "notebooks")


def section(number: str) -> str:
    """The guide's section for lesson ``number`` ("## 01 · …" up to the next "## ")."""
    match = re.search(rf"^## {number} · .*?(?=^## |\Z)", GUIDE, re.M | re.S)
    assert match, f"the teacher's guide has no section '## {number} · …'"
    return match.group()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_lesson_has_a_section_with_its_time_and_exercises(path):
    nb = nbformat.read(path, as_version=4)
    text = section(path.name[:2])
    minutes = classroom.lesson_info(nb, path.name).minutes
    assert re.search(rf"\*\*Time:\*\* {minutes} min", text), f"the lesson says {minutes} min"
    for cell in nb.cells:
        if classroom.EXERCISE_TAG in classroom.tags(cell):
            for name in classroom.definitions(cell.source):
                assert f"`{name}(" in text, f"the guide does not give the answer to {name}"


def test_the_sections_follow_the_lessons_order():
    numbers = re.findall(r"^## (\d\d) · ", GUIDE, re.M)
    assert numbers == sorted(numbers)
    assert {p.name[:2] for p in NOTEBOOKS} <= set(numbers)


def test_the_guide_names_the_kit_targets():
    for target in ("make student", "make html", "make browser-test"):
        assert target in GUIDE
