"""The views without a browser: marking steps done, records asked for today, the welcome back."""

from __future__ import annotations

import base64
import datetime as dt
import re

from icalendar import Calendar

from secondopinion import Content
from secondopinion.planning import long_date
from secondopinion.store import WorkbookStore
from widgets.app import WorkbookApp
from widgets.parts.welcome_links import WelcomeLinks
from widgets.steps.next_steps import NextSteps
from widgets.steps.records_checklist import RecordsChecklist
from widgets.workbook_state import WorkbookState

TODAY = dt.date(2026, 1, 5)
ANSWERS: dict[str, object] = {
    "diagnosis_kind": "cancer",
    "tests_done": ["biopsy", "imaging"],
    "time_to_decide": "weeks",
    "insurance": "plan_ppo",
    "decision_date": "2026-03-02",
}


def saved_workbook(store: WorkbookStore) -> str:
    summary, _ = store.create_workbook("", "patient")
    store.set_answers(summary.id, ANSWERS)
    return summary.id


def app_for(store: WorkbookStore, content: Content, workbook_id: str) -> WorkbookApp:
    state = WorkbookState(store, content, workbook_id=workbook_id, today=lambda: TODAY)
    return WorkbookApp(state, link_base=None)


def next_steps(app: WorkbookApp) -> NextSteps:
    view = app.view(3)
    assert isinstance(view, NextSteps)
    return view


def calendar_summaries(view: NextSteps) -> list[str]:
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", view.calendar.value)
    assert encoded is not None
    events = Calendar.from_ical(base64.b64decode(encoded.group(1))).walk("VEVENT")
    return [str(e["SUMMARY"]) for e in events]


def test_a_step_marked_done_leaves_the_timeline_and_the_calendar_and_can_come_back(
    store: WorkbookStore, content: Content
) -> None:
    wid = saved_workbook(store)
    view = next_steps(app_for(store, content, wid))
    call = "Call your insurance plan about the second opinion."
    assert call in view.timeline.value and call in calendar_summaries(view)

    view.done.step.value = "t_call_insurer"
    view.done.day.value = TODAY - dt.timedelta(days=2)
    view.done.mark.click()

    assert store.load(wid).steps_done == {"t_call_insurer": TODAY - dt.timedelta(days=2)}
    assert call not in view.timeline.value
    assert call not in calendar_summaries(view)
    assert "t_call_insurer" not in [value for _label, value in view.done.step.options]
    (row,) = view.done.done_list.children[1:]
    assert call in row.children[0].value and "Saturday, January 3, 2026" in row.children[0].value
    assert "Marked done" in view.done.said.value

    row.children[1].click()  # "Not done after all"
    assert store.load(wid).steps_done == {}
    assert call in view.timeline.value and call in calendar_summaries(view)
    assert view.done.done_list.children == ()


def test_a_day_still_to_come_is_refused_plainly_and_nothing_is_saved(
    store: WorkbookStore, content: Content
) -> None:
    wid = saved_workbook(store)
    view = next_steps(app_for(store, content, wid))
    view.done.step.value = "t_book_visit"
    view.done.day.value = TODAY + dt.timedelta(days=1)
    view.done.mark.click()
    assert "has not come yet" in view.done.problem.value
    assert store.load(wid).steps_done == {}
    assert "Book the second-opinion visit." in view.timeline.value


def test_marking_a_records_request_done_marks_its_records_asked_for_that_day(
    store: WorkbookStore, content: Content
) -> None:
    wid = saved_workbook(store)
    app = app_for(store, content, wid)
    view = next_steps(app)
    asked = next(s for s in app.state.derived.timeline.steps if s.id == "t_ask_records_office")
    view.done.step.value = asked.id
    view.done.mark.click()
    records = store.load(wid).records
    assert {r: (records[r].status, records[r].requested_on) for r in asked.record_ids} == {
        r: ("requested", TODAY) for r in asked.record_ids
    }
    ids = [s.id for s in app.state.derived.timeline.steps]
    assert asked.id not in ids
    assert "t_follow_up_record__t_ask_records_office" in ids  # now it is followed up


def test_a_record_marked_asked_for_gets_todays_date(store: WorkbookStore, content: Content) -> None:
    wid = saved_workbook(store)
    app = app_for(store, content, wid)
    checklist = app.view(2)
    assert isinstance(checklist, RecordsChecklist)
    row = next(iter(checklist.rows.values()))
    assert row.requested_on.value is None
    row.status.value = "requested"
    assert store.load(wid).records[row.item_id].requested_on == TODAY
    assert row.requested_on.value == TODAY
    # a date already given is kept
    other = list(checklist.rows.values())[1]
    other.requested_on.value = TODAY - dt.timedelta(days=9)
    other.status.value = "requested"
    assert store.load(wid).records[other.item_id].requested_on == TODAY - dt.timedelta(days=9)


def test_the_welcome_back_links_what_is_due_this_week_and_the_starred_questions(
    store: WorkbookStore, content: Content
) -> None:
    wid = saved_workbook(store)
    store.set_question(wid, "q_how_sure", starred=True)
    own = store.add_own_question(wid, "Can I <b>wait</b> a month?")
    store.set_own_question(wid, own, starred=True)
    app = app_for(store, content, wid)
    links = app.welcome_links
    assert isinstance(links, WelcomeLinks)
    assert links.layout.display is None
    due = [b for b in links.children if "workbook-welcome-due" in b._dom_classes]
    timeline = app.state.derived.timeline
    week = [s for s in timeline.dated_steps if s.date and s.date < TODAY + dt.timedelta(days=7)]
    assert len(due) == len(week) > 0
    for button, step in zip(due, week, strict=True):
        assert step.date is not None
        day, words = button.description.split(": ", 1)
        assert day == long_date(step.date) and step.text.startswith(words.removesuffix("…"))
    starred = [b for b in links.children if "workbook-welcome-starred" in b._dom_classes]
    assert starred[-1].description == "Can I <b>wait</b> a month?"  # exactly as typed
    assert len(starred) == 2

    due[0].click()
    assert app.step == 3
    assert next_steps(app).done.step.value == week[0].id
    assert links.layout.display == "none"
    app.go_to(0)
    starred[0].click()
    assert app.step == 1


def test_a_new_workbook_shows_no_welcome_links(store: WorkbookStore, content: Content) -> None:
    app = WorkbookApp(WorkbookState(store, content, today=lambda: TODAY), link_base=None)
    assert app.welcome_links.layout.display == "none"


def test_the_new_words_are_in_spanish(store: WorkbookStore, content: Content) -> None:
    wid = saved_workbook(store)
    store.set_language(wid, "es")
    store.set_step_done(wid, "t_call_insurer", TODAY)
    app = app_for(store, content, wid)
    words = " ".join(getattr(child, "value", "") for child in app.welcome_links.children)
    assert "Para esta semana" in words
    view = next_steps(app)
    assert view.done.mark.description == "Marcarlo como hecho"
    assert view.done.step.description == "Paso"
    done = " ".join(row.children[0].value for row in view.done.done_list.children[1:])
    assert "Hecho el lunes, 5 de enero de 2026." in done
    assert view.done.done_list.children[1].children[1].description == "Al final no está hecho"
    view.done.day.value = TODAY + dt.timedelta(days=3)
    view.done.mark.click()
    assert "Ese día todavía no ha llegado" in view.done.problem.value
