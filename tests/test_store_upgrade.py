"""Schema upgrades: version-1 and version-2 databases, built by hand, upgrade after a backup.

Version 1 (see ``secondopinion._store_schema``) kept only the new value in the change log
(``value_json``) and had no audience on own questions. Version 2 had no comparisons, and its
change log pointed at the sessions with a foreign key.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from secondopinion import _store_schema
from secondopinion.store import SCHEMA_VERSION, WorkbookStore

DB_NAME = "workbooks.sqlite3"
SID = "0a1b2c3d4e5f"
T1 = "2025-05-01T10:00:00.000000+00:00"
T2 = "2025-05-02T11:30:00.000000+00:00"
V1_TABLES = _store_schema.V1_METADATA.tables
V2_TABLES = _store_schema.V2_METADATA.tables
ALL_VERSIONS = list(range(1, SCHEMA_VERSION + 1))


def build_v1(folder: Path) -> Path:
    """A version-1 workbook database with one workbook in it, as version 1 wrote it."""
    folder.mkdir(mode=0o700)
    path = folder / DB_NAME
    path.touch(mode=0o600)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    with engine.begin() as conn:
        _store_schema.V1_METADATA.create_all(conn)
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
    engine.dispose()
    return path


def columns(path: Path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    finally:
        conn.close()


def versions(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    finally:
        conn.close()


def test_a_version_1_database_upgrades_itself_after_a_backup(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    path = build_v1(folder)
    assert "value_json" in columns(path, "changes")

    with WorkbookStore.open(folder) as store:
        book = store.load(SID)
        old_changes = store.changes(SID)
        store.set_own_question(SID, "own_00000000000000aa", audience="insurer")
        store.set_answers(SID, {"diagnosis_kind": "rare_disease"})
        new_changes = store.changes(SID)[len(old_changes) :]

    # everything written under version 1 reads back
    assert book.summary.display_name == "Old Timer ☂"
    assert book.summary.created_by == "navigator"
    assert dict(book.answers) == {"diagnosis_kind": "cancer", "tests_done": ["biopsy"]}
    assert book.notes == "from version 1"
    assert book.questions["q_how_sure"].starred
    assert book.own_questions[0].text == "My old question"
    assert book.own_questions[0].audience is None
    assert book.records["r_slides"].requested_on is not None
    # old log rows keep their new value; version 1 did not keep old values
    assert [(c.field, c.old, c.new) for c in old_changes] == [
        ("answer", None, "cancer"),
        ("notes", None, "from version 1"),
    ]
    # and the upgraded database logs both from now on
    assert [(c.field, c.old, c.new) for c in new_changes] == [
        ("audience", None, "insurer"),
        ("answer", "cancer", "rare_disease"),
    ]
    assert versions(path) == ALL_VERSIONS
    assert {"old_json", "new_json"} <= columns(path, "changes")
    assert "audience" in columns(path, "own_questions")

    # the backup sits next to it, owner-only, still version 1, with the data
    (backup,) = folder.glob(f"{DB_NAME}.bak-v1-*")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert versions(backup) == [1]
    assert "value_json" in columns(backup, "changes")
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT display_name FROM sessions").fetchone() == ('"Old Timer ☂"',)
    conn.close()

    # opening again upgrades nothing and backs up nothing
    with WorkbookStore.open(folder) as store:
        assert store.load(SID).answers["diagnosis_kind"] == "rare_disease"
    assert len(list(folder.glob(f"{DB_NAME}.bak-*"))) == 1
    assert versions(path) == ALL_VERSIONS


def test_a_failed_upgrade_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data"
    path = build_v1(folder)
    real: Callable[[Connection], None] = _store_schema.UPGRADES[1]

    def half_then_fail(conn: Connection) -> None:
        conn.execute(sa.text("ALTER TABLE own_questions ADD COLUMN audience VARCHAR(100)"))
        raise RuntimeError("power cut in the middle of the upgrade")

    monkeypatch.setitem(_store_schema.UPGRADES, 1, half_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        WorkbookStore.open(folder)
    assert versions(path) == [1]
    assert "audience" not in columns(path, "own_questions")
    assert "value_json" in columns(path, "changes")

    monkeypatch.setitem(_store_schema.UPGRADES, 1, real)
    with WorkbookStore.open(folder) as store:
        assert store.load(SID).notes == "from version 1"
    assert versions(path) == ALL_VERSIONS


# --------------------------------------------------------------------------- version 2 → 3


def build_v2(folder: Path) -> Path:
    """A version-2 workbook database with one workbook and its change log, as version 2 wrote it."""
    folder.mkdir(mode=0o700)
    path = folder / DB_NAME
    path.touch(mode=0o600)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    with engine.begin() as conn:
        _store_schema.V2_METADATA.create_all(conn)
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
    engine.dispose()
    return path


def foreign_keys(path: Path, table: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[2] for row in conn.execute(f"PRAGMA foreign_key_list({table})")]
    finally:
        conn.close()


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_a_version_2_database_gets_comparisons_after_a_backup(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    path = build_v2(folder)
    assert foreign_keys(path, "changes") == ["sessions"]

    with WorkbookStore.open(folder) as store:
        old_changes = store.changes(SID)
        book = store.load(SID)
        store.set_comparison(SID, "second", "diagnosis", "the same, stage II")
        after = store.load(SID)
        new_change = store.changes(SID)[-1]

    # what version 2 wrote reads back, the log with its ids, old and new values
    assert book.own_questions[0].text == "V2SECRET question"
    assert book.own_questions[0].audience == "second_doctor"
    assert book.comparison == {}
    assert [(c.id, c.field, c.old, c.new) for c in old_changes] == [
        (7, "text", None, "V2SECRET question"),
        (8, "starred", False, True),
    ]
    # the comparison is saved and logged after the old rows
    assert after.compared("second", "diagnosis") == "the same, stage II"
    assert (new_change.section, new_change.item_id, new_change.field) == (
        "compare",
        "diagnosis",
        "second",
    )
    assert new_change.id > 8
    assert versions(path) == [1, 2, 3]
    assert "comparisons" in tables(path)
    assert "changes_v3" not in tables(path)
    assert foreign_keys(path, "changes") == []
    conn = sqlite3.connect(path)
    assert [r[1] for r in conn.execute("PRAGMA index_list(changes)")] == ["ix_changes_session"]
    conn.close()

    # the backup is version 2, owner-only, untouched
    (backup,) = folder.glob(f"{DB_NAME}.bak-v2-*")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert versions(backup) == [1, 2]
    assert "comparisons" not in tables(backup)
    assert foreign_keys(backup, "changes") == ["sessions"]


def test_a_failed_upgrade_from_version_2_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    path = build_v2(folder)
    real: Callable[[Connection], None] = _store_schema.UPGRADES[2]

    def half_then_fail(conn: Connection) -> None:
        _store_schema.comparisons.create(conn)
        conn.execute(sa.text("DROP TABLE changes"))
        raise RuntimeError("power cut in the middle of the upgrade")

    monkeypatch.setitem(_store_schema.UPGRADES, 2, half_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        WorkbookStore.open(folder)
    assert versions(path) == [1, 2]
    assert "comparisons" not in tables(path)
    assert foreign_keys(path, "changes") == ["sessions"]

    monkeypatch.setitem(_store_schema.UPGRADES, 2, real)
    with WorkbookStore.open(folder) as store:
        assert len(store.changes(SID)) == 2
    assert versions(path) == [1, 2, 3]
