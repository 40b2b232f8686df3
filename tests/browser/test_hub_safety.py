"""The hub as `make hub` sets it up, attacked from another account on the machine and from outside.

One hub (``hub/run_hub.py``, as root, NativeAuthenticator, its own PostgreSQL) for the module.
Checked as the account ``nobody``: no database connection, no other account's secret in
``/proc`` or in the hub's state folder, no kernel on TCP. Checked through the hub's proxy: nobody
signs up under an admin's name, approving takes a POST with the hub's XSRF token, wrong passwords
from one address do not lock the admin out elsewhere, sign-ups are limited, the lead is shown
the sign-ups waiting on logging in. Checked inside a
navigator's kernel: it runs as the navigator's own account, cannot change the dashboard's
notebook and cannot read another navigator's files. A private link sent while the dashboard is
down is not in the hub's log.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from secondopinion.serving import REPO

from ._hub import HubProcess, skip_unless_hub_can_run
from ._hub_probes import (
    TRY_DATABASES,
    TRY_SECRETS,
    WAIT,
    Navigator,
    approve,
    as_account,
    cmdline,
    environ,
    hub_pids,
    kernel_pids,
    log_in,
    logged_in,
    new_password,
    sign_up,
    tcp_ports_of,
    user_of,
)

pytestmark = pytest.mark.browser

ADMIN = "program-lead"
DASHBOARD = REPO / "notebooks" / "dashboard.ipynb"
ADMIN_PASSWORD = re.compile(rf"Admin '{ADMIN}' made; password [^:]*: (\S+)")


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def hub() -> Iterator[HubProcess]:
    skip_unless_hub_can_run()
    running = HubProcess()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin_password(hub: HubProcess) -> str:
    found = ADMIN_PASSWORD.search(hub.log_text())
    assert found, "run_hub.py printed no password for the first admin"
    return found.group(1)


@pytest.fixture(scope="module")
def admin(hub: HubProcess, admin_password: str) -> requests.Session:
    session, answer = log_in(hub, ADMIN, admin_password)
    assert logged_in(answer), answer.text
    return session


@pytest.fixture(scope="module")
def navigators(hub: HubProcess, admin: requests.Session) -> dict[str, Navigator]:
    return {
        "a": Navigator(hub, admin, "safety-a", "127.0.0.5"),
        "b": Navigator(hub, admin, "safety-b", "127.0.0.6"),
    }


def socket_folder(hub: HubProcess) -> Path:
    return hub.state / "postgres" / "socket"


# --------------------------------------------------------------------------- the tests
def test_nobody_cannot_sign_up_as_the_admin(hub: HubProcess, admin_password: str) -> None:
    taker = new_password()
    answer = sign_up(hub, ADMIN, taker, "127.0.0.2")
    assert answer.status_code == 403, answer.status_code
    assert "cannot be used" in answer.text
    _, answer = log_in(hub, ADMIN, taker, "127.0.0.2")
    assert not logged_in(answer)
    _, answer = log_in(hub, ADMIN, admin_password)
    assert logged_in(answer), "the admin made on the command line cannot log in"


def test_approving_needs_a_post_with_the_hubs_xsrf_token(
    hub: HubProcess, admin: requests.Session
) -> None:
    password = new_password()
    answer = sign_up(hub, "safety-c", password, "127.0.0.3")
    assert answer.status_code == 200 and "sent to the admin" in answer.text
    _, answer = log_in(hub, "safety-c", password)
    assert not logged_in(answer), "a sign-up logged in before anyone approved it"

    # a link (GET), as another web page the admin visits could make the browser send
    by_get = admin.get(f"{hub.url}/hub/authorize/safety-c", allow_redirects=False, timeout=30)
    assert by_get.status_code == 405, by_get.status_code
    # a form posted from another site carries the admin's cookies but not the hub's token
    forged = admin.post(
        f"{hub.url}/hub/authorize/safety-c",
        data={"action": "approve"},
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 403, forged.status_code
    _, answer = log_in(hub, "safety-c", password)
    assert not logged_in(answer), "approved without the admin's POST"
    with pytest.raises(KeyError):
        pwd.getpwnam("nav-safety-c")

    assert approve(admin, hub, "safety-c").status_code == 302
    _, answer = log_in(hub, "safety-c", password)
    assert logged_in(answer), answer.text
    account = pwd.getpwnam("nav-safety-c")
    home = Path(account.pw_dir)
    assert home.stat().st_uid == account.pw_uid and home.stat().st_mode & 0o077 == 0
    notebook = home / "navigator.ipynb"
    assert notebook.stat().st_uid == account.pw_uid
    assert notebook.read_bytes() == (REPO / "notebooks" / "navigator.ipynb").read_bytes()


def test_wrong_passwords_elsewhere_do_not_lock_the_admin_out(
    hub: HubProcess, admin_password: str
) -> None:
    for _ in range(5):
        _, answer = log_in(hub, ADMIN, "not-the-password", "127.0.0.4")
        assert not logged_in(answer)
    _, answer = log_in(hub, ADMIN, admin_password, "127.0.0.4")
    assert answer.status_code == 429, "an address kept trying after five wrong passwords"
    assert "Too many wrong passwords" in answer.text
    _, answer = log_in(hub, ADMIN, admin_password, "127.0.0.1")
    assert logged_in(answer), "wrong passwords from another address locked the admin out"


def test_sign_ups_are_limited(hub: HubProcess) -> None:
    answers = [
        sign_up(hub, f"flood-{n}", new_password(), "127.0.0.9").status_code for n in range(6)
    ]
    assert answers[:5] == [200] * 5, answers
    assert answers[5] == 429, answers


def test_nobody_cannot_reach_the_database(
    hub: HubProcess, navigators: dict[str, Navigator]
) -> None:
    pairs = [
        [role, db]
        for role in ("postgres", "hub", "store_owner", "navigator", "dashboard", "nobody")
        for db in ("workbooks", "jupyterhub", "postgres")
    ]
    # the hub's PostgreSQL listens on no TCP port at all (the store tests' own server may)
    server = {pid for pid in hub_pids(hub) if user_of(pid) == "postgres"}
    assert server, "the hub's PostgreSQL is not running"
    tcp = tcp_ports_of(server)
    assert tcp == []
    payload = {"socket": str(socket_folder(hub)), "pairs": pairs, "ports": tcp}
    stranger = as_account("nobody", TRY_DATABASES, payload)
    assert stranger == {"reached": [], "tcp": []}
    # the same attempts from a navigator's account reach the store, and only the store
    navigator = as_account(navigators["a"].account, TRY_DATABASES, payload)
    assert navigator["reached"] == [["navigator", "workbooks"]], navigator
    service = as_account("so-workbook", TRY_DATABASES, payload)
    assert service["reached"] == [["dashboard", "workbooks"]], service


def test_nobody_reads_no_secret_of_the_hub(
    hub: HubProcess, admin_password: str, navigators: dict[str, Navigator]
) -> None:
    pids = hub_pids(hub)
    kernels = kernel_pids(pids)
    assert len(kernels) >= 3, "expected the dashboard's and both navigators' kernels"
    accounts = {user_of(pid) for pid in pids}
    assert {"root", "postgres", "so-workbook", "nav-safety-a", "nav-safety-b"} <= accounts
    secrets_found: dict[str, str] = {
        "admin password": admin_password,
        "cookie secret": (hub.state / "jupyterhub_cookie_secret").read_text().strip(),
        **{f"token of {n.name}": n.token for n in navigators.values()},
        **{f"password of {n.name}": n.password for n in navigators.values()},
    }
    for pid in pids:
        env = environ(pid)
        for key in ("JUPYTERHUB_API_TOKEN", "CONFIGPROXY_AUTH_TOKEN", "JPY_API_TOKEN"):
            if env.get(key):
                secrets_found[f"{key} of {pid}"] = env[key]
    for pid in kernels:
        connection = re.search(r"-f (\S+)", cmdline(pid))
        assert connection, cmdline(pid)
        key = json.loads(Path(connection.group(1)).read_text())["key"]
        secrets_found[f"kernel key of {pid}"] = key
    assert any(name.startswith("CONFIGPROXY") for name in secrets_found)
    files = [str(p) for p in hub.state.rglob("*") if p.is_file() and not p.is_symlink()]
    folders = [str(hub.state), *(str(p) for p in hub.state.rglob("*") if p.is_dir())]
    payload = {
        "pids": sorted(pid for pid in pids if user_of(pid) != "nobody"),
        "files": files,
        "folders": folders,
        "secrets": secrets_found,
    }
    seen = as_account("nobody", TRY_SECRETS, payload)
    assert seen["environ"] == [], [cmdline(pid) for pid in seen["environ"]]
    assert seen["files"] == []
    assert seen["listed"] == []
    assert seen["on_command_lines"] == []


def test_no_kernel_listens_on_tcp(hub: HubProcess, navigators: dict[str, Navigator]) -> None:
    pids = hub_pids(hub)
    kernels = kernel_pids(pids)
    assert len(kernels) >= 3, "expected the dashboard's and both navigators' kernels"
    on_tcp = tcp_ports_of(set(kernels))
    assert on_tcp == [], [cmdline(pid) for pid in kernels]
    postgres = {pid for pid in pids if user_of(pid) == "postgres"}
    assert tcp_ports_of(postgres) == []
    for pid in kernels:
        connection = Path(re.search(r"-f (\S+)", cmdline(pid)).group(1))  # type: ignore[union-attr]
        folder = connection.parent.stat()
        assert folder.st_mode & 0o077 == 0, f"{connection.parent} is open to others"
        assert folder.st_uid == Path(f"/proc/{pid}").stat().st_uid
        assert json.loads(connection.read_text())["transport"] == "ipc"


CHECK_FROM_THE_KERNEL = """
import json, os, pwd
out = {"account": pwd.getpwuid(os.getuid()).pw_name, "home": os.path.expanduser("~")}
def attempt(name, action):
    try:
        action()
        out[name] = "done"
    except OSError as error:
        out[name] = type(error).__name__
