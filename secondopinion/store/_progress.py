"""How far the person has come: timeline steps done, and the second opinion itself.

``ProgressMethods`` is part of ``WorkbookStore``: which steps of the timeline the person marked
done, and on what day (the ``steps_done`` table); when the second opinion was given and whether it
differed from the first (two columns of the workbook). Each change is logged like any other:
a step under section 'timeline' (item id = the step id, field 'done_on'), the second opinion
under section 'workbook' (fields 'second_opinion_on' and 'second_opinion_differs').

The workbook's snapshot (``Workbook``) reads them back (``_reads``). A bad value is refused with
an ``InvalidValueError`` (a ``StoreError`` and a ``ValueError``) whose message says what is
expected; nothing is written then.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlalchemy as sa

from ._connection import StoreConnection
from ._errors import StoreError
from ._schema import steps_done
from ._validation import check_iso_date, check_item_id, check_workbook_id, same
from ._writes import Tx, set_workbook_column

SECOND_OPINION_DIFFERS: Final = ("same", "partly", "different")
"""Whether the second opinion differed from the first: the same, partly, or different."""

TIMELINE_SECTION: Final = "timeline"
"""The change-log section of the timeline steps marked done."""


class InvalidValueError(StoreError, ValueError):
    """A value the store cannot keep (such as a date that is not a date); nothing was written."""


def _day(value: object, what: str) -> str | None:
    """The ISO text of a ``date`` (or 'YYYY-MM-DD' text); None (or '') means no date."""
    if value is None:
        return None
    try:
        return check_iso_date(value, what)
    except (TypeError, ValueError) as e:
        raise InvalidValueError(str(e)) from None


def _differs(value: object) -> str | None:
    if value is None or value in SECOND_OPINION_DIFFERS:
        return None if value is None else str(value)
    raise InvalidValueError(
        "Whether the second opinion differed must be one of "
        f"{', '.join(SECOND_OPINION_DIFFERS)} (or None for not said), not {value!r}."
    )


def _step_id(value: object) -> str:
    try:
        return check_item_id(value, "The step id")
    except ValueError as e:
        raise InvalidValueError(str(e)) from None


class ProgressMethods(StoreConnection):
    """The part of ``WorkbookStore`` that keeps the person's progress (see the module)."""

    def set_step_done(self, workbook_id: str, step_id: str, done_on: date | str | None) -> None:
        """Mark one timeline step done on ``done_on``, or (None) not done again.

        ``step_id`` is the id of a timeline step (``secondopinion.planning``); ``done_on`` is a
        ``date`` or 'YYYY-MM-DD' text. ``Workbook.steps_done`` reads them back. Any step id is
        kept, so a step that stops applying keeps its day in case it applies again.
        """
        workbook_id = check_workbook_id(workbook_id)
        step_id = _step_id(step_id)
        day = _day(done_on, "The day the step was done")
        self._mutate(
            workbook_id, lambda tx: _write_step_done(tx, step_id, day), grows=day is not None
        )

    def set_second_opinion_date(self, workbook_id: str, held_on: date | str | None) -> None:
        """Say on what day the second opinion was given (a ``date``), or (None) not yet."""
        workbook_id = check_workbook_id(workbook_id)
        day = _day(held_on, "The day of the second opinion")
        self._mutate(workbook_id, lambda tx: set_workbook_column(tx, "second_opinion_on", day))

    def set_second_opinion_differs(self, workbook_id: str, differs: str | None) -> None:
        """Say whether the second opinion differed from the first, or (None) that it is not said.

        ``differs`` is one of ``SECOND_OPINION_DIFFERS``: 'same', 'partly' or 'different'.
        """
        workbook_id = check_workbook_id(workbook_id)
        value = _differs(differs)
        self._mutate(
            workbook_id, lambda tx: set_workbook_column(tx, "second_opinion_differs", value)
        )


def _write_step_done(tx: Tx, step_id: str, day: str | None) -> None:
    """Write (or, for None, remove) the day one step was done, if it differs; log it."""
    key = sa.and_(steps_done.c.session_id == tx.workbook_id, steps_done.c.step_id == step_id)
    old = tx.conn.execute(sa.select(steps_done.c.done_on).where(key)).scalar_one_or_none()
    if same(old, day):
        return
    if day is None:
        tx.conn.execute(sa.delete(steps_done).where(key))
    elif old is None:
        tx.conn.execute(
            sa.insert(steps_done).values(
                session_id=tx.workbook_id, step_id=step_id, done_on=day, updated_at=tx.now
            )
        )
    else:
        tx.conn.execute(sa.update(steps_done).where(key).values(done_on=day, updated_at=tx.now))
    tx.log(TIMELINE_SECTION, step_id, "done_on", old, day)
