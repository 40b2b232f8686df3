"""Golden plans in Spanish: the same situations as some of tests/golden/, planned with the
Spanish content (``python -m secondopinion plan --language es``). To accept a change:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_plans_es.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from secondopinion import Content, Situation, load_content, tailor
from secondopinion.cli._plan_output import plan_as_text

GOLDEN = Path(__file__).parent / "golden_es"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NAMES = sorted(p.name.removesuffix(".situation.json") for p in GOLDEN.glob("*.situation.json"))
ENGLISH_WORDS = ("Because ", "Why: ", "Sources: ", "START HERE", "Shown to everyone")


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(language="es")


@pytest.mark.parametrize("name", NAMES)
def test_the_spanish_plan_is_the_saved_one(name: str, content: Content) -> None:
    raw = json.loads((GOLDEN / f"{name}.situation.json").read_text(encoding="utf-8"))
    actual = plan_as_text(tailor(Situation.from_answers(raw, content.intake), content), content)
    saved = GOLDEN / f"{name}.plan.txt"
    if UPDATE:
        saved.write_text(actual, encoding="utf-8")
    assert saved.exists(), f"no saved plan for '{name}': run with UPDATE_GOLDEN=1"
    assert actual == saved.read_text(encoding="utf-8"), "the Spanish plan changed"
    for word in ENGLISH_WORDS:
        assert word not in actual, f"English left in the Spanish plan: {word!r}"
    assert "EMPIECE AQUÍ" in actual
