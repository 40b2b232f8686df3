"""In the real dashboard: a person makes a link for their care team, which opens a read-only page
at phone and desktop sizes, takes the "seen" mark, and opens nothing once turned off.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from harness.dashboard import wait_until_drawn

from ._pages import EXPORT, QUESTIONS, open_step, question_ids
from .conftest import DashboardServer, open_workbook, screenshot

pytestmark = pytest.mark.browser

WAIT = 30_000
"""How long to wait (ms) for an answer from the page's kernel, on a busy machine."""

SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


def _open_care_team_page(browser: Browser, link: str, size: str) -> tuple[Page, BrowserContext]:
    context = browser.new_context(**SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    open_workbook(page, link)
    return page, context


def test_the_care_team_link_opens_read_only_takes_the_seen_mark_and_dies_when_off(
    dashboard_server: DashboardServer, page: Page, browser: Browser
) -> None:
    open_workbook(page, dashboard_server.url)
    page.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
    expect(page.locator(".workbook-saved")).to_contain_text("saved", timeout=WAIT)
    open_step(page, QUESTIONS)
    (starred_id,) = question_ids(page, 1)
    question = page.locator(f".workbook-questions .item-{starred_id}")
    question.get_by_role("button", name="☆ Star").click()
    expect(question.get_by_role("button", name="★ Starred")).to_be_visible(timeout=WAIT)

    open_step(page, EXPORT)
    part = page.locator(".workbook-care-team-link")
    expect(part).to_contain_text("never shows your answers", timeout=WAIT)
    part.get_by_role("button", name="Make a link for your care team").click()
    address = part.locator("input.workbook-care-team-address")
    expect(address).to_have_value(
        re.compile(r"^http.*#care-team=[A-Za-z0-9_-]{40,}$"), timeout=WAIT
    )
    link = address.input_value()
    assert "#care-team=" in link and "#workbook=" not in link
    expect(part).to_contain_text("not marked it seen yet", timeout=WAIT)
    part.scroll_into_view_if_needed()
    screenshot(page, "care-team-link-person")

    for size in ("phone", "desktop"):
        care, context = _open_care_team_page(browser, link, size)
        shown = care.locator(".workbook-app.workbook-care-team")
        expect(shown).to_be_visible(timeout=WAIT)
        expect(shown.locator(f".item-{starred_id}").first).to_be_visible(timeout=WAIT)
        expect(shown).to_contain_text("read-only", timeout=WAIT)
        expect(shown).to_contain_text("not medical advice", timeout=WAIT)
        expect(shown).to_contain_text("Records and where they stand", timeout=WAIT)
        editable = care.locator("input:enabled, textarea:enabled, select:enabled")
        assert editable.count() == 0, "the care team's page must offer nothing to type in"
        width = care.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["viewport"]["width"]  # type: ignore[index]
        screenshot(care, f"care-team-page-{size}")
        shown.locator(".workbook-care-team-records").scroll_into_view_if_needed()
        screenshot(care, f"care-team-page-{size}-records")
        if size == "desktop":
            care.get_by_role("button", name="We saw this before the visit").click()
            expect(shown.locator(".workbook-care-team-seen-note")).to_contain_text(
                "Marked seen on", timeout=WAIT
            )
            screenshot(care, "care-team-page-seen")
        context.close()

    page.reload()
    page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
    wait_until_drawn(page)
    open_step(page, EXPORT)
    part = page.locator(".workbook-care-team-link")
    expect(part).to_contain_text("Your care team marked it seen on", timeout=WAIT)
    expect(part).to_contain_text("shown only once", timeout=WAIT)
    part.get_by_role("button", name="Turn it off").click()
    expect(part).to_contain_text("link is off", timeout=WAIT)

    care, context = _open_care_team_page(browser, link, "phone")
    expect(care.locator(".workbook-app")).to_contain_text(
        "This link does not open a workbook", timeout=WAIT
    )
    expect(care.locator(".workbook-care-team")).to_have_count(0, timeout=WAIT)
    context.close()
