"""Which workbook the text kept in a tab belongs to, as the page's script reads it.

The page's script keeps typed text that is not saved yet in the tab's ``sessionStorage``
(``widgets.parts.page_script``). That text belongs to one workbook: it is kept under this
workbook's mark and offered back only to a page of the same workbook. A new workbook not stored
yet has no mark, so what is typed in it is never offered to another page load; a deleted
workbook's mark says so, and the script forgets what it kept for it.

The mark is a hash of the workbook's id, never its private link: the script reads it from a
hidden element, ``<span data-workbook="…" data-workbook-state="…">``.
"""

from __future__ import annotations

import hashlib
from typing import Final

import ipywidgets as w

from widgets.workbook_state import WorkbookState

MARK_CLASS: Final = "workbook-kept-for"
"""The class of the hidden element whose text is the mark (read by ``page_script.js``)."""


def workbook_mark(workbook_id: str | None) -> str:
    """The mark of a stored workbook's kept text ('' for a workbook not stored yet)."""
    if workbook_id is None:
        return ""
    return hashlib.sha256(f"kept-text:{workbook_id}".encode()).hexdigest()[:32]


def mark_html(mark: str, condition: str) -> str:
    """The hidden element the script reads: the mark, and ``open``, ``gone`` or ``ended``."""
    return f'<span data-workbook="{mark}" data-workbook-state="{condition}"></span>'


class KeptTextMark(w.HTML):  # type: ignore[misc]
    """A hidden element that follows the workbook behind the page: stored, deleted, ended.

    Deleting the workbook here leaves the mark of the deleted one with the state ``gone``, so
    that the script forgets what it kept for it; the next change starts a new workbook with a
    new mark.
    """

    def __init__(self, state: WorkbookState) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class(MARK_CLASS)
        self.state = state
        self._mark = workbook_mark(state.workbook_id)
        self._deleted = False
        self.follow()
        state.observe(lambda _: self.follow(), names=["workbook", "token", "gone", "ended"])

    def follow(self) -> None:
        """Show the mark of the workbook behind the page now, and whether it is still open."""
        state = self.state
        if state.workbook_id is not None:
            self._mark = workbook_mark(state.workbook_id)
            self._deleted = False
        elif self._mark:
            self._deleted = True  # deleted on this page: the state starts empty again
        if state.gone or self._deleted:
            condition = "gone"
        elif state.ended:
            condition = "ended"
        else:
            condition = "open"
        self.value = mark_html(self._mark, condition)
