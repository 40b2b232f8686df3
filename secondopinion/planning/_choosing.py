"""Which timeline steps a person gets, in whose words: the step for the timeline (``timeline``).

A step applies when its ``when`` rule holds and the answers contradict none of the premises it
``assumes``; one that stands for another takes its place; one that comes before a step left out
is left out too. Records are asked for one request per office that holds them (``records`` of a
record step), else one step each. The words are the reader's: a helper's or a child's parent's
(``for_helper``, ``for_parent``), with the patient named as the reader knows them ("your
father": ``Reader``) and the other date named. A step cites only the pages whose premises the
answers do not contradict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from secondopinion.content import (
    ANCHORS,
    DATE_SLOT,
    SECOND_DEADLINE,
    Record,
    RecordStepSpec,
    Source,
    TimelineContent,
    TimelineStepSpec,
    UndatedStep,
)
from secondopinion.content import rules as _rules
from secondopinion.content.vocabulary import (
    FILLED_BY_FIELD,
    PARENT_GUARDIAN,
    PATIENT,
    RECORD_NEEDED,
)
from secondopinion.language import long_date
from secondopinion.planning._schedule import Chosen
from secondopinion.planning.engine import Plan, PlannedItem
from secondopinion.planning.reader import Reader
from secondopinion.store import RecordState

RECORD_JOIN = "; "
"""Between the names of the records asked for in one request."""


class Words:
    """A step's words for who reads them, with the other date named where a step says it.

    ``contradicted`` are the premises the answers contradict: a step assuming one is not for
    this person (``fits``), and a page assuming one is not cited (``cited``); ``pages`` are the
    sources by id; ``reader`` who reads them (else the one ``filled_by`` names, the patient
    unnamed).
    """

    def __init__(
        self,
        answers: _rules.Answers,
        language: str,
        other: dt.date | None,
        contradicted: frozenset[str] = frozenset(),
        pages: Mapping[str, Source] | None = None,
        reader: Reader | None = None,
    ) -> None:
        who = answers.get(FILLED_BY_FIELD, PATIENT)
        self.reader = reader or Reader(who if isinstance(who, str) else PATIENT, language=language)
        self.other = long_date(other, language) if other is not None else None
        self.contradicted = contradicted
        self.pages: Mapping[str, Source] = pages or {}

    def fits(self, spec: TimelineStepSpec | UndatedStep) -> bool:
        """The answers contradict none of the premises the step assumes."""
        return not self.contradicted.intersection(spec.assumes)

    def cited(self, spec: TimelineStepSpec | UndatedStep) -> tuple[str, ...]:
        """The pages the step cites, less those whose premises the answers contradict."""
        return tuple(
            s
            for s in spec.sources
            if s not in self.pages or not self.contradicted.intersection(self.pages[s].assumes)
        )

    def voice(
        self, spec: TimelineStepSpec | UndatedStep
    ) -> tuple[str, str, str | None, str | None]:
        """The text, why, if_late and if_no_time in the reader's words."""
        voices = []  # a parent's words first, then a helper's, then the patient's
        if self.reader.who == PARENT_GUARDIAN:
            voices = [spec.for_parent, spec.for_helper]
        elif self.reader.helps:
            voices = [spec.for_helper]
        late = getattr(spec, "if_late", None)
        no_time = getattr(spec, "if_no_time", None)
        text, why = spec.text, spec.why
        for voice in reversed([v for v in voices if v is not None]):
            text, why = voice.text or text, voice.why or why
            late = voice.if_late or late
            no_time = voice.if_no_time or no_time
        return self._dated(text), self._dated(why), self._maybe(late), self._maybe(no_time)

    def _dated(self, words: str) -> str:
        words = self.reader.tell(words)
        return words.replace(DATE_SLOT, self.other) if self.other is not None else words

    def _maybe(self, words: str | None) -> str | None:
        return None if words is None else self._dated(words)

    def chosen(
        self, spec: TimelineStepSpec, step_id: str, records: Sequence[PlannedItem[Record]] = ()
    ) -> Chosen:
        """A chosen step in the reader's words, naming the records it asks for."""
        text, why, late, no_time = self.voice(spec)
        if isinstance(spec, RecordStepSpec):
            text = text.replace(spec.slot, RECORD_JOIN.join(r.item.text for r in records))
        ids = tuple(r.id for r in records)
        return Chosen(step_id, spec, text, why, late, no_time, ids, self.cited(spec))


def choose(
    knowledge: TimelineContent,
    plan: Plan,
    answers: _rules.Answers,
    saved: Mapping[str, RecordState],
    words: Words,
    other_date: bool,
) -> tuple[list[Chosen], dict[str, str]]:
    """The steps for this person, and what each comes before (stand-ins in place)."""
    every = (*knowledge.steps, *knowledge.record_steps)
    applies = {
        spec.id
        for spec in every
        if (spec.when is None or _rules.evaluate(spec.when, answers))
        and words.fits(spec)
        and (other_date or root(spec.id, every) != SECOND_DEADLINE)
    }
    stand_in = {
        spec.stands_for: spec.id
        for spec in reversed(every)
        if spec.id in applies and spec.stands_for is not None
    }
    applies -= set(stand_in)
    after = {spec.id: stand_in.get(spec.before, spec.before) for spec in every}
    changed = True
    while changed:  # a step that comes before a step left out is left out too
        kept = {i for i in applies if after[i] in ANCHORS or after[i] in applies}
        changed, applies = kept != applies, kept
    chosen = [words.chosen(spec, spec.id) for spec in knowledge.steps if spec.id in applies]
    requests: dict[str, tuple[RecordStepSpec, list[PlannedItem[Record]]]] = {}
    for planned in plan.records:
        state = saved.get(planned.id)
        status = RECORD_NEEDED if state is None else state.status
        spec = knowledge.record_step_for(planned.id, status)
        if spec is None or spec.id not in applies:
            continue
        office = knowledge.record_step_for(planned.id)
        if spec.records is not None:
            key = spec.id
        elif office is not None and office.records is not None:
            key = f"{spec.id}__{office.id}"
        else:
            key = f"{spec.id}__{planned.id}"
        requests.setdefault(key, (spec, []))[1].append(planned)
    chosen += [words.chosen(spec, key, asked) for key, (spec, asked) in requests.items()]
    return chosen, after


def root(step_id: str, every: tuple[TimelineStepSpec, ...]) -> str:
    """The anchor a step's chain ends on, as written (without stand-ins)."""
    before = {spec.id: spec.before for spec in every}
    seen = set()
    while step_id in before and step_id not in seen:
        seen.add(step_id)
        step_id = before[step_id]
    return step_id
