"""The disk fills up while saving: a clear message, and nothing half-written.

Two ways to make a write fail:

- for real, in a child process whose largest file size is capped just above the database's
  current size (``RLIMIT_FSIZE``; Python ignores the SIGXFSZ this raises, so the write itself
  fails with EFBIG, the way a full disk fails it with ENOSPC);
- at the SQLite driver, in the middle of a transaction: the second write of the transaction
  fails with SQLite's own "database or disk is full" error, after the first one went through.

Either way the store raises a ``StoreError`` in plain words, what was saved before is intact,
no part of the failed change is in the workbook or its change log, the database passes SQLite's
integrity check, and the store carries on once there is room again.

The dashboard's side of a busy store is here too: a change that finds the database locked is
tried again until it is saved, with a plain message meanwhile (``widgets.parts.feedback``).

And the other faults around opening the store:

- another program holding the write lock: opening and reading still work (opening takes the
  lock only to create or upgrade the tables), and only a write is refused as busy;
- no message meant for people says where the database is (a patient sees these messages): the
  path is on the error (``error.path``) and in its notes, for navigators and the log;
- a database URL that cannot be used (not a URL, an unknown kind of database, a driver not
  installed, a missing folder, a bad option) is a ``StoreError`` in plain words, never with
  the URL's password.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa

from secondopinion import load_content
from secondopinion.serving.visit import Visit
from secondopinion.store import (
    BUSY_MESSAGE,
    SCHEMA_VERSION,
    StoreBusyError,
    StoreError,
    WorkbookStore,
)
from tests.store_support import SID, build_v1, versions
from widgets.dashboard import Notice, open_page
from widgets.parts import feedback as _feedback
from widgets.parts.feedback import GAVE_UP, NOT_SAVED_BUSY, WAITING, ProblemMessage, guarded

T = TypeVar("T")
TECHNICAL = ("Traceback", "sqlite3.", "OperationalError", "INSERT", "UPDATE", "[SQL")


def snapshot(store: WorkbookStore) -> tuple[object, ...]:
    """Everything the store holds, changes included, to compare before and after a failure."""
    books = store.load_all()
    return tuple((book, tuple(store.changes(book.id))) for book in books)


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def assert_plain(error: StoreError) -> None:
    text = str(error)
    assert text and text[0].isupper() and text.endswith(".")
    for word in TECHNICAL:
        assert word not in text, f"{word!r} in {text!r}"


# --------------------------------------------------------------------------- a real short write

CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from secondopinion.store import StoreError, WorkbookStore

    folder = Path(sys.argv[1])
    store = WorkbookStore.open(folder)
    summary, token = store.create_workbook("J. R.", created_by="patient")
    store.set_answers(summary.id, {"diagnosis_name": "written before the disk filled up"})
    store.set_question(summary.id, "q_before", starred=True, answer="an earlier answer")
    largest = max(p.stat().st_size for p in folder.iterdir())
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 4096, hard))
    out = {"id": summary.id, "failed": []}
    for name, change in [
        ("answer", lambda: store.set_question(summary.id, "q_big", answer="x" * 150_000)),
        ("own", lambda: store.add_own_question(summary.id, "y" * 150_000)),
        ("note", lambda: store.set_record(summary.id, "r_big", note="z" * 150_000)),
    ]:
        try:
            change()
        except StoreError as error:
            out["failed"].append([name, type(error).__name__, str(error)])
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # room again
    store.set_answers(summary.id, {"diagnosis_name": "written once there was room"})
    store.close()
    print(json.dumps(out))
    """
)


def test_a_write_the_disk_cannot_take_is_refused_plainly_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert [name for name, *_ in out["failed"]] == ["answer", "own", "note"]
    for _, kind, message in out["failed"]:
        assert kind in ("StoreError", "StoreBusyError")
        assert_plain(StoreError(message))
        assert "disk" in message

    path = folder / "workbooks.sqlite3"
    assert integrity(path) == "ok"
    with WorkbookStore.open(folder, create=False) as store:
        book = store.load(out["id"])
        log = store.changes(out["id"])
    assert book.answers == {"diagnosis_name": "written once there was room"}
    assert set(book.questions) == {"q_before"}
    assert book.questions["q_before"].answer == "an earlier answer"
    assert book.own_questions == ()
    assert book.records == {}
    assert not [c for c in log if c.item_id in ("q_big", "r_big") or c.section == "own_questions"]


