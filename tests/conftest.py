"""Shared fixtures: the real content, a small sound content folder to break on purpose, and the
one ``store`` fixture, which runs every test that uses it on SQLite and on a real PostgreSQL.

PostgreSQL: one throw-away server for the whole test run (``tests/store_support.py``), a fresh
database for each test. A test (or module) marked ``sqlite_only(reason=...)`` runs on SQLite only.
Without PostgreSQL's server programs the PostgreSQL runs are skipped, except in CI (``CI`` set),
where they fail: ``make test`` installs them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from secondopinion import Content, load_content
from secondopinion.store import WorkbookStore
from tests.store_support import PostgresServer, StoreTarget, pg_bin

SMALL_CONTENT = Path(__file__).parent / "fixtures" / "small_content"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
def small_content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SMALL_CONTENT, target)
    return target


EditYaml = Callable[[str, Callable[[dict], None]], None]


@pytest.fixture
def edit_yaml(small_content_dir: Path) -> EditYaml:
    """Change one file of the small content through its parsed data."""

    def edit(name: str, change: Callable[[dict], None]) -> None:
        path = small_content_dir / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    return edit


# --------------------------------------------------------------------------- the store

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): runs on the SQLite store only (says why)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("store_backend", ["sqlite"] if only else BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server for the whole run."""
    if pg_bin() is None:
        message = "PostgreSQL's server programs are not installed (make test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(max_connections=200).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_target(
    store_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[StoreTarget]:
    if store_backend == "sqlite":
        yield StoreTarget("sqlite", tmp_path / "data", None, None)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.new_database()
    try:
        yield StoreTarget("postgresql", None, url, server)
    finally:
        server.drop_database(url)


@pytest.fixture
def store(store_target: StoreTarget) -> Iterator[WorkbookStore]:
    """An empty workbook store, on SQLite and on PostgreSQL (the one store fixture of the tests)."""
    with store_target.open() as opened:
        yield opened
