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
    shown = code_box.locator(".workbook-code-line > span:not(.workbook-room-only)")
    expect(shown).to_have_text(re.compile("^Your workbook gets a short code once you answer"))

    # A name alone is kept on the page, and makes no workbook.
    page.locator(".workbook-name input").fill("Ana Peña")
    expect(shown).to_have_text(re.compile("^Your name is kept on this page"), timeout=20_000)
    assert "workbook=" not in page.url

    # The first answer makes the workbook, with the name, and the page shows its code.
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(shown).to_have_text(re.compile("^Your workbook's code: "), timeout=30_000)
    expect(page.locator(".workbook-code-value")).to_have_text(CODE)
    code = page.locator(".workbook-code-value").inner_text()
    expect(page).to_have_url(re.compile(r"#workbook="))
    book = stored(dashboard_server, token_of(page.url))
    assert book.summary.display_name == "Ana Peña"
    assert short_code(book.id) == code
    expect(code_box).to_contain_text("It is not your private link")

    # In Spanish, the same code, in Spanish words.
    page.locator(".workbook-language").get_by_text("Español", exact=True).click()
    expect(shown).to_have_text(re.compile("^El código de su cuaderno"), timeout=30_000)
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


_FORM_TOP = """() => document.querySelector('.workbook-intake').getBoundingClientRect().top
  - document.querySelector('.workbook-app').getBoundingClientRect().top"""


@pytest.mark.parametrize(
    ("width", "language"),
    [(390, "en"), (320, "es"), (1200, "en")],
    ids=["phone", "es-narrow", "laptop"],
)
def test_the_form_stays_put_when_the_first_answer_brings_the_code(
    dashboard_server: DashboardServer, browser: Browser, width: int, language: str
) -> None:
    """The code appears above the form as the first answer is saved: on a busy server, that is
    just when the person taps the next answer, which must not have moved from under the finger."""
    context = browser.new_context(
        viewport={"width": width, "height": 844}, locale=f"{language}-US", is_mobile=width < 600
    )
    try:
        page = context.new_page()
        open_workbook(page, dashboard_server.url)
        before = page.evaluate(_FORM_TOP)
        page.locator(".field-filled_by").get_by_role("radio").first.check()
        expect(page.locator(".workbook-code-value")).to_have_text(CODE, timeout=30_000)
        after = page.evaluate(_FORM_TOP)
        assert abs(after - before) <= 1, f"the form moved {after - before:.0f} px"
    finally:
        context.close()
