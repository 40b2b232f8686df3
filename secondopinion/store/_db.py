"""Where the workbook database lives, how it is opened, locked, upgraded and kept private.

SQLite is the default: one file, ``workbooks.sqlite3``, in the data folder. Any other SQLAlchemy URL
(for example ``postgresql+psycopg://...``) works through the same code; only the SQLite file gets
the care of ``_sqlite_files`` (owner-only permissions, header check, backup before an upgrade).

Writes take the write lock at the start of their transaction (``BEGIN IMMEDIATE`` on SQLite, a
``SELECT ... FOR UPDATE`` on the workbook's row elsewhere), so a read-then-write inside one
transaction never races with another writer. A lock held too long by another program is retried
a few times, then reported as ``StoreBusyError``. Opening a database whose tables are already
current only reads: the write lock is taken only to create the tables or to upgrade them, so
opening works while another program holds the lock.

The messages of the errors raised here are for people, maybe patients: they never hold the file's
path or the server's address, which travel on the error instead (``StoreError.path``).
"""

from __future__ import annotations

import gc
import getpass
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event, exc

from secondopinion import settings

from ._errors import CORRUPT_MESSAGE, StoreBusyError, StoreError

ENV_DATA = "SECOND_OPINION_DATA"
ENV_URL = "SECOND_OPINION_DB_URL"
DB_FILENAME = "workbooks.sqlite3"
# The project's own data/ folder (git-ignored), wherever the notebook or command runs from.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"

BUSY_ATTEMPTS = 3
_BEGIN_OPTION = "workbook_begin"

# SQLite primary result codes (the low byte of the extended code)
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
_SQLITE_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
_PG_RETRY_STATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock timeout

T = TypeVar("T")


def utc_now() -> str:
    """The current time as a timezone-aware ISO 8601 string in UTC, to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Location:
    """A database URL and, for a SQLite file, its path; ``from_url`` if a URL named it."""

    url: sa.URL
    path: Path | None
    from_url: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """The file path, or the URL without its password: safe to show in a message."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)


def local_data_dir() -> Path:
    """The data folder from ``SECOND_OPINION_DATA``, else the project's ``data/``, made absolute."""
    env_dir = settings.text(settings.DATA)
    return (Path(env_dir) if env_dir else DEFAULT_DATA_DIR).expanduser().resolve()


def resolve_location(data_dir: Path | None, url: str | None) -> Location:
    """Pick the database: explicit URL or folder, then the environment, then the project's data/."""
    if url is None and data_dir is None:
        url = settings.text(settings.DB_URL)
        env_dir = settings.text(settings.DATA)
        if url is None and env_dir:
            data_dir = Path(env_dir)
    if url is not None:
        parsed = _parse_url(url)
        path = None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            path = _absolute(str(parsed.database), "The file name in the database URL")
            parsed = parsed.set(database=str(path))
        return Location(parsed, path, from_url=True)
    folder = _absolute(data_dir if data_dir is not None else DEFAULT_DATA_DIR, "The data folder")
    path = folder / DB_FILENAME
    return Location(sa.URL.create("sqlite+pysqlite", database=str(path)), path)


def _parse_url(url: str) -> sa.URL:
    """The URL parsed, or a StoreError that says what is wrong (never with the password)."""
    try:
        return sa.make_url(url)
    except exc.ArgumentError:
        reason = "it is not written as one (kind://user:password@host/name, or sqlite:///file)"
    except ValueError as e:
        reason = "its port is not a number" if "int()" in str(e) else "it cannot be read"
    raise StoreError(f"The database URL cannot be used: {reason}.") from None


def _absolute(name: str | Path, what: str) -> Path:
    """``name`` with ~ expanded, made absolute; a StoreError if no file can have that name."""
    try:
        return Path(name).expanduser().resolve()
    except (ValueError, OSError, RuntimeError) as e:  # a NUL character, a symlink loop...
        raise StoreError(f"{what} is not a name a file can have.", detail=str(e)) from None


