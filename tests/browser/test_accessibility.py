"""Usable by everyone: an axe-core audit of every step, labels, keyboard only, zoom and phones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from secondopinion import Content, Situation
from secondopinion.planning import Reader

from .conftest import DashboardServer, open_workbook, screenshot

pytestmark = pytest.mark.browser

STEPS = [
    ("1. Your situation", "workbook-intake"),
    ("2. Questions to ask", "workbook-questions"),
    ("3. Records to gather", "workbook-records"),
    ("4. Next steps", "workbook-next-steps"),
    ("5. Compare the opinions", "workbook-compare"),
    ("6. Take it with you", "workbook-export"),
]


@pytest.fixture
def filled_page(dashboard_server: DashboardServer, page: Page) -> Page:
    """A workbook with a few answers, so that every step has content to audit."""
    open_workbook(page, dashboard_server.url)
    intake = page.locator(".workbook-intake")
    intake.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
    # as a person would: the answer shows more fields below it; the next tap waits for them
    expect(intake.locator(".field-spread")).to_be_visible(timeout=30_000)
    intake.locator(".field-treatment_status").get_by_label(
        "Treatment has not started", exact=True
    ).check()
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    return page


def open_step(page: Page, title: str, hook: str) -> None:
    page.get_by_role("button", name=title).click()
    expect(page.locator(f".{hook}")).to_be_visible()


@pytest.mark.parametrize(("title", "hook"), STEPS)
def test_no_serious_or_critical_axe_violations(filled_page: Page, title: str, hook: str) -> None:
    open_step(filled_page, title, hook)
    filled_page.evaluate(
        f"document.querySelectorAll('.{hook} details').forEach(d => d.open = true)"
    )
    results = Axe().run(filled_page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['html'][:120]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_every_intake_field_has_a_label_a_screen_reader_reads(
    dashboard_server: DashboardServer, page: Page, content: Content
) -> None:
    open_workbook(page, dashboard_server.url)
    # Answers that open the fields shown only to some people (a helper, a cancer, travel,
    # insurance, a pregnancy, another language); only the second deadline's kind stays hidden.
    answers = {
        "filled_by": "family",
        "diagnosis_kind": "cancer",
        "can_travel": True,
        "insurance": "employer_or_marketplace",
        "family_plans": "pregnant",
        "language_needs": "needs_interpreter",
    }
    for field_id, value in answers.items():
        field = content.intake.field(field_id)
        label = ("Yes" if value else "No") if field.kind == "yes_no" else field.choice_label(value)
        page.locator(f".field-{field_id}").get_by_role("radio", name=label, exact=True).check()
    situation = Situation.from_answers(answers, content.intake)
    shown = {f.id for f in situation.shown_fields(content.intake)}
    assert len(shown) >= len(content.intake.fields) - 1
    # A helper reads the fields in their words ("Which of these has the patient had?").
    reader = Reader.of(situation.in_effect(content.intake), content.intake)
    for field in reader.intake(content.intake).fields:
        box = page.locator(f".field-{field.id}")
        if field.id not in shown:
            expect(box).to_be_hidden()
            continue
        if field.kind == "one_choice":
            group = box.get_by_role("radio")
            expect(group).to_have_count(len(field.choices))
            for choice in field.choices:
                expect(box.get_by_role("radio", name=choice.label, exact=True)).to_have_count(1)
        elif field.kind == "several_choices":
            for choice in field.choices:
                expect(box.get_by_role("checkbox", name=choice.label, exact=True)).to_have_count(1)
        elif field.kind == "yes_no":
            expect(box.get_by_role("radio", name="Yes", exact=True)).to_have_count(1)
            expect(box.get_by_role("radio", name="No", exact=True)).to_have_count(1)
        else:
            expect(box.get_by_label(field.label, exact=True)).to_have_count(1)


def tab_to(page: Page, accessible_name: str, limit: int = 400) -> None:
    """Press Tab until the focused element has this accessible name (text, label or value)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        name = page.evaluate(
            """() => { const e = document.activeElement; if (!e) return '';
                 const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
                 return (e.getAttribute('aria-label') || label || e.innerText || e.value || '')
                   .trim(); }"""
        )
        if name == accessible_name:
            return
    raise AssertionError(f"Tab never reached {accessible_name!r}")


