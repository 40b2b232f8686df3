"""The SQLite file itself: made owner-only, checked to be a database, backed up, scrubbed.

Only a SQLite database has a file of its own; a database server looks after its own files. A new
file and its folder are made owner-only (0o600, 0o700), and so are SQLite's side files (WAL,
shared memory, journal). A file that is not a SQLite database is refused, never overwritten.
Before a schema upgrade the file is copied next to itself; after the right to delete, the
workbook is erased from those copies too.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from ._errors import CORRUPT_MESSAGE, StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def prepare_sqlite_file(path: Path, *, create: bool = True, make_folder: bool = True) -> None:
    """Make the folder (0o700) and an empty file (0o600) if missing; refuse a non-SQLite file.

    With ``make_folder`` False (a file named by a database URL), a missing folder is an error:
    a mistyped URL should not quietly start a new, empty database somewhere else.
    """
    folder = path.parent
    where = str(path)
    try:
        exists = path.exists()
    except OSError as e:
        raise StoreError(
            "The workbook database cannot be reached.", path=where, detail=e.strerror
        ) from None
    if not create and not exists:
        raise StoreError("There is no workbook database yet: nothing has been saved.", path=where)
    if not folder.exists():
        if not make_folder:
            raise StoreError(
                "The folder named in the database URL does not exist.", path=str(folder)
            )
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)  # whatever the umask
        except OSError as e:
            raise StoreError(
                f"The data folder cannot be created ({_reason(e)}).",
                path=str(folder),
                detail=str(e),
            ) from None
    elif not folder.is_dir():
        raise StoreError("The data folder is a file, not a folder.", path=str(folder))
    else:
        make_owner_only(folder, "The data folder")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _check_sqlite_header(path)
        make_owner_only(path, "The workbook database")
        for suffix in SIDE_SUFFIXES:
            side = path.with_name(path.name + suffix)
            if side.exists():
                make_owner_only(side, "A file the workbook database keeps next to it")
        return
    except OSError as e:
        raise StoreError(
            f"The workbook database cannot be created ({_reason(e)}).", path=where, detail=str(e)
        ) from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)


def make_owner_only(path: Path, what: str) -> None:
    """Tighten a folder (to 0o700 at most) or file (0o600 at most) that others could use.

    A folder or file that belongs to another account, or is a symbolic link, is refused with a
    plain message: tightening it is not this program's to do, and using it would share the
    workbooks with that account. ``what`` names it in the message ('The data folder').
    """
    info = _status(path, what, follow=False)
    if stat.S_ISLNK(info.st_mode) and path.name != "":
        # a link may point anywhere, even into another account's files: follow it only if
        # what it points at is ours and private, which the checks below make sure of
        info = _status(path, what, follow=True)
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise StoreError(
            f"{what} belongs to another account on this computer, so others could read the "
            "workbooks in it. It was left as it is. Run the program as the account that owns "
            "it, or move it away.",
            path=str(path),
            detail=f"owner uid {info.st_uid}, this program runs as uid {os.getuid()}",
        )
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o077:
        return
    wanted = mode & 0o700
    try:
        path.chmod(wanted)
    except OSError as e:
        raise StoreError(
            f"{what} can be read by other accounts on this computer, and its permissions could "
            f"not be made private ({_reason(e)}). Nothing was opened. Make it readable by its "
            "owner only (chmod go-rwx).",
            path=str(path),
            detail=str(e),
        ) from None


def _status(path: Path, what: str, *, follow: bool) -> os.stat_result:
    """``path``'s status (of what a link points at if ``follow``), or a plain StoreError."""
    try:
        return path.stat() if follow else path.lstat()
    except OSError as e:
        raise StoreError(
            f"{what} cannot be checked ({_reason(e)}).", path=str(path), detail=str(e)
        ) from None


def _reason(error: OSError) -> str:
    """What went wrong, in the system's words but without a file name: 'Permission denied'."""
    return (error.strerror or "an error of the system").lower()


def _check_sqlite_header(path: Path) -> None:
    if path.is_dir():
        raise StoreError("The workbook database is a folder, not a file.", path=str(path))
    try:
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as e:
        raise StoreError(
            f"The workbook database cannot be read ({_reason(e)}).", path=str(path), detail=str(e)
        ) from None
    if head and (len(head) < 100 or not head.startswith(SQLITE_MAGIC)):
        raise StoreError(CORRUPT_MESSAGE, path=str(path))


