"""Support for the store tests (not a test module): workbook databases of older schema versions
built by hand, and the throw-away PostgreSQL server of ``harness.postgres``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from harness.postgres import PG_BIN_DIRS, PostgresServer, pg_bin
from secondopinion.store import WorkbookStore, _schema

__all__ = ["PG_BIN_DIRS", "PostgresServer", "pg_bin"]

DB_NAME = "workbooks.sqlite3"
SID = "0a1b2c3d4e5f"
T1 = "2025-05-01T10:00:00.000000+00:00"
T2 = "2025-05-02T11:30:00.000000+00:00"
V1_TABLES = _schema.V1_METADATA.tables
V2_TABLES = _schema.V2_METADATA.tables


@dataclass(frozen=True)
class StoreTarget:
    """Where a test's store lives: a SQLite folder, or a fresh database on the test server."""

    kind: str
    folder: Path | None
    url: str | None
    server: PostgresServer | None

    def open(self, **options: object) -> WorkbookStore:
        """Open another store on the same database (as another kernel or server would)."""
        if self.url is not None:
            return WorkbookStore.open(url=self.url, **options)  # type: ignore[arg-type]
        return WorkbookStore.open(self.folder, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- older layouts


def _sync_ids(engine: sa.Engine) -> None:
    """After rows were written with explicit ids, move PostgreSQL's id sequence past them."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('changes', 'id'), "
                "(SELECT coalesce(max(id), 0) + 1 FROM changes), false)"
            )


def _sqlite_file(folder: Path) -> sa.Engine:
    folder.mkdir(mode=0o700)
    path = folder / DB_NAME
    path.touch(mode=0o600)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    return engine


def build_v1(folder: Path) -> Path:
    """A version-1 SQLite workbook database in ``folder`` (made here), as version 1 wrote it."""
    engine = _sqlite_file(folder)
    fill_v1(engine)
    engine.dispose()
    return folder / DB_NAME


def build_v2(folder: Path) -> Path:
    """A version-2 SQLite workbook database in ``folder`` (made here), as version 2 wrote it."""
    engine = _sqlite_file(folder)
    fill_v2(engine)
    engine.dispose()
    return folder / DB_NAME


def versions(path: Path) -> list[int]:
    """The schema versions recorded in a SQLite workbook database."""
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    finally:
        conn.close()


def versions_at(url: str) -> list[int]:
    """The schema versions recorded in the workbook database at ``url``."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        found = [
            int(v)
            for v in conn.exec_driver_sql("SELECT version FROM schema_version ORDER BY 1").scalars()
        ]
    engine.dispose()
    return found


def fill_v1(engine: sa.Engine) -> None:
    """A version-1 workbook database with one workbook in it, as version 1 wrote it."""
    with engine.begin() as conn:
        _schema.V1_METADATA.create_all(conn)
        conn.execute(sa.insert(V1_TABLES["schema_version"]).values(version=1, applied_at=T1))
        conn.execute(
            sa.insert(V1_TABLES["sessions"]).values(
                id=SID,
                token_hash="0" * 64,
                display_name="Old Timer ☂",
                created_by="navigator",
                created_at=T1,
                updated_at=T2,
                notes="from version 1",
                notes_updated_at=T2,
            )
        )
        conn.execute(
            sa.insert(V1_TABLES["answers"]),
            [
                {
                    "session_id": SID,
                    "field_id": "diagnosis_kind",
                    "value_json": "cancer",
                    "updated_at": T1,
                },
                {
                    "session_id": SID,
                    "field_id": "tests_done",
                    "value_json": ["biopsy"],
                    "updated_at": T1,
                },
            ],
        )
        conn.execute(
            sa.insert(V1_TABLES["question_states"]).values(
                session_id=SID,
                item_id="q_how_sure",
                starred=True,
                asked=False,
                answer="?",
                updated_at=T1,
            )
        )
        conn.execute(
            sa.insert(V1_TABLES["own_questions"]).values(
                session_id=SID,
                id="own_00000000000000aa",
                text="My old question",
                starred=False,
                asked=True,
                answer="",
                created_at=T1,
                updated_at=T1,
            )
        )
        conn.execute(
            sa.insert(V1_TABLES["record_states"]).values(
                session_id=SID,
                item_id="r_slides",
                status="requested",
                from_whom="Lab",
                requested_on="2025-05-01",
                note="",
                updated_at=T1,
            )
        )
        conn.execute(
            sa.insert(V1_TABLES["changes"]),
            [
                {"session_id": SID, "at": T1, "section": "situation", "item_id": "diagnosis_kind",
                 "field": "answer", "value_json": "cancer"},
                {"session_id": SID, "at": T2, "section": "session", "item_id": "",
                 "field": "notes", "value_json": "from version 1"},
            ],
        )  # fmt: skip
    _sync_ids(engine)


def fill_v2(engine: sa.Engine) -> None:
    """A version-2 workbook database with one workbook and its change log, as version 2 wrote it."""
    with engine.begin() as conn:
        _schema.V2_METADATA.create_all(conn)
        for version in (1, 2):
            conn.execute(
                sa.insert(V2_TABLES["schema_version"]).values(version=version, applied_at=T1)
            )
        conn.execute(
            sa.insert(V2_TABLES["sessions"]).values(
                id=SID,
                token_hash="1" * 64,
                display_name="Version Two Ωmega",
                created_by="patient",
                created_at=T1,
                updated_at=T2,
                notes="",
                notes_updated_at=None,
            )
        )
        conn.execute(
            sa.insert(V2_TABLES["own_questions"]).values(
                session_id=SID,
                id="own_00000000000000bb",
                text="V2SECRET question",
                audience="second_doctor",
                starred=True,
                asked=False,
                answer="",
                created_at=T1,
                updated_at=T1,
            )
        )
        conn.execute(
            sa.insert(V2_TABLES["changes"]),
            [
                {"id": 7, "session_id": SID, "at": T1, "section": "own_questions",
                 "item_id": "own_00000000000000bb", "field": "text", "old_json": None,
                 "new_json": "V2SECRET question"},
                {"id": 8, "session_id": SID, "at": T2, "section": "own_questions",
                 "item_id": "own_00000000000000bb", "field": "starred", "old_json": False,
                 "new_json": True},
            ],
        )  # fmt: skip
    _sync_ids(engine)
