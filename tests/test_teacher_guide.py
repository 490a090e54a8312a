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


# --- session plans: in step with the lessons' own headers --------------------------------------

BOOKS = {p.name[:2]: nbformat.read(p, as_version=4) for p in NOTEBOOKS}
INFO = {n: classroom.lesson_info(nb, n) for n, nb in BOOKS.items()}


def appendix(number: str) -> bool:
    return "appendix" in INFO[number].title.lower()


def plan(heading: str) -> list[dict[str, str]]:
    """The rows of the first table under ``### heading`` in the guide, as dicts."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^#)", GUIDE, re.M | re.S)
    assert match, f"the teacher's guide has no '### {heading}'"
    lines = [ln for ln in match.group(1).splitlines() if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
        for line in lines[2:]
    ]


def parts(text: str, number: str) -> dict[str, int]:
    """``setup 2 · the loop 5`` → {"setup": 2, "the loop": 5}; ``all 20`` → every part."""
    text = re.sub(r"\(.*?\)", "", text).strip()
    if text in ("", "—"):
        return {}
    whole = classroom.lesson_parts(BOOKS[number]) or {"all": INFO[number].minutes}
    if text.startswith("all"):
        assert int(text.split()[1]) == INFO[number].minutes, f"{number}: the lesson says " + (
            f"{INFO[number].minutes} min, the plan '{text}'"
        )
        return dict(whole)
    found = {}
    for part in text.split("·"):
        name, minutes = re.fullmatch(r"\s*(.+?)\s+(\d+)\s*", part).groups()
        assert whole.get(name) == int(minutes), (
            f"lesson {number} has no part '{name} {minutes}' in its header: {whole}"
        )
        found[name] = int(minutes)
    return found


def exercises_of(number: str) -> set[str]:
    return {
        name
        for cell in BOOKS[number].cells
        if classroom.EXERCISE_TAG in classroom.tags(cell)
        for name in classroom.definitions(cell.source)
    }


def test_the_guide_states_the_courses_total_from_the_headers():
    total = sum(INFO[n].minutes for n in INFO if not appendix(n))
    assert f"add up to **{total} min**" in GUIDE


def test_the_90_minute_plan_covers_every_lesson_once_and_fits():
    rows = plan("One 90-minute class: the essential path")
    lessons = [r for r in rows if r["#"]]
    assert {r["#"] for r in lessons} >= {n for n in INFO if not appendix(n)}
    total = 0
    for row in lessons:
        number = row["#"]
        taught, later = parts(row["in class"], number), parts(row["on their own"], number)
        assert int(row["min"]) == sum(taught.values()), row
        assert not set(taught) & set(later), f"{number}: a part both in class and not"
        whole = classroom.lesson_parts(BOOKS[number]) or {"all": INFO[number].minutes}
        assert taught | later == whole, f"{number}: every part is taught or left for later"
        named = set(re.findall(r"`(\w+)`", row["exercises"]))
        assert named <= exercises_of(number), (number, named)
        total += int(row["min"])
    (summary,) = [r for r in rows if not r["#"]]
    assert summary["min"] == f"**{total}**" and total <= 90


def test_the_three_sessions_cover_the_course_and_each_fits_in_90_minutes():
    rows = plan("Three sessions of 90 minutes")
    by_session: dict[str, int] = {}
    covered: dict[str, dict[str, int]] = {}
    named: dict[str, set[str]] = {}
    for row in rows:
        number, taught = row["#"], parts(row["in class"], row["#"])
        assert int(row["min"]) == sum(taught.values()), row
        assert not set(taught) & set(covered.get(number, {})), f"{number}: a part twice"
        covered.setdefault(number, {}).update(taught)
        by_session[row["session"]] = by_session.get(row["session"], 0) + int(row["min"])
        named.setdefault(number, set()).update(re.findall(r"`(\w+)`", row["exercises"]))
    for number in INFO:
        if appendix(number) and number not in covered:
            continue  # an optional appendix
        whole = classroom.lesson_parts(BOOKS[number]) or {"all": INFO[number].minutes}
        assert covered.get(number) == whole, f"lesson {number} is not covered exactly once"
        assert named.get(number, set()) == exercises_of(number), f"{number}: its exercises"
    sessions = {s: m for s, m in by_session.items() if s.isdigit()}
    assert sorted(sessions) == ["1", "2", "3"] and max(sessions.values()) <= 90, by_session
    for session, minutes in sessions.items():
        assert f"Session {session} takes {minutes}" in GUIDE or (
            f"session {session} takes {minutes}" in GUIDE
        ), f"the text gives session {session} another length than its {minutes} min"


def test_the_overview_table_gives_each_lesson_its_own_time():
    overview = dict(re.findall(r"^\| (\d\d) \| [^|]+ \| (\d+) min \|", GUIDE, re.M))
    for path in NOTEBOOKS:
        minutes = classroom.lesson_info(nbformat.read(path, as_version=4), path.name).minutes
        said = overview.get(path.name[:2])
        assert said == str(minutes), f"{path.name}: the guide says {said}, the lesson {minutes}"
