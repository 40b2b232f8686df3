"""The plans against reviews written blind (``tests/reviews/``, see its README).

A review lists what a specialist navigator would make sure the workbook says for one situation and
what it must not say; its score file says which plan items meet each point. These tests keep what
was met, keep every must-not unbroken, and keep the mean score at or above the bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from secondopinion import Content, Plan, Situation, tailor
from secondopinion.cli._plan_output import plan_as_text
from secondopinion.content.situation_map import where_on_the_map

REVIEWS = Path(__file__).parent / "reviews"
SCORES = REVIEWS / "scores"
NAMES = sorted(p.stem for p in REVIEWS.glob("*.yaml"))
BAR = 0.85
POINTS = {"met": 1.0, "partly": 0.5, "not": 0.0}
START_HERE = "start_here:"


def _yaml(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


@dataclass(frozen=True)
class Reviewed:
    """One review, its score, and the plan the workbook makes for its situation today."""

    review: dict
    score: dict
    plan: Plan
    text: str

    def has(self, evidence: str) -> bool:
        if evidence.startswith(START_HERE):
            return evidence.removeprefix(START_HERE) in self.plan.start_here.item_ids
        return evidence in self.plan.item_ids


def reviewed(name: str, content: Content) -> Reviewed:
    review = _yaml(REVIEWS / f"{name}.yaml")
    score_file = SCORES / f"{name}.yaml"
    assert score_file.exists(), f"review '{name}' has no score in scores/{name}.yaml"
    situation = Situation.from_answers(review["situation"], content.intake)
    plan = tailor(situation, content)
    return Reviewed(review, _yaml(score_file), plan, plan_as_text(plan, content))


def test_there_are_enough_reviews() -> None:
    assert len(NAMES) >= 40, f"only {len(NAMES)} blind reviews in tests/reviews/"


@pytest.mark.parametrize("name", NAMES)
def test_the_review_is_whole(name: str) -> None:
    review = _yaml(REVIEWS / f"{name}.yaml")
    assert review.get("id") == name
    assert review.get("written_without_reading_content") is True
    assert 8 <= len(review["must_include"]) <= 14, "8 to 14 must-include items"
    assert 4 <= len(review["must_not"]) <= 7, "4 to 7 must-not items"
    for point in [*review["must_include"], *review["must_not"]]:
        assert point.get("sources"), f"{name} {point['id']}: no source"
        assert all(str(s).startswith("http") for s in point["sources"]), f"{name} {point['id']}"


@pytest.mark.parametrize("name", NAMES)
def test_every_point_is_scored(name: str) -> None:
    review = _yaml(REVIEWS / f"{name}.yaml")
    score = _yaml(SCORES / f"{name}.yaml")
    assert set(score["must_include"]) == {p["id"] for p in review["must_include"]}
    assert set(score["must_not"]) == {p["id"] for p in review["must_not"]}
    for point_id, mark in score["must_include"].items():
        assert mark["score"] in POINTS, f"{name} {point_id}: score is met, partly or not"
        if mark["score"] != "not":
            assert mark.get("evidence"), f"{name} {point_id}: met or partly names its evidence"


@pytest.mark.parametrize("name", NAMES)
def test_what_was_met_is_still_there(name: str, content: Content) -> None:
    case = reviewed(name, content)
    lost = [
        f"{point_id}: {evidence}"
        for point_id, mark in case.score["must_include"].items()
        for evidence in mark.get("evidence", ())
        if not case.has(evidence)
    ]
    assert not lost, f"{name}: the plan no longer has what met these points: {lost}"


@pytest.mark.parametrize("name", NAMES)
def test_no_must_not_is_broken(name: str, content: Content) -> None:
    case = reviewed(name, content)
    for point_id, mark in case.score["must_not"].items():
        assert mark.get("broken") is False, f"{name} {point_id}: the plan breaks this must-not"
        shown = [item for item in mark.get("absent", ()) if case.has(item)]
        assert not shown, f"{name} {point_id}: the plan shows {shown}"
        for pattern in mark.get("absent_text", ()):
            found = re.search(pattern, case.text, re.IGNORECASE)
            assert found is None, f"{name} {point_id}: the plan says '{found.group(0)}'"


def test_the_reviews_cover_every_value_of_the_situation_map(content: Content) -> None:
    reached: set[tuple[str, str]] = set()
    for name in NAMES:
        review = _yaml(REVIEWS / f"{name}.yaml")
        answers = Situation.from_answers(review["situation"], content.intake).in_effect(
            content.intake
        )
        places = where_on_the_map(content.situation_map, dict(answers))
        reached |= {(axis, value) for axis, values in places.items() for value in values}
    everywhere = {(axis.id, value.id) for axis in content.situation_map for value in axis.values}
    assert not everywhere - reached, f"no review is at {sorted(everywhere - reached)}"


def test_the_plans_meet_the_bar() -> None:
    scores = []
    for name in NAMES:
        marks = _yaml(SCORES / f"{name}.yaml")["must_include"].values()
        scores.append(sum(POINTS[m["score"]] for m in marks) / len(marks))
    mean = sum(scores) / len(scores)
    assert mean >= BAR, f"the plans meet {mean:.0%} of what the reviews ask, below {BAR:.0%}"
