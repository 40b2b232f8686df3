"""On a phone, a relative who says "My father" reads about "your father" from the next question on.

In real Chromium at 390×844 against the real Voilà dashboard: the question of how they are
related shows only once a helper is chosen; before it, the intake asks about "the patient";
after "My father", the next question, its choices, a later question and the questions to ask
(step 2) speak of "your father" and "my father". In Spanish, "Mi madre" makes them "su madre".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from secondopinion.language import translator
from widgets.app import STEP_TITLES

from ._pages import INTAKE, QUESTIONS, open_step
from .conftest import DashboardServer, open_workbook, screenshot

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


def label_of(page: Page, field_id: str) -> Locator:
    """The words of an intake question, as the page shows them."""
    return page.locator(f".field-{field_id} .workbook-field-label")


def test_choosing_my_father_makes_the_next_question_speak_of_your_father(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US", accept_downloads=True)
    page = context.new_page()
    try:
        open_workbook(page, dashboard_server.url)
        relation = page.locator(".field-relation")
        expect(relation).to_be_hidden()
        page.locator(".field-filled_by").get_by_label(
            "A relative or friend, without legal papers", exact=True
        ).check()
        expect(relation).to_be_visible()
        expect(label_of(page, "relation")).to_have_text("How are you related to them?")
        next_question = label_of(page, "patient_can_decide")
        expect(next_question).to_have_text(
            "Is the patient able to make choices about care right now?"
        )
        expect(label_of(page, "tests_done")).to_have_text("Which of these has the patient had?")

        relation.get_by_label("My father", exact=True).check()
        expect(next_question).to_have_text(
            "Is your father able to make choices about care right now?", timeout=20_000
        )
        can_decide = page.locator(".field-patient_can_decide")
        can_decide.get_by_label("Yes, your father decides", exact=True).check()
        expect(label_of(page, "tests_done")).to_have_text("Which of these has your father had?")
        expect(label_of(page, "age_group")).to_have_text("How old is your father?")
        expect(relation.get_by_label("My father", exact=True)).to_be_checked()
        expect(can_decide.get_by_label("Yes, your father decides", exact=True)).to_be_checked()
        screenshot(page, "helper_father_phone")

        open_step(page, QUESTIONS)
        questions = page.locator(".workbook-questions")
        expect(questions).to_contain_text("my father")
        expect(questions).to_contain_text("your father")
        expect(questions).not_to_contain_text("the patient")
        open_step(page, INTAKE)
        expect(next_question).to_have_text(
            "Is your father able to make choices about care right now?"
        )
    finally:
        context.close()


def test_in_spanish_my_mother_makes_the_questions_speak_of_su_madre(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE, locale="es-US", accept_downloads=True)
    page = context.new_page()
    try:
        open_workbook(page, dashboard_server.url)
        page.locator(".field-filled_by").get_by_label(
            "Un familiar o amigo que no tiene un poder legal", exact=True
        ).check()
        relation = page.locator(".field-relation")
        expect(relation).to_be_visible()
        relation.get_by_label("Mi madre", exact=True).check()
        expect(label_of(page, "tests_done")).to_have_text(
            "¿Cuáles de estas cosas le han hecho a su madre?", timeout=20_000
        )
        expect(label_of(page, "in_hospital")).to_have_text("¿Su madre está en el hospital ahora?")
        questions_title = f"2. {translator('es').gettext(STEP_TITLES[1])}"
        nav = page.locator(".workbook-nav")
        nav.get_by_role("button", name=questions_title, exact=True).click()
        expect(page.locator(".workbook-questions")).to_contain_text("mi madre", timeout=20_000)
    finally:
        context.close()
