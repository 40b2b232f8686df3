"""A closed tab gives its room back: the page's kernel is stopped within seconds, not minutes.

Voilà's page asks the server to shut its kernel down when the tab closes; the server checks the
request against its XSRF cookie, which the page is given with the page itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest
from playwright.sync_api import Browser

from ._pages import kernel_process
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    with DashboardServer(tmp_path_factory.mktemp("closed-tab") / "data") as running:
        yield running


def test_a_closed_tabs_kernel_is_stopped_within_ten_seconds(
    server: DashboardServer, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    open_workbook(page, server.url)
    assert any(c["name"] == "_xsrf" for c in context.cookies()), "no XSRF cookie for the page"
    kernel = kernel_process(server, page)
    assert kernel.is_running()
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not kernel.is_running() or kernel.status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the closed tab's kernel still runs after 10 s")
    context.close()
