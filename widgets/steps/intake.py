"""Step 1, "Your situation": the intake, built from ``content/intake.yaml``.

>>> view = IntakeView(state)  # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as w

from secondopinion.planning import Reader
from widgets.parts.feedback import ProblemMessage
from widgets.parts.field_input import UNREADABLE_DATE, DateBox, FieldInput
from widgets.workbook_state import WorkbookState

__all__ = ["UNREADABLE_DATE", "DateBox", "FieldInput", "IntakeView"]


class IntakeView(w.VBox):  # type: ignore[misc]
    """Every intake field, shown or hidden by its rule, with progress at the top."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        _ = state.tr.gettext
        self.problem = ProblemMessage(state.language)
        saved = state.answers
        self.inputs = [
            FieldInput(field, saved.get(field.id), state.language)
            for field in state.content.intake.fields
        ]
        self.progress = w.HTML()
        intro = w.HTML(
            "<h2>"
            + _("Your situation")
            + "</h2><p>"
            + _(
                "Tell us a little about where things stand. Answer what you can and skip what "
                "you do not know. Each answer is saved as soon as you give it."
            )
            + "</p>"
        )
        self.list_so_far = w.HTML()
        self.list_so_far.add_class("workbook-list-so-far")
        super().__init__([intro, self.progress, self.problem, *self.inputs, self.list_so_far])
        self.add_class("workbook-intake")
        state.watch(lambda _: self._show_list_so_far(), names="plan")
        self._show_list_so_far()
        for field_input in self.inputs:
            field_input.bind(state, self.problem)
        state.watch(lambda _: self._refresh(), names="workbook")
        self._refresh()

    def _show_list_so_far(self) -> None:
        plan = self.state.plan
        _ = self.state.tr.gettext
        words = _(
            "Your list so far: {questions} questions to ask, {records} records to gather and "
            "{steps} next steps. Press Next to see them."
        ).format(
            questions=len(plan.questions), records=len(plan.records), steps=len(plan.next_steps)
        )
        self.list_so_far.value = f'<p role="status">{words}</p>'

    def _refresh(self) -> None:
        intake = self.state.content.intake
        reader = Reader.of(self.state.situation.in_effect(intake), intake)
        for field_input, field in zip(self.inputs, reader.intake(intake).fields, strict=True):
            field_input.reword(field)  # a helper's words once one is chosen: "your father"
        shown = {f.id for f in self.state.situation.shown_fields(intake)}
        answered = 0
        for field_input in self.inputs:
            visible = field_input.field.id in shown
            field_input.show(visible)
            answered += visible and field_input.answer is not None
        total = len(shown)
        words = self.state.tr.gettext("You have answered {answered} of {total}.").format(
            answered=answered, total=total
        )
        self.progress.value = (
            f'<p class="workbook-progress" role="status">{words} '
            f'<progress max="{total}" value="{answered}" aria-hidden="true"></progress></p>'
        )
