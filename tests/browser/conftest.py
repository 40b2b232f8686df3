"""The real Voilà server, started the way `make dashboard` starts it, and headless Chromium.

The server and Chromium's settings live in ``harness.dashboard`` (the benchmarks use them too);
here they become the browser tests' fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from harness.dashboard import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CONSOLE,
    STARTED,
    DashboardServer,
    free_port,
    open_workbook,
    record_console,
    screenshot,
)

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "DashboardServer",
    "free_port",
    "open_workbook",
    "screenshot",
]

_free_port = free_port


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """A failed browser test shows what the dashboard's kernels last said (a page stuck opening)."""
    if call.when == "setup":
        CONSOLE.clear()
    report = yield
    if call.when in ("setup", "call") and report.failed:
        said = "\n".join(CONSOLE[-40:]) or "(nothing)"
        report.sections.append(("what the pages' consoles said of errors", said))
        for server in STARTED:
            if server.process.poll() is None and not server.log.closed:
                lines = "\n".join(server.kernel_lines()) or "(nothing)"
                report.sections.append((f"dashboard kernels at {server.url}", lines))
        page = getattr(item, "funcargs", {}).get("page")
        if isinstance(page, Page) and not page.is_closed():
            report.sections.append(("the page when it failed", _what_it_shows(page, item.name)))
    return report


def _what_it_shows(page: Page, name: str) -> str:
    """The page's text (its start), and a screenshot kept in tests/artifacts."""
    try:
        shot = screenshot(page, "failed-" + "".join(c if c.isalnum() else "-" for c in name))
        text = str(page.evaluate("document.body ? document.body.innerText : ''"))
    except Exception as error:  # the page may be gone with the failure
        return f"(could not be read: {error})"
    return f"{shot}\n{' '.join(text.split())[:800]}"


@pytest.fixture(scope="session")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    with DashboardServer(tmp_path_factory.mktemp("dashboard") / "data") as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is needed at {CHROMIUM}: `make test` installs it.")
    with sync_playwright() as playwright:
        browser = record_console(
            playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()
