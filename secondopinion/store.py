"""The session store: every answer in a workbook, saved the moment it changes.

A store is one database: by default the SQLite file ``workbooks.sqlite3`` in the project's
``data/`` (created with owner-only permissions), or the folder named by ``SECOND_OPINION_DATA``,
or any SQLAlchemy URL (``SECOND_OPINION_DB_URL``, or ``url=``), such as a shared PostgreSQL
server. Nothing else changes between the two.

Every method that changes something writes the change and a row in the append-only change log in
one transaction, and commits it before returning: there is no save button. Writing a value that is
already stored changes nothing and logs nothing. Each field is its own row or column, so two people
(or two browser tabs, or two processes) writing different fields of one workbook at once lose
nothing; when both write the same field, the later write wins and both are in the log.

The store never deletes what a person wrote when their situation changes: answers to questions and
records that stop applying stay, and the exports mark them as not applying now. Only the right to
delete removes anything: ``delete_session`` erases the whole workbook, its change log included,
and keeps one log row saying that a workbook was deleted, and when.

Example::

    >>> import tempfile
    >>> store = WorkbookStore.open(tempfile.mkdtemp())
    >>> summary, token = store.create_session("J. R.", created_by="patient")
    >>> store.set_question(summary.id, "ask_stage", starred=True)
    >>> store.session_id_for_token(token) == summary.id
    True
    >>> store.load(summary.id).questions["ask_stage"].starred
    True
    >>> store.close()
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
import json
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection, Row, Table

from . import _store_db as db
from ._store_errors import BUSY_MESSAGE, NotFoundError, StoreBusyError, StoreError
from ._store_schema import (
    SCHEMA_VERSION,
    changes,
    comparisons,
    dump_json,
    own_questions,
    question_states,
    record_states,
    sessions,
)
from ._store_schema import answers as answers_table

__all__ = [
    "BUSY_MESSAGE",
    "COMPARISON_OPINIONS",
    "CREATED_BY",
    "DECISION_DATE_FIELD",
    "MAX_TEXT_CHARS",
    "RECORD_STATUSES",
    "RECORD_STATUS_LABELS",
    "SCHEMA_VERSION",
    "SECTIONS",
    "AnswerValue",
    "Change",
    "ComparisonEntry",
    "NotFoundError",
    "OwnQuestion",
    "QuestionState",
    "RecordProgress",
    "RecordState",
    "SessionSummary",
    "StoreBusyError",
    "StoreError",
    "Workbook",
    "WorkbookOverview",
    "WorkbookStore",
]

AnswerValue = str | bool | list[str]
"""A stored situation answer: text (also ISO dates), yes/no, or a list of choice ids."""

CREATED_BY: Final = ("patient", "navigator")
"""Who may start a workbook."""

RECORD_STATUSES: Final = ("needed", "requested", "received", "sent")
"""The states of a record, in the order a record goes through them."""

RECORD_STATUS_LABELS: Final = {
    "needed": "Still needed",
    "requested": "Asked for",
    "received": "I have it",
    "sent": "Sent to the second doctor",
}
"""How each record status is named for people."""

SECTIONS: Final = ("situation", "questions", "own_questions", "records", "compare", "session")
"""The parts of a workbook named in the change log."""

COMPARISON_OPINIONS: Final = ("first", "second")
"""The opinions a person compares; ``content/compare.yaml`` names them and the aspects."""

DELETED_FIELD: Final = "deleted"
"""The ``field`` of the one change-log row left when a workbook is deleted (section 'session')."""

DECISION_DATE_FIELD: Final = "decision_date"
"""The intake field that holds the date by which the person needs to decide."""

MAX_TEXT_CHARS: Final = 200_000
"""The longest text the store accepts in one field (about a hundred printed pages)."""

_ID_RE = re.compile(r"[a-z0-9_]{1,100}")
_SESSION_ID_RE = re.compile(r"[0-9a-f]{12,32}")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,256}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DEFAULT_BUSY_TIMEOUT = 2.0

T = TypeVar("T")
_Row = Row[*tuple[Any, ...]]


class _Keep(enum.Enum):
    """The default of arguments where None means 'clear it': leave the value as it is."""

    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep.KEEP

_ITEM_WORDS = {
    "own_questions": "own question",
    "questions": "question",
    "records": "record",
    "compare": "comparison",
}


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """Who a workbook is for and when it was started and last changed (times are UTC)."""

    id: str
    display_name: str
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class QuestionState:
    """What the person did with one of the suggested questions."""

    item_id: str
    starred: bool
    asked: bool
    answer: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OwnQuestion:
    """A question the person added themselves; ``audience`` is an audience id or None."""

    id: str
    text: str
    audience: str | None
    starred: bool
    asked: bool
    answer: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RecordState:
    """Where one record stands: its status, who holds it, when it was asked for, a note."""

    item_id: str
    status: str
    from_whom: str
    requested_on: date | None
    note: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ComparisonEntry:
    """What the person wrote about one aspect (such as the diagnosis) of one opinion."""

    opinion: str
    aspect: str
    text: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Workbook:
    """A snapshot of one workbook as stored; changing it changes nothing in the store.

    ``answers`` maps intake field ids to values (text, ISO date text, True/False, or a list of
    choice ids); ``answer_times`` says when each was last set. ``questions`` and ``records`` hold
    state only for the items the person has touched, including items that no longer apply.
    ``comparison`` maps (opinion, aspect), such as ('second', 'diagnosis'), to what the person
    wrote; only what they have written is there.
    """

    summary: SessionSummary
    answers: Mapping[str, AnswerValue]
    answer_times: Mapping[str, datetime]
    notes: str
    notes_updated_at: datetime | None
    questions: Mapping[str, QuestionState]
    own_questions: tuple[OwnQuestion, ...]
    records: Mapping[str, RecordState]
    comparison: Mapping[tuple[str, str], ComparisonEntry] = dataclasses.field(default_factory=dict)

    @property
    def id(self) -> str:
        """The workbook's session id."""
        return self.summary.id

    @property
    def decision_date(self) -> date | None:
        """The date by which the person needs to decide, if they gave a valid one."""
        return _decision_date(self.answers)

    def compared(self, opinion: str, aspect: str) -> str:
        """What the person wrote about one aspect of one opinion ('' if nothing yet)."""
        entry = self.comparison.get((opinion, aspect))
        return entry.text if entry is not None else ""


