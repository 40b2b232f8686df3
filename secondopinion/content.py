"""The workbook's knowledge, loaded strictly from the YAML files in ``content/``.

>>> content = load_content()
>>> content.item("q_how_sure").text  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainValidator,
    StringConstraints,
    model_validator,
)

from secondopinion import _rules
from secondopinion._rules import Rule

if TYPE_CHECKING:
    from secondopinion._timeline_content import CompareContent, TimelineContent

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

FieldKind = Literal["one_choice", "several_choices", "yes_no", "date", "free_text"]


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _parse_rule(raw: object) -> Rule:
    try:
        return _rules.parse_rule(raw)
    except _rules.RuleSyntaxError as error:
        raise ValueError(str(error)) from None


ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
Text = Annotated[str, AfterValidator(_not_blank)]
ParsedRule = Annotated[Rule, PlainValidator(_parse_rule)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _lists_as_tuples(cls, raw: object) -> object:
        # Strict mode takes no lists for tuples, and YAML gives lists.
        if not isinstance(raw, dict):
            return raw
        return {key: tuple(v) if isinstance(v, list) else v for key, v in raw.items()}


class Choice(_Strict):
    """One answer a person can pick for a choice field."""

    id: ItemId
    label: Text
    you_said: Text


class Field(_Strict):
    """One question of the intake ("Your situation")."""

    id: ItemId
    label: Text
    help: Text | None = None
    kind: FieldKind
    required: bool = False
    shown_when: ParsedRule | None = None
    choices: tuple[Choice, ...] = ()
    you_said_true: Text | None = None
    you_said_false: Text | None = None

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


class Option(_Strict):
    """A named group: an audience, a topic or a category."""

    id: ItemId
    label: Text


class Source(_Strict):
    """A public page that content items cite."""

    id: ItemId
    title: Text
    publisher: Text
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    seed: Text | None = None

    @model_validator(mode="after")
    def _can_be_found(self) -> Source:
        if self.url is None and self.seed is None:
            raise ValueError("a source needs a url or a seed")
        return self


def _non_empty(ids: tuple[str, ...]) -> tuple[str, ...]:
    if not ids:
        raise ValueError("needs at least one source id")
    return ids


class _Item(_Strict):
    id: ItemId
    text: Text
    why: Text
    when: ParsedRule | None = None
    sources: Annotated[tuple[ItemId, ...], AfterValidator(_non_empty)]


class Question(_Item):
    """A question to ask, for one audience, about one topic."""

    audience: ItemId
    topic: ItemId


class Record(_Item):
    """A record to gather, with what it is and how to get it."""

    category: ItemId
    what: Text
    how_to_get: Text


class NextStep(_Item):
    """Something to do next: where to go, what to say, what to ask."""

    category: ItemId
    detail: Text | None = None


Item = Question | Record | NextStep


@dataclass(frozen=True)
class Intake:
    """The intake fields, in the order a person sees them."""

    fields: tuple[Field, ...]

    @cached_property
    def fields_by_id(self) -> Mapping[str, Field]:
        """Fields by their id."""
        return {f.id: f for f in self.fields}

    def field(self, field_id: str) -> Field:
        """The field with this id (KeyError if there is none)."""
        return self.fields_by_id[field_id]


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


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the content: which file, which item, what."""

    file: str
    item: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.item}" if self.item else self.file
        return f"{where}: {self.message}"


class ContentError(Exception):
    """The content has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the content:\n{lines}")


def load_content(directory: Path | str | None = None) -> Content:
    """Load and check every content file; raise ContentError listing all problems found."""
    from secondopinion._content_loader import load

    return load(Path(directory) if directory is not None else DEFAULT_CONTENT_DIR)
