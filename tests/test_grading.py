"""The grading report (``teacherkit.grading``) on generated submissions.

A small lesson in the course's shape (two exercises, each with its check cell, a claim that
uses the learner's function, ``lesson.finish()`` last) is handed in by students who got it
right, wrong, did not try, and by notebooks that hang, delete files, raise or kill their
kernel; then the student copy of a real lesson is graded with the reference answers in it.
"""

from __future__ import annotations

import ast
import csv
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from teacherkit import classroom, grading

ROOT = Path(__file__).parent.parent

CHECKS = '''
from workerlab.records import CheckResult


def check_double(fn):
    got = fn(21)
    return CheckResult(got == 42, "doubles 21" if got == 42 else f"double(21) gave {got}, not 42")


def check_triple(fn):
    got = fn(2)
    return CheckResult(got == 6, "triples 2" if got == 6 else f"triple(2) gave {got}, not 6")
'''
SCAFFOLD = "def {name}(x: int) -> int:\n    # Your code here.\n    raise NotImplementedError\n"
RIGHT = {"double": "return 2 * x", "triple": "return 3 * x"}


def lesson(answers: dict[str, str] | None = None, extra: str = "", where: int = 5) -> dict:
    """The mini lesson, as a student hands it in: ``answers`` fill the exercises' bodies,
    ``extra`` is a cell the student added before cell ``where``."""
    answers = answers or {}

    def exercise(name: str) -> str:
        if name not in answers:
            return SCAFFOLD.format(name=name)
        return f"def {name}(x: int) -> int:\n    {answers[name]}\n"

    cells = [
        ("markdown", "# 98 · A small lesson\n\n**Time:** about 5 min.", []),
        ("code", "from workerlab import lesson as lessons\n\nlesson = lessons.start(98)", []),
        ("code", CHECKS, []),
        ("code", "assert sum(range(4)) == 6, 'a claim of the lesson'", []),
        ("markdown", "### Exercise 1: double", []),
        ("code", exercise("double"), ["exercise"]),
        ("code", "check_double(double)", []),
        ("code", "if not check_double(double):\n    def double(x: int) -> int:\n"
                 "        return 2 * x\n\nassert check_double(double)", ["solution"]),
        ("markdown", "### Exercise 2: triple", []),
        ("code", exercise("triple"), ["exercise"]),
        ("code", "check_triple(triple)", []),
        ("code", "assert double(5) == 10, 'your double agrees with the lesson'", []),
        ("code", "lesson.finish()", []),
    ]  # fmt: skip
    if extra:
        cells.insert(where, ("code", extra, []))
    nb = nbformat.v4.new_notebook()
    for kind, source, cell_tags in cells:
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(source, metadata={"tags": cell_tags}))
    return classroom.student_copy(nb)


HANG_IGNORING_INTERRUPTS = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
HANG_IGNORING_INTERRUPTS += "while True:\n    time.sleep(1)"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, Path, dict[str, grading.Submission], dict]:
    folder = tmp_path_factory.mktemp("handed-in")
    out = tmp_path_factory.mktemp("report")
    submissions = {
        "right": lesson(RIGHT),
        "wrong": lesson({"double": "return x + 2", "triple": "return 3 * x"}),
        "unattempted": lesson(),
        "syntax": lesson({"double": "return 2 * x", "triple": "return 3 *"}),
        "hangs": lesson(RIGHT, "import time\ntime.sleep(3600)", where=9),
        "ignores-interrupts": lesson(RIGHT, HANG_IGNORING_INTERRUPTS, where=9),
        "deletes": lesson(
            RIGHT,
            "import os, shutil\nfrom pathlib import Path\n"
            "for p in Path('..').rglob('*'):\n    shutil.rmtree(p, ignore_errors=True)\n"
            "for p in Path(os.environ['TMPDIR']).parent.parent.rglob('*.ipynb'):\n"
            "    p.unlink()",
        ),
        "raises": lesson(RIGHT, "raise RuntimeError('my own bug')", where=9),
        "kills-its-kernel": lesson(RIGHT, "import os\nos._exit(3)", where=9),
        "leaves-a-process": lesson(
            RIGHT,
            "import subprocess, sys\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
            "open('child.pid', 'w').write(str(child.pid))\n"
            "print('child', child.pid)",
            where=3,
        ),
    }
    for student, nb in submissions.items():
        (folder / student).mkdir()
        nbformat.write(nb, folder / student / "98_small_lesson.ipynb")
    before = {p: p.read_bytes() for p in folder.rglob("*.ipynb")}
    results = grading.grade_folder(
        folder, out, notebook_seconds=40, cell_seconds=4, progress=False
    )
    assert {p: p.read_bytes() for p in folder.rglob("*.ipynb")} == before, "submissions changed"
    return folder, out, {r.student: r for r in results}, submissions