@dataclass(frozen=True, slots=True)
class RecordProgress:
    """Where one record stands, without the typed text: its status and when it was asked for."""

    item_id: str
    status: str
    requested_on: date | None


@dataclass(frozen=True, slots=True)
class WorkbookOverview:
    """What a roster needs of one workbook, read in bulk by ``WorkbookStore.overviews()``.

    The summary, the situation answers, how many questions (suggested and own together) are
    starred and asked, and the progress of every record touched. None of the typed answers.
    """

    summary: SessionSummary
    answers: Mapping[str, AnswerValue]
    questions_starred: int
    questions_asked: int
    records: Mapping[str, RecordProgress]

    @property
    def id(self) -> str:
        """The workbook's session id."""
        return self.summary.id

    @property
    def decision_date(self) -> date | None:
        """The date by which the person needs to decide, if they gave a valid one."""
        return _decision_date(self.answers)


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the change log.

    ``section`` is one of ``SECTIONS``; ``item_id`` is the intake field, question, own question
    or record id ('' for the workbook itself); ``field`` is what changed ('answer' for a situation
    answer, otherwise the column, such as 'starred' or 'status'). ``old`` is None when there was
    no value before (and for changes logged by schema version 1, which did not keep it); ``new``
    is None when the value was cleared.
    """

    id: int
    session_id: str
    at: datetime
    section: str
    item_id: str
    field: str
    old: Any
    new: Any


# --------------------------------------------------------------------------- validation


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be text (str), not {type(value).__name__}.")
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(
            f"{what} is too long to save ({len(value):,} characters; the most is "
            f"{MAX_TEXT_CHARS:,})."
        )
    return value


def _item_id(value: object, what: str = "item id") -> str:
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise ValueError(
            f"{what} {value!r} is not valid: use 1 to 100 lower-case letters, digits or '_'."
        )
    return value


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {value!r}.")
    return value


def _iso_date(value: object, what: str) -> str | None:
    """Return the ISO date for a date or 'YYYY-MM-DD' text; '' means no date (None)."""
    if isinstance(value, datetime):
        raise ValueError(f"{what} must be a date without a time, not {value!r}.")
    if isinstance(value, date):
        return value.isoformat()
    if value == "":
        return None
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{what} must be a real date written as YYYY-MM-DD, not {value!r}.")


def _answer(field_id: str, value: object) -> AnswerValue | None:
    """Check one situation answer and return it as stored; None clears the answer."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        raise ValueError(f"The answer to {field_id!r} must be a date without a time.")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _text(value, f"The answer to {field_id!r}")
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        for item in items:
            if not isinstance(item, str):
                raise ValueError(f"The answer to {field_id!r} must be a list of text choices.")
            _text(item, f"A choice in the answer to {field_id!r}")
        return items
    raise ValueError(
        f"The answer to {field_id!r} must be text, a date, True/False or a list of choices, "
        f"not {type(value).__name__}."
    )


