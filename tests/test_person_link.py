"""A new person's link that opens on this computer only is flagged beside the link and QR code."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondopinion import Content
from secondopinion.store import WorkbookStore
from widgets.desk import NavigatorDesk
from widgets.desk.person_link import PUBLIC_URL_ENV, only_this_computer

THIS_COMPUTER = [
    "http://127.0.0.1:8866/",
    "http://127.0.0.1:8866/#workbook=abc",
    "http://localhost:8866/services/workbook/",
    "http://LOCALHOST/",
    "http://[::1]:8866/",
    "http://127.0.1.1/",
]
ELSEWHERE = [
    "https://workbook.example.org/",
    "https://workbook.example.org/hub/services/workbook/#workbook=abc",
    "http://192.168.1.20:8866/",
    "http://localhost.example.org/",
    "http://[2001:db8::1]:8866/",
    "not an address",
    "",
]


@pytest.mark.parametrize("address", THIS_COMPUTER)
def test_links_to_this_computer_are_recognised(address: str) -> None:
    assert only_this_computer(address)


@pytest.mark.parametrize("address", ELSEWHERE)
def test_links_to_other_machines_are_not(address: str) -> None:
    assert not only_this_computer(address)


def new_person_link(
    store: WorkbookStore, content: Content, tmp_path: Path, dashboard_url: str
) -> NavigatorDesk:
    desk = NavigatorDesk(
        store, content, dashboard_url=dashboard_url, exports_dir=tmp_path / "exports"
    )
    desk.new_name.value = "Ana B."
    desk.create_workbook.click()
    assert desk.problem.layout.display == "none", desk.problem.value
    return desk


@pytest.mark.parametrize(
    "dashboard_url", ["http://127.0.0.1:8866/", "http://localhost:8866/", "http://[::1]:8866/"]
)
def test_the_desk_warns_beside_a_link_for_this_computer_only(
    dashboard_url: str, content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    store = WorkbookStore.open(tmp_path / "data")
    desk = new_person_link(store, content, tmp_path, dashboard_url)
    shown = desk.new_link.value
    assert f'href="{dashboard_url}' in shown  # the link is still given, and its QR code
    assert desk.qr_code.layout.display is None and b"<svg" in bytes(desk.qr_code.value)
    assert 'class="navigator-local-link"' in shown
    assert "opens only on this computer" in shown
    assert f"<code>{PUBLIC_URL_ENV}</code>" in shown

    # a new link for the same person says so too
    desk.change_link.click()
    assert 'class="navigator-local-link"' in desk.new_link.value


def test_no_warning_for_a_public_address(
    content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    store = WorkbookStore.open(tmp_path / "data")
    desk = new_person_link(store, content, tmp_path, "https://workbook.example.org/")
    assert 'href="https://workbook.example.org/' in desk.new_link.value
    assert "navigator-local-link" not in desk.new_link.value
    assert "opens only on this computer" not in desk.new_link.value


def test_the_public_address_set_for_lab_ends_the_warning(
    content: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make lab` tells the desk 127.0.0.1; ``SECOND_OPINION_PUBLIC_URL`` wins and is public."""
    monkeypatch.setenv(PUBLIC_URL_ENV, "https://workbook.example.org/")
    store = WorkbookStore.open(tmp_path / "data")
    desk = new_person_link(store, content, tmp_path, "http://127.0.0.1:8866/")
    assert 'href="https://workbook.example.org/' in desk.new_link.value
    assert "navigator-local-link" not in desk.new_link.value
