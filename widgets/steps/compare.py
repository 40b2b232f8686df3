"""Step 5, "Compare the opinions": the two opinions side by side, and what to do if they differ."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from widgets.parts.feedback import ProblemMessage, guarded
from widgets.parts.item_text import escaped, why_details
from widgets.parts.typing import TypedText
from widgets.session_state import WorkbookState
from widgets.steps.intake import FieldInput

DIFFER_FIELD = "opinions_so_far"
DIFFER_CATEGORY = "opinions_differ"


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
