"""Keeps the private link in the page's address, so that reloading the page reopens the workbook.

A new workbook is stored on its first change; from then on the browser's address carries
``#workbook=<token>`` in its fragment (never sent to a server), changed in place with
``history.replaceState`` (no navigation, no reload, no request). Deleting the workbook takes the
link out of the address again.
"""

from __future__ import annotations

import json
import re
from typing import Any

import ipywidgets as w

from secondopinion.serving.visit import LINK_FRAGMENT
from widgets.parts.scripts import javascript
from widgets.workbook_state import WorkbookState

_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")

_SCRIPT = """(function () {{
  var token = {token};
  var fragment = token ? "#" + {name} + "=" + encodeURIComponent(token) : "";
  var here = window.location.pathname + window.location.search;
  window.history.replaceState(window.history.state, "", here + fragment);
}})();"""


def address_script(token: str | None) -> str:
    """The JavaScript that puts ``#workbook=<token>`` in the address (or takes it out, for None)."""
    if token is not None and not _URL_SAFE.fullmatch(token):
        raise ValueError("A private link's token must be URL-safe.")
    return _SCRIPT.format(token=json.dumps(token), name=json.dumps(LINK_FRAGMENT))


class AddressBar(w.Output):  # type: ignore[misc]
    """An invisible output that follows ``state.token`` into the browser's address bar."""

    def __init__(self, state: WorkbookState) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class("workbook-address-bar")
        # A reopened workbook's token is in the address already.
        self._in_address = state.token
        self._state = state
        state.observe(self._follow, names="token")

    def address_has(self, token: str | None) -> None:
        """The page was loaded with this token in its address (None: none); make it the state's.

        A private link that opens a new workbook instead (see ``widgets.dashboard``) leaves
        the address without it, so that a reload does not open that link again.
        """
        self._in_address = token
        self._follow({"new": self._state.token})

    def _follow(self, change: dict[str, Any]) -> None:
        token = change["new"]
        if token == self._in_address:
            return
        self._in_address = token
        self.outputs = javascript(address_script(token))
