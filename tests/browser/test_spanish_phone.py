"""The whole workbook in Spanish, on a phone, with a Spanish-speaking browser (issue 17).

A person whose browser prefers Spanish opens the workbook on a 390×844 screen, answers the
intake (saying an interpreter is needed), stars and answers a question, changes a record's
status, reads the next steps, writes in a compare box, and downloads the question sheet. On
every step walked, no English word is met: the page's visible text is checked against every
English word of the workbook (the catalogue's English and the content's English) that is not
also a Spanish word of it. The sheet's text and its file name keep the accents and the ñ.
The navigator's roster says the person uses Español; the navigator names the workbook
"Ana Peña"; the private link then reopens in Spanish even in an English browser, and the sheet
is named "…Ana-Pena…" (never "Pe-a") with "Ana Peña" printed on it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from pypdf import PdfReader

from secondopinion import Content, Situation, load_content, tailor
from secondopinion.content._translations import TEXT_KEYS
from secondopinion.language import LOCALE_DIR, translator
from secondopinion.store import WorkbookStore
from widgets.app import STEP_TITLES
from widgets.desk import NavigatorDesk
from widgets.desk.roster_table import ID

from ._pages import COMPARE, EXPORT, INTAKE, NEXT_STEPS, QUESTIONS, RECORDS, token_of
from .conftest import DashboardServer, open_workbook, screenshot

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
PHONE: ViewportSize = {"width": 390, "height": 844}
HOOKS = (INTAKE, QUESTIONS, RECORDS, NEXT_STEPS, COMPARE, EXPORT)
_ = translator("es").gettext

ANSWERS = {
    "filled_by": "patient",
    "diagnosis_kind": "cancer",
    "seriousness": "advanced",
    "language_needs": "needs_interpreter",
    "internet_access": "phone_only",
}
DIAGNOSIS_NAME = "Cáncer de pulmón, según la señora Núñez"
ANSWER = "Sí: pedí un intérprete de español para la cita del miércoles. ¿Cuánto cuesta? Nada."
COMPARED = "El segundo médico sugirió cirugía y después quimioterapia; el primero, solo radiación."
NAME = "Ana Peña"

ALLOWED = frozenset(
    {
        # Names of places, programs, laws and things, the same in both languages.
        "english",  # the language switch says "English" in English, as it should
        "medicare",
        "medicaid",
        "nci",
        "hipaa",
        "pdq",
        "csv",
        "pdf",
        "qr",
        "ok",
    }
)
"""Words allowed on a Spanish page whatever the English texts hold."""

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
_NOT_WORDS = re.compile(
    r"https?://\S+|\S+@\S+|\b[\w.-]+\.(?:gov|org|com|edu|net)\b\S*|\+?\d[\d ().-]{6,}\d"
)
"""Addresses, e-mail addresses and phone numbers: not words in any language."""


def words(text: str) -> set[str]:
    """The words of ``text``, lower case, without addresses and phone numbers."""
    return {w.casefold() for w in _WORD.findall(_NOT_WORDS.sub(" ", text))}


def _texts(data: Any, *, any_key: bool = False) -> list[str]:
    """Every string under a key of ``TEXT_KEYS`` (or under any key, with ``any_key``)."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and (any_key or key in TEXT_KEYS):
                found.append(value)
            elif isinstance(value, dict | list):
                found += _texts(value, any_key=any_key)
    elif isinstance(data, list):
        for value in data:
            found += _texts(value, any_key=any_key)
    return found


