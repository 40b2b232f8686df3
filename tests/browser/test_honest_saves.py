"""Every save is honest: a killed kernel, a restarted server, a full disk.

In each, the page never says "saved" for text that is not stored, says what happened within
seconds, keeps what was typed in the tab (``sessionStorage``, never lasting storage) and offers
it back once the workbook is open again; a failed save stays failed until that change is saved.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from harness.dashboard import wait_until_drawn
from secondopinion.serving import REPO, dashboard_command

from ._pages import (
    EXPORT,
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

STATUS = ".workbook-saved [data-save]"
CONNECTION = ".workbook-connection"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DashboardServer]:
    with DashboardServer(tmp_path / "data") as server:
        yield server


def start(page: Page, url: str) -> str:
    """A new workbook with one answer stored; its private link. The page ends on step 2."""
    open_workbook(page, url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=20_000)
    link = private_link(page)
    open_step(page, QUESTIONS)
    return link


def type_into(page: Page, question: str, text: str) -> None:
    box = page.locator(f".item-{question} textarea")
    box.click()
    box.fill(text)


def stored_answer(server: DashboardServer, link: str, question: str) -> str:
    state = stored(server, token_of(link)).questions.get(question)
    return state.answer if state is not None else ""


def nothing_lasting(page: Page) -> None:
    """The typed text is nowhere but the tab: no localStorage, no IndexedDB databases."""
    assert page.evaluate("window.localStorage.length") == 0
    assert page.evaluate("indexedDB.databases().then(d => d.length)") == 0


def reopen_and_put_back(page: Page, link: str, question: str, text: str) -> None:
    """Reload the tab on the private link; the page offers the text back; put it back."""
    page.once("dialog", lambda dialog: dialog.accept())  # "leave the page?": yes
    if page.url.split("#", 1)[0] == link.split("#", 1)[0]:
        page.goto("about:blank")  # the link differs only in its fragment: load it anew
    page.goto(link, wait_until="commit")
    page.wait_for_selector(".workbook-app.workbook-ready", timeout=90_000)
    wait_until_drawn(page)
    offer = page.locator(".workbook-offer")
    expect(offer).to_be_visible(timeout=20_000)
    expect(offer).to_contain_text(text[:40])
    offer.get_by_role("button", name="Put it back").click()
    open_step(page, QUESTIONS)
    expect(page.locator(f".item-{question} textarea")).to_have_value(text, timeout=20_000)
    expect(page.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=30_000)
    expect(page.locator(".workbook-status-bar")).to_have_attribute("data-status", "saved")


# --------------------------------------------------------------------------- the kernel killed


def test_a_killed_kernel_is_told_within_seconds_and_what_was_typed_comes_back(
    server: DashboardServer, page: Page
) -> None:
    link = start(page, server.url)
    (question,) = question_ids(page, 1)
    kernel = kernel_process(server, page)
    kernel.send_signal(signal.SIGKILL)
    kernel.wait(timeout=10)

    status = page.locator(CONNECTION)
    expect(status).to_contain_text("the workbook stopped", timeout=30_000)
    text = "Typed after the workbook stopped: ask about the pathology review."
    type_into(page, question, text)
    expect(status).to_contain_text("kept in this tab")
    expect(page.locator(STATUS)).not_to_have_attribute("data-save", "saved")
    assert stored_answer(server, link, question) == ""
    kept = page.evaluate("sessionStorage.getItem('workbook-typed')")
    assert kept is not None and text in kept
    nothing_lasting(page)

    reopen_and_put_back(page, link, question, text)
    assert stored_answer(server, link, question) == text
    assert page.evaluate("sessionStorage.getItem('workbook-typed')") is None


# --------------------------------------------------------------------------- the server restarted


def test_a_restarted_server_is_told_and_what_was_typed_comes_back(
    server: DashboardServer, page: Page
) -> None:
    link = start(page, server.url)
    (question,) = question_ids(page, 1)
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=30)
    status = page.locator(CONNECTION)
    expect(status).to_contain_text("Not saved", timeout=30_000)
    text = "Typed while the server was away."
    type_into(page, question, text)
    expect(page.locator(STATUS)).not_to_have_attribute("data-save", "saved")

    _restart_after_stop(server)
    # The old page's kernel is gone with the old server: the page never says saved.
    expect(status).to_contain_text("Not saved", timeout=30_000)
    assert stored_answer(server, link, question) == ""
    nothing_lasting(page)

    reopen_and_put_back(page, link, question, text)
    assert stored_answer(server, link, question) == text


def _restart_after_stop(server: DashboardServer) -> None:
    server.process = subprocess.Popen(
        dashboard_command(port=server.port),
        cwd=REPO,
        env=dict(os.environ, SECOND_OPINION_DATA=str(server.data_dir)),
        stdout=server.log,
        stderr=subprocess.STDOUT,
    )
    server._wait_until_up()


# --------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A data folder on its own 4 MB file system (a tmpfs), so that it can be filled."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    folder = tmp_path / "small" / "data"  # the server's log goes next to it, not on it
    folder.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(folder)],
        check=False,
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte; return the file that does it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (65536, 4096, 1):
            try:
                while out.write(b"\0" * size):
                    pass
            except OSError:
                continue
    return filler


def _refused_or_stored(
    page: Page, server: DashboardServer, link: str, question: str, text: str
) -> str | None:
    if page.locator(STATUS).get_attribute("data-save") == "failed":
        return "failed"
    return "stored" if stored_answer(server, link, question) == text else None


def test_a_full_disk_is_said_plainly_stays_failed_and_saves_once_freed(
    small_disk: Path, page: Page
) -> None:
    with DashboardServer(small_disk) as server:
        link = start(page, server.url)
        questions = question_ids(page, 3)
        filler = _fill(small_disk)
        # Long answers, one after the other, until the disk refuses one (a bounded number).
        failed = None
        for number, question in enumerate(questions):
            text = f"Answer {number}: " + "the pathology slides, please. " * 160
            type_into(page, question, text)
            status = page.locator(STATUS)
            outcome = wait_until(
                lambda q=question, t=text: _refused_or_stored(page, server, link, q, t),
                timeout=30,
                what="the save to be refused or stored",
            )
            if outcome == "failed":
                failed = (question, text)
                break
            expect(status).to_have_attribute("data-save", "saved")  # and it is true
        assert failed is not None, "the full disk never refused a save"
        question, text = failed
        expect(page.locator(".workbook-problem [role=alert]").first).to_contain_text("disk is full")
        assert stored_answer(server, link, question) != text
        expect(page.locator(f".item-{question} textarea")).to_have_value(text)  # still there
        # Another change, and the page trying the failed text again: "saved" only if it is.
        star_row = page.locator(f".item-{questions[0]}")
        star_row.get_by_role("button", name="☆ Star").click()
        for _ in range(3):
            page.wait_for_timeout(1000)  # not a timing assertion: a few looks, while it tries
            if page.locator(STATUS).get_attribute("data-save") != "failed":
                assert stored_answer(server, link, question) == text

        filler.unlink()  # the disk is freed: the page sends the text again, and it is saved
        expect(page.locator(STATUS)).to_have_attribute("data-save", "saved", timeout=30_000)
        assert stored_answer(server, link, question) == text


# --------------------------------------------------------------------------- deleted elsewhere


def test_another_tab_of_a_deleted_workbook_says_it_is_gone_without_its_id(
    server: DashboardServer, browser: Browser
) -> None:
    first, second = browser.new_context(), browser.new_context()
    try:
        one = first.new_page()
        link = start(one, server.url)
        workbook_id = stored(server, token_of(link)).id
        two = second.new_page()
        open_workbook(two, link)
        open_step(one, EXPORT)
        one.get_by_role("button", name="Delete this workbook").click()
        one.get_by_role("button", name="Yes, delete everything").click()
        expect(one.locator(".workbook-export")).to_contain_text("was deleted", timeout=20_000)
        # the other tab hears of it by itself, within seconds, in plain words
        said = two.locator(".workbook-saved")
        expect(said).to_contain_text("was deleted", timeout=30_000)
        assert workbook_id not in two.locator("body").inner_text()
        expect(two.locator(STATUS)).not_to_have_attribute("data-save", "saved")
    finally:
        first.close()
        second.close()


# --------------------------------------------------------------------------- the pings and idle


class _QuickCullServer(DashboardServer):
    """A server that stops a closed tab's kernel after 4 s idle (checked every 2 s)."""

    def __init__(self, data_dir: Path) -> None:
        from .conftest import _free_port

        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = (data_dir.parent / "voila.log").open("wb")
        self.process = subprocess.Popen(
            dashboard_command(port=self.port, pool=0, idle_limit=4, check_every=2),
            cwd=REPO,
            env=dict(os.environ, SECOND_OPINION_DATA=str(data_dir)),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()


def test_the_pings_stop_with_the_tab_so_its_kernel_is_still_stopped_when_idle(
    tmp_path: Path, browser: Browser
) -> None:
    """The page asks the kernel for a sign of life; a closed tab asks nothing, so the kernel
    of a closed tab goes idle and is stopped as before (the kernel never beats on its own)."""
    with _QuickCullServer(tmp_path / "data") as server:
        context = browser.new_context()
        page = context.new_page()
        open_workbook(page, server.url)
        wait_until(
            lambda: page.evaluate("window.workbookPage && window.workbookPage.beat"),
            timeout=30,
            what="an answer to the page's ping",
        )
        kernel = kernel_process(server, page)
        context.close()
        wait_until(lambda: not kernel.is_running(), timeout=60, what="the idle kernel stopped")
