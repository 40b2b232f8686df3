"""Text kept in a tab belongs to one workbook: never offered to another page load, never kept
after that workbook is deleted.

The page keeps typed text that is not saved yet in the tab's ``sessionStorage`` and offers it
back when the same workbook opens again in that tab (``test_honest_saves.py``). On a shared
computer the next person may open the dashboard in the same tab: what the first person typed,
saved or not, must never reach the next person's page or workbook.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, WebSocketRoute, expect

from harness.dashboard import wait_until_drawn

from ._pages import EXPORT, QUESTIONS, open_step, private_link, question_ids
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

CHANNELS = re.compile(r"/api/kernels/[^/]+/channels")
STATUS = ".workbook-saved [data-save]"
KEPT = "sessionStorage.getItem('workbook-typed')"


class Cable:
    """The page's connections to its kernel, which the test can cut and mend."""

    def __init__(self, page: Page) -> None:
        self.cut = False
        self.routes: list[WebSocketRoute] = []
        page.route_web_socket(CHANNELS, self._through)

    def _through(self, ws: WebSocketRoute) -> None:
        if self.cut:
            ws.close()
            return
        ws.connect_to_server()
        self.routes.append(ws)

    def cut_now(self, page: Page) -> None:
        self.cut = True
        for ws in self.routes:
            ws.close()
        expect(page.locator(".workbook-connection")).to_contain_text("Not saved", timeout=15_000)

    def mend(self) -> None:
        self.cut = False


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context
    context.close()


def type_offline(box: Locator, text: str) -> None:
    box.click()
    box.press_sequentially(text, delay=5)
    expect(box).to_have_value(text)


def next_page_load(page: Page, url: str) -> None:
    """Load ``url`` in the same tab (leaving the page with text not saved: yes, leave)."""
    page.once("dialog", lambda dialog: dialog.accept())
    if page.url.split("#", 1)[0] == url.split("#", 1)[0]:
        page.goto("about:blank")  # the link differs only in its fragment: load it anew
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
    wait_until_drawn(page)


def offer_decided(page: Page) -> None:
    """Wait until the page has offered kept text back, or decided that there is none for it."""
    page.wait_for_function(
        "window.workbookPage && (window.workbookPage.offerChecked"
        " || document.querySelector('.workbook-offer') !== null)",
        timeout=30_000,
    )


def test_text_typed_in_an_unsaved_new_workbook_is_not_offered_to_the_next_page_load(
    dashboard_server: DashboardServer, context: BrowserContext
) -> None:
    page = context.new_page()
    cable = Cable(page)
    open_workbook(page, dashboard_server.url)
    box = page.locator(".workbook-intake textarea").first
    expect(box).to_be_visible()
    cable.cut_now(page)  # nothing stored yet: the workbook does not exist
    private = "The first person's private words, never saved."
    type_offline(box, private)

    cable.mend()
    next_page_load(page, dashboard_server.url)  # the next person, a new workbook, same tab
    offer_decided(page)
    expect(page.locator(".workbook-offer")).to_have_count(0)
    assert private not in (page.evaluate(KEPT) or "")
    assert private not in page.locator("body").inner_text()


def test_text_kept_for_one_workbook_is_dropped_by_a_page_load_of_another(
    dashboard_server: DashboardServer, context: BrowserContext
) -> None:
    page = context.new_page()
    cable = Cable(page)
    open_workbook(page, dashboard_server.url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=20_000)
    open_step(page, QUESTIONS)
    (question,) = question_ids(page, 1)
    cable.cut_now(page)
    kept = "Kept in this tab for workbook A only."
    type_offline(page.locator(f".item-{question} textarea"), kept)
    assert kept in (page.evaluate(KEPT) or "")  # kept, for workbook A

    cable.mend()
    next_page_load(page, dashboard_server.url)  # a new workbook in the same tab
    offer_decided(page)
    expect(page.locator(".workbook-offer")).to_have_count(0)
    assert page.evaluate(KEPT) is None  # nothing of A's is kept for the next page


def test_text_kept_for_a_workbook_is_dropped_once_it_is_deleted(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    first, second = browser.new_context(), browser.new_context()
    try:
        page = first.new_page()
        cable = Cable(page)
        open_workbook(page, dashboard_server.url)
        page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
        expect(page.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=20_000)
        link = private_link(page)
        open_step(page, QUESTIONS)
        (question,) = question_ids(page, 1)
        cable.cut_now(page)
        kept = "Kept in this tab, then the workbook is deleted."
        type_offline(page.locator(f".item-{question} textarea"), kept)
        assert kept in (page.evaluate(KEPT) or "")

        other = second.new_page()  # the person deletes the workbook from another browser
        open_workbook(other, link)
        open_step(other, EXPORT)
        other.get_by_role("button", name="Delete this workbook").click()
        other.get_by_role("button", name="Yes, delete everything").click()
        expect(other.locator(".workbook-export")).to_contain_text("was deleted", timeout=20_000)

        cable.mend()  # the first tab is back, and hears that the workbook is gone
        expect(page.locator(".workbook-saved")).to_contain_text("was deleted", timeout=60_000)
        page.wait_for_function(f"{KEPT} === null", timeout=30_000)
    finally:
        first.close()
        second.close()
