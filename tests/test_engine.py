"""The engine chooses, explains and orders items from the situation alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondopinion import Content, Plan, Situation, load_content, tailor
from secondopinion.planning import SHOWN_TO_EVERYONE


@pytest.fixture
def small(small_content_dir: Path) -> Content:
    return load_content(small_content_dir)


def plan_for(content: Content, **answers: object) -> Plan:
    return tailor(Situation.from_answers(answers, content.intake), content)


def test_an_empty_situation_gets_the_items_that_always_apply(small: Content) -> None:
    plan = plan_for(small)
    assert [q.id for q in plan.questions] == ["q_sure", "q_wait"]
    assert plan.questions[0].because == (SHOWN_TO_EVERYONE,)
    assert [s.id for s in plan.next_steps] == ["s_center"]
    assert plan.records == ()


def test_items_appear_with_the_answers_that_chose_them(small: Content) -> None:
    plan = plan_for(small, tests_done=["biopsy"], can_travel=False)
    by_id = {q.id: q for q in plan.questions}
    assert by_id["q_slides"].because == ("Because you had a biopsy.",)
    assert by_id["q_remote"].because == ("Because you cannot travel easily.",)
    assert [r.id for r in plan.records] == ["r_slides"]


def test_not_and_all_are_respected(small: Content) -> None:
    plan = plan_for(small, can_travel=False, diagnosis_kind="rare_disease")
    assert "q_remote" not in plan.item_ids


def test_exists_false_is_explained(small: Content) -> None:
    (wait,) = [q for q in plan_for(small).questions if q.id == "q_wait"]
    assert wait.because == (
        "Because you have not yet answered “By what date do you need to decide?”.",
    )


def test_any_lists_only_the_branches_that_held(small: Content) -> None:
    plan = plan_for(small, diagnosis_kind="rare_disease")
    (wait,) = [q for q in plan.questions if q.id == "q_wait"]
    assert wait.because == (
        "Because you have not yet answered “By what date do you need to decide?”.",
        "Because it is a rare disease.",
    )


def test_a_hidden_answer_does_not_count(small: Content) -> None:
    shown = plan_for(small, diagnosis_kind="cancer", decision_date="2026-12-01")
    hidden = plan_for(small, diagnosis_kind="rare_disease", decision_date="2026-12-01")
    assert "q_wait" not in shown.item_ids
    assert "q_wait" in hidden.item_ids


def test_questions_are_ordered_by_audience_then_topic_then_file(small: Content) -> None:
    plan = plan_for(small, tests_done=["biopsy"], can_travel=False)
    assert [q.id for q in plan.questions] == ["q_sure", "q_wait", "q_slides", "q_remote"]
    assert [q.id for q in plan.questions_for("second_doctor")] == ["q_slides", "q_remote"]


def test_the_same_situation_gives_the_same_plan(content: Content) -> None:
    answers = {"diagnosis_kind": "cancer", "treatment_status": "not_working"}
    first = tailor(Situation.from_answers(answers, content.intake), content)
    second = tailor(
        Situation.from_answers(dict(reversed(answers.items())), content.intake), content
    )
    assert first == second


def test_every_real_item_shows_for_some_situation(content: Content) -> None:
    """The loader proves each rule can be true; here the real content shows every item."""
    assert {q.id for q in content.questions} and {r.id for r in content.records}
    empty = tailor(Situation(), content)
    assert len(empty.questions) >= 5
    assert len(empty.records) >= 3
    assert len(empty.next_steps) >= 5
