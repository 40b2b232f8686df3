"""Premises: what an item takes for granted about the person, defined as rules over the intake.

``content/premises.yaml`` defines each premise named in ``vocabulary.PREMISES`` by two rules: when
the answers show it holds, and when they contradict it. Anything else is unknown, and unknown is
never a contradiction. Questions, records, next steps and sources declare the premises they rely on
(``assumes``); the engine never shows an item one of whose premises the answers contradict.

A premise also lists the English ``phrases`` that rely on it ("comes back", "has it spread"): an
item whose words use one must declare the premise, or ``check-content`` names the item.

>>> from secondopinion import load_content
>>> premises = load_content().premises
>>> premises.state("is_cancer", {"diagnosis_kind": "rare_disease"})
'contradicted'
>>> premises.state("is_cancer", {})
'unknown'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, StringConstraints

from secondopinion.content._base import ItemId, ParsedRule, Text, _Strict
from secondopinion.content.rules import Answers, evaluate

PREMISES_FILE: Final = "premises.yaml"

PremiseState = Literal["holds", "contradicted", "unknown"]

HOLDS: Final = "holds"
CONTRADICTED: Final = "contradicted"
UNKNOWN: Final = "unknown"


def _lower_words(phrase: str) -> str:
    if phrase != phrase.strip() or not phrase.strip():
        raise ValueError("a phrase is words with no space around them")
    return phrase


Phrase = Annotated[
    str, StringConstraints(min_length=3, max_length=80), AfterValidator(_lower_words)
]


class Premise(_Strict):
    """One thing an item may take for granted, with the rules that settle it."""

    id: ItemId
    meaning: Text
    """What the premise means, for the people who write content."""
    holds: ParsedRule
    """True when the answers show the premise holds (unless they also contradict it)."""
    contradicted: ParsedRule
    """True when the answers contradict the premise: items that assume it are not shown."""
    phrases: tuple[Phrase, ...] = ()
    """English words that rely on this premise: an item using one must declare it."""


@dataclass(frozen=True)
class Premises:
    """Every premise, by id, and what the answers say about each."""

    premises: tuple[Premise, ...] = ()
    _by_id: Mapping[str, Premise] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, premises: Iterable[Premise]) -> Premises:
        """The premises, kept in order and by id."""
        kept = tuple(premises)
        return cls(kept, {p.id: p for p in kept})

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids of the premises, in the order of the file."""
        return tuple(p.id for p in self.premises)

    def get(self, premise_id: str) -> Premise:
        """The premise with this id (KeyError if there is none)."""
        return self._by_id[premise_id]

    def state(self, premise_id: str, answers: Answers) -> PremiseState:
        """``contradicted`` when the answers contradict it, else ``holds`` when they show it."""
        premise = self._by_id[premise_id]
        if evaluate(premise.contradicted, answers):
            return CONTRADICTED
        if evaluate(premise.holds, answers):
            return HOLDS
        return UNKNOWN

    def states(self, answers: Answers) -> dict[str, PremiseState]:
        """The state of every premise for these answers (the answers in effect)."""
        return {p.id: self.state(p.id, answers) for p in self.premises}

    def contradicted(self, answers: Answers) -> frozenset[str]:
        """The ids of the premises these answers contradict."""
        return frozenset(i for i, s in self.states(answers).items() if s == CONTRADICTED)

    def holding(self, answers: Answers) -> frozenset[str]:
        """The ids of the premises these answers show to hold."""
        return frozenset(i for i, s in self.states(answers).items() if s == HOLDS)

    @cached_property
    def _patterns(self) -> tuple[tuple[str, str, re.Pattern[str]], ...]:
        found = []
        for premise in self.premises:
            for phrase in premise.phrases:
                words = r"\s+".join(re.escape(w) for w in phrase.split())
                pattern = re.compile(rf"(?<![\w’']){words}(?![\w])", re.IGNORECASE)
                found.append((premise.id, phrase, pattern))
        return tuple(found)

    def relied_on(self, text: str) -> list[tuple[str, str]]:
        """The (premise id, phrase) pairs whose phrase the text uses."""
        return [(pid, phrase) for pid, phrase, pattern in self._patterns if pattern.search(text)]
