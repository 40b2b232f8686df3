"""A patient's whole visit, in headless Chromium against the real Voilà dashboard.

A person whose cancer came back after they were told nothing more can be done fills in their
situation, sees clinical-trial questions appear, stars one and writes its answer, marks a record
as asked for, downloads the CSV, and reopens the private link in a fresh browser.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect

from secondopinion import Content, Situation, tailor

from .conftest import DashboardServer, open_workbook, screenshot

pytestmark = pytest.mark.browser

RELAPSE = {
    "filled_by": "I am the patient",
    "diagnosis_kind": "Cancer",
    "seriousness": "I was told it is terminal, or that nothing more can be done",
    "treatment_status": "Treatment stopped working, or symptoms are worse",
}
RELAPSE_IDS = {
    "filled_by": "patient",
    "diagnosis_kind": "cancer",
    "seriousness": "terminal",
    "treatment_status": "not_working",
}
ANSWER = 'Ask about trial NCT-123, "phase 2", at the cancer center; bring the list.'


def choose(page: Page, field_id: str, label: str) -> None:
    page.locator(f".field-{field_id}").get_by_label(label, exact=True).check()


def go_to(page: Page, step_title: str) -> None:
    page.get_by_role("button", name=step_title).click()


def test_a_patient_with_a_relapse_keeps_everything(
    dashboard_server: DashboardServer, page: Page, browser: Browser, content: Content
) -> None:
    plan = tailor(Situation.from_answers(RELAPSE_IDS, content.intake), content)
    shown_to_all = tailor(Situation(), content).item_ids
    trial_questions = [
        q.id
        for q in plan.questions
        if q.item.topic == "clinical_trials" and q.id not in shown_to_all
    ]
    assert trial_questions, "the content must offer clinical-trial questions for this story"
    starred_id = trial_questions[0]
    record_id = plan.records[0].id

    open_workbook(page, dashboard_server.url)
    expect(page.locator(".workbook-not-advice")).to_contain_text("not medical advice")
    go_to(page, "2. Questions to ask")
    expect(page.locator(".workbook-questions")).to_be_visible()
    expect(page.locator(f".item-{starred_id}")).to_have_count(0)

    go_to(page, "1. Your situation")
    for field_id, label in RELAPSE.items():
        choose(page, field_id, label)
    expect(page.locator(".workbook-saved")).to_contain_text("saved")

    go_to(page, "2. Questions to ask")
    for question_id in trial_questions:
        expect(page.locator(f".item-{question_id}")).to_be_visible()
    question = page.locator(f".item-{starred_id}")
    question.get_by_role("button", name="☆ Star").click()
    expect(question.get_by_role("button", name="★ Starred")).to_be_visible()
    answer = question.locator("textarea")
    answer.fill(ANSWER)
    answer.press("Tab")
    expect(page.locator(".workbook-questions [role=status]").first).to_contain_text("1 starred")

    go_to(page, "3. Records to gather")
    page.locator(f".item-{record_id} select").select_option(label="Asked for")
    expect(page.locator(".workbook-record-counts")).to_contain_text("Asked for: 1")
    screenshot(page, "records-laptop")

    go_to(page, "6. Take it with you")
    link = page.locator(".workbook-download-csv a")
    expect(link).to_be_visible(timeout=180_000)  # made with every sheet: a while when busy
    with page.expect_download() as download_info:
        link.click()
    table = pd.read_csv(
        io.BytesIO(download_info.value.path().read_bytes()),
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    question_rows = table[table["item_id"] == starred_id]
    assert ANSWER in set(question_rows["value"])
    assert set(question_rows[question_rows["field"] == "starred"]["value"]) == {"yes"}
    record_rows = table[(table["item_id"] == record_id) & (table["field"] == "status")]
    assert list(record_rows["value"]) == ["requested"]

    resume = page.locator(".workbook-resume-link a")
    private_link = resume.get_attribute("href")
    assert private_link and "#workbook=" in private_link

    other = browser.new_context()
    try:
        again = other.new_page()
        open_workbook(again, private_link)
        go_to(again, "2. Questions to ask")
        reopened = again.locator(f".item-{starred_id}")
        expect(reopened.get_by_role("button", name="★ Starred")).to_be_visible()
        expect(reopened.locator("textarea")).to_have_value(ANSWER)
        go_to(again, "3. Records to gather")
        expect(again.locator(f".item-{record_id} select")).to_have_value("Asked for")
        go_to(again, "1. Your situation")
        expect(
            again.locator(".field-seriousness").get_by_label(RELAPSE["seriousness"], exact=True)
        ).to_be_checked()
    finally:
        other.close()


def test_an_unknown_link_opens_nothing_and_says_so(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url + "?session=not-a-real-link")
    expect(page.get_by_text("This link does not open a workbook")).to_be_visible()
    expect(page.locator(".workbook-intake")).to_have_count(0)


@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"), (1280, 900, "laptop")])
def test_the_first_screen_fits(
    dashboard_server: DashboardServer, browser: Browser, width: int, height: int, name: str
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        open_workbook(page, dashboard_server.url)
        expect(page.locator(".field-diagnosis_kind")).to_be_visible()
        screenshot(page, f"intake-{name}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page scrolls sideways on a {width}px screen"
    finally:
        context.close()
