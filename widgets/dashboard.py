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
import json
import logging
import os
from typing import cast
from urllib.parse import parse_qs

import ipywidgets as w
from ipywidgets.widgets.widget import _instances

from secondopinion import Content, ContentError, load_content
from secondopinion.store import StoreError, WorkbookStore
from widgets._address_bar import AddressBar
from widgets._style import stylesheet
from widgets.app import WorkbookApp
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

_visit: dict[str, str] | None = None
"""What Voilà told this pre-heated kernel about its visit, once it has."""


def dashboard(query_string: str | None = None) -> WorkbookApp | Notice:
    """Build the dashboard for this page's address (``?session=<token>`` reopens a workbook).

    In a pre-heated kernel this loads the content and builds a new workbook's page, then waits
    for the visit; the page is kept for a new visit and closed for a private link.
    """
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
        if tokens:
            session_id = store.session_id_for_token(tokens[0])
            if session_id is None:
                return Notice(UNKNOWN_LINK)
            state = WorkbookState(store, content, session_id=session_id)
            state.token = tokens[0]
        elif early is not None:
            return early.open(store, link_base=_page_address())
        else:
            state = WorkbookState(store, content)
    except (StoreError, ContentError) as error:
        log.exception("The dashboard could not open the workbook")
        return Notice(CANNOT_OPEN.format(reason=html.escape(str(error))))
    return _workbook_page(state, link_base=_page_address())


def _workbook_page(state: WorkbookState, *, link_base: str | None) -> WorkbookApp:
    app = WorkbookApp(state, link_base=link_base)
    app.children = (*app.children, AddressBar(state))
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
        before = set(_instances)
        try:
            self.state = WorkbookState(cast(WorkbookStore, _NoStoreYet()), content)
            self.app = _workbook_page(self.state, link_base=None)
        finally:
            self._widgets = [_instances[key] for key in set(_instances) - before]

    def open(self, store: WorkbookStore, *, link_base: str | None) -> WorkbookApp:
        """The page, now with its store and its address, for a visit without a private link."""
        self.state.store = store
        self.app.export_panel.link_base = link_base
        return self.app

    def close(self) -> None:
        """Close every widget of the page (a private link or a problem shows another page)."""
        for widget in self._widgets:
            widget.close()


def _build_before_visit(content: Content | ContentError) -> _EarlyPage | None:
    if os.environ.get("VOILA_PREHEAT") != "True" or _visit is not None:
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


def page_query() -> str | None:
    """The query string of the page this kernel serves ("" for none), or None if it is unknown.

    Voilà starts a kernel for each visit with the visit's ``QUERY_STRING``, ``SERVER_NAME`` and
    so on in its environment. A pre-heated kernel (``VOILA_PREHEAT=True``) has no visit yet: it
    waits here until Voilà hands it one, and then has the same variables.
    """
    global _visit
    if os.environ.get("VOILA_PREHEAT") == "True" and _visit is None:
        visit = _wait_for_visit()
        if visit is None:
            return None
        os.environ.update(visit)
        _visit = visit
    return os.environ.get("QUERY_STRING", "")


def _wait_for_visit() -> dict[str, str] | None:
    # The same exchange as voila.utils.wait_for_request, without importing Voilà's server into
    # the kernel (that import alone takes 1.8 s and 50 MB): Voilà sends the visit's details
    # over a websocket named after the kernel, once the kernel is given to a visit.
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    env = os.environ.get
    host = env("VOILA_APP_IP", "127.0.0.1")
    if ":" in host:
        host = f"[{host}]"
    base = env("VOILA_WS_BASE_URL", env("VOILA_SERVER_URL", "/"))
    url = (
        f"{env('VOILA_WS_PROTOCOL', 'ws')}://{host}:{env('VOILA_APP_PORT', '8866')}"
        f"{base}voila/query/{env('VOILA_KERNEL_ID', '')}"
    )
    try:
        with connect(url, open_timeout=10, max_size=2**16) as socket:
            message = socket.recv()
        visit = json.loads(message)
        return {str(key): str(value) for key, value in visit.items()}
    except (OSError, WebSocketException, ValueError, AttributeError):
        log.exception("This pre-heated kernel was not told which page it serves")
        return None


def _page_address() -> str | None:
    """The address people open the page at: ``$SECOND_OPINION_PUBLIC_URL`` behind a proxy or hub."""
    public = os.environ.get("SECOND_OPINION_PUBLIC_URL", "").strip()
    if public:
        return public
    host = os.environ.get("SERVER_NAME")
    if not host:
        return None
    port = os.environ.get("SERVER_PORT")
    path = os.environ.get("SCRIPT_NAME", "/")
    return f"http://{host}{':' + port if port else ''}{path}"
