"""The views without a browser: answers change what shows, and nothing written is lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from secondopinion import Content
from secondopinion.planning import long_date
from secondopinion.store import StoreError, WorkbookStore
from tests.event_loops import run_alone
from widgets.app import WorkbookApp, welcome_back_html
from widgets.parts.address_bar import AddressBar
from widgets.parts.kept_text import workbook_mark
from widgets.parts.page_script import page_script
from widgets.steps.compare import CompareOpinions
from widgets.steps.export_panel import ExportPanel
from widgets.steps.intake import FieldInput, IntakeView
from widgets.steps.next_steps import NextSteps
from widgets.steps.question_list import QuestionList
from widgets.steps.records_checklist import RecordsChecklist
from widgets.workbook_state import WorkbookState


@pytest.fixture
def app(store: WorkbookStore, content: Content) -> WorkbookApp:
    return WorkbookApp(WorkbookState(store, content), link_base="http://127.0.0.1:8866/")


def field(app: WorkbookApp, field_id: str) -> FieldInput:
    intake = app.view(0)
    assert isinstance(intake, IntakeView)
    return next(i for i in intake.inputs if i.field.id == field_id)


def set_treatment(app: WorkbookApp, *choices: str) -> None:
    """Tick exactly these choices of the several-choice treatment field."""
    boxes = field(app, "treatment_status").control.children
    for box in boxes:  # tick first, then untick, so the field is never empty in between
        if box.choice_id in choices:
            box.value = True
    for box in boxes:
        if box.choice_id not in choices:
            box.value = False


def questions(app: WorkbookApp) -> QuestionList:
    view = app.view(1)
    assert isinstance(view, QuestionList)
    return view


def shown_question_ids(app: WorkbookApp) -> list[str]:
    view = questions(app)
    return [row.item_id for row in view.rows.values() if row in view.children]


def test_nothing_is_stored_until_the_person_answers(app: WorkbookApp, store: WorkbookStore) -> None:
    assert store.workbooks() == []
    field(app, "diagnosis_kind").control.value = "cancer"
    (summary,) = store.workbooks()
    assert store.load(summary.id).answers == {"diagnosis_kind": "cancer"}
    assert app.state.token is not None
    assert "#workbook=" in app.export_panel.resume_link.value


def test_a_person_can_change_their_private_link_and_the_old_one_stops_working(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    panel = app.export_panel
    assert panel.new_link_box.layout.display == "none"  # no link yet, nothing to change
    field(app, "diagnosis_kind").control.value = "cancer"
    old = app.state.token
    assert old is not None and panel.new_link_box.layout.display is None
    panel.new_link.click()
    new = app.state.token
    assert new is not None and new != old
    assert store.workbook_id_for_token(old) is None
    assert store.workbook_id_for_token(new) == app.state.workbook_id
    assert f"#workbook={new}" in panel.resume_link.value
    assert old not in panel.resume_link.value and old not in panel.link_actions.value
    assert "old one no longer opens" in panel.new_link_note.value


def test_answers_change_which_questions_and_records_show(
    app: WorkbookApp, content: Content
) -> None:
    before = set(shown_question_ids(app))
    field(app, "diagnosis_kind").control.value = "cancer"
    field(app, "seriousness").control.value = "terminal"
    set_treatment(app, "not_working")
    after = set(shown_question_ids(app))
    trials = {q.id for q in content.questions if q.topic == "clinical_trials"}
    appeared = (trials & after) - before
    assert appeared, "clinical-trial questions appear for a relapse"
    records = app.view(2)
    assert isinstance(records, RecordsChecklist)
    boxes = {box.choice_id: box for box in field(app, "tests_done").control.children}
    boxes["lab_work"].value = True
    assert "r_slides" not in records.rows or records.rows["r_slides"] not in records.children
    boxes["biopsy"].value = True
    assert records.rows["r_slides"] in records.children


def test_written_answers_survive_a_change_of_situation(
    app: WorkbookApp, store: WorkbookStore, content: Content
) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    set_treatment(app, "not_working")
    shown = shown_question_ids(app)
    tailored = next(q for q in shown if content.item(q).when is not None and "treatment" in q)
    row = questions(app).rows[tailored]
    row.star.value = True
    row.answer.value = "Dr. <b>Lee</b> said: wait & see 🙂"
    set_treatment(app, "finished")
    assert tailored not in app.state.plan.item_ids
    assert row in questions(app).children, "kept, shown as not applying now"
    assert "workbook-not-applying" in row._dom_classes
    set_treatment(app, "not_working")
    assert "workbook-not-applying" not in row._dom_classes
    saved = store.load(app.state.workbook_id).questions[tailored]
    assert saved.starred and saved.answer == "Dr. <b>Lee</b> said: wait & see 🙂"


def test_fields_are_shown_or_hidden_by_their_rules(app: WorkbookApp) -> None:
    seriousness = field(app, "seriousness")
    assert seriousness.layout.display is None
    field(app, "diagnosis_kind").control.value = "not_yet_diagnosed"
    assert seriousness.layout.display == "none"


def test_own_questions_are_added_and_kept(app: WorkbookApp, store: WorkbookStore) -> None:
    view = questions(app)
    view.own_text.value = "<script>alert(1)</script> Can my sister come?"
    view.add_own.click()
    (own,) = store.load(app.state.workbook_id).own_questions
    assert own.text == "<script>alert(1)</script> Can my sister come?"
    row = view.rows[own.id]
    assert "&lt;script&gt;" in row.text.value and "<script>" not in row.text.value
    assert view.own_text.value == ""


def test_an_empty_own_question_gets_a_plain_message(app: WorkbookApp) -> None:
    view = questions(app)
    view.add_own.click()
    assert "Type your question first" in view.add_problem.value  # beside the box
    assert "Traceback" not in view.add_problem.value
    assert view.add_own.description == "Add my question" and not view.add_own.disabled


def test_a_record_status_is_saved(app: WorkbookApp, store: WorkbookStore) -> None:
    records = app.view(2)
    assert isinstance(records, RecordsChecklist)
    first = next(iter(records.rows.values()))
    first.status.value = "requested"
    first.from_whom.value = "City Hospital records office"
    assert "Asked for: 1" in records.counts.value
    saved = store.load(app.state.workbook_id).records[first.item_id]
    assert (saved.status, saved.from_whom) == ("requested", "City Hospital records office")


def test_the_export_step_offers_a_csv_download(app: WorkbookApp) -> None:
    field(app, "diagnosis_kind").control.value = "rare_disease"
    app.go_to(5)
    link = app.export_panel.download_csv.value
    assert link.startswith(
        f'<a class="workbook-button" download="second-opinion-workbook-{dt.date.today()}.csv"'
    )
    assert "data:text/csv;charset=utf-8;base64," in link


def test_the_app_carries_the_hooks_tests_rely_on(app: WorkbookApp) -> None:
    assert "workbook-app" in app._dom_classes
    app.mark_ready()
    assert "workbook-ready" in app._dom_classes
    for step, hook in enumerate(
        ["workbook-intake", "workbook-questions", "workbook-records", "workbook-next-steps"]
    ):
        assert hook in app.view(step)._dom_classes


def test_the_two_opinions_are_saved_side_by_side(app: WorkbookApp, store: WorkbookStore) -> None:
    compare = app.view(4)
    assert isinstance(compare, CompareOpinions)
    assert "workbook-compare" in compare._dom_classes
    compare.boxes[("first", "diagnosis")].value = "Stage II, says Dr. A"
    compare.boxes[("second", "diagnosis")].value = "Stage III — سرطان"
    saved = store.load(app.state.workbook_id)
    assert saved.compared("first", "diagnosis") == "Stage II, says Dr. A"
    assert saved.compared("second", "diagnosis") == "Stage III — سرطان"
    before = len(compare.guidance.children)
    compare.differ.control.value = "two_differ"
    assert len(compare.guidance.children) > before, "more guidance when the opinions differ"
    assert app.state.answers["opinions_so_far"] == "two_differ"


def test_next_steps_show_a_dated_timeline_and_a_calendar_file(app: WorkbookApp) -> None:
    field(app, "time_to_decide").control.value = "weeks"
    field(app, "decision_date").control.value = dt.date.today() + dt.timedelta(days=30)
    steps = app.view(3)
    assert isinstance(steps, NextSteps)
    assert '<svg class="workbook-timeline-picture" role="img"' in steps.timeline.value
    assert "<title>A timeline of" in steps.timeline.value
    assert "data:text/calendar;charset=utf-8;base64," in steps.calendar.value


def test_without_a_date_the_timeline_says_to_ask(app: WorkbookApp) -> None:
    steps = app.view(3)
    assert isinstance(steps, NextSteps)
    assert "<svg" not in steps.timeline.value
    assert steps.calendar.value == ""
    assert "how long" in steps.timeline.value.lower()


def test_the_question_sheet_can_be_downloaded(app: WorkbookApp) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    app.go_to(5)
    sheet = app.export_panel.download_sheet
    assert "workbook-download-sheet" in sheet._dom_classes
    assert sheet.value.count('href="data:application/pdf;base64,') == 2


def test_the_page_says_when_typed_characters_cannot_be_printed_on_the_sheet(
    app: WorkbookApp,
) -> None:
    field(app, "diagnosis_name").control.value = "ok \U00013000"  # no font here has it
    app.go_to(5)
    sheet = app.export_panel.download_sheet.value
    assert sheet.count('href="data:application/pdf;base64,') == 2
    assert "workbook-unprintable" in sheet and "egyptian hieroglyph a001" in sheet


def test_a_person_can_delete_their_workbook_after_confirming(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    field(app, "diagnosis_name").control.value = "Something private"
    session_id = app.state.workbook_id
    panel = app.export_panel
    panel.delete.click()
    assert panel.confirm_box.layout.display is None
    panel.keep.click()
    assert store.workbooks() != []
    panel.delete.click()
    panel.confirm_delete.click()
    assert store.workbooks() == []
    assert [c.field for c in store.changes(session_id)] == ["deleted"]
    assert "was deleted" in panel.delete_note.value
    assert app.state.token is None


def test_a_new_decision_date_alone_redraws_the_timeline(app: WorkbookApp) -> None:
    steps = app.view(3)
    assert isinstance(steps, NextSteps)
    soon = dt.date.today() + dt.timedelta(days=30)
    later = dt.date.today() + dt.timedelta(days=90)
    field(app, "decision_date").control.value = soon
    assert long_date(soon) in steps.timeline.value
    field(app, "decision_date").control.value = later
    assert long_date(later) in steps.timeline.value
    assert long_date(soon) not in steps.timeline.value


def test_a_decision_date_near_9999_lists_and_draws_the_steps(app: WorkbookApp) -> None:
    steps = app.view(3)
    assert isinstance(steps, NextSteps)
    field(app, "decision_date").control.value = dt.date(9999, 12, 31)
    assert "December 31, 9999" in steps.timeline.value
    assert "<li>" in steps.timeline.value
    assert "Dec 9999" in steps.timeline.value
    assert "data:text/calendar;charset=utf-8;base64," in steps.calendar.value
    intake = app.view(0)
    assert isinstance(intake, IntakeView)
    assert intake.problem.value == "", intake.problem.value
    assert app.state.answers["decision_date"] == "9999-12-31"


def test_a_year_the_browser_sends_but_python_cannot_hold_gets_a_message(
    app: WorkbookApp,
) -> None:
    date_field = field(app, "decision_date")
    date_field.control.value = dt.date(2027, 3, 1)
    # What the browser's date box sends for January 1st of the year 202600.
    date_field.control.set_state({"value": {"year": 202600, "month": 0, "date": 1}})
    assert date_field.control.value == dt.date(2027, 3, 1), "the earlier answer stays"
    assert app.state.answers["decision_date"] == "2027-03-01"
    warning = date_field.children[2]
    assert "workbook-warning" in warning._dom_classes
    assert "check the year" in warning.value and 'role="alert"' in warning.value
    date_field.control.set_state({"value": {"year": 2027, "month": 5, "date": 2}})
    assert app.state.answers["decision_date"] == "2027-06-02"
    assert warning.value == ""


def test_a_records_date_past_9999_gets_a_plain_message_and_nothing_is_lost(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    records = app.view(2)
    assert isinstance(records, RecordsChecklist)
    row = next(iter(records.rows.values()))
    row.requested_on.set_state({"value": {"year": 2027, "month": 0, "date": 5}})
    saved = store.load(app.state.workbook_id).records[row.item_id].requested_on
    assert str(saved) == "2027-01-05"
    # What the browser's date box sends for January 1st of the year 20270.
    row.requested_on.set_state({"value": {"year": 20270, "month": 0, "date": 1}})
    assert "check the year" in row.date_warning.value and 'role="alert"' in row.date_warning.value
    assert str(store.load(app.state.workbook_id).records[row.item_id].requested_on) == "2027-01-05"
    row.requested_on.set_state({"value": {"year": 2027, "month": 0, "date": 6}})
    assert row.date_warning.value == ""
    assert str(store.load(app.state.workbook_id).records[row.item_id].requested_on) == "2027-01-06"


def test_another_tab_of_a_deleted_workbook_says_it_is_gone_without_its_id(
    store: WorkbookStore, content: Content
) -> None:
    one = WorkbookApp(WorkbookState(store, content), link_base="http://127.0.0.1:8866/")
    field(one, "diagnosis_kind").control.value = "cancer"
    workbook_id = one.state.workbook_id
    assert workbook_id is not None
    other = WorkbookApp(
        WorkbookState(store, content, workbook_id=workbook_id), link_base="http://x/"
    )
    one.export_panel.delete.click()
    one.export_panel.confirm_delete.click()
    assert store.workbooks() == []
    assert other.state.check_gone()  # what the heartbeat asks every few seconds
    assert "was deleted" in other.saved.value and workbook_id not in other.saved.value
    field(other, "diagnosis_kind").control.value = "rare_disease"  # a change, typed anyway
    intake = other.view(0)
    assert isinstance(intake, IntakeView)
    shown = intake.problem.value + other.saved.value
    assert "was deleted" in shown and workbook_id not in shown
    assert "All changes saved" not in other.saved.value
    assert store.workbooks() == []  # nothing came back to life


class _FailingStore:
    """A store whose writes fail; reads go to the real one."""

    def __init__(self, real: WorkbookStore, error: Exception) -> None:
        self.real, self.error = real, error

    def __getattr__(self, name: str) -> object:
        if name.startswith("set_") or name in {"create_workbook", "add_own_question"}:
            raise self.error
        return getattr(self.real, name)


def test_after_a_failed_change_the_page_does_not_say_all_is_saved(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    assert "All changes saved" in app.saved.value
    app.state.store = _FailingStore(store, StoreError("The disk is full."))  # type: ignore[assignment]
    field(app, "diagnosis_kind").control.value = "rare_disease"
    assert "not stored yet" in app.saved.value and "saved" not in app.saved.value
    app.state.store = store
    field(app, "diagnosis_kind").control.value = "cancer"
    assert "All changes saved" in app.saved.value


def test_a_later_success_never_hides_a_change_that_failed(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    """Disk full for one change, then another change saves: the first is still not stored."""
    field(app, "diagnosis_kind").control.value = "cancer"
    app.state.store = _FailingStore(store, StoreError("The disk is full."))  # type: ignore[assignment]
    field(app, "diagnosis_kind").control.value = "rare_disease"
    app.state.store = store
    row = next(iter(questions(app).rows.values()))
    row.star.value = True  # another change, saved
    assert store.load(app.state.workbook_id).questions[row.item_id].starred
    assert "not stored yet" in app.saved.value and "The disk is full." in app.saved.value
    assert "All changes saved" not in app.saved.value
    field(app, "diagnosis_kind").control.value = "cancer"
    field(app, "diagnosis_kind").control.value = "rare_disease"  # that same change, saved
    assert store.load(app.state.workbook_id).answers["diagnosis_kind"] == "rare_disease"
    assert "All changes saved" in app.saved.value


def test_a_star_that_could_not_be_saved_is_not_shown_as_starred(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    row = next(iter(questions(app).rows.values()))
    app.state.store = _FailingStore(store, StoreError("The disk is full."))  # type: ignore[assignment]
    row.star.value = True
    assert row.star.value is False and row.star.description == "☆ Star"
    app.state.store = store
    row.star.value = True
    assert row.star.description == "★ Starred"
    assert store.load(app.state.workbook_id).questions[row.item_id].starred


@pytest.mark.parametrize("days_left", [1, 2, 30, 400])
def test_the_timeline_picture_is_well_formed_svg_with_distinct_dates(
    app: WorkbookApp, days_left: int
) -> None:
    field(app, "decision_date").control.value = dt.date.today() + dt.timedelta(days=days_left)
    steps = app.view(3)
    assert isinstance(steps, NextSteps)
    value = steps.timeline.value
    svg = ElementTree.fromstring(value[value.index("<svg") : value.index("</svg>") + 6])
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img"
    assert svg.findtext(f"{ns}title", "").startswith("A timeline of")
    ticks = [t.text for t in svg.findall(f"{ns}text") if t.get("fill") == "#424242"]
    assert ticks and len(ticks) == len(set(ticks))
    assert len(svg.findall(f"{ns}g/{ns}circle")) == value.count("<li><strong>")


def test_a_field_shown_in_two_steps_follows_the_saved_answer_in_both(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    compare = app.view(4)
    assert isinstance(compare, CompareOpinions)
    in_step_1 = field(app, "opinions_so_far")
    answered_before = app.view(0).progress.value
    compare.differ.control.value = "two_differ"
    assert in_step_1.control.value == "two_differ"
    assert app.view(0).progress.value != answered_before
    (summary,) = store.workbooks()
    assert store.load(summary.id).answers["opinions_so_far"] == "two_differ"
    in_step_1.control.value = "two_agree"
    assert compare.differ.control.value == "two_agree"
    assert store.load(summary.id).answers["opinions_so_far"] == "two_agree"


def test_each_step_opens_with_a_short_start_here_list(app: WorkbookApp) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    plan = app.state.plan
    first_questions = [
        r.item_id for r in questions(app).rows.values() if r in questions(app).children
    ]
    assert first_questions[: len(plan.start_here.questions)] == [
        q.id for q in plan.start_here.questions
    ]
    assert 1 <= len(plan.start_here.questions) <= 5
    marked = [c for c in questions(app).children if "workbook-start-here" in c._dom_classes]
    assert len(marked) == len(plan.start_here.questions)


# --------------------------------------------------------------------------- issue 13: typing


def test_own_questions_can_be_edited_and_deleted(app: WorkbookApp, store: WorkbookStore) -> None:
    view = questions(app)
    view.own_text.value = "Can I keep working?"
    view._add_own_question()
    sid = app.state.workbook_id
    assert sid is not None
    own = store.load(sid).own_questions
    assert [q.text for q in own] == ["Can I keep working?"]
    row = view.rows[own[0].id]
    edit = row.children[0]
    edit.value = "Can I keep working during treatment?"  # no kernel loop here: saved at once
    assert store.load(sid).own_questions[0].text.endswith("treatment?")
    row.children[-1].click()
    assert store.load(sid).own_questions == ()
    assert own[0].id not in view.rows


def test_text_over_its_limit_gets_a_plain_message_and_is_not_saved(app: WorkbookApp) -> None:
    view = questions(app)
    view.own_text.value = "x" * 501
    view.add_own.click()
    assert "500" in view.add_problem.value and "too long" in view.add_problem.value
    row = next(iter(view.rows.values()))
    row.answer.value = "y" * 5_001
    assert "5,000" in view.problem.value
    assert app.state.workbook is None or not app.state.workbook.questions.get(row.item_id)
    row.answer.value = "short"
    assert app.state.workbook is not None
    assert app.state.workbook.questions[row.item_id].answer == "short"


def test_file_names_keep_the_person_and_the_date() -> None:
    from widgets.steps.export_panel import file_name_part

    assert file_name_part("Peña") == "Pena"
    assert file_name_part("José Müller") == "Jose-Muller"
    assert file_name_part("王小明") == "王小明"


def test_a_reopened_workbook_says_welcome_back(store: WorkbookStore, content: Content) -> None:
    first = WorkbookApp(WorkbookState(store, content), link_base=None)
    field(first, "diagnosis_kind").control.value = "cancer"
    again = WorkbookApp(
        WorkbookState(store, content, workbook_id=first.state.workbook_id), link_base=None
    )
    assert "Welcome back" in again.welcome_back.value
    assert "Next:" in again.welcome_back.value
    assert first.welcome_back.value == ""


def test_the_save_status_says_saving_while_a_box_waits(app: WorkbookApp) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    app.state.typing = 1
    assert "Saving" in app.saved.value
    app.state.typing = 0
    assert 'data-save="saved"' in app.saved.value


# --------------------------------------------------------------------------- one owner at a time


def _page_of(store: WorkbookStore, content: Content, token: str) -> WorkbookApp:
    """The page a private link opens (as the dashboard builds it), on step 1."""
    session_id = store.workbook_id_for_token(token)
    assert session_id is not None
    state = WorkbookState(store, content, workbook_id=session_id)
    state.token = token
    return WorkbookApp(state, link_base="http://127.0.0.1:8866/")


def test_a_new_private_link_ends_every_other_page_at_its_next_save(
    app: WorkbookApp, store: WorkbookStore, content: Content
) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    assert app.state.token is not None
    other = _page_of(store, content, app.state.token)
    app.export_panel.new_link.click()  # this page makes a new link; the other is not told
    field(other, "diagnosis_kind").control.value = "rare_disease"  # its next save
    assert other.state.ended
    assert "can no longer save" in other.saved.value and 'data-save="failed"' in other.saved.value
    assert "All changes saved" not in other.saved.value
    intake = other.view(0)
    assert isinstance(intake, IntakeView) and "new private link" in intake.problem.value
    workbook_id = app.state.workbook_id
    assert workbook_id is not None
    assert store.load(workbook_id).answers == {"diagnosis_kind": "cancer"}
    # nor can it delete the workbook, or take it back with a new link of its own
    other.export_panel.new_link.click()
    other.export_panel.confirm_delete.click()
    assert store.workbook_id_for_token(app.state.token) == workbook_id
    # the page that made the new link goes on
    field(app, "diagnosis_kind").control.value = "other_serious"
    assert store.load(workbook_id).answers == {"diagnosis_kind": "other_serious"}
    assert not app.state.ended and "All changes saved" in app.saved.value


def test_a_page_hears_of_a_new_link_on_its_heartbeat_without_a_save(
    app: WorkbookApp, store: WorkbookStore, content: Content
) -> None:
    field(app, "diagnosis_kind").control.value = "cancer"
    assert app.state.token is not None
    other = _page_of(store, content, app.state.token)
    for _ in range(3):
        other.beat.beat()  # the page's pings: every third one asks the store
    assert not other.state.ended
    app.export_panel.new_link.click()
    for _ in range(3):
        other.beat.beat()
    assert other.state.ended and "can no longer save" in other.saved.value
    for _ in range(3):
        app.beat.beat()
    assert not app.state.ended
    assert 'data-workbook-state="ended"' in other.kept_for.value
    assert 'data-workbook-state="open"' in app.kept_for.value


def test_the_link_check_and_the_write_are_one_transaction(
    store: WorkbookStore,
) -> None:
    from secondopinion.store import LinkChangedError, only_with_link

    summary, token = store.create_workbook("", "patient")
    with only_with_link(token):
        store.set_answers(summary.id, {"diagnosis_kind": "cancer"})
    store.change_private_link(summary.id)
    changes_before = len(store.changes(summary.id))
    with pytest.raises(LinkChangedError), only_with_link(token):
        store.set_answers(summary.id, {"diagnosis_kind": "rare_disease"})
    assert store.load(summary.id).answers == {"diagnosis_kind": "cancer"}
    assert len(store.changes(summary.id)) == changes_before  # nothing written, nothing logged
    store.set_answers(summary.id, {"diagnosis_kind": "other_serious"})  # no link: a desk


def test_a_link_to_a_blank_workbook_from_the_dashboard_opens_a_new_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: Content
) -> None:
    from secondopinion.serving.visit import Visit
    from widgets.dashboard import open_page

    def dashboard(token: str) -> object:
        return open_page(content, Visit(token, "en", None, "http://127.0.0.1:8866/"))

    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    with WorkbookStore.open(tmp_path / "data") as store:
        stranger, stranger_token = store.create_workbook("", "patient", "es")
        desk, desk_token = store.create_workbook("", "navigator")
        used, used_token = store.create_workbook("", "patient")
        store.set_answers(used.id, {"diagnosis_kind": "cancer"})

    page = dashboard(stranger_token)
    assert isinstance(page, WorkbookApp)
    assert page.state.workbook_id is None and page.state.token is None
    assert page.state.language == "es"  # the only thing it had, and nothing private
    assert "Welcome back" not in page.welcome_back.value and page.welcome_back.value == ""
    bar = next(child for child in page.children if isinstance(child, AddressBar))
    assert "null" in bar.outputs[0]["data"]["application/javascript"]  # the link taken out
    page.state.set_answer("diagnosis_kind", "cancer")
    assert page.state.workbook_id not in (None, stranger.id)
    with WorkbookStore.open(tmp_path / "data") as store:
        assert store.load(stranger.id).answers == {}

    page = dashboard(desk_token)  # made at the desk for this person
    assert isinstance(page, WorkbookApp) and page.state.workbook_id == desk.id
    page = dashboard(used_token)
    assert isinstance(page, WorkbookApp) and page.state.workbook_id == used.id
    assert "Welcome back" in page.welcome_back.value


def test_welcome_back_says_when_the_workbook_was_started_and_last_changed(
    store: WorkbookStore, content: Content
) -> None:
    first = WorkbookApp(WorkbookState(store, content), link_base=None)
    field(first, "diagnosis_kind").control.value = "cancer"
    again = WorkbookApp(
        WorkbookState(store, content, workbook_id=first.state.workbook_id), link_base=None
    )
    assert first.state.workbook is not None
    summary = first.state.workbook.summary
    started = long_date(summary.created_at.astimezone().date())
    changed = long_date(summary.updated_at.astimezone().date())
    assert f"You started this workbook on {started}" in again.welcome_back.value
    assert f"last changed on {changed}" in again.welcome_back.value
    assert "Not your workbook?" in again.welcome_back.value
    assert (
        welcome_back_html(
            "es",
            answered=1,
            shown=2,
            asked=0,
            have=0,
            records=1,
            started=dt.date(2026, 2, 6),
            changed=dt.date(2026, 2, 9),
        ).count("febrero")
        == 2
    )


def test_kept_text_belongs_to_the_stored_workbook_and_is_dropped_once_deleted(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    assert 'data-workbook=""' in app.kept_for.value  # not stored: nothing typed is kept
    field(app, "diagnosis_kind").control.value = "cancer"
    assert app.state.workbook_id is not None
    mark = workbook_mark(app.state.workbook_id)
    assert f'data-workbook="{mark}" data-workbook-state="open"' in app.kept_for.value
    assert app.state.workbook_id not in app.kept_for.value and mark != workbook_mark("other")
    app.export_panel.delete.click()
    app.export_panel.confirm_delete.click()
    assert f'data-workbook="{mark}" data-workbook-state="gone"' in app.kept_for.value
    field(app, "diagnosis_kind").control.value = "rare_disease"  # a new workbook
    assert f'data-workbook="{mark}"' not in app.kept_for.value
    assert 'data-workbook-state="open"' in app.kept_for.value


def test_the_page_script_keeps_text_only_for_a_stored_workbook() -> None:
    script = page_script("en")
    assert "address: location.search" not in script  # no longer by the page's address
    assert "workbook: owner.id" in script and "offered.workbook !== owner.id" in script
    assert "before anything was stored" in script


def test_step_6_files_are_made_without_blocking_the_kernel_loop(
    store: WorkbookStore, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a kernel, the files are made in a thread: its event loop runs while they are made."""
    import asyncio
    import threading

    from widgets.steps import file_maker

    release = threading.Event()
    real = file_maker.make_downloads_apart

    def slow(*args: Any, **kwargs: Any) -> Any:
        # Made on the loop's own thread, this would wait for ever: the loop sets it.
        assert release.wait(timeout=60), "the loop did not run while the files were made"
        return real(*args, **kwargs)

    async def in_a_kernel() -> ExportPanel:
        monkeypatch.setattr(file_maker, "make_downloads_apart", slow)
        monkeypatch.setattr(file_maker, "kernel_loop", asyncio.get_running_loop)
        app = WorkbookApp(WorkbookState(store, content), link_base="http://127.0.0.1:8866/")
        app.state.set_answer("diagnosis_kind", "cancer")
        app.go_to(5)
        panel = app.export_panel
        assert "Making your files" in panel.download_sheet.value
        assert panel._maker.busy
        await asyncio.sleep(0)  # the loop goes on (it would answer a heartbeat now)
        release.set()
        async with asyncio.timeout(60):
            while panel._maker.busy:
                await asyncio.sleep(0.05)
        return panel

    panel = run_alone(in_a_kernel())  # apart from the loop Playwright may run in this thread
    assert "Download my answers (CSV)" in panel.download_csv.value
    assert "Print my question sheet" in panel.download_sheet.value
