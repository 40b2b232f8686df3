"""The roster as a navigator reads it: plain headers, ISO dates, "—" where nothing is known.

``desk_table(store_or_books, content)`` builds on ``secondopinion.documents.exports.roster`` and
adds what a navigator looks people up by: the name of the diagnosis as the person wrote it.
Each row carries the workbook's short code ("K7F-29Q"), which a person reads out over the phone.
``find(table, words)`` keeps the rows whose code, name, diagnosis or status mention every word,
without minding accents or case ("cancer" finds "Cáncer"; "k7f29q" finds "K7F-29Q").
``forgotten_rows(table, now)`` says which rows the desk hides by default (``who_is_who``).

>>> table = desk_table(store, load_content())  # doctest: +SKIP
>>> find(table, "colon")["Name"].tolist()  # doctest: +SKIP
['Ana B.']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Final

import pandas as pd

from secondopinion import Content
from secondopinion.documents.exports import roster
from secondopinion.language import LANGUAGE_NAMES
from secondopinion.store import AnswerValue, WorkbookOverview, WorkbookStore, short_code
from widgets.desk.who_is_who import (
    code_words,
    fold,
    forgotten,
    matches_code,
    nothing_answered,
    nothing_written,
)

MISSING: Final = "—"
"""What an empty cell shows."""

ID: Final = "id"
"""The column of workbook ids (not shown in the table)."""

SEARCHED: Final = "searched"
"""The column of text that the search box looks in (not shown in the table)."""

CREATED: Final = "created"
"""The column of when each workbook was started (not shown in the table)."""

EMPTY: Final = "empty"
"""The column that is True for a workbook with no name and nothing answered (not shown)."""

COLUMNS: Final = (
    "Name",
    "Code",
    "Language",
    "Diagnosis",
    "Treatment",
    "Decision date",
    "Next due step",
    "Records still needed",
    "Asked for",
    "Received",
    "Sent",
    "Last change (UTC)",
)
"""The columns the navigator sees, in order."""

RECORD_COUNTS: Final = {
    "Records still needed": "records_needed",
    "Asked for": "records_requested",
    "Received": "records_received",
    "Sent": "records_sent",
}
"""The record counts shown, and the roster columns they come from."""

_STATUS_WORDS: Final = {
    "records_needed": "records still needed",
    "records_requested": "records asked for",
    "records_received": "records received",
    "records_sent": "records sent",
}


def desk_table(store: WorkbookStore | Iterable[WorkbookOverview], content: Content) -> pd.DataFrame:
    """One row per person, most recently changed first, with ``COLUMNS`` and the hidden columns.

    The hidden columns are ``ID``, ``SEARCHED``, ``CREATED`` and ``EMPTY``. Text columns hold
    plain strings ("—" when unknown); the record counts are integers. Given a store, a row is
    ``EMPTY`` only once its whole workbook was read and holds nothing; given overviews, what
    they show decides.
    """
    books = store.overviews() if isinstance(store, WorkbookStore) else list(store)
    empty = {
        book.summary.id
        for book in books
        if not book.summary.display_name.strip() and nothing_answered(book)
    }
    if isinstance(store, WorkbookStore) and empty:
        empty = {book.id for book in store.load_all(empty) if nothing_written(book)}
    base = roster(books, content)
    id_column = base.columns[0]  # the workbook's id, whatever the export calls it
    named = {book.summary.id: _diagnosis_name(book.answers) for book in books}
    rows = []
    for _, row in base.iterrows():
        workbook_id = str(row[id_column])
        diagnosis = _diagnosis(named.get(workbook_id, ""), str(row["diagnosis_kind"]))
        code = short_code(workbook_id)
        shown: dict[str, str | int] = {
            "Name": display_label(_text(row["name"])),
            "Code": code,
            "Language": LANGUAGE_NAMES.get(str(row["language"]), str(row["language"])),
            "Diagnosis": display_label(diagnosis),
            "Treatment": _text(row["treatment_status"]),
            "Decision date": _date(row["decision_date"]),
            "Next due step": _text(row["next_due_step"]),
            **{header: int(row[column]) for header, column in RECORD_COUNTS.items()},
            "Last change (UTC)": _time(row["last_change"]),
        }
        words = [
            str(shown[c]) for c in ("Name", "Language", "Diagnosis", "Treatment", "Next due step")
        ]
        words += [text for column, text in _STATUS_WORDS.items() if int(row[column])]
        rows.append(
            {
                **shown,
                ID: workbook_id,
                SEARCHED: f"{fold(' '.join(words))} {code_words(code)}",
                CREATED: row["created"],
                EMPTY: workbook_id in empty,
            }
        )
    return pd.DataFrame(rows, columns=[*COLUMNS, ID, SEARCHED, CREATED, EMPTY])


def find(table: pd.DataFrame, words: str) -> pd.DataFrame:
    """The rows whose code, name, diagnosis or status mention every word of ``words``.

    Accents and case do not matter; a code may be typed without its dash.
    """
    wanted = fold(words).split()
    if not wanted or table.empty:
        return table
    keep = [
        all(word in text or matches_code(word, code) for word in wanted)
        for text, code in zip(table[SEARCHED], table["Code"], strict=True)
    ]
    return table[pd.Series(keep, index=table.index, dtype=bool)]


def forgotten_rows(table: pd.DataFrame, now: dt.datetime) -> pd.Series:
    """True for the rows the desk hides by default: no name, nothing answered, over a day old."""
    return forgotten(table[EMPTY], table[CREATED], now)


def _diagnosis_name(answers: Mapping[str, AnswerValue]) -> str:
    value = answers.get("diagnosis_name")
    return value.strip() if isinstance(value, str) else ""


def _diagnosis(name: str, kind: str) -> str:
    if name and kind and kind.casefold() not in name.casefold():
        return f"{name} ({kind})"
    return name or kind or MISSING


BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""The characters that change the direction of the text around them (U+202E and its kin)."""


def display_label(name: str) -> str:
    """A person's name without the control characters that turn text around (U+202E...).

    A name in Hebrew or Arabic still reads right to left; a planted U+202E can no longer
    reverse the words after it. Where a name stands next to other words in one label, wrap it
    in ``isolated`` too.
    """
    return "".join(ch for ch in name if ch not in BIDI_CONTROLS)


def isolated(text: str) -> str:
    """``text`` between U+2068 and U+2069: its direction stays inside, whatever it holds."""
    return f"\u2068{text}\u2069" if text else ""


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return MISSING
    text = str(value).strip()
    return text if text and text not in {"None", "nan", "NaT"} else MISSING


def _date(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return MISSING
    iso = getattr(value, "isoformat", None)
    return str(iso())[:10] if callable(iso) else _text(value)


def _time(value: object) -> str:
    if value is None or value is pd.NaT:
        return MISSING
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if pd.isna(stamp):
        return MISSING
    return stamp.tz_convert("UTC").strftime("%Y-%m-%d %H:%M") if stamp.tzinfo else str(stamp)[:16]
