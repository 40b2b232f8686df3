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
tried again until it is saved, with a plain message meanwhile (``widgets._feedback``).
"""

from __future__ import annotations

import asyncio
import json
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

from secondopinion.store import StoreBusyError, StoreError, WorkbookStore
from widgets import _feedback
from widgets._feedback import GAVE_UP, NOT_SAVED_BUSY, WAITING, ProblemMessage, guarded

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
    summary, token = store.create_session("J. R.", created_by="patient")
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
    "a new workbook": lambda s, sid: s.create_session("A. B.", created_by="navigator"),
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
    summary, _ = store.create_session("J. R.", created_by="patient")
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
