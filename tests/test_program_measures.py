"""The program measures: every figure against a hand count from the database's own rows.

A store of generated workbooks (``harness/program_workbooks.py``) on SQLite; the hand count reads
the tables with ``sqlite3``, not through the store, and works each figure out on its own. Small
counts are hidden, and no hidden count can be worked out from a total. The README's chart
(``docs/screenshots/program-chart.png``) is drawn here from the same tables.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import Rectangle

from harness.program_workbooks import fill_program_store
from secondopinion import Content
from secondopinion.content._rule_checks import check_rule
from secondopinion.documents.program_charts import program_chart
from secondopinion.documents.program_measures import (
    BARRIERS,
    Period,
    ProgramMeasures,
    gather,
    measure,
)
from secondopinion.documents.small_counts import HIDDEN, NOT_SHOWN, SMALL, WITHHELD, hide_small
from secondopinion.store import WorkbookStore

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "docs" / "screenshots" / "program-chart.png"
TODAY = date(2026, 6, 30)
PERIODS = (
    Period(TODAY - timedelta(days=179), TODAY),  # everyone
    Period.last_days(90, TODAY),
    Period.last_days(21, TODAY),  # few people: many counts hidden
    Period(date(2026, 3, 1), date(2026, 3, 31)),
    Period(TODAY + timedelta(days=1), TODAY + timedelta(days=30)),  # nothing yet
)
HAVE = ("received", "sent")


@dataclass
class Person:
    """One workbook as its raw rows say, counted by hand."""

    started_on: date
    second_opinion_on: date | None
    differs: str | None
    answers: dict[str, Any] = field(default_factory=dict)
    records: dict[str, tuple[str, date | None]] = field(default_factory=dict)
    status_changes: list[tuple[str, date, Any, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, content: Content) -> Path:
    folder = tmp_path_factory.mktemp("program")
    with WorkbookStore.open(folder, actor="generator") as store:
        fill_program_store(store, content, people=120, today=TODAY, days=180)
    return folder


@pytest.fixture(scope="module")
def raw(folder: Path) -> dict[str, Person]:
    return read_raw(folder)


def read_raw(folder: Path) -> dict[str, Person]:
    """Every workbook from the SQLite file's own tables, read with sqlite3."""
    db = sqlite3.connect(folder / "workbooks.sqlite3")
    try:
        people = {
            sid: Person(
                datetime.fromisoformat(created).date(),
                date.fromisoformat(held) if held else None,
                differs,
            )
            for sid, created, held, differs in db.execute(
                "SELECT id, created_at, second_opinion_on, second_opinion_differs FROM sessions"
            )
        }
        for sid, field_id, value in db.execute(
            "SELECT session_id, field_id, value_json FROM answers"
        ):
            people[sid].answers[field_id] = json.loads(value)
        for sid, item, status, asked in db.execute(
            "SELECT session_id, item_id, status, requested_on FROM record_states"
        ):
            people[sid].records[item] = (status, date.fromisoformat(asked) if asked else None)
        for sid, at, item, old, new in db.execute(
            "SELECT session_id, at, item_id, old_json, new_json FROM changes "
            "WHERE section = 'records' AND field = 'status' ORDER BY id"
        ):
            day = datetime.fromisoformat(at).date()
            people[sid].status_changes.append((item, day, json.loads(old), json.loads(new)))
    finally:
        db.close()
    return people


@pytest.fixture(scope="module")
def rows(folder: Path, content: Content) -> Iterator[Any]:
    with WorkbookStore.open(folder, create=False) as store:
        yield gather(store, content)


# --------------------------------------------------------------------------- counting by hand


def met(person: Person) -> dict[str, bool]:
    """The barriers by hand: the intake's own wording, and which answers it shows when."""
    a = person.answers
    insurance = a.get("insurance")
    return {
        "insurance_denial": "denial_received" in a.get("already_done", []),
        "language": a.get("language_needs") in ("prefers_other", "needs_interpreter"),
        # travel_help is asked only of people who can travel
        "travel": a.get("can_travel") is False
        or (a.get("can_travel") is True and a.get("travel_help") is True),
        # costs_worry is not asked of people with no insurance
        "cost": insurance == "none" or (insurance != "none" and a.get("costs_worry") is True),
        "no_internet": a.get("internet_access") == "little",
    }


