"""Nothing leaves this machine: not from the page, not from the kernel.

A person who opens the workbook must not, by doing so, tell any outside server that they opened
a health workbook. Voilà's own "lab" template asks a public CDN for Font Awesome; the dashboard's
``workbook`` template does not. These tests record every request the page makes through a whole
visit, check that the page never even tries to load anything from outside (no request blocked
by the Content-Security-Policy either), that the HTML the server sends names no outside address
to load, and that the kernel behind the page, and the widget code run under a socket guard,
open no outside connection.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from secondopinion.serving import REPO

from ._pages import (
    QUESTIONS,
    RECORDS,
    STEPS,
    kernel_process,
    open_step,
    private_link,
    stored,
    token_of,
    wait_until,
)
from .conftest import DashboardServer, open_workbook

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

CSP_WATCH = """
window.__outside = [];
document.addEventListener('securitypolicyviolation', e => window.__outside.push(e.blockedURI));
"""


@pytest.fixture
def visit(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A fresh browser page that records every request and WebSocket it opens."""
    context = browser.new_context(accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.on("websocket", lambda ws: requests.append(ws.url))
    yield page, requests
    context.close()


def outside(urls: list[str]) -> list[str]:
    """The URLs that go to another machine (data: and blob: URLs stay in the page)."""
    far = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname not in {
            h.strip("[]") for h in LOOPBACK_HOSTS
        }:
            far.append(url)
    return far


@pytest.mark.browser
def test_a_whole_visit_asks_nothing_of_any_outside_server(
    dashboard_server: DashboardServer, visit: tuple[Page, list[str]]
) -> None:
    page, requests = visit
    open_workbook(page, dashboard_server.url)
    intake = page.locator(".workbook-intake")
    intake.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    intake.locator(".field-diagnosis_kind").get_by_label("Cancer", exact=True).check()
    name = intake.locator(".field-diagnosis_name textarea")
    name.fill("Lymphoma")
    name.press("Tab")
    intake.locator(".field-time_to_decide").get_by_label("A few weeks", exact=True).check()
    intake.locator(".field-decision_date input[type=date]").fill("2031-05-01")
    token = token_of(private_link(page))

    open_step(page, QUESTIONS)
    question = page.locator(".workbook-questions .workbook-question").first
    question.get_by_role("button", name="☆ Star").click()
    question.locator("textarea").fill("An answer, with a link https://example.org in it.")
    question.locator("textarea").press("Tab")
    open_step(page, RECORDS)
    page.locator(".workbook-records .workbook-record select").first.select_option(index=1)
    for hook in STEPS:
        open_step(page, hook)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    csv_link = page.locator(".workbook-download-csv a")
    expect(csv_link).to_be_visible(timeout=180_000)  # made with every sheet: a while when busy
    with page.expect_download():
        csv_link.click()
    wait_until(lambda: stored(dashboard_server, token).questions, what="the answers saved")

    # the same link opened again
    open_workbook(page, dashboard_server.url + "#workbook=" + token)
    expect(page.locator(".field-diagnosis_kind").get_by_label("Cancer")).to_be_checked()

    assert requests, "the recorder saw the visit"
    assert outside(requests) == []
    assert page.evaluate("window.__outside") == [], "the page tried to load from outside"

    # nor has the kernel behind the page any connection to another machine
    kernel = kernel_process(dashboard_server, page)
    remote = [
        conn.raddr
        for process in [kernel, *kernel.children(recursive=True)]
        for conn in process.net_connections(kind="inet")
        if conn.raddr and conn.raddr.ip not in ("127.0.0.1", "::1")
    ]
    assert remote == []


OUTSIDE_URL = re.compile(r"""(?:src|href|import\()\s*=?\s*["']?(?:https?:)?//(?!127\.0\.0\.1)""")


@pytest.mark.browser
def test_no_page_the_server_sends_names_an_outside_address_to_load(
    dashboard_server: DashboardServer, page: Page
) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    for path in ["", "?session=not-a-real-link", "voila/files/navigator.ipynb", "no/such/page"]:
        # the page as sent (an old link's page moves on at once, so it is read apart)
        html = page.request.get(dashboard_server.url + path).text()
        assert OUTSIDE_URL.findall(html) == [], f"/{path} links to another server"
        assert "cdn." not in html
        page.goto(dashboard_server.url + path)  # and whatever the page loads in a browser
    assert outside([r.url for r in requests]) == []


# --------------------------------------------------------------------------- the kernel's code

GUARD = textwrap.dedent(
    """
    import datetime as dt, json, socket, sys

    attempts = []

    def local(address):
        if isinstance(address, (str, bytes)):  # a Unix socket: stays on this machine
            return True
        host = str(address[0])
        return host in ("localhost", "::1", "") or host.startswith("127.")

    def guard(name, real, where):
        def guarded(*args):
            address = where(args)
            if not local(address):
                attempts.append(f"{name} {address!r}")
                raise OSError("no outside connection allowed in this test")
            return real(*args)
        return guarded

    socket.socket.connect = guard("connect", socket.socket.connect, lambda a: a[1])
    socket.socket.connect_ex = guard("connect_ex", socket.socket.connect_ex, lambda a: a[1])
    socket.socket.sendto = guard("sendto", socket.socket.sendto, lambda a: a[-1])
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not local((host,)):
            attempts.append(f"getaddrinfo {host!r}")
            raise socket.gaierror("no outside name lookups allowed in this test")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo

    # Everything below runs as the dashboard's kernel runs it, from the imports on.
    from secondopinion.documents.exports import long_form, to_csv_bytes
    from secondopinion import load_content
    from secondopinion.serving.visit import Visit
    from widgets.dashboard import open_page

    app = open_page(load_content(), Visit(None, "en", None, "http://127.0.0.1:8866/"))
    for step in range(len(app.step_buttons)):
        app.go_to(step)
    app.go_to(0)
    intake = app.view(0)
    for field in intake.inputs:
        spec = field.field
        if spec.kind == "several_choices":
            for box in field.control.children:
                box.value = True
        elif spec.kind == "one_choice":
            field.control.value = spec.choices[0].id
        elif spec.kind == "yes_no":
            field.control.value = True
        elif spec.kind == "date":
            field.control.value = dt.date.today() + dt.timedelta(days=30)
        else:
            field.control.value = "Text with https://example.org and www.example.com in it"
    app.go_to(1)
    questions = app.view(1)
    for row in list(questions.rows.values()):
        row.star.value = True
        row.asked.value = True
        row.answer.value = "See https://example.org"
    questions.own_text.value = "My own question?"
    questions.add_own.click()
    app.go_to(2)
    records = app.view(2)
    for row in list(records.rows.values()):
        row.status.value = "requested"
        row.from_whom.value = "City Hospital"
        row.requested_on.value = dt.date.today()
        row.note.value = "Called on Monday"
    for step in range(len(app.step_buttons)):
        app.go_to(step)
    app.export_panel.refresh()
    to_csv_bytes(long_form(app.state.workbook, app.state.content))
    problems = [v.problem.value for v in app.views.values() if getattr(v, "problem", None)]
    print(json.dumps({"attempts": attempts, "problems": [p for p in problems if p]}))
    """
)


def test_the_widget_code_opens_no_outside_connection(tmp_path: Path) -> None:
    """Build and drive the whole app, imports included, with every outside connection refused."""
    result = subprocess.run(
        [sys.executable, "-c", GUARD],
        cwd=REPO,
        env={
            **{k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")},
            "SECOND_OPINION_DATA": str(tmp_path / "data"),
            "MPLCONFIGDIR": str(tmp_path / "mpl"),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"attempts": [], "problems": []}


def test_the_guard_would_see_an_outside_connection() -> None:
    """The guard itself works: a connection to a public address is caught."""
    probe = GUARD.split("# Everything below")[0] + textwrap.dedent(
        """
        try:
            socket.socket().connect(("192.0.2.1", 80))
        except OSError:
            pass
        try:
            socket.getaddrinfo("example.org", 443)
        except OSError:
            pass
        print(json.dumps(attempts))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    attempts = json.loads(result.stdout.strip().splitlines()[-1])
    assert any("192.0.2.1" in a for a in attempts)
    assert any("example.org" in a for a in attempts)
