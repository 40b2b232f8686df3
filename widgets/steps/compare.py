"""Step 5, "Compare the opinions": the two opinions side by side, and what to do if they differ."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from secondopinion.content.vocabulary import DIFFER_CATEGORY
from secondopinion.language import N_
from widgets.parts.feedback import ProblemMessage, guarded
from widgets.parts.field_input import UNREADABLE_DATE, DateBox, FieldInput
from widgets.parts.item_text import escaped, why_details
from widgets.parts.page_roles import CHOICE_GROUP
from widgets.parts.typing import TypedText
from widgets.workbook_state import WorkbookState

DIFFER_FIELD = "opinions_so_far"

DIFFERS = (
    (N_("The same as the first"), "same"),
    (N_("Partly different"), "partly"),
    (N_("Different"), "different"),
)
"""Whether the second opinion differed from the first, as the person picks it."""

OPINIONS_SO_FAR = {"same": "two_agree", "partly": "two_differ", "different": "two_differ"}
"""The answer to "How many opinions do you have so far?" that each of ``DIFFERS`` means."""


class CompareOpinions(w.VBox):  # type: ignore[misc]
    """What each doctor said, aspect by aspect, saved as it is typed, with tailored guidance."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        self.problem = ProblemMessage(state.language)
        _ = state.tr.gettext
        self.boxes: dict[tuple[str, str], w.Textarea] = {}
        self.typed: list[TypedText] = []
        compare = state.content.compare
        workbook = state.workbook
        rows: list[w.Widget] = []
        for aspect in compare.aspects:
            pair = []
            for opinion in compare.opinions:
                box = w.Textarea(
                    value=workbook.compared(opinion.id, aspect.id) if workbook else "",
                    description=f"{opinion.label}: {aspect.label}",
                    placeholder=opinion.label,
                    layout=w.Layout(flex="1 1 280px", width="auto"),
                )
                box.add_class("workbook-compare-box")
                self.typed.append(
                    TypedText(
                        box,
                        self._saver(opinion.id, aspect.id),
                        self.problem,
                        what=_("This box"),
                        state=state,
                    )
                )
                self.boxes[(opinion.id, aspect.id)] = box
                pair.append(box)
            heading = w.HTML(
                f'<p class="workbook-field-label">{escaped(aspect.label)}</p>'
                f'<p class="workbook-help">{escaped(aspect.help)}</p>'
            )
            row = w.VBox([heading, w.Box(pair, layout=w.Layout(flex_flow="row wrap"))])
            row.add_class("workbook-compare-aspect")
            rows.append(row)
        differ = state.content.intake.field(DIFFER_FIELD)
        self.differ = FieldInput(differ, state.answers.get(DIFFER_FIELD), state.language)
        self.differ.bind(state, self.problem)
        self.second_opinion = SecondOpinion(state, self.problem)
        self.guidance = w.VBox()
        super().__init__(
            [
                w.HTML(
                    "<h2>"
                    + _("Compare the opinions")
                    + "</h2><p>"
                    + _(
                        "Once you have the second opinion, write down what each doctor said. "
                        "Seeing them side by side makes it easier to talk them over."
                    )
                    + "</p>"
                ),
                self.problem,
                self.second_opinion,
                *rows,
                self.differ,
                self.guidance,
            ]
        )
        self.add_class("workbook-compare")
        state.watch(lambda _: self._show_guidance(), names="plan")
        self._show_guidance()

    def _saver(self, opinion: str, aspect: str) -> Callable[[str], None]:
        @guarded(self.problem)
        def save(text: str) -> None:
            self.state.set_comparison(opinion, aspect, text)

        return save

    def _show_guidance(self) -> None:
        steps = self.state.plan.steps_in(DIFFER_CATEGORY)
        if not steps:
            self.guidance.children = []
            return
        heading = self.state.tr.gettext("When the opinions differ")
        parts: list[w.Widget] = [w.HTML(f"<h3>{heading}</h3>")]
        for planned in steps:
            item = planned.item
            detail = f"<p>{escaped(item.detail)}</p>" if item.detail else ""
            step = w.HTML(
                f'<p class="workbook-step-text"><strong>{escaped(item.text)}</strong></p>{detail}'
                + why_details(item.why, planned.because, item.sources, self.state.content)
            )
            step.add_class("workbook-step")
            step.add_class(f"item-{item.id}")
            parts.append(step)
        self.guidance.children = parts