def statuses(result: grading.Submission) -> list[str]:
    return [e.status for e in result.exercises]


def test_a_right_answer_passes_every_exercise_and_claim(graded):
    _, _, results, _ = graded
    right = results["right"]
    assert statuses(right) == ["passed", "passed"]
    assert [e.functions for e in right.exercises] == [["double"], ["triple"]]
    assert right.exercises[0].message == "doubles 21"
    assert (right.claims_held, right.claims_total, right.run) == (2, 2, "finished")


def test_a_wrong_answer_fails_with_the_checks_message(graded):
    wrong = graded[2]["wrong"]
    assert statuses(wrong) == ["failed", "passed"]
    assert wrong.exercises[0].message == "double(21) gave 23, not 42"
    assert (wrong.claims_held, wrong.claims_total) == (1, 2)
    assert "AssertionError: your double agrees with the lesson" in wrong.claims_failed[0]


def test_an_untouched_scaffold_is_not_attempted(graded):
    unattempted = graded[2]["unattempted"]
    assert statuses(unattempted) == ["not attempted", "not attempted"]
    assert "NotImplementedError" in unattempted.claims_failed[0]


def test_code_that_does_not_run_fails_with_its_error(graded):
    syntax = graded[2]["syntax"]
    assert statuses(syntax) == ["passed", "failed"]
    assert syntax.exercises[1].message.startswith("the exercise cell raised SyntaxError")


def test_a_hanging_cell_is_interrupted_and_the_rest_still_graded(graded):
    hangs = graded[2]["hangs"]
    assert statuses(hangs) == ["passed", "passed"]
    assert "no answer within 4 s: interrupted" in hangs.run


def test_a_notebook_that_ignores_interrupts_is_stopped_and_reported(graded):
    stuck = graded[2]["ignores-interrupts"]
    assert statuses(stuck) == ["passed", "crashed"]
    assert "ignored the interrupt" in stuck.run and stuck.seconds < 40
    assert stuck.exercises[1].message.startswith("not reached: the notebook stopped at cell 9")


def test_a_notebook_that_deletes_files_harms_no_one_else(graded):
    folder, _, results, _ = graded
    assert statuses(results["deletes"]) == ["passed", "passed"]
    assert len(results) == 10 and statuses(results["right"]) == ["passed", "passed"]
    assert len(list(folder.rglob("*.ipynb"))) == 10


def test_a_raising_cell_or_a_dying_kernel_is_reported_never_fatal(graded):
    results = graded[2]
    assert statuses(results["raises"]) == ["passed", "passed"]
    assert results["raises"].other_errors == ["cell 9: RuntimeError: my own bug"]
    died = results["kills-its-kernel"]
    assert statuses(died) == ["passed", "crashed"]
    assert "the kernel died" in died.run
    assert died.claims_failed and "not run" in died.claims_failed[0]


def test_nothing_the_notebooks_started_is_left_running(graded):
    _, out, results, _ = graded
    executed = nbformat.read(out / "executed" / "leaves-a-process" / "98_small_lesson.ipynb", 4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    pid = int(re.search(r"child (\d+)", printed).group(1))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert statuses(results["leaves-a-process"]) == ["passed", "passed"]


def test_the_report_is_a_csv_row_per_exercise_and_a_readable_page(graded):
    _, out, _, _ = graded
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    assert len(rows) == 20
    wrong = [r for r in rows if r["student"] == "wrong" and r["exercise"] == "1"]
    assert wrong[0]["status"] == "failed" and wrong[0]["message"] == "double(21) gave 23, not 42"
    assert {r["claims_total"] for r in rows} == {"2"}
    page = (out / "grades.html").read_text(encoding="utf-8")
    assert "<h2>98_small_lesson</h2>" in page and "double(21) gave 23, not 42" in page
    assert page.count("<tr><th>") == 1 + 10 and "❌ failed" in page and "💥 crashed" in page


def test_solution_cells_never_run():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(SCAFFOLD.format(name="double"), metadata={"tags": ["exercise"]}),
        nbformat.v4.new_code_cell(CHECKS + "\ncheck_double(double)"),
        nbformat.v4.new_code_cell(
            "def double(x):\n    return 2 * x", metadata={"tags": ["solution"]}
        ),
    ]  # fmt: skip
    submission = grading.Submission("teacher", "98_small_lesson", Path("x.ipynb"))
    grading.grade(nb, submission, notebook_seconds=30, cell_seconds=10)
    assert statuses(submission) == ["not attempted"]


