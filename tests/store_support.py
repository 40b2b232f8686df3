"""Support for the store tests and benchmarks (not a test module): a throw-away PostgreSQL server,
and workbook databases of older schema versions built by hand.

``PostgresServer`` runs Debian's PostgreSQL binaries (``make test`` installs the ``postgresql``
package) in a temporary folder, on a free port of 127.0.0.1, with trust authentication and no
fsync: quick, private to this machine, and gone when stopped. PostgreSQL refuses to run as root,
so as root (as in CI) the server runs as the unprivileged ``postgres`` user that the Debian
package creates, through ``runuser``; as anyone else it runs as that user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from secondopinion.store import WorkbookStore, _schema

DB_NAME = "workbooks.sqlite3"
SID = "0a1b2c3d4e5f"
T1 = "2025-05-01T10:00:00.000000+00:00"
T2 = "2025-05-02T11:30:00.000000+00:00"
V1_TABLES = _schema.V1_METADATA.tables
V2_TABLES = _schema.V2_METADATA.tables

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
"""Debian's PostgreSQL binaries, newest version first."""


def pg_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` ($PG_BIN, else Debian's newest), or None."""
    env = os.environ.get("PG_BIN")
    for folder in [Path(env)] if env else PG_BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A throw-away PostgreSQL server; ``start()``, then ``url(name)`` for each new database."""

    def __init__(self, bin_dir: Path | None = None, max_connections: int = 100) -> None:
        found = bin_dir or pg_bin()
        if found is None:
            raise RuntimeError(
                "PostgreSQL's server programs are not installed: run 'make test' (as root it "
                "installs Debian's postgresql package) or 'sudo apt-get install postgresql'."
            )
        self.bin = found
        self.port = _free_port()
        self.max_connections = max_connections
        self.folder = Path(tempfile.mkdtemp(prefix="workbook-pg-"))
        self.data = self.folder / "data"
        self._as_root = os.geteuid() == 0
        self._count = 0

    def _run(self, program: str, args: Sequence[str]) -> None:
        command = [str(self.bin / program), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        """Make the cluster and start the server; returns self."""
        if self._as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        self._run(
            "initdb",
            ["-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        )
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off "
            f"-c max_connections={self.max_connections}"
        )
        log = str(self.folder / "server.log")
        self._run("pg_ctl", ["-D", str(self.data), "-o", options, "-l", log, "-w", action, *extra])

    def restart(self) -> None:
        """Stop the server (ending every connection at once) and start it again."""
        self._pg_ctl("restart", "-m", "fast")

    def pause(self) -> None:
        """Stop the server, keeping its files, as a server restarting for an update would."""
        self._pg_ctl("stop", "-m", "fast")

    def resume(self) -> None:
        """Start the server again after ``pause``."""
        self._pg_ctl("start")

    def stop(self) -> None:
        """Stop the server and remove its files."""
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin_engine(self) -> sa.Engine:
        """An engine on the maintenance database, outside transactions (for CREATE DATABASE)."""
        return sa.create_engine(
            self.admin_url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )

    def new_database(self) -> str:
        """Create a new, empty database and return its URL."""
        self._count += 1
        name = f"wb_{os.getpid()}_{self._count}_{time.monotonic_ns() % 10**6}"
        engine = self.admin_engine()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        return self.admin_url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``new_database``, ending any connection still on it."""
        name = sa.make_url(url).database
        engine = self.admin_engine()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()

    def end_connections(self, url: str) -> int:
        """End every connection to the database at ``url`` (as a dropped network would)."""
        name = sa.make_url(url).database
        engine = self.admin_engine()
        with engine.connect() as conn:
            ended = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
        engine.dispose()
        return int(ended)


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
