"""The server `make dashboard` starts serves the dashboard and nothing else.

With real HTTP requests, a real kernel channel and a real browser against the running server:
the navigator notebook, the file tree, the Jupyter APIs that run code and the data folder cannot
be reached; code sent to a dashboard kernel is never run; no traceback reaches the page even when
the store cannot be used or the code itself fails; the server listens on loopback only; a wrong
link reveals nothing, not even whether it was close; the data files are owner-only even under a
careless umask; and stopping `make dashboard` stops Voilà and every kernel with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import websocket
from playwright.sync_api import Page, expect

from harness.dashboard import is_kernel, wait_until_drawn
from secondopinion.serving import CONTENT_SECURITY_POLICY, REPO, dashboard_command
from secondopinion.store import WorkbookStore

from ._pages import private_link
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

NOTEBOOKS = REPO / "notebooks"
DB_NAME = "workbooks.sqlite3"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashboardServer]:
    """A dashboard server started under umask 000: every file it makes could be world-readable."""
    old = os.umask(0)
    try:
        running = DashboardServer(tmp_path_factory.mktemp("serving") / "data")
    finally:
        os.umask(old)
    with running:
        yield running


class Answer:
    def __init__(self, status: int, body: bytes, headers: dict[str, str], url: str) -> None:
        self.status, self.body, self.headers, self.url = status, body, headers, url

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Answer:
    """One real HTTP request (redirects followed), with the answer whatever its status."""
    data = b"{}" if method in ("POST", "PUT", "PATCH") else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, response.read(), dict(response.headers), response.url)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), dict(error.headers), error.url)


def data_paths(server: DashboardServer) -> list[str]:
    """Ways to name the data folder's database in a URL: relative, absolute, encoded."""
    db = server.data_dir / DB_NAME
    up = os.path.relpath(db, NOTEBOOKS)
    return [
        f"/voila/files/{up}",
        f"/voila/files/{db}",
        "/voila/files/" + up.replace("..", "%2e%2e"),
        "/voila/files/" + up.replace("/", "%2f"),
        f"/voila/static/{os.path.relpath(db, '/')}",
        f"/voila/static/../../../../../../../../..{db}",
        f"/voila/templates/workbook/static/../../../../../../../../..{db}",
        f"/voila/labextensions/../../../../../../../..{db}",
        f"/{up}",
        f"/{db}",
        f"/files{db}",
        "/voila/files/../data/" + DB_NAME,
        "/data/" + DB_NAME,
    ]


OUT_OF_BOUNDS = [
    "/voila/render/navigator.ipynb",
    "/voila/render/notebooks/navigator.ipynb",
    "/notebooks/navigator.ipynb",
    "/navigator.ipynb",
    "/voila/files/navigator.ipynb",
    "/voila/files/dashboard.ipynb",
    "/dashboard.ipynb",
    "/voila/tree",
    "/voila/tree/",
    "/voila/tree/notebooks",
    "/tree",
    "/lab",
    "/lab/tree/navigator.ipynb",
    "/voila/api/contents",
    "/voila/api/contents/navigator.ipynb",
    "/api/contents",
    "/api/contents/navigator.ipynb",
    "/api/kernels",
    "/api/sessions",
    "/api/terminals",
    "/api/kernelspecs",
    "/api/nbconvert",
    "/files/navigator.ipynb",
    "/view/navigator.ipynb",
    "/edit/navigator.ipynb",
    "/terminals/1",
    "/voila/static/../../../../../../../../../etc/passwd",
    "/voila/templates/workbook/static/../../../../../../../../../etc/passwd",
    "/voila/files/../../../../../../../../../etc/passwd",
    "/voila/files/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
]

LEAKS = [
    b"SQLite format 3",  # a database file
    b"root:x:0:0",  # /etc/passwd
    b"navigator",  # the navigator notebook, or a listing that names it
    b'"cells"',  # any notebook's JSON
    b"Traceback",
    b"workbooks.sqlite3",  # a listing of the data folder
]


def assert_refused(answer: Answer, what: str) -> None:
    assert answer.status >= 400, f"{what} answered {answer.status} at {answer.url}"
    for leak in LEAKS:
        assert leak not in answer.body, f"{what} gave away {leak!r}"


