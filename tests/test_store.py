"""The session store: round trips of every kind of answer, the change log, tokens, privacy.

Every test has its own temporary data folder; nothing touches ./data.
"""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

import secondopinion
from secondopinion.store import (
    DECISION_DATE_FIELD,
    MAX_TEXT_CHARS,
    NotFoundError,
    StoreError,
    WorkbookStore,
    local_data_dir,
)
from secondopinion.store import _db as _store_db
from secondopinion.store import _schema as _store_schema
from tests.store_support import StoreTarget

TRICKY_TEXTS = [
    "",
    "plain words",
    "x" * 20_000,
    "😀🎗️👩‍👩‍👧 family",
    "سرطان الثدي — مرحلة ثانية",  # right-to-left (Arabic)
    "שלום, מה שלומך?",  # right-to-left (Hebrew)
    "null\x00byte\x00",
    "<script>alert('x')</script> & <b>bold</b>",
    '=HYPERLINK("http://example.com","click")',
    "line one\nline two\r\nline three\r",
    "\t tabs and  spaces  ",
    "comma, \"quotes\", 'single'",
    "\u202eright-to-left override",
    "lone \ud800 surrogate",
    "\ufeffBOM at start",
]

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def sid(store: WorkbookStore) -> str:
    summary, _ = store.create_workbook("A. B.", "patient")
    return summary.id


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --------------------------------------------------------------------------- files and privacy


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_new_folder_database_and_side_files_are_owner_only(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        folder = tmp_path / "new" / "data"
        with WorkbookStore.open(folder) as store:
            summary, _ = store.create_workbook("", "patient")
            store.set_notes(summary.id, "private")
            db_file = folder / "workbooks.sqlite3"
            assert store.path == db_file
            assert mode(folder) == 0o700
            assert mode(db_file) == 0o600
            side_files = [p for p in folder.iterdir() if p != db_file]
            assert {p.name for p in side_files} >= {"workbooks.sqlite3-wal"}
            for side in side_files:
                assert mode(side) == 0o600, side
    finally:
        os.umask(old)


def test_default_folder_is_the_projects_data_folder_wherever_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECOND_OPINION_DATA", raising=False)
    monkeypatch.chdir(tmp_path)  # Voilà and JupyterLab run notebooks from notebooks/
    project = Path(secondopinion.__file__).resolve().parent.parent
    assert local_data_dir() == project / "data"


def test_environment_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECOND_OPINION_DB_URL", raising=False)
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "elsewhere"))
    with WorkbookStore.open() as store:
        assert store.path == tmp_path / "elsewhere" / "workbooks.sqlite3"


def test_a_url_is_the_only_change_needed(tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'by-url.sqlite3'}"
    with WorkbookStore.open(url=url) as store:
        summary, token = store.create_workbook("U", "navigator")
        assert store.workbook_id_for_token(token) == summary.id
    assert mode(tmp_path / "by-url.sqlite3") == 0o600
    with WorkbookStore.open(url=url) as store:
        assert [s.id for s in store.workbooks()] == [summary.id]


def test_environment_url_and_no_password_in_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "ignored"))
    with WorkbookStore.open() as store:
        assert store.path == tmp_path / "env.sqlite3"
    assert not (tmp_path / "ignored").exists()
    server = _store_db.resolve_location(None, "postgresql+psycopg://nav:s3cret@db.example/wb")
    assert server.path is None
    assert "s3cret" not in server.describe()
    assert "db.example" in server.describe()


def test_the_schema_compiles_for_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for table in _store_schema.METADATA.sorted_tables:
        assert "CREATE TABLE" in str(CreateTable(table).compile(dialect=dialect))
        for index in table.indexes:
            assert "CREATE" in str(CreateIndex(index).compile(dialect=dialect))


def test_open_without_create_refuses_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no workbook database"):
        WorkbookStore.open(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()


def test_closed_store_says_so(tmp_path: Path) -> None:
    store = WorkbookStore.open(tmp_path)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.workbooks()


# --------------------------------------------------------------------------- tokens


def test_token_opens_its_own_workbook_only(store: WorkbookStore) -> None:
    first, token1 = store.create_workbook("One", "patient")
    second, token2 = store.create_workbook("Two", "navigator")
    assert len(token1) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token1)
    assert token1 != token2
    assert store.workbook_id_for_token(token1) == first.id
    assert store.workbook_id_for_token(token2) == second.id


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "A" * 43,
        "not a token at all!",
        " " * 43,
        "a" * 10_000,
        "../../etc/passwd",
        "\x00" * 43,
    ],
)
def test_wrong_tokens_reveal_nothing(store: WorkbookStore, token: str) -> None:
    store.create_workbook("Someone", "patient")
    assert store.workbook_id_for_token(token) is None


