"""Schema upgrades: version-1, version-2 and version-7 databases, built by hand, upgrade after a
backup (version 7 on SQLite and PostgreSQL).

Version 1 (see ``secondopinion.store._schema``) kept only the new value in the change log
(``value_json``) and had no audience on own questions. Version 2 had no comparisons, and its
change log pointed at the sessions with a foreign key.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from secondopinion.store import SCHEMA_VERSION, WorkbookStore
from secondopinion.store import _schema as _store_schema
from tests.store_support import DB_NAME, SID, T1, T2, StoreTarget, build_v1, build_v2, versions

ALL_VERSIONS = list(range(1, SCHEMA_VERSION + 1))


def columns(path: Path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
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
    assert versions(path) == ALL_VERSIONS
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
    assert versions(path) == ALL_VERSIONS


# --------------------------------------------------------------------------- version 7 → 8

V7_TABLES = _store_schema.V7_METADATA.tables


def _engine(target: StoreTarget) -> sa.Engine:
    if target.url is not None:
        return sa.create_engine(target.url, poolclass=sa.NullPool)
    assert target.folder is not None
    return sa.create_engine(f"sqlite:///{target.folder / DB_NAME}")


def _fill_v7(engine: sa.Engine) -> None:
    """A version-7 database with one workbook that has a step done, as version 7 wrote it."""
    with engine.begin() as conn:
        _store_schema.V7_METADATA.create_all(conn)
        conn.execute(
            sa.insert(V7_TABLES["schema_version"]),
            [{"version": v, "applied_at": T1} for v in range(1, 8)],
        )
        conn.execute(
            sa.insert(V7_TABLES["store_upkeep"]),
            [{"name": "address_key", "value": "cd" * 32}, {"name": "upkeep_at", "value": ""}],
        )
        conn.execute(
            sa.insert(V7_TABLES["sessions"]).values(
                id=SID,
                token_hash="7" * 64,
                display_name="Versión siete",
                created_by="navigator",
                created_at=T1,
                updated_at=T2,
                notes="",
                notes_updated_at=None,
                language="es",
                second_opinion_on="2025-06-01",
                second_opinion_differs="partly",
            )
        )
        conn.execute(
            sa.insert(V7_TABLES["steps_done"]).values(
                session_id=SID, step_id="call_insurer", done_on="2025-05-09", updated_at=T2
            )
        )


def test_a_version_7_database_upgrades_to_care_team_links(store_target: StoreTarget) -> None:
    if store_target.folder is not None:
        store_target.folder.mkdir(mode=0o700)
        (store_target.folder / DB_NAME).touch(mode=0o600)
    engine = _engine(store_target)
    _fill_v7(engine)
    with engine.connect() as conn:
        assert "care_team_links" not in sa.inspect(conn).get_table_names()
    engine.dispose()

    with store_target.open(actor="navigator:ana") as store:
        book = store.load(SID)
        token = store.make_care_team_link(SID, share_own_questions=True)
        found = store.workbook_id_for_care_team_token(token)
        after = store.load(SID)
        log = store.changes(SID)

    # what version 7 wrote reads back, with no care-team link yet
    assert book.summary.display_name == "Versión siete"
    assert book.steps_done == {"call_insurer": dt.date(2025, 5, 9)}
    assert book.second_opinion_differs == "partly"
    assert (book.care_team_link_on, book.care_team_shares_own_questions) == (False, False)
    assert book.care_team_seen_at is None
    # and a link can be made, found and logged (never the secret) after the upgrade
    assert found == SID
    assert (after.care_team_link_on, after.care_team_shares_own_questions) == (True, True)
    assert [(c.field, c.old, c.new) for c in log] == [
        ("care_team_link", None, "made"),
        ("care_team_shares_own_questions", False, True),
    ]
    assert all(token not in repr(c) for c in log)
    engine = _engine(store_target)
    with engine.connect() as conn:
        found_versions = sorted(
            int(v) for v in conn.scalars(sa.text("SELECT version FROM schema_version"))
        )
        assert "care_team_links" in sa.inspect(conn).get_table_names()
    engine.dispose()
    assert found_versions == ALL_VERSIONS
    if store_target.folder is not None:
        (backup,) = store_target.folder.glob(f"{DB_NAME}.bak-v7-*")
        assert "care_team_links" not in tables(backup)
        assert versions(backup) == list(range(1, 8))
