"""The navigator's desk without a browser: roster, new people, opening and exporting."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from secondopinion import Content
from secondopinion.store import WorkbookStore
from widgets.app import WorkbookApp
from widgets.roster import NavigatorDesk


@pytest.fixture
def store(tmp_path: Path) -> WorkbookStore:
    return WorkbookStore.open(tmp_path / "data")


@pytest.fixture
def desk(store: WorkbookStore, content: Content, tmp_path: Path) -> NavigatorDesk:
    return NavigatorDesk(store, content, exports_dir=tmp_path / "exports")


def add_person(store: WorkbookStore, name: str, **answers: object) -> str:
    summary, _ = store.create_session(name, "navigator")
    store.set_answers(summary.id, answers)
    return summary.id


def test_a_new_person_gets_a_private_link(desk: NavigatorDesk, store: WorkbookStore) -> None:
    desk.new_name.value = "J.D."
    desk.create_workbook.click()
    (summary,) = store.sessions()
    assert summary.display_name == "J.D." and summary.created_by == "navigator"
    assert "http://127.0.0.1:8866/?session=" in desk.new_link.value
    assert desk.person.value == summary.id


def test_the_roster_filters_and_sorts(desk: NavigatorDesk, store: WorkbookStore) -> None:
    add_person(store, "Ana <b>B</b>", diagnosis_kind="cancer")
    add_person(store, "Carl", diagnosis_kind="rare_disease")
    desk.refresh()
    assert "Ana &lt;b&gt;B&lt;/b&gt;" in desk.table.value and "<b>B</b>" not in desk.table.value
    desk.filter.value = "carl"
    assert list(desk.roster()["name"]) == ["Carl"]
    assert "Ana" not in desk.table.value
    desk.filter.value = ""
    desk.sort.value = ("name", True)
    assert list(desk.roster()["name"]) == ["Ana <b>B</b>", "Carl"]


def test_opening_a_person_shows_their_workbook(desk: NavigatorDesk, store: WorkbookStore) -> None:
    session = add_person(store, "Dee", diagnosis_kind="cancer")
    desk.refresh()
    desk.person.value = session
    desk.open_workbook.click()
    (app,) = desk.workbook_area.children
    assert isinstance(app, WorkbookApp)
    assert app.state.answers == {"diagnosis_kind": "cancer"}


def test_exports_are_written_for_one_and_for_all(
    desk: NavigatorDesk, store: WorkbookStore, tmp_path: Path
) -> None:
    first = add_person(store, "Eve", diagnosis_kind="cancer")
    add_person(store, "Fay", diagnosis_kind="other_serious")
    desk.refresh()
    desk.person.value = first
    desk.export_one.click()
    desk.export_all.click()
    files = sorted(p.name for p in (tmp_path / "exports").iterdir())
    assert len(files) == 2
    roster_file = next(p for p in (tmp_path / "exports").iterdir() if p.name.startswith("roster"))
    table = pd.read_csv(roster_file, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert sorted(table["name"]) == ["Eve", "Fay"]
    assert (roster_file.stat().st_mode & 0o777) == 0o600


def test_opening_without_choosing_says_so(desk: NavigatorDesk) -> None:
    desk.open_workbook.click()
    assert "Choose a person first" in desk.problem.value


def test_a_navigator_can_delete_a_workbook_after_confirming(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    gone = add_person(store, "Gil", diagnosis_kind="cancer")
    kept = add_person(store, "Hal", diagnosis_kind="cancer")
    desk.refresh()
    desk.person.value = gone
    desk.delete.click()
    desk.keep.click()
    assert len(store.sessions()) == 2
    desk.delete.click()
    desk.confirm_delete.click()
    assert [s.id for s in store.sessions()] == [kept]
    assert "Gil" not in desk.table.value
    assert [c.field for c in store.changes(gone)] == ["deleted"]
