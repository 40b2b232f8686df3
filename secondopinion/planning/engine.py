"""The tailoring engine: from a situation and the content to the person's own plan.

>>> from secondopinion import Situation, load_content
>>> content = load_content()
>>> situation = Situation.from_answers({"treatment_status": "not_working"}, content.intake)
>>> plan = tailor(situation, content)
>>> any("the treatment stopped working" in r for q in plan.questions for r in q.because)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Final, Generic, TypeVar

from secondopinion.content import (
    Content,
    Intake,
    Item,
    NextStep,
    Option,
    Question,
    Record,
    Voice,
)
from secondopinion.content import rules as _rules
from secondopinion.content.vocabulary import (
    PARENT_GUARDIAN,
    PATIENT,
    PREMISE_VOICES,
)
from secondopinion.language import N_, translator
from secondopinion.planning.reader import Reader
from secondopinion.planning.situation import Situation

SHOWN_TO_EVERYONE = N_("Shown to everyone who is getting a second opinion.")
SHOWN_UNLESS_RULED_OUT = N_("Shown unless your answers rule it out.")
"""The reasons given for items without a rule, and for rules met without an answer to name."""

START_HERE_QUESTIONS: Final = 5
START_HERE_RECORDS: Final = 5
START_HERE_STEPS: Final = 3
"""At most this many of each open the plan as "Start here"; the rest are under "More"."""

T = TypeVar("T", Question, Record, NextStep)


@dataclass(frozen=True)
class PlannedItem(Generic[T]):
    """A content item chosen for this person, with the reasons it was chosen."""

    item: T
    because: tuple[str, ...]

    @property
    def id(self) -> str:
        """The item's stable id."""
        return self.item.id

    @property
    def text(self) -> str:
        """The item's text."""
        return self.item.text

    @property
    def sources(self) -> tuple[str, ...]:
        """The ids of the sources the item cites."""
        return self.item.sources


AnyPlanned = PlannedItem[Question] | PlannedItem[Record] | PlannedItem[NextStep]


@dataclass(frozen=True)
class StartHere:
    """The few items to do first, chosen for this situation by the content's priorities."""

    questions: tuple[PlannedItem[Question], ...]
    records: tuple[PlannedItem[Record], ...]
    next_steps: tuple[PlannedItem[NextStep], ...]

    def sections(self) -> tuple[tuple[str, Sequence[AnyPlanned]], ...]:
        """The three short lists, each by the kind of item it holds."""
        return (
            ("questions", self.questions),
            ("records", self.records),
            ("next_steps", self.next_steps),
        )

    @cached_property
    def item_ids(self) -> frozenset[str]:
        """The ids of every item to start with."""
        return frozenset(p.id for _, chosen in self.sections() for p in chosen)


@dataclass(frozen=True)
class Plan:
    """The tailored questions, records and next steps, in the order they are shown."""

    questions: tuple[PlannedItem[Question], ...]
    records: tuple[PlannedItem[Record], ...]
    next_steps: tuple[PlannedItem[NextStep], ...]
    start_here: StartHere
    """The few items to do first; every one of them is also in the lists above."""
    premises: Mapping[str, str] = field(default_factory=dict, compare=False)
    """What the answers say about each premise: ``holds``, ``contradicted`` or ``unknown``."""

    @cached_property
    def item_ids(self) -> frozenset[str]:
        """The ids of every item that applies now."""
        ids = [p.id for p in self.questions]
        ids += [p.id for p in self.records]
        ids += [p.id for p in self.next_steps]
        return frozenset(ids)

    def questions_for(self, audience: str) -> tuple[PlannedItem[Question], ...]:
        """The questions for one audience, in order."""
        return tuple(q for q in self.questions if q.item.audience == audience)

    def records_in(self, category: str) -> tuple[PlannedItem[Record], ...]:
        """The records in one category, in order."""
        return tuple(r for r in self.records if r.item.category == category)

    def steps_in(self, category: str) -> tuple[PlannedItem[NextStep], ...]:
        """The next steps in one category, in order."""
        return tuple(s for s in self.next_steps if s.item.category == category)


def tailor(situation: Situation, content: Content) -> Plan:
    """Choose and order the items that apply to this situation, each with its reasons.

    An item applies when its rule holds and the answers contradict none of the premises it
    ``assumes``. Items are worded for who fills the workbook in: a family member, a proxy or a
    navigator reads an item's ``for_helper`` words, a child's parent its ``for_parent`` words,
    and someone whose answers contradict a premise with words of its own (``for_no_disease``)
    reads those first. A helper who said how they are related reads "your father" where the
    words say "the patient" (``Reader``), the reasons included.
    """
    answers = situation.in_effect(content.intake)
    reader = Reader.of(answers, content.intake)
    states = content.premises.states(answers)
    contradicted = frozenset(p for p, s in states.items() if s == "contradicted")
    holding = frozenset(p for p, s in states.items() if s == "holds")
    chosen = _Chooser(answers, content, reader, contradicted)
    questions = chosen.items(
        content.questions, [("audience", content.audiences), ("topic", content.topics)]
    )
    records = chosen.items(content.records, [("category", content.record_categories)])
    steps = chosen.items(content.next_steps, [("category", content.step_categories)])
    start_here = StartHere(
        questions=_first(questions, START_HERE_QUESTIONS, holding),
        records=_first(records, START_HERE_RECORDS, holding),
        next_steps=_first(steps, START_HERE_STEPS, holding),
    )
    return Plan(questions, records, steps, start_here, MappingProxyType(states))


