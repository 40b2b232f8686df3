"""The dashboard server on a shared host, without a browser: what its log, its kernels' visits,
their environment, its caps and its websocket let through (``secondopinion.serving._kernels``).

The end-to-end proof, as another account on the machine, is ``tests/browser/test_shared_host.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import types
from collections.abc import Iterator
from typing import Any

import pytest
import tornado.web
import zmq.asyncio
from jupyter_server._tz import utcnow
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.websocket import websocket_connect
from voila.request_info_handler import RequestInfoSocketHandler

from secondopinion.serving import _kernels
from secondopinion.serving._channels import plain
from secondopinion.serving._kernels import (
    BUSY_PAGE,
    OLD_LINK_PAGE,
    NoHandOver,
    WorkbookKernelManager,
    capped,
    clean_pool_env,
    log_request,
    redact_every_log_line,
    without_query,
)
from secondopinion.serving._launch import JUPYTER_DATA
from secondopinion.store import VISITOR_ENV
from tests.event_loops import run_alone

SECRET = "s3cr3t-t0ken-of-a-private-link"


class _Page(tornado.web.RequestHandler):
    def get(self, *_: Any) -> None:
        self.write("the page")


class _Refuses(tornado.web.RequestHandler):
    def get(self) -> None:
        raise tornado.web.HTTPError(400, "bad request for %s", self.request.uri)


async def _serve(app: tornado.web.Application) -> tuple[Any, int]:
    server = app.listen(0, "127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    return server, port


def test_no_query_string_reaches_the_log_whatever_the_method(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redact_every_log_line()

    async def requests() -> None:
        app = tornado.web.Application(
            [(r"/", _Page), (r"/bad", _Refuses)], log_function=log_request
        )
        server, port = await _serve(app)
        client = AsyncHTTPClient()
        try:
            for method, path in [
                ("GET", "/"),
                ("HEAD", "/"),
                ("POST", "/"),
                ("PUT", "/"),
                ("DELETE", "/"),
                ("OPTIONS", "/"),
                ("GET", "/bad"),
            ]:
                body = b"x" if method in ("POST", "PUT") else None
                url = f"http://127.0.0.1:{port}{path}?session={SECRET}"
                with contextlib.suppress(HTTPClientError):
                    await client.fetch(url, method=method, body=body)
        finally:
            server.stop()

    with caplog.at_level(logging.DEBUG):
        run_alone(requests())
        logging.getLogger("anything").warning("GET /?session=%s from a visitor", SECRET)
    assert "HEAD /" in caplog.text and "POST /" in caplog.text
    assert SECRET not in caplog.text
    assert without_query("GET /?session=abc&x=1 (1.2.3.4)") == "GET /?… (1.2.3.4)"


def test_a_pre_heated_kernel_never_holds_the_address_of_an_earlier_visit() -> None:
    # Voilà starts the kernel that refills the pool with the address of the visit that took one
    earlier = {
        "PATH": "/usr/bin",
        "VOILA_PREHEAT": "True",
        "VOILA_REQUEST_URL": f"http://127.0.0.1:8866/?session={SECRET}",
        "QUERY_STRING": f"session={SECRET}",
        "SERVER_NAME": "127.0.0.1",
        "HTTP_REFERER": f"http://x/?session={SECRET}",
    }
    earlier[VISITOR_ENV] = "203.0.113.9"
    clean = clean_pool_env(earlier)
    assert SECRET not in json.dumps(clean)
    assert "203.0.113.9" not in json.dumps(clean)  # nor the earlier visitor's address
    assert clean["PATH"] == "/usr/bin" and clean["VOILA_PREHEAT"] == "True"


def test_the_kernel_handed_to_a_visit_is_told_its_visitors_address_and_nothing_else(
    hand_over: None, tmp_path: Any
) -> None:
    # the store counts new workbooks per address: the server writes a pre-heated kernel's
    # visitor next to its connection file, owner-only; Voilà keeps nothing of the visit
    kernel = "0b6c3f6e-3c1e-4c39-9a44-1f0c1c4b8a12"
    manager = WorkbookKernelManager()
    connection_file = tmp_path / "k-0123.json"
    manager._kernels[kernel] = types.SimpleNamespace(connection_file=str(connection_file))
    _kernels.count_handed_visits(manager)
    token = _kernels._VISITOR.set("203.0.113.9")
    try:
        RequestInfoSocketHandler.send_updates(
            {"kernel_id": kernel, "payload": {"QUERY_STRING": f"lang=es&x={SECRET}"}}
        )
    finally:
        _kernels._VISITOR.reset(token)
    written = tmp_path / "k-0123.json.visitor"
    assert written.read_text() == "203.0.113.9"
    assert written.stat().st_mode & 0o777 == 0o600
    assert manager.visitor_of[kernel] == "203.0.113.9"
    assert kernel not in RequestInfoSocketHandler._cache  # nothing kept for anyone to fetch
    manager._forget(kernel)
    assert not written.exists()


@pytest.fixture
def hand_over() -> Iterator[None]:
    """Voilà's hand-over state, empty, and put back as it was after the test."""
    waiters, cache = dict(RequestInfoSocketHandler._waiters), dict(RequestInfoSocketHandler._cache)
    send = RequestInfoSocketHandler.__dict__["send_updates"]
    RequestInfoSocketHandler._waiters.clear()
    RequestInfoSocketHandler._cache.clear()
    yield
    RequestInfoSocketHandler.send_updates = send
    RequestInfoSocketHandler._waiters.clear()
    RequestInfoSocketHandler._waiters.update(waiters)
    RequestInfoSocketHandler._cache.clear()
    RequestInfoSocketHandler._cache.update(cache)


