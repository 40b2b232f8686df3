"""Accessible all through, on a phone (issue 24): radio groups, landmarks, focus, undo, axe.

Real Chromium at phone size on the real Voilà server: a radio group is one Tab stop with the
arrow keys moving within it; the page has its ``main`` and ``nav`` landmarks; "Add my question"
and "Delete this question" leave the keyboard focus somewhere sensible, and a deletion can be
undone with everything the question held; axe finds nothing, of any impact, on any step, in
English and in Spanish.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from secondopinion import load_content
from secondopinion.language import translator
from secondopinion.store import OwnQuestion, WorkbookStore
from widgets.app import STEP_TITLES
from widgets.parts.page_roles import STEPS_NAME

from ._pages import private_link, stored, token_of, wait_until
from .conftest import DashboardServer, open_workbook, screenshot

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
HOOKS = (
    "workbook-intake",
    "workbook-questions",
    "workbook-records",
    "workbook-next-steps",
    "workbook-compare",
    "workbook-export",
)
TYPICAL = {
    "filled_by": "patient",
    "diagnosis_kind": "cancer",
    "seriousness": "advanced",
    "can_travel": True,
}
"""Answers a typical person gives first: enough for every step to hold its items."""

OWN = "¿Puedo traer a mi hija? <b>She</b> translates for me & takes notes."
ANSWER = "Yes, and she may record the visit on her phone."

FOCUSED = """() => { const e = document.activeElement;
  return { tag: e.tagName, value: e.value || '', text: (e.innerText || '').trim(),
           row: (e.closest('.workbook-question') || {}).className || '',
           name: e.name || '', checked: !!e.checked }; }"""


def phone(browser: Browser, language: str = "en") -> BrowserContext:
    """A phone's browser context; in Spanish, a browser that asks for Spanish."""
    headers = {"Accept-Language": "es-US,es;q=0.9"} if language == "es" else {}
    return browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="es-US" if language == "es" else "en-US",
        extra_http_headers=headers,
    )


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = phone(browser)
    yield context.new_page()
    context.close()


def answer_typically(page: Page, language: str = "en") -> None:
    """Give the ``TYPICAL`` answers by their labels in ``language``, and wait until saved."""
    content = load_content(language=language)
    _ = translator(language).gettext
    for field_id, value in TYPICAL.items():
        field = content.intake.field(field_id)
        if field.kind == "yes_no":
            label = _("Yes") if value else _("No")
        else:
            label = field.choice_label(str(value))
        page.locator(f".field-{field_id}").get_by_role("radio", name=label, exact=True).check()
    expect(page.locator(".workbook-saved [data-save=saved]")).to_have_count(1, timeout=20_000)


def open_step(page: Page, number: int, language: str = "en") -> None:
    """Open step ``number`` (1 to 6) from the steps' ``nav``, and wait until it shows.

    A step is built the first time it opens: on a busy machine step 2 (all the questions)
    takes a while, hence the long wait.
    """
    _ = translator(language).gettext
    nav = page.get_by_role("navigation", name=_(STEPS_NAME))
    title = f"{number}. {_(STEP_TITLES[number - 1])}"
    nav.get_by_role("button", name=title, exact=True).click()
    expect(page.locator(f".{HOOKS[number - 1]}")).to_be_visible(timeout=60_000)


def add_own_question(page: Page, text: str) -> None:
    form = page.locator(".workbook-questions")
    form.locator(".workbook-add-question-text textarea").fill(text)
    form.locator(".workbook-add-question").focus()
    page.keyboard.press("Enter")


def own_questions_holding(server: DashboardServer, text: str) -> tuple[OwnQuestion, ...]:
    """The own questions of the one stored workbook that has a question of its own ``text``."""
    with WorkbookStore.open(server.data_dir, create=False) as store:
        books = [store.load(summary.id) for summary in store.workbooks()]
    holding = [b for b in books if any(q.text == text for q in b.own_questions)]
    assert len(holding) <= 1
    return holding[0].own_questions if holding else ()