attempt("write dashboard", lambda: open(DASHBOARD, "a").close())
attempt("add to notebooks", lambda: open(os.path.join(os.path.dirname(DASHBOARD), "x.py"), "w"))
attempt("list other home", lambda: os.listdir(OTHER_HOME))
attempt("read other notebook", lambda: open(os.path.join(OTHER_HOME, "navigator.ipynb")).read())
attempt("read hub environ", lambda: open(f"/proc/{HUB_PID}/environ").read())
attempt("read dashboard environ", lambda: open(f"/proc/{SERVICE_PID}/environ").read())
print(json.dumps(out))
"""


def test_a_navigators_kernel_is_their_own_account(
    hub: HubProcess, navigators: dict[str, Navigator]
) -> None:
    a, b = navigators["a"], navigators["b"]
    service = [
        pid
        for pid in hub_pids(hub)
        if user_of(pid) == "so-workbook" and "secondopinion serve" in cmdline(pid)
    ]
    assert service, "the dashboard service is not running as so-workbook"
    code = (
        f"DASHBOARD = {str(DASHBOARD)!r}\nOTHER_HOME = {pwd.getpwnam(b.account).pw_dir!r}\n"
        f"HUB_PID = {hub.process.pid}\nSERVICE_PID = {service[0]}\n{CHECK_FROM_THE_KERNEL}"
    )
    seen = json.loads(a.run(code))
    assert seen["account"] == a.account
    assert seen["home"] == pwd.getpwnam(a.account).pw_dir
    for attempt in (
        "write dashboard",
        "add to notebooks",
        "list other home",
        "read other notebook",
        "read hub environ",
        "read dashboard environ",
    ):
        assert seen[attempt] == "PermissionError", (attempt, seen)


def test_the_lead_sees_the_sign_ups_waiting_without_knowing_where(
    hub: HubProcess, admin_password: str, admin: requests.Session
) -> None:
    answer = sign_up(hub, "safety-w", new_password(), "127.0.0.7")
    assert answer.status_code == 200, answer.text
    # The lead logs in and lands on the hub's home page, which says how many wait, and where.
    session, answer = log_in(hub, ADMIN, admin_password)
    assert logged_in(answer) and answer.headers["Location"] == "/hub/home", answer.headers
    home = session.get(f"{hub.url}/hub/home", timeout=60).text
    sign_ups = admin.get(f"{hub.url}/hub/authorize", timeout=60).text
    not_approved = sign_ups.count("<td>No</td>")
    assert "safety-w" in sign_ups and not_approved >= 1
    told = re.search(r"(\d+) sign-ups? (?:is|are) waiting for your approval", home)
    assert told and int(told.group(1)) == not_approved, home
    assert 'href="/hub/authorize"' in home

    # A navigator is not told, and lands in their own JupyterLab as before.
    password = new_password()
    assert sign_up(hub, "safety-n", password, "127.0.0.8").status_code == 200
    assert approve(admin, hub, "safety-n").status_code == 302
    navigator, answer = log_in(hub, "safety-n", password)
    assert logged_in(answer) and answer.headers["Location"] != "/hub/home", answer.headers
    assert "waiting for your approval" not in navigator.get(f"{hub.url}/hub/home", timeout=60).text


def test_private_links_stay_out_of_the_hub_log_while_the_dashboard_is_down(
    hub: HubProcess,
) -> None:
    service = [
        pid
        for pid in hub_pids(hub)
        if user_of(pid) == "so-workbook" and "secondopinion serve" in cmdline(pid)
    ]
    assert len(service) == 1
    port = int(re.search(r"--port (\d+)", cmdline(service[0])).group(1))  # type: ignore[union-attr]
    os.kill(service[0], signal.SIGTERM)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                break
        time.sleep(0.2)
    else:
        raise AssertionError("the dashboard service did not stop")
    link = secrets.token_urlsafe(24)
    answer = requests.get(f"{hub.url}/services/workbook/?session={link}", timeout=60)
    assert answer.status_code >= 500, answer.status_code
    deadline = time.monotonic() + 30
    while "/hub/error/" not in hub.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "/hub/error/" in hub.log_text(), "the hub did not log the error page's request"
    assert link not in hub.log_text()
