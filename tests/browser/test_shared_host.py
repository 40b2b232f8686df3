"""Another account on the same machine gets nothing from the dashboard, while a visitor types.

A real server and real visitors in Chromium; the other account is a child process of this test
that has dropped its privileges to the user ``nobody`` (tests run as root in CI). As ``nobody``
it tries what another local account tried when this was attacked: read kernel ids from every
process's command line and from the files it can read, open the kernels' connection folder,
subscribe to every ZMQ socket listening on loopback to hear what is typed, and open Voilà's
``/voila/query/<kernel id>`` of the waiting pre-heated kernels (given their ids, as if they
had leaked), where Voilà would hand a kernel its visit (the server serves none: the private
link is in the page's fragment, and only the page tells its kernel). None of it works, and the
next visit opens its own workbook. The server's log, which a host may leave where others can
read it, names no kernel and is owner-only.

The kernel ids the spy is given come from the server itself (a small wrapper around it records
every kernel it starts, owner-only): the log no longer says them.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import select
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq
from _pytest.monkeypatch import MonkeyPatch
from playwright.sync_api import Browser, expect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

import harness.dashboard
from secondopinion.serving._kernels import log_label

from ._pages import QUESTIONS, kernel_id, open_step, private_link
from .conftest import DashboardServer, open_workbook

pytestmark = pytest.mark.browser

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MARKER = "Zebra-quartz-4711 biopsy"


RECORDER = """
import os, sys
from secondopinion.serving import _kernels
from secondopinion.serving._launch import run_voila

start = _kernels.WorkbookKernelManager.start_kernel


