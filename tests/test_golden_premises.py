"""Every golden situation, old and new, gets no item whose premise its answers contradict.

The premises are worked out here from their rules with the small evaluator of
``test_every_situation`` (written from the rule semantics in ``content/README.md``), not with the
engine's own, so a plan that shows a contradicted item, or cites a page that assumes what the
answers contradict, fails here whatever the engine believes. The golden situations also cover
every intake answer added for issue 20: each new field, and each new choice of an older field,
is in at least one of them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secondopinion import Content, Situation, tailor
from tests.rule_reading import answers_that_count, holds

HERE = Path(__file__).parent
SITUATIONS = sorted(
    [*(HERE / "golden").glob("*.situation.json"), *(HERE / "golden_es").glob("*.situation.json")]
)

NEW_FIELDS = (
    "what_was_found",
    "disease_group",
    "spread",
    "treatment_urgency",
    "in_hospital",
    "pregnancy_stage",
    "due_date",
    "opinion_kind",
    "past_radiation",
    "second_coverage",
    "preferred_language",
    "job_income_at_risk",
    "decision_makers",
    "appeal_representative",
    "second_deadline",
    "second_deadline_kind",
)
NEW_CHOICES = {
    "patient_can_decide": ("decides_with_help",),
    "tests_done": ("bone_marrow", "spinal_fluid", "endoscopy", "nerve_tests", "consumer_dna"),
    "treatment_proposed": (
        "stem_cell_transplant",
        "ablation",
        "hormone_therapy",
        "disease_slowing_medicine",
    ),
    "insurance": (
        "medicaid_managed_care",
        "medicare_advantage_hmo",
        "medicare_advantage_ppo",
        "va_health_care",
    ),
    "already_done": ("second_opinion_done",),
    "what_was_found": (
        "confirmed_disease",
        "suspected_disease",
        "precancer",
        "inherited_risk",
        "scan_finding",
    ),
    "spread": ("where_it_started", "nearby_nodes", "other_organs", "not_known"),
    "treatment_urgency": ("days", "weeks", "months", "not_said"),
    "decision_makers": ("one_person", "two_share", "family_disagrees"),
    "appeal_representative": ("not_needed", "wants_one", "already_named"),
    "second_deadline_kind": ("appeal", "notice", "other"),
    "opinion_kind": (
        "full_visit",
        "pathology_review",
        "scan_reread",
        "records_review",
        "surgical_opinion",
        "not_sure",
    ),
}


def saved(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", SITUATIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_item_shown_contradicts_the_situation(path: Path, content: Content) -> None:
    answers = saved(path)
    plan = tailor(Situation.from_answers(answers, content.intake), content)
    counted = answers_that_count(answers, content.intake)
    contradicted = {p.id for p in content.premises.premises if holds(p.contradicted, counted)}
    wrong = []
    for planned in (*plan.questions, *plan.records, *plan.next_steps):
        clash = contradicted.intersection(planned.item.assumes)
        if clash:
            wrong.append(f"{planned.id} assumes {sorted(clash)}: {planned.text}")
        for source_id in planned.sources:
            clash = contradicted.intersection(content.sources[source_id].assumes)
            if clash:
                wrong.append(f"{planned.id} cites {source_id}, which assumes {sorted(clash)}")
    assert not wrong, "\n".join(wrong)


def test_every_new_intake_answer_is_in_a_golden_situation(content: Content) -> None:
    given: dict[str, set[object]] = {}
    for path in SITUATIONS:
        for field_id, value in saved(path).items():
            values = value if isinstance(value, list) else [value]
            given.setdefault(field_id, set()).update(values)
    missing = [f for f in NEW_FIELDS if f not in given]
    missing += [
        f"{field_id}: {choice}"
        for field_id, choices in NEW_CHOICES.items()
        for choice in choices
        if choice not in given.get(field_id, set())
    ]
    assert not missing, f"no golden situation answers: {missing}"
    for field_id in (*NEW_FIELDS, *NEW_CHOICES):
        assert field_id in content.intake.fields_by_id
