"""A list that can be kept up to date: steps marked done, steps moved, and a calendar to re-import.

The timeline leaves out the steps marked done and says plainly which steps were moved; the
calendar file keeps each step's UID from one download to the next (the same workbook and step:
the same UID, whatever the name), so importing it again updates the events and doubles none.
"""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from secondopinion import Content, Situation, derive, load_content, tailor
from secondopinion.documents.calendar_file import calendar_name, timeline_to_ics
from secondopinion.planning import Timeline, build_timeline, records_asked_by, timeline_as_text
from secondopinion.store import WorkbookStore, short_code

MONDAY = dt.date(2026, 1, 5)
DECISION = dt.date(2026, 3, 2)
ANSWERS: dict[str, object] = {
    "diagnosis_kind": "cancer",
    "tests_done": ["biopsy", "imaging"],
    "time_to_decide": "weeks",
    "insurance": "plan_ppo",
    "decision_date": DECISION.isoformat(),
}


def timeline_for(
    content: Content,
    today: dt.date,
    *,
    done: dict[str, dt.date] | None = None,
    since: dt.date | None = None,
    answers: dict[str, object] | None = None,
) -> Timeline:
    situation = Situation.from_answers(answers or ANSWERS, content.intake)
    plan = tailor(situation, content)
    return build_timeline(situation, plan, content, today, done=done, since=since)


def events_of(ics: bytes) -> dict[str, tuple[str, dt.date, int]]:
    """UID -> (summary, day, sequence) of every event in a calendar file."""
    found = {}
    for event in Calendar.from_ical(ics).walk("VEVENT"):
        found[str(event["UID"])] = (
            str(event["SUMMARY"]),
            event.decoded("DTSTART"),
            int(event.decoded("SEQUENCE")),
        )
    return found


def reimport(calendar: dict[str, tuple[str, dt.date, int]], ics: bytes) -> None:
    """What a calendar does on import: an event with a known UID and a newer sequence replaces
    the one it has; an unknown UID is added (RFC 5545, 3.8.4.7 and 3.8.7.4)."""
    for uid, event in events_of(ics).items():
        if uid not in calendar or calendar[uid][2] <= event[2]:
            calendar[uid] = event


# --------------------------------------------------------------------------- the timeline


def test_a_step_marked_done_leaves_the_timeline_and_is_listed_as_done(content: Content) -> None:
    before = timeline_for(content, MONDAY)
    ids = [step.id for step in before.steps]
    assert "t_call_insurer" in ids and "t_book_visit" in ids

    after = timeline_for(content, MONDAY, done={"t_call_insurer": MONDAY})
    assert "t_call_insurer" not in [step.id for step in after.steps]
    assert [(s.id, s.done_on, s.date) for s in after.done_steps] == [
        ("t_call_insurer", MONDAY, None)
    ]
    # every other step is still there, and nothing else is said done
    assert {s.id for s in after.steps} == set(ids) - {"t_call_insurer"}
    assert "Call your insurance plan" not in timeline_as_text(after)


def test_a_step_done_without_a_decision_date_leaves_the_list_too(content: Content) -> None:
    answers = {k: v for k, v in ANSWERS.items() if k != "decision_date"}
    listed = timeline_for(content, MONDAY, answers=answers)
    first = listed.steps[0].id  # ask how long it is safe to wait
    after = timeline_for(content, MONDAY, answers=answers, done={first: MONDAY})
    assert first not in [s.id for s in after.steps]
    assert [s.id for s in after.done_steps] == [first]
    assert len(after.steps) == len(listed.steps) - 1


def test_a_step_not_done_whose_day_passed_says_so_and_is_moved(content: Content) -> None:
    thursday = MONDAY + dt.timedelta(days=3)
    first = timeline_for(content, MONDAY)
    first_days = {s.id: s.date for s in first.dated_steps}
    assert first_days["t_call_insurer"] == MONDAY

    later = timeline_for(content, thursday, since=MONDAY, done={"t_book_visit": MONDAY})
    call = next(s for s in later.steps if s.id == "t_call_insurer")
    assert call.date == thursday and call.moved_from == MONDAY
    assert call.status == "ok"  # moved, without alarm: still in time
    # a step first planned for today or later is not said to be moved
    for step in later.dated_steps:
        was = first_days.get(step.id)
        if was is not None and was < thursday:
            assert step.moved_from == was
        else:
            assert step.moved_from is None
    text = timeline_as_text(later)
    assert (
        "Not done yet. It was planned for Monday, January 5, 2026; it is moved to Thursday, "
        "January 8, 2026." in text
    )
    for alarm in ("late", "overdue", "missed", "failed", "!"):
        assert alarm not in text.split("Not done yet.")[1].split("\n")[0].lower()


def test_nothing_is_moved_on_the_first_day_or_after_a_new_decision_date(content: Content) -> None:
    assert all(s.moved_from is None for s in timeline_for(content, MONDAY, since=MONDAY).steps)
    no_since = timeline_for(content, MONDAY + dt.timedelta(days=3))
    assert all(s.moved_from is None for s in no_since.steps)


def test_spanish_says_not_done_yet_in_spanish() -> None:
    spanish = load_content(language="es")
    later = timeline_for(spanish, MONDAY + dt.timedelta(days=3), since=MONDAY)
    text = timeline_as_text(later, "es")
    assert "Aún no está hecho. Estaba previsto para el lunes, 5 de enero de 2026" in text


