"""The navigator's desk in a real JupyterLab: run the notebook, find, change, see, export."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from secondopinion.serving import REPO
from secondopinion.store import WorkbookStore, short_code
from widgets.desk.roster_table import COLUMNS

from ._lab import LabServer
from ._pages import RECORDS, open_step

pytestmark = pytest.mark.browser

SCREENSHOT = REPO / "docs" / "screenshots" / "navigator-desk.png"
LONG = 90_000  # ms: the first kernel start and the first widgets can be slow on a busy machine


def seed(data_dir: Path) -> None:
    """A few named people, as a navigator's roster has them, and a visit two days old that
    never became anything (one tap: who is filling it in)."""
    decide = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    with WorkbookStore.open(data_dir, actor="test") as store:
        for name, answers in (
            (
                "Ana Bell",
                {
                    "diagnosis_kind": "cancer",
                    "diagnosis_name": "Colon cancer, stage 3",
                    "decision_date": decide,
                },
            ),
            ("Carl Ortiz", {"diagnosis_kind": "rare_disease", "diagnosis_name": "Sarcoidosis"}),
            ("Dee Park", {"diagnosis_kind": "cancer", "treatment_status": "in_treatment"}),
            ("Eva Ríos", {"diagnosis_kind": "cancer", "diagnosis_name": "Cáncer de mama"}),
        ):
            summary, _ = store.create_workbook(name, "navigator")
            store.set_answers(summary.id, answers)
        tapped, _ = store.create_workbook("", "patient")
        store.set_answers(tapped.id, {"filled_by": "patient"})
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with sqlite3.connect(data_dir / "workbooks.sqlite3") as db:
        db.execute(
            "UPDATE sessions SET created_at = ?, updated_at = ? WHERE id = ?",
            (
                two_days_ago.isoformat(),
                (two_days_ago + dt.timedelta(minutes=1)).isoformat(),
                tapped.id,
            ),
        )
    db.close()


def code_of(lab: LabServer, name: str) -> str:
    """The short code of the workbook with this name ('' for the one without a name)."""
    with WorkbookStore.open(lab.data_dir, create=False) as store:
        (found,) = [s for s in store.workbooks() if s.display_name == name]
    return short_code(found.id)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    home = tmp_path_factory.mktemp("navigator-lab")
    seed(home / "data")
    server = LabServer(home, home / "data")
    yield server
    server.stop()


@pytest.fixture
def lab_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    yield page
    context.close()


def run_all_cells(page: Page) -> None:
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()


def roster_row(page: Page, name: str) -> Locator:
    return page.locator(".navigator-roster table tbody tr", has_text=name)


def cell(row: Locator, column: str) -> Locator:
    return row.locator("td").nth(COLUMNS.index(column))


def test_a_navigator_finds_changes_sees_and_exports(lab: LabServer, lab_page: Page) -> None:
    page = lab_page
    with page.expect_websocket(lambda ws: "/channels" in ws.url, timeout=LONG):
        page.goto(lab.address("lab/tree/navigator.ipynb"))
    expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=LONG)
    expect(page.locator(".jp-StatusBar-Widget", has_text="Idle")).to_be_visible(timeout=LONG)
    run_all_cells(page)
    # the desk's cell has run (its code is folded away: its output's prompt shows the count)
    expect(page.locator(".jp-OutputArea-prompt", has_text="[1]:")).to_be_visible(timeout=LONG)

    # The desk: everyone, by name, with readable headers and "—" for what is not known.
    desk = page.locator(".workbook-navigator")
    expect(desk).to_be_visible(timeout=LONG)
    rows = page.locator(".navigator-roster table tbody tr")
    expect(rows).to_have_count(4, timeout=LONG)
    headers = page.locator(".navigator-roster table thead th")
    expect(headers.first).to_have_text("Name")
    expect(headers).to_contain_text(["Name", "Code", "Diagnosis", "Decision date"])
    expect(cell(roster_row(page, "Carl Ortiz"), "Decision date")).to_have_text("—")
    expect(page.locator(".navigator-records-chart img")).to_be_visible()
    chart_before = page.locator(".navigator-records-chart img").get_attribute("src")
    words_before = page.locator(".navigator-chart-words").inner_text()
    assert "received: 0" in words_before
    # The last cell shows everyone's answers as a pandas table.
    expect(page.locator(".jp-OutputArea-output").last).to_contain_text("count", timeout=LONG)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SCREENSHOT))

    # The visit that never became anything is hidden, and can be shown.
    counted = page.locator(".navigator-count")
    expect(counted).to_contain_text("1 without a name or any answer, started over a day ago")
    forgotten = code_of(lab, "")
    expect(page.locator(".navigator-roster tbody td", has_text=forgotten)).to_have_count(0)
    show = page.locator(".navigator-show-forgotten input")
    show.check()
    expect(rows).to_have_count(5)
    expect(page.locator(".navigator-roster tbody td", has_text=forgotten)).to_have_count(1)
    show.uncheck()
    expect(rows).to_have_count(4)

    # Find a person by the code they read out over the phone, and by "cáncer", any accent.
    search = page.locator(".navigator-search input")
    carl = code_of(lab, "Carl Ortiz")
    search.fill(carl.replace("-", "").lower())
    expect(rows).to_have_count(1)
    expect(cell(roster_row(page, "Carl Ortiz"), "Code")).to_have_text(carl)
    search.fill("cáncer")
    expect(rows).to_have_count(3)
    for name in ("Ana Bell", "Dee Park", "Eva Ríos"):
        expect(roster_row(page, name)).to_have_count(1)
    search.fill("CANCER DE MAMA")
    expect(rows).to_have_count(1)
    expect(cell(roster_row(page, "Eva Ríos"), "Diagnosis")).to_contain_text("Cáncer de mama")

    # Find a person by their diagnosis, in any case.
    search.fill("COLON")
    expect(rows).to_have_count(1)
    ana = roster_row(page, "Ana Bell")
    expect(cell(ana, "Diagnosis")).to_have_text("Colon cancer, stage 3")
    expect(counted).to_contain_text("1 of 4 people found")
    needed_before = int(cell(ana, "Records still needed").inner_text())

    # Choose her row, open her workbook, and mark one record as received.
    cell(ana, "Name").click()
    expect(page.locator(".navigator-person select")).to_have_value(re.compile(r"."))
    expect(page.locator(".navigator-person select option:checked")).to_contain_text("Ana Bell")
    desk.get_by_role("button", name="Open workbook").click()
    expect(page.locator(".workbook-app.workbook-ready")).to_be_visible(timeout=LONG)
    open_step(page, RECORDS)
    status = page.locator(f".{RECORDS} .workbook-record select").first
    status.select_option(label="I have it")

    # The roster row and the chart follow.
    expect(cell(ana, "Received")).to_have_text("1", timeout=30_000)
    expect(cell(ana, "Records still needed")).to_have_text(str(needed_before - 1))
    expect(page.locator(".navigator-chart-words")).to_contain_text("received: 1")
    expect(page.locator(".navigator-records-chart img")).not_to_have_attribute(
        "src", chart_before or ""
    )

    # Export everyone, and open the file from JupyterLab's file browser.
    desk.get_by_role("button", name="Export everyone (CSV)").click()
    saved = page.locator(".navigator-exported")
    expect(saved).to_contain_text(re.compile(r"exports/roster-\d{4}-\d{2}-\d{2}\.csv"))
    (export,) = (lab.root_dir / "exports").glob("roster-*.csv")
    assert (export.stat().st_mode & 0o777) == 0o600
    assert "Ana Bell" in export.read_text(encoding="utf-8-sig")

    browser_panel = page.locator("#filebrowser")
    if not browser_panel.is_visible():  # the file browser tab opens and closes it
        page.locator('.jp-SideBar [data-id="filebrowser"]').click()
    expect(browser_panel).to_be_visible()
    browser_panel.locator('[data-command="filebrowser:refresh"]').click()
    browser_panel.locator(".jp-DirListing-item", has_text="exports").dblclick()
    browser_panel.locator(".jp-DirListing-item", has_text=export.name).dblclick()
    expect(page.locator(".lm-TabBar-tab", has_text=export.name)).to_be_visible(timeout=30_000)
    expect(page.locator(".jp-CSVViewer, .jp-FileEditor").last).to_be_visible()
