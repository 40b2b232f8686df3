"""The timeline worked back from the decision date: golden files, its rules, and its content.

Golden files: each named situation in ``tests/golden_timeline/`` is a day ("today") and intake
answers (``<name>.json``); ``<name>.timeline.txt`` is the whole timeline as text. When a change is
meant, regenerate them and read the diff::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_timeline.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from secondopinion import Content, ContentError, Situation, load_content, tailor
from secondopinion.content import TimelineStepSpec
from secondopinion.content._timeline_models import UndatedStep
from secondopinion.planning import Timeline, build_timeline, long_date, timeline_as_text
from secondopinion.planning.timeline import MOST_A_DAY, working_days_between
from secondopinion.planning.working_days import is_working_day
from secondopinion.store import RecordState

from .conftest import EditYaml

GOLDEN = Path(__file__).parent / "golden_timeline"
NAMES = sorted(p.name.removesuffix(".json") for p in GOLDEN.glob("*.json"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DECISION = dt.date(2026, 3, 2)


def timeline_for(answers: Mapping[str, object], today: dt.date, content: Content) -> Timeline:
    situation = Situation.from_answers(answers, content.intake)
    return build_timeline(situation, tailor(situation, content), content, today)


def golden(name: str, content: Content) -> Timeline:
    """The timeline of a named situation, in its language (``"language"``, English by default)."""
    raw = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    language = raw.get("language", "en")
    if language != content.language:
        content = _content_in(language)
    return timeline_for(raw["answers"], dt.date.fromisoformat(raw["today"]), content)


def golden_language(name: str) -> str:
    raw = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return str(raw.get("language", "en"))


@functools.cache
def _content_in(language: str) -> Content:
    return load_content(language=language)


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
    actual = timeline_as_text(golden(name, content), golden_language(name))
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
    assert timelines["hospice_no_date"].state == "no_countdown"
    assert timelines["comfortable_two_months"].days_left == 60
    assert {s.status for s in timelines["comfortable_two_months"].steps} == {"ok"}
    assert timelines["very_tight_three_days"].days_left == 3
    assert "tight" in {s.status for s in timelines["very_tight_three_days"].steps}
    assert "past" in {s.status for s in timelines["one_day_left"].steps}
    for timeline in timelines.values():
        if timeline.state == "planned":
            assert_sane(timeline, content)
        else:
            assert timeline.dated_steps == ()
    assert {p.removesuffix(".timeline.txt") for p in os.listdir(GOLDEN) if p.endswith(".txt")} == (
        set(NAMES)
    )


def test_every_named_situation_has_its_story_in_the_readme() -> None:
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, flags=re.MULTILINE)) == set(NAMES)


# --------------------------------------------------------------------------- the rules
# Property checks over every golden plan story and a range of days: each timeline keeps the rules
# of issue 12 ("a sane timeline").

PLAN_STORIES = sorted((Path(__file__).parent / "golden").glob("*.situation.json"))
TODAY = dt.date(2026, 1, 7)  # a Wednesday
FRIDAY, SATURDAY = dt.date(2026, 1, 9), dt.date(2026, 1, 10)
DAYS_AHEAD = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 13, 14, 17, 20, 21, 24, 28, 30, 35, 45, 60, 90, 120]


def story(path: Path) -> dict[str, object]:
    raw: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return raw


def working_days_needed(timeline: Timeline, content: Content) -> int:
    """The working days the plan needs so that every step keeps its usual time, from the content:
    the longest chain of usual waits, plus a day for every three steps (at most three a day)."""
    specs = {s.id: s for s in (*content.timeline.steps, *content.timeline.record_steps)}

    def chain(kind: str) -> int:
        if kind in ("decision", "second_deadline"):
            return 0
        return specs[kind].working_days + chain(specs[kind].before)

    longest = max(chain(step.kind) for step in timeline.steps)
    return longest + -(-len(timeline.steps) // MOST_A_DAY)


def assert_sane(timeline: Timeline, content: Content, saved: dict[str, str] | None = None) -> None:
    """The rules every dated timeline keeps, whatever the situation and the day."""
    today, decision = timeline.today, timeline.decision_date
    dated = timeline.dated_steps
    days = [s.date for s in dated if s.date is not None]
    specs = {s.id: s for s in (*content.timeline.steps, *content.timeline.record_steps)}
    for step in dated:  # offices are open: no weekend, no public holiday
        assert step.date is not None
        if not (timeline.by_day and specs[step.kind].any_day):
            assert is_working_day(step.date), f"{step.kind} on a day off: {step.date}"
    assert max(Counter(days).values(), default=0) <= MOST_A_DAY, "more than 3 steps on a day"
    assert days == sorted(days), "steps out of order"
    assert decision is not None
    assert all(today <= day <= max([decision, *_other_dates(timeline)]) for day in days)
    assert all(s.date <= decision for s in dated if s.date and s.kind not in OTHER_DATE_STEPS)
    assert len({s.id for s in timeline.steps}) == len(timeline.steps)
    when = {s.kind: s.date for s in dated}
    for step in timeline.steps:
        assert step.status in ("ok", "tight", "past")
        assert (step.date is None) == (step.status == "past")
        assert (step.instead is not None) == (step.status != "ok") or step.kind == "t_decide"
        # never before a step it must follow, with at least the shortest wait between them
        for spec in specs.values():
            if step.date is not None and spec.before == step.kind:
                for other in timeline.steps:
                    if other.kind == spec.id and other.date is not None:
                        assert step.date >= _after(other.date, spec.fewest_working_days)
        if step.date is not None and specs[step.kind].before in when:
            after = when[specs[step.kind].before]
            assert after is not None and after >= step.date
    asked = [r for s in timeline.steps for r in s.record_ids]
    assert len(asked) == len(set(asked)), "a record asked for twice"
    for record_id, status in (saved or {}).items():
        asks = [s for s in timeline.steps if record_id in s.record_ids]
        if status in ("received", "sent"):
            assert not asks, f"{record_id} is {status}, yet it has a step"
        elif status == "requested":
            assert all(s.kind == "t_follow_up_record" for s in asks), record_id


def _after(day: dt.date, working_days: int) -> dt.date:
    while working_days:
        day += dt.timedelta(days=1)
        working_days -= is_working_day(day)
    return day


def _other_dates(timeline: Timeline) -> list[dt.date]:
    """The dates of the steps planned for the person's other date (an appeal, a notice)."""
    return [s.date for s in timeline.steps if s.date and s.kind in OTHER_DATE_STEPS]


