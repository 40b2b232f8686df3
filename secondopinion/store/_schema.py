r"""The tables of the workbook store, every earlier version of them, and the upgrades between them.

Version history
---------------
1. The first layout. The change log kept only the new value of each change (``value_json``), and
   the person's own questions had no audience.
2. The change log keeps the old and the new value (``old_json``, ``new_json``); own
   questions may name an audience. Change-log rows written under version 1 read back with an old
   value of ``None``.
3. ``comparisons``: what the person wrote about each opinion (first, second), aspect by
   aspect. The change log no longer points at ``sessions`` with a foreign key, so that it can keep
   the one row that says a workbook was deleted, and when, after the workbook itself is gone.
4. The change log says who made each change (``changed_by``, NULL for earlier rows),
   and the section of changes to the workbook itself is called 'workbook' (it was 'session').
5. ``sessions.language``: the language the workbook is shown in ('en', 'es'), so that
   the private link reopens it in that language; earlier workbooks read 'en'.
6. ``new_workbooks``: when a workbook was started from a visitor's network address in
   the last hour (the address only as a keyed hash, each row gone after an hour), so that one
   address cannot start workbooks without end; ``store_upkeep``: the key of that hash, and when
   the store's hourly upkeep last ran (``_limits``).
7. ``steps_done``: which timeline steps the person marked done, and on what day;
   ``sessions.second_opinion_on`` and ``sessions.second_opinion_differs``: when the second
   opinion was given and whether it differed from the first (``_progress``). Earlier workbooks
   have no step done and no second opinion yet.
8. (current) ``care_team_links``: the read-only link a person made for their care team (only
   its token's hash), whether it shows their own questions, when it was made, and when the care
   team marked it seen (``_care_team``). Earlier workbooks have no such link.

Names as stored
---------------
The program says "workbook" everywhere; the database keeps the names it was first written with:
the table of workbooks is ``sessions`` and every other table points at it with ``session_id``.
Renaming them would gain nothing but risk on databases already in use, so they stay, and only
this package reads them (``WorkbookStore`` hands out ``workbook_id``).

To change the layout: describe the new tables in ``METADATA``, raise ``SCHEMA_VERSION``, and add an
``_upgrade_<n>_to_<n+1>`` function to ``UPGRADES`` that turns a version-n database into the new one
(a new table is ``table.create(conn)``; a new column is ``ALTER TABLE ... ADD COLUMN``). Keep the
old layout in a ``V<n>_METADATA`` so that tests can build a file of that version by hand.

Text columns
------------
Everything a person types is stored as a JSON string literal in a TEXT column (``ExactText``), and
answers and change-log values as JSON documents (``JsonValue``). That way every character round
trips exactly on every database: PostgreSQL TEXT refuses the NUL character, which JSON writes as
``\u0000``. Ids, statuses, ISO dates and timestamps are plain strings that the store validates.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    text,
)
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 8
LANGUAGE_LEN = 8  # a language code, such as en or es

ID_LEN = 100  # field ids, item ids, own-question ids
TIME_LEN = 40  # ISO 8601 UTC timestamps, e.g. 2025-01-31T09:30:00.123456+00:00
DATE_LEN = 10  # ISO dates, e.g. 2025-01-31
DIFFERS_LEN = 16  # whether the second opinion differed: same, partly, different


def dump_json(value: object) -> str:
    """JSON text for ``value``; non-ASCII kept readable unless it cannot be encoded as UTF-8."""
    out = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        out.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them so they still round trip
        out = json.dumps(value, separators=(",", ":"))
    return out


class ExactText(TypeDecorator[str]):
    """A ``str`` stored as a JSON string literal, so every character comes back exactly."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else dump_json(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        result = json.loads(value)
        if not isinstance(result, str):  # pragma: no cover - only if edited by hand
            raise ValueError(f"expected a JSON string, found {value[:40]!r}")
        return result


