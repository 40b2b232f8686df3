"""Who reads a workbook, and the words for them: a helper's or a parent's, the patient named.

The person filling the workbook in says who they are (``filled_by``): the patient, a child's
parent, or a helper (a relative, a proxy, a navigator). A helper or a parent reads the intake's
words for them (a field's and a choice's ``for_parent``, else ``for_helper``), as they read an
item's. One who says how they are related to the patient (``relation``: "My father") then reads
"your father" wherever a text says "the patient", and says "my father" in the questions they ask
a doctor and in words to say out loud (in quotes).

>>> from secondopinion import load_content
>>> intake = load_content().intake
>>> reader = Reader.of({"filled_by": "family", "relation": "father"}, intake)
>>> reader.tell("Is the patient in the hospital now?")
'Is your father in the hospital now?'
>>> reader.ask("Can you look at the patient's slides?")
"Can you look at my father's slides?"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from secondopinion.content import (
    Choice,
    ChoiceVoice,
    Field,
    FieldVoice,
    Intake,
    NextStep,
    Question,
    Record,
)
from secondopinion.content.vocabulary import (
    DEFAULT_LANGUAGE,
    FILLED_BY_FIELD,
    PARENT_GUARDIAN,
    PATIENT,
    RELATION_FIELD,
)
from secondopinion.planning._naming import name_the_patient

T = TypeVar("T", Question, Record, NextStep)

ITEM_PARTS: Final = ("text", "why", "what", "how_to_get", "detail")
"""The parts of an item a person reads."""

_QUOTED = re.compile(r"(“[^”]*”|\"[^\"]*\"|«[^»]*»)")

_KEPT: Final = 64
_WORDED: dict[tuple[int, Reader], tuple[Intake, Intake]] = {}
"""Intakes in a reader's words, by the intake's id and the reader (with the intake, so that an
id used again by another intake is never mistaken for it)."""


@dataclass(frozen=True)
class Reader:
    """Who fills the workbook in (a ``filled_by`` choice), and how the patient is named for them.

    ``told_as`` stands for "the patient" in what the workbook tells them ("your father"),
    ``asked_as`` in what they say ("my father"); both ``None``: the texts keep "the patient".
    """

    who: str = PATIENT
    told_as: str | None = None
    asked_as: str | None = None
    language: str = DEFAULT_LANGUAGE

    @classmethod
    def of(cls, answers: Mapping[str, object], intake: Intake) -> Reader:
        """The reader of these answers: give the answers in effect (``Situation.in_effect``)."""
        who = answers.get(FILLED_BY_FIELD, PATIENT)
        who = who if isinstance(who, str) else PATIENT
        relation = intake.fields_by_id.get(RELATION_FIELD)
        chosen = answers.get(RELATION_FIELD)
        if who == PATIENT or relation is None:
            return cls(who, language=intake.language)
        for choice in relation.choices:
            if choice.id == chosen:
                return cls(who, choice.told_as, choice.asked_as, intake.language)
        return cls(who, language=intake.language)

    @property
    def helps(self) -> bool:
        """Someone other than the patient fills the workbook in."""
        return self.who != PATIENT

    def tell(self, words: str) -> str:
        """Words the workbook says to the reader, the patient named ("your father").

        Words in quotes are for the reader to say: there the patient is "my father".
        """
        if self.told_as is None or self.asked_as is None:
            return words
        parts = _QUOTED.split(words)
        return "".join(
            self._named(part, self.asked_as if n % 2 else self.told_as)
            for n, part in enumerate(parts)
        )

    def ask(self, words: str) -> str:
        """Words the reader says (a question to a doctor), the patient named ("my father")."""
        if self.asked_as is None:
            return words
        return self._named(words, self.asked_as)

    def _named(self, words: str, name: str) -> str:
        minor = self.who == PARENT_GUARDIAN  # a child never pays or decides
        return name_the_patient(words, name, self.language, minor=minor)

    def item(self, item: T) -> T:
        """An item (already in the reader's voice) with the patient named in each part.

        A question's text is what the reader asks; every other part is told to them.
        """
        if self.told_as is None:
            return item
        update: dict[str, str] = {}
        for part in ITEM_PARTS:
            words = getattr(item, part, None)
            if not isinstance(words, str):
                continue
            named = self.ask(words) if part == "text" and isinstance(item, Question) else None
            named = self.tell(words) if named is None else named
            if named != words:
                update[part] = named
        return item.model_copy(update=update) if update else item

    def intake(self, intake: Intake) -> Intake:
        """The intake in the reader's words: their voice, then the patient named.

        Kept for the last few readers of each intake: every change of an answer asks again.
        """
        if not self.helps:
            return intake
        key = (id(intake), self)
        kept = _WORDED.get(key)
        if kept is not None and kept[0] is intake:
            return kept[1]
        worded = Intake(tuple(self.field(f) for f in intake.fields), intake.language)
        if len(_WORDED) >= _KEPT:
            _WORDED.clear()
        _WORDED[key] = (intake, worded)
        return worded

    def field(self, field: Field) -> Field:
        """One intake field, with its choices, in the reader's words."""
        if not self.helps:
            return field
        named = field.id != FILLED_BY_FIELD  # "I am the patient" is a role: it stays as it is
        update: dict[str, object] = self._voiced(field.for_helper, field.for_parent)
        for key in ("label", "help", "you_said_true", "you_said_false"):
            words = update.get(key, getattr(field, key))
            if isinstance(words, str) and named:
                update[key] = self.tell(words)
        choices = tuple(self._choice(c, named) for c in field.choices)
        if choices != field.choices:
            update["choices"] = choices
        changed = {k: v for k, v in update.items() if getattr(field, k) != v}
        return field.model_copy(update=changed) if changed else field

    def _choice(self, choice: Choice, named: bool) -> Choice:
        update: dict[str, object] = self._voiced(choice.for_helper, choice.for_parent)
        for key in ("label", "you_said"):
            words = update.get(key, getattr(choice, key))
            if isinstance(words, str) and named:
                update[key] = self.tell(words)
        changed = {k: v for k, v in update.items() if getattr(choice, k) != v}
        return choice.model_copy(update=changed) if changed else choice

    def _voiced(
        self,
        for_helper: FieldVoice | ChoiceVoice | None,
        for_parent: FieldVoice | ChoiceVoice | None,
    ) -> dict[str, object]:
        """A parent's words first, then a helper's: the parts each gives."""
        voices = [for_parent] if self.who == PARENT_GUARDIAN else []
        update: dict[str, object] = {}
        for voice in reversed([*voices, for_helper]):
            if voice is not None:
                update.update(voice.model_dump(exclude_none=True))
        return update
