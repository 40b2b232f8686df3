"""The hub's own PostgreSQL: a Unix socket only, peer authentication, one role per kind of account.

``make hub`` runs it from Debian's binaries (package ``postgresql``) as the ``postgres``
account, with its data in ``<state>/postgres/data`` so that workbooks survive a restart
(``HUB_THROWAWAY_DB=1``: a temporary folder, removed at the end). It listens on no TCP port at
all, only on a socket in ``<state>/postgres/socket``, a folder that ``postgres`` owns and only
the group ``so-store`` may enter (navigators and the dashboard service). Each connection is
checked by peer authentication (the system account the kernel says is on the other end) against
this map (``pg_ident.conf``) of accounts to database roles:

===================  ===============  ===================================================
system account       role             may
===================  ===============  ===================================================
``root`` (the hub)   ``hub``          own the ``jupyterhub`` database, and nothing else
``root`` (the hub)   ``store_owner``  own the store's tables in ``workbooks`` (makes them)
``nav-*``            ``navigator``    read and write rows of the store's tables
``so-workbook``      ``dashboard``    read and write rows of the store's tables
``postgres``/root    ``postgres``     everything (setting the server up)
===================  ===============  ===================================================

No password exists, so none can leak; another account (``nobody``) cannot even reach the socket.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa

from hub.accounts import NAVIGATOR_PREFIX, SERVICE_ACCOUNT, STORE_GROUP

STORE_DB = "workbooks"
HUB_DB = "jupyterhub"
SERVER_ACCOUNT = "postgres"

HBA = f"""\
# Written by hub/database.py at each start; local socket only, peer authentication.
local  all          postgres     peer  map=admin
local  {HUB_DB}   hub          peer  map=hub
local  {STORE_DB}    store_owner  peer  map=owner
local  {STORE_DB}    navigator    peer  map=navigators
local  {STORE_DB}    dashboard    peer  map=dashboard
"""

IDENT = f"""\
# Written by hub/database.py at each start: which system account may be which role.
admin       postgres                  postgres
admin       root                      postgres
hub         root                      hub
owner       root                      store_owner
navigators  /^{NAVIGATOR_PREFIX}[a-z][a-z0-9_-]*$  navigator
dashboard   {SERVICE_ACCOUNT}               dashboard
"""

SETTINGS = {
    "listen_addresses": "''",  # no TCP at all
    "max_connections": "300",
}

ROLES = ("hub", "store_owner", "navigator", "dashboard")
USERS_OF_THE_STORE = ("navigator", "dashboard")


def pg_bin() -> Path | None:
    """The folder of Debian's newest ``initdb`` and ``pg_ctl`` ($PG_BIN first), or None."""
    env = os.environ.get("PG_BIN")
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    folders = [Path(env)] if env else debian
    for folder in folders:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


