"""The navigation program's JupyterHub as `make hub` starts it, for the hub's tests.

``HubProcess`` runs ``hub/run_hub.py`` as root (as ``make hub`` does) on a free port, with its
state folder in a fresh temporary folder: its own PostgreSQL (socket only, peer authentication),
its own system accounts for the dashboard and each navigator. ``stop()`` stops it all, removes
the state folder and the navigators' accounts the test made.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hub.accounts import RUNTIME_ROOT
from secondopinion.serving import REPO

from .conftest import ARTIFACTS, _free_port

LAUNCHER = REPO / "hub" / "run_hub.py"
PROXY = REPO / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"
NAVIGATOR_PREFIX = "nav-"


def skip_unless_hub_can_run() -> None:
    """Skip (fail on CI) when the hub cannot run here: it needs root and the proxy."""
    problem = None
    if os.geteuid() != 0:
        problem = "the hub runs as root (it starts servers as other accounts)"
    elif not PROXY.exists():
        problem = f"configurable-http-proxy is missing at {PROXY}: `make hub` installs it"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)


def pids_of(uid: int) -> list[int]:
    """The ids of the processes running as ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
    return found


class HubProcess:
    """A running ``hub/run_hub.py``; its address, state folder and log."""

    def __init__(self, **settings: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="hub-test-"))
        self.folder.chmod(0o711)  # the hub's accounts pass through to their homes
        self.state = self.folder / "state"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.navigators_before = {p.pw_name for p in pwd.getpwall()}
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SECOND_OPINION_", "HUB_", "JUPYTER"))
        }
        env.update(
            SECOND_OPINION_POOL_SIZE="1",
            HUB_STATE_DIR=str(self.state),
            HUB_ADMINS="program-lead",
            **settings,
        )
        self.log_path = self.folder / "hub.log"
        # owner-only: it holds the first admin's password
        self.log = os.fdopen(os.open(self.log_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(LAUNCHER), "--port", str(self.port)],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.wait_for("hub/api/", "the hub")
            self.wait_for("services/workbook/", "the dashboard service")
        except BaseException:
            self.stop()
            raise

    def wait_for(self, path: str, what: str, timeout: float = 180.0) -> None:
        """Wait until ``path`` answers 200 through the hub's proxy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited early:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/{path}", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{what} did not answer within {timeout} s:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        """Everything the hub, its proxy and its servers wrote so far."""
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def what_is_going_on(self, account: str) -> str:
        """For a failure: the busiest processes, and the stacks of ``account``'s kernels."""
        busiest = subprocess.run(
            ["ps", "-eo", "pid,user:16,pcpu,rss,etime,args", "--sort=-pcpu"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.splitlines()[:25]
        with contextlib.suppress(KeyError):
            for pid in pids_of(pwd.getpwnam(account).pw_uid):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"hub.ipc_kernel" in cmdline:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGUSR2)  # faulthandler: stacks into the log
        time.sleep(2)
        log = self.log_text()[-12000:]
        return "busiest processes:\n" + "\n".join(busiest) + "\nhub log:\n" + log

    def stop(self) -> None:
        """Stop the hub (it stops the dashboard and the navigators' servers); clean up."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        # kept where the screenshots go (git-ignored), owner-only, to read after a failure
        ARTIFACTS.mkdir(exist_ok=True)
        kept = ARTIFACTS / f"hub-{self.port}.log"
        shutil.copyfile(self.log_path, kept)
        kept.chmod(0o600)
        made = {p.pw_name for p in pwd.getpwall()} - self.navigators_before
        for name in made:
            if name.startswith(NAVIGATOR_PREFIX):
                uid = pwd.getpwnam(name).pw_uid
                for pid in pids_of(uid):
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                subprocess.run(["userdel", name], check=False, capture_output=True)
                shutil.rmtree(RUNTIME_ROOT / str(uid), ignore_errors=True)
        shutil.rmtree(self.folder, ignore_errors=True)