@cache
def english_only_words() -> frozenset[str]:
    """The workbook's English words that are not also words of its Spanish.

    English: every msgid of the Spanish catalogue and every text of the English content (but not
    the titles of sources, which name English pages). Spanish: every msgstr and every text of
    the Spanish content. A word in both (a name, "no", "hospital") is not English-only.
    """
    with (LOCALE_DIR / "es" / "LC_MESSAGES" / "workbook.po").open("rb") as handle:
        catalogue = read_po(handle)
    english: set[str] = set()
    spanish: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids: Any = message.id if isinstance(message.id, tuple) else (message.id,)
        strings: Any = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= words(re.sub(r"\{\w+\}|<[^>]+>", " ", str(text)))
        for text in strings:
            spanish |= words(re.sub(r"\{\w+\}|<[^>]+>", " ", str(text or "")))
    for path in sorted(CONTENT.glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        for text in _texts(yaml.safe_load(path.read_text(encoding="utf-8"))):
            english |= words(text)
    for path in sorted((CONTENT / "translations" / "es").glob("*.yaml")):
        for text in _texts(yaml.safe_load(path.read_text(encoding="utf-8")), any_key=True):
            spanish |= words(text)
    return frozenset(english - spanish - ALLOWED)


def english_met(text: str) -> list[str]:
    """The English-only words in ``text``, with a little of the text around the first ones."""
    found = sorted(words(text) & english_only_words())
    shown = []
    for word in found[:15]:
        hit = re.search(rf"(?i)(?<![A-Za-zÀ-ÿ]){re.escape(word)}(?![A-Za-zÀ-ÿ])", text)
        around = text[max(0, hit.start() - 40) : hit.end() + 40] if hit else ""
        shown.append(f"{word!r} in …{' '.join(around.split())}…")
    return shown


_VISIBLE = """() => {
  const shown = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
  const parts = [document.body.innerText, document.title];
  document.querySelectorAll("[placeholder]").forEach((el) => {
    if (shown(el)) { parts.push(el.getAttribute("placeholder")); }
  });
  return parts.join("\\n");
}"""


def check_spanish(page: Page, where: str) -> str:
    """The page's visible text (with placeholders and title); fails on any English word."""
    text = str(page.evaluate(_VISIBLE))
    met = english_met(text)
    if met:
        screenshot(page, f"spanish-phone-english-{where}")
    assert not met, f"English words on the Spanish page ({where}):\n" + "\n".join(met)
    assert "\ufffd" not in text and "Ã" not in text, f"broken accents on the page ({where})"
    return text


def open_step(page: Page, number: int) -> None:
    """Open step ``number`` (1 to 6) by its Spanish title, and wait until it shows."""
    title = f"{number}. {_(STEP_TITLES[number - 1])}"
    page.locator(".workbook-nav").get_by_role("button", name=title, exact=True).click()
    expect(page.locator(f".{HOOKS[number - 1]}")).to_be_visible(timeout=20_000)


def wait_saved(page: Page) -> None:
    expect(page.locator(".workbook-saved [data-save=saved]")).to_have_text(
        _("Saved. All changes saved."), timeout=20_000
    )


def choose(page: Page, field_id: str, label: str) -> None:
    page.locator(f".field-{field_id}").get_by_label(label, exact=True).check()


def download_sheet(page: Page) -> tuple[str, str]:
    """Download the Letter question sheet from "Take it with you": its file name and text."""
    open_step(page, 6)
    link = page.locator(".workbook-download-sheet a").first
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=30_000) as info:
        link.click()
    download = info.value
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    return download.suggested_filename, unicodedata.normalize("NFC", text)


def without_citations(sheet: str) -> str:
    """The sheet's text before its list of sources (the last part): a source with no Spanish
    page is cited by the English title of that page (content/translations/es/sources.yaml)."""
    heading = _("Sources")
    assert heading in sheet, "the sheet cites its sources"
    return sheet.rsplit(heading, 1)[0]


def spanish_context(browser: Browser) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE,
        locale="es-US",
        extra_http_headers={"Accept-Language": "es-US,es;q=0.9"},
        accept_downloads=True,
        is_mobile=True,
        has_touch=True,
    )