class HubDatabase:
    """The hub's PostgreSQL server in ``folder``; ``start()`` it, ``url(role, db)`` to reach it."""

    def __init__(self, folder: Path | None, bin_dir: Path | None = None) -> None:
        found = bin_dir or pg_bin()
        if found is None:
            raise SystemExit(
                "PostgreSQL's server programs are missing: run 'sudo apt-get install postgresql' "
                "(Debian), or set SECOND_OPINION_DB_URL to an existing PostgreSQL database."
            )
        self.bin = found
        self.throwaway = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="hub-pg-")) if folder is None else folder
        self.data = self.folder / "data"
        self.socket = self.folder / "socket"
        self.started_here = False

    # ------------------------------------------------------------------ server
    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = ["runuser", "-u", SERVER_ACCOUNT, "--", str(self.bin / program), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def _checked(self, program: str, *args: str) -> None:
        done = self._run(program, *args)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")

    def _folders(self) -> None:
        owner = pwd.getpwnam(SERVER_ACCOUNT)
        group = grp.getgrnam(STORE_GROUP).gr_gid
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chown(self.folder, 0, 0)
        self.folder.chmod(0o711)  # postgres and the store's users pass; nobody lists it
        for path, gid, mode in ((self.data, owner.pw_gid, 0o700), (self.socket, group, 0o750)):
            path.mkdir(exist_ok=True)
            os.chown(path, owner.pw_uid, gid)
            path.chmod(mode)

    def start(self) -> HubDatabase:
        """Make the cluster if new, write its access rules, start it and set up roles; self."""
        if os.geteuid() != 0:
            raise SystemExit("The hub's PostgreSQL is set up by root (make hub runs as root).")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self._folders()
        if not (self.data / "PG_VERSION").exists():
            self._checked(
                "initdb",
                *("-D", str(self.data), "-U", "postgres", "-E", "UTF8"),
                *("--auth-local=peer", "--auth-host=reject"),
                *(["--no-sync"] if self.throwaway else []),
            )
        (self.data / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        (self.data / "pg_ident.conf").write_text(IDENT, encoding="utf-8")
        owner = pwd.getpwnam(SERVER_ACCOUNT)
        for name in ("pg_hba.conf", "pg_ident.conf"):
            os.chown(self.data / name, owner.pw_uid, owner.pw_gid)
            (self.data / name).chmod(0o600)
        if self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0:
            # already running (a hub running now, or one that was killed): use it as it is
            self._checked("pg_ctl", "-D", str(self.data), "reload")
            self.started_here = False
        else:
            self._checked("pg_ctl", "-D", str(self.data), "-o", self._options(), "-l",
                          str(self.data / "server.log"), "-w", "start")  # fmt: skip
            self.started_here = True
        self._set_up()

    def _options(self) -> str:
        settings = {
            **SETTINGS,
            # the socket folder's group and mode (0750) decide who may connect
            "unix_socket_directories": f"'{self.socket}'",
        }
        if self.throwaway:
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        return " ".join(f"-c {key}={value}" for key, value in settings.items())

    def stop(self) -> None:
        """Stop the server if ``start`` started it; a throw-away one's files are removed too."""
        if self.started_here or self.throwaway:
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        if self.throwaway:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ roles and rights
    def url(self, role: str, database: str) -> str:
        """The SQLAlchemy URL of ``database`` as ``role``, through the socket folder."""
        return f"postgresql+psycopg://{role}@/{database}?host={self.socket}"

    def _engine(self, role: str, database: str) -> sa.Engine:
        return sa.create_engine(
            self.url(role, database), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )

    def _set_up(self) -> None:
        admin = self._engine("postgres", "postgres")
        with admin.connect() as conn:
            have = set(conn.exec_driver_sql("SELECT rolname FROM pg_roles").scalars())
            for role in ROLES:
                if role not in have:
                    conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
            databases = set(conn.exec_driver_sql("SELECT datname FROM pg_database").scalars())
            for name, owner in ((HUB_DB, "hub"), (STORE_DB, "store_owner")):
                if name not in databases:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
                conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
            for role in USERS_OF_THE_STORE:
                conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{STORE_DB}" TO "{role}"')
        admin.dispose()
        admin = self._engine("postgres", STORE_DB)
        with admin.connect() as conn:
            conn.exec_driver_sql('ALTER SCHEMA public OWNER TO "store_owner"')
            conn.exec_driver_sql("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        admin.dispose()
        self.grant_store_rights()

    def grant_store_rights(self) -> None:
        """Navigators and the dashboard may use the store's rows, never change its tables."""
        users = ", ".join(f'"{role}"' for role in USERS_OF_THE_STORE)
        owner = self._engine("store_owner", STORE_DB)
        with owner.connect() as conn:
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {users}")
            conn.exec_driver_sql(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {users}"
            )
            conn.exec_driver_sql(
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {users}"
            )
            conn.exec_driver_sql(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {users}"
            )
            conn.exec_driver_sql(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                f"GRANT USAGE, SELECT ON SEQUENCES TO {users}"
            )
        owner.dispose()
