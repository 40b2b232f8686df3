"""Golden plans: the whole plan for each named situation in ``tests/golden/``, saved as text.

A change to the content or the engine shows up here as a readable diff of what a person would
read. When the change is meant, regenerate the saved plans and read the diff before committing::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_plans.py

The stories behind the situations are in ``tests/golden/README.md``. The tests at the end check,
by topic and category rather than by item id, what a person in the key stories should see.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path

import pytest

from secondopinion import Content, Plan, PlannedItem, Situation, tailor
from secondopinion.cli._plan_output import plan_as_text
from secondopinion.content import Question

GOLDEN = Path(__file__).parent / "golden"
NAMES = sorted(p.name.removesuffix(".situation.json") for p in GOLDEN.glob("*.situation.json"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def situation_of(name: str, content: Content) -> Situation:
    raw = json.loads((GOLDEN / f"{name}.situation.json").read_text(encoding="utf-8"))
    return Situation.from_answers(raw, content.intake)


def plan_of(name: str, content: Content) -> Plan:
    return tailor(situation_of(name, content), content)


@pytest.mark.parametrize("name", NAMES)
def test_the_plan_is_the_saved_one(name: str, content: Content) -> None:
    actual = plan_as_text(plan_of(name, content), content)
    saved = GOLDEN / f"{name}.plan.txt"
    if UPDATE:
        saved.write_text(actual, encoding="utf-8")
    assert saved.exists(), f"no saved plan for '{name}': run with UPDATE_GOLDEN=1"
    expected = saved.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"golden/{name}.plan.txt (saved)",
            tofile=f"{name} (the plan now)",
        )
        pytest.fail(
            "the plan changed; if that is meant, rerun with UPDATE_GOLDEN=1 and read the diff\n"
            + "".join(diff),
            pytrace=False,
        )


def test_there_are_at_least_25_named_situations() -> None:
    assert len(NAMES) >= 25


@pytest.mark.parametrize("name", NAMES)
def test_every_plan_opens_with_a_short_start_here_list(name: str, content: Content) -> None:
    plan = plan_of(name, content)
    first = plan.start_here
    assert 1 <= len(first.questions) <= 5
    assert 1 <= len(first.records) <= 5 or not plan.records
    assert 1 <= len(first.next_steps) <= 3
    for chosen, whole in (
        (first.questions, plan.questions),
        (first.records, plan.records),
        (first.next_steps, plan.next_steps),
    ):
        assert set(chosen) <= set(whole)
    assert plan_as_text(plan, content).startswith("START HERE")


ILLNESS = (
    r"(cancer|diagnosis|biopsy|biopsies|slides|scans?|tumou?r|treatment|records?|illness|"
    r"disease|body|stage|surgery|symptoms|health|outlook|care team|medicines?|tests?)"
)
# A helper may speak of themselves ("I am helping", "a form from me"), not of the illness as theirs.
FIRST_PERSON = re.compile(
    rf"\b(my {ILLNESS}|I (have|had|am having) (cancer|a biopsy|surgery))\b", re.I
)
TO_THE_PATIENT = re.compile(rf"\byour {ILLNESS}\b", re.IGNORECASE)


HELPER_NAMES = [
    name
    for name in NAMES
    if json.loads((GOLDEN / f"{name}.situation.json").read_text(encoding="utf-8")).get(
        "filled_by", "patient"
    )
    != "patient"
]


def test_several_golden_plans_are_read_by_helpers() -> None:
    assert len(HELPER_NAMES) >= 5


@pytest.mark.parametrize("name", HELPER_NAMES)
def test_a_helper_is_never_spoken_to_as_if_they_were_ill(name: str, content: Content) -> None:
    plan = plan_of(name, content)
    wrong = [
        f"{p.id}: {text}"
        for p in (*plan.questions, *plan.records, *plan.next_steps)
        for text in (p.text, p.item.why)
        if FIRST_PERSON.search(text) or TO_THE_PATIENT.search(text)
    ]
    assert wrong == []


def test_a_parent_reads_of_their_child_and_a_proxy_of_the_patient(content: Content) -> None:
    parent = " ".join(p.text for p in plan_of("parent_child_leukemia", content).questions)
    proxy = " ".join(
        p.text for p in plan_of("daughter_proxy_father_cannot_decide", content).questions
    )
    assert "my child" in parent
    assert "the patient" in proxy and not FIRST_PERSON.search(proxy)


def test_every_saved_plan_has_its_situation() -> None:
    plans = {p.name.removesuffix(".plan.txt") for p in GOLDEN.glob("*.plan.txt")}
    assert plans == set(NAMES)


def test_every_situation_has_its_story_in_the_readme() -> None:
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    in_table = set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert in_table == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_situation_uses_real_fields_and_choices(name: str, content: Content) -> None:
    raw = json.loads((GOLDEN / f"{name}.situation.json").read_text(encoding="utf-8"))
    situation = situation_of(name, content)
    assert set(situation.answers) == set(raw), "an answer in the file counts as unanswered"
    hidden = set(raw) - set(situation.in_effect(content.intake))
    assert not hidden, f"answers to fields this person would not be shown: {sorted(hidden)}"


# ---------------------------------------------------------------------------------------------
# What a person in the key stories should see.


def shown_because(plan: Plan, phrase: str) -> list[PlannedItem]:
    """The items shown because of one answer ('the treatment is not working')."""
    every = (*plan.questions, *plan.records, *plan.next_steps)
    return [p for p in every if any(phrase in reason for reason in p.because)]


def topics_because(plan: Plan, phrase: str, audience: str | None = None) -> set[str]:
    """The topics of the questions shown because of one answer (for one audience)."""
    return {
        p.item.topic
        for p in shown_because(plan, phrase)
        if isinstance(p.item, Question) and audience in (None, p.item.audience)
    }


def groups_because(plan: Plan, phrase: str) -> set[str]:
    """The categories of the records and next steps shown because of one answer."""
    return {
        p.item.category for p in shown_because(plan, phrase) if not isinstance(p.item, Question)
    }


def test_the_relapse_told_nothing_more_gets_trials_and_other_options(content: Content) -> None:
    plan = plan_of("cml_relapse_told_nothing_more", content)
    told = "nothing more can be done"
    assert "clinical_trials" in topics_because(plan, told, "second_doctor")
    assert "clinical_trials" in topics_because(plan, told, "current_doctor")
    assert "treatment_options" in topics_because(plan, "you were offered no treatment")
    assert "where_to_go" in groups_because(plan, told)
    assert "cost_coverage" in topics_because(plan, "the insurance is Medicare", "insurer")


def test_the_teens_family_weighs_two_treatments_and_long_term_effects(content: Content) -> None:
    plan = plan_of("teen_melanoma_two_treatments", content)
    assert "side_effects_daily_life" in topics_because(plan, "the patient is a teenager")
    assert "treatment_options" in topics_because(plan, "immunotherapy or targeted therapy")
    assert "treatment_options" in topics_because(plan, "you were offered several choices")
    assert "where_to_go" in groups_because(plan, "the patient is a teenager")
    assert "tests" in groups_because(plan, "immunotherapy or targeted therapy")


PRESSING = re.compile(
    r"\b(hurry|right away|at once|as soon as|deadline|set your own date|hold up your decision"
    r"|safely take to decide)\b"
)


def pressing_items(plan: Plan) -> list[str]:
    """Items whose words push a person to decide or act by a date."""
    every = (*plan.questions, *plan.records, *plan.next_steps)
    return [p.id for p in every if PRESSING.search(p.text.lower())]


def test_hospice_gets_comfort_and_goals(content: Content) -> None:
    plan = plan_of("hospice_leiomyosarcoma", content)
    hospice = "the patient is in hospice or comfort care"
    assert {"outlook_goals", "side_effects_daily_life"} <= topics_because(plan, hospice)
    assert "timing" in groups_because(plan, hospice), "a word that it is not too late to ask"


def test_hospice_is_not_pressed_to_decide(content: Content) -> None:
    raw = json.loads((GOLDEN / "hospice_leiomyosarcoma.situation.json").read_text("utf-8"))
    before = tailor(
        Situation.from_answers({**raw, "treatment_status": "not_working"}, content.intake), content
    )
    assert pressing_items(before), "the same story before hospice is nudged to keep to a date"
    assert pressing_items(plan_of("hospice_leiomyosarcoma", content)) == []


def test_a_finding_not_yet_named_gets_questions_about_what_it_is(content: Content) -> None:
    plan = plan_of("precancer_mouth_ent", content)
    not_named = "something was found but it has not been named yet"
    assert "diagnosis" in topics_because(plan, not_named, "second_doctor")
    assert "where_to_go" in groups_because(plan, not_named)
    assert "pathology" in groups_because(plan, "the patient had a biopsy")


def test_two_uncertain_diagnoses_are_asked_about_together(content: Content) -> None:
    plan = plan_of("two_uncertain_diagnoses", content)
    two = "there is more than one condition or possible diagnosis"
    assert topics_because(plan, two, "second_doctor")
    assert topics_because(plan, two, "insurer")
    assert {"where_to_go", "reports"} <= groups_because(plan, two)


def test_the_nurse_aunt_coming_along_gets_help_for_the_visit(content: Content) -> None:
    plan = plan_of("nurse_aunt_comes_along", content)
    assert "practical" in topics_because(
        plan, "someone will come along to the visits", "second_doctor"
    )
    assert "remembering" in groups_because(plan, "someone will come along to the visits")
    assert "talk_to_doctor" in groups_because(
        plan, "a relative or friend without legal papers is helping"
    )


def test_treatment_not_working_gets_a_second_look_at_the_treatment(content: Content) -> None:
    plan = plan_of("stage4_mother_not_working", content)
    not_working = "the treatment stopped working"
    assert {"treatment_options", "clinical_trials"} <= topics_because(plan, not_working)
    assert {"treatment", "timing"} <= groups_because(plan, not_working)


def test_an_insurer_that_asks_for_an_opinion_gets_insurer_questions(content: Content) -> None:
    plan = plan_of("early_cancer_insurer_requires", content)
    required = "the insurance asks for a second opinion"
    assert "cost_coverage" in topics_because(plan, required, "insurer")
    assert "insurance" in groups_because(plan, required)
    assert "where_to_go" in groups_because(plan, "surgery was talked about")


def test_a_rare_disease_with_a_non_specialist_is_sent_to_specialists(content: Content) -> None:
    plan = plan_of("rare_disease_non_specialist", content)
    assert "where_to_go" in groups_because(plan, "it is a rare disease")
    assert topics_because(plan, "the doctor is not a specialist in this disease")
    assert "tests" in groups_because(plan, "the patient had genetic or biomarker tests")


def test_someone_who_cannot_travel_gets_remote_opinions(content: Content) -> None:
    plan = plan_of("cannot_travel_remote", content)
    cannot = "travel is hard"
    assert {"where_to_go", "insurance"} <= groups_because(plan, cannot)
    assert "cost_coverage" in topics_because(plan, cannot, "insurer")
    assert topics_because(plan, cannot, "second_doctor")


def test_two_differing_opinions_get_the_steps_for_when_opinions_differ(content: Content) -> None:
    plan = plan_of("two_opinions_differ", content)
    differ = "there are two opinions that differ"
    assert "opinions_differ" in groups_because(plan, differ)
    for audience in ("current_doctor", "second_doctor"):
        assert "opinions_differ" in topics_because(plan, differ, audience)
    assert "cost_coverage" in topics_because(plan, differ, "insurer")


def test_questions_for_differing_opinions_only_come_when_they_differ(content: Content) -> None:
    for name in NAMES:
        plan = plan_of(name, content)
        differ = situation_of(name, content).get("opinions_so_far") == "two_differ"
        assert any(q.item.topic == "opinions_differ" for q in plan.questions) == differ, name


def test_the_empty_situation_gets_only_what_everyone_gets(content: Content) -> None:
    plan = plan_of("empty", content)
    assert plan == tailor(Situation(), content)
    assert plan.questions and plan.records and plan.next_steps


def test_no_insurance_gets_help_with_cost_and_no_questions_for_an_insurer(
    content: Content,
) -> None:
    plan = plan_of("family_cannot_say_i_want_no_insurance", content)
    assert "cost_coverage" in topics_because(plan, "there is no health insurance", "second_doctor")
    assert "insurance" in groups_because(plan, "there is no health insurance")
    assert plan.questions_for("insurer") == ()
    assert not [r for r in plan.records if "insurance" in r.text.lower()]


def test_someone_who_finds_it_hard_to_talk_with_the_doctor_gets_help(content: Content) -> None:
    plan = plan_of("family_cannot_say_i_want_no_insurance", content)
    hard = "it is hard to understand or talk with the doctor"
    assert topics_because(plan, hard, "second_doctor")
    assert any("family" in s.text.lower() for s in plan.steps_in("talk_to_doctor"))


def test_a_decision_within_days_gets_a_fast_path(content: Content) -> None:
    plan = plan_of("surgery_within_days", content)
    days = "there are a few days to decide"
    assert "practical" in topics_because(plan, days, "current_doctor")
    assert "timing" in groups_because(plan, days)


def test_no_one_is_asked_about_tissue_they_do_not_have(content: Content) -> None:
    # Their own tissue: slides, a pathologist's look, "my biopsy" (a biopsy still to come is fine).
    tissue = re.compile(
        r"\b(slides?|tissue|pathologists?)\b|\b(my|your|the patient's|my child's) biopsy\b"
    )
    asked = {}
    for name in NAMES:
        done = situation_of(name, content).get("tests_done")
        if isinstance(done, frozenset) and not done & {"biopsy", "surgery", "bone_marrow"}:
            plan = plan_of(name, content)
            chosen = [p for p in (*plan.questions, *plan.next_steps) if p.item.when is not None]
            if found := [p.id for p in chosen if tissue.search(p.text.lower())]:
                asked[name] = found
    assert not asked


def test_every_story_gets_something_chosen_for_it(content: Content) -> None:
    everyone = tailor(Situation(), content).item_ids
    for name in NAMES:
        if name != "empty":
            assert plan_of(name, content).item_ids - everyone, name


def test_an_interpreter_is_offered_to_whoever_finds_it_hard_to_talk_with_the_doctor(
    content: Content,
) -> None:
    hard = tailor(
        Situation.from_answers({"reasons": ["trouble_understanding"]}, content.intake), content
    )
    english_fine = tailor(
        Situation.from_answers(
            {"reasons": ["trouble_understanding"], "language_needs": "english_fine"},
            content.intake,
        ),
        content,
    )
    for plan, offered in ((hard, True), (english_fine, False)):
        audiences = {q.item.audience for q in plan.questions if "interpreter" in q.text.lower()}
        steps = [s for s in plan.next_steps if "interpreter" in s.text.lower()]
        assert (audiences >= {"current_doctor", "second_doctor"}) is offered
        assert bool(steps) is offered


def test_a_spanish_speaker_gets_the_help_line_that_answers_in_spanish(content: Content) -> None:
    plan = plan_of("spanish_interpreter_phone_only", content)
    details = " ".join(s.item.detail or "" for s in plan.next_steps)
    assert "Spanish" in details
