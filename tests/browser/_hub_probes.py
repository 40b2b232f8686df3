"""Helpers of the hub's safety tests: HTTP as a visitor from a given address, ``/proc`` as root,
scripts run as another account, and a navigator driven through the hub's API and their kernel.
"""

from __future__ import annotations

import html
import json
import pwd
import re
import secrets
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import websocket
from requests.adapters import HTTPAdapter

from harness.dashboard import is_kernel
from hub.shared_python import shared_python

from ._hub import HubProcess

XSRF_FIELD = re.compile(r'name="_xsrf" value="([^"]+)"')
HUB_XSRF = re.compile(r'xsrf_token: "([^"]+)"')
WAIT = 180.0


class FromAddress(HTTPAdapter):
    """Requests sent from a given loopback address (the hub sees it as the visitor's)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(source: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(source))
    return session


def form_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    found = XSRF_FIELD.search(page.text)
    assert found, f"no _xsrf field on {url} ({page.status_code})"
    return html.unescape(found.group(1))


def sign_up(hub: HubProcess, name: str, password: str, source: str) -> requests.Response:
    session = client(source)
    token = form_token(session, f"{hub.url}/hub/signup")
    return session.post(
        f"{hub.url}/hub/signup",
        data={
            "username": name,
            "signup_password": password,
            "signup_password_confirmation": password,
            "_xsrf": token,
        },
        allow_redirects=False,
        timeout=30,
    )


def log_in(
    hub: HubProcess, name: str, password: str, source: str = "127.0.0.1"
) -> tuple[requests.Session, requests.Response]:
    session = client(source)
    token = form_token(session, f"{hub.url}/hub/login")
    answer = session.post(
        f"{hub.url}/hub/login",
        data={"username": name, "password": password, "_xsrf": token},
        allow_redirects=False,
        timeout=60,
    )
    return session, answer


def logged_in(answer: requests.Response) -> bool:
    return answer.status_code == 302 and "/hub/login" not in answer.headers.get("Location", "")


def approve(admin: requests.Session, hub: HubProcess, name: str) -> requests.Response:
    token = form_token(admin, f"{hub.url}/hub/authorize")
    return admin.post(
        f"{hub.url}/hub/authorize/{name}",
        data={"action": "approve", "_xsrf": token},
        allow_redirects=False,
        timeout=120,
    )


def new_password() -> str:
    return secrets.token_urlsafe(16)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, value in pairs}


def descendants(root: int) -> set[int]:
    children: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), set()).add(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def kernel_pids(pids: set[int]) -> list[int]:
    return [pid for pid in pids if is_kernel(cmdline(pid))]


def as_account(account: str, script: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run ``script`` (reads JSON on stdin, prints JSON) as ``account``; its answer."""
    done = subprocess.run(
        ["runuser", "-u", account, "--", shared_python(account), "-c", script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


TRY_DATABASES = """
import json, socket, sys
import psycopg
given = json.load(sys.stdin)
reached = []
for role, db in given["pairs"]:
    try:
        psycopg.connect(host=given["socket"], dbname=db, user=role, connect_timeout=5).close()
        reached.append([role, db])
    except Exception:
        pass
tcp = []
for port in given["ports"]:
    with socket.socket() as sock:
        sock.settimeout(2)
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            tcp.append(port)
print(json.dumps({"reached": reached, "tcp": tcp}))
"""

TRY_SECRETS = """
import json, os, sys
given = json.load(sys.stdin)
environ = []
for pid in given["pids"]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            f.read()
        environ.append(pid)
    except OSError:
        pass
files = []
for path in given["files"]:
    try:
        with open(path, "rb") as f:
            f.read(1)
        files.append(path)
    except OSError:
        pass
listed = []
for path in given["folders"]:
    try:
        os.listdir(path)
        listed.append(path)
    except OSError:
        pass
on_command_lines = []
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                line = f.read().decode(errors="replace")
        except OSError:
            continue
        on_command_lines += [n for n, s in given["secrets"].items() if s and s in line]
print(json.dumps({"environ": environ, "files": files, "listed": listed,
                  "on_command_lines": sorted(set(on_command_lines))}))
"""


class Navigator:
    """A navigator signed up, approved, logged in, with a running server and an API token."""

    def __init__(self, hub: HubProcess, admin: requests.Session, name: str, source: str):
        self.hub = hub
        self.name = name
        self.account = f"nav-{name}"
        self.password = new_password()
        answer = sign_up(hub, name, self.password, source)
        assert answer.status_code == 200 and "sent to the admin" in answer.text, answer.text
        assert approve(admin, hub, name).status_code == 302
        self.session, answer = log_in(hub, name, self.password)
        assert logged_in(answer), answer.text
        home = self.session.get(f"{hub.url}/hub/home", timeout=30)
        xsrf = HUB_XSRF.search(home.text)
        assert xsrf, home.text
        made = self.session.post(
            f"{hub.url}/hub/api/users/{name}/tokens",
            json={"note": "hub safety test", "expires_in": 3600},
            headers={"X-XSRFToken": xsrf.group(1)},
            timeout=30,
        )
        assert made.status_code == 201, made.text
        self.token = made.json()["token"]
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"token {self.token}"
        started = self.api.post(f"{hub.url}/hub/api/users/{name}/server", timeout=60)
        assert started.status_code in (201, 202), started.text
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            state = self.api.get(f"{hub.url}/hub/api/users/{name}", timeout=30).json()
            if state.get("servers", {}).get("", {}).get("ready"):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"{name}'s server did not start:\n{hub.log_text()[-3000:]}")
        kernel = self.api.post(
            f"{hub.url}/user/{name}/api/kernels", json={"name": "python3"}, timeout=60
        )
        assert kernel.status_code == 201, hub.log_text()[-4000:]
        self.kernel_id = kernel.json()["id"]

    def run(self, code: str) -> str:
        """Run ``code`` in this navigator's kernel, as a navigator would; what it printed."""
        address = self.hub.url.replace("http://", "ws://")
        ws = websocket.create_connection(
            f"{address}/user/{self.name}/api/kernels/{self.kernel_id}/channels",
            header=[f"Authorization: token {self.token}"],
            timeout=WAIT,
        )
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": self.name,
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        printed = []
        try:
            while True:
                message = json.loads(ws.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = message["msg_type"]
                if kind == "stream":
                    printed.append(message["content"]["text"])
                elif kind == "error":
                    raise AssertionError("\n".join(message["content"]["traceback"]))
                elif kind == "status" and message["content"]["execution_state"] == "idle":
                    return "".join(printed)
        finally:
            ws.close()


def user_of(pid: int) -> str:
    try:
        return pwd.getpwuid(Path(f"/proc/{pid}").stat().st_uid).pw_name
    except (OSError, KeyError):
        return ""


def tcp_ports_of(pids: set[int]) -> list[int]:
    listening = subprocess.run(
        ["ss", "-ltnpH"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    ports = []
    for line in listening:
        owners = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        if owners & pids:
            ports.append(int(line.split()[3].rsplit(":", 1)[1]))
    return ports


def hub_pids(hub: HubProcess) -> set[int]:
    """The hub's processes: the hub, proxy, dashboard, navigators' servers and kernels, and
    the PostgreSQL server of its state folder."""
    pids = {hub.process.pid, *descendants(hub.process.pid)}
    pid_file = hub.state / "postgres" / "data" / "postmaster.pid"
    postmaster = int(pid_file.read_text().splitlines()[0])
    return pids | {postmaster, *descendants(postmaster)}
