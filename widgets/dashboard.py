"""What ``notebooks/dashboard.ipynb`` shows: the workbook behind a private link, or a new one.

The dashboard may run in one of Voilà's pre-heated kernels (``preheat_kernel``, see
``secondopinion.serving``): a kernel started, and this notebook run in it, before anyone visits.
Then everything that does not depend on the visit is done before the kernel waits for its
visit: importing the views, loading the content, and building the page of a new workbook. When
someone comes, the store is opened (and checked) then; a visit without a private link gets the
page already built, and a private link gets its own workbook's page, built then.
"""

from __future__ import annotations

import html
import logging
import os
from typing import cast
from urllib.parse import parse_qs

import ipywidgets as w

from secondopinion import Content, ContentError, load_content
from secondopinion.content.vocabulary import RECORD_NEEDED
from secondopinion.language import DEFAULT_LANGUAGE, LANGUAGES, preferred_language
from secondopinion.serving.visit import (
    keep_every_message,
    page_address,
    page_query,
    waits_for_visit,
)
from secondopinion.store import StoreError, Workbook, WorkbookStore
from widgets.app import WorkbookApp
from widgets.parts.address_bar import AddressBar
from widgets.parts.style import stylesheet
from widgets.session_state import WorkbookState

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
NO_ADDRESS = "The page did not get its own address from the server. Please load it again."


def dashboard(query_string: str | None = None) -> WorkbookApp | Notice:
    """Build the dashboard for this page's address (``?session=<token>`` reopens a workbook).

    In a pre-heated kernel this loads the content and builds a new workbook's page, then waits
    for the visit; the page is kept for a new visit and closed for a private link.
    """
    keep_every_message()
    content: Content | ContentError
    try:
        content = load_content()
    except ContentError as error:
        content = error
    early = None
    if query_string is None:
        early = _build_before_visit(content)
        query_string = page_query()
    page = _page(content, query_string, early)
    if early is not None and page is not early.app:
        early.close()
    return page


def _page(
    content: Content | ContentError, query_string: str | None, early: _EarlyPage | None
) -> WorkbookApp | Notice:
    if query_string is None:
        return Notice(CANNOT_OPEN.format(reason=NO_ADDRESS))
    tokens = parse_qs(query_string).get("session", [])
    try:
        if isinstance(content, ContentError):
            raise content
        store = WorkbookStore.open()
        language = None
        in_address = tokens[0] if tokens else None
        if tokens:
            session_id = store.workbook_id_for_token(tokens[0])
            if session_id is None:
                return Notice(UNKNOWN_LINK)
            workbook = store.load(session_id)
            if not opens_as_shared(workbook):
                # Nothing in it, started on the dashboard: maybe a stranger's, sent to catch
                # what this person types. They get a new workbook of their own instead.
                language = workbook.summary.language
                tokens = []
        if tokens:
            state = WorkbookState(store, content, session_id=session_id)
            state.token = tokens[0]
        elif early is not None:
            app = early.open(store, link_base=page_address())
            early.state.set_language(language or _visit_language(query_string))
            early.address_bar.address_has(in_address)
            return app
        else:
            language = language or _visit_language(query_string)
            state = WorkbookState(store, content, language=language)
    except (StoreError, ContentError) as error:
        log.exception("The dashboard could not open the workbook")
        return Notice(CANNOT_OPEN.format(reason=html.escape(str(error))))
    return _workbook_page(state, link_base=page_address(), in_address=in_address)


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


def _visit_language(query_string: str) -> str:
    """A new workbook's language: ``?lang=es`` if given, else the browser's preferred one.

    Voilà hands the kernel the visit's ``Accept-Language`` header as ``HTTP_ACCEPT_LANGUAGE``
    (``secondopinion.serving`` asks it to); a workbook reopened by its link keeps its own.
    """
    asked = parse_qs(query_string).get("lang", [])
    if asked and asked[0] in LANGUAGES:
        wanted = asked[0]
    else:
        wanted = preferred_language(os.environ.get("HTTP_ACCEPT_LANGUAGE"))
    try:
        load_content(language=wanted)
    except ContentError:  # a translation not finished: the workbook opens in English
        log.exception("The content in %r does not load; the page opens in English", wanted)
        return DEFAULT_LANGUAGE
    return wanted


def _workbook_page(
    state: WorkbookState, *, link_base: str | None, in_address: str | None = None
) -> WorkbookApp:
    app = WorkbookApp(state, link_base=link_base)
    bar = AddressBar(state)
    bar.address_has(in_address)
    app.children = (*app.children, bar)
    return app


class _NoStoreYet:
    """Stands for the store in a page built before the visit; the store opens with the visit."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError("The store is opened when someone visits the page, not before.")


class _EarlyPage:
    """A new workbook's page, built in a pre-heated kernel before anyone visits.

    A new workbook touches the store only on its first change, so the page can be built
    without one; the store itself is opened (and checked) when the visit comes.
    """

    def __init__(self, content: Content) -> None:
        self.state = WorkbookState(cast(WorkbookStore, _NoStoreYet()), content)
        self.app = WorkbookApp(self.state, link_base=None)
        self.address_bar = AddressBar(self.state)
        self.app.children = (*self.app.children, self.address_bar)

    def open(self, store: WorkbookStore, *, link_base: str | None) -> WorkbookApp:
        """The page, now with its store and its address, for a visit without a private link."""
        self.state.store = store
        self.app.export_panel.link_base = link_base
        return self.app

    def close(self) -> None:
        """Close every widget of the page (a private link or a problem shows another page)."""
        for widget in _widgets_in(self.app):
            widget.close()


def _widgets_in(root: w.Widget) -> list[w.Widget]:
    """``root`` and every widget it holds (children, layouts, styles...), each once."""
    found: dict[int, w.Widget] = {}
    waiting = [root]
    while waiting:
        widget = waiting.pop()
        if id(widget) in found:
            continue
        found[id(widget)] = widget
        for name in widget.keys:
            value = getattr(widget, name, None)
            values = value if isinstance(value, list | tuple) else (value,)
            waiting.extend(v for v in values if isinstance(v, w.Widget))
    return list(found.values())


def _build_before_visit(content: Content | ContentError) -> _EarlyPage | None:
    if not waits_for_visit():
        return None
    if isinstance(content, ContentError):
        return None
    try:
        return _EarlyPage(content)
    except Exception:  # the page is built again after the visit, the usual way
        log.exception("The page could not be built before the visit")
        return None


class Notice(w.VBox):  # type: ignore[misc]
    """A plain message in place of the workbook, when it cannot be shown."""

    def __init__(self, text: str) -> None:
        super().__init__([stylesheet(), w.HTML(text)])
        self.add_class("workbook-app")

    def mark_ready(self) -> None:
        """Tell tests that the page is done."""
        self.add_class("workbook-ready")
