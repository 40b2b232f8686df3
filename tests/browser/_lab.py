"""A real JupyterLab server for the navigator's tests, run the way `make lab` runs it.

Its root folder is a temporary copy of ``notebooks/`` (so exports never land in the repo), its
data folder a temporary one, and its Jupyter settings, workspaces and runtime files are kept
apart from the machine's, so nothing a person set up there changes what the test sees.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from secondopinion.serving import REPO

from .conftest import _free_port

NOTEBOOKS = REPO / "notebooks"


def lab_command(port: int, root_dir: Path, token: str) -> list[str]:
    """The `make lab` command, on a given port and root folder, with a fixed token."""
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        f"--IdentityProvider.token={token}",
        # No calls home: no news, no update check.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.getuid() == 0:
        command.append("--allow-root")
    return command


class LabServer:
    """A running JupyterLab with ``navigator.ipynb`` in its root folder."""

    def __init__(self, home: Path, data_dir: Path) -> None:
        self.root_dir = home / "lab"
        self.root_dir.mkdir()
        shutil.copy(NOTEBOOKS / "navigator.ipynb", self.root_dir / "navigator.ipynb")
        self.data_dir = data_dir
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}/"
        jupyter = home / "jupyter"
        env = {
            key: value for key, value in os.environ.items() if key != "SECOND_OPINION_PUBLIC_URL"
        }
        env.update(
            SECOND_OPINION_DATA=str(data_dir),
            SECOND_OPINION_DASHBOARD_URL="http://dashboard.test:8866/",
            PYTHONPATH=str(REPO),
            JUPYTER_CONFIG_DIR=str(jupyter / "config"),
            JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(jupyter / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(jupyter / "workspaces"),
        )
        # No "would you like news?" prompt over the page (the server fetches no news anyway).
        notification = jupyter / "settings" / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True)
        (notification / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}', encoding="utf-8"
        )
        self.log = (home / "lab.log").open("wb")
        self.process = subprocess.Popen(
            lab_command(self.port, self.root_dir, self.token),
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def address(self, path: str) -> str:
        """An address in this Lab, with its token."""
        return f"{self.url}{path}?token={self.token}"

    def _wait_until_up(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early, see {self.log.name}")
            try:
                with urllib.request.urlopen(self.address("api/status"), timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s")

    def stop(self) -> None:
        """Stop the server (and with it the notebook's kernel)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