def test_a_spanish_speaker_walks_the_whole_workbook_on_a_phone(
    dashboard_server: DashboardServer, browser: Browser
) -> None:
    spanish = load_content(language="es")
    labels = {f.id: {c.id: c.label for c in f.choices} for f in spanish.intake.fields}
    story = Situation.from_answers(ANSWERS, spanish.intake)
    plan = tailor(story, spanish)
    without = {k: v for k, v in ANSWERS.items() if k != "language_needs"}
    before = tailor(Situation.from_answers(without, spanish.intake), spanish).item_ids
    interpreter = [q for q in plan.questions if q.id not in before]
    assert interpreter, "needing an interpreter must add a question (issue 17)"
    question = interpreter[0]
    record = plan.records[0]

    context = spanish_context(browser)
    try:
        page = context.new_page()
        open_workbook(page, dashboard_server.url)
        expect(page.locator(".workbook-language")).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.title() == _("Second-opinion workbook")
        text = check_spanish(page, "first screen")
        assert _("Your second-opinion workbook") in text

        # 1. The situation, with an interpreter needed and a name typed with accents.
        for field_id, choice in ANSWERS.items():
            choose(page, field_id, labels[field_id][choice])
            wait_saved(page)
        name_box = page.locator(".field-diagnosis_name textarea")
        name_box.fill(DIAGNOSIS_NAME)
        name_box.press("Tab")
        wait_saved(page)
        check_spanish(page, "intake")
        screenshot(page, "spanish-phone-intake")

        # 2. Questions: the interpreter question is there; star it and write its answer.
        open_step(page, 2)
        row = page.locator(f".item-{question.id}")
        expect(row).to_be_visible()
        expect(row.locator(".workbook-question-text")).to_have_text(question.item.text)
        row.get_by_role("button", name=_("☆ Star")).click()
        expect(row.get_by_role("button", name=_("★ Starred"))).to_be_visible()
        answer = row.locator("textarea")
        answer.fill(ANSWER)
        answer.press("Tab")
        wait_saved(page)
        check_spanish(page, "questions")

        # 3. Records: one asked for.
        open_step(page, 3)
        page.locator(f".item-{record.id} select").select_option(label=_("Asked for"))
        wait_saved(page)
        check_spanish(page, "records")

        # 4. Next steps.
        open_step(page, 4)
        expect(page.locator(".workbook-timeline")).to_be_visible()
        check_spanish(page, "next steps")

        # 5. Compare: what the second doctor said.
        open_step(page, 5)
        box = page.locator(".workbook-compare-box textarea").first
        box.fill(COMPARED)
        box.press("Tab")
        wait_saved(page)
        check_spanish(page, "compare")

        # 6. Take it with you: the sheet, in Spanish, named in Spanish (no name yet).
        file_name, sheet = download_sheet(page)
        check_spanish(page, "take it with you")
        screenshot(page, "spanish-phone-export")
        token = token_of(str(page.locator(".workbook-resume-link a").get_attribute("href")))
    finally:
        context.close()

    assert file_name.startswith("segunda-opinion-cuaderno-"), file_name
    assert "-preguntas-" in file_name and file_name.endswith(".pdf"), file_name
    assert file_name.isascii() and "workbook" not in file_name, file_name
    assert _("Questions for my second opinion") in sheet
    assert question.item.text in " ".join(sheet.split()) or "intérprete" in sheet
    for typed in ("pedí un intérprete de español", "¿Cuánto cuesta?", "miércoles"):
        assert typed in sheet, f"{typed!r} is not on the sheet as typed"
    assert "\ufffd" not in sheet and "Ã" not in sheet
    met = english_met(without_citations(sheet))
    assert not met, "English words on the Spanish sheet:\n" + "\n".join(met)

    # The navigator's roster says which language the person uses; the navigator names them.
    with WorkbookStore.open(dashboard_server.data_dir, create=False) as store:
        workbook_id = store.workbook_id_for_token(token)
        assert workbook_id is not None
        desk = NavigatorDesk(store, load_content(), exports_dir=dashboard_server.data_dir.parent)
        desk.refresh()
        shown = desk.table.df  # the table the navigator sees
        assert shown is not None and "Language" in shown.columns
        assert desk.shown.set_index(ID).loc[workbook_id, "Language"] == "Español"
        desk.person.value = workbook_id
        desk.rename_to.value = NAME
        desk.rename.click()
        assert store.load(workbook_id).summary.display_name == NAME

    # The private link reopens in Spanish, even in a browser that prefers English.
    english_browser = browser.new_context(
        viewport=PHONE, locale="en-US", accept_downloads=True, is_mobile=True, has_touch=True
    )
    try:
        again = english_browser.new_page()
        open_workbook(again, f"{dashboard_server.url}#workbook={token}")
        expect(again.locator(".workbook-welcome-back")).to_contain_text(_("Welcome back"))
        expect(again.locator(".workbook-language input[type=radio], .workbook-language button"))
        check_spanish(again, "reopened")
        open_step(again, 2)
        expect(again.locator(f".item-{question.id} textarea")).to_have_value(ANSWER)
        file_name, sheet = download_sheet(again)
        check_spanish(again, "reopened, take it with you")
    finally:
        english_browser.close()

    assert "Ana-Pena" in file_name and "Pe-a" not in file_name, file_name
    assert file_name.startswith("segunda-opinion-Ana-Pena-"), file_name
    assert NAME in sheet, "the name is not printed on the sheet as written"


def test_the_english_words_list_finds_english_and_passes_spanish(content: Content) -> None:
    """The check itself: it catches the English of the page and lets the Spanish through."""
    english = content.questions[0].text
    spanish = load_content(language="es").questions[0].text
    assert english_met(english), english
    assert not english_met(spanish), spanish
    assert not english_met("Llame al 1-800-422-6237 o visite https://www.cancer.gov/espanol.")