def test_nothing_but_the_dashboard_can_be_fetched(server: DashboardServer) -> None:
    base = server.url.rstrip("/")
    dashboard = fetch(server.url)
    assert dashboard.status == 200
    assert 'id="jupyter-config-data"' in dashboard.text
    with WorkbookStore.open(server.data_dir):
        pass  # the database exists, so refusals are real refusals
    (server.data_dir / DB_NAME).stat()

    for path in OUT_OF_BOUNDS + data_paths(server):
        assert_refused(fetch(base + path), path)


def test_the_apis_that_run_code_refuse_every_method(server: DashboardServer) -> None:
    base = server.url.rstrip("/")
    # with a valid XSRF cookie and header, so that what refuses is the absence of the API
    first = fetch(server.url)
    cookie = first.headers.get("Set-Cookie", "")
    xsrf = re.search(r"_xsrf=([^;]+)", cookie)
    headers = {"Content-Type": "application/json"}
    if xsrf:
        headers |= {"Cookie": f"_xsrf={xsrf.group(1)}", "X-XSRFToken": xsrf.group(1)}
    for method, path in [
        ("POST", "/api/kernels"),
        ("POST", "/api/sessions"),
        ("POST", "/api/terminals"),
        ("PUT", "/api/contents/notebooks/evil.ipynb"),
        ("POST", "/api/contents"),
        ("PATCH", "/api/sessions/x"),
        ("POST", "/voila/api/contents"),
        ("POST", "/api/kernels/" + str(uuid.uuid4()) + "/restart"),
    ]:
        answer = fetch(base + path, method=method, headers=headers)
        assert answer.status in (403, 404, 405), f"{method} {path}: {answer.status}"
        assert b"Traceback" not in answer.body


