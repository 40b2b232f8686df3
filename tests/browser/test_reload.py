"""Reloading the page, or closing the tab and coming back through the history, keeps the workbook.

A new workbook has no private link in the address until it is stored (its first change); from
then on the address carries ``#workbook=<token>``, so a reload reopens the same workbook instead of
starting an empty one. Deleting the workbook takes the link out of the address again.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from harness.dashboard import wait_until_drawn

from ._pages import EXPORT, open_step, private_link
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

SESSION_IN_ADDRESS = re.compile(r"#workbook=[A-Za-z0-9_-]{40,}$")


def test_the_address_gets_the_private_link_on_the_first_change_and_a_reload_keeps_it(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    assert "workbook=" not in page.url and "session=" not in page.url
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    expect(page).to_have_url(SESSION_IN_ADDRESS)
    assert page.url.endswith(private_link(page).split("#", 1)[1])

    page.reload()
    page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
    wait_until_drawn(page)
    expect(page.locator(".field-filled_by").get_by_label("I am the patient")).to_be_checked()


def test_a_reopened_workbook_keeps_its_address_and_deleting_it_takes_the_link_out(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page).to_have_url(SESSION_IN_ADDRESS)
    link = page.url

    open_workbook(page, link)
    assert page.url == link
    open_step(page, EXPORT)
    page.get_by_role("button", name=re.compile("Delete", re.I)).first.click()
    page.get_by_role("button", name=re.compile("Yes, delete", re.I)).click()
    expect(page).to_have_url(re.compile(r"/$"))
