"""The private link's secret never reaches a server: it lives in the address's fragment.

A person starts a workbook, gets their private link (``#workbook=<token>``), reopens it, and opens
an old ``?session=<token>`` link. Every request the page makes is recorded (address, headers,
body), and the server's log is read: the token is in none of them. The old link's first request
carries it (a browser sends a query), but only that one, and it is answered by a tiny page that
moves the token into the fragment before anything else is loaded, and never written to the log.
The hub's proxy log is checked the same way in ``test_hub.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Request, expect

from ._pages import INTAKE, open_step, private_link, token_of
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    with DashboardServer(tmp_path_factory.mktemp("secret") / "data") as running:
        yield running


def _everything_sent(requests: list[Request]) -> str:
    sent = []
    for request in requests:
        sent.append(request.url)
        sent.extend(f"{name}: {value}" for name, value in request.all_headers().items())
        try:
            sent.append(request.post_data or "")
        except UnicodeDecodeError:  # a binary body (the kernel's messages go by websocket)
            sent.append(repr(request.post_data_buffer))
    return "\n".join(sent)


def _server_log(server: DashboardServer) -> str:
    server.log.flush()
    return (server.data_dir.parent / "voila.log").read_text(encoding="utf-8", errors="replace")


def test_no_request_and_no_log_line_carries_the_private_link(
    server: DashboardServer, page: Page
) -> None:
    requests: list[Request] = []
    frames: list[str] = []
    page.on("request", lambda request: requests.append(request))
    page.on(
        "websocket",
        lambda socket: socket.on("framesent", lambda frame: frames.append(str(frame))),
    )
    open_workbook(page, server.url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    link = private_link(page)
    token = token_of(link)
    assert link.endswith(f"#workbook={token}") and "?" not in link

    open_workbook(page, link)  # the new link, in a fresh page load
    open_step(page, INTAKE)
    expect(page.locator(".field-filled_by").get_by_label("I am the patient")).to_be_checked()
    assert token not in _everything_sent(requests)
    # only the page itself ever tells the kernel, over its own channel
    assert any(token in frame for frame in frames)

    # an old link: its first request carries the token, and no request after it
    requests.clear()
    open_workbook(page, f"{server.url}?session={token}&lang=en")
    assert re.search(rf"#workbook={re.escape(token)}$", page.url), page.url
    first, *rest = requests
    assert token in first.url
    assert rest and token not in _everything_sent(rest)
    expect(page.locator(".field-filled_by").get_by_label("I am the patient")).to_be_checked()

    log = _server_log(server)
    assert "Kernel pool" in log, "the server's log is not where expected"
    assert token not in log
