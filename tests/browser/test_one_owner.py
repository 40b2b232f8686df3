"""The private link, one owner at a time: a new link ends every other open page of the workbook.

Someone who had the link (a stranger it reached, or the person's own old tab) keeps a page of
the workbook open. Once the person makes a new private link, that page saves nothing more: its
next typed answer is refused, it says why in plain words, and what was typed stays on screen to
copy. Only the page that made the new link goes on; the store holds only its writes.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from secondopinion.store import WorkbookStore

from ._pages import EXPORT, QUESTIONS, open_step, private_link, question_ids, token_of, wait_until
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

STATUS = ".workbook-saved [data-save]"
ENDED_WORDS = "This page can no longer save: a new private link was made"


def start(page: Page, url: str) -> str:
    """A new workbook with one answer stored; its private link."""
    open_workbook(page, url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=20_000)
    return private_link(page)


def type_answer(page: Page, question: str, text: str) -> None:
    box = page.locator(f".item-{question} textarea")
    box.click()
    box.fill(text)


def everything_stored(server: DashboardServer, workbook_id: str) -> str:
    """Every answer and change-log value of the workbook, as one text."""
    with WorkbookStore.open(server.data_dir, create=False) as store:
        book = store.load(workbook_id)
        values = [str(c.old) + " " + str(c.new) for c in store.changes(workbook_id)]
    answers = [q.answer for q in book.questions.values()]
    return "\n".join([*answers, *values])


def test_a_new_private_link_ends_the_other_open_tab_and_only_the_new_one_saves(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    owner_context, other_context = browser.new_context(), browser.new_context()
    try:
        owner = owner_context.new_page()
        link = start(owner, dashboard_server.url)
        with WorkbookStore.open(dashboard_server.data_dir, create=False) as store:
            workbook_id = store.workbook_id_for_token(token_of(link))
        assert workbook_id is not None

        other = other_context.new_page()  # another browser, with the same link
        open_workbook(other, link)
        open_step(other, QUESTIONS)
        (question,) = question_ids(other, 1)

        open_step(owner, EXPORT)
        owner.get_by_role("button", name="Make a new private link").click()
        expect(owner.locator(".workbook-export")).to_contain_text(
            "Above is your new private link", timeout=20_000
        )
        new_link = owner.locator(".workbook-resume-link a").get_attribute("href")
        assert new_link and token_of(new_link) != token_of(link)

        # The other tab's next typed answer: refused, said plainly, and still on screen.
        typed = "Typed in the other tab after the new link."
        type_answer(other, question, typed)
        said = other.locator(".workbook-saved")
        expect(said).to_contain_text(ENDED_WORDS, timeout=30_000)
        expect(said).to_contain_text("copy it somewhere safe")
        expect(other.locator(STATUS)).to_have_attribute("data-save", "failed")
        expect(other.locator(f".item-{question} textarea")).to_have_value(typed)
        assert re.search(r"[0-9a-f]{12}", said.inner_text()) is None  # no workbook id shown

        # The page that made the new link goes on, and the store holds only its writes.
        open_step(owner, QUESTIONS)
        mine = "Typed by the person, on the page that made the new link."
        type_answer(owner, question, mine)
        expect(owner.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=20_000)
        wait_until(
            lambda: mine in everything_stored(dashboard_server, workbook_id),
            timeout=20,
            what="the new page's answer in the store",
        )
        # the other tab tries again (it sends what waits every few seconds): still refused
        type_answer(other, question, typed + " Again.")
        expect(said).to_contain_text(ENDED_WORDS)
        expect(other.locator(f".item-{question} textarea")).to_have_value(typed + " Again.")
        assert "other tab" not in everything_stored(dashboard_server, workbook_id)
        expect(owner.locator(STATUS)).to_have_attribute("data-save", "saved")
    finally:
        owner_context.close()
        other_context.close()


def test_an_idle_tab_hears_of_the_new_link_by_itself(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    """Without typing anything, the other tab says it is ended within seconds (its heartbeat)."""
    owner_context, other_context = browser.new_context(), browser.new_context()
    try:
        owner = owner_context.new_page()
        link = start(owner, dashboard_server.url)
        other = other_context.new_page()
        open_workbook(other, link)
        open_step(owner, EXPORT)
        owner.get_by_role("button", name="Make a new private link").click()
        expect(other.locator(".workbook-saved")).to_contain_text(ENDED_WORDS, timeout=30_000)
        expect(owner.locator(".workbook-saved")).not_to_contain_text("can no longer save")
    finally:
        owner_context.close()
        other_context.close()


def test_a_link_to_a_strangers_blank_workbook_opens_a_new_one_of_ones_own(
    dashboard_server: DashboardServer, page: Page
) -> None:
    """A stranger starts a workbook on the dashboard, writes nothing, and sends its link: the
    person who opens it gets a new workbook, and what they type never reaches the stranger's."""
    with WorkbookStore.open(dashboard_server.data_dir) as store:
        blank, token = store.create_workbook("", "patient")
    open_workbook(page, f"{dashboard_server.url}?session={token}")
    expect(page).to_have_url(re.compile(r"/$"))  # the stranger's link is taken out
    expect(page.locator(".workbook-app")).not_to_contain_text("Welcome back")
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=20_000)
    link = private_link(page)
    assert token_of(link) != token
    with WorkbookStore.open(dashboard_server.data_dir, create=False) as store:
        assert store.load(blank.id).answers == {}
        assert store.workbook_id_for_token(token_of(link)) != blank.id

    # A link to a workbook with answers in it says when it was started and last changed.
    open_workbook(page, link)
    welcome = page.locator(".workbook-welcome-back")
    expect(welcome).to_contain_text("Welcome back")
    expect(welcome).to_contain_text("You started this workbook on")
    expect(welcome).to_contain_text("It was last changed on")
