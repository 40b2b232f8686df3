"""Shared UI concerns: a message for problems, "busy" on buttons that work, the save status.

A change that finds the workbook database locked by another program is not dropped: the
message says so in plain words, and the change is tried again, a little later each time, until
it is saved (or, after half an hour, the message says it could not be).
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w

from secondopinion.language import DEFAULT_LANGUAGE, N_, translator
from secondopinion.store import StoreBusyError, StoreError
from widgets.workbook_state import ENDED, GONE, WorkbookState

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


STORE_MESSAGES = (
    # secondopinion.store: BUSY_MESSAGE, CORRUPT_MESSAGE, TOO_MANY_CHANGES_MESSAGE, and _db.py's
    N_("The workbook database is busy (locked by another program). Nothing was lost; try again."),
    N_(
        "The workbook database file is damaged or is not a workbook database, so it cannot be "
        "opened. It has been left exactly as it is: restore it from a backup, or move it away to "
        "start a new, empty one."
    ),
    N_(
        "Too many changes were made to this workbook in the last minute, so this one was not "
        "saved. Please wait a minute, then try again."
    ),
    N_(
        "The workbook database server cannot be reached just now (it may be restarting). What was "
        "saved before is safe; try again in a moment."
    ),
    N_("The disk is full, so the workbook database could not be saved to."),
    N_("The workbook database is read-only, so nothing was saved."),
    N_("The workbook database cannot be opened."),
    N_("The disk reported an error while the workbook database was in use."),
    N_("The workbook database could not be used."),
    N_("This workbook store has been closed; open it again."),
    N_("There is no workbook database yet: nothing has been saved."),
    # secondopinion.store: TOO_MANY_NEW_WORKBOOKS_MESSAGE, STORE_FULL_MESSAGE
    N_(
        "Too many new workbooks were started from your internet connection in the last hour, so a "
        "new one could not be started and what you just did was not saved. Please try again later, "
        "or ask your patient navigator to start one for you."
    ),
    N_(
        "The workbook storage is full, so what you just did was not saved. What was saved before "
        "is safe. Please tell your patient navigator."
    ),
    # secondopinion.documents.downloads.NOT_MADE
    N_(
        "Your files could not be made just now. Your answers are saved. "
        "Please open this step again in a moment."
    ),
)
"""The store's own plain messages, word for word, so that the page can show them translated.

The store keeps its English (logs, the command line); the page looks its message up here
(``plain``). tests/test_translations.py checks that these are still the store's words.
"""

STORE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r".+ is too long to save \((?P<count>[\d,]+) characters; the most is "
            r"(?P<most>[\d,]+)\)\."
        ),
        N_("This text is too long to save ({count} characters; the most is {most})."),
    ),
    (
        re.compile(r"This workbook already has (?P<most>\d+) questions of your own, .+"),
        N_(
            "This workbook already has {most} questions of your own, the most it can hold. "
            "Delete one you no longer need to add another."
        ),
    ),
    (
        re.compile(r"There is no workbook with the id .+\."),
        N_("This workbook could not be found. It may have been deleted."),
    ),
    (
        re.compile(r"This workbook has no (own question|question|record|comparison) .+\."),
        N_("This part of the workbook could not be found. Please reload the page."),
    ),
    (
        re.compile(r"The workbook database was written by a newer version of this program.+"),
        N_(
            "The workbook database was written by a newer version of this program. Please tell "
            "your patient navigator."
        ),
    ),
)
"""The store's messages that name a number or an id, and their words for the page."""


def plain(message: str, language: str = DEFAULT_LANGUAGE) -> str:
    """``message`` (the store's English, or words marked for translation) in ``language``.

    '' when ``language`` has no words for it: the caller then says something general rather
    than show English in a page in another language.

    >>> plain("The workbook database cannot be opened.", "es")
    'No se puede abrir la base de datos del cuaderno.'
    >>> plain("No words for this one.", "es")
    ''
    """
    message = message.strip()
    if not message or language == DEFAULT_LANGUAGE:
        return message
    _ = translator(language).gettext
    said = _(message)
    if said != message:
        return said
    for pattern, words in STORE_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return _(words).format(**found.groupdict())
    return ""


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
        # The store's messages are written for people: what happened and what to do.
        reason = plain(str(error), self.language)
        if isinstance(error, StoreBusyError):
            text = NOT_SAVED_BUSY
        elif isinstance(error, StoreError) and str(error):
            text = _("This change was not saved. {reason}").format(reason=reason).strip()
        elif isinstance(error, ValueError | KeyError | OSError) and reason:
            text = _("That did not work: {reason}").format(reason=reason)
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


class SaveStatus(w.HTML):  # type: ignore[misc]
    """The kernel's word on saving: nothing yet, Saving…, Saved, or not saved and why.

    Its element carries ``data-save`` (``saving``, ``saved`` or ``failed``), in the
    ``workbook-saved`` hook. "Saved" is said only once the store has confirmed the last change.
    The page's script (``page_script.js``) shows these words in the status bar at the top of
    the screen, and says itself what the kernel cannot: no connection, the workbook stopped.
    """

    def __init__(self, state: WorkbookState) -> None:
        super().__init__(value="")
        self.add_class("workbook-saved")
        self.state = state
        self.follow()

    def follow(self) -> None:
        """Say what the workbook's state says now, in its language."""
        state = self.state
        _ = state.tr.gettext
        if state.gone:
            self.value = (
                '<p role="alert" class="workbook-save-failed workbook-gone" data-save="failed">'
                + html.escape(_(GONE))
                + "</p>"
            )
        elif state.ended:
            self.value = (
                '<p role="alert" class="workbook-save-failed workbook-ended" data-save="failed">'
                + html.escape(_(ENDED))
                + "</p>"
            )
        elif state.last_failed is not None:
            why = plain(state.failed_message, state.language)
            self.value = (
                '<p role="status" class="workbook-save-failed" data-save="failed">'
                + _("A change you made is not stored yet. It stays on this page until it is.")
                + f" {html.escape(why)}</p>"
            )
        elif state.typing:
            self.value = '<p role="status" data-save="saving">' + _("Saving…") + "</p>"
        elif state.last_saved is not None:
            self.value = (
                '<p role="status" data-save="saved">' + _("Saved. All changes saved.") + "</p>"
            )
        else:
            self.value = ""


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
        button.description = translator(message.language).gettext("Working…")
        try:
            work()
        finally:
            button.description = label
            button.disabled = False

    button.on_click(lambda _: run())