@pytest.mark.sqlite_only(reason="reads the database file's bytes")
def test_token_is_not_stored_only_its_hash(store: WorkbookStore, tmp_path: Path) -> None:
    _, token = store.create_workbook("Hash", "patient")
    store.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir())
    assert token.encode() not in raw
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'workbooks.sqlite3'}")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM sessions")).scalar_one()
    engine.dispose()
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert token not in stored


def test_unknown_session_ids(store: WorkbookStore) -> None:
    for bad in ("0123456789ab", "nonsense", "", "'; DROP TABLE sessions; --"):
        with pytest.raises(NotFoundError):
            store.load(bad)
        with pytest.raises(NotFoundError):
            store.set_notes(bad, "x")
        with pytest.raises(NotFoundError):
            store.changes(bad)


# --------------------------------------------------------------------------- round trips


def test_every_kind_of_answer_round_trips_across_a_reopen(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with WorkbookStore.open(folder) as store:
        summary, token = store.create_workbook("Ana María", "patient")
        sid = summary.id
        store.set_answers(
            sid,
            {
                "diagnosis_kind": "cancer",
                "tests_done": ["biopsy", "imaging"],
                "can_travel": False,
                "companion": True,
                "diagnosis_name": "Stage II <b>carcinoma</b> سرطان",
                "decision_date": date(2026, 12, 31),
            },
        )
        store.set_question(sid, "q_how_sure", starred=True, asked=True, answer="Quite sure.")
        own = store.add_own_question(sid, "Can I bring my sister?", audience="second_doctor")
        store.set_own_question(sid, own, starred=True, answer="Yes")
        store.set_record(
            sid,
            "r_slides",
            status="requested",
            from_whom="City Hospital lab",
            requested_on=date(2026, 11, 2),
            note="Call again Friday",
        )
        store.set_notes(sid, "Prefers phone calls.")
        store.set_display_name(sid, "A. M.")
        before = store.load(sid)

    with WorkbookStore.open(folder) as store:
        assert store.workbook_id_for_token(token) == sid
        book = store.load(sid)
    assert book == before
    assert book.summary.display_name == "A. M."
    assert book.summary.created_by == "patient"
    assert dict(book.answers) == {
        "diagnosis_kind": "cancer",
        "tests_done": ["biopsy", "imaging"],
        "can_travel": False,
        "companion": True,
        "diagnosis_name": "Stage II <b>carcinoma</b> سرطان",
        "decision_date": "2026-12-31",
    }
    assert book.decision_date == date(2026, 12, 31)
    question = book.questions["q_how_sure"]
    assert (question.starred, question.asked, question.answer) == (True, True, "Quite sure.")
    (mine,) = book.own_questions
    assert (mine.id, mine.text, mine.audience, mine.starred, mine.asked, mine.answer) == (
        own,
        "Can I bring my sister?",
        "second_doctor",
        True,
        False,
        "Yes",
    )
    record = book.records["r_slides"]
    assert record.status == "requested"
    assert record.from_whom == "City Hospital lab"
    assert record.requested_on == date(2026, 11, 2)
    assert record.note == "Call again Friday"
    assert book.notes == "Prefers phone calls."
    for moment in (book.summary.created_at, book.summary.updated_at, question.updated_at):
        assert moment.tzinfo is not None and moment.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_typed_text_is_stored_exactly(store: WorkbookStore, text: str) -> None:
    summary, _ = store.create_workbook(text, "patient")
    sid = summary.id
    store.set_answers(sid, {"diagnosis_name": text, "other": [text, text + "!"]})
    store.set_question(sid, "q_one", answer=text)
    own = store.add_own_question(sid, text)
    store.set_own_question(sid, own, answer=text)
    store.set_record(sid, "r_one", from_whom=text, note=text)
    store.set_notes(sid, text)
    book = store.load(sid)
    assert book.summary.display_name == text
    assert book.answers["diagnosis_name"] == text
    assert book.answers["other"] == [text, text + "!"]
    assert book.own_questions[0].text == text
    assert book.own_questions[0].answer == text
    assert book.notes == text
    if text:  # (writing '' where nothing was written changes nothing)
        assert book.questions["q_one"].answer == text
        assert book.records["r_one"].from_whom == text
        assert book.records["r_one"].note == text
        assert store.changes(sid)[-1].new == text


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_text_round_trips(store: WorkbookStore, text: str) -> None:
    summary, _ = store.create_workbook(text, "navigator")
    store.set_notes(summary.id, text)
    store.set_question(summary.id, "q_any", starred=True, answer=text)
    store.set_record(summary.id, "r_any", status="sent", note=text)
    book = store.load(summary.id)
    assert book.summary.display_name == text
    assert book.notes == text
    assert book.questions["q_any"].answer == text
    assert book.records["r_any"].note == text


answer_values = st.one_of(
    st.text(max_size=50),
    st.booleans(),
    st.lists(st.text(max_size=20), max_size=5),
    st.dates().map(date.isoformat),
)


@SETTINGS
@given(
    answers=st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True), answer_values, max_size=8
    )
)
def test_any_answers_round_trip(store: WorkbookStore, answers: dict[str, object]) -> None:
    summary, _ = store.create_workbook("", "patient")
    store.set_answers(summary.id, answers)
    book = store.load(summary.id)
    assert dict(book.answers) == answers
    for value in book.answers.values():
        assert type(value) in (str, bool, list)
    logged = {c.item_id: c.new for c in store.changes(summary.id) if c.section == "situation"}
    assert logged == answers


