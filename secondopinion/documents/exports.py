"""Workbooks as tables (pandas) and as CSV that opens safely in Excel and LibreOffice.

Two tables:

- ``long_form(workbook, content)``: one row per answer, with the columns ``LONG_FORM_COLUMNS``
  (session, section, item_id, item_text, field, value, applies_now, updated_at). Every answer is
  there, including answers to questions and records that no longer apply to the person's
  situation; ``applies_now`` says which still do.
- ``roster(store, content)``: one row per person, with the columns ``ROSTER_COLUMNS``.

``to_csv_bytes(table)`` (in ``csv_files``) gives the CSV itself, for a download link;
``write_csv`` saves it to an owner-only file.

Example::

    content = load_content()
    write_csv(long_form(store.load(session_id), content), Path("exports/workbook.csv"))
    download = to_csv_bytes(roster(store, content))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Final

import pandas as pd

from secondopinion.content import Content, Field
from secondopinion.documents.csv_files import NO, YES, to_csv_bytes, write_csv, write_private
from secondopinion.planning import derive, records_that_apply
from secondopinion.store import (
    AnswerValue,
    OwnQuestion,
    QuestionState,
    RecordProgress,
    Workbook,
    WorkbookOverview,
    WorkbookStore,
    gc_paused,
)

__all__ = [
    "FOLLOW_UP_AFTER",
    "LONG_FORM_COLUMNS",
    "ROSTER_COLUMNS",
    "long_form",
    "next_due_step",
    "roster",
    "to_csv_bytes",
    "write_csv",
    "write_private",
]


LONG_FORM_COLUMNS: Final = (
    "session",
    "section",
    "item_id",
    "item_text",
    "field",
    "value",
    "applies_now",
    "updated_at",
    "language",
)
"""The columns of ``long_form``, in order (``language``: the workbook's, such as en or es)."""

ROSTER_COLUMNS: Final = (
    "session",
    "name",
    "created",
    "last_change",
    "diagnosis_kind",
    "treatment_status",
    "decision_date",
    "questions_starred",
    "questions_asked",
    "records_needed",
    "records_requested",
    "records_received",
    "records_sent",
    "next_due_step",
    "language",
)
"""The columns of ``roster``, in order (``language``: the one the person uses, such as es)."""

FOLLOW_UP_AFTER: Final = timedelta(days=30)
"""How long after asking for a record to follow up: under the HIPAA right of access, a provider
must act on a request for a copy of one's records within 30 calendar days."""

NOTES_TEXT: Final = "Navigator's notes"
_LIST_JOIN = "; "


# --------------------------------------------------------------------------- long form


def long_form(workbooks: Workbook | Iterable[Workbook], content: Content) -> pd.DataFrame:
    """One row per answer in one workbook (or in several, one after another).

    Sections and what their rows hold:

    - ``situation``: one row per intake answer; ``item_id`` is the field id, ``item_text`` its
      label, ``field`` is 'answer', ``value`` the choice labels (several joined by '; '), yes/no,
      an ISO date or the text as typed. ``applies_now`` is False for a field that is hidden now
      or an answer that no longer fits the field.
    - ``questions``: the fields starred, asked (yes/no) and answer of each question the person
      touched; ``applies_now`` says whether the question is in the tailored plan now.
    - ``own_questions``: audience (its label), starred, asked, answer of each question the person
      added; ``item_text`` is the question as written. These always apply.
    - ``records``: status, from_whom, requested_on (ISO date) and note of each record touched.
    - ``compare``: what the person wrote to compare the opinions: ``item_id`` is the aspect (such
      as 'diagnosis'), ``item_text`` its label, ``field`` the opinion ('first' or 'second'),
      ``value`` the text. These always apply.
    - ``session``: the navigator's notes, when there are any.

    ``updated_at`` is when that item was last changed (UTC). Items that are no longer in the
    content keep their rows, with an empty ``item_text`` and ``applies_now`` False.
    """
    books = [workbooks] if isinstance(workbooks, Workbook) else list(workbooks)
    rows: list[tuple[object, ...]] = []
    for book in books:
        language = book.summary.language
        rows.extend((*row, language) for row in _long_rows(book, content))
    return _frame(rows, LONG_FORM_COLUMNS, times=("updated_at",), flags=("applies_now",))


def _long_rows(book: Workbook, content: Content) -> list[tuple[object, ...]]:
    derived = derive(book, content, date.today())
    situation, plan = derived.situation, derived.plan
    applies = plan.item_ids
    shown = {f.id for f in situation.shown_fields(content.intake)}
    sid = book.summary.id
    rows: list[tuple[object, ...]] = []

    intake_order = {f.id: n for n, f in enumerate(content.intake.fields)}
    for field_id in sorted(book.answers, key=lambda f: (intake_order.get(f, len(intake_order)), f)):
        spec = content.intake.fields_by_id.get(field_id)
        value = book.answers[field_id]
        rows.append(
            (
                sid,
                "situation",
                field_id,
                spec.label if spec else "",
                "answer",
                _answer_text(spec, value),
                field_id in shown and field_id in situation.answers,
                book.answer_times[field_id],
            )
        )

    for item_id in _in_content_order(book.questions, content, "questions"):
        q = book.questions[item_id]
        text, now = _item_text(content, item_id), item_id in applies
        for name, value in (("starred", q.starred), ("asked", q.asked), ("answer", q.answer)):
            rows.append((sid, "questions", item_id, text, name, _plain(value), now, q.updated_at))

    for own in book.own_questions:
        audience = _group_label(content, own.audience) if own.audience else ""
        for name, value in (
            ("audience", audience),
            ("starred", own.starred),
            ("asked", own.asked),
            ("answer", own.answer),
        ):
            rows.append(
                (sid, "own_questions", own.id, own.text, name, _plain(value), True, own.updated_at)
            )

    for item_id in _in_content_order(book.records, content, "records"):
        r = book.records[item_id]
        text, now = _item_text(content, item_id), item_id in applies
        for name, value in (
            ("status", r.status),
            ("from_whom", r.from_whom),
            ("requested_on", r.requested_on.isoformat() if r.requested_on else ""),
            ("note", r.note),
        ):
            rows.append((sid, "records", item_id, text, name, value, now, r.updated_at))

    rows.extend(_compare_rows(book, content))

    if book.notes:
        at = book.notes_updated_at or book.summary.created_at
        rows.append((sid, "session", "", NOTES_TEXT, "notes", book.notes, True, at))
    return rows


def _compare_rows(book: Workbook, content: Content) -> list[tuple[object, ...]]:
    aspect_order = {a.id: n for n, a in enumerate(content.compare.aspects)}
    opinion_order = {o.id: n for n, o in enumerate(content.compare.opinions)}
    rows: list[tuple[object, ...]] = []
    for (opinion, aspect), entry in sorted(
        book.comparison.items(),
        key=lambda pair: (
            aspect_order.get(pair[0][1], len(aspect_order)),
            pair[0][1],
            opinion_order.get(pair[0][0], len(opinion_order)),
            pair[0][0],
        ),
    ):
        try:
            label = content.compare.aspect(aspect).label
        except KeyError:
            label = ""
        rows.append(
            (book.summary.id, "compare", aspect, label, opinion, entry.text, True, entry.updated_at)
        )
    return rows


# --------------------------------------------------------------------------- roster


def roster(
    store: WorkbookStore | Iterable[Workbook | WorkbookOverview], content: Content
) -> pd.DataFrame:
    """One row per person, most recently changed first, with the columns ``ROSTER_COLUMNS``.

    ``store`` is a store (every workbook in it) or workbooks / overviews already read.

    - ``name``: the name or initials; ``created``, ``last_change``: UTC times.
    - ``diagnosis_kind``, ``treatment_status``: the labels of the answers ('' if unanswered).
    - ``decision_date``: a ``date``, or None.
    - ``questions_starred``, ``questions_asked``: suggested and own questions together, whether
      or not they still apply.
    - ``records_needed``: records that apply now and have not been asked for yet (never touched,
      or marked needed). ``records_requested``, ``records_received``, ``records_sent``: records
      marked so, whether or not they still apply.
    - ``next_due_step``: see ``next_due_step``.
    """
    if isinstance(store, WorkbookStore):
        books: list[WorkbookOverview] = store.overviews()
    else:
        books = [b if isinstance(b, WorkbookOverview) else _overview(b) for b in store]
    with gc_paused():
        rows = [_roster_row(book, content) for book in books]
    return _frame(
        rows,
        ROSTER_COLUMNS,
        times=("created", "last_change"),
        counts=tuple(c for c in ROSTER_COLUMNS if c.startswith(("questions_", "records_"))),
        as_is=("decision_date",),
    )


def _roster_row(book: WorkbookOverview, content: Content) -> tuple[object, ...]:
    statuses = [r.status for r in book.records.values()]
    needed = sum(
        1
        for item_id in records_that_apply(book.answers, content)
        if item_id not in book.records or book.records[item_id].status == "needed"
    )
    return (
        book.summary.id,
        book.summary.display_name,
        book.summary.created_at,
        book.summary.updated_at,
        _choice_answer(book.answers, content, "diagnosis_kind"),
        _choice_answer(book.answers, content, "treatment_status"),
        book.decision_date,
        book.questions_starred,
        book.questions_asked,
        needed,
        statuses.count("requested"),
        statuses.count("received"),
        statuses.count("sent"),
        next_due_step(book, content),
        book.summary.language,
    )


def _overview(book: Workbook) -> WorkbookOverview:
    questions: list[QuestionState | OwnQuestion] = [*book.questions.values(), *book.own_questions]
    return WorkbookOverview(
        summary=book.summary,
        answers=book.answers,
        questions_starred=sum(q.starred for q in questions),
        questions_asked=sum(q.asked for q in questions),
        records={i: RecordProgress(i, r.status, r.requested_on) for i, r in book.records.items()},
    )


def next_due_step(workbook: Workbook | WorkbookOverview, content: Content) -> str:
    """Describe the next thing due, in words, starting with its date; '' when nothing is due.

    Two kinds of step are considered, and the earlier one is given (the decision on a tie):

    - the decision date: '2026-03-01: decide about treatment (the decision date)';
    - a record asked for but not yet received, ``FOLLOW_UP_AFTER`` (30 days) after the date it
      was asked for: '2026-02-01: follow up on the request for “The biopsy slides ...”, asked
      for on 2026-01-02'. The oldest such request is the one given.

    Records marked received or sent, and requests with no date, are not considered.
    """
    steps: list[tuple[date, int, str]] = []
    decision = workbook.decision_date
    if decision is not None:
        steps.append(
            (decision, 0, f"{decision.isoformat()}: decide about treatment (the decision date)")
        )
    requested = [r for r in workbook.records.values() if r.status == "requested" and r.requested_on]
    if requested:
        oldest = min(requested, key=lambda r: (r.requested_on, r.item_id))
        assert oldest.requested_on is not None
        due = oldest.requested_on + FOLLOW_UP_AFTER
        name = _item_text(content, oldest.item_id) or oldest.item_id
        steps.append(
            (
                due,
                1,
                f"{due.isoformat()}: follow up on the request for “{name}”, asked for on "
                f"{oldest.requested_on.isoformat()}",
            )
        )
    return min(steps)[2] if steps else ""


# --------------------------------------------------------------------------- helpers


def _frame(
    rows: list[tuple[object, ...]],
    columns: tuple[str, ...],
    *,
    times: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
    counts: tuple[str, ...] = (),
    as_is: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Build a frame: UTC times, booleans, int64 counts, columns kept as they are, else text."""
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    for name in columns:
        if name in times:
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.as_unit("us")
        elif name in flags:
            frame[name] = frame[name].astype(bool)
        elif name in counts:
            frame[name] = frame[name].astype("int64")
        elif name not in as_is:
            frame[name] = frame[name].astype(str)
    return frame


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


def _answer_text(spec: Field | None, value: AnswerValue) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return _LIST_JOIN.join(_choice_text(spec, v) for v in value)
    if spec is not None and spec.kind in ("one_choice", "several_choices"):
        return _choice_text(spec, value)  # a several-choice field once saved as one choice
    return value


def _choice_text(spec: Field | None, choice_id: str) -> str:
    if spec is not None and choice_id in spec.choice_ids:
        return spec.choice_label(choice_id)
    return choice_id


def _choice_answer(answers: Mapping[str, AnswerValue], content: Content, field_id: str) -> str:
    value = answers.get(field_id)
    if value is None:
        return ""
    return _answer_text(content.intake.fields_by_id.get(field_id), value)


def _item_text(content: Content, item_id: str) -> str:
    try:
        return content.item(item_id).text
    except KeyError:
        return ""


def _group_label(content: Content, group_id: str) -> str:
    try:
        return content.label(group_id)
    except KeyError:
        return group_id


def _in_content_order(states: Iterable[str], content: Content, kind: str) -> list[str]:
    items = content.questions if kind == "questions" else content.records
    order = {item.id: n for n, item in enumerate(items)}
    return sorted(states, key=lambda i: (order.get(i, len(order)), i))