def test_students_and_lessons_are_read_from_folders_or_names(tmp_path):
    for name in ("alice/02_minimal_pool.ipynb", "bob-02_minimal_pool.ipynb", "notes.ipynb"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = [(s, lesson) for s, lesson, _ in grading.find_submissions(tmp_path)]
    assert found == [("alice", "02_minimal_pool"), ("bob", "02_minimal_pool")]


def reference_answers(nb: nbformat.NotebookNode) -> dict[int, str]:
    """Each exercise cell's index → the reference solution's code, unwrapped from its
    ``if not check…(…):`` guard, as a student who got it right would write it."""
    answers, exercise = {}, None
    for index, cell in enumerate(nb.cells):
        if classroom.EXERCISE_TAG in classroom.tags(cell):
            exercise = index
        elif classroom.SOLUTION_TAG in classroom.tags(cell) and exercise is not None:
            tree = ast.parse(cell.source)
            guard = next(n for n in tree.body if isinstance(n, ast.If))
            lines = cell.source.splitlines()[guard.body[0].lineno - 1 : guard.body[-1].end_lineno]
            imports = [ln for ln in nb.cells[exercise].source.splitlines() if "import" in ln]
            imports += [
                ast.get_source_segment(cell.source, n)
                for n in tree.body
                if isinstance(n, ast.Import | ast.ImportFrom)
            ]
            answers[exercise] = "\n".join(imports) + "\n" + textwrap.dedent("\n".join(lines))
    return answers


def test_a_real_lessons_student_copy_with_the_reference_answers_passes(tmp_path):
    path = ROOT / "notebooks" / "02_minimal_pool.ipynb"
    right = classroom.student_copy(nbformat.read(path, as_version=4))
    original = nbformat.read(path, as_version=4)
    answers = reference_answers(original)
    sources = [c.source for c in original.cells if classroom.EXERCISE_TAG in classroom.tags(c)]
    for cell in right.cells:
        if classroom.EXERCISE_TAG in classroom.tags(cell):
            cell.source = answers[[i for i in answers][sources.index(cell.source)]]
    folder = tmp_path / "in"
    for student, nb in (("ada", right), ("bo", classroom.student_copy(original))):
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / path.name)
    results = {r.student: r for r in grading.grade_folder(folder, tmp_path / "out", progress=False)}
    assert statuses(results["ada"]) == ["passed"] * 3, [e.message for e in results["ada"].exercises]
    assert results["ada"].claims_held == results["ada"].claims_total > 5
    assert statuses(results["bo"]) == ["not attempted"] * 3
    assert [e.functions for e in results["bo"].exercises] == [
        ["ideal_throughput"], ["worker"], ["shop_time"]
    ]
    assert results["bo"].claims_held < results["bo"].claims_total


def test_make_grade_runs_the_report():
    makefile = (ROOT / "Makefile").read_text()
    rule = r"^grade:.*\n(?:\t.*\n)*\t.*teacherkit\.grading \$\(SUBMISSIONS\)"
    assert re.search(rule, makefile, re.M)


def test_the_command_refuses_an_empty_folder_and_reports_an_unreadable_file(tmp_path, capsys):
    with pytest.raises(SystemExit):
        grading.main([str(tmp_path)])
    assert "no lesson notebooks" in capsys.readouterr().err
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "02_minimal_pool.ipynb").write_text("not json")
    assert grading.main([str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    (row,) = list(csv.DictReader((tmp_path / "out" / "grades.csv").open(encoding="utf-8")))
    assert row["student"] == "cy" and row["run"].startswith("not a readable notebook")
