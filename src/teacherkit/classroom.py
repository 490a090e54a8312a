"""The teacher's kit: student copies of the lessons, and the course as static HTML.

Not used by the lessons themselves; ``make student`` and ``make html`` call it
(``python -m teacherkit.classroom student|html OUT``), and it works over every
``notebooks/NN_*.ipynb``, so a new lesson is included without any change here.

- **Student copies** (:func:`student_copy`): the lesson without its reference solutions
  (cells tagged ``solution``), every output and execution count cleared, so the copy
  neither gives the answers away nor spoils a "predict, then run" prompt with its result.
  Sentences that say where the solution is ("in the next cell, collapsed") are dropped or
  rewritten, and relative links (a lesson's link to its module) are repointed so they open
  the same file from the folder the copies are written to.
- **Scaffold check** (:func:`scaffold_mismatches`): each exercise scaffold (a cell tagged
  ``exercise``) must define the same functions, with the same signatures, as a solution
  cell, or the learner's function would not fit the self-check the solution was written for.
- **Static HTML** (:func:`build_html`): one page per executed notebook, an ``index.html``
  table of contents, and on every page a bar linking the previous lesson, the contents and
  the next lesson; links between notebooks point at the pages. The pages load nothing from
  the internet: an explorer (which needs a kernel) becomes a snapshot of its first run, and
  progress bars are left out.
"""

from __future__ import annotations

import argparse
import ast
import copy
import html
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"

SOLUTION_REMOVED = (
    "*The reference solution is not in this copy: your teacher has it. "
    "Run the check cell above until it says ✅.*"
)


def lesson_notebooks(folder: Path | str) -> list[Path]:
    """The course's notebooks in ``folder`` (``NN_topic.ipynb``), in lesson order."""
    return sorted(Path(folder).glob(NOTEBOOK_PATTERN))


def tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


# --- student copies ----------------------------------------------------------------------


#: A sentence that says where a reference solution is in the lesson ("in the next cell,
#: collapsed (click `…` to open it)", "sits below each exercise"): it names a solution and
#: a place or a way to open it.
_SOLUTION = re.compile(r"\bsolution", re.I)
_PLACE = re.compile(r"next cell|cell (?:below|after)|below|collapsed|click|`…`|open it", re.I)


def locates_solution(text: str) -> bool:
    """Whether ``text`` says where a reference solution is (or how to open it)."""
    return bool(_SOLUTION.search(text) and _PLACE.search(text))


#: A sentence that goes on about the solution the previous one located ("Running it …").
REFERS_BACK = re.compile(r"^(?:It|Its|(?:Running|Opening|Reading|Run|Open)\s+it)\b")
SOLUTIONS_ELSEWHERE = "The reference solutions are not in this copy: your teacher has them."
# A sentence ends at . ! or ? followed by white space (kept: it may be a line break that
# separates list items); a markdown paragraph at a blank line.
_SENTENCE_END = re.compile(r"((?<=[.!?])\s+)")


def sentences(markdown: str) -> Iterator[str]:
    """The sentences of ``markdown``, paragraph by paragraph."""
    for paragraph in re.split(r"\n[ \t]*\n", markdown):
        yield from _SENTENCE_END.split(paragraph)[::2]


