"""The intake fields and the items of a plan (questions, records, next steps), and ``Content``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Literal

from annotated_types import Interval
from pydantic import model_validator

from secondopinion.content._base import (
    ItemId,
    Option,
    ParsedRule,
    Source,
    Sources,
    Text,
    _Strict,
)
from secondopinion.content._premises import Premises
from secondopinion.content._situation_models import Axis
from secondopinion.content._timeline_models import CompareContent, TimelineContent
from secondopinion.content.rules import AllOf, Answers, AnyOf, Not, Rule, evaluate
from secondopinion.language import translator

FieldKind = Literal["one_choice", "several_choices", "yes_no", "date", "free_text"]


class ChoiceVoice(_Strict):
    """A choice's words for another reader (``for_helper``, ``for_parent``).

    Each part left out keeps the choice's own.
    """

    label: Text | None = None
    you_said: Text | None = None


class Choice(_Strict):
    """One answer a person can pick for a choice field.

    A choice of the field that says how a helper is related to the patient (``relation``) may
    name the patient for them: ``told_as`` stands for "the patient" in what the workbook tells
    the helper ("your father"), ``asked_as`` in what the helper says, such as the questions they
    ask a doctor ("my father"). Both or neither.
    """

    id: ItemId
    label: Text
    you_said: Text
    for_helper: ChoiceVoice | None = None
    for_parent: ChoiceVoice | None = None
    told_as: Text | None = None
    asked_as: Text | None = None

    @model_validator(mode="after")
    def _names_both_ways(self) -> Choice:
        if (self.told_as is None) != (self.asked_as is None):
            raise ValueError("a choice that names the patient needs both told_as and asked_as")
        return self


class FieldVoice(_Strict):
    """A field's words for another reader (``for_helper``, ``for_parent``).

    Each part left out keeps the field's own.
    """

    label: Text | None = None
    help: Text | None = None


class Field(_Strict):
    """One question of the intake ("Your situation").

    ``for_helper`` and ``for_parent`` are its words for a helper or a child's parent, as an
    item's are (a question that asks "Which of these have you had?" asks a helper "Which of
    these has the patient had?"); its choices may have theirs too.
    """

    id: ItemId
    label: Text
    help: Text | None = None
    kind: FieldKind
    required: bool = False
    shown_when: ParsedRule | None = None
    choices: tuple[Choice, ...] = ()
    you_said_true: Text | None = None
    you_said_false: Text | None = None
    for_helper: FieldVoice | None = None
    for_parent: FieldVoice | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Field:
        has_choices = self.kind in ("one_choice", "several_choices")
        if has_choices and not self.choices:
            raise ValueError(f"a {self.kind} field needs choices")
        if not has_choices and self.choices:
            raise ValueError(f"a {self.kind} field takes no choices")
        is_yes_no = self.kind == "yes_no"
        if is_yes_no and not (self.you_said_true and self.you_said_false):
            raise ValueError("a yes_no field needs you_said_true and you_said_false")
        if not is_yes_no and (self.you_said_true or self.you_said_false):
            raise ValueError("only yes_no fields take you_said_true and you_said_false")
        ids = [choice.id for choice in self.choices]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"choice id '{duplicates[0]}' is used twice")
        return self

    @cached_property
    def choice_ids(self) -> tuple[str, ...]:
        """The ids of this field's choices, in order."""
        return tuple(choice.id for choice in self.choices)

    def choice_label(self, choice_id: str) -> str:
        """The label a person sees for one of this field's choices."""
        for choice in self.choices:
            if choice.id == choice_id:
                return choice.label
        raise KeyError(f"'{choice_id}' is not a choice of field '{self.id}'")


class Voice(_Strict):
    """An item's words for another reader (``for_helper``, ``for_parent``, ``for_no_disease``).

    Each part left out keeps the item's own words.
    """

    text: Text | None = None
    why: Text | None = None
    what: Text | None = None
    how_to_get: Text | None = None
    detail: Text | None = None

    def parts(self) -> dict[str, str]:
        """The words this voice gives, by the item's key they replace."""
        return {k: v for k, v in self.model_dump().items() if isinstance(v, str)}


Priority = Annotated[int, Interval(ge=1, le=9)]


class _Item(_Strict):
    id: ItemId
    text: Text
    why: Text
    when: ParsedRule | None = None
    sources: Sources
    priority: Priority | None = None
    """Candidates for "Start here": 1 is the most important; no priority means never first."""
    for_helper: Voice | None = None
    """The words when a family member, proxy or navigator fills the workbook in."""
    for_parent: Voice | None = None
    """The words when a parent or guardian fills it in for a child (else ``for_helper``)."""
    for_no_disease: Voice | None = None
    """The words when the answers say there is no disease (an inherited risk, a finding watched)."""
    assumes: tuple[ItemId, ...] = ()
    """The premises (``premises.yaml``) it takes for granted: not shown if one is contradicted."""
    first_if: tuple[ItemId, ...] = ()
    """Premises that, when they all hold, put the item first in "Start here"."""
    priority_needs: tuple[ItemId, ...] = ()
    """Premises that must all hold for ``priority`` to count (else the item is never first)."""

    def voice(self, key: str) -> Voice | None:
        """The item's words for another reader, by key (``for_helper``, ``for_no_disease``...)."""
        found = getattr(self, key)
        assert found is None or isinstance(found, Voice)
        return found


