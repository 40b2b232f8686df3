"""Who is who, without a browser: short codes at the desk and on the dashboard, the search that
ignores accents and case, the visits hidden after a day, merging at the desk, and export names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from secondopinion import Content
from secondopinion.store import WorkbookStore, short_code
from widgets.app import WorkbookApp
from widgets.desk import NavigatorDesk
from widgets.desk.roster_table import EMPTY, desk_table, find, forgotten_rows
from widgets.desk.who_is_who import fold
from widgets.workbook_state import WorkbookState


@pytest.fixture
def store(tmp_path: Path) -> WorkbookStore:
    return WorkbookStore.open(tmp_path / "data")


@pytest.fixture
def desk(store: WorkbookStore, content: Content, tmp_path: Path) -> NavigatorDesk:
    return NavigatorDesk(
        store, content, dashboard_url="http://desk.test:9999/", exports_dir=tmp_path / "exports"
    )


def started_days_ago(store: WorkbookStore, workbook_id: str, days: float) -> None:
    """Move a workbook's start (and last change, a minute later) back by ``days``."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    later = start + dt.timedelta(minutes=1)
    engine = sa.create_engine(f"sqlite:///{store.path}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE sessions SET created_at = :c, updated_at = :u WHERE id = :i"),
            {"c": start.isoformat(), "u": later.isoformat(), "i": workbook_id},
        )
    engine.dispose()


def names(table: pd.DataFrame) -> list[str]:
    return sorted(table["Name"])


def test_fold_takes_off_accents_and_case() -> None:
    assert fold("Cáncer de MAMA") == "cancer de mama"
    assert fold("Peña") == fold("PENA") == "pena"
    assert fold("Straße") == "strasse"


def test_the_search_ignores_accents_and_case_and_finds_codes(
    store: WorkbookStore, content: Content
) -> None:
    ana, _ = store.create_workbook("Ana Peña", "navigator")
    store.set_answers(ana.id, {"diagnosis_kind": "cancer", "diagnosis_name": "Cáncer de colon"})
    carl, _ = store.create_workbook("Carl", "navigator")
    store.set_answers(carl.id, {"diagnosis_kind": "rare_disease", "diagnosis_name": "Sarcoidosis"})
    table = desk_table(store, content)
    assert list(table.set_index("Name")["Code"]) == [short_code(carl.id), short_code(ana.id)]

    assert names(find(table, "cancer DE colon")) == ["Ana Peña"]
    assert names(find(table, "CÁNCER")) == ["Ana Peña"]
    assert names(find(table, "pena")) == ["Ana Peña"]
    assert names(find(table, "sarcoidósis")) == ["Carl"]

    code = short_code(ana.id)
    typed = {code, code.lower(), code.replace("-", "").lower(), code.replace("-", " ")}
    for way in typed:
        assert names(find(table, way)) == ["Ana Peña"], way
    assert names(find(table, code[:3])) == names(table[table["Code"].str.startswith(code[:3])])
    # a zero read as the letter O, a one as I or L, is the same code
    misread = code.replace("0", "O").replace("1", "l")
    assert names(find(table, misread)) == ["Ana Peña"]
    assert find(table, "Z" + code.replace("-", "")).empty  # one character too many


def test_unnamed_visits_with_nothing_answered_are_hidden_after_a_day(
    store: WorkbookStore, desk: NavigatorDesk
) -> None:
    tapped, _ = store.create_workbook("", "patient")  # one tap: who is filling it in
    store.set_answers(tapped.id, {"filled_by": "patient"})
    asked_own, _ = store.create_workbook("", "patient")  # only a question of their own
    store.add_own_question(asked_own.id, "¿Cuánto tarda?")
    named, _ = store.create_workbook("Ana", "navigator")  # made for Ana, not started yet
    fresh, _ = store.create_workbook("", "patient")  # started an hour ago
    store.set_answers(fresh.id, {"filled_by": "family"})
    for workbook_id in (tapped.id, asked_own.id, named.id):
        started_days_ago(store, workbook_id, 2)
    started_days_ago(store, fresh.id, 1 / 24)

    desk.refresh()
    shown = set(desk.visible()["id"])
    assert shown == {asked_own.id, named.id, fresh.id}
    assert set(desk.roster()["Code"]) == {short_code(i) for i in shown}
    assert "1 without a name or any answer, started over a day ago, is hidden" in (
        desk.counted.value
    )
    assert desk.show_forgotten.layout.display is None
    assert tapped.id not in {wid for _, wid in desk.person.options}

    desk.show_forgotten.value = True
    assert short_code(tapped.id) in set(desk.roster()["Code"])
    assert "is shown" in desk.counted.value
    assert tapped.id in {wid for _, wid in desk.person.options}

    table = desk_table(store, desk.content)
    hidden = forgotten_rows(table, dt.datetime.now(dt.UTC))
    assert list(table[hidden]["id"]) == [tapped.id]
    # a day later, the fresh one is hidden too; the rows are the same
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert set(table[forgotten_rows(table, tomorrow)]["id"]) == {tapped.id, fresh.id}
    assert table[EMPTY].sum() == 2


