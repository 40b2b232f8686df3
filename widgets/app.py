"""The app: a welcome, then the steps of the workbook one at a time.

>>> app = WorkbookApp(state, link_base="http://127.0.0.1:8866/")  # doctest: +SKIP
>>> app.go_to(1)  # "Questions to ask"
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from secondopinion import ContentError
from secondopinion.language import LANGUAGE_NAMES, LANGUAGES, N_, long_date, translator
from widgets.parts.feedback import ProblemMessage, SaveStatus, guarded
from widgets.parts.kept_text import KeptTextMark
from widgets.parts.name_and_code import NameAndCode
from widgets.parts.page_roles import PageRoles
from widgets.parts.page_script import STEP_HOOKS, Heartbeat, PageScript
from widgets.parts.server_log import server_log
from widgets.parts.style import stylesheet
from widgets.parts.welcome_links import WelcomeLinks
from widgets.steps.compare import CompareOpinions
from widgets.steps.export_panel import ExportPanel
from widgets.steps.intake import IntakeView
from widgets.steps.next_steps import NextSteps
from widgets.steps.question_list import QuestionList
from widgets.steps.records_checklist import RecordsChecklist
from widgets.workbook_state import WorkbookState

WELCOME_TITLE = N_("Your second-opinion workbook")
WELCOME = N_(
    "<p>A second opinion means asking another doctor to look at your diagnosis or treatment "
    "plan. This workbook helps you get ready. Tell it about your situation, and it gives you "
    "questions to ask, records to gather and next steps.</p>"
    '<p class="workbook-private">Your answers are saved as you go, on the server of this '
    "service. The patient navigators of this program can see them, and so can anyone who has "
    "your private link. Keep the link to yourself.</p>"
    '<p class="workbook-not-advice"><strong>This is not medical advice.</strong> It helps you '
    "talk with your doctors. It does not replace them.</p>"
)


SKIP = N_("Skip to the current step")

HOOKS = STEP_HOOKS

REMINDER = N_("This workbook is not medical advice. Your answers are saved as you go.")

STEP_TITLES = (
    N_("Your situation"),
    N_("Questions to ask"),
    N_("Records to gather"),
    N_("Next steps"),
    N_("Compare the opinions"),
    N_("Take it with you"),
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
        self._exports_dir = exports_dir
        self.step = 0
        self._old: list[w.Widget] = []
        super().__init__()
        self.add_class("workbook-app")
        self._build(link_base)
        # The kernel's sign of life for the page; it also notices a workbook deleted elsewhere,
        # or given a new private link by another page.
        self.beat = Heartbeat(state.check_elsewhere)
        self.kept_for = KeptTextMark(state)
        built: tuple[w.Widget, ...] = tuple(getattr(self, "children", ()))
        self.children = (*built, self.beat, self.kept_for)
        state.observe(
            lambda _: self._show_saved(),
            names=["last_saved", "last_failed", "typing", "gone", "ended"],
        )
        state.observe(lambda _: self._refresh_export(), names="workbook")
        state.observe(lambda _: self._rebuild(), names="language")
        self.go_to(0)

    def _build(self, link_base: str | None) -> None:
        """Build every part of the page in the workbook's language (the steps when opened)."""
        state = self.state
        _ = state.tr.gettext
        self.export_panel = ExportPanel(state, link_base=link_base, exports_dir=self._exports_dir)
        self._makers: list[tuple[str, Callable[[], w.Widget]]] = [
            (_(STEP_TITLES[0]), lambda: IntakeView(state)),
            (_(STEP_TITLES[1]), lambda: QuestionList(state)),
            (_(STEP_TITLES[2]), lambda: RecordsChecklist(state)),
            (_(STEP_TITLES[3]), lambda: NextSteps(state)),
            (_(STEP_TITLES[4]), lambda: CompareOpinions(state)),
            (_(STEP_TITLES[5]), lambda: self.export_panel),
        ]
        self.views: dict[int, w.Widget] = {}
        self.step_buttons = [
            w.Button(description=f"{n}. {title}") for n, (title, _m) in enumerate(self._makers, 1)
        ]
        for index, button in enumerate(self.step_buttons):
            button.add_class("workbook-step-button")
            button.on_click(lambda _, index=index: self._open_step(index))
        nav = w.Box(self.step_buttons, layout=w.Layout(flex_flow="row wrap"))
        nav.add_class("workbook-nav")
        self.where = w.HTML()
        self.stack = w.Stack([w.HTML() for _ in self._makers], selected_index=0)
        self.back = w.Button(description=_("← Back"))
        self.next = w.Button(description=_("Next →"), button_style="primary")
        self.back.on_click(lambda _: self.go_to(self.step - 1, focus=True))
        self.next.on_click(lambda _: self.go_to(self.step + 1, focus=True))
        self.saved = SaveStatus(state)
        footer = w.Box([self.back, self.next, self.saved], layout=w.Layout(flex_flow="row wrap"))
        self.welcome = w.HTML(f"<h1>{_(WELCOME_TITLE)}</h1>{_(WELCOME)}")
        self.welcome_back = w.HTML(welcome_back(state))
        self.welcome_back.add_class("workbook-welcome-back")
        self.welcome_links = WelcomeLinks(state, self._open_for)
        self.who = NameAndCode(state)  # an optional name, and the short code
        reminder = w.HTML(f'<p class="workbook-reminder">{_(REMINDER)}</p>')
        self.script = PageScript(state.language)
        self.roles = PageRoles(state.language)  # landmarks and radio groups
        skip = w.HTML(f'<a class="workbook-skip" href="#">{_(SKIP)}</a>')
        skip.add_class("workbook-skip-link")
        self.language_problem = ProblemMessage(state.language)
        self.language_switch = w.ToggleButtons(
            options=[(LANGUAGE_NAMES[code], code) for code in LANGUAGES],
            value=state.language,
            tooltips=["Show the workbook in English", "Ver el cuaderno en español"],
            style={"button_width": "auto"},
        )
        self.language_switch.add_class("workbook-language")
        self.language_switch.observe(
            guarded(self.language_problem)(lambda change: self._switch(change["new"])),
            names="value",
        )
        self._core: list[w.Widget] = [
            stylesheet(),
            skip,
            self.language_switch,
            self.language_problem,
            self.welcome,
            self.welcome_back,
            self.welcome_links,
            self.who,
            nav,
            self.where,
            self.stack,
            footer,
            reminder,
            self.script,
            self.roles,
        ]
        # Whatever was added after the app was built (the dashboard's address bar) stays.
        built: tuple[w.Widget, ...] = tuple(getattr(self, "children", ()))
        extras = [child for child in built if child not in self._old]
        self.children = (*self._core, *extras)

    def _switch(self, language: str) -> None:
        """Show the workbook in ``language``; if its words cannot load, say so and stay."""
        if language == self.state.language:
            return
        try:
            self.state.set_language(language)
        except ContentError:
            self.language_switch.value = self.state.language
            raise ValueError(
                N_("This language is not ready yet. Please ask your patient navigator.")
            ) from None

    def redraw(self) -> None:
        """Build the page's parts again, on the same step (a page that lost one on its way)."""
        self._rebuild()

    def _rebuild(self) -> None:
        """Build the page again in the new language, on the same step; nothing saved changes."""
        step = self.step
        self.state.forget_views()
        self._old = list(self._core)
        old = [*self._core, *self.views.values(), self.export_panel]
        self._build(self.export_panel.link_base)
        for widget in old:
            if widget not in self.children:
                widget.close()
        self._show_saved()
        self.go_to(step)

    def go_to(self, step: int, *, focus: bool = False) -> None:
        """Open one step (0 to 5); ``focus`` brings its heading to the top, with the focus."""
        step = max(0, min(step, len(self._makers) - 1))
        if step not in self.views:
            self.views[step] = self._makers[step][1]()
            children = list(self.stack.children)
            children[step] = self.views[step]
            self.stack.children = children
            server_log(f"step {step + 1} built")
        self.step = step
        self.stack.selected_index = step
        self.welcome.layout.display = None if step == 0 else "none"
        self.welcome_back.layout.display = None if step == 0 else "none"
        self.welcome_links.show(step == 0 and bool(self.welcome_back.value))
        self.who.layout.display = None if step == 0 else "none"
        for index, button in enumerate(self.step_buttons):
            if index == step:
                button.add_class("workbook-current-step")
            else:
                button.remove_class("workbook-current-step")
        title = self._makers[step][0]
        words = self.state.tr.gettext("Step {number} of {count}: {title}").format(
            number=step + 1, count=len(self._makers), title=title
        )
        self.where.value = f'<p class="workbook-where" role="status">{words}</p>'
        self.back.disabled = step == 0
        self.next.disabled = step == len(self._makers) - 1
        self._refresh_export()
        if focus:
            self.script.focus_step(HOOKS[step])
        server_log(f"step {step + 1} shown")

    def _open_step(self, step: int) -> None:
        """A step's button pressed; what went wrong is also said in the server's log."""
        try:
            self.go_to(step, focus=True)
        except Exception as error:
            server_log(f"step {step + 1} could not open: {type(error).__name__}")
            raise

    def _open_for(self, step: int, item_id: str) -> None:
        """Open a step from the welcome back, for one of its items (a timeline step is chosen)."""
        self.go_to(step, focus=True)
        done = getattr(self.views[step], "done", None)
        if done is not None:
            done.select(item_id)

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
        self.saved.follow()


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
    return welcome_back_html(
        state.language,
        answered=answered,
        shown=len(shown),
        asked=asked,
        have=have,
        records=len(plan.records),
        started=_local_day(workbook.summary.created_at),
        changed=_local_day(workbook.summary.updated_at),
    )


