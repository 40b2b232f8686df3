"""What ``notebooks/dashboard.ipynb`` shows: the workbook behind a private link, or a new one.

The private link's secret is in the address's fragment (``#workbook=<token>``), which no server
ever sees: the page reads it and tells its kernel (``widgets.parts.visit``). The dashboard may
run in one of Voilà's pre-heated kernels (``preheat_kernel``): this notebook ran in it before
anyone visited, importing the views and loading the content. When the page says who is
visiting, the store is opened (and checked) and the page is built: the workbook of the link, or
a new one in the browser's language.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as w

from secondopinion import Content, ContentError, load_content
from secondopinion.content.vocabulary import RECORD_NEEDED
from secondopinion.language import DEFAULT_LANGUAGE, LANGUAGES, preferred_language
from secondopinion.serving.visit import (
    Visit,
    page_address,
    visitor_address,
)
from secondopinion.store import StoreError, Workbook, WorkbookStore
from widgets.app import WorkbookApp
from widgets.care_team_page import CareTeamPage
from widgets.parts.address_bar import AddressBar
from widgets.parts.mend import Mend
from widgets.parts.server_log import server_log
from widgets.parts.style import stylesheet
from widgets.parts.visit import OPENING, VisitChannel
from widgets.workbook_state import WorkbookState

log = logging.getLogger("secondopinion.widgets")

UNKNOWN_LINK = (
    "<h1>This link does not open a workbook</h1>"
    "<p>Check that you copied the whole link. If it still does not work, you can "
    '<a href="?">start a new workbook</a>, or ask your patient navigator for help.</p>'
)
CANNOT_OPEN = (
    "<h1>The workbook cannot open right now</h1>"
    "<p>{reason}</p><p>Nothing you saved before has been changed. Please try again later, "
    "or tell your patient navigator.</p>"
)


def dashboard() -> DashboardPage:
    """The dashboard's page: it waits for the page to say who is visiting, then shows it.

    In a pre-heated kernel this runs before anyone visits: the views are imported and the
    content loaded then; the store is opened and the page built when the visit comes.
    """
    content: Content | ContentError
    try:
        content = load_content()
    except ContentError as error:
        content = error
    return DashboardPage(content)


class DashboardPage(w.VBox):  # type: ignore[misc]
    """The page's root: "Opening your workbook…" until the visit, then the workbook or a notice."""

    def __init__(self, content: Content | ContentError) -> None:
        self.content = content
        self.shown: WorkbookApp | CareTeamPage | Notice | None = None
        self.visit_channel = VisitChannel(self._open)
        self.opening = w.HTML(
            f'<p class="workbook-opening" role="status">{html.escape(OPENING)}</p>'
        )
        self.style = stylesheet()
        self.mend = Mend(self._draw_again)
        super().__init__([self.style, self.opening, self.visit_channel, self.mend])
        self.add_class("workbook-page")
        server_log("waiting for its visit")

    def _open(self, visit: Visit) -> None:
        server_log("heard its visit; building the page")
        self.opening.add_class("workbook-heard")  # the page waits now, and does not load again
        try:
            page = open_page(self.content, visit)
        except Exception as error:  # whatever it was, the person gets a plain message
            log.exception("The dashboard could not be built")
            server_log(f"the page could not be built: {type(error).__name__}")
            page = Notice(CANNOT_OPEN.format(reason=""))
        self.shown = page
        # only the workbook itself can be drawn again; a read-only page keeps no box at all
        mending = isinstance(page, WorkbookApp)
        self.children = [page, self.mend] if mending else [page]
        for waiting in (self.style, self.opening, self.visit_channel):
            waiting.close()
        if not mending:
            self.mend.close()
        page.mark_ready()
        server_log(f"page shown: {type(page).__name__}")

    def _draw_again(self) -> None:
        """The page lost a widget on its way (``widgets.parts.mend``): build its parts again."""
        if isinstance(self.shown, WorkbookApp):
            server_log("the page lost a widget; drawing it again")
            self.shown.redraw()


