"""The checks ``load_content`` makes on premises, and on what items and sources assume."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from secondopinion.content._base import Source
from secondopinion.content._checks import Collector, check_rule, check_unique
from secondopinion.content._models import VOICE_KEYS_OF_ITEMS, Intake, NextStep, Question, Record
from secondopinion.content._premises import PREMISES_FILE, Premises
from secondopinion.content._timeline_models import (
    TIMELINE_FILE,
    StepVoice,
    TimelineContent,
    TimelineStepSpec,
    UndatedStep,
)
from secondopinion.content.vocabulary import PREMISE_VOICES, PREMISES, READER_VOICES

_ITEM_FILE = {Question: "questions.yaml", Record: "records.yaml", NextStep: "next_steps.yaml"}
_WORD_KEYS = ("text", "why", "what", "how_to_get", "detail")
_STEP_WORD_KEYS = ("text", "why", "if_late", "if_no_time")
_STEP_VOICE_KEYS = ("for_helper", "for_parent")


def check_premises(
    premises: Premises,
    intake: Intake,
    sources: Sequence[Source],
    items: Sequence[Question | Record | NextStep],
    found: Collector,
    *,
    english: bool,
) -> None:
    """Add every problem with the premises, and with what items and sources assume, to ``found``.

    ``english``: whether the words are the English ones, which the premises' phrases are checked
    against (a translation has the English's premises and so passes when the English does).
    """
    check_unique(PREMISES_FILE, premises.ids, found)
    for premise in premises.premises:
        if premise.id not in PREMISES:
            found.add(PREMISES_FILE, premise.id, "is not a premise named in content/vocabulary.py")
        for rule in (premise.holds, premise.contradicted):
            check_rule(PREMISES_FILE, premise.id, rule, intake, None, found)
    defined = set(premises.ids) | found.broken
    for premise_id in PREMISES if premises.premises else ():
        if premise_id not in defined:
            found.add(PREMISES_FILE, None, f"the code names premise '{premise_id}': define it")
    known = set(premises.ids)
    if premises.premises:  # one the code names but the file lacks is named once, above
        known |= set(PREMISES)
    for source in sources:
        for premise_id in source.assumes:
            if premise_id not in known | found.broken:
                found.add("sources.yaml", source.id, f"assumes unknown premise '{premise_id}'")
    by_source = {s.id: s for s in sources}
    for item in items:
        file = _ITEM_FILE[type(item)]
        for key in ("assumes", "first_if", "priority_needs"):
            for premise_id in getattr(item, key):
                if premise_id not in known | found.broken:
                    found.add(file, item.id, f"'{key}' names unknown premise '{premise_id}'")
        if item.priority_needs and item.priority is None:
            found.add(file, item.id, "'priority_needs' without a 'priority' means nothing")
        _check_cited_pages(file, item.id, "item", item.assumes, item.sources, by_source, found)
        if english and premises.premises:
            _check_phrases(item, premises, file, found)


def _check_phrases(
    item: Question | Record | NextStep, premises: Premises, file: str, found: Collector
) -> None:
    """An item whose words rely on a premise must declare it (or have words for when it fails)."""
    own = {k: v for k in _WORD_KEYS if isinstance(v := getattr(item, k, None), str)}
    texts: list[tuple[str, str, str | None]] = [(k, v, None) for k, v in own.items()]
    for key in VOICE_KEYS_OF_ITEMS:
        voice = item.voice(key)
        if voice is not None:
            texts += [(f"{key}.{part}", words, key) for part, words in voice.parts().items()]
    reported: set[str] = set()
    for where, words, voice_key in texts:
        for premise_id, phrase in premises.relied_on(words):
            if premise_id in item.assumes or premise_id in reported:
                continue
            if voice_key is not None and premise_id in READER_VOICES.get(voice_key, ()):
                continue
            covering = [k for k, p in PREMISE_VOICES.items() if p == premise_id]
            covered = any(
                (voice := item.voice(k)) is not None and where.split(".")[-1] in voice.parts()
                for k in covering
            )
            if covered and voice_key not in covering:
                continue
            reported.add(premise_id)
            found.add(
                file,
                item.id,
                f"'{where}' says “{phrase}”, which relies on premise '{premise_id}': "
                f"add it to 'assumes'" + (f" or give '{covering[0]}' words" if covering else ""),
            )


def check_timeline_premises(
    premises: Premises,
    sources: Sequence[Source],
    timeline: TimelineContent,
    found: Collector,
    *,
    english: bool,
) -> None:
    """Add every problem with what the timeline's steps assume to ``found``.

    The same checks as for items: every premise named is defined; a step that cites pages cites
    at least one that assumes no more than the step does; and (in English) a step whose words,
    a helper's or a parent's included, rely on a premise declares it.
    """
    known = set(premises.ids) | found.broken
    if premises.premises:  # one the code names but the file lacks is named once, above
        known |= set(PREMISES)
    by_source = {s.id: s for s in sources}
    steps: list[TimelineStepSpec | UndatedStep] = [
        *timeline.steps,
        *timeline.record_steps,
        *timeline.undated_steps,
    ]
    for step in steps:
        for premise_id in step.assumes:
            if premise_id not in known:
                found.add(TIMELINE_FILE, step.id, f"'assumes' names unknown premise '{premise_id}'")
        _check_cited_pages(
            TIMELINE_FILE, step.id, "step", step.assumes, step.sources, by_source, found
        )
        if english and premises.premises:
            _check_step_phrases(step, premises, found)


def _check_step_phrases(
    step: TimelineStepSpec | UndatedStep, premises: Premises, found: Collector
) -> None:
    """A step whose words rely on a premise must declare it.

    A reader's words may rely on the premises that hold whenever they are read (``READER_VOICES``).
    """
    texts: list[tuple[str, str, str | None]] = [
        (key, words, None)
        for key in _STEP_WORD_KEYS
        if isinstance(words := getattr(step, key, None), str)
    ]
    for voice_key in _STEP_VOICE_KEYS:
        voice: StepVoice | None = getattr(step, voice_key)
        if voice is None:
            continue
        texts += [
            (f"{voice_key}.{key}", said, voice_key)
            for key in _STEP_WORD_KEYS
            if isinstance(said := getattr(voice, key), str)
        ]
    reported: set[str] = set()
    for where, text, reader in texts:
        for premise_id, phrase in premises.relied_on(text):
            if premise_id in step.assumes or premise_id in reported:
                continue
            if reader is not None and premise_id in READER_VOICES.get(reader, ()):
                continue
            reported.add(premise_id)
            found.add(
                TIMELINE_FILE,
                step.id,
                f"'{where}' says “{phrase}”, which relies on premise '{premise_id}': "
                "add it to 'assumes'",
            )


def _check_cited_pages(
    file: str,
    thing_id: str,
    noun: str,
    assumes: Sequence[str],
    cited_ids: Sequence[str],
    by_source: Mapping[str, Source],
    found: Collector,
) -> None:
    """A thing that cites pages cites at least one that assumes no more than it does."""
    cited = [by_source[s] for s in cited_ids if s in by_source]
    if cited and not any(set(s.assumes) <= set(assumes) for s in cited):
        needs = sorted({p for s in cited for p in s.assumes} - set(assumes))
        found.add(
            file,
            thing_id,
            f"every page it cites assumes more than the {noun} does "
            f"({', '.join(needs)}): where that is contradicted it would cite none; "
            "add to 'assumes', or cite a page for everyone",
        )