class SecondOpinion(w.VBox):  # type: ignore[misc]
    """When the second opinion was given, and whether it differed from the first; saved at once.

    Saying it differed (or not) also answers "How many opinions do you have so far?" the same
    way, so that the guidance below follows and the page never holds two answers that disagree.
    """

    def __init__(self, state: WorkbookState, problem: ProblemMessage) -> None:
        self.state = state
        self._showing = False
        _ = state.tr.gettext
        workbook = state.workbook
        self.held_on = DateBox(
            value=workbook.second_opinion_on if workbook else None,
            description=_("When was the second opinion?"),
        )
        self.held_on.add_class("workbook-second-opinion-date")
        date_warning = w.HTML()
        date_warning.add_class("workbook-warning")
        unreadable = _(UNREADABLE_DATE)
        self.held_on.observe(
            lambda change: setattr(
                date_warning,
                "value",
                f'<p role="alert">{unreadable}</p>' if change["new"] else "",
            ),
            "unreadable",
        )
        self.differs = w.RadioButtons(
            options=[(_(label), value) for label, value in DIFFERS],
            value=workbook.second_opinion_differs if workbook else None,
            description=_("Did it differ from the first opinion?"),
            layout=w.Layout(width="auto"),
        )
        self.differs.add_class("workbook-second-opinion-differs")
        self.differs.add_class(CHOICE_GROUP)
        when = _("When was the second opinion?")
        help_text = _(
            "The day you met the second doctor, or heard back from them. "
            "Leave it empty until it has happened."
        )
        date_field = w.VBox(
            [
                w.HTML(
                    f'<p class="workbook-field-label">{escaped(when)}</p>'
                    f'<p class="workbook-help">{escaped(help_text)}</p>'
                ),
                # in a row, as in step 3: a date box takes its width from the row, not its height
                w.Box([self.held_on], layout=w.Layout(flex_flow="row wrap")),
                date_warning,
            ]
        )
        differs_label = escaped(_("Did it differ from the first opinion?"))
        differs_field = w.VBox(
            [w.HTML(f'<p class="workbook-field-label">{differs_label}</p>'), self.differs]
        )
        for field in (date_field, differs_field):
            field.add_class("workbook-field")
        super().__init__([date_field, differs_field])
        self.add_class("workbook-second-opinion")
        self._stored = self._in_store()
        keep = guarded(problem)
        self.held_on.observe(keep(self._save_date), "value")
        self.differs.observe(keep(self._save_differs), "value")
        state.watch(lambda _: self._follow(), names="workbook")

    def _save_date(self, _: Any) -> None:
        if not self._showing:
            self.state.set_second_opinion_date(self.held_on.value)

    def _save_differs(self, _: Any) -> None:
        if self._showing or self.differs.value is None:
            return
        self.state.set_second_opinion_differs(self.differs.value)
        so_far = OPINIONS_SO_FAR[self.differs.value]
        if self.state.answers.get(DIFFER_FIELD) != so_far:
            self.state.set_answer(DIFFER_FIELD, so_far)

    def _in_store(self) -> tuple[dt.date | None, str | None]:
        workbook = self.state.workbook
        if workbook is None:
            return None, None
        return workbook.second_opinion_on, workbook.second_opinion_differs

    def _follow(self) -> None:
        """Show a value the store now holds that changed there (a pick not saved stays shown)."""
        held_on, differs = self._in_store()
        was_held_on, was_differs = self._stored
        self._stored = (held_on, differs)
        self._showing = True
        try:
            if held_on != was_held_on and self.held_on.value != held_on:
                self.held_on.value = held_on
            if differs != was_differs and self.differs.value != differs:
                self.differs.value = differs
        finally:
            self._showing = False
