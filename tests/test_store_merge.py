"""Two workbooks of one person merged into one, on SQLite and on PostgreSQL (the ``store`` fixture).

The rules are in ``secondopinion/store/_merge.py``: what only one had is taken; a star or a tick
stays; a record's status is the furthest along; otherwise the newer value wins, and the one that
lost is written into the kept workbook's notes; the other workbook is then deleted.
"""

from __future__ import annotations

import datetime as dt

import pytest

from secondopinion.store import NotFoundError, WorkbookStore, short_code


def two_of_one_person(store: WorkbookStore) -> tuple[str, str, str]:
    """A kept workbook and an 'other' one, written in turn so that each is newer somewhere.

    Returns the kept id, the other id, and the other's private token.
    """
    kept, _ = store.create_workbook("", "patient")
    other, token = store.create_workbook("Ana Peña", "patient", "es")
    # older in the kept one, newer in the other
    store.set_answers(kept.id, {"diagnosis_kind": "cancer", "filled_by": "patient"})
    store.set_question(
        kept.id, "q_type_and_spread", starred=True, answer="Stage two, the kept one says"
    )
    store.set_record(kept.id, "r_pathology_report", status="requested", note="Called on Monday")
    store.add_own_question(kept.id, "How long will it take?")
    store.set_notes(kept.id, "Kept workbook's notes")
    store.set_answers(other.id, {"diagnosis_kind": "rare_disease", "diagnosis_name": "Sarcoma"})
    store.set_question(
        other.id, "q_type_and_spread", asked=True, answer="Stage three, says the other"
    )
    store.set_question(other.id, "q_gene_tests", starred=True)
    store.set_record(other.id, "r_pathology_report", status="received", from_whom="Dr. Ruiz")
    store.set_record(other.id, "r_imaging_files", status="requested", requested_on="2026-01-05")
    store.add_own_question(other.id, "How long will it take?")
    asked_twice = store.load(other.id).own_questions[0].id
    store.set_own_question(other.id, asked_twice, starred=True)
    store.add_own_question(other.id, "Who pays for the second opinion?", "insurer")
    store.set_comparison(other.id, "second", "diagnosis", "Sarcoma, not carcinoma")
    store.set_notes(other.id, "Other workbook's notes")
    store.set_step_done(other.id, "call_insurer", "2026-01-06")
    # and newer again in the kept one
    store.set_answers(kept.id, {"treatment_status": "in_treatment"})
    store.set_comparison(kept.id, "first", "diagnosis", "Carcinoma")
    return kept.id, other.id, token


def test_merging_moves_everything_into_the_kept_workbook_and_loses_nothing_typed(
    store: WorkbookStore,
) -> None:
    kept_id, other_id, other_token = two_of_one_person(store)
    noted = store.merge_workbooks(kept_id, other_id)

    book = store.load(kept_id)
    # the newer answer wins; answers only one had are taken
    assert book.answers == {
        "diagnosis_kind": "rare_disease",
        "diagnosis_name": "Sarcoma",
        "filled_by": "patient",
        "treatment_status": "in_treatment",
    }
    # a star or a tick stays from either; the newer typed answer wins
    stage = book.questions["q_type_and_spread"]
    assert (stage.starred, stage.asked, stage.answer) == (True, True, "Stage three, says the other")
    assert book.questions["q_gene_tests"].starred
    # a record's status is the furthest along; what only one wrote is taken
    report = book.records["r_pathology_report"]
    assert (report.status, report.from_whom, report.note) == (
        "received",
        "Dr. Ruiz",
        "Called on Monday",
    )
    assert book.records["r_imaging_files"].requested_on == dt.date(2026, 1, 5)
    # own questions of both, the one written in both kept once, its star kept
    own = {q.text: q for q in book.own_questions}
    assert sorted(own) == ["How long will it take?", "Who pays for the second opinion?"]
    assert own["How long will it take?"].starred
    assert own["Who pays for the second opinion?"].audience == "insurer"
    assert book.compared("second", "diagnosis") == "Sarcoma, not carcinoma"
    assert book.compared("first", "diagnosis") == "Carcinoma"
    assert book.steps_done == {"call_insurer": dt.date(2026, 1, 6)}
    # the kept workbook keeps its own language; takes the name, as it had none
    assert book.summary.display_name == "Ana Peña"
    assert book.summary.language == "en"

    # what lost is in the notes, saying which workbook it was in
    assert noted == 2
    notes = book.notes
    assert notes.startswith("Kept workbook's notes")
    assert f"Merged in from the workbook {short_code(other_id)}" in notes
    assert "Other workbook's notes" in notes
    assert f"- Answer diagnosis_kind ({short_code(kept_id)}): cancer" in notes
    assert f"({short_code(kept_id)}): Stage two, the kept one says" in notes

    # the other workbook is gone, its link opens nothing, its log says only that it went
    assert not store.has_workbook(other_id)
    assert store.workbook_id_for_token(other_token) is None
    assert [c.field for c in store.changes(other_id)] == ["deleted"]
    merged = [c for c in store.changes(kept_id) if c.field == "merged_from"]
    assert [c.new for c in merged] == [other_id]


