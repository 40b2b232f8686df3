"""Short deadlines (issue 20): the critical path first, holidays, day by day, the other date.

The property test draws a day, a place and a situation (a golden plan story with more answers
laid over it) with the decision eight working days away and ten or more records to gather: the
insurer call and the booking are in the first two working days, before any records request, and
no step falls on a public holiday or a weekend.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion import Content, Situation, load_content, tailor
from secondopinion.content import Field, RecordStepSpec, TimelineStepSpec
from secondopinion.planning import Timeline, build_timeline, timeline_as_text
from secondopinion.planning.working_days import HOLIDAYS_SETTING, DayCounter, is_working_day

STORIES = sorted((Path(__file__).parent / "golden").glob("*.situation.json"))
ALL_TESTS = ["biopsy", "imaging", "surgery", "hospital_stay", "lab_work", "genetic_tests"]
THANKSGIVING = dt.date(2026, 11, 26)


def story(path: Path) -> dict[str, object]:
    raw: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return raw


def timeline_for(
    answers: Mapping[str, object], today: dt.date, content: Content, country: str | None = None
) -> Timeline:
    situation = Situation.from_answers(answers, content.intake)
    plan = tailor(situation, content)
    return build_timeline(situation, plan, content, today, country=country)


def cancer(decision: dt.date, **more: object) -> dict[str, object]:
    return {
        "diagnosis_kind": "cancer",
        "treatment_status": ["not_started"],
        "tests_done": ALL_TESTS,
        "insurance": "plan_ppo",
        "time_to_decide": "weeks",
        "decision_date": decision.isoformat(),
        **more,
    }


def specs(content: Content) -> dict[str, TimelineStepSpec]:
    return {s.id: s for s in (*content.timeline.steps, *content.timeline.record_steps)}


# --------------------------------------------------------------------------- the property


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    today=st.dates(dt.date(2025, 1, 1), dt.date(2031, 12, 31)),
    path=st.sampled_from(STORIES),
    country=st.sampled_from(["US", "US-CA", "US-NY", "MX", "GB"]),
    more=st.fixed_dictionaries(
        {},
        optional={
            "filled_by": st.sampled_from(["patient", "family", "parent_guardian", "navigator"]),
            "insurance": st.sampled_from(["plan_ppo", "medicare", "medicaid", "none"]),
            "in_hospital": st.booleans(),
            "treatment_urgency": st.sampled_from(["weeks", "months", "not_said"]),
        },
    ),
)
def test_eight_working_days_and_ten_records_put_the_call_and_booking_first(
    today: dt.date, path: Path, country: str, more: dict[str, object], content: Content
) -> None:
    raw = {k: v for k, v in story(path).items() if k != "already_done"}
    days = DayCounter(today, country=country)
    decision = days.date(8)
    assert decision is not None
    answers = {
        **raw,
        "diagnosis_kind": "cancer",
        "tests_done": ALL_TESTS,
        "treatment_status": ["not_started"],
        "time_to_decide": "weeks",
        "treatment_urgency": "weeks",  # eight working days: not counted day by day
        "decision_date": decision.isoformat(),
        **more,
    }
    situation = Situation.from_answers(answers, content.intake)
    plan = tailor(situation, content)
    assert len(plan.records) >= 10
    timeline = build_timeline(situation, plan, content, today, country=country)
    assert timeline.state == "planned" and not timeline.by_day
    known = specs(content)
    critical = [s for s in timeline.steps if known[s.kind].critical]
    kinds = {s.kind for s in critical}
    assert kinds & {"t_book_visit", "t_ask_consult"}, kinds  # booking, or its stand-in
    assert kinds & {"t_call_insurer", "t_ask_cost"}, kinds  # the plan, or the cost
    requests = [s for s in timeline.dated_steps if isinstance(known[s.kind], RecordStepSpec)]
    assert requests
    for step in critical:
        assert step.date is not None, step.kind
        assert days.index(step.date, forward=True) <= 1, (step.kind, step.date)
        assert all(step.date <= r.date for r in requests if r.date), step.kind
    code, _, part = country.partition("-")
    days_off = holidays.country_holidays(code, subdiv=part or None)  # checked apart from the code
    for step in timeline.dated_steps:
        assert step.date is not None
        assert step.date.weekday() < 5 and step.date not in days_off, (step.kind, step.date)
    asked = [r for s in timeline.steps for r in s.record_ids]
    assert sorted(asked) == sorted({r.id for r in plan.records} & set(asked))
    assert len(asked) == len(set(asked))
    offices = [s.kind for s in requests if getattr(known[s.kind], "records", None) is not None]
    assert len(offices) == len(set(offices)), "two requests to one office"


# --------------------------------------------------------------------------- the critical path


def test_with_little_time_no_records_request_comes_before_the_call_and_the_booking(
    content: Content,
) -> None:
    # ten records and more, eight working days, Thanksgiving in between
    timeline = timeline_for(cancer(dt.date(2026, 12, 2)), dt.date(2026, 11, 19), content, "US")
    first = {s.kind: s.date for s in timeline.steps if s.kind in ("t_call_insurer", "t_book_visit")}
    assert first == {"t_call_insurer": dt.date(2026, 11, 19), "t_book_visit": dt.date(2026, 11, 19)}
    asks = [s for s in timeline.dated_steps if s.record_ids]
    assert asks and all(s.date and s.date >= dt.date(2026, 11, 19) for s in asks)
    order = [s.kind for s in timeline.steps]
    assert order.index("t_book_visit") < min(order.index(s.kind) for s in asks)
    assert THANKSGIVING not in {s.date for s in timeline.steps}


def test_what_the_person_writes_waits_on_no_office(content: Content) -> None:
    knowledge = {s.id: s for s in content.timeline.record_steps}
    own = knowledge["t_make_record"]
    assert "r_family_history" in (own.records or ())
    assert "r_medicine_list" in (own.records or ())
    assert "thirty" not in own.why and "hhs_right_of_access" not in own.sources
    assert own.working_days <= 1 and own.any_day
    timeline = timeline_for(cancer(dt.date(2026, 3, 2)), dt.date(2026, 1, 5), content)
    made = [s for s in timeline.steps if s.kind == "t_make_record"]
    assert len(made) == 1 and "r_family_history" in made[0].record_ids
    assert all("r_family_history" not in s.record_ids for s in timeline.steps if s not in made)


# --------------------------------------------------------------------------- holidays


def test_public_holidays_are_not_working_days() -> None:
    assert not is_working_day(THANKSGIVING, "US")
    assert is_working_day(THANKSGIVING, "MX")
    assert not is_working_day(dt.date(2026, 9, 16), "MX")  # Independence Day in Mexico
    assert is_working_day(dt.date(2026, 9, 16), "US")
    days = DayCounter(dt.date(2026, 11, 25), country="US")
    assert [days.date(n) for n in range(3)] == [
        dt.date(2026, 11, 25),
        dt.date(2026, 11, 27),
        dt.date(2026, 11, 30),
    ]
    assert days.index(THANKSGIVING, forward=True) == 1
    assert days.index(THANKSGIVING, forward=False) == 0


def test_the_country_comes_from_the_setting(
    monkeypatch: pytest.MonkeyPatch, content: Content
) -> None:
    answers = cancer(dt.date(2026, 9, 18))
    monkeypatch.setenv(HOLIDAYS_SETTING, "MX")
    mexico = timeline_for(answers, dt.date(2026, 9, 14), content)
    assert dt.date(2026, 9, 16) not in {s.date for s in mexico.steps}
    monkeypatch.delenv(HOLIDAYS_SETTING)
    usa = timeline_for(answers, dt.date(2026, 9, 14), content)
    assert dt.date(2026, 9, 16) in {s.date for s in usa.steps}
    monkeypatch.setenv(HOLIDAYS_SETTING, "Narnia")
    with pytest.raises(ValueError, match=HOLIDAYS_SETTING):
        timeline_for(answers, dt.date(2026, 9, 14), content)


def test_a_decision_on_a_holiday_is_planned_for_the_working_day_before(content: Content) -> None:
    timeline = timeline_for(cancer(THANKSGIVING), dt.date(2026, 10, 26), content, "US")
    assert timeline.steps[-1].kind == "t_decide"
    assert timeline.steps[-1].date == dt.date(2026, 11, 25)


# --------------------------------------------------------------------------- day by day


@pytest.mark.parametrize("field", ["treatment_urgency", "time_to_decide"])
def test_treatment_within_days_counts_each_day_from_today(field: str, content: Content) -> None:
    friday, tuesday = dt.date(2026, 3, 6), dt.date(2026, 3, 10)
    timeline = timeline_for(cancer(tuesday, **{field: "days"}), friday, content, "US")
    assert timeline.by_day and timeline.state == "planned"
    assert timeline.message.startswith(content.timeline.message("by_day"))
    known = specs(content)
    labels = {0: "Today", 1: "Tomorrow"}
    for step in timeline.dated_steps:
        assert step.date is not None
        ahead = (step.date - friday).days
        assert step.day_label == labels.get(ahead, f"In {ahead} days")
        if not known[step.kind].any_day:
            assert step.date.weekday() < 5, step.kind  # an office step: not on the weekend
    assert timeline.dated_steps[0].day_label == "Today"
    assert timeline.dated_steps[0].kind == "t_call_insurer" or any(
        s.kind == "t_fast_doctor" and s.day_label == "Today" for s in timeline.steps
    )
    assert any(s.kind == "t_fast_doctor" and s.date == friday for s in timeline.steps)
    assert "Today, Fri 2026-03-06" in timeline_as_text(timeline)


def test_weeks_are_not_counted_day_by_day(content: Content) -> None:
    timeline = timeline_for(cancer(dt.date(2026, 3, 10)), dt.date(2026, 3, 6), content)
    assert not timeline.by_day
    assert all(s.day_label is None for s in timeline.steps)
    assert all(s.kind != "t_fast_doctor" for s in timeline.steps)


def test_the_day_by_day_timeline_is_in_spanish_too() -> None:
    spanish = load_content(language="es")
    friday = dt.date(2026, 3, 6)
    answers = cancer(dt.date(2026, 3, 10), treatment_urgency="days")
    timeline = timeline_for(answers, friday, spanish, "US")
    labels = [s.day_label for s in timeline.dated_steps]
    assert labels[0] == "Hoy" and labels[-1] == "En 4 días"
    assert all(
        label in ("Hoy", "Mañana") or re.fullmatch(r"En \d+ días", label or "") for label in labels
    )
    assert timeline.message.startswith(spanish.timeline.message("by_day"))
    text = timeline_as_text(timeline, "es")
    assert "Hoy, vie 2026-03-06" in text
    assert "Today" not in text and "Tomorrow" not in text


def test_in_hospital_there_is_no_trip_to_a_visit(content: Content) -> None:
    answers = cancer(dt.date(2026, 3, 13), treatment_urgency="days", in_hospital=True)
    timeline = timeline_for(answers, dt.date(2026, 3, 6), content, "US")
    kinds = [s.kind for s in timeline.steps]
    assert "t_visit" not in kinds and "t_book_visit" not in kinds
    assert "t_hospital_visit" in kinds and "t_ask_consult" in kinds
    words = " ".join(f"{s.text} {s.why} {s.instead or ''}" for s in timeline.steps)
    assert "Book the second-opinion visit" not in words
    assert "Have the second-opinion visit" not in words
    assert "to the visit" not in words  # nothing to carry to a clinic
    consult = next(s for s in timeline.steps if s.kind == "t_ask_consult")
    hospital = next(s for s in timeline.steps if s.kind == "t_hospital_visit")
    assert consult.date is not None and hospital.date is not None and consult.date < hospital.date
    at_home = timeline_for({**answers, "in_hospital": False}, dt.date(2026, 3, 6), content, "US")
    assert {"t_visit", "t_book_visit"} <= {s.kind for s in at_home.steps}


# --------------------------------------------------------------------------- what is left out


def test_a_second_opinion_already_done_drops_the_booking(content: Content) -> None:
    answers = cancer(dt.date(2026, 3, 20), already_done=["second_opinion_done"])
    timeline = timeline_for(answers, dt.date(2026, 3, 2), content)
    kinds = {s.kind for s in timeline.steps}
    assert not kinds & {"t_call_insurer", "t_book_visit", "t_visit", "t_send_records"}
    assert not any(s.record_ids for s in timeline.steps)
    assert {"t_get_report", "t_talk_doctor", "t_decide"} <= kinds
    undated = timeline_for({**answers, "decision_date": None}, dt.date(2026, 3, 2), content)
    assert "t_book_visit" not in {s.kind for s in undated.steps}


def test_hospice_drops_the_hunt_for_slides_and_scans(content: Content) -> None:
    answers = cancer(dt.date(2026, 3, 20), treatment_status=["hospice"])
    timeline = timeline_for(answers, dt.date(2026, 3, 2), content)
    asked = {r for s in timeline.steps for r in s.record_ids}
    assert "r_slides" not in asked and "r_imaging_files" not in asked
    assert not {s.kind for s in timeline.steps} & {"t_ask_slides", "t_ask_scans"}
    assert timeline.state == "no_countdown"
    others = timeline_for(cancer(dt.date(2026, 3, 20)), dt.date(2026, 3, 2), content)
    assert {"r_slides", "r_imaging_files"} <= {r for s in others.steps for r in s.record_ids}


# --------------------------------------------------------------------------- the other date


def test_an_appeal_date_is_planned_for_even_after_the_decision(content: Content) -> None:
    answers = cancer(
        dt.date(2026, 7, 6), second_deadline="2026-07-12", second_deadline_kind="appeal"
    )
    timeline = timeline_for(answers, dt.date(2026, 6, 15), content, "US")
    by_kind = {s.kind: s for s in timeline.steps}
    appeal = by_kind["t_appeal_by"]
    assert appeal.date == dt.date(2026, 7, 10)  # the 12th is a Sunday: the Friday before
    assert "Sunday, July 12, 2026" in appeal.text
    letter = by_kind["t_appeal_letter"]
    assert letter.date is not None and letter.date < appeal.date
    assert by_kind["t_decide"].date == dt.date(2026, 7, 6)
    assert timeline.steps[-1].kind == "t_appeal_by"
    assert dt.date(2026, 7, 3) not in {s.date for s in timeline.steps}  # a holiday (observed)


def test_a_notice_date_that_has_passed_says_what_to_do_instead(content: Content) -> None:
    answers = cancer(
        dt.date(2026, 7, 6), second_deadline="2026-06-01", second_deadline_kind="notice"
    )
    timeline = timeline_for(answers, dt.date(2026, 6, 15), content)
    notice = next(s for s in timeline.steps if s.kind == "t_notice_by")
    assert notice.status == "past" and notice.date is None
    assert notice.instead and "June 1, 2026" in notice.instead
    assert timeline.steps[-1].kind == "t_decide" and timeline.steps[-1].status == "ok"


def test_without_the_other_date_no_step_is_planned_for_it(content: Content) -> None:
    timeline = timeline_for(cancer(dt.date(2026, 7, 6)), dt.date(2026, 6, 15), content)
    assert not {s.kind for s in timeline.steps} & {"t_appeal_by", "t_notice_by", "t_other_by"}


# --------------------------------------------------------------------------- who reads it

PATIENT_ONLY = re.compile(
    r"\b(your (insurance )?plan|your (current )?doctor|your records|your request|your health|"
    r"your appeal|is yours|you must decide|your child)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("reader", ["family", "navigator", "proxy", "parent_guardian"])
def test_a_helper_or_a_parent_is_spoken_to_as_who_they_are(reader: str, content: Content) -> None:
    extra: dict[str, object] = {"filled_by": reader}
    if reader == "parent_guardian":
        extra["age_group"] = "child"
    for today, more in (
        (dt.date(2026, 3, 2), {}),
        (dt.date(2026, 3, 5), {"treatment_urgency": "days", "in_hospital": True}),
        (dt.date(2026, 3, 2), {"second_deadline": "2026-03-11", "second_deadline_kind": "appeal"}),
        (dt.date(2026, 3, 2), {"already_done": ["second_opinion_done"]}),
        (dt.date(2026, 3, 2), {"decision_date": None}),
        (dt.date(2026, 3, 19), {"insurance": "none"}),
    ):
        answers = {**cancer(dt.date(2026, 3, 20)), **extra, **more}
        timeline = timeline_for(answers, today, content)
        for step in timeline.steps:
            own = step.text.split(": ", 1)[0] if step.record_ids else step.text
            for words in (own, step.why, step.instead or ""):
                found = PATIENT_ONLY.search(words)
                if reader == "parent_guardian" and found and found.group(0).lower() == "your child":
                    continue
                assert found is None, (reader, step.kind, words)


# --------------------------------------------------------------------------- any situation


def any_answer(field: Field, today: dt.date) -> st.SearchStrategy[object]:
    """A valid answer to one intake field; dates near ``today`` (some before it)."""
    if field.kind == "one_choice":
        return st.sampled_from(field.choice_ids)
    if field.kind == "several_choices":
        return st.lists(st.sampled_from(field.choice_ids), unique=True)
    if field.kind == "yes_no":
        return st.booleans()
    if field.kind == "date":
        return st.integers(-10, 45).map(lambda n: (today + dt.timedelta(days=n)).isoformat())
    return st.text(max_size=20)


@SETTINGS
@given(data=st.data(), today=st.dates(dt.date(2025, 1, 1), dt.date(2030, 12, 31)))
def test_any_situation_keeps_the_timeline_rules(
    data: st.DataObject, today: dt.date, content: Content
) -> None:
    fields = content.intake.fields
    answers = data.draw(
        st.fixed_dictionaries({}, optional={f.id: any_answer(f, today) for f in fields})
    )
    situation = Situation.from_answers(answers, content.intake, drop_unknown=True)
    plan = tailor(situation, content)
    timeline = build_timeline(situation, plan, content, today, country="US")
    known = specs(content)
    days_off = holidays.country_holidays("US")
    dated = timeline.dated_steps
    days = [s.date for s in dated if s.date is not None]
    assert days == sorted(days)
    assert all(today <= day for day in days)
    assert max((days.count(day) for day in days), default=0) <= 3
    for step in dated:
        assert step.date is not None
        if not (timeline.by_day and known[step.kind].any_day):
            assert step.date.weekday() < 5 and step.date not in days_off, step.kind
        assert (step.day_label is not None) == timeline.by_day
    asked = [r for s in timeline.steps for r in s.record_ids]
    assert len(asked) == len(set(asked)) and set(asked) <= {r.id for r in plan.records}
    assert len({s.id for s in timeline.steps}) == len(timeline.steps)
    if timeline.state == "planned":
        critical = [s.date for s in dated if known[s.kind].critical and s.date]
        requests = [s.date for s in dated if isinstance(known[s.kind], RecordStepSpec) and s.date]
        if critical and requests:
            assert max(critical) <= min(requests), "a records request before the critical path"
    words = " ".join(f"{s.text} {s.why} {s.instead or ''}" for s in timeline.steps)
    assert "{" not in words  # every slot filled: records, the other date