OTHER_DATE_STEPS = ("t_appeal_by", "t_notice_by", "t_other_by", "t_appeal_letter")


@pytest.mark.parametrize("path", PLAN_STORIES, ids=lambda p: p.name.split(".")[0])
def test_every_golden_plan_story_keeps_the_rules_on_any_day(path: Path, content: Content) -> None:
    raw = story(path)
    hospice = "hospice" in _as_list(raw.get("treatment_status"))
    for today in (TODAY, FRIDAY, SATURDAY):
        for ahead in DAYS_AHEAD:
            decision = today + dt.timedelta(days=ahead)
            answers = {**raw, "time_to_decide": "weeks", "decision_date": decision.isoformat()}
            situation = Situation.from_answers(answers, content.intake)
            plan = tailor(situation, content)
            timeline = build_timeline(situation, plan, content, today)
            assert timeline.message and timeline.steps
            if hospice:
                assert timeline.state == "no_countdown"
                assert timeline.dated_steps == () and timeline.days_left is None
                assert "Days left" not in timeline_as_text(timeline)
                continue
            assert timeline.state == "planned"
            asked = [r for s in timeline.steps for r in s.record_ids]
            assert set(asked) <= {r.id for r in plan.records} and len(set(asked)) == len(asked)
            done = _as_list(raw.get("already_done"))
            if "records_gathered" not in done and "second_opinion_done" not in done:
                assert len(asked) == len(plan.records)
            assert_sane(timeline, content)
            if timeline.by_day:  # treatment within days: every day counts, the decision too
                room, decide_on = (decision - today).days, decision
            else:
                room, decide_on = working_days_between(today, decision), None
                if room >= working_days_needed(timeline, content):
                    assert {s.status for s in timeline.steps} == {"ok"}, (path.name, today, ahead)
                    assert timeline.message == content.timeline.message("on_track")
            if room >= 0 and not _other_dates(timeline):
                assert timeline.steps[-1].kind == "t_decide"
                assert timeline.steps[-1].status == "ok"
                assert timeline.steps[-1].date == (decide_on or _last_working_day(decision))


