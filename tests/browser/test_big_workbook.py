"""A very large workbook's files (step 6) are made without stopping the page.

Making the CSV and the question sheets of a workbook with many long answers takes many seconds.
The kernel must go on answering the page's heartbeat meanwhile: the page shows that the files
are being made, and never says that the workbook stopped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from secondopinion import load_content
from secondopinion.store import WorkbookStore

from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

ANSWER = "Ask about the pathology slides, the second review and the treatment plan. " * 270
"""About 20,000 characters: a long answer, well within what the store takes."""

WATCH = """() => {
  window.stoppedSeen = [];
  window.progressSeen = false;
  setInterval(function () {
    var said = document.querySelector(".workbook-connection");
    var text = said ? said.textContent : "";
    if ((window.workbookPage && window.workbookPage.kernelGone) || /stopped/.test(text)) {
      window.stoppedSeen.push(text || "the page thought the kernel was gone");
    }
    var sheet = document.querySelector(".workbook-download-sheet");
    if (sheet && /Making your/.test(sheet.textContent)) { window.progressSeen = true; }
  }, 100);
}"""
"""Remember every moment at which the page says, or thinks, that the workbook stopped, and
whether it said that the files were being made."""


def large_workbook(data_dir: Path) -> str:
    """A workbook with many long answers, written through the store; its private link's token."""
    content = load_content()
    with WorkbookStore.open(data_dir, actor="test:large workbook") as store:
        store.changes_per_minute = None
        summary, token = store.create_workbook("Large", "patient")
        store.set_answers(summary.id, {"filled_by": "patient", "diagnosis_kind": "cancer"})
        for number in range(100):
            store.add_own_question(summary.id, f"My question {number}: " + ANSWER[:480])
        for question in content.questions[:60]:
            store.set_question(summary.id, question.id, starred=True, answer=ANSWER)
    return token


def test_a_large_workbooks_files_show_progress_and_never_stopped(
    dashboard_server: DashboardServer, page: Page
) -> None:
    token = large_workbook(dashboard_server.data_dir)
    open_workbook(page, f"{dashboard_server.url}#workbook={token}")
    page.evaluate(WATCH)
    page.locator(".workbook-nav").get_by_role("button", name=re.compile("Take it with you")).click()
    expect(page.locator(".workbook-download-csv a")).to_be_visible(timeout=240_000)
    expect(page.locator(".workbook-download-sheet a").first).to_be_visible()
    assert page.evaluate("window.stoppedSeen") == []
    expect(page.locator(".workbook-connection")).not_to_contain_text("stopped")
    assert page.evaluate("window.progressSeen"), "the page never said the files were being made"
