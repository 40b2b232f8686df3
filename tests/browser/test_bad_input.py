"""Anything a person types is kept exactly, shown as text and never run as HTML.

Every text field a patient has in the dashboard gets 20,000 characters of the worst kinds of
text: emoji (with skin tones and joiners), right-to-left scripts and direction overrides, null
bytes, HTML, a ``<script>``, an ``<img onerror>``, an ``<svg onload>`` and a ``javascript:`` link
that would each set ``window.__injected`` if they ever ran. The store must hold each text exactly,
the page must show it as text (no injected element, no script run, no dialog), the reopened link
must give it back unchanged, and the CSV download must carry it faithfully (with a leading ``'``
on a text that a spreadsheet would otherwise run as a formula).

Dates: a decision date far in the past or the future is a real date and is kept exactly; one
that has passed gets a plain warning in the timeline; a date the browser's date box cannot read
empties the box and the saved date alike; a year after 9999, which the browser's date box
takes but Python cannot hold, gets a plain message and the earlier answer stays. A date near the
year 9999 still lists the steps (matplotlib cannot draw it, so the picture is left out).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from secondopinion import Content
from secondopinion.documents.csv_files import FORMULA_STARTS
from widgets.parts.typing import ANSWER_LIMIT, QUESTION_LIMIT

from ._pages import (
    COMPARE,
    EXPORT,
    INTAKE,
    NEXT_STEPS,
    QUESTIONS,
    RECORDS,
    STEPS,
    open_step,
    private_link,
    stored,
    token_of,
    wait_until,
)
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

LENGTH = ANSWER_LIMIT  # the most an answer, a note or a compare box takes (issue 13)
NASTY = (
    "Emoji 😀 👩🏽‍⚕️ 🩺 🏳️‍🌈 and right to left: سرطان الثدي، שלום \u202egnp.exe\u202c "
    "and a null\x00byte, <b>bold</b> & <i>it</i> &amp; &lt;tag&gt; "
    '<script>window.__injected = "script"</script> '
    "<img src=x onerror=\"window.__injected = 'img'\"> "
    "\"'><svg onload=\"window.__injected = 'svg'\"></svg> "
    "<a href=\"javascript:window.__injected = 'link'\">a link</a> "
    "<style>body { display: none }</style> {{ 7*7 }} ${7*7} %s %n \\u0000"
)
FILLER = "Plain words, ünïcödé, 東京, नमस्ते, Ελληνικά, and more. "


def payload(name: str, *, one_line: bool = False, start: str = "", length: int = LENGTH) -> str:
    """``length`` characters (the most the box takes) for one field: its name, every nasty
    thing, then ordinary text."""
    gap = " " if one_line else "\n"
    text = f"{start}{name}:{gap}{NASTY}{gap}"
    text += FILLER * (LENGTH // len(FILLER) + 1)
    text = text[:length].rstrip()
    return text + "x" * (length - len(text))


TEXTS = {
    "diagnosis_name": payload("What the doctor called it"),
    "answer": payload("An answer"),
    "own_question": payload("My own question", length=QUESTION_LIMIT),
    # a record's "From whom" is one line; this one would be a formula in a spreadsheet
    "from_whom": payload(
        "From whom", one_line=True, start='=HYPERLINK("https://x.invalid","x") ', length=500
    ),
    "note": payload("A note"),
    # what the first doctor said, beside the second; this one starts like a spreadsheet function
    "compare": payload("What the first doctor said", start="@SUM(1+1) "),
}

INJECTED = """() => ({
    flag: window.__injected === undefined ? null : String(window.__injected),
    img: document.querySelectorAll('img[src="x"], img[onerror]').length,
    svg: document.querySelectorAll('svg[onload]').length,
    handlers: document.querySelectorAll('.workbook-app [onerror], .workbook-app [onload]').length,
    links: document.querySelectorAll('a[href^="javascript:"]').length,
    bold: document.querySelectorAll('.workbook-app b').length,
    styles: [...document.querySelectorAll('.workbook-app style')]
        .filter(s => s.textContent.includes('body { display: none }')).length,
    scripts: [...document.scripts]
        .filter(s => !s.type || /javascript|module/.test(s.type))
        .filter(s => s.textContent.includes('__injected')).length,
    hidden: getComputedStyle(document.body).display === 'none',
})"""
NOTHING_INJECTED = {
    "flag": None,
    "img": 0,
    "svg": 0,
    "handlers": 0,
    "links": 0,
    "bold": 0,
    "styles": 0,
    "scripts": 0,
    "hidden": False,
}


def shown(text: str) -> str:
    """What the page shows for ``text`` in an HTML element: HTML drops the null bytes."""
    return text.replace("\x00", "")


def item_id(row: Locator) -> str:
    match = re.search(r"\bitem-([a-z0-9_]+)", row.get_attribute("class") or "")
    assert match, "every question and record carries its item-<id> class"
    return match.group(1)


@pytest.fixture
def dialogs(page: Page) -> Iterator[list[str]]:
    """Every alert, confirm or prompt the page tries to open (there must be none)."""
    seen: list[str] = []

    def record(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    yield seen


def assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    for hook in STEPS:
        open_step(page, hook)
        assert page.evaluate(INJECTED) == NOTHING_INJECTED
    assert dialogs == []


def test_any_text_is_stored_exactly_and_shown_as_text(
    dashboard_server: DashboardServer,
    page: Page,
    browser: Browser,
    dialogs: list[str],
    content: Content,
) -> None:
    open_workbook(page, dashboard_server.url)
    name = page.locator(".field-diagnosis_name textarea")
    name.fill(TEXTS["diagnosis_name"])
    name.press("Tab")
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    link = private_link(page)
    token = token_of(link)

    open_step(page, QUESTIONS)
    question = page.locator(".workbook-questions .workbook-question").first
    question_id = item_id(question)
    question.locator("textarea").fill(TEXTS["answer"])
    question.locator("textarea").press("Tab")
    own_form = page.locator(".workbook-questions .widget-vbox:has(> .workbook-add-question)")
    own_form.locator("textarea").fill(TEXTS["own_question"])
    own_form.locator(".workbook-add-question").click()
    own = page.locator(".workbook-own-question .workbook-own-question-text textarea")
    expect(own).to_have_count(1)

    open_step(page, RECORDS)
    record = page.locator(".workbook-records .workbook-record").first
    record_id = item_id(record)
    record.locator("input[type=text]").fill(TEXTS["from_whom"])
    record.locator("input[type=text]").press("Tab")
    record.locator("textarea").fill(TEXTS["note"])
    record.locator("textarea").press("Tab")

    open_step(page, COMPARE)
    opinion, aspect = content.compare.opinions[0].id, content.compare.aspects[0].id
    compare = page.locator(".workbook-compare-box textarea").first
    compare.fill(TEXTS["compare"])
    compare.press("Tab")

    def all_saved() -> object:
        book = stored(dashboard_server, token)
        saved = book.records.get(record_id)
        done = saved and saved.note and saved.from_whom and book.compared(opinion, aspect)
        return done and book

    book = wait_until(all_saved, what="every text saved")
    assert book.answers["diagnosis_name"] == TEXTS["diagnosis_name"]
    assert book.questions[question_id].answer == TEXTS["answer"]
    assert [q.text for q in book.own_questions] == [TEXTS["own_question"]]
    assert book.records[record_id].from_whom == TEXTS["from_whom"]
    assert book.records[record_id].note == TEXTS["note"]
    assert book.compared(opinion, aspect) == TEXTS["compare"]

    expect(page.locator(".workbook-problem [role=alert]")).to_have_count(0)
    assert_nothing_ran(page, dialogs)

    other = browser.new_context()
    try:
        again = other.new_page()
        again_dialogs: list[str] = []
        again.on("dialog", lambda d: (again_dialogs.append(d.message), d.dismiss()))
        open_workbook(again, link)
        assert_nothing_ran(again, again_dialogs)

        open_step(again, INTAKE)
        expect(again.locator(".field-diagnosis_name textarea")).to_have_value(
            TEXTS["diagnosis_name"]
        )
        open_step(again, QUESTIONS)
        expect(again.locator(f".item-{question_id} textarea")).to_have_value(TEXTS["answer"])
        # An own question is shown in a box, to be edited.
        own_text = again.locator(".workbook-own-question .workbook-own-question-text textarea")
        expect(own_text).to_have_value(TEXTS["own_question"])
        open_step(again, RECORDS)
        expect(again.locator(f".item-{record_id} input[type=text]")).to_have_value(
            TEXTS["from_whom"]
        )
        expect(again.locator(f".item-{record_id} textarea")).to_have_value(TEXTS["note"])
        open_step(again, COMPARE)
        expect(again.locator(".workbook-compare-box textarea").first).to_have_value(
            TEXTS["compare"]
        )

        open_step(again, EXPORT)
        # the files are made together (the CSV and every sheet): on a busy machine, a while
        csv_link = again.locator(".workbook-download-csv a")
        expect(csv_link).to_be_visible(timeout=180_000)
        with again.expect_download() as download:
            csv_link.click()
        data = download.value.path().read_bytes().decode("utf-8-sig")
    finally:
        other.close()
    cells = {cell for row in csv.reader(io.StringIO(data, newline="")) for cell in row}
    for text in TEXTS.values():
        expected = "'" + text if text.startswith(FORMULA_STARTS) else text
        assert expected in cells, f"the CSV lost or changed {text[:30]!r}…"
    assert "'" + TEXTS["from_whom"] in cells  # the formulas are neutralised
    assert "'" + TEXTS["compare"] in cells


# --------------------------------------------------------------------------- dates


def decision_date(page: Page) -> Locator:
    intake = page.locator(".workbook-intake")
    intake.locator(".field-time_to_decide").get_by_label("A few weeks", exact=True).check()
    field = intake.locator(".field-decision_date input[type=date]")
    expect(field).to_be_visible()
    return field


def test_a_decision_date_long_past_or_far_ahead_is_kept_exactly(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    token = token_of(private_link(page))
    field = decision_date(page)

    def saved_date() -> object:
        return stored(dashboard_server, token).answers.get("decision_date")

    # the first day a date can have, long ago, a leap day, the last day Python knows
    for day in ["0001-01-01", "1900-02-28", "2000-02-29", "9999-12-31"]:
        field.fill(day)
        field.press("Tab")
        wait_until(lambda day=day: saved_date() == day, what=f"the decision date {day} saved")
        assert stored(dashboard_server, token).decision_date == dt.date.fromisoformat(day)
    expect(page.locator(".workbook-problem [role=alert]")).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()


def test_a_date_the_box_cannot_read_is_not_saved_and_the_box_shows_that(
    dashboard_server: DashboardServer, page: Page
) -> None:
    """What the page shows is what is saved: a date the box cannot read leaves it empty.

    Chromium's date box takes only real dates; anything else empties it, and the workbook then
    holds no decision date either (never the half-typed text, never a date nobody chose).
    """
    open_workbook(page, dashboard_server.url)
    field = decision_date(page)
    field.fill("2031-03-14")
    field.press("Tab")
    token = token_of(private_link(page))
    field = decision_date(page)
    wait_until(lambda: stored(dashboard_server, token).decision_date, what="the first date")
    for bad in ["2031-02-30", "31/12/2031", "tomorrow", "2031-13-01", "<script>"]:
        field.fill("2031-03-14")
        field.press("Tab")
        wait_until(lambda: stored(dashboard_server, token).decision_date, what="a date again")
        field.fill(bad)
        field.press("Tab")
        expect(field).to_have_value("")
        wait_until(
            lambda: "decision_date" not in stored(dashboard_server, token).answers,
            what=f"the date cleared after {bad!r}",
        )
    assert "Traceback" not in page.locator("body").inner_text()
    expect(page.locator(".workbook-problem [role=alert]")).to_have_count(0)


@pytest.mark.parametrize(
    ("day", "said"), [("0001-01-01", "January 1, 1"), ("2001-06-30", "June 30, 2001")]
)
def test_a_decision_date_that_has_passed_is_kept_and_said_plainly(
    dashboard_server: DashboardServer, page: Page, day: str, said: str
) -> None:
    """Accepted, with a plain warning where the dates are used: the timeline in Next steps."""
    open_workbook(page, dashboard_server.url)
    field = decision_date(page)
    field.fill(day)
    field.press("Tab")
    open_step(page, NEXT_STEPS)
    timeline = page.locator(".workbook-next-steps .workbook-timeline")
    expect(timeline).to_contain_text("has passed")
    expect(timeline).to_contain_text(said)
    expect(page.locator(".workbook-problem [role=alert]")).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()


def test_a_new_decision_date_gives_a_new_timeline(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    field = decision_date(page)
    timeline = page.locator(".workbook-next-steps .workbook-timeline")
    field.fill("2031-03-14")
    field.press("Tab")
    open_step(page, NEXT_STEPS)
    expect(timeline).to_contain_text("2031")
    open_step(page, INTAKE)
    field.fill("2001-06-30")
    field.press("Tab")
    open_step(page, NEXT_STEPS)
    expect(timeline).to_contain_text("has passed")


@pytest.mark.parametrize(
    "day",
    [
        "2100-01-01",
        "9999-12-31",
    ],
)
def test_a_decision_date_far_ahead_gives_a_timeline_and_no_error(
    dashboard_server: DashboardServer, page: Page, day: str
) -> None:
    open_workbook(page, dashboard_server.url)
    field = decision_date(page)
    field.fill(day)
    field.press("Tab")
    open_step(page, NEXT_STEPS)
    timeline = page.locator(".workbook-next-steps .workbook-timeline")
    expect(timeline.locator("li").first).to_be_visible()
    expect(timeline).to_contain_text(day[:4])
    expect(page.locator(".workbook-problem [role=alert]")).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()


def test_a_year_after_9999_gets_a_plain_message(
    dashboard_server: DashboardServer, page: Page
) -> None:
    open_workbook(page, dashboard_server.url)
    field = decision_date(page)
    field.click(position={"x": 8, "y": 10})  # the month part of mm/dd/yyyy
    page.keyboard.type("0101202600")  # January 1st, year 202600
    page.keyboard.press("Tab")
    warning = page.locator(".workbook-intake .field-decision_date [role=alert]")
    expect(warning).to_contain_text("check the year")
    assert "Traceback" not in page.locator("body").inner_text()
