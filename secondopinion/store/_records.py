"""What the store hands back: frozen snapshots of workbooks, their parts, and the change log.

Changing a snapshot changes nothing in the store; every change goes through ``WorkbookStore``.
Times are timezone-aware UTC ``datetime``; dates the person gave are ``date``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from secondopinion.content.vocabulary import DECISION_DATE_FIELD, RECORD_STATUSES

AnswerValue = str | bool | list[str]
"""A stored situation answer: text (also ISO dates), yes/no, or a list of choice ids."""

CREATED_BY: Final = ("patient", "navigator")
"""Who may start a workbook."""

RECORD_STATUS_LABELS: Final = dict(
    zip(
        RECORD_STATUSES,
        ("Still needed", "Asked for", "I have it", "Sent to the second doctor"),
        strict=True,
    )
)
"""How each record status is named for people."""

SECTIONS: Final = (
    "situation",
    "questions",
    "own_questions",
    "records",
    "compare",
    "timeline",
    "workbook",
)
"""The parts of a workbook named in the change log ('workbook': its name, notes, creation, the
second opinion; 'timeline': the steps marked done)."""

DELETED_FIELD: Final = "deleted"
"""The ``field`` of the one change-log row left when a workbook is deleted (section 'workbook')."""

DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(value: object) -> date | None:
    """The date in 'YYYY-MM-DD' text, or None for anything else (such as an impossible date)."""
    if isinstance(value, str) and DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class WorkbookSummary:
    """Who a workbook is for and when it was started and last changed (times are UTC)."""

    id: str
    display_name: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    language: str = "en"
    """The language the workbook is shown in (``secondopinion.language.LANGUAGES``)."""


@dataclass(frozen=True, slots=True)
class QuestionState:
    """What the person did with one of the suggested questions."""

    item_id: str
    starred: bool
    asked: bool
    answer: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OwnQuestion:
    """A question the person added themselves; ``audience`` is an audience id or None."""

    id: str
    text: str
    audience: str | None
    starred: bool
    asked: bool
    answer: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RecordState:
    """Where one record stands: its status, who holds it, when it was asked for, a note."""

    item_id: str
    status: str
    from_whom: str
    requested_on: date | None
    note: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ComparisonEntry:
    """What the person wrote about one aspect (such as the diagnosis) of one opinion."""

    opinion: str
    aspect: str
    text: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Workbook:
    """A snapshot of one workbook as stored; changing it changes nothing in the store.

    ``answers`` maps intake field ids to values (text, ISO date text, True/False, or a list of
    choice ids); ``answer_times`` says when each was last set. ``questions`` and ``records`` hold
    state only for the items the person has touched, including items that no longer apply.
    ``comparison`` maps (opinion, aspect), such as ('second', 'diagnosis'), to what the person
    wrote; only what they have written is there.
    """

    summary: WorkbookSummary
    answers: Mapping[str, AnswerValue]
    answer_times: Mapping[str, datetime]
    notes: str
    notes_updated_at: datetime | None
    questions: Mapping[str, QuestionState]
    own_questions: tuple[OwnQuestion, ...]
    records: Mapping[str, RecordState]
    comparison: Mapping[tuple[str, str], ComparisonEntry] = dataclasses.field(default_factory=dict)
    steps_done: Mapping[str, date] = dataclasses.field(default_factory=dict)
    """The timeline steps the person marked done (by step id), each with the day it was done."""
    second_opinion_on: date | None = None
    """The day the second opinion was given, once the person says so."""
    second_opinion_differs: str | None = None
    """Whether it differed from the first: 'same', 'partly', 'different', or None (not said)."""
    care_team_link_on: bool = False
    """Whether the person has a read-only link for their care team that opens now."""
    care_team_shares_own_questions: bool = False
    """Whether that link shows the person's own questions (the starred ones) too."""
    care_team_seen_at: datetime | None = None
    """When the care team marked the link seen before the visit (None: not yet, or no link)."""

    @property
    def id(self) -> str:
        """The workbook's id."""
        return self.summary.id

    @property
    def decision_date(self) -> date | None:
        """The date by which the person needs to decide, if they gave a valid one."""
        return parse_day(self.answers.get(DECISION_DATE_FIELD))

    def compared(self, opinion: str, aspect: str) -> str:
        """What the person wrote about one aspect of one opinion ('' if nothing yet)."""
        entry = self.comparison.get((opinion, aspect))
        return entry.text if entry is not None else ""


@dataclass(frozen=True, slots=True)
class RecordProgress:
    """Where one record stands, without the typed text: its status and when it was asked for."""

    item_id: str
    status: str
    requested_on: date | None


@dataclass(frozen=True, slots=True)
class WorkbookOverview:
    """What a roster needs of one workbook, read in bulk by ``WorkbookStore.overviews()``.

    The summary, the situation answers, how many questions (suggested and own together) are
    starred and asked, and the progress of every record touched. None of the typed answers.
    """

    summary: WorkbookSummary
    answers: Mapping[str, AnswerValue]
    questions_starred: int
    questions_asked: int
    records: Mapping[str, RecordProgress]

    @property
    def id(self) -> str:
        """The workbook's id."""
        return self.summary.id

    @property
    def decision_date(self) -> date | None:
        """The date by which the person needs to decide, if they gave a valid one."""
        return parse_day(self.answers.get(DECISION_DATE_FIELD))


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the change log.

    ``section`` is one of ``SECTIONS``; ``item_id`` is the intake field, question, own question
    or record id ('' for the workbook itself); ``field`` is what changed ('answer' for a situation
    answer, otherwise the column, such as 'starred' or 'status'). ``old`` is None when there was
    no value before (and for changes logged by schema version 1, which did not keep it); ``new``
    is None when the value was cleared. ``changed_by`` says who made the change (the ``actor``
    the store was opened with, such as 'navigator:ana' or 'dashboard'); '' for changes logged
    before schema version 4, which did not keep it.
    """

    id: int
    workbook_id: str
    at: datetime
    section: str
    item_id: str
    field: str
    old: Any
    new: Any
    changed_by: str = ""
