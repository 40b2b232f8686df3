"""The care team's read-only link: the store's side (on SQLite and PostgreSQL), the page it opens,
and the person's side in "Take it with you".

The page shows the starred questions, "start here" and the records with their status, in the
workbook's language with the English beside; it never shows what the person did not share, and
nothing the page can send changes the workbook but the one "seen" mark.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as w
import pytest
import sqlalchemy as sa

from secondopinion import Content, load_content
from secondopinion.planning import derive
from secondopinion.serving.visit import Visit, care_team_link, read_visit
from secondopinion.store import NotFoundError, WorkbookStore, _schema, short_code
from tests.store_support import StoreTarget
from widgets.app import WorkbookApp
from widgets.care_team_page import ENGLISH_CLASS, SEEN_CLASS, CareTeamPage
from widgets.dashboard import UNKNOWN_LINK, Notice, open_page
from widgets.workbook_state import WorkbookState

TODAY = dt.date(2026, 12, 7)

# Text the person wrote that the care team must never see, each recognisable on the page.
SECRETS = {
    "answer": "ANSWER-SECRET-71",
    "notes": "NAVIGATOR-NOTES-SECRET-72",
    "comparison": "COMPARISON-SECRET-73",
    "record note": "RECORD-NOTE-SECRET-74",
    "from whom": "FROM-WHOM-SECRET-75",
    "unstarred own": "UNSTARRED-OWN-SECRET-76",
    "situation": "SITUATION-SECRET-77",
}
STARRED_OWN = "STARRED-OWN-QUESTION-78"


def _new(store: WorkbookStore, language: str = "en") -> tuple[str, str]:
    summary, token = store.create_workbook("Rosa", created_by="patient", language=language)
    return summary.id, token


def _page_text(page: CareTeamPage) -> str:
    return "\n".join(str(child.value) for child in _widgets(page) if isinstance(child, w.HTML))


def _widgets(root: w.Widget) -> Iterator[w.Widget]:
    """``root`` and every widget under it, with their layouts and styles."""
    yield root
    for name in ("layout", "style"):
        part = getattr(root, name, None)
        if isinstance(part, w.Widget):
            yield part
    for child in getattr(root, "children", ()):
        yield from _widgets(child)


# --------------------------------------------------------------------------- the store


def test_a_care_team_link_opens_only_its_workbook_and_is_logged_without_its_secret(
    store: WorkbookStore,
) -> None:
    wid, private = _new(store)
    other, _ = _new(store)
    assert store.load(wid).care_team_link_on is False
    token = store.make_care_team_link(wid)

    assert store.workbook_id_for_care_team_token(token) == wid
    assert store.workbook_id_for_token(token) is None  # it never opens the workbook itself
    assert store.workbook_id_for_care_team_token(private) is None  # nor the private link it
    for wrong in ("", "x" * 500, "not a token!", token[:-1], None, 42):
        assert store.workbook_id_for_care_team_token(wrong) is None  # type: ignore[arg-type]
    book = store.load(wid)
    assert (book.care_team_link_on, book.care_team_shares_own_questions) == (True, False)
    assert book.care_team_seen_at is None
    assert store.load(other).care_team_link_on is False
    log = store.changes(wid)[-1]
    assert (log.section, log.field, log.old, log.new) == (
        "workbook",
        "care_team_link",
        None,
        "made",
    )
    assert all(token not in repr(c) for c in store.changes(wid))


def test_a_new_link_kills_the_old_and_clears_the_seen_mark(store: WorkbookStore) -> None:
    wid, _ = _new(store)
    old = store.make_care_team_link(wid, share_own_questions=True)
    store.mark_seen_by_care_team(wid, token=old)
    seen = store.load(wid).care_team_seen_at
    assert seen is not None and seen.tzinfo is not None

    new = store.make_care_team_link(wid)
    assert new != old
    assert store.workbook_id_for_care_team_token(old) is None
    assert store.workbook_id_for_care_team_token(new) == wid
    book = store.load(wid)
    assert (book.care_team_shares_own_questions, book.care_team_seen_at) == (False, None)
    with pytest.raises(NotFoundError):  # the old page can no longer mark it seen
        store.mark_seen_by_care_team(wid, token=old)
    assert store.load(wid).care_team_seen_at is None
    assert [(c.field, c.old, c.new) for c in store.changes(wid)[-3:]] == [
        ("care_team_link", "on", "made"),
        ("care_team_shares_own_questions", True, False),
        ("care_team_seen", seen.isoformat(timespec="microseconds"), None),
    ]


def test_turning_it_off_opens_nothing_and_refuses_the_seen_mark(store: WorkbookStore) -> None:
    wid, _ = _new(store)
    token = store.make_care_team_link(wid)
    store.set_care_team_shares_own_questions(wid, True)
    assert store.load(wid).care_team_shares_own_questions is True
    before = len(store.changes(wid))
    store.set_care_team_shares_own_questions(wid, True)  # the same again: nothing logged
    assert len(store.changes(wid)) == before

    store.turn_off_care_team_link(wid)
    assert store.workbook_id_for_care_team_token(token) is None
    book = store.load(wid)
    assert (book.care_team_link_on, book.care_team_shares_own_questions) == (False, False)
    with pytest.raises(NotFoundError):
        store.mark_seen_by_care_team(wid, token=token)
    with pytest.raises(NotFoundError):
        store.mark_seen_by_care_team(wid)
    with pytest.raises(NotFoundError):
        store.set_care_team_shares_own_questions(wid, False)
    logged = len(store.changes(wid))
    store.turn_off_care_team_link(wid)  # off already: nothing changes, nothing is logged
    assert len(store.changes(wid)) == logged
    assert [(c.field, c.old, c.new) for c in store.changes(wid)[-2:]] == [
        ("care_team_shares_own_questions", False, True),
        ("care_team_link", "on", "off"),
    ]
    with pytest.raises(NotFoundError):
        store.make_care_team_link("0123456789ab")


def test_deleting_removes_the_link_and_merging_keeps_the_kept_ones(
    store_target: StoreTarget,
) -> None:
    with store_target.open() as store:
        gone, _ = _new(store)
        kept, _ = _new(store)
        other, _ = _new(store)
        gone_token = store.make_care_team_link(gone)
        kept_token = store.make_care_team_link(kept, share_own_questions=True)
        other_token = store.make_care_team_link(other)
        store.delete_workbook(gone)
        store.merge_workbooks(kept, other)
        assert store.workbook_id_for_care_team_token(gone_token) is None
        assert store.workbook_id_for_care_team_token(other_token) is None
        assert store.workbook_id_for_care_team_token(kept_token) == kept
        assert store.load(kept).care_team_shares_own_questions is True
    if store_target.url is not None:
        engine = sa.create_engine(store_target.url, poolclass=sa.NullPool)
    else:
        assert store_target.folder is not None
        engine = sa.create_engine(f"sqlite:///{store_target.folder / 'workbooks.sqlite3'}")
    with engine.connect() as conn:
        left = conn.execute(sa.select(_schema.care_team_links.c.session_id)).scalars().all()
    engine.dispose()
    assert left == [kept]


def test_the_visit_carries_the_care_team_secret_and_a_broken_one_opens_nothing() -> None:
    visit = read_visit('{"care_team_token": "abc_DEF-1", "languages": "en"}')
    assert visit is not None
    assert (visit.care_team_token, visit.token, visit.broken_link) == ("abc_DEF-1", None, False)
    for broken in ('"abc def"', '""', "42", '"' + "a" * 300 + '"'):
        visit = read_visit('{"care_team_token": ' + broken + ', "languages": "en"}')
        assert visit is not None and visit.broken_link and visit.care_team_token is None
    assert care_team_link("https://x.org/?lang=es#workbook=a", "b") == "https://x.org/#care-team=b"


# --------------------------------------------------------------------------- the page


@pytest.fixture
def shared(store: WorkbookStore, content: Content) -> tuple[str, str, dict[str, str]]:
    """A workbook with a starred question, a record asked for, and private text everywhere.

    Returns its id, its care-team secret, and the ids used (``starred``, ``unstarred``,
    ``record``).
    """
    wid, _ = _new(store)
    store.set_answers(wid, {"diagnosis_kind": "cancer", "diagnosis_name": SECRETS["situation"]})
    plan = derive(store.load(wid), content, TODAY).plan
    starred, unstarred = plan.questions[-1].id, plan.questions[-2].id
    record = plan.records[0].id
    store.set_question(wid, starred, starred=True, answer=SECRETS["answer"])
    store.set_question(wid, unstarred, asked=True)
    store.set_record(
        wid, record, status="received", note=SECRETS["record note"], from_whom=SECRETS["from whom"]
    )
    store.set_notes(wid, SECRETS["notes"])
    store.set_comparison(wid, "second", "diagnosis", SECRETS["comparison"])
    own = store.add_own_question(wid, STARRED_OWN)
    store.set_own_question(wid, own, starred=True)
    store.add_own_question(wid, SECRETS["unstarred own"])
    token = store.make_care_team_link(wid)
    return wid, token, {"starred": starred, "unstarred": unstarred, "record": record}


def test_the_page_shows_the_starred_start_here_and_records_and_nothing_private(
    store: WorkbookStore, content: Content, shared: tuple[str, str, dict[str, str]]
) -> None:
    wid, token, ids = shared
    page = CareTeamPage(store, wid, token, content=content, today=lambda: TODAY)
    text = _page_text(page)
    plan = derive(store.load(wid), content, TODAY).plan
    texts = {p.id: p.text for p in (*plan.questions, *plan.records, *plan.next_steps)}

    assert {"workbook-app", "workbook-care-team"} <= set(page._dom_classes)
    assert f'class="item-{ids["starred"]}"' in page.questions.value
    assert f'class="item-{ids["unstarred"]}"' not in page.questions.value
    first = plan.start_here.questions[0]
    assert f'class="item-{first.id}"' in page.start_here.value
    assert "Ask first" in page.start_here.value
    record = re.search(rf'class="item-{ids["record"]}">(.*?)</tr>', page.records.value)
    assert record is not None and 'data-status="received"' in record.group(1)
    assert "The person has it" in record.group(1)
    assert texts[ids["record"]].split()[0] in record.group(1)
    assert page.records.value.count('<tr class="item-') == len(plan.records)
    assert short_code(wid) in page.header.value and "Rosa" in page.header.value
    assert "read-only" in page.header.value and "not medical advice" in page.header.value
    for what, secret in SECRETS.items():
        assert secret not in text, f"the page shows the {what}"
    assert STARRED_OWN not in text  # the person did not tick "Show my own questions on it"
    assert f'class="{ENGLISH_CLASS}"' not in text  # English needs no English beside it

    store.set_care_team_shares_own_questions(wid, True)
    text = _page_text(CareTeamPage(store, wid, token, content=content, today=lambda: TODAY))
    assert STARRED_OWN in text
    assert SECRETS["unstarred own"] not in text
    assert all(secret not in text for secret in SECRETS.values())


def test_typed_text_is_shown_as_text_never_as_markup(
    store: WorkbookStore, content: Content
) -> None:
    wid, _ = _new(store)
    store.set_display_name(wid, '<img src=x onerror="alert(1)">')
    own = store.add_own_question(wid, "<script>alert('own')</script>")
    store.set_own_question(wid, own, starred=True)
    token = store.make_care_team_link(wid, share_own_questions=True)
    text = _page_text(CareTeamPage(store, wid, token, content=content))
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and "&lt;img" in text


def test_a_spanish_workbook_shows_the_english_beside_each_line(
    store: WorkbookStore, content: Content
) -> None:
    wid, _ = _new(store, "es")
    store.set_answers(wid, {"diagnosis_kind": "cancer"})
    spanish = load_content(language="es")
    plan = derive(store.load(wid), spanish, TODAY).plan
    english = {p.id: p.text for p in derive(store.load(wid), content, TODAY).plan.questions}
    starred = plan.questions[0].id
    store.set_question(wid, starred, starred=True)
    token = store.make_care_team_link(wid)
    page = CareTeamPage(store, wid, token, content=content, today=lambda: TODAY)

    line = re.search(rf'class="item-{starred}">(.*?)</li>', page.questions.value)
    assert line is not None
    assert line.group(1).startswith(plan.questions[0].text.split()[0].replace("¿", "¿"))
    span = f'<span class="{ENGLISH_CLASS}" lang="en">'
    assert f"{span}{english[starred]}</span>" in line.group(1).replace("&#x27;", "'")
    assert "Preguntas para el equipo de atención" in page.header.value
    assert f"{span}Questions for the care team</span>" in page.header.value
    assert page.records.value.count(span) >= len(plan.records) * 2  # each record and status
    assert '<div lang="es">' in page.records.value
    assert "We saw this before the visit" in page.seen_button.description


FRONT_END_VALUES: list[object] = [
    *("", "ANSWER-SECRET-71", True, False, 0, 1, -1, 3.5, None, [], {}, ["a", "b"]),
    *({"year": 2026, "month": 0, "date": 1}, "IPY_MODEL_" + "0" * 32),
]
"""Values the front end could send for a widget's trait: of the right kind and of wrong kinds."""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # a Layout made of a wrong dict
def test_nothing_the_page_can_send_changes_the_workbook_but_the_seen_mark(
    store: WorkbookStore, content: Content, shared: tuple[str, str, dict[str, str]]
) -> None:
    wid, token, _ = shared
    before = store.load(wid)
    log_before = store.changes(wid)
    page = CareTeamPage(store, wid, token, content=content, today=lambda: TODAY)
    widgets = list(_widgets(page))
    assert [SEEN_CLASS in x._dom_classes for x in widgets if isinstance(x, w.Button)] == [True]
    kinds = {type(x).__name__ for x in widgets if x is not page}
    assert kinds <= {"HTML", "Button", "Layout", "HTMLStyle", "ButtonStyle"}, kinds
    tried = 0
    for widget in widgets:
        for key in widget.keys:
            if widget.traits()[key].read_only:
                continue
            for value in FRONT_END_VALUES:
                tried += 1
                try:
                    widget.set_state({key: value})
                except Exception:  # a value the widget refuses is refused: fine
                    continue
        for message in ({"event": "click"}, {"event": "submit"}, {"method": "update"}):
            widget._handle_custom_msg(message, [])
    assert tried > 100
    after = store.load(wid)
    assert after.care_team_seen_at is not None  # the one button, clicked
    unchanged = dataclasses.replace(after, care_team_seen_at=None, summary=before.summary)
    assert unchanged == before
    log_after = store.changes(wid)
    assert log_after[: len(log_before)] == log_before
    assert {(c.section, c.field) for c in log_after[len(log_before) :]} == {
        ("workbook", "care_team_seen")
    }


