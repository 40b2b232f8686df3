"""The hidden part of a new page that tells its kernel about the visit, once, over the widgets.

The private link's secret is in the address's fragment (``#workbook=<token>``), which browsers
never send to a server, so only the page itself can read it. ``VisitChannel`` runs a small script
(``visit.js``) that reads it, with the browser's languages and the page's own address, and puts
them as JSON in a hidden text box; the kernel hears the change like any typed text, and calls
``on_visit`` with what came (``secondopinion.serving.visit.read_visit``), once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from secondopinion.serving.visit import LINK_FRAGMENT, Visit, read_visit

VISIT_CLASS = "workbook-visit"
"""The hidden box the page's script writes the visit into."""

OPENING = "Opening your workbook…"
OPENING_ES = "Abriendo su cuaderno…"
"""What the page says while its kernel builds it: in the browser's language (set by the script)."""

_SCRIPT_FILE = Path(__file__).with_name("visit.js")


@functools.cache
def _script_text() -> str:
    return _SCRIPT_FILE.read_text(encoding="utf-8")


def visit_script() -> str:
    """The page's visit script, as JavaScript text."""
    config = {"fragment": LINK_FRAGMENT, "opening_es": OPENING_ES}
    return f"{_script_text()}({json.dumps(config)});"


class VisitChannel(w.HBox):  # type: ignore[misc]
    """The hidden box and script through which the page says who is visiting, once."""

    def __init__(self, on_visit: Callable[[Visit], None]) -> None:
        self.box = w.Text(value="", continuous_update=True)
        self.box.add_class(VISIT_CLASS)
        self.script = script = w.Output()
        script.outputs = (
            {
                "output_type": "display_data",
                "data": {"application/javascript": visit_script()},
                "metadata": {},
            },
        )
        super().__init__([self.box, script], layout=w.Layout(display="none"))
        self._on_visit = on_visit
        self._heard = False
        self.box.observe(self._heard_from_page, names="value")

    def close(self) -> None:
        """Close the box and the script with the channel (once the page is built)."""
        self.box.close()
        self.script.close()
        super().close()

    def _heard_from_page(self, change: dict[str, object]) -> None:
        if self._heard:
            return
        visit = read_visit(str(change["new"]))
        if visit is None:
            return
        self._heard = True
        self.box.unobserve(self._heard_from_page, names="value")
        self._on_visit(visit)
