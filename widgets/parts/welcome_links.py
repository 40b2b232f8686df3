"""Under "Welcome back": what is due this week and the starred questions, each opening its step.

A button per timeline step due in the next seven days (or moved to one of them) opens step 4,
Next steps, with that step chosen to mark done; a button per starred question opens step 2,
Questions to ask. Nothing is shown for a workbook not saved yet, or with neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ipywidgets as w

from secondopinion.planning import long_date
from widgets.parts.item_text import escaped
from widgets.workbook_state import WorkbookState

QUESTIONS_STEP = 1
"""The index of step 2, Questions to ask."""
NEXT_STEPS_STEP = 3
"""The index of step 4, Next steps."""
WEEK = dt.timedelta(days=7)
LONGEST = 120
"""The most characters of a step's or question's words on its button (the rest is "…")."""


class WelcomeLinks(w.VBox):  # type: ignore[misc]
    """What is due this week and the starred questions, each a button that opens its step.

    ``open_step(step, item_id)`` opens step ``step`` (0 to 5) for the item ``item_id``.
    """

    def __init__(self, state: WorkbookState, open_step: Callable[[int, str], None]) -> None:
        self.state = state
        self.open_step = open_step
        self.wanted = True
        """Shown when there is something to show (the app hides it past the first screen)."""
        super().__init__()
        self.add_class("workbook-welcome-links")
        state.watch(lambda _: self.refresh(), names="derived")
        self.refresh()

    def refresh(self) -> None:
        """Show what is due in the seven days from today, and the questions starred."""
        state = self.state
        _ = state.tr.gettext
        children: list[w.Widget] = []
        timeline = state.derived.timeline
        if state.workbook is not None and timeline.dated_steps:
            end = timeline.today + WEEK
            due = [s for s in timeline.dated_steps if s.date is not None and s.date < end]
            children.append(w.HTML("<h3>" + escaped(_("Due this week")) + "</h3>"))
            if not due:
                children.append(w.HTML("<p>" + escaped(_("Nothing is due this week.")) + "</p>"))
            for step in due:
                assert step.date is not None
                words = f"{long_date(step.date, state.language)}: {_short(step.text)}"
                children.append(self._button(words, NEXT_STEPS_STEP, step.id, "due"))
        starred = self._starred()
        if starred:
            children.append(w.HTML("<h3>" + escaped(_("Your starred questions")) + "</h3>"))
            for item_id, text in starred:
                children.append(self._button(_short(text), QUESTIONS_STEP, item_id, "starred"))
        shown: tuple[w.Widget, ...] = tuple(getattr(self, "children", ()))
        self.children = children
        for old_child in shown:
            old_child.close()
        self.show(self.wanted)
        if children:
            self.add_class("workbook-welcome-back-box")

    def show(self, wanted: bool) -> None:
        """Show the links (when there are any), or hide them."""
        self.wanted = wanted
        self.layout.display = None if wanted and self.children else "none"

    def _starred(self) -> list[tuple[str, str]]:
        """The starred questions of the plan and of the person's own, in order: (id, words)."""
        workbook = self.state.workbook
        if workbook is None:
            return []
        found = [
            (q.id, q.item.text)
            for q in self.state.plan.questions
            if q.id in workbook.questions and workbook.questions[q.id].starred
        ]
        found += [(own.id, own.text) for own in workbook.own_questions if own.starred]
        return found

    def _button(self, words: str, step: int, item_id: str, kind: str) -> w.Button:
        button = w.Button(description=words, layout=w.Layout(width="100%"))
        button.add_class("workbook-welcome-link")
        button.add_class(f"workbook-welcome-{kind}")
        button.on_click(lambda _b: self.open_step(step, item_id))
        return button


def _short(text: str) -> str:
    """``text`` on one line, cut to ``LONGEST`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= LONGEST else line[: LONGEST - 1] + "…"
