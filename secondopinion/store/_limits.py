"""How much the store takes before it says no, and its hourly upkeep.

Anyone who can open the dashboard can start workbooks, so without bounds a script could fill the
disk (each workbook holds up to a few MB, and there was no limit on how many). Two bounds:

- **New workbooks per network address per hour** (``SECOND_OPINION_NEW_WORKBOOKS_PER_HOUR``,
  default ``NEW_WORKBOOKS_PER_HOUR``). Counted in the database (``new_workbooks``), so every
  kernel and server sharing it counts together, and checked and taken in the same transaction
  as the new workbook. An IPv6 address counts with its whole /64 network (one home or phone has
  a whole /64 to pick from). The address is kept only as a keyed hash (the key is random, in
  ``store_upkeep``), and only for an hour. Workbooks started without an address (at the
  navigators' desk, from the command line) are not counted.
- **Total size** (``SECOND_OPINION_MAX_STORE_MB``, default ``MAX_STORE_MB``). No new workbook
  is started once the database holds that much; changes to workbooks already started go on
  until it holds ``CHANGES_RESERVE`` more, so that people already writing are the last to be
  turned away. Deleting is never refused.

Each refusal is a plain message for the person (``TooManyNewWorkbooksError``,
``StoreFullError``) and a warning in the host's log (``secondopinion.store``), at most one a
minute of each kind per process, with how many were refused since the last one.

Upkeep (``WorkbookStore.upkeep``) runs at most once an hour per database, started by whichever
new workbook finds it due: workbooks started on the dashboard and never written in are removed
after ``UNUSED_AFTER``, and the SQLite write-ahead log is emptied of anything deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
from sqlalchemy import Connection

from secondopinion import settings

from ._schema import ADDRESS_KEY, UPKEEP_AT, new_workbooks, sessions, store_upkeep
from ._writes import Tx, erase_workbook, lock_workbook

ENV_NEW_WORKBOOKS_PER_HOUR: Final = settings.NEW_WORKBOOKS_PER_HOUR.name
ENV_MAX_STORE_MB: Final = settings.MAX_STORE_MB.name

NEW_WORKBOOKS_PER_HOUR: Final = 30
"""New workbooks one network address may start in an hour. A clinic's waiting room behind one
address starts one per person: 30 an hour is more than one front desk sees."""

MAX_STORE_MB: Final = 4096
"""The most the workbook database may hold, in MB (a workbook a person filled in is tens of KB;
the most one workbook can hold is a few MB)."""

CHANGES_RESERVE: Final = 0.10
"""How much more than ``MAX_STORE_MB`` changes to workbooks already started may still fill."""

SIZE_CHECK_SECONDS: Final = 5.0
"""How long a store trusts its last measure of the database's size for a change, while that
measure was under half the limit (a new workbook, or a change to a fuller store, measures
again each time)."""

UNUSED_AFTER: Final = timedelta(days=1)
"""A workbook started on the dashboard and never written in is removed after this long."""

UPKEEP_EVERY: Final = timedelta(hours=1)
"""How often the upkeep runs, at most, per database."""

LOG_EVERY_SECONDS: Final = 60.0
"""The most often one kind of refusal is written to the host's log, per process."""

UPKEEP_ACTOR: Final = "upkeep: never written in for a day"
"""Who the change log says removed a workbook that was never written in."""

log = logging.getLogger("secondopinion.store")


def new_workbooks_per_hour() -> int:
    """``$SECOND_OPINION_NEW_WORKBOOKS_PER_HOUR``, else ``NEW_WORKBOOKS_PER_HOUR``."""
    return settings.positive_number(settings.NEW_WORKBOOKS_PER_HOUR, NEW_WORKBOOKS_PER_HOUR)


def max_store_bytes() -> int:
    """``$SECOND_OPINION_MAX_STORE_MB`` (else ``MAX_STORE_MB``), in bytes."""
    return settings.positive_number(settings.MAX_STORE_MB, MAX_STORE_MB) * 2**20


VISITOR_ENV: Final = settings.VISITOR.name
"""Where a dashboard kernel finds the address of the visit it serves: the server puts it in the
visit's environment, as it reads it (behind a trusted proxy, from the proxy's header)."""


def visit_address() -> str | None:
    """The network address of the visit this kernel serves (``$SECOND_OPINION_VISITOR``).

    None outside a dashboard visit (the navigators' desk, the command line): then a new
    workbook is not counted against any address.
    """
    return settings.text(settings.VISITOR)


