"""The store on a real PostgreSQL server: older layouts upgraded, faults, locks, several writers.

Every test that uses the ``store`` fixture already runs on PostgreSQL too; these are the ones
that only make sense with a server: it restarts or drops a connection, another program holds a
row lock, two dashboard servers and a navigator write one workbook at once, and how many
connections each kernel holds.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from secondopinion.store import (
    BUSY_MESSAGE,
    SCHEMA_VERSION,
    StoreBusyError,
    StoreError,
    WorkbookStore,
)
from tests.store_support import SID, PostgresServer, fill_v1, fill_v2, versions_at


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.new_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


def _fill(url: str, fill: object) -> None:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    fill(engine)  # type: ignore[operator]
    engine.dispose()


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --------------------------------------------------------------------------- older layouts


def test_a_version_1_layout_upgrades_on_postgresql(pg_url: str) -> None:
    _fill(pg_url, fill_v1)
    with WorkbookStore.open(url=pg_url, actor="navigator:ana") as store:
        book = store.load(SID)
        log = store.changes(SID)
        store.set_notes(SID, "after the upgrade")
        last = store.changes(SID)[-1]
    assert versions_at(pg_url) == list(range(1, SCHEMA_VERSION + 1))
    assert book.summary.display_name == "Old Timer ☂"
    assert book.answers["tests_done"] == ["biopsy"]
    assert book.own_questions[0].audience is None
    assert [(c.section, c.field, c.old, c.new, c.changed_by) for c in log] == [
        ("situation", "answer", None, "cancer", ""),
        ("workbook", "notes", None, "from version 1", ""),  # 'session' before version 4
    ]
    assert (last.field, last.old, last.new, last.changed_by) == (
        "notes",
        "from version 1",
        "after the upgrade",
        "navigator:ana",
    )


def test_a_version_2_layout_loses_its_foreign_key_on_postgresql(pg_url: str) -> None:
    _fill(pg_url, fill_v2)
    engine = sa.create_engine(pg_url, poolclass=sa.NullPool)
    assert sa.inspect(engine).get_foreign_keys("changes") != []
    with WorkbookStore.open(url=pg_url) as store:
        store.set_comparison(SID, "second", "diagnosis", "stage II")
        ids = [c.id for c in store.changes(SID)]
        store.delete_workbook(SID)  # possible only without the foreign key
        (gone,) = store.changes(SID)
    assert ids[:2] == [7, 8] and ids[2] > 8
    assert gone.field == "deleted"
    assert sa.inspect(engine).get_foreign_keys("changes") == []
    assert "comparisons" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_two_programs_opening_an_old_layout_at_once_upgrade_it_once(pg_url: str) -> None:
    _fill(pg_url, fill_v1)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            WorkbookStore.open(url=pg_url).close()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert versions_at(pg_url) == list(range(1, SCHEMA_VERSION + 1))


# --------------------------------------------------------------------------- faults


def test_a_server_restart_mid_visit_is_a_plain_error_then_works_again(
    pg_url: str, postgres_server: PostgresServer
) -> None:
    with WorkbookStore.open(url=pg_url) as store:
        store.coalesce_seconds = 0  # each change its own change-log row
        summary, _ = store.create_workbook("Restart", "patient")
        store.set_notes(summary.id, "before")
        postgres_server.pause()
        try:
            with pytest.raises(StoreError) as caught:
                store.set_notes(summary.id, "while down")
        finally:
            postgres_server.resume()
        message = str(caught.value)
        assert "cannot be reached" in message and "try again" in message
        assert str(postgres_server.port) not in message and "postgres" not in message
        assert caught.value.path is not None and "127.0.0.1" in caught.value.path
        store.set_notes(summary.id, "after")  # the pool replaced its dead connection
        assert store.load(summary.id).notes == "after"
        assert [c.new for c in store.changes(summary.id) if c.field == "notes"] == [
            "before",
            "after",
        ]


def test_a_dropped_connection_is_replaced_without_a_word(
    pg_url: str, postgres_server: PostgresServer
) -> None:
    with WorkbookStore.open(url=pg_url) as store:
        summary, _ = store.create_workbook("Dropped", "patient")
        assert postgres_server.end_connections(pg_url) >= 1
        store.set_question(summary.id, "q_a", starred=True)
        assert store.load(summary.id).questions["q_a"].starred


def test_a_row_lock_held_elsewhere_is_a_plain_busy_message(pg_url: str) -> None:
    with WorkbookStore.open(url=pg_url, busy_timeout=0.1) as store:
        summary, _ = store.create_workbook("Locked", "patient")
        with psycopg.connect(_libpq(pg_url)) as other:
            other.execute("SELECT id FROM sessions WHERE id = %s FOR UPDATE", (summary.id,))
            with pytest.raises(StoreBusyError) as caught:
                store.set_notes(summary.id, "during the lock")
            assert str(caught.value) == BUSY_MESSAGE
            assert store.load(summary.id).notes == ""  # reading is not blocked
            other.rollback()
        store.set_notes(summary.id, "after the lock")
        assert store.load(summary.id).notes == "after the lock"


def test_a_wrong_password_or_port_is_a_plain_message(postgres_server: PostgresServer) -> None:
    url = f"postgresql+psycopg://nobody:s3cret@127.0.0.1:{postgres_server.port}/none"
    with pytest.raises(StoreError) as caught:
        WorkbookStore.open(url=url)
    assert "s3cret" not in caught.value.full_message()


# --------------------------------------------------------------------------- several writers


def test_two_dashboards_and_a_navigator_lose_nothing_and_the_log_says_who(pg_url: str) -> None:
    rounds = 40
    actors = ("dashboard-1", "dashboard-2", "navigator:ana")
    stores = [WorkbookStore.open(url=pg_url, actor=a) for a in actors]
    summary, _ = stores[0].create_workbook("Shared", "patient")
    wid = summary.id
    refused: list[str] = []

    def write(store: WorkbookStore, n: int) -> None:
        for i in range(rounds):
            try:
                store.set_question(wid, f"q_own_{n}", answer=f"{store.actor} {i}")  # own field
                store.set_notes(wid, f"{store.actor} {i}")  # the same field for all three
                store.set_record(wid, "r_slides", status=("requested", "received")[i % 2])
            except StoreBusyError as e:
                refused.append(str(e))

    threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        book = stores[2].load(wid)
        log = stores[2].changes(wid)
    finally:
        for s in stores:
            s.close()
    assert all(r == BUSY_MESSAGE for r in refused)  # refused plainly, if at all
    for n, actor in enumerate(actors):
        mine = [c for c in log if c.item_id == f"q_own_{n}"]
        assert {c.changed_by for c in mine} == {actor}
        written = rounds - len(refused)  # each refusal costs at most one round
        assert len(mine) >= written
        assert book.questions[f"q_own_{n}"].answer == f"{actor} {rounds - 1}"
    notes = [c for c in log if c.field == "notes"]
    # the last logged write of the shared field is what is stored, and the log chains
    assert book.notes == notes[-1].new
    for before, after in itertools.pairwise(notes):
        assert after.old == before.new
    statuses = [c for c in log if c.section == "records"]
    assert book.records["r_slides"].status == statuses[-1].new
    assert {c.changed_by for c in notes} == set(actors)


# --------------------------------------------------------------------------- connections


def test_each_kernel_holds_one_connection(pg_url: str, postgres_server: PostgresServer) -> None:
    kernels = [WorkbookStore.open(url=pg_url) for _ in range(20)]
    try:
        summary, _ = kernels[0].create_workbook("Many", "patient")
        for store in kernels:
            store.load(summary.id)
            store.set_question(summary.id, "q_a", starred=True)
        engine = postgres_server.admin_engine()
        with engine.connect() as conn:
            held = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
                    "AND application_name = 'second-opinion workbook'"
                ),
                {"db": sa.make_url(pg_url).database},
            ).scalar_one()
        engine.dispose()
    finally:
        for store in kernels:
            store.close()
    assert held == len(kernels)
