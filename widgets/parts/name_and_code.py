"""Who this workbook is for: an optional name or initials, and the workbook's short code.

On the first screen. The name helps a patient navigator tell whose workbook it is; it may be
left empty, or be initials. A name written before any answer is kept on the page and stored
with the workbook once the first answer makes it (``WorkbookState.set_display_name``). The short
code ("K7F-29Q", ``secondopinion.store.short_code``) shows once the workbook exists: the person
reads it to their navigator over the phone, and the navigator's desk finds the workbook by it.
It is not the private link and opens nothing.

>>> box = NameAndCode(state)  # doctest: +SKIP
"""

from __future__ import annotations

import html

import ipywidgets as w

from secondopinion.language import N_
from secondopinion.store import short_code
from widgets.parts.feedback import ProblemMessage, guarded
from widgets.parts.typing import TypedText
from widgets.workbook_state import WorkbookState

NAME_LIMIT = 200
"""The most characters in a name or initials."""

NAME_LABEL = N_("Your name or initials (you may leave this empty)")
NAME_HELP = N_("It helps your patient navigator know which workbook is yours. Initials are enough.")
NAME_KEPT = N_("Your name is kept on this page. It is saved with your first answer.")
CODE_LATER = N_("Your workbook gets a short code once you answer a first question.")
CODE_IS = N_("Your workbook's code: {code}")
CODE_LINE = "workbook-code-line"
"""The line that says the code, or what makes one: as high either way (see ``show_code``)."""
_ROOM_ONLY = 'class="workbook-room-only" aria-hidden="true"'
CODE_HELP = N_(
    "If you call your patient navigator, read them this code so they can find your workbook. "
    "It is not your private link: it does not open your workbook."
)


class NameAndCode(w.VBox):  # type: ignore[misc]
    """The optional name box and the workbook's short code, in the workbook's language."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        _ = state.tr.gettext
        self.problem = ProblemMessage(state.language)
        self.name = w.Text(
            value=state.display_name,
            description=_(NAME_LABEL),
            placeholder=_("For example: A. P."),
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="32em"),
        )
        self.name.add_class("workbook-name")
        self.typed = TypedText(
            self.name,
            guarded(self.problem)(self._save_name),
            self.problem,
            limit=NAME_LIMIT,
            what=_("The name"),
            state=state,
        )
        help_text = w.HTML(f'<p class="workbook-help">{html.escape(_(NAME_HELP))}</p>')
        self.code = w.HTML()
        self.code.add_class("workbook-code")
        super().__init__([self.name, help_text, self.problem, self.code])
        self.add_class("workbook-who")
        state.watch(lambda _change: self.show_code(), names=["workbook", "typing"])
        self.show_code()

    def _save_name(self, text: str) -> None:
        self.state.set_display_name(text.strip())
        self.show_code()

    def show_code(self) -> None:
        """Say the workbook's code once it exists (before that, what makes one).

        Every way of saying it is in the line, one shown and the others hidden in the same
        place (``CODE_LINE``), so the line is as high before the first answer as after it: the
        code appears just as the person taps the next answer, which must not move.
        """
        _ = self.state.tr.gettext
        workbook = self.state.workbook
        code = html.escape(short_code(workbook.id)) if workbook else "000-000"
        said_code = html.escape(_(CODE_IS)).format(
            code=f'<strong class="workbook-code-value">{code}</strong>'
            if workbook
            else f"<strong>{code}</strong>"
        )
        kept = self.state.display_name and not self.state.typing
        ways = {
            CODE_IS: said_code,
            NAME_KEPT: html.escape(_(NAME_KEPT)),
            CODE_LATER: html.escape(_(CODE_LATER)),
        }
        shown = CODE_IS if workbook else NAME_KEPT if kept else CODE_LATER
        line = "".join(
            f"<span>{words}</span>" if way == shown else f"<span {_ROOM_ONLY}>{words}</span>"
            for way, words in ways.items()
        )
        self.code.value = (
            f'<p class="{CODE_LINE}">{line}</p>'
            f'<p class="workbook-help">{html.escape(_(CODE_HELP))}</p>'
        )
