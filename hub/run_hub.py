"""Start the navigation program's JupyterHub on this machine (``make hub``); Ctrl+C stops it all.

Usage::

    .venv/bin/python hub/run_hub.py [--ip 127.0.0.1] [--port 8000]

With ``$SECOND_OPINION_DB_URL`` set, the hub, the navigators and the dashboard use that store.
Without it, a throw-away PostgreSQL server is started from Debian's binaries (``postgresql``
package; as root it runs as the ``postgres`` user) with two databases, ``workbooks`` for the
store and ``jupyterhub`` for the hub's own records, and removed again when the hub stops: use it
to try the hub, not to keep anyone's workbook. Everything else is in ``hub/jupyterhub_config.py``.
"""

from __future__ import annotations

import argparse
import contextlib
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

from secondopinion.store import WorkbookStore  # noqa: E402
from tests.store_support import PostgresServer, pg_bin  # noqa: E402


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_postgres() -> tuple[PostgresServer, str, str]:
    """A throw-away PostgreSQL with the store's and the hub's databases; their URLs."""
    if pg_bin() is None:
        raise SystemExit(
            "PostgreSQL's server programs are missing: run 'sudo apt-get install postgresql' "
            "(Debian), or set SECOND_OPINION_DB_URL to an existing PostgreSQL database."
        )
    server = PostgresServer(max_connections=300).start()
    engine = server.admin_engine()
    with engine.connect() as conn:
        for name in ("workbooks", "jupyterhub"):
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return server, server.admin_url("workbooks"), server.admin_url("jupyterhub")


def hub_environment(ip: str, port: int) -> dict[str, str]:
    """The environment ``jupyterhub_config.py`` reads; internal ports are free ones."""
    env = dict(os.environ)
    env["HUB_IP"] = ip
    env["HUB_PORT"] = str(port)
    for key in ("HUB_INTERNAL_PORT", "HUB_PROXY_API_PORT", "HUB_WORKBOOK_PORT"):
        env.setdefault(key, str(free_port()))
    env.setdefault("HUB_STATE_DIR", str(REPO / ".hub" / "state"))
    return env


def main(argv: list[str] | None = None) -> int:
    """Run the hub until it stops or is stopped (Ctrl+C, SIGTERM); returns its exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ip", default=os.environ.get("HUB_IP", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT", "8000")))
    args = parser.parse_args(argv)
    if not PROXY.exists() and not os.environ.get("HUB_PROXY_COMMAND"):
        raise SystemExit(
            f"configurable-http-proxy is missing at {PROXY}: run 'make hub', which installs it."
        )
    env = hub_environment(args.ip, args.port)
    postgres = None
    if not env.get("SECOND_OPINION_DB_URL", "").strip():
        postgres, store_url, hub_db_url = start_postgres()
        env["SECOND_OPINION_DB_URL"] = store_url
        env.setdefault("JUPYTERHUB_DB_URL", hub_db_url)
        print(f"A throw-away PostgreSQL runs on 127.0.0.1:{postgres.port} (gone at the end).")
    # Make or upgrade the store's tables once, before the dashboard and the kernels open it.
    WorkbookStore.open(url=env["SECOND_OPINION_DB_URL"], actor="hub").close()
    state = Path(env["HUB_STATE_DIR"])
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    (state / "workbook-home").mkdir(exist_ok=True, mode=0o700)
    address = f"http://{args.ip}:{args.port}"
    print(
        f"JupyterHub: {address}/hub/  (navigators sign up at {address}/hub/signup; an admin, "
        f"'{env.get('HUB_ADMINS', 'admin')}' signed up first, approves them at "
        f"{address}/hub/authorize)\nPatients' dashboard: {address}/services/workbook/\n"
        "Ctrl+C stops everything.",
        flush=True,
    )
    hub = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=state, env=env
    )

    def stop(_signum: int, _frame: object) -> None:
        hub.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            try:
                return hub.wait()
            except KeyboardInterrupt:  # the hub had the Ctrl+C too; wait for it to finish
                continue
    finally:
        if hub.poll() is None:
            hub.kill()
        if postgres is not None:
            with contextlib.suppress(Exception):
                postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
