"""The timeline worked back from the decision date: golden files, its rules, and its content.

Golden files: each named situation in ``tests/golden_timeline/`` is a day ("today") and intake
answers (``<name>.json``); ``<name>.timeline.txt`` is the whole timeline as text. When a change is
meant, regenerate them and read the diff::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_timeline.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
from pathlib import Path

import pytest

from secondopinion import Content, ContentError, Situation, load_content, tailor
from secondopinion.planning import Timeline, build_timeline, long_date, timeline_as_text

from .conftest import EditYaml

GOLDEN = Path(__file__).parent / "golden_timeline"
NAMES = sorted(p.name.removesuffix(".json") for p in GOLDEN.glob("*.json"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DECISION = dt.date(2026, 3, 2)


def timeline_for(answers: dict[str, object], today: dt.date, content: Content) -> Timeline:
    situation = Situation.from_answers(answers, content.intake)
    return build_timeline(situation, tailor(situation, content), content, today)


def golden(name: str, content: Content) -> Timeline:
    raw = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return timeline_for(raw["answers"], dt.date.fromisoformat(raw["today"]), content)


def deciding_on(decision: dt.date, **more: object) -> dict[str, object]:
    return {
        "diagnosis_kind": "cancer",
        "tests_done": ["biopsy", "imaging"],
        "insurance": "employer_or_marketplace",
        "time_to_decide": "weeks",
        "decision_date": decision.isoformat(),
        **more,
    }


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("name", NAMES)
def test_the_timeline_is_the_saved_one(name: str, content: Content) -> None:
    actual = timeline_as_text(golden(name, content))
    saved = GOLDEN / f"{name}.timeline.txt"
    if UPDATE:
        saved.write_text(actual, encoding="utf-8")
    assert saved.exists(), f"no saved timeline for '{name}': run with UPDATE_GOLDEN=1"
    expected = saved.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"golden_timeline/{name}.timeline.txt (saved)",
            tofile=f"{name} (the timeline now)",
        )
        pytest.fail(
            "the timeline changed; if that is meant, rerun with UPDATE_GOLDEN=1 and read the diff\n"
            + "".join(diff),
            pytrace=False,
        )


def test_the_named_situations_cover_the_cases_that_matter(content: Content) -> None:
    assert len(NAMES) >= 6
    timelines = {name: golden(name, content) for name in NAMES}
    assert timelines["deadline_passed"].state == "passed"
    assert timelines["no_date_not_told"].state == "no_date"
    assert timelines["hospice_no_date"].state == "no_date"
    assert timelines["comfortable_two_months"].days_left == 60
    assert {s.status for s in timelines["comfortable_two_months"].steps} == {"ok"}
    assert timelines["very_tight_three_days"].days_left == 3
    assert "tight" in {s.status for s in timelines["very_tight_three_days"].steps}
    assert "past" in {s.status for s in timelines["one_day_left"].steps}
    assert {p.removesuffix(".timeline.txt") for p in os.listdir(GOLDEN) if p.endswith(".txt")} == (
        set(NAMES)
    )


def test_every_named_situation_has_its_story_in_the_readme() -> None:
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, flags=re.MULTILINE)) == set(NAMES)


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize("days_left", [0, 1, 2, 3, 5, 8, 13, 21, 30, 44, 45, 46, 60, 120])
def test_dates_keep_their_order_and_never_fall_outside_today_and_the_decision(
    days_left: int, content: Content
) -> None:
    today = DECISION - dt.timedelta(days=days_left)
    timeline = timeline_for(deciding_on(DECISION), today, content)
    assert timeline.state == "planned"
    dated = timeline.dated_steps
    assert [s.date for s in dated] == sorted(s.date for s in dated if s.date)
    by_kind = {spec.id: spec for spec in (*content.timeline.steps, *content.timeline.record_steps)}
    dates = {s.kind: s.date for s in dated}
    for step in timeline.steps:
        assert step.planned is not None and step.latest is not None
        assert step.planned <= step.latest <= DECISION
        if step.status == "ok":
            assert step.date is not None and step.date >= step.planned >= today
            assert step.instead is None
        elif step.status == "tight":
            assert step.planned < today <= step.date <= step.latest
            assert step.instead
        else:
            assert step.status == "past"
            assert step.date is None and step.latest < today
            assert step.instead
        # never before a step it must follow, plus the shortest gap between them
        if step.date is not None:
            for kind, spec in by_kind.items():
                if spec.before == step.kind and dates.get(kind) is not None:
                    assert step.date >= dates[kind] + dt.timedelta(days=spec.fewest_days)
    assert timeline.steps[-1].kind == "t_decide"
    assert timeline.steps[-1].date == DECISION
    assert timeline.steps[-1].status == "ok"


PLAN_STORIES = sorted((Path(__file__).parent / "golden").glob("*.situation.json"))


@pytest.mark.parametrize("story", PLAN_STORIES, ids=lambda p: p.name.split(".")[0])
def test_every_golden_plan_story_gets_a_timeline_on_any_day(story: Path, content: Content) -> None:
    raw = json.loads(story.read_text(encoding="utf-8"))
    raw["decision_date"] = DECISION.isoformat()
    situation = Situation.from_answers(raw, content.intake)
    plan = tailor(situation, content)
    counts_date = "decision_date" in situation.in_effect(content.intake)
    for days_left in (-1, 0, 2, 15, 50):
        timeline = build_timeline(situation, plan, content, DECISION - dt.timedelta(days=days_left))
        assert timeline.steps
        assert timeline.message
        assert len([s for s in timeline.steps if s.record_id]) == len(plan.records)
        if not counts_date:
            assert timeline.state == "no_date"
        elif days_left < 0:
            assert timeline.state == "passed"
        else:
            assert timeline.state == "planned"
            assert timeline.dated_steps[-1].date == DECISION


def test_plenty_of_time_means_every_step_on_its_planned_date(content: Content) -> None:
    timeline = timeline_for(deciding_on(DECISION), DECISION - dt.timedelta(days=90), content)
    assert all(s.status == "ok" and s.date == s.planned for s in timeline.steps)
    assert timeline.message == content.timeline.message("on_track")


def test_records_are_asked_for_early_enough_for_the_office_to_take_thirty_days(
    content: Content,
) -> None:
    timeline = timeline_for(deciding_on(DECISION), DECISION - dt.timedelta(days=90), content)
    send = next(s for s in timeline.steps if s.kind == "t_send_records")
    asks = [s for s in timeline.steps if s.kind == "t_ask_record"]
    assert asks
    assert all(
        send.date - ask.date == dt.timedelta(days=30) for ask in asks if ask.date and send.date
    )
    assert "thirty calendar days" in asks[0].why
    assert "hhs_right_of_access" in asks[0].sources


def test_one_step_for_each_record_in_the_plan(content: Content) -> None:
    answers = deciding_on(DECISION, treatment_status="in_treatment")
    situation = Situation.from_answers(answers, content.intake)
    plan = tailor(situation, content)
    timeline = build_timeline(situation, plan, content, DECISION - dt.timedelta(days=40))
    record_steps = [s for s in timeline.steps if s.record_id is not None]
    assert sorted(s.record_id for s in record_steps) == sorted(r.id for r in plan.records)
    for step in record_steps:
        record = content.item(step.record_id or "")
        assert record.text in step.text
        assert step.id == f"{step.kind}__{step.record_id}"
    kinds = {s.record_id: s.kind for s in record_steps}
    assert kinds["r_slides"] == "t_ask_record"
    assert kinds["r_medicine_list"] == "t_make_record"
    assert kinds["r_referral_approval"] == "t_get_approval"
    assert len({s.id for s in timeline.steps}) == len(timeline.steps)


def test_late_steps_are_moved_to_today_and_say_what_to_do_instead(content: Content) -> None:
    today = DECISION - dt.timedelta(days=10)
    timeline = timeline_for(deciding_on(DECISION), today, content)
    ask = next(s for s in timeline.steps if s.record_id == "r_slides")
    assert (ask.status, ask.date) == ("tight", today)
    assert ask.planned is not None and ask.planned < today
    assert ask.instead is not None and "in person" in ask.instead
    assert ask.status_label == content.timeline.status_label("tight")
    assert timeline.message == content.timeline.message("late")


def test_no_time_left_means_no_date_and_a_plain_message(content: Content) -> None:
    timeline = timeline_for(deciding_on(DECISION), DECISION, content)
    visit = next(s for s in timeline.steps if s.kind == "t_visit")
    assert (visit.status, visit.date) == ("past", None)
    assert visit.instead is not None and "wait a little" in visit.instead
    assert timeline.message == content.timeline.message("no_time")
    assert timeline.dated_steps[-1].kind == "t_decide"


def test_without_a_date_no_step_has_one_and_the_doctor_is_asked_first(content: Content) -> None:
    answers = {"diagnosis_kind": "cancer", "time_to_decide": "weeks"}
    timeline = timeline_for(answers, DECISION, content)
    assert timeline.state == "no_date"
    assert timeline.decision_date is None and timeline.days_left is None
    assert timeline.dated_steps == ()
    assert all(s.status is None and s.planned is None for s in timeline.steps)
    assert timeline.steps[0].kind == "t_ask_how_long"
    assert "how long it is safe to wait" in timeline.steps[0].text
    assert timeline.message == content.timeline.message("no_date")


def test_a_decision_date_that_does_not_count_is_no_date(content: Content) -> None:
    # the date field is hidden when the person has not been told how long they have
    answers = {"time_to_decide": "not_told", "decision_date": DECISION.isoformat()}
    assert timeline_for(answers, DECISION - dt.timedelta(days=30), content).state == "no_date"


def test_hospice_asks_the_hospice_team_instead(content: Content) -> None:
    timeline = timeline_for({"treatment_status": "hospice"}, DECISION, content)
    kinds = [s.kind for s in timeline.steps]
    assert kinds[0] == "t_hospice_talk"
    assert "t_ask_how_long" not in kinds


def test_a_decision_date_already_passed_says_so_plainly(content: Content) -> None:
    timeline = timeline_for(deciding_on(DECISION), DECISION + dt.timedelta(days=1), content)
    assert timeline.state == "passed"
    assert timeline.decision_date == DECISION
    assert long_date(DECISION) in timeline.message
    assert "has passed" in timeline.message
    assert timeline.dated_steps == ()
    assert timeline.steps[0].kind == "t_ask_how_long"


def test_without_insurance_the_cost_is_asked_instead_of_calling_the_plan(
    content: Content,
) -> None:
    kinds = {s.kind for s in timeline_for(deciding_on(DECISION), DECISION, content).steps}
    assert "t_call_insurer" in kinds and "t_ask_cost" not in kinds
    uninsured = deciding_on(DECISION, insurance="none")
    kinds = {s.kind for s in timeline_for(uninsured, DECISION, content).steps}
    assert "t_ask_cost" in kinds and "t_call_insurer" not in kinds


def test_long_dates_read_the_same_on_every_machine() -> None:
    assert long_date(dt.date(2026, 2, 6)) == "Friday, February 6, 2026"
    assert long_date(dt.date(2024, 2, 29)) == "Thursday, February 29, 2024"


def test_every_step_cites_sources_that_exist(content: Content) -> None:
    knowledge = content.timeline
    for step in (*knowledge.steps, *knowledge.record_steps, *knowledge.undated_steps):
        assert step.sources
        assert all(source in content.sources for source in step.sources), step.id


# --------------------------------------------------------------------------- content errors


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return [str(p) for p in caught.value.problems]


def test_the_small_timeline_loads(small_content_dir: Path) -> None:
    content = load_content(small_content_dir)
    assert [s.id for s in content.timeline.steps] == ["t_visit", "t_decide"]
    assert [a.id for a in content.compare.aspects] == ["diagnosis"]


def test_a_missing_timeline_file_is_named(small_content_dir: Path) -> None:
    (small_content_dir / "timeline.yaml").unlink()
    assert problems_of(small_content_dir)[0].startswith("timeline.yaml: file is missing")


def test_a_step_before_an_unknown_step(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("timeline.yaml", lambda d: d["steps"][0].update(before="t_decid"))
    assert problems_of(small_content_dir) == [
        "timeline.yaml: t_visit: 'before' names unknown step 't_decid'"
    ]


def test_steps_that_go_round_in_a_circle(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    def circle(data: dict) -> None:
        data["steps"][1].update(before="t_visit")

    edit_yaml("timeline.yaml", circle)
    problems = problems_of(small_content_dir)
    assert "timeline.yaml: t_visit: 'before' goes round in a circle" in problems
    assert "timeline.yaml: no step comes right before 'decision'" in problems


def test_a_record_step_that_does_not_name_the_record(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    edit_yaml("timeline.yaml", lambda d: d["record_steps"][0].update(text="Ask for it"))
    assert problems_of(small_content_dir) == [
        "timeline.yaml: t_ask_record: 'text' must name the record with {record}"
    ]


def test_a_record_step_for_an_unknown_record(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    def listed(data: dict) -> None:
        data["record_steps"].append(
            {**data["record_steps"][0], "id": "t_other", "records": ["r_slidez"]}
        )

    edit_yaml("timeline.yaml", listed)
    assert problems_of(small_content_dir) == [
        "timeline.yaml: t_other: lists unknown record 'r_slidez'"
    ]


def test_two_record_steps_for_every_other_record(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    edit_yaml(
        "timeline.yaml",
        lambda d: d["record_steps"].append({**d["record_steps"][0], "id": "t_twice"}),
    )
    assert problems_of(small_content_dir) == [
        "timeline.yaml: exactly one record step must have no 'records' (it is for every other "
        "record); found 2"
    ]


def test_a_gap_that_shrinks_to_more_than_it_is(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    edit_yaml("timeline.yaml", lambda d: d["steps"][0].update(fewest_days=9))
    assert problems_of(small_content_dir) == [
        "timeline.yaml: t_visit: 'fewest_days' cannot be more than 'days'"
    ]


def test_a_negative_or_text_gap(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("timeline.yaml", lambda d: d["steps"][0].update(days=-1))
    edit_yaml("timeline.yaml", lambda d: d["steps"][1].update(days="7"))
    problems = problems_of(small_content_dir)
    assert len(problems) == 2
    assert problems[0].startswith("timeline.yaml: t_visit: 'days':")
    assert problems[1].startswith("timeline.yaml: t_decide: 'days':")


def test_an_unknown_source_or_rule_field_in_the_timeline(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    def broken(data: dict) -> None:
        data["steps"][0].update(sources=["acs", "nope"])
        data["undated_steps"][0].update(when={"field": "can_travle", "exists": True})

    edit_yaml("timeline.yaml", broken)
    problems = problems_of(small_content_dir)
    assert "timeline.yaml: t_visit: cites unknown source 'nope'" in problems
    assert any(
        p.startswith("timeline.yaml: t_ask_how_long:") and "can_travle" in p for p in problems
    )


def test_a_missing_message_or_status(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("timeline.yaml", lambda d: d.update(messages=d["messages"][:-1]))
    edit_yaml("timeline.yaml", lambda d: d.update(statuses=d["statuses"][1:]))
    assert problems_of(small_content_dir) == [
        "timeline.yaml: 'statuses' is missing ok",
        "timeline.yaml: 'messages' is missing no_time",
    ]


def test_a_duplicate_aspect_in_compare(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("compare.yaml", lambda d: d["aspects"].append(dict(d["aspects"][0])))
    assert problems_of(small_content_dir) == ["compare.yaml: diagnosis: id is used 2 times"]
