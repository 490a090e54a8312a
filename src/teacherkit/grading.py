"""The grading report: run every handed-in notebook and say, per student and exercise, how it went.

``make grade SUBMISSIONS=folder`` (``python -m teacherkit.grading folder --out build/grades``)
takes the student copies the class handed in (from ``make student``, filled in) and writes
``grades.csv`` (one row per student, lesson and exercise), ``grades.html`` (a page per
lesson, students by exercises) and each notebook as it ran, under ``executed/``.

**The submissions folder** holds one folder per student (``alice/02_minimal_pool.ipynb``),
or notebooks named after their student (``alice-02_minimal_pool.ipynb``). The lesson is the
``NN_topic`` in the file's name.

**Exercises and checks** are read from the notebook itself, as the course writes them: an
exercise is a code cell tagged ``exercise`` (the functions it defines name it), and its
check is the first code cell after it that calls a ``check_…`` function on one of them. The
check's verdict (a ``CheckResult``) is read from the kernel, not from the screen. Each
exercise is **passed**, **failed** (with the check's message, or the error the learner's
code raised), **not attempted** (its functions still only ``raise NotImplementedError``) or
**crashed** (the notebook hung or its kernel died before the check could answer). A
**claim** is any other code cell that asserts something: it held if it ran without error.

**Safety.** Every notebook runs in a fresh kernel, in a scratch folder of its own (its
working and temporary folder), with a bound on each cell and on the whole notebook: a cell
that does not answer is interrupted, a kernel that ignores the interrupt is killed, and a
kernel that dies is reported. The submissions are read before anything runs and the report
is written after, so a notebook that deletes files harms neither. Solution cells (tagged
``solution``) never run. After each notebook its kernel's whole process group is killed,
so nothing it started is left running.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import html
import os
import re
import shutil
import signal
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client import KernelManager
from nbformat import NotebookNode

from teacherkit.classroom import EXERCISE_TAG, SOLUTION_TAG, definitions, tags

PASSED, FAILED, NOT_ATTEMPTED, CRASHED = "passed", "failed", "not attempted", "crashed"
ICONS = {PASSED: "✅", FAILED: "❌", NOT_ATTEMPTED: "⬜", CRASHED: "💥"}
# After a check cell: the value it displayed (In[n] → Out[n]), as (passed, message).
VERDICT = (
    "(lambda r: None if r is None else (bool(r), str(getattr(r, 'message', r))))"
    "(Out.get(len(In) - 1))"
)


@dataclass
class CellRun:
    """What happened when one cell ran: ``status`` is ok, error, hung, died or not run."""

    status: str = "not run"
    error: str = ""
    verdict: tuple[bool, str] | None = None


@dataclass
class Exercise:
    """One exercise of a submission, and how it went."""

    number: int
    functions: list[str]
    status: str = CRASHED
    message: str = ""


@dataclass
class Submission:
    """One handed-in notebook and its results."""

    student: str
    lesson: str
    path: Path
    run: str = ""
    seconds: float = 0.0
    exercises: list[Exercise] = field(default_factory=list)
    claims_total: int = 0
    claims_held: int = 0
    claims_failed: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)  # cells that are neither


# --- reading a submission ---------------------------------------------------------------------


def find_submissions(folder: Path) -> list[tuple[str, str, Path]]:
    """(student, lesson, path) for every lesson notebook under ``folder``, sorted."""
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        match = re.search(r"\d\d_[A-Za-z0-9_]+", path.stem)
        if not match:
            continue
        lesson = match.group()
        relative = path.relative_to(folder)
        if len(relative.parts) > 1:
            student = relative.parts[0]
        else:
            student = (path.stem[: match.start()] + path.stem[match.end() :]).strip(" -_.")
        found.append((student or path.stem, lesson, path))
    return found


def check_cell_of(nb: NotebookNode, exercise: int, functions: set[str]) -> int | None:
    """The index of the check cell of the exercise in cell ``exercise``: the first code cell
    after it (before the next exercise) that calls a ``check…`` function on one of
    ``functions``."""
    for index in range(exercise + 1, len(nb.cells)):
        cell = nb.cells[index]
        if EXERCISE_TAG in tags(cell):
            return None
        if cell.cell_type != "code" or SOLUTION_TAG in tags(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.startswith("check")
                and any(isinstance(a, ast.Name) and a.id in functions for a in node.args)
            ):
                return index
    return None


def only_raises_not_implemented(source: str) -> bool:
    """Whether every function ``source`` defines still just raises ``NotImplementedError``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]

    def untouched(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        body = [s for s in function.body if not isinstance(s, ast.Pass | ast.Expr)]
        return len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in (
            ast.unparse(body[0].exc) if body[0].exc else ""
        )

    return bool(functions) and all(map(untouched, functions))


def asserts(source: str) -> bool:
    """Whether a cell asserts something (an ``assert`` statement anywhere in it)."""
    try:
        return any(isinstance(n, ast.Assert) for n in ast.walk(ast.parse(source)))
    except SyntaxError:
        return False


# --- running a notebook --------------------------------------------------------------------------


class Runner:
    """A fresh kernel in ``folder``, running cells one at a time within the bounds."""

    def __init__(self, folder: Path, *, notebook_seconds: float, cell_seconds: float) -> None:
        self.deadline = time.monotonic() + notebook_seconds
        self.cell_seconds = cell_seconds
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        env = {"TMPDIR": str(folder / "tmp"), "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env={**os.environ, **env}, cwd=str(folder))
        self.pgid = getattr(self.manager.provisioner, "pgid", None)
        self.client = self.manager.client()
        self.client.start_channels()
        self.dead = ""  # why the kernel can run no more cells, once it cannot
        try:
            self.client.wait_for_ready(timeout=60)
        except RuntimeError as error:  # the kernel died or never answered while starting
            self.dead = f"the kernel did not start: {error}"

    def run(self, cell: NotebookNode, *, verdict: bool = False) -> CellRun:
        """Run ``cell`` (its outputs are replaced); never waits past the bounds."""
        if self.dead:
            return CellRun()
        expressions = {"verdict": VERDICT} if verdict else {}
        msg_id = self.client.execute(
            cell.source, store_history=True, allow_stdin=False, user_expressions=expressions
        )
        cell.outputs = []
        limit = min(time.monotonic() + self.cell_seconds, self.deadline)
        if not self._collect(msg_id, cell, limit):
            return self._stuck(msg_id, cell)
        reply = self._reply(msg_id, time.monotonic() + 10)
        if reply is None:
            self.dead = "the kernel stopped answering"
            return CellRun("died", self.dead)
        content = reply["content"]
        cell.execution_count = content.get("execution_count")
        if content["status"] != "ok":
            return CellRun("error", f"{content.get('ename')}: {content.get('evalue')}")
        found = content.get("user_expressions", {}).get("verdict", {})
        text = found.get("data", {}).get("text/plain") if found.get("status") == "ok" else None
        return CellRun("ok", verdict=ast.literal_eval(text) if text else None)

    def _collect(self, msg_id: str, cell: NotebookNode, limit: float) -> bool:
        """Gather the cell's outputs until the kernel is idle again; False past ``limit``."""
        while time.monotonic() < limit:
            try:
                msg = self.client.get_iopub_msg(timeout=0.2)
            except Empty:
                if not self.manager.is_alive():
                    return False
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                return True
            if kind in ("stream", "display_data", "execute_result", "error"):
                cell.outputs.append(nbformat.v4.output_from_msg(msg))
        return False

    def _reply(self, msg_id: str, limit: float) -> dict | None:
        while time.monotonic() < limit:
            try:
                reply = self.client.get_shell_msg(timeout=0.2)
            except Empty:
                if not self.manager.is_alive():
                    return None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply
        return None

    def _stuck(self, msg_id: str, cell: NotebookNode) -> CellRun:
        """The cell overran its bound, or the kernel died: interrupt, else give up on it."""
        if not self.manager.is_alive():
            self.dead = "the kernel died"
            return CellRun("died", self.dead)
        out_of_time = time.monotonic() >= self.deadline
        self.manager.interrupt_kernel()
        if self._collect(msg_id, cell, time.monotonic() + 5) and not out_of_time:
            self._reply(msg_id, time.monotonic() + 5)
            return CellRun("hung", f"no answer within {self.cell_seconds:g} s: interrupted")
        self.dead = (
            "the notebook ran out of time" if out_of_time else "it ignored the interrupt"
        )
        return CellRun("hung", f"no answer: {self.dead}, so its kernel was stopped")

    def close(self) -> None:
        """Shut the kernel down, then kill whatever is left of its process group."""
        try:
            self.client.stop_channels()
            if self.dead:
                self.manager.shutdown_kernel(now=True)
            else:
                self.manager.shutdown_kernel(now=False)
        finally:
            if self.pgid and hasattr(os, "killpg"):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pgid, signal.SIGKILL)  # everything the kernel started


def grade(
    nb: NotebookNode, submission: Submission, *, notebook_seconds: float, cell_seconds: float
) -> NotebookNode:
    """Run ``nb`` (a copy is returned, as it ran) and fill in ``submission``'s results."""
    nb = nbformat.from_dict(nb)
    exercises = {}
    checks = {}
    for index, cell in enumerate(nb.cells):
        if EXERCISE_TAG in tags(cell) and cell.cell_type == "code":
            try:
                functions = list(definitions(cell.source))
            except SyntaxError:
                functions = []
            exercise = Exercise(len(exercises) + 1, functions)
            exercises[index] = exercise
            check = check_cell_of(nb, index, set(functions))
            if check is not None:
                checks[check] = exercise
    submission.exercises = list(exercises.values())
    claims = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
        and i not in exercises
        and i not in checks
        and not {SOLUTION_TAG, "raises-exception"} & set(tags(c))
        and asserts(c.source)
    ]
    submission.claims_total = len(claims)
    runs: dict[int, CellRun] = {}
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="workerlab-grade-") as scratch:
        folder = Path(scratch) / "run"
        folder.mkdir()
        nbformat.write(nb, folder / f"{submission.lesson}.ipynb")  # the scratch copy
        runner = Runner(folder, notebook_seconds=notebook_seconds, cell_seconds=cell_seconds)
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or SOLUTION_TAG in tags(cell):
                    continue
                runs[index] = runner.run(cell, verdict=index in checks)
        finally:
            runner.close()
    submission.seconds = time.monotonic() - began
    stopped = [(i, r) for i, r in runs.items() if r.status in ("hung", "died")]
    submission.run = (
        "finished" if not stopped else f"cell {stopped[0][0]}: {stopped[0][1].error}"
    )
    if runner.dead and not stopped:  # it never ran a cell
        submission.run = runner.dead
    judged = set(exercises) | set(checks) | set(claims)
    for index, run in runs.items():
        if run.status == "error" and index not in judged:
            submission.other_errors.append(f"cell {index}: {run.error}")
    for index, exercise in exercises.items():
        _judge(exercise, nb.cells[index].source, runs.get(index, CellRun()), checks, runs)
        if exercise.message == "not run":
            exercise.message = f"not reached: the notebook stopped at {submission.run}"
    for index in claims:
        run = runs.get(index, CellRun())
        if run.status == "ok":
            submission.claims_held += 1
        else:
            submission.claims_failed.append(f"cell {index}: {run.error or run.status}")
    return nb


