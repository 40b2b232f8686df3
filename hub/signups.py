"""Sign-ups waiting for the program lead's approval, where the lead sees them.

A navigator signs up at ``/hub/signup`` and waits until an admin approves them at
``/hub/authorize``. So that the lead need not know that address:

- the hub's home page shows each admin how many sign-ups wait, with a button to the approval page
  (``sign_ups_waiting``, a template variable; ``hub/templates/home.html``);
- an admin who logs in while someone waits lands on that home page rather than in their own
  JupyterLab (``landing_page``, JupyterHub's ``default_url``); with nobody waiting, in their Lab.

Both read NativeAuthenticator's table of sign-ups in the hub's own database.
"""

from __future__ import annotations

from typing import Any

from nativeauthenticator.orm import UserInfo
from sqlalchemy.orm import Session


def waiting_names(db: Session) -> list[str]:
    """The names that signed up and are not approved yet, in order of signing up."""
    waiting = db.query(UserInfo).filter(UserInfo.is_authorized.is_not(True)).order_by(UserInfo.id)
    return [info.username for info in waiting]


def sign_ups_waiting(user: Any) -> int | None:
    """How many sign-ups wait, for an admin; None for anyone else (they are not told)."""
    if user is None or not getattr(user, "admin", False):
        return None
    return len(waiting_names(user.db))


def landing_page(handler: Any) -> str:
    """The hub's home page for an admin while sign-ups wait; else "" (their own server)."""
    if sign_ups_waiting(handler.current_user):
        return f"{handler.hub.base_url}home"
    return ""
