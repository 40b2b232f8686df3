"""The hub's system accounts: one per navigator, one for the dashboard service.

The hub runs as root and starts every server as an account of its own (JupyterHub's
``LocalProcessSpawner`` switches user with ``setuid`` before the server starts):

- a navigator ``maria`` gets the account ``nav-maria`` (the prefix keeps a hub name from ever
  naming an existing account such as ``root`` or ``postgres``), made when an admin approves
  them, with a home folder of their own in the hub's state folder (owner-only) and their own
  copy of ``notebooks/navigator.ipynb``;
- the patient dashboard runs as ``so-workbook``, whose home (its working folder and data) is
  owner-only too; the dashboard's notebooks and code stay root's, which no navigator can change;
- both belong to the group ``so-store``, the only one that may reach the store's PostgreSQL
  socket folder.

Accounts made here carry ``ACCOUNT_MARK`` in their comment field: an account of the same name that
lacks it was made by someone else, and the hub refuses to use it.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from pathlib import Path

NAVIGATOR_PREFIX = "nav-"
SERVICE_ACCOUNT = "so-workbook"
STORE_GROUP = "so-store"
ACCOUNT_MARK = "second-opinion hub"
USERNAME_PATTERN = r"^[a-z][a-z0-9_-]{0,27}$"
"""Hub names that make valid system account names once prefixed (at most 32 characters)."""

RUNTIME_ROOT = Path("/run/second-opinion-hub")
"""Short owner-only folders for kernels' IPC sockets (a socket's path has at most 107 bytes)."""
REPO = Path(__file__).resolve().parents[1]
NAVIGATOR_NOTEBOOK = REPO / "notebooks" / "navigator.ipynb"


class AccountError(RuntimeError):
    """A system account cannot be made or used safely."""


def navigator_account(hub_name: str) -> str:
    """The system account of the navigator called ``hub_name`` in the hub."""
    return f"{NAVIGATOR_PREFIX}{hub_name}"


def homes_folder(state: Path) -> Path:
    """Where navigators' home folders live: ``<state>/homes`` (root's, others may only pass)."""
    return state / "homes"


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise AccountError(f"{' '.join(command)} failed: {done.stderr.strip()}")


def ensure_group(name: str = STORE_GROUP) -> int:
    """The id of the system group ``name``, made first if missing."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run(["groupadd", "--system", name])
        return grp.getgrnam(name).gr_gid


def ensure_account(
    name: str, home: Path, groups: tuple[str, ...] = (STORE_GROUP,)
) -> pwd.struct_passwd:
    """The system account ``name`` with ``home`` as its owner-only home; made or moved here.

    Refuses (``AccountError``) an account of that name not made by the hub, and any account
    whose user id is 0.
    """
    for group in groups:
        ensure_group(group)
    try:
        found = pwd.getpwnam(name)
    except KeyError:
        _run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                str(home),
                "--shell",
                "/usr/sbin/nologin",
                "--comment",
                ACCOUNT_MARK,
                *(["--groups", ",".join(groups)] if groups else []),
                name,
            ]
        )
        found = pwd.getpwnam(name)
    else:
        if found.pw_gecos.split(",")[0] != ACCOUNT_MARK:
            raise AccountError(
                f"The system account {name!r} exists and was not made by the hub: "
                "the hub will not run a server as it."
            )
        if found.pw_dir != str(home):
            _run(["usermod", "--home", str(home), name])
        if groups:
            _run(["usermod", "--append", "--groups", ",".join(groups), name])
        found = pwd.getpwnam(name)
    if found.pw_uid == 0 or found.pw_gid == 0:
        raise AccountError(f"The system account {name!r} is root's: the hub refuses to use it.")
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chown(home, found.pw_uid, found.pw_gid)
    home.chmod(0o700)
    return found


def runtime_folder(account: pwd.struct_passwd) -> Path:
    """The account's Jupyter runtime folder (connection files, kernels' IPC sockets)."""
    return RUNTIME_ROOT / str(account.pw_uid)


def _prepare_runtime(account: pwd.struct_passwd) -> None:
    RUNTIME_ROOT.mkdir(mode=0o711, exist_ok=True)
    os.chown(RUNTIME_ROOT, 0, 0)
    RUNTIME_ROOT.chmod(0o711)
    _own_folder(runtime_folder(account), account)


def prepare_navigator(hub_name: str, state: Path) -> pwd.struct_passwd:
    """The navigator's account, home and own copy of ``navigator.ipynb`` (kept once made)."""
    folder = homes_folder(state)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o711)
    account = navigator_account(hub_name)
    found = ensure_account(account, folder / account)
    _own_folder(Path(found.pw_dir) / "data", found)
    _prepare_runtime(found)
    notebook = Path(found.pw_dir) / NAVIGATOR_NOTEBOOK.name
    if not notebook.exists():
        shutil.copyfile(NAVIGATOR_NOTEBOOK, notebook)
        os.chown(notebook, found.pw_uid, found.pw_gid)
        notebook.chmod(0o600)
    return found


def prepare_service(state: Path) -> pwd.struct_passwd:
    """The dashboard service's account, with ``<state>/workbook-home`` as its owner-only home."""
    found = ensure_account(SERVICE_ACCOUNT, state / "workbook-home")
    _own_folder(Path(found.pw_dir) / "data", found)
    _prepare_runtime(found)
    return found


def _own_folder(path: Path, owner: pwd.struct_passwd) -> None:
    path.mkdir(exist_ok=True, mode=0o700)
    os.chown(path, owner.pw_uid, owner.pw_gid)
    path.chmod(0o700)


def safe_account(name: str) -> pwd.struct_passwd:
    """The hub-made, non-root account ``name``; ``AccountError`` for any other."""
    try:
        found = pwd.getpwnam(name)
    except KeyError:
        raise AccountError(f"There is no system account {name!r}.") from None
    if found.pw_uid == 0 or found.pw_gid == 0:
        raise AccountError(f"The hub refuses to start a server as root ({name!r}).")
    if found.pw_gecos.split(",")[0] != ACCOUNT_MARK:
        raise AccountError(f"The system account {name!r} was not made by the hub.")
    return found