def _judge(
    exercise: Exercise,
    source: str,
    written: CellRun,
    checks: dict[int, Exercise],
    runs: dict[int, CellRun],
) -> None:
    check_index = next((i for i, e in checks.items() if e is exercise), None)
    check = runs.get(check_index, CellRun()) if check_index is not None else None
    if only_raises_not_implemented(source):
        exercise.status, exercise.message = NOT_ATTEMPTED, ""
    elif written.status in ("hung", "died", "not run"):
        exercise.status, exercise.message = CRASHED, written.error or "not run"
    elif written.status == "error":
        exercise.status, exercise.message = FAILED, f"the exercise cell raised {written.error}"
    elif check is None:
        exercise.status, exercise.message = FAILED, "no check cell calls its function"
    elif check.status in ("hung", "died", "not run"):
        exercise.status, exercise.message = CRASHED, check.error or "not run"
    elif check.status == "error":
        exercise.status, exercise.message = FAILED, f"the check raised {check.error}"
    elif check.verdict is None:
        exercise.status, exercise.message = FAILED, "the check cell showed no verdict"
    else:
        passed, message = check.verdict
        exercise.status, exercise.message = (PASSED if passed else FAILED), message


# --- the report -------------------------------------------------------------------------------


CSV_FIELDS = [
    "student", "lesson", "exercise", "functions", "status", "message",
    "claims_held", "claims_total", "run", "other_errors", "seconds",
]  # fmt: skip


