"""How the dashboard is served, without a browser: pre-heated kernels, a path under a proxy, the
address of the private link, and the page a pre-heated kernel builds before its visit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import tornado.web
from tornado.websocket import websocket_connect
from voila.request_info_handler import RequestInfoSocketHandler

import secondopinion.serving.visit as visit_module
import widgets.dashboard as dashboard_module
from secondopinion.serving import dashboard_command, pool_size
from secondopinion.serving._launch import (
    CHECKED_VOILA,
    KERNEL_CHECK_EVERY,
    KERNEL_IDLE_LIMIT,
    POOL_SIZE,
    UncheckedVoila,
)
from secondopinion.serving._launch import _hand_each_visit_over_once as hand_each_visit_over_once
from secondopinion.serving._launch import _refuse_unchecked_voila as refuse_unchecked_voila
from secondopinion.store import WorkbookStore
from tests.event_loops import run_alone
from widgets.app import WorkbookApp
from widgets.dashboard import Notice, dashboard
from widgets.parts.address_bar import AddressBar, address_script


def test_the_pool_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECOND_OPINION_POOL_SIZE", raising=False)
    assert pool_size() == POOL_SIZE
    monkeypatch.setenv("SECOND_OPINION_POOL_SIZE", " 5 ")
    assert pool_size() == 5
    monkeypatch.setenv("SECOND_OPINION_POOL_SIZE", "-1")
    assert pool_size() == 0
    monkeypatch.setenv("SECOND_OPINION_POOL_SIZE", "two")
    with pytest.raises(ValueError, match="SECOND_OPINION_POOL_SIZE must be a whole number"):
        pool_size()


def test_pre_heated_kernels_are_asked_for_only_with_a_pool() -> None:
    assert "--preheat_kernel=True" not in dashboard_command(pool=0)
    command = dashboard_command(pool=3)
    assert "--preheat_kernel=True" in command
    assert "--pool_size=3" in command


@pytest.mark.parametrize(
    ("given", "served_under"),
    [("/", "/"), ("", "/"), ("services/workbook", "/services/workbook/"), ("//a//b/", "/a/b/")],
)
def test_the_path_under_a_proxy_has_slashes_at_both_ends(given: str, served_under: str) -> None:
    assert f"--Voila.base_url={served_under}" in dashboard_command(base_url=given)


def test_voila_hands_a_visit_to_its_kernel_once_and_then_forgets_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through Voilà's own code: its handler on a real server, a real websocket per kernel."""
    monkeypatch.setattr(RequestInfoSocketHandler, "open", RequestInfoSocketHandler.open)
    monkeypatch.setattr(RequestInfoSocketHandler, "_cache", {})
    monkeypatch.setattr(RequestInfoSocketHandler, "_waiters", {})
    hand_each_visit_over_once()
    kernel = "0b6c3f6e-3c1e-4c39-9a44-1f0c1c4b8a11"
    visit = '{"QUERY_STRING": "session=secret"}'

    async def exchange() -> tuple[str | None, str | None]:
        app = tornado.web.Application([(r"/voila/query/(.*)", RequestInfoSocketHandler)])
        server = app.listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/voila/query/{kernel}"
        try:
            # Voilà gives the visit to a kernel that is not listening yet: it keeps it for it.
            RequestInfoSocketHandler.send_updates({"kernel_id": kernel, "payload": visit})
            first = await websocket_connect(url)
            handed = await asyncio.wait_for(first.read_message(), 5)
            first.close()
            later = await websocket_connect(url)
            try:
                again = await asyncio.wait_for(later.read_message(), 0.5)
            except TimeoutError:
                again = None
            later.close()
        finally:
            server.stop()
        return handed, again

    handed, again = run_alone(exchange(), timeout=60)
    assert handed == visit
    assert again is None
    assert kernel not in RequestInfoSocketHandler._cache


def test_the_server_refuses_to_start_on_a_voila_it_was_not_checked_with() -> None:
    refuse_unchecked_voila(CHECKED_VOILA)  # the installed one passes
    with pytest.raises(UncheckedVoila) as refused:
        refuse_unchecked_voila("0.6.0")
    assert f"checked with Voilà {CHECKED_VOILA}, but Voilà 0.6.0 is installed" in str(refused.value)
    assert "Traceback" not in str(refused.value)


def test_closed_tabs_lose_their_kernel_within_minutes_and_open_tabs_never() -> None:
    command = dashboard_command()
    assert f"--MappingKernelManager.cull_idle_timeout={KERNEL_IDLE_LIMIT}" in command
    assert f"--MappingKernelManager.cull_interval={KERNEL_CHECK_EVERY}" in command
    assert "--MappingKernelManager.cull_connected=False" in command
    assert KERNEL_IDLE_LIMIT + KERNEL_CHECK_EVERY <= 10 * 60


