"""The building blocks every content model shares: strict models, ids, texts and sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainValidator,
    StringConstraints,
    model_validator,
)

from secondopinion.content import rules
from secondopinion.content.rules import Rule

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _parse_rule(raw: object) -> Rule:
    try:
        return rules.parse_rule(raw)
    except rules.RuleSyntaxError as error:
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
    assumes: tuple[ItemId, ...] = ()
    """Premises the page takes for granted (a page on terminal illness: ``serious_outlook``).

    An item citing it must assume them too: the page is never cited where they are contradicted.
    """

    @model_validator(mode="after")
    def _can_be_found(self) -> Source:
        if self.url is None and self.seed is None:
            raise ValueError("a source needs a url or a seed")
        return self


def _non_empty(ids: tuple[str, ...]) -> tuple[str, ...]:
    if not ids:
        raise ValueError("needs at least one source id")
    return ids


Sources = Annotated[tuple[ItemId, ...], AfterValidator(_non_empty)]
"""The ids of the sources an item cites: at least one."""


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
