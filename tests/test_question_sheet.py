"""The printable question sheet: what is on it (read back with pypdf), wrapping, paper, CLI."""

from __future__ import annotations

import datetime as dt
import io
import re
import stat
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from secondopinion import Content, Situation, tailor
from secondopinion.cli import main
from secondopinion.documents._sheet_layout import MARGIN
from secondopinion.documents.question_sheet import NOT_MEDICAL_ADVICE, question_sheet_pdf
from secondopinion.store import RECORD_STATUS_LABELS, Workbook, WorkbookStore

pytestmark = pytest.mark.sqlite_only(reason="the command-line tests read the store by its folder")

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 1, 12)
MM = 72 / 25.4  # points in a millimetre
PAGE_SIZES = [("A4", 210, 297), ("Letter", 216, 279)]
ANSWERS = {
    "diagnosis_kind": "cancer",
    "tests_done": ["biopsy", "imaging"],
    "insurance": "medicare",
    "treatment_status": "not_started",
    "time_to_decide": "weeks",
    "decision_date": "2026-02-20",
}
# 600 characters of distinct words, so every word can be found in the extracted text
LONG_WORDS = [f"word{n:03d}" for n in range(200)]
LONG_QUESTION = " ".join(LONG_WORDS)[:599] + "?"
A4 = (595.28, 841.89)  # points
LETTER = (612.0, 792.0)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def book(store: WorkbookStore) -> Workbook:
    summary, _ = store.create_workbook("Zoë Ωmega Ягода", "patient")
    sid = summary.id
    store.set_answers(sid, ANSWERS)
    store.set_question(sid, "q_how_sure", starred=True, asked=True, answer="Quite sure, café.")
    store.set_question(sid, "q_goal_of_treatment", answer="To cure it, she said.")
    store.set_question(sid, "q_gone_from_content", answer="Not shown: it does not apply now.")
    own = store.add_own_question(sid, LONG_QUESTION, "second_doctor")
    store.set_own_question(sid, own, starred=True)
    store.add_own_question(sid, "Can my sister come in with me?", None)
    store.set_record(sid, "r_slides", status="requested", from_whom="City Lab")
    store.set_record(sid, "r_pathology_report", status="received")
    store.set_record(sid, "r_imaging_files", status="sent")
    store.set_comparison(sid, "first", "diagnosis", "Stage II ductal carcinoma")
    store.set_comparison(sid, "second", "diagnosis", "Stage IIA, same type")
    return store.load(sid)


