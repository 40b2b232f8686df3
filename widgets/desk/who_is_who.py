"""Telling people apart at the desk: words compared without accents, and the visits to hide.

``fold("Cáncer")`` is "cancer": the desk's search compares folded words, so "cancer" finds
"cáncer" and "PENA" finds "Peña". ``matches_code`` finds a workbook by its short code however it
is typed ("k7f29q", "K7F 29Q").

A roster fills up with visits that never became anything: someone opened the dashboard, tapped
once and left. ``forgotten`` says which rows to hide by default: no name, nothing answered
(``nothing_written``), and started more than ``FORGOTTEN_AFTER`` ago. A row with a name is
always shown: a name is how a navigator knows who it is.

"Nothing answered" means nothing that says anything about the person: no answer but who is
filling it in (``ABOUT_WHO_WRITES``), no question starred, ticked or answered, no record touched,
no question of their own, no comparison, no step marked done, no navigator's notes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Final

import pandas as pd

from secondopinion.content.vocabulary import RECORD_NEEDED
from secondopinion.store import Workbook, WorkbookOverview, read_code

FORGOTTEN_AFTER: Final = dt.timedelta(days=1)
"""How long an unnamed workbook with nothing answered stays in view before it is hidden."""

ABOUT_WHO_WRITES: Final = frozenset({"filled_by"})
"""Answers that say who is filling the workbook in, not anything about the person's illness."""


def fold(text: str) -> str:
    """``text`` to compare, without accents or case: "Cáncer" → "cancer", "Straße" → "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).casefold()


def code_words(code: str) -> str:
    """A short code as the search looks for it: with and without its dash ("k7f-29q k7f29q")."""
    return f"{code} {code.replace('-', '')}".casefold()


def matches_code(word: str, code: str) -> bool:
    """True if ``word`` is the short ``code``, typed in any case, with or without its dash."""
    return read_code(word) == code


def _answered(answers: Mapping[str, object]) -> bool:
    return any(
        field not in ABOUT_WHO_WRITES and value not in (None, "", [])
        for field, value in answers.items()
    )


def nothing_answered(book: WorkbookOverview) -> bool:
    """What an overview can tell: True if it shows nothing answered (see ``nothing_written``).

    An overview does not carry typed text, so a True here is checked with ``nothing_written``
    on the whole workbook before the row is hidden.
    """
    return not (
        _answered(book.answers)
        or book.questions_starred
        or book.questions_asked
        or any(r.status != RECORD_NEEDED or r.requested_on for r in book.records.values())
    )


def nothing_written(book: Workbook) -> bool:
    """True if the workbook holds nothing about the person (only, maybe, who is filling it in)."""
    return not (
        _answered(book.answers)
        or book.notes.strip()
        or book.own_questions
        or any(q.starred or q.asked or q.answer for q in book.questions.values())
        or any(
            r.status != RECORD_NEEDED or r.from_whom or r.requested_on or r.note
            for r in book.records.values()
        )
        or any(entry.text for entry in book.comparison.values())
        or book.steps_done
    )


def forgotten(empty: pd.Series, created: pd.Series, now: dt.datetime) -> pd.Series:
    """Which rows to hide: ``empty`` (no name, nothing answered) and started before a day ago."""
    if empty.empty:
        return empty.astype(bool)
    started = pd.to_datetime(created, utc=True)
    return (empty.astype(bool) & (started < pd.Timestamp(now - FORGOTTEN_AFTER))).astype(bool)