class JsonValue(TypeDecorator[Any]):
    """Any JSON value stored as JSON text; Python ``None`` is SQL NULL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else dump_json(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def _session_fk() -> Column[str]:
    return Column(
        "session_id",
        String(32),
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    )


def _build(version: int) -> MetaData:
    """The tables as they are in ``version`` (1 to ``SCHEMA_VERSION``)."""
    md = MetaData()
    Table(
        "schema_version",
        md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("applied_at", String(TIME_LEN), nullable=False),
    )
    Table(
        "sessions",
        md,
        Column("id", String(32), primary_key=True),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("display_name", ExactText, nullable=False),
        Column("created_by", String(16), nullable=False),
        Column("created_at", String(TIME_LEN), nullable=False),
        Column("updated_at", String(TIME_LEN), nullable=False, index=True),
        Column("notes", ExactText, nullable=False),
        Column("notes_updated_at", String(TIME_LEN), nullable=True),
        *(
            [Column("language", String(LANGUAGE_LEN), nullable=False, server_default="en")]
            if version >= 5
            else []
        ),
        *(
            [
                Column("second_opinion_on", String(DATE_LEN), nullable=True),
                Column("second_opinion_differs", String(DIFFERS_LEN), nullable=True),
            ]
            if version >= 7
            else []
        ),
    )
    Table(
        "answers",
        md,
        _session_fk(),
        Column("field_id", String(ID_LEN), primary_key=True),
        Column("value_json", JsonValue, nullable=False),
        Column("updated_at", String(TIME_LEN), nullable=False),
    )
    Table(
        "question_states",
        md,
        _session_fk(),
        Column("item_id", String(ID_LEN), primary_key=True),
        Column("starred", Boolean, nullable=False),
        Column("asked", Boolean, nullable=False),
        Column("answer", ExactText, nullable=False),
        Column("updated_at", String(TIME_LEN), nullable=False),
    )
    own: list[Column[Any]] = [
        _session_fk(),
        Column("id", String(ID_LEN), primary_key=True),
        Column("text", ExactText, nullable=False),
        Column("starred", Boolean, nullable=False),
        Column("asked", Boolean, nullable=False),
        Column("answer", ExactText, nullable=False),
        Column("created_at", String(TIME_LEN), nullable=False),
        Column("updated_at", String(TIME_LEN), nullable=False),
    ]
    if version >= 2:
        own.append(Column("audience", String(ID_LEN), nullable=True))
    Table("own_questions", md, *own)
    Table(
        "record_states",
        md,
        _session_fk(),
        Column("item_id", String(ID_LEN), primary_key=True),
        Column("status", String(16), nullable=False),
        Column("from_whom", ExactText, nullable=False),
        Column("requested_on", String(DATE_LEN), nullable=True),
        Column("note", ExactText, nullable=False),
        Column("updated_at", String(TIME_LEN), nullable=False),
    )
    if version >= 3:
        Table(
            "comparisons",
            md,
            _session_fk(),
            Column("opinion", String(ID_LEN), primary_key=True),
            Column("aspect", String(ID_LEN), primary_key=True),
            Column("text", ExactText, nullable=False),
            Column("updated_at", String(TIME_LEN), nullable=False),
        )
    changes = _changes_table(md, "changes", version)
    Index("ix_changes_session", changes.c.session_id, changes.c.id)
    if version >= 6:
        _upkeep_tables(md)
    if version >= 7:
        _steps_done_table(md)
    if version >= 8:
        _care_team_table(md)
    return md


def _care_team_table(md: MetaData) -> Table:
    """Version 8: a workbook's read-only link for its care team, one row while it is on."""
    return Table(
        "care_team_links",
        md,
        _session_fk(),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("shares_own_questions", Boolean, nullable=False),
        Column("made_at", String(TIME_LEN), nullable=False),
        Column("seen_at", String(TIME_LEN), nullable=True),
    )


def _steps_done_table(md: MetaData) -> Table:
    """Version 7: the timeline steps the person marked done, each with the day it was done."""
    return Table(
        "steps_done",
        md,
        _session_fk(),
        Column("step_id", String(ID_LEN), primary_key=True),
        Column("done_on", String(DATE_LEN), nullable=False),
        Column("updated_at", String(TIME_LEN), nullable=False),
    )


def _upkeep_tables(md: MetaData) -> None:
    """Version 6: new workbooks by address in the last hour, and the store's own upkeep."""
    started = Table(
        "new_workbooks",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("address_key", String(64), nullable=False),
        Column("at", String(TIME_LEN), nullable=False),
    )
    Index("ix_new_workbooks_address", started.c.address_key, started.c.at)
    Index("ix_new_workbooks_at", started.c.at)
    Table(
        "store_upkeep",
        md,
        Column("name", String(ID_LEN), primary_key=True),
        Column("value", Text, nullable=False),
    )


ADDRESS_KEY = "address_key"
"""The ``store_upkeep`` row that holds the key of the hash of visitors' addresses."""

UPKEEP_AT = "upkeep_at"
"""The ``store_upkeep`` row that holds when the hourly upkeep last ran."""


def first_upkeep_rows(conn: Connection) -> None:
    """Fill ``store_upkeep`` in a new (or newly upgraded) database: a fresh random key."""
    table = METADATA.tables["store_upkeep"]
    conn.execute(
        insert(table),
        [
            {"name": ADDRESS_KEY, "value": secrets.token_hex(32)},
            {"name": UPKEEP_AT, "value": ""},
        ],
    )


