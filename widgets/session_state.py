"""One person's workbook as the views see it: every change goes to the store at once.

>>> from secondopinion import load_content
>>> from secondopinion.store import WorkbookStore
>>> state = WorkbookState(WorkbookStore.open(tmp_dir), load_content())  # doctest: +SKIP
>>> state.set_answer("diagnosis_kind", "cancer")  # saved, and the plan is tailored again
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import traitlets
from traitlets import HasTraits

from secondopinion import Content, Derived, Plan, Situation, derive
from secondopinion.store import Workbook, WorkbookStore


class WorkbookState(HasTraits):
    """The single state that the views of one workbook bind to.

    The workbook is created in the store on the first change, so that opening the dashboard
    and leaving without typing anything stores nothing.
    """

    workbook = traitlets.Instance(Workbook, allow_none=True, help="the saved workbook, as stored")
    derived = traitlets.Instance(
        Derived, help="the situation, plan and timeline of the saved answers, as of today"
    )
    plan = traitlets.Instance(
        Plan, help="the items tailored to the current answers (changes only when they change)"
    )
    token = traitlets.Unicode(None, allow_none=True, help="the private link's secret, once known")
    last_saved = traitlets.Instance(dt.datetime, allow_none=True, help="when the last change saved")
    typing = traitlets.Int(0, help="how many text boxes hold typed text not saved yet")
    last_failed = traitlets.Instance(
        dt.datetime, allow_none=True, help="when a change last failed to save (None once saved)"
    )

    def __init__(
        self,
        store: WorkbookStore,
        content: Content,
        *,
        session_id: str | None = None,
        created_by: str = "patient",
        display_name: str = "",
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        super().__init__()
        self.store = store
        self.content = content
        self.created_by = created_by
        self._display_name = display_name
        self.session_id = session_id
        self.today = today
        self.workbook = store.load(session_id) if session_id else None
        self._derive()

    @traitlets.observe("workbook")
    def _derive(self, _: object = None) -> None:
        self.derived = derive(self.workbook, self.content, self.today())
        self.plan = self.derived.plan

    # What the views read -------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, object]:
        """The intake answers in their saved form."""
        return dict(self.workbook.answers) if self.workbook else {}

    @property
    def situation(self) -> Situation:
        """The situation that the plan is tailored to (answers that no longer fit are left out)."""
        return self.derived.situation

    # Changes: each one saved at once ---------------------------------------------------------

    def set_answer(self, field_id: str, value: object) -> None:
        """Change one intake answer; the plan follows."""
        Situation.from_answers({field_id: value}, self.content.intake)  # a clear error if wrong
        self._save(lambda sid: self.store.set_answers(sid, {field_id: value}))

    def set_question(self, item_id: str, **changes: Any) -> None:
        """Star, tick as asked, or write the answer of a tailored question."""
        self._save(lambda sid: self.store.set_question(sid, item_id, **changes))

    def add_own_question(self, text: str, audience: str | None = None) -> str:
        """Add a question of the person's own; returns its id."""
        added: list[str] = []
        self._save(lambda sid: added.append(self.store.add_own_question(sid, text, audience)))
        return added[0]

    def set_own_question(self, question_id: str, **changes: Any) -> None:
        """Change one of the person's own questions."""
        self._save(lambda sid: self.store.set_own_question(sid, question_id, **changes))

    def delete_own_question(self, question_id: str) -> None:
        """Delete one of the person's own questions."""
        self._save(lambda sid: self.store.delete_own_question(sid, question_id))

    def set_record(self, item_id: str, **changes: Any) -> None:
        """Change a record's status, who it is from, when it was asked for, or its note."""
        self._save(lambda sid: self.store.set_record(sid, item_id, **changes))

    def set_comparison(self, opinion: str, aspect: str, text: str) -> None:
        """Write down what one doctor said about one aspect (diagnosis, treatment, ...)."""
        self._save(lambda sid: self.store.set_comparison(sid, opinion, aspect, text))

    def delete_workbook(self) -> None:
        """Erase this workbook from the store for good; the state starts empty again."""
        if self.session_id is not None:
            self.store.delete_workbook(self.session_id)
        self.session_id = None
        self.token = None
        self.workbook = None

    def set_display_name(self, name: str) -> None:
        """Change the name or initials shown for this workbook."""
        self._display_name = name
        self._save(lambda sid: self.store.set_display_name(sid, name))

    def _save(self, change: Callable[[str], object]) -> None:
        if self.session_id is None:
            summary, token = self.store.create_workbook(self._display_name, self.created_by)
            self.session_id = summary.id
            self.token = token
        try:
            change(self.session_id)
        except Exception:
            self.last_failed = dt.datetime.now(dt.UTC)
            raise
        self.last_failed = None
        self.workbook = self.store.load(self.session_id)
        self.last_saved = dt.datetime.now(dt.UTC)
