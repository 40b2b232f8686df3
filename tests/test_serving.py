"""How the dashboard is served, without a browser: pre-heated kernels, a path under a proxy, the
address of the private link, and the page a pre-heated kernel builds before its visit."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from voila.request_info_handler import RequestInfoSocketHandler

import widgets.dashboard as dashboard_module
from secondopinion.serving import POOL_SIZE, dashboard_command, pool_size
from secondopinion.serving import _hand_each_visit_over_once as hand_each_visit_over_once
from secondopinion.store import WorkbookStore
from widgets._address_bar import AddressBar, address_script
from widgets.app import WorkbookApp
from widgets.dashboard import Notice, dashboard


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
    monkeypatch.setattr(RequestInfoSocketHandler, "open", RequestInfoSocketHandler.open)
    monkeypatch.setattr(RequestInfoSocketHandler, "_cache", {"k1": '{"QUERY_STRING": "x"}'})
    monkeypatch.setattr(RequestInfoSocketHandler, "_waiters", {})
    hand_each_visit_over_once()
    first: list[str] = []
    later: list[str] = []
    RequestInfoSocketHandler.open(SimpleNamespace(write_message=first.append), "k1")  # type: ignore[arg-type]
    RequestInfoSocketHandler.open(SimpleNamespace(write_message=later.append), "k1")  # type: ignore[arg-type]
    assert first == ['{"QUERY_STRING": "x"}']
    assert later == []
    assert RequestInfoSocketHandler._cache == {}


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
    monkeypatch.setattr(dashboard_module, "_visit", None)
    for name in ("QUERY_STRING", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME"):
        monkeypatch.delenv(name, raising=False)
    visits: list[dict[str, str]] = []
    monkeypatch.setattr(dashboard_module, "_wait_for_visit", lambda: visits.pop(0))
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
    summary, token = store.create_session("A.B.", "patient")
    pre_heated.append({"QUERY_STRING": f"session={token}", "SERVER_NAME": "127.0.0.1"})
    page = dashboard()
    assert isinstance(page, WorkbookApp)
    assert page.state.session_id == summary.id
    assert page.state.token == token


def test_a_pre_heated_kernel_that_never_hears_of_its_visit_says_so_plainly(
    monkeypatch: pytest.MonkeyPatch, pre_heated: list[dict[str, str]]
) -> None:
    monkeypatch.setattr(dashboard_module, "_wait_for_visit", lambda: None)
    page = dashboard()
    assert isinstance(page, Notice)
    assert "cannot open right now" in page.children[1].value
    assert "did not get its own address" in page.children[1].value