def network_of(address: str) -> str:
    """What one visitor counts as: the address itself, or the /64 network of an IPv6 address."""
    text = address.strip()
    try:
        parsed = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text.lower()
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def address_key(key: str, address: str) -> str:
    """The keyed hash that stands for a visitor's network in ``new_workbooks``."""
    return hmac.new(
        key.encode("ascii"), network_of(address).encode("utf-8", "replace"), hashlib.sha256
    ).hexdigest()


def store_bytes(conn: Connection) -> int | None:
    """How much the database holds, in bytes (None for a kind of database not measured).

    SQLite: the pages in use (free pages, which new rows reuse first, are not counted).
    PostgreSQL: ``pg_database_size`` of the store's database.
    """
    name = conn.dialect.name
    if name == "sqlite":
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        return (int(pages) - int(free)) * int(size)
    if name == "postgresql":
        found = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
        return int(found)
    return None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def upkeep_rows(conn: Connection) -> dict[str, str]:
    """The rows of ``store_upkeep``, locked until the transaction ends.

    So one new workbook is started at a time, and the count of an address is checked and taken
    at once, on every kind of database.
    """
    rows = conn.execute(
        sa.select(store_upkeep.c.name, store_upkeep.c.value).with_for_update()
    ).all()
    found = {str(name): str(value) for name, value in rows}
    if ADDRESS_KEY not in found:  # only if removed by hand: a new key
        import secrets

        found[ADDRESS_KEY] = secrets.token_hex(32)
        conn.execute(sa.insert(store_upkeep).values(name=ADDRESS_KEY, value=found[ADDRESS_KEY]))
    return found


def take_new_workbook(
    conn: Connection, rows: dict[str, str], address: str, per_hour: int, now: str
) -> bool:
    """Count a new workbook against ``address``; False (nothing written) if it is over."""
    cutoff = _iso(datetime.fromisoformat(now) - timedelta(hours=1))
    conn.execute(sa.delete(new_workbooks).where(new_workbooks.c.at < cutoff))
    key = address_key(rows[ADDRESS_KEY], address)
    started = conn.execute(
        sa.select(sa.func.count()).where(
            new_workbooks.c.address_key == key, new_workbooks.c.at >= cutoff
        )
    ).scalar_one()
    if int(started) >= per_hour:
        return False
    conn.execute(sa.insert(new_workbooks).values(address_key=key, at=now))
    return True


def claim_upkeep(conn: Connection, rows: dict[str, str], now: str) -> bool:
    """True (and the time written) if the upkeep is due: this caller runs it, no other."""
    last = rows.get(UPKEEP_AT, "")
    if last:
        try:
            if datetime.fromisoformat(now) - datetime.fromisoformat(last) < UPKEEP_EVERY:
                return False
        except ValueError:
            pass  # not a time: run it, and write one
    if UPKEEP_AT in rows:
        conn.execute(
            sa.update(store_upkeep).where(store_upkeep.c.name == UPKEEP_AT).values(value=now)
        )
    else:
        conn.execute(sa.insert(store_upkeep).values(name=UPKEEP_AT, value=now))
    return True


def remove_unused(conn: Connection, cutoff: str, now: str, most: int) -> list[str]:
    """Erase up to ``most`` dashboard workbooks never written in, started before ``cutoff``.

    See ``WorkbookStore.remove_unused_workbooks``; returns their ids.
    """
    found = conn.execute(
        sa.select(sessions.c.id)
        .where(
            sessions.c.created_by == "patient",
            sessions.c.updated_at == sessions.c.created_at,
            sessions.c.created_at < cutoff,
        )
        .order_by(sessions.c.created_at)
        .limit(most)
    ).scalars()
    gone = []
    for workbook_id in [str(i) for i in found]:
        if lock_workbook(conn, workbook_id):
            erase_workbook(Tx(conn, workbook_id, now, UPKEEP_ACTOR, 0))
            gone.append(workbook_id)
    return gone


class HostNotices:
    """Warnings for the host's log, at most one a minute of each kind (with how many since)."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._unsaid: dict[str, int] = {}
        self._lock = threading.Lock()

    def warn(self, kind: str, message: str, *args: object) -> None:
        """Log ``message % args`` unless a ``kind`` warning was logged in the last minute."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < LOG_EVERY_SECONDS:
                self._unsaid[kind] = self._unsaid.get(kind, 0) + 1
                return
            self._last[kind] = now
            unsaid = self._unsaid.pop(kind, 0)
        if unsaid:
            message += " (%d more refused like this since the last such line)"
            args = (*args, unsaid)
        log.warning(message, *args)


NOTICES: Final = HostNotices()
"""The warnings of every store in this process."""
