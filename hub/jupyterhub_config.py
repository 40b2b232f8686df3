"""JupyterHub for a navigation program, on one machine: navigators and the patient dashboard.

Started by ``hub/run_hub.py`` (``make hub``), which sets the environment read below. What runs:

- the hub and configurable-http-proxy (from ``.hub/node_modules``, installed by ``make hub``) on
  ``http://$HUB_IP:$HUB_PORT`` (127.0.0.1:8000);
- navigators log in (NativeAuthenticator: they sign up, an admin approves them) and each gets a
  JupyterLab, opened on ``navigator.ipynb``;
- the patient dashboard is a hub-managed service at ``/services/workbook/``. The proxy sends those
  addresses straight to Voilà: no hub account and no hub login are needed (the private link is
  what opens a workbook), and Voilà runs no code a visitor sends, only the dashboard;
- one store for all of them: ``$SECOND_OPINION_DB_URL`` (PostgreSQL) goes to the dashboard and to
  every navigator's server and kernels.

Roles are JupyterHub's defaults: a navigator (role ``user``) reaches only their own server; a
patient has no hub account at all. Admins (``$HUB_ADMINS``, who approve sign-ups) have the
``admin`` role, which JupyterHub does not let a configuration narrow: it includes reaching other
servers, so keep admin accounts to the program lead.

Environment (all optional except the store):

``SECOND_OPINION_DB_URL``  the shared store (``run_hub.py`` starts a PostgreSQL when unset)
``HUB_IP``, ``HUB_PORT``   the public address of the proxy (127.0.0.1, 8000)
``HUB_PUBLIC_URL``         how patients reach the hub, for private links (http://HUB_IP:HUB_PORT)
``HUB_STATE_DIR``          hub database, cookie secret, proxy pid (``.hub/state``)
``JUPYTERHUB_DB_URL``      the hub's own database (default: SQLite in the state folder)
``HUB_AUTHENTICATOR``      ``native`` (default) or ``dummy`` (tests: ``$HUB_DUMMY_PASSWORD``)
``HUB_ADMINS``             comma-separated admin user names (``admin``)
``HUB_NOTEBOOK_DIR``       the navigators' root folder (``notebooks/`` of this repository)
``HUB_HOME_TEMPLATE``      each navigator's home folder (``.hub/home/{username}``)
``HUB_INTERNAL_PORT``, ``HUB_PROXY_API_PORT``, ``HUB_WORKBOOK_PORT``  internal ports
"""

# ruff: noqa: F821  (``c`` is given by JupyterHub when it loads this file)

from __future__ import annotations

import os
import sys
from pathlib import Path

import nativeauthenticator

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SERVICE = "workbook"
SERVICE_PREFIX = f"/services/{SERVICE}/"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


class _NoTimer:
    def start(self) -> _NoTimer:
        return self

    def stop(self, send: bool = True) -> None:
        pass


class _NoStatsd:
    def timer(self, _name: str) -> _NoTimer:
        return _NoTimer()


def _native_login_needs_statsd() -> None:
    """Give NativeAuthenticator's login handler the ``statsd`` that JupyterHub 5 removed.

    NativeAuthenticator 1.3.0 times each login with ``self.statsd``; under JupyterHub 6 every
    login then fails with a 500. A no-op timer until it is fixed there.
    """
    from nativeauthenticator.handlers import LoginHandler

    if not hasattr(LoginHandler, "statsd"):
        LoginHandler.statsd = _NoStatsd()


ip = _env("HUB_IP", "127.0.0.1")
port = int(_env("HUB_PORT", "8000"))
public_url = _env("HUB_PUBLIC_URL", f"http://{ip}:{port}").rstrip("/")
state = Path(_env("HUB_STATE_DIR", str(REPO / ".hub" / "state")))
state.mkdir(parents=True, exist_ok=True, mode=0o700)
store_url = os.environ.get("SECOND_OPINION_DB_URL", "").strip()
if not store_url:
    raise SystemExit(
        "SECOND_OPINION_DB_URL is not set: start the hub with 'make hub' (it starts a local "
        "PostgreSQL) or set it to the shared store's URL."
    )