def test_a_dashboard_kernel_never_runs_code_sent_to_it(
    server: DashboardServer, tmp_path: Path
) -> None:
    """Voilà's kernels take widget messages only: an execute_request is dropped unread."""
    page = fetch(server.url).text  # starts a kernel and runs the dashboard in it
    config = re.search(
        r'<script id="jupyter-config-data" type="application/json">\s*(\{.*?\})\s*</script>',
        page,
        re.S,
    )
    assert config
    kernel = json.loads(config.group(1))["kernelId"]
    proof = tmp_path / "code-ran.txt"
    session = uuid.uuid4().hex
    socket = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?session_id={session}",
        timeout=30,
        origin=server.url.rstrip("/"),
    )

    def send(msg_type: str, content: dict[str, object]) -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "username": "",
            "session": session,
            "msg_type": msg_type,
            "version": "5.3",
        }
        socket.send(
            json.dumps(
                {
                    "header": header,
                    "parent_header": {},
                    "metadata": {},
                    "content": content,
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        return msg_id

    try:
        code = f"open({str(proof)!r}, 'w').write('ran')"
        executed = send("execute_request", {"code": code, "silent": False})
        inspected = send("inspect_request", {"code": "open", "cursor_pos": 4})
        # The shell channel is ordered: once the kernel answers this, it has seen the others.
        barrier = send("kernel_info_request", {})
        replies: list[tuple[str, str]] = []
        while True:
            msg = json.loads(socket.recv())
            parent = msg.get("parent_header", {}).get("msg_id")
            replies.append((msg["header"]["msg_type"], parent))
            if parent == barrier and msg["header"]["msg_type"] == "kernel_info_reply":
                break
    finally:
        socket.close()
    assert not proof.exists(), "code sent over the kernel channel ran"
    assert [r for r in replies if r[1] in (executed, inspected)] == []


def test_a_database_address_that_cannot_be_used_gets_a_plain_page(
    tmp_path_factory: pytest.TempPathFactory, page: Page
) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SECOND_OPINION_DB_URL", "nosuchdatabase://nowhere/workbooks")
        failing = DashboardServer(tmp_path_factory.mktemp("bad-url") / "data")
    with failing:
        page.goto(failing.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The workbook cannot open right now", timeout=90_000
        )
        text = page.locator("body").inner_text()
    assert "Nothing you saved before has been changed" in text
    for technical in ("Traceback", "show_tracebacks", "Voilà", 'File "'):
        assert technical not in text


def test_no_traceback_reaches_the_page_when_something_unexpected_fails(
    tmp_path_factory: pytest.TempPathFactory, page: Page
) -> None:
    # A fault nobody planned for: the dashboard's own code cannot even be imported in the kernel.
    broken = tmp_path_factory.mktemp("broken-code")
    (broken / "widgets").mkdir()
    (broken / "widgets" / "__init__.py").write_text(
        'raise RuntimeError("nosuchdatabase: an unplanned fault")\n'
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(broken))
        failing = DashboardServer(tmp_path_factory.mktemp("failing") / "data")
    with failing:
        raw = fetch(failing.url).text
        page.goto(failing.url)
        problem = page.locator(".workbook-page-problem")
        expect(problem).to_contain_text("The workbook cannot open right now", timeout=90_000)
        text = page.locator("body").inner_text()
    for technical in ("Traceback", "Error", "error", "show_tracebacks", "Voilà", "nosuchdatabase"):
        assert technical not in text
    for technical in ("Traceback", "show_tracebacks", "RuntimeError", "nosuchdatabase"):
        assert technical not in raw


def test_behind_a_proxy_the_page_is_served_under_its_path_and_the_link_uses_the_public_address(
    tmp_path_factory: pytest.TempPathFactory, page: Page
) -> None:
    public = "https://workbook.example.org/services/workbook/"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SECOND_OPINION_PUBLIC_URL", public)
        hub = DashboardServer(
            tmp_path_factory.mktemp("hub") / "data", base_url="/services/workbook/"
        )
    with hub:
        assert hub.url.endswith("/services/workbook/")
        open_workbook(page, hub.url)
        page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
        expect(page.locator(".workbook-saved")).to_contain_text("saved")
        link = private_link(page)
        assert link.startswith(public + "#workbook=")
        # The same workbook reopens under the path the proxy forwards to.
        open_workbook(page, hub.url + link.removeprefix(public))
        expect(page.locator(".field-filled_by").get_by_label("I am the patient")).to_be_checked()
        assert fetch(f"http://127.0.0.1:{hub.port}/").status == 404


def test_the_server_listens_on_loopback_only(server: DashboardServer) -> None:
    voila = psutil.Process(server.process.pid)
    listening = []
    for process in [voila, *voila.children(recursive=True)]:
        for conn in process.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN:
                listening.append((process.pid, conn.laddr.ip, conn.laddr.port))
    assert (server.process.pid, "127.0.0.1", server.port) in listening
    assert {ip for _, ip, _ in listening} <= {"127.0.0.1", "::1"}


def test_the_address_to_listen_on_is_127_0_0_1_unless_told_otherwise() -> None:
    assert "--Voila.ip=127.0.0.1" in dashboard_command()
    assert "--Voila.ip=0.0.0.0" in dashboard_command(host="0.0.0.0")


def test_the_page_cannot_be_switched_to_another_template_and_sends_safe_headers(
    server: DashboardServer,
) -> None:
    answer = fetch(server.url + "?template=reveal&theme=dark")
    assert answer.status == 200
    assert "/voila/templates/workbook/static/" in answer.text
    assert "reveal" not in answer.text
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in answer.headers["Cache-Control"]


# --------------------------------------------------------------------------- private links


def test_a_wrong_link_reveals_nothing_not_even_that_it_was_close(
    server: DashboardServer, page: Page
) -> None:
    with WorkbookStore.open(server.data_dir) as store:
        summary, token = store.create_workbook("", created_by="patient")
        store.set_answers(summary.id, {"diagnosis_kind": "cancer"})
    flipped_last = token[:-1] + ("A" if token[-1] != "A" else "B")
    flipped_first = ("A" if token[0] != "A" else "B") + token[1:]
    wrong = {
        "unknown": secrets.token_urlsafe(32),
        "last character changed": flipped_last,
        "first character changed": flipped_first,
        "one character short": token[:-1],
        "upper case": token.upper() if token.upper() != token else token.lower(),
        "not a token at all": "<script>alert(1)</script>",
    }
    texts = {}
    for name, bad in wrong.items():
        open_workbook(page, server.url + "#workbook=" + urllib.request.quote(bad))
        texts[name] = page.locator(".workbook-app").inner_text()
    assert len(set(texts.values())) == 1, texts
    assert "does not open a workbook" in texts["unknown"]

    open_workbook(page, server.url + "#workbook=" + token)
    expect(page.locator(".field-diagnosis_kind").get_by_label("Cancer")).to_be_checked()

    # only a SHA-256 hash of the token is stored, never the token itself
    stored = b"".join(
        path.read_bytes()
        for path in server.data_dir.iterdir()
        if path.name.startswith(DB_NAME) and path.is_file()
    )
    assert token.encode() not in stored
    assert hashlib.sha256(token.encode()).hexdigest().encode() in stored


def test_the_data_files_are_owner_only(server: DashboardServer, page: Page) -> None:
    open_workbook(page, server.url)
    page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
    expect(page.locator(".workbook-saved")).to_contain_text("saved")
    found = [server.data_dir, *server.data_dir.rglob("*")]
    names = {path.name for path in found}
    assert {DB_NAME, DB_NAME + "-wal"} <= names, names
    for path in found:
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = 0o700 if path.is_dir() else 0o600
        assert mode == expected, f"{path} has mode {mode:o}, not {expected:o}"


def test_stopping_make_dashboard_stops_voila_and_its_kernels(tmp_path: Path) -> None:
    """SIGTERM to ``python -m secondopinion serve`` (a service manager stopping it) ends it all."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = subprocess.Popen(
        [sys.executable, "-m", "secondopinion", "serve", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "SECOND_OPINION_DATA": str(tmp_path / "data")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    family: list[psutil.Process] = []
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while fetch_or_none(url) is None:
            assert serve.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        family = psutil.Process(serve.pid).children(recursive=True)
        assert any(is_kernel(" ".join(p.cmdline())) for p in family), "a kernel runs"
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
        _, alive = psutil.wait_procs(family, timeout=30)
        assert alive == [], "Voilà or a kernel outlived `serve`"
    finally:
        if serve.poll() is None:
            serve.kill()
        for process in family:
            if process.is_running():
                process.kill()


def fetch_or_none(url: str) -> Answer | None:
    try:
        return fetch(url)
    except OSError:
        return None


# --------------------------------------------------------------------------- caps


def test_a_page_left_alone_is_paused_to_make_room_and_goes_on_with_a_tap(
    tmp_path_factory: pytest.TempPathFactory, page: Page
) -> None:
    """One kernel per address: the next visit pauses the idle page, which says so and goes on.

    The page is left alone for ``SECOND_OPINION_PAUSE_AFTER_IDLE`` seconds while its heartbeat
    keeps pinging: the pings are not the person, so it can be paused. Continue reopens the same
    workbook (and pauses the other visit's idle page in turn).
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SECOND_OPINION_KERNELS_PER_ADDRESS", "1")
        env.setenv("SECOND_OPINION_PAUSE_AFTER_IDLE", "5")
        env.setenv("SECOND_OPINION_ROOM_WAIT", "120")
        full = DashboardServer(tmp_path_factory.mktemp("one-per-address") / "data")
    with full:
        open_workbook(page, full.url)
        patient = page.locator(".field-filled_by").get_by_label("I am the patient", exact=True)
        patient.check()
        expect(page.locator(".workbook-saved")).to_contain_text("saved")
        address = page.url
        assert "#workbook=" in address

        other = fetch(full.url)  # another visit from the same address: waits, then gets its page
        assert other.status == 200 and 'id="jupyter-config-data"' in other.text

        said = page.locator(".workbook-connection")
        expect(said).to_contain_text("paused to make room for another person", timeout=30_000)
        expect(said).to_contain_text("Your answers are kept")
        go_on = page.locator(".workbook-resume")
        expect(go_on).to_have_text("Continue")
        go_on.click()
        page.wait_for_selector(".workbook-app.workbook-ready", timeout=120_000)
        wait_until_drawn(page)
        assert page.url == address
        expect(
            page.locator(".field-filled_by").get_by_label("I am the patient", exact=True)
        ).to_be_checked()
        expect(page.locator(".workbook-connection")).to_be_hidden()
