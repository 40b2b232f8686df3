"""The tailoring engine: from a situation and the content to the person's own plan.

>>> from secondopinion import Situation, load_content
>>> content = load_content()
>>> situation = Situation.from_answers({"treatment_status": "not_working"}, content.intake)
>>> plan = tailor(situation, content)
>>> any("the treatment is not working" in r for q in plan.questions for r in q.because)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final, Generic, TypeVar

from secondopinion.content import Content, Item, NextStep, Option, Question, Record
from secondopinion.content import rules as _rules
from secondopinion.content.vocabulary import FILLED_BY_FIELD, PARENT_GUARDIAN, PATIENT
from secondopinion.language import N_, translator
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

    Items are worded for who fills the workbook in: a family member, a proxy or a navigator
    reads an item's ``for_helper`` words, a child's parent its ``for_parent`` words.
    """
    answers = situation.in_effect(content.intake)
    reader = answers.get(FILLED_BY_FIELD, PATIENT)
    questions = _chosen(
        content.questions,
        answers,
        content,
        [("audience", content.audiences), ("topic", content.topics)],
        reader,
    )
    records = _chosen(
        content.records, answers, content, [("category", content.record_categories)], reader
    )
    steps = _chosen(
        content.next_steps, answers, content, [("category", content.step_categories)], reader
    )
    start_here = StartHere(
        questions=_first(questions, START_HERE_QUESTIONS),
        records=_first(records, START_HERE_RECORDS),
        next_steps=_first(steps, START_HERE_STEPS),
    )
    return Plan(questions, records, steps, start_here)


def _first(planned: tuple[PlannedItem[T], ...], limit: int) -> tuple[PlannedItem[T], ...]:
    """The ``limit`` items with the best priority (1 first), in the order they are shown."""
    ranked = sorted(
        (p.item.priority, n) for n, p in enumerate(planned) if p.item.priority is not None
    )
    return tuple(planned[n] for n in sorted(n for _, n in ranked[:limit]))


def _in_words_for(item: T, reader: object) -> T:
    voice = None
    if reader == PARENT_GUARDIAN:
        voice = item.for_parent or item.for_helper
    elif reader != PATIENT:
        voice = item.for_helper
    if voice is None:
        return item
    return item.model_copy(update={"text": voice.text or item.text, "why": voice.why or item.why})


def _chosen(
    items: Sequence[T],
    answers: _rules.Answers,
    content: Content,
    group_orders: Sequence[tuple[str, Sequence[Option]]],
    reader: object,
) -> tuple[PlannedItem[T], ...]:
    ranks = [(key, {o.id: n for n, o in enumerate(options)}) for key, options in group_orders]
    everyone = translator(content.language).gettext(SHOWN_TO_EVERYONE)
    planned: list[tuple[tuple[int, ...], PlannedItem[T]]] = []
    for position, item in enumerate(items):
        if item.when is None:
            because: tuple[str, ...] = (everyone,)
        elif _rules.evaluate(item.when, answers):
            because = _because(item, answers, content)
        else:
            continue
        group_ranks: list[int] = [rank[getattr(item, key)] for key, rank in ranks]
        planned.append(
            ((*group_ranks, position), PlannedItem(_in_words_for(item, reader), because))
        )
    return tuple(p for _, p in sorted(planned, key=lambda pair: pair[0]))


def _because(item: Item, answers: _rules.Answers, content: Content) -> tuple[str, ...]:
    assert item.when is not None
    phrases = content.intake.reasons(item.when, answers)
    _ = translator(content.language).gettext
    if not phrases:
        return (_(SHOWN_UNLESS_RULED_OUT),)
    return tuple(_("Because {reason}.").format(reason=phrase) for phrase in phrases)
