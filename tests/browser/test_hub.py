"""The navigation program's JupyterHub, started as `make hub` starts it, through the hub's proxy.

One hub (``hub/run_hub.py`` with ``hub/jupyterhub_config.py``, as root) on a free port, with
its own PostgreSQL (socket only) in a temporary state folder, and a test authenticator (any
allowed name, one password); each navigator gets their own system account and home with their
own copy of ``navigator.ipynb`` (``tests/browser/_hub.py``). A patient fills in the dashboard
at ``/services/workbook/`` with no hub account; a navigator logs in, gets JupyterLab on
``navigator.ipynb``, runs it, finds that workbook in the roster and marks a record as received;
the patient's page shows it after a reload. A navigator cannot open another navigator's server,
and a wrong private link opens nobody's workbook.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from harness.dashboard import wait_until_drawn
from widgets.desk.roster_table import COLUMNS

from ._hub import HubProcess, skip_unless_hub_can_run
from ._pages import INTAKE, RECORDS, open_step, private_link, token_of
from .conftest import open_workbook, screenshot

pytestmark = pytest.mark.browser

LONG = 150_000  # ms: a navigator's first JupyterLab and kernel on a busy 2-core machine
DIAGNOSIS = "Hubtest sarcoma of the left knee"


class Hub(HubProcess):
    """``make hub``'s set-up with the test authenticator: any name, one password."""

    def __init__(self) -> None:
        self.password = secrets.token_urlsafe(12)
        super().__init__(HUB_AUTHENTICATOR="dummy", HUB_DUMMY_PASSWORD=self.password)


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    skip_unless_hub_can_run()
    running = Hub()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield made
    made.close()


def item_id(element: Locator) -> str:
    classes = element.get_attribute("class") or ""
    found = re.search(r"\bitem-(\S+)", classes)
    assert found, f"no item- class in {classes!r}"
    return found.group(1)


def log_in(page: Page, hub: Hub, name: str) -> None:
    page.goto(f"{hub.url}/hub/login")
    page.locator("#username_input").fill(name)
    page.locator("#password_input").fill(hub.password)
    page.locator("#login_submit").click()


def run_all_cells(page: Page) -> None:
    """Run → Run All Cells, until the first code cell has started (a click can go nowhere).

    The command needs the notebook to be the current panel, and Lab can drop a menu click while
    it is still settling; so the notebook is clicked first, and the run is checked and retried.
    """
    # Lab names the command "runmenu:run-all" or "notebook:run-all-cells", by what has focus
    item = page.locator(
        '.lm-Menu-item[data-command="notebook:run-all-cells"], '
        '.lm-Menu-item[data-command="runmenu:run-all"]'
    )
    # the first unfolded code cell's prompt (the desk's own code is folded: its prompt stays empty)
    prompt = page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt").first
    dialogs = page.locator(".jp-Dialog")
    for _ in range(5):
        try:
            page.locator(".jp-NotebookPanel .jp-Cell").first.click()
        except PlaywrightTimeoutError:
            # Lab's own questions (news, first run) are off by configuration (hub/jupyter_config)
            texts = [dialog.inner_text() for dialog in dialogs.all()]
            raise AssertionError(f"a Lab dialog takes the click: {texts}") from None
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        try:
            item.wait_for(state="visible", timeout=10_000)
            item.click()
            expect(prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=15_000)
        except (PlaywrightTimeoutError, AssertionError):
            page.keyboard.press("Escape")
            continue
        return
    screenshot(page, "hub-lab-run-all")
    raise AssertionError("Run All Cells did not start the notebook")


