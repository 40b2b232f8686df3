"""The store's exceptions (re-exported by ``secondopinion.store``)."""

from __future__ import annotations

BUSY_MESSAGE = (
    "The workbook database is busy (locked by another program). Nothing was lost; try again."
)


class StoreError(Exception):
    """The workbook store cannot do what was asked; the message says why in plain words."""


class NotFoundError(StoreError, LookupError):
    """There is no workbook (or no own question) with the given id."""


class StoreBusyError(StoreError):
    """The database stayed locked by another program; nothing was changed."""

    def __init__(self, message: str = BUSY_MESSAGE) -> None:
        super().__init__(message)
