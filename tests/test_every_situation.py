"""Every valid situation gets a sound plan: checked on many situations built from the real intake.

A situation is drawn field by field from ``content/intake.yaml``: each field is absent or holds a
valid answer of its kind. The rules are checked against a small evaluator written here from the
rule semantics in ``content/README.md`` (only the parsed rule shapes are reused), so the engine
is not tested against itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion import Content, Situation, tailor
from secondopinion.cli._plan_output import plan_as_data
from secondopinion.content import Field, Intake
from secondopinion.planning import SHOWN_TO_EVERYONE, SHOWN_UNLESS_RULED_OUT
from secondopinion.planning.reader import Reader
from tests.rule_reading import answers_that_count, holds

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

AWKWARD_TEXT = [
    "Stage II <b>melanoma</b>",
    "<script>alert('x')</script>",
    "سرطان الثدي",  # Arabic, right to left
    "מחלה נדירה",  # Hebrew, right to left
    "🙂🎗️ leukemia 👨‍👩‍👧",
    "  spaces around  ",
    "line one\nline two\ttab",
    "\u202eRTL override",
    "zero\u200bwidth",
]


def answer_of(field: Field) -> st.SearchStrategy[object]:
    """Any valid saved (JSON) answer to one field, including the ways of saying 'unanswered'."""
    unanswered = st.none()
    if field.kind == "one_choice":
        given_answer: st.SearchStrategy[object] = st.sampled_from(field.choice_ids)
    elif field.kind == "several_choices":
        given_answer = st.lists(st.sampled_from(field.choice_ids), unique=True)
    elif field.kind == "yes_no":
        given_answer = st.booleans()
    elif field.kind == "date":
        given_answer = st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
    else:
        given_answer = st.one_of(st.text(), st.sampled_from(AWKWARD_TEXT))
    return st.one_of(unanswered, given_answer)


def situations(intake: Intake) -> st.SearchStrategy[dict[str, object]]:
    """Saved answers for any subset of the intake fields."""
    return st.fixed_dictionaries(
        {}, optional={field.id: answer_of(field) for field in intake.fields}
    )


def phrases_for(answers: Mapping[str, object], intake: Intake) -> set[str]:
    """Every 'Because ...' line the person's in-effect answers could give."""
    phrases = set()
    for field in intake.fields:
        label = field.label
        phrases.add(f"you have not yet answered “{label}”")
        if field.id not in answers:
            continue
        answer = answers[field.id]
        phrases.add(f"you have answered “{label}”")
        if isinstance(answer, bool):
            phrases.add((field.you_said_true if answer else field.you_said_false) or "")
        chosen = answer if isinstance(answer, set) else {answer}
        phrases.update(c.you_said for c in field.choices if c.id in chosen)
    return {f"Because {p}." for p in phrases} | {SHOWN_UNLESS_RULED_OUT}


def all_items(content: Content) -> list:
    return [*content.questions, *content.records, *content.next_steps]


# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_every_situation_gets_a_plan_of_exactly_the_items_whose_rules_hold(
    content: Content, data: st.DataObject
) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    plan = tailor(Situation.from_answers(saved, content.intake), content)
    counted = answers_that_count(saved, content.intake)
    contradicted = {p.id for p in content.premises.premises if holds(p.contradicted, counted)}
    expected = {
        i.id
        for i in all_items(content)
        if (i.when is None or holds(i.when, counted)) and not contradicted.intersection(i.assumes)
    }
    assert plan.item_ids == expected
    planned = [*plan.questions, *plan.records, *plan.next_steps]
    assert len(planned) == len(plan.item_ids), "an item was planned twice"


@SETTINGS
@given(data=st.data())
def test_items_without_a_rule_are_always_there(content: Content, data: st.DataObject) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    plan = tailor(Situation.from_answers(saved, content.intake), content)
    always = {item.id for item in all_items(content) if item.when is None and not item.assumes}
    assert always, "the content has no item that always applies"
    assert always <= plan.item_ids
    for planned in (*plan.questions, *plan.records, *plan.next_steps):
        if planned.item.when is None:
            assert planned.because == (SHOWN_TO_EVERYONE,)


