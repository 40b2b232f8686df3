"""Writing: one transaction on one locked workbook, and the change-log rows it leaves.

``WorkbookStore`` checks every value first (``_validation``), locks the workbook's row, and hands
a ``Tx`` to one of the functions here. They write only what differs from what is stored, log each
change with its old and new value and who made it, and touch the workbook's ``updated_at`` once.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Final

import sqlalchemy as sa
from sqlalchemy import Connection, Table

from ._errors import NotFoundError
from ._reads import parse_time
from ._records import DELETED_FIELD, AnswerValue, WorkbookSummary
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
from ._validation import same

COALESCE_SECONDS: Final = 60
"""A change to the same field by the same actor within this many seconds of the change-log row
before it (and with nothing else logged in between) updates that row: a burst of typing is one
change, with the value before the burst and the value after it."""

MAX_LOG_ROWS: Final = 2_000
"""The most change-log rows one workbook keeps; the oldest go first. The answers themselves are
never in danger: they live in their own tables, and the log only tells their history."""

MAX_LOG_CHARS: Final = 4_000_000
"""The most characters of old and new values one workbook's change log keeps (about 4 MB)."""

MAX_OWN_QUESTIONS: Final = 300
"""The most questions of their own one workbook holds."""

_ITEM_WORDS = {
    "own_questions": "own question",
    "questions": "question",
    "records": "record",
    "compare": "comparison",
}


class Tx:
    """One write transaction on one workbook, collecting change-log rows as it goes."""

    def __init__(
        self,
        conn: Connection,
        workbook_id: str,
        now: str,
        actor: str,
        coalesce_seconds: float = COALESCE_SECONDS,
    ) -> None:
        self.conn = conn
        self.workbook_id = workbook_id
        self.now = now
        self.actor = actor
        self.coalesce_seconds = coalesce_seconds
        self._log: list[dict[str, object]] = []

    def log(self, section: str, item_id: str, field: str, old: object, new: object) -> None:
        """Add a change-log row (written by ``finish``)."""
        self._log.append(
            {
                "session_id": self.workbook_id,
                "at": self.now,
                "section": section,
                "item_id": item_id,
                "field": field,
                "old_json": old,
                "new_json": new,
                "changed_by": self.actor,
            }
        )

    def finish(self) -> None:
        """Write the change-log rows, and the workbook's new ``updated_at`` if anything changed.

        A row that continues the workbook's last row (same section, item, field and actor,
        within ``COALESCE_SECONDS``) updates it instead of adding one; then the log is trimmed,
        oldest rows first, to ``MAX_LOG_ROWS`` and ``MAX_LOG_CHARS``.
        """
        if not self._log:
            return
        last = self._last_row()
        for row in self._log:
            if last is not None and _continues(last, row, self.coalesce_seconds):
                self.conn.execute(
                    sa.update(changes)
                    .where(changes.c.id == last["id"])
                    .values(new_json=row["new_json"])
                )
                continue
            result = self.conn.execute(sa.insert(changes).values(**row))
            key = result.inserted_primary_key
            last = {**row, "id": key[0]} if key else None
        self.conn.execute(
            sa.update(sessions).where(sessions.c.id == self.workbook_id).values(updated_at=self.now)
        )
        self._trim()

    def _last_row(self) -> dict[str, object] | None:
        query = (
            sa.select(
                changes.c.id,
                changes.c.at,
                changes.c.section,
                changes.c.item_id,
                changes.c.field,
                changes.c.changed_by,
            )
            .where(changes.c.session_id == self.workbook_id)
            .order_by(changes.c.id.desc())
            .limit(1)
        )
        found = self.conn.execute(query).first()
        return dict(found._mapping) if found is not None else None

    def _trim(self) -> None:
        """Drop the oldest change-log rows beyond the workbook's caps (never the newest row)."""
        size = sa.func.coalesce(sa.func.length(changes.c.old_json), 0) + sa.func.coalesce(
            sa.func.length(changes.c.new_json), 0
        )
        rows = self.conn.execute(
            sa.select(changes.c.id, size)
            .where(changes.c.session_id == self.workbook_id)
            .order_by(changes.c.id.desc())
        ).all()
        kept_chars = 0
        cut: int | None = None
        for kept_rows, (row_id, chars) in enumerate(rows, start=1):
            kept_chars += int(chars or 0)
            if kept_rows > 1 and (kept_rows > MAX_LOG_ROWS or kept_chars > MAX_LOG_CHARS):
                cut = int(row_id)
                break
        if cut is not None:
            self.conn.execute(
                sa.delete(changes).where(
                    changes.c.session_id == self.workbook_id, changes.c.id <= cut
                )
            )

    def set_columns(
        self,
        table: Table,
        key: Mapping[str, str],
        section: str,
        item_id: str,
        new: Mapping[str, object],
        defaults: Mapping[str, object] | None,
    ) -> bool:
        """Write the columns in ``new`` that differ from the row (or ``defaults`` if no row).

        Only changed columns are written, so a concurrent write to another column of the same
        row is kept. ``defaults`` None means the row must exist already. True if anything changed.
        """
        where = sa.and_(*(table.c[k] == v for k, v in key.items()))
        row = self.conn.execute(sa.select(*(table.c[n] for n in new)).where(where)).first()
        if row is None and defaults is None:
            raise NotFoundError(f"This workbook has no {_ITEM_WORDS[section]} {item_id!r}.")
        current = dict(row._mapping) if row is not None else dict(defaults or {})
        changed = {n: v for n, v in new.items() if not same(current.get(n), v)}
        if not changed:
            return False
        if row is None:
            values = {**(defaults or {}), **changed, "updated_at": self.now}
            self.conn.execute(sa.insert(table).values(**key, **values))
        else:
            self.conn.execute(sa.update(table).where(where).values(**changed, updated_at=self.now))
        for name, value in changed.items():
            self.log(section, item_id, name, current.get(name), value)
        return True


