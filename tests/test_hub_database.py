"""The hub's own PostgreSQL (``hub/database.py``): socket only, peer roles, kept across restarts.

Run as root (the hub's set-up is root's) with Debian's PostgreSQL binaries; skipped otherwise
(failed on CI). A workbook written through the store survives stopping and starting the server
again; a throw-away server's files are gone when it stops; the server listens on no TCP port and
its socket folder is open to the group ``so-store`` only.
"""

from __future__ import annotations

import grp
import os
import re
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.accounts import STORE_GROUP, ensure_group
from hub.database import STORE_DB, HubDatabase, pg_bin
from secondopinion.store import WorkbookStore


@pytest.fixture
def folder() -> Iterator[Path]:
    problem = None
    if os.geteuid() != 0:
        problem = "the hub's PostgreSQL is set up by root"
    elif pg_bin() is None:
        problem = "PostgreSQL's server programs are not installed (make test installs them)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    ensure_group(STORE_GROUP)
    made = Path(tempfile.mkdtemp(prefix="hub-db-test-"))
    made.chmod(0o711)
    yield made / "postgres"
    subprocess.run(["rm", "-rf", str(made)], check=False)


def listening_tcp_pids() -> set[int]:
    lines = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", lines)}


def test_a_workbook_survives_a_restart(folder: Path) -> None:
    database = HubDatabase(folder).start()
    try:
        with WorkbookStore.open(url=database.url("store_owner", STORE_DB), actor="hub") as store:
            made, _ = store.create_workbook("Kept ☂", "navigator")
        database.grant_store_rights()
    finally:
        database.stop()
    assert (folder / "data" / "PG_VERSION").exists(), "a persistent server's data was removed"

    again = HubDatabase(folder).start()
    try:
        with WorkbookStore.open(url=again.url("store_owner", STORE_DB), actor="hub") as store:
            kept = {summary.id: summary.display_name for summary in store.workbooks()}
        assert kept.get(made.id) == "Kept ☂", kept
    finally:
        again.stop()


def test_the_server_is_on_a_group_socket_only(folder: Path) -> None:
    database = HubDatabase(folder).start()
    try:
        postmaster = int((folder / "data" / "postmaster.pid").read_text().splitlines()[0])
        assert postmaster not in listening_tcp_pids()
        socket_folder = database.socket.stat()
        assert stat.S_IMODE(socket_folder.st_mode) == 0o750
        assert socket_folder.st_gid == grp.getgrnam(STORE_GROUP).gr_gid
        assert stat.S_IMODE((folder / "data").stat().st_mode) == 0o700
    finally:
        database.stop()


def test_a_throw_away_server_leaves_nothing() -> None:
    if os.geteuid() != 0 or pg_bin() is None:
        pytest.skip("needs root and PostgreSQL's server programs")
    ensure_group(STORE_GROUP)
    database = HubDatabase(None).start()
    place = database.folder
    assert (place / "data" / "PG_VERSION").exists()
    database.stop()
    assert not place.exists()