# --------------------------------------------------------------------------- changes and the log


def test_every_change_is_logged_with_old_and_new(store: WorkbookStore, sid: str) -> None:
    store.coalesce_seconds = 0  # each change its own row (bursts: see the tests below)
    store.set_answers(sid, {"diagnosis_kind": "cancer"})
    store.set_answers(sid, {"diagnosis_kind": "rare_disease"})
    store.set_record(sid, "r_slides", status="requested")
    store.set_record(sid, "r_slides", status="received")
    log = [(c.section, c.item_id, c.field, c.old, c.new) for c in store.changes(sid)]
    assert log == [
        ("workbook", "", "created_by", None, "patient"),
        ("workbook", "", "display_name", None, "A. B."),
        ("situation", "diagnosis_kind", "answer", None, "cancer"),
        ("situation", "diagnosis_kind", "answer", "cancer", "rare_disease"),
        ("records", "r_slides", "status", "needed", "requested"),
        ("records", "r_slides", "status", "requested", "received"),
    ]
    ids = [c.id for c in store.changes(sid)]
    assert ids == sorted(ids)


def test_writing_the_same_value_again_logs_nothing(store: WorkbookStore, sid: str) -> None:
    store.set_answers(sid, {"diagnosis_kind": "cancer", "tests_done": ["biopsy"]})
    store.set_question(sid, "q_a", starred=True, answer="x")
    own = store.add_own_question(sid, "Mine?")
    store.set_record(sid, "r_a", status="sent", requested_on="2026-01-02")
    store.set_notes(sid, "n")
    count, updated = len(store.changes(sid)), store.load(sid).summary.updated_at

    store.set_answers(sid, {"diagnosis_kind": "cancer", "tests_done": ["biopsy"]})
    store.set_question(sid, "q_a", starred=True, answer="x")
    store.set_own_question(sid, own, text="Mine?", starred=False)
    store.set_record(sid, "r_a", status="sent", requested_on=date(2026, 1, 2))
    store.set_notes(sid, "n")
    store.set_display_name(sid, "A. B.")
    store.set_question(sid, "q_untouched", starred=False, asked=False, answer="")
    store.set_answers(sid, {"never_answered": None})

    assert len(store.changes(sid)) == count
    book = store.load(sid)
    assert book.summary.updated_at == updated
    assert "q_untouched" not in book.questions


def test_only_changed_columns_are_written(
    store: WorkbookStore, sid: str, store_target: StoreTarget
) -> None:
    """A second store object writing another column of the same row keeps the first's value."""
    other = store_target.open()
    store.coalesce_seconds = other.coalesce_seconds = 0  # each change its own row
    try:
        store.set_question(sid, "q_same", starred=True)
        other.set_question(sid, "q_same", answer="written elsewhere")
        store.set_question(sid, "q_same", asked=True)
        state = other.load(sid).questions["q_same"]
        assert (state.starred, state.asked, state.answer) == (True, True, "written elsewhere")
        store.set_notes(sid, "first")
        other.set_notes(sid, "second")  # the later write of one field wins
        assert store.load(sid).notes == "second"
        assert [c.new for c in store.changes(sid) if c.field == "notes"] == ["first", "second"]
    finally:
        other.close()


