"""The read-only link a person makes for their care team, and the care team's "seen" mark.

``CareTeamMethods`` is part of ``WorkbookStore``. A person may make a second link to their
workbook, for their doctor's office: it opens a read-only page of their starred questions, the
plan's "start here" and where their records stand. It has its own secret, apart from the private
link, and like it only a SHA-256 hash of that secret is stored, looked up and compared in constant
time. The person can turn it off at any time (it then opens nothing) or make a new one (the old
one stops at once). The care team can mark it seen before the visit; the person sees when.

Why a table of its own (``care_team_links``, schema version 8) rather than columns of the
workbook: a link exists or does not, so "turned off" is simply no row, and its secret's hash can
be ``UNIQUE NOT NULL`` (an ``ALTER TABLE ... ADD COLUMN`` cannot add a unique column in SQLite);
the upgrade is one ``CREATE TABLE`` that reads the same on SQLite and PostgreSQL; and the
workbook's own row, locked by every change, stays as it was. Deleting a workbook deletes its row
(``_writes.erase_workbook``); merging two keeps the kept workbook's link, since the other
workbook, and its link with it, is deleted.

Each change is logged under section 'workbook' (never the secret): field 'care_team_link'
(None or 'on' → 'made' for a new link; 'on' → 'off' when turned off), field
'care_team_shares_own_questions' (False/True), field 'care_team_seen' (when it was marked seen;
None again when a new link is made).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Final

import sqlalchemy as sa

from ._connection import StoreConnection
from ._errors import NotFoundError
from ._reads import Rows
from ._schema import care_team_links
from ._validation import check_workbook_id, hash_token, token_shape_ok
from ._writes import Tx

LINK_FIELD: Final = "care_team_link"
SHARES_FIELD: Final = "care_team_shares_own_questions"
SEEN_FIELD: Final = "care_team_seen"
"""The change-log fields (section 'workbook') of the care team's link."""

NO_LINK_MESSAGE: Final = "This workbook has no link for its care team now: it was turned off."


class CareTeamMethods(StoreConnection):
    """The part of ``WorkbookStore`` that keeps the care team's read-only link (see the module)."""

    def make_care_team_link(self, workbook_id: str, *, share_own_questions: bool = False) -> str:
        """Make a new link for the care team, and return its secret; any old one stops working.

        Only a hash of the secret is stored: show it now. ``share_own_questions`` says whether
        the page shows the person's own questions (only the starred ones). A seen mark of an
        old link is cleared: the new link has not been seen yet.
        """
        workbook_id = check_workbook_id(workbook_id)
        if not isinstance(share_own_questions, bool):
            raise TypeError("share_own_questions must be True or False.")
        token = secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        self._mutate(workbook_id, lambda tx: _make(tx, token_hash, share_own_questions))
        return token

    def turn_off_care_team_link(self, workbook_id: str) -> None:
        """Turn the care team's link off: from now on it opens nothing. Off already: no change."""
        workbook_id = check_workbook_id(workbook_id)
        self._mutate(workbook_id, _turn_off, grows=False)

    def set_care_team_shares_own_questions(self, workbook_id: str, share: bool) -> None:
        """Say whether the care team's page shows the person's own (starred) questions.

        Raises NotFoundError when the workbook has no link for its care team.
        """
        workbook_id = check_workbook_id(workbook_id)
        if not isinstance(share, bool):
            raise TypeError("share must be True or False.")
        self._mutate(workbook_id, lambda tx: _set_shares(tx, share))

    def workbook_id_for_care_team_token(self, token: str) -> str | None:
        """Return the id of the workbook this care-team secret opens (read-only), or None.

        None for an unknown, turned off, replaced, malformed or empty secret alike. The lookup is
        by a SHA-256 hash of the secret, compared in constant time. A private link's secret
        never opens the care team's page, nor the other way round.
        """
        links = care_team_links.c
        return self._workbook_id_for_secret(token, links.session_id, links.token_hash)

    def mark_seen_by_care_team(self, workbook_id: str, *, token: str | None = None) -> None:
        """Mark the care team's link seen now ("We saw this before the visit").

        With ``token`` (the care team's page passes the secret it was opened with), the mark is
        made only while that secret is still the workbook's link, checked in the same
        transaction. Raises NotFoundError when the workbook has no such link (turned off, or
        replaced by a new one).
        """
        workbook_id = check_workbook_id(workbook_id)
        wanted = None if token is None else hash_token(token) if token_shape_ok(token) else ""
        self._mutate(workbook_id, lambda tx: _mark_seen(tx, wanted))


def _key(tx: Tx) -> sa.ColumnElement[bool]:
    return care_team_links.c.session_id == tx.workbook_id


def _current(tx: Tx) -> Rows | None:
    query = sa.select(
        care_team_links.c.token_hash,
        care_team_links.c.shares_own_questions,
        care_team_links.c.seen_at,
    ).where(_key(tx))
    return tx.conn.execute(query).first()


def _make(tx: Tx, token_hash: str, share: bool) -> None:
    old = _current(tx)
    values = {"token_hash": token_hash, "shares_own_questions": share, "made_at": tx.now}
    if old is None:
        tx.conn.execute(sa.insert(care_team_links).values(session_id=tx.workbook_id, **values))
    else:
        tx.conn.execute(sa.update(care_team_links).where(_key(tx)).values(**values, seen_at=None))
    tx.log("workbook", "", LINK_FIELD, None if old is None else "on", "made")
    old_share = bool(old is not None and old.shares_own_questions)
    if old_share != share:
        tx.log("workbook", "", SHARES_FIELD, old_share, share)
    if old is not None and old.seen_at is not None:
        tx.log("workbook", "", SEEN_FIELD, old.seen_at, None)


def _turn_off(tx: Tx) -> None:
    if _current(tx) is None:
        return
    tx.conn.execute(sa.delete(care_team_links).where(_key(tx)))
    tx.log("workbook", "", LINK_FIELD, "on", "off")


def _set_shares(tx: Tx, share: bool) -> None:
    old = _current(tx)
    if old is None:
        raise NotFoundError(NO_LINK_MESSAGE)
    if bool(old.shares_own_questions) == share:
        return
    tx.conn.execute(sa.update(care_team_links).where(_key(tx)).values(shares_own_questions=share))
    tx.log("workbook", "", SHARES_FIELD, bool(old.shares_own_questions), share)


def _mark_seen(tx: Tx, wanted_hash: str | None) -> None:
    old = _current(tx)
    if old is None or (
        wanted_hash is not None and not hmac.compare_digest(str(old.token_hash), wanted_hash)
    ):
        raise NotFoundError(NO_LINK_MESSAGE)
    tx.conn.execute(sa.update(care_team_links).where(_key(tx)).values(seen_at=tx.now))
    tx.log("workbook", "", SEEN_FIELD, old.seen_at, tx.now)
