"""The hub's first admins, made on the command line before the hub listens.

``hub/run_hub.py`` calls ``make_missing_admins`` with the hub's database URL and the admin names
(``HUB_ADMINS``). Each admin name without an account gets one, approved, with a new random
password that is returned once (``run_hub.py`` prints it on its own terminal) and stored only as
a bcrypt hash. Sign-up under an admin's name is refused by ``hub/guarded_login.py``, so nobody
can take the name first. ``--new-admin-password NAME`` sets a new password the same way.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import bcrypt
import nativeauthenticator.orm  # noqa: F401  (puts users_info on JupyterHub's tables)
from jupyterhub import orm
from nativeauthenticator.orm import UserInfo


def _new_password() -> str:
    return secrets.token_urlsafe(15)


def make_missing_admins(db_url: str, names: Iterable[str]) -> dict[str, str]:
    """Make an approved account for each admin name that has none; ``{name: password}``."""
    session = orm.new_session_factory(db_url)()
    made: dict[str, str] = {}
    try:
        for name in names:
            if UserInfo.find(session, name) is not None:
                continue
            password = _new_password()
            session.add(
                UserInfo(
                    username=name,
                    password=bcrypt.hashpw(password.encode(), bcrypt.gensalt()),
                    is_authorized=True,
                )
            )
            made[name] = password
        session.commit()
    finally:
        session.close()
        session.get_bind().dispose()
    return made


def new_admin_password(db_url: str, name: str) -> str:
    """Give the admin ``name`` (made if missing) a new random password, and return it."""
    session = orm.new_session_factory(db_url)()
    try:
        password = _new_password()
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
        found = UserInfo.find(session, name)
        if found is None:
            session.add(UserInfo(username=name, password=hashed, is_authorized=True))
        else:
            found.password = hashed
            found.is_authorized = True
        session.commit()
    finally:
        session.close()
        session.get_bind().dispose()
    return password
