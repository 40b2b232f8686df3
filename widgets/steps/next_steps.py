"""Step 4, "Next steps": the timeline, where to go, the insurer, words for the doctor, help.

Under the timeline, a step can be marked done (``StepsDone``): it then leaves the timeline and
the calendar file. A step not done whose first day has passed says so, and its new day.
"""

from __future__ import annotations

import base64

import ipywidgets as w

from secondopinion.content import NextStep
from secondopinion.content.vocabulary import DIFFER_CATEGORY
from secondopinion.documents.calendar_file import calendar_name, timeline_to_ics
from secondopinion.language import translator
from secondopinion.planning import PlannedItem, Timeline, long_date, moved_words
from widgets.parts.item_text import MORE, START_HERE, escaped, why_details
from widgets.parts.timeline_picture import timeline_svg
from widgets.steps.steps_done import StepsDone
from widgets.workbook_state import WorkbookState


class NextSteps(w.VBox):  # type: ignore[misc]
    """The dated timeline and the tailored next steps, each with the reasons for this person."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        self.steps: dict[str, w.HTML] = {}
        self.timeline = w.HTML()
        self.timeline.add_class("workbook-timeline")
        self.calendar = w.HTML()
        self.calendar.add_class("workbook-download-calendar")
        self.done = StepsDone(state)
        self._shown: tuple[Timeline, str] | None = None
        super().__init__()
        self.add_class("workbook-next-steps")
        state.watch(lambda _: self.refresh(), names="plan")
        # A new decision date, a record's status or the name changes the timeline, not the plan.
        state.watch(lambda _: self.refresh_timeline(), names="derived")
        self.refresh()

    def refresh_timeline(self) -> None:
        """Draw the timeline again if the decision date, the plan or the name changed it."""
        timeline = self.state.derived.timeline
        name = self.state.workbook.summary.display_name if self.state.workbook else ""
        if self._shown != (timeline, name):
            self._shown = (timeline, name)
            self._show_timeline(timeline, name)

    def refresh(self) -> None:
        """Show the timeline and the steps of the current plan."""
        self.refresh_timeline()
        _ = self.state.tr.gettext
        children: list[w.Widget] = [
            w.HTML(
                "<h2>"
                + _("Next steps")
                + "</h2><p>"
                + _(
                    "When to do what, where to go, what to ask your insurance company, and words "
                    "you can use with your doctor."
                )
                + "</p>"
            ),
            self.timeline,
            self.done,
            self.calendar,
        ]
        plan = self.state.plan
        first = plan.start_here.next_steps
        if first:
            children.append(w.HTML(f"<h3>{escaped(_(START_HERE))}</h3>"))
            children += [self._step(planned) for planned in first]
            children.append(w.HTML(f"<h3>{escaped(_(MORE))}</h3>"))
        for category in self.state.content.step_categories:
            steps = [s for s in plan.steps_in(category.id) if s.id not in plan.start_here.item_ids]
            if not steps:
                continue
            children.append(w.HTML(f"<h3>{escaped(category.label)}</h3>"))
            if category.id == DIFFER_CATEGORY:
                children.append(
                    w.HTML(
                        "<p>" + _("These are in step 5, next to what each doctor said.") + "</p>"
                    )
                )
                continue
            children.extend(self._step(planned) for planned in steps)
        self.children = children

    def _show_timeline(self, timeline: Timeline, name: str) -> None:
        language = self.state.language
        _ = translator(language).gettext
        parts = ["<h3>" + _("Your timeline") + "</h3>", f"<p>{escaped(timeline.message)}</p>"]
        parts.append(timeline_svg(timeline, language))
        parts.append('<ol class="workbook-timeline-steps">')
        for step in timeline.steps:
            day = long_date(step.date, language) if step.date else ""
            if step.day_label and day:  # a timeline counted day by day: "Tomorrow, Tuesday, ..."
                day = f"{step.day_label}, {day}"
            when = f"<strong>{escaped(day)}:</strong> " if day else ""
            status = f" <em>({escaped(step.status_label)})</em>" if step.status_label else ""
            instead = f"<br>{escaped(step.instead)}" if step.instead else ""
            moved = moved_words(step, language)
            if moved:
                instead += f'<br><span class="workbook-moved">{escaped(moved)}</span>'
            parts.append(f"<li>{when}{escaped(step.text)}{status}{instead}</li>")
        parts.append("</ol>")
        self.timeline.value = "".join(parts)
        self.done.show(timeline)
        if timeline.dated_steps:
            workbook_id = self.state.workbook_id
            title = calendar_name(name, workbook_id, language)
            ics = timeline_to_ics(timeline, title, language=language, workbook_id=workbook_id)
            encoded = base64.b64encode(ics).decode("ascii")
            file_name = _("second-opinion-steps") + ".ics"
            self.calendar.value = (
                f'<a class="workbook-button" download="{file_name}" '
                f'href="data:text/calendar;charset=utf-8;base64,{encoded}">'
                + _("Add these steps to your calendar (.ics)")
                + "</a>"
            )
        else:
            self.calendar.value = ""

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
