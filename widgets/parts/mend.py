"""A page that lost a widget on its way has its kernel draw it again (``mend.js``).

ipywidgets draws a box only once every widget in it has reached the page. When one never does
(on a busy server, or when the connection dropped while a step was being built), it says "widget
model not found", or shows "Click to show javascript error", and leaves that part of the page
out: a step with no form, a page with no steps. The script notices, waits until nothing has come
from the kernel for ``QUIET_MS`` (so that nothing is still on its way), and writes into a hidden
box of ``Mend``; the kernel then builds the page's parts again (``WorkbookApp.redraw``), as it
does for a change of language: nothing saved or typed changes. It looks again only once the
kernel has answered and gone quiet (until then the old page is still on the screen), and asks at
most ``MOST`` times. While the kernel draws the page again, the old parts it closes give up their
failed views, and with them the loss the page already asked about: the script stamps each loss
with when the page first met it (wrapping the widget manager's ``get_model``), and does not count
one met before it asked. ``window.workbookMend.trail`` keeps what it heard and did.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from widgets.parts.scripts import javascript, script_with

LOST = ("widget model not found", "reading 'create_view'")
"""What ipywidgets says (an uncaught error) when a widget never reached the page."""

ERROR_WIDGET = "jupyter-widgets-error-widget"
"""The class of what ipywidgets draws in place of a widget it could not draw."""

QUIET_MS = 1500
"""How long nothing must have come from the kernel before the page asks."""

MOST = 3
"""The most times one page asks its kernel to draw it again."""

MEND_CLASS = "workbook-mend"


def mend_script(box_id: str) -> str:
    """The script, as JavaScript text, asking through the widget ``box_id``."""
    config = {
        "lost": list(LOST),
        "error_widget": ERROR_WIDGET,
        "quiet_ms": QUIET_MS,
        "most": MOST,
        "box": box_id,
    }
    return script_with("mend.js", config)


class Mend(w.VBox):  # type: ignore[misc]
    """The hidden box and script through which a page that lost a widget asks to be drawn again.

    ``on_lost`` is called (at most ``MOST`` times) when the page asks.
    """

    def __init__(self, on_lost: Callable[[], None]) -> None:
        self.box = w.Text(value="", disabled=True)  # written by the script, never typed in
        self.box.observe(self._asked, names="value")
        script = w.Output()
        script.outputs = javascript(mend_script(self.box.model_id))
        super().__init__([self.box, script], layout=w.Layout(display="none"))
        self.add_class(MEND_CLASS)
        self._on_lost = on_lost
        self.times = 0

    def close(self) -> None:
        """Close the box and the script with it (a page that has nothing to draw again)."""
        for part in self.children:
            part.close()
        super().close()

    def _asked(self, _change: dict[str, object]) -> None:
        if self.times >= MOST:
            return
        self.times += 1
        self._on_lost()
