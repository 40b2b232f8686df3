"""Opening and closing a workbook store, and the transactions every store method runs in.

``StoreConnection`` holds the database engines, who is writing, and the limits on how often a
workbook may change; ``WorkbookStore`` builds the workbook operations on it.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection

from . import _db as db
from . import _limits as limits
from . import _writes as writes
from ._errors import NotFoundError, StoreError, StoreFullError, TooManyChangesError
from ._link_guard import check_link
from ._schema_setup import init_schema
from ._sqlite_files import empty_wal, prepare_sqlite_file, tighten_side_files
from ._validation import check_actor, hash_token, token_shape_ok

T = TypeVar("T")
DEFAULT_BUSY_TIMEOUT = 2.0
MAX_CHANGES_PER_MINUTE = 600
"""The most saves one workbook takes in a minute through one store (ten a second, more than any
person makes); past that a save is refused with ``TooManyChangesError``, and nothing is written."""


class StoreConnection:
    """An open workbook database: ``open()``, ``close()``, and one short transaction per call."""

    def __init__(self, engine: sa.Engine, location: db.Location, actor: str) -> None:
        """Use ``WorkbookStore.open()``; this wraps an engine that is already set up."""
        self._engine = engine
        self._writer = db.writer_engine(engine)
        self._reader = db.reader_engine(engine)
        self._loc = location
        self._actor = check_actor(actor)
        self._closed = False
        self.changes_per_minute: int | None = MAX_CHANGES_PER_MINUTE
        """The most saves of one workbook in a minute (None: no limit)."""
        self.coalesce_seconds: float = writes.COALESCE_SECONDS
        """Changes of one field by this store within this many seconds are one change-log row
        (0: every change its own row)."""
        self._recent: dict[str, deque[float]] = {}
        self._recent_lock = threading.Lock()
        self.new_workbooks_per_hour: int | None = limits.new_workbooks_per_hour()
        """New workbooks one network address may start in an hour (None: no limit)."""
        self.max_store_bytes: int | None = limits.max_store_bytes()
        """No new workbook once the database holds this many bytes, and no change once it holds
        ``CHANGES_RESERVE`` more (None: no limit)."""
        self._size: tuple[float, int | None] | None = None  # (when measured, bytes)
        self._wal_holds_deleted = False
        """A deletion's old pages may still be in the SQLite WAL: a reader kept it from being
        emptied. Tried again, without waiting, after each use of the store until it works."""

    # ----- opening and closing

    @classmethod
    def open(
        cls,
        data_dir: Path | str | None = None,
        *,
        url: str | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        create: bool = True,
        actor: str | None = None,
    ) -> Self:
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
            actor: who makes the changes through this store, written on every change-log row
                (for example 'navigator:ana' or 'dashboard'); default 'user@host:process id'.

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
        who = check_actor(db.default_actor() if actor is None else actor)
        loc = db.resolve_location(Path(data_dir) if data_dir is not None else None, url)
        engine = db.make_engine(loc, busy_timeout)  # checks the URL, touches nothing yet
        try:
            if loc.path is not None:
                prepare_sqlite_file(loc.path, create=create, make_folder=not loc.from_url)
            db.check_connection(engine, loc)
            with db.translated(loc):
                init_schema(engine, loc)
        except BaseException:
            engine.dispose()
            raise
        if loc.path is not None:
            tighten_side_files(loc.path)
        return cls(engine, loc, who)

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

    @property
    def actor(self) -> str:
        """Who makes the changes through this store, as written in the change log."""
        return self._actor

    def close(self) -> None:
        """Close every database connection. The store cannot be used afterwards."""
        if not self._closed:
            if self._wal_holds_deleted:
                self.flush_deletions(wait=True)
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
        return f"{type(self).__name__}({self.location!r})"

    def flush_deletions(self, *, wait: bool = False) -> bool:
        """Empty the SQLite write-ahead log if a deletion may have left a copy in it.

        A workbook deleted while another connection was reading stays in the WAL (the pages as
        they were before) until no one reads; the store tries again after each of its own uses
        and when it closes, so this is rarely needed by hand. With ``wait``, waits the busy
        timeout for readers. True when nothing deleted is left in the WAL (always True on a
        database server, whose files are its own: see ``WorkbookStore.delete_workbook``).
        """
        if not self._wal_holds_deleted:
            return True
        if empty_wal(self._engine, wait=wait):
            self._wal_holds_deleted = False
        return not self._wal_holds_deleted

    # ----- plumbing

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("This workbook store has been closed; open it again.")

    def _read(self, body: Callable[[Connection], T]) -> T:
        self._check_open()

        def action() -> T:
            with self._reader.connect() as conn, conn.begin():
                return body(conn)

        result = db.with_retries(self._loc, action)
        if self._wal_holds_deleted:
            self.flush_deletions()
        return result

    def _workbook_id_for_secret(
        self, token: str, id_column: sa.Column[str], hash_column: sa.Column[str]
    ) -> str | None:
        """The workbook id in the row whose ``hash_column`` holds the hash of a link's secret.

        None for an unknown, malformed or empty secret alike: the answer reveals nothing else.
        The lookup is by a SHA-256 hash of the secret, compared in constant time.
        """
        if not token_shape_ok(token):
            return None
        wanted = hash_token(token)
        query = sa.select(id_column, hash_column).where(hash_column == wanted)
        found = self._read(lambda conn: conn.execute(query).first())
        if found is None or not hmac.compare_digest(str(found[1]), wanted):
            return None
        return str(found[0])

    def _count_change(self, workbook_id: str) -> None:
        """Refuse a save past ``changes_per_minute`` for this workbook in the last minute."""
        limit = self.changes_per_minute
        if limit is None:
            return
        now = time.monotonic()
        with self._recent_lock:
            recent = self._recent.setdefault(workbook_id, deque())
            while recent and now - recent[0] > 60.0:
                recent.popleft()
            if len(recent) >= limit:
                raise TooManyChangesError(path=self._loc.describe())
            recent.append(now)
            if len(self._recent) > 10_000:  # forget workbooks not changed in the last minute
                for key in [k for k, v in self._recent.items() if not v or now - v[-1] > 60.0]:
                    del self._recent[key]

    def _check_room(self, conn: Connection | None, *, new_workbook: bool) -> None:
        """Refuse a new workbook (or, past the reserve, a change) when the store is full.

        A new workbook measures the database in its own transaction (``conn``). A change uses
        the last measure for up to ``SIZE_CHECK_SECONDS`` while it was under half the limit,
        and measures again each time once the store is fuller than that.
        """
        limit = self.max_store_bytes
        if limit is None:
            return
        allowed = limit if new_workbook else int(limit * (1 + limits.CHANGES_RESERVE))
        now = time.monotonic()
        if conn is not None:
            size = limits.store_bytes(conn)
            self._size = (now, size)
        elif (
            self._size is None
            or now - self._size[0] > limits.SIZE_CHECK_SECONDS
            or (self._size[1] or 0) * 2 >= allowed
        ):
            size = self._read(limits.store_bytes)
            self._size = (time.monotonic(), size)
        else:
            size = self._size[1]
        if size is None or size < allowed:
            return
        what = "new workbooks" if new_workbook else "changes to workbooks already started"
        limits.NOTICES.warn(
            "full-new" if new_workbook else "full-change",
            "The workbook store is full: it holds %d MB, and %s are refused past %d MB "
            "(%s, now %d MB). Make room on the disk and raise it, or delete workbooks.",
            size // 2**20,
            what,
            allowed // 2**20,
            limits.ENV_MAX_STORE_MB,
            limit // 2**20,
        )
        raise StoreFullError(path=self._loc.describe())

    def _mutate(self, workbook_id: str, body: Callable[[writes.Tx], T], *, grows: bool = True) -> T:
        """Run ``body`` in one write transaction on a locked, existing workbook, then commit.

        ``grows``: the change may make the database bigger, so it is refused when the store is
        full (a deletion, or a new private link, never is).
        """
        self._check_open()
        self._count_change(workbook_id)
        if grows:
            self._check_room(None, new_workbook=False)

        def action() -> T:
            with self._writer.begin() as conn:
                if not writes.lock_workbook(conn, workbook_id):
                    raise NotFoundError(f"There is no workbook with the id {workbook_id!r}.")
                check_link(conn, workbook_id)  # the page's private link is still current
                tx = writes.Tx(conn, workbook_id, db.utc_now(), self._actor, self.coalesce_seconds)
                result = body(tx)
                tx.finish()
                return result

        result = db.with_retries(self._loc, action)
        if self._wal_holds_deleted:
            self.flush_deletions()
        return result
