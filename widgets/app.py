"""The app: a welcome, then the steps of the workbook one at a time.

>>> app = WorkbookApp(state, link_base="http://127.0.0.1:8866/")  # doctest: +SKIP
>>> app.go_to(1)  # "Questions to ask"
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from widgets.parts.page_script import STEP_HOOKS, PageScript
from widgets.parts.style import stylesheet
from widgets.session_state import WorkbookState
from widgets.steps.compare import CompareOpinions
from widgets.steps.export_panel import ExportPanel
from widgets.steps.intake import IntakeView
from widgets.steps.next_steps import NextSteps
from widgets.steps.question_list import QuestionList
from widgets.steps.records_checklist import RecordsChecklist

WELCOME = (
    "<h1>Your second-opinion workbook</h1>"
    "<p>A second opinion means asking another doctor to look at your diagnosis or treatment "
    "plan. This workbook helps you get ready. Tell it about your situation, and it gives you "
    "questions to ask, records to gather and next steps.</p>"
    '<p class="workbook-private">Your answers are saved as you go, on the server of this '
    "service. The patient navigators of this program can see them, and so can anyone who has "
    "your private link. Keep the link to yourself.</p>"
    '<p class="workbook-not-advice"><strong>This is not medical advice.</strong> It helps you '
    "talk with your doctors. It does not replace them.</p>"
)


SKIP = '<a class="workbook-skip" href="#">Skip to the current step</a>'

HOOKS = STEP_HOOKS

REMINDER = (
    '<p class="workbook-reminder">This workbook is not medical advice. Your answers are saved '
    "as you go.</p>"
)


class WorkbookApp(w.VBox):  # type: ignore[misc]
    """The whole workbook for one person. Steps are built the first time they are opened."""

    def __init__(
        self,
        state: WorkbookState,
        *,
        link_base: str | None = None,
        exports_dir: Path | None = None,
    ) -> None:
        self.state = state
        self.export_panel = ExportPanel(state, link_base=link_base, exports_dir=exports_dir)
        self._makers: list[tuple[str, Callable[[], w.Widget]]] = [
            ("1. Your situation", lambda: IntakeView(state)),
            ("2. Questions to ask", lambda: QuestionList(state)),
            ("3. Records to gather", lambda: RecordsChecklist(state)),
            ("4. Next steps", lambda: NextSteps(state)),
            ("5. Compare the opinions", lambda: CompareOpinions(state)),
            ("6. Take it with you", lambda: self.export_panel),
        ]
        self.views: dict[int, w.Widget] = {}
        self.step = 0
        self.step_buttons = [w.Button(description=title) for title, _ in self._makers]
        for index, button in enumerate(self.step_buttons):
            button.add_class("workbook-step-button")
            button.on_click(lambda _, index=index: self.go_to(index, focus=True))
        nav = w.Box(self.step_buttons, layout=w.Layout(flex_flow="row wrap"))
        nav.add_class("workbook-nav")
        self.where = w.HTML()
        self.stack = w.Stack([w.HTML() for _ in self._makers], selected_index=0)
        self.back = w.Button(description="← Back")
        self.next = w.Button(description="Next →", button_style="primary")
        self.back.on_click(lambda _: self.go_to(self.step - 1, focus=True))
        self.next.on_click(lambda _: self.go_to(self.step + 1, focus=True))
        self.saved = w.HTML()
        self.saved.add_class("workbook-saved")
        footer = w.Box([self.back, self.next, self.saved], layout=w.Layout(flex_flow="row wrap"))
        self.welcome = w.HTML(WELCOME)
        self.welcome_back = w.HTML(welcome_back(state))
        self.welcome_back.add_class("workbook-welcome-back")
        reminder = w.HTML(REMINDER)
        self.script = PageScript()
        skip = w.HTML(SKIP)
        skip.add_class("workbook-skip-link")
        super().__init__(
            [
                stylesheet(),
                skip,
                self.welcome,
                self.welcome_back,
                nav,
                self.where,
                self.stack,
                footer,
                reminder,
                self.script,
            ]
        )
        self.add_class("workbook-app")
        state.observe(lambda _: self._show_saved(), names=["last_saved", "last_failed", "typing"])
        state.observe(lambda _: self._refresh_export(), names="workbook")
        self.go_to(0)

    def go_to(self, step: int, *, focus: bool = False) -> None:
        """Open one step (0 to 5); ``focus`` brings its heading to the top, with the focus."""
        step = max(0, min(step, len(self._makers) - 1))
        if step not in self.views:
            self.views[step] = self._makers[step][1]()
            children = list(self.stack.children)
            children[step] = self.views[step]
            self.stack.children = children
        self.step = step
        self.stack.selected_index = step
        self.welcome.layout.display = None if step == 0 else "none"
        self.welcome_back.layout.display = None if step == 0 else "none"
        for index, button in enumerate(self.step_buttons):
            if index == step:
                button.add_class("workbook-current-step")
            else:
                button.remove_class("workbook-current-step")
        title = self._makers[step][0].split(". ", 1)[1]
        self.where.value = (
            f'<p class="workbook-where" role="status">Step {step + 1} of {len(self._makers)}: '
            f"{title}</p>"
        )
        self.back.disabled = step == 0
        self.next.disabled = step == len(self._makers) - 1
        self._refresh_export()
        if focus:
            self.script.focus_step(HOOKS[step])

    def view(self, step: int) -> w.Widget:
        """The view of one step, built if needed (for tests and the navigator notebook)."""
        if step not in self.views:
            self.go_to(step)
        return self.views[step]

    def mark_ready(self) -> None:
        """Tell tests and benchmarks that the first screen is interactive."""
        self.add_class("workbook-ready")

    def _refresh_export(self) -> None:
        if self.step == len(self._makers) - 1:
            self.export_panel.refresh()

    def _show_saved(self) -> None:
        if self.state.last_failed is not None:
            self.saved.value = (
                '<p role="status" class="workbook-save-failed" data-save="failed">Your last '
                "change is not stored yet. See the message above.</p>"
            )
        elif self.state.typing:
            self.saved.value = '<p role="status" data-save="saving">Saving…</p>'
        elif self.state.last_saved is not None:
            self.saved.value = '<p role="status" data-save="saved">Saved. All changes saved.</p>'
        else:
            self.saved.value = ""


def welcome_back(state: WorkbookState) -> str:
    """A short "welcome back" for a workbook opened by its link: what is done, what is next."""
    workbook = state.workbook
    if workbook is None:
        return ""
    shown = state.situation.shown_fields(state.content.intake)
    answers = state.answers
    answered = sum(1 for f in shown if answers.get(f.id) not in (None, "", []))
    asked = sum(1 for q in workbook.questions.values() if q.asked) + sum(
        1 for q in workbook.own_questions if q.asked
    )
    plan = state.plan
    have = sum(
        1
        for r in plan.records
        if r.id in workbook.records and workbook.records[r.id].status in ("received", "sent")
    )
    done = (
        f"You have answered {answered} of {len(shown)} questions about your situation, asked "
        f"{asked} of your questions, and have {have} of {len(plan.records)} records."
    )
    if answered < len(shown):
        after = "Next: finish step 1, Your situation."
    elif have < len(plan.records):
        after = "Next: step 3, Records to gather."
    elif asked == 0:
        after = "Next: step 2, Questions to ask."
    else:
        after = "Next: step 5, Compare the opinions, once you have the second opinion."
    return (
        '<div class="workbook-welcome-back-box" role="status"><h2>Welcome back</h2>'
        f"<p>Everything you saved is here. {done}</p><p><strong>{after}</strong></p></div>"
    )
