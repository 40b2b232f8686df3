"""Issue 14, the store's side: private files, a private link that can be changed, and limits
that keep one workbook (or one websocket) from exhausting the store for everyone else.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from secondopinion.store import (
    StoreError,
    TooManyChangesError,
    WorkbookStore,
    make_owner_only,
)
from secondopinion.store import _writes as writes

DB_NAME = "workbooks.sqlite3"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --------------------------------------------------------------------------- owner-only files


def test_an_existing_folder_and_files_others_can_read_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with WorkbookStore.open(folder) as store:
        summary, _ = store.create_workbook("Loose", "patient")
        store.set_notes(summary.id, "private")
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)
    with WorkbookStore.open(folder) as store:
        assert store.load(summary.id).notes == "private"
        assert mode(folder) == 0o700
        for path in folder.iterdir():
            assert mode(path) == 0o600, path.name


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files to another account")
@pytest.mark.parametrize("whose", ["folder", "file"])
def test_a_folder_or_file_of_another_account_is_refused_plainly(tmp_path: Path, whose: str) -> None:
    folder = tmp_path / "data"
    with WorkbookStore.open(folder):
        pass
    target = folder if whose == "folder" else folder / DB_NAME
    os.chown(target, 65534, 65534)  # nobody
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(StoreError) as caught:
        WorkbookStore.open(folder)
    message = str(caught.value)
    assert "another account" in message
    assert str(tmp_path) not in message  # where it is stays off the page
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_make_owner_only_tightens_a_folder_and_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    folder.chmod(0o777)
    file = folder / "a.csv"
    file.write_text("x")
    file.chmod(0o666)
    make_owner_only(folder, "The folder")
    make_owner_only(file, "The file")
    assert (mode(folder), mode(file)) == (0o700, 0o600)


# --------------------------------------------------------------------------- a new private link


def test_a_changed_private_link_opens_the_workbook_and_the_old_one_nothing(
    store: WorkbookStore,
) -> None:
    summary, old = store.create_workbook("Link", "patient")
    store.set_notes(summary.id, "kept")
    new = store.change_private_link(summary.id)
    assert new != old
    assert store.workbook_id_for_token(old) is None
    assert store.workbook_id_for_token(new) == summary.id
    assert store.load(summary.id).notes == "kept"
    logged = [c for c in store.changes(summary.id) if c.field == "private_link"]
    assert len(logged) == 1
    assert old not in repr(logged) and new not in repr(logged)


# --------------------------------------------------------------------------- the change log


def test_a_burst_of_typing_is_one_change_with_the_first_old_and_the_last_new(
    store: WorkbookStore,
) -> None:
    summary, _ = store.create_workbook("", "patient")
    sid = summary.id
    store.set_question(sid, "q_a", answer="first")
    before = len(store.changes(sid))
    for n in range(1, 40):
        store.set_question(sid, "q_a", answer="first" + " word" * n)
    log = store.changes(sid)
    assert len(log) == before
    last = log[-1]
    assert (last.item_id, last.field, last.old, last.new) == (
        "q_a",
        "answer",
        "",
        "first" + " word" * 39,
    )


def test_a_change_of_another_field_between_starts_a_new_row(store: WorkbookStore) -> None:
    summary, _ = store.create_workbook("", "patient")
    sid = summary.id
    store.set_question(sid, "q_a", answer="one")
    store.set_question(sid, "q_b", answer="other")
    store.set_question(sid, "q_a", answer="one two")
    tail = [(c.item_id, c.old, c.new) for c in store.changes(sid)][-3:]
    assert tail == [("q_a", "", "one"), ("q_b", "", "other"), ("q_a", "one", "one two")]


def test_changes_by_another_actor_are_not_merged(store: WorkbookStore, tmp_path: Path) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.set_notes(summary.id, "mine")
    other = WorkbookStore(store._engine, store._loc, "navigator:ana")
    other.set_notes(summary.id, "hers")
    notes = [(c.old, c.new, c.changed_by) for c in store.changes(summary.id) if c.field == "notes"]
    assert notes == [("", "mine", store.actor), ("mine", "hers", "navigator:ana")]


def test_a_changes_older_than_the_window_start_a_new_row(store: WorkbookStore) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.set_notes(summary.id, "a")
    store.coalesce_seconds = 0
    store.set_notes(summary.id, "b")
    assert [c.new for c in store.changes(summary.id) if c.field == "notes"] == ["a", "b"]


def test_the_change_log_of_one_workbook_is_capped_and_the_answers_stay(
    store: WorkbookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "MAX_LOG_ROWS", 30)
    store.coalesce_seconds = 0
    store.changes_per_minute = None
    summary, _ = store.create_workbook("", "patient")
    other, _ = store.create_workbook("", "patient")
    store.set_notes(other.id, "the other's history")
    for n in range(60):
        store.set_question(summary.id, f"q_{n:02d}", answer=f"answer {n}")
    log = store.changes(summary.id)
    assert len(log) == 30
    assert log[-1].new == "answer 59"  # the newest are kept, the oldest went
    book = store.load(summary.id)
    assert all(book.questions[f"q_{n:02d}"].answer == f"answer {n}" for n in range(60))
    assert [c.new for c in store.changes(other.id) if c.field == "notes"] == ["the other's history"]


def test_the_change_log_is_capped_in_characters_too(
    store: WorkbookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "MAX_LOG_CHARS", 50_000)
    store.coalesce_seconds = 0
    summary, _ = store.create_workbook("", "patient")
    for n in range(20):
        store.set_notes(summary.id, f"{n:02d}" + "x" * 10_000)
    log = [c for c in store.changes(summary.id) if c.field == "notes"]
    assert 1 <= len(log) <= 3
    assert store.load(summary.id).notes.startswith("19")
    assert log[-1].new == store.load(summary.id).notes


# --------------------------------------------------------------------------- changes per minute


def test_too_many_changes_in_a_minute_are_refused_plainly_for_that_workbook_only(
    store: WorkbookStore,
) -> None:
    store.changes_per_minute = 20
    busy, _ = store.create_workbook("", "patient")
    calm, _ = store.create_workbook("", "patient")
    for n in range(20):
        store.set_notes(busy.id, f"note {n}")
    with pytest.raises(TooManyChangesError) as caught:
        store.set_notes(busy.id, "one too many")
    assert "Too many changes" in str(caught.value) and "wait a minute" in str(caught.value)
    assert isinstance(caught.value, StoreError)
    assert store.load(busy.id).notes == "note 19"  # nothing of the refused change
    store.set_notes(calm.id, "still saves")  # another workbook is not held up
    assert store.load(calm.id).notes == "still saves"


def test_own_questions_of_one_workbook_are_capped(
    store: WorkbookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "MAX_OWN_QUESTIONS", 3)
    summary, _ = store.create_workbook("", "patient")
    for n in range(3):
        store.add_own_question(summary.id, f"Mine {n}?")
    with pytest.raises(ValueError, match="the most it can hold"):
        store.add_own_question(summary.id, "One more?")
    assert len(store.load(summary.id).own_questions) == 3


def test_has_workbook_says_whether_a_workbook_is_still_stored(store: WorkbookStore) -> None:
    summary, _ = store.create_workbook("", "patient")
    assert store.has_workbook(summary.id)
    store.delete_workbook(summary.id)
    assert not store.has_workbook(summary.id)
    assert not store.has_workbook("not an id")
