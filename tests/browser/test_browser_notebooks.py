"""Every notebook, run by a learner in a real browser: JupyterLab in headless Chromium.

For each ``notebooks/NN_*.ipynb``: open it, clear it, run it from the *Run* menu, and check
what the page shows against the committed notebook: every code cell ran, no error or
unexpected stderr, every plot drawn as an image, every widget rendered. The notebook's first
explorer (a widget output holding a slider) is tried on the way, as a learner would: run up
to it, drag its slider, press its run button, see the output change, then run the rest. The
course's main explorer must exist. A screenshot of each notebook goes to build/screenshots/,
and no request may leave the machine.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from jlab import (
    CELL,
    LAB_OFFLINE_FLAGS,
    NotebookPage,
    committed_expectations,
    first_explorer,
    last_visible_code_cell,
    rendering_problems,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# The explorer the course is built around (lesson 02's pool explorer); until that lesson
# exists, lesson 01's latency explorer stands in for it.
MAIN_EXPLORER = next(
    (p.name for p in NOTEBOOKS if p.name.startswith("02_")), "01_blocking_loop.ipynb"
)
RUN_TIMEOUT = 420  # seconds for one notebook's run on a loaded 2-core machine


def explore(page: NotebookPage, index: int, timeout: float = 180) -> list[str]:
    """Drag the explorer's first slider, press its run button; [] if its output then changed."""
    before = page.output_fingerprint(index)
    old, new = page.drag_first_slider(index)
    problems = [f"cell {index}: dragging the slider left it at {old}"] if old == new else []
    page.press_run_button(index)
    deadline = time.monotonic() + timeout
    while page.output_fingerprint(index) == before and time.monotonic() < deadline:
        time.sleep(0.25)
    if page.output_fingerprint(index) == before:
        problems.append(f"cell {index}: the explorer's output did not change in {timeout} s")
    page.wait_for_idle_kernel()
    return problems


@pytest.mark.browser
@pytest.mark.timeout(RUN_TIMEOUT + 300)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_learner_runs_it_in_the_browser(notebook, lab, context, guard, screenshot):
    """Run the notebook as a learner: to its first explorer, play with it, then to the end.

    The explorer is tried *before* the rest runs, as a learner would: the lesson's last
    cell removes the files an explorer works on.
    """
    explorer = first_explorer(notebook)
    end = last_visible_code_cell(notebook, len(nbformat.read(notebook, as_version=4).cells))
    plots = [i for i, want in enumerate(committed_expectations(notebook)) if want["images"]]
    # The picture shows what the lesson is about: its explorer, else its first plot, else
    # its last code cell (the end check, which proves the whole run went through).
    showcase = explorer if explorer is not None else (plots or [end])[0]
    attempts_before = len(guard.attempts)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    problems: list[str] = []
    try:
        view = NotebookPage(page, lab.notebook_url(notebook.name))
        view.clear()
        if explorer is None:
            if notebook.name == MAIN_EXPLORER:
                problems.append(
                    "the course's main explorer (a widget holding a slider) is not in the "
                    "notebook's saved widget state: is it there, and was the notebook run "
                    "by `make execute` (which saves that state)?"
                )
            view.run("Run All Cells", until=end, timeout=RUN_TIMEOUT)
        else:
            view.select(explorer + 1)
            view.run("Run All Above Selected Cell", until=explorer, timeout=RUN_TIMEOUT)
            problems += explore(view, explorer)
            view.select(explorer + 1)
            view.run("Run Selected Cell and All Below", until=end, timeout=RUN_TIMEOUT)
        problems += rendering_problems(notebook, view.cells())
    finally:
        try:
            page.locator(CELL).nth(showcase).evaluate("cell => cell.scrollIntoView()", timeout=5000)
            screenshot(page, notebook.stem)
        finally:
            page.close()
            lab.shut_down_kernels()
    problems += [f"script error in the page: {error}" for error in script_errors]
    assert not problems, f"{notebook.name} in the browser:\n- " + "\n- ".join(problems)
    off_machine = guard.attempts[attempts_before:]
    assert not off_machine, f"the page tried to reach other hosts: {off_machine}"


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_a_lessons_link_opens_its_module_in_one_click(lab, context, guard):
    """Lesson 02's introduction links to the code it is built on; one click opens the file
    in a JupyterLab editor, as `make lab` serves the whole course (issue 10)."""
    page = context.new_page()
    try:
        NotebookPage(page, lab.notebook_url("02_minimal_pool.ipynb"))
        page.locator(".jp-RenderedMarkdown a[href*='src/workerlab/pool.py']").first.click()
        page.wait_for_selector(".lm-TabBar-tab:has-text('pool.py')", timeout=60_000)
        editor = page.locator(".jp-FileEditor .cm-content").first
        editor.wait_for(timeout=60_000)
        assert "def worker(" in editor.inner_text(), "the editor should show the pool's code"
    finally:
        page.close()
        lab.shut_down_kernels()
    assert not guard.attempts, f"the page tried to reach other hosts: {guard.attempts}"


def test_the_test_server_is_as_offline_as_make_lab():
    """The browser tests' JupyterLab flags are the Makefile's LAB_OFFLINE flags."""
    makefile = (ROOT / "Makefile").read_text()
    block = re.search(r"^LAB_OFFLINE :=(.*?)(?<!\\)\n", makefile, re.M | re.S).group(1)
    assert set(block.replace("\\\n", " ").split()) == set(LAB_OFFLINE_FLAGS)