def test_the_dashboard_opens_the_page_and_a_turned_off_link_opens_the_notice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: Content
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    with WorkbookStore.open(tmp_path / "data") as store:
        wid, private = _new(store)
        store.set_answers(wid, {"diagnosis_kind": "cancer"})
        old = store.make_care_team_link(wid)
        token = store.make_care_team_link(wid)

    def dashboard(care_team: str | None, private_token: str | None = None) -> object:
        visit = Visit(private_token, "en", None, "http://127.0.0.1:8866/", False, care_team)
        return open_page(content, visit)

    page = dashboard(token)
    assert isinstance(page, CareTeamPage) and page.workbook_id == wid
    assert isinstance(dashboard(token, private), CareTeamPage)  # never the workbook itself
    for wrong in (old, private, "x" * 43):
        notice = dashboard(wrong)
        assert isinstance(notice, Notice)
        assert UNKNOWN_LINK in notice.children[1].value
    with WorkbookStore.open(tmp_path / "data") as store:
        store.turn_off_care_team_link(wid)
    notice = dashboard(token)
    assert isinstance(notice, Notice) and UNKNOWN_LINK in notice.children[1].value
    page.seen_button.click()  # a page opened before it was turned off marks nothing
    assert page.seen_button.disabled and "turned off" in page.seen_note.value
    with WorkbookStore.open(tmp_path / "data") as store:
        assert store.load(wid).care_team_seen_at is None
    broken = open_page(content, Visit(None, "en", None, None, True, None))
    assert isinstance(broken, Notice)