class Question(_Item):
    """A question to ask, for one audience, about one topic."""

    audience: ItemId
    topic: ItemId

    @model_validator(mode="after")
    def _voices_fit(self) -> Question:
        _check_voice_parts(self, ("text", "why"))
        return self


VOICE_KEYS_OF_ITEMS = ("for_helper", "for_parent", "for_no_disease")


def _check_voice_parts(item: _Item, allowed: tuple[str, ...]) -> None:
    for key in VOICE_KEYS_OF_ITEMS:
        voice = item.voice(key)
        if voice is None:
            continue
        extra = sorted(set(voice.parts()) - set(allowed))
        if extra:
            raise ValueError(f"'{key}' gives '{extra[0]}', which this kind of item does not have")
        if not voice.parts():
            raise ValueError(f"'{key}' gives no words")


class Record(_Item):
    """A record to gather, with what it is and how to get it."""

    category: ItemId
    what: Text
    how_to_get: Text

    @model_validator(mode="after")
    def _voices_fit(self) -> Record:
        _check_voice_parts(self, ("text", "why", "what", "how_to_get"))
        return self


class NextStep(_Item):
    """Something to do next: where to go, what to say, what to ask."""

    category: ItemId
    detail: Text | None = None

    @model_validator(mode="after")
    def _voices_fit(self) -> NextStep:
        _check_voice_parts(self, ("text", "why", "detail"))
        return self


Item = Question | Record | NextStep


@dataclass(frozen=True)
class Intake:
    """The intake fields, in the order a person sees them."""

    fields: tuple[Field, ...]
    language: str = "en"
    """The language of the fields' words (for the few words code adds, such as in ``reasons``)."""

    @cached_property
    def fields_by_id(self) -> Mapping[str, Field]:
        """Fields by their id."""
        return {f.id: f for f in self.fields}

    def field(self, field_id: str) -> Field:
        """The field with this id (KeyError if there is none)."""
        return self.fields_by_id[field_id]

    def reasons(self, rule: Rule, answers: Answers) -> list[str]:
        """The answers that made a true rule true, in the person's words ("you had a biopsy")."""
        found: list[str] = []
        self._collect_reasons(rule, answers, found)
        return list(dict.fromkeys(found))

    def _collect_reasons(self, rule: Rule, answers: Answers, found: list[str]) -> None:
        if isinstance(rule, Not):
            return
        if isinstance(rule, AllOf | AnyOf):
            for part in rule.rules:
                if evaluate(part, answers):
                    self._collect_reasons(part, answers, found)
            return
        answer = answers.get(rule.field)
        if not evaluate(rule, answers):
            return
        field = self.fields_by_id[rule.field]
        if rule.operator == "exists":
            _ = translator(self.language).gettext
            done = (
                _("you have answered “{question}”")
                if rule.value
                else _("you have not yet answered “{question}”")
            )
            found.append(done.format(question=field.label))
        elif isinstance(answer, bool):
            phrase = field.you_said_true if answer else field.you_said_false
            if phrase:
                found.append(phrase)
        else:
            wanted = rule.value if isinstance(rule.value, tuple) else (rule.value,)
            chosen = answer if isinstance(answer, frozenset) else {answer}
            found.extend(c.you_said for c in field.choices if c.id in chosen and c.id in wanted)


@dataclass(frozen=True)
class Content:
    """Everything the workbook knows, checked and ready for the engine."""

    intake: Intake
    sources: Mapping[str, Source]
    audiences: tuple[Option, ...]
    topics: tuple[Option, ...]
    questions: tuple[Question, ...]
    record_categories: tuple[Option, ...]
    records: tuple[Record, ...]
    step_categories: tuple[Option, ...]
    next_steps: tuple[NextStep, ...]
    timeline: TimelineContent
    """The steps, gaps and words of the timeline worked back from the decision date."""
    compare: CompareContent
    """The opinions and the aspects they are compared on."""
    premises: Premises = field(default_factory=Premises)
    """What items may take for granted about the person, and the rules that settle it."""
    situation_map: tuple[Axis, ...] = ()
    """The axes along which situations differ (``situations.yaml``), for the coverage checks."""
    language: str = "en"
    """The language of every word above (``load_content(language=...)``); ids never change."""
    _items: Mapping[str, Item] = field(default_factory=dict, repr=False)

    def item(self, item_id: str) -> Item:
        """The question, record or next step with this id (KeyError if there is none)."""
        return self._items[item_id]

    def label(self, group_id: str) -> str:
        """The label of an audience, topic or category."""
        for option in (
            *self.audiences,
            *self.topics,
            *self.record_categories,
            *self.step_categories,
        ):
            if option.id == group_id:
                return option.label
        raise KeyError(group_id)
