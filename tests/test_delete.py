"""The right to delete: a deleted workbook leaves nothing behind but the fact and time of deletion.

Checked three ways: through the store, table by table with plain sqlite3, and in the raw bytes of
the database file and its side files (no typed text, no token hash).
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secondopinion.store import NotFoundError, WorkbookStore
from tests.store_support import SID as V2_SID
from tests.store_support import build_v2

DB_NAME = "workbooks.sqlite3"
MARK = "ZQXSECRET"  # every text typed into the deleted workbook contains this


def fill(store: WorkbookStore, sid: str, mark: str) -> None:
    """Put typed text into every part of a workbook."""
    store.set_display_name(sid, f"{mark} name")
    store.set_notes(sid, f"{mark} notes")
    store.set_answers(
        sid,
        {
            "diagnosis_kind": "cancer",
            "diagnosis_name": f"{mark} diagnosis " + "long " * 4000 + mark,
            "tests_done": ["biopsy"],
        },
    )
    store.set_decision_date(sid, "2026-03-01")
    store.set_question(sid, "q_how_sure", starred=True, asked=True, answer=f"{mark} answer")
    own = store.add_own_question(sid, f"{mark} own question", "second_doctor")
    store.set_own_question(sid, own, answer=f"{mark} own answer", starred=True)
    store.set_record(
        sid, "r_slides", status="requested", from_whom=f"{mark} lab", note=f"{mark} note"
    )
    store.set_comparison(sid, "first", "diagnosis", f"{mark} first view")
    store.set_comparison(sid, "second", "diagnosis", f"{mark} second view")
    # and change some of it again, so the log holds old values too
    store.set_question(sid, "q_how_sure", answer=f"{mark} answer, second try")
    store.set_comparison(sid, "second", "diagnosis", f"{mark} second view, revised")


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def raw_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in files_of(folder))


def rows_mentioning(path: Path, needles: list[str]) -> list[tuple[str, tuple[object, ...]]]:
    """Every row, in every table, with a value that contains one of ``needles``."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = []
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                if any(n in str(value) for value in row for n in needles):
                    found.append((table, row))
        return found
    finally:
        conn.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_a_deleted_workbook_is_gone_and_its_token_opens_nothing(folder: Path) -> None:
    with WorkbookStore.open(folder) as store:
        gone, gone_token = store.create_workbook("", "patient")
        kept, kept_token = store.create_workbook("", "navigator")
        fill(store, gone.id, MARK)
        fill(store, kept.id, "KEEPME")
        kept_before = store.load(kept.id)
        kept_log = store.changes(kept.id)
        before = datetime.now(UTC)

        store.delete_workbook(gone.id)

        with pytest.raises(NotFoundError):
            store.load(gone.id)
        assert store.workbook_id_for_token(gone_token) is None
        assert store.workbook_id_for_token(kept_token) == kept.id
        assert [s.id for s in store.workbooks()] == [kept.id]
        assert [o.id for o in store.overviews()] == [kept.id]
        assert [b.id for b in store.load_all()] == [kept.id]
        assert store.load_all([gone.id]) == []
        (entry,) = store.changes(gone.id)
        assert (entry.workbook_id, entry.section, entry.item_id, entry.field) == (
            gone.id,
            "workbook",
            "",
            "deleted",
        )
        assert entry.old is None and entry.new is None
        assert before <= entry.at <= datetime.now(UTC)
        # nothing more can be written to it, and it cannot be deleted twice
        with pytest.raises(NotFoundError):
            store.set_notes(gone.id, "back?")
        with pytest.raises(NotFoundError):
            store.set_comparison(gone.id, "first", "diagnosis", "back?")
        with pytest.raises(NotFoundError):
            store.delete_workbook(gone.id)
        assert len(store.changes(gone.id)) == 1
        # the other workbook is untouched
        assert store.load(kept.id) == kept_before
        assert store.changes(kept.id) == kept_log


def test_nothing_typed_remains_in_any_table(folder: Path) -> None:
    with WorkbookStore.open(folder) as store:
        gone, token = store.create_workbook("", "patient")
        kept, _ = store.create_workbook("Kept", "patient")
        fill(store, gone.id, MARK)
        fill(store, kept.id, "KEEPME")
        store.delete_workbook(gone.id)
    token_hash = hashlib.sha256(token.encode("ascii")).hexdigest()
    assert rows_mentioning(folder / DB_NAME, [MARK, token_hash]) == []
    mentions_id = rows_mentioning(folder / DB_NAME, [gone.id])
    assert [table for table, _ in mentions_id] == ["changes"]
    (_, row) = mentions_id[0]
    assert None in row  # no old value, no new value
    assert all(MARK not in str(value) for value in row)
    assert rows_mentioning(folder / DB_NAME, ["KEEPME"])  # the other workbook is all there


