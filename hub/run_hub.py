"""Start the navigation program's JupyterHub on this machine (``make hub``); Ctrl+C stops it all.

Usage (as root: each navigator's server and the dashboard run as accounts of their own)::

    .venv/bin/python hub/run_hub.py [--ip 127.0.0.1] [--port 8000]
    .venv/bin/python hub/run_hub.py --new-admin-password NAME

Before the hub listens, this makes the system accounts and folders it needs, starts the store's
PostgreSQL (``hub/database.py``: a Unix socket only, peer authentication, one role per kind of
account) with its data in ``$HUB_STATE_DIR/postgres`` so workbooks survive a restart
(``HUB_THROWAWAY_DB=1``: a temporary one, removed at the end), makes or upgrades the store's
tables, and makes each admin of ``HUB_ADMINS`` that has no account yet, printing its password
once, here. With ``$SECOND_OPINION_DB_URL`` set, the hub, the navigators and the dashboard use
that store instead. Everything else is in ``hub/jupyterhub_config.py``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONFIG = HERE / "jupyterhub_config.py"
PROXY = REPO / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"
sys.path.insert(0, str(REPO))

from hub.accounts import STORE_GROUP, ensure_group, prepare_service  # noqa: E402
from hub.admins import make_missing_admins, new_admin_password  # noqa: E402
from hub.database import HUB_DB, STORE_DB, HubDatabase  # noqa: E402
from hub.shared_python import shared_python  # noqa: E402
from secondopinion.store import WorkbookStore  # noqa: E402


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hub_environment(ip: str, port: int) -> dict[str, str]:
    """The environment ``jupyterhub_config.py`` reads; internal ports are free ones."""
    env = dict(os.environ)
    env["HUB_IP"] = ip
    env["HUB_PORT"] = str(port)
    for key in ("HUB_INTERNAL_PORT", "HUB_PROXY_API_PORT", "HUB_WORKBOOK_PORT"):
        env.setdefault(key, str(free_port()))
    env.setdefault("HUB_STATE_DIR", str(REPO / ".hub" / "state"))
    return env


def prepare_state(state: Path) -> None:
    """The state folder: root's; other accounts may pass through it but not list or read it."""
    state.mkdir(parents=True, exist_ok=True)
    os.chown(state, 0, 0)
    state.chmod(0o711)
    ensure_group(STORE_GROUP)
    service = prepare_service(state)
    reach = subprocess.run(
        ["runuser", "-u", service.pw_name, "--", "test", "-w", service.pw_dir],
        capture_output=True,
        check=False,
    )
    if reach.returncode != 0:
        raise SystemExit(
            f"Other accounts cannot reach {state}: set HUB_STATE_DIR to a folder whose parents "
            "every account may pass through (for example /srv/second-opinion-hub)."
        )


def start_store(env: dict[str, str], state: Path) -> HubDatabase | None:
    """Start the hub's PostgreSQL unless a store is given; set the URLs in ``env``."""
    if env.get("SECOND_OPINION_DB_URL", "").strip():
        WorkbookStore.open(url=env["SECOND_OPINION_DB_URL"], actor="hub").close()
        return None
    throwaway = env.get("HUB_THROWAWAY_DB", "").strip().lower() in ("1", "true", "yes")
    database = HubDatabase(None if throwaway else state / "postgres").start()
    # Make or upgrade the store's tables once, as their owner, before anyone else opens it.
    WorkbookStore.open(url=database.url("store_owner", STORE_DB), actor="hub").close()
    database.grant_store_rights()
    env["HUB_NAVIGATOR_DB_URL"] = database.url("navigator", STORE_DB)
    env["HUB_DASHBOARD_DB_URL"] = database.url("dashboard", STORE_DB)
    env.setdefault("JUPYTERHUB_DB_URL", database.url("hub", HUB_DB))
    where = "a throw-away PostgreSQL (gone at the end)" if throwaway else database.data
    print(f"The store: {where}, on the socket in {database.socket} only.", flush=True)
    return database


def admin_names(env: dict[str, str]) -> list[str]:
    """The admin names of ``HUB_ADMINS`` (``admin``)."""
    given = env.get("HUB_ADMINS", "").strip() or "admin"
    return [name.strip().lower() for name in given.split(",") if name.strip()]


def hub_db_url(env: dict[str, str], state: Path) -> str:
    """The hub's own database, as ``jupyterhub_config.py`` will use it."""
    return env.get("JUPYTERHUB_DB_URL", "").strip() or f"sqlite:///{state / 'jupyterhub.sqlite'}"


def main(argv: list[str] | None = None) -> int:
    """Run the hub until it stops or is stopped (Ctrl+C, SIGTERM); returns its exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ip", default=os.environ.get("HUB_IP", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT", "8000")))
    parser.add_argument(
        "--new-admin-password",
        metavar="NAME",
        help="give the admin NAME a new password, print it, and stop (the hub is not started)",
    )
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit(
            "The hub runs as root, so that each navigator's server and the dashboard run as "
            "accounts of their own: run 'sudo make hub'."
        )
    if not PROXY.exists() and not os.environ.get("HUB_PROXY_COMMAND"):
        raise SystemExit(
            f"configurable-http-proxy is missing at {PROXY}: run 'make hub', which installs it."
        )
    os.umask(0o077)  # every file the hub and its servers make is their owner's only
    env = hub_environment(args.ip, args.port)
    state = Path(env["HUB_STATE_DIR"]).resolve()
    env["HUB_STATE_DIR"] = str(state)
    prepare_state(state)
    env["HUB_PYTHON"] = shared_python()
    database = start_store(env, state)
    hub = None
    try:
        native = env.get("HUB_AUTHENTICATOR", "native").strip() in ("", "native")
        if args.new_admin_password:
            password = new_admin_password(hub_db_url(env, state), args.new_admin_password)
            print(f"New password of admin {args.new_admin_password!r}: {password}", flush=True)
            return 0
        if native:
            made = make_missing_admins(hub_db_url(env, state), admin_names(env))
            for name, password in made.items():
                print(
                    f"Admin {name!r} made; password (shown only now, change it after logging "
                    f"in at /hub/change-password): {password}",
                    flush=True,
                )
        address = f"http://{args.ip}:{args.port}"
        print(
            f"JupyterHub: {address}/hub/  (navigators sign up at {address}/hub/signup; an admin "
            f"approves them at {address}/hub/authorize)\n"
            f"Patients' dashboard: {address}/services/workbook/\nCtrl+C stops everything.",
            flush=True,
        )
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=state, env=env
        )

        def stop(_signum: int, _frame: object) -> None:
            hub.terminate()

        signal.signal(signal.SIGTERM, stop)
        while True:
            try:
                return hub.wait()
            except KeyboardInterrupt:  # the hub had the Ctrl+C too; wait for it to finish
                continue
    finally:
        if hub is not None and hub.poll() is None:
            hub.kill()
        if database is not None:
            database.stop()


if __name__ == "__main__":
    sys.exit(main())