workbook_port = int(_env("HUB_WORKBOOK_PORT", "8866"))
notebook_dir = Path(_env("HUB_NOTEBOOK_DIR", str(REPO / "notebooks")))
dashboard_url = f"{public_url}{SERVICE_PREFIX}"
as_root = os.geteuid() == 0

# ------------------------------------------------------------------ hub, proxy, hub's own data
c.JupyterHub.bind_url = f"http://{ip}:{port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{_env('HUB_INTERNAL_PORT', '8081')}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_env('HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [
    _env(
        "HUB_PROXY_COMMAND",
        str(REPO / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"),
    )
]
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.db_url = _env("JUPYTERHUB_DB_URL", f"sqlite:///{state / 'jupyterhub.sqlite'}")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the navigators' servers too
c.JupyterHub.cleanup_proxy = True

# ------------------------------------------------------------------ who logs in
admins = {name.strip() for name in _env("HUB_ADMINS", "admin").split(",") if name.strip()}
c.Authenticator.admin_users = admins
if _env("HUB_AUTHENTICATOR", "native") == "dummy":
    # Tests only: any allowed name with the one shared password.
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = os.environ["HUB_DUMMY_PASSWORD"]
    c.Authenticator.allow_all = True
else:
    _native_login_needs_statsd()
    # A clinic's hub: people sign up with a name and a password, an admin approves each one at
    # /hub/authorize before they can log in; passwords are hashed with bcrypt, common and short
    # ones are refused, repeated failures lock the name for a while.
    c.JupyterHub.authenticator_class = "native"
    c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
    c.NativeAuthenticator.open_signup = False
    c.NativeAuthenticator.check_common_password = True
    c.NativeAuthenticator.minimum_password_length = 10
    c.NativeAuthenticator.allowed_failed_logins = 5
    c.NativeAuthenticator.seconds_before_next_try = 300
    c.Authenticator.allow_all = True  # approval by an admin is the gate

# ------------------------------------------------------------------ navigators' JupyterLab
# One machine, one system user: SimpleLocalProcessSpawner runs every navigator's server as the
# user running the hub, with no isolation between them (JupyterHub says: not for production).
# In production use SystemUserSpawner, DockerSpawner or KubeSpawner (docs/deploying.md).
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = _env(
    "HUB_HOME_TEMPLATE", str(REPO / ".hub" / "home" / "{username}")
)
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.args = [
    "--LabApp.news_url=",  # no calls home
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    *(["--ServerApp.allow_root=True"] if as_root else []),
]
c.Spawner.notebook_dir = str(notebook_dir)
c.Spawner.default_url = "/lab/tree/navigator.ipynb"
c.Spawner.http_timeout = 120  # the first Lab start on a busy 2-core machine
c.Spawner.start_timeout = 120
_passed_on = [
    key
    for key in ("LANG", "LC_ALL", "JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR")
    if os.environ.get(key)
]
c.Spawner.env_keep = ["JUPYTERHUB_SINGLEUSER_APP", *_passed_on]
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
    "PYTHONPATH": str(REPO),
    "SECOND_OPINION_DB_URL": store_url,
    # New people's private links point at the dashboard service, through the hub's proxy.
    "SECOND_OPINION_PUBLIC_URL": dashboard_url,
    "SECOND_OPINION_DASHBOARD_URL": dashboard_url,
}

# ------------------------------------------------------------------ the patient dashboard
c.JupyterHub.services = [
    {
        "name": SERVICE,
        "display": False,  # patients come by their private link, not the hub's home page
        "url": f"http://127.0.0.1:{workbook_port}",
        "command": [
            sys.executable,
            "-m",
            "secondopinion",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(workbook_port),
            "--base-url",
            SERVICE_PREFIX,
        ],
        "cwd": str(REPO),
        "environment": {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "PYTHONPATH": str(REPO),
            "HOME": str(state / "workbook-home"),
            "SECOND_OPINION_DB_URL": store_url,
            "SECOND_OPINION_PUBLIC_URL": dashboard_url,
            **{
                key: os.environ[key]
                for key in ("LANG", "LC_ALL", "SECOND_OPINION_POOL_SIZE")
                if os.environ.get(key)
            },
        },
    }
]
