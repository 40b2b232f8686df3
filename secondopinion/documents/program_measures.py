"""Program measures for a lead: how the people a program helps are doing, over a chosen period.

``program_measures(store, content, period)`` gives five tables (pandas DataFrames), with every
count of fewer than 5 people shown as "<5" (``small_counts``):

- ``summary``: people who started a workbook in the period, and people whose second opinion was
  in the period (the day they gave in step 5).
- ``days_to_opinion``: for the second opinions in the period, the days from the day the person
  started their workbook to the day of the opinion (median, 25th and 75th percentile). Days are
  below zero for a person who had the opinion before starting the workbook: they are kept (and
  not counted apart, which would give away how many such people there are).
- ``record_days``: for each kind of record received in the period, the days from the day it was
  asked for (the date the person gave) to the day it was marked received (from the change log:
  the last time its status became "I have it" or "Sent to the second doctor").
- ``barriers``: of the people who started in the period, how many answered the intake in a way
  that says they met each barrier (``BARRIERS``); one person can meet several.
- ``differed``: of the second opinions in the period, how many were the same as the first,
  partly different, different, or not said.

Days are counted between calendar days; the store's times are UTC. ``gather`` reads the store
once into plain rows (``ProgramRows``) and ``measure`` works out the tables for any period, so a
lead can try several periods without reading the store again.

Example::

    rows = gather(WorkbookStore.open(create=False), load_content())
    tables = measure(rows, Period(date(2026, 1, 1), date(2026, 3, 31)))
    tables.barriers
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import pandas as pd

from secondopinion.content import Content, rules
from secondopinion.documents.exports import write_csv
from secondopinion.documents.small_counts import NOT_SHOWN, Shown, hide_small, share
from secondopinion.planning import derive
from secondopinion.store import Change, Workbook, WorkbookStore

__all__ = [
    "BARRIERS",
    "DIFFERS",
    "PEOPLE_COLUMNS",
    "RECORD_COLUMNS",
    "Barrier",
    "Period",
    "ProgramMeasures",
    "ProgramRows",
    "gather",
    "measure",
    "program_measures",
    "received_days",
]

Person = dict[Hashable, Any]
HAVE: Final = frozenset({"received", "sent"})
"""Record statuses that mean the person has the record."""


@dataclass(frozen=True)
class Barrier:
    """A barrier a person can meet, and the intake answers that say they met it."""

    id: str
    label: str
    rule: rules.Rule


def _barrier(barrier_id: str, label: str, raw: object) -> Barrier:
    return Barrier(barrier_id, label, rules.parse_rule(raw))


BARRIERS: Final = (
    _barrier(
        "insurance_denial",
        "Insurance denial",
        # "A letter came saying the insurance will not pay"
        {"field": "already_done", "equals": "denial_received"},
    ),
    _barrier(
        "language",
        "Language",
        # "I speak another language best", "An interpreter is needed"
        {"field": "language_needs", "in": ["prefers_other", "needs_interpreter"]},
    ),
    _barrier(
        "travel",
        "Travel",
        # Travel is hard, or possible only with help.
        {
            "any": [
                {"field": "can_travel", "equals": False},
                {"field": "travel_help", "equals": True},
            ]
        },
    ),
    _barrier(
        "cost",
        "Cost",
        # Costs are a worry even with insurance, or there is no insurance (the question about
        # costs is not asked then).
        {
            "any": [
                {"field": "costs_worry", "equals": True},
                {"field": "insurance", "equals": "none"},
            ]
        },
    ),
    _barrier(
        "no_internet",
        "No internet (or hard to use)",
        # "Hard, or no internet"
        {"field": "internet_access", "equals": "little"},
    ),
)
"""The barriers counted, each as a rule over the intake answers (checked against the intake by
``tests/test_program_measures.py``)."""

DIFFERS: Final = (
    ("same", "The same as the first"),
    ("partly", "Partly different"),
    ("different", "Different"),
    (None, "Not said"),
)
"""Whether the second opinion differed from the first, as stored, and as a lead reads it."""

PEOPLE_COLUMNS: Final = (
    "workbook",
    "started_on",
    "second_opinion_on",
    "differs",
    *(b.id for b in BARRIERS),
)
"""The columns of ``ProgramRows.people``: one row per workbook."""

RECORD_COLUMNS: Final = ("workbook", "record", "requested_on", "received_on")
"""The columns of ``ProgramRows.records``: one row per record the person has (received or sent)."""

PEOPLE = "people"
MEDIAN = "median days"
QUARTER = "25th percentile (days)"
THREE_QUARTERS = "75th percentile (days)"
SHARE_STARTED = "share of people who started (%)"
SHARE_OPINIONS = "share of second opinions (%)"
RECEIVED = "records received"
STARTED_ROW = "People who started a workbook"
OPINION_ROW = "People whose second opinion was in the period"
OPINION_DAYS_ROW = "Days from starting the workbook to the second opinion"


@dataclass(frozen=True)
class Period:
    """The days a lead asks about, the first and the last both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise TypeError("A period starts and ends on a date (datetime.date).")
        if self.end < self.start:
            raise ValueError(f"The period ends ({self.end}) before it starts ({self.start}).")

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        """The ``days`` days up to and including ``today`` (default: today)."""
        if days < 1:
            raise ValueError("A period has at least one day.")
        end = today or date.today()
        return cls(end - timedelta(days=days - 1), end)

    def holds(self, day: date | None) -> bool:
        """True if ``day`` is in the period (None never is)."""
        return day is not None and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class ProgramRows:
    """What the measures are made from, read from the store once; no names, nothing typed."""

    people: pd.DataFrame
    """One row per workbook, with ``PEOPLE_COLUMNS``; one True/False column per barrier."""
    records: pd.DataFrame
    """One row per record the person has, with ``RECORD_COLUMNS``; days may be missing (None)."""
    record_labels: dict[str, str]
    """How each record id is named (the content's text)."""