def _changes_table(md: MetaData, name: str, version: int) -> Table:
    values = (
        [Column("old_json", JsonValue, nullable=True), Column("new_json", JsonValue, nullable=True)]
        if version >= 2
        else [Column("value_json", JsonValue, nullable=True)]
    )
    session = (
        Column("session_id", String(32), nullable=False)
        if version >= 3
        else Column(
            "session_id",
            String(32),
            ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    return Table(
        name,
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        session,
        Column("at", String(TIME_LEN), nullable=False),
        Column("section", String(20), nullable=False),
        Column("item_id", String(ID_LEN), nullable=False),
        Column("field", String(ID_LEN), nullable=False),
        *values,
        *([Column("changed_by", Text, nullable=True)] if version >= 4 else []),
    )


METADATA = _build(SCHEMA_VERSION)
V1_METADATA = _build(1)
V2_METADATA = _build(2)
V3_METADATA = _build(3)
V4_METADATA = _build(4)
V5_METADATA = _build(5)
V6_METADATA = _build(6)
V7_METADATA = _build(7)

schema_version = METADATA.tables["schema_version"]
sessions = METADATA.tables["sessions"]
answers = METADATA.tables["answers"]
question_states = METADATA.tables["question_states"]
own_questions = METADATA.tables["own_questions"]
record_states = METADATA.tables["record_states"]
changes = METADATA.tables["changes"]
comparisons = METADATA.tables["comparisons"]
new_workbooks = METADATA.tables["new_workbooks"]
store_upkeep = METADATA.tables["store_upkeep"]
steps_done = METADATA.tables["steps_done"]
care_team_links = METADATA.tables["care_team_links"]


def _upgrade_1_to_2(conn: Connection) -> None:
    """Version 1 → 2: old and new values in the change log; an audience on own questions."""
    conn.execute(text("ALTER TABLE changes RENAME COLUMN value_json TO new_json"))
    conn.execute(text("ALTER TABLE changes ADD COLUMN old_json TEXT"))
    conn.execute(text(f"ALTER TABLE own_questions ADD COLUMN audience VARCHAR({ID_LEN})"))


def _upgrade_2_to_3(conn: Connection) -> None:
    """Version 2 → 3: the comparisons table; a change log without a foreign key to sessions.

    SQLite cannot drop a foreign key, so there the change log is copied into a new table that has
    none, with the same ids, and the new table takes the old one's name. Other databases drop the
    constraint by its name.
    """
    METADATA.tables["comparisons"].create(conn)
    if conn.dialect.name != "sqlite":
        for key in inspect(conn).get_foreign_keys("changes"):
            if key.get("name"):
                conn.execute(text(f'ALTER TABLE changes DROP CONSTRAINT "{key["name"]}"'))
        return
    md = MetaData()
    _changes_table(md, "changes_v3", 3).create(conn)
    conn.execute(
        text(
            "INSERT INTO changes_v3 (id, session_id, at, section, item_id, field, old_json, "
            "new_json) SELECT id, session_id, at, section, item_id, field, old_json, new_json "
            "FROM changes"
        )
    )
    conn.execute(text("DROP TABLE changes"))
    conn.execute(text("ALTER TABLE changes_v3 RENAME TO changes"))
    conn.execute(text("CREATE INDEX ix_changes_session ON changes (session_id, id)"))


def _upgrade_3_to_4(conn: Connection) -> None:
    """Version 3 → 4: who made each change; the change-log section 'session' is now 'workbook'."""
    conn.execute(text("ALTER TABLE changes ADD COLUMN changed_by TEXT"))
    conn.execute(text("UPDATE changes SET section = 'workbook' WHERE section = 'session'"))


def _upgrade_4_to_5(conn: Connection) -> None:
    """Version 4 → 5: the language each workbook is shown in; every earlier one is English."""
    conn.execute(
        text(
            f"ALTER TABLE sessions ADD COLUMN language VARCHAR({LANGUAGE_LEN}) "
            "NOT NULL DEFAULT 'en'"
        )
    )


def _upgrade_5_to_6(conn: Connection) -> None:
    """Version 5 → 6: new workbooks by address, and the store's upkeep (with a fresh key)."""
    md = MetaData()
    _upkeep_tables(md)
    md.create_all(conn)
    first_upkeep_rows(conn)


def _upgrade_6_to_7(conn: Connection) -> None:
    """Version 6 → 7: steps marked done; when the second opinion was given, and if it differed."""
    conn.execute(text(f"ALTER TABLE sessions ADD COLUMN second_opinion_on VARCHAR({DATE_LEN})"))
    conn.execute(
        text(f"ALTER TABLE sessions ADD COLUMN second_opinion_differs VARCHAR({DIFFERS_LEN})")
    )
    METADATA.tables["steps_done"].create(conn)


def _upgrade_7_to_8(conn: Connection) -> None:
    """Version 7 → 8: the read-only links for care teams (none yet)."""
    METADATA.tables["care_team_links"].create(conn)


UPGRADES: dict[int, Callable[[Connection], None]] = {
    1: _upgrade_1_to_2,
    2: _upgrade_2_to_3,
    3: _upgrade_3_to_4,
    4: _upgrade_4_to_5,
    5: _upgrade_5_to_6,
    6: _upgrade_6_to_7,
    7: _upgrade_7_to_8,
}
"""``UPGRADES[n]`` turns a version-n database into version n + 1, inside one transaction."""