def test_no_visit_is_handed_over_at_voilas_query_address() -> None:
    kernel = "0b6c3f6e-3c1e-4c39-9a44-1f0c1c4b8a11"

    async def exchange() -> list[int]:
        app = tornado.web.Application([(r"/voila/query/(.*)", NoHandOver)])
        server, port = await _serve(app)
        refused = []
        try:
            for scheme in ("ws", "http"):
                url = f"{scheme}://127.0.0.1:{port}/voila/query/{kernel}"
                try:
                    if scheme == "ws":
                        (await websocket_connect(url)).close()
                    else:
                        await AsyncHTTPClient().fetch(url)
                except HTTPClientError as error:
                    refused.append(error.code)
        finally:
            server.stop()
        return refused

    assert run_alone(exchange()) == [404, 404]


def test_an_old_link_gets_a_page_that_moves_its_secret_into_the_fragment(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class _Never(tornado.web.RequestHandler):
        def get(self, *_: Any) -> None:  # the page (and its kernel): never reached
            raise AssertionError("an old link reached the page")

    async def fetch() -> tuple[int, str, str]:
        app = tornado.web.Application(
            [(r"/(.*)", capped(_Never))], log_function=log_request, kernel_manager=None
        )
        server, port = await _serve(app)
        try:
            answer = await AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{port}/?session={SECRET}&lang=es"
            )
        finally:
            server.stop()
        return answer.code, answer.body.decode(), answer.headers["Cache-Control"]

    with caplog.at_level(logging.INFO):
        code, body, cache = run_alone(fetch())
    assert (code, body, cache) == (200, OLD_LINK_PAGE, "no-store")
    assert SECRET not in body and '"#workbook="' in body
    assert SECRET not in caplog.text


class _Counted:
    """A kernel manager with ``running`` visit kernels, ``mine`` of them for this visitor."""

    def __init__(self, running: int, mine: int) -> None:
        self._kernels: dict[str, Any] = {}
        self.visits = _kernels.Visits(self)
        for i in range(running):
            self.visits.kernel_for(None, f"k{i}", "127.0.0.1" if i < mine else f"10.0.0.{i}")


