"""One person's workbook as the views see it: every change goes to the store at once.

>>> from secondopinion import load_content
>>> from secondopinion.store import WorkbookStore
>>> state = WorkbookState(WorkbookStore.open(tmp_dir), load_content())  # doctest: +SKIP
>>> state.set_answer("diagnosis_kind", "cancer")  # saved, and the plan is tailored again
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import traitlets
from traitlets import HasTraits

from secondopinion import Content, Derived, Plan, Situation, derive, load_content
from secondopinion.language import DEFAULT_LANGUAGE, N_, check_language, translator
from secondopinion.planning import records_asked_by
from secondopinion.store import (
    LinkChangedError,
    NotFoundError,
    StoreError,
    Workbook,
    WorkbookStore,
    only_with_link,
    visit_address,
)

T = TypeVar("T")

GONE = N_(
    "This workbook was deleted, maybe in another tab or by your patient navigator. Nothing more "
    "can be saved to it. What is still on this page is not stored anywhere."
)

ENDED = N_(
    "This page can no longer save: a new private link was made for this workbook on another "
    "page, phone or computer. Only that page can change the workbook now. What you typed here "
    "is still on this page, but it is not saved: copy it somewhere safe. To go on, open the "
    "workbook with its new link."
)


class WorkbookState(HasTraits):
    """The single state that the views of one workbook bind to.

    The workbook is created in the store on the first change that says something about the
    person: an answer, a question starred, ticked or answered, a record, a question of their own,
    a comparison, a step marked done. Opening the dashboard, choosing a language, opening a
    step or writing a name stores nothing; a name written first is stored with the workbook
    once it is made.
    """

    workbook = traitlets.Instance(Workbook, allow_none=True, help="the saved workbook, as stored")
    derived = traitlets.Instance(
        Derived, help="the situation, plan and timeline of the saved answers, as of today"
    )
    plan = traitlets.Instance(
        Plan, help="the items tailored to the current answers (changes only when they change)"
    )
    token = traitlets.Unicode(None, allow_none=True, help="the private link's secret, once known")
    language = traitlets.Unicode(
        DEFAULT_LANGUAGE, help="the language the workbook is shown in (saved with the workbook)"
    )
    last_saved = traitlets.Instance(dt.datetime, allow_none=True, help="when the last change saved")
    typing = traitlets.Int(0, help="how many text boxes hold typed text not saved yet")
    gone = traitlets.Bool(False, help="the workbook was deleted (in another tab, or elsewhere)")
    ended = traitlets.Bool(
        False, help="another page made a new private link: this page no longer saves"
    )
    last_failed = traitlets.Instance(
        dt.datetime, allow_none=True, help="when a change last failed to save (None once saved)"
    )

    def __init__(
        self,
        store: WorkbookStore,
        content: Content,
        *,
        workbook_id: str | None = None,
        created_by: str = "patient",
        display_name: str = "",
        today: Callable[[], dt.date] = dt.date.today,
        language: str | None = None,
        content_for: Callable[[str], Content] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.content = content
        self.created_by = created_by
        self._display_name = display_name
        self.workbook_id = workbook_id
        self.today = today
        self._watching: list[tuple[Callable[..., None], str | list[str]]] = []
        self._failed: dict[tuple[str, ...], str] = {}  # what did not save, and why
        self._last_failed_keys: tuple[tuple[str, ...], ...] = ()
        self._content_for = content_for or (lambda code: load_content(language=code))
        self.workbook = store.load(workbook_id) if workbook_id else None
        wanted = self.workbook.summary.language if self.workbook else language
        self.language = check_language(wanted or content.language)
        if self.content.language != self.language:
            self.content = self._content_for(self.language)
        self._derive()

    @property
    def tr(self) -> Any:
        """The message catalogue of the workbook's language (``.gettext``, ``.ngettext``)."""
        return translator(self.language)

    def watch(self, handler: Callable[..., None], names: str | list[str]) -> None:
        """``observe`` for views: their handlers are dropped when the views are built anew."""
        self.observe(handler, names=names)
        self._watching.append((handler, names))

    def forget_views(self) -> None:
        """Stop calling the handlers of the views built so far (they are about to be replaced)."""
        for handler, names in self._watching:
            self.unobserve(handler, names=names)
        self._watching.clear()

    def set_language(self, language: str) -> None:
        """Show the workbook in another language; saved with it, so its link reopens in it.

        The content is loaded in that language first: if it cannot be (ContentError), nothing
        changes. Nothing typed is touched: answers stay as they were written.
        """
        language = check_language(language)
        if language == self.language:
            return
        content = self._content_for(language)
        if self.workbook_id is not None:
            workbook_id = self.workbook_id
            self._save(lambda sid: self.store.set_language(workbook_id, language), ("language",))
        self.content = content
        self.derived = derive(self.workbook, self.content, self.today())
        self.plan = self.derived.plan
        self.language = language  # last: the app builds its views anew in the new language

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
        self._save(lambda sid: self.store.set_answers(sid, {field_id: value}), ("answer", field_id))

    def set_question(self, item_id: str, **changes: Any) -> None:
        """Star, tick as asked, or write the answer of a tailored question."""
        keys = [("question", item_id, name) for name in changes]
        self._save(lambda sid: self.store.set_question(sid, item_id, **changes), *keys)

    def add_own_question(self, text: str, audience: str | None = None) -> str:
        """Add a question of the person's own; returns its id."""
        added: list[str] = []
        self._save(
            lambda sid: added.append(self.store.add_own_question(sid, text, audience)),
            ("own question", "new"),
        )
        return added[0]

    def set_own_question(self, question_id: str, **changes: Any) -> None:
        """Change one of the person's own questions."""
        keys = [("own question", question_id, name) for name in changes]
        self._save(lambda sid: self.store.set_own_question(sid, question_id, **changes), *keys)

    def delete_own_question(self, question_id: str) -> None:
        """Delete one of the person's own questions."""
        self._save(
            lambda sid: self.store.delete_own_question(sid, question_id),
            ("own question", question_id, "deleted"),
        )

    def set_record(self, item_id: str, **changes: Any) -> None:
        """Change a record's status, who it is from, when it was asked for, or its note.

        A record marked asked for without a date gets today's date.
        """
        saved = self.workbook.records.get(item_id) if self.workbook else None
        undated = saved is None or saved.requested_on is None
        if changes.get("status") == "requested" and "requested_on" not in changes and undated:
            changes = {**changes, "requested_on": self.today()}
        keys = [("record", item_id, name) for name in changes]
        self._save(lambda sid: self.store.set_record(sid, item_id, **changes), *keys)

    def set_step_done(self, step_id: str, done_on: dt.date | None) -> None:
        """Mark a step of the timeline done on ``done_on``, or (None) not done after all.

        A done step leaves the timeline and the calendar file. A step that asks an office for
        records marks those records asked for on that day instead: the records step shows it,
        and the timeline follows them up.
        """
        asked = records_asked_by(self.derived.timeline, self.content, step_id)
        if done_on is not None and asked:
            for record_id in asked:
                self.set_record(record_id, status="requested", requested_on=done_on)
            return
        self._save(lambda sid: self.store.set_step_done(sid, step_id, done_on), ("step", step_id))

    def set_comparison(self, opinion: str, aspect: str, text: str) -> None:
        """Write down what one doctor said about one aspect (diagnosis, treatment, ...)."""
        self._save(
            lambda sid: self.store.set_comparison(sid, opinion, aspect, text),
            ("compare", opinion, aspect),
        )

    def set_second_opinion_date(self, held_on: dt.date | None) -> None:
        """Say on what day the second opinion was given (None: not yet, or not said)."""
        self._save(
            lambda sid: self.store.set_second_opinion_date(sid, held_on),
            ("second opinion", "date"),
        )

    def set_second_opinion_differs(self, differs: str | None) -> None:
        """Say whether the second opinion differed from the first: 'same', 'partly', 'different'."""
        self._save(
            lambda sid: self.store.set_second_opinion_differs(sid, differs),
            ("second opinion", "differs"),
        )

    def delete_workbook(self) -> None:
        """Erase this workbook from the store for good; the state starts empty again."""
        if self.workbook_id is not None:
            workbook_id = self.workbook_id
            self._as_owner(lambda: self.store.delete_workbook(workbook_id))
        self.workbook_id = None
        self.token = None
        self.workbook = None
        self._failed.clear()
        self.last_failed = None

    def change_private_link(self) -> None:
        """Give this workbook a new private link (``token``); the old link stops working."""
        if self.workbook_id is None:
            raise ValueError(N_("There is no private link yet: it comes with your first answer."))
        workbook_id = self.workbook_id
        self.token = self._as_owner(lambda: self.store.change_private_link(workbook_id))

    def make_care_team_link(self, *, share_own_questions: bool = False) -> str:
        """Make a read-only link for the care team; returns its secret (any old link stops)."""
        made: list[str] = []
        self._save(
            lambda sid: made.append(
                self.store.make_care_team_link(sid, share_own_questions=share_own_questions)
            ),
            ("care team", "link"),
        )
        return made[0]

    def turn_off_care_team_link(self) -> None:
        """Turn the care team's link off: it opens nothing from now on."""
        self._save(lambda sid: self.store.turn_off_care_team_link(sid), ("care team", "link"))

    def set_care_team_shares_own_questions(self, share: bool) -> None:
        """Say whether the care team's link shows the person's own (starred) questions."""
        self._save(
            lambda sid: self.store.set_care_team_shares_own_questions(sid, share),
            ("care team", "own questions"),
        )

    def set_display_name(self, name: str) -> None:
        """Change the name or initials shown for this workbook.

        Before the workbook is made, the name is only kept here: it is stored with the workbook
        at the first answer (a name alone makes no workbook).
        """
        self._display_name = name
        if self.workbook_id is not None:
            self._save(lambda sid: self.store.set_display_name(sid, name), ("name",))

    @property
    def display_name(self) -> str:
        """The name or initials the workbook is shown under (kept here until it is stored)."""
        return self.workbook.summary.display_name if self.workbook else self._display_name

    @property
    def failed_message(self) -> str:
        """Why the oldest change not saved yet failed, in plain words ('' when none failed)."""
        return next(iter(self._failed.values()), "")

    def _save(self, change: Callable[[str], object], *keys: tuple[str, ...]) -> None:
        """Save one change; ``keys`` name what it changes (the same keys: the same change).

        A change that fails stays failed (``last_failed`` set) until a change with the same
        keys is saved: a later success of another change never hides it.
        """
        keys = keys or (("other",),)
        try:
            if self.workbook_id is None:
                summary, token = self.store.create_workbook(
                    self._display_name, self.created_by, self.language, address=visit_address()
                )
                self.workbook_id = summary.id
                self.token = token
            workbook_id = self.workbook_id
            self._as_owner(lambda: change(workbook_id))
        except LinkChangedError:
            self._failed_with(keys, ENDED)
            raise
        except NotFoundError as error:
            if self.workbook_id is None or not self.check_gone():
                self._failed_with(keys, str(error))
                raise
            self._failed_with(keys, GONE)
            raise StoreError(GONE) from None  # said plainly, without the workbook's id
        except Exception as error:
            plain = isinstance(error, StoreError | ValueError)
            self._failed_with(keys, str(error) if plain else "")
            raise
        for key in keys:
            self._failed.pop(key, None)
        if not self._failed:
            self.last_failed = None
        self.workbook = self.store.load(self.workbook_id)
        self.last_saved = dt.datetime.now(dt.UTC)

    def _as_owner(self, change: Callable[[], T]) -> T:
        """Make ``change`` only while this page's private link is still the workbook's.

        A page opened by a link, or that made one, is the workbook's as long as that link is;
        once another page makes a new one, nothing this page does is saved (``ended``, and
        ``LinkChangedError`` raised, with ``ENDED`` as its words). A navigator's desk has no
        link and is never ended.
        """
        if self.ended:
            raise LinkChangedError(ENDED)
        try:
            with only_with_link(self.token):
                return change()
        except LinkChangedError:
            self.ended = True
            raise LinkChangedError(ENDED) from None

    def check_elsewhere(self) -> bool:
        """Ask the store whether another page deleted this workbook or gave it a new link.

        What the page's heartbeat asks every few seconds, so that a page hears of it without
        a change of its own. True (and ``gone`` or ``ended`` set) once either happened.
        """
        if self.check_gone():
            return True
        if self.ended:
            return True
        if self.workbook_id is None or self.token is None:
            return False
        if self.store.workbook_id_for_token(self.token) != self.workbook_id:
            if self.check_gone():  # deleted in between: that is what to say
                return True
            self.ended = True
        return bool(self.ended)

    def check_gone(self) -> bool:
        """Ask the store whether this workbook was deleted (in another tab, or by a navigator).

        True (and ``gone`` set) once it was. A workbook not stored yet is not gone.
        """
        if self.gone:
            return True
        if self.workbook_id is None:
            return False
        if not self.store.has_workbook(self.workbook_id):
            self.gone = True
        return bool(self.gone)

    def _failed_with(self, keys: tuple[tuple[str, ...], ...], message: str) -> None:
        for key in keys:
            self._failed.pop(key, None)
            self._failed[key] = message or N_("A change could not be saved.")
        self._last_failed_keys = keys
        self.last_failed = dt.datetime.now(dt.UTC)

    def take_back_failed(self) -> None:
        """The page took back the change that just failed (a star shown unstarred again).

        It shows what is stored, so that change no longer waits to be saved; others still do.
        """
        for key in self._last_failed_keys:
            self._failed.pop(key, None)
        self._last_failed_keys = ()
        if not self._failed:
            self.last_failed = None
