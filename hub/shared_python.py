"""A Python that the hub's other accounts can run, with the project's installed packages.

The navigators' servers and the dashboard run as accounts of their own (``hub/accounts.py``).
They need to run the project's Python; but ``.venv`` may point at an interpreter in a folder
only root may enter (pyenv under ``/root``, for instance). Then the hub makes ``.hub/venv``
from the system's Python of the same version (``/usr/bin/python3.11``), which loads the packages
of ``.venv`` (read-only, root's) and shares its ``share/`` and ``etc/`` folders (Jupyter's
data and settings), and runs those accounts with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from hub.accounts import SERVICE_ACCOUNT

REPO = Path(__file__).resolve().parents[1]
SHARED_VENV = REPO / ".hub" / "venv"


def runs_as(account: str, python: str) -> bool:
    """True when ``account`` can start ``python`` and import the hub's packages with it."""
    done = subprocess.run(
        ["runuser", "-u", account, "--", python, "-c", "import jupyterhub, secondopinion"],
        capture_output=True,
        timeout=120,
        check=False,
        cwd="/",
    )
    return done.returncode == 0


def _make_shared_venv(system_python: Path) -> Path:
    if SHARED_VENV.exists():
        shutil.rmtree(SHARED_VENV)
    before = os.umask(0o022)  # readable by every account, writable by root only
    try:
        subprocess.run(
            [str(system_python), "-m", "venv", "--without-pip", str(SHARED_VENV)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site = SHARED_VENV / "lib" / version / "site-packages"
        packages = sysconfig.get_paths()["purelib"]
        (site / "zz_second_opinion.pth").write_text(
            f"import site; site.addsitedir({packages!r})\n", encoding="utf-8"
        )
        # Jupyter's data and settings (Lab's files, Voilà's templates, enabled extensions) are
        # found under sys.prefix: the same as .venv's.
        for name in ("share", "etc"):
            if (Path(sys.prefix) / name).is_dir():
                (SHARED_VENV / name).symlink_to(Path(sys.prefix) / name)
    finally:
        os.umask(before)
    return SHARED_VENV / "bin" / "python"


def shared_python(account: str = SERVICE_ACCOUNT) -> str:
    """The interpreter the hub's accounts run: this one when they can, else ``.hub/venv``'s."""
    if runs_as(account, sys.executable):
        return sys.executable
    made = SHARED_VENV / "bin" / "python"
    if made.exists() and runs_as(account, str(made)):
        return str(made)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system_python = Path(f"/usr/bin/python{version}")
    if system_python.exists():
        made = _make_shared_venv(system_python)
        if runs_as(account, str(made)):
            return str(made)
    raise SystemExit(
        f"Other accounts cannot run this Python ({sys.executable}) and there is no "
        f"/usr/bin/python{version} to share: make .venv from a Python that every account may "
        "run (for example Debian's python3), then run 'make hub' again."
    )
