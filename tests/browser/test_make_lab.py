"""`make lab` itself, as a navigator starts it: its address opens the desk, with nothing in the way.

Lab is started by running the Makefile's ``lab`` target (its command line and environment), on a
free port, with a temporary copy of ``notebooks/`` as its root folder (``LAB_ROOT``), a temporary
store and a new navigator's empty Jupyter folders. The only difference: make does not set the
project up again (``-o setup``): the tests already run in the set-up environment. The address
Lab prints is opened as it is: it shows ``navigator.ipynb``, with no news question, no dialog and
the desk's code folded away; a new person's link to this computer only says so beside it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from secondopinion.serving import REPO

from .conftest import _free_port, screenshot

pytestmark = pytest.mark.browser

LONG = 90_000  # ms: the first kernel start and the first widgets can be slow on a busy machine


class MakeLab:
    """``make lab`` running on a free port, with a temporary root folder and store."""

    def __init__(self, home: Path) -> None:
        self.root_dir = home / "notebooks"
        self.root_dir.mkdir()
        shutil.copy(REPO / "notebooks" / "navigator.ipynb", self.root_dir)
        self.port = _free_port()
        jupyter = home / "jupyter"  # a navigator who never set anything in Jupyter
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("SECOND_OPINION_PUBLIC_URL", "SECOND_OPINION_DASHBOARD_URL")
        }
        env.update(
            SECOND_OPINION_DATA=str(home / "data"),
            JUPYTER_CONFIG_DIR=str(jupyter / "config"),
            JUPYTER_DATA_DIR=str(jupyter / "data"),
            JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(jupyter / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(jupyter / "workspaces"),
            BROWSER="true",  # Lab "opens" its address with a command that does nothing
        )
        self.log_path = home / "make-lab.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-o",
                "setup",
                "lab",
                f"LAB_PORT={self.port}",
                f"LAB_ROOT={self.root_dir}",
                f"BIN={Path(sys.executable).parent}",
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make, its shell and Lab stop together
        )
        self.address = self._printed_address()

    def _printed_address(self, timeout: float = 90.0) -> str:
        """The address Lab prints for the navigator to open (with its token)."""
        printed = re.compile(rf"http://127\.0\.0\.1:{self.port}/\S*\?token=\w+")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = printed.search(self.log_path.read_text(encoding="utf-8", errors="replace"))
            if found:
                return found.group(0)
            if self.process.poll() is not None:
                raise RuntimeError(f"make lab exited early, see {self.log_path}")
            time.sleep(0.2)
        raise RuntimeError(f"make lab printed no address within {timeout} s")

    def stop(self) -> None:
        """Stop make and Lab (and with it the notebook's kernel)."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def make_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeLab]:
    running = MakeLab(tmp_path_factory.mktemp("make-lab"))
    yield running
    running.stop()


@pytest.fixture
def lab_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    yield page
    context.close()


def run_all_cells(page: Page, last_prompt: Locator) -> None:
    """Run → Run All Cells, again if Lab, still settling, dropped the click (it can)."""
    for _ in range(3):
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator(
            '.lm-Menu-item[data-command="runmenu:run-all"], '
            '.lm-Menu-item[data-command="notebook:run-all-cells"]'
        ).first.click()
        try:  # every cell is queued ("[*]") or run ("[2]") once the run has started
            expect(last_prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=15_000)
        except AssertionError:
            page.keyboard.press("Escape")
            continue
        return
    raise AssertionError("Run All Cells did not start the notebook")


def test_make_labs_address_opens_the_desk_with_nothing_in_the_way(
    make_lab: MakeLab, lab_page: Page
) -> None:
    page = lab_page
    assert urlsplit(make_lab.address).path == "/lab/tree/navigator.ipynb", make_lab.address
    page.goto(make_lab.address)

    # The notebook itself, not the launcher, with its kernel started and idle.
    notebook = page.locator(".jp-NotebookPanel")
    expect(notebook).to_be_visible(timeout=LONG)
    tabs = page.locator(".lm-DockPanel .lm-TabBar-tab")
    expect(tabs.and_(page.locator(".lm-mod-current"))).to_have_text(re.compile("navigator.ipynb"))
    expect(tabs).to_have_count(1)
    expect(page.locator(".jp-StatusBar-Widget", has_text="Idle")).to_be_visible(timeout=LONG)

    # No news question, no notification of any kind, no dialog (such as "Select Kernel").
    expect(page.locator(".Toastify__toast")).to_have_count(0)
    expect(page.locator(".jp-Notification-Status-Text")).to_have_text("0")
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    expect(page.get_by_text(re.compile("Jupyter news", re.IGNORECASE))).to_have_count(0)

    # The code that draws the desk is folded away; the cell a navigator may change is not.
    desk_cell, own_questions = page.locator(".jp-CodeCell").all()
    expect(desk_cell.locator(".jp-InputPlaceholder")).to_be_visible()
    expect(desk_cell.locator(".jp-InputArea-editor")).to_be_hidden()
    expect(own_questions.locator(".jp-InputArea-editor")).to_be_visible()

    # Run it: the desk shows under the folded code, which stays folded.
    run_all_cells(page, own_questions.locator(".jp-InputPrompt"))
    desk = page.locator(".workbook-navigator")
    expect(desk).to_be_visible(timeout=LONG)
    expect(desk_cell.locator(".jp-InputArea-editor")).to_be_hidden()
    expect(page.locator(".jp-Dialog")).to_have_count(0)

    # make lab's dashboard is this computer's: a new person's link and QR code say so, and how.
    desk.get_by_role("button", name="Create a workbook").click()
    link = desk.locator(".navigator-link")
    expect(link.locator("a")).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:8866/"))
    expect(desk.locator("img.navigator-qr")).to_be_visible()
    warning = link.locator(".navigator-local-link")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("opens only on this computer")
    expect(warning).to_contain_text("SECOND_OPINION_PUBLIC_URL")
    screenshot(page, "make-lab-local-link")
    # and still no news question, however long Lab has been open
    expect(page.locator(".jp-Notification-Status-Text")).to_have_text("0")
    expect(page.locator(".Toastify__toast")).to_have_count(0)