def received_on(person: Person, record: str) -> date | None:
    """The last day the record's status went from not had to had, if it is had now."""
    if person.records[record][0] not in HAVE:
        return None
    day = None
    for item, at, old, new in person.status_changes:
        if item == record and new in HAVE and old not in HAVE:
            day = at
    return day


def spread(days: list[int]) -> list[float]:
    quarter, median, three = np.percentile(days, [25, 50, 75])
    return [round(float(median), 1), round(float(quarter), 1), round(float(three), 1)]


def check_count(shown: object, counted: int, *, all_hidden: bool = False) -> None:
    """A count shows as itself, or hidden: "<5" only under 5, "hidden" only at 5 or more (unless
    every cell of its group is hidden)."""
    if shown == HIDDEN:
        assert counted < SMALL
    elif shown == WITHHELD:
        assert counted >= SMALL or all_hidden
    else:
        assert counted >= SMALL and shown == counted


def same_cell(text: str, value: object) -> bool:
    """A CSV cell holds the table's value: numbers as numbers (35.0 is written 35), text as is."""
    if isinstance(value, int | float):
        return float(text) == value
    return text == value


def check_spread(cells: list[object], count: object, days: list[int]) -> None:
    if isinstance(count, str):
        assert cells == [NOT_SHOWN] * 3
    else:
        assert cells == spread(days)


# --------------------------------------------------------------------------- the figures


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_every_figure_matches_a_hand_count(
    rows: Any, raw: dict[str, Person], content: Content, period: Period
) -> None:
    tables = measure(rows, period)
    assert len(rows.people) == len(raw) == 120
    check_figures(tables, raw, content, period)


def check_figures(
    tables: ProgramMeasures, raw: dict[str, Person], content: Content, period: Period
) -> None:
    """Every cell of every table against the raw rows, counted here."""
    cells = [v for t in tables.tables().values() for v in t.to_numpy().ravel()]
    assert {type(v) for v in cells} <= {int, float, str}, "plain numbers, or words where hidden"
    people = list(raw.values())
    started = [p for p in people if period.start <= p.started_on <= period.end]
    opinions = [
        p
        for p in people
        if p.second_opinion_on and period.start <= p.second_opinion_on <= period.end
    ]

    summary = tables.summary["people"]
    check_count(summary.iloc[0], len(started))
    check_count(summary.iloc[1], len(opinions))
    assert summary.iloc[0] != WITHHELD and summary.iloc[1] != WITHHELD

    days = [(p.second_opinion_on - p.started_on).days for p in opinions if p.second_opinion_on]
    row = list(tables.days_to_opinion.iloc[0])
    assert row[0] == summary.iloc[1]
    check_spread(row[1:], row[0], days)

    wait: dict[str, list[int]] = {}
    for p in people:
        for record, (_, asked) in p.records.items():
            came = received_on(p, record)
            if came and asked and period.start <= came <= period.end and asked <= came:
                wait.setdefault(record, []).append((came - asked).days)
    labels = {r.id: r.text for r in content.records}
    in_order = [labels[r.id] for r in content.records if r.id in wait]
    assert list(tables.record_days.index) == in_order
    for record, waited in wait.items():
        cells = list(tables.record_days.loc[labels[record]])
        check_count(cells[0], len(waited))
        assert cells[0] != WITHHELD
        check_spread(cells[1:], cells[0], waited)

    assert list(tables.barriers.index) == [b.label for b in BARRIERS]
    for barrier in BARRIERS:
        count = sum(1 for p in started if met(p)[barrier.id])
        shown, share = tables.barriers.loc[barrier.label]
        check_count(shown, count)
        assert shown != WITHHELD  # one person can meet several: no total to work them out from
        if isinstance(shown, int):
            assert share == round(100 * count / len(started))
        else:
            assert share == NOT_SHOWN

    differed = tables.differed
    counts = [
        sum(1 for p in opinions if p.differs == v) for v in ("same", "partly", "different", None)
    ]
    assert list(differed.index) == [
        "The same as the first",
        "Partly different",
        "Different",
        "Not said",
    ]
    all_hidden = all(v == WITHHELD for v in differed["people"])
    for (shown, share), count in zip(differed.itertuples(index=False), counts, strict=True):
        check_count(shown, count, all_hidden=all_hidden)
        if isinstance(shown, int):
            assert share == round(100 * count / len(opinions))
        else:
            assert share == NOT_SHOWN
    total = summary.iloc[1] if isinstance(summary.iloc[1], int) else None
    assert cannot_be_worked_out(list(differed["people"]), total)


