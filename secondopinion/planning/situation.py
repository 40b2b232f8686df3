"""The person's situation: their intake answers, checked against the intake fields.

>>> from secondopinion import load_content
>>> intake = load_content().intake
>>> situation = Situation.from_answers({"diagnosis_kind": "cancer"}, intake)
>>> situation.get("diagnosis_kind")
'cancer'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from secondopinion.content import Field, Intake
from secondopinion.content import rules as _rules
from secondopinion.content.vocabulary import ONCE_ONE_CHOICE

Answer = str | bool | dt.date | frozenset[str]


class SituationError(ValueError):
    """Answers that do not fit the intake fields; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


@dataclass(frozen=True, eq=True)
class Situation:
    """A person's answers to the intake, by field id. Unanswered fields are absent."""

    answers: Mapping[str, Answer] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_answers(
        cls, raw: Mapping[str, object], intake: Intake, *, drop_unknown: bool = False
    ) -> Situation:
        """Build a situation from answers in their saved (JSON) form.

        One choice is a choice id, several choices a list of ids, yes/no a bool, a date an ISO
        date string or a date, free text a string. ``None``, empty text and empty lists mean
        unanswered. Anything else raises SituationError, unless ``drop_unknown`` is set, in
        which case answers that no longer fit (after the content changed) are left out.
        """
        answers: dict[str, Answer] = {}
        problems: list[str] = []
        for field_id, value in raw.items():
            spec = intake.fields_by_id.get(field_id)
            if spec is None:
                problems.append(f"unknown field '{field_id}'")
                continue
            try:
                answer = _answer(spec, value)
            except ValueError as error:
                problems.append(str(error))
                continue
            if answer is not None:
                answers[field_id] = answer
        if problems and not drop_unknown:
            raise SituationError(problems)
        ordered = {f.id: answers[f.id] for f in intake.fields if f.id in answers}
        return cls(MappingProxyType(ordered))

    def get(self, field_id: str) -> Answer | None:
        """The answer to one field, or None when unanswered."""
        return self.answers.get(field_id)

    def to_answers(self) -> dict[str, object]:
        """The answers in their saved (JSON) form, the inverse of ``from_answers``."""
        saved: dict[str, object] = {}
        for field_id, answer in self.answers.items():
            if isinstance(answer, frozenset):
                saved[field_id] = sorted(answer)
            elif isinstance(answer, dt.date):
                saved[field_id] = answer.isoformat()
            else:
                saved[field_id] = answer
        return saved

    def shown_fields(self, intake: Intake) -> tuple[Field, ...]:
        """The fields shown to this person: those whose ``shown_when`` holds."""
        return tuple(f for f in intake.fields if f.id in self._shown_ids(intake))

    def in_effect(self, intake: Intake) -> Mapping[str, Answer]:
        """The answers that count: answers to hidden fields are kept but do not count."""
        shown = self._shown_ids(intake)
        return {k: v for k, v in self.answers.items() if k in shown}

    def _shown_ids(self, intake: Intake) -> set[str]:
        shown: set[str] = set()
        counted: dict[str, Answer] = {}
        for spec in intake.fields:
            if spec.shown_when is None or _rules.evaluate(spec.shown_when, counted):
                shown.add(spec.id)
                if spec.id in self.answers:
                    counted[spec.id] = self.answers[spec.id]
        return shown


def _answer(spec: Field, value: object) -> Answer | None:
    if value is None:
        return None
    kind = spec.kind
    if kind == "one_choice":
        if not isinstance(value, str) or value not in spec.choice_ids:
            raise ValueError(_not_a_choice(spec, value))
        return value
    if kind == "several_choices":
        if isinstance(value, str) and spec.id in ONCE_ONE_CHOICE and value in spec.choice_ids:
            value = [value]
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            raise ValueError(f"'{spec.id}' takes a list of choices, got {value!r}")
        for choice in value:
            if not isinstance(choice, str) or choice not in spec.choice_ids:
                raise ValueError(_not_a_choice(spec, choice))
        return frozenset(value) or None
    if kind == "yes_no":
        if not isinstance(value, bool):
            raise ValueError(f"'{spec.id}' takes true or false, got {value!r}")
        return value
    if kind == "date":
        return _date(spec, value)
    if not isinstance(value, str):
        raise ValueError(f"'{spec.id}' takes text, got {value!r}")
    return value or None


def _date(spec: Field, value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"'{spec.id}' takes a date without a time, got {value!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"'{spec.id}' takes a date like 2026-12-31, got {value!r}")


def _not_a_choice(spec: Field, value: object) -> str:
    return f"{value!r} is not a choice of '{spec.id}' (choices: {', '.join(spec.choice_ids)})"
