"""The loading screen speaks the person's language before the workbook has opened."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from .conftest import DashboardServer

pytestmark = pytest.mark.browser

# Run before any script of the page: note what the loading screen says as soon as it is there.
WATCH = """
new MutationObserver(function (_, observer) {
  var loading = document.getElementById("loading");
  if (loading && window.seenLoading === undefined) {
    window.seenLoading = getComputedStyle(loading, "::after").content;
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


@pytest.mark.parametrize(
    ("locale", "words"), [("es-MX", "Abriendo su cuaderno"), ("en-US", "Opening your workbook")]
)
def test_the_loading_screen_is_in_the_browsers_language(
    dashboard_server: DashboardServer, browser: Browser, locale: str, words: str
) -> None:
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        page.goto(dashboard_server.url, wait_until="domcontentloaded")
        page.wait_for_function("window.seenLoading !== undefined")
        assert words in page.evaluate("window.seenLoading")
    finally:
        context.close()
