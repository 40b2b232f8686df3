"""Issue 22, the store's bounds: nobody can fill the disk through the dashboard.

New workbooks per network address per hour and the total size of the store are bounded, each
refusal with a plain message for the person and a line in the host's log; workbooks started on
the dashboard and never written in are removed after a day. Every test runs on SQLite and on
PostgreSQL (the ``store`` fixture), and moves the store's clock rather than waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from secondopinion.store import (
    ENV_MAX_STORE_MB,
    ENV_NEW_WORKBOOKS_PER_HOUR,
    UNUSED_AFTER,
    NotFoundError,
    StoreFullError,
    TooManyNewWorkbooksError,
    WorkbookStore,
    _db,
    _limits,
    _schema,
)
from tests.store_support import StoreTarget

VISITOR = "203.0.113.5"
NEIGHBOUR = "203.0.113.6"


@pytest.fixture(autouse=True)
def no_quiet_logs() -> None:
    """Each test sees the host's log lines it causes (they are said once a minute at most)."""
    _limits.NOTICES._last.clear()
    _limits.NOTICES._unsaid.clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move the store's clock forward by a given time (it starts at the real time)."""
    moved = timedelta(0)

    def now() -> str:
        return (datetime.now(UTC) + moved).isoformat(timespec="microseconds")

    def forward(by: timedelta) -> None:
        nonlocal moved
        moved += by

    monkeypatch.setattr(_db, "utc_now", now)
    return forward


def count(store: WorkbookStore) -> int:
    return len(store.workbooks())


# --------------------------------------------------------------------------- per address