async def start_kernel(self, **kwargs):
    kernel_id = await start(self, **kwargs)
    out = os.open(os.environ["TEST_KERNEL_IDS"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.write(out, (kernel_id + "\\n").encode())
    os.close(out)
    return kernel_id


_kernels.WorkbookKernelManager.start_kernel = start_kernel
run_voila(sys.argv[1:])
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DashboardServer]:
    """The dashboard server, run through a wrapper that records its kernels' ids."""
    wrapper = tmp_path / "record_kernels.py"
    wrapper.write_text(RECORDER)
    made = harness.dashboard.dashboard_command
    with MonkeyPatch.context() as patch:
        patch.setenv("TEST_KERNEL_IDS", str(tmp_path / "kernel-ids"))
        patch.setattr(
            harness.dashboard,
            "dashboard_command",
            lambda **kwargs: [made()[0], str(wrapper), *made(**kwargs)[3:]],
        )
        running = DashboardServer(tmp_path / "data")
    with running:
        running.kernel_ids = tmp_path / "kernel-ids"  # type: ignore[attr-defined]
        yield running


def _kernels_started(server: DashboardServer) -> set[str]:
    path: Path = server.kernel_ids  # type: ignore[attr-defined]
    return set(path.read_text().split()) if path.exists() else set()


def _log(server: DashboardServer) -> str:
    server.log.flush()
    return Path(server.log.name).read_text(errors="replace")


def _listening_loopback_ports() -> list[int]:
    ports = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state = fields[1], fields[3]
        address, port = local.split(":")
        if state == "0A" and address == "0100007F":  # LISTEN on 127.0.0.1
            ports.append(int(port, 16))
    return ports


def _readable_names_and_ids(roots: list[str], limit: int = 5000) -> tuple[list[str], list[str]]:
    """Names of files ``nobody`` can see under ``roots``, and ids found in those it can read."""
    names: list[str] = []
    ids: list[str] = []
    for root in roots:
        for folder, dirs, files in os.walk(root, onerror=lambda _error: None):
            for name in files + dirs:
                names.append(os.path.join(folder, name))
                if len(names) > limit:
                    return names, ids
            for name in files:
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    if os.path.getsize(path) < 256_000:
                        with open(path, "rb") as file:
                            ids += UUID.findall(file.read().decode("latin-1"))
    return names, ids


def _as_nobody(
    go: int, report: int, port: int, connection_dir: str, waiting: list[str], deadline: float
) -> dict[str, Any]:
    """What ``nobody`` finds and hears (runs in the child, after dropping privileges)."""
    found: dict[str, Any] = {"uid": os.getuid()}
    # 1. kernel ids on command lines
    cmdline_ids: list[str] = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            cmdline_ids += UUID.findall(Path(f"/proc/{pid}/cmdline").read_bytes().decode("latin-1"))
    found["cmdline_ids"] = cmdline_ids
    # 2. the kernels' folder, and world-readable places
    try:
        found["connection_dir"] = os.listdir(connection_dir)
    except OSError as error:
        found["connection_dir"] = f"refused: {error.strerror}"
    runtime = ["/tmp", "/var/tmp", "/dev/shm", "/run/user"]
    names, file_ids = _readable_names_and_ids([r for r in runtime if os.path.isdir(r)])
    found["file_ids"] = file_ids + [i for n in names for i in UUID.findall(n)]
    # 3. take over the visit of every waiting kernel, with no secret and with a made-up one
    takeovers: list[Any] = []
    sockets = []
    for kernel in waiting:
        for headers in ({}, {"X-Workbook-Handover": "guess"}):
            url = f"ws://127.0.0.1:{port}/voila/query/{kernel}"
            try:
                sockets.append(connect(url, open_timeout=10, additional_headers=headers))
                takeovers.append("accepted")
            except InvalidStatus as refused:
                takeovers.append(refused.response.status_code)
            except OSError as error:
                takeovers.append(f"error: {error}")
    found["takeovers"] = takeovers
    # 4. listen to every ZMQ socket on loopback
    context = zmq.Context()
    subscribers = []
    for tcp_port in _listening_loopback_ports():
        if tcp_port == port:
            continue
        sub = context.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.setsockopt(zmq.LINGER, 0)
        sub.connect(f"tcp://127.0.0.1:{tcp_port}")
        subscribers.append(sub)
    found["subscribed_ports"] = len(subscribers)
    os.write(report, b"ready\n")
    heard: list[str] = []
    handed: list[str] = []
    poller = zmq.Poller()
    for sub in subscribers:
        poller.register(sub, zmq.POLLIN)
    while time.monotonic() < deadline:
        if select.select([go], [], [], 0)[0]:
            break
        for sub, _ in poller.poll(200):
            heard.append(b"".join(sub.recv_multipart()).decode("utf-8", "replace"))
        for ws in sockets:
            with contextlib.suppress(TimeoutError, Exception):
                handed.append(str(ws.recv(timeout=0.01)))
    found["heard_marker"] = any(MARKER in text for text in heard)
    found["heard"] = len(heard)
    found["handed"] = handed
    return found


def _spy_as_nobody(
    port: int, connection_dir: str, waiting: list[str], timeout: float
) -> tuple[int, int, int]:
    """Fork a child that becomes ``nobody`` and spies; return (pid, go pipe, report pipe)."""
    nobody = pwd.getpwnam("nobody")
    go_read, go_write = os.pipe()
    report_read, report_write = os.pipe()
    deadline = time.monotonic() + timeout
    pid = os.fork()
    if pid == 0:  # the child: drop privileges for good, spy, report, and leave
        code = 0
        try:
            os.close(go_write)
            os.close(report_read)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            found = _as_nobody(go_read, report_write, port, connection_dir, waiting, deadline)
            os.write(report_write, json.dumps(found).encode() + b"\n")
        except BaseException as error:
            os.write(report_write, json.dumps({"error": repr(error)}).encode() + b"\n")
            code = 1
        finally:
            os._exit(code)
    os.close(go_read)
    os.close(report_write)
    return pid, go_write, report_read


def _read_line(fd: int, timeout: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError(f"the spy said nothing within {timeout} s: {data!r}")
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to the user nobody needs root")
def test_another_account_cannot_find_reach_hear_or_take_over_a_kernel(
    server: DashboardServer, browser: Browser
) -> None:
    first = browser.new_context(viewport={"width": 1200, "height": 900})
    second = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = first.new_page()
        open_workbook(page, server.url)
        page.locator(".field-filled_by").get_by_label("I am the patient", exact=True).check()
        expect(page.locator(".workbook-saved")).to_contain_text("saved")
        link = private_link(page)
        visited = kernel_id(page)
        log = _log(server)
        kernels = _kernels_started(server)
        assert visited in kernels
        waiting = sorted(kernels - {visited})
        assert waiting, "the server keeps pre-heated kernels waiting for the next visits"
        folder = re.search(r"Storing connection files in (\S+?)\.?$", log, re.M)
        assert folder is not None
        connection_dir = folder.group(1)

        pid, go, report = _spy_as_nobody(server.port, connection_dir, waiting, timeout=180)
        try:
            ready = _read_line(report, timeout=120)
            assert ready.startswith(b"ready"), ready
            # while the spy listens, the visitor types
            open_step(page, QUESTIONS)
            row = page.locator(".workbook-questions .workbook-question").first
            question = re.search(r"\bitem-([a-z0-9_]+)", row.get_attribute("class") or "")
            assert question
            box = page.locator(f".item-{question.group(1)} textarea")
            box.click()
            box.press_sequentially(MARKER, delay=20)
            box.blur()
            expect(page.locator(".workbook-saved")).to_contain_text("saved", timeout=20_000)
            # and the next visit (the private link, on another device) takes a waiting kernel
            other = second.new_page()
            open_workbook(other, link)
            open_step(other, QUESTIONS)
            answer = other.locator(f".item-{question.group(1)} textarea")
            expect(answer).to_have_value(MARKER, timeout=30_000)
            os.write(go, b"done\n")
            found = json.loads(_read_line(report, timeout=60))
        finally:
            os.close(go)
            os.close(report)
            os.waitpid(pid, 0)
    finally:
        first.close()
        second.close()

    assert "error" not in found, found
    assert found["uid"] == pwd.getpwnam("nobody").pw_uid
    everyone = kernels | _kernels_started(server)
    assert not everyone & set(found["cmdline_ids"]), "a kernel id shows on a command line"
    assert not everyone & set(found["file_ids"]), "a kernel id shows in a world-readable place"
    assert str(found["connection_dir"]).startswith("refused"), found["connection_dir"]
    assert oct(os.stat(connection_dir).st_mode & 0o777) == oct(0o700)
    assert found["takeovers"] and all(status == 404 for status in found["takeovers"]), found
    assert found["handed"] == [], "the spy was handed a visit"
    assert not found["heard_marker"], "the spy heard what the visitor typed"
    assert "session=" not in _log(server).replace("session=…", "")
    # the log names no kernel, only its one-way label ("Connecting to kernel id#…")
    log = _log(server)
    assert log_label(visited) in log
    assert [kernel for kernel in everyone if kernel in log] == []
    assert oct(os.stat(server.log.name).st_mode & 0o777) == oct(0o600)
