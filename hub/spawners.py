"""The navigators' spawner: each server as the navigator's own system account, never as root.

``NavigatorSpawner`` is JupyterHub's ``LocalProcessSpawner`` (it switches to the account with
``setuid`` before the server starts), with the hub name ``maria`` mapped to the account
``nav-maria`` (``hub/accounts.py``). The account must be approved: with NativeAuthenticator an
admin approving a sign-up makes it; a server is started only for an approved name, and the account
is made then if it is missing (for instance after the machine was set up again). A server is
never started as root, nor as an account the hub did not make.
"""

from __future__ import annotations

import asyncio
import pwd
from pathlib import Path
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Unicode

from hub.accounts import (
    AccountError,
    navigator_account,
    prepare_navigator,
    runtime_folder,
    safe_account,
)


class NavigatorSpawner(LocalProcessSpawner):  # type: ignore[misc]
    """A navigator's JupyterLab, run as ``nav-<name>`` in its own home."""

    state_dir = Unicode("", config=True, help="The hub's state folder (homes live there).")

    @property
    def account(self) -> str:
        """The system account of this server's navigator."""
        return navigator_account(self.user.name)

    def _approved(self) -> bool:
        get_user = getattr(self.authenticator, "get_user", None)
        if get_user is None:  # not NativeAuthenticator: whoever logged in is allowed
            return True
        info = get_user(self.user.name)
        return info is not None and bool(info.is_authorized)

    async def start(self) -> Any:
        """Make sure the approved navigator's account and home exist, then start as them."""
        if not self._approved():
            raise AccountError(f"{self.user.name!r} is not approved: no server is started.")
        await asyncio.to_thread(prepare_navigator, self.user.name, Path(self.state_dir))
        return await super().start()

    def make_preexec_fn(self, name: str) -> Any:
        """Switch to the navigator's account (never root) before the server starts."""
        found = safe_account(self.account)
        return set_user_setuid(found.pw_name)

    def user_env(self, env: dict[str, str]) -> dict[str, str]:
        """USER, HOME and SHELL of the navigator's account."""
        found = pwd.getpwnam(self.account)
        env["USER"] = found.pw_name
        env["HOME"] = found.pw_dir
        env["SHELL"] = found.pw_shell
        env["SECOND_OPINION_DATA"] = str(Path(found.pw_dir) / "data")
        env["JUPYTER_RUNTIME_DIR"] = str(runtime_folder(found))
        return env
