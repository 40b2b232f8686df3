"""The printable question sheet: a PDF to bring to the visit, with room to write the answers.

What is on it, in order: the person's name or initials and the date; a line that it is not
medical advice (also in the footer of every page); the starred questions; the other questions
that apply now and the person's own questions, by whom they are for, each with ruled lines for
the answer (and the answer already written, printed in); the records checklist with each
record's status; the key next steps from the timeline; the comparison of the two opinions, if
any of it is filled in; the sources. Layout and fonts: ``secondopinion.documents._sheet_layout``.

Example::

    pdf = question_sheet_pdf(store.load(session_id), load_content(), today=date.today())
    Path("questions.pdf").write_bytes(pdf)
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

from secondopinion.content import Content
from secondopinion.documents._sheet_layout import (
    ANSWER_INK,
    MUTED,
    PAGE_SIZES,
    RULE_GAP,
    PageSize,
    SheetPdf,
    fonts_for,
    line_height,
)
from secondopinion.language import N_, translator
from secondopinion.planning import Plan, Timeline, derive
from secondopinion.planning import long_date as _long_date
from secondopinion.store import RECORD_STATUS_LABELS, Workbook

__all__ = ["NOT_MEDICAL_ADVICE", "PAGE_SIZES", "PageSize", "question_sheet_pdf"]

NOT_MEDICAL_ADVICE: Final = N_(
    "This sheet is not medical advice. Talk over every choice with your doctors."
)
"""Printed under the title and in the footer of every page."""

TITLE: Final = N_("Questions for my second opinion")
STARRED_LINES: Final = 4  # ruled lines under a starred question with no answer yet
OTHER_LINES: Final = 3
AFTER_ANSWER_LINES: Final = 2
UNCHECKED, CHECKED, STAR = "☐", "☑", "★"
_INDENT = 7.0


_LANGUAGE: ContextVar[str] = ContextVar("sheet_language", default="en")
"""The language of the sheet being made (the content's): its fixed words come in it."""


def _(message: str) -> str:
    """``message`` in the language of the sheet being made."""
    return translator(_LANGUAGE.get()).gettext(message)


def long_date(day: dt.date) -> str:
    """A date in the words of the sheet's language."""
    return _long_date(day, _LANGUAGE.get())


@dataclass(frozen=True)
class _Question:
    text: str
    audience: str | None
    starred: bool
    asked: bool
    answer: str
    topic: str | None = None
    sources: tuple[str, ...] = ()


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
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page_size must be one of {', '.join(PAGE_SIZES)}, not {page_size!r}.")
    language = _LANGUAGE.set(content.language)
    try:
        return _sheet(workbook, content, page_size, today)
    finally:
        _LANGUAGE.reset(language)


def typed_text(workbook: Workbook) -> str:
    """Everything the person (or navigator) typed into the workbook, as one text."""
    parts: list[str] = [workbook.summary.display_name, workbook.notes]
    for value in workbook.answers.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts += [v for v in value if isinstance(v, str)]
    parts += [q.answer for q in workbook.questions.values()]
    parts += [t for q in workbook.own_questions for t in (q.text, q.answer)]
    parts += [t for r in workbook.records.values() for t in (r.from_whom, r.note)]
    parts += [entry.text for entry in workbook.comparison.values()]
    return "\n".join(p for p in parts if p)


def unprintable(workbook: Workbook) -> str:
    """The characters typed into the workbook that no font of the sheet has ('' if none)."""
    return fonts_for(typed_text(workbook))[1]


def described(characters: str, most: int = 5) -> str:
    """Characters by their names ('grinning face'), since they cannot be shown themselves."""
    names = [unicodedata.name(ch, f"U+{ord(ch):04X}").lower() for ch in characters[:most]]
    more = len(characters) - most
    return ", ".join(names) + (f" (+{more})" if more > 0 else "")


UNPRINTABLE_NOTE: Final = N_(
    "Some characters you typed cannot be printed with the fonts on this computer, so they are "
    "left blank on this sheet ({characters}). They are kept in your workbook and in the CSV."
)


def _sheet(workbook: Workbook, content: Content, page_size: PageSize, today: dt.date) -> bytes:
    derived = derive(workbook, content, today)
    plan, timeline = derived.plan, derived.timeline
    pdf = SheetPdf(
        page_size,
        _(NOT_MEDICAL_ADVICE),
        page_words=_("Page {page} of {pages}"),
        typed=typed_text(workbook),
    )
    pdf.set_title(_(TITLE))
    pdf.set_creator(_("Second-opinion workbook"))
    pdf.set_lang(content.language)
    pdf.add_page()

    cited: list[str] = []
    _title(pdf, workbook, today)
    _start_here(pdf, plan)
    questions = _questions(workbook, plan)
    _starred(pdf, content, [q for q in questions if q.starred])
    _by_audience(pdf, content, [q for q in questions if not q.starred])
    _records(pdf, content, workbook, plan, timeline)
    _next_steps(pdf, timeline)
    _comparison(pdf, content, workbook)
    cited += [s for q in questions for s in q.sources]
    cited += [s for r in plan.records for s in r.sources]
    cited += [s for step in timeline.steps if step.record_id is None for s in step.sources]
    _sources(pdf, content, cited)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- the parts


def _title(pdf: SheetPdf, workbook: Workbook, today: dt.date) -> None:
    pdf.paragraph(_(TITLE), size=20, style="B")
    pdf.ln(2)
    name = workbook.summary.display_name.strip()
    pdf.paragraph(_("Name: {name}").format(name=name or "______________________"), size=12)
    pdf.paragraph(_("Date: {date}").format(date=long_date(today)), size=12)
    pdf.ln(2)
    if pdf.missing:
        note = _(UNPRINTABLE_NOTE).format(characters=described(pdf.missing))
        pdf.paragraph(note, size=10, style="B", color=MUTED)
    pdf.paragraph(_(NOT_MEDICAL_ADVICE), size=10, style="I", color=MUTED)
    pdf.paragraph(
        _("Tick each question once you have asked it, and write the answer on the lines."),
        size=10,
        style="I",
        color=MUTED,
    )


def _start_here(pdf: SheetPdf, plan: Plan) -> None:
    """The few things to do first, on the first page; each is printed in full further on."""
    first = plan.start_here
    if not first.item_ids:
        return
    pdf.heading(_("Start here"))
    labels = {
        "questions": _("Ask first"),
        "records": _("Gather first"),
        "next_steps": _("Do first"),
    }
    for kind, chosen in first.sections():
        label = labels[kind]
        if not chosen:
            continue
        pdf.paragraph(label, size=11, style="B")
        for number, planned in enumerate(chosen, start=1):
            pdf.paragraph(f"{number}. {planned.text}", size=10.5, indent=_INDENT)
        pdf.ln(1)
    pdf.paragraph(
        _("Everything else follows, with room for your answers."),
        size=10,
        style="I",
        color=MUTED,
    )


def _questions(workbook: Workbook, plan: Plan) -> list[_Question]:
    """The questions that apply now (with what the person did) and the person's own."""
    found: list[_Question] = []
    for planned in plan.questions:
        state = workbook.questions.get(planned.id)
        found.append(
            _Question(
                text=planned.text,
                audience=planned.item.audience,
                starred=bool(state and state.starred),
                asked=bool(state and state.asked),
                answer=state.answer if state else "",
                topic=planned.item.topic,
                sources=planned.sources,
            )
        )
    found += [
        _Question(q.text, q.audience, q.starred, q.asked, q.answer) for q in workbook.own_questions
    ]
    return found


def _starred(pdf: SheetPdf, content: Content, questions: Sequence[_Question]) -> None:
    if not questions:
        return
    pdf.heading(f"{STAR} " + _("Starred questions"))
    for question in questions:
        audience = _audience_label(content, question.audience)
        _question(
            pdf,
            question,
            _("For: {whom}").format(whom=audience) if audience else None,
            STARRED_LINES,
        )


def _by_audience(pdf: SheetPdf, content: Content, questions: Sequence[_Question]) -> None:
    known = [a.id for a in content.audiences]
    for audience in content.audiences:
        chosen = [q for q in questions if q.audience == audience.id]
        if not chosen:
            continue
        pdf.heading(_("Questions for: {whom}").format(whom=audience.label))
        topic = None
        for question in chosen:
            note = None
            if question.topic is not None and question.topic != topic:
                topic = question.topic
                note = _topic_label(content, topic)
            elif question.topic is None and topic is not None:
                topic, note = None, _("Your own questions")
            _question(pdf, question, None, OTHER_LINES, subheading=note)
    own = [q for q in questions if q.audience not in known]
    if own:
        pdf.heading(_("Your own questions"))
        for question in own:
            _question(pdf, question, None, OTHER_LINES)


def _question(
    pdf: SheetPdf,
    question: _Question,
    note: str | None,
    empty_lines: int,
    *,
    subheading: str | None = None,
) -> None:
    answered = bool(question.answer.strip())
    lines = AFTER_ANSWER_LINES if answered else empty_lines
    needed = pdf.height_of(question.text, 11, indent=_INDENT) + lines * RULE_GAP + 4
    if note:
        needed += pdf.height_of(note, 9, indent=_INDENT)
    if answered:
        needed += pdf.height_of(question.answer, 10.5, indent=_INDENT)
    if subheading:
        needed += line_height(10) + 1
    pdf.keep_together(needed)
    if subheading:
        pdf.ln(1)
        pdf.paragraph(subheading, size=10, style="B", color=MUTED)
    pdf.ln(1.5)
    pdf.mark(CHECKED if question.asked else UNCHECKED)
    pdf.paragraph(question.text, indent=_INDENT)
    if note:
        pdf.paragraph(note, size=9, color=MUTED, indent=_INDENT)
    if question.answer.strip():
        pdf.paragraph(question.answer, size=10.5, color=ANSWER_INK, indent=_INDENT)
    pdf.ruled_lines(lines, indent=_INDENT)


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
            pdf.height_of(planned.text, 11, indent=_INDENT)
            + pdf.height_of(line, 9.5, indent=_INDENT)
            + 3
        )
        pdf.ln(1.5)
        pdf.mark(CHECKED if status in ("received", "sent") else UNCHECKED)
        pdf.paragraph(planned.text, indent=_INDENT)
        pdf.paragraph(line, size=9.5, color=MUTED, indent=_INDENT)
        if state and state.note.strip():
            pdf.paragraph(state.note, size=9.5, color=ANSWER_INK, indent=_INDENT)


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
        pdf.keep_together(pdf.height_of(step.text, 11, indent=_INDENT) + 2 * line_height(9.5))
        pdf.ln(1.5)
        pdf.mark(UNCHECKED)
        pdf.paragraph(step.text, indent=_INDENT)
        if head:
            pdf.paragraph(head, size=9.5, style="B", color=MUTED, indent=_INDENT)
        if step.instead:
            pdf.paragraph(step.instead, size=9.5, color=MUTED, indent=_INDENT)


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
            pdf.paragraph(f"{label}:", size=9.5, color=MUTED, indent=_INDENT)
            pdf.paragraph(text.strip() or "–", size=10.5, color=ANSWER_INK, indent=_INDENT * 2)


def _sources(pdf: SheetPdf, content: Content, cited: Iterable[str]) -> None:
    ids = [s for s in dict.fromkeys(cited) if s in content.sources]
    if not ids:
        return
    pdf.heading(_("Sources"))
    for number, source_id in enumerate(ids, start=1):
        source = content.sources[source_id]
        text = f"{source.publisher}: {source.title}."
        if source.url:
            text += f" {source.url}"
        pdf.keep_together(pdf.height_of(text, 9, indent=_INDENT))
        pdf.mark(f"{number}.", size=9)
        pdf.paragraph(text, size=9, indent=_INDENT)


def _audience_label(content: Content, audience: str | None) -> str | None:
    if audience is None:
        return None
    return next((a.label for a in content.audiences if a.id == audience), None)


def _topic_label(content: Content, topic: str) -> str:
    return next((t.label for t in content.topics if t.id == topic), topic)
