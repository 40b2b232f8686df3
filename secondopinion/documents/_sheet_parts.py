"""The parts every question sheet is made of: the title, "start here", the questions, sources.

``secondopinion.documents.question_sheet`` (the full sheet) and
``secondopinion.documents.visit_sheets`` (one page, one doctor, two languages) put them together.
The sheet's fixed words and dates come in the language set by ``sheet_language``; the
content's words come already in that language. Text the person typed is printed as typed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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
)
from secondopinion.language import N_, translator
from secondopinion.planning import Plan
from secondopinion.planning import long_date as _long_date
from secondopinion.store import Workbook

NOT_MEDICAL_ADVICE: Final = N_(
    "This sheet is not medical advice. Talk over every choice with your doctors."
)
"""Printed under the title and in the footer of every page."""

TITLE: Final = N_("Questions for my second opinion")
STARRED_LINES: Final = 4  # ruled lines under a starred question with no answer yet
OTHER_LINES: Final = 3
AFTER_ANSWER_LINES: Final = 2
UNCHECKED, CHECKED, STAR = "☐", "☑", "★"
INDENT = 7.0


_LANGUAGE: ContextVar[str] = ContextVar("sheet_language", default="en")
"""The language of the sheet being made (the content's): its fixed words come in it."""


def sheet_words(message: str) -> str:
    """``message`` in the language of the sheet being made."""
    return translator(_LANGUAGE.get()).gettext(message)


_ = sheet_words


@contextmanager
def sheet_language(language: str) -> Iterator[None]:
    """Make a sheet's fixed words and dates come in ``language`` inside the ``with``."""
    token = _LANGUAGE.set(language)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def both(words: str, english: str | None) -> str:
    """Words in the sheet's language, then their English after a slash (once if the same)."""
    if not english or english == words:
        return words
    return f"{words} / {english}"


def long_date(day: dt.date) -> str:
    """A date in the words of the sheet's language."""
    return _long_date(day, _LANGUAGE.get())


@dataclass(frozen=True)
class SheetQuestion:
    """A question as a sheet prints it: its words, for whom, and what the person did with it."""

    text: str
    audience: str | None
    starred: bool
    asked: bool
    answer: str
    topic: str | None = None
    sources: tuple[str, ...] = ()
    english: str = ""
    """The same question in English, printed under it on the sheet in two languages."""


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


def check_page_size(page_size: str) -> None:
    """ValueError unless ``page_size`` is a paper size the sheets are made on."""
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page_size must be one of {', '.join(PAGE_SIZES)}, not {page_size!r}.")


def new_sheet(workbook: Workbook, content: Content, page_size: PageSize) -> SheetPdf:
    """An empty sheet with its first page, its footer and the fonts for what was typed."""
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
    return pdf


TICK_AND_WRITE: Final = N_(
    "Tick each question once you have asked it, and write the answer on the lines."
)


def sheet_title(
    pdf: SheetPdf,
    workbook: Workbook,
    today: dt.date,
    *,
    english_title: str | None = None,
    subtitle: str | None = None,
    hint: str | None = TICK_AND_WRITE,
    size: float = 20,
) -> None:
    """The title, the name and date, the not-medical-advice line and how to use the sheet.

    ``english_title`` is printed under the title on a sheet in two languages; ``subtitle`` (such
    as whom the questions are for) under the title in bold.
    """
    pdf.paragraph(_(TITLE), size=size, style="B")
    if english_title:
        pdf.paragraph(english_title, size=12, style="I", color=MUTED)
    if subtitle:
        pdf.paragraph(subtitle, size=13, style="B")
    pdf.ln(2)
    name = workbook.summary.display_name.strip()
    pdf.paragraph(_("Name: {name}").format(name=name or "______________________"), size=12)
    pdf.paragraph(_("Date: {date}").format(date=long_date(today)), size=12)
    pdf.ln(2)
    if pdf.missing:
        note = _(UNPRINTABLE_NOTE).format(characters=described(pdf.missing))
        pdf.paragraph(note, size=10, style="B", color=MUTED)
    pdf.paragraph(_(NOT_MEDICAL_ADVICE), size=10, style="I", color=MUTED)
    if hint:
        pdf.paragraph(_(hint), size=10, style="I", color=MUTED)


def start_here(pdf: SheetPdf, plan: Plan, *, size: float = 10.5, more: bool = True) -> None:
    """The few things to do first; on the full sheet each is printed in full further on."""
    first = plan.start_here
    if not first.item_ids:
        return
    pdf.heading(_("Start here"), size=14 if size > 10 else 12.5)
    labels = {
        "questions": _("Ask first"),
        "records": _("Gather first"),
        "next_steps": _("Do first"),
    }
    for kind, chosen in first.sections():
        label = labels[kind]
        if not chosen:
            continue
        pdf.paragraph(label, size=size + 0.5, style="B")
        for number, planned in enumerate(chosen, start=1):
            pdf.paragraph(f"{number}. {planned.text}", size=size, indent=INDENT)
        pdf.ln(1 if size > 10 else 0.5)
    if more:
        pdf.paragraph(
            _("Everything else follows, with room for your answers."),
            size=10,
            style="I",
            color=MUTED,
        )


def sheet_questions(
    workbook: Workbook, plan: Plan, english: Mapping[str, str] | None = None
) -> list[SheetQuestion]:
    """The questions that apply now (with what the person did) and the person's own.

    ``english`` gives the English of the content's questions by id, for a sheet in two
    languages; the person's own questions have none: they are printed once, as typed.
    """
    found: list[SheetQuestion] = []
    for planned in plan.questions:
        state = workbook.questions.get(planned.id)
        found.append(
            SheetQuestion(
                text=planned.text,
                audience=planned.item.audience,
                starred=bool(state and state.starred),
                asked=bool(state and state.asked),
                answer=state.answer if state else "",
                topic=planned.item.topic,
                sources=planned.sources,
                english=(english or {}).get(planned.id, ""),
            )
        )
    found += [
        SheetQuestion(q.text, q.audience, q.starred, q.asked, q.answer)
        for q in workbook.own_questions
    ]
    return found


def starred(
    pdf: SheetPdf,
    content: Content,
    questions: Sequence[SheetQuestion],
    *,
    english: Content | None = None,
    say_for_whom: bool = True,
) -> None:
    """The starred questions, each with whom it is for (unless ``say_for_whom`` is False)."""
    if not questions:
        return
    pdf.heading(f"{STAR} " + both(_("Starred questions"), "Starred questions" if english else None))
    for question in questions:
        note = for_whom(content, question.audience, english) if say_for_whom else None
        draw_question(pdf, question, note, STARRED_LINES)


def for_whom(content: Content, audience: str | None, english: Content | None = None) -> str | None:
    """'For: your current doctor' (and its English on a sheet in two languages), or None."""
    label = audience_label(content, audience)
    if label is None:
        return None
    english_label = audience_label(english, audience) if english else None
    return both(
        _("For: {whom}").format(whom=label),
        english_label and f"For: {english_label}",
    )


def by_audience(
    pdf: SheetPdf,
    content: Content,
    questions: Sequence[SheetQuestion],
    *,
    english: Content | None = None,
) -> None:
    """The questions under a heading for each audience, by topic; then the person's own."""
    known = [a.id for a in content.audiences]
    for audience in content.audiences:
        chosen = [q for q in questions if q.audience == audience.id]
        if not chosen:
            continue
        english_label = audience_label(english, audience.id) if english else None
        pdf.heading(
            both(
                _("Questions for: {whom}").format(whom=audience.label),
                english_label and f"Questions for: {english_label}",
            )
        )
        topic = None
        for question in chosen:
            note = None
            if question.topic is not None and question.topic != topic:
                topic = question.topic
                note = both(
                    topic_label(content, topic), topic_label(english, topic) if english else None
                )
            elif question.topic is None and topic is not None:
                topic = None
                note = both(_("Your own questions"), "Your own questions" if english else None)
            draw_question(pdf, question, None, OTHER_LINES, subheading=note)
    own = [q for q in questions if q.audience not in known]
    if own:
        pdf.heading(both(_("Your own questions"), "Your own questions" if english else None))
        for question in own:
            draw_question(pdf, question, None, OTHER_LINES)


def question_height(
    pdf: SheetPdf,
    question: SheetQuestion,
    note: str | None,
    empty_lines: int,
    *,
    subheading: str | None = None,
) -> float:
    """How much of the page ``draw_question`` takes, at most, for the same question."""
    answered = bool(question.answer.strip())
    lines = min(AFTER_ANSWER_LINES, empty_lines) if answered else empty_lines
    needed = pdf.height_of(question.text, 11, indent=INDENT) + lines * RULE_GAP + 4
    if question.english and question.english != question.text:
        needed += pdf.height_of(question.english, 10, "I", indent=INDENT)
    if note:
        needed += pdf.height_of(note, 9, indent=INDENT)
    if answered:
        needed += pdf.height_of(question.answer, 10.5, indent=INDENT)
    if subheading:
        needed += pdf.height_of(subheading, 10, "B") + 1
    return needed


def draw_question(
    pdf: SheetPdf,
    question: SheetQuestion,
    note: str | None,
    empty_lines: int,
    *,
    subheading: str | None = None,
) -> None:
    """A box to tick, the question (and its English), a note, the answer, lines to write on."""
    answered = bool(question.answer.strip())
    lines = min(AFTER_ANSWER_LINES, empty_lines) if answered else empty_lines
    pdf.keep_together(question_height(pdf, question, note, empty_lines, subheading=subheading))
    if subheading:
        pdf.ln(1)
        pdf.paragraph(subheading, size=10, style="B", color=MUTED)
    pdf.ln(1.5)
    pdf.mark(CHECKED if question.asked else UNCHECKED)
    pdf.paragraph(question.text, indent=INDENT)
    if question.english and question.english != question.text:
        pdf.paragraph(question.english, size=10, style="I", color=MUTED, indent=INDENT)
    if note:
        pdf.paragraph(note, size=9, color=MUTED, indent=INDENT)
    if answered:
        pdf.paragraph(question.answer, size=10.5, color=ANSWER_INK, indent=INDENT)
    pdf.ruled_lines(lines, indent=INDENT)


def sources(pdf: SheetPdf, content: Content, cited: Iterable[str]) -> None:
    """The sources cited, numbered, once each."""
    ids = [s for s in dict.fromkeys(cited) if s in content.sources]
    if not ids:
        return
    pdf.heading(_("Sources"))
    for number, source_id in enumerate(ids, start=1):
        source = content.sources[source_id]
        text = f"{source.publisher}: {source.title}."
        if source.url:
            text += f" {source.url}"
        pdf.keep_together(pdf.height_of(text, 9, indent=INDENT))
        pdf.mark(f"{number}.", size=9)
        pdf.paragraph(text, size=9, indent=INDENT)


def audience_label(content: Content, audience: str | None) -> str | None:
    """The label of an audience (None if there is none or it is unknown)."""
    if audience is None:
        return None
    return next((a.label for a in content.audiences if a.id == audience), None)


def topic_label(content: Content, topic: str) -> str:
    """The label of a topic (its id if unknown)."""
    return next((t.label for t in content.topics if t.id == topic), topic)