@pytest.mark.parametrize(
    ("running", "mine", "status"), [(2, 0, 200), (30, 0, 503), (9, 8, 503), (9, 7, 200)]
)
def test_past_the_caps_a_visit_gets_a_plain_busy_page(
    running: int, mine: int, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECOND_OPINION_MAX_KERNELS", raising=False)
    monkeypatch.delenv("SECOND_OPINION_KERNELS_PER_ADDRESS", raising=False)
    monkeypatch.setenv("SECOND_OPINION_ROOM_WAIT", "0")  # and no kernel that could be paused

    async def visit() -> tuple[int, str, str | None]:
        page = capped(_Page)
        app = tornado.web.Application([(r"/", page)], kernel_manager=_Counted(running, mine))
        server, port = await _serve(app)
        try:
            try:
                answer = await AsyncHTTPClient().fetch(f"http://127.0.0.1:{port}/")
            except HTTPClientError as error:
                assert error.response is not None
                answer = error.response
        finally:
            server.stop()
        return answer.code, answer.body.decode(), answer.headers.get("Retry-After")

    code, body, retry = run_alone(visit())
    assert code == status
    if status == 503:
        assert body == BUSY_PAGE and "try again in a minute" in body and retry == "60"


def test_a_kernel_no_browser_ever_connected_to_is_stopped_within_minutes(tmp_path: Any) -> None:
    manager = WorkbookKernelManager(connection_dir=str(tmp_path))
    stopped: list[str] = []

    async def shutdown(kernel_id: str, *_: Any, **__: Any) -> None:
        stopped.append(kernel_id)

    class Kernel:
        execution_state = "idle"
        kernel_name = "python3"
        kernel_spec = types.SimpleNamespace(metadata={})
        last_activity = utcnow()

    manager.shutdown_kernel = shutdown  # type: ignore[method-assign]
    manager.cull_idle_timeout = 3600
    manager._kernels.update({"never": Kernel(), "browsed": Kernel(), "young": Kernel()})
    old = _kernels.time.monotonic() - _kernels.NEVER_CONNECTED_LIMIT - 1
    manager.started_at.update({"never": old, "browsed": old, "young": _kernels.time.monotonic()})
    manager.ever_connected.add("browsed")

    async def cull() -> None:
        for kernel_id in ("never", "young"):
            await manager.cull_kernel_if_idle(kernel_id)

    run_alone(cull())
    assert stopped == ["never"]
    assert _kernels.NEVER_CONNECTED_LIMIT + 60 <= 150  # with the check every minute


def test_no_traceback_or_server_path_goes_to_the_page() -> None:
    repo = str(__import__("pathlib").Path(__file__).resolve().parents[1])
    content = {
        "data": {"value": f"Could not open {repo}/data/workbooks.sqlite3"},
        "text": 'Traceback (most recent call last):\n  File "/x.py", line 1',
        "n": 3,
    }
    cleaned = plain(content)
    assert repo not in json.dumps(cleaned)
    assert cleaned["text"] == _kernels.PLAIN_ERROR
    assert cleaned["n"] == 3


def test_connection_files_have_random_names_and_kernels_use_ipc(tmp_path: Any) -> None:
    manager = WorkbookKernelManager(connection_dir=str(tmp_path))
    km, _name, kernel_id = manager.pre_start_kernel("python3", {})
    assert kernel_id not in km.connection_file
    assert km.connection_file.startswith(str(tmp_path))
    assert km.transport == "ipc"


BURST = 5000
"""Messages a kernel publishes at once in the tests below: ZeroMQ alone keeps about 2,000."""

SHOWN = (
    "from IPython.display import display\n"
    f"for i in range({BURST}): display({{'text/plain': str(i)}}, raw=True)"
)


async def _run(client: Any, code: str) -> str:
    msg_id: str = client.execute(code)
    while (await client.get_shell_msg(timeout=120))["parent_header"]["msg_id"] != msg_id:
        pass
    return msg_id


async def _published_unread(manager: WorkbookKernelManager) -> Any:
    """Publish a burst of outputs nobody reads until the kernel is done; count them.

    Returns what the notebook's client got (outputs, and whether the kernel's "idle" came) and
    how many messages a browser's channel got.
    """
    kernel_id = await manager.start_kernel(kernel_name="python3")
    kernel = manager.get_kernel(kernel_id)
    client = kernel.client()
    client.start_channels()
    browser = kernel.connect_iopub()
    try:
        await client.wait_for_ready(timeout=60)
        await asyncio.sleep(0.5)  # the browser's channel subscribed
        msg_id = await _run(client, SHOWN)
        await asyncio.sleep(1)
        shown, done = 0, False
        while True:
            try:
                message = await client.get_iopub_msg(timeout=2)
            except queue.Empty:  # nothing more came: all is read
                break
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            shown += message["msg_type"] == "display_data"
            done = done or message["content"].get("execution_state") == "idle"
        socket = getattr(browser, "socket", browser)  # a plain socket under its stream
        to_browser = 0
        while socket.poll(2000):
            socket.recv_multipart()
            to_browser += 1
        return shown, done, to_browser
    finally:
        browser.close()
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)