def _local_day(moment: dt.datetime) -> dt.date:
    """The day of a stored moment (UTC) on the server's clock."""
    return moment.astimezone().date()


def welcome_back_html(
    language: str,
    *,
    answered: int,
    shown: int,
    asked: int,
    have: int,
    records: int,
    started: dt.date | None = None,
    changed: dt.date | None = None,
) -> str:
    """The "welcome back" box in ``language``, from the counts of what is done.

    ``started`` and ``changed``, when given, say when the workbook was started and last
    changed, so that someone sent a link to a workbook that is not theirs can tell.
    """
    _ = translator(language).gettext
    when = ""
    if started is not None and changed is not None:
        when = (
            '<p class="workbook-started">'
            + html.escape(
                _("You started this workbook on {started}. It was last changed on {changed}.")
            ).format(
                started=html.escape(long_date(started, language)),
                changed=html.escape(long_date(changed, language)),
            )
            + " "
            + _(
                'Not your workbook? Do not type in it. <a href="?">Start a new workbook of '
                "your own</a>."
            )
            + "</p>"
        )
    done = _(
        "You have answered {answered} of {shown} questions about your situation, asked "
        "{asked} of your questions, and have {have} of {records} records."
    ).format(answered=answered, shown=shown, asked=asked, have=have, records=records)
    if answered < shown:
        after = _("Next: finish step 1, Your situation.")
    elif have < records:
        after = _("Next: step 3, Records to gather.")
    elif asked == 0:
        after = _("Next: step 2, Questions to ask.")
    else:
        after = _("Next: step 5, Compare the opinions, once you have the second opinion.")
    return (
        '<div class="workbook-welcome-back-box" role="status"><h2>'
        + _("Welcome back")
        + "</h2><p>"
        + _("Everything you saved is here.")
        + f" {done}</p>{when}<p><strong>{after}</strong></p></div>"
    )
