"""Faults: a killed kernel, one link open twice, a locked database, a broken database file.

Each shows that what the page showed as saved is saved, that the person gets plain words and
never a traceback, and that a database file the program cannot use is left exactly as it was.
These tests break things, so they run against servers of their own.
"""

from __future__ import annotations

import hashlib
import re
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from secondopinion.store import SCHEMA_VERSION, WorkbookStore

from ._pages import (
    INTAKE,
    QUESTIONS,
    kernel_process,
    open_step,
    private_link,
    question_ids,
    stored,
    token_of,
    wait_until,
)
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

DB_NAME = "workbooks.sqlite3"


@pytest.fixture(scope="module")
def fault_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    with DashboardServer(tmp_path_factory.mktemp("faults") / "data") as server:
        yield server


def answer(page: Page, question_id: str, text: str) -> None:
    box = page.locator(f".item-{question_id} textarea")
    box.fill(text)
    box.press("Tab")


def star(page: Page, question_id: str) -> None:
    row = page.locator(f".item-{question_id}")
    row.get_by_role("button", name="☆ Star").click()
    expect(row.get_by_role("button", name="★ Starred")).to_be_visible()


def start_workbook(page: Page, url: str) -> str:
    """Open a new workbook, give one answer so that it is saved, and return its private link."""
    open_workbook(page, url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    return private_link(page)


def no_problem_shown(page: Page) -> None:
    expect(page.locator(".workbook-problem [role=alert]")).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()


# --------------------------------------------------------------------------- the kernel killed


def test_a_killed_kernel_loses_nothing_that_was_shown_as_saved(
    fault_server: DashboardServer, page: Page, browser: Browser
) -> None:
    link = start_workbook(page, fault_server.url)
    intake = page.locator(".workbook-intake")
    intake.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
    name = intake.locator(".field-diagnosis_name textarea")
    name.fill("Stage 2 breast cancer")
    name.press("Tab")

    open_step(page, QUESTIONS)
    first, second, third, fourth = question_ids(page, 4)
    star(page, first)
    answer(page, second, "The answer to the second question.")
    star(page, third)
    answer(page, third, "Starred and answered.")
    page.locator(f".item-{fourth}").get_by_label("I asked this").check()
    # The counts come from the saved workbook, after every change sent before them is saved.
    expect(page.locator(".workbook-questions [role=status]").first).to_contain_text(
        "2 starred, 1 asked"
    )
    # Typed text is saved a moment after the last key; the status says when all of it is.
    expect(page.locator(".workbook-saved [data-save]")).to_have_attribute("data-save", "saved")
    no_problem_shown(page)

    # In the middle of typing (the box still has the focus), the kernel dies.
    page.locator(f".item-{first} textarea").fill("Half a thought that was never")
    kernel = kernel_process(fault_server, page)
    kernel.send_signal(signal.SIGKILL)
    kernel.wait(timeout=10)

    other = browser.new_context()
    try:
        again = other.new_page()
        open_workbook(again, link)
        no_problem_shown(again)
        expect(again.locator(".field-filled_by").get_by_label("I am the patient")).to_be_checked()
        expect(again.locator(".field-diagnosis_kind").get_by_label("Cancer")).to_be_checked()
        expect(again.locator(".field-diagnosis_name textarea")).to_have_value(
            "Stage 2 breast cancer"
        )
        open_step(again, QUESTIONS)
        for starred in (first, third):
            row = again.locator(f".item-{starred}")
            expect(row.get_by_role("button", name="★ Starred")).to_be_visible()
        expect(again.locator(f".item-{second} textarea")).to_have_value(
            "The answer to the second question."
        )
        expect(again.locator(f".item-{third} textarea")).to_have_value("Starred and answered.")
        expect(again.locator(f".item-{fourth}").get_by_label("I asked this")).to_be_checked()
    finally:
        other.close()
    book = stored(fault_server, token_of(link))
    # Text is sent while it is typed, so the half-typed text may have been saved, whole.
    assert book.questions[first].answer in ("", "Half a thought that was never")


# --------------------------------------------------------------------------- one link, two tabs


def test_the_same_link_open_twice_loses_nothing_and_the_later_edit_wins(
    fault_server: DashboardServer, browser: Browser
) -> None:
    first_context, second_context = browser.new_context(), browser.new_context()
    try:
        one = first_context.new_page()
        link = start_workbook(one, fault_server.url)
        token = token_of(link)
        two = second_context.new_page()
        open_workbook(two, link)
        open_step(one, QUESTIONS)
        open_step(two, QUESTIONS)
        q1, q2, q3, q4 = question_ids(one, 4)
        assert question_ids(two, 4) == [q1, q2, q3, q4]

        answer(one, q1, "Written in the first tab.")
        answer(two, q2, "Written in the second tab.")
        star(one, q3)
        answer(one, q4, "The first tab's version.")
        wait_until(
            lambda: stored(fault_server, token).questions.get(q4),
            what="the first tab's version saved",
        )
        answer(two, q4, "The second tab's later version.")
        open_step(one, INTAKE)
        open_step(two, INTAKE)
        one.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
        two.locator(".field-age_group").get_by_label(re.compile("^An adult")).check()

        def everything_saved() -> object:
            book = stored(fault_server, token)
            qs = book.questions
            return (
                q4 in qs
                and qs[q4].answer == "The second tab's later version."
                and {"diagnosis_kind", "age_group"} <= set(book.answers)
                and book
            )

        book = wait_until(everything_saved, what="both tabs' changes saved")
        assert book.questions[q1].answer == "Written in the first tab."
        assert book.questions[q2].answer == "Written in the second tab."
        assert book.questions[q3].starred
        assert book.answers["diagnosis_kind"] == "cancer"
        assert book.answers["age_group"] == "adult"
        with WorkbookStore.open(fault_server.data_dir, create=False) as store:
            edits = [
                (c.old, c.new)
                for c in store.changes(book.id)
                if c.item_id == q4 and c.field == "answer"
            ]
        assert edits == [
            ("", "The first tab's version."),
            ("The first tab's version.", "The second tab's later version."),
        ]

        # Each tab learns of the other's changes when the link is opened in it again.
        for tab, theirs in ((one, q2), (two, q1)):
            open_workbook(tab, link)
            no_problem_shown(tab)
            expect(tab.locator(".field-diagnosis_kind").get_by_label("Cancer")).to_be_checked()
            open_step(tab, QUESTIONS)
            expect(tab.locator(f".item-{q4} textarea")).to_have_value(
                "The second tab's later version."
            )
            expect(tab.locator(f".item-{theirs} textarea")).not_to_have_value("")
            expect(
                tab.locator(f".item-{q3}").get_by_role("button", name="★ Starred")
            ).to_be_visible()
    finally:
        first_context.close()
        second_context.close()


# --------------------------------------------------------------------------- a locked database


def hold_write_lock(db: Path) -> sqlite3.Connection:
    """Take the database's write lock from this (another) process, as a backup tool might."""
    lock = sqlite3.connect(db, timeout=5, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    return lock


def test_a_locked_database_gets_a_plain_message_and_the_change_is_saved_when_free(
    fault_server: DashboardServer, page: Page
) -> None:
    link = start_workbook(page, fault_server.url)
    token = token_of(link)
    open_step(page, QUESTIONS)
    (question,) = question_ids(page, 1)
    alert = page.locator(".workbook-questions .workbook-problem [role=alert]")

    lock = hold_write_lock(fault_server.data_dir / DB_NAME)
    try:
        answer(page, question, "Typed while another program held the database.")
        expect(alert).to_contain_text("busy", timeout=30_000)
        expect(alert).to_contain_text("will be saved")
        assert "Traceback" not in page.locator("body").inner_text()
    finally:
        lock.rollback()
        lock.close()

    book = wait_until(
        lambda: (b := stored(fault_server, token)).questions.get(question) and b,
        timeout=60,
        what="the change saved once the lock is gone",
    )
    assert book.questions[question].answer == "Typed while another program held the database."
    expect(alert).to_have_count(0, timeout=30_000)
    expect(page.locator(f".item-{question} textarea")).to_have_value(
        "Typed while another program held the database."
    )


def test_a_workbook_opens_while_another_program_holds_the_write_lock(
    fault_server: DashboardServer, page: Page
) -> None:
    # Opening only reads, and reading does not wait for the write lock: the person sees their
    # workbook; only a change waits (the test above).
    link = start_workbook(page, fault_server.url)
    lock = hold_write_lock(fault_server.data_dir / DB_NAME)
    try:
        open_workbook(page, link)
        expect(page.locator(".field-filled_by").get_by_label("I am the patient")).to_be_checked()
        text = page.locator("body").inner_text()
        assert "cannot open right now" not in text
        assert "Traceback" not in text
    finally:
        lock.rollback()
        lock.close()


# --------------------------------------------------------------------------- broken database files


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    with DashboardServer(tmp_path_factory.mktemp("broken") / "data") as server:
        yield server


@pytest.fixture
def data_dir(broken_server: DashboardServer) -> Iterator[Path]:
    """The broken server's data folder, emptied before and after each test."""

    def empty() -> None:
        folder = broken_server.data_dir
        if folder.exists():
            for path in folder.iterdir():
                path.unlink()

    empty()
    yield broken_server.data_dir
    empty()


def make_database(folder: Path) -> Path:
    """A sound workbook database with one workbook in it, closed (nothing left in its WAL)."""
    with WorkbookStore.open(folder) as store:
        summary, _ = store.create_workbook("J. R.", created_by="patient")
        store.set_answers(summary.id, {"diagnosis_kind": "cancer"})
    path = folder / DB_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shows_plain_notice(page: Page, url: str, *words: str) -> Locator:
    open_workbook(page, url)
    app = page.locator(".workbook-app")
    expect(app).to_contain_text("The workbook cannot open right now")
    for word in words:
        expect(app).to_contain_text(word)
    expect(page.locator(".workbook-intake")).to_have_count(0)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    assert "Error" not in body
    return app


def test_a_file_that_is_not_a_database_is_left_untouched(
    broken_server: DashboardServer, data_dir: Path, page: Page
) -> None:
    data_dir.mkdir(mode=0o700, exist_ok=True)
    path = data_dir / DB_NAME
    path.write_bytes(b"These are someone's notes, not a database.\n" * 200)
    before = fingerprint(path)
    shows_plain_notice(page, broken_server.url, "damaged")
    assert fingerprint(path) == before
    assert sorted(p.name for p in data_dir.iterdir()) == [DB_NAME]


def test_a_database_damaged_inside_is_left_untouched(
    broken_server: DashboardServer, data_dir: Path, page: Page
) -> None:
    path = make_database(data_dir)
    with path.open("r+b") as f:  # keep the 100-byte header, scramble the rest of page one
        f.seek(100)
        f.write(bytes(range(256)) * 15)
    before = fingerprint(path)
    shows_plain_notice(page, broken_server.url, "damaged")
    assert fingerprint(path) == before


def test_a_database_from_a_newer_version_is_left_untouched(
    broken_server: DashboardServer, data_dir: Path, page: Page
) -> None:
    path = make_database(data_dir)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
            (SCHEMA_VERSION + 1, "2030-01-01T00:00:00+00:00"),
        )
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = fingerprint(path)
    shows_plain_notice(page, broken_server.url, "newer version")
    assert fingerprint(path) == before
    assert not [p for p in data_dir.iterdir() if ".bak" in p.name], "no upgrade was tried"
