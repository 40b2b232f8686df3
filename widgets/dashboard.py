"""What ``notebooks/dashboard.ipynb`` shows: the workbook behind a private link, or a new one."""

from __future__ import annotations

import html
import logging
import os
from urllib.parse import parse_qs

import ipywidgets as w

from secondopinion import ContentError, load_content
from secondopinion.store import StoreError, WorkbookStore
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


def dashboard(query_string: str | None = None) -> WorkbookApp | Notice:
    """Build the dashboard for this page's address (``?session=<token>`` reopens a workbook)."""
    if query_string is None:
        query_string = _page_query()
    tokens = parse_qs(query_string).get("session", [])
    try:
        store = WorkbookStore.open()
        content = load_content()
        if tokens:
            session_id = store.session_id_for_token(tokens[0])
            if session_id is None:
                return Notice(UNKNOWN_LINK)
            state = WorkbookState(store, content, session_id=session_id)
            state.token = tokens[0]
        else:
            state = WorkbookState(store, content)
    except (StoreError, ContentError) as error:
        log.exception("The dashboard could not open the workbook")
        return Notice(CANNOT_OPEN.format(reason=html.escape(str(error))))
    return WorkbookApp(state, link_base=_page_address())


class Notice(w.VBox):  # type: ignore[misc]
    """A plain message in place of the workbook, when it cannot be shown."""

    def __init__(self, text: str) -> None:
        super().__init__([stylesheet(), w.HTML(text)])
        self.add_class("workbook-app")

    def mark_ready(self) -> None:
        """Tell tests that the page is done."""
        self.add_class("workbook-ready")


def _page_query() -> str:
    from voila.utils import get_query_string

    return get_query_string() or os.environ.get("QUERY_STRING", "")


def _page_address() -> str | None:
    host = os.environ.get("SERVER_NAME")
    if not host:
        return None
    port = os.environ.get("SERVER_PORT")
    path = os.environ.get("SCRIPT_NAME", "/")
    return f"http://{host}{':' + port if port else ''}{path}"