def test_the_generated_store_holds_every_case_the_measures_meet(raw: dict[str, Person]) -> None:
    """Otherwise the hand count would prove less than it seems to."""
    people = list(raw.values())
    chained = [c for p in people for c in p.status_changes]
    assert any(old == "received" and new == "requested" for _, _, old, new in chained), "taken back"
    assert any(old == "requested" and new == "sent" for _, _, old, new in chained), "sent at once"
    records = [r for p in people for r in p.records.values()]
    assert any(asked is None and status in HAVE for status, asked in records), "no date asked"
    assert any(status == "requested" for status, _ in records), "still waiting"
    assert any(p.second_opinion_on and p.second_opinion_on < p.started_on for p in people)
    assert any(p.second_opinion_on is None for p in people)
    assert any(
        p.answers.get("insurance") == "none" and p.answers.get("costs_worry") is True
        for p in people
    )
    assert any(
        p.answers.get("can_travel") is False and p.answers.get("travel_help") is True
        for p in people
    )
    counts = {b.id: sum(1 for p in people if met(p)[b.id]) for b in BARRIERS}
    assert all(n >= SMALL for n in counts.values()), counts


def test_some_counts_are_hidden_in_a_short_period(rows: Any) -> None:
    tables = measure(rows, Period.last_days(21, TODAY))
    cells = [v for t in tables.tables().values() for v in t.to_numpy().ravel()]
    assert HIDDEN in cells and any(isinstance(v, int) for v in cells)
    nothing = measure(rows, PERIODS[-1])
    assert list(nothing.summary["people"]) == [HIDDEN, HIDDEN]
    assert nothing.record_days.empty


def test_barriers_name_real_intake_fields_and_choices(content: Content) -> None:
    for barrier in BARRIERS:
        assert check_rule(barrier.rule, content.intake) == [], barrier.id


def test_the_csv_holds_every_figure_and_is_owner_only(rows: Any, tmp_path: Path) -> None:
    tables = measure(rows, PERIODS[1])
    path = tables.save_csv(tmp_path / "exports")
    assert path.name == f"program-measures-{PERIODS[1].start}-to-{PERIODS[1].end}.csv"
    assert os.stat(path).st_mode & 0o777 == 0o600
    saved = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for name, table in tables.tables().items():
        for row in table.index:
            for column in table.columns:
                found = saved[
                    (saved["table"] == name) & (saved["row"] == row) & (saved["column"] == column)
                ]
                (text,) = found["value"]
                assert same_cell(text, table.at[row, column])
    assert len(saved) == sum(t.size for t in tables.tables().values())


def test_the_chart_shows_only_what_the_tables_show(rows: Any) -> None:
    tables = measure(rows, Period.last_days(21, TODAY))
    figure = program_chart(tables)
    barriers, differed, records = figure.axes
    for axes, column in (
        (barriers, tables.barriers["people"]),
        (differed, tables.differed["people"]),
        (records, tables.record_days["median days"]),
    ):
        widths = [bar.get_width() for bar in axes.patches if isinstance(bar, Rectangle)]
        assert widths == [v if isinstance(v, int | float) else 0 for v in column]
        words = [t.get_text().strip() for t in axes.texts]
        assert words == [str(v) for v in column]
    assert HIDDEN in list(tables.differed["people"]) + list(tables.barriers["people"])