def test_one_address_starts_only_so_many_new_workbooks_an_hour(
    store: WorkbookStore,
    store_target: StoreTarget,
    clock: Callable[[timedelta], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    store.new_workbooks_per_hour = 3
    for _ in range(3):
        store.create_workbook("", "patient", address=VISITOR)
    with (
        caplog.at_level(logging.WARNING, logger="secondopinion.store"),
        pytest.raises(TooManyNewWorkbooksError) as refused,
    ):
        store.create_workbook("", "patient", address=VISITOR)
    assert count(store) == 3  # nothing written
    message = str(refused.value)
    assert "Too many new workbooks" in message and "not saved" in message
    assert VISITOR not in message
    (line,) = [r for r in caplog.records if r.name == "secondopinion.store"]
    assert line.levelno == logging.WARNING
    assert VISITOR in line.getMessage() and ENV_NEW_WORKBOOKS_PER_HOUR in line.getMessage()

    # another kernel (another store on the same database) counts the same address with it
    with store_target.open() as other:
        other.new_workbooks_per_hour = 3
        with pytest.raises(TooManyNewWorkbooksError):
            other.create_workbook("", "patient", address=VISITOR)
        other.create_workbook("", "patient", address=NEIGHBOUR)  # another address: its own count
    # the navigators' desk and the command line give no address, and are not counted
    store.create_workbook("For a person", "navigator")
    assert count(store) == 5

    # an hour later, the address may start new ones again
    clock(timedelta(minutes=61))
    store.create_workbook("", "patient", address=VISITOR)
    assert count(store) == 6


def test_an_ipv6_network_counts_as_one_address(store: WorkbookStore) -> None:
    store.new_workbooks_per_hour = 2
    store.create_workbook("", "patient", address="2001:db8:1:2::1")
    store.create_workbook("", "patient", address="2001:db8:1:2:ffff::9")
    with pytest.raises(TooManyNewWorkbooksError):
        store.create_workbook("", "patient", address="2001:db8:1:2:abcd::42")
    store.create_workbook("", "patient", address="2001:db8:1:3::1")  # another /64
    # an IPv4 address written as IPv6 is the same address
    store.create_workbook("", "patient", address="198.51.100.7")
    store.create_workbook("", "patient", address="::ffff:198.51.100.7")
    with pytest.raises(TooManyNewWorkbooksError):
        store.create_workbook("", "patient", address="198.51.100.7")


def test_the_addresses_are_not_kept_as_they_are_nor_for_long(
    store: WorkbookStore, clock: Callable[[timedelta], None]
) -> None:
    store.create_workbook("", "patient", address=VISITOR)
    with store._engine.connect() as conn:
        kept = [tuple(r) for r in conn.execute(_schema.new_workbooks.select())]
    assert len(kept) == 1
    assert all(VISITOR not in str(value) for value in kept[0])
    clock(timedelta(minutes=61))
    store.create_workbook("", "patient", address=NEIGHBOUR)
    with store._engine.connect() as conn:
        assert len(conn.execute(_schema.new_workbooks.select()).all()) == 1  # the old row is gone


# --------------------------------------------------------------------------- total size


def test_a_full_store_refuses_new_workbooks_then_changes_but_never_a_deletion(
    store: WorkbookStore, caplog: pytest.LogCaptureFixture
) -> None:
    kept, _ = store.create_workbook("", "patient")
    gone, _ = store.create_workbook("", "patient")
    with store._engine.connect() as conn:
        size = _limits.store_bytes(conn)
    assert size is not None and size > 0

    # full for new workbooks, but within the reserve kept for workbooks already started
    store.max_store_bytes = int(size / (1 + _limits.CHANGES_RESERVE / 2))
    with (
        caplog.at_level(logging.WARNING, logger="secondopinion.store"),
        pytest.raises(StoreFullError) as refused,
    ):
        store.create_workbook("", "patient", address=VISITOR)
    assert "full" in str(refused.value) and "not saved" in str(refused.value)
    assert count(store) == 2
    store.set_notes(kept.id, "still saved")
    assert store.load(kept.id).notes == "still saved"
    (line,) = [r for r in caplog.records if r.name == "secondopinion.store"]
    assert ENV_MAX_STORE_MB in line.getMessage() and "new workbooks" in line.getMessage()

    # past the reserve too: changes are refused, and nothing is written
    store.max_store_bytes = 1
    with pytest.raises(StoreFullError):
        store.set_notes(kept.id, "not saved")
    assert store.load(kept.id).notes == "still saved"
    # deleting, or a new private link, makes nothing bigger: never refused
    store.change_private_link(kept.id)
    store.delete_workbook(gone.id)
    with pytest.raises(NotFoundError):
        store.load(gone.id)

    store.max_store_bytes = None  # no limit
    store.create_workbook("", "patient")


def test_the_limits_come_from_the_environment(
    store_target: StoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store_target.open() as store:
        assert store.new_workbooks_per_hour == _limits.NEW_WORKBOOKS_PER_HOUR
        assert store.max_store_bytes == _limits.MAX_STORE_MB * 2**20
    monkeypatch.setenv(ENV_NEW_WORKBOOKS_PER_HOUR, "2")
    monkeypatch.setenv(ENV_MAX_STORE_MB, "10")
    with store_target.open() as store:
        assert store.new_workbooks_per_hour == 2
        assert store.max_store_bytes == 10 * 2**20
    for wrong in ("0", "-3", "many", "1.5"):
        monkeypatch.setenv(ENV_MAX_STORE_MB, wrong)
        with pytest.raises(ValueError, match=ENV_MAX_STORE_MB):
            store_target.open()


# --------------------------------------------------------------------------- unused workbooks


def test_workbooks_never_written_in_are_removed_after_a_day(
    store: WorkbookStore, clock: Callable[[timedelta], None]
) -> None:
    unused, unused_token = store.create_workbook("", "patient", address=VISITOR)
    written, _ = store.create_workbook("", "patient", address=VISITOR)
    store.set_answers(written.id, {"diagnosis_kind": "cancer"})
    for_a_person, desk_token = store.create_workbook("J. R.", "navigator")

    assert store.remove_unused_workbooks() == 0  # not a day old yet
    clock(UNUSED_AFTER - timedelta(minutes=1))
    assert store.remove_unused_workbooks() == 0
    clock(timedelta(minutes=2))
    assert store.remove_unused_workbooks() == 1

    with pytest.raises(NotFoundError):
        store.load(unused.id)
    assert store.workbook_id_for_token(unused_token) is None
    (entry,) = store.changes(unused.id)
    assert (entry.field, entry.changed_by) == ("deleted", _limits.UPKEEP_ACTOR)
    # a workbook with answers, and one made at the desk for a person, are kept
    assert store.load(written.id).answers["diagnosis_kind"] == "cancer"
    assert store.workbook_id_for_token(desk_token) == for_a_person.id
    assert store.remove_unused_workbooks() == 0


def upkeep_ran_at(store: WorkbookStore) -> str:
    with store._engine.connect() as conn:
        rows: dict[str, str] = {
            str(name): str(value) for name, value in conn.execute(_schema.store_upkeep.select())
        }
    return rows[_schema.UPKEEP_AT]


def test_a_new_workbook_runs_the_upkeep_once_an_hour(
    store: WorkbookStore, store_target: StoreTarget, clock: Callable[[timedelta], None]
) -> None:
    assert upkeep_ran_at(store) == ""  # never ran
    first, _ = store.create_workbook("", "patient")  # runs the first upkeep
    ran = upkeep_ran_at(store)
    assert ran
    clock(UNUSED_AFTER + timedelta(minutes=1))
    with store_target.open() as other:  # another kernel: the upkeep is per database
        other.create_workbook("", "patient")  # due again: removes the first
        with pytest.raises(NotFoundError):
            store.load(first.id)
        ran_again = upkeep_ran_at(store)
        assert ran_again > ran
        clock(timedelta(minutes=30))
        store.create_workbook("", "patient")  # within the hour: it does not run
        other.create_workbook("", "patient")
        assert upkeep_ran_at(store) == ran_again
        clock(timedelta(minutes=31))
        store.create_workbook("", "patient")  # an hour after the last one: it runs
        assert upkeep_ran_at(store) > ran_again


# --------------------------------------------------------------------------- on the dashboard


@pytest.mark.sqlite_only(reason="the page's side; the bound itself is checked on both above")
def test_a_dashboard_page_counts_its_visitor_and_says_why_nothing_was_saved(
    store: WorkbookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secondopinion import load_content
    from secondopinion.store import VISITOR_ENV
    from widgets.workbook_state import WorkbookState

    content = load_content()
    monkeypatch.setenv(VISITOR_ENV, VISITOR)
    store.new_workbooks_per_hour = 1
    first = WorkbookState(store, content)
    first.set_answer("diagnosis_kind", "cancer")  # the first change starts the workbook
    second = WorkbookState(store, content)
    with pytest.raises(TooManyNewWorkbooksError):
        second.set_answer("diagnosis_kind", "cancer")
    assert second.workbook_id is None and second.last_failed is not None
    assert second.failed_message.startswith("Too many new workbooks")
    monkeypatch.delenv(VISITOR_ENV)  # the navigators' desk: no visitor, no count
    desk = WorkbookState(store, content, created_by="navigator")
    desk.set_answer("diagnosis_kind", "cancer")
    assert count(store) == 2
