"""In the real dashboard, step 5 keeps the day of the second opinion and whether it differed."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from harness.dashboard import wait_until_drawn

from ._pages import COMPARE, open_step, private_link, stored, token_of, wait_until
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser


def test_the_day_and_whether_it_differed_are_saved_and_shown_again(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    open_step(page, COMPARE)
    second = page.locator(".workbook-compare .workbook-second-opinion")
    expect(second).to_contain_text("When was the second opinion?")
    second.locator(".workbook-second-opinion-date input[type=date]").fill("2026-05-04")
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    second.get_by_label("Partly different", exact=True).check()
    token = token_of(private_link(page))

    def saved() -> bool:
        book = stored(dashboard_server, token)
        return (book.second_opinion_on, book.second_opinion_differs) == (
            dt.date(2026, 5, 4),
            "partly",
        )

    wait_until(saved, what="the day and the answer in the store")
    book = stored(dashboard_server, token)
    assert book.answers.get("opinions_so_far") == "two_differ"

    page.reload()
    page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
    wait_until_drawn(page)
    open_step(page, COMPARE)
    again = page.locator(".workbook-compare .workbook-second-opinion")
    expect(again.locator("input[type=date]")).to_have_value("2026-05-04")
    expect(again.get_by_label("Partly different", exact=True)).to_be_checked()
