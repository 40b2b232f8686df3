"""How the dashboard is served, without a browser: pre-heated kernels, a path under a proxy, the
address of the private link, and the page a kernel builds once its page says who is visiting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import secondopinion.serving.visit as visit_module
from secondopinion import load_content
from secondopinion.serving import dashboard_command, pool_size
from secondopinion.serving._launch import (
    CHECKED_VOILA,
    KERNEL_CHECK_EVERY,
    KERNEL_IDLE_LIMIT,
    POOL_SIZE,
    UncheckedVoila,
)
from secondopinion.serving._launch import _refuse_unchecked_voila as refuse_unchecked_voila
from secondopinion.serving.visit import Visit, private_link, read_visit, visitor_address
from secondopinion.store import VISITOR_ENV, WorkbookStore
from widgets.app import WorkbookApp
from widgets.care_team_page import CareTeamPage
from widgets.dashboard import DashboardPage, Notice, dashboard, open_page
from widgets.parts.address_bar import AddressBar, address_script
from widgets.parts.mend import MOST as MEND_MOST


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


def _visit(token: str | None = None, address: str = "http://127.0.0.1:8866/") -> Visit:
    return Visit(token=token, languages="en-US,en", asked_language=None, address=address)


def test_the_private_link_uses_the_public_address_when_one_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("SECOND_OPINION_PUBLIC_URL", raising=False)
    told = "http://127.0.0.1:8866/services/workbook/"
    page = open_page(load_content(), _visit(address=told))
    assert isinstance(page, WorkbookApp)
    assert page.export_panel.link_base == told
    monkeypatch.setenv("SECOND_OPINION_PUBLIC_URL", "https://workbook.example.org/")
    page = open_page(load_content(), _visit(address=told))
    assert isinstance(page, WorkbookApp)
    assert page.export_panel.link_base == "https://workbook.example.org/"


def test_the_private_link_carries_its_secret_in_the_fragment_only() -> None:
    link = private_link("https://workbook.example.org/services/workbook/?lang=es", "abc_-9")
    assert link == "https://workbook.example.org/services/workbook/#workbook=abc_-9"


def test_the_address_script_only_ever_carries_a_url_safe_token() -> None:
    assert '"abc_-9"' in address_script("abc_-9")
    assert "null" in address_script(None)
    assert "location.search" in address_script("abc") and "?session" not in address_script("a")
    with pytest.raises(ValueError):
        address_script('x"; alert(1); "')


def test_the_address_follows_the_token_of_the_workbook(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    page = open_page(load_content(), _visit())
    assert isinstance(page, WorkbookApp)
    bar = next(child for child in page.children if isinstance(child, AddressBar))
    assert bar.outputs == ()
    page.state.set_answer("filled_by", "patient")
    token = page.state.token
    assert token
    assert f'"{token}"' in bar.outputs[0]["data"]["application/javascript"]
    page.state.delete_workbook()
    assert "null" in bar.outputs[0]["data"]["application/javascript"]


@pytest.mark.parametrize(
    "sent",
    [
        "",
        "not json",
        "[1, 2]",
        json.dumps({"token": "x" * 300}),
        json.dumps({"token": "a b"}),
        json.dumps({"address": "javascript:alert(1)"}),
        "x" * 5000,
    ],
)
def test_what_a_page_sends_is_checked_before_it_is_used(sent: str) -> None:
    visit = read_visit(sent)
    assert visit is None or (visit.token is None and visit.address is None)


@pytest.mark.parametrize("token", ["<script>alert(1)</script>", "a b", "x" * 300, 42])
def test_a_link_whose_secret_cannot_be_one_opens_nothing_not_a_new_workbook(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token: object
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    visit = read_visit(json.dumps({"token": token, "languages": "en"}))
    assert visit is not None and visit.token is None and visit.broken_link
    page = open_page(load_content(), visit)
    assert isinstance(page, Notice)
    assert "does not open a workbook" in page.children[1].value
    no_link = read_visit(json.dumps({"token": None, "languages": "en"}))
    assert no_link == Visit(None, "en", None, None)


def test_the_page_is_built_once_the_page_says_who_is_visiting_and_only_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("SECOND_OPINION_PUBLIC_URL", raising=False)
    store = WorkbookStore.open(tmp_path / "data")
    summary, token = store.create_workbook("A.B.", "navigator")
    page = dashboard()
    assert isinstance(page, DashboardPage) and page.shown is None
    page.visit_channel.box.value = "not a visit"  # nothing happens: still waiting
    assert page.shown is None
    sent = {"token": token, "languages": "es-MX,es", "address": "http://127.0.0.1:9000/"}
    page.visit_channel.box.value = json.dumps(sent)
    shown = page.shown
    assert isinstance(shown, WorkbookApp)
    assert list(page.children) == [shown, page.mend]
    assert shown.state.workbook_id == summary.id and shown.state.token == token
    assert shown.export_panel.link_base == "http://127.0.0.1:9000/"
    page.visit_channel.box.value = json.dumps({"token": None, "languages": "en"})
    assert page.shown is shown  # a second visit message changes nothing


def test_a_page_that_lost_a_widget_is_built_again_on_the_same_step_a_few_times_at_most(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    page = dashboard()
    page.visit_channel.box.value = json.dumps({"token": None, "languages": "en"})
    app = page.shown
    assert isinstance(app, WorkbookApp)
    app.go_to(2)
    stacks = [app.stack]
    for asked in range(1, MEND_MOST + 2):
        page.mend.box.value = str(asked)  # what mend.js writes when the page lost a widget
        stacks.append(app.stack)
    assert app.step == 2 and page.shown is app
    assert len({id(stack) for stack in stacks[: MEND_MOST + 1]}) == MEND_MOST + 1
    assert stacks[-1] is stacks[-2], f"built again more than {MEND_MOST} times"
    assert stacks[0].comm is None, "the parts it replaced are closed"


def test_the_care_teams_read_only_page_keeps_no_box_to_ask_for_a_new_drawing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    store = WorkbookStore.open(tmp_path / "data")
    summary, _token = store.create_workbook("A.B.", "navigator")
    care_token = store.make_care_team_link(summary.id)
    page = dashboard()
    page.visit_channel.box.value = json.dumps({"care_team_token": care_token, "languages": "en"})
    assert isinstance(page.shown, CareTeamPage)
    assert list(page.children) == [page.shown]
    assert page.mend.comm is None and page.mend.box.comm is None


def test_a_new_visit_opens_in_the_browsers_language_and_a_wrong_link_opens_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECOND_OPINION_DATA", str(tmp_path / "data"))
    page = open_page(load_content(), Visit(None, "es-MX,es;q=0.9", None, None))
    assert isinstance(page, WorkbookApp) and page.state.language == "es"
    asked = open_page(load_content(), Visit(None, "es-MX", "en", None))
    assert isinstance(asked, WorkbookApp) and asked.state.language == "en"
    wrong = open_page(load_content(), _visit(token="not-a-real-link"))
    assert isinstance(wrong, Notice)
    assert "does not open a workbook" in wrong.children[1].value


def test_a_pre_heated_kernel_reads_its_visitor_where_the_server_wrote_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    connection_file = tmp_path / "k-abc.json"
    monkeypatch.delenv(VISITOR_ENV, raising=False)
    monkeypatch.setattr(visit_module, "_connection_file", lambda: str(connection_file))
    assert visitor_address() is None  # nothing written: not counted against any address
    (tmp_path / "k-abc.json.visitor").write_text("203.0.113.9")
    assert visitor_address() == "203.0.113.9"
    assert __import__("os").environ[VISITOR_ENV] == "203.0.113.9"  # where the store reads it


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


def test_make_dashboard_installs_what_serving_needs_and_none_of_the_test_tools(
    tmp_path: Path,
) -> None:
    import subprocess

    from secondopinion.serving import REPO

    planned = subprocess.run(
        ["make", "-n", "dashboard", f"VENV={tmp_path / 'fresh'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installs = [line for line in planned.splitlines() if "pip install" in line]
    assert any(line.rstrip().endswith("-e .") for line in installs), planned
    assert not any("[test]" in line or "[hub]" in line for line in installs), installs
    assert "secondopinion serve" in planned
