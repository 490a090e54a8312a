"""The package's shape: small cores a learner can read, shown live, in enforced layers.

Issue 10's promises, checked: each lesson's idea lives in a short core module with its
central definition near the top; every lesson links to its core; no lesson copies package
code into markdown (it shows the live source instead); a lesson's first cell loads no
lesson module; one pool.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "src" / "workerlab"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Leaf modules: they import nothing else from workerlab (import-linter enforces it).
LEAVES = {
    "validate", "trace", "records", "progress", "frames", "leak", "show", "mphelpers",
    "ipython_setup",
}
#: Cores beside a lesson's main one: module -> (lesson, its central definition).
MORE_CORES = {
    "selecting": ("04", "select"),
    "errors": ("04", "JobError"),
    "contextplus": ("04", "with_deadline"),
}
#: lesson number -> (its core module, the central definition a learner reads first).
CORES = {
    "01": ("blocking", "run_sequential"),
    "02": ("pool", "worker"),
    "03": ("channel", "Channel"),
    "04": ("context", "Context"),
    "05": ("deadlock", "Watchdog"),
    "06": ("kinds", "run_threads"),
    "07": ("leases", "JobQueue"),
    "08": ("capstone", "checksum_file"),
}
CORE_LINES, CENTRAL_WITHIN = 175, 60


def package_sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}


def defined_names(source: str) -> set[str]:
    """Names a module defines at top level or in a class body (functions and classes)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


def code_lines(text: str) -> list[str]:
    """Non-blank lines without comments or surrounding space: what two copies share."""
    stripped = (re.sub(r"\s+#.*$", "", line).strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


def test_a_lessons_first_cell_imports_no_lesson_module():
    probe = "import sys, workerlab.lesson; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    ours = {name.removeprefix("workerlab.") for name in loaded if name.startswith("workerlab.")}
    assert ours <= LEAVES | {"lesson"}, f"workerlab.lesson pulls in {sorted(ours - LEAVES)}"


CORE_MODULES = {module: (n, central) for n, (module, central) in CORES.items()} | MORE_CORES


@pytest.mark.parametrize("module", sorted(CORE_MODULES))
def test_a_core_is_short_and_starts_with_its_idea(module):
    _, central = CORE_MODULES[module]
    path = PACKAGE / f"{module}.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= CORE_LINES, f"{path.name} has {len(lines)} lines (a core: ~150)"
    tree = ast.parse("\n".join(lines))
    starts = {
        node.name: node.lineno
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    assert central in starts, f"{path.name} does not define {central}"
    assert starts[central] <= CENTRAL_WITHIN, f"{central} starts at line {starts[central]}"


#: Lessons built on something other than a core module: the folder they link to instead.
OTHER_CODE = {"09": "go"}


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.stem)
def test_a_lesson_links_to_its_code(path):
    number = path.name[:2]
    intro = nbformat.read(path, as_version=4).cells[0].source
    if number in OTHER_CODE:
        folder = OTHER_CODE[number]
        assert f"(../{folder}/)" in intro and (ROOT / folder).is_dir()
        return
    module, _ = CORES[number]
    link = f"(../src/workerlab/{module}.py)"
    assert link in intro, f"the introduction should link to its core: [...]{link}"
    assert (PACKAGE / f"{module}.py").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_markdown_copy_of_package_code(path):
    sources = package_sources()
    names = set().union(*(defined_names(text) for text in sources.values()))
    package_lines = set().union(*(code_lines(text) for text in sources.values()))
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "markdown":
            continue
        for block in python_blocks(cell.source):
            defines = set(re.findall(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", block, re.M))
            assert not defines & names, (
                f"cell {index} copies {sorted(defines & names)} into markdown: show(...) it"
            )
            shared = [line for line in code_lines(block) if line in package_lines]
            assert len(shared) < 3, f"cell {index} quotes package lines in markdown: {shared[:3]}"


def test_the_show_helper_finds_a_core_function():
    from workerlab import validate
    from workerlab.show import show

    shown = show(validate.positive_int)
    assert shown.where == "workerlab/validate.py"
    assert shown.link == "../src/workerlab/validate.py"
    assert "def positive_int" in shown.code and "```python" in shown._repr_markdown_()
    with pytest.raises(TypeError, match="obj"):
        show(42)


def test_the_link_of_a_shown_function_opens_from_a_notebook():
    from workerlab import validate
    from workerlab.show import show

    target = (ROOT / "notebooks" / show(validate.positive_int).link).resolve()
    assert target == (PACKAGE / "validate.py").resolve()


def test_the_readme_lists_every_module_with_an_honest_size():
    """README's "The code" tables name every module of the package, with its line count
    within 10 % (or 10 lines) of the file's: a table that stays honest as the code changes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[`([\w.]+)`\]\(([\w/.]+)\) \|.*\| (\d+) \|$", readme, re.M)
    listed = {module: (path, int(count)) for module, path, count in rows}
    modules = {
        ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py" and "checks" not in path.parts
    }
    assert modules <= set(listed), f"README does not list {sorted(modules - set(listed))}"
    for module, (path, count) in listed.items():
        actual = sum(1 for _ in (ROOT / path).open(encoding="utf-8"))
        assert abs(actual - count) <= max(10, actual // 10), (
            f"README says {module} has {count} lines; it has {actual} (re-run the table)"
        )


def test_there_is_exactly_one_pool():
    """One `run_pool` in the package (lesson 02's, grown by lesson 04); the capstone, lesson
    06's pipeline-vs-pool and the Go comparison all run on it."""
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path, text in package_sources().items()
        for number, line in enumerate(text.splitlines(), 1)
        if re.match(r"\s*def run_pool\b", line)
    ]
    assert len(found) == 1 and found[0].startswith("pool.py:"), found