def make_engine(loc: Location, busy_timeout: float) -> Engine:
    """An engine for ``loc``; SQLite connections use WAL, a busy timeout and full syncs.

    A URL naming a kind of database this program cannot use (or whose Python driver is not
    installed, or with an option that is not valid) is a StoreError that says so.
    """
    try:
        return _make_engine(loc, busy_timeout)
    except exc.NoSuchModuleError as e:
        kind = loc.url.drivername
        raise url_error(
            loc, f"it names a kind of database this program does not know ({kind!r})", e
        ) from None
    except ImportError as e:
        package = f"the Python package {e.name!r}" if e.name else "a Python package"
        raise url_error(loc, f"it needs {package}, which is not installed here", e) from None
    except (exc.ArgumentError, ValueError, TypeError) as e:
        raise url_error(loc, "one of its options is not valid", e) from None


def url_error(loc: Location, reason: str, error: BaseException | None = None) -> StoreError:
    """A StoreError saying why the database URL cannot be used (never with its password)."""
    detail = None
    if error is not None:
        detail = f"{type(error).__name__}: {error}"
        if loc.url.password:
            detail = detail.replace(str(loc.url.password), "***")
    return StoreError(
        f"The database URL cannot be used: {reason}.", path=loc.describe(), detail=detail
    )


def check_connection(engine: Engine, loc: Location) -> None:
    """Connect once, so that a URL whose options the driver refuses fails here, plainly."""
    try:
        with engine.connect():
            pass
    except (exc.DBAPIError, sqlite3.Error) as e:
        if is_busy(e):
            return  # the database is there; reading it is tried again in init_schema
        raise store_error_for(e, loc) from e
    except (exc.ArgumentError, ValueError, TypeError) as e:
        raise url_error(loc, "one of its options is not valid", e) from e


def _make_engine(loc: Location, busy_timeout: float) -> Engine:
    busy_ms = max(1, int(busy_timeout * 1000))
    if loc.url.get_backend_name() == "postgresql":
        return _postgres_engine(loc, busy_ms)
    if not loc.is_sqlite:
        return sa.create_engine(loc.url, pool_pre_ping=True)
    engine = sa.create_engine(
        loc.url, connect_args={"timeout": busy_timeout, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SELECT count(*) FROM sqlite_master")  # fails early on a non-database
            cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA synchronous = FULL")
            # what is deleted is overwritten with zeros, not left in free space in the file
            cur.execute("PRAGMA secure_delete = ON")
            # WAL is switched on by init_schema, once the file is known to be ours: switching
            # here would write to the header of a file that may belong to someone else.
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN"))

    return engine


PG_POOL: Final = {
    "pool_size": 1,  # one connection kept per kernel: a dashboard visit is one person at a time
    "max_overflow": 2,  # a few more, briefly, when threads of one kernel write at once
    "pool_timeout": 10,  # seconds to wait for one of those before giving up plainly
    "pool_recycle": 1800,  # renew a connection every half hour (firewalls drop idle ones)
    "pool_pre_ping": True,  # a connection the server closed is replaced, not reported
}
"""The connection pool of a PostgreSQL store: many kernels, each holding at most one connection."""

PG_STATEMENT_TIMEOUT_MS: Final = 30_000
"""No statement of the store runs longer than this (the bulk read of 10,000 workbooks: < 1 s)."""


def _postgres_engine(loc: Location, busy_ms: int) -> Engine:
    """An engine for PostgreSQL with a small pool and timeouts; options in the URL win."""
    options = (
        f"-c lock_timeout={busy_ms} -c statement_timeout={PG_STATEMENT_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={PG_STATEMENT_TIMEOUT_MS}"
    )
    # a row locked longer than busy_timeout fails with lock_not_available, which is retried
    defaults = {
        "connect_timeout": 10,
        "application_name": "second-opinion workbook",
        "options": options,
    }
    given = set(loc.url.query)
    connect_args = {k: v for k, v in defaults.items() if k not in given}
    return sa.create_engine(loc.url, connect_args=connect_args, **PG_POOL)


def writer_engine(engine: Engine) -> Engine:
    """The same engine, but its transactions take the write lock as they begin (SQLite)."""
    return engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})


