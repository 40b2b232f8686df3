"""Reading workbooks back: rows of the tables turned into the snapshots of ``_records``.

Each function takes an open connection inside a read transaction, so that everything it reads
comes from one consistent snapshot, and reads many workbooks with a handful of queries rather
than a few per workbook.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Row, Table

from ._records import (
    AnswerValue,
    Change,
    ComparisonEntry,
    OwnQuestion,
    QuestionState,
    RecordProgress,
    RecordState,
    Workbook,
    WorkbookOverview,
    WorkbookSummary,
)
from ._schema import (
    answers,
    care_team_links,
    changes,
    comparisons,
    own_questions,
    question_states,
    record_states,
    sessions,
    steps_done,
)

Rows = Row[*tuple[Any, ...]]
_ANSWER_TYPES = (str, bool)
_SUMMARY_COLUMNS = (
    sessions.c.id,
    sessions.c.display_name,
    sessions.c.created_by,
    sessions.c.created_at,
    sessions.c.updated_at,
    sessions.c.language,
)
_NEWEST_FIRST = (sessions.c.updated_at.desc(), sessions.c.id)


def parse_time(value: str) -> datetime:
    """A stored ISO 8601 timestamp as a ``datetime``."""
    return datetime.fromisoformat(value)


def summary_of(row: Rows) -> WorkbookSummary:
    """The summary in a row of the ``sessions`` table."""
    return WorkbookSummary(
        id=row.id,
        display_name=row.display_name,
        created_by=row.created_by,
        created_at=parse_time(row.created_at),
        updated_at=parse_time(row.updated_at),
        language=row.language,
    )


def stored_answer(value: object) -> AnswerValue:
    """A situation answer as read back (text, True/False or a list of choice ids)."""
    if isinstance(value, str | bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return json.dumps(value)  # pragma: no cover - only if the database was edited by hand


def workbook_exists(conn: Connection, workbook_id: str) -> bool:
    """True if there is a workbook with this id."""
    query = sa.select(sessions.c.id).where(sessions.c.id == workbook_id)
    return conn.execute(query).first() is not None


def load_summaries(conn: Connection) -> list[WorkbookSummary]:
    """Every workbook's summary, most recently changed first."""
    rows = conn.execute(sa.select(*_SUMMARY_COLUMNS).order_by(*_NEWEST_FIRST)).all()
    return [summary_of(row) for row in rows]


def load_changes(conn: Connection, workbook_id: str) -> list[Change] | None:
    """The change log of one workbook, oldest first; None if there is neither log nor workbook."""
    query = sa.select(changes).where(changes.c.session_id == workbook_id).order_by(changes.c.id)
    rows = conn.execute(query).all()
    if not rows:
        return [] if workbook_exists(conn, workbook_id) else None
    return [
        Change(
            id=row.id,
            workbook_id=row.session_id,
            at=parse_time(row.at),
            section=row.section,
            item_id=row.item_id,
            field=row.field,
            old=row.old_json,
            new=row.new_json,
            changed_by=row.changed_by or "",
        )
        for row in rows
    ]


def _rows_by_workbook(
    conn: Connection, table: Table, ids: list[str] | None, *order: sa.ColumnElement[Any]
) -> dict[str, list[Rows]]:
    query = sa.select(table)
    if ids is not None:
        query = query.where(table.c.session_id.in_(ids))
    grouped: dict[str, list[Rows]] = defaultdict(list)
    for row in conn.execute(query.order_by(*order)):
        grouped[row.session_id].append(row)
    return grouped


def load_workbooks(conn: Connection, ids: list[str] | None) -> list[Workbook]:
    """Every workbook (or those with the given ids), most recently changed first."""
    query = sa.select(sessions).order_by(*_NEWEST_FIRST)
    if ids is not None:
        if not ids:
            return []
        query = query.where(sessions.c.id.in_(ids))
    heads = conn.execute(query).all()
    if not heads:
        return []
    ans = _rows_by_workbook(conn, answers, ids, answers.c.field_id)
    qs = _rows_by_workbook(conn, question_states, ids, question_states.c.item_id)
    own = _rows_by_workbook(
        conn, own_questions, ids, own_questions.c.created_at, own_questions.c.id
    )
    recs = _rows_by_workbook(conn, record_states, ids, record_states.c.item_id)
    compared = _rows_by_workbook(
        conn, comparisons, ids, comparisons.c.aspect, comparisons.c.opinion
    )
    done = load_steps_done(conn, ids)
    care = _care_team_links(conn, ids)
    return [
        _workbook(
            head,
            ans.get(head.id, []),
            qs.get(head.id, []),
            own.get(head.id, []),
            recs.get(head.id, []),
            compared.get(head.id, []),
            done.get(head.id, {}),
            care.get(head.id),
        )
        for head in heads
    ]