def test_no_hidden_rows_means_no_control(desk: NavigatorDesk, store: WorkbookStore) -> None:
    store.create_workbook("", "patient")
    desk.refresh()
    assert desk.forgotten == 0
    assert desk.show_forgotten.layout.display == "none"
    assert "hidden" not in desk.counted.value


def test_a_navigator_merges_two_workbooks_of_one_person(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    kept, _ = store.create_workbook("Ana", "navigator")
    store.set_answers(kept.id, {"diagnosis_kind": "cancer"})
    other, token = store.create_workbook("", "patient")
    store.set_answers(other.id, {"diagnosis_name": "Cáncer de colon"})
    store.add_own_question(other.id, "¿Quién paga?")
    desk.refresh()
    desk.person.value = kept.id
    assert other.id in {wid for _, wid in desk.merge_panel.other.options}
    assert kept.id not in {wid for _, wid in desk.merge_panel.other.options}
    desk.merge_panel.other.value = other.id

    desk.merge_panel.ask.click()
    assert desk.merge_panel.confirm_box.layout.display is None
    assert short_code(other.id) in desk.merge_panel.question.value
    desk.merge_panel.cancel.click()
    assert len(store.workbooks()) == 2

    desk.merge_panel.ask.click()
    desk.merge_panel.confirm.click()
    assert [s.id for s in store.workbooks()] == [kept.id]
    assert store.workbook_id_for_token(token) is None
    book = store.load(kept.id)
    assert book.answers == {"diagnosis_kind": "cancer", "diagnosis_name": "Cáncer de colon"}
    assert [q.text for q in book.own_questions] == ["¿Quién paga?"]
    assert f"{short_code(other.id)} was deleted" in desk.merge_panel.said.value
    assert list(desk.roster()["Code"]) == [short_code(kept.id)]
    assert desk.merge_panel.other.options == ()


def test_merging_without_a_second_workbook_says_what_to_choose(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    kept, _ = store.create_workbook("Ana", "navigator")
    desk.refresh()
    desk.person.value = kept.id
    desk.merge_panel.ask.click()
    assert "Choose the person to keep above" in desk.problem.value
    assert desk.merge_panel.confirm_box.layout.display == "none"


def test_exports_are_named_by_name_and_code_never_by_the_id_alone(
    desk: NavigatorDesk, store: WorkbookStore, tmp_path: Path
) -> None:
    named, _ = store.create_workbook("Ana Peña", "navigator")
    unnamed, _ = store.create_workbook("", "patient")
    store.set_answers(unnamed.id, {"diagnosis_kind": "cancer"})
    desk.refresh()
    today = dt.date.today().isoformat()
    desk.person.value = named.id
    desk.export_one.click()
    desk.export_fhir.click()
    desk.person.value = unnamed.id
    desk.export_one.click()
    desk.export_fhir.click()
    files = sorted(p.name for p in (tmp_path / "exports").iterdir())
    ana, code = short_code(named.id), short_code(unnamed.id)
    assert files == sorted(
        [
            f"workbook-ana-pena-{ana}-{today}.csv",
            f"workbook-ana-pena-{ana}-{today}.fhir.json",
            f"workbook-{code}-{today}.csv",
            f"workbook-{code}-{today}.fhir.json",
        ]
    )
    assert not any(unnamed.id in name or named.id in name for name in files)


def test_the_people_list_and_a_new_link_say_the_code(
    desk: NavigatorDesk, store: WorkbookStore
) -> None:
    desk.new_name.value = "J.D."
    desk.create_workbook.click()
    (summary,) = store.workbooks()
    code = short_code(summary.id)
    assert f"(code <strong>{code}</strong>)" in desk.new_link.value
    assert desk.person.label == f"\u2068J.D.\u2069 — {code}"


def test_a_name_alone_makes_no_workbook_and_is_stored_with_the_first_answer(
    store: WorkbookStore, content: Content
) -> None:
    state = WorkbookState(store, content)
    app = WorkbookApp(state, link_base="http://dash.test/")
    for step in range(6):
        app.go_to(step)
    app.language_switch.value = "es"
    app.go_to(0)
    app.who.name.value = "  A. P.  "
    assert store.workbooks() == []
    assert "Su nombre se queda en esta página" in app.who.code.value

    state.set_answer("filled_by", "patient")
    (summary,) = store.workbooks()
    assert summary.display_name == "A. P."
    assert summary.language == "es"
    assert "El código de su cuaderno: <strong" in app.who.code.value
    assert short_code(summary.id) in app.who.code.value

    app.who.name.value = "Ana Peña"  # a change once it exists is saved at once
    assert store.load(summary.id).summary.display_name == "Ana Peña"
    app.go_to(1)
    assert app.who.layout.display == "none"


def test_a_reopened_workbook_shows_its_name_and_code(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("Ana", "patient")
    store.set_answers(summary.id, {"diagnosis_kind": "cancer"})
    app = WorkbookApp(WorkbookState(store, content, workbook_id=summary.id), link_base=None)
    assert app.who.name.value == "Ana"
    assert "Your workbook&#x27;s code: <strong" in app.who.code.value
    assert short_code(summary.id) in app.who.code.value
