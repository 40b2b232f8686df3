"""The questions of a workbook: stars, ticks and answers, and the person's own questions.

``QuestionMethods`` is part of ``WorkbookStore``. Each change is checked (``_validation``) and
logged like any other: a suggested question under section 'questions', an own question under
'own_questions'.
"""

from __future__ import annotations

from . import _writes as writes
from ._connection import StoreConnection
from ._errors import NotFoundError
from ._schema import own_questions, question_states
from ._validation import (
    KEEP,
    Keep,
    check_flag,
    check_item_id,
    check_text,
    check_workbook_id,
)


class QuestionMethods(StoreConnection):
    """The part of ``WorkbookStore`` that keeps the questions (see the module)."""

    def set_question(
        self,
        workbook_id: str,
        item_id: str,
        *,
        starred: bool | None = None,
        asked: bool | None = None,
        answer: str | None = None,
    ) -> None:
        """Star or unstar a suggested question, tick it off as asked, or write its answer.

        Arguments left as None are not changed. A question never touched counts as not starred,
        not asked, with no answer.
        """
        workbook_id = check_workbook_id(workbook_id)
        item_id = check_item_id(item_id)
        new = _question_changes(starred, asked, answer)
        if not new:
            return
        defaults = {"starred": False, "asked": False, "answer": ""}
        key = {"session_id": workbook_id, "item_id": item_id}
        self._mutate(
            workbook_id,
            lambda tx: tx.set_columns(question_states, key, "questions", item_id, new, defaults),
        )

    def add_own_question(self, workbook_id: str, text: str, audience: str | None = None) -> str:
        """Add a question of the person's own; returns its id (``own_`` and 16 hex digits).

        ``audience`` is an audience id from the content (such as the current doctor), or None.
        """
        workbook_id = check_workbook_id(workbook_id)
        text = check_text(text, "The question")
        if audience is not None:
            audience = check_item_id(audience, "audience")
        return self._mutate(workbook_id, lambda tx: writes.insert_own_question(tx, text, audience))

    def set_own_question(
        self,
        workbook_id: str,
        own_id: str,
        *,
        text: str | None = None,
        audience: str | Keep | None = KEEP,
        starred: bool | None = None,
        asked: bool | None = None,
        answer: str | None = None,
    ) -> None:
        """Change one of the person's own questions. Arguments left as None are not changed.

        ``audience`` is left as it is when not given; None (or '') clears it.

        Raises NotFoundError if the workbook has no own question with this id.
        """
        workbook_id = check_workbook_id(workbook_id)
        own_id = check_item_id(own_id, "own question id")
        new: dict[str, object] = {}
        if text is not None:
            new["text"] = check_text(text, "The question")
        if audience is not KEEP:
            new["audience"] = (
                None if audience in (None, "") else check_item_id(audience, "audience")
            )
        new.update(_question_changes(starred, asked, answer))
        if not new:
            return
        key = {"session_id": workbook_id, "id": own_id}
        self._mutate(
            workbook_id,
            lambda tx: tx.set_columns(own_questions, key, "own_questions", own_id, new, None),
        )

    def delete_own_question(self, workbook_id: str, own_id: str) -> None:
        """Delete one of the person's own questions (its star and answer too).

        Raises NotFoundError if the workbook has no own question with this id.
        """
        workbook_id = check_workbook_id(workbook_id)
        own_id = check_item_id(own_id, "own question id")
        removed = self._mutate(
            workbook_id, lambda tx: writes.remove_own_question(tx, own_id), grows=False
        )
        if not removed:
            raise NotFoundError(f"There is no own question with the id {own_id!r}.")


def _question_changes(
    starred: bool | None, asked: bool | None, answer: str | None
) -> dict[str, object]:
    """The checked changes to a question's star, tick and answer (None: left as it is)."""
    new: dict[str, object] = {}
    if starred is not None:
        new["starred"] = check_flag(starred, "starred")
    if asked is not None:
        new["asked"] = check_flag(asked, "asked")
    if answer is not None:
        new["answer"] = check_text(answer, "The answer")
    return new