def open_page(content: Content | ContentError, visit: Visit) -> WorkbookApp | CareTeamPage | Notice:
    """The page for ``visit``: the workbook of its private link, or a new one.

    A care team's link (``visit.care_team_token``) opens the read-only page of its workbook
    (``CareTeamPage``), never the workbook itself. A link that opens no workbook (unknown, turned
    off, replaced) gets a notice; so does a store or content that cannot open.
    """
    try:
        if isinstance(content, ContentError):
            raise content
        visitor_address()  # where the store finds it, to count new workbooks per address
        store = WorkbookStore.open()
        language = None
        if visit.broken_link:
            return Notice(UNKNOWN_LINK)
        if visit.care_team_token:
            found = store.workbook_id_for_care_team_token(visit.care_team_token)
            if found is None:
                return Notice(UNKNOWN_LINK)
            return CareTeamPage(store, found, visit.care_team_token, content=content)
        if visit.token:
            workbook_id = store.workbook_id_for_token(visit.token)
            if workbook_id is None:
                return Notice(UNKNOWN_LINK)
            workbook = store.load(workbook_id)
            if opens_as_shared(workbook):
                state = WorkbookState(store, content, workbook_id=workbook_id)
                state.token = visit.token
                return _workbook_page(state, visit)
            # Nothing in it, started on the dashboard: maybe a stranger's, sent to catch what
            # this person types. They get a new workbook of their own instead.
            language = workbook.summary.language
        state = WorkbookState(store, content, language=language or _visit_language(visit))
    except (StoreError, ContentError) as error:
        log.exception("The dashboard could not open the workbook")
        server_log(f"cannot open the workbook: {type(error).__name__}")
        return Notice(CANNOT_OPEN.format(reason=html.escape(str(error))))
    return _workbook_page(state, visit)


def opens_as_shared(workbook: Workbook) -> bool:
    """Whether a private link opens ``workbook`` itself, rather than a new one.

    A workbook started at a navigator's desk opens, even with nothing in it yet: the navigator
    made it for this person. One started on the dashboard opens only once something is in it;
    with nothing in it, it can only be a stranger's way to read what the next person types
    (its own maker lost nothing but its language, which the new one keeps).
    """
    return workbook.summary.created_by != "patient" or not is_blank(workbook)


def is_blank(workbook: Workbook) -> bool:
    """True if nothing was written, chosen, starred or ticked in the workbook."""
    return not (
        workbook.answers
        or workbook.summary.display_name
        or workbook.notes
        or workbook.own_questions
        or any(q.starred or q.asked or q.answer for q in workbook.questions.values())
        or any(
            r.status != RECORD_NEEDED or r.from_whom or r.requested_on or r.note
            for r in workbook.records.values()
        )
        or any(entry.text for entry in workbook.comparison.values())
    )


def _visit_language(visit: Visit) -> str:
    """A new workbook's language: ``?lang=es`` if given, else the browser's preferred one.

    A workbook reopened by its link keeps its own.
    """
    if visit.asked_language in LANGUAGES:
        wanted = str(visit.asked_language)
    else:
        wanted = preferred_language(visit.languages)
    try:
        load_content(language=wanted)
    except ContentError:  # a translation not finished: the workbook opens in English
        log.exception("The content in %r does not load; the page opens in English", wanted)
        return DEFAULT_LANGUAGE
    return wanted


def _workbook_page(state: WorkbookState, visit: Visit) -> WorkbookApp:
    app = WorkbookApp(state, link_base=page_address(visit.address))
    bar = AddressBar(state)
    bar.address_has(visit.token)
    app.children = (*app.children, bar)
    return app


class Notice(w.VBox):  # type: ignore[misc]
    """A plain message in place of the workbook, when it cannot be shown."""

    def __init__(self, text: str) -> None:
        super().__init__([stylesheet(), w.HTML(text)])
        self.add_class("workbook-app")

    def mark_ready(self) -> None:
        """Tell tests that the page is done."""
        self.add_class("workbook-ready")
