"""The teacher's kit (``teacherkit.classroom``): student copies, scaffold checks, static HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from teacherkit import classroom

ROOT = Path(__file__).parent.parent
NOTEBOOKS = classroom.lesson_notebooks(ROOT / "notebooks")


def notebook(*cells: tuple[str, str, list[str]]) -> nbformat.NotebookNode:
    """A notebook from (kind, source, tags) triples."""
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in cells:
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(
            source
        )
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


SCAFFOLD = "def share(wall: float, cpu: float) -> float:\n    raise NotImplementedError\n"
SOLUTION = "def share(wall: float, cpu: float) -> float:\n    return 1 - cpu / wall\n"


# --- every lesson's exercises ---------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_scaffold_matches_its_solution(path):
    assert classroom.scaffold_mismatches(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_copy_holds_no_solution_and_no_output(path):
    nb = nbformat.read(path, as_version=4)
    student = classroom.student_copy(nb)
    nbformat.validate(student)
    text = json.dumps(student)
    for cell in nb.cells:
        if classroom.SOLUTION_TAG in classroom.tags(cell):
            assert cell.source not in text
    assert all(classroom.SOLUTION_TAG not in classroom.tags(c) for c in student.cells)
    exercises = [c.source for c in nb.cells if classroom.EXERCISE_TAG in classroom.tags(c)]
    assert exercises == [
        c.source for c in student.cells if classroom.EXERCISE_TAG in classroom.tags(c)
    ]
    code = [c for c in student.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "widgets" not in student.metadata


# --- the scaffold check rejects what it should ------------------------------------------------


def test_a_matching_pair_passes():
    nb = notebook(("code", SCAFFOLD, ["exercise"]), ("code", SOLUTION, ["solution"]))
    assert classroom.scaffold_mismatches(nb) == []


@pytest.mark.parametrize(
    ("solution", "complaint"),
    [
        (SOLUTION.replace("cpu: float", "cpu_seconds: float"), "disagree on share"),
        (SOLUTION.replace("cpu: float)", "cpu: float = 0.0)"), "disagree on share"),
        (SOLUTION.replace("-> float", "-> int"), "disagree on share"),
        (SOLUTION.replace("def share", "def idle_share"), "no solution cell defines share"),
    ],
)
def test_a_solution_that_does_not_fit_its_scaffold_is_named(solution, complaint):
    nb = notebook(("code", SCAFFOLD, ["exercise"]), ("code", solution, ["solution"]))
    problems = classroom.scaffold_mismatches(nb)
    assert any(complaint in p for p in problems), problems


def test_a_solution_for_no_exercise_and_an_empty_scaffold_are_named():
    nb = notebook(("code", "share(1, 2)", ["exercise"]), ("code", SOLUTION, ["solution"]))
    problems = classroom.scaffold_mismatches(nb)
    assert any("defines no function" in p for p in problems)
    assert any("defines none of the exercises' functions" in p for p in problems)


def test_a_solution_defined_only_when_the_learners_fails_still_counts():
    indented = "".join("    " + line for line in SOLUTION.splitlines(keepends=True))
    guarded = "if not check(share):\n\n" + indented
    nb = notebook(("code", SCAFFOLD, ["exercise"]), ("code", guarded, ["solution"]))
    assert classroom.scaffold_mismatches(nb) == []


def test_classes_are_compared_by_bases_and_methods():
    scaffold = "class Pool(Base):\n    def submit(self, job: int) -> None: ...\n"
    nb = notebook(
        ("code", scaffold, ["exercise"]),
        ("code", scaffold.replace("job: int", "job"), ["solution"]),
    )
    assert "disagree on Pool" in " ".join(classroom.scaffold_mismatches(nb))


def test_the_student_copy_says_where_the_solution_went_and_leaves_the_original_alone():
    nb = notebook(
        ("markdown", "Write `share`.", []),
        ("code", SCAFFOLD, ["exercise"]),
        ("code", SOLUTION, ["solution"]),
    )
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="✅")]
    student = classroom.student_copy(nb)
    assert [c.cell_type for c in student.cells] == ["markdown", "code", "markdown"]
    assert "not in this copy" in student.cells[2].source
    assert nb.cells[2].source == SOLUTION and nb.cells[2].outputs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_student_copy_says_the_solution_is_in_it(path):
    nb = nbformat.read(path, as_version=4)
    student = classroom.student_copy(nb)
    markdown = [c.source for c in student.cells if c.cell_type == "markdown"]
    claims = [s for m in markdown for s in classroom.sentences(m) if classroom.locates_solution(s)]
    assert claims == [], claims
    removed = sum(classroom.SOLUTION_TAG in classroom.tags(c) for c in nb.cells)
    assert markdown.count(classroom.SOLUTION_REMOVED) == removed
    assert all(m.strip() for m in markdown), "a markdown cell left empty"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "A hint.\n\nThe reference solution is in the next cell, collapsed (click `…` to "
            "open it). Running\nit replaces your function only if yours fails.",
            "A hint.",
        ),
        ("Try it.\n\nThe reference solution is in the next cell, as for exercise 1.", "Try it."),
        ("Try it. Click `…` below to see the solution. Then go on.", "Try it. Then go on."),
        ("The solution is below, collapsed.", ""),
        ("No solution here: just a sentence about solutions of equations.", None),
    ],
)
def test_sentences_locating_the_solution_go_before_a_removed_one(before, after):
    nb = notebook(
        ("code", SCAFFOLD, ["exercise"]),
        ("markdown", before, []),
        ("code", SOLUTION, ["solution"]),
    )
    student = classroom.student_copy(nb)
    texts = [c.source for c in student.cells if c.cell_type == "markdown"]
    expected = [after if after is not None else before] if after != "" else []
    assert texts == [*expected, classroom.SOLUTION_REMOVED]


def test_elsewhere_a_sentence_locating_solutions_says_the_teacher_has_them():
    lines = (
        "- **Exercises.** They check themselves. A reference solution sits below each\n"
        "  exercise, collapsed: click the `…` to open it.\n- **Nothing is left running.**"
    )
    nb = notebook(("markdown", lines, []), ("code", SCAFFOLD, ["exercise"]))
    nb.cells.append(nbformat.v4.new_code_cell(SOLUTION, metadata={"tags": ["solution"]}))
    text = classroom.student_copy(nb).cells[0].source
    assert text == (
        "- **Exercises.** They check themselves. " + classroom.SOLUTIONS_ELSEWHERE
        + "\n- **Nothing is left running.**"
    )


def test_links_are_repointed_to_open_the_same_file_from_the_copies_folder():
    text = (
        "[`pool.py`](../src/workerlab/pool.py), [next](03_under_the_hood.ipynb#top), "
        "[web](https://example.org/x.py), [here](#section), "
        '<img src="img/shop.png">, [guide](../teacher/README.md#02), [Go](../go/)'
    )
    moved = classroom.repoint_links(text, ROOT / "notebooks", ROOT / "build" / "student")
    assert moved == (
        "[`pool.py`](../../src/workerlab/pool.py), [next](03_under_the_hood.ipynb#top), "
        "[web](https://example.org/x.py), [here](#section), "
        '<img src="../../notebooks/img/shop.png">, [guide](../../teacher/README.md#02), '
        "[Go](../../go/)"
    )


def test_every_link_in_the_student_copies_opens_the_file_the_lesson_links(tmp_path):
    out = tmp_path / "build" / "student"
    classroom.write_student_copies(NOTEBOOKS, out)
    checked = 0
    for path in NOTEBOOKS:
        lesson = nbformat.read(path, as_version=4)
        copy = nbformat.read(out / path.name, as_version=4)
        originals = [c for c in lesson.cells if c.cell_type == "markdown"]
        for link in re.findall(r"\]\((\.\./[^)#]+)", json.dumps([c.source for c in originals])):
            assert (path.parent / link).exists(), (path.name, link)
            moved = [m for m in re.findall(r"\]\(([^)#]+)", json.dumps(copy.cells)) if
                     (out / m).resolve() == (path.parent / link).resolve()]  # fmt: skip
            assert moved, f"{path.name}: the copy lost its link to {link}"
            checked += 1
    assert checked >= len(NOTEBOOKS) - 1, "every lesson but 00 links to its module"


# --- the builds, as `make student` and `make html` run them ----------------------------------


def test_make_student_writes_one_copy_per_lesson(tmp_path, capsys):
    assert classroom.main(["student", str(tmp_path), "--notebooks", str(ROOT / "notebooks")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in NOTEBOOKS]
    assert "wrote" in capsys.readouterr().out


def test_make_student_refuses_a_scaffold_that_does_not_fit(tmp_path, capsys):
    lessons = tmp_path / "notebooks"
    lessons.mkdir()
    bad = SOLUTION.replace("wall", "seconds")
    nbformat.write(
        notebook(("code", SCAFFOLD, ["exercise"]), ("code", bad, ["solution"])),
        lessons / "01_x.ipynb",
    )
    assert classroom.main(["student", str(tmp_path / "out"), "--notebooks", str(lessons)]) == 1
    assert "01_x.ipynb: exercise cell 0 and solution cell 1 disagree" in capsys.readouterr().err


def test_the_makefile_has_the_kit_targets():
    makefile = (ROOT / "Makefile").read_text()
    student = r"^student:.*\n\t.*teacherkit\.classroom student build/student"
    assert re.search(student, makefile, re.M)
    assert re.search(r"^html:.*\n\t.*teacherkit\.classroom html build/html", makefile, re.M)


@pytest.fixture(scope="module")
def html_pages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    assert classroom.main(["html", str(out), "--notebooks", str(ROOT / "notebooks")]) == 0
    return out


def test_html_has_one_page_per_lesson_and_a_table_of_contents(html_pages):
    pages = [classroom.page_name(p) for p in NOTEBOOKS]
    assert sorted(p.name for p in html_pages.glob("*.html")) == sorted([*pages, "index.html"])
    index = (html_pages / "index.html").read_text()
    positions = [index.index(f'href="{page}"') for page in pages]
    assert positions == sorted(positions), "the contents list the lessons in order"


def test_every_page_links_to_the_next_lesson(html_pages):
    pages = [classroom.page_name(p) for p in NOTEBOOKS]
    for page, following in zip(pages, [*pages[1:], None], strict=True):
        text = (html_pages / page).read_text()
        assert 'href="index.html"' in text, page
        if following is None:
            assert "The end of the course" in text
            continue
        assert re.search(rf'<a (?=[^>]*rel="next")[^>]*href="{following}"', text), page
        # the summary's own "Next:" link is repointed from the notebook to the page
        assert f'href="{following.removesuffix(".html")}.ipynb"' not in text, page


def test_pages_fetch_nothing_and_show_widgets_as_snapshots(html_pages):
    for page in html_pages.glob("*.html"):
        text = page.read_text()
        assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="https?://', text), page
        assert classroom.WIDGET_VIEW not in text, page


def test_a_widget_becomes_a_snapshot_of_its_controls_and_output():
    nb = nbformat.read(ROOT / "notebooks" / "01_blocking_loop.ipynb", as_version=4)
    static = classroom.static_notebook(nb)
    views = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs
        if classroom.WIDGET_VIEW in o.get("data", {})
    ]  # fmt: skip
    assert views, "lesson 01 has an explorer"
    text = json.dumps(static.cells)
    assert classroom.WIDGET_VIEW not in text and "widgets" not in static.metadata
    assert "**read (ms)** = 2.0" in text
    assert "image/png" in text


def test_a_progress_bar_and_a_closed_widget_show_nothing():
    state = {
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_l", "IPY_MODEL_p"]}},
        "l": {"model_name": "HTMLModel", "state": {"value": "sweep:  88%"}},
        "p": {"model_name": "FloatProgressModel", "state": {"value": 8, "max": 8}},
    }
    assert classroom.widget_snapshot("bar", state) == []
    assert classroom.widget_snapshot("closed-and-forgotten", state) == []
