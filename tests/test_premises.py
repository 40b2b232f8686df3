"""Premises: what items take for granted, checked when content loads and honoured by the engine.

The content-error tests work on a copy of the real content folder (the premises are defined over
the real intake), changed in one place each, so each one shows the check catching that mistake.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from secondopinion import Content, ContentError, Situation, load_content, tailor
from secondopinion.content.vocabulary import PREMISES
from secondopinion.planning import Plan

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture
def real_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("translations"))
    return target


def edit(folder: Path, name: str, change: Callable[[dict], None]) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def entry(data: dict, key: str, item_id: str) -> dict:
    return next(e for e in data[key] if e["id"] == item_id)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    return [str(p) for p in caught.value.problems]


def plan_for(content: Content, **answers: object) -> Plan:
    return tailor(Situation.from_answers(answers, content.intake), content)


def every_text(plan: Plan) -> list[str]:
    parts = ("text", "why", "what", "how_to_get", "detail")
    return [
        words
        for p in (*plan.questions, *plan.records, *plan.next_steps)
        for part in parts
        if isinstance(words := getattr(p.item, part, None), str)
    ]


# ---------------------------------------------------------------------------- check-content


def test_the_real_copy_loads(real_copy: Path) -> None:
    assert load_content(real_copy).premises.ids == PREMISES


def test_an_item_relying_on_a_premise_it_does_not_declare_is_named(real_copy: Path) -> None:
    def say_treatment_so_far(data: dict) -> None:
        entry(data, "questions", "q_side_effects")["why"] = "Think of the treatment you have had."

    edit(real_copy, "questions.yaml", say_treatment_so_far)
    assert problems_of(real_copy) == [
        "questions.yaml: q_side_effects: 'why' says “the treatment you have had”, which relies "
        "on premise 'had_treatment': add it to 'assumes'"
    ]


def test_declaring_the_premise_settles_it(real_copy: Path) -> None:
    def say_and_declare(data: dict) -> None:
        item = entry(data, "questions", "q_side_effects")
        item["why"] = "Think of the treatment you have had."
        item["assumes"] = ["had_treatment"]

    edit(real_copy, "questions.yaml", say_and_declare)
    assert load_content(real_copy).item("q_side_effects").assumes == ("had_treatment",)


@pytest.mark.parametrize(
    ("words", "premise"),
    [
        ("What signs should I watch for in case it comes back?", "treatment_ended_well"),
        ("Has it spread, and how far?", "has_stages"),
        ("Look for a cancer center near you.", "is_cancer"),
        ("Waiting a short, sensible time is usually safe.", "time_to_wait"),
        ("The patient cannot decide right now.", "patient_cannot_decide"),
    ],
)
def test_each_kind_of_reliance_is_caught(real_copy: Path, words: str, premise: str) -> None:
    edit(
        real_copy, "next_steps.yaml", lambda d: entry(d, "steps", "s_take_notes").update(text=words)
    )
    (problem,) = problems_of(real_copy)
    assert problem.startswith("next_steps.yaml: s_take_notes: 'text' says")
    assert f"premise '{premise}'" in problem


def test_words_for_when_the_premise_fails_also_settle_it(real_copy: Path) -> None:
    def voice(data: dict) -> None:
        item = entry(data, "steps", "s_say_if_you_had")
        item["for_no_disease"] = {"text": "If you had what I have, whom would you see?"}

    edit(real_copy, "next_steps.yaml", voice)
    (problem,) = problems_of(real_copy)
    assert "s_say_if_you_had: 'for_no_disease.text' says" in problem


def test_an_unknown_premise_and_a_source_that_assumes_too_much(real_copy: Path) -> None:
    edit(
        real_copy,
        "questions.yaml",
        lambda d: entry(d, "questions", "q_side_effects").update(assumes=["is_cancr"]),
    )
    edit(
        real_copy,
        "next_steps.yaml",
        lambda d: entry(d, "steps", "s_take_notes").update(sources=["nci_cancer_centers"]),
    )
    problems = problems_of(real_copy)
    assert "questions.yaml: q_side_effects: 'assumes' names unknown premise 'is_cancr'" in problems
    assert any(
        p.startswith("next_steps.yaml: s_take_notes: every page it cites assumes more")
        for p in problems
    )


def test_a_premise_the_code_names_must_be_defined(real_copy: Path) -> None:
    edit(
        real_copy,
        "premises.yaml",
        lambda d: d.update(premises=[p for p in d["premises"] if p["id"] != "at_home"]),
    )
    assert problems_of(real_copy) == ["premises.yaml: the code names premise 'at_home': define it"]


def test_a_premise_rule_is_checked_like_any_rule(real_copy: Path) -> None:
    edit(
        real_copy,
        "premises.yaml",
        lambda d: entry(d, "premises", "at_home").update(
            contradicted={"field": "in_hospitl", "equals": True}
        ),
    )
    assert problems_of(real_copy) == [
        "premises.yaml: at_home: rule names unknown field 'in_hospitl'"
    ]


# ---------------------------------------------------------------------------- the engine


def test_an_item_is_hidden_only_when_its_premise_is_contradicted(content: Content) -> None:
    unknown = plan_for(content, diagnosis_kind="cancer")
    leukemia = plan_for(content, diagnosis_kind="cancer", disease_group="blood_cancer")
    assert "q_type_and_spread" in unknown.item_ids
    assert "r_staging" in unknown.item_ids
    assert "q_type_and_spread" not in leukemia.item_ids
    assert "r_staging" not in leukemia.item_ids
    assert leukemia.premises["has_stages"] == "contradicted"
    assert unknown.premises["has_stages"] == "unknown"


def test_comes_back_only_after_treatment_ended_well(content: Content) -> None:
    finished = plan_for(content, diagnosis_kind="cancer", treatment_status=["finished"])
    not_started = plan_for(content, diagnosis_kind="cancer", treatment_status=["not_started"])
    not_cancer = plan_for(
        content,
        diagnosis_kind="other_serious",
        disease_group="nerve_muscle",
        treatment_status=["finished"],
    )
    assert "q_if_comes_back" in finished.item_ids
    assert "q_if_comes_back" not in not_started.item_ids
    assert "q_if_comes_back" not in not_cancer.item_ids


def test_cancer_only_help_is_not_shown_for_another_illness(content: Content) -> None:
    plan = plan_for(
        content,
        diagnosis_kind="other_serious",
        disease_group="organ_failure",
        can_travel=True,
        reasons=["clinical_trials"],
        seriousness="advanced",
    )
    for item_id in ("s_place_to_stay", "s_cancer_centers", "q_trial_help_search", "q_tumor_board"):
        assert item_id not in plan.item_ids
    cited = {s for p in (*plan.questions, *plan.records, *plan.next_steps) for s in p.sources}
    assert not cited & {"nci_trials_search", "acs_hope_lodge", "nci_cis", "nci_costs"}
    assert "s_find_trials" in plan.item_ids


def test_a_page_on_terminal_illness_is_not_cited_for_a_curable_cancer(content: Content) -> None:
    early = plan_for(content, diagnosis_kind="cancer", seriousness="early")
    terminal = plan_for(content, diagnosis_kind="cancer", seriousness="terminal")
    cited = {s for p in (*early.questions, *early.records, *early.next_steps) for s in p.sources}
    assert "finalkeepsake_terminal" not in cited
    assert any(
        "finalkeepsake_terminal" in p.sources
        for p in (*terminal.questions, *terminal.records, *terminal.next_steps)
    )


def test_palliative_care_is_not_a_first_step_for_stage_three_colon_cancer(
    content: Content,
) -> None:
    stage_three = plan_for(
        content,
        diagnosis_kind="cancer",
        disease_group="solid_cancer",
        seriousness="advanced",
        spread="nearby_nodes",
        options_offered="one",
        treatment_proposed=["surgery"],
        treatment_status=["not_started"],
    )
    spread_far = plan_for(
        content,
        diagnosis_kind="cancer",
        disease_group="solid_cancer",
        seriousness="advanced",
        spread="other_organs",
        treatment_status=["not_working"],
    )
    assert "s_palliative_care" in stage_three.item_ids
    assert "s_palliative_care" not in stage_three.start_here.item_ids
    assert "s_palliative_care" in spread_far.start_here.item_ids


def test_words_for_someone_with_no_disease(content: Content) -> None:
    risk = plan_for(content, diagnosis_kind="cancer", what_was_found="inherited_risk")
    ill = plan_for(content, diagnosis_kind="cancer")
    assert "If you were in my place" in risk.steps_in("talk_to_doctor")[0].text or any(
        "If you were in my place" in s.text for s in risk.next_steps
    )
    assert not any("If you were in my place" in s.text for s in ill.next_steps)
    assert "q_type_and_spread" not in risk.item_ids


# ---------------------------------------------------------------------------- how soon

WAITING_IS_SAFE = re.compile(
    r"usually safe|often safe|short wait|no harm in most cases|waiting a short|"
    r"very few treatment choices|espera corta|no hace daño|pocas decisiones de tratamiento",
    re.IGNORECASE,
)
FAST_QUESTIONS = {"q_days_only", "q_fast_doctor_call", "q_fast_tests_first", "q_fast_move_center"}
FAST_STEPS = ("s_fast_no_delay", "s_fast_doctor_to_doctor", "s_fast_send_today")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("answer", [{"treatment_urgency": "days"}, {"time_to_decide": "days"}])
def test_treatment_within_days_gets_the_fast_route(language: str, answer: dict) -> None:
    content = load_content(language=language)
    plan = plan_for(
        content,
        diagnosis_kind="cancer",
        treatment_status=["not_started"],
        tests_done=["biopsy"],
        **answer,
    )
    start = plan.start_here
    assert start.next_steps[0].id == "s_fast_no_delay"
    assert {s.id for s in start.next_steps} == set(FAST_STEPS)
    assert {q.id for q in start.questions[:4]} == FAST_QUESTIONS
    assert not [w for w in every_text(plan) if WAITING_IS_SAFE.search(w)]
    calm = plan_for(
        content,
        diagnosis_kind="cancer",
        treatment_status=["not_started"],
        treatment_urgency="weeks",
        time_to_decide="weeks",
    )
    assert not FAST_QUESTIONS & calm.item_ids
    assert any(WAITING_IS_SAFE.search(w) for w in every_text(calm))


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_waiting_is_safe_for_someone_in_treatment(language: str) -> None:
    content = load_content(language=language)
    plan = plan_for(content, diagnosis_kind="cancer", treatment_status=["in_treatment"])
    assert not [w for w in every_text(plan) if WAITING_IS_SAFE.search(w)]


def test_in_treatment_the_side_effect_guidance_comes_first(content: Content) -> None:
    for reader in ("patient", "family", "parent_guardian"):
        plan = plan_for(
            content,
            filled_by=reader,
            diagnosis_kind="cancer",
            treatment_status=["in_treatment"],
            options_offered="several",
            treatment_proposed=["chemotherapy"],
        )
        assert plan.start_here.questions[0].id == "q_side_effects_now"
        assert plan.start_here.next_steps[0].id == "s_side_effects_now"
        assert "before the next dose" in plan.start_here.next_steps[0].text
    before = plan_for(content, diagnosis_kind="cancer", treatment_status=["not_started"])
    assert "q_side_effects_now" not in before.item_ids


# ---------------------------------------------------------------------------- who decides

CANNOT_DECIDE = re.compile(
    r"cannot decide|can't decide|cannot make (their|his|her) own|unable to decide|"
    r"no puede decidir|no puede tomar sus propias",
    re.IGNORECASE,
)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("reader", ["proxy", "family", "navigator"])
def test_not_sure_never_says_the_patient_cannot_decide(language: str, reader: str) -> None:
    content = load_content(language=language)
    plan = plan_for(
        content,
        filled_by=reader,
        patient_can_decide="not_sure",
        diagnosis_kind="cancer",
        advance_directive="none",
    )
    said = [w for w in every_text(plan) if CANNOT_DECIDE.search(w)]
    assert not said, said
    assert {"q_capacity_this_choice", "s_capacity_this_choice", "s_supported_decision"} <= (
        plan.item_ids
    )
    cannot = plan_for(content, filled_by=reader, patient_can_decide="cannot_decide")
    assert any(CANNOT_DECIDE.search(w) for w in every_text(cannot))
    assert "s_capacity_this_choice" not in cannot.item_ids


def test_deciding_with_help_gets_supported_decision_making(content: Content) -> None:
    plan = plan_for(content, filled_by="family", patient_can_decide="decides_with_help")
    assert {"s_supported_decision", "q_decide_with_help"} <= plan.item_ids
    assert plan.premises["patient_decides"] == "holds"
    assert "s_final_choice_yours" in plan.item_ids


def test_two_people_with_a_say_and_a_disagreement(content: Content) -> None:
    two = plan_for(content, filled_by="parent_guardian", decision_makers="two_share")
    disagree = plan_for(content, filled_by="family", decision_makers="family_disagrees")
    assert {"s_two_share", "q_two_share"} <= two.item_ids
    assert {"s_family_disagrees", "q_family_meeting"} <= disagree.item_ids
    assert "s_final_choice_yours" not in two.item_ids


def test_naming_someone_for_an_appeal(content: Content) -> None:
    wants = plan_for(
        content,
        filled_by="family",
        insurance="plan_hmo",
        already_done=["denial_received"],
        appeal_representative="wants_one",
    )
    named = plan_for(
        content, filled_by="family", insurance="plan_hmo", appeal_representative="already_named"
    )
    assert "s_appeal_representative" in wants.item_ids
    assert "s_appeal_representative_named" in named.item_ids