def write_csv(submissions: Sequence[Submission], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for s in submissions:
            common = {
                "student": s.student, "lesson": s.lesson, "claims_held": s.claims_held,
                "claims_total": s.claims_total, "run": s.run, "seconds": f"{s.seconds:.1f}",
                "other_errors": "; ".join(s.other_errors),
            }  # fmt: skip
            for e in s.exercises or [None]:
                writer.writerow(
                    common
                    | {
                        "exercise": e.number if e else "",
                        "functions": " ".join(e.functions) if e else "",
                        "status": e.status if e else "",
                        "message": e.message if e else "",
                    }
                )


def html_page(submissions: Sequence[Submission]) -> str:
    """The report as one page: a table per lesson, students by exercises."""
    sections = []
    for lesson in sorted({s.lesson for s in submissions}):
        rows = [s for s in submissions if s.lesson == lesson]
        width = max(len(s.exercises) for s in rows)
        names = {}
        for s in rows:
            for e in s.exercises:
                names.setdefault(e.number, ", ".join(f"{f}()" for f in e.functions))
        head = "".join(
            f"<th>exercise {n}<br><code>{html.escape(names.get(n, ''))}</code></th>"
            for n in range(1, width + 1)
        )
        body = []
        for s in rows:
            cells = []
            for e in s.exercises:
                note = f"<div class=msg>{html.escape(e.message)}</div>" if e.message else ""
                cells.append(f'<td class="{e.status.replace(" ", "-")}">{ICONS[e.status]} '
                             f"{e.status}{note}</td>")  # fmt: skip
            cells += ["<td></td>"] * (width - len(s.exercises))
            failed = "".join(f"<div class=msg>{html.escape(c)}</div>" for c in s.claims_failed)
            run = "✅ finished" if s.run == "finished" else f"⏱ {html.escape(s.run)}"
            run += "".join(f"<div class=msg>⚠ {html.escape(e)}</div>" for e in s.other_errors)
            body.append(
                f"<tr><th>{html.escape(s.student)}</th>{''.join(cells)}"
                f"<td>{s.claims_held} / {s.claims_total}{failed}</td>"
                f"<td>{run}<div class=msg>{s.seconds:.0f} s</div></td></tr>"
            )
        sections.append(
            f"<h2>{html.escape(lesson)}</h2><table><tr><th>student</th>{head}"
            f"<th>claims held</th><th>run</th></tr>{''.join(body)}</table>"
        )
    legend = " · ".join(f"{icon} {status}" for status, icon in ICONS.items())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>workerlab: grades</title><style>"
        "body { font-family: sans-serif; margin: 2em; } table { border-collapse: collapse; }"
        "th, td { border: 1px solid #ccc; padding: 0.4em 0.6em; text-align: left; "
        "vertical-align: top; } .msg { color: #555; font-size: 0.85em; max-width: 28em; }"
        ".passed { background: #eaf7ea; } .failed { background: #fdeaea; }"
        ".crashed { background: #fff3d6; } .not-attempted { background: #f4f4f4; }"
        "</style></head><body><h1>workerlab: grades</h1>"
        f"<p>{legend}. A claim is a lesson cell that asserts something; it held if it ran "
        "without error. Each notebook ran in a fresh kernel, in a scratch folder.</p>"
        f"{''.join(sections)}</body></html>\n"
    )


