"""Lesson 00's table of lessons agrees with the lessons themselves: each time it gives is
the time the lesson's own header states (read from the header, never written here)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from teacherkit import classroom

ROOT = Path(__file__).parent.parent
NOTEBOOKS = classroom.lesson_notebooks(ROOT / "notebooks")


def lesson_00_table() -> dict[str, tuple[str, int]]:
    """Lesson 00's table of lessons: number → (linked notebook, minutes)."""
    start = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    rows = {}
    for cell in start.cells:
        for number, link, minutes in re.findall(
            r"^\|\s*(\d\d)\s*\|\s*\[[^\]]+\]\(([^)#]+)[^)]*\).*\|\s*(\d+)\s*min\s*\|\s*$",
            cell.source,
            re.M,
        ):
            rows[number] = (link, int(minutes))
    return rows


def is_appendix(info: classroom.LessonInfo) -> bool:
    return "appendix" in info.title.lower()


def test_lesson_00_lists_every_lesson_with_the_time_its_header_states():
    table = lesson_00_table()
    assert table, "lesson 00 has no table of lessons (| 01 | [title](01_x.ipynb) | … | 20 min |)"
    for path in NOTEBOOKS[1:]:
        info = classroom.lesson_info(nbformat.read(path, as_version=4), path.name)
        number = path.name[:2]
        if number not in table and is_appendix(info):
            continue  # an optional appendix may be left out of the table
        assert number in table, f"lesson 00's table has no row for {path.name}"
        link, minutes = table[number]
        assert link == path.name, f"lesson 00's row {number} links {link}, not {path.name}"
        assert minutes == info.minutes, (
            f"lesson 00 gives {path.name} {minutes} min; its header says {info.minutes} min"
        )
    assert set(table) <= {p.name[:2] for p in NOTEBOOKS}, "a row for a lesson that is not there"