def test_a_radio_group_is_one_tab_stop_and_the_arrows_move_within_it(
    dashboard_server: DashboardServer, phone_page: Page
) -> None:
    page = phone_page
    open_workbook(page, dashboard_server.url)
    field = load_content().intake.field("diagnosis_kind")
    group = page.locator(".field-diagnosis_kind [role=radiogroup]")
    expect(group).to_have_count(1)
    expect(group).to_have_accessible_name(field.label)
    expect(group.get_by_role("radio")).to_have_count(len(field.choices))

    # One Tab stop: from the control before the group, Tab enters it and the next Tab leaves.
    def in_group() -> bool:
        return bool(page.evaluate("!!document.activeElement.closest('.field-diagnosis_kind')"))

    group.get_by_role("radio").first.focus()
    page.keyboard.press("Shift+Tab")
    assert not in_group()
    page.keyboard.press("Tab")
    assert in_group()
    expect(group.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("Tab")
    assert not in_group()
    page.keyboard.press("Shift+Tab")
    assert in_group()

    # The arrow keys choose within the group, and what they choose is saved.
    page.keyboard.press("ArrowDown")
    second = group.get_by_role("radio", name=field.choices[1].label, exact=True)
    expect(second).to_be_checked()
    expect(second).to_be_focused()
    page.keyboard.press("ArrowDown")
    third = group.get_by_role("radio", name=field.choices[2].label, exact=True)
    expect(third).to_be_checked()
    expect(second).not_to_be_checked()
    expect(page.locator(".workbook-saved [data-save=saved]")).to_have_count(1, timeout=20_000)
    token = token_of(private_link(page))
    wait_until(
        lambda: (
            stored(dashboard_server, token).answers.get("diagnosis_kind") == field.choices[2].id
        ),
        what="the answer chosen with the arrow keys in the store",
    )


def test_the_page_has_its_main_and_nav_landmarks(
    dashboard_server: DashboardServer, phone_page: Page
) -> None:
    page = phone_page
    open_workbook(page, dashboard_server.url)
    main = page.get_by_role("main")
    expect(main).to_have_count(1)
    expect(main.locator(".workbook-intake")).to_be_visible()
    nav = page.get_by_role("navigation", name=STEPS_NAME)
    expect(nav).to_have_count(1)
    for number, title in enumerate(STEP_TITLES, 1):
        expect(nav.get_by_role("button", name=f"{number}. {title}", exact=True)).to_be_visible()
    current = nav.locator("[aria-current=step]")
    expect(current).to_have_text(f"1. {STEP_TITLES[0]}")
    nav.get_by_role("button", name=f"3. {STEP_TITLES[2]}").click()
    expect(current).to_have_text(f"3. {STEP_TITLES[2]}")


def test_add_my_question_puts_the_focus_on_the_new_question_or_back_in_the_box(
    dashboard_server: DashboardServer, phone_page: Page
) -> None:
    page = phone_page
    open_workbook(page, dashboard_server.url)
    answer_typically(page)
    open_step(page, 2)
    box = page.locator(".workbook-questions .workbook-add-question-text textarea")

    # Nothing typed: a message beside the box, and the focus back in it.
    add_own_question(page, "   ")
    form_message = page.locator(".workbook-questions .workbook-problem [role=alert]").last
    expect(form_message).to_contain_text("Type your question first")
    expect(box).to_be_focused()
    assert form_message.bounding_box()["y"] < box.bounding_box()["y"]  # type: ignore[index]

    add_own_question(page, OWN)
    own = page.locator(".workbook-questions .workbook-own-question")
    expect(own).to_have_count(1, timeout=20_000)
    expect(own.locator("textarea").first).to_be_focused()
    assert page.evaluate(FOCUSED)["value"] == OWN  # stored exactly, never read as HTML
    expect(box).to_have_value("")
    screenshot(page, "phone-focus-after-add-question")


def test_delete_this_question_can_be_undone_and_everything_comes_back(
    dashboard_server: DashboardServer, phone_page: Page
) -> None:
    page = phone_page
    open_workbook(page, dashboard_server.url)
    answer_typically(page)
    open_step(page, 2)
    first = f"First question of my own ({uuid.uuid4().hex})"
    for text in (first, OWN, "Third question of my own"):
        add_own_question(page, text)
        expect(page.locator(".workbook-own-question-text textarea").last).to_have_value(text)
    rows = page.locator(".workbook-questions .workbook-own-question")
    expect(rows).to_have_count(3)
    middle = rows.nth(1)
    middle.get_by_role("button", name="☆ Star").click()
    expect(middle.get_by_role("button", name="★ Starred")).to_be_visible()
    middle.get_by_role("checkbox", name="I asked this").check()
    middle.locator("textarea").nth(1).fill(ANSWER)
    before = wait_until(
        lambda: next(
            (
                q
                for q in own_questions_holding(dashboard_server, first)
                if q.text == OWN and q.answer == ANSWER and q.starred and q.asked
            ),
            None,
        ),
        what="the question, its star, its tick and its answer in the store",
    )

    middle.get_by_role("button", name="Delete this question").focus()
    page.keyboard.press("Enter")
    undo = page.locator(".workbook-questions .workbook-undo-delete")
    expect(undo).to_contain_text(OWN)  # shown as text
    expect(undo.get_by_role("button", name="Undo")).to_be_focused()
    expect(rows).to_have_count(2)
    wait_until(
        lambda: all(q.text != OWN for q in own_questions_holding(dashboard_server, first)),
        what="the question gone from the store",
    )
    # The Undo stands where the question was.
    order = page.evaluate(
        """() => [...document.querySelectorAll('.workbook-own-question, .workbook-undo-delete')]
             .map(e => e.classList.contains('workbook-undo-delete') ? 'undo' : 'row')"""
    )
    assert order == ["row", "undo", "row"]

    page.keyboard.press("Enter")
    expect(undo).to_have_count(0)
    expect(rows).to_have_count(3)
    back = page.locator(".workbook-questions .workbook-own-question").filter(
        has=page.get_by_role("button", name="★ Starred")
    )
    expect(back).to_have_count(1)
    expect(back.locator("textarea").first).to_be_focused()
    expect(back.locator("textarea").first).to_have_value(OWN)
    expect(back.locator("textarea").nth(1)).to_have_value(ANSWER)
    expect(back.get_by_role("checkbox", name="I asked this")).to_be_checked()
    after = wait_until(
        lambda: next(
            (q for q in own_questions_holding(dashboard_server, first) if q.text == OWN), None
        ),
        what="the question back in the store",
    )
    kept = ("text", "audience", "starred", "asked", "answer")
    assert {k: getattr(after, k) for k in kept} == {k: getattr(before, k) for k in kept}
    assert len(own_questions_holding(dashboard_server, first)) == 3


@pytest.mark.parametrize("language", ["en", "es"])
def test_axe_finds_nothing_of_any_impact_on_any_step(
    dashboard_server: DashboardServer, browser: Browser, language: str
) -> None:
    context = phone(browser, language)
    try:
        page = context.new_page()
        open_workbook(page, dashboard_server.url)
        assert page.evaluate("document.documentElement.lang") == language
        answer_typically(page, language)
        found: dict[str, list[str]] = {}
        for number, hook in enumerate(HOOKS, 1):
            open_step(page, number, language)
            if hook == "workbook-questions":
                add_own_question(page, OWN)
                expect(page.locator(".workbook-own-question")).to_have_count(1, timeout=20_000)
            if hook == "workbook-export":
                expect(page.locator(".workbook-download-csv a")).to_have_count(1, timeout=60_000)
            page.evaluate(
                f"document.querySelectorAll('.{hook} details').forEach(d => d.open = true)"
            )
            results = Axe().run(page)
            found[hook] = [
                f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['html'][:160]}"
                for v in results.response["violations"]
            ]
        assert found == {hook: [] for hook in HOOKS}
    finally:
        context.close()


def test_on_step_6_the_focus_stays_on_a_busy_button_and_comes_back_from_a_hidden_one(
    dashboard_server: DashboardServer, phone_page: Page
) -> None:
    page = phone_page
    open_workbook(page, dashboard_server.url)
    answer_typically(page)
    open_step(page, 6)
    expect(page.locator(".workbook-export h2")).to_be_focused()
    expect(page.locator(".workbook-resume-link a")).to_have_count(1, timeout=60_000)
    export = page.locator(".workbook-export")

    new_link = export.get_by_role("button", name="Make a new private link")
    new_link.focus()
    page.keyboard.press("Enter")  # busy for a moment (disabled), then back
    expect(new_link).to_be_enabled()
    expect(new_link).to_be_focused()

    delete = export.get_by_role("button", name="Delete this workbook")
    delete.focus()
    page.keyboard.press("Enter")
    keep = export.get_by_role("button", name="No, keep it")
    keep.focus()
    page.keyboard.press("Enter")  # the question hides: the focus goes back to Delete
    expect(keep).to_be_hidden()
    expect(delete).to_be_focused()
