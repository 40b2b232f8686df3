"""Small helpers for driving the dashboard page: steps, the private link, the store, the kernel.

Shared by the browser tests and the benchmarks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import psutil
from playwright.sync_api import Page, expect

from harness.dashboard import DashboardServer
from secondopinion.serving._kernels import log_label
from secondopinion.store import Workbook, WorkbookStore

T = TypeVar("T")

INTAKE = "workbook-intake"
QUESTIONS = "workbook-questions"
RECORDS = "workbook-records"
NEXT_STEPS = "workbook-next-steps"
COMPARE = "workbook-compare"
EXPORT = "workbook-export"
STEPS = {
    INTAKE: "Your situation",
    QUESTIONS: "Questions to ask",
    RECORDS: "Records to gather",
    NEXT_STEPS: "Next steps",
    COMPARE: "Compare",
    EXPORT: "Take it with you",
}
"""Each step's container class, and words of the title on its button."""


def open_step(page: Page, hook: str) -> None:
    """Open the step whose container has the class ``hook``, and wait until it shows."""
    title = re.compile(re.escape(STEPS[hook]))
    page.locator(".workbook-nav").get_by_role("button", name=title).click()
    expect(page.locator(f".{hook}")).to_be_visible(timeout=20_000)


def question_ids(page: Page, count: int) -> list[str]:
    """The item ids of the first ``count`` questions shown in step 2, in order."""
    rows = page.locator(".workbook-questions .workbook-question")
    expect(rows.nth(count - 1)).to_be_visible()
    ids = []
    for index in range(count):
        match = re.search(r"\bitem-([a-z0-9_]+)", rows.nth(index).get_attribute("class") or "")
        assert match
        ids.append(match.group(1))
    return ids


def private_link(page: Page) -> str:
    """The private link back to this workbook, read from "Take it with you"; then step 1 again."""
    open_step(page, EXPORT)
    link = page.locator(".workbook-resume-link a")
    expect(link).to_have_attribute("href", re.compile(r"#workbook="))
    href = link.get_attribute("href")
    assert href
    open_step(page, INTAKE)
    return href


def token_of(link: str) -> str:
    """The secret of a private link (in its fragment; an old link's in its query)."""
    parts = urlsplit(link)
    return (parse_qs(parts.fragment).get("workbook") or parse_qs(parts.query)["session"])[0]


def wait_until(check: Callable[[], T | None], *, timeout: float = 30.0, what: str = "") -> T:
    """Ask ``check`` again and again (every 0.1 s) until it gives something true; return it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or check}")
        time.sleep(0.1)


def stored(server: DashboardServer, token: str) -> Workbook:
    """The workbook behind ``token`` as the server's store holds it now."""
    with WorkbookStore.open(server.data_dir, create=False) as store:
        session_id = store.workbook_id_for_token(token)
        assert session_id is not None, "the private link opens no workbook in the store"
        return store.load(session_id)


def kernel_id(page: Page) -> str:
    """The id of the kernel behind this dashboard page."""
    return str(
        page.evaluate(
            "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
    )


def kernel_process(server: DashboardServer, page: Page) -> psutil.Process:
    """The operating-system process of the kernel behind this page (a child of Voilà).

    No command line names a kernel id; the server's own log says which process runs which, under
    the kernel's one-way label (the log names no kernel id).
    """
    wanted = kernel_id(page)
    server.log.flush()
    log = Path(server.log.name).read_text(errors="replace")
    found = re.search(rf"Kernel {re.escape(log_label(wanted))} runs as process (\d+)", log)
    if found is None:
        raise AssertionError(f"the server's log does not say which process runs kernel {wanted}")
    return psutil.Process(int(found.group(1)))
