"""Timeline steps and premises: no step shown, and no page cited, contradicts the situation.

The premises are worked out from their rules with the small evaluator of ``tests/rule_reading.py``
(written from ``content/README.md``), not with the planner's own, as in
``test_golden_premises``. Every golden situation (``tests/golden``, ``tests/golden_es``) and every
golden timeline situation (``tests/golden_timeline``) is planned on two days: one before its
decision date (dated steps) and one long after (the steps without dates, the undated ones first).
The content-error tests work on a copy of the real content folder, changed in one place each.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from secondopinion import Content, ContentError, Situation, load_content, tailor
from secondopinion.content import TimelineStepSpec, UndatedStep
from secondopinion.planning.timeline import Timeline, build_timeline
from tests.rule_reading import answers_that_count, holds

HERE = Path(__file__).parent
CONTENT = HERE.parent / "content"
PLANS = sorted(
    [*(HERE / "golden").glob("*.situation.json"), *(HERE / "golden_es").glob("*.situation.json")]
)
TIMELINES = sorted((HERE / "golden_timeline").glob("*.json"))
EARLY, LATE = dt.date(2024, 1, 2), dt.date(2031, 1, 2)


def answers_of(path: Path) -> dict[str, object]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    answers: dict[str, object] = raw.get("answers", raw)
    return answers


def timeline_on(answers: Mapping[str, object], today: dt.date, content: Content) -> Timeline:
    situation = Situation.from_answers(answers, content.intake)
    return build_timeline(situation, tailor(situation, content), content, today)


def specs(content: Content) -> dict[str, TimelineStepSpec | UndatedStep]:
    knowledge = content.timeline
    every: list[TimelineStepSpec | UndatedStep] = [
        *knowledge.steps,
        *knowledge.record_steps,
        *knowledge.undated_steps,
    ]
    return {spec.id: spec for spec in every}


def clashes(timeline: Timeline, contradicted: set[str], content: Content) -> list[str]:
    """Every step shown that assumes, or cites a page that assumes, a contradicted premise."""
    by_id = specs(content)
    wrong = []
    for step in timeline.steps:
        clash = contradicted.intersection(by_id[step.kind].assumes)
        if clash:
            wrong.append(f"{step.id} assumes {sorted(clash)}: {step.text}")
        for source_id in step.sources:
            clash = contradicted.intersection(content.sources[source_id].assumes)
            if clash:
                wrong.append(f"{step.id} cites {source_id}, which assumes {sorted(clash)}")
    return wrong


@pytest.mark.parametrize(
    "path", [*PLANS, *TIMELINES], ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}"
)
def test_no_timeline_step_shown_contradicts_the_situation(path: Path, content: Content) -> None:
    answers = answers_of(path)
    counted = answers_that_count(answers, content.intake)
    contradicted = {p.id for p in content.premises.premises if holds(p.contradicted, counted)}
    wrong = []
    for today in (EARLY, LATE):
        wrong += clashes(timeline_on(answers, today, content), contradicted, content)
    assert not wrong, "\n".join(wrong)


def test_a_page_on_terminal_illness_is_never_cited_in_a_curable_timeline(content: Content) -> None:
    answers = {
        "diagnosis_kind": "cancer",
        "seriousness": "early",
        "spread": "where_it_started",
        "treatment_status": "not_started",
        "insurance": "employer_or_marketplace",
        "tests_done": ["biopsy", "imaging"],
        "time_to_decide": "weeks",
        "decision_date": "2024-02-20",
    }
    for today in (EARLY, LATE):
        cited = {s for step in timeline_on(answers, today, content).steps for s in step.sources}
        assert cited, today
        assert "finalkeepsake_terminal" not in cited, today
    serious = {**answers, "seriousness": "terminal", "spread": "other_organs"}
    cited = {s for step in timeline_on(serious, EARLY, content).steps for s in step.sources}
    assert "finalkeepsake_terminal" in cited


def test_a_step_whose_premise_is_contradicted_is_left_out(content: Content) -> None:
    insured = {"insurance": "employer_or_marketplace", "time_to_decide": "months"}
    kinds = {step.kind for step in timeline_on(insured, LATE, content).steps}
    assert "t_call_insurer" in kinds
    uninsured = {**insured, "insurance": "none"}
    kinds = {step.kind for step in timeline_on(uninsured, LATE, content).steps}
    assert "t_call_insurer" not in kinds and "t_ask_cost" in kinds
    urgent = {"treatment_urgency": "days"}
    kinds = {step.kind for step in timeline_on(urgent, LATE, content).steps}
    assert "t_ask_how_long" not in kinds, "'very few choices must be made at once' to the urgent"
    assert "t_ask_how_long" in {step.kind for step in timeline_on({}, LATE, content).steps}


def test_an_appeal_without_insurance_keeps_its_date_but_not_the_plan(content: Content) -> None:
    answers = {
        "second_deadline": "2024-03-20",
        "second_deadline_kind": "appeal",
        "time_to_decide": "weeks",
        "decision_date": "2024-03-10",
    }
    insured = {**answers, "insurance": "employer_or_marketplace"}
    kinds = [step.kind for step in timeline_on(insured, EARLY, content).steps]
    assert "t_appeal_by" in kinds and "t_other_by" not in kinds
    uninsured = {**answers, "insurance": "none"}
    steps = timeline_on(uninsured, EARLY, content).steps
    assert not {"t_appeal_by", "t_appeal_letter"} & {step.kind for step in steps}
    kept = [step for step in steps if step.kind == "t_other_by"]
    assert kept and kept[0].date == dt.date(2024, 3, 20)


# ---------------------------------------------------------------------------- check-content
@pytest.fixture
def real_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("translations"))
    return target


def edit_step(
    folder: Path, key: str, step_id: str, change: Callable[[dict[str, Any]], None]
) -> None:
    path = folder / "timeline.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(e for e in data[key] if e["id"] == step_id))
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    return [str(p) for p in caught.value.problems]


def test_the_real_copy_loads(real_copy: Path) -> None:
    assert load_content(real_copy).timeline.steps


@pytest.mark.parametrize(
    ("key", "step_id", "part", "words", "premise"),
    [
        (
            "steps",
            "t_talk_doctor",
            "why",
            "Bring notes on the treatment you have had.",
            "had_treatment",
        ),
        (
            "record_steps",
            "t_make_record",
            "if_late",
            "List what your cancer center gave you.",
            "is_cancer",
        ),
        (
            "undated_steps",
            "t_hospice_talk",
            "why",
            "Ask them about your insurance card.",
            "has_insurance",
        ),
    ],
)
def test_a_step_relying_on_a_premise_it_does_not_declare_is_named(
    real_copy: Path, key: str, step_id: str, part: str, words: str, premise: str
) -> None:
    edit_step(real_copy, key, step_id, lambda step: step.update({part: words}))
    problems = problems_of(real_copy)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"timeline.yaml: {step_id}: '{part}' says “")
    assert f"relies on premise '{premise}': add it to 'assumes'" in problems[0]

    def declare(step: dict[str, Any]) -> None:
        step["assumes"] = [*step.get("assumes", []), premise]

    edit_step(real_copy, key, step_id, declare)
    assert load_content(real_copy).timeline


def test_a_helpers_words_are_checked_too(real_copy: Path) -> None:
    def say(step: dict[str, dict[str, str]]) -> None:
        step["for_helper"]["why"] = "The doctor knows the treatment you have had."

    edit_step(real_copy, "steps", "t_talk_doctor", say)
    assert problems_of(real_copy) == [
        "timeline.yaml: t_talk_doctor: 'for_helper.why' says “the treatment you have had”, "
        "which relies on premise 'had_treatment': add it to 'assumes'"
    ]


def test_a_parents_words_may_speak_of_their_child_but_not_of_more(real_copy: Path) -> None:
    def say(step: dict[str, dict[str, str]]) -> None:
        step["for_parent"]["why"] = "Your child's doctor can help. Ask about the tumor board."

    edit_step(real_copy, "steps", "t_talk_doctor", say)
    assert problems_of(real_copy) == [
        "timeline.yaml: t_talk_doctor: 'for_parent.why' says “tumor board”, "
        "which relies on premise 'is_cancer': add it to 'assumes'"
    ]


def test_an_unknown_premise_and_pages_that_all_assume_too_much(real_copy: Path) -> None:
    def assume_nonsense(step: dict[str, Any]) -> None:
        step["assumes"] = ["has_wings"]

    def cite_only_terminal(step: dict[str, Any]) -> None:
        step["sources"] = ["finalkeepsake_terminal"]

    edit_step(real_copy, "steps", "t_talk_doctor", assume_nonsense)
    edit_step(real_copy, "record_steps", "t_make_record", cite_only_terminal)
    assert problems_of(real_copy) == [
        "timeline.yaml: t_talk_doctor: 'assumes' names unknown premise 'has_wings'",
        "timeline.yaml: t_make_record: every page it cites assumes more than the step does "
        "(serious_outlook): where that is contradicted it would cite none; "
        "add to 'assumes', or cite a page for everyone",
    ]
