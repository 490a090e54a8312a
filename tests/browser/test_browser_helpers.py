"""The browser tests' own helpers, checked without a browser (these run in `make unit`)."""

from __future__ import annotations

import nbformat
import pytest
from jlab import (
    CellView,
    OffMachineGuard,
    committed_expectations,
    find_chromium,
    first_explorer,
    rendering_problems,
    require_chromium,
)

from teacherkit.classroom import WIDGET_STATE, WIDGET_VIEW


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8888/lab?token=x", True),
        ("ws://localhost:8888/api/kernels/1/channels", True),
        ("http://[::1]:8888/", True),
        ("data:image/png;base64,AAAA", True),
        ("file:///tmp/build/html/index.html", True),
        ("https://cdn.jsdelivr.net/npm/x.js", False),
        ("http://10.0.0.5/", False),
        ("http://127.0.0.1.example.com/", False),
    ],
)
def test_only_this_machine_counts_as_local(url, local):
    assert OffMachineGuard.is_local(url) is local


class FakeRoute:
    def __init__(self) -> None:
        self.verdict = ""

    def continue_(self) -> None:
        self.verdict = "continued"

    def abort(self, reason: str) -> None:
        self.verdict = f"aborted ({reason})"


class FakeRequest:
    def __init__(self, url: str) -> None:
        self.url = url


def test_the_guard_aborts_and_records_requests_to_other_hosts():
    guard = OffMachineGuard()
    local, remote = FakeRoute(), FakeRoute()
    guard.route(local, FakeRequest("http://127.0.0.1:1/static/lab.js"))
    guard.route(remote, FakeRequest("https://example.org/news.json"))
    assert local.verdict == "continued"
    assert remote.verdict == "aborted (blockedbyclient)"
    assert guard.attempts == ["https://example.org/news.json"]


def test_chromium_is_found_where_named_and_missing_means_skip_or_fail(monkeypatch, tmp_path):
    binary = tmp_path / "chromium"
    binary.write_text("")
    monkeypatch.setenv("WORKERLAB_CHROMIUM", str(binary))
    assert find_chromium() == str(binary)
    monkeypatch.setenv("WORKERLAB_CHROMIUM", str(tmp_path / "nowhere"))
    assert find_chromium() is None
    monkeypatch.delenv("WORKERLAB_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        require_chromium()
    monkeypatch.setenv("WORKERLAB_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="WORKERLAB_REQUIRE_BROWSER is set"):
        require_chromium()


def explorer_notebook(tmp_path, *, slider: bool = True):
    """A notebook whose cell 1 shows a VBox (slider and output, or output only), cell 2 a bar."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {
        WIDGET_STATE: {
            "state": {
                "box": {"model_name": "VBoxModel",
                        "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_o"]}},
                "s": {"model_name": "FloatSliderModel" if slider else "LabelModel", "state": {}},
                "o": {"model_name": "OutputModel", "state": {}},
                "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_p"]}},
                "p": {"model_name": "FloatProgressModel", "state": {}},
            }
        }
    }  # fmt: skip
    view = nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "box"}})
    bar = nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "bar"}})
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})
    raises = nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 09 · x"),
        nbformat.v4.new_code_cell("explorer()", outputs=[view]),
        nbformat.v4.new_code_cell("bar()", outputs=[bar]),
        nbformat.v4.new_code_cell("plot()", outputs=[png]),
        raises,
    ]
    path = tmp_path / "09_x.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_explorer_is_the_first_widget_output_holding_a_slider(tmp_path):
    assert first_explorer(explorer_notebook(tmp_path)) == 1
    assert first_explorer(explorer_notebook(tmp_path, slider=False)) is None


def test_expectations_skip_progress_bars_and_allow_planned_errors(tmp_path):
    want = committed_expectations(explorer_notebook(tmp_path))
    assert [w["widgets"] for w in want] == [0, 1, 0, 0, 0]
    assert [w["outputs"] for w in want] == [0, 1, 0, 1, 0]
    assert [w["images"] for w in want] == [0, 0, 0, 1, 0]
    assert [w["stderr_ok"] for w in want] == [False, False, False, False, True]


def view(prompt: str = "[1]:", **changes) -> CellView:
    shown = {"code": True, "hidden": False, "prompt": prompt, "outputs": 0, "stderr": [],
             "images": 0, "imagesDrawn": 0, "widgets": 0, "sliders": 0, "widgetProblems": []}
    return CellView(**(shown | changes))  # fmt: skip


def test_rendering_problems_name_each_cell_that_went_wrong(tmp_path):
    path = explorer_notebook(tmp_path)
    good = [view(code=False, prompt=""), view(outputs=1, widgets=1, sliders=1), view("[3]:"),
            view("[4]:", outputs=1, images=1, imagesDrawn=1),
            view("[5]:", outputs=1, stderr=["ZeroDivisionError"])]  # fmt: skip
    assert rendering_problems(path, good) == []
    bad = [*good]
    bad[1] = view(outputs=1, widgetProblems=["Error displaying widget: model not found"])
    bad[2] = view("[*]:")
    bad[3] = view("[4]:", outputs=1, images=1, stderr=["Traceback …"])
    problems = rendering_problems(path, bad)
    assert problems == [
        "cell 1 rendered 0 widget(s), expected 1",
        "cell 1: 'Error displaying widget: model not found'",
        "cell 2 did not run (prompt '[*]:')",
        "cell 3 shows an error or stderr: 'Traceback …'",
        "cell 3 drew 0 image(s) of 1 shown; the committed notebook has 1 plot(s) there",
    ]
    assert rendering_problems(path, good[:2]) == ["the page shows 2 cells, the notebook has 5"]
