"""One intake answer as a control, and the date box every step uses (shared by the steps).

``FieldInput`` shows one field of ``content/intake.yaml`` (text, date, one choice, several,
yes or no) bound to the saved answer, in the person's words; ``DateBox`` is a date picker that
keeps a date it cannot read rather than lose it (``UNREADABLE_DATE``).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import ipywidgets as w
import traitlets
from ipywidgets.widgets.trait_types import Date, date_from_json, date_to_json

from secondopinion.content import Field
from secondopinion.language import N_, translator
from widgets.parts.feedback import ProblemMessage, guarded
from widgets.parts.page_roles import CHOICE_GROUP
from widgets.parts.typing import TypedText
from widgets.workbook_state import WorkbookState

_NOT_ANSWERED = None

UNREADABLE_DATE = N_(
    "That date could not be read, so it was not saved. Please check the year: it needs four "
    "digits, like 2027."
)


def _date_or_keep(js: object, box: DateBox) -> dt.date | None:
    """The browser's date, or the box's current one if Python cannot hold it (year 202600)."""
    try:
        day: dt.date | None = date_from_json(js, box)
    except (ValueError, TypeError, KeyError, OverflowError):
        box.unreadable = True
        return box.value  # type: ignore[no-any-return]
    box.unreadable = False
    return day


class DateBox(w.DatePicker):  # type: ignore[misc]
    """A date picker that notices a date the browser sends but Python cannot hold.

    The browser's date box takes years up to 275760; ipywidgets would fail to read such a date
    and drop it without a word. Here the answer stays as it was and ``unreadable`` turns True.
    """

    value = Date(None, allow_none=True).tag(
        sync=True, to_json=date_to_json, from_json=_date_or_keep
    )
    unreadable = traitlets.Bool(False, help="the last date sent by the browser could not be read")


class FieldInput(w.VBox):  # type: ignore[misc]
    """One intake field: its label, its help text and the control for its answer."""

    def __init__(self, field: Field, saved: object, language: str = "en") -> None:
        self.field = field
        self.language = language
        self._showing = False
        _ = translator(language).gettext
        needed = _("(needed)")
        self._required = f' <span class="workbook-required">{needed}</span>' * field.required
        self.label = label = w.HTML(self._label_html(field))
        self.control = _control(field, saved, language)
        unreadable = _(UNREADABLE_DATE)
        parts = [label, self.control]
        if isinstance(self.control, DateBox):
            warning = w.HTML()
            warning.add_class("workbook-warning")
            self.control.observe(
                lambda change: setattr(
                    warning,
                    "value",
                    f'<p role="alert">{unreadable}</p>' if change["new"] else "",
                ),
                names="unreadable",
            )
            parts.append(warning)
        self.help = w.HTML(_help_html(field.help))
        voices = (field.for_helper, field.for_parent)
        if field.help or any(v is not None and v.help for v in voices):
            parts.append(self.help)
        super().__init__(parts)
        self.add_class("workbook-field")
        self.add_class(f"field-{field.id}")

    def _label_html(self, field: Field) -> str:
        return f'<p class="workbook-field-label">{html.escape(field.label)}{self._required}</p>'

    def reword(self, field: Field) -> None:
        """Show this field in other words (a helper's: ``Reader.field``); the answer stays."""
        if field == self.field:
            return
        self.field = field
        self.label.value = self._label_html(field)
        self.help.value = _help_html(field.help)
        self._showing = True
        try:
            if field.kind == "several_choices":
                for box, choice in zip(self.control.children, field.choices, strict=True):
                    box.description = choice.label
            elif field.kind == "one_choice":
                labels = tuple(c.label for c in field.choices)
                if labels != tuple(self.control._options_labels):
                    value = self.control.value
                    with self.control.hold_sync():
                        self.control.options = list(zip(labels, field.choice_ids, strict=True))
                        self.control.value = value
            if hasattr(self.control, "description"):
                self.control.description = field.label
        finally:
            self._showing = False

    @property
    def answer(self) -> object:
        """The control's value in saved form (None when unanswered)."""
        kind = self.field.kind
        if kind == "several_choices":
            chosen = [box.choice_id for box in self.control.children if box.value]
            return chosen or _NOT_ANSWERED
        value = self.control.value
        if kind == "date":
            return value.isoformat() if value else _NOT_ANSWERED
        if kind == "free_text":
            return value or _NOT_ANSWERED
        return value

    def bind(self, state: WorkbookState, problem: ProblemMessage) -> None:
        """Save the person's changes to ``state``, and show the saved answer when it changes.

        Another view may show the same field (step 5 shows one of step 1's): whichever control
        the person uses, every control of the field follows the saved answer.
        """
        sent: list[object] = [self.answer]
        typed: list[TypedText] = []

        @guarded(problem)
        def save() -> None:
            if self._showing:
                return
            sent[0] = self.answer
            state.set_answer(self.field.id, sent[0])

        def follow(_: object) -> None:
            if any(t.waiting for t in typed):  # never overwrite what is being typed
                return
            saved = state.answers.get(self.field.id)
            if _same_answer(saved, sent[0]) or _same_answer(saved, self.answer):
                return
            sent[0] = saved
            self._show(saved)

        if self.field.kind == "free_text":
            # Saved while typed, a moment after the last key (not only when the box is left).
            typed.append(
                TypedText(
                    self.control,
                    lambda _text: save(),
                    problem,
                    what=translator(self.language).gettext("This answer"),
                    skip=lambda: self._showing,
                    state=state,
                )
            )
        else:
            for control in self._controls:
                control.observe(lambda _: save(), names="value")
        state.watch(follow, names="workbook")

    @property
    def _controls(self) -> list[w.Widget]:
        if self.field.kind == "several_choices":
            return list(self.control.children)
        return [self.control]

    def _show(self, saved: object) -> None:
        self._showing = True
        try:
            if self.field.kind == "several_choices":
                chosen = set(saved) if isinstance(saved, list) else set()
                for box in self.control.children:
                    box.value = box.choice_id in chosen
            elif self.field.kind == "date":
                self.control.value = (
                    dt.date.fromisoformat(saved) if isinstance(saved, str) else None
                )
            elif self.field.kind == "free_text":
                self.control.value = saved if isinstance(saved, str) else ""
            else:
                self.control.value = saved
        finally:
            self._showing = False

    def show(self, shown: bool) -> None:
        """Show or hide the field."""
        self.layout.display = None if shown else "none"


def _help_html(words: str | None) -> str:
    return f'<p class="workbook-help">{html.escape(words)}</p>' if words else ""


def _same_answer(a: object, b: object) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    return a == b and type(a) is type(b)


def _control(field: Field, saved: object, language: str = "en") -> w.Widget:
    label = field.label
    _ = translator(language).gettext
    if field.kind == "one_choice":
        options = [(c.label, c.id) for c in field.choices]
        return _radio_group(options, saved if saved in field.choice_ids else None, label)
    if field.kind == "yes_no":
        yes_no = [(_("Yes"), True), (_("No"), False)]
        return _radio_group(yes_no, saved if isinstance(saved, bool) else None, label)
    if field.kind == "several_choices":
        chosen = set(saved) if isinstance(saved, list) else set()
        boxes = []
        for choice in field.choices:
            box = w.Checkbox(value=choice.id in chosen, description=choice.label, indent=False)
            box.choice_id = choice.id
            boxes.append(box)
        group = w.VBox(boxes)
        group.add_class("workbook-checkbox-group")
        return group
    if field.kind == "date":
        value = dt.date.fromisoformat(saved) if isinstance(saved, str) else None
        return DateBox(value=value, description=label)
    return w.Textarea(
        value=saved if isinstance(saved, str) else "",
        description=label,
        continuous_update=True,
        layout=w.Layout(width="100%"),
    )


def _radio_group(options: Sequence[tuple[str, object]], value: object, label: str) -> w.Widget:
    """Radios that are one group named ``label``: one Tab stop, arrow keys within (page_roles)."""
    radios = w.RadioButtons(
        options=options, value=value, description=label, layout=w.Layout(width="auto")
    )
    radios.add_class(CHOICE_GROUP)
    return radios
