"""Every notebook, run by a learner in a real browser: JupyterLab in headless Chromium.

For each ``notebooks/NN_*.ipynb``: open it, clear it, *Run → Run All Cells*, and check what
the page shows against the committed notebook: every code cell ran, no error or unexpected
stderr, every plot drawn as an image, every widget rendered. In every explorer (a cell whose
output holds a slider) drag the slider, press its run button, and check the output changes;
the course's main explorer must be among them. A screenshot of each notebook goes to
build/screenshots/, and no request may leave the machine.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from jlab import CELL, LAB_OFFLINE_FLAGS, CellView, NotebookPage

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# The explorer the course is built around (lesson 02's pool explorer); until that lesson
# exists, lesson 01's latency explorer stands in for it.
MAIN_EXPLORER = next(
    (p.name for p in NOTEBOOKS if p.name.startswith("02_")), "01_blocking_loop.ipynb"
)
RUN_TIMEOUT = 420  # seconds for one notebook's run on a loaded 2-core machine
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def committed_expectations(path: Path) -> list[dict]:
    """Per cell of the committed notebook: images, live widgets, and whether stderr is expected."""
    nb = nbformat.read(path, as_version=4)
    alive = set(nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}))
    expected = []
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        data = [o.get("data", {}) for o in outputs]
        expected.append(
            {
                "outputs": len(outputs),
                "images": sum("image/png" in d for d in data),
                # A widget closed before the notebook was saved (a finished progress bar
                # with leave=False) is gone from the page too: count only live ones.
                "widgets": sum(d.get(WIDGET_VIEW, {}).get("model_id") in alive for d in data),
                "stderr_ok": "raises-exception" in cell.metadata.get("tags", [])
                or any(o.output_type == "error" or o.get("name") == "stderr" for o in outputs),
            }
        )
    return expected


def rendering_problems(path: Path, cells: list[CellView]) -> list[str]:
    """What the page shows wrong, compared with the committed notebook; [] when all is well."""
    expected = committed_expectations(path)
    if len(cells) != len(expected):
        return [f"the page shows {len(cells)} cells, the notebook has {len(expected)}"]
    problems = []
    for index, (cell, want) in enumerate(zip(cells, expected, strict=True)):
        where = f"cell {index}"
        if cell.code and not cell.hidden and not cell.ran:
            problems.append(f"{where} did not run (prompt {cell.prompt!r})")
        if want["outputs"] and not cell.outputs:
            problems.append(f"{where} shows no output; the committed notebook shows some")
        if cell.stderr and not want["stderr_ok"]:
            problems.append(f"{where} shows an error or stderr: {cell.stderr[0]!r}")
        if cell.imagesDrawn < want["images"]:
            problems.append(
                f"{where} drew {cell.imagesDrawn} image(s) of {cell.images} shown; "
                f"the committed notebook has {want['images']} plot(s) there"
            )
        if cell.widgets < want["widgets"]:
            problems.append(
                f"{where} rendered {cell.widgets} widget(s), expected {want['widgets']}"
            )
        problems += [f"{where}: {text!r}" for text in cell.widgetProblems]
    return problems


def first_explorer(path: Path) -> int | None:
    """The index of the committed notebook's first explorer: a widget output holding a slider."""
    nb = nbformat.read(path, as_version=4)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def holds_slider(model_id: str) -> bool:
        model = state.get(model_id, {})
        children = model.get("state", {}).get("children", [])
        return model.get("model_name", "").endswith("SliderModel") or any(
            holds_slider(child.removeprefix("IPY_MODEL_")) for child in children
        )

    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and holds_slider(view["model_id"]):
                return index
    return None


def last_visible_code_cell(path: Path, up_to: int) -> int:
    """The last code cell at or before ``up_to`` whose source shows (so does its prompt)."""
    cells = nbformat.read(path, as_version=4).cells[: up_to + 1]
    return max(
        i
        for i, c in enumerate(cells)
        if c.cell_type == "code" and not c.metadata.get("jupyter", {}).get("source_hidden")
    )


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
    showcase = explorer if explorer is not None else (plots or [0])[0]
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
                problems.append("the course's main explorer (sliders and an output) is missing")
            view.run("Run All Cells", until=end, timeout=RUN_TIMEOUT)
        else:
            view.select(explorer + 1)
            view.run("Run All Above Selected Cell", until=explorer, timeout=RUN_TIMEOUT)
            problems += explore(view, explorer)
            view.select(explorer + 1)
            view.run("Run Selected Cell and All Below", until=end, timeout=RUN_TIMEOUT)
        problems += rendering_problems(notebook, view.cells())
    finally:
        try:  # the picture shows the explorer, else the first plot: what the lesson is about
            page.locator(CELL).nth(showcase).scroll_into_view_if_needed(timeout=5000)
            screenshot(page, notebook.stem)
        finally:
            page.close()
            lab.shut_down_kernels()
    problems += [f"script error in the page: {error}" for error in script_errors]
    assert not problems, f"{notebook.name} in the browser:\n- " + "\n- ".join(problems)
    off_machine = guard.attempts[attempts_before:]
    assert not off_machine, f"the page tried to reach other hosts: {off_machine}"


def test_the_test_server_is_as_offline_as_make_lab():
    """The browser tests' JupyterLab flags are the Makefile's LAB_OFFLINE flags."""
    makefile = (ROOT / "Makefile").read_text()
    block = re.search(r"^LAB_OFFLINE :=(.*?)(?<!\\)\n", makefile, re.M | re.S).group(1)
    assert set(block.replace("\\\n", " ").split()) == set(LAB_OFFLINE_FLAGS)
