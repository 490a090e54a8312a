"""Fixtures of the real-browser tests: one JupyterLab server, one Chromium, per test module.

The browser is Debian's ``chromium`` (or the one ``WORKERLAB_CHROMIUM`` names), driven by
Playwright's Python package; Playwright never downloads a browser here. Where Chromium is
missing the tests are skipped with the reason, unless ``WORKERLAB_REQUIRE_BROWSER`` is set
(``.ci/run`` sets it, after installing Chromium), in which case they fail.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from jlab import CHROMIUM_ARGS, LabServer, OffMachineGuard, require_chromium

from workerlab import leak

if TYPE_CHECKING:  # Playwright may be missing: then the fixtures below skip
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"


def belongs_to_playwright(thread: threading.Thread) -> bool:
    """Whether ``thread`` is Playwright's: started inside a test, yet no leak.

    Playwright's sync API runs an asyncio loop while the browser tests run; the loop's
    executor threads (``asyncio_N``) and child watcher (``asyncio-waitpid-N``) start on first
    use, inside whichever test comes first, and live until the module's browser is closed.
    """
    return thread.name.startswith(("asyncio_", "asyncio-waitpid-"))


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """The leak check of tests/conftest.py, excusing only Playwright's own threads.

    (The notebooks' threads live in their kernels, where each lesson's last cell checks them.)
    """
    with leak.no_leaked_threads(grace=2.0, ignore=belongs_to_playwright):
        yield


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary to drive; skips (or fails, where required) if there is none."""
    return require_chromium()


TAKEN = pytest.StashKey[list[Path]]()


@pytest.fixture(scope="session")
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a page's picture as build/screenshots/NAME.png (the previous run's are removed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    taken = request.config.stash.setdefault(TAKEN, [])

    def save(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path)
        taken.append(path)
        return path

    return save


@pytest.fixture(scope="module")
def lab(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab serving a copy of the course as `make lab` does (notebooks/ beside src/, so
    a lesson's link to its module opens), stopped (with its kernels) after the module."""
    scratch = tmp_path_factory.mktemp("jupyterlab")
    served = scratch / "course"
    skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "notebooks", served / "notebooks", ignore=skip)
    shutil.copytree(ROOT / "src", served / "src", ignore=skip)
    server = LabServer.start(served, scratch)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator:
    """One headless Chromium per test module, closed even when a test fails.

    Module scope, not session: while Playwright's sync API runs, its asyncio loop counts as
    the main thread's running loop, so any later test calling ``asyncio.run`` would fail.
    Stopping Playwright when the browser tests end gives the loop back.
    """
    from playwright.sync_api import sync_playwright  # here: Playwright may be missing

    driver = sync_playwright().start()
    try:
        chrome = driver.chromium.launch(
            executable_path=chromium, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield chrome
        finally:
            chrome.close()
    finally:
        driver.stop()


@pytest.fixture(scope="module")
def guard() -> OffMachineGuard:
    """Records every request the browser tried to send off this machine (all are aborted)."""
    return OffMachineGuard()


@pytest.fixture(scope="module")
def context(browser, guard) -> Iterator:
    """The browser context all notebook pages share: a laptop-sized window, local traffic only."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    ctx.route("**/*", guard.route)
    ctx.on("page", lambda page: page.on("websocket", guard.websocket))
    try:
        yield ctx
    finally:
        ctx.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Tell the CI log where this run's screenshots of the notebooks are."""
    taken = terminalreporter.config.stash.get(TAKEN, [])
    if taken:
        terminalreporter.write_line(
            f"browser screenshots: {len(taken)} in {SCREENSHOTS.relative_to(ROOT)}/ "
            f"({', '.join(p.name for p in taken)})"
        )
