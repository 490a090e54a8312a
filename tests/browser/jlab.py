"""Drive JupyterLab in headless Chromium the way a learner does (the browser tests' helpers).

- :class:`LabServer` starts ``jupyter lab`` on 127.0.0.1, a free port and a random token,
  with the offline flags of ``make lab``, in its own process group, serving a *copy* of the
  notebooks (so JupyterLab's autosave never rewrites the committed ones), and with its
  settings, workspaces and runtime files in a scratch folder (so a learner's own JupyterLab
  settings change nothing here, and nothing is left in their home folder).
- :class:`OffMachineGuard` lets the browser talk to this machine only: every request to
  another host is aborted and recorded, so a test can assert that none was attempted.
- :class:`NotebookPage` opens one notebook, clears it, runs its cells from the *Run* menu
  as a learner would, drags a slider, presses a button, and reads back what every cell shows.
- :func:`committed_expectations`, :func:`rendering_problems` and :func:`first_explorer` read
  the committed notebook to know what the page should show, and compare.
- :func:`require_chromium` finds the browser, or skips (fails, where CI requires it).

The selectors, flags and timings here were checked against the JupyterLab and Chromium
versions in ``requirements/lock.txt`` and Debian's ``chromium`` package; a new version that
changes them makes these tests fail loudly, not pass quietly.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import nbformat

from teacherkit.classroom import WIDGET_STATE, WIDGET_VIEW, widget_models

if TYPE_CHECKING:  # imported for annotations only: this module loads without Playwright
    from playwright.sync_api import Locator, Page, Request, Route, WebSocket

# The same flags as LAB_OFFLINE in the Makefile (a test keeps the two in agreement): no news,
# no update checks, no extension manager, no language-server probing.
LAB_OFFLINE_FLAGS = (
    "--LabApp.extension_manager=readonly",
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LanguageServerManager.autodetect=False",
)

# Settings of the test server: render every cell (no windowing, so the page holds all of them
# for the checks to read) and never fetch news.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# Chromium's own background traffic (updates, sync, QUIC probes) is off: the course is
# offline, and OffMachineGuard records any request that leaves the machine anyway.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
CELL = ".jp-NotebookPanel .jp-Notebook .jp-Cell"
KERNEL_IDLE = ".jp-StatusBar-TextItem:has-text('Python 3 (ipykernel) | Idle')"


def find_chromium() -> str | None:
    """The Chromium to drive: ``$WORKERLAB_CHROMIUM``, else ``chromium`` on the PATH."""
    named = os.environ.get("WORKERLAB_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """Chromium's path, with Playwright importable; else skip, or fail where CI requires them.

    ``.ci/run`` installs Chromium and sets ``WORKERLAB_REQUIRE_BROWSER``, so that a missing
    browser there is an error, never a silent skip.
    """
    import pytest

    def unavailable(reason: str) -> None:
        if os.environ.get("WORKERLAB_REQUIRE_BROWSER"):
            pytest.fail(f"{reason} (WORKERLAB_REQUIRE_BROWSER is set, so this is an error)")
        pytest.skip(reason)

    path = find_chromium()
    if path is None:
        unavailable(
            "browser tests skipped: no Chromium found. Install Debian's package "
            "(`sudo apt-get install chromium`) or point WORKERLAB_CHROMIUM at a Chromium binary"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("browser tests skipped: Playwright is not installed (`make unit` installs it)")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LabServer:
    """A JupyterLab server of the test session; :meth:`stop` also stops its kernels."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    root: Path
    log_path: Path

    @classmethod
    def start(cls, notebooks: Path, scratch: Path, *, timeout: float = 120) -> LabServer:
        """Serve ``notebooks`` (a folder the caller owns); return once the server answers."""
        settings = scratch / "settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        port, token = free_port(), secrets.token_hex(16)
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
            *LAB_OFFLINE_FLAGS,
        ]  # fmt: skip
        if os.geteuid() == 0:
            command.append("--allow-root")
        env = os.environ | {"JUPYTER_RUNTIME_DIR": str(scratch / "runtime"), "MPLBACKEND": "Agg"}
        log_path = scratch / "jupyterlab.log"
        with log_path.open("wb") as log:
            # A session of its own: the server and everything it starts form one process
            # group, which stop() can end whole even if the server ignores SIGTERM.
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        server = cls(process, port, token, notebooks, log_path)
        try:
            server._wait_until_ready(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name: str) -> str:
        """The page that opens lesson ``name`` (in ``notebooks/``) in a fresh workspace."""
        workspace = re.sub(r"\W", "-", Path(name).stem)
        path = f"notebooks/{name}"
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET") -> Any:
        """Call the server's REST API; return the decoded JSON answer (None if empty)."""
        request = urllib.request.Request(
            f"{self.base_url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """End every kernel, so each notebook starts from a fresh one and none piles up."""
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 20) -> None:
        """Ask the server to stop (it shuts its kernels down); kill the group if it will not."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        with contextlib.suppress(ProcessLookupError):  # whatever the server left in its group
            os.killpg(self.process.pid, signal.SIGKILL)

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start:\n{self.log_tail()}")
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not answer within {timeout} s:\n{self.log_tail()}")


@dataclass
class OffMachineGuard:
    """Aborts and records every request the browser makes to a host other than this machine."""

    attempts: list[str] = field(default_factory=list)

    @staticmethod
    def is_local(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in {"data", "blob", "about", "file"} or parts.hostname in LOCAL_HOSTS

    def route(self, route: Route, request: Request) -> None:
        """A Playwright route handler: let local requests through, abort the rest."""
        if self.is_local(request.url):
            route.continue_()
        else:
            self.attempts.append(request.url)
            route.abort("blockedbyclient")

    def websocket(self, socket_: WebSocket) -> None:
        """Record a websocket to another host (route() does not see websockets)."""
        if not self.is_local(socket_.url):
            self.attempts.append(socket_.url)


# Reads, in one go, what every cell of the open notebook shows (its selector is CELL's). Cells
# are in notebook order: windowing is off (LAB_SETTINGS), so all of them are in the page.
READ_CELLS_JS = """
() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')).map(cell => {
  const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output'));
  const images = Array.from(cell.querySelectorAll('.jp-RenderedImage img'));
  const views = outputs.filter(o => o.querySelector(':scope > .jupyter-widgets'));
  return {
    code: cell.classList.contains('jp-CodeCell'),
    hidden: cell.querySelector('.jp-InputPlaceholder') !== null,
    prompt: (cell.querySelector('.jp-InputPrompt')?.textContent || '').trim(),
    outputs: outputs.length,
    stderr: outputs
      .filter(o => o.dataset.mimeType === 'application/vnd.jupyter.stderr')
      .map(o => o.innerText.slice(-600)),
    images: images.length,
    imagesDrawn: images.filter(i => i.complete && i.naturalWidth > 0).length,
    widgets: views.length,
    sliders: cell.querySelectorAll('.widget-slider').length,
    widgetProblems: outputs
      .map(o => o.innerText)
      .filter(t => /Error displaying widget|Loading widget|Failed to load model/.test(t))
      .map(t => t.slice(0, 300)),
  };
})
"""


@dataclass(frozen=True)
class CellView:
    """What one cell shows in the browser after the run (fields named as READ_CELLS_JS does).

    ``stderr`` holds error tracebacks too: JupyterLab renders both with the stderr MIME type.
    """

    code: bool
    hidden: bool  # source collapsed (a solution): its prompt shows no execution count
    prompt: str
    outputs: int
    stderr: list[str]
    images: int
    imagesDrawn: int
    widgets: int
    sliders: int
    widgetProblems: list[str]

    @property
    def ran(self) -> bool:
        return bool(re.fullmatch(r"\[\d+\]:", self.prompt))

    @property
    def pending(self) -> bool:
        return self.prompt == "[*]:"


class NotebookPage:
    """One notebook open in JupyterLab, in one browser page."""

    def __init__(self, page: Page, url: str, *, timeout: float = 120) -> None:
        self.page = page
        page.goto(url)
        self.wait_for_idle_kernel(timeout)

    def wait_for_idle_kernel(self, timeout: float = 120) -> None:
        """Wait until the status bar says the notebook's kernel is idle."""
        self.page.wait_for_selector(KERNEL_IDLE, timeout=timeout * 1000)

    def menu(self, menu: str, item: str) -> None:
        """Click ``menu`` in the menu bar, then its item labelled exactly ``item``."""
        self.page.locator(".lm-MenuBar-item", has_text=menu).first.click()
        label = re.compile(rf"^{re.escape(item)}$")
        self.page.locator(".lm-Menu-item .lm-Menu-itemLabel", has_text=label).first.click()

    def clear(self) -> None:
        """*Edit → Clear Outputs of All Cells*: every prompt back to ``[ ]``."""
        self.menu("Edit", "Clear Outputs of All Cells")

    def select(self, index: int) -> None:
        """Make cell ``index`` the active cell, as a click in its left margin does."""
        self.cell(index).locator(".jp-InputPrompt").first.click()

    def run(self, item: str, *, until: int, timeout: float) -> list[CellView]:
        """Click *Run → item*; wait until cell ``until`` has run or an error stopped the run.

        The run is over when no cell is queued or running (``[*]``), seen twice in a row half
        a second apart, and either cell ``until`` (the last one the command runs) shows an
        execution count or some cell shows an error.
        """
        self.menu("Run", item)
        deadline = time.monotonic() + timeout
        settled = 0
        while time.monotonic() < deadline:
            cells = self.cells()
            over = not any(c.pending for c in cells) and (
                cells[until].ran or any(c.stderr for c in cells)
            )
            settled = settled + 1 if over else 0
            if settled >= 2:
                self.wait_for_idle_kernel()
                return self.cells()
            time.sleep(0.5)
        raise TimeoutError(f"*Run → {item}* had not finished after {timeout} s")

    def cells(self) -> list[CellView]:
        return [CellView(**cell) for cell in self.page.evaluate(READ_CELLS_JS)]

    def cell(self, index: int) -> Locator:
        return self.page.locator(CELL).nth(index)

    def output_fingerprint(self, index: int) -> str:
        """Text and pictures of cell ``index``'s outputs, less the sliders' own readouts.

        It changes when the explorer redraws its result, not when a slider merely moves.
        """
        return self.cell(index).evaluate(
            """cell => {
                 const area = cell.querySelector('.jp-OutputArea');
                 if (!area) return '';
                 const copy = area.cloneNode(true);
                 copy.querySelectorAll('.widget-slider').forEach(s => s.remove());
                 const pictures = Array.from(copy.querySelectorAll('img')).map(i => i.src);
                 return copy.textContent + pictures.join('|');
               }"""
        )

    def drag_first_slider(self, index: int, pixels: int = 40) -> tuple[str, str]:
        """Drag cell ``index``'s first slider to the right; return its value before and after."""
        handle = self.cell(index).locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        before = handle.get_attribute("aria-valuenow") or ""
        box = handle.bounding_box()
        assert box is not None, "the slider's handle is not visible"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + pixels, y, steps=8)
        self.page.mouse.up()
        return before, handle.get_attribute("aria-valuenow") or ""

    def press_run_button(self, index: int) -> bool:
        """Click the first enabled button in cell ``index``'s widgets; False if it has none."""
        buttons = self.cell(index).locator("button.widget-button:not([disabled])")
        if buttons.count() == 0:
            return False
        buttons.first.click()
        return True


# --- what the committed notebook says the page should show ---------------------------------


def saved_widget_models(nb: nbformat.NotebookNode, output: nbformat.NotebookNode) -> set[str]:
    """Model names of the widget an output shows, and of its children ({} if not a widget)."""
    view = output.get("data", {}).get(WIDGET_VIEW)
    if view is None:
        return set()
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return {name for name, _ in widget_models(view["model_id"], state)}


def committed_expectations(path: Path) -> list[dict]:
    """Per cell of the committed notebook: outputs, images, widgets, and whether stderr is ok.

    Progress bars are left out: one may close itself when done (tqdm's ``leave=False``),
    and a saved notebook cannot tell, since its widget state keeps closed widgets too.
    """
    nb = nbformat.read(path, as_version=4)
    expected = []
    for cell in nb.cells:
        outputs = [
            o
            for o in cell.get("outputs", [])
            if WIDGET_VIEW not in o.get("data", {})
            or not any(n.endswith("ProgressModel") for n in saved_widget_models(nb, o))
        ]
        data = [o.get("data", {}) for o in outputs]
        expected.append(
            {
                "outputs": len(outputs),
                "images": sum("image/png" in d for d in data),
                "widgets": sum(WIDGET_VIEW in d for d in data),
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
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if any(n.endswith("SliderModel") for n in saved_widget_models(nb, output)):
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
