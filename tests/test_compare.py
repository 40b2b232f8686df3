"""Comparing the two opinions: saved at once, change-logged, kept across a reopen, exported."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from secondopinion import Content
from secondopinion.documents.exports import LONG_FORM_COLUMNS, long_form, to_csv_bytes
from secondopinion.store import COMPARISON_OPINIONS, NotFoundError, WorkbookStore

ASPECTS = (
    "diagnosis",
    "stage_or_extent",
    "recommended_treatment",
    "other_options",
    "clinical_trials",
    "reasons_given",
    "open_questions",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_the_content_names_both_opinions_and_every_aspect(content: Content) -> None:
    assert tuple(o.id for o in content.compare.opinions) == COMPARISON_OPINIONS
    assert tuple(a.id for a in content.compare.aspects) == ASPECTS
    for aspect in content.compare.aspects:
        assert aspect.label.strip() and aspect.help.strip()


def test_every_aspect_of_both_opinions_is_saved_and_reopened(folder: Path) -> None:
    with WorkbookStore.open(folder) as store:
        summary, _ = store.create_workbook("R. K.", "patient")
        for opinion in COMPARISON_OPINIONS:
            for aspect in ASPECTS:
                store.set_comparison(summary.id, opinion, aspect, f"{opinion} says {aspect} ✓")
    with WorkbookStore.open(folder) as store:
        book = store.load(summary.id)
        (again,) = store.load_all([summary.id])
    assert len(book.comparison) == len(COMPARISON_OPINIONS) * len(ASPECTS)
    for opinion in COMPARISON_OPINIONS:
        for aspect in ASPECTS:
            entry = book.comparison[(opinion, aspect)]
            assert (entry.opinion, entry.aspect) == (opinion, aspect)
            assert entry.text == f"{opinion} says {aspect} ✓"
            assert book.compared(opinion, aspect) == entry.text
    assert again.comparison == book.comparison


def test_a_change_is_logged_with_old_and_new_and_same_text_logs_nothing(
    store: WorkbookStore,
) -> None:
    store.coalesce_seconds = 0  # every change its own row (a burst is kept as one otherwise)
    summary, _ = store.create_workbook("", "navigator")
    sid = summary.id
    store.set_comparison(sid, "second", "diagnosis", "")  # nothing written: nothing changes
    assert store.load(sid).comparison == {}
    store.set_comparison(sid, "second", "diagnosis", "stage II")
    store.set_comparison(sid, "second", "diagnosis", "stage II")
    store.set_comparison(sid, "second", "diagnosis", "stage IIA")
    store.set_comparison(sid, "second", "diagnosis", "")
    logged = [
        (c.section, c.item_id, c.field, c.old, c.new)
        for c in store.changes(sid)
        if c.section == "compare"
    ]
    assert logged == [
        ("compare", "diagnosis", "second", None, "stage II"),
        ("compare", "diagnosis", "second", "stage II", "stage IIA"),
        ("compare", "diagnosis", "second", "stage IIA", ""),
    ]
    book = store.load(sid)
    assert book.compared("second", "diagnosis") == ""
    assert book.compared("first", "diagnosis") == ""
    assert book.summary.updated_at == store.changes(sid)[-1].at


def test_typed_text_comes_back_exactly(store: WorkbookStore) -> None:
    summary, _ = store.create_workbook("", "patient")
    text = "line one\r\nשלום <script>x</script> =1+1 \x00 😀 " + "z" * 20_000
    store.set_comparison(summary.id, "first", "reasons_given", text)
    assert store.load(summary.id).compared("first", "reasons_given") == text


def test_bad_comparisons_are_refused_and_nothing_is_written(store: WorkbookStore) -> None:
    summary, _ = store.create_workbook("", "patient")
    before = len(store.changes(summary.id))
    with pytest.raises(ValueError, match="first, second"):
        store.set_comparison(summary.id, "third", "diagnosis", "x")
    with pytest.raises(ValueError, match="aspect"):
        store.set_comparison(summary.id, "first", "Diagnosis!", "x")
    with pytest.raises(TypeError):
        store.set_comparison(summary.id, "first", "diagnosis", 42)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.set_comparison("0123456789ab", "first", "diagnosis", "x")
    assert len(store.changes(summary.id)) == before
    assert store.load(summary.id).comparison == {}


def test_the_long_form_has_the_comparison_in_content_order(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("", "patient")
    sid = summary.id
    store.set_comparison(sid, "second", "recommended_treatment", "radiation first")
    store.set_comparison(sid, "first", "recommended_treatment", "=surgery")
    store.set_comparison(sid, "first", "diagnosis", "ductal carcinoma")
    table = long_form(store.load(sid), content)
    assert tuple(table.columns) == LONG_FORM_COLUMNS
    rows = table[table.section == "compare"]
    assert rows[["item_id", "field", "value"]].values.tolist() == [
        ["diagnosis", "first", "ductal carcinoma"],
        ["recommended_treatment", "first", "=surgery"],
        ["recommended_treatment", "second", "radiation first"],
    ]
    assert rows.item_text.tolist()[0] == content.compare.aspect("diagnosis").label
    assert rows.applies_now.all()

    csv = pd.read_csv(
        io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    exported = csv[csv.section == "compare"]
    assert exported.value.tolist() == ["ductal carcinoma", "'=surgery", "radiation first"]
