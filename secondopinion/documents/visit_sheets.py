"""Sheets that fit a visit: one page, one doctor's questions, or the questions in two languages.

- ``one_page_sheet_pdf``: "start here" and the starred questions, always on one page. When the
  starred questions do not all fit, the lines to write on shrink first (two, then one, then none:
  "write the answers on the back"); then the questions that still do not fit are left out, and
  the sheet says how many ("… and 3 more starred questions: they are on the full sheet").
- ``doctor_sheet_pdf``: only the questions for one audience (as the content names them: the
  current doctor, the second doctor, the insurance plan), starred ones first.
- ``bilingual_sheet_pdf``: every question in the person's language with its English under it,
  for the doctor and the interpreter. The person's own questions have no English: they are
  printed once, as typed.

Text the person typed (the name, their own questions, their answers) is printed exactly.

Example::

    pdf = one_page_sheet_pdf(workbook, load_content(language="es"), today=date.today())
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from secondopinion.content import Content
from secondopinion.documents._sheet_layout import MUTED, PageSize, SheetPdf
from secondopinion.documents._sheet_parts import (
    INDENT,
    STAR,
    TICK_AND_WRITE,
    TITLE,
    SheetQuestion,
    audience_label,
    by_audience,
    check_page_size,
    draw_question,
    for_whom,
    new_sheet,
    question_height,
    sheet_language,
    sheet_questions,
    sheet_title,
    sources,
    starred,
    start_here,
)
from secondopinion.documents._sheet_parts import sheet_words as _
from secondopinion.language import N_, translator
from secondopinion.planning import derive
from secondopinion.store import Workbook

__all__ = [
    "audiences_asked",
    "bilingual_sheet_pdf",
    "doctor_sheet_pdf",
    "one_page_sheet_pdf",
]

WRITE_ON_THE_BACK: Final = N_(
    "Tick each question once you have asked it, and write the answers on the back of this page."
)
MORE_STARRED: Final = (
    N_("… and {count} more starred question: it is on the full sheet."),
    N_("… and {count} more starred questions: they are on the full sheet."),
)
NONE_STARRED: Final = N_(
    "You have not starred a question yet. In step 2, “Questions to ask”, tap “☆ Star” beside "
    "the questions that matter most to you, and they will be on this page."
)
TWO_LANGUAGES: Final = N_(
    "Each question is in your language, with the English under it, for the doctor and the "
    "interpreter. The questions you wrote yourself are printed as you wrote them."
)
NONE_FOR: Final = N_("There are no questions for {whom} yet.")


def one_page_sheet_pdf(
    workbook: Workbook, content: Content, *, page_size: PageSize = "A4", today: dt.date
) -> bytes:
    """The one-page sheet: "start here" and the starred questions, as PDF bytes.

    What does not fit is named, not dropped in silence. (Only a name typed so long that it
    fills a page by itself could push the sheet onto a second page.)
    """
    check_page_size(page_size)
    with sheet_language(content.language):
        plan = derive(workbook, content, today).plan
        chosen = [q for q in sheet_questions(workbook, plan) if q.starred]
        pdf = new_sheet(workbook, content, page_size)
        sheet_title(pdf, workbook, today, hint=None, size=17)
        start_here(pdf, plan, size=10, more=False)
        if not chosen:
            pdf.heading(_("Starred questions"), size=12.5)
            pdf.paragraph(_(NONE_STARRED), size=10.5)
            return bytes(pdf.output())
        pdf.heading(f"{STAR} " + _("Starred questions"), size=12.5)
        grouped = _by_whom(content, chosen)
        lines = _most_lines(pdf, grouped)
        pdf.paragraph(_(_hint(lines)), size=10, style="I", color=MUTED)
        room = pdf.room_left
        if _fitting(pdf, grouped, lines, room, draw=False):  # some are left out: say how many
            room -= pdf.height_of(_more(content.language, 999), 10.5, "B", indent=INDENT) + 1
        left_out = _fitting(pdf, grouped, lines, room, draw=True)
        if left_out:
            more = _more(content.language, left_out)
            pdf.paragraph(more, size=10.5, style="B", color=MUTED, indent=INDENT)
        return bytes(pdf.output())


def _hint(lines: int) -> str:
    return TICK_AND_WRITE if lines else WRITE_ON_THE_BACK


def _more(language: str, count: int) -> str:
    singular, plural = MORE_STARRED
    return translator(language).ngettext(singular, plural, count).format(count=count)


def _by_whom(content: Content, chosen: Sequence[SheetQuestion]) -> list[tuple[SheetQuestion, str]]:
    """The questions in the order of their audiences, each with the group it is printed in."""
    order = {a.id: number for number, a in enumerate(content.audiences)}
    ordered = sorted(chosen, key=lambda q: order.get(q.audience or "", len(order)))
    return [(q, for_whom(content, q.audience) or _("Your own questions")) for q in ordered]


def _most_lines(pdf: SheetPdf, grouped: Sequence[tuple[SheetQuestion, str]]) -> int:
    """The most lines to write on under each question (2, then 1) with which all fit, or 0."""
    for lines in (2, 1):
        room = pdf.room_left - pdf.height_of(_(_hint(lines)), 10, "I")
        if not _fitting(pdf, grouped, lines, room, draw=False):
            return lines
    return 0


def _fitting(
    pdf: SheetPdf,
    grouped: Sequence[tuple[SheetQuestion, str]],
    lines: int,
    room: float,
    *,
    draw: bool,
) -> int:
    """How many questions do not fit in ``room``; those that fit are drawn if ``draw``.

    They are taken in order, each group under its heading; one that does not fit is skipped.
    """
    shown_group = None
    left_out = 0
    for question, group in grouped:
        heading = group if group != shown_group else None
        height = question_height(pdf, question, None, lines, subheading=heading)
        if height > room:
            left_out += 1
            continue
        if draw:
            draw_question(pdf, question, None, lines, subheading=heading)
        room -= height
        shown_group = group
    return left_out


def doctor_sheet_pdf(
    workbook: Workbook,
    content: Content,
    audience: str,
    *,
    page_size: PageSize = "A4",
    today: dt.date,
) -> bytes:
    """Only the questions for ``audience`` (an audience id of the content), as PDF bytes.

    The starred ones come first, then the others by topic, then the person's own questions for
    that audience. ValueError if the content has no such audience.
    """
    check_page_size(page_size)
    label = audience_label(content, audience)
    if label is None:
        known = ", ".join(a.id for a in content.audiences)
        raise ValueError(f"audience must be one of {known}, not {audience!r}.")
    with sheet_language(content.language):
        plan = derive(workbook, content, today).plan
        chosen = [q for q in sheet_questions(workbook, plan) if q.audience == audience]
        pdf = new_sheet(workbook, content, page_size)
        sheet_title(pdf, workbook, today, subtitle=_("For: {whom}").format(whom=label))
        if not chosen:
            pdf.ln(4)
            pdf.paragraph(_(NONE_FOR).format(whom=label))
        starred(pdf, content, [q for q in chosen if q.starred], say_for_whom=False)
        by_audience(pdf, content, [q for q in chosen if not q.starred])
        sources(pdf, content, [s for q in chosen for s in q.sources])
        return bytes(pdf.output())


def bilingual_sheet_pdf(
    workbook: Workbook,
    content: Content,
    english: Content,
    *,
    page_size: PageSize = "A4",
    today: dt.date,
) -> bytes:
    """Every question in the workbook's language with its English under it, as PDF bytes.

    ``content`` is in the person's language, ``english`` is ``load_content(language="en")``.
    The starred questions come first, then the others by whom they are for. The headings carry
    their English too; the person's own questions and every answer are printed once, as typed.
    """
    check_page_size(page_size)
    if english.language != "en":
        raise ValueError(f"english must be the English content, not {english.language!r}.")
    with sheet_language(content.language):
        plan = derive(workbook, content, today).plan
        in_english = {q.id: q.text for q in derive(workbook, english, today).plan.questions}
        questions = sheet_questions(workbook, plan, in_english)
        pdf = new_sheet(workbook, content, page_size)
        sheet_title(pdf, workbook, today, english_title=TITLE)
        for words in dict.fromkeys((_(TWO_LANGUAGES), TWO_LANGUAGES)):  # once if in English
            pdf.paragraph(words, size=10, style="I", color=MUTED)
        starred(pdf, content, [q for q in questions if q.starred], english=english)
        by_audience(pdf, content, [q for q in questions if not q.starred], english=english)
        sources(pdf, content, [s for q in questions for s in q.sources])
        return bytes(pdf.output())


def audiences_asked(workbook: Workbook, content: Content, today: dt.date) -> tuple[str, ...]:
    """The audiences (ids, in the content's order) that have at least one question now.

    Those are the choices of "for one doctor": the content's questions that apply, and the
    person's own questions, each name the audience they are for.
    """
    plan = derive(workbook, content, today).plan
    named = {q.item.audience for q in plan.questions}
    named |= {q.audience for q in workbook.own_questions if q.audience}
    return tuple(a.id for a in content.audiences if a.id in named)
