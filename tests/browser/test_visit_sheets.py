"""Sheets that fit a visit, downloaded on a phone from "Take it with you" (issue 24).

In real Chromium at 390×844, a person with many starred questions downloads the one-page sheet
(one page: "start here", the starred questions that fit, and how many more are on the full
sheet) and the sheet for the one doctor they pick; a person whose workbook is in Spanish
downloads the one-page sheet and the sheet in two languages (each question in Spanish with its
English under it). Each PDF is opened with pypdf. The one-page sheet's page is also rendered
(pypdfium2) to ``docs/screenshots/one-page-sheet.png`` for the README.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pypdf import PdfReader

from secondopinion import load_content
from secondopinion.language import translator
from secondopinion.planning import derive
from secondopinion.serving.visit import private_link
from secondopinion.store import WorkbookStore
from widgets.app import STEP_TITLES

from ._pages import EXPORT, open_step
from .conftest import DashboardServer, open_workbook, screenshot
from .test_spanish_phone import check_spanish

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHEET_PICTURE = REPO / "docs" / "screenshots" / "one-page-sheet.png"
PHONE: ViewportSize = {"width": 390, "height": 844}
ANSWERS = {
    "filled_by": "patient",
    "diagnosis_kind": "cancer",
    "tests_done": ["biopsy", "imaging"],
    "insurance": "medicare",
    "treatment_status": "not_started",
    "time_to_decide": "weeks",
}
OWN = "Can my daughter come in with me, and take notes?"
OWN_ES = "¿Puede entrar mi hija conmigo y tomar notas?"
ANSWER = "Yes: about two weeks is safe, she said."


def starred_workbook(data_dir: Path, language: str, own: str) -> tuple[str, list[str]]:
    """A workbook whose every question is starred (one answered, one of the person's own).

    Its private link's token, and the ids of its questions that apply.
    """
    content = load_content(language=language)
    with WorkbookStore.open(data_dir, actor="test:visit sheets") as store:
        store.changes_per_minute = None
        summary, token = store.create_workbook("Ana Peña", "patient", language)
        store.set_answers(summary.id, ANSWERS)
        plan = derive(store.load(summary.id), content, dt.date.today()).plan
        for planned in plan.questions:
            store.set_question(summary.id, planned.id, starred=True)
        store.set_question(summary.id, plan.questions[1].id, asked=True, answer=ANSWER)
        mine = store.add_own_question(summary.id, own, "second_doctor")
        store.set_own_question(summary.id, mine, starred=True)
    return token, [q.id for q in plan.questions]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def spanish_phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE,
        locale="es-US",
        extra_http_headers={"Accept-Language": "es-US,es;q=0.9"},
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    page = context.new_page()
    yield page
    context.close()


def download(page: Page, hook: str) -> tuple[str, bytes]:
    """Tap the download link with the class ``hook``: the file's name and its bytes."""
    link = page.locator(f"a.{hook}")
    expect(link).to_be_visible(timeout=120_000)
    link.scroll_into_view_if_needed()
    with page.expect_download(timeout=30_000) as info:
        link.tap()
    done = info.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def pages_of(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [unicodedata.normalize("NFC", page.extract_text() or "") for page in reader.pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_one_page_sheet_and_one_doctors_sheet_download_on_a_phone(
    dashboard_server: DashboardServer, phone: Page
) -> None:
    content = load_content()
    token, ids = starred_workbook(dashboard_server.data_dir, "en", OWN)
    open_workbook(phone, private_link(dashboard_server.url, token))
    open_step(phone, EXPORT)

    name, data = download(phone, "workbook-sheet-one-page")
    pages = pages_of(data)
    assert len(pages) == 1, f"{len(pages)} pages"
    text = flat(pages[0])
    assert name.endswith("-questions-one-page-Letter.pdf") and "Ana-Pena" in name, name
    assert "Ana Peña" in text and "Start here" in text and "★ Starred questions" in text
    more = re.search(r"… and (\d+) more starred questions: they are on the full sheet\.", text)
    assert more, text[-300:]
    starred = text.split("★ Starred questions", 1)[1]
    shown = [i for i in ids if flat(content.item(i).text) in starred]
    assert len(shown) + int(more.group(1)) + (OWN in starred) == len(ids) + 1
    SHEET_PICTURE.parent.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(data)
    try:
        pdf[0].render(scale=1.25).to_pil().save(SHEET_PICTURE)
    finally:
        pdf.close()

    # For one doctor: the person picks the insurance plan, and gets only its questions.
    insurer = content.label("insurer")
    choice = phone.locator(".workbook-sheet-audience select")
    choice.scroll_into_view_if_needed()
    choice.select_option(label=insurer)
    link = phone.locator("a.workbook-sheet-for-one")
    expect(link).to_have_attribute("download", re.compile("Your-insurance-plan"), timeout=30_000)
    name, data = download(phone, "workbook-sheet-for-one")
    text = flat(" ".join(pages_of(data)))
    assert name.endswith("-questions-Your-insurance-plan-Letter.pdf"), name
    assert f"For: {insurer}" in text
    for question in (q for q in content.questions if q.id in ids):
        assert (flat(question.text) in text) == (question.audience == "insurer"), question.id
    assert OWN not in text  # it is for the second doctor
    screenshot(phone, "phone-visit-sheets")


def test_the_spanish_one_page_and_bilingual_sheets_download_on_a_phone(
    dashboard_server: DashboardServer, spanish_phone: Page
) -> None:
    page = spanish_phone
    spanish, english = load_content(language="es"), load_content()
    _ = translator("es").gettext
    token, ids = starred_workbook(dashboard_server.data_dir, "es", OWN_ES)
    open_workbook(page, private_link(dashboard_server.url, token))
    title = f"6. {_(STEP_TITLES[5])}"
    page.locator(".workbook-nav").get_by_role("button", name=title, exact=True).click()
    expect(page.locator(f".{EXPORT}")).to_be_visible(timeout=20_000)

    name, data = download(page, "workbook-sheet-one-page")
    expect(page.locator(".workbook-sheet-audience select")).to_be_visible()
    check_spanish(page, "the sheets to print")  # every new word on the step is Spanish
    pages = pages_of(data)
    assert len(pages) == 1, f"{len(pages)} pages"
    text = flat(pages[0])
    assert name.endswith("-preguntas-una-hoja-Letter.pdf"), name
    assert "Empiece aquí" in text and "Preguntas marcadas con estrella" in text
    assert re.search(
        r"… y \d+ preguntas más marcadas con estrella: están en la hoja completa", text
    )

    name, data = download(page, "workbook-sheet-bilingual")
    text = flat(" ".join(pages_of(data)))
    assert name.endswith("-preguntas-en-dos-idiomas-Letter.pdf"), name
    for item_id in ids:
        here, there = flat(spanish.item(item_id).text), flat(english.item(item_id).text)
        assert here in text and there in text, item_id
        assert text.index(there) > text.index(here), item_id  # the English under the Spanish
    assert text.count(OWN_ES) == 1  # typed in Spanish: printed once, as typed
    assert ANSWER in text
    assert "Preguntas para mi segunda opinión" in text and "Questions for my second opinion" in text
    screenshot(page, "spanish-phone-visit-sheets")
