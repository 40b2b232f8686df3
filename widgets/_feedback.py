"""Shared UI concerns: a readable message for problems, and "busy" on buttons that do work."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w

log = logging.getLogger("secondopinion.widgets")

F = TypeVar("F", bound=Callable[..., Any])


class ProblemMessage(w.HTML):  # type: ignore[misc]
    """A plain message shown when something goes wrong; never a traceback."""

    def __init__(self) -> None:
        super().__init__(value="")
        self.add_class("workbook-problem")
        self.layout.display = "none"

    def show(self, error: BaseException) -> None:
        """Show a readable message for this error."""
        if isinstance(error, ValueError | KeyError | OSError) and str(error):
            text = f"That did not work: {error}"
        else:
            text = "Something went wrong and this change was not made. Please try again."
        self.value = f'<p role="alert">{html.escape(text)}</p>'
        self.layout.display = None

    def clear(self) -> None:
        """Hide the message."""
        if self.value:
            self.value = ""
            self.layout.display = "none"


def guarded(message: ProblemMessage) -> Callable[[F], F]:
    """Turn any error in a widget callback into a readable message (the detail goes to the log)."""

    def decorate(handler: F) -> F:
        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                result = handler(*args, **kwargs)
            except Exception as error:
                log.exception("A workbook change failed")
                message.show(error)
                return None
            message.clear()
            return result

        return wrapper  # type: ignore[return-value]

    return decorate


def busy_button(button: w.Button, message: ProblemMessage, work: Callable[[], object]) -> None:
    """Make a button run ``work`` on click, showing that it is busy and turning errors into text."""

    @guarded(message)
    def run() -> None:
        label = button.description
        button.disabled = True
        button.description = "Working…"
        try:
            work()
        finally:
            button.description = label
            button.disabled = False

    button.on_click(lambda _: run())