def _first(
    planned: tuple[PlannedItem[T], ...], limit: int, holding: frozenset[str]
) -> tuple[PlannedItem[T], ...]:
    """The ``limit`` items to do first, in the order they are shown.

    An item whose ``first_if`` premises all hold comes before every other and leads the list,
    by its ``priority``; then the best ``priority`` (1 first) among items whose
    ``priority_needs`` all hold, in the order they are shown.
    """
    leading: list[int] = []
    ranked: list[tuple[int, int]] = []
    last = 10
    for n, p in enumerate(planned):
        item = p.item
        if item.first_if and set(item.first_if) <= holding:
            leading.append(n)
        elif item.priority is not None and set(item.priority_needs) <= holding:
            ranked.append((item.priority, n))
    leading.sort(key=lambda m: (planned[m].item.priority or last, m))
    best = [n for _, n in sorted(ranked)][: max(0, limit - len(leading))]
    picked: list[int] = leading[:limit] + best
    return tuple(planned[n] for n in [*picked[: len(leading)], *sorted(picked[len(leading) :])])


def _in_words_for(item: T, reader: object, contradicted: frozenset[str]) -> T:
    """The item in the words for this reader, part by part.

    Each part comes from the words for a contradicted premise, else a parent's (``for_parent``),
    else a helper's (``for_helper``, for any reader but the patient), else the item's own.
    """
    voices: list[Voice] = []
    for key, premise in PREMISE_VOICES.items():
        voice = item.voice(key)
        if voice is not None and premise in contradicted:
            voices.append(voice)
    if reader == PARENT_GUARDIAN and item.for_parent is not None:
        voices.append(item.for_parent)
    if reader != PATIENT and item.for_helper is not None:
        voices.append(item.for_helper)
    if not voices:
        return item
    update: dict[str, str] = {}
    for voice in reversed(voices):
        update.update(voice.parts())
    return item.model_copy(update=update)


class _Chooser:
    """Chooses, orders and words the items of one kind for one person."""

    def __init__(
        self,
        answers: _rules.Answers,
        content: Content,
        reader: Reader,
        contradicted: frozenset[str],
    ) -> None:
        self.answers = answers
        self.content = content
        self.reader = reader
        self.intake = reader.intake(content.intake)
        self.contradicted = contradicted
        self.everyone = translator(content.language).gettext(SHOWN_TO_EVERYONE)

    def items(
        self, items: Sequence[T], group_orders: Sequence[tuple[str, Sequence[Option]]]
    ) -> tuple[PlannedItem[T], ...]:
        ranks = [(key, {o.id: n for n, o in enumerate(options)}) for key, options in group_orders]
        planned: list[tuple[tuple[int, ...], PlannedItem[T]]] = []
        for position, item in enumerate(items):
            if self.contradicted.intersection(item.assumes):
                continue
            if item.when is None:
                because: tuple[str, ...] = (self.everyone,)
            elif _rules.evaluate(item.when, self.answers):
                because = _because(item, self.answers, self.intake)
            else:
                continue
            group_ranks: list[int] = [rank[getattr(item, key)] for key, rank in ranks]
            worded = self.reader.item(_in_words_for(item, self.reader.who, self.contradicted))
            cited = self._sources_for(worded)
            if cited != worded.sources:
                worded = worded.model_copy(update={"sources": cited})
            planned.append(((*group_ranks, position), PlannedItem(worded, because)))
        return tuple(p for _, p in sorted(planned, key=lambda pair: pair[0]))

    def _sources_for(self, item: T) -> tuple[str, ...]:
        """The pages the item cites, less those whose premises the answers contradict."""
        sources = self.content.sources
        return tuple(
            s
            for s in item.sources
            if s not in sources or not self.contradicted.intersection(sources[s].assumes)
        )


def _because(item: Item, answers: _rules.Answers, intake: Intake) -> tuple[str, ...]:
    """Why the item was chosen, from the reader's intake (``Reader.intake``)."""
    assert item.when is not None
    phrases = intake.reasons(item.when, answers)
    _ = translator(intake.language).gettext
    if not phrases:
        return (_(SHOWN_UNLESS_RULED_OUT),)
    return tuple(_("Because {reason}.").format(reason=phrase) for phrase in phrases)