def test_a_records_request_is_done_by_asking_for_its_records(content: Content) -> None:
    timeline = timeline_for(content, MONDAY)
    office = next(s for s in timeline.steps if s.id == "t_ask_records_office")
    assert records_asked_by(timeline, content, office.id) == office.record_ids
    assert office.record_ids
    assert records_asked_by(timeline, content, "t_call_insurer") == ()
    assert records_asked_by(timeline, content, "t_make_record") == ()  # made, not asked for
    assert records_asked_by(timeline, content, "no_such_step") == ()


# --------------------------------------------------------------------------- the calendar


def test_uids_are_the_same_across_two_downloads_and_a_new_name(content: Content) -> None:
    monday = timeline_for(content, MONDAY)
    thursday = timeline_for(content, MONDAY + dt.timedelta(days=3), since=MONDAY)
    wid = "0a1b2c3d4e5f"
    first = events_of(timeline_to_ics(monday, "Second opinion: Ana", workbook_id=wid))
    second = events_of(timeline_to_ics(thursday, "Second opinion: Ana B.", workbook_id=wid))
    assert set(first) == set(second)
    # each step keeps its UID: the same summary under the same UID, some on a later day
    assert {uid: e[0] for uid, e in first.items()} == {uid: e[0] for uid, e in second.items()}
    assert any(first[uid][1] < second[uid][1] for uid in first)
    assert all(second[uid][2] > first[uid][2] for uid in first)  # a newer sequence
    # another workbook's UIDs are its own, and neither the id nor the name is in them
    other = events_of(timeline_to_ics(monday, "Second opinion: Ana", workbook_id="fedcba987654"))
    assert set(other).isdisjoint(first)
    assert not any(wid in uid or "Ana" in uid for uid in first)


def test_a_done_step_is_absent_from_the_calendar(content: Content) -> None:
    done = timeline_for(content, MONDAY, done={"t_book_visit": MONDAY})
    summaries = [
        e[0] for e in events_of(timeline_to_ics(done, "A", workbook_id="0a1b2c3d4e5f")).values()
    ]
    assert "Book the second-opinion visit." not in summaries
    assert "Call your insurance plan about the second opinion." in summaries


def test_two_downloads_imported_into_one_calendar_give_no_doubles(content: Content) -> None:
    wid = "0a1b2c3d4e5f"
    thursday = MONDAY + dt.timedelta(days=3)
    monday_file = timeline_to_ics(timeline_for(content, MONDAY), "A", workbook_id=wid)
    thursday_timeline = timeline_for(content, thursday, since=MONDAY, done={"t_book_visit": MONDAY})
    thursday_file = timeline_to_ics(thursday_timeline, "A", workbook_id=wid)

    calendar: dict[str, tuple[str, dt.date, int]] = {}
    reimport(calendar, monday_file)
    reimport(calendar, thursday_file)
    reimport(calendar, thursday_file)  # the same file twice changes nothing
    summaries = [event[0] for event in calendar.values()]
    assert len(summaries) == len(set(summaries)) == len(events_of(monday_file))
    # the events take the newer file's days
    days = {event[0]: event[1] for event in calendar.values()}
    for step in thursday_timeline.dated_steps:
        assert days[step.text] == step.date
    assert days["Call your insurance plan about the second opinion."] == thursday


def test_the_calendar_is_named_after_the_workbook(content: Content) -> None:
    wid = "0a1b2c3d4e5f"
    assert calendar_name("  Ana B. ", wid) == "Second opinion: Ana B."
    assert calendar_name("", wid) == f"Second opinion: {short_code(wid)}"
    assert calendar_name("", None) == "Second-opinion workbook"
    assert calendar_name("", wid, "es") == f"Segunda opinión: {short_code(wid)}"
    assert calendar_name("", None, "es") == "Cuaderno para la segunda opinión"
    ics = timeline_to_ics(timeline_for(content, MONDAY), calendar_name("", wid), workbook_id=wid)
    assert str(Calendar.from_ical(ics)["X-WR-CALNAME"]) == f"Second opinion: {short_code(wid)}"


def test_a_moved_step_says_so_in_its_event(content: Content) -> None:
    later = timeline_for(content, MONDAY + dt.timedelta(days=3), since=MONDAY)
    ics = timeline_to_ics(later, "A", workbook_id="0a1b2c3d4e5f")
    calls = [
        e
        for e in Calendar.from_ical(ics).walk("VEVENT")
        if str(e["SUMMARY"]).startswith("Call your insurance")
    ]
    assert len(calls) == 1
    assert "Not done yet. It was planned for Monday, January 5, 2026" in str(
        calls[0]["DESCRIPTION"]
    )


# --------------------------------------------------------------------------- a saved workbook


@pytest.mark.sqlite_only("derive reads the store's snapshot; the store itself is tested on both")
def test_derive_leaves_out_the_saved_steps_done(store: WorkbookStore, content: Content) -> None:
    summary, _ = store.create_workbook("Ana", "patient")
    store.set_answers(summary.id, ANSWERS)
    store.set_step_done(summary.id, "t_call_insurer", MONDAY)
    timeline = derive(store.load(summary.id), content, MONDAY).timeline
    assert "t_call_insurer" not in [s.id for s in timeline.steps]
    assert [s.id for s in timeline.done_steps] == ["t_call_insurer"]