def _continues(last: Mapping[str, object], row: Mapping[str, object], seconds: float) -> bool:
    """True if ``row`` is one more change of the burst that the change-log row ``last`` began."""
    if last.get("id") is None or seconds <= 0:
        return False
    for key in ("section", "item_id", "field", "changed_by"):
        if last[key] != row[key]:
            return False
    if row["section"] == "workbook" and row["field"] not in ("display_name", "notes"):
        return False
    try:
        began = parse_time(str(last["at"]))
        now = parse_time(str(row["at"]))
    except ValueError:
        return False
    return timedelta(0) <= now - began <= timedelta(seconds=seconds)


def lock_workbook(conn: Connection, workbook_id: str) -> bool:
    """Lock the workbook's row until the transaction ends; False if there is no such workbook."""
    query = sa.select(sessions.c.id).where(sessions.c.id == workbook_id).with_for_update()
    return conn.execute(query).first() is not None


def insert_workbook(
    conn: Connection,
    token_hash: str,
    name: str,
    created_by: str,
    now: str,
    actor: str,
    language: str = "en",
) -> WorkbookSummary:
    """Add a new, empty workbook with a fresh id, and log who started it."""
    workbook_id = secrets.token_hex(6)
    while conn.execute(
        sa.select(sessions.c.id).where(sessions.c.id == workbook_id)
    ).first():  # pragma: no cover - one chance in 2**48 per existing workbook
        workbook_id = secrets.token_hex(6)
    conn.execute(
        sa.insert(sessions).values(
            id=workbook_id,
            token_hash=token_hash,
            display_name=name,
            created_by=created_by,
            created_at=now,
            updated_at=now,
            notes="",
            notes_updated_at=None,
            language=language,
        )
    )
    tx = Tx(conn, workbook_id, now, actor)
    tx.log("workbook", "", "created_by", None, created_by)
    tx.log("workbook", "", "display_name", None, name)
    if language != "en":
        tx.log("workbook", "", "language", None, language)
    tx.finish()
    return WorkbookSummary(
        workbook_id, name, created_by, parse_time(now), parse_time(now), language
    )


def set_workbook_column(tx: Tx, column: str, value: str | None) -> bool:
    """Set one of the workbook's own columns (such as its name or notes); True if it changed."""
    where = sessions.c.id == tx.workbook_id
    old = tx.conn.execute(sa.select(sessions.c[column]).where(where)).scalar_one()
    if same(old, value):
        return False
    values: dict[str, object] = {column: value}
    if column == "notes":
        values["notes_updated_at"] = tx.now
    tx.conn.execute(sa.update(sessions).where(where).values(values))
    tx.log("workbook", "", column, old, value)
    return True


