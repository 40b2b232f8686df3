"""JupyterHub for a navigation program, on one machine: navigators and the patient dashboard.

Started by ``hub/run_hub.py`` (``make hub``, as root), which sets the environment read below.
What runs, and as whom:

- the hub and configurable-http-proxy (from ``.hub/node_modules``) as root, on
  ``http://$HUB_IP:$HUB_PORT``; the hub's request log has no query strings (``hub/quiet_log.py``);
- navigators sign up and an admin approves them at ``/hub/authorize`` (approving is a POST with
  the hub's XSRF check; ``hub/guarded_login.py``). Approving makes the navigator's own system
  account ``nav-<name>`` with an owner-only home and their own copy of ``navigator.ipynb``; their
  JupyterLab runs as that account, never as root (``hub/spawners.py``, ``hub/accounts.py``), in
  their own home, where the desk saves their exports (``exports/``, owner-only); no folder is
  shared between navigators. An admin sees how many sign-ups wait on the hub's home page, where
  they land after logging in while someone waits (``hub/signups.py``).
  The first admins are made by ``run_hub.py`` before the hub listens; nobody can sign up under
  an admin's name;
- the patient dashboard is a hub-managed service at ``/services/workbook/``, run as the account
  ``so-workbook`` in its own owner-only home. The proxy sends those addresses straight to Voilà:
  no hub account is needed (the private link is what opens a workbook). Its notebooks and code are
  root's, in this repository, and no navigator can change them;
- kernels of Lab and of the dashboard talk over IPC sockets in the account's owner-only runtime
  folder, never TCP (``hub/jupyter_config``, ``hub/jupyter_data``, ``hub/ipc_kernel.py``);
- one store: the navigators reach it as one database role and the dashboard as another
  (``hub/database.py``); secrets reach each process only through its own environment, which
  only its own account can read, never through a command line.

Admins (``$HUB_ADMINS``) have JupyterHub's ``admin`` role, which includes reaching other
servers: keep admin accounts to the program lead.

Environment:

``HUB_NAVIGATOR_DB_URL``   the store as navigators reach it (``run_hub.py`` sets it)
``HUB_DASHBOARD_DB_URL``   the store as the dashboard reaches it (``run_hub.py`` sets it)
``SECOND_OPINION_DB_URL``  the store for both, when the two above are not set
``HUB_IP``, ``HUB_PORT``   the public address of the proxy (127.0.0.1, 8000)
``HUB_PUBLIC_URL``         how patients reach the hub, for private links (http://HUB_IP:HUB_PORT)
``HUB_STATE_DIR``          hub state: cookie secret, homes, the store's server (``.hub/state``)
``JUPYTERHUB_DB_URL``      the hub's own database (default: SQLite in the state folder)
``HUB_AUTHENTICATOR``      ``native`` (default) or ``dummy`` (tests: ``$HUB_DUMMY_PASSWORD``)
``HUB_ADMINS``             comma-separated admin user names (``admin``)
``HUB_PYTHON``             the Python other accounts run (``run_hub.py`` sets it)
``HUB_INTERNAL_PORT``, ``HUB_PROXY_API_PORT``, ``HUB_WORKBOOK_PORT``  internal ports
"""

# ruff: noqa: F821  (``c`` is given by JupyterHub when it loads this file)

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

import nativeauthenticator

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from hub.accounts import SERVICE_ACCOUNT, USERNAME_PATTERN, runtime_folder  # noqa: E402
from hub.guarded_login import GuardedNativeAuthenticator  # noqa: E402
from hub.quiet_log import log_request  # noqa: E402
from hub.signups import landing_page, sign_ups_waiting  # noqa: E402
from hub.spawners import NavigatorSpawner  # noqa: E402
from secondopinion import settings  # noqa: E402

HUB = REPO / "hub"
VENV_BIN = Path(sys.executable).parent
PYTHON = os.environ.get("HUB_PYTHON", "").strip() or sys.executable
"""The Python of the navigators' servers and the dashboard (``hub/shared_python.py``)."""
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


if os.geteuid() != 0:
    raise SystemExit(
        "The hub runs as root, so that each navigator's server and the dashboard run as "
        "accounts of their own: start it with 'sudo make hub'."
    )

ip = _env("HUB_IP", "127.0.0.1")
port = int(_env("HUB_PORT", "8000"))
public_url = _env("HUB_PUBLIC_URL", f"http://{ip}:{port}").rstrip("/")
state = Path(_env("HUB_STATE_DIR", str(REPO / ".hub" / "state")))
state.mkdir(parents=True, exist_ok=True, mode=0o711)
shared_store = settings.text(settings.DB_URL) or ""
navigator_store = _env("HUB_NAVIGATOR_DB_URL", shared_store)
dashboard_store = _env("HUB_DASHBOARD_DB_URL", shared_store)
if not (navigator_store and dashboard_store):
    raise SystemExit(
        "The store is not set: start the hub with 'make hub' (it starts a local PostgreSQL) "
        "or set SECOND_OPINION_DB_URL to the shared store's URL."
    )