def test_the_kept_value_wins_when_it_is_newer_and_a_second_name_goes_to_the_notes(
    store: WorkbookStore,
) -> None:
    other, _ = store.create_workbook("A. P.", "patient")
    kept, _ = store.create_workbook("Ana", "navigator")
    store.set_answers(other.id, {"diagnosis_name": "Colon cancer"})
    store.set_answers(kept.id, {"diagnosis_name": "Cáncer de colon"})
    assert store.merge_workbooks(kept.id, other.id) == 2
    book = store.load(kept.id)
    assert book.answers["diagnosis_name"] == "Cáncer de colon"
    assert book.summary.display_name == "Ana"
    assert book.summary.created_by == "navigator"
    code = short_code(other.id)
    assert f"- Name ({code}): A. P." in book.notes
    assert f"- Answer diagnosis_name ({code}): Colon cancer" in book.notes


def test_an_empty_workbook_merges_in_without_a_note(store: WorkbookStore) -> None:
    kept, _ = store.create_workbook("Ana", "navigator")
    empty, _ = store.create_workbook("", "patient")
    store.set_answers(kept.id, {"diagnosis_kind": "cancer"})
    before = store.load(kept.id)
    assert store.merge_workbooks(kept.id, empty.id) == 0
    after = store.load(kept.id)
    assert after.answers == before.answers and after.notes == ""
    assert [s.id for s in store.workbooks()] == [kept.id]


def test_merging_refuses_one_workbook_twice_and_unknown_ones_and_changes_nothing(
    store: WorkbookStore,
) -> None:
    kept, _ = store.create_workbook("Ana", "navigator")
    store.set_answers(kept.id, {"diagnosis_kind": "cancer"})
    with pytest.raises(ValueError, match="two different workbooks"):
        store.merge_workbooks(kept.id, kept.id)
    with pytest.raises(NotFoundError):
        store.merge_workbooks(kept.id, "0123456789ab")
    with pytest.raises(NotFoundError):
        store.merge_workbooks("0123456789ab", kept.id)
    assert store.load(kept.id).answers == {"diagnosis_kind": "cancer"}
    assert [c.field for c in store.changes(kept.id)][-1] == "answer"


def test_short_codes_are_the_same_every_time_and_readable_over_the_phone() -> None:
    from secondopinion.store import read_code

    code = short_code("0a1b2c3d4e5f")
    assert code == short_code("0a1b2c3d4e5f") == "7ZF-25K"
    assert short_code("0a1b2c3d4e60") != code
    many = {short_code(f"{n:012x}") for n in range(2000)}
    assert len(many) == 2000  # no two of these share a code
    for one in many:
        assert len(one) == 7 and one[3] == "-"
        assert not set(one) & set("AEIOUY")  # no vowel: no word in English or Spanish
        assert not set(one) & set("LDMS")  # no L (a one), no letter that is a word alone
    assert read_code("7zf25k") == read_code(" 7ZF 25K ") == read_code("7zf-25k") == code
    assert read_code("K7F-29O") == "K7F-290"  # an O read as a zero, an I or L as a one
    assert read_code("ki7-l29") == "K17-129"
    assert read_code("colon") is None and read_code("686-SDEX") is None and read_code("") is None
