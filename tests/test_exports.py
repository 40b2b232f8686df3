"""Exports: the long form and the roster as pandas tables, and CSV that spreadsheets open safely."""

from __future__ import annotations

import io
import os
import re
import stat
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion import Content, Situation, tailor
from secondopinion.content import Field
from secondopinion.documents.exports import (
    FOLLOW_UP_AFTER,
    LONG_FORM_COLUMNS,
    ROSTER_COLUMNS,
    long_form,
    next_due_step,
    roster,
    to_csv_bytes,
    write_csv,
)
from secondopinion.planning import records_that_apply
from secondopinion.store import WorkbookStore

TRICKY = [
    "commas, and more, commas",
    "double \"quotes\" and 'single'",
    "new\nlines\r\nof all\rkinds",
    "emoji 😀🎗️👩‍👩‍👧",
    "עברית מימין לשמאל",
    "العربية من اليمين إلى اليسار",
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "+44 20 7946 0000",
    "-5",
    "@SUM(A1:A2)",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "a=b is fine in the middle",
    "<b>html</b> & stuff",
    "",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def as_spreadsheet_text(value: str) -> str:
    """What a cell holds in the CSV: formula-like text gets a leading quote, and so does each
    piece that starts a formula after a ``;``, a tab or a line end (or leading spaces)."""
    value = re.sub(r"""(^[ "]+|[;\t\n\r][ "]*)(?=[=+\-@])""", r"\1'", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def first_question(content: Content, cancer: bool) -> str:
    """A question that applies to a cancer situation only (or to everyone)."""
    with_cancer = tailor(
        Situation.from_answers({"diagnosis_kind": "cancer"}, content.intake), content
    )
    without = tailor(
        Situation.from_answers({"diagnosis_kind": "rare_disease"}, content.intake), content
    )
    ids = (
        with_cancer.item_ids - without.item_ids
        if cancer
        else with_cancer.item_ids & without.item_ids
    )
    return next(q.id for q in content.questions if q.id in ids)


# --------------------------------------------------------------------------- long form


def test_long_form_has_one_row_per_answer(store: WorkbookStore, content: Content) -> None:
    summary, _ = store.create_workbook("L. F.", "patient")
    sid = summary.id
    store.set_answers(
        sid,
        {
            "diagnosis_kind": "cancer",
            "tests_done": ["biopsy", "imaging"],
            "can_travel": False,
            "decision_date": "2026-12-31",
            "diagnosis_name": "Stage II",
        },
    )
    question = content.questions[0].id
    store.set_question(sid, question, starred=True, answer="Ask on Monday")
    own = store.add_own_question(sid, "Can my sister come?", audience="second_doctor")
    store.set_record(sid, "r_slides", status="requested", requested_on="2026-11-02", note="lab")
    store.set_notes(sid, "Calls back Tuesdays")

    table = long_form(store.load(sid), content)
    assert tuple(table.columns) == LONG_FORM_COLUMNS
    assert (table["session"] == sid).all()
    rows = {(r.section, r.item_id, r.field): r for r in table.itertuples()}

    kind = rows[("situation", "diagnosis_kind", "answer")]
    assert kind.item_text == content.intake.field("diagnosis_kind").label
    assert kind.value == "Cancer"
    tests = rows[("situation", "tests_done", "answer")].value
    assert tests == "; ".join(
        content.intake.field("tests_done").choice_label(c) for c in ("biopsy", "imaging")
    )
    assert rows[("situation", "can_travel", "answer")].value == "no"
    assert rows[("situation", "decision_date", "answer")].value == "2026-12-31"
    assert rows[("situation", "diagnosis_name", "answer")].value == "Stage II"

    assert rows[("questions", question, "starred")].value == "yes"
    assert rows[("questions", question, "asked")].value == "no"
    assert rows[("questions", question, "answer")].value == "Ask on Monday"
    assert rows[("questions", question, "answer")].item_text == content.item(question).text

    assert rows[("own_questions", own, "audience")].value == content.label("second_doctor")
    assert rows[("own_questions", own, "asked")].item_text == "Can my sister come?"
    assert rows[("records", "r_slides", "status")].value == "requested"
    assert rows[("records", "r_slides", "requested_on")].value == "2026-11-02"
    assert rows[("records", "r_slides", "note")].value == "lab"
    assert rows[("session", "", "notes")].value == "Calls back Tuesdays"
    assert table["applies_now"].dtype == bool
    assert str(table["updated_at"].dt.tz) == "UTC"


def test_answers_that_stop_applying_are_kept_and_marked(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("", "patient")
    sid = summary.id
    cancer_only = first_question(content, cancer=True)
    everyone = first_question(content, cancer=False)
    store.set_answers(sid, {"diagnosis_kind": "cancer", "options_offered": "several"})
    store.set_answers(sid, {"treatment_proposed": ["surgery"]})
    store.set_question(sid, cancer_only, answer="written while it applied")
    store.set_question(sid, everyone, starred=True)
    store.set_question(sid, "q_removed_from_content", asked=True)
    store.set_answers(sid, {"diagnosis_kind": "rare_disease", "options_offered": "none"})

    table = long_form(store.load(sid), content)
    applies = {(r.section, r.item_id): r.applies_now for r in table.itertuples()}
    assert applies[("questions", cancer_only)] is False
    assert applies[("questions", everyone)] is True
    assert applies[("questions", "q_removed_from_content")] is False
    assert applies[("situation", "diagnosis_kind")] is True
    assert applies[("situation", "treatment_proposed")] is False  # hidden: no options offered
    answer = table[(table.item_id == cancer_only) & (table.field == "answer")]
    assert answer["value"].tolist() == ["written while it applied"]
    assert table[table.item_id == "q_removed_from_content"]["item_text"].tolist() == [""] * 3


def test_answers_that_no_longer_fit_the_content_are_exported_as_stored(
    store: WorkbookStore, content: Content
) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.set_answers(summary.id, {"diagnosis_kind": "a_choice_since_removed", "old_field": True})
    table = long_form(store.load(summary.id), content).set_index("item_id")
    assert table.loc["diagnosis_kind", "value"] == "a_choice_since_removed"
    assert not table.loc["diagnosis_kind", "applies_now"]
    assert table.loc["old_field", "value"] == "yes"
    assert table.loc["old_field", "item_text"] == ""


def test_long_form_of_nothing_still_has_the_columns(content: Content) -> None:
    table = long_form([], content)
    assert tuple(table.columns) == LONG_FORM_COLUMNS
    assert read_back(to_csv_bytes(table)).columns.tolist() == list(LONG_FORM_COLUMNS)


# --------------------------------------------------------------------------- CSV


def test_csv_read_back_equals_what_was_stored(store: WorkbookStore, content: Content) -> None:
    """Commas, quotes, new lines, emoji, right-to-left text and formulas all come back.

    A cell that begins with =, +, -, @, a tab or a carriage return comes back with a leading
    single quote: that quote is what keeps a spreadsheet from running it as a formula.
    """
    summary, _ = store.create_workbook("=cmd|' /C calc'!A0", "patient")
    sid = summary.id
    for n, text in enumerate(TRICKY):
        store.set_question(sid, f"q_tricky_{n:02d}", starred=True, answer=text)
    store.set_answers(sid, {"diagnosis_name": TRICKY[6]})
    store.set_notes(sid, "\n".join(TRICKY))

    table = long_form(store.load(sid), content)
    back = read_back(to_csv_bytes(table))
    assert back.columns.tolist() == list(LONG_FORM_COLUMNS)
    assert len(back) == len(table)
    for name in ("session", "section", "item_id", "item_text", "field", "value"):
        assert back[name].tolist() == [as_spreadsheet_text(v) for v in table[name]], name
    answers = back[(back.section == "questions") & (back.field == "answer")]["value"].tolist()
    assert answers == [as_spreadsheet_text(t) for t in TRICKY]
    assert "'=1+1" in answers and "'-5" in answers and "a=b is fine in the middle" in answers
    assert back[back.item_id == "diagnosis_name"]["value"].tolist() == ["'=1+1"]
    assert back["applies_now"].isin(["yes", "no"]).all()
    assert back["updated_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").all()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_any_text_survives_the_csv(store: WorkbookStore, content: Content, text: str) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.set_question(summary.id, "q_any", starred=True, answer=text)
    back = read_back(to_csv_bytes(long_form(store.load(summary.id), content)))
    assert back[back.field == "answer"]["value"].tolist() == [as_spreadsheet_text(text)]


def test_csv_bytes_open_in_spreadsheets() -> None:
    table = pd.DataFrame(
        {
            "b_text": ["=SUM(1)", "plain", "@x", None],
            "a_date": [date(2026, 1, 2), None, date(2026, 12, 31), None],
            "count": [1, 2, 3, 4],
            "flag": [True, False, True, False],
        }
    )
    data = to_csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "b_text,a_date,count,flag"  # the table's own column order
    assert "\r\n" in text
    back = read_back(data)
    assert back["b_text"].tolist() == ["'=SUM(1)", "plain", "'@x", ""]
    assert back["a_date"].tolist() == ["2026-01-02", "", "2026-12-31", ""]
    assert back["count"].tolist() == ["1", "2", "3", "4"]
    assert back["flag"].tolist() == ["yes", "no", "yes", "no"]


SPLIT_ATTACKS = [
    'fine;=HYPERLINK("http://evil.example","click")',
    "a\t+1+2",
    "a; -3",
    'a;"@SUM(A1:A2)',
    "  =1+1",
    "line one\n=2+2",
    "semi;colon;is;fine",
]


@pytest.mark.parametrize("separator", [";", "\t"])
def test_csv_pieces_stay_inert_when_a_reader_splits_on_semicolons_or_tabs(
    separator: str,
) -> None:
    """LibreOffice asked to split on ';' or a tab (ignoring the commas) sees each piece as a
    cell: no piece may start a formula, even after the spaces and quotes it may trim."""
    data = to_csv_bytes(pd.DataFrame({"value": SPLIT_ATTACKS}))
    text = data.decode("utf-8-sig")
    pieces = [p for line in text.splitlines() for p in line.split(separator)]
    for piece in pieces:
        assert not piece.lstrip(' "').startswith(("=", "+", "-", "@")), piece
    back = read_back(data)["value"].tolist()
    # nothing is lost: the text reads back with only the guarding quotes added
    assert [v.replace("'", "") for v in back] == [v.replace("'", "") for v in SPLIT_ATTACKS]


def test_an_exports_folder_others_can_read_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    write_csv(pd.DataFrame({"a": ["x"]}), folder / "out.csv")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the folder to another account")
def test_an_exports_folder_of_another_account_is_refused_plainly(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o777)
    os.chown(folder, 65534, 65534)  # nobody
    with pytest.raises(PermissionError) as caught:
        write_csv(pd.DataFrame({"a": ["x"]}), folder / "out.csv")
    assert "another account" in str(caught.value)
    assert str(tmp_path) not in str(caught.value)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_write_csv_makes_owner_only_files(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        target = tmp_path / "exports" / "nested" / "out.csv"
        table = pd.DataFrame({"a": ["x"]})
        assert write_csv(table, target) == target
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
        target.chmod(0o644)
        write_csv(pd.DataFrame({"a": ["y"]}), target)  # replaced, and owner-only again
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert read_back(target.read_bytes())["a"].tolist() == ["y"]
        assert [p.name for p in target.parent.iterdir()] == ["out.csv"]  # no temporary files
    finally:
        os.umask(old)


# --------------------------------------------------------------------------- roster


def test_roster_has_one_row_per_person(store: WorkbookStore, content: Content) -> None:
    first, _ = store.create_workbook("First", "patient")
    second, _ = store.create_workbook("", "navigator")
    store.set_answers(first.id, {"diagnosis_kind": "cancer", "treatment_status": "not_working"})
    store.set_decision_date(first.id, date(2026, 12, 31))
    store.set_question(first.id, "q_a", starred=True, asked=True)
    store.set_question(first.id, "q_b", starred=True)
    own = store.add_own_question(first.id, "Mine")
    store.set_own_question(first.id, own, asked=True)
    store.set_record(first.id, "r_slides", status="requested", requested_on="2026-11-01")
    store.set_record(first.id, "r_gone_from_content", status="received")
    store.set_record(first.id, "r_sent_one", status="sent")

    table = roster(store, content)
    assert tuple(table.columns) == ROSTER_COLUMNS
    assert table["session"].tolist() == [first.id, second.id]  # most recent change first
    row = table.iloc[0]
    assert row["name"] == "First"
    assert row["diagnosis_kind"] == "Cancer"
    assert row["treatment_status"] == content.intake.field("treatment_status").choice_label(
        "not_working"
    )
    assert row["decision_date"] == date(2026, 12, 31)
    assert (row["questions_starred"], row["questions_asked"]) == (2, 2)
    assert (row["records_requested"], row["records_received"], row["records_sent"]) == (1, 1, 1)
    plan_records = len(_plan_records(store, content, first.id))
    assert row["records_needed"] == plan_records - 1  # the slides were asked for
    assert row["next_due_step"].startswith("2026-12-01: follow up on the request for")
    empty = table.iloc[1]
    assert (empty["name"], empty["diagnosis_kind"], empty["next_due_step"]) == ("", "", "")
    assert empty["decision_date"] is None
    assert empty["records_needed"] == len(_plan_records(store, content, second.id))

    back = read_back(to_csv_bytes(table))
    assert back.columns.tolist() == list(ROSTER_COLUMNS)
    assert back.loc[0, "decision_date"] == "2026-12-31"
    assert back.loc[1, "decision_date"] == ""
    assert back.loc[0, "questions_starred"] == "2"
    assert back.loc[0, "created"].endswith("+00:00")


def _plan_records(store: WorkbookStore, content: Content, sid: str) -> list[str]:
    answers = store.load(sid).answers
    plan = tailor(Situation.from_answers(answers, content.intake, drop_unknown=True), content)
    return [r.id for r in plan.records]


def test_roster_of_no_one(store: WorkbookStore, content: Content) -> None:
    table = roster(store, content)
    assert table.empty
    assert tuple(table.columns) == ROSTER_COLUMNS


def test_next_due_step(store: WorkbookStore, content: Content) -> None:
    summary, _ = store.create_workbook("", "patient")
    sid = summary.id

    def step() -> str:
        return next_due_step(store.load(sid), content)

    assert step() == ""
    store.set_decision_date(sid, "2026-03-01")
    assert step() == "2026-03-01: decide about treatment (the decision date)"
    store.set_record(sid, "r_slides", status="requested", requested_on="2026-01-02")
    store.set_record(sid, "r_pathology_report", status="requested", requested_on="2026-01-20")
    due = (date(2026, 1, 2) + FOLLOW_UP_AFTER).isoformat()
    assert step() == (
        f"{due}: follow up on the request for “{content.item('r_slides').text}”, "
        "asked for on 2026-01-02"
    )
    store.set_record(sid, "r_slides", status="received")
    assert step().startswith("2026-02-19: follow up on the request for")
    store.set_record(sid, "r_pathology_report", status="sent")
    assert step().startswith("2026-03-01: decide")
    store.set_decision_date(sid, None)
    store.set_record(sid, "r_no_date", status="requested")  # no date: nothing to count from
    assert step() == ""


def test_roster_from_the_store_equals_roster_from_full_workbooks(
    store: WorkbookStore, content: Content
) -> None:
    for n in range(6):
        summary, _ = store.create_workbook(f"P{n}", "patient")
        store.set_answers(summary.id, {"diagnosis_kind": "cancer", "tests_done": ["biopsy"]})
        store.set_question(summary.id, f"q_{n}", starred=n % 2 == 0, asked=n % 3 == 0)
        own = store.add_own_question(summary.id, "mine")
        store.set_own_question(summary.id, own, starred=True)
        store.set_record(
            summary.id, "r_slides", status="requested", requested_on="2026-02-0" + str(n + 1)
        )
    fast = roster(store, content)
    full = roster(store.load_all(), content)
    pd.testing.assert_frame_equal(fast, full)
    newest_first = range(5, -1, -1)
    assert fast["questions_starred"].tolist() == [1 + (n % 2 == 0) for n in newest_first]
    assert fast["questions_asked"].tolist() == [int(n % 3 == 0) for n in newest_first]


def answer_for(field: Field) -> st.SearchStrategy[object]:
    if field.kind == "one_choice":
        return st.sampled_from(field.choice_ids)
    if field.kind == "several_choices":
        return st.lists(st.sampled_from(field.choice_ids), min_size=1, unique=True)
    if field.kind == "yes_no":
        return st.booleans()
    if field.kind == "date":
        return st.dates().map(date.isoformat)
    return st.text(max_size=10)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_roster_agrees_with_the_engine_on_which_records_apply(
    content: Content, data: st.DataObject
) -> None:
    answers = {
        f.id: data.draw(answer_for(f)) for f in content.intake.fields if data.draw(st.booleans())
    }
    situation = Situation.from_answers(answers, content.intake)
    planned = [r.id for r in tailor(situation, content).records]
    assert sorted(records_that_apply(answers, content)) == sorted(planned)
