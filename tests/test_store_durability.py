"""Nothing is lost: a killed writer, two writers at once, a locked or a damaged database.

The writers are real processes (``python -c`` from the project folder), because that is how a
kernel dies and how two people at two browsers write at once.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from secondopinion.store import BUSY_MESSAGE, StoreBusyError, StoreError, WorkbookStore

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "workbooks.sqlite3"

KILLED_WRITER = r"""
import sys
from pathlib import Path
from secondopinion.store import WorkbookStore

store = WorkbookStore.open(Path(sys.argv[1]))
sid = sys.argv[2]
n = 0
while True:
    if n % 3 == 0:
        store.set_answers(sid, {f"field_{n}": f"answer {n} ✓"})
    elif n % 3 == 1:
        store.set_question(sid, f"q_{n}", answer=f"answer {n}")
    else:
        store.set_record(sid, f"r_{n}", status="requested", note=f"note {n}")
    print(n, flush=True)  # only once the change is committed
    n += 1
"""

TWO_WRITERS = r"""
import sys
from pathlib import Path
from secondopinion.store import WorkbookStore

store = WorkbookStore.open(Path(sys.argv[1]))
sid, who, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
print("ready", flush=True)
sys.stdin.readline()  # both start together
for n in range(count):
    store.set_answers(sid, {f"{who}_{n}": f"{who} {n}"})
    if who == "a":
        store.set_question(sid, f"q_{n}", starred=True)  # same rows as b, other column
    else:
        store.set_question(sid, f"q_{n}", answer=f"b wrote {n}")
    store.set_record(sid, f"r_{who}_{n}", status="received")
print("done", flush=True)
"""

LOCKER = r"""
import sqlite3, sys

conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
"""


def python(code: str, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


# --------------------------------------------------------------------------- killed mid-way


@pytest.mark.parametrize("kill_after", [1, 40, 150])
def test_every_change_saved_before_a_kill_is_there(folder: Path, kill_after: int) -> None:
    with WorkbookStore.open(folder) as store:
        summary, _ = store.create_workbook("Killed", "patient")
    writer = python(KILLED_WRITER, folder, summary.id)
    assert writer.stdout is not None
    printed: list[int] = []
    try:
        while len(printed) < kill_after:
            line = writer.stdout.readline()
            assert line, (
                f"the writer stopped early: {writer.stderr.read() if writer.stderr else ''}"
            )
            printed.append(int(line))
    finally:
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    printed += [int(line) for line in rest.split()]

    with WorkbookStore.open(folder) as store:
        book = store.load(summary.id)
        changes = store.changes(summary.id)
    for n in printed:
        if n % 3 == 0:
            assert book.answers[f"field_{n}"] == f"answer {n} ✓"
        elif n % 3 == 1:
            assert book.questions[f"q_{n}"].answer == f"answer {n}"
        else:
            assert book.records[f"r_{n}"].note == f"note {n}"
    # the change log agrees: each committed change has its log rows, and nothing half-written
    logged = {c.item_id for c in changes if c.section != "workbook"}
    saved = set(book.answers) | set(book.questions) | set(book.records)
    assert logged == saved


# --------------------------------------------------------------------------- two writers


def test_two_writers_on_one_workbook_lose_nothing(folder: Path) -> None:
    count = 60
    with WorkbookStore.open(folder) as store:
        summary, _ = store.create_workbook("Shared", "navigator")
    writers = [python(TWO_WRITERS, folder, summary.id, who, count) for who in ("a", "b")]
    for writer in writers:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"

    with WorkbookStore.open(folder) as store:
        book = store.load(summary.id)
        changes = store.changes(summary.id)
    for n in range(count):
        assert book.answers[f"a_{n}"] == f"a {n}"
        assert book.answers[f"b_{n}"] == f"b {n}"
        question = book.questions[f"q_{n}"]
        assert question.starred, n
        assert question.answer == f"b wrote {n}", n
        assert book.records[f"r_a_{n}"].status == "received"
        assert book.records[f"r_b_{n}"].status == "received"
    assert len([c for c in changes if c.section != "workbook"]) == 6 * count


# --------------------------------------------------------------------------- locked


def test_a_locked_database_gives_a_clear_error_and_loses_nothing(folder: Path) -> None:
    with WorkbookStore.open(folder, busy_timeout=0.1) as store:
        _locked_file_is_refused_plainly(store, folder)


def _locked_file_is_refused_plainly(store: WorkbookStore, folder: Path) -> None:
    store.coalesce_seconds = 0  # each change its own change-log row
    summary, _ = store.create_workbook("Locked", "patient")
    store.set_notes(summary.id, "before the lock")
    locker = python(LOCKER, folder / DB_NAME)
    assert locker.stdout is not None and locker.stdin is not None
    try:
        assert locker.stdout.readline().strip() == "locked"
        with pytest.raises(StoreBusyError) as caught:
            store.set_notes(summary.id, "during the lock")
        assert str(caught.value) == BUSY_MESSAGE
        assert isinstance(caught.value, StoreError)
        with pytest.raises(StoreBusyError):
            store.create_workbook("Another", "patient")
        assert store.load(summary.id).notes == "before the lock"  # reading still works
    finally:
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.communicate(timeout=30)
    store.set_notes(summary.id, "after the lock")
    assert store.load(summary.id).notes == "after the lock"
    assert [c.new for c in store.changes(summary.id) if c.field == "notes"] == [
        "before the lock",
        "after the lock",
    ]
    assert len(store.workbooks()) == 1


# --------------------------------------------------------------------------- damaged files


def assert_refused_and_untouched(folder: Path, *, match: str) -> None:
    path = folder / DB_NAME
    before = digest(path)
    with pytest.raises(StoreError, match=match) as caught, WorkbookStore.open(folder) as store:
        store.load_all()
    assert caught.value.path == str(path)  # for navigators and the log
    assert str(path) not in str(caught.value)  # never on a patient's page
    assert digest(path) == before


@pytest.mark.parametrize(
    "content",
    [
        b"these are my notes, not a database\n" * 100,
        b"SQLite format 3\x00" + b"\xff" * 4000,
        b"SQLite format 3\x00",
        os.urandom(8192),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    folder: Path, content: bytes
) -> None:
    folder.mkdir()
    (folder / DB_NAME).write_bytes(content)
    assert_refused_and_untouched(folder, match="damaged or is not a workbook database")
    assert sorted(p.name for p in folder.iterdir()) == [DB_NAME]


def test_a_damaged_database_is_refused_and_left_alone(folder: Path) -> None:
    with WorkbookStore.open(folder) as store:
        for n in range(300):
            summary, _ = store.create_workbook(f"Person {n}", "patient")
            store.set_answers(summary.id, {"diagnosis_name": "x" * 200})
    path = folder / DB_NAME
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    data[2 * 4096 : len(data) - 4096] = b"\xa5" * (len(data) - 3 * 4096)
    path.write_bytes(bytes(data))
    assert_refused_and_untouched(folder, match="damaged")


def test_another_programs_database_is_refused_and_left_alone(folder: Path) -> None:
    folder.mkdir()
    conn = sqlite3.connect(folder / DB_NAME)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    assert_refused_and_untouched(folder, match="not a workbook database")


def test_a_newer_schema_is_refused_and_left_alone(folder: Path) -> None:
    with WorkbookStore.open(folder) as store:
        store.create_workbook("From the future", "patient")
    conn = sqlite3.connect(folder / DB_NAME)
    conn.execute("INSERT INTO schema_version VALUES (99, '2099-01-01T00:00:00+00:00')")
    conn.commit()
    conn.close()
    assert_refused_and_untouched(folder, match="newer version of this program")
    assert not list(folder.glob("*.bak-*"))


def test_an_empty_file_is_a_new_database(folder: Path) -> None:
    folder.mkdir()
    (folder / DB_NAME).touch()
    with WorkbookStore.open(folder) as store:
        store.create_workbook("New", "patient")
        assert len(store.workbooks()) == 1


def test_a_data_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        WorkbookStore.open(tmp_path / "data")
