"""The navigator's desk without a browser: roster, search, names, links, chart, exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from secondopinion import Content
from secondopinion.store import WorkbookStore
from widgets.app import WorkbookApp
from widgets.desk import NavigatorDesk
from widgets.desk.person_link import qr_svg
from widgets.desk.records_chart import records_chart_png
from widgets.desk.roster_table import COLUMNS, MISSING


@pytest.fixture
def store(tmp_path: Path) -> WorkbookStore:
    return WorkbookStore.open(tmp_path / "data")


@pytest.fixture
def desk(store: WorkbookStore, content: Content, tmp_path: Path) -> NavigatorDesk:
    return NavigatorDesk(
        store, content, dashboard_url="http://desk.test:9999/", exports_dir=tmp_path / "exports"
    )


def add_person(store: WorkbookStore, name: str, **answers: object) -> str:
    summary, _ = store.create_workbook(name, "navigator")
    if answers:
        store.set_answers(summary.id, answers)
    return summary.id


def shown_names(desk: NavigatorDesk) -> list[str]:
    return list(desk.roster()["Name"])


def test_the_table_is_a_real_table_widget_with_readable_columns(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    add_person(store, "Ana", diagnosis_kind="cancer", decision_date="2031-03-01")
    add_person(store, "")
    desk.refresh()
    table = desk.table.df
    assert list(table.columns) == list(COLUMNS)
    ana = table[table["Name"] == "Ana"].iloc[0]
    assert ana["Decision date"] == "2031-03-01"
    assert ana["Next due step"].startswith("2031-03-01: decide")
    assert len(ana["Last change (UTC)"]) == len("2026-01-31 09:30")
    nobody = table[table["Name"] == MISSING].iloc[0]
    assert nobody["Diagnosis"] == MISSING and nobody["Decision date"] == MISSING
    assert "None" not in table.astype(str).to_numpy().ravel().tolist()


def test_search_finds_a_person_by_name_diagnosis_or_status(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    add_person(store, "Ana B.", diagnosis_kind="cancer", diagnosis_name="Colon cancer, stage 3")
    add_person(store, "Carl", diagnosis_kind="rare_disease", treatment_status="in_treatment")
    desk.refresh()
    desk.search.value = "COLON"
    assert shown_names(desk) == ["Ana B."]
    assert "1 of 2 people found" in desk.counted.value
    desk.search.value = "carl"
    assert shown_names(desk) == ["Carl"]
    desk.search.value = "in treatment"
    assert shown_names(desk) == ["Carl"]
    desk.search.value = "nobody like this"
    assert shown_names(desk) == []
    desk.search.value = ""
    assert sorted(shown_names(desk)) == ["Ana B.", "Carl"]


def test_names_are_shown_escaped_by_the_table(desk: NavigatorDesk, store: WorkbookStore) -> None:
    add_person(store, "Ana <b>B</b>", diagnosis_kind="cancer")
    desk.refresh()
    assert "&lt;b&gt;" in str(desk.table._dt_args["data_json"])


def test_a_navigator_can_rename_a_workbook(desk: NavigatorDesk, store: WorkbookStore) -> None:
    person = add_person(store, "", diagnosis_kind="cancer")
    desk.refresh()
    desk.person.value = person
    desk.rename_to.value = "  Dana K.  "
    desk.rename.click()
    assert store.load(person).summary.display_name == "Dana K."
    assert shown_names(desk) == ["Dana K."]
    assert desk.person.label.startswith("\u2068Dana K.\u2069")


def test_a_navigator_can_change_a_persons_private_link(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    summary, old = store.create_workbook("Gil", "patient")
    desk.refresh()
    desk.person.value = summary.id
    desk.change_link.click()
    assert store.workbook_id_for_token(old) is None
    new = desk.new_link.value.split("#workbook=")[1].split("<")[0].split('"')[0]
    assert store.workbook_id_for_token(new) == summary.id
    assert "old link no longer works" in desk.new_link.value


def test_clicking_a_row_chooses_the_person(desk: NavigatorDesk, store: WorkbookStore) -> None:
    add_person(store, "Eve")
    fay = add_person(store, "Fay")
    desk.refresh()
    row = shown_names(desk).index("Fay")
    desk.table.selected_rows = [row]
    assert desk.person.value == fay


def test_a_new_person_gets_a_private_link_and_a_qr_code(
    desk: NavigatorDesk, store: WorkbookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECOND_OPINION_PUBLIC_URL", raising=False)
    desk.new_name.value = "J.D."
    desk.create_workbook.click()
    (summary,) = store.workbooks()
    assert summary.display_name == "J.D." and summary.created_by == "navigator"
    assert 'href="http://desk.test:9999/#workbook=' in desk.new_link.value
    assert "127.0.0.1" not in desk.new_link.value
    assert bytes(desk.qr_code.value).startswith(b"<?xml") and b"<svg" in bytes(desk.qr_code.value)
    assert desk.person.value == summary.id


def test_the_public_address_wins_for_new_links(
    desk: NavigatorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_PUBLIC_URL", "https://workbook.example.org/hub/")
    desk.create_workbook.click()
    assert 'href="https://workbook.example.org/hub/#workbook=' in desk.new_link.value


def test_without_any_address_the_desk_says_what_to_set(
    store: WorkbookStore, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECOND_OPINION_PUBLIC_URL", raising=False)
    desk = NavigatorDesk(store, content)
    desk.create_workbook.click()
    assert "SECOND_OPINION_PUBLIC_URL" in desk.new_link.value and "href" not in desk.new_link.value
    assert desk.qr_code.layout.display == "none"


def test_the_records_chart_renders_and_follows_changes(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    assert desk.chart.layout.display == "none"
    person = add_person(store, "Gil", diagnosis_kind="cancer")
    desk.refresh()
    first = bytes(desk.chart.image.value)
    assert first.startswith(b"\x89PNG") and len(first) > 2000
    assert desk.chart.layout.display is None
    record = next(iter(desk.content.records)).id
    store.set_record(person, record, status="received")
    desk.read_again.click()
    assert bytes(desk.chart.image.value) != first
    assert "received: 1" in desk.chart.words.value.lower()


def test_chart_and_qr_pictures_are_made_without_a_display() -> None:
    assert records_chart_png({"Still needed": 2, "Sent": 0}).startswith(b"\x89PNG")
    assert b"<svg" in qr_svg("https://x.example/#workbook=abc")


def test_opening_a_person_shows_their_workbook_and_edits_refresh_the_roster(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    person = add_person(store, "Dee", diagnosis_kind="cancer")
    desk.refresh()
    desk.person.value = person
    desk.open_workbook.click()
    assert isinstance(desk.app, WorkbookApp)
    assert desk.app in desk.workbook_area.children
    assert desk.app.state.answers == {"diagnosis_kind": "cancer"}
    before = desk.roster().iloc[0]["Records still needed"]
    record = next(iter(desk.app.state.plan.records)).item.id
    desk.app.state.set_record(record, status="requested", requested_on=dt.date.today().isoformat())
    row = desk.roster().iloc[0]
    assert row["Records still needed"] == before - 1 and row["Asked for"] == 1
    assert row["Next due step"] != MISSING


def test_exports_land_in_the_exports_folder_owner_only(
    desk: NavigatorDesk, store: WorkbookStore, tmp_path: Path
) -> None:
    first = add_person(store, "Peña", diagnosis_kind="cancer")
    add_person(store, "Fay", diagnosis_kind="other_serious")
    desk.refresh()
    desk.person.value = first
    desk.export_one.click()
    assert "workbook-pena-" in desk.exported.value
    desk.export_all.click()
    folder = tmp_path / "exports"
    assert len(list(folder.iterdir())) == 2
    assert (folder.stat().st_mode & 0o777) == 0o700
    roster_file = next(folder.glob("roster-*.csv"))
    table = pd.read_csv(roster_file, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert sorted(table["Name"]) == ["Fay", "Peña"]
    assert (roster_file.stat().st_mode & 0o777) == 0o600
    assert 'download="roster-' in desk.exported.value
    assert "data:text/csv;base64," in desk.exported.value


def test_exports_go_next_to_the_notebook_by_default(
    store: WorkbookStore, content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    desk = NavigatorDesk(store, content)
    assert desk.exports_dir == tmp_path / "exports"


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
    assert len(store.workbooks()) == 2
    desk.delete.click()
    desk.confirm_delete.click()
    assert [s.id for s in store.workbooks()] == [kept]
    assert shown_names(desk) == ["Hal"]
    assert [c.field for c in store.changes(gone)] == ["deleted"]


def test_direction_controls_in_a_name_cannot_turn_the_labels_around(
    store: WorkbookStore, content: Content
) -> None:
    """U+202E in a name would show the words after it backwards; the desk drops it and keeps
    each name in its own isolate, in the table and in the chooser."""
    planted = "Eve \u202edetsil ton\u202c"
    summary, _ = store.create_workbook(planted, "patient")
    store.set_answers(summary.id, {"diagnosis_name": "\u202eremmus"})
    desk = NavigatorDesk(store, content)
    row = desk.everyone[desk.everyone["id"] == summary.id].iloc[0]
    controls = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067")
    assert not controls & set(row["Name"]) and not controls & set(row["Diagnosis"])
    assert row["Name"] == "Eve detsil ton"
    label = dict((v, k) for k, v in desk.person.options)[summary.id]
    assert not controls & set(label)
    assert label.startswith("\u2068Eve detsil ton\u2069")
    assert label.count("\u2068") == label.count("\u2069")


def test_the_roster_shows_each_persons_language(desk: NavigatorDesk, store: WorkbookStore) -> None:
    add_person(store, "Ann")
    desk.new_name.value = "Ana Peña"
    desk.new_language.value = "es"
    desk.create_workbook.click()
    table = desk.table.df
    assert table.set_index("Name").loc["Ana Peña", "Language"] == "Español"
    assert table.set_index("Name").loc["Ann", "Language"] == "English"
    assert "Pe-a" not in " ".join(table["Name"])