def pdf_text(data: bytes) -> list[str]:
    """The text of each page, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_sheet_has_the_starred_questions_first_then_the_rest(
    book: Workbook, content: Content
) -> None:
    pages = pdf_text(question_sheet_pdf(book, content, today=TODAY))
    text = flat(" ".join(pages))
    assert "Zoë Ωmega Ягода" in text
    assert "Monday, January 12, 2026" in text
    starred = content.item("q_how_sure").text
    assert starred in text
    first_other = text.index("Questions for:")
    assert text.index(starred) < first_other
    assert text.index(LONG_WORDS[0]) < first_other
    # every question that applies now is on it, and the person's own
    situation = Situation.from_answers(book.answers, content.intake)
    for planned in tailor(situation, content).questions:
        assert flat(planned.text) in text, planned.id
    assert "Can my sister come in with me?" in text


def test_written_answers_and_record_statuses_are_printed(book: Workbook, content: Content) -> None:
    text = flat(" ".join(pdf_text(question_sheet_pdf(book, content, today=TODAY))))
    assert "Quite sure, café." in text
    assert "To cure it, she said." in text
    assert "Not shown" not in text
    assert f"Status: {RECORD_STATUS_LABELS['requested']}" in text
    assert "From: City Lab" in text
    assert f"Status: {RECORD_STATUS_LABELS['received']}" in text
    assert f"Status: {RECORD_STATUS_LABELS['sent']}" in text
    assert f"Status: {RECORD_STATUS_LABELS['needed']}" in text  # records not touched yet
    assert "Stage II ductal carcinoma" in text and "Stage IIA, same type" in text
    assert "Key next steps" in text
    assert "Decide about treatment." in text
    assert "Sources" in text and "https://www.hhs.gov/hipaa/" in text


def test_every_page_says_it_is_not_medical_advice(book: Workbook, content: Content) -> None:
    pages = pdf_text(question_sheet_pdf(book, content, today=TODAY))
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert NOT_MEDICAL_ADVICE in flat(page), f"page {number}"
        assert f"Page {number} of {len(pages)}" in page


def test_a_600_character_question_wraps_onto_several_lines_and_loses_nothing(
    book: Workbook, content: Content
) -> None:
    assert len(LONG_QUESTION) == 600
    text = "\n".join(pdf_text(question_sheet_pdf(book, content, today=TODAY)))
    lines = [line for line in text.splitlines() if re.search(r"word\d{3}", line)]
    assert len(lines) >= 5
    # every word, in order: nothing cut off at the edge of the page
    found = re.findall(r"word\d{3}", text)
    expected = re.findall(r"word\d{3}", LONG_QUESTION)
    assert found == expected


@pytest.mark.parametrize(("size", "points"), [("A4", A4), ("Letter", LETTER)])
def test_both_paper_sizes_and_no_text_outside_the_page(
    size: str, points: tuple[float, float], book: Workbook, content: Content
) -> None:
    data = question_sheet_pdf(book, content, page_size=size, today=TODAY)  # type: ignore[arg-type]
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == (round(points[0], 1), round(points[1], 1))
        spots: list[tuple[float, float]] = []

        def visit(text: str, cm: object, tm: list[float], *_: object) -> None:
            if text.strip():
                spots.append((tm[4], tm[5]))  # noqa: B023

        page.extract_text(visitor_text=visit)
        assert spots
        margin = 18 * 72 / 25.4  # 18 mm
        for x, y in spots:
            assert margin - 1 <= x <= width - margin
            assert 0 < y <= height - margin + 1


def test_a_name_in_hebrew_and_a_very_long_answer_print(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("שרה כהן", "patient")
    store.set_question(summary.id, "q_how_sure", starred=True, answer="long " * 4000 + "END")
    store.add_own_question(summary.id, "Bad \x00 input <script>x</script> \ud800 ok", None)
    data = question_sheet_pdf(store.load(summary.id), content, page_size="Letter", today=TODAY)
    text = flat(" ".join(pdf_text(data)))
    assert "END" in text
    assert "<script>x</script>" in text
    assert len(PdfReader(io.BytesIO(data)).pages) > 3


def test_an_empty_workbook_still_makes_a_sheet(store: WorkbookStore, content: Content) -> None:
    summary, _ = store.create_workbook("", "patient")
    text = flat(
        " ".join(pdf_text(question_sheet_pdf(store.load(summary.id), content, today=TODAY)))
    )
    assert "Name: ___" in text
    assert "Ask your current doctor how long it is safe to wait" in text
    assert "Comparing the two opinions" not in text


def test_an_unknown_page_size_is_refused(book: Workbook, content: Content) -> None:
    with pytest.raises(ValueError, match="A4, Letter"):
        question_sheet_pdf(book, content, page_size="A5", today=TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(("page_size", "width_mm", "height_mm"), PAGE_SIZES)
def test_every_page_renders_with_its_ink_inside_the_margins(
    book: Workbook, content: Content, page_size: str, width_mm: float, height_mm: float
) -> None:
    """Rendered with PDFium: the right paper size, text on every page, none past the margins."""
    document = pdfium.PdfDocument(
        question_sheet_pdf(book, content, page_size=page_size, today=TODAY)  # type: ignore[arg-type]
    )
    assert len(document) >= 2
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()  # points
        assert (round(width / MM), round(height / MM)) == (width_mm, height_mm)
        scale = 2.0
        ink = page.render(scale=scale, grayscale=True).to_pil().point(lambda v: 255 * (v < 128))
        box = ink.getbbox()
        assert box is not None, f"page {index + 1} is blank"
        left, top, right, bottom = (edge / scale / MM for edge in box)
        room = MARGIN - 1  # mm; anti-aliasing may reach just past the margin
        assert left >= room and top >= room, (page_size, index + 1, box)
        assert right <= width_mm - room and bottom <= height_mm - room, (page_size, index + 1, box)


# --------------------------------------------------------------------------- command line


def command(*args: str | Path) -> int:
    return main([str(a) for a in args])


def test_the_sheet_command_writes_an_owner_only_pdf(
    book: Workbook, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "sheet.pdf"
    assert command("sheet", "--workbook", book.id, "--out", out, "--data", folder) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "Saved" in capsys.readouterr().out
    reader = PdfReader(out)
    assert round(float(reader.pages[0].mediabox.height)) == round(A4[1])
    assert "Quite sure, café." in flat(" ".join(p.extract_text() for p in reader.pages))
    letter = tmp_path / "letter.pdf"
    args = ("sheet", "--workbook", book.id, "--out", letter, "--data", folder)
    assert command(*args, "--page-size", "Letter") == 0
    assert round(float(PdfReader(letter).pages[0].mediabox.height)) == round(LETTER[1])


def test_the_sheet_command_runs_as_a_program(book: Workbook, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    args = ["sheet", "--workbook", book.id, "--out", str(out), "--data", str(folder)]
    done = subprocess.run(
        [sys.executable, "-m", "secondopinion", *args, "--page-size", "Letter"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_the_sheet_command_names_an_unknown_workbook(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with WorkbookStore.open(folder):
        pass
    out = tmp_path / "x.pdf"
    assert command("sheet", "--workbook", "0123456789ab", "--out", out, "--data", folder) == 1
    assert "There is no workbook with the id '0123456789ab'" in capsys.readouterr().err
    assert not out.exists()


def test_answers_in_chinese_and_hindi_print_and_what_no_font_has_is_named_not_dropped(
    store: WorkbookStore, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Letters DejaVu Sans lacks are set in an installed Noto font; what no font has is said."""
    from secondopinion.documents import _sheet_layout as layout

    if not layout._installed_fallbacks():
        pytest.skip("Debian's Noto fonts are not installed (make fonts installs them)")
    summary, _ = store.create_workbook("王小明", "patient")
    store.set_question(summary.id, "q_how_sure", starred=True, answer="我的诊断是什么 नमस्ते")
    store.set_notes(summary.id, "ok \U00013000")  # an Egyptian hieroglyph: no font here
    book = store.load(summary.id)
    data = question_sheet_pdf(book, content, page_size="A4", today=TODAY)
    text = flat(" ".join(pdf_text(data))).replace("\x00", "")
    assert "王小明" in text and "我的诊断是什么" in text
    assert "न" in text  # Devanagari letters are in the sheet (unshaped, like Arabic)
    assert "egyptian hieroglyph a001" in text  # named where it cannot be printed
    fonts = {f for page in PdfReader(io.BytesIO(data)).pages for f in page["/Resources"]["/Font"]}
    assert len(fonts) >= 3
    from secondopinion.documents.question_sheet import unprintable

    assert unprintable(book) == "\U00013000"
    # without the fallback fonts, the sheet says which characters it cannot print
    monkeypatch.setattr(layout, "_installed_fallbacks", list)
    data = question_sheet_pdf(book, content, page_size="A4", today=TODAY)
    text = flat(" ".join(pdf_text(data))).replace("\x00", "")
    assert "cannot be printed" in text and "cjk unified ideograph" in text
