"""The Spanish words are plain too: Fernández-Huerta readability (textstat, ``set_lang("es")``).

The median score of every Spanish content text is at least ``MEDIAN_SCORE`` (60 and over is
"normal" to "easy"); each sentence-length text under ``LOWEST_SCORE`` is listed in
``plain_language_exceptions_es.yaml`` with the reason, and a listed text that no longer scores
under it is stale and fails too. Labels of one to four words are not scored: the formula is
made for sentences and only counts syllables on them.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest
import textstat
import yaml

from secondopinion import Content, load_content
from secondopinion.content._models import VOICE_KEYS_OF_ITEMS

EXCEPTIONS_FILE = Path(__file__).parent / "plain_language_exceptions_es.yaml"
MEDIAN_SCORE = 60
LOWEST_SCORE = 30
FEWEST_WORDS = 5


def spanish_texts(content: Content) -> Iterator[tuple[str, str]]:
    for field in content.intake.fields:
        yield f"intake.{field.id}.label", field.label
        if field.help:
            yield f"intake.{field.id}.help", field.help
        for choice in field.choices:
            yield f"intake.{field.id}.{choice.id}.label", choice.label
    for item in (*content.questions, *content.records, *content.next_steps):
        for key in ("text", "why", "what", "how_to_get", "detail"):
            value = getattr(item, key, None)
            if value:
                yield f"{item.id}.{key}", value
        for voice_name in VOICE_KEYS_OF_ITEMS:
            voice = item.voice(voice_name)
            for part, value in voice.parts().items() if voice else ():
                yield f"{item.id}.{voice_name}.{part}", value
    timeline = content.timeline
    for step in (*timeline.steps, *timeline.record_steps):
        for key in ("text", "why", "if_late", "if_no_time"):
            value = getattr(step, key, None)
            if value:
                yield f"{step.id}.{key}", value
    for message_id, text in timeline.messages.items():
        yield f"timeline.messages.{message_id}", text
    for aspect in content.compare.aspects:
        yield f"compare.{aspect.id}.help", aspect.help


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    textstat.set_lang("es")
    try:
        content = load_content(language="es")
        return {
            where: textstat.fernandez_huerta(text)
            for where, text in spanish_texts(content)
            if len(text.split()) >= FEWEST_WORDS
        }
    finally:
        textstat.set_lang("en_US")


def test_spanish_texts_are_plain_on_the_whole(scores: dict[str, float]) -> None:
    assert statistics.median(scores.values()) >= MEDIAN_SCORE


def test_every_hard_spanish_text_is_listed_with_a_reason(scores: dict[str, float]) -> None:
    listed = yaml.safe_load(EXCEPTIONS_FILE.read_text(encoding="utf-8")) or {}
    hard = {where for where, score in scores.items() if score < LOWEST_SCORE}
    assert not sorted(hard - set(listed)), "hard Spanish texts: rewrite them, or list them"
    assert not sorted(set(listed) - hard), "stale entries in plain_language_exceptions_es.yaml"
