"""The real Voilà server, started the way `make dashboard` starts it, and headless Chromium.

The server and Chromium's settings live in ``harness.dashboard`` (the benchmarks use them too);
here they become the browser tests' fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from harness.dashboard import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CLOSED_PAGES,
    CONSOLE,
    STARTED,
    DashboardServer,
    free_port,
    open_workbook,
    page_state,
    record_console,
    screenshot,
)
from secondopinion.serving._logs import log_label

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

EXPECT_WAIT_MS = 20_000
"""How long an ``expect`` waits unless told otherwise. Most wait on a round trip to the page's
kernel, which on a busy two-core machine (CI's) takes more than Playwright's five seconds."""
expect.set_options(timeout=EXPECT_WAIT_MS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """A failed browser test shows what the dashboard's kernels last said (a page stuck opening)."""
    if call.when == "setup":
        CONSOLE.clear()
        CLOSED_PAGES.clear()
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
        browser = getattr(item, "funcargs", {}).get("browser")
        BRIEFS.append(_brief(item.nodeid, browser if isinstance(browser, Browser) else None))
    return report


BRIEFS: list[str] = []
"""A few lines on each failed browser test, printed again at the very end of the run."""


def _brief(test: str, browser: Browser | None) -> str:
    """The failed test's open pages' state, its last console errors and the servers' last lines.

    The end of a CI run's output is what is read first: a test that failed there says in a
    dozen lines whether the page had its scripts, its kernel's widgets, or an error.
    """
    lines = [test]
    contexts = browser.contexts if browser else []
    open_pages = [page for context in contexts for page in context.pages]
    seen = [*CLOSED_PAGES, *((page.url, page_state(page)) for page in open_pages)]
    logged = _server_lines()
    for url, state in seen:
        kernel = state.pop("kernel", None)
        lines.append(f"  page {url.split('#')[0]}: {state}")
        lines += [f"    its kernel: {line[:200]}" for line in _kernel_story(kernel, logged)]
    # JupyterLab's version warnings come with every page (jupyterlab_widgets is built for a newer
    # Lab than Voilà's): left out here, kept in the test's own section
    said = [line for line in dict.fromkeys(CONSOLE) if "Unsatisfied version" not in line][-5:]
    lines += [f"  console: {line[:200]}" for line in said] or ["  console: (nothing)"]
    lines += [f"  server: {line[:200]}" for line in logged[-6:]]
    return "\n".join(lines)


def _server_lines() -> list[str]:
    """The logs of the dashboard servers still running, one after the other."""
    running = [s for s in STARTED if s.process.poll() is None and not s.log.closed]
    return [line for server in running for line in server.log_lines()]


def _kernel_story(kernel_id: str | None, lines: list[str]) -> list[str]:
    """What the servers' log ``lines`` say of one kernel: Voilà's lines on it and its own."""
    if not kernel_id:
        return []
    label = log_label(kernel_id)
    pids = {
        line.rsplit(" ", 1)[-1] for line in lines if label in line and "runs as process" in line
    }
    marks = [label, *(f"[dashboard kernel {pid}]" for pid in pids)]
    return [line for line in lines if any(mark in line for mark in marks)][-10:] or ["(nothing)"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The failed browser tests' briefs, last of all in the output."""
    if BRIEFS:
        terminalreporter.section("what the failed browser tests saw, in brief")
        for brief in BRIEFS:
            terminalreporter.write_line(brief)


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