def reader_engine(engine: Engine) -> Engine:
    """The same engine, with one consistent snapshot per transaction on server databases."""
    if engine.dialect.name == "sqlite":
        return engine  # a SQLite read transaction is already one snapshot
    return engine.execution_options(isolation_level="REPEATABLE READ")


def _orig(error: BaseException) -> BaseException:
    return error.orig if isinstance(error, exc.DBAPIError) else error  # type: ignore[return-value]


def is_busy(error: BaseException) -> bool:
    """True for 'database is locked' and its kin: worth waiting and trying again."""
    orig = _orig(error)
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF in _SQLITE_BUSY_CODES
        text = str(orig).lower()
        return "locked" in text or "busy" in text
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state in _PG_RETRY_STATES


UNREACHABLE_MESSAGE: Final = (
    "The workbook database server cannot be reached just now (it may be restarting). What was "
    "saved before is safe; try again in a moment."
)
"""The message for a database server that is down, restarting, or cut off."""

# connection exceptions, admin shutdown, crash shutdown, cannot connect now
_PG_UNREACHABLE_PREFIXES = ("08", "57P01", "57P02", "57P03")


def _server_unreachable(error: BaseException, loc: Location) -> bool:
    if loc.is_sqlite or not isinstance(error, exc.OperationalError | exc.InterfaceError):
        return False
    state = getattr(_orig(error), "sqlstate", None)
    return state is None or str(state).startswith(_PG_UNREACHABLE_PREFIXES)


def store_error_for(error: BaseException, loc: Location) -> StoreError:
    """A plain-words StoreError for a database error; where and what exactly go on the error."""
    where = loc.describe()
    if is_busy(error):
        return StoreBusyError(path=where)
    orig = _orig(error)
    detail = f"{type(orig).__name__}: {orig}"
    if loc.url.password:
        detail = detail.replace(str(loc.url.password), "***")
    if _server_unreachable(error, loc):
        return StoreError(UNREACHABLE_MESSAGE, path=where, detail=detail)
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        base = code & 0xFF if isinstance(code, int) else None
        if base in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or (
            base is None and ("malformed" in str(orig) or "not a database" in str(orig))
        ):
            return StoreError(CORRUPT_MESSAGE, path=where, detail=detail)
        if base == _SQLITE_FULL:
            return StoreError(
                "The disk is full, so the workbook database could not be saved to.",
                path=where,
                detail=detail,
            )
        if base == _SQLITE_READONLY:
            return StoreError(
                "The workbook database is read-only, so nothing was saved.",
                path=where,
                detail=detail,
            )
        if base == _SQLITE_CANTOPEN:
            return StoreError("The workbook database cannot be opened.", path=where, detail=detail)
        if base == _SQLITE_IOERR:
            return StoreError(
                "The disk reported an error while the workbook database was in use.",
                path=where,
                detail=detail,
            )
    return StoreError("The workbook database could not be used.", path=where, detail=detail)


@contextmanager
def translated(loc: Location) -> Iterator[None]:
    """Turn database errors raised inside the block into StoreError."""
    try:
        yield
    except (exc.DBAPIError, sqlite3.Error) as e:
        raise store_error_for(e, loc) from e


def with_retries(loc: Location, action: Callable[[], T], attempts: int = BUSY_ATTEMPTS) -> T:
    """Run ``action`` (one whole transaction); on a busy database, wait and run it again."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except (exc.DBAPIError, sqlite3.Error) as e:
            if not is_busy(e):
                raise store_error_for(e, loc) from e
            if attempt == attempts:
                raise StoreBusyError(path=loc.describe()) from e
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk read builds many small objects.

    Reading ten thousand workbooks makes hundreds of thousands of dicts and tuples, and each
    burst sets off a full collection over the whole (large, in a notebook) heap, for nothing:
    these objects hold no cycles. Reference counting still frees memory as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def default_actor() -> str:
    """Who is changing things when the caller does not say: 'user@host:process id'."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no name for this user id (a bare container)
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}:{os.getpid()}"[:100]
