"""The timeline as a calendar file: parsed back with icalendar, one all-day event per dated step."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from icalendar import Calendar

from secondopinion import Content, Situation, tailor
from secondopinion.cli import main
from secondopinion.documents.calendar_file import timeline_to_ics
from secondopinion.planning import Timeline, build_timeline
from secondopinion.planning.working_days import is_working_day
from secondopinion.store import WorkbookStore

DECISION = dt.date(2026, 3, 2)


def timeline_for(answers: dict[str, object], today: dt.date, content: Content) -> Timeline:
    situation = Situation.from_answers(answers, content.intake)
    return build_timeline(situation, tailor(situation, content), content, today)


def answers(decision: dt.date | None = DECISION) -> dict[str, object]:
    found: dict[str, object] = {
        "diagnosis_kind": "cancer",
        "tests_done": ["biopsy", "imaging"],
        "time_to_decide": "weeks",
    }
    if decision is not None:
        found["decision_date"] = decision.isoformat()
    return found


@pytest.mark.parametrize("days_left", [0, 1, 3, 21, 60])
def test_one_all_day_event_per_dated_step(days_left: int, content: Content) -> None:
    timeline = timeline_for(answers(), DECISION - dt.timedelta(days=days_left), content)
    calendar = Calendar.from_ical(timeline_to_ics(timeline, "Second opinion: Zoë"))
    events = calendar.walk("VEVENT")
    assert len(events) == len(timeline.dated_steps) > 0
    for event, step in zip(events, timeline.dated_steps, strict=True):
        start = event.decoded("DTSTART")
        assert type(start) is dt.date  # all day, not a time
        assert start == step.date
        assert event.decoded("DTEND") == start + dt.timedelta(days=1)
        assert str(event["SUMMARY"]) == step.text
        assert step.why in str(event["DESCRIPTION"])
        if step.instead:
            assert step.instead in str(event["DESCRIPTION"])
        assert "not medical advice" in str(event["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert str(calendar["X-WR-CALNAME"]) == "Second opinion: Zoë"


def test_the_same_timeline_gives_the_same_file_and_uids_stay_when_dates_move(
    content: Content,
) -> None:
    early = timeline_for(answers(), DECISION - dt.timedelta(days=60), content)
    assert timeline_to_ics(early, "A") == timeline_to_ics(early, "A")
    later = timeline_for(
        answers(DECISION + dt.timedelta(days=7)), DECISION - dt.timedelta(days=60), content
    )

    def uids(timeline: Timeline, name: str) -> dict[str, str]:
        events = Calendar.from_ical(timeline_to_ics(timeline, name)).walk("VEVENT")
        return {str(e["SUMMARY"]): str(e["UID"]) for e in events}

    assert uids(early, "A") == uids(later, "A")  # a new file moves the events, adds none
    assert set(uids(early, "A").values()).isdisjoint(uids(early, "B").values())
    assert all("Zoë" not in uid for uid in uids(early, "Zoë"))


def test_no_decision_date_gives_an_empty_calendar(content: Content) -> None:
    timeline = timeline_for(answers(None), DECISION, content)
    assert timeline.dated_steps == ()
    calendar = Calendar.from_ical(timeline_to_ics(timeline, "Second opinion"))
    assert calendar.walk("VEVENT") == []
    assert timeline.message in str(calendar["X-WR-CALDESC"])


def test_the_calendar_command_writes_an_owner_only_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    far = dt.date.today() + dt.timedelta(days=90)  # the command counts from the real today
    with WorkbookStore.open(folder) as store:
        summary, _ = store.create_workbook("J. R.", "patient")
        store.set_answers(summary.id, answers(far))
    out = tmp_path / "plan.ics"
    assert (
        main(["calendar", "--workbook", summary.id, "--out", str(out), "--data", str(folder)]) == 0
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    events = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert events
    last_working_day = far  # no event on a weekend or a public holiday
    while not is_working_day(last_working_day):
        last_working_day -= dt.timedelta(days=1)
    assert max(e.decoded("DTSTART") for e in events) == last_working_day
    assert f"{len(events)} dated steps" in capsys.readouterr().out


def test_a_decision_on_the_last_day_a_date_can_have_still_gives_a_calendar(
    content: Content,
) -> None:
    last = dt.date.max
    timeline = timeline_for(answers(last), DECISION, content)
    events = Calendar.from_ical(timeline_to_ics(timeline, "Far ahead")).walk("VEVENT")
    assert len(events) == len(timeline.dated_steps) > 0
    final = [e for e in events if e.decoded("DTSTART") == last]
    assert final and all("DTEND" not in e for e in final)


@pytest.mark.parametrize("today", [dt.date(2026, 1, 7), dt.date(2026, 1, 9), dt.date(2026, 1, 10)])
def test_no_event_on_a_weekend_and_at_most_three_a_day(today: dt.date, content: Content) -> None:
    from collections import Counter

    for ahead in (0, 1, 3, 6, 10, 14, 21, 45, 120):
        decision = today + dt.timedelta(days=ahead)
        timeline = timeline_for(answers(decision), today, content)
        events = Calendar.from_ical(timeline_to_ics(timeline, "Rules")).walk("VEVENT")
        days = [e.decoded("DTSTART") for e in events]
        assert all(day.weekday() < 5 for day in days)
        assert max(Counter(days).values(), default=0) <= 3
        assert all(today <= day <= decision for day in days)


def test_hospice_gives_an_empty_calendar_without_a_countdown(content: Content) -> None:
    timeline = timeline_for({**answers(), "treatment_status": ["hospice"]}, DECISION, content)
    assert Calendar.from_ical(timeline_to_ics(timeline, "Calm")).walk("VEVENT") == []


def test_the_calendar_keeps_the_timeline_rules_holidays_and_the_call_first(
    content: Content,
) -> None:
    # eight working days with Thanksgiving in between, and an appeal date after the decision
    today, decision = dt.date(2026, 11, 19), dt.date(2026, 12, 2)
    more = {
        "tests_done": ["biopsy", "imaging", "surgery", "lab_work"],
        "insurance": "plan_ppo",
        "second_deadline": "2026-12-04",
        "second_deadline_kind": "appeal",
    }
    timeline = timeline_for({**answers(decision), **more}, today, content)
    events = Calendar.from_ical(timeline_to_ics(timeline, "Short")).walk("VEVENT")
    days = {str(e["SUMMARY"]): e.decoded("DTSTART") for e in events}
    assert dt.date(2026, 11, 26) not in days.values()  # Thanksgiving
    assert all(is_working_day(day) for day in days.values())
    assert days["Call your insurance plan about the second opinion."] == today
    assert days["Book the second-opinion visit."] == today
    asks = [day for summary, day in days.items() if summary.startswith("Ask the medical records")]
    assert len(asks) == 1 and asks[0] >= today  # one request to the office, not one a record
    assert days["Send your appeal to your plan by Friday, December 4, 2026."] == dt.date(
        2026, 12, 4
    )


def test_a_day_by_day_timeline_gives_a_calendar_too(content: Content) -> None:
    friday = dt.date(2026, 3, 6)
    timeline = timeline_for(
        {**answers(dt.date(2026, 3, 10)), "treatment_urgency": "days"}, friday, content
    )
    assert timeline.by_day
    events = Calendar.from_ical(timeline_to_ics(timeline, "Days")).walk("VEVENT")
    assert len(events) == len(timeline.dated_steps) > 0
    assert min(e.decoded("DTSTART") for e in events) == friday
