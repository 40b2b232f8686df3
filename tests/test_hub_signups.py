"""The sign-ups waiting for approval, counted for admins only, from the hub's real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
from jupyterhub import orm
from jupyterhub.user import User
from sqlalchemy.orm import Session

from hub.admins import make_missing_admins
from hub.guarded_login import UserInfo
from hub.signups import sign_ups_waiting, waiting_names


@pytest.fixture
def hub_db(tmp_path: Path) -> Iterator[tuple[str, Session]]:
    url = f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}"
    session = orm.new_session_factory(url)()
    yield url, session
    session.close()
    session.get_bind().dispose()


def sign_up(db: Session, name: str, *, approved: bool = False) -> None:
    """A sign-up as NativeAuthenticator stores it."""
    hashed = bcrypt.hashpw(b"a long enough password", bcrypt.gensalt(rounds=4))
    db.add(UserInfo(username=name, password=hashed, is_authorized=approved))
    db.commit()


def hub_user(db: Session, name: str, *, admin: bool = False) -> User:
    """The user as JupyterHub's handlers give it to templates."""
    found = orm.User(name=name, admin=admin)
    db.add(found)
    db.commit()
    return User(found)


def test_an_admin_is_told_how_many_sign_ups_wait(hub_db: tuple[str, Session]) -> None:
    url, db = hub_db
    make_missing_admins(url, ["lead"])  # as run_hub.py makes the first admin: approved
    lead = hub_user(db, "lead", admin=True)
    assert sign_ups_waiting(lead) == 0
    assert waiting_names(db) == []

    sign_up(db, "maria")
    sign_up(db, "joe", approved=True)
    sign_up(db, "ana")
    assert waiting_names(db) == ["maria", "ana"]
    assert sign_ups_waiting(lead) == 2

    maria = db.query(UserInfo).filter_by(username="maria").one()
    maria.is_authorized = True  # the lead approves her
    db.commit()
    assert waiting_names(db) == ["ana"]
    assert sign_ups_waiting(lead) == 1


def test_a_navigator_and_a_visitor_are_not_told(hub_db: tuple[str, Session]) -> None:
    _, db = hub_db
    sign_up(db, "maria", approved=True)
    sign_up(db, "ana")
    assert sign_ups_waiting(hub_user(db, "maria")) is None
    assert sign_ups_waiting(None) is None
