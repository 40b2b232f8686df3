"""Shared UI concerns: a readable message for problems, and "busy" on buttons that do work.

A change that finds the workbook database locked by another program is not dropped: the
message says so in plain words, and the change is tried again, a little later each time, until
it is saved (or, after half an hour, the message says it could not be).
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w

from secondopinion.language import N_, translator
from secondopinion.store import StoreBusyError, StoreError

log = logging.getLogger("secondopinion.widgets")

F = TypeVar("F", bound=Callable[..., Any])

RETRY_FIRST = 2.0
"""Seconds before a change that found the database busy is tried again."""
RETRY_LONGEST = 30.0
"""The longest wait between two tries (the wait doubles up to this)."""
RETRY_GIVE_UP = 30 * 60.0
"""Seconds after the first try when a change that keeps finding the database busy is given up."""

WAITING = N_(
    "The workbook is busy right now: another program on this computer is using it. What you "
    "just did is still on this page and will be saved as soon as the workbook is free. Please "
    "keep this page open."
)
NOT_SAVED_BUSY = N_(
    "The workbook is busy right now: another program on this computer is using it, so your "
    "last change was not saved. Please try again in a moment."
)
GAVE_UP = N_(
    "The workbook stayed busy for a long time, so your last change was not saved. Please copy "
    "what you typed somewhere safe, open your private link again and enter it again, or tell "
    "your patient navigator."
)


class ProblemMessage(w.HTML):  # type: ignore[misc]
    """A plain message shown when something goes wrong; never a traceback."""

    def __init__(self, language: str = "en") -> None:
        super().__init__(value="")
        self.language = language
        """The language of the messages (the workbook's)."""
        self.add_class("workbook-problem")
        self.layout.display = "none"
        self._waiting: set[object] = set()

    def say(self, text: str) -> None:
        """Show ``text`` (plain words, escaped here) as the message, in the workbook's language."""
        text = translator(self.language).gettext(text)
        self.value = f'<p role="alert">{html.escape(text)}</p>'
        self.layout.display = None

    def show(self, error: BaseException) -> None:
        """Show a readable message for this error."""
        _ = translator(self.language).gettext
        if isinstance(error, StoreBusyError):
            text = NOT_SAVED_BUSY
        elif isinstance(error, StoreError) and str(error):
            # The store's messages are written for people: what happened and what to do.
            text = _("This change was not saved. {reason}").format(reason=error)
        elif isinstance(error, ValueError | KeyError | OSError) and str(error):
            text = _("That did not work: {reason}").format(reason=_(str(error)))
        else:
            text = _("Something went wrong and this change was not made. Please try again.")
        self.say(text)

    def show_waiting(self, change: object) -> None:
        """Say that ``change`` waits for a busy database and will be saved when it is free."""
        self._waiting.add(change)
        self.say(WAITING)

    def done_waiting(self, change: object) -> None:
        """``change`` no longer waits: hide the message once nothing else waits either."""
        if change in self._waiting:
            self._waiting.discard(change)
            self.clear()

    @property
    def waiting(self) -> bool:
        """True while a change waits to be tried again."""
        return bool(self._waiting)

    def clear(self) -> None:
        """Hide the message (the waiting message stays until every waiting change is saved)."""
        if self._waiting:
            self.say(WAITING)
        elif self.value:
            self.value = ""
            self.layout.display = "none"


class _Retry:
    """The next try of one callback whose change found the database busy."""

    SCHEDULED, GAVE_UP, CANNOT = "scheduled", "gave up", "cannot"

    def __init__(self) -> None:
        self.handle: asyncio.TimerHandle | None = None
        self.first_failed: float | None = None
        self.delay = RETRY_FIRST

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None

    def reset(self) -> None:
        self.cancel()
        self.first_failed = None
        self.delay = RETRY_FIRST

    def schedule(self, again: Callable[[], object]) -> str:
        """Call ``again`` later on the kernel's event loop; say whether that was done."""
        now = time.monotonic()
        if self.first_failed is None:
            self.first_failed = now
        if now - self.first_failed > RETRY_GIVE_UP:
            return self.GAVE_UP
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a running kernel (a script, a unit test)
            return self.CANNOT
        self.cancel()
        self.handle = loop.call_later(self.delay, again)
        self.delay = min(self.delay * 2, RETRY_LONGEST)
        return self.SCHEDULED


def guarded(message: ProblemMessage) -> Callable[[F], F]:
    """Turn any error in a widget callback into a readable message (the detail goes to the log).

    When the database is busy (locked by another program), the callback is called again later,
    with the same arguments, until its change is saved; the message says so meanwhile. The
    callbacks of the workbook read what to save from their widgets, so a later try saves what
    is on the page then. A new call of the callback replaces a try still waiting.
    """

    def decorate(handler: F) -> F:
        retry = _Retry()

        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            retry.cancel()
            try:
                result = handler(*args, **kwargs)
            except StoreBusyError as error:
                outcome = retry.schedule(lambda: wrapper(*args, **kwargs))
                if outcome == _Retry.SCHEDULED:
                    log.warning("The workbook database is busy; the change will be tried again")
                    message.show_waiting(retry)
                    return None
                log.error("The workbook database is busy; a change was not saved")
                retry.reset()
                message.done_waiting(retry)
                if outcome == _Retry.GAVE_UP:
                    message.say(GAVE_UP)
                else:
                    message.show(error)
                return None
            except Exception as error:
                retry.reset()
                message.done_waiting(retry)
                log.exception("A workbook change failed")
                message.show(error)
                return None
            retry.reset()
            message.done_waiting(retry)
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
