"""Who is who on a phone: the optional name, the workbook's short code, and both at the desk.

A name written before any answer makes no workbook (nothing in the address yet); the first
answer makes it, with that name, and the page shows its code. A navigator's desk over the same
store then finds the person by that code, typed without its dash, under the name they gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from secondopinion import load_content
from secondopinion.store import WorkbookStore, short_code
from widgets.desk import NavigatorDesk

from ._pages import stored, token_of
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

CODE = re.compile(r"^[0-9BCFGHJKNPQRTVWXZ]{3}-[0-9BCFGHJKNPQRTVWXZ]{3}$")


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


def test_the_name_and_the_code_reach_the_desk(
    dashboard_server: DashboardServer, phone: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page = phone
    open_workbook(page, dashboard_server.url)
    who = page.locator(".workbook-who")
    expect(who).to_be_visible()
    code_box = page.locator(".workbook-code")
    expect(code_box).to_contain_text("Your workbook gets a short code once you answer")

    # A name alone is kept on the page, and makes no workbook.
    page.locator(".workbook-name input").fill("Ana Peña")
    expect(code_box).to_contain_text("Your name is kept on this page", timeout=20_000)
    assert "workbook=" not in page.url

    # The first answer makes the workbook, with the name, and the page shows its code.
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    shown = page.locator(".workbook-code-value")
    expect(shown).to_have_text(CODE, timeout=30_000)
    code = shown.inner_text()
    expect(page).to_have_url(re.compile(r"#workbook="))
    book = stored(dashboard_server, token_of(page.url))
    assert book.summary.display_name == "Ana Peña"
    assert short_code(book.id) == code
    expect(code_box).to_contain_text("It is not your private link")

    # In Spanish, the same code, in Spanish words.
    page.locator(".workbook-language").get_by_text("Español", exact=True).click()
    expect(page.locator(".workbook-code")).to_contain_text(
        "El código de su cuaderno", timeout=30_000
    )
    expect(page.locator(".workbook-code-value")).to_have_text(code)
    expect(page.locator(".workbook-name input")).to_have_value("Ana Peña")

    # The desk finds her by the code read over the phone, under her name.
    exports = tmp_path_factory.mktemp("desk-exports")
    with WorkbookStore.open(dashboard_server.data_dir, create=False) as store:
        desk = NavigatorDesk(store, load_content(), exports_dir=exports)
        desk.search.value = code.replace("-", "").lower()
        found = desk.roster()
        assert list(found["Name"]) == ["Ana Peña"]
        assert list(found["Code"]) == [code]
        desk.search.value = "pena"
        assert code in list(desk.roster()["Code"])
