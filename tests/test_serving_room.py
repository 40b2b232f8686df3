"""The real dashboard server under a crowd from one address: the caps hold, and nobody is turned
away while a page left alone could be paused to make room.

The server is started as `make dashboard` starts it (``DashboardServer``), with 8 kernels per
address and 10 in all (2 of them the waiting pre-heated ones), and its kernel processes are
counted all along. Pages are loaded with plain HTTP from one address: 40 at the same moment, and
12 one after another. Their kernels are never connected to by a browser, so once a page is sent
its kernel is idle; ``SECOND_OPINION_PAUSE_AFTER_IDLE=0`` lets such a kernel be paused at once.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from harness.dashboard import is_kernel
from tests.browser.conftest import DashboardServer

PER_ADDRESS = 8
POOL = 2
IN_ALL = PER_ADDRESS + POOL


class KernelCount:
    """Counts the server's kernel processes, again and again, until stopped; keeps the most."""

    def __init__(self, server: DashboardServer) -> None:
        self.server = server
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._count, daemon=True)
        self._thread.start()

    def now(self) -> int:
        try:
            # the kernels are Voilà's own children (a kernel may fork a helper of its own)
            children = psutil.Process(self.server.process.pid).children()
        except psutil.NoSuchProcess:
            return 0
        count = 0
        for child in children:
            try:
                if is_kernel(" ".join(child.cmdline())) and child.status() != "zombie":
                    count += 1
            except psutil.Error:
                continue
        return count

    def _count(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, self.now())
            self._stop.wait(0.02)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.most


def _server(tmp_path: Path, room_wait: int) -> DashboardServer:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SECOND_OPINION_KERNELS_PER_ADDRESS", str(PER_ADDRESS))
        env.setenv("SECOND_OPINION_MAX_KERNELS", str(IN_ALL))
        env.setenv("SECOND_OPINION_POOL_SIZE", str(POOL))
        env.setenv("SECOND_OPINION_PAUSE_AFTER_IDLE", "0")
        env.setenv("SECOND_OPINION_ROOM_WAIT", str(room_wait))
        env.delenv("SECOND_OPINION_TRUSTED_PROXIES", raising=False)
        return DashboardServer(tmp_path / "data")


@pytest.fixture
def crowd_server(tmp_path: Path) -> Iterator[DashboardServer]:
    """Visits with no room wait for a page to become idle (as long as a crowd needs)."""
    with _server(tmp_path, room_wait=900) as server:
        yield server


@pytest.fixture
def no_wait_server(tmp_path: Path) -> Iterator[DashboardServer]:
    """A visit with no room gets the busy page at once, unless a page can be paused now."""
    with _server(tmp_path, room_wait=0) as server:
        yield server


def load(port: int) -> tuple[int, str]:
    """One page load, as a script would: the status and the page."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        connection.request("GET", "/", headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def is_dashboard(page: str) -> bool:
    return 'id="jupyter-config-data"' in page and "application/vnd.jupyter.widget-view" in page


def test_forty_loads_at_the_same_moment_never_exceed_the_caps_and_all_get_the_page(
    crowd_server: DashboardServer,
) -> None:
    count = KernelCount(crowd_server)
    start = threading.Barrier(40)
    answers: list[tuple[int, str]] = []

    def visit() -> None:
        start.wait()
        answers.append(load(crowd_server.port))

    visitors = [threading.Thread(target=visit) for _ in range(40)]
    for visitor in visitors:
        visitor.start()
    for visitor in visitors:
        visitor.join(timeout=1200)
    most = count.stop()
    assert len(answers) == 40
    assert most <= IN_ALL, (
        f"{most} kernels at once: the caps allow {PER_ADDRESS} and {POOL} waiting"
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 40, "a visitor got the busy page while a page could be paused"
    assert all(is_dashboard(page) for _, page in answers)


def test_twelve_loads_one_after_another_pause_the_idle_page_rather_than_turn_anyone_away(
    no_wait_server: DashboardServer,
) -> None:
    count = KernelCount(no_wait_server)
    answers = [load(no_wait_server.port) for _ in range(12)]
    most = count.stop()
    statuses = [status for status, _ in answers]
    assert statuses == [200] * 12, "a visitor got the busy page while a page could be paused"
    assert all(is_dashboard(page) for _, page in answers)
    assert most <= IN_ALL, (
        f"{most} kernels at once: the caps allow {PER_ADDRESS} and {POOL} waiting"
    )
    log = Path(no_wait_server.log.name)
    no_wait_server.log.flush()
    assert "Pausing the kernel idle longest" in log.read_text(errors="replace")
    assert oct(log.stat().st_mode & 0o777) == oct(0o600), "the server's log is owner-only"
