"""The hidden part of a new page that tells its kernel about the visit, once, over the widgets.

The private link's secret is in the address's fragment (``#workbook=<token>``; the care team's
read-only link's in ``#care-team=<token>``), which browsers never send to a server, so only the
page itself can read it. ``VisitChannel`` runs a small script (``visit.js``) that reads it, with
the browser's languages and the page's own address, and puts them as JSON in a hidden text box;
the kernel hears the change like any typed text, and calls ``on_visit`` with what came
(``secondopinion.serving.visit.read_visit``), once.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from secondopinion.serving.visit import CARE_TEAM_FRAGMENT, LINK_FRAGMENT, Visit, read_visit
from widgets.parts.scripts import javascript, script_with

VISIT_CLASS = "workbook-visit"
"""The hidden box the page's script writes the visit into."""

OPENING = "Opening your workbook…"
OPENING_ES = "Abriendo su cuaderno…"
"""What the page says while its kernel builds it: in the browser's language (set by the script)."""

RELOAD_AFTER_MS = 20_000
"""A page not open this long after its visit loads once more (twice at most; 2.5 times as long
when its kernel said it heard the visit and is building the page)."""

BOXES = 4
"""Hidden boxes the page may write its visit into, one try after another (see VisitChannel)."""


def visit_script() -> str:
    """The page's visit script, as JavaScript text."""
    config = {
        "fragment": LINK_FRAGMENT,
        "care_team_fragment": CARE_TEAM_FRAGMENT,
        "opening_es": OPENING_ES,
        "reload_key": "workbook-opening-reloads",
        "reload_after_ms": RELOAD_AFTER_MS,
    }
    return script_with("visit.js", config)


class VisitChannel(w.HBox):  # type: ignore[misc]
    """The hidden box and script through which the page says who is visiting, once."""

    def __init__(self, on_visit: Callable[[Visit], None]) -> None:
        # A widget's value goes to the kernel one message at a time: until the kernel has
        # answered the first, later values wait in the page. If that first message is lost (a
        # page's very first message, sent as its kernel connection settles, sometimes is), the
        # box is stuck. So the page writes each new try into the next box (visit.js).
        self.boxes = [w.Text(value="", continuous_update=True) for _ in range(BOXES)]
        for box in self.boxes:
            box.add_class(VISIT_CLASS)
            box.observe(self._heard_from_page, names="value")
        self.script = script = w.Output()
        script.outputs = javascript(visit_script())
        super().__init__([*self.boxes, script], layout=w.Layout(display="none"))
        self._on_visit = on_visit
        self._heard = False

    @property
    def box(self) -> w.Text:
        """The first box (tests write the visit there, as a page's first try would)."""
        return self.boxes[0]

    def close(self) -> None:
        """Close the box and the script with the channel (once the page is built)."""
        for box in self.boxes:
            box.close()
        self.script.close()
        super().close()

    def _heard_from_page(self, change: dict[str, object]) -> None:
        if self._heard:
            return
        visit = read_visit(str(change["new"]))
        if visit is None:
            return
        self._heard = True
        for box in self.boxes:
            box.unobserve(self._heard_from_page, names="value")
        self._on_visit(visit)
