"""The page behaves: steps open at their heading, normal drop-downs, a phone fits, links copy."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from secondopinion.serving import REPO

from ._pages import EXPORT, RECORDS, STEPS, open_step
from .conftest import DashboardServer, open_workbook, screenshot

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"


def start(page: Page, url: str) -> None:
    open_workbook(page, url)
    intake = page.locator(".field-filled_by")
    intake.get_by_label("I am the patient", exact=True).check()
    page.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
    expect(page.locator(".workbook-saved")).to_contain_text("saved")


def heading_is_at_the_top_and_focused(page: Page, hook: str) -> None:
    heading = page.locator(f".{hook} h2").first
    expect(heading).to_be_focused(timeout=10_000)
    top = heading.evaluate("h => h.getBoundingClientRect().top")
    assert -2 <= top < 60, f"the heading of {hook} is {top} px from the top"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


def test_next_brings_the_heading_to_the_top_and_focuses_it(
    dashboard_server: DashboardServer, page: Page
) -> None:
    start(page, dashboard_server.url)
    page.get_by_role("button", name="Next →").click()
    heading_is_at_the_top_and_focused(page, "workbook-questions")
    page.get_by_role("button", name="Next →").click()
    heading_is_at_the_top_and_focused(page, "workbook-records")
    open_step(page, EXPORT)
    heading_is_at_the_top_and_focused(page, "workbook-export")


def test_the_skip_link_and_the_title_and_the_icon(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    assert page.title() == "Second-opinion workbook"
    icons = page.locator("link[rel~='icon']")
    assert icons.count() >= 1
    assert all(
        (icons.nth(i).get_attribute("href") or "").startswith("data:image/svg+xml")
        for i in range(icons.count())
    )
    page.keyboard.press("Tab")
    skip = page.locator(".workbook-skip")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".workbook-intake h2")).to_be_focused()


def test_every_drop_down_is_under_60_px_tall(dashboard_server: DashboardServer, page: Page) -> None:
    start(page, dashboard_server.url)
    for hook in (RECORDS, "workbook-questions"):
        open_step(page, hook)
        boxes = page.locator(f".{hook} .widget-dropdown")
        expect(boxes.first).to_be_visible()
        heights = boxes.evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => "
            "Math.max(e.querySelector('select').getBoundingClientRect().height, 0))"
        )
        assert heights and max(heights) < 60, heights


def test_nothing_is_wider_than_a_phone_and_the_link_copies(
    dashboard_server: DashboardServer, phone: Page
) -> None:
    start(phone, dashboard_server.url)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for hook, title in STEPS.items():
        open_step(phone, hook)
        wide = phone.evaluate(
            """() => [...document.querySelectorAll('.workbook-app *')]
              .filter(e => e.offsetParent !== null)
              .filter(e => { const r = e.getBoundingClientRect();
                             return r.width > 0 && (r.right > 390.5 || r.left < -0.5); })
              .map(e => (e.className && e.className.baseVal === undefined ? e.className : e.tagName)
                        + ' ' + Math.round(e.getBoundingClientRect().right))
              .slice(0, 10)"""
        )
        assert wide == [], f"{title}: {wide}"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        name = re.sub(r"\W+", "-", title.lower()).strip("-")
        screenshot(phone, f"phone-{name}")
    open_step(phone, "workbook-questions")
    row = phone.locator(".workbook-questions .workbook-question").first
    row.locator("textarea").press_sequentially("She said the slides go by courier.", delay=5)
    expect(phone.locator(".workbook-saved [data-save]")).to_have_attribute("data-save", "saved")
    row.scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "phone-questions.png"))
    open_step(phone, EXPORT)
    phone.locator(".workbook-link-actions").scroll_into_view_if_needed()
    phone.get_by_role("button", name="Copy the link").click()
    expect(phone.locator(".workbook-copied")).to_contain_text("Copied")
    copied = phone.evaluate("navigator.clipboard.readText()")
    assert re.search(r"#workbook=[A-Za-z0-9_-]{40,}$", copied)
    assert phone.locator(".workbook-resume-link a").get_attribute("href") == copied
    mail = phone.locator(".workbook-mail-link").get_attribute("href") or ""
    sms = phone.locator(".workbook-sms-link").get_attribute("href") or ""
    assert mail.startswith("mailto:?") and sms.startswith("sms:")
    expect(phone.locator(".workbook-qr svg")).to_be_visible()
    phone.screenshot(path=str(SCREENSHOTS / "phone-private-link.png"))
