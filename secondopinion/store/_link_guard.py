"""One owner at a time: a page saves only while the private link it opened with is current.

A workbook's page knows the private link it was opened with (or was given when it made a new
one). Its changes are saved inside ``only_with_link(token)``: every write of the store then checks,
in the same transaction and on the same locked row as the write, that the workbook's private link
is still that one. "Make a new private link" locks that row too, so a change is either saved
before the new link exists or refused after it, never half of each.

    >>> with only_with_link(token):  # doctest: +SKIP
    ...     store.set_answers(workbook_id, {"diagnosis_kind": "cancer"})  # LinkChangedError?
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy import Connection

from ._errors import StoreError
from ._schema import sessions
from ._validation import hash_token

LINK_CHANGED_MESSAGE = (
    "A new private link was made for this workbook on another page, so this page can no "
    "longer save."
)

_EXPECTED_HASH: ContextVar[str | None] = ContextVar("expected_link_hash", default=None)


class LinkChangedError(StoreError):
    """The page's private link is no longer the workbook's: nothing was changed."""

    def __init__(self, message: str = LINK_CHANGED_MESSAGE, *, path: str | None = None) -> None:
        super().__init__(message, path=path)


@contextmanager
def only_with_link(token: str | None) -> Iterator[None]:
    """Inside the block, a change is saved only while ``token`` is still the workbook's link.

    A change made when the link is another one raises ``LinkChangedError`` and writes
    nothing. ``None`` checks nothing (a navigator's desk, which opens workbooks without a link).
    """
    handle = _EXPECTED_HASH.set(None if token is None else hash_token(token))
    try:
        yield
    finally:
        _EXPECTED_HASH.reset(handle)


def check_link(conn: Connection, workbook_id: str) -> None:
    """Raise ``LinkChangedError`` if the workbook's link is not the one this change expects.

    Called by the store inside each write transaction, once the workbook's row is locked.
    """
    wanted = _EXPECTED_HASH.get()
    if wanted is None:
        return
    query = sa.select(sessions.c.token_hash).where(sessions.c.id == workbook_id)
    stored = conn.execute(query).scalar_one_or_none()
    if stored is None or not hmac.compare_digest(str(stored), wanted):
        raise LinkChangedError()