@pytest.mark.parametrize("path", PLAN_STORIES, ids=lambda p: p.name.split(".")[0])
def test_no_date_or_a_date_passed_gives_no_dated_step(path: Path, content: Content) -> None:
    raw = story(path)
    for answers in (
        {**raw, "time_to_decide": "not_told", "decision_date": "2026-02-02"},
        {k: v for k, v in raw.items() if k != "decision_date"},
        {**raw, "time_to_decide": "weeks", "decision_date": "2026-01-06"},
    ):
        timeline = timeline_for(answers, TODAY, content)
        assert timeline.state in ("no_date", "passed", "no_countdown")
        assert timeline.dated_steps == ()
        assert all(s.status is None for s in timeline.steps)


@pytest.mark.parametrize("path", PLAN_STORIES, ids=lambda p: p.name.split(".")[0])
def test_records_asked_for_received_or_sent_are_not_asked_for_again(
    path: Path, content: Content
) -> None:
    raw = {**story(path), "time_to_decide": "weeks", "decision_date": "2026-02-20"}
    situation = Situation.from_answers(raw, content.intake)
    plan = tailor(situation, content)
    statuses = ("needed", "requested", "received", "sent")
    saved = {r.id: statuses[n % 4] for n, r in enumerate(plan.records)}
    stamp = dt.datetime(2026, 1, 7, tzinfo=dt.UTC)
    records = {k: RecordState(k, v, "", None, "", stamp) for k, v in saved.items()}
    timeline = build_timeline(situation, plan, content, TODAY, records=records)
    if timeline.state == "planned":
        assert_sane(timeline, content, saved)
    done = "second_opinion_done" in _as_list(raw.get("already_done"))
    for record_id, status in saved.items():
        kinds = {s.kind for s in timeline.steps if record_id in s.record_ids}
        if status in ("received", "sent") or done:  # nothing more to send for the opinion
            assert not kinds
        elif status == "requested":
            assert kinds == {"t_follow_up_record"}


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _last_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def test_two_weeks_is_enough_time_and_nothing_is_late(content: Content) -> None:
    # issue 12: surgery in two weeks was told that "some steps are late"
    answers = deciding_on(dt.date(2026, 1, 19), treatment_status=["not_started"])
    timeline = timeline_for(answers, dt.date(2026, 1, 5), content)
    assert {s.status for s in timeline.steps} <= {"ok", "tight"}
    assert "late" not in timeline.message.lower()
    assert all("late" not in (s.status_label or "").lower() for s in timeline.steps)


def test_plenty_of_time_means_every_step_on_track_and_early(content: Content) -> None:
    timeline = timeline_for(deciding_on(DECISION), DECISION - dt.timedelta(days=90), content)
    assert {s.status for s in timeline.steps} == {"ok"}
    assert timeline.message == content.timeline.message("on_track")
    visit = next(s for s in timeline.steps if s.kind == "t_visit")
    assert visit.date is not None and (visit.date - timeline.today).days < 40  # planned forward


def test_slides_go_lab_to_lab_and_records_cite_the_thirty_days(content: Content) -> None:
    timeline = timeline_for(deciding_on(DECISION), DECISION - dt.timedelta(days=90), content)
    kinds = {r: s.kind for s in timeline.steps for r in s.record_ids}
    assert kinds["r_slides"] == "t_ask_slides"
    slides = next(s for s in content.timeline.record_steps if s.id == "t_ask_slides")
    other = next(s for s in content.timeline.record_steps if s.id == "t_ask_record")
    assert slides.working_days > other.working_days  # slides take longer
    assert "thirty calendar days" in other.why
    assert "hhs_right_of_access" in other.sources