def _status(value: object) -> str:
    if value not in RECORD_STATUSES:
        raise ValueError(
            f"A record's status must be one of {', '.join(RECORD_STATUSES)}, not {value!r}."
        )
    return str(value)


def _session_id(value: object) -> str:
    if not isinstance(value, str) or not _SESSION_ID_RE.fullmatch(value):
        raise NotFoundError(f"There is no workbook with the id {value!r}.")
    return value


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _same(a: object, b: object) -> bool:
    """Tell whether two values are equal as stored (True and 1 differ; a list equals a tuple)."""
    return a is b or dump_json(a) == dump_json(b)


# --------------------------------------------------------------------------- transactions


class _Tx:
    """One write transaction on one session, collecting change-log rows as it goes."""

    def __init__(self, conn: Connection, session_id: str, now: str) -> None:
        self.conn = conn
        self.session_id = session_id
        self.now = now
        self._log: list[dict[str, object]] = []

    def log(self, section: str, item_id: str, field: str, old: object, new: object) -> None:
        self._log.append(
            {
                "session_id": self.session_id,
                "at": self.now,
                "section": section,
                "item_id": item_id,
                "field": field,
                "old_json": old,
                "new_json": new,
            }
        )

    def finish(self) -> None:
        if not self._log:
            return
        self.conn.execute(sa.insert(changes), self._log)
        self.conn.execute(
            sa.update(sessions).where(sessions.c.id == self.session_id).values(updated_at=self.now)
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
        changed = {n: v for n, v in new.items() if not _same(current.get(n), v)}
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


# --------------------------------------------------------------------------- the store


class WorkbookStore:
    """All saved workbooks in one database. Open it with ``WorkbookStore.open()``.

    The store can be used from several threads; each method is one short transaction. Use it as a
    context manager, or call ``close()`` when done.
    """

    def __init__(self, engine: sa.Engine, location: db.Location) -> None:
        """Use ``WorkbookStore.open()``; this wraps an engine that is already set up."""
        self._engine = engine
        self._writer = db.writer_engine(engine)
        self._reader = db.reader_engine(engine)
        self._loc = location
        self._closed = False

    # ----- opening and closing

    @classmethod
    def open(
        cls,
        data_dir: Path | str | None = None,
        *,
        url: str | None = None,
        busy_timeout: float = _DEFAULT_BUSY_TIMEOUT,
        create: bool = True,
    ) -> WorkbookStore:
        """Open (creating or upgrading if needed) the workbook database.

        Args:
            data_dir: folder for ``workbooks.sqlite3``. Default: ``$SECOND_OPINION_DATA``, else
                the project's ``data/`` folder. A new folder is made owner-only (0o700) and a
                new database file owner-only (0o600).
            url: a SQLAlchemy database URL instead of a folder, for example
                ``postgresql+psycopg://user@host/workbooks``. Default:
                ``$SECOND_OPINION_DB_URL`` when neither argument is given. The folder of a
                SQLite file named by a URL must exist already.
            busy_timeout: seconds to wait for another program's lock before trying again; after
                three tries a ``StoreBusyError`` is raised.
            create: make the SQLite file (and folder) if missing. With False, a missing file is
                a StoreError, for tools that should only read what is there.

        Opening only reads, unless the tables must be created or upgraded: a database in use by
        another program (even one holding the write lock) opens, and can be read, at once.

        Raises:
            StoreError: the file is damaged or not a workbook database, was written by a newer
                version of this program, or cannot be created; or the URL cannot be used (not a
                URL, an unknown kind of database, its driver not installed, the folder it names
                missing). The file is never overwritten. The message is plain words without the
                file's path or the server's address, which are in the error's ``path``.

        """
        if url is not None and data_dir is not None:
            raise ValueError("Give a data folder or a database URL, not both.")
        if busy_timeout <= 0:
            raise ValueError("busy_timeout must be a positive number of seconds.")
        loc = db.resolve_location(Path(data_dir) if data_dir is not None else None, url)
        engine = db.make_engine(loc, busy_timeout)  # checks the URL, touches nothing yet
        try:
            if loc.path is not None:
                db.prepare_sqlite_file(loc.path, create=create, make_folder=not loc.from_url)
            db.check_connection(engine, loc)
            with db.translated(loc):
                db.init_schema(engine, loc)
        except BaseException:
            engine.dispose()
            raise
        if loc.path is not None:
            db.tighten_side_files(loc.path)
        return cls(engine, loc)

    @property
    def path(self) -> Path | None:
        """The SQLite database file, or None for a database server."""
        return self._loc.path

    @property
    def data_dir(self) -> Path:
        """The local data folder, for exports and such.

        The SQLite file's folder; for a database server, ``$SECOND_OPINION_DATA`` or the project's
        ``data/``.
        """
        if self._loc.path is not None:
            return self._loc.path.parent
        return db.local_data_dir()

    @property
    def location(self) -> str:
        """Where the data is, safe to show (a file path, or a URL without its password)."""
        return self._loc.describe()

    def close(self) -> None:
        """Close every database connection. The store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"WorkbookStore({self.location!r})"

    # ----- plumbing

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("This workbook store has been closed; open it again.")

    def _read(self, body: Callable[[Connection], T]) -> T:
        self._check_open()

        def action() -> T:
            with self._reader.connect() as conn, conn.begin():
                return body(conn)

        return db.with_retries(self._loc, action)

    def _mutate(self, session_id: str, body: Callable[[_Tx], T]) -> T:
        """Run ``body`` in one write transaction on a locked, existing session, then commit."""
        self._check_open()

        def action() -> T:
            with self._writer.begin() as conn:
                found = conn.execute(
                    sa.select(sessions.c.id).where(sessions.c.id == session_id).with_for_update()
                ).first()
                if found is None:
                    raise NotFoundError(f"There is no workbook with the id {session_id!r}.")
                tx = _Tx(conn, session_id, db.utc_now())
                result = body(tx)
                tx.finish()
                return result

        return db.with_retries(self._loc, action)

    # ----- sessions

    def create_session(self, display_name: str, created_by: str) -> tuple[SessionSummary, str]:
        """Start a new, empty workbook.

        Args:
            display_name: the person's name or initials, as they want it shown ('' is allowed).
            created_by: 'patient' or 'navigator'.

        Returns:
            The new workbook's summary and its private token. The token is the only way back to
            the workbook from the dashboard, and it is not stored (only a hash of it is): show
            it to the person now, because it cannot be shown again.

        """
        name = _text(display_name, "The name")
        if created_by not in CREATED_BY:
            raise ValueError(
                f"created_by must be one of {', '.join(CREATED_BY)}, not {created_by!r}."
            )
        token = secrets.token_urlsafe(32)
        token_hash = _hash_token(token)
        self._check_open()

        def action() -> SessionSummary:
            with self._writer.begin() as conn:
                session_id = secrets.token_hex(6)
                while conn.execute(
                    sa.select(sessions.c.id).where(sessions.c.id == session_id)
                ).first():  # pragma: no cover - one chance in 2**48 per existing session
                    session_id = secrets.token_hex(6)
                now = db.utc_now()
                conn.execute(
                    sa.insert(sessions).values(
                        id=session_id,
                        token_hash=token_hash,
                        display_name=name,
                        created_by=created_by,
                        created_at=now,
                        updated_at=now,
                        notes="",
                        notes_updated_at=None,
                    )
                )
                tx = _Tx(conn, session_id, now)
                tx.log("session", "", "created_by", None, created_by)
                tx.log("session", "", "display_name", None, name)
                tx.finish()
                return SessionSummary(session_id, name, created_by, _time(now), _time(now))

        return db.with_retries(self._loc, action), token

    def session_id_for_token(self, token: str) -> str | None:
        """Return the id of the workbook this private token opens, or None.

        None for an unknown, malformed or empty token alike: the answer reveals nothing else.
        The lookup is by a SHA-256 hash of the token, compared in constant time.
        """
        if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
            return None
        wanted = _hash_token(token)
        row = self._read(
            lambda conn: conn.execute(
                sa.select(sessions.c.id, sessions.c.token_hash).where(
                    sessions.c.token_hash == wanted
                )
            ).first()
        )
        if row is None or not hmac.compare_digest(str(row.token_hash), wanted):
            return None
        return str(row.id)

    def sessions(self) -> list[SessionSummary]:
        """Return every workbook, most recently changed first. For navigators, not patients."""
        cols = (
            sessions.c.id,
            sessions.c.display_name,
            sessions.c.created_by,
            sessions.c.created_at,
            sessions.c.updated_at,
        )
        rows = self._read(
            lambda conn: conn.execute(
                sa.select(*cols).order_by(sessions.c.updated_at.desc(), sessions.c.id)
            ).all()
        )
        return [_summary(row) for row in rows]

    def load(self, session_id: str) -> Workbook:
        """Return a snapshot of one workbook. Raises NotFoundError for an unknown id."""
        session_id = _session_id(session_id)
        found = self._read(lambda conn: _load_workbooks(conn, [session_id]))
        if not found:
            raise NotFoundError(f"There is no workbook with the id {session_id!r}.")
        return found[0]

    def load_all(self, session_ids: Iterable[str] | None = None) -> list[Workbook]:
        """Return snapshots of every workbook (or of the given ids), most recently changed first.

        All are read in one consistent snapshot with a handful of queries, so this is the way to
        export many workbooks at once. Unknown ids are skipped.
        """
        ids = None if session_ids is None else [s for s in session_ids if _maybe_id(s)]
        with db.gc_paused():
            return self._read(lambda conn: _load_workbooks(conn, ids))

    def overviews(self) -> list[WorkbookOverview]:
        """Return what a roster needs of every workbook, most recently changed first.

        Much lighter than ``load_all()``: counts are made by the database and no typed text
        but the names is read, so it stays quick with tens of thousands of workbooks.
        """
        with db.gc_paused():
            return self._read(_load_overviews)

    def changes(self, session_id: str) -> list[Change]:
        """Return the change log of one workbook, oldest first.

        For a deleted workbook that is the one row that says it was deleted, and when (section
        'session', field 'deleted', no old or new value).
        """
        session_id = _session_id(session_id)

        def body(conn: Connection) -> list[_Row] | None:
            query = sa.select(changes).where(changes.c.session_id == session_id)
            rows = list(conn.execute(query.order_by(changes.c.id)).all())
            if rows:
                return rows
            exists = conn.execute(sa.select(sessions.c.id).where(sessions.c.id == session_id))
            return [] if exists.first() is not None else None

        rows = self._read(body)
        if rows is None:
            raise NotFoundError(f"There is no workbook with the id {session_id!r}.")
        return [
            Change(
                id=row.id,
                session_id=row.session_id,
                at=_time(row.at),
                section=row.section,
                item_id=row.item_id,
                field=row.field,
                old=row.old_json,
                new=row.new_json,
            )
            for row in rows
        ]

    # ----- the workbook itself

    def set_display_name(self, session_id: str, display_name: str) -> None:
        """Change the name or initials the workbook is shown under."""
        name = _text(display_name, "The name")
        session_id = _session_id(session_id)
        self._mutate(session_id, lambda tx: self._set_session_column(tx, "display_name", name))

    def set_notes(self, session_id: str, notes: str) -> None:
        """Replace the navigator's notes on this workbook."""
        text = _text(notes, "The notes")
        session_id = _session_id(session_id)

        def body(tx: _Tx) -> None:
            if self._set_session_column(tx, "notes", text):
                tx.conn.execute(
                    sa.update(sessions)
                    .where(sessions.c.id == tx.session_id)
                    .values(notes_updated_at=tx.now)
                )

        self._mutate(session_id, body)

    @staticmethod
    def _set_session_column(tx: _Tx, column: str, value: str) -> bool:
        where = sessions.c.id == tx.session_id
        old = tx.conn.execute(sa.select(sessions.c[column]).where(where)).scalar_one()
        if _same(old, value):
            return False
        tx.conn.execute(sa.update(sessions).where(where).values({column: value}))
        tx.log("session", "", column, old, value)
        return True

    def set_answers(self, session_id: str, answers: Mapping[str, object]) -> None:
        """Save situation answers: only the fields given; the others are left as they are.

        Each value is text, a ``date`` (saved as ISO text), True/False, or a list of choice ids;
        None clears that answer. Every value is checked before anything is written, and all are
        written in one transaction. Only answers that differ from what is stored are written and
        logged (section 'situation', item id = the field id, field 'answer').
        """
        session_id = _session_id(session_id)
        if not isinstance(answers, Mapping):
            raise TypeError("answers must be a mapping of field id to value.")
        wanted = {_item_id(f, "field id"): _answer(f, v) for f, v in answers.items()}
        if not wanted:
            return
        self._mutate(session_id, lambda tx: _write_answers(tx, wanted))

    def set_decision_date(self, session_id: str, value: date | str | None) -> None:
        """Set (or, with None or '', clear) the date by which the person needs to decide.

        This is the situation answer ``decision_date``; ``Workbook.decision_date`` reads it back.
        """
        iso = None if value is None else _iso_date(value, "The decision date")
        self.set_answers(session_id, {DECISION_DATE_FIELD: iso})

    def set_question(
        self,
        session_id: str,
        item_id: str,
        *,
        starred: bool | None = None,
        asked: bool | None = None,
        answer: str | None = None,
    ) -> None:
        """Star or unstar a suggested question, tick it off as asked, or write its answer.

        Arguments left as None are not changed. A question never touched counts as not starred,
        not asked, with no answer.
        """
        session_id = _session_id(session_id)
        item_id = _item_id(item_id)
        new: dict[str, object] = {}
        if starred is not None:
            new["starred"] = _flag(starred, "starred")
        if asked is not None:
            new["asked"] = _flag(asked, "asked")
        if answer is not None:
            new["answer"] = _text(answer, "The answer")
        if not new:
            return
        defaults = {"starred": False, "asked": False, "answer": ""}
        self._mutate(
            session_id,
            lambda tx: tx.set_columns(
                question_states,
                {"session_id": tx.session_id, "item_id": item_id},
                "questions",
                item_id,
                new,
                defaults,
            ),
        )

    def add_own_question(self, session_id: str, text: str, audience: str | None = None) -> str:
        """Add a question of the person's own; returns its id (``own_`` and 16 hex digits).

        ``audience`` is an audience id from the content (such as the current doctor), or None.
        """
        session_id = _session_id(session_id)
        text = _text(text, "The question")
        if audience is not None:
            audience = _item_id(audience, "audience")
        own_id = f"own_{secrets.token_hex(8)}"

        def body(tx: _Tx) -> str:
            tx.conn.execute(
                sa.insert(own_questions).values(
                    session_id=tx.session_id,
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

        return self._mutate(session_id, body)

    def set_own_question(
        self,
        session_id: str,
        own_id: str,
        *,
        text: str | None = None,
        audience: str | _Keep | None = KEEP,
        starred: bool | None = None,
        asked: bool | None = None,
        answer: str | None = None,
    ) -> None:
        """Change one of the person's own questions. Arguments left as None are not changed.

        ``audience`` is left as it is when not given; None (or '') clears it.

        Raises NotFoundError if the workbook has no own question with this id.
        """
        session_id = _session_id(session_id)
        own_id = _item_id(own_id, "own question id")
        new: dict[str, object] = {}
        if text is not None:
            new["text"] = _text(text, "The question")
        if audience is not KEEP:
            new["audience"] = None if audience in (None, "") else _item_id(audience, "audience")
        if starred is not None:
            new["starred"] = _flag(starred, "starred")
        if asked is not None:
            new["asked"] = _flag(asked, "asked")
        if answer is not None:
            new["answer"] = _text(answer, "The answer")
        if not new:
            return
        self._mutate(
            session_id,
            lambda tx: tx.set_columns(
                own_questions,
                {"session_id": tx.session_id, "id": own_id},
                "own_questions",
                own_id,
                new,
                None,
            ),
        )

    def set_comparison(self, session_id: str, opinion: str, aspect: str, text: str) -> None:
        """Save what the person wrote about one aspect of one opinion, replacing what was there.

        ``opinion`` is one of ``COMPARISON_OPINIONS`` ('first', 'second'); ``aspect`` an aspect
        id from ``content/compare.yaml``, such as 'diagnosis' or 'recommended_treatment'. Logged
        with section 'compare', item id = the aspect, field = the opinion. Writing '' where
        nothing was written changes nothing.
        """
        session_id = _session_id(session_id)
        if opinion not in COMPARISON_OPINIONS:
            raise ValueError(
                f"The opinion must be one of {', '.join(COMPARISON_OPINIONS)}, not {opinion!r}."
            )
        aspect = _item_id(aspect, "aspect")
        written = _text(text, "The comparison")

        def body(tx: _Tx) -> None:
            key = sa.and_(
                comparisons.c.session_id == tx.session_id,
                comparisons.c.opinion == opinion,
                comparisons.c.aspect == aspect,
            )
            old = tx.conn.execute(sa.select(comparisons.c.text).where(key)).scalar_one_or_none()
            if _same(old if old is not None else "", written):
                return
            if old is None:
                tx.conn.execute(
                    sa.insert(comparisons).values(
                        session_id=tx.session_id,
                        opinion=opinion,
                        aspect=aspect,
                        text=written,
                        updated_at=tx.now,
                    )
                )
            else:
                tx.conn.execute(
                    sa.update(comparisons).where(key).values(text=written, updated_at=tx.now)
                )
            tx.log("compare", aspect, opinion, old, written)

        self._mutate(session_id, body)

    def delete_session(self, session_id: str) -> None:
        """Erase a workbook for good: the right to delete.

        Removes every trace of it: the name, the private link's hash, the situation answers, the
        state of every question and record, the person's own questions, the comparison, the
        navigator's notes, and every change-log row with its old and new values. One change-log
        row is added in their place, holding only the workbook's id, that it was deleted
        (section 'session', field 'deleted') and when; ``changes(session_id)`` returns it.

        On SQLite, deleted content is overwritten with zeros in the database file
        (``secure_delete``), the write-ahead log is emptied into it when no one is reading, and
        the workbook is also erased from the backups kept before schema upgrades. A copy made
        outside the program (a system backup, an exported CSV) is not touched.

        Raises NotFoundError for an unknown (or already deleted) workbook.
        """
        session_id = _session_id(session_id)

        def body(tx: _Tx) -> None:
            for table in (
                answers_table,
                question_states,
                own_questions,
                record_states,
                comparisons,
                changes,
            ):
                tx.conn.execute(sa.delete(table).where(table.c.session_id == tx.session_id))
            tx.conn.execute(sa.delete(sessions).where(sessions.c.id == tx.session_id))
            tx.conn.execute(
                sa.insert(changes).values(
                    session_id=tx.session_id,
                    at=tx.now,
                    section="session",
                    item_id="",
                    field=DELETED_FIELD,
                    old_json=None,
                    new_json=None,
                )
            )

        self._mutate(session_id, body)
        if self._loc.path is not None:
            db.flush_deleted(self._engine, self._loc.path, session_id)

    def set_record(
        self,
        session_id: str,
        item_id: str,
        *,
        status: str | None = None,
        from_whom: str | None = None,
        requested_on: date | str | _Keep | None = KEEP,
        note: str | None = None,
    ) -> None:
        """Track one record: its status, who holds it, the date it was asked for, a note.

        ``status`` is one of needed, requested, received, sent. ``requested_on`` is a ``date``
        or 'YYYY-MM-DD' text, left as it is when not given; None (or '') clears it. The other
        arguments left as None are not changed. A record never touched counts as needed, with
        nothing else filled in.
        """
        session_id = _session_id(session_id)
        item_id = _item_id(item_id)
        new: dict[str, object] = {}
        if status is not None:
            new["status"] = _status(status)
        if from_whom is not None:
            new["from_whom"] = _text(from_whom, "Who has the record")
        if requested_on is not KEEP:
            new["requested_on"] = (
                None if requested_on is None else _iso_date(requested_on, "The date requested")
            )
        if note is not None:
            new["note"] = _text(note, "The note")
        if not new:
            return
        defaults = {"status": "needed", "from_whom": "", "requested_on": None, "note": ""}
        self._mutate(
            session_id,
            lambda tx: tx.set_columns(
                record_states,
                {"session_id": tx.session_id, "item_id": item_id},
                "records",
                item_id,
                new,
                defaults,
            ),
        )


# --------------------------------------------------------------------------- helpers


def _decision_date(answers: Mapping[str, AnswerValue]) -> date | None:
    value = answers.get(DECISION_DATE_FIELD)
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _maybe_id(value: object) -> bool:
    return isinstance(value, str) and bool(_SESSION_ID_RE.fullmatch(value))


def _summary(row: _Row) -> SessionSummary:
    return SessionSummary(
        id=row.id,
        display_name=row.display_name,
        created_by=row.created_by,
        created_at=_time(row.created_at),
        updated_at=_time(row.updated_at),
    )


def _write_answers(tx: _Tx, wanted: Mapping[str, AnswerValue | None]) -> None:
    base = sa.and_(
        answers_table.c.session_id == tx.session_id, answers_table.c.field_id.in_(list(wanted))
    )
    stored = {
        row.field_id: row.value_json
        for row in tx.conn.execute(
            sa.select(answers_table.c.field_id, answers_table.c.value_json).where(base)
        )
    }
    for field_id, value in wanted.items():
        key = sa.and_(
            answers_table.c.session_id == tx.session_id, answers_table.c.field_id == field_id
        )
        if field_id not in stored:
            if value is None:
                continue
            tx.conn.execute(
                sa.insert(answers_table).values(
                    session_id=tx.session_id, field_id=field_id, value_json=value, updated_at=tx.now
                )
            )
            tx.log("situation", field_id, "answer", None, value)
        elif value is None:
            tx.conn.execute(sa.delete(answers_table).where(key))
            tx.log("situation", field_id, "answer", stored[field_id], None)
        elif not _same(stored[field_id], value):
            tx.conn.execute(
                sa.update(answers_table).where(key).values(value_json=value, updated_at=tx.now)
            )
            tx.log("situation", field_id, "answer", stored[field_id], value)


def _rows_by_session(
    conn: Connection, table: Table, ids: list[str] | None, *order: sa.ColumnElement[Any]
) -> dict[str, list[_Row]]:
    query = sa.select(table)
    if ids is not None:
        query = query.where(table.c.session_id.in_(ids))
    grouped: dict[str, list[_Row]] = defaultdict(list)
    for row in conn.execute(query.order_by(*order)):
        grouped[row.session_id].append(row)
    return grouped


def _load_workbooks(conn: Connection, ids: list[str] | None) -> list[Workbook]:
    query = sa.select(sessions).order_by(sessions.c.updated_at.desc(), sessions.c.id)
    if ids is not None:
        if not ids:
            return []
        query = query.where(sessions.c.id.in_(ids))
    heads = conn.execute(query).all()
    if not heads:
        return []
    ans = _rows_by_session(conn, answers_table, ids, answers_table.c.field_id)
    qs = _rows_by_session(conn, question_states, ids, question_states.c.item_id)
    own = _rows_by_session(conn, own_questions, ids, own_questions.c.created_at, own_questions.c.id)
    recs = _rows_by_session(conn, record_states, ids, record_states.c.item_id)
    compared = _rows_by_session(conn, comparisons, ids, comparisons.c.aspect, comparisons.c.opinion)
    out = []
    for head in heads:
        sid = head.id
        out.append(
            Workbook(
                summary=_summary(head),
                answers={r.field_id: _stored_answer(r.value_json) for r in ans.get(sid, ())},
                answer_times={r.field_id: _time(r.updated_at) for r in ans.get(sid, ())},
                notes=head.notes,
                notes_updated_at=_time(head.notes_updated_at) if head.notes_updated_at else None,
                questions={
                    r.item_id: QuestionState(
                        r.item_id, bool(r.starred), bool(r.asked), r.answer, _time(r.updated_at)
                    )
                    for r in qs.get(sid, ())
                },
                own_questions=tuple(
                    OwnQuestion(
                        id=r.id,
                        text=r.text,
                        audience=r.audience,
                        starred=bool(r.starred),
                        asked=bool(r.asked),
                        answer=r.answer,
                        created_at=_time(r.created_at),
                        updated_at=_time(r.updated_at),
                    )
                    for r in own.get(sid, ())
                ),
                records={
                    r.item_id: RecordState(
                        item_id=r.item_id,
                        status=r.status,
                        from_whom=r.from_whom,
                        requested_on=date.fromisoformat(r.requested_on) if r.requested_on else None,
                        note=r.note,
                        updated_at=_time(r.updated_at),
                    )
                    for r in recs.get(sid, ())
                },
                comparison={
                    (r.opinion, r.aspect): ComparisonEntry(
                        r.opinion, r.aspect, r.text, _time(r.updated_at)
                    )
                    for r in compared.get(sid, ())
                },
            )
        )
    return out


def _load_overviews(conn: Connection) -> list[WorkbookOverview]:
    heads = conn.execute(
        sa.select(
            sessions.c.id,
            sessions.c.display_name,
            sessions.c.created_by,
            sessions.c.created_at,
            sessions.c.updated_at,
        ).order_by(sessions.c.updated_at.desc(), sessions.c.id)
    ).all()
    if not heads:
        return []
    # The answers' JSON is decoded in one go: much quicker than one json.loads per value.
    raw = sa.type_coerce(answers_table.c.value_json, sa.Text)
    rows = conn.execute(sa.select(answers_table.c.session_id, answers_table.c.field_id, raw)).all()
    values = json.loads("[" + ",".join([row[2] for row in rows]) + "]")
    answers_by: dict[str, dict[str, AnswerValue]] = defaultdict(dict)
    for (sid, field_id, _), value in zip(rows, values, strict=True):
        answers_by[sid][field_id] = value if type(value) in _ANSWER_TYPES else _stored_answer(value)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for table in (question_states, own_questions):
        query = sa.select(
            table.c.session_id,
            sa.func.sum(sa.case((table.c.starred, 1), else_=0)),
            sa.func.sum(sa.case((table.c.asked, 1), else_=0)),
        ).group_by(table.c.session_id)
        for sid, starred, asked in conn.execute(query).all():
            counts[sid][0] += int(starred or 0)
            counts[sid][1] += int(asked or 0)
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
            summary=_summary(head),
            answers=answers_by.get(head.id, empty),
            questions_starred=counts[head.id][0] if head.id in counts else 0,
            questions_asked=counts[head.id][1] if head.id in counts else 0,
            records=records_by.get(head.id, empty),
        )
        for head in heads
    ]


_ANSWER_TYPES = (str, bool)


def _stored_answer(value: object) -> AnswerValue:
    if isinstance(value, str | bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return json.dumps(value)  # pragma: no cover - only if the database was edited by hand