def write_answers(tx: Tx, wanted: Mapping[str, AnswerValue | None]) -> None:
    """Write the situation answers that differ from what is stored; None deletes one."""
    mine = answers.c.session_id == tx.workbook_id
    stored = {
        row.field_id: row.value_json
        for row in tx.conn.execute(
            sa.select(answers.c.field_id, answers.c.value_json).where(
                mine, answers.c.field_id.in_(list(wanted))
            )
        )
    }
    for field_id, value in wanted.items():
        key = sa.and_(mine, answers.c.field_id == field_id)
        if field_id not in stored:
            if value is None:
                continue
            tx.conn.execute(
                sa.insert(answers).values(
                    session_id=tx.workbook_id,
                    field_id=field_id,
                    value_json=value,
                    updated_at=tx.now,
                )
            )
            tx.log("situation", field_id, "answer", None, value)
        elif value is None:
            tx.conn.execute(sa.delete(answers).where(key))
            tx.log("situation", field_id, "answer", stored[field_id], None)
        elif not same(stored[field_id], value):
            tx.conn.execute(
                sa.update(answers).where(key).values(value_json=value, updated_at=tx.now)
            )
            tx.log("situation", field_id, "answer", stored[field_id], value)


def insert_own_question(tx: Tx, text: str, audience: str | None) -> str:
    """Add one of the person's own questions; returns its new id."""
    count = tx.conn.execute(
        sa.select(sa.func.count()).where(own_questions.c.session_id == tx.workbook_id)
    ).scalar_one()
    if count >= MAX_OWN_QUESTIONS:
        raise ValueError(
            f"This workbook already has {MAX_OWN_QUESTIONS} questions of your own, the most it "
            "can hold. Delete one you no longer need to add another."
        )
    own_id = f"own_{secrets.token_hex(8)}"
    tx.conn.execute(
        sa.insert(own_questions).values(
            session_id=tx.workbook_id,
            id=own_id,
            text=text,
            audience=audience,
            starred=False,
            asked=False,
            answer="",
            created_at=tx.now,
            updated_at=tx.now,
        )
    )
    tx.log("own_questions", own_id, "text", None, text)
    if audience is not None:
        tx.log("own_questions", own_id, "audience", None, audience)
    return own_id


def remove_own_question(tx: Tx, own_id: str) -> bool:
    """Delete one of the person's own questions; False if there is none with this id."""
    key = sa.and_(own_questions.c.session_id == tx.workbook_id, own_questions.c.id == own_id)
    old = tx.conn.execute(sa.select(own_questions.c.text).where(key)).scalar_one_or_none()
    if old is None:
        return False
    tx.conn.execute(sa.delete(own_questions).where(key))
    tx.log("own_questions", own_id, "deleted", old, None)
    return True


def write_comparison(tx: Tx, opinion: str, aspect: str, written: str) -> None:
    """Save what the person wrote about one aspect of one opinion, if it differs."""
    key = sa.and_(
        comparisons.c.session_id == tx.workbook_id,
        comparisons.c.opinion == opinion,
        comparisons.c.aspect == aspect,
    )
    old = tx.conn.execute(sa.select(comparisons.c.text).where(key)).scalar_one_or_none()
    if same(old if old is not None else "", written):
        return
    if old is None:
        tx.conn.execute(
            sa.insert(comparisons).values(
                session_id=tx.workbook_id,
                opinion=opinion,
                aspect=aspect,
                text=written,
                updated_at=tx.now,
            )
        )
    else:
        tx.conn.execute(sa.update(comparisons).where(key).values(text=written, updated_at=tx.now))
    tx.log("compare", aspect, opinion, old, written)


def set_token_hash(tx: Tx, token_hash: str) -> None:
    """Give the workbook a new private link: only its hash is kept, and the old one stops."""
    tx.conn.execute(
        sa.update(sessions).where(sessions.c.id == tx.workbook_id).values(token_hash=token_hash)
    )
    tx.log("workbook", "", "private_link", None, "changed")


def erase_workbook(tx: Tx) -> None:
    """Delete every row of the workbook, its change log too; log only that it was deleted."""
    for table in (
        answers,
        question_states,
        own_questions,
        record_states,
        comparisons,
        steps_done,
        care_team_links,
        changes,
    ):
        tx.conn.execute(sa.delete(table).where(table.c.session_id == tx.workbook_id))
    tx.conn.execute(sa.delete(sessions).where(sessions.c.id == tx.workbook_id))
    tx.conn.execute(
        sa.insert(changes).values(
            session_id=tx.workbook_id,
            at=tx.now,
            section="workbook",
            item_id="",
            field=DELETED_FIELD,
            old_json=None,
            new_json=None,
            changed_by=tx.actor,
        )
    )
