"""The store's exceptions (re-exported by ``secondopinion.store``).

The text of a ``StoreError`` (``str(error)``) is written for the person at the screen, who may be
a patient: plain words about what happened and what to do, and never where the database is on the
server. Where it is (``error.path``) and what the database itself reported (``error.detail``) are
kept on the error for navigators and logs: ``error.full_message()`` gives all three, and both are
added as notes, so a logged traceback shows them too.
"""

from __future__ import annotations

BUSY_MESSAGE = (
    "The workbook database is busy (locked by another program). Nothing was lost; try again."
)


CORRUPT_MESSAGE = (
    "The workbook database file is damaged or is not a workbook database, so it cannot be "
    "opened. It has been left exactly as it is: restore it from a backup, or move it away to "
    "start a new, empty one."
)
"""The message for a database file that is damaged or is not a database at all."""


class StoreError(Exception):
    """The workbook store cannot do what was asked; the message says why in plain words.

    Attributes:
        path: the database file, or the server's URL without its password, when known. Not part
            of the message: show it only to navigators, or write it to a log.
        detail: what the database or the system reported, when that is useful to a navigator.

    """

    def __init__(self, message: str, *, path: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.detail = detail
        if path:
            self.add_note(f"Workbook database: {path}")
        if detail:
            self.add_note(f"Detail: {detail}")

    def full_message(self) -> str:
        """The message with where the database is and the detail: for navigators and logs only."""
        text = str(self)
        if self.path:
            text += f"\nWorkbook database: {self.path}"
        if self.detail:
            text += f"\nDetail: {self.detail}"
        return text


class NotFoundError(StoreError, LookupError):
    """There is no workbook (or no own question) with the given id."""


class StoreBusyError(StoreError):
    """The database stayed locked by another program; nothing was changed."""

    def __init__(self, message: str = BUSY_MESSAGE, *, path: str | None = None) -> None:
        super().__init__(message, path=path)


TOO_MANY_CHANGES_MESSAGE = (
    "Too many changes were made to this workbook in the last minute, so this one was not "
    "saved. Please wait a minute, then try again."
)


class TooManyChangesError(StoreError):
    """One workbook took more saves in a minute than a person makes; nothing was changed."""

    def __init__(self, message: str = TOO_MANY_CHANGES_MESSAGE, *, path: str | None = None) -> None:
        super().__init__(message, path=path)


TOO_MANY_NEW_WORKBOOKS_MESSAGE = (
    "Too many new workbooks were started from your internet connection in the last hour, so a "
    "new one could not be started and what you just did was not saved. Please try again later, "
    "or ask your patient navigator to start one for you."
)


class TooManyNewWorkbooksError(StoreError):
    """One network address started more new workbooks in the last hour than the limit."""

    def __init__(
        self, message: str = TOO_MANY_NEW_WORKBOOKS_MESSAGE, *, path: str | None = None
    ) -> None:
        super().__init__(message, path=path)


STORE_FULL_MESSAGE = (
    "The workbook storage is full, so what you just did was not saved. What was saved before "
    "is safe. Please tell your patient navigator."
)


class StoreFullError(StoreError):
    """The store holds as much as it is allowed to; nothing was changed."""

    def __init__(self, message: str = STORE_FULL_MESSAGE, *, path: str | None = None) -> None:
        super().__init__(message, path=path)
