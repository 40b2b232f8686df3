"""A throw-away PostgreSQL server for the store tests and the benchmarks.

``PostgresServer`` runs Debian's PostgreSQL binaries (``make test`` installs the ``postgresql``
package) in a temporary folder, on a free port of 127.0.0.1, with trust authentication and no
fsync: quick, private to this machine, and gone when stopped. PostgreSQL refuses to run as root,
so as root (as in CI) the server runs as the unprivileged ``postgres`` user that the Debian
package creates, through ``runuser``; as anyone else it runs as that user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from harness.ports import free_port

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
"""Debian's PostgreSQL binaries, newest version first."""


def pg_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` ($PG_BIN, else Debian's newest), or None."""
    env = os.environ.get("PG_BIN")
    for folder in [Path(env)] if env else PG_BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


class PostgresServer:
    """A throw-away PostgreSQL server; ``start()``, then ``url(name)`` for each new database."""

    def __init__(self, bin_dir: Path | None = None, max_connections: int = 100) -> None:
        found = bin_dir or pg_bin()
        if found is None:
            raise RuntimeError(
                "PostgreSQL's server programs are not installed: run 'make test' (as root it "
                "installs Debian's postgresql package) or 'sudo apt-get install postgresql'."
            )
        self.bin = found
        self.port = free_port()
        self.max_connections = max_connections
        self.folder = Path(tempfile.mkdtemp(prefix="workbook-pg-"))
        self.data = self.folder / "data"
        self._as_root = os.geteuid() == 0
        self._count = 0

    def _run(self, program: str, args: Sequence[str]) -> None:
        command = [str(self.bin / program), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        """Make the cluster and start the server; returns self."""
        if self._as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        self._run(
            "initdb",
            ["-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        )
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off "
            f"-c max_connections={self.max_connections}"
        )
        log = str(self.folder / "server.log")
        self._run("pg_ctl", ["-D", str(self.data), "-o", options, "-l", log, "-w", action, *extra])

    def restart(self) -> None:
        """Stop the server (ending every connection at once) and start it again."""
        self._pg_ctl("restart", "-m", "fast")

    def pause(self) -> None:
        """Stop the server, keeping its files, as a server restarting for an update would."""
        self._pg_ctl("stop", "-m", "fast")

    def resume(self) -> None:
        """Start the server again after ``pause``."""
        self._pg_ctl("start")

    def stop(self) -> None:
        """Stop the server and remove its files."""
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def admin_engine(self) -> sa.Engine:
        """An engine on the maintenance database, outside transactions (for CREATE DATABASE)."""
        return sa.create_engine(
            self.admin_url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )

    def new_database(self) -> str:
        """Create a new, empty database and return its URL."""
        self._count += 1
        name = f"wb_{os.getpid()}_{self._count}_{time.monotonic_ns() % 10**6}"
        engine = self.admin_engine()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        return self.admin_url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``new_database``, ending any connection still on it."""
        name = sa.make_url(url).database
        engine = self.admin_engine()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()

    def end_connections(self, url: str) -> int:
        """End every connection to the database at ``url`` (as a dropped network would)."""
        name = sa.make_url(url).database
        engine = self.admin_engine()
        with engine.connect() as conn:
            ended = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
        engine.dispose()
        return int(ended)