@SETTINGS
@given(data=st.data())
def test_no_item_shown_assumes_what_the_answers_contradict(
    content: Content, data: st.DataObject
) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    plan = tailor(Situation.from_answers(saved, content.intake), content)
    counted = answers_that_count(saved, content.intake)
    contradicted = {p.id for p in content.premises.premises if holds(p.contradicted, counted)}
    for planned in (*plan.questions, *plan.records, *plan.next_steps):
        assert not contradicted.intersection(planned.item.assumes), planned.id
        for source_id in planned.sources:
            assumed = set(content.sources[source_id].assumes)
            assert not contradicted & assumed, (planned.id, source_id)
        assert planned.sources, f"{planned.id} is shown citing no page"


@SETTINGS
@given(data=st.data())
def test_every_reason_given_is_one_of_the_persons_own_answers(
    content: Content, data: st.DataObject
) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    plan = tailor(Situation.from_answers(saved, content.intake), content)
    counted = answers_that_count(saved, content.intake)
    # A helper reads the intake in their words ("Which of these has the patient had?").
    allowed = phrases_for(counted, Reader.of(counted, content.intake).intake(content.intake))
    for planned in (*plan.questions, *plan.records, *plan.next_steps):
        if planned.item.when is None:
            continue
        assert planned.because, planned.id
        assert set(planned.because) <= allowed, (planned.id, planned.because)


@SETTINGS
@given(data=st.data())
def test_the_plan_is_the_same_every_time_and_in_any_answer_order(
    content: Content, data: st.DataObject
) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    first = tailor(Situation.from_answers(saved, content.intake), content)
    again = tailor(Situation.from_answers(saved, content.intake), content)
    shuffled = dict(reversed(list(saved.items())))
    reordered = tailor(Situation.from_answers(shuffled, content.intake), content)
    assert first == again == reordered
    assert plan_as_data(first) == plan_as_data(reordered)


@SETTINGS
@given(data=st.data())
def test_the_plan_is_in_the_order_the_content_gives(content: Content, data: st.DataObject) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    plan = tailor(Situation.from_answers(saved, content.intake), content)
    audiences = [a.id for a in content.audiences]
    topics = [t.id for t in content.topics]
    in_file = {item.id: n for n, item in enumerate(all_items(content))}
    keys = [
        (audiences.index(q.item.audience), topics.index(q.item.topic), in_file[q.id])
        for q in plan.questions
    ]
    assert keys == sorted(keys)
    for planned, groups in (
        (plan.records, [c.id for c in content.record_categories]),
        (plan.next_steps, [c.id for c in content.step_categories]),
    ):
        keys = [(groups.index(p.item.category), in_file[p.id]) for p in planned]
        assert keys == sorted(keys)


@SETTINGS
@given(data=st.data())
def test_a_situation_survives_saving_and_loading(content: Content, data: st.DataObject) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    situation = Situation.from_answers(saved, content.intake)
    through_json = json.loads(json.dumps(situation.to_answers()))
    again = Situation.from_answers(through_json, content.intake)
    assert again == situation
    assert again.to_answers() == situation.to_answers()


@SETTINGS
@given(data=st.data())
def test_the_plan_as_data_is_json_with_every_key(content: Content, data: st.DataObject) -> None:
    saved = data.draw(situations(content.intake), label="answers")
    plan = tailor(Situation.from_answers(saved, content.intake), content)
    data_form = plan_as_data(plan)
    assert json.loads(json.dumps(data_form, ensure_ascii=False)) == data_form
    keys = {"id", "text", "category", "audience", "why", "because", "sources"}
    for section in ("questions", "records", "next_steps"):
        for entry in data_form[section]:
            assert set(entry) == keys
            assert (entry["audience"] is None) == (section != "questions")