def tighten_side_files(path: Path) -> None:
    """Give SQLite's WAL, shared-memory and journal files no more access than the database."""
    for suffix in SIDE_SUFFIXES:
        side = path.with_name(path.name + suffix)
        try:
            mode = stat.S_IMODE(side.stat().st_mode)
            if mode & 0o077:
                side.chmod(mode & 0o700)
        except OSError:  # gone already, or not ours: nothing to do
            continue


def empty_wal(engine: Engine, *, wait: bool) -> bool:
    """Write the write-ahead log back into the database file and truncate it to nothing.

    The WAL holds the pages as they were before a deletion until this is done. SQLite cannot
    do it while another connection is reading (its snapshot may need those pages): with
    ``wait`` it waits the connection's busy timeout for that reader, without it it does not
    wait at all. True when the WAL is now empty; False when a reader (or a writer) was in the
    way, or the checkpoint failed, so that it must be tried again.
    """
    try:
        raw = engine.raw_connection()
    except Exception:  # the store reports its own errors on its next use
        return False
    try:
        cur = raw.cursor()
        try:
            if not wait:
                cur.execute("PRAGMA busy_timeout")
                row = cur.fetchone()
                waits = int(row[0]) if row else 0
                cur.execute("PRAGMA busy_timeout = 0")
            try:
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                result = cur.fetchone()
            finally:
                if not wait:
                    cur.execute(f"PRAGMA busy_timeout = {waits}")
        finally:
            cur.close()
    except sqlite3.Error:
        return False
    finally:
        raw.close()
    # (busy, frames in the WAL, frames written back); busy is 1 when a reader was in the way
    return result is not None and int(result[0]) == 0


def flush_deleted(
    engine: Engine, path: Path, workbook_ids: list[str], *, wait: bool = True
) -> bool:
    """After a workbook was deleted: leave no copy of it in the WAL or in upgrade backups.

    The WAL is emptied into the database file now (``empty_wal``; with ``wait``, waiting the
    busy timeout for a reader). Then the workbooks are erased from each backup made before a
    schema upgrade, next to the database file; best effort: a backup that cannot be opened is
    left as it is.

    False when a reader kept the WAL from being emptied: the caller must try again once that
    reader is done (``StoreConnection`` does, on its next use and when it closes).
    """
    emptied = empty_wal(engine, wait=wait)
    for backup in sorted(path.parent.glob(f"{path.name}.bak-v*")):
        _erase_from_backup(backup, workbook_ids)
    return emptied


def _erase_from_backup(backup: Path, workbook_ids: list[str]) -> None:
    """Delete every row of these workbooks from an old-version backup, then rewrite the file."""
    try:
        conn = sqlite3.connect(backup, timeout=5.0, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA secure_delete = ON")
        listing = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [str(row[0]) for row in listing]
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
            key = "session_id" if "session_id" in columns else "id" if table == "sessions" else None
            if key is None:
                continue
            for workbook_id in workbook_ids:
                conn.execute(f'DELETE FROM "{table}" WHERE "{key}" = ?', (workbook_id,))  # noqa: S608
        conn.execute("COMMIT")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass  # left as it is; the live database is what counts
    finally:
        conn.close()
    tighten_side_files(backup)


def backup_path(path: Path, version: int) -> Path:
    """A new, unused name next to ``path`` for a backup of a version-``version`` file."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    candidate = path.with_name(f"{path.name}.bak-v{version}-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.bak-v{version}-{stamp}-{n}")
    return candidate


def backup_sqlite_file(path: Path, version: int) -> Path:
    """Copy the database (with anything still in its WAL) to a new owner-only file next to it."""
    target = backup_path(path, version)
    refused = (
        "The workbook database could not be backed up before its upgrade to this version of "
        "the program, so it was not upgraded. Nothing was changed."
    )
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise StoreError(refused, path=str(path), detail=str(e)) from e
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    try:
        source = sqlite3.connect(path, timeout=5.0)
        try:
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
    except sqlite3.Error as e:
        target.unlink(missing_ok=True)  # a half-made backup is no backup
        raise StoreError(refused, path=str(path), detail=f"{e} (backup: {target})") from e
    tighten_side_files(target)
    return target
