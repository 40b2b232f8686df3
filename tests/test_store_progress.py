"""Steps done and the second opinion (schema version 7), on SQLite and PostgreSQL.

Each test runs on both databases (the ``store`` and ``store_target`` fixtures), the upgrade
from a version-6 database built by hand too.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from secondopinion.store import (
    SCHEMA_VERSION,
    InvalidValueError,
    NotFoundError,
    StoreError,
    WorkbookStore,
    _schema,
)
from tests.store_support import SID, T1, T2, StoreTarget, versions_at

V6 = _schema.V6_METADATA.tables


def _new(store: WorkbookStore) -> str:
    summary, _ = store.create_workbook("Rosa", created_by="patient")
    return summary.id


def test_a_step_marked_done_keeps_its_day_and_can_be_undone(store: WorkbookStore) -> None:
    wid = _new(store)
    assert store.load(wid).steps_done == {}

    store.set_step_done(wid, "call_insurer", date(2026, 12, 1))
    store.set_step_done(wid, "book_visit", "2026-12-03")
    assert store.load(wid).steps_done == {
        "book_visit": date(2026, 12, 3),
        "call_insurer": date(2026, 12, 1),
    }

    store.set_step_done(wid, "call_insurer", date(2026, 12, 2))  # a corrected day
    store.set_step_done(wid, "book_visit", None)  # not done after all
    assert store.load(wid).steps_done == {"call_insurer": date(2026, 12, 2)}
    assert [wb.steps_done for wb in store.load_all([wid])] == [{"call_insurer": date(2026, 12, 2)}]


def test_steps_done_are_logged_and_writing_the_same_day_logs_nothing(
    store: WorkbookStore,
) -> None:
    wid = _new(store)
    store.coalesce_seconds = 0  # every change its own row
    before = len(store.changes(wid))
    store.set_step_done(wid, "call_insurer", date(2026, 12, 1))
    store.set_step_done(wid, "call_insurer", date(2026, 12, 1))
    store.set_step_done(wid, "book_visit", None)  # never done: nothing to undo
    store.set_step_done(wid, "call_insurer", None)
    rows = [(c.section, c.item_id, c.field, c.old, c.new) for c in store.changes(wid)[before:]]
    assert rows == [
        ("timeline", "call_insurer", "done_on", None, "2026-12-01"),
        ("timeline", "call_insurer", "done_on", "2026-12-01", None),
    ]


def test_the_second_opinion_day_and_whether_it_differed_change_one_at_a_time(
    store: WorkbookStore,
) -> None:
    wid = _new(store)
    book = store.load(wid)
    assert (book.second_opinion_on, book.second_opinion_differs) == (None, None)

    store.set_second_opinion_date(wid, date(2026, 11, 30))
    assert store.load(wid).second_opinion_differs is None
    store.set_second_opinion_differs(wid, "partly")
    book = store.load(wid)
    assert (book.second_opinion_on, book.second_opinion_differs) == (date(2026, 11, 30), "partly")

    store.set_second_opinion_differs(wid, "different")
    store.set_second_opinion_date(wid, None)
    book = store.load(wid)
    assert (book.second_opinion_on, book.second_opinion_differs) == (None, "different")

    log = [(c.section, c.field, c.old, c.new) for c in store.changes(wid)]
    assert ("workbook", "second_opinion_on", None, "2026-11-30") in log
    assert ("workbook", "second_opinion_differs", "partly", "different") in log
    assert log[-1] == ("workbook", "second_opinion_on", "2026-11-30", None)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, w: s.set_second_opinion_differs(w, "maybe"), "same, partly, different"),
        (lambda s, w: s.set_second_opinion_differs(w, "Same"), "same, partly, different"),
        (lambda s, w: s.set_second_opinion_date(w, "2026-02-30"), "real date"),
        (lambda s, w: s.set_second_opinion_date(w, datetime(2026, 1, 2, 9)), "without a time"),
        (lambda s, w: s.set_step_done(w, "call_insurer", "yesterday"), "real date"),
        (lambda s, w: s.set_step_done(w, "call_insurer", 20261201), "real date"),
        (lambda s, w: s.set_step_done(w, "Call insurer!", date(2026, 12, 1)), "step id"),
    ],
)
def test_bad_values_are_a_plain_store_error_and_write_nothing(
    store: WorkbookStore, call: object, message: str
) -> None:
    wid = _new(store)
    before = store.changes(wid)
    with pytest.raises(StoreError, match=message) as caught:
        call(store, wid)  # type: ignore[operator]
    assert isinstance(caught.value, InvalidValueError)
    assert isinstance(caught.value, ValueError)
    book = store.load(wid)
    assert (book.steps_done, book.second_opinion_on, book.second_opinion_differs) == (
        {},
        None,
        None,
    )
    assert store.changes(wid) == before


def test_an_unknown_workbook_is_not_found(store: WorkbookStore) -> None:
    with pytest.raises(NotFoundError):
        store.set_step_done("0123456789ab", "call_insurer", date(2026, 12, 1))
    with pytest.raises(NotFoundError):
        store.set_second_opinion_differs("0123456789ab", "same")


def test_deleting_a_workbook_erases_its_steps_done(store_target: StoreTarget) -> None:
    with store_target.open() as store:
        wid = _new(store)
        kept = _new(store)
        store.set_step_done(wid, "call_insurer", date(2026, 12, 1))
        store.set_step_done(kept, "call_insurer", date(2026, 12, 2))
        store.delete_workbook(wid)
        assert store.load(kept).steps_done == {"call_insurer": date(2026, 12, 2)}
    engine = _engine(store_target)
    with engine.connect() as conn:
        left = conn.execute(sa.select(_schema.steps_done.c.session_id)).scalars().all()
    engine.dispose()
    assert left == [kept]


# --------------------------------------------------------------------------- from version 6


def _engine(target: StoreTarget) -> sa.Engine:
    if target.url is not None:
        return sa.create_engine(target.url, poolclass=sa.NullPool)
    assert target.folder is not None
    return sa.create_engine(f"sqlite:///{target.folder / 'workbooks.sqlite3'}")


def _fill_v6(engine: sa.Engine) -> None:
    """A version-6 database with one workbook, one record and one log row, as version 6 wrote it."""
    with engine.begin() as conn:
        _schema.V6_METADATA.create_all(conn)
        conn.execute(
            sa.insert(V6["schema_version"]), [{"version": v, "applied_at": T1} for v in range(1, 7)]
        )
        conn.execute(
            sa.insert(V6["store_upkeep"]),
            [{"name": "address_key", "value": "ab" * 32}, {"name": "upkeep_at", "value": ""}],
        )
        conn.execute(
            sa.insert(V6["sessions"]).values(
                id=SID,
                token_hash="6" * 64,
                display_name="Versión seis",
                created_by="navigator",
                created_at=T1,
                updated_at=T2,
                notes="",
                notes_updated_at=None,
                language="es",
            )
        )
        conn.execute(
            sa.insert(V6["record_states"]).values(
                session_id=SID,
                item_id="r_slides",
                status="requested",
                from_whom="",
                requested_on="2025-05-01",
                note="",
                updated_at=T2,
            )
        )
        conn.execute(
            sa.insert(V6["changes"]).values(
                session_id=SID,
                at=T2,
                section="records",
                item_id="r_slides",
                field="status",
                old_json="needed",
                new_json="requested",
                changed_by="navigator:ana",
            )
        )


def test_a_version_6_database_upgrades_to_steps_done_and_the_second_opinion(
    store_target: StoreTarget,
) -> None:
    if store_target.folder is not None:
        store_target.folder.mkdir(mode=0o700)
        (store_target.folder / "workbooks.sqlite3").touch(mode=0o600)
    engine = _engine(store_target)
    _fill_v6(engine)
    engine.dispose()

    with store_target.open(actor="navigator:ana") as store:
        book = store.load(SID)
        store.set_step_done(SID, "r_slides", date(2025, 5, 9))
        store.set_second_opinion_date(SID, date(2025, 6, 1))
        store.set_second_opinion_differs(SID, "same")
        after = store.load(SID)
        log = store.changes(SID)

    # what version 6 wrote reads back, with nothing done and no second opinion yet
    assert book.summary.display_name == "Versión seis"
    assert book.summary.language == "es"
    assert book.records["r_slides"].requested_on == date(2025, 5, 1)
    assert (book.steps_done, book.second_opinion_on, book.second_opinion_differs) == (
        {},
        None,
        None,
    )
    # and the new things are kept and logged after the old row
    assert after.steps_done == {"r_slides": date(2025, 5, 9)}
    assert (after.second_opinion_on, after.second_opinion_differs) == (date(2025, 6, 1), "same")
    assert [(c.section, c.field) for c in log] == [
        ("records", "status"),
        ("timeline", "done_on"),
        ("workbook", "second_opinion_on"),
        ("workbook", "second_opinion_differs"),
    ]
    engine = _engine(store_target)
    with engine.connect() as conn:
        found = [int(v) for v in conn.scalars(sa.text("SELECT version FROM schema_version"))]
        columns = {c["name"] for c in sa.inspect(conn).get_columns("sessions")}
    engine.dispose()
    assert sorted(found) == list(range(1, SCHEMA_VERSION + 1))
    assert {"second_opinion_on", "second_opinion_differs"} <= columns
    if store_target.url is not None:
        assert versions_at(store_target.url)[-1] == SCHEMA_VERSION
    else:
        assert store_target.folder is not None
        (backup,) = store_target.folder.glob("workbooks.sqlite3.bak-v6-*")
        old = sa.create_engine(f"sqlite:///{backup}")
        with old.connect() as conn:
            assert "steps_done" not in sa.inspect(conn).get_table_names()
        old.dispose()