def test_patient_and_navigator_share_one_workbook_through_the_hub(
    hub: Hub, browser: Browser, context: BrowserContext
) -> None:
    # ---- a patient, with no hub account, through the hub's proxy
    patient_context = browser.new_context(viewport={"width": 1200, "height": 900})
    patient = patient_context.new_page()
    try:
        response = patient.goto(f"{hub.url}/services/workbook/")
        assert response is not None and response.status == 200
        patient.wait_for_selector(".workbook-app.workbook-ready", timeout=LONG)
        wait_until_drawn(patient)
        assert patient.url.startswith(f"{hub.url}/services/workbook/"), "sent to a hub login"
        patient.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
        name = patient.locator(".field-diagnosis_name textarea")
        name.fill(DIAGNOSIS)
        name.press("Tab")
        expect(patient.locator(".workbook-saved")).to_contain_text("saved")
        open_step(patient, RECORDS)
        record = patient.locator(".workbook-records .workbook-record").first
        record_id = item_id(record)
        record.locator("select").select_option(label="Asked for")
        expect(patient.locator(".workbook-record-counts")).to_contain_text("Asked for: 1")
        link = private_link(patient)
        # The link names the dashboard at the hub's address (SECOND_OPINION_PUBLIC_URL).
        assert link.startswith(f"{hub.url}/services/workbook/#workbook="), link
        assert not [c for c in patient_context.cookies() if c["name"].startswith("jupyterhub")]

        # ---- a second navigator, whose server the first must not reach
        other = browser.new_context()
        try:
            other_page = other.new_page()
            log_in(other_page, hub, "navigator-b")
            other_page.wait_for_url(re.compile(r"/user/navigator-b/"), timeout=LONG)
        finally:
            other.close()

        # ---- a navigator logs in and gets JupyterLab on navigator.ipynb
        page = context.new_page()
        log_in(page, hub, "navigator-a")
        page.wait_for_url(re.compile(r"/user/navigator-a/lab/tree/navigator\.ipynb"), timeout=LONG)
        expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=LONG)
        expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
            1, timeout=LONG
        )
        run_all_cells(page)

        # The roster is the program's: the patient's workbook is in it (one shared store).
        desk = page.locator(".workbook-navigator")
        expect(desk).to_be_visible(timeout=LONG)
        page.locator(".navigator-search input").fill("hubtest")
        rows = page.locator(".navigator-roster table tbody tr")
        expect(rows).to_have_count(1, timeout=30_000)
        row = rows.first
        diagnosis_cell = row.locator("td").nth(COLUMNS.index("Diagnosis"))
        expect(diagnosis_cell).to_contain_text(DIAGNOSIS)
        row.locator("td").nth(COLUMNS.index("Name")).click()
        expect(page.locator(".navigator-person select")).to_have_value(re.compile(r"."))
        desk.get_by_role("button", name="Open workbook").click()
        try:
            expect(page.locator(".workbook-app.workbook-ready")).to_be_visible(timeout=LONG)
        except AssertionError as slow:
            raise AssertionError(hub.what_is_going_on("nav-navigator-a")) from slow
        open_step(page, RECORDS)
        in_lab = page.locator(f".{RECORDS} .item-{record_id} select")
        expect(in_lab).to_have_value("Asked for")
        in_lab.select_option(label="I have it")
        received = row.locator("td").nth(COLUMNS.index("Received"))
        expect(received).to_have_text("1", timeout=30_000)

        # ---- nobody reaches another navigator's server
        elsewhere = context.new_page()
        answer = elsewhere.goto(f"{hub.url}/user/navigator-b/lab")
        assert answer is not None
        assert answer.status == 403, (answer.status, elsewhere.url)
        expect(elsewhere.locator(".jp-NotebookPanel")).to_have_count(0)
        api = context.request.get(f"{hub.url}/user/navigator-b/api/contents", max_redirects=0)
        assert api.status in (302, 403), api.status
        assert "navigator.ipynb" not in api.text()
        elsewhere.close()

        # ---- the patient reloads and sees the navigator's change
        patient.reload()
        patient.wait_for_selector(".workbook-app.workbook-ready", timeout=LONG)
        wait_until_drawn(patient)
        open_step(patient, RECORDS)
        expect(patient.locator(f".{RECORDS} .item-{record_id} select")).to_have_value("I have it")
        open_step(patient, INTAKE)
        expect(patient.locator(".field-diagnosis_name textarea")).to_have_value(DIAGNOSIS)

        # ---- a patient sees only their own workbook: a wrong link opens nobody's
        stranger = browser.new_context().new_page()
        try:
            open_workbook(stranger, f"{hub.url}/services/workbook/?session=not-a-real-link")
            expect(stranger.get_by_text("This link does not open a workbook")).to_be_visible()
            expect(stranger.locator(".workbook-intake")).to_have_count(0)
            expect(stranger.get_by_text(DIAGNOSIS)).to_have_count(0)
        finally:
            stranger.context.close()
        # ---- no private link in what the hub, its proxy and its servers wrote, old link or new
        written = hub.log_text()
        assert token_of(link) not in written
        assert "not-a-real-link" not in written
    finally:
        patient_context.close()