workbook_port = int(_env("HUB_WORKBOOK_PORT", "8866"))
dashboard_url = f"{public_url}{SERVICE_PREFIX}"
search_path = os.pathsep.join(
    [str(Path(PYTHON).parent), str(VENV_BIN), os.environ.get("PATH", "/usr/bin:/bin")]
)
jupyter_settings = {
    # Lab's settings (IPC kernels, no news, no first-run questions) and its IPC-only kernel
    "JUPYTER_CONFIG_PATH": str(HUB / "jupyter_config"),
    "JUPYTER_PATH": str(HUB / "jupyter_data"),
}

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
# No query string in the hub's log: a private link sent to the error page stays out of it.
c.JupyterHub.tornado_settings = {"log_function": log_request}

# ------------------------------------------------------------------ who logs in
admins = {name.strip() for name in _env("HUB_ADMINS", "admin").split(",") if name.strip()}
c.Authenticator.admin_users = admins
c.Authenticator.username_pattern = USERNAME_PATTERN  # a hub name makes a valid account name
if _env("HUB_AUTHENTICATOR", "native") == "dummy":
    # Tests only: any allowed name with the one shared password.
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = os.environ["HUB_DUMMY_PASSWORD"]
    c.Authenticator.allow_all = True
else:
    _native_login_needs_statsd()
    # A clinic's hub: people sign up with a name and a password, an admin approves each one at
    # /hub/authorize before they can log in; passwords are hashed with bcrypt, common and short
    # ones are refused; wrong passwords are limited per address and name, sign-ups per hour.
    c.JupyterHub.authenticator_class = GuardedNativeAuthenticator
    c.JupyterHub.template_paths = [
        str(HUB / "templates"),
        str(Path(nativeauthenticator.__file__).parent / "templates"),
    ]
    c.GuardedNativeAuthenticator.state_dir = str(state)
    c.NativeAuthenticator.open_signup = False
    c.NativeAuthenticator.check_common_password = True
    c.NativeAuthenticator.minimum_password_length = 10
    c.Authenticator.allow_all = True  # approval by an admin is the gate
    # The lead sees waiting sign-ups without knowing /hub/authorize: a count and a button on the
    # hub's home page, where an admin lands after logging in while someone waits (hub/signups.py).
    c.JupyterHub.template_vars = {"sign_ups_waiting": sign_ups_waiting}
    c.JupyterHub.default_url = landing_page

# ------------------------------------------------------------------ navigators' JupyterLab
c.JupyterHub.spawner_class = NavigatorSpawner
c.NavigatorSpawner.state_dir = str(state)
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.args = []
c.Spawner.notebook_dir = "~"  # the navigator's own home, with their own navigator.ipynb
c.Spawner.default_url = "/lab/tree/navigator.ipynb"
c.Spawner.http_timeout = 120  # the first Lab start on a busy 2-core machine
c.Spawner.start_timeout = 120
c.Spawner.env_keep = [
    "JUPYTERHUB_SINGLEUSER_APP",
    *(key for key in ("LANG", "LC_ALL") if os.environ.get(key)),
]
c.Spawner.environment = {
    "PATH": search_path,
    "PYTHONPATH": str(REPO),
    **jupyter_settings,
    "SECOND_OPINION_DB_URL": navigator_store,
    # New people's private links point at the dashboard service, through the hub's proxy.
    "SECOND_OPINION_PUBLIC_URL": dashboard_url,
    "SECOND_OPINION_DASHBOARD_URL": dashboard_url,
}

# ------------------------------------------------------------------ the patient dashboard
service_home = state / "workbook-home"
c.JupyterHub.services = [
    {
        "name": SERVICE,
        "display": False,  # patients come by their private link, not the hub's home page
        "url": f"http://127.0.0.1:{workbook_port}",
        "user": SERVICE_ACCOUNT,
        "command": [
            PYTHON,
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
        "cwd": str(service_home),
        "environment": {
            "PATH": search_path,
            "PYTHONPATH": str(REPO),
            "JUPYTER_PATH": jupyter_settings["JUPYTER_PATH"],
            "SECOND_OPINION_DB_URL": dashboard_store,
            "SECOND_OPINION_DATA": str(service_home / "data"),
            "JUPYTER_RUNTIME_DIR": str(runtime_folder(pwd.getpwnam(SERVICE_ACCOUNT))),
            "SECOND_OPINION_PUBLIC_URL": dashboard_url,
            # the hub's proxy, on this machine, says who each visitor is (X-Forwarded-For)
            "SECOND_OPINION_TRUSTED_PROXIES": "127.0.0.1",
            **{key: os.environ[key] for key in ("LANG", "LC_ALL") if os.environ.get(key)},
            # the dashboard's own settings the program set for the hub (secondopinion.settings)
            **{
                setting.name: setting.raw()
                for setting in (
                    settings.POOL_SIZE,
                    settings.COMPRESS,
                    settings.MAX_KERNELS,
                    settings.KERNELS_PER_ADDRESS,
                    settings.PAUSE_AFTER_IDLE,
                    settings.ROOM_WAIT,
                    settings.NEW_WORKBOOKS_PER_HOUR,
                    settings.MAX_STORE_MB,
                    settings.HOLIDAYS,
                )
                if setting.raw()
            },
        },
    }
]
