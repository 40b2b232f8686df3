"""Step 2's own questions: deleted with an Undo, added with the focus on them (issue 24).

The views are driven without a browser (the browser side is tests/browser/
test_keyboard_and_landmarks.py); the store is the real one, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import ipywidgets as w
import pytest

from secondopinion import Content
from secondopinion.store import StoreBusyError, WorkbookStore
from widgets.app import WorkbookApp
from widgets.parts.page_roles import CHOICE_GROUP, PageRoles, roles_script
from widgets.steps.intake import IntakeView
from widgets.steps.question_list import QuestionList
from widgets.workbook_state import WorkbookState


@pytest.fixture
def app(store: WorkbookStore, content: Content) -> WorkbookApp:
    return WorkbookApp(WorkbookState(store, content), link_base="http://127.0.0.1:8866/")


def questions(app: WorkbookApp) -> QuestionList:
    view = app.view(1)
    assert isinstance(view, QuestionList)
    return view


def add(view: QuestionList, text: str) -> str:
    view.own_text.value = text
    view.add_own.click()
    workbook = view.state.workbook
    assert workbook is not None
    return workbook.own_questions[-1].id


def own_rows(view: QuestionList) -> list[str]:
    """The own questions and the Undo, in the order the list shows them."""
    shown = []
    for child in view.children:
        if child is view.undo:
            shown.append("undo")
        elif "workbook-own-question" in child._dom_classes:
            shown.append(child.item_id)
    return shown


def test_a_deleted_question_comes_back_with_all_it_held(
    app: WorkbookApp, store: WorkbookStore
) -> None:
    view = questions(app)
    first = add(view, "Who reads my slides?")
    middle = add(view, "Can my <b>daughter</b> come & translate?")
    last = add(view, "How soon must I decide?")
    assert view.focus_mover.target == f".workbook-questions .item-{last} textarea"
    view.state.set_own_question(middle, starred=True, asked=True, answer="Yes, she can.")
    sid = app.state.workbook_id
    assert sid is not None
    (before,) = [q for q in store.load(sid).own_questions if q.id == middle]

    view.rows[middle].children[-1].click()  # "Delete this question"
    assert [q.id for q in store.load(sid).own_questions] == [first, last]
    assert own_rows(view) == [first, "undo", last]  # the Undo stands where it was
    assert view.undo is not None
    note = view.undo.children[0].value
    assert "&lt;b&gt;daughter&lt;/b&gt; come &amp; translate" in note and "<b>" not in note
    assert view.focus_mover.target == f".workbook-questions .workbook-undo-{middle} button"

    view.undo.children[1].click()  # "Undo"
    assert view.undo is None
    (after,) = [q for q in store.load(sid).own_questions if q.text == before.text]
    kept = ("text", "audience", "starred", "asked", "answer")
    assert {k: getattr(after, k) for k in kept} == {k: getattr(before, k) for k in kept}
    assert len(store.load(sid).own_questions) == 3
    assert view.rows[after.id].star.value and view.rows[after.id].asked.value
    assert view.rows[after.id].answer.value == "Yes, she can."
    assert view.focus_mover.target == f".workbook-questions .item-{after.id} textarea"


def test_an_undo_tried_again_adds_the_question_once(
    app: WorkbookApp, store: WorkbookStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = questions(app)
    own_id = add(view, "Can I bring a friend?")
    view.state.set_own_question(own_id, answer="Ask the front desk.")
    view.rows[own_id].children[-1].click()
    sid = app.state.workbook_id
    assert sid is not None and store.load(sid).own_questions == ()

    real = store.set_own_question
    calls: list[str] = []

    def busy_once(*args: object, **kwargs: object) -> None:
        calls.append("try")
        if len(calls) == 1:
            raise StoreBusyError("The workbook database is busy.")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "set_own_question", busy_once)
    assert view.undo is not None
    view.undo.children[1].click()  # the answer could not be put back yet
    assert "busy" in view.add_problem.value
    assert view.undo is not None  # still offered
    view.undo.children[1].click()  # tried again
    (back,) = store.load(sid).own_questions
    assert (back.text, back.answer) == ("Can I bring a friend?", "Ask the front desk.")
    assert view.undo is None


def test_a_failed_add_puts_the_focus_back_in_the_box_with_the_message_beside_it(
    app: WorkbookApp,
) -> None:
    view = questions(app)
    view.own_text.value = "   "
    view.add_own.click()
    assert "Type your question first" in view.add_problem.value
    assert view.add_problem in view.own_form.children
    assert view.focus_mover.target == ".workbook-questions .workbook-add-question-text textarea"
    assert view.problem.value == ""  # not at the top of the step, screens away


def test_every_radio_control_of_the_intake_is_one_named_group(app: WorkbookApp) -> None:
    intake = app.view(0)
    assert isinstance(intake, IntakeView)
    for field_input in intake.inputs:
        control = field_input.control
        is_radio = isinstance(control, w.RadioButtons)
        assert is_radio == (field_input.field.kind in ("one_choice", "yes_no"))
        if is_radio:
            assert CHOICE_GROUP in control._dom_classes
            assert control.description == field_input.field.label
    assert any(isinstance(child, PageRoles) for child in app.children)


def test_the_roles_script_names_the_steps_in_the_workbook_language() -> None:
    assert '"steps": "Steps of the workbook"' in roles_script("en")
    assert '"steps": "Pasos del cuaderno"' in roles_script("es")
    assert f'"group": "{CHOICE_GROUP}"' in roles_script("es")
