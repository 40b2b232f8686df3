"""Sheets that fit a visit, read back with pypdf: one page, one doctor, two languages; step 6."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from secondopinion import Content, load_content
from secondopinion.documents.downloads import Sheet, make_downloads
from secondopinion.documents.visit_sheets import (
    audiences_asked,
    bilingual_sheet_pdf,
    doctor_sheet_pdf,
    one_page_sheet_pdf,
)
from secondopinion.language import translator
from secondopinion.planning import derive
from secondopinion.store import Workbook, WorkbookStore
from widgets.app import WorkbookApp
from widgets.workbook_state import WorkbookState

pytestmark = pytest.mark.sqlite_only(reason="the sheets are made from a loaded workbook")

TODAY = dt.date(2026, 1, 12)
ANSWERS = {
    "diagnosis_kind": "cancer",
    "tests_done": ["biopsy", "imaging"],
    "insurance": "medicare",
    "treatment_status": "not_started",
    "time_to_decide": "weeks",
    "decision_date": "2026-02-20",
}
TYPED = 'Can my sister come? <b>café</b> & "50 %" — ¿sí?'
"""An own question as typed: markup-like, quoted, accented; it must print exactly so."""
A4 = (595.28, 841.89)  # points
LETTER = (612.0, 792.0)


def pages_of(data: bytes) -> list[str]:
    """The text of each page, as pypdf extracts it (NFC, as typed text is kept)."""
    reader = PdfReader(io.BytesIO(data))
    return [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def text_of(data: bytes) -> str:
    return flat(" ".join(pages_of(data)))


def starred_workbook(store: WorkbookStore, content: Content, language: str = "en") -> Workbook:
    """Every question that applies starred, one answered, and two own questions starred."""
    summary, _ = store.create_workbook("Ana Peña", "patient", language)
    store.set_answers(summary.id, ANSWERS)
    plan = derive(store.load(summary.id), content, TODAY).plan
    for planned in plan.questions:
        store.set_question(summary.id, planned.id, starred=True)
    store.set_question(summary.id, plan.questions[0].id, asked=True, answer="She said: yes.")
    own = store.add_own_question(summary.id, TYPED, "insurer")
    store.set_own_question(summary.id, own, starred=True)
    store.add_own_question(summary.id, "Who reads my scans?", "second_doctor")
    return store.load(summary.id)


def starred_part(text: str, heading: str) -> str:
    """The sheet's text from its starred questions' heading on."""
    assert heading in text, f"no {heading!r} on the sheet"
    return text.split(heading, 1)[1]


# --------------------------------------------------------------------------- one page


@pytest.mark.parametrize(("paper", "size"), [("A4", A4), ("Letter", LETTER)])
def test_many_starred_questions_fit_one_page_and_the_rest_are_counted(
    store: WorkbookStore, content: Content, paper: str, size: tuple[float, float]
) -> None:
    workbook = starred_workbook(store, content)
    data = one_page_sheet_pdf(workbook, content, page_size=paper, today=TODAY)  # type: ignore[arg-type]
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (
        round(size[0], 1),
        round(size[1], 1),
    )
    text = text_of(data)
    plan = derive(workbook, content, TODAY).plan
    for _, chosen in plan.start_here.sections():  # "start here" is all there
        for planned in chosen:
            assert flat(planned.text) in text, planned.id
    starred = [q.text for q in plan.questions] + [TYPED]
    shown = [q for q in starred if flat(q) in starred_part(text, "★ Starred questions")]
    left_out = re.search(r"… and (\d+) more starred questions: they are on the full sheet\.", text)
    assert left_out, text[-400:]
    assert 3 <= len(shown) < len(starred)
    assert len(shown) + int(left_out.group(1)) == len(starred)
    assert "write the answers on the back of this page" in text
    assert "Who reads my scans?" not in text  # not starred
    assert "This sheet is not medical advice." in text and "Page 1 of 1" in text


def test_a_few_starred_questions_all_fit_with_lines_to_write_on(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.set_answers(summary.id, ANSWERS)
    plan = derive(store.load(summary.id), content, TODAY).plan
    chosen = [plan.questions[-1], plan.questions[-2]]
    for planned in chosen:
        store.set_question(summary.id, planned.id, starred=True)
    own = store.add_own_question(summary.id, TYPED, None)
    store.set_own_question(summary.id, own, starred=True)
    workbook = store.load(summary.id)
    data = one_page_sheet_pdf(workbook, content, today=TODAY)
    assert len(pages_of(data)) == 1
    part = starred_part(text_of(data), "★ Starred questions")
    for planned in chosen:
        assert flat(planned.text) in part
    assert TYPED in part  # printed exactly as typed
    assert "Your own questions" in part  # for no one in particular
    assert "more starred" not in part
    assert "write the answer on the lines" in part


def test_with_no_starred_question_the_page_says_how_to_star_one(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.set_answers(summary.id, ANSWERS)
    text = text_of(one_page_sheet_pdf(store.load(summary.id), content, today=TODAY))
    assert "Start here" in text
    assert "You have not starred a question yet." in text
    assert "“☆ Star”" in text


def test_the_one_page_sheet_in_spanish_says_in_spanish_what_is_left_out(
    store: WorkbookStore,
) -> None:
    spanish = load_content(language="es")
    workbook = starred_workbook(store, spanish, "es")
    pages = pages_of(one_page_sheet_pdf(workbook, spanish, today=TODAY))
    assert len(pages) == 1
    text = flat(pages[0])
    assert "Empiece aquí" in text and "Preguntas marcadas con estrella" in text
    assert re.search(
        r"… y \d+ preguntas más marcadas con estrella: están en la hoja completa", text
    )
    assert "escriba las respuestas al reverso de esta hoja" in text
    assert "Página 1 de 1" in text


# --------------------------------------------------------------------------- one doctor


def test_the_sheet_for_one_doctor_holds_only_that_audiences_questions(
    store: WorkbookStore, content: Content
) -> None:
    workbook = starred_workbook(store, content)
    plan = derive(workbook, content, TODAY).plan
    own = {q.text: q.audience for q in workbook.own_questions}
    asked = audiences_asked(workbook, content, TODAY)
    assert asked == ("current_doctor", "second_doctor", "insurer")
    for audience in asked:
        text = text_of(doctor_sheet_pdf(workbook, content, audience, today=TODAY))
        label = content.label(audience)
        assert f"For: {label}" in text
        for planned in plan.questions:
            if planned.item.audience == audience:
                assert flat(planned.text) in text, (audience, planned.id)
            else:
                assert flat(planned.text) not in text, (audience, planned.id)
        for typed, whom in own.items():
            assert (typed in text) == (whom == audience), (audience, typed)
        for other in content.audiences:
            if other.id != audience:
                assert other.label not in text, (audience, other.id)
        assert "Start here" not in text and "Records to gather" not in text


def test_the_insurers_sheet_is_short_and_an_unknown_audience_is_refused(
    store: WorkbookStore, content: Content
) -> None:
    workbook = starred_workbook(store, content)
    assert len(pages_of(doctor_sheet_pdf(workbook, content, "insurer", today=TODAY))) <= 3
    with pytest.raises(ValueError, match="audience must be one of"):
        doctor_sheet_pdf(workbook, content, "the_nurse", today=TODAY)


def test_an_audience_with_only_the_persons_own_questions_is_offered(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.add_own_question(summary.id, TYPED, "insurer")
    workbook = store.load(summary.id)
    plan = derive(workbook, content, TODAY).plan
    expected = {q.item.audience for q in plan.questions} | {"insurer"}
    assert set(audiences_asked(workbook, content, TODAY)) == expected
    assert TYPED in text_of(doctor_sheet_pdf(workbook, content, "insurer", today=TODAY))


# --------------------------------------------------------------------------- two languages


def test_the_bilingual_sheet_holds_the_spanish_and_the_english_of_each_question(
    store: WorkbookStore, content: Content
) -> None:
    spanish = load_content(language="es")
    workbook = starred_workbook(store, spanish, "es")
    data = bilingual_sheet_pdf(workbook, spanish, content, today=TODAY)
    text = text_of(data)
    plan = derive(workbook, spanish, TODAY).plan
    for planned in plan.questions:
        english = content.item(planned.id).text
        assert flat(planned.text) in text, planned.id
        assert flat(english) in text, planned.id
        # the English comes right under its Spanish
        assert text.index(flat(english)) > text.index(flat(planned.text)), planned.id
    assert text.count(TYPED) == 1  # the person's own question: once, as typed
    assert text.count("Who reads my scans?") == 1
    assert "She said: yes." in text
    assert "Preguntas para mi segunda opinión" in text and "Questions for my second opinion" in text
    assert "★ Preguntas marcadas con estrella / Starred questions" in text
    assert "Para: Su médico actual / For: Your current doctor" in text
    second = f"{spanish.label('second_doctor')} / Questions for: {content.label('second_doctor')}"
    assert f"Preguntas para: {second}" in text  # the heading of the questions not starred
    assert "Registros" not in text and "Key next steps" not in text  # questions only
    assert "Página 1 de" in text


def test_the_bilingual_sheet_needs_the_english_content(
    store: WorkbookStore, content: Content
) -> None:
    spanish = load_content(language="es")
    workbook = starred_workbook(store, spanish, "es")
    with pytest.raises(ValueError, match="English content"):
        bilingual_sheet_pdf(workbook, spanish, spanish, today=TODAY)


# --------------------------------------------------------------------------- downloads


def test_a_spanish_workbooks_downloads_have_every_sheet_and_their_page_counts(
    store: WorkbookStore, content: Content
) -> None:
    spanish = load_content(language="es")
    workbook = starred_workbook(store, spanish, "es")
    files = make_downloads(workbook, spanish, TODAY, paper="A4", english=content)
    assert files.paper == "A4"
    assert files.bilingual is not None
    assert list(files.for_audience) == list(audiences_asked(workbook, spanish, TODAY))
    sheets = [files.full, files.one_page, files.bilingual, *files.for_audience.values()]
    for sheet in sheets:
        assert sheet.pages == len(PdfReader(io.BytesIO(sheet.pdf)).pages) >= 1
    assert files.one_page.pages == 1
    assert files.full.pages > files.one_page.pages
    assert Sheet.of(files.full.pdf) == files.full


def links(value: str) -> dict[str, tuple[str, bytes]]:
    """The PDF links of a piece of the page, by their hook class: (file name, PDF bytes)."""
    found = {}
    for hook, name, encoded in re.findall(
        r'class="workbook-button (workbook-sheet-[a-z-]+)" download="([^"]+)" '
        r'href="data:application/pdf;base64,([^"]+)"',
        value,
    ):
        found[hook] = (name, base64.b64decode(encoded))
    return found


def test_step_6_offers_each_sheet_on_the_paper_chosen_and_one_doctor_at_a_time(
    tmp_path: Path,
) -> None:
    spanish = load_content(language="es")
    state = WorkbookState(WorkbookStore.open(tmp_path / "data"), spanish, language="es")
    app = WorkbookApp(state, link_base="http://127.0.0.1:8866/")
    state.set_answer("diagnosis_kind", "cancer")
    question = state.plan.questions[0]
    state.set_question(question.id, starred=True)
    app.go_to(5)
    panel = app.export_panel
    _ = translator("es").gettext
    shown = links(panel.download_sheet.value)
    assert list(shown) == [
        "workbook-sheet-full",
        "workbook-sheet-one-page",
        "workbook-sheet-bilingual",
    ]
    name, one_page = shown["workbook-sheet-one-page"]
    assert name.endswith("-preguntas-una-hoja-Letter.pdf"), name
    assert len(pages_of(one_page)) == 1
    assert "Imprimir una sola hoja" in panel.download_sheet.value
    bilingual = text_of(shown["workbook-sheet-bilingual"][1])
    english = load_content().item(question.id).text
    assert flat(question.text) in bilingual and flat(english) in bilingual
    # one doctor: the person picks whom
    assert panel.for_one.layout.display is None
    assert state.workbook is not None
    assert [v for _, v in panel.audience.options] == list(
        audiences_asked(state.workbook, spanish, dt.date.today())
    )
    for label, audience in panel.audience.options:
        panel.audience.value = audience
        ((hook, (name, data)),) = links(panel.download_for_one.value).items()
        assert hook == "workbook-sheet-for-one"
        assert _("For: {whom}").format(whom=label) in text_of(data)
        assert file_name_part_of(label) in name
    # another paper: every sheet again, on A4
    panel.paper.value = "A4"
    name, full = links(panel.download_sheet.value)["workbook-sheet-full"]
    assert name.endswith("-preguntas-A4.pdf"), name
    box = PdfReader(io.BytesIO(full)).pages[0].mediabox
    assert round(float(box.width), 1) == round(A4[0], 1)
    assert "Papel" in str(panel.paper.description)


def file_name_part_of(label: str) -> str:
    from widgets.steps.export_panel import file_name_part

    return file_name_part(label.split("(")[0])
