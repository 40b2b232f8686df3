"""Creating the workbook tables in an empty database, or upgrading an older one.

``init_schema`` reads the version first, with no lock beyond a reader's, and takes the write lock
only to create or upgrade the tables (PostgreSQL: an advisory lock, so two servers starting at
once do it once). A SQLite file is backed up before an upgrade and put in WAL mode.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ._db import Location, is_busy, reader_engine, utc_now, with_retries, writer_engine
from ._errors import StoreError
from ._schema import METADATA, SCHEMA_VERSION, UPGRADES, first_upkeep_rows, schema_version
from ._sqlite_files import backup_sqlite_file

_PG_INIT_LOCK = 0x5EC0_0D01  # advisory lock id while creating or upgrading tables on PostgreSQL


def _read_version(conn: Connection, loc: Location) -> int | None:
    """The schema version, or None for an empty database; StoreError for a foreign one."""
    where = loc.describe()
    tables = set(sa.inspect(conn).get_table_names())
    if not tables:
        return None
    if schema_version.name not in tables:
        raise StoreError(
            "This database belongs to another program: it is not a workbook database (it has "
            "no schema_version table). It was left as it is.",
            path=where,
        )
    version = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    if not isinstance(version, int):
        raise StoreError(
            "The workbook database has an empty schema_version table. It was left as it is.",
            path=where,
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            "The workbook database was written by a newer version of this program (schema "
            f"version {version}; this program knows up to version {SCHEMA_VERSION}). Update "
            "the program to open it. The file was not changed.",
            path=where,
        )
    return version


def _lock_for_init(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_INIT_LOCK})


def init_schema(engine: Engine, loc: Location) -> None:
    """Create the tables in an empty database, or upgrade an older one after backing it up.

    The version is read first, without any lock beyond a reader's: a database that is already
    current is left alone, even while another program holds the write lock. Only to create or
    upgrade the tables is the write lock taken, and the version read again under it (another
    program may have done it in the meantime).
    """
    writer = writer_engine(engine)
    reader = reader_engine(engine)

    def check() -> int | None:
        with reader.connect() as conn, conn.begin():
            return _read_version(conn, loc)

    def create_or_check() -> int | None:
        with writer.begin() as conn:
            _lock_for_init(conn)
            version = _read_version(conn, loc)
            if version is None:
                METADATA.create_all(conn)
                first_upkeep_rows(conn)
                conn.execute(
                    sa.insert(schema_version).values(version=SCHEMA_VERSION, applied_at=utc_now())
                )
                return SCHEMA_VERSION
            return version

    version = with_retries(loc, check)
    if version is None:
        version = with_retries(loc, create_or_check)
    if loc.is_sqlite:
        _use_wal(engine)
    if version is None or version == SCHEMA_VERSION:
        return
    if loc.path is not None:
        backup_sqlite_file(loc.path, version)

    def upgrade() -> None:
        with writer.begin() as conn:
            _lock_for_init(conn)
            current = _read_version(conn, loc)
            if current is None:  # pragma: no cover - emptied while we were backing up
                raise StoreError(
                    "The workbook database was emptied while it was being upgraded.",
                    path=loc.describe(),
                )
            for v in range(current, SCHEMA_VERSION):  # nothing if another program upgraded it
                step = UPGRADES.get(v)
                if step is None:  # pragma: no cover - a gap in UPGRADES is a programming error
                    raise StoreError(f"No upgrade from schema version {v} is known.")
                step(conn)
                conn.execute(sa.insert(schema_version).values(version=v + 1, applied_at=utc_now()))

    with_retries(loc, upgrade)


def _use_wal(engine: Engine) -> None:
    """Put a SQLite database in WAL mode (it stays so): readers and one writer at once.

    A database already in WAL mode is only read. Switching needs the database to itself: while
    another program holds a lock it is left for the next time (SQLite works without WAL).
    """
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        try:
            cur.execute("PRAGMA journal_mode")
            row = cur.fetchone()
            if row is None or str(row[0]).lower() not in ("wal", "memory"):
                cur.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as e:
            if not is_busy(e):
                raise
        finally:
            cur.close()
    finally:
        raw.close()