def _workbook(
    head: Rows,
    ans: list[Rows],
    qs: list[Rows],
    own: list[Rows],
    recs: list[Rows],
    compared: list[Rows],
    done: dict[str, date],
    care: Rows | None,
) -> Workbook:
    second_on, differs = second_opinion_of(head)
    return Workbook(
        summary=summary_of(head),
        answers={r.field_id: stored_answer(r.value_json) for r in ans},
        answer_times={r.field_id: parse_time(r.updated_at) for r in ans},
        notes=head.notes,
        notes_updated_at=parse_time(head.notes_updated_at) if head.notes_updated_at else None,
        questions={
            r.item_id: QuestionState(
                r.item_id, bool(r.starred), bool(r.asked), r.answer, parse_time(r.updated_at)
            )
            for r in qs
        },
        own_questions=tuple(
            OwnQuestion(
                id=r.id,
                text=r.text,
                audience=r.audience,
                starred=bool(r.starred),
                asked=bool(r.asked),
                answer=r.answer,
                created_at=parse_time(r.created_at),
                updated_at=parse_time(r.updated_at),
            )
            for r in own
        ),
        records={
            r.item_id: RecordState(
                item_id=r.item_id,
                status=r.status,
                from_whom=r.from_whom,
                requested_on=date.fromisoformat(r.requested_on) if r.requested_on else None,
                note=r.note,
                updated_at=parse_time(r.updated_at),
            )
            for r in recs
        },
        comparison={
            (r.opinion, r.aspect): ComparisonEntry(
                r.opinion, r.aspect, r.text, parse_time(r.updated_at)
            )
            for r in compared
        },
        steps_done=done,
        second_opinion_on=second_on,
        second_opinion_differs=differs,
        care_team_link_on=care is not None,
        care_team_shares_own_questions=bool(care is not None and care.shares_own_questions),
        care_team_seen_at=parse_time(care.seen_at) if care is not None and care.seen_at else None,
    )


def _care_team_links(conn: Connection, ids: list[str] | None) -> dict[str, Rows]:
    """The care-team link of every workbook that has one (or of those with the given ids)."""
    query = sa.select(
        care_team_links.c.session_id,
        care_team_links.c.shares_own_questions,
        care_team_links.c.seen_at,
    )
    if ids is not None:
        query = query.where(care_team_links.c.session_id.in_(ids))
    return {row.session_id: row for row in conn.execute(query)}


def load_steps_done(conn: Connection, ids: list[str] | None) -> dict[str, dict[str, date]]:
    """The timeline steps done of every workbook (or of those with the given ids), by its id."""
    query = sa.select(steps_done.c.session_id, steps_done.c.step_id, steps_done.c.done_on)
    if ids is not None:
        query = query.where(steps_done.c.session_id.in_(ids))
    found: dict[str, dict[str, date]] = defaultdict(dict)
    for row in conn.execute(query.order_by(steps_done.c.session_id, steps_done.c.step_id)):
        found[row.session_id][row.step_id] = date.fromisoformat(row.done_on)
    return found


def second_opinion_of(head: Rows) -> tuple[date | None, str | None]:
    """When the second opinion was given and whether it differed, from a ``sessions`` row."""
    on, differs = head.second_opinion_on, head.second_opinion_differs
    return (date.fromisoformat(on) if on else None, differs or None)


def load_overviews(conn: Connection) -> list[WorkbookOverview]:
    """What a roster needs of every workbook, most recently changed first."""
    heads = conn.execute(sa.select(*_SUMMARY_COLUMNS).order_by(*_NEWEST_FIRST)).all()
    if not heads:
        return []
    # The answers' JSON is decoded in one go: much quicker than one json.loads per value.
    raw = sa.type_coerce(answers.c.value_json, sa.Text)
    rows = conn.execute(sa.select(answers.c.session_id, answers.c.field_id, raw)).all()
    values = json.loads("[" + ",".join([row[2] for row in rows]) + "]")
    answers_by: dict[str, dict[str, AnswerValue]] = defaultdict(dict)
    for (wid, field_id, _), value in zip(rows, values, strict=True):
        answers_by[wid][field_id] = value if type(value) in _ANSWER_TYPES else stored_answer(value)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for table in (question_states, own_questions):
        query = sa.select(
            table.c.session_id,
            sa.func.sum(sa.case((table.c.starred, 1), else_=0)),
            sa.func.sum(sa.case((table.c.asked, 1), else_=0)),
        ).group_by(table.c.session_id)
        for wid, starred, asked in conn.execute(query).all():
            counts[wid][0] += int(starred or 0)
            counts[wid][1] += int(asked or 0)
    records_by: dict[str, dict[str, RecordProgress]] = defaultdict(dict)
    query = sa.select(
        record_states.c.session_id,
        record_states.c.item_id,
        record_states.c.status,
        record_states.c.requested_on,
    )
    for row in conn.execute(query).all():
        requested: str | None = row.requested_on
        day = date.fromisoformat(requested) if requested else None
        records_by[row.session_id][row.item_id] = RecordProgress(row.item_id, row.status, day)
    empty: dict[str, Any] = {}
    return [
        WorkbookOverview(
            summary=summary_of(head),
            answers=answers_by.get(head.id, empty),
            questions_starred=counts[head.id][0] if head.id in counts else 0,
            questions_asked=counts[head.id][1] if head.id in counts else 0,
            records=records_by.get(head.id, empty),
        )
        for head in heads
    ]
