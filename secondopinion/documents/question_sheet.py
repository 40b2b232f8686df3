"""The printable question sheet: a PDF to bring to the visit, with room to write the answers.

What is on it, in order: the person's name or initials and the date; a line that it is not
medical advice (also in the footer of every page); the starred questions; the other questions
that apply now and the person's own questions, by whom they are for, each with ruled lines for
the answer (and the answer already written, printed in); the records checklist with each
record's status; the key next steps from the timeline; the comparison of the two opinions, if
any of it is filled in; the sources. Layout and fonts: ``secondopinion.documents._sheet_layout``.
The shorter sheets (one page, one doctor's questions, two languages) are in
``secondopinion.documents.visit_sheets``; they are made of the parts below.

Example::

    pdf = question_sheet_pdf(store.load(session_id), load_content(), today=date.today())
    Path("questions.pdf").write_bytes(pdf)
"""

from __future__ import annotations

import datetime as dt

from secondopinion.content import Content
from secondopinion.documents._sheet_layout import (
    ANSWER_INK,
    MUTED,
    PAGE_SIZES,
    PageSize,
    SheetPdf,
    line_height,
)
from secondopinion.documents._sheet_parts import (
    CHECKED,
    INDENT,
    NOT_MEDICAL_ADVICE,
    UNCHECKED,
    UNPRINTABLE_NOTE,
    by_audience,
    check_page_size,
    described,
    long_date,
    new_sheet,
    sheet_language,
    sheet_questions,
    sheet_title,
    sources,
    starred,
    start_here,
    typed_text,
    unprintable,
)
from secondopinion.documents._sheet_parts import sheet_words as _
from secondopinion.planning import Plan, Timeline, derive
from secondopinion.store import RECORD_STATUS_LABELS, Workbook

__all__ = [
    "NOT_MEDICAL_ADVICE",
    "PAGE_SIZES",
    "UNPRINTABLE_NOTE",
    "PageSize",
    "described",
    "question_sheet_pdf",
    "typed_text",
    "unprintable",
]


def question_sheet_pdf(
    workbook: Workbook,
    content: Content,
    *,
    page_size: PageSize = "A4",
    today: dt.date,
) -> bytes:
    """The question sheet for one workbook as PDF bytes, on A4 or US Letter paper.

    ``today`` is the date printed on it and the date the timeline's steps are worked out from.
    """
    check_page_size(page_size)
    with sheet_language(content.language):
        return _sheet(workbook, content, page_size, today)


def _sheet(workbook: Workbook, content: Content, page_size: PageSize, today: dt.date) -> bytes:
    derived = derive(workbook, content, today)
    plan, timeline = derived.plan, derived.timeline
    pdf = new_sheet(workbook, content, page_size)
    cited: list[str] = []
    sheet_title(pdf, workbook, today)
    start_here(pdf, plan)
    questions = sheet_questions(workbook, plan)
    starred(pdf, content, [q for q in questions if q.starred])
    by_audience(pdf, content, [q for q in questions if not q.starred])
    _records(pdf, content, workbook, plan, timeline)
    _next_steps(pdf, timeline)
    _comparison(pdf, content, workbook)
    cited += [s for q in questions for s in q.sources]
    cited += [s for r in plan.records for s in r.sources]
    cited += [s for step in timeline.steps if step.record_id is None for s in step.sources]
    sources(pdf, content, cited)
    return bytes(pdf.output())


def _records(
    pdf: SheetPdf, content: Content, workbook: Workbook, plan: Plan, timeline: Timeline
) -> None:
    if not plan.records:
        return
    pdf.heading(_("Records to gather"))
    ask_by = {record: step for step in timeline.steps for record in step.record_ids}
    for planned in plan.records:
        state = workbook.records.get(planned.id)
        status = state.status if state else "needed"
        details = [_("Status: {status}").format(status=_(RECORD_STATUS_LABELS[status]))]
        if state and state.from_whom.strip():
            details.append(_("From: {whom}").format(whom=state.from_whom.strip()))
        if state and state.requested_on:
            details.append(_("Asked for on: {date}").format(date=long_date(state.requested_on)))
        step = ask_by.get(planned.id)
        if status == "needed" and step is not None and step.date is not None:
            late = f" ({step.status_label})" if step.status != "ok" else ""
            details.append(_("Do by: {date}").format(date=long_date(step.date)) + late)
        line = "   ·   ".join(details)
        pdf.keep_together(
            pdf.height_of(planned.text, 11, indent=INDENT)
            + pdf.height_of(line, 9.5, indent=INDENT)
            + 3
        )
        pdf.ln(1.5)
        pdf.mark(CHECKED if status in ("received", "sent") else UNCHECKED)
        pdf.paragraph(planned.text, indent=INDENT)
        pdf.paragraph(line, size=9.5, color=MUTED, indent=INDENT)
        if state and state.note.strip():
            pdf.paragraph(state.note, size=9.5, color=ANSWER_INK, indent=INDENT)


def _next_steps(pdf: SheetPdf, timeline: Timeline) -> None:
    steps = [step for step in timeline.steps if step.record_id is None]
    pdf.heading(_("Key next steps"))
    pdf.paragraph(timeline.message, size=10.5)
    if any(step.record_id for step in timeline.steps):
        pdf.paragraph(
            _("The date to ask for each record is in the list of records above."),
            size=10.5,
        )
    for step in steps:
        when = long_date(step.date) if step.date else None
        label = step.status_label if step.status in ("tight", "past") else None
        head = " · ".join(part for part in (when, label) if part)
        pdf.keep_together(pdf.height_of(step.text, 11, indent=INDENT) + 2 * line_height(9.5))
        pdf.ln(1.5)
        pdf.mark(UNCHECKED)
        pdf.paragraph(step.text, indent=INDENT)
        if head:
            pdf.paragraph(head, size=9.5, style="B", color=MUTED, indent=INDENT)
        if step.instead:
            pdf.paragraph(step.instead, size=9.5, color=MUTED, indent=INDENT)


def _comparison(pdf: SheetPdf, content: Content, workbook: Workbook) -> None:
    if not any(entry.text.strip() for entry in workbook.comparison.values()):
        return
    pdf.heading(_("Comparing the two opinions"))
    for aspect in content.compare.aspects:
        written = [
            (opinion.label, workbook.compared(opinion.id, aspect.id))
            for opinion in content.compare.opinions
        ]
        if not any(text.strip() for _, text in written):
            continue
        pdf.keep_together(line_height(11) * 3 + 4)
        pdf.ln(1.5)
        pdf.paragraph(aspect.label, style="B")
        for label, text in written:
            pdf.paragraph(f"{label}:", size=9.5, color=MUTED, indent=INDENT)
            pdf.paragraph(text.strip() or "–", size=10.5, color=ANSWER_INK, indent=INDENT * 2)