def test_the_readme_chart_is_drawn_from_a_generated_store(rows: Any) -> None:
    tables = measure(rows, Period.last_days(120, TODAY))
    CHART.parent.mkdir(parents=True, exist_ok=True)
    program_chart(tables).savefig(CHART, dpi=90)
    assert CHART.stat().st_size > 10_000
    assert CHART.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- hiding small counts


def cannot_be_worked_out(shown: Sequence[object], total: int | None) -> bool:
    """Try every set of counts that fits what is shown: each "<5" must fit two numbers or more."""
    if total is None or HIDDEN not in shown:
        return True
    ranges = [
        range(SMALL) if v == HIDDEN else range(SMALL, total + 1) if v == WITHHELD else [v]
        for v in shown
    ]
    fits = [c for c in itertools.product(*ranges) if sum(c) == total]  # type: ignore[arg-type]
    return all(len({c[i] for c in fits}) >= 2 for i, v in enumerate(shown) if v == HIDDEN)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=4))
def test_no_hidden_count_can_be_worked_out_from_the_total(counts: list[int]) -> None:
    total = sum(counts)
    shown = hide_small(counts, total)
    for value, count in zip(shown, counts, strict=True):
        if value == HIDDEN:
            assert count < SMALL
        elif value == WITHHELD:
            assert count >= SMALL or all(v == WITHHELD for v in shown)
        else:
            assert value == count >= SMALL
    if total < SMALL:
        assert shown == [HIDDEN] * len(counts)
    elif all(v == WITHHELD for v in shown):
        fits = [
            c for c in itertools.product(range(total + 1), repeat=len(counts)) if sum(c) == total
        ]
        assert len(counts) == 1 or all(len({c[i] for c in fits}) >= 2 for i in range(len(counts)))
    else:
        assert cannot_be_worked_out(shown, total)
    assert hide_small(counts, None) == [HIDDEN if n < SMALL else n for n in counts]


def test_hiding_the_examples_a_lead_would_meet() -> None:
    assert hide_small([20, 3, 7, 10], 40) == [20, HIDDEN, WITHHELD, 10]
    assert hide_small([20, 3, 2, 10], 35) == [20, HIDDEN, HIDDEN, 10]
    assert hide_small([20, 0, 0, 10], 30) == [20, HIDDEN, HIDDEN, WITHHELD]  # 0 and 0 would show
    assert hide_small([20, 4, 4, 10], 38) == [20, HIDDEN, HIDDEN, WITHHELD]  # 4 and 4 would too
    assert hide_small([5, 0], 5) == [WITHHELD, WITHHELD]
    assert hide_small([], 0) == []
    with pytest.raises(ValueError):
        hide_small([3, 4], 10)


# --------------------------------------------------------------------------- the lead's notebook


def test_the_notebook_saves_the_figures_of_the_hand_count(
    tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """program.ipynb, run as a lead runs it, on a generated store: its CSV is the hand count's."""
    import nbformat
    from nbclient import NotebookClient

    data, exports = tmp_path / "data", tmp_path / "exports"
    with WorkbookStore.open(data, actor="generator") as store:
        fill_program_store(store, content, people=40, days=120, seed=7)
    monkeypatch.setenv("SECOND_OPINION_DATA", str(data))
    monkeypatch.setenv("SECOND_OPINION_EXPORTS", str(exports))
    monkeypatch.delenv("SECOND_OPINION_DB_URL", raising=False)
    notebook = nbformat.read(REPO / "notebooks" / "program.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(images) == 1, "the chart is shown"

    period = Period.last_days(90)
    (saved,) = exports.iterdir()
    with WorkbookStore.open(data, create=False) as store:
        tables = measure(gather(store, content), period)
    check_figures(tables, read_raw(data), content, period)
    found = pd.read_csv(saved, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    expected = tables.as_one_table()
    assert (
        list(found.columns)
        == list(expected.columns)
        == ["period", "table", "row", "column", "value"]
    )
    assert len(found) == len(expected)
    for text, want in zip(
        found.itertuples(index=False), expected.itertuples(index=False), strict=True
    ):
        assert text[:4] == want[:4]
        assert same_cell(text[4], want[4])