def test_the_server_drops_nothing_a_kernel_publishes_while_it_is_busy(tmp_path: Any) -> None:
    # The server reads nothing while the kernel publishes (as a busy server on two cores): both
    # the client Voilà runs the notebook through and a browser's channel get every message, and
    # the kernel's "idle" (a private link's page hung waiting for it when it was dropped).
    manager = WorkbookKernelManager(connection_dir=str(tmp_path))
    shown, done, to_browser = run_alone(_published_unread(manager))
    assert shown == BURST
    assert done
    assert to_browser >= BURST


async def _published_to_a_late_reader(manager: WorkbookKernelManager) -> int:
    """What a reader that connected after the kernel started, and reads late, gets of a burst.

    As a browser's channel: it connects to a kernel already running (a pre-heated one), with
    ZeroMQ's own limit of 1,000, and reads nothing while the kernel publishes.
    """
    kernel_id = await manager.start_kernel(kernel_name="python3")
    kernel = manager.get_kernel(kernel_id)
    client = kernel.client()
    client.start_channels()
    context = zmq.Context()
    late = context.socket(zmq.SUB)
    try:
        await client.wait_for_ready(timeout=60)
        late.setsockopt(zmq.SUBSCRIBE, b"")
        late.connect(kernel._make_url("iopub"))
        await asyncio.sleep(1)  # subscribed
        await _run(client, SHOWN)
        await asyncio.sleep(1)
        got = 0
        while late.poll(2000):
            got += b"display_data" in b"".join(late.recv_multipart())
        return got
    finally:
        late.close(0)
        context.term()
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id, now=True)


def test_a_dashboard_kernel_keeps_what_it_publishes_for_a_reader_that_came_late(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ZeroMQ gives a reader the limit its publisher had when it was bound: the dashboard's
    # kernel (share/jupyter, first on the server's Jupyter path) sets it before. Set later, in
    # the kernel, it reached only the readers already there, never a browser's channel.
    monkeypatch.setenv("JUPYTER_PATH", str(JUPYTER_DATA))
    manager = WorkbookKernelManager(connection_dir=str(tmp_path))
    assert run_alone(_published_to_a_late_reader(manager)) == BURST


KERNEL = "0b6c3f6e-3c1e-4c39-9a44-1f0c1c4b8a11"


def test_no_kernel_id_reaches_the_log_not_even_in_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redact_every_log_line()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("tornado.access").info(
            "101 GET /api/kernels/%s/channels?session_id=x (127.0.0.1)", KERNEL
        )
        logging.getLogger("ServerApp").info("Kernel started: %s", KERNEL.replace("-", ""))
        try:
            raise KeyError(f"No such kernel {KERNEL}")
        except KeyError:
            logging.getLogger("anything").exception("Opening a channel failed")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "Traceback" in text
    assert KERNEL not in text and KERNEL.replace("-", "") not in text
    assert text.count(_kernels.log_label(KERNEL)) >= 3  # each line still says which kernel


def test_the_servers_log_file_is_owner_only(tmp_path: Any) -> None:
    import os
    import stat

    from secondopinion.serving._logs import open_log, owner_only_log

    made = tmp_path / "made.log"
    old = os.umask(0)
    try:
        fd = open_log(made)
    finally:
        os.umask(old)
    os.close(fd)
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    inherited = tmp_path / "inherited.log"
    inherited.write_text("")
    inherited.chmod(0o644)
    with inherited.open("a") as file:
        assert owner_only_log((file.fileno(),)) == [file.fileno()]
    assert stat.S_IMODE(inherited.stat().st_mode) == 0o600