def test_the_private_link_uses_the_public_address_when_one_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("SERVER_NAME", "127.0.0.1")
    monkeypatch.setenv("SERVER_PORT", "8866")
    monkeypatch.setenv("SCRIPT_NAME", "/services/workbook/")
    page = dashboard("")
    assert isinstance(page, WorkbookApp)
    assert page.export_panel.link_base == "http://127.0.0.1:8866/services/workbook/"
    monkeypatch.setenv("SECOND_OPINION_PUBLIC_URL", "https://workbook.example.org/")
    page = dashboard("")
    assert isinstance(page, WorkbookApp)
    assert page.export_panel.link_base == "https://workbook.example.org/"


def test_the_address_script_only_ever_carries_a_url_safe_token() -> None:
    assert '"abc_-9"' in address_script("abc_-9")
    assert "null" in address_script(None)
    with pytest.raises(ValueError):
        address_script('x"; alert(1); "')


def test_the_address_follows_the_token_of_the_workbook(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    page = dashboard("")
    assert isinstance(page, WorkbookApp)
    bar = next(child for child in page.children if isinstance(child, AddressBar))
    assert bar.outputs == ()
    page.state.set_answer("filled_by", "patient")
    token = page.state.token
    assert token
    assert f'"{token}"' in bar.outputs[0]["data"]["application/javascript"]
    page.state.delete_workbook()
    assert "null" in bar.outputs[0]["data"]["application/javascript"]


@pytest.fixture
def pre_heated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, str]]:
    """A kernel as Voilà pre-heats it: the visit comes over ``_wait_for_visit``."""
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(visit_module, "_visit", None)
    for name in ("QUERY_STRING", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME"):
        monkeypatch.delenv(name, raising=False)
    visits: list[dict[str, str]] = []
    monkeypatch.setattr(visit_module, "_wait_for_visit", lambda: visits.pop(0))
    return visits


def test_a_pre_heated_kernel_builds_a_new_workbook_before_the_visit_and_keeps_it_for_it(
    pre_heated: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[WorkbookApp] = []
    early_page = dashboard_module._EarlyPage

    def spy(content: object) -> object:
        page = early_page(content)  # type: ignore[arg-type]
        built.append(page.app)
        return page

    monkeypatch.setattr(dashboard_module, "_EarlyPage", spy)
    pre_heated.append({"QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "9000"})
    page = dashboard()
    assert isinstance(page, WorkbookApp)
    assert built == [page]
    assert page.export_panel.link_base == "http://127.0.0.1:9000/"
    page.state.set_answer("filled_by", "patient")  # the store came with the visit
    assert page.state.token is not None


def test_a_pre_heated_kernel_opens_the_workbook_of_a_private_link(
    pre_heated: list[dict[str, str]], tmp_path: Path
) -> None:
    store = WorkbookStore.open(tmp_path / "data")
    summary, token = store.create_workbook("A.B.", "patient")
    pre_heated.append({"QUERY_STRING": f"session={token}", "SERVER_NAME": "127.0.0.1"})
    page = dashboard()
    assert isinstance(page, WorkbookApp)
    assert page.state.session_id == summary.id
    assert page.state.token == token


def test_a_pre_heated_kernel_that_never_hears_of_its_visit_says_so_plainly(
    monkeypatch: pytest.MonkeyPatch, pre_heated: list[dict[str, str]]
) -> None:
    monkeypatch.setattr(visit_module, "_wait_for_visit", lambda: None)
    page = dashboard()
    assert isinstance(page, Notice)
    assert "cannot open right now" in page.children[1].value
    assert "did not get its own address" in page.children[1].value


def test_serve_writes_its_log_to_an_owner_only_file_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import stat

    from secondopinion.serving import _launch

    given: dict[str, object] = {}

    class _Voila:
        def __init__(self, command: list[str], **kwargs: object) -> None:
            given.update(kwargs)
            os.write(int(str(kwargs["stdout"])), b"the server's log\n")

        def wait(self) -> int:
            return 0

        def terminate(self) -> None:
            pass

    log = tmp_path / "dashboard.log"
    monkeypatch.setenv("SECOND_OPINION_LOG_FILE", str(log))
    monkeypatch.setattr(_launch.subprocess, "Popen", _Voila)
    old = os.umask(0)
    try:
        assert _launch.serve_dashboard(port=1) == 0
    finally:
        os.umask(old)
    assert given["stdout"] == given["stderr"]
    assert log.read_text() == "the server's log\n"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