def test_one_request_for_each_office_and_every_record_asked_for_once(content: Content) -> None:
    answers = deciding_on(DECISION, treatment_status=["in_treatment"])
    situation = Situation.from_answers(answers, content.intake)
    plan = tailor(situation, content)
    timeline = build_timeline(situation, plan, content, DECISION - dt.timedelta(days=40))
    record_steps = [s for s in timeline.steps if s.record_ids]
    asked = sorted(r for s in record_steps for r in s.record_ids)
    assert asked == sorted(r.id for r in plan.records)
    names = {r.id: r.item.text for r in plan.records}
    for step in record_steps:
        assert all(names[r] in step.text for r in step.record_ids)
        spec = next(s for s in content.timeline.record_steps if s.id == step.kind)
        if spec.records is None:  # who holds it is not known: one step for each
            assert step.record_ids == (step.record_id,)
            assert step.id == f"{step.kind}__{step.record_id}"
        else:  # one office: one request for all it holds
            assert step.id == step.kind
            assert set(step.record_ids) <= set(spec.records)
    kinds = {r: s.kind for s in record_steps for r in s.record_ids}
    assert kinds["r_slides"] == "t_ask_slides"
    assert kinds["r_pathology_report"] == kinds["r_imaging_reports"] == "t_ask_records_office"
    assert kinds["r_medicine_list"] == "t_make_record"
    assert kinds["r_referral_approval"] == "t_get_approval"
    office = [s for s in record_steps if s.kind == "t_ask_records_office"]
    assert len(office) == 1 and len(office[0].record_ids) >= 3


def test_short_time_says_how_to_speed_up_and_no_time_what_to_do_instead(
    content: Content,
) -> None:
    timeline = timeline_for(deciding_on(DECISION), DECISION - dt.timedelta(days=5), content)
    tight = [s for s in timeline.steps if s.status == "tight"]
    past = [s for s in timeline.steps if s.status == "past"]
    assert tight and past
    assert all(s.instead and s.date for s in tight)
    assert all(s.instead and s.date is None for s in past)
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


def test_hospice_asks_the_hospice_team_instead_without_a_countdown(content: Content) -> None:
    for answers in (
        {"treatment_status": ["hospice"]},
        deciding_on(DECISION, treatment_status=["hospice", "nothing_more"]),
    ):
        timeline = timeline_for(answers, DECISION - dt.timedelta(days=3), content)
        kinds = [s.kind for s in timeline.steps]
        assert kinds[0] == "t_hospice_talk"
        assert "t_ask_how_long" not in kinds
        assert timeline.state == "no_countdown" and timeline.dated_steps == ()
        assert timeline.message == content.timeline.message("no_countdown")


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
    every: list[TimelineStepSpec | UndatedStep] = [
        *knowledge.steps,
        *knowledge.record_steps,
        *knowledge.undated_steps,
    ]
    for step in every:
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
    def circle(data: dict[str, Any]) -> None:
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
    def listed(data: dict[str, Any]) -> None:
        data["record_steps"].append(
            {
                **data["record_steps"][0],
                "id": "t_other",
                "records": ["r_slidez"],
                "text": "Ask for {records}",
            }
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
    edit_yaml("timeline.yaml", lambda d: d["steps"][0].update(fewest_working_days=9))
    assert problems_of(small_content_dir) == [
        "timeline.yaml: t_visit: 'fewest_working_days' cannot be more than 'working_days'"
    ]


def test_a_negative_or_text_gap(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("timeline.yaml", lambda d: d["steps"][0].update(working_days=-1))
    edit_yaml("timeline.yaml", lambda d: d["steps"][1].update(working_days="7"))
    problems = problems_of(small_content_dir)
    assert len(problems) == 2
    assert problems[0].startswith("timeline.yaml: t_visit: 'working_days':")
    assert problems[1].startswith("timeline.yaml: t_decide: 'working_days':")


def test_an_unknown_source_or_rule_field_in_the_timeline(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    def broken(data: dict[str, Any]) -> None:
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
        "timeline.yaml: 'messages' is missing no_countdown",
    ]


def test_a_duplicate_aspect_in_compare(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("compare.yaml", lambda d: d["aspects"].append(dict(d["aspects"][0])))
    assert problems_of(small_content_dir) == ["compare.yaml: diagnosis: id is used 2 times"]
