"""Step 4, "Next steps": where to go, the insurer, words for the doctor, practical help."""

from __future__ import annotations

import ipywidgets as w

from secondopinion.content import NextStep
from secondopinion.engine import PlannedItem
from widgets._item_text import escaped, why_details
from widgets.session_state import WorkbookState


class NextSteps(w.VBox):  # type: ignore[misc]
    """The tailored next steps, by kind, each with the reasons that apply to this person."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        self.steps: dict[str, w.HTML] = {}
        super().__init__()
        self.add_class("workbook-next-steps")
        state.observe(lambda _: self.refresh(), names="plan")
        self.refresh()

    def refresh(self) -> None:
        """Show the steps of the current plan."""
        children: list[w.Widget] = [
            w.HTML(
                "<h2>Next steps</h2><p>Where to go, what to ask your insurance company, and "
                "words you can use with your doctor.</p>"
            )
        ]
        for category in self.state.content.step_categories:
            steps = self.state.plan.steps_in(category.id)
            if steps:
                children.append(w.HTML(f"<h3>{escaped(category.label)}</h3>"))
            children.extend(self._step(planned) for planned in steps)
        self.children = children

    def _step(self, planned: PlannedItem[NextStep]) -> w.HTML:
        item = planned.item
        detail = f"<p>{escaped(item.detail)}</p>" if item.detail else ""
        value = (
            f'<p class="workbook-step-text"><strong>{escaped(item.text)}</strong></p>{detail}'
            + why_details(item.why, planned.because, item.sources, self.state.content)
        )
        if item.id not in self.steps:
            step = w.HTML()
            step.add_class("workbook-step")
            step.add_class(f"item-{item.id}")
            self.steps[item.id] = step
        self.steps[item.id].value = value
        return self.steps[item.id]
