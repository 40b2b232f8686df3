"""Two workbooks of one person made one: everything in the other is moved into the kept one.

A person who started twice (on a phone, then on a laptop) has two workbooks; the navigator keeps
one and merges the other into it. ``WorkbookStore.merge_workbooks(keep_id, other_id)`` does it
in one transaction, then deletes the other workbook as ``delete_workbook`` does: its private link
opens nothing from then on, and its change log keeps only the row that says it was deleted.

What the kept workbook ends up with:

- its own id, private link, short code, language and who started it;
- its name; the other's name only if it had none;
- everything that only one of the two had: answers, questions starred, ticked or answered,
  records, comparisons, the person's own questions, timeline steps done;
- where both had something different:

  - a star or a tick stays if either workbook had it;
  - a record's status is the furthest along (needed, asked for, received, sent);
  - any other value (a situation answer, a typed answer, a record's note, who has it or the date
    it was asked for, a comparison) is the one changed more recently; on the same moment, the
    kept workbook's;
  - the person's own questions of both are kept; one written the same way in both is kept once;
  - a timeline step done in either is done, on the earlier day; the second opinion's day and
    whether it differed are the kept workbook's, or the other's where the kept one has none;

- nothing typed is lost: each value that lost (and a different name of the other) is written at
  the end of the kept workbook's notes, under a line that says from which workbook and when;
  the navigator's notes of both are kept there too.

The kept workbook's change log gets a row for each value that changed, and one that says which
workbook was merged into it (section 'workbook', field 'merged_from').
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from secondopinion.content.vocabulary import RECORD_NEEDED, RECORD_STATUSES

from . import _db as db
from . import _reads as reads
from . import _writes as writes
from ._errors import NotFoundError
from ._link_guard import check_link
from ._records import AnswerValue, Workbook
from ._schema import own_questions, question_states, record_states, steps_done
from ._short_code import short_code
from ._sqlite_files import flush_deleted
from ._validation import MAX_TEXT_CHARS, check_workbook_id, same

if TYPE_CHECKING:
    from ._connection import StoreConnection

MERGED_FIELD = "merged_from"
"""The change-log field (section 'workbook') that names the workbook merged into this one."""

_NOTHING: tuple[object, ...] = (None, "", [])
_STEP = {status: place for place, status in enumerate(RECORD_STATUSES)}


def merge_workbooks(store: StoreConnection, keep_id: str, other_id: str) -> int:
    """Merge ``other_id`` into ``keep_id`` and delete it; how many values lost and were noted.

    Raises NotFoundError if either is not there, ValueError if they are the same workbook or
    the result would hold more than the store allows (nothing is changed then).
    """
    keep_id = check_workbook_id(keep_id)
    other_id = check_workbook_id(other_id)
    if keep_id == other_id:
        raise ValueError("Choose two different workbooks to merge.")
    store._check_open()

    def action() -> int:
        with store._writer.begin() as conn:
            for workbook_id in sorted((keep_id, other_id)):  # one order: no deadlock
                if not writes.lock_workbook(conn, workbook_id):
                    raise NotFoundError(f"There is no workbook with the id {workbook_id!r}.")
            check_link(conn, keep_id)
            found = {book.id: book for book in reads.load_workbooks(conn, [keep_id, other_id])}
            now = db.utc_now()
            tx = writes.Tx(conn, keep_id, now, store._actor, store.coalesce_seconds)
            noted = _Merge(tx, found[keep_id], found[other_id]).run()
            tx.finish()
            writes.erase_workbook(writes.Tx(conn, other_id, now, store._actor, 0))
            return noted

    noted = db.with_retries(store._loc, action)
    if store._loc.path is not None:
        store._wal_holds_deleted = True
        if flush_deleted(store._engine, store._loc.path, [other_id]):
            store._wal_holds_deleted = False
    return noted


class _Merge:
    """The writes that move one workbook (``other``) into another (``keep``), in one ``Tx``."""

    def __init__(self, tx: writes.Tx, keep: Workbook, other: Workbook) -> None:
        self.tx = tx
        self.keep = keep
        self.other = other
        self.noted: list[str] = []

    def run(self) -> int:
        """Write everything; return how many values that lost were added to the notes."""
        self._answers()
        self._questions()
        self._own_questions()
        self._records()
        self._comparisons()
        self._progress()
        self._name_and_notes()
        self.tx.log("workbook", "", MERGED_FIELD, None, self.other.id)
        return len(self.noted)

    def _pick(self, what: str, kept: object, theirs: object, theirs_newer: bool) -> object:
        """The value that wins (see the module's rules); the one that lost goes to the notes.

        Nothing (None, '' or no choice) never wins over something.
        """
        if theirs in _NOTHING or same(kept, theirs):
            return kept
        if kept in _NOTHING:
            return theirs
        if theirs_newer:
            winner, loser, lost_in = theirs, kept, self.keep
        else:
            winner, loser, lost_in = kept, theirs, self.other
        self.noted.append(f"- {what} ({short_code(lost_in.id)}): {_shown(loser)}")
        return winner

    def _answers(self) -> None:
        wanted: dict[str, AnswerValue | None] = {}
        kept, times = self.keep.answers, self.keep.answer_times
        for field, value in self.other.answers.items():
            newer = field not in times or self.other.answer_times[field] > times[field]
            chosen = self._pick(f"Answer {field}", kept.get(field), value, newer)
            if field not in kept or not same(kept[field], chosen):
                wanted[field] = chosen  # type: ignore[assignment]
        if wanted:
            writes.write_answers(self.tx, wanted)

    def _questions(self) -> None:
        for item_id, theirs in self.other.questions.items():
            mine = self.keep.questions.get(item_id)
            newer = mine is None or theirs.updated_at > mine.updated_at
            new = {
                "starred": theirs.starred or (mine is not None and mine.starred),
                "asked": theirs.asked or (mine is not None and mine.asked),
                "answer": self._pick(
                    f"Question {item_id}, answer", mine.answer if mine else "", theirs.answer, newer
                ),
            }
            key = {"session_id": self.keep.id, "item_id": item_id}
            defaults = {"starred": False, "asked": False, "answer": ""}
            self.tx.set_columns(question_states, key, "questions", item_id, new, defaults)

    def _own_questions(self) -> None:
        mine = {(q.text, q.audience): q for q in self.keep.own_questions}
        added = [q for q in self.other.own_questions if (q.text, q.audience) not in mine]
        if len(self.keep.own_questions) + len(added) > writes.MAX_OWN_QUESTIONS:
            raise ValueError(
                "Together these workbooks have more questions of the person's own than one "
                f"workbook can hold ({writes.MAX_OWN_QUESTIONS}). Delete some first."
            )
        for theirs in self.other.own_questions:
            same_one = mine.get((theirs.text, theirs.audience))
            if same_one is None:
                continue
            newer = theirs.updated_at > same_one.updated_at
            new = {
                "starred": theirs.starred or same_one.starred,
                "asked": theirs.asked or same_one.asked,
                "answer": self._pick(
                    f"Own question “{_short(theirs.text)}”, answer",
                    same_one.answer,
                    theirs.answer,
                    newer,
                ),
            }
            key = {"session_id": self.keep.id, "id": same_one.id}
            self.tx.set_columns(own_questions, key, "own_questions", same_one.id, new, None)
        taken = {q.id for q in self.keep.own_questions}
        for theirs in added:
            own_id = theirs.id if theirs.id not in taken else f"{theirs.id[:80]}_merged"
            self.tx.conn.execute(
                own_questions.insert().values(
                    session_id=self.keep.id,
                    id=own_id,
                    text=theirs.text,
                    audience=theirs.audience,
                    starred=theirs.starred,
                    asked=theirs.asked,
                    answer=theirs.answer,
                    created_at=theirs.created_at.isoformat(timespec="microseconds"),
                    updated_at=self.tx.now,
                )
            )
            self.tx.log("own_questions", own_id, "text", None, theirs.text)

    def _records(self) -> None:
        for item_id, theirs in self.other.records.items():
            mine = self.keep.records.get(item_id)
            newer = mine is None or theirs.updated_at > mine.updated_at
            theirs_day = theirs.requested_on.isoformat() if theirs.requested_on else None
            mine_day = mine.requested_on.isoformat() if mine and mine.requested_on else None
            status = max(
                (mine.status if mine else RECORD_NEEDED, theirs.status), key=lambda s: _STEP[s]
            )
            new = {
                "status": status,
                "from_whom": self._pick(
                    f"Record {item_id}, from whom",
                    mine.from_whom if mine else "",
                    theirs.from_whom,
                    newer,
                ),
                "requested_on": self._pick(
                    f"Record {item_id}, asked for on", mine_day, theirs_day, newer
                ),
                "note": self._pick(
                    f"Record {item_id}, note", mine.note if mine else "", theirs.note, newer
                ),
            }
            key = {"session_id": self.keep.id, "item_id": item_id}
            defaults = {"status": RECORD_NEEDED, "from_whom": "", "requested_on": None, "note": ""}
            self.tx.set_columns(record_states, key, "records", item_id, new, defaults)

    def _comparisons(self) -> None:
        for (opinion, aspect), theirs in self.other.comparison.items():
            mine = self.keep.comparison.get((opinion, aspect))
            newer = mine is None or theirs.updated_at > mine.updated_at
            chosen = self._pick(
                f"Comparison, {opinion} opinion, {aspect}",
                mine.text if mine else "",
                theirs.text,
                newer,
            )
            writes.write_comparison(self.tx, opinion, aspect, str(chosen))

    def _progress(self) -> None:
        """Timeline steps done (the earlier day when both have one), and the second opinion."""
        for step_id, day in self.other.steps_done.items():
            mine = self.keep.steps_done.get(step_id)
            if mine is not None and mine <= day:
                continue
            key = {"session_id": self.keep.id, "step_id": step_id}
            if mine is None:
                self.tx.conn.execute(
                    steps_done.insert().values(
                        **key, done_on=day.isoformat(), updated_at=self.tx.now
                    )
                )
            else:
                self.tx.conn.execute(
                    steps_done.update()
                    .where(steps_done.c.session_id == self.keep.id, steps_done.c.step_id == step_id)
                    .values(done_on=day.isoformat(), updated_at=self.tx.now)
                )
            old = mine.isoformat() if mine is not None else None
            self.tx.log("timeline", step_id, "done_on", old, day.isoformat())
        held_on, theirs = self.keep.second_opinion_on, self.other.second_opinion_on
        both = (
            ("second_opinion_on", held_on and held_on.isoformat(), theirs and theirs.isoformat()),
            (
                "second_opinion_differs",
                self.keep.second_opinion_differs,
                self.other.second_opinion_differs,
            ),
        )
        for column, kept, other in both:
            chosen = self._pick(f"Second opinion, {column}", kept, other, False)
            if not same(kept, chosen):
                writes.set_workbook_column(self.tx, column, chosen)  # type: ignore[arg-type]

    def _name_and_notes(self) -> None:
        name, their_name = self.keep.summary.display_name, self.other.summary.display_name
        if not name.strip() and their_name.strip():
            writes.set_workbook_column(self.tx, "display_name", their_name)
        elif their_name.strip() and their_name.strip() != name.strip():
            self.noted.insert(0, f"- Name ({short_code(self.other.id)}): {their_name}")
        parts = [self.keep.notes] if self.keep.notes.strip() else []
        if self.other.notes.strip() or self.noted:
            day = datetime.fromisoformat(self.tx.now).date().isoformat()
            parts.append(f"Merged in from the workbook {short_code(self.other.id)} on {day}.")
        if self.other.notes.strip():
            parts.append(f"Its notes:\n{self.other.notes}")
        if self.noted:
            parts.append(
                "Where both workbooks had something different, this one kept the newer; the "
                "other was:\n" + "\n".join(self.noted)
            )
        notes = "\n\n".join(parts)
        if len(notes) > MAX_TEXT_CHARS:
            raise ValueError(
                "Together these workbooks' notes are longer than one workbook can hold. "
                "Shorten the notes of one of them first."
            )
        writes.set_workbook_column(self.tx, "notes", notes)


def _shown(value: object) -> str:
    """A stored value as a person reads it in the notes."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _short(text: str) -> str:
    """The start of a long text, on one line."""
    line = " ".join(text.split())
    return line if len(line) <= 60 else line[:59] + "…"
