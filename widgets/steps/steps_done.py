"""In step 4, under the timeline: mark a step done (on a day), and the list of steps done.

A step marked done leaves the timeline and the calendar file (``WorkbookState.set_step_done``);
the list below says when each was done, and "Not done after all" puts it back.
"""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from secondopinion.language import N_
from secondopinion.planning import Timeline, TimelineStep, long_date
from widgets.parts.feedback import ProblemMessage, guarded
from widgets.parts.field_input import UNREADABLE_DATE, DateBox
from widgets.parts.item_text import escaped, shortened
from widgets.workbook_state import WorkbookState

NOT_YET = N_("That day has not come yet. Choose today or a day before.")
NO_DAY = N_("Choose the day you did it.")
LONGEST_LABEL = 90
"""The most characters of a step's words in the list to choose from (the rest is "…")."""


class StepsDone(w.VBox):  # type: ignore[misc]
    """Mark a timeline step done, and see (and take back) the steps done."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        _ = state.tr.gettext
        self.problem = ProblemMessage(state.language)
        self.step = w.Dropdown(options=[], description=_("Step"))
        self.step.add_class("workbook-step-choice")
        self.day = DateBox(value=state.today(), description=_("Done on"))
        self.day.add_class("workbook-done-day")
        self.mark = w.Button(description=_("Mark it done"), button_style="primary")
        self.mark.add_class("workbook-mark-done-button")
        self.date_warning = w.HTML()
        self.date_warning.add_class("workbook-warning")
        unreadable = escaped(_(UNREADABLE_DATE))
        self.day.observe(
            lambda change: setattr(
                self.date_warning,
                "value",
                f'<p role="alert">{unreadable}</p>' if change["new"] else "",
            ),
            "unreadable",
        )
        self._texts: dict[str, str] = {}
        self.said = w.HTML()
        self.said.add_class("workbook-done-said")
        self.form = w.VBox(
            [
                w.HTML("<h4>" + escaped(_("Did you do a step?")) + "</h4>"),
                w.Box([self.step, self.day, self.mark], layout=w.Layout(flex_flow="row wrap")),
                self.date_warning,
            ]
        )
        self.form.add_class("workbook-mark-done")
        self.done_list = w.VBox()
        self.done_list.add_class("workbook-steps-done")
        keep = guarded(self.problem)
        self._save_done = keep(self._done)
        self._undo = keep(self._not_done)
        self.mark.on_click(lambda _: self._mark())
        super().__init__([self.form, self.problem, self.said, self.done_list])
        self.add_class("workbook-done-steps")

    def show(self, timeline: Timeline) -> None:
        """Offer the steps of ``timeline`` to mark done, and list the steps done."""
        _ = self.state.tr.gettext
        language = self.state.language
        chosen = self.step.value
        options = [(_label(step, language), step.id) for step in timeline.steps]
        self._texts = {step.id: step.text for step in timeline.steps}
        self.step.options = options
        ids = [step_id for _label_text, step_id in options]
        self.step.value = chosen if chosen in ids else (ids[0] if ids else None)
        self.form.layout.display = None if options else "none"
        rows: list[w.Widget] = []
        if timeline.done_steps:
            rows.append(w.HTML("<h4>" + escaped(_("Done")) + "</h4>"))
        for step in timeline.done_steps:
            assert step.done_on is not None
            when = _("Done on {date}.").format(date=long_date(step.done_on, language))
            text = w.HTML(f"<p><strong>{escaped(step.text)}</strong> {escaped(when)}</p>")
            undo = w.Button(description=_("Not done after all"))
            undo.add_class("workbook-not-done-button")
            undo.on_click(lambda _b, step_id=step.id: self._undo(step_id))
            row = w.VBox([text, undo])
            row.add_class("workbook-step-done")
            row.add_class(f"item-{step.id}")
            rows.append(row)
        shown: tuple[w.Widget, ...] = tuple(self.done_list.children)
        self.done_list.children = rows
        for old in shown:
            for part in getattr(old, "children", ()):
                part.close()
            old.close()

    def select(self, step_id: str) -> None:
        """Choose ``step_id`` in the list of steps to mark done (when it is there)."""
        if any(value == step_id for _label_text, value in self.step.options):
            self.step.value = step_id

    def _mark(self) -> None:
        """Check the day chosen (say plainly what is wrong with it), then save the step done."""
        step_id = self.step.value
        day = self.day.value
        if step_id is None:
            return
        if day is None:
            self.problem.say(NO_DAY)
        elif day > self.state.today():
            self.problem.say(NOT_YET)
        else:
            self._save_done(step_id, day)

    def _done(self, step_id: str, day: dt.date) -> None:
        words = self._texts.get(step_id, "")
        self.state.set_step_done(step_id, day)
        _ = self.state.tr.gettext
        self.said.value = (
            '<p role="status">' + escaped(_("Marked done: {step}").format(step=words)) + "</p>"
        )
        self.day.value = self.state.today()

    def _not_done(self, step_id: str) -> None:
        self.state.set_step_done(step_id, None)
        self.said.value = ""


def _label(step: TimelineStep, language: str) -> str:
    """A step as the list to choose from names it: its day, if it has one, and its words."""
    text = shortened(step.text, LONGEST_LABEL)
    if step.date is None:
        return text
    return f"{long_date(step.date, language)}: {text}"