# --------------------------------------------------------------------------- full, mid-transaction


class DiskFull:
    """While on, the second write of every transaction fails as on a full disk."""

    def __init__(self) -> None:
        self.on = False
        self.failed: list[str] = []
        self._writes: list[str] = []
        sa.event.listen(sa.Engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if verb.startswith("BEGIN"):
            self._writes.clear()
        elif verb in ("INSERT", "UPDATE", "DELETE") and self.on:
            self._writes.append(statement)
            if len(self._writes) == 2:
                self.failed.append(statement)
                error = sqlite3.OperationalError("database or disk is full")
                error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
                error.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
                raise error

    def remove(self) -> None:
        sa.event.remove(sa.Engine, "before_cursor_execute", self._before)


@pytest.fixture
def disk_full() -> Iterator[DiskFull]:
    fault = DiskFull()
    yield fault
    fault.remove()


Change = Callable[[WorkbookStore, str], object]
CHANGES: dict[str, Change] = {
    "a new workbook": lambda s, sid: s.create_workbook("A. B.", created_by="navigator"),
    "a situation answer": lambda s, sid: s.set_answers(sid, {"diagnosis_kind": "rare"}),
    "a new question's answer": lambda s, sid: s.set_question(sid, "q_new", answer="new"),
    "a star and an answer": lambda s, sid: s.set_question(
        sid, "q_old", starred=False, answer="changed"
    ),
    "an own question": lambda s, sid: s.add_own_question(sid, "Who reads my scans?"),
    "a record": lambda s, sid: s.set_record(sid, "r_new", status="requested", note="called"),
    "the notes": lambda s, sid: s.set_notes(sid, "New notes"),
    "the name": lambda s, sid: s.set_display_name(sid, "Someone else"),
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_a_full_disk_in_the_middle_of_a_save_leaves_no_half(
    tmp_path: Path, change: str, disk_full: DiskFull
) -> None:
    store = WorkbookStore.open(tmp_path / "data")
    summary, _ = store.create_workbook("J. R.", created_by="patient")
    store.set_answers(summary.id, {"diagnosis_kind": "cancer"})
    store.set_question(summary.id, "q_old", starred=True, answer="kept")
    store.set_notes(summary.id, "Old notes")
    before = snapshot(store)

    disk_full.on = True
    with pytest.raises(StoreError) as raised:
        CHANGES[change](store, summary.id)
    disk_full.on = False
    assert disk_full.failed, "the fault came after a first write of the change went through"
    assert not isinstance(raised.value, StoreBusyError)
    assert_plain(raised.value)
    assert "disk is full" in str(raised.value)

    assert snapshot(store) == before, "part of the failed change was saved"
    assert integrity(tmp_path / "data" / "workbooks.sqlite3") == "ok"
    CHANGES[change](store, summary.id)  # room again: the same change now goes through
    assert snapshot(store) != before
    store.close()


# --------------------------------------------------------------------------- the dashboard's side


class FlakyStore:
    """A save that finds the database busy ``busy`` times, then goes through."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.calls = 0

    def save(self, *args: object) -> None:
        self.calls += 1
        if self.calls <= self.busy:
            raise StoreBusyError()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_feedback, "RETRY_FIRST", 0.01)
    monkeypatch.setattr(_feedback, "RETRY_LONGEST", 0.02)


def alone(action: Callable[[], T]) -> T:
    """Run ``action`` in a thread of its own: no event loop of pytest's or a browser's is there.

    (The browser tests run Playwright's event loop in the main thread of the same session.)
    """
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(action())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    if failure:
        raise failure[0]
    assert result, "timed out"
    return result[0]


def kernel(body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``body`` on a fresh event loop, as a kernel runs widget callbacks."""
    alone(lambda: asyncio.run(asyncio.wait_for(body(), timeout=10)))


def test_a_busy_database_is_tried_again_until_the_change_is_saved(quick_retries: None) -> None:
    message = ProblemMessage()
    store = FlakyStore(busy=3)
    handler = guarded(message)(store.save)
    seen: list[str] = []

    async def body() -> None:
        handler({"new": "typed"})
        seen.append(message.value)
        while store.calls < 4:
            await asyncio.sleep(0.005)

    kernel(body)
    assert "will be saved as soon as" in seen[0]
    assert WAITING in seen[0].replace("&#x27;", "'")
    assert store.calls == 4
    assert message.value == ""
    assert message.layout.display == "none"


def test_a_new_change_replaces_a_try_still_waiting(quick_retries: None) -> None:
    message = ProblemMessage()
    store = FlakyStore(busy=1)
    handler = guarded(message)(store.save)

    async def body() -> None:
        handler("first")  # busy: a retry waits
        handler("second")  # saved at once: the waiting retry is not needed any more
        await asyncio.sleep(0.1)

    kernel(body)
    assert store.calls == 2
    assert message.value == ""


def test_the_waiting_message_stays_until_every_waiting_change_is_saved(
    quick_retries: None,
) -> None:
    message = ProblemMessage()
    slow, quick = FlakyStore(busy=5), FlakyStore(busy=0)
    save_slow, save_quick = guarded(message)(slow.save), guarded(message)(quick.save)
    values: list[str] = []

    async def body() -> None:
        save_slow()
        save_quick()  # another field saves fine while the first one still waits
        values.append(message.value)
        while slow.calls < 6:
            await asyncio.sleep(0.005)

    kernel(body)
    assert "will be saved" in values[0]
    assert message.value == ""


def test_without_a_running_kernel_a_busy_database_is_said_plainly() -> None:
    message = ProblemMessage()
    alone(guarded(message)(FlakyStore(busy=1).save))
    assert "try again" in message.value
    assert message.value.endswith("</p>")
    assert NOT_SAVED_BUSY.split(":")[0] in message.value


def test_a_change_that_stays_busy_is_given_up_with_a_plain_message(
    quick_retries: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_feedback, "RETRY_GIVE_UP", 0.05)
    message = ProblemMessage()
    store = FlakyStore(busy=10_000)
    handler = guarded(message)(store.save)

    async def body() -> None:
        handler()
        while "stayed busy" not in message.value:
            await asyncio.sleep(0.005)

    kernel(body)
    assert GAVE_UP.split(",")[0] in message.value
    assert not message.waiting
    calls = store.calls

    async def later() -> None:
        await asyncio.sleep(0.1)

    kernel(later)
    assert store.calls == calls, "no more tries after giving up"


def test_a_store_error_is_shown_in_its_own_plain_words() -> None:
    message = ProblemMessage()

    def save() -> None:
        raise StoreError("The disk is full, so the workbook could not be saved to.")

    guarded(message)(save)()
    assert "This change was not saved. The disk is full" in message.value
    assert 'role="alert"' in message.value


# --------------------------------------------------------------------------- another program's lock


def lock_for_writing(path: Path) -> sqlite3.Connection:
    """Another program's connection holding the write lock (``BEGIN IMMEDIATE``) on ``path``."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_opening_and_reading_work_while_another_program_holds_the_write_lock(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    with WorkbookStore.open(folder) as store:
        summary, token = store.create_workbook("J. R.", created_by="patient")
        store.set_notes(summary.id, "before the lock")
    other = lock_for_writing(folder / "workbooks.sqlite3")
    try:
        with WorkbookStore.open(folder, busy_timeout=0.1) as store:
            assert store.load(summary.id).notes == "before the lock"
            assert store.workbook_id_for_token(token) == summary.id
            assert [s.id for s in store.workbooks()] == [summary.id]
            with pytest.raises(StoreBusyError) as caught:
                store.set_notes(summary.id, "during the lock")
            assert_plain(caught.value)
        with WorkbookStore.open(folder, busy_timeout=0.1, create=False) as store:
            assert store.load(summary.id).notes == "before the lock"
    finally:
        other.execute("ROLLBACK")
        other.close()
    with WorkbookStore.open(folder) as store:
        store.set_notes(summary.id, "after the lock")
        assert store.load(summary.id).notes == "after the lock"


def test_a_new_database_waits_for_the_lock_and_then_is_made(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "workbooks.sqlite3"
    path.touch()
    other = lock_for_writing(path)
    try:
        with pytest.raises(StoreBusyError):  # the tables cannot be made without the lock
            WorkbookStore.open(folder, busy_timeout=0.1)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with WorkbookStore.open(folder) as store:
        assert store.workbooks() == []


def test_an_upgrade_waits_for_the_lock_and_changes_nothing_meanwhile(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    path = build_v1(folder)
    other = lock_for_writing(path)
    try:
        with pytest.raises(StoreBusyError):
            WorkbookStore.open(folder, busy_timeout=0.1)
        assert versions(path) == [1]
    finally:
        other.execute("ROLLBACK")
        other.close()
    with WorkbookStore.open(folder) as store:
        assert store.load(SID).notes == "from version 1"
    assert versions(path)[-1] == SCHEMA_VERSION
    assert list(folder.glob("workbooks.sqlite3.bak-v1-*")), "backed up before the upgrade"


# --------------------------------------------------------------------------- no path on the page


def damaged(folder: Path) -> Path:
    folder.mkdir()
    path = folder / "workbooks.sqlite3"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    return path


def newer(folder: Path) -> Path:
    with WorkbookStore.open(folder) as store:
        store.create_workbook("From the future", "patient")
    path = folder / "workbooks.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, '2099-01-01T00:00:00+00:00')")
    return path


def foreign(folder: Path) -> Path:
    folder.mkdir()
    path = folder / "workbooks.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    return path


def folder_is_a_file(folder: Path) -> Path:
    folder.write_text("not a folder")
    return folder


def database_is_a_folder(folder: Path) -> Path:
    path = folder / "workbooks.sqlite3"
    path.mkdir(parents=True)
    return path


def missing(folder: Path) -> Path:
    return folder / "workbooks.sqlite3"


BROKEN: dict[str, tuple[Callable[[Path], Path], str, bool]] = {
    # how to break it, words of the message, whether the store opens only with create=False
    "damaged": (damaged, "damaged or is not a workbook database", False),
    "newer": (newer, "newer version of this program", False),
    "another program's": (foreign, "not a workbook database", False),
    "folder is a file": (folder_is_a_file, "is a file, not a folder", False),
    "database is a folder": (database_is_a_folder, "is a folder, not a file", False),
    "missing": (missing, "no workbook database", True),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_message_for_people_does_not_say_where_the_database_is(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "private-server-folder"
    make, words, read_only = BROKEN[case]
    where = make(folder)
    with pytest.raises(StoreError) as caught:
        WorkbookStore.open(folder, create=not read_only)
    error = caught.value
    assert words in str(error)
    assert_plain(error)
    assert str(tmp_path) not in str(error)
    assert "private-server-folder" not in str(error)
    # ...but a navigator, and the log, still learn where it is
    assert error.path == str(where)
    assert str(where) in error.full_message()
    assert any(str(where) in note for note in getattr(error, "__notes__", []))


def test_a_full_disk_message_does_not_say_where_the_database_is(
    tmp_path: Path, disk_full: DiskFull
) -> None:
    folder = tmp_path / "private-server-folder"
    with WorkbookStore.open(folder) as store:
        summary, _ = store.create_workbook("J. R.", created_by="patient")
        disk_full.on = True
        with pytest.raises(StoreError) as caught:
            store.set_answers(summary.id, {"diagnosis_kind": "rare"})
        disk_full.on = False
        assert caught.value.path == str(store.path)
    assert "disk is full" in str(caught.value)
    assert "private-server-folder" not in str(caught.value)
    message = ProblemMessage()
    message.show(caught.value)
    assert "disk is full" in message.value
    assert "private-server-folder" not in message.value
    assert "database or disk is full" in (caught.value.detail or "")


def test_a_busy_database_message_does_not_say_where_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "private-server-folder"
    with WorkbookStore.open(folder, busy_timeout=0.05) as store:
        summary, _ = store.create_workbook("J. R.", created_by="patient")
        other = lock_for_writing(folder / "workbooks.sqlite3")
        try:
            with pytest.raises(StoreBusyError) as caught:
                store.set_notes(summary.id, "locked out")
        finally:
            other.execute("ROLLBACK")
            other.close()
    assert "private-server-folder" not in str(caught.value)
    assert caught.value.path == str(folder / "workbooks.sqlite3")


def test_the_dashboard_does_not_show_where_the_database_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "private-server-folder"
    damaged(folder)
    monkeypatch.delenv("SECOND_OPINION_DB_URL", raising=False)
    monkeypatch.setenv("SECOND_OPINION_DATA", str(folder))
    page = open_page(load_content(), Visit(None, "en", None, "http://127.0.0.1:8866/"))
    assert isinstance(page, Notice)
    shown = " ".join(str(getattr(child, "value", "")) for child in page.children)
    assert "cannot open right now" in shown
    assert "damaged" in shown
    assert "private-server-folder" not in shown


def test_a_store_error_keeps_where_and_what_through_pickling() -> None:
    error = StoreError("The workbook database cannot be opened.", path="/srv/wb.db", detail="x")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.path, copy.detail) == (str(error), "/srv/wb.db", "x")
    assert copy.full_message() == (
        "The workbook database cannot be opened.\nWorkbook database: /srv/wb.db\nDetail: x"
    )
    assert str(StoreBusyError()) == BUSY_MESSAGE


# --------------------------------------------------------------------------- database URLs


BAD_URLS: dict[str, tuple[str, str]] = {
    # a URL (with {tmp} for a temporary folder), and the words of the message
    "an unknown kind of database": ("nonsense://", "kind of database this program does not know"),
    "an unknown driver": ("sqlite+nodriver:///{tmp}/x.db", "does not know"),
    "not a URL at all": ("just some words", "not written as one"),
    "empty": ("", "not written as one"),
    "a port that is not a number": ("postgresql://nav:s3cret@db.example:port/wb", "port"),
    "a missing folder": ("sqlite:///{tmp}/no/such/folder/x.db", "folder named in the database URL"),
    "an option that is not valid": ("sqlite:///{tmp}/x.db?timeout=soon", "options is not valid"),
    "a file name no file can have": ("sqlite:///{tmp}/a\x00b.db", "not a name a file can have"),
    "a folder the database cannot be in": (
        "sqlite:///{tmp}/file.txt/x.db",
        "is a file, not a folder",
    ),
}


@pytest.mark.parametrize("case", list(BAD_URLS), ids=list(BAD_URLS))
def test_a_database_url_that_cannot_be_used_is_said_plainly(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file.txt").write_text("a file, not a folder")
    url, words = BAD_URLS[case]
    url = url.replace("{tmp}", str(tmp_path))
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(StoreError) as caught:
        WorkbookStore.open(url=url)
    assert type(caught.value) is StoreError
    assert words in str(caught.value)
    assert_plain(caught.value)
    assert "s3cret" not in caught.value.full_message()
    assert str(tmp_path) not in str(caught.value)
    assert sorted(tmp_path.rglob("*")) == before, "nothing was made"
    if url and "\x00" not in url:  # the same from the environment, as the dashboard opens it
        monkeypatch.setenv("SECOND_OPINION_DB_URL", url)
        with pytest.raises(StoreError, match=words):
            WorkbookStore.open()


def test_a_url_whose_driver_is_not_installed_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # whether installed here or not
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    for url in ("postgresql://", "postgresql+psycopg://nav:s3cret@db.example/wb"):
        with pytest.raises(StoreError) as caught:
            WorkbookStore.open(url=url)
        assert_plain(caught.value)
        assert "is not installed" in str(caught.value)
        assert "psycopg" in str(caught.value)
        assert "s3cret" not in caught.value.full_message()
        assert "db.example" not in str(caught.value)
