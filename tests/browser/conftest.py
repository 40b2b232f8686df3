"""The real Voilà server, started the way `make dashboard` starts it, and headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from secondopinion.serving import DASHBOARD, REPO, dashboard_command

CHROMIUM = "/usr/bin/chromium"
# Chromium as the machine's closed network needs it: no background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "tests" / "artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DashboardServer:
    """A running Voilà dashboard with its own data folder; ``with`` stops it at the end."""

    def __init__(self, data_dir: Path, notebook: Path = DASHBOARD, base_url: str = "/") -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}{base_url}"
        env = dict(os.environ, SECOND_OPINION_DATA=str(data_dir))
        # Every test page comes from 127.0.0.1, and the whole session's pages share one server
        # whose closed tabs keep their kernels for minutes: the caps (proven by
        # tests/test_serving_kernels.py and benchmarks/bench_exhaust.py) would turn them away.
        env.setdefault("SECOND_OPINION_KERNELS_PER_ADDRESS", "400")
        env.setdefault("SECOND_OPINION_MAX_KERNELS", "400")
        # ... and the store's bound on new workbooks per address an hour (tests/test_store_bounds.py
        # proves it) would refuse the session's later pages their new workbooks.
        env.setdefault("SECOND_OPINION_NEW_WORKBOOKS_PER_HOUR", "100000")
        self.log = (data_dir.parent / "voila.log").open("wb")
        self.process = subprocess.Popen(
            dashboard_command(port=self.port, notebook=notebook, base_url=base_url),
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Voilà exited early, see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"Voilà did not answer within {timeout} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def __enter__(self) -> DashboardServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    with DashboardServer(tmp_path_factory.mktemp("dashboard") / "data") as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is needed at {CHROMIUM}: `make test` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def open_workbook(page: Page, url: str) -> None:
    """Open the dashboard and wait until its first screen is interactive."""
    page.goto(url)
    page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)


def screenshot(page: Page, name: str) -> Path:
    """Keep a full-page screenshot in tests/artifacts (git-ignored) to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
