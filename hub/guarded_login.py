"""NativeAuthenticator made safe for a clinic's hub: admins, approvals, failed logins, sign-ups.

``GuardedNativeAuthenticator`` keeps NativeAuthenticator's sign-up and bcrypt passwords and changes
what made it unsafe:

- nobody can sign up under an admin's name (the first admin is made by ``hub/run_hub.py`` on the
  command line, before the hub listens; ``hub/admins.py``);
- approving, refusing and discarding a sign-up are POSTs, which JupyterHub checks for its XSRF
  token, on the admin's page ``/hub/authorize`` (``hub/templates/authorization-area.html``);
  a GET to them answers 405 and changes nothing. Approving makes the navigator's own system
  account (``hub/accounts.py``);
- wrong passwords are counted per source address *and* name, so a stranger elsewhere cannot lock
  anyone out; and per source address, so one address cannot try many names;
- sign-ups are limited per source address and in total per hour.

The source address is the one JupyterHub sees through its proxy (the proxy adds it as the last
``X-Forwarded-For`` entry).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from typing import Any

from jupyterhub.scopes import needs_scope
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import (
    AuthorizationAreaHandler,
    ChangePasswordAdminHandler,
    ChangePasswordHandler,
    LocalBase,
    LoginHandler,
    SignUpHandler,
)
from nativeauthenticator.orm import UserInfo
from tornado import web
from traitlets import Integer, Unicode

HOUR = 3600.0


class RecentEvents:
    """Counts events per key within a sliding window of ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._times: dict[object, deque[float]] = defaultdict(deque)

    def _recent(self, key: object, now: float) -> deque[float]:
        times = self._times[key]
        while times and times[0] <= now - self.seconds:
            times.popleft()
        if not times:
            del self._times[key]
            return deque()
        return times

    def count(self, key: object) -> int:
        """How many events for ``key`` happened within the window."""
        return len(self._recent(key, time.monotonic()))

    def add(self, key: object) -> None:
        """Record one event for ``key`` now."""
        self._recent(key, time.monotonic())
        self._times[key].append(time.monotonic())

    def forget(self, key: object) -> None:
        """Drop every event recorded for ``key``."""
        self._times.pop(key, None)


def source_of(handler: web.RequestHandler) -> str:
    """The address a request came from (the proxy's forwarded one)."""
    return handler.request.remote_ip or "unknown"