def without_solution_sentences(markdown: str, replacement: str = "") -> str:
    """``markdown`` with each sentence that locates a reference solution replaced.

    A sentence that follows such a sentence and refers back to it ("Running it replaces
    your function…") goes with it. With ``replacement`` empty the sentences are dropped
    (the note standing in for the solution cell says the truth); otherwise each group is
    replaced by it. Paragraphs left empty are dropped; everything else is kept as written.
    """
    paragraphs = []
    for paragraph in re.split(r"\n[ \t]*\n", markdown):
        parts = _SENTENCE_END.split(paragraph)
        kept, dropping = [], False
        for sentence, gap in zip(parts[::2], [*parts[1::2], ""], strict=True):
            if locates_solution(sentence):
                dropping = True
                if replacement:
                    lead = re.match(r"\s*(?:[-*]\s+)?", sentence).group()
                    kept.append(lead + replacement + gap)
                continue
            if dropping and REFERS_BACK.match(sentence.strip()):
                continue
            dropping = False
            kept.append(sentence + gap)
        text = "".join(kept).rstrip()
        if text.strip():
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def student_copy(
    nb: NotebookNode, *, source: Path | None = None, target: Path | None = None
) -> NotebookNode:
    """``nb`` without its solution cells and without any output (``nb`` is left unchanged).

    Each solution cell becomes a short note saying the solution is not in this copy; the
    sentences that said where it was are dropped from the markdown cell before it, and any
    other markdown sentence that locates a solution says the solutions are with the teacher.
    With ``source`` (the lesson's folder) and ``target`` (the copy's folder), relative links
    are repointed (:func:`repoint_links`).
    """
    student = copy.deepcopy(nb)
    cells: list[NotebookNode] = []
    for index, cell in enumerate(student.cells):
        if SOLUTION_TAG in tags(cell):
            cells.append(nbformat.v4.new_markdown_cell(SOLUTION_REMOVED))
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            following = student.cells[index + 1] if index + 1 < len(student.cells) else None
            before_solution = following is not None and SOLUTION_TAG in tags(following)
            if any(map(locates_solution, sentences(cell.source))):
                replacement = "" if before_solution else SOLUTIONS_ELSEWHERE
                cell.source = without_solution_sentences(cell.source, replacement)
            if source is not None and target is not None:
                cell.source = repoint_links(cell.source, source, target)
            if not cell.source.strip():
                continue  # it only said where the solution was
        cells.append(cell)
    student.cells = cells
    student.metadata.pop("widgets", None)  # the saved state of widgets that no longer exist
    return student


_LINK = re.compile(r"(\]\(\s*<?|\b(?:href|src)=[\"'])([^)\s\"'>]+)")


def repoint_links(markdown: str, source: Path, target: Path) -> str:
    """Relative links in ``markdown`` written in ``source``, rewritten to work from ``target``.

    ``[pool.py](../src/workerlab/pool.py)`` in ``notebooks/`` becomes
    ``[pool.py](../../src/workerlab/pool.py)`` in ``build/student/``. Links to other lessons
    (copied beside this one), to anchors, to web addresses and absolute paths are left alone.
    """
    source, target = Path(source).resolve(), Path(target).resolve()

    def repoint(match: re.Match[str]) -> str:
        link = match.group(2)
        path, anchor = re.match(r"([^#?]*)(.*)", link).groups()
        if not path or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|/", path):
            return match.group(0)  # an anchor, a web address or an absolute path
        if re.fullmatch(NOTEBOOK_PATTERN.replace("*", ".*").replace(".ipynb", r"\.ipynb"), path):
            return match.group(0)  # another lesson: its copy sits beside this one
        moved = Path(os.path.relpath(source / path, target)).as_posix()
        slash = "/" if path.endswith("/") else ""  # a folder stays a folder
        return match.group(1) + moved + slash + anchor

    return _LINK.sub(repoint, markdown)