def test_the_workbook_can_be_completed_with_the_keyboard_alone(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    page.locator("body").focus()
    tab_to(page, "I am the patient")
    page.keyboard.press("Space")
    tab_to(page, "Cancer")
    page.keyboard.press("Space")
    tab_to(page, "A biopsy (a small piece of tissue was taken)")
    page.keyboard.press("Space")
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    expect(page.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True)).to_be_checked()

    tab_to(page, "Next →")
    page.keyboard.press("Enter")
    expect(page.locator(".workbook-questions")).to_be_visible()
    tab_to(page, "☆ Star")
    page.keyboard.press("Enter")
    expect(
        page.locator(".workbook-questions").get_by_role("button", name="★ Starred")
    ).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # "I asked this"
    page.keyboard.press("Tab")
    page.keyboard.type("She said the slides go to the new lab.")
    page.keyboard.press("Tab")
    expect(page.locator(".workbook-questions [role=status]").first).to_contain_text("1 asked")

    tab_to(page, "Next →")
    page.keyboard.press("Enter")
    expect(page.locator(".workbook-records")).to_be_visible()
    tab_to(page, "Status")
    page.keyboard.press("ArrowDown")
    expect(page.locator(".workbook-record-counts")).to_contain_text("Asked for: 1")

    tab_to(page, "Next →")
    page.keyboard.press("Enter")
    expect(page.locator(".workbook-next-steps")).to_be_visible()
    tab_to(page, "Next →")
    page.keyboard.press("Enter")
    expect(page.locator(".workbook-compare")).to_be_visible()
    tab_to(page, "What the first doctor said: What it is (the diagnosis)")
    page.keyboard.type("Stage II")
    page.keyboard.press("Tab")
    tab_to(page, "Next →")
    page.keyboard.press("Enter")
    expect(page.locator(".workbook-resume-link a")).to_have_count(1)
    # the files are made while the page goes on (tests/browser/test_big_workbook.py)
    expect(page.locator(".workbook-download-csv a")).to_have_count(1, timeout=60_000)


def visit_every_step(page: Page) -> Iterator[str]:
    for title, hook in STEPS:
        open_step(page, title, hook)
        yield hook


def horizontal_overflow(page: Page) -> list[str]:
    """Elements inside the app that stick out past the right edge of the screen."""
    return page.evaluate(
        """() => { const width = document.documentElement.clientWidth; const out = [];
             for (const e of document.querySelectorAll('.workbook-app *')) {
               const r = e.getBoundingClientRect();
               if (r.width && r.right > width + 1 && getComputedStyle(e).visibility !== 'hidden')
                 out.push(e.tagName + '.' + String(e.className).slice(0, 60));
             }
             if (document.documentElement.scrollWidth > width + 1) out.push('the page itself');
             return out.slice(0, 10); }"""
    )


def test_no_step_scrolls_sideways_on_a_phone(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        open_workbook(page, dashboard_server.url)
        page.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
        expect(page.locator(".workbook-saved")).to_contain_text("saved")
        for hook in visit_every_step(page):
            assert horizontal_overflow(page) == [], hook
            screenshot(page, f"phone-{hook}")
    finally:
        context.close()


def test_text_enlarged_to_200_percent_loses_nothing(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    # A 1280 px window at 200 % zoom lays out like a 640 px window with twice the pixels.
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    try:
        page = context.new_page()
        open_workbook(page, dashboard_server.url)
        for hook in visit_every_step(page):
            assert horizontal_overflow(page) == [], hook
        page.get_by_role("button", name="1. Your situation").click()
        screenshot(page, "zoom-200-intake")
    finally:
        context.close()