@dataclass(frozen=True)
class ProgramMeasures:
    """The five tables of one period (see the module), small counts hidden."""

    period: Period
    summary: pd.DataFrame
    days_to_opinion: pd.DataFrame
    record_days: pd.DataFrame
    barriers: pd.DataFrame
    differed: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Each table by its name."""
        return {
            "summary": self.summary,
            "days_to_opinion": self.days_to_opinion,
            "record_days": self.record_days,
            "barriers": self.barriers,
            "differed": self.differed,
        }

    def as_one_table(self) -> pd.DataFrame:
        """Every figure in one long table (period, table, row, column, value), for one CSV."""
        rows = [
            (str(self.period), name, str(row), str(column), table.at[row, column])
            for name, table in self.tables().items()
            for row in table.index
            for column in table.columns
        ]
        return pd.DataFrame(rows, columns=["period", "table", "row", "column", "value"])

    def save_csv(self, folder: Path | str) -> Path:
        """Save ``as_one_table`` to an owner-only CSV in ``folder``; returns its path."""
        name = f"program-measures-{self.period.start}-to-{self.period.end}.csv"
        return write_csv(self.as_one_table(), Path(folder) / name)


def received_days(changes: Iterable[Change]) -> dict[str, date]:
    """The day each record was last marked as had (received or sent), from a change log.

    The log is read oldest first; a record moved back to "still needed" or "asked for" loses
    its day until it is marked as had again. A record whose change was trimmed from the log
    (the oldest rows go first in a very long log) has no day.
    """
    days: dict[str, date] = {}
    for change in changes:
        if change.section != "records" or change.field != "status":
            continue
        if change.new in HAVE and change.old not in HAVE:
            days[change.item_id] = change.at.date()
        elif change.new not in HAVE:
            days.pop(change.item_id, None)
    return days


def gather(store: WorkbookStore, content: Content) -> ProgramRows:
    """Read what the measures need from every workbook in the store.

    One consistent read of all workbooks, then the change log of each workbook that has a
    record received or sent (for the day it was received).
    """
    people: list[tuple[object, ...]] = []
    records: list[tuple[object, ...]] = []
    for book in store.load_all():
        people.append(_person(book, content))
        have = sorted(r for r, state in book.records.items() if state.status in HAVE)
        if not have:
            continue
        received = received_days(store.changes(book.id))
        for record_id in have:
            asked = book.records[record_id].requested_on
            records.append((book.id, record_id, asked, received.get(record_id)))
    labels = {record.id: record.text for record in content.records}
    return ProgramRows(
        people=pd.DataFrame(people, columns=list(PEOPLE_COLUMNS), dtype=object),
        records=pd.DataFrame(records, columns=list(RECORD_COLUMNS), dtype=object),
        record_labels=labels,
    )


def _person(book: Workbook, content: Content) -> tuple[object, ...]:
    # The answers in effect: an answer the intake no longer asks (given before an earlier
    # answer changed) says nothing about a barrier.
    in_effect = derive(book, content, date.today()).situation.in_effect(content.intake)
    return (
        book.id,
        book.summary.created_at.date(),
        book.second_opinion_on,
        book.second_opinion_differs,
        *(rules.evaluate(barrier.rule, in_effect) for barrier in BARRIERS),
    )


def measure(rows: ProgramRows, period: Period) -> ProgramMeasures:
    """The five tables for one period, from rows ``gather`` read."""
    people = rows.people.to_dict("records")
    started = [p for p in people if period.holds(p["started_on"])]
    opinions = [p for p in people if period.holds(p["second_opinion_on"])]
    (started_shown, opinions_shown) = hide_small([len(started), len(opinions)], total=None)
    summary = pd.DataFrame(
        {PEOPLE: [started_shown, opinions_shown]}, index=[STARTED_ROW, OPINION_ROW], dtype=object
    )
    summary.index.name = "measure"
    opinion_total = len(opinions) if isinstance(opinions_shown, int) else None
    return ProgramMeasures(
        period=period,
        summary=summary,
        days_to_opinion=_days_to_opinion(opinions, opinions_shown),
        record_days=_record_days(rows, period),
        barriers=_barriers(started, started_shown),
        differed=_differed(opinions, opinion_total),
    )


def program_measures(store: WorkbookStore, content: Content, period: Period) -> ProgramMeasures:
    """``measure(gather(store, content), period)``: the tables of one period, from the store."""
    return measure(gather(store, content), period)


def _days_to_opinion(opinions: list[Person], shown: Shown) -> pd.DataFrame:
    days = [(p["second_opinion_on"] - p["started_on"]).days for p in opinions]
    table = pd.DataFrame(
        [[shown, *_spread(days, shown)]],
        columns=[PEOPLE, MEDIAN, QUARTER, THREE_QUARTERS],
        index=[OPINION_DAYS_ROW],
        dtype=object,
    )
    table.index.name = "second opinion"
    return table


def _record_days(rows: ProgramRows, period: Period) -> pd.DataFrame:
    days: dict[str, list[int]] = {}
    for r in rows.records.to_dict("records"):
        asked, received = r["requested_on"], r["received_on"]
        if not period.holds(received) or asked is None or asked > received:
            continue
        days.setdefault(str(r["record"]), []).append((received - asked).days)
    order = list(rows.record_labels)
    kinds = sorted(days, key=lambda k: (order.index(k) if k in order else len(order), k))
    table_rows = []
    for kind in kinds:
        (count,) = hide_small([len(days[kind])], total=None)
        table_rows.append([rows.record_labels.get(kind, kind), count, *_spread(days[kind], count)])
    table = pd.DataFrame(
        table_rows,
        columns=["record", RECEIVED, MEDIAN, QUARTER, THREE_QUARTERS],
        dtype=object,
    ).set_index("record")
    return table


def _barriers(started: list[Person], started_shown: Shown) -> pd.DataFrame:
    total = len(started) if isinstance(started_shown, int) else 0
    table_rows = []
    for barrier in BARRIERS:
        met = sum(1 for p in started if p[barrier.id] is True)
        (count,) = hide_small([met], total=None)
        table_rows.append([barrier.label, count, share(count, total)])
    table = pd.DataFrame(
        table_rows, columns=["barrier", PEOPLE, SHARE_STARTED], dtype=object
    ).set_index("barrier")
    return table


def _differed(opinions: list[Person], total: int | None) -> pd.DataFrame:
    counts = [sum(1 for p in opinions if p["differs"] == value) for value, _ in DIFFERS]
    shown = hide_small(counts, total)
    table = pd.DataFrame(
        [[label, n, share(n, total or 0)] for (_, label), n in zip(DIFFERS, shown, strict=True)],
        columns=["second opinion", PEOPLE, SHARE_OPINIONS],
        dtype=object,
    ).set_index("second opinion")
    return table


def _spread(days: list[int], count: Shown) -> list[object]:
    """Median, 25th and 75th percentile of ``days`` (one decimal); ``NOT_SHOWN`` if hidden."""
    if isinstance(count, str) or not days:
        return [NOT_SHOWN] * 3
    quarter, median, three_quarters = statistics.quantiles(days, n=4, method="inclusive")
    return [round(median, 1), round(quarter, 1), round(three_quarters, 1)]
