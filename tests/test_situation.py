"""A situation is built strictly from intake answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from secondopinion import Situation, SituationError, load_content
from secondopinion.content import Intake


@pytest.fixture
def intake(small_content_dir: Path) -> Intake:
    return load_content(small_content_dir).intake


def test_answers_of_every_kind_round_trip(intake: Intake) -> None:
    saved = {
        "diagnosis_kind": "cancer",
        "tests_done": ["biopsy", "imaging"],
        "can_travel": False,
        "decision_date": "2026-12-31",
        "diagnosis_name": "  Stage II <b>melanoma</b> 🙂 ",
    }
    situation = Situation.from_answers(saved, intake)
    assert situation.get("tests_done") == frozenset({"biopsy", "imaging"})
    assert situation.get("decision_date") == dt.date(2026, 12, 31)
    assert situation.get("diagnosis_name") == "  Stage II <b>melanoma</b> 🙂 "
    assert situation.to_answers() == saved


def test_unanswered_values_are_left_out(intake: Intake) -> None:
    situation = Situation.from_answers(
        {"tests_done": [], "diagnosis_name": "", "can_travel": None}, intake
    )
    assert dict(situation.answers) == {}


def test_an_unknown_field_is_a_clear_error(intake: Intake) -> None:
    with pytest.raises(SituationError, match="unknown field 'diagnosis_knd'"):
        Situation.from_answers({"diagnosis_knd": "cancer"}, intake)


def test_an_unknown_choice_is_a_clear_error(intake: Intake) -> None:
    with pytest.raises(SituationError) as caught:
        Situation.from_answers({"diagnosis_kind": "cancr", "tests_done": ["xray"]}, intake)
    assert caught.value.problems == (
        "'cancr' is not a choice of 'diagnosis_kind' (choices: cancer, rare_disease)",
        "'xray' is not a choice of 'tests_done' (choices: biopsy, imaging)",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("can_travel", "yes", "'can_travel' takes true or false, got 'yes'"),
        ("tests_done", "biopsy", "'tests_done' takes a list of choices, got 'biopsy'"),
        ("decision_date", "31/12/2026", "'decision_date' takes a date like 2026-12-31"),
        ("diagnosis_name", 42, "'diagnosis_name' takes text, got 42"),
        ("diagnosis_kind", True, "True is not a choice of 'diagnosis_kind'"),
    ],
)
def test_values_are_never_converted(
    intake: Intake, field: str, value: object, message: str
) -> None:
    with pytest.raises(SituationError, match=message.replace("(", r"\(")):
        Situation.from_answers({field: value}, intake)


def test_answers_that_no_longer_fit_can_be_dropped(intake: Intake) -> None:
    situation = Situation.from_answers(
        {"old_field": "x", "diagnosis_kind": "gone", "can_travel": True}, intake, drop_unknown=True
    )
    assert dict(situation.answers) == {"can_travel": True}


def test_answers_to_hidden_fields_are_kept_but_do_not_count(intake: Intake) -> None:
    situation = Situation.from_answers(
        {"diagnosis_kind": "rare_disease", "decision_date": "2026-12-31"}, intake
    )
    assert situation.get("decision_date") == dt.date(2026, 12, 31)
    assert "decision_date" not in situation.in_effect(intake)
    assert "decision_date" not in [f.id for f in situation.shown_fields(intake)]