def grade_folder(
    submissions_folder: Path,
    out: Path,
    *,
    notebook_seconds: float = 300.0,
    cell_seconds: float = 120.0,
    progress: bool = True,
) -> list[Submission]:
    """Grade every submission under ``submissions_folder``; write the report into ``out``."""
    found = find_submissions(submissions_folder)
    books = [(s, lesson, path, path.read_bytes()) for s, lesson, path in found]  # read first
    results, executed = [], []
    for number, (student, lesson, path, data) in enumerate(books, 1):
        submission = Submission(student, lesson, path)
        if progress:
            print(f"[{number}/{len(books)}] {student}: {lesson} …", flush=True)
        try:
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        except Exception as error:  # any unreadable file is reported, never fatal
            submission.run = f"not a readable notebook: {error}"
            results.append(submission)
            continue
        ran = grade(nb, submission, notebook_seconds=notebook_seconds, cell_seconds=cell_seconds)
        results.append(submission)
        executed.append((submission, ran))
    out.mkdir(parents=True, exist_ok=True)
    write_csv(results, out / "grades.csv")
    (out / "grades.html").write_text(html_page(results), encoding="utf-8")
    shutil.rmtree(out / "executed", ignore_errors=True)
    for submission, ran in executed:
        target = out / "executed" / _safe(submission.student) / f"{submission.lesson}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(ran, target)
    return results


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "student"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m teacherkit.grading SUBMISSIONS [--out build/grades] [--notebook-seconds N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m teacherkit.grading",
        description=textwrap.dedent(__doc__ or "").split("\n\n")[0],
    )
    parser.add_argument("submissions", type=Path, help="the folder of handed-in notebooks")
    parser.add_argument("--out", type=Path, default=Path("build/grades"))
    parser.add_argument("--notebook-seconds", type=float, default=300.0,
                        help="the bound on one whole notebook (default 300)")  # fmt: skip
    parser.add_argument("--cell-seconds", type=float, default=120.0,
                        help="the bound on one cell (default 120)")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    if not find_submissions(args.submissions):
        parser.error(f"no lesson notebooks (NN_topic.ipynb) under {args.submissions}")
    results = grade_folder(
        args.submissions.resolve(),
        args.out,
        notebook_seconds=args.notebook_seconds,
        cell_seconds=args.cell_seconds,
    )
    counts = {status: 0 for status in ICONS}
    for s in results:
        for e in s.exercises:
            counts[e.status] += 1
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    print(f"graded {len(results)} notebooks ({summary}): {args.out}/grades.html, grades.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