# --------------------------------------------------------------------------- the person's side


def test_the_person_makes_shares_sees_and_turns_off_the_link(
    store: WorkbookStore, content: Content
) -> None:
    app = WorkbookApp(WorkbookState(store, content), link_base="http://127.0.0.1:8866/")
    part = app.export_panel.care_team_link
    assert part.layout.display == "none"  # nothing stored yet: no link to make
    app.state.set_answer("diagnosis_kind", "cancer")
    wid = app.state.workbook_id
    assert wid is not None and part.layout.display is None
    assert "never shows your answers, your notes" in part.about.value

    part.make.click()
    token = part.token
    assert token is not None and store.workbook_id_for_care_team_token(token) == wid
    assert f"http://127.0.0.1:8866/#care-team={token}" in part.link.value
    assert "readonly" in part.link.value and "workbook-copy-link" in part.link.value
    assert "not marked it seen yet" in part.status.value
    assert part.turn_off.layout.display is None

    part.share_own.value = True
    assert store.load(wid).care_team_shares_own_questions is True

    CareTeamPage(store, wid, token, content=content).seen_button.click()
    app.state.set_answer("diagnosis_kind", "rare_disease")  # any save reads the workbook again
    assert "Your care team marked it seen on" in part.status.value

    assert part.make.layout.display == "none" and part.make_new.layout.display is None
    part.make_new.click()  # a new link: the old one dies
    assert part.token != token and store.workbook_id_for_care_team_token(token) is None
    assert "The old one no longer opens anything" in part.status.value
    assert "not marked it seen yet" in part.status.value

    part.turn_off.click()
    assert store.load(wid).care_team_link_on is False
    assert part.link.value == "" and "#care-team=" not in part.status.value
    assert "link is off" in part.status.value
    assert part.make.layout.display is None and part.make_new.layout.display == "none"

    reopened = WorkbookApp(
        WorkbookState(store, content, workbook_id=wid), link_base="http://127.0.0.1:8866/"
    )
    store.make_care_team_link(wid)
    reopened.state.set_answer("diagnosis_kind", "cancer")
    shown = reopened.export_panel.care_team_link
    assert "shown only once" in shown.link.value and "#care-team=" not in shown.link.value


def test_the_person_side_speaks_spanish(store: WorkbookStore, content: Content) -> None:
    app = WorkbookApp(
        WorkbookState(store, content, language="es"), link_base="http://127.0.0.1:8866/"
    )
    app.state.set_answer("diagnosis_kind", "cancer")
    part = app.export_panel.care_team_link
    assert "Un enlace para su equipo de atención" in part.about.value
    assert part.make.description == "Hacer un enlace para su equipo de atención"
    assert part.share_own.description == "Mostrar mis propias preguntas"