class GuardedNativeAuthenticator(NativeAuthenticator):  # type: ignore[misc]
    """NativeAuthenticator with admin-only admin names, POST approvals and fair limits."""

    failed_logins_per_source_and_name = Integer(
        5, config=True, help="Wrong passwords for one name from one address before it waits."
    )
    failed_logins_per_source = Integer(
        30, config=True, help="Wrong passwords from one address, any names, before it waits."
    )
    login_wait_seconds = Integer(300, config=True, help="How long a blocked address waits.")
    signups_per_source_per_hour = Integer(5, config=True, help="Sign-ups from one address.")
    signups_per_hour = Integer(30, config=True, help="Sign-ups from everywhere together.")
    state_dir = Unicode("", config=True, help="The hub's state folder (navigators' homes).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_failed_logins = 0  # NativeAuthenticator's own lock is per name only: off
        self._failures = RecentEvents(self.login_wait_seconds)
        self._signups = RecentEvents(HOUR)

    # ------------------------------------------------------------------ logging in
    def login_blocked(self, source: str, name: str) -> bool:
        """True while ``source`` has had too many wrong passwords (for ``name``, or at all)."""
        name = self.normalize_username(name)
        return (
            self._failures.count((source, name)) >= self.failed_logins_per_source_and_name
            or self._failures.count(source) >= self.failed_logins_per_source
        )

    async def authenticate(self, handler: web.RequestHandler, data: dict[str, Any]) -> Any:
        """The name when the password is right, the name approved and the source not blocked."""
        source = source_of(handler)
        name = self.normalize_username(str(data.get("username", "")))
        if self.login_blocked(source, name):
            self.log.warning("Login refused: too many wrong passwords from %s", source)
            return None
        found = await super().authenticate(handler, data)
        if found:
            self._failures.forget((source, name))
            return found
        self._failures.add((source, name))
        self._failures.add(source)
        return None

    # ------------------------------------------------------------------ signing up
    def is_admin_name(self, name: str) -> bool:
        """True for a name on the admin list (``HUB_ADMINS``), which nobody can sign up as."""
        return self.normalize_username(name) in self.admin_users

    def signup_limited(self, source: str) -> bool:
        """True when ``source``, or everyone together, signed up too often this hour."""
        return (
            self._signups.count(source) >= self.signups_per_source_per_hour
            or self._signups.count("all") >= self.signups_per_hour
        )

    def note_signup(self, source: str) -> None:
        """Count one sign-up attempt from ``source``."""
        self._signups.add(source)
        self._signups.add("all")

    def create_user(self, username: str, password: str, **kwargs: Any) -> Any:
        """A new, unapproved user; never under an admin's name, never approved by sign-up."""
        if self.is_admin_name(username):
            return None
        made = super().create_user(username, password, **kwargs)
        if made is not None and made.is_authorized and not self.open_signup:
            made.is_authorized = False  # approval is the admin's, at /hub/authorize
            self.db.commit()
        return made

    # ------------------------------------------------------------------ approving
    async def approve(self, name: str) -> None:
        """Approve ``name``: make their system account and home first, then let them in."""
        from hub.accounts import prepare_navigator

        info = self.get_user(name)
        if info is None:
            raise web.HTTPError(404)
        if self.state_dir:
            from pathlib import Path

            await asyncio.to_thread(prepare_navigator, info.username, Path(self.state_dir))
        info.is_authorized = True
        self.db.commit()
        self.log.info("Approved %s", info.username)

    def refuse(self, name: str) -> None:
        """Take back the approval of ``name`` (they can no longer log in)."""
        info = self.get_user(name)
        if info is None:
            raise web.HTTPError(404)
        if self.is_admin_name(info.username):
            raise web.HTTPError(400, "An admin's approval cannot be taken back here.")
        info.is_authorized = False
        self.db.commit()
        self.log.info("Refused %s", info.username)

    def get_handlers(self, app: Any) -> list[tuple[str, type[web.RequestHandler]]]:
        """The sign-up, login and admin pages, with approvals as POSTs only."""
        return [
            (r"/login", GuardedLoginHandler),
            (r"/signup", GuardedSignUpHandler),
            (r"/discard/([^/]*)", DiscardHandler),
            (r"/authorize", AuthorizationAreaHandler),
            (r"/authorize/([^/]*)", ApprovalHandler),
            (r"/change-password", ChangePasswordHandler),
            (r"/change-password/([^/]+)", ChangePasswordAdminHandler),
        ]


class GuardedLoginHandler(LoginHandler):  # type: ignore[misc]
    """The login page; says so plainly when this address must wait."""

    async def post(self) -> None:
        name = self.get_argument("username", "", strip=False)
        if self.authenticator.login_blocked(source_of(self), name):
            self.set_status(429)
            html = await self._render(
                login_error=(
                    "Too many wrong passwords from this address. Wait a few minutes, "
                    "then try again."
                ),
                username=name,
            )
            self.finish(html)
            return
        await super().post()


class GuardedSignUpHandler(SignUpHandler):  # type: ignore[misc]
    """The sign-up page, with admin names kept for admins and a limit per hour."""

    async def _refuse(self, status: int, message: str) -> None:
        self.set_status(status)
        html = await self.render_template(
            "signup.html",
            ask_email=self.authenticator.ask_email_on_signup,
            result_message=message,
            alert="alert-danger",
            two_factor_auth=self.authenticator.allow_2fa,
            recaptcha_key=self.authenticator.recaptcha_key,
            tos=self.authenticator.tos,
        )
        self.finish(html)

    async def post(self) -> None:
        if not self.authenticator.enable_signup:
            raise web.HTTPError(404)
        source = source_of(self)
        if self.authenticator.signup_limited(source):
            self.authenticator.log.warning("Sign-up refused: too many from %s", source)
            await self._refuse(429, "Too many sign-ups just now. Please try again later.")
            return
        self.authenticator.note_signup(source)
        name = self.get_body_argument("username", "", strip=False)
        if self.authenticator.is_admin_name(name):
            await self._refuse(403, "This name cannot be used. Please choose another one.")
            return
        await super().post()


class ApprovalHandler(LocalBase):  # type: ignore[misc]
    """``POST /hub/authorize/<name>`` with ``action=approve`` or ``action=refuse`` (admins)."""

    @needs_scope("admin:users")  # type: ignore[untyped-decorator]
    async def post(self, name: str) -> None:
        action = self.get_body_argument("action", "")
        if action == "approve":
            await self.authenticator.approve(name)
        elif action == "refuse":
            self.authenticator.refuse(name)
            user = self.users.get(name)
            if user is not None and user.spawner.active:
                await self.stop_single_user(user)
        else:
            raise web.HTTPError(400, "action must be approve or refuse")
        self.redirect(self.hub.base_url + "authorize")


class DiscardHandler(LocalBase):  # type: ignore[misc]
    """``POST /hub/discard/<name>``: remove a sign-up that was not approved (admins)."""

    @needs_scope("admin:users")  # type: ignore[untyped-decorator]
    async def post(self, name: str) -> None:
        info = self.authenticator.get_user(name)
        if info is not None and not info.is_authorized:
            self.authenticator.delete_user(type("User", (), {"name": info.username}))
            if self.users.get(info.username) is not None:
                self.users.delete(info.username)
        self.redirect(self.hub.base_url + "authorize")


__all__ = ["GuardedNativeAuthenticator", "RecentEvents", "UserInfo"]
