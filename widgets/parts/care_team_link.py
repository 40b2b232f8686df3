"""The person's side of the care team's read-only link, in "Take it with you".

The person can make a second link for their doctor's office (``widgets.care_team_page`` is what
it opens), see that it is on, choose whether it shows their own questions, turn it off, make a
new one (the old one stops), and see when the care team marked it seen. The link's secret is shown
only here and only now: the store keeps a hash of it, so a page opened later says the link is on
and offers a new one.
"""

from __future__ import annotations

import html

import ipywidgets as w

from secondopinion.language import N_, long_date
from secondopinion.serving.visit import care_team_link
from widgets.parts.feedback import ProblemMessage, busy_button, guarded
from widgets.workbook_state import WorkbookState

CARE_TEAM_LINK_CLASS = "workbook-care-team-link"
"""The class of this part (the browser tests find it by it)."""

TITLE = N_("A link for your care team")
WHAT_IT_SHOWS = N_(
    "You can make a second link for your doctor's office. It opens a page they can read or "
    "print before your visit, but not change. It shows your starred questions, your “start "
    "here” list and where your records stand, in your language with the English beside it."
)
WHAT_IT_NEVER_SHOWS = N_(
    "It never shows your answers, your notes, what you wrote about the two opinions, or what "
    "your navigator wrote. Your own questions are on it only if you tick the box below, and "
    "only the ones you starred."
)
MAKE = N_("Make a link for your care team")
MAKE_NEW = N_("Make a new link")
TURN_OFF = N_("Turn it off")
SHOW_OWN = N_("Show my own questions on it")
COPY_HINT = N_(
    "Copy this link and send it to your care team, or give it to them at the front desk. Anyone "
    "with it can read the page, so send it only to them."
)
COPY = N_("Copy the link")
IS_ON = N_(
    "Your care team's link is on. For your safety it is shown only once, when it is made. "
    "If you need it again, make a new link: the old one then stops working."
)
IS_OFF = N_("Your care team's link is off. Old links to it open nothing.")
NEW_MADE = N_("Done. Here is the new link. The old one no longer opens anything.")
SEEN = N_("Your care team marked it seen on {date}.")
NOT_SEEN = N_("Your care team has not marked it seen yet.")
NO_ADDRESS = N_(
    "The link for your care team is on, but this computer cannot show it: ask your navigator."
)


class CareTeamLink(w.VBox):  # type: ignore[misc]
    """Make, show, share or not the own questions of, and turn off the care team's link."""

    def __init__(self, state: WorkbookState, *, link_base: str | None) -> None:
        self.state = state
        self.link_base = link_base
        self.token: str | None = None
        """The secret of the link made on this page (shown once), or None."""
        _ = state.tr.gettext
        self.problem = ProblemMessage(state.language)
        self.about = w.HTML(
            "<h3>" + _(TITLE) + "</h3><p>" + _(WHAT_IT_SHOWS) + "</p>"
            '<p class="workbook-help">' + _(WHAT_IT_NEVER_SHOWS) + "</p>"
        )
        self.make = w.Button(description=_(MAKE))
        self.make.add_class("workbook-care-team-make")
        self.make_new = w.Button(description=_(MAKE_NEW))
        self.make_new.add_class("workbook-care-team-new")
        self.link = w.HTML()
        self.link.add_class("workbook-care-team-url")
        self.share_own = w.Checkbox(value=False, description=_(SHOW_OWN), indent=False)
        self.share_own.add_class("workbook-care-team-share-own")
        self.turn_off = w.Button(description=_(TURN_OFF))
        self.turn_off.add_class("workbook-care-team-off")
        self.status = w.HTML()
        self.status.add_class("workbook-care-team-status")
        busy_button(self.make, self.problem, self._make)
        busy_button(self.make_new, self.problem, self._make)
        busy_button(self.turn_off, self.problem, self._turn_off)
        self._save_share = guarded(self.problem)(state.set_care_team_shares_own_questions)
        self.share_own.observe(self._share_changed, names="value")
        self.note = ""
        parts = [self.about, self.problem, self.link, self.share_own, self.make, self.make_new]
        super().__init__([*parts, self.turn_off, self.status])
        self.add_class(CARE_TEAM_LINK_CLASS)
        state.watch(lambda _: self.show(), names=["workbook", "ended", "gone"])
        self.show()

    def show(self) -> None:
        """Show what is stored now: no link yet, a link on (and seen or not), or off."""
        _ = self.state.tr.gettext
        book = self.state.workbook
        if book is None or self.state.ended:
            self.layout.display = "none"
            return
        self.layout.display = None
        on = book.care_team_link_on
        if not on:
            self.token = None
        self.make.layout.display = "none" if on else None
        self.make_new.layout.display = None if on else "none"
        self.turn_off.layout.display = None if on else "none"
        if on and self.share_own.value != book.care_team_shares_own_questions:
            self.share_own.value = book.care_team_shares_own_questions
        self.link.value = self._link_html() if on else ""
        said: list[str] = [self.note] if self.note else []
        if on and book.care_team_seen_at is not None:
            day = book.care_team_seen_at.astimezone().date()
            said.append(_(SEEN).format(date=long_date(day, self.state.language)))
        elif on:
            said.append(_(NOT_SEEN))
        elif self.note:
            said = [self.note]
        self.status.value = "".join(f'<p role="status">{html.escape(s)}</p>' for s in said)

    def _link_html(self) -> str:
        _ = self.state.tr.gettext
        if self.token is None:
            return f"<p>{html.escape(_(IS_ON))}</p>"
        if self.link_base is None:
            return f"<p>{html.escape(_(NO_ADDRESS))}</p>"
        link = html.escape(care_team_link(self.link_base, self.token))
        label = html.escape(_(TITLE))
        return (
            f"<p>{html.escape(_(COPY_HINT))}</p>"
            f'<p><input type="text" readonly class="workbook-care-team-address" value="{link}" '
            'style="width: 100%" '
            f'aria-label="{label}"></p>'
            f'<p><button type="button" class="workbook-button workbook-copy-link" '
            f'data-link="{link}">{html.escape(_(COPY))}</button>'
            '<span class="workbook-copied" role="status"></span></p>'
        )

    def _make(self) -> None:
        had = self.state.workbook is not None and self.state.workbook.care_team_link_on
        self.note = ""
        token = self.state.make_care_team_link(share_own_questions=bool(self.share_own.value))
        self.token = token
        self.note = self.state.tr.gettext(NEW_MADE) if had else ""
        self.show()

    def _turn_off(self) -> None:
        self.state.turn_off_care_team_link()
        self.token = None
        self.note = self.state.tr.gettext(IS_OFF)
        self.show()

    def _share_changed(self, change: dict[str, object]) -> None:
        book = self.state.workbook
        if book is None or not book.care_team_link_on:
            return
        if bool(change["new"]) == book.care_team_shares_own_questions:
            return
        self._save_share(bool(change["new"]))