def write_student_copies(notebooks: Sequence[Path], out: Path) -> list[Path]:
    """Write :func:`student_copy` of each notebook into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        target = out / path.name
        lesson = nbformat.read(path, as_version=4)
        nbformat.write(student_copy(lesson, source=path.parent, target=out), target)
        written.append(target)
    return written


# --- scaffolds against solutions -----------------------------------------------------------


def definitions(source: str) -> dict[str, str]:
    """Functions and classes a cell defines at module level: name → signature, as source text.

    Definitions inside a top-level ``if``/``try``/``with`` count too (a solution cell may
    define its function only when the learner's does not pass yet). A class's signature
    includes its bases and its methods' signatures.
    """
    found = {}
    for node in _module_level(ast.parse(source).body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = _signature(node)
        elif isinstance(node, ast.ClassDef):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            methods = [
                _signature(item)
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            found[node.name] = f"class {node.name}({bases}): " + "; ".join(methods)
    return found


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body``, and those nested in its if/try/with blocks (not in defs)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _module_level(node.body + node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            yield from _module_level(node.body + handlers + node.orelse + node.finalbody)
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    kind = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    return f"{kind} {node.name}({ast.unparse(node.args)}){returns}"


def scaffold_mismatches(nb: NotebookNode) -> list[str]:
    """Where an exercise scaffold and the solutions disagree; [] when every scaffold fits.

    Every name a scaffold defines must be defined by some solution cell with the same
    signature (parameters, defaults, annotations), and every solution cell must define at
    least one scaffold's name (else it solves nothing the learner was asked for).
    """
    scaffolds: dict[str, tuple[int, str]] = {}
    solutions: dict[str, tuple[int, str]] = {}
    solution_cells: dict[int, set[str]] = {}
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not {EXERCISE_TAG, SOLUTION_TAG} & set(tags(cell)):
            continue
        try:
            defined = definitions(cell.source)
        except SyntaxError as error:
            problems.append(f"cell {index} is not valid Python: {error.msg}")
            continue
        if EXERCISE_TAG in tags(cell):
            if not defined:
                problems.append(f"exercise cell {index} defines no function for the learner")
            scaffolds.update({name: (index, sig) for name, sig in defined.items()})
        if SOLUTION_TAG in tags(cell):
            solutions.update({name: (index, sig) for name, sig in defined.items()})
            solution_cells[index] = set(defined)
    for name, (index, signature) in scaffolds.items():
        if name not in solutions:
            problems.append(f"exercise cell {index}: no solution cell defines {name}")
        elif solutions[name][1] != signature:
            problems.append(
                f"exercise cell {index} and solution cell {solutions[name][0]} disagree on "
                f"{name}: `{signature}` vs `{solutions[name][1]}`"
            )
    for index, names in solution_cells.items():
        if not names & set(scaffolds):
            problems.append(f"solution cell {index} defines none of the exercises' functions")
    return problems


# --- static HTML ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonInfo:
    """What the table of contents shows of a lesson, read from its first cell."""

    page: str
    title: str
    minutes: int | None
    goals: list[str]


def lesson_info(nb: NotebookNode, page: str) -> LessonInfo:
    """Title (first heading), estimated minutes and learning goals of a lesson notebook."""
    first = nb.cells[0].source if nb.cells else ""
    title = re.search(r"^#\s+(.+)$", first, re.M)
    minutes = re.search(r"Time:\W*(?:about\s+)?(\d+)\s*min", first) or re.search(
        r"(\d+)\s*min", first
    )
    goals: list[str] = []
    in_goals = False
    for line in first.splitlines():
        if "Learning goals" in line:
            in_goals = True
        elif in_goals and re.match(r"\s*[-*]\s", line):
            goals.append(line.strip()[2:].strip())
        elif in_goals and goals and line.startswith((" ", "\t")) and line.strip():
            goals[-1] += " " + line.strip()  # a goal that goes on over the next line
        elif in_goals and goals:
            break
    return LessonInfo(
        page=page,
        title=title.group(1).strip() if title else Path(page).stem,
        minutes=int(minutes.group(1)) if minutes else None,
        goals=goals,
    )


def lesson_parts(nb: NotebookNode) -> dict[str, int]:
    """The parts of a lesson and their minutes, from its header's time estimate.

    ``**Time:** about 20 min (setup 2 · the loop 5 · exercises 8).`` gives
    ``{"setup": 2, "the loop": 5, "exercises": 8}``; a header without a breakdown gives ``{}``.
    """
    first = " ".join(nb.cells[0].source.split()) if nb.cells else ""
    found = re.search(r"Time:\W*(?:about\s+)?\d+\s*min\s*\(([^)]*)\)", first)
    if not found:
        return {}
    parts = {}
    for part in found.group(1).split("·"):
        named = re.fullmatch(r"\s*(.+?)\s+(\d+)\s*", part)
        if named:
            parts[named.group(1)] = int(named.group(2))
    return parts


def widget_models(model_id: str, state: dict) -> Iterator[tuple[str, dict]]:
    """A widget's model and all its descendants' (children first-to-last), as (name, state).

    ``state`` is the notebook's saved widget state (``metadata.widgets``); a model missing
    from it yields nothing.
    """
    model = state.get(model_id)
    if model is None:
        return
    yield model["model_name"], model.get("state", {})
    for child in model.get("state", {}).get("children", []):
        yield from widget_models(child.removeprefix("IPY_MODEL_"), state)


def widget_snapshot(model_id: str, state: dict) -> list[NotebookNode]:
    """Static outputs standing in for a widget on a page with no kernel.

    A progress bar shows nothing: it says how far a run got while it ran, which a page read
    later has no use for (and the saved state of one that closed itself, as tqdm's
    ``leave=False`` does, may be half-updated). Any other widget (an explorer) becomes a note
    naming its controls and their values, followed by what its output area showed when the
    notebook was executed. A widget missing from the saved state shows nothing either.
    """
    models = list(widget_models(model_id, state))
    if not models or any(name.endswith("ProgressModel") for name, _ in models):
        return []
    controls = [
        f"**{s['description']}** = {s['value']}"
        for name, s in models
        if s.get("description") and "value" in s and not name.endswith("ButtonModel")
    ]
    note = "🎛 *An interactive explorer: open this notebook in JupyterLab to use it.*"
    if controls:
        note += " Shown here as first run, with " + ", ".join(controls) + "."
    outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": note})]
    for name, s in models:
        if name == "OutputModel":
            outputs += [nbformat.from_dict(o) for o in s.get("outputs", [])]
    return outputs


def static_notebook(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with every widget output replaced by :func:`widget_snapshot`."""
    static = copy.deepcopy(nb)
    state = static.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in static.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            view = output.get("data", {}).get(WIDGET_VIEW)
            outputs += [output] if view is None else widget_snapshot(view["model_id"], state)
        cell.outputs = outputs
    static.metadata.pop("widgets", None)  # else the page would fetch a widget manager
    return static


# The course's page template: JupyterLab's look, without the scripts it would fetch from the
# internet (require.js, the widget manager, MathJax, Mermaid), with the lesson bar at the top
# and bottom, and each solution folded away as it is in JupyterLab.
PAGE_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}{% endblock html_head_js_mathjax %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
{% block extra_css %}<style>
nav.course { display: flex; justify-content: space-between; gap: 1em; padding: 0.6em 1em;
  margin: 0.5em 0; background: #f3f6fa; border-radius: 6px; font-family: sans-serif; }
nav.course a { text-decoration: none; }
details.course-solution > summary { cursor: pointer; color: #555; margin: 0.3em 0 0.3em 7em; }
</style>{% endblock extra_css %}
{% block body_header %}{{ super() }}{{ resources.course_nav }}{% endblock body_header %}
{% block body_footer %}{{ resources.course_nav }}{{ super() }}{% endblock body_footer %}
{% block input_group -%}
{%- if 'solution' in cell.metadata.get('tags', []) -%}
<details class="course-solution"><summary>Reference solution (try the exercise first)</summary>
{{ super() }}
</details>
{%- else -%}
{{ super() }}
{%- endif -%}
{%- endblock input_group %}
"""


def page_name(notebook: Path | str) -> str:
    return Path(notebook).with_suffix(".html").name


def lesson_bar(previous: LessonInfo | None, following: LessonInfo | None) -> str:
    """The navigation bar of a page: previous lesson, contents, next lesson."""
    left = "<span></span>"
    if previous:
        left = f'<a rel="prev" href="{previous.page}">← {html.escape(previous.title)}</a>'
    right = "<span>The end of the course</span>"
    if following:
        title = html.escape(following.title)
        right = f'<a rel="next" href="{following.page}">Next lesson: {title} →</a>'
    return f'<nav class="course">{left}<a href="index.html">Contents</a>{right}</nav>'


def link_pages(page: str, pages: set[str]) -> str:
    """Point links at course notebooks (``href="02_x.ipynb#part"``) at their pages instead."""

    def repoint(match: re.Match[str]) -> str:
        target = match.group(2) + ".html"
        return match.group(1) + target + match.group(3) if target in pages else match.group(0)

    return re.sub(r'(href=")([0-9][0-9]_[^"#/]+)\.ipynb((?:#[^"]*)?")', repoint, page)


def index_page(lessons: Sequence[LessonInfo]) -> str:
    """The table of contents: each lesson with its time and learning goals."""
    rows = []
    for lesson in lessons:
        time = f" <small>({lesson.minutes} min)</small>" if lesson.minutes else ""
        goals = "".join(f"<li>{_inline_markdown(g)}</li>" for g in lesson.goals)
        rows.append(
            f'<li><a href="{lesson.page}">{html.escape(lesson.title)}</a>{time}'
            + (f"<ul>{goals}</ul>" if goals else "")
            + "</li>"
        )
    total = sum(lesson.minutes or 0 for lesson in lessons)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        "<title>workerlab: contents</title><style>"
        "body { font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5; }"
        "li { margin: 0.4em 0; } ul.lessons { list-style: none; padding-left: 0; }"
        "ul.lessons ul { color: #444; font-size: 0.95em; }"
        "</style></head><body>"
        "<h1>workerlab: background job workers in Python</h1>"
        "<p>The course as static pages, executed and ready to read without a kernel. To run "
        "the experiments, drag the sliders and do the exercises, open the notebooks in "
        f"JupyterLab (<code>make lab</code>). About {total} min in all.</p>"
        f"<ul class=\"lessons\">{''.join(rows)}</ul></body></html>\n"
    )


def _inline_markdown(text: str) -> str:
    """Enough Markdown for a goal line: escape it, then `code`, **bold** and *italic*."""
    out = html.escape(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", out)


def build_html(notebooks: Sequence[Path], out: Path) -> list[Path]:
    """Render each executed notebook to ``out/NN_x.html``, plus ``out/index.html``."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"course.html.j2": PAGE_TEMPLATE})],
        template_file="course.html.j2",
    )
    out.mkdir(parents=True, exist_ok=True)
    books = [nbformat.read(path, as_version=4) for path in notebooks]
    lessons = [lesson_info(nb, page_name(path)) for nb, path in zip(books, notebooks, strict=True)]
    pages = {lesson.page for lesson in lessons}
    written = []
    for number, (nb, lesson) in enumerate(zip(books, lessons, strict=True)):
        previous = lessons[number - 1] if number > 0 else None
        following = lessons[number + 1] if number + 1 < len(lessons) else None
        resources = {
            "metadata": {"name": lesson.title},
            "course_nav": lesson_bar(previous, following),
        }
        body, _ = exporter.from_notebook_node(static_notebook(nb), resources=resources)
        target = out / lesson.page
        target.write_text(link_pages(body, pages), encoding="utf-8")
        written.append(target)
    index = out / "index.html"
    index.write_text(index_page(lessons), encoding="utf-8")
    return [index, *written]


# --- command line --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m teacherkit.classroom {student,html} OUT [--notebooks FOLDER]``."""
    parser = argparse.ArgumentParser(prog="python -m teacherkit.classroom", description=__doc__)
    parser.add_argument("what", choices=["student", "html"], help="what to build")
    parser.add_argument("out", type=Path, help="the folder to write into")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    args = parser.parse_args(argv)
    notebooks = lesson_notebooks(args.notebooks)
    if not notebooks:
        parser.error(f"no lesson notebooks (NN_*.ipynb) in {args.notebooks}")
    if args.what == "student":
        problems = {p.name: scaffold_mismatches(nbformat.read(p, as_version=4)) for p in notebooks}
        problems = {name: found for name, found in problems.items() if found}
        if problems:
            for name, found in problems.items():
                print(f"{name}: " + "; ".join(found), file=sys.stderr)
            return 1
        written = write_student_copies(notebooks, args.out)
    else:
        written = build_html(notebooks, args.out)
    print(f"wrote {len(written)} files to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
