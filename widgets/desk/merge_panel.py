"""At the desk: two workbooks of one person made one (``WorkbookStore.merge_workbooks``).

The navigator keeps the person chosen above and picks the other workbook here; after they
confirm, everything in the other moves into the kept one, and the other is deleted.

>>> panel = MergePanel(problem, merge=lambda other_id: "Merged.")  # doctest: +SKIP
>>> panel.set_people([("Ana — K7F-29Q", "0a1b2c3d4e5f")], keep="1a2b3c4d5e6f")  # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from widgets.parts.feedback import ProblemMessage, busy_button

RULES = (
    "<p>Did one person start two workbooks? Choose the one to keep as <em>Person</em> above, "
    "and the other one here. What only one of them has is kept. Where both have something "
    "different: a star or a tick stays, a record keeps the status furthest along, and "
    "otherwise the newer wins. What lost is added to the kept workbook's notes, so nothing "
    "typed is lost. Then the other workbook is deleted, and its private link opens "
    "nothing.</p>"
)


def _button(**options: Any) -> w.Button:
    return w.Button(layout=w.Layout(width="auto", min_width="8em"), **options)


class MergePanel(w.VBox):  # type: ignore[misc]
    """Choose another workbook, confirm, and merge it into the chosen person's.

    ``merge(other_id)`` does the merging and returns what to tell the navigator.
    """

    def __init__(self, problem: ProblemMessage, merge: Callable[[str], str]) -> None:
        self._merge = merge
        self.other = w.Dropdown(
            description="Merge in", options=[], value=None, layout=w.Layout(width="36em")
        )
        self.other.add_class("navigator-merge-other")
        self.ask = _button(description="Merge into the chosen person…")
        self.ask.add_class("navigator-merge")
        self.question = w.HTML()
        self.confirm = _button(
            description="Yes, merge them and delete the other", button_style="danger"
        )
        self.cancel = _button(description="No, keep both")
        self.confirm_box = w.VBox(
            [self.question, w.Box([self.confirm, self.cancel])],
            layout=w.Layout(display="none"),
        )
        self.said = w.HTML()
        self.said.add_class("navigator-merged")
        self._problem = problem
        self._keep_label = ""
        self.ask.on_click(lambda _: self._ask(True))
        self.cancel.on_click(lambda _: self._ask(False))
        self.other.observe(lambda _: self._ask(False), names="value")
        busy_button(self.confirm, problem, self._confirmed)
        super().__init__(
            [
                w.HTML("<h3>Two workbooks of one person</h3>" + RULES),
                w.Box([self.other, self.ask], layout=w.Layout(flex_flow="row wrap")),
                self.confirm_box,
                self.said,
            ]
        )
        self.add_class("navigator-merge-panel")

    def set_people(
        self, people: Sequence[tuple[str, str]], keep: str | None, keep_label: str = ""
    ) -> None:
        """Offer ``people`` (label, workbook id) but the kept one; keep the choice if it stays."""
        chosen = self.other.value
        options = [(label, wid) for label, wid in people if wid != keep]
        self.other.options = options
        self.other.value = chosen if chosen in {wid for _, wid in options} else None
        self._keep_label = keep_label

    def _ask(self, asking: bool) -> None:
        if asking and (not self._keep_label or self.other.value is None):
            self._problem.show(
                ValueError("Choose the person to keep above, and the other workbook here.")
            )
            return
        if asking:
            self.said.value = ""
            self.question.value = (
                f"<p>Everything in <strong>{html.escape(self.other.label)}</strong> goes into "
                f"<strong>{html.escape(self._keep_label)}</strong>. Then "
                f"{html.escape(self.other.label)} is deleted for good.</p>"
            )
        self.confirm_box.layout.display = None if asking else "none"

    def _confirmed(self) -> None:
        other = self.other.value
        if other is None:
            raise ValueError("Choose the other workbook first.")
        said = self._merge(str(other))
        self._ask(False)
        self.said.value = f'<p role="status">{html.escape(said)}</p>'
