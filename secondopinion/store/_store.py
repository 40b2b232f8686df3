"""``WorkbookStore``: the one way in to the saved workbooks, for every part of the program.

Each method checks what it is given (``_validation``), then runs one short transaction
(``_connection``): reads through ``_reads``, writes through ``_writes`` on the workbook's locked
row. Locks, retries and the translation of database errors into plain ``StoreError`` messages
are in ``_db``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from secondopinion.content.vocabulary import DECISION_DATE_FIELD, RECORD_NEEDED

from . import _db as db
from . import _limits as limits
from . import _reads as reads
from . import _writes as writes
from ._care_team import CareTeamMethods
from ._errors import NotFoundError, StoreError, TooManyNewWorkbooksError
from ._merge import merge_workbooks
from ._progress import ProgressMethods
from ._question_methods import QuestionMethods
from ._reads import parse_time
from ._records import Change, Workbook, WorkbookOverview, WorkbookSummary
from ._schema import record_states, sessions
from ._sqlite_files import flush_deleted
from ._validation import (
    KEEP,
    Keep,
    check_answer,
    check_created_by,
    check_iso_date,
    check_item_id,
    check_language,
    check_opinion,
    check_status,
    check_text,
    check_workbook_id,
    hash_token,
    maybe_workbook_id,
)


class WorkbookStore(QuestionMethods, ProgressMethods, CareTeamMethods):
    """All saved workbooks in one database. Open it with ``WorkbookStore.open()``.

    The store can be used from several threads; each method is one short transaction. Use it as a
    context manager, or call ``close()`` when done. The steps done and the second opinion are
    kept by the methods of ``ProgressMethods`` (``_progress``), the questions' stars, ticks and
    answers and the person's own questions by ``QuestionMethods`` (``_question_methods``), the
    care team's read-only link by ``CareTeamMethods`` (``_care_team``).
    """

    # ----- workbooks

    def create_workbook(
        self,
        display_name: str,
        created_by: str,
        language: str = "en",
        *,
        address: str | None = None,
    ) -> tuple[WorkbookSummary, str]:
        """Start a new, empty workbook.

        Args:
            display_name: the person's name or initials, as they want it shown ('' is allowed).
            created_by: 'patient' or 'navigator'.
            language: the language it is shown in ('en', 'es'); the private link reopens in it.
            address: the network address of the visitor starting it on the dashboard. Each
                address may start ``new_workbooks_per_hour`` an hour (``_limits``); without an
                address (the navigators' desk, the command line) there is no such limit.

        Returns:
            The new workbook's summary and its private token. The token is the only way back to
            the workbook from the dashboard, and it is not stored (only a hash of it is): show
            it to the person now, because it cannot be shown again.

        Raises:
            TooManyNewWorkbooksError: the address started as many as it may in the last hour.
            StoreFullError: the store holds ``max_store_bytes`` already.

        Now and then (at most once an hour per database) a new workbook also runs the store's
        ``upkeep`` once it is saved.

        """
        name = check_text(display_name, "The name")
        created_by = check_created_by(created_by)
        language = check_language(language)
        if address is not None and not isinstance(address, str):
            raise TypeError("address must be the visitor's network address as text, or None.")
        token = secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        self._check_open()
        per_hour = self.new_workbooks_per_hour

        def action() -> tuple[WorkbookSummary, bool]:
            with self._writer.begin() as conn:
                self._check_room(conn, new_workbook=True)
                now = db.utc_now()
                rows = limits.upkeep_rows(conn)
                counted = address is not None and per_hour is not None
                if counted and not limits.take_new_workbook(
                    conn, rows, str(address), int(per_hour or 0), now
                ):
                    limits.NOTICES.warn(
                        "new-workbooks",
                        "A new workbook was refused: the address %s started %d in the last "
                        "hour, the most allowed (%s).",
                        limits.network_of(str(address)),
                        per_hour,
                        limits.ENV_NEW_WORKBOOKS_PER_HOUR,
                    )
                    raise TooManyNewWorkbooksError(path=self._loc.describe())
                due = limits.claim_upkeep(conn, rows, now)
                summary = writes.insert_workbook(
                    conn, token_hash, name, created_by, now, self._actor, language
                )
                return summary, due

        summary, upkeep_due = db.with_retries(self._loc, action)
        if upkeep_due:
            try:
                self.upkeep()
            except StoreError:
                limits.log.exception("The store's hourly upkeep did not finish")
        return summary, token

    def upkeep(self) -> int:
        """The store's hourly upkeep; returns how many unused workbooks it removed.

        Removes workbooks never written in for a day (``remove_unused_workbooks``), and empties
        the SQLite write-ahead log of anything deleted, by any program, that a reader kept there
        (``flush_deletions``). A new workbook runs it when it is due (once an hour per
        database); a server may also run it when it starts.
        """
        removed = self.remove_unused_workbooks()
        if self._loc.path is not None:
            self._wal_holds_deleted = True
            self.flush_deletions()  # without waiting: tried again after the store's next use
        return removed

    def remove_unused_workbooks(self, older_than: timedelta = limits.UNUSED_AFTER) -> int:
        """Remove the dashboard's workbooks never written in, started ``older_than`` ago or more.

        Returns how many were removed. Never written in: nothing saved after the moment it was
        started (its ``updated_at`` is its ``created_at``). Only workbooks started by a patient
        (``created_by`` 'patient', the dashboard's) go: a workbook made at the navigators' desk
        for a person ('navigator') is kept however long it waits, so that the link the person
        was given keeps working. Each is erased as ``delete_workbook`` does, with one change-log
        row saying so (by ``UPKEEP_ACTOR``).
        """
        self._check_open()
        cutoff = (parse_time(db.utc_now()) - older_than).isoformat(timespec="microseconds")
        batch = 500
        removed: list[str] = []

        def action() -> list[str]:
            with self._writer.begin() as conn:
                return limits.remove_unused(conn, cutoff, db.utc_now(), batch)

        while True:
            gone = db.with_retries(self._loc, action)
            removed.extend(gone)
            if len(gone) < batch:
                break
        if removed:
            limits.log.info("Upkeep removed %d workbooks never written in", len(removed))
            if self._loc.path is not None:
                self._wal_holds_deleted = True
                if flush_deleted(self._engine, self._loc.path, removed, wait=False):
                    self._wal_holds_deleted = False
        return len(removed)

    def change_private_link(self, workbook_id: str) -> str:
        """Give the workbook a new private token, and return it; the old one stops working.

        For a person (or their navigator) whose link reached someone it should not have. Like
        ``create_workbook``, only a hash of the new token is stored: show it now. The change
        log says that the link was changed, and by whom, never the token.
        """
        workbook_id = check_workbook_id(workbook_id)
        token = secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        self._mutate(workbook_id, lambda tx: writes.set_token_hash(tx, token_hash), grows=False)
        return token

    def workbook_id_for_token(self, token: str) -> str | None:
        """Return the id of the workbook this private token opens, or None.

        None for an unknown, malformed or empty token alike: the answer reveals nothing else.
        The lookup is by a SHA-256 hash of the token, compared in constant time.
        """
        return self._workbook_id_for_secret(token, sessions.c.id, sessions.c.token_hash)

    def has_workbook(self, workbook_id: str) -> bool:
        """True if a workbook with this id is stored (False once it was deleted). One light read."""
        if not maybe_workbook_id(workbook_id):
            return False
        return self._read(lambda conn: reads.workbook_exists(conn, workbook_id))

    def workbooks(self) -> list[WorkbookSummary]:
        """Return every workbook's summary, most recently changed first. For navigators."""
        return self._read(reads.load_summaries)

    def load(self, workbook_id: str) -> Workbook:
        """Return a snapshot of one workbook. Raises NotFoundError for an unknown id."""
        workbook_id = check_workbook_id(workbook_id)
        found = self._read(lambda conn: reads.load_workbooks(conn, [workbook_id]))
        if not found:
            raise NotFoundError(f"There is no workbook with the id {workbook_id!r}.")
        return found[0]

    def load_all(self, workbook_ids: Iterable[str] | None = None) -> list[Workbook]:
        """Return snapshots of every workbook (or of the given ids), most recently changed first.

        All are read in one consistent snapshot with a handful of queries, so this is the way to
        export many workbooks at once. Unknown ids are skipped.
        """
        ids = None if workbook_ids is None else [s for s in workbook_ids if maybe_workbook_id(s)]
        with db.gc_paused():
            return self._read(lambda conn: reads.load_workbooks(conn, ids))

    def overviews(self) -> list[WorkbookOverview]:
        """Return what a roster needs of every workbook, most recently changed first.

        Much lighter than ``load_all()``: counts are made by the database and no typed text
        but the names is read, so it stays quick with tens of thousands of workbooks.
        """
        with db.gc_paused():
            return self._read(reads.load_overviews)

    def changes(self, workbook_id: str) -> list[Change]:
        """Return the change log of one workbook, oldest first, each row saying who changed it.

        For a deleted workbook that is the one row that says it was deleted, and when (section
        'workbook', field 'deleted', no old or new value).

        A burst of changes to one field by one actor within ``COALESCE_SECONDS`` is one row
        (the value before the burst, the value after it), and each workbook keeps at most
        ``MAX_LOG_ROWS`` rows and ``MAX_LOG_CHARS`` characters of values, the oldest going
        first: the log tells the history; the answers themselves are never trimmed.
        """
        workbook_id = check_workbook_id(workbook_id)
        found = self._read(lambda conn: reads.load_changes(conn, workbook_id))
        if found is None:
            raise NotFoundError(f"There is no workbook with the id {workbook_id!r}.")
        return found

    # ----- the workbook itself

    def set_language(self, workbook_id: str, language: str) -> None:
        """Show the workbook in another language from now on ('en', 'es'); logged like a change."""
        workbook_id = check_workbook_id(workbook_id)
        language = check_language(language)
        self._mutate(workbook_id, lambda tx: writes.set_workbook_column(tx, "language", language))

    def set_display_name(self, workbook_id: str, display_name: str) -> None:
        """Change the name or initials the workbook is shown under."""
        name = check_text(display_name, "The name")
        workbook_id = check_workbook_id(workbook_id)
        self._mutate(workbook_id, lambda tx: writes.set_workbook_column(tx, "display_name", name))

    def set_notes(self, workbook_id: str, notes: str) -> None:
        """Replace the navigator's notes on this workbook."""
        text = check_text(notes, "The notes")
        workbook_id = check_workbook_id(workbook_id)
        self._mutate(workbook_id, lambda tx: writes.set_workbook_column(tx, "notes", text))

    def set_answers(self, workbook_id: str, answers: Mapping[str, object]) -> None:
        """Save situation answers: only the fields given; the others are left as they are.

        Each value is text, a ``date`` (saved as ISO text), True/False, or a list of choice ids;
        None clears that answer. Every value is checked before anything is written, and all are
        written in one transaction. Only answers that differ from what is stored are written and
        logged (section 'situation', item id = the field id, field 'answer').
        """
        workbook_id = check_workbook_id(workbook_id)
        if not isinstance(answers, Mapping):
            raise TypeError("answers must be a mapping of field id to value.")
        wanted = {check_item_id(f, "field id"): check_answer(f, v) for f, v in answers.items()}
        if not wanted:
            return
        self._mutate(workbook_id, lambda tx: writes.write_answers(tx, wanted))

    def set_decision_date(self, workbook_id: str, value: date | str | None) -> None:
        """Set (or, with None or '', clear) the date by which the person needs to decide.

        This is the situation answer ``decision_date``; ``Workbook.decision_date`` reads it back.
        """
        iso = None if value is None else check_iso_date(value, "The decision date")
        self.set_answers(workbook_id, {DECISION_DATE_FIELD: iso})

    def set_comparison(self, workbook_id: str, opinion: str, aspect: str, text: str) -> None:
        """Save what the person wrote about one aspect of one opinion, replacing what was there.

        ``opinion`` is one of ``COMPARISON_OPINIONS`` ('first', 'second'); ``aspect`` an aspect
        id from ``content/compare.yaml``, such as 'diagnosis' or 'recommended_treatment'. Logged
        with section 'compare', item id = the aspect, field = the opinion. Writing '' where
        nothing was written changes nothing.
        """
        workbook_id = check_workbook_id(workbook_id)
        opinion = check_opinion(opinion)
        aspect = check_item_id(aspect, "aspect")
        written = check_text(text, "The comparison")
        self._mutate(workbook_id, lambda tx: writes.write_comparison(tx, opinion, aspect, written))

    def set_record(
        self,
        workbook_id: str,
        item_id: str,
        *,
        status: str | None = None,
        from_whom: str | None = None,
        requested_on: date | str | Keep | None = KEEP,
        note: str | None = None,
    ) -> None:
        """Track one record: its status, who holds it, the date it was asked for, a note.

        ``status`` is one of ``RECORD_STATUSES`` (needed, requested, received, sent).
        ``requested_on`` is a ``date`` or 'YYYY-MM-DD' text, left as it is when not given; None
        (or '') clears it. The other arguments left as None are not changed. A record never
        touched counts as needed, with nothing else filled in.
        """
        workbook_id = check_workbook_id(workbook_id)
        item_id = check_item_id(item_id)
        new: dict[str, object] = {}
        if status is not None:
            new["status"] = check_status(status)
        if from_whom is not None:
            new["from_whom"] = check_text(from_whom, "Who has the record")
        if not isinstance(requested_on, Keep):
            new["requested_on"] = (
                None if requested_on is None else check_iso_date(requested_on, "The date requested")
            )
        if note is not None:
            new["note"] = check_text(note, "The note")
        if not new:
            return
        defaults = {"status": RECORD_NEEDED, "from_whom": "", "requested_on": None, "note": ""}
        key = {"session_id": workbook_id, "item_id": item_id}
        self._mutate(
            workbook_id,
            lambda tx: tx.set_columns(record_states, key, "records", item_id, new, defaults),
        )

    def merge_workbooks(self, keep_id: str, other_id: str) -> int:
        """Move everything in workbook ``other_id`` into ``keep_id``, then delete ``other_id``.

        For two workbooks of one person. What wins where both have something is in ``_merge``;
        what lost is added to the kept workbook's notes, so nothing typed is lost. Returns how
        many values were added so. The other workbook is deleted as ``delete_workbook`` does.
        """
        return merge_workbooks(self, keep_id, other_id)

    # ----- the right to delete

    def delete_workbook(self, workbook_id: str) -> None:
        """Erase a workbook for good: the right to delete.

        Removes every trace of it: the name, the private link's hash, the situation answers, the
        state of every question and record, the person's own questions, the comparison, the
        navigator's notes, and every change-log row with its old and new values. One change-log
        row is added in their place, holding only the workbook's id, that it was deleted
        (section 'workbook', field 'deleted'), when, and by whom; ``changes(workbook_id)``
        returns it.

        On SQLite, deleted content is overwritten with zeros in the database file
        (``PRAGMA secure_delete``), and the write-ahead log, which still holds the pages as they
        were, is written back and truncated to nothing (``wal_checkpoint(TRUNCATE)``). While
        another connection reads, SQLite cannot do that; the store waits its busy timeout for
        the reader, and if the reader is still there it tries again after each later use of the
        store and when it closes (``flush_deletions``), and upkeep does so every hour
        (``remove_unused_workbooks``). The workbook is also erased from the backups kept before
        schema upgrades. A copy made outside the program (a system backup, an exported CSV) is
        not touched.

        On PostgreSQL the store deletes the rows, and nothing more is needed of it: from then on
        no connection can read them. The server's own files (a deleted row's bytes until
        vacuum reuses their space, its write-ahead log until the segment is recycled) belong to
        the server's account, and are looked after like its backups, by whoever runs it.

        Raises NotFoundError for an unknown (or already deleted) workbook.
        """
        workbook_id = check_workbook_id(workbook_id)
        self._mutate(workbook_id, writes.erase_workbook, grows=False)
        if self._loc.path is not None:
            self._wal_holds_deleted = True
            if flush_deleted(self._engine, self._loc.path, [workbook_id]):
                self._wal_holds_deleted = False
