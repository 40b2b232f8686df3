"""Step 5 asks when the second opinion was and whether it differed: saved at once, in Spanish."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from secondopinion import Content
from secondopinion.store import StoreError, WorkbookStore
from widgets.steps.compare import CompareOpinions
from widgets.workbook_state import WorkbookState


@pytest.fixture
def store(tmp_path: Path) -> Any:
    """One SQLite store (the views do not depend on the database; tests/test_store*.py do)."""
    with WorkbookStore.open(tmp_path / "data") as opened:
        yield opened


def compare_step(store: WorkbookStore, content: Content, **kwargs: Any) -> CompareOpinions:
    return CompareOpinions(WorkbookState(store, content, **kwargs))


def test_the_day_and_whether_it_differed_are_saved_at_once(
    store: WorkbookStore, content: Content
) -> None:
    step = compare_step(store, content)
    second = step.second_opinion
    assert "workbook-second-opinion" in second._dom_classes
    assert second in step.children
    second.held_on.value = dt.date(2026, 5, 4)
    (summary,) = store.workbooks()
    assert store.load(summary.id).second_opinion_on == dt.date(2026, 5, 4)
    assert step.state.last_saved is not None

    before = len(step.guidance.children)
    second.differs.value = "partly"
    saved = store.load(summary.id)
    assert saved.second_opinion_differs == "partly"
    # "How many opinions so far?" follows, and with it the guidance for opinions that differ
    assert saved.answers["opinions_so_far"] == "two_differ"
    assert step.differ.control.value == "two_differ"
    assert len(step.guidance.children) > before

    second.differs.value = "same"
    saved = store.load(summary.id)
    assert (saved.second_opinion_differs, saved.answers["opinions_so_far"]) == ("same", "two_agree")
    assert step.differ.control.value == "two_agree"

    second.held_on.value = None
    assert store.load(summary.id).second_opinion_on is None
    logged = [(c.field, c.old, c.new) for c in store.changes(summary.id) if c.section == "workbook"]
    assert ("second_opinion_on", None, "2026-05-04") in logged
    assert ("second_opinion_on", "2026-05-04", None) in logged


def test_a_reopened_workbook_shows_what_was_said(store: WorkbookStore, content: Content) -> None:
    summary, _ = store.create_workbook("A. B.", "navigator")
    store.set_second_opinion_date(summary.id, dt.date(2026, 2, 27))
    store.set_second_opinion_differs(summary.id, "different")
    second = compare_step(store, content, workbook_id=summary.id).second_opinion
    assert second.held_on.value == dt.date(2026, 2, 27)
    assert second.differs.value == "different"
    assert store.load(summary.id).answers == {}, "opening it changes nothing"


def test_a_day_not_saved_says_so_and_stays_on_the_page(
    store: WorkbookStore, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    step = compare_step(store, content)
    second = step.second_opinion
    second.differs.value = "same"
    (summary,) = store.workbooks()

    def refuse(*_: object) -> None:
        raise StoreError("The workbook could not be reached.")

    monkeypatch.setattr(store, "set_second_opinion_date", refuse)
    second.held_on.value = dt.date(2026, 3, 9)
    assert step.problem.layout.display is None
    assert "not saved" in step.problem.value
    assert step.state.last_failed is not None
    assert store.load(summary.id).second_opinion_on is None
    # another change saved afterwards does not wipe the day that was picked
    second.differs.value = "different"
    assert store.load(summary.id).second_opinion_differs == "different"
    assert second.held_on.value == dt.date(2026, 3, 9)
    monkeypatch.undo()
    second.held_on.value = dt.date(2026, 3, 10)
    assert store.load(summary.id).second_opinion_on == dt.date(2026, 3, 10)
    assert step.state.last_failed is None


def test_the_words_are_in_spanish_for_a_spanish_workbook(
    store: WorkbookStore, content: Content
) -> None:
    second = compare_step(store, content, language="es").second_opinion
    shown = " ".join(
        child.value
        for field in second.children
        for child in field.children
        if child is not None and isinstance(getattr(child, "value", None), str)
    )
    assert "¿Cuándo fue la segunda opinión?" in shown
    assert "¿Fue diferente de la primera opinión?" in shown
    assert [label for label, _ in second.differs.options] == [
        "Igual que la primera",
        "En parte diferente",
        "Diferente",
    ]