def test_nothing_typed_remains_in_the_raw_database_files(folder: Path) -> None:
    with WorkbookStore.open(folder) as store:
        gone, token = store.create_workbook("", "patient")
        fill(store, gone.id, MARK)
        assert MARK.encode() in raw_bytes(folder)  # the check can see the text when it is there
        store.delete_workbook(gone.id)
        token_hash = hashlib.sha256(token.encode("ascii")).hexdigest().encode()
        # while the store is still open: the file, its write-ahead log and shared memory
        data = raw_bytes(folder)
        assert MARK.encode() not in data
        assert token_hash not in data
        store.create_workbook("Someone else", "patient")  # and the store goes on working
    assert MARK.encode() not in raw_bytes(folder)
    conn = sqlite3.connect(folder / DB_NAME)
    conn.execute("VACUUM")
    conn.close()
    assert MARK.encode() not in raw_bytes(folder)
    assert token_hash not in raw_bytes(folder)


def test_the_backup_kept_before_an_upgrade_is_erased_too(folder: Path) -> None:
    build_v2(folder)  # its workbook's own question says V2SECRET
    with WorkbookStore.open(folder) as store:
        (backup,) = folder.glob(f"{DB_NAME}.bak-v2-*")
        assert b"V2SECRET" in backup.read_bytes()
        store.delete_workbook(V2_SID)
        assert b"V2SECRET" not in raw_bytes(folder)
        assert rows_mentioning(backup, [V2_SID]) == []
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (2,)
    finally:
        conn.close()


def test_a_reader_in_the_way_does_not_leave_the_deleted_text_in_the_wal(folder: Path) -> None:
    """Another program reading at the moment of the deletion (a navigator's roster, another
    tab) keeps SQLite from emptying the write-ahead log; the store waits for it and tries
    again, so the log holds nothing of the deleted workbook when the deletion returns."""
    import threading

    with WorkbookStore.open(folder) as store:
        gone, _ = store.create_workbook("", "patient")
        fill(store, gone.id, MARK)
        reader = sqlite3.connect(folder / DB_NAME, isolation_level=None, check_same_thread=False)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sessions").fetchone()  # a read snapshot held
        timer = threading.Timer(0.3, lambda: reader.execute("COMMIT"))
        timer.start()
        try:
            store.delete_workbook(gone.id)
        finally:
            timer.join()
            reader.close()
        wal = folder / f"{DB_NAME}-wal"
        assert not wal.exists() or MARK.encode() not in wal.read_bytes()


def test_a_deletion_made_while_another_connection_reads_leaves_no_copy_in_any_file(
    folder: Path,
) -> None:
    """Another connection (a navigator's roster, another kernel) holds a read transaction open
    through the whole deletion, longer than the store waits for it: SQLite cannot empty the
    write-ahead log then. Once that reader ends, the store's next use empties it, and no file
    in the data folder (database, WAL, shared memory, backups) holds any of the deleted text."""
    build_v2(folder)  # so that the folder holds an upgrade backup too
    with WorkbookStore.open(folder, busy_timeout=0.2) as store:
        gone, _ = store.create_workbook("", "patient")
        kept, _ = store.create_workbook("", "patient")
        fill(store, gone.id, MARK)
        fill(store, kept.id, "KEEPME")
        assert MARK.encode() in raw_bytes(folder)
        reader = sqlite3.connect(folder / DB_NAME, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM answers").fetchone()  # a read snapshot held
            store.delete_workbook(gone.id)
            assert MARK.encode() in raw_bytes(folder)  # the reader's snapshot still needs it
        finally:
            reader.execute("COMMIT")
            reader.close()
        assert store.workbooks()[0].id == kept.id  # the store's next use, once no one reads
        assert MARK.encode() not in raw_bytes(folder)
        store.set_notes(kept.id, "KEEPME again")
        assert MARK.encode() not in raw_bytes(folder)
    assert MARK.encode() not in raw_bytes(folder)
    assert b"KEEPME" in raw_bytes(folder)