def test_answers_are_partial_updates_and_none_clears(store: WorkbookStore, sid: str) -> None:
    store.set_answers(sid, {"diagnosis_kind": "cancer", "can_travel": True})
    store.set_answers(sid, {"seriousness": "early"})
    assert dict(store.load(sid).answers) == {
        "diagnosis_kind": "cancer",
        "can_travel": True,
        "seriousness": "early",
    }
    store.set_answers(sid, {"can_travel": None})
    assert "can_travel" not in store.load(sid).answers
    assert store.changes(sid)[-1].old is True
    assert store.changes(sid)[-1].new is None


def test_choice_sets_are_saved_as_sorted_lists(store: WorkbookStore, sid: str) -> None:
    store.set_answers(sid, {"tests_done": frozenset({"surgery", "biopsy"})})
    assert store.load(sid).answers["tests_done"] == ["biopsy", "surgery"]


def test_state_of_items_that_stop_applying_is_kept(store: WorkbookStore, sid: str) -> None:
    store.set_answers(sid, {"diagnosis_kind": "cancer", "tests_done": ["biopsy"]})
    store.set_record(sid, "r_slides", status="requested", note="sent to lab")
    store.set_question(sid, "q_cancer_only", starred=True)
    store.set_answers(sid, {"diagnosis_kind": "rare_disease", "tests_done": None})
    book = store.load(sid)
    assert book.records["r_slides"].note == "sent to lab"
    assert book.questions["q_cancer_only"].starred


def test_decision_date_is_the_situation_answer(store: WorkbookStore, sid: str) -> None:
    store.set_decision_date(sid, date(2027, 1, 15))
    book = store.load(sid)
    assert book.decision_date == date(2027, 1, 15)
    assert book.answers[DECISION_DATE_FIELD] == "2027-01-15"
    store.set_decision_date(sid, "2027-02-01")
    assert store.load(sid).decision_date == date(2027, 2, 1)
    store.set_decision_date(sid, None)
    assert store.load(sid).decision_date is None
    store.set_answers(sid, {DECISION_DATE_FIELD: "someday"})  # free text answers are kept
    assert store.load(sid).decision_date is None


def test_record_date_and_own_question_audience_can_be_cleared(
    store: WorkbookStore, sid: str
) -> None:
    store.set_record(sid, "r_x", requested_on="2026-03-04", status="requested")
    store.set_record(sid, "r_x", note="kept")  # not given: left as it is
    assert store.load(sid).records["r_x"].requested_on == date(2026, 3, 4)
    store.set_record(sid, "r_x", requested_on=None)
    assert store.load(sid).records["r_x"].requested_on is None
    store.set_record(sid, "r_x", requested_on="2026-03-05")
    store.set_record(sid, "r_x", requested_on="")
    assert store.load(sid).records["r_x"].requested_on is None

    own = store.add_own_question(sid, "Q?", audience="insurer")
    store.set_own_question(sid, own, asked=True)
    assert store.load(sid).own_questions[0].audience == "insurer"
    store.set_own_question(sid, own, audience=None)
    assert store.load(sid).own_questions[0].audience is None


def test_own_questions_keep_their_order_and_ids(store: WorkbookStore, sid: str) -> None:
    ids = [store.add_own_question(sid, f"Question {n}") for n in range(5)]
    assert all(re.fullmatch(r"own_[0-9a-f]{16}", i) for i in ids)
    assert [q.id for q in store.load(sid).own_questions] == ids
    with pytest.raises(NotFoundError, match="own question"):
        store.set_own_question(sid, "own_0000000000000000", text="?")


def test_sessions_are_listed_most_recent_first(store: WorkbookStore) -> None:
    first, _ = store.create_workbook("First", "patient")
    second, _ = store.create_workbook("Second", "navigator")
    assert [s.id for s in store.workbooks()] == [second.id, first.id]
    store.set_notes(first.id, "touched")
    listed = store.workbooks()
    assert [s.id for s in listed] == [first.id, second.id]
    assert listed[0].updated_at > listed[0].created_at


def test_load_all_matches_load(store: WorkbookStore) -> None:
    ids = []
    for n in range(4):
        summary, _ = store.create_workbook(f"P{n}", "patient")
        store.set_answers(summary.id, {"diagnosis_kind": "cancer", "n": str(n)})
        store.set_question(summary.id, f"q_{n}", starred=True)
        store.add_own_question(summary.id, f"own {n}")
        store.set_record(summary.id, "r_slides", status="received")
        ids.append(summary.id)
    everyone = store.load_all()
    assert [b.id for b in everyone] == [s.id for s in store.workbooks()]
    assert all(book == store.load(book.id) for book in everyone)
    assert [b.id for b in store.load_all([ids[1], "unknown", ids[2]])] == [ids[2], ids[1]]
    assert store.load_all([]) == []


def test_overviews_count_without_reading_the_text(store: WorkbookStore) -> None:
    assert store.overviews() == []
    summary, _ = store.create_workbook("O", "patient")
    sid = summary.id
    store.set_answers(sid, {"diagnosis_kind": "cancer", "tests_done": ["biopsy"], "x": True})
    store.set_question(sid, "q_a", starred=True, asked=True)
    store.set_question(sid, "q_b", starred=True)
    own = store.add_own_question(sid, "mine")
    store.set_own_question(sid, own, asked=True)
    store.set_record(sid, "r_a", status="requested", requested_on="2026-01-02")
    store.set_decision_date(sid, "2026-05-01")
    store.create_workbook("Empty", "navigator")
    empty, full = store.overviews()
    assert full.id == sid
    assert full.summary == store.load(sid).summary
    assert dict(full.answers) == dict(store.load(sid).answers)
    assert (full.questions_starred, full.questions_asked) == (2, 2)
    assert full.records["r_a"].status == "requested"
    assert full.records["r_a"].requested_on == date(2026, 1, 2)
    assert full.decision_date == date(2026, 5, 1)
    assert (empty.questions_starred, dict(empty.answers), dict(empty.records)) == (0, {}, {})


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, i: s.set_record(i, "r_a", status="lost"), "status must be one of"),
        (lambda s, i: s.set_record(i, "r_a", requested_on="2026-02-30"), "real date"),
        (lambda s, i: s.set_record(i, "r_a", requested_on="2026/01/02"), "YYYY-MM-DD"),
        (lambda s, i: s.set_record(i, "r_a", requested_on="20260102"), "YYYY-MM-DD"),
        (lambda s, i: s.set_record(i, "r_a", requested_on="２０２６-01-02"), "YYYY-MM-DD"),
        (lambda s, i: s.set_record(i, "r_a", requested_on=datetime(2026, 1, 2)), "without a time"),
        (lambda s, i: s.set_decision_date(i, "tomorrow"), "YYYY-MM-DD"),
        (lambda s, i: s.set_question(i, "Bad Id!", starred=True), "not valid"),
        (lambda s, i: s.set_question(i, "", starred=True), "not valid"),
        (lambda s, i: s.set_answers(i, {"ok": "x", "Not OK": "y"}), "not valid"),
        (lambda s, i: s.set_answers(i, {"a": 3}), "must be text"),
        (lambda s, i: s.set_answers(i, {"a": {"b": "c"}}), "must be text"),
        (lambda s, i: s.set_answers(i, {"a": ["x", 1]}), "list of text"),
        (lambda s, i: s.set_answers(i, {"a": datetime(2026, 1, 1)}), "without a time"),
        (lambda s, i: s.set_notes(i, "x" * (MAX_TEXT_CHARS + 1)), "too long"),
        (lambda s, i: s.add_own_question(i, "Q", audience="Not An Id"), "not valid"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    store: WorkbookStore, sid: str, call: object, message: str
) -> None:
    before = (store.load(sid), len(store.changes(sid)))
    with pytest.raises(ValueError, match=message):
        call(store, sid)  # type: ignore[operator]
    assert (store.load(sid), len(store.changes(sid))) == before


def test_wrong_types_are_refused(store: WorkbookStore, sid: str) -> None:
    with pytest.raises(TypeError):
        store.set_question(sid, "q_a", starred="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.set_notes(sid, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="created_by"):
        store.create_workbook("x", "doctor")
    with pytest.raises(ValueError, match="not both"):
        WorkbookStore.open(store.data_dir, url="sqlite://")
