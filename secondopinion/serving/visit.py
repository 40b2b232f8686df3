"""The kernel side of a visit: what the page tells its kernel, and whose address it came from.

The private link carries its secret in the address's fragment (``#workbook=<token>``), which a
browser never sends to any server. The page reads it and hands it, with the browser's languages
and the page's own address, to its kernel over the widget channel (``widgets.parts.visit``);
``read_visit`` checks what came. The network address of the visitor is the server's to say, not
the page's: the server writes it next to the kernel's connection file when it gives the kernel to
a visit (``serving._kernels``), in a folder only the server's account can open, and
``visitor_address`` reads it there. Nothing here imports Jupyter widgets or Voilà's server.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from secondopinion import settings
from secondopinion.store import VISITOR_ENV

log = logging.getLogger("secondopinion.serving")

LINK_FRAGMENT = "workbook"
"""The private link is ``<page address>#workbook=<token>``."""

CARE_TEAM_FRAGMENT = "care-team"
"""The care team's read-only link is ``<page address>#care-team=<token>``."""

OLD_LINK_PARAMETER = "session"
"""Links made before the fragment carried ``?session=<token>``; the server moves it at once."""

VISITOR_FILE_SUFFIX = ".visitor"
"""The server writes a kernel's visitor next to its connection file, with this suffix."""

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}")
_MOST = 4096  # characters: a visit is a token, a few languages and an address


@dataclass(frozen=True, slots=True)
class Visit:
    """What the page told its kernel: the link's secret (if any), languages, its own address.

    ``broken_link`` is true when the address had a link's secret that cannot be one (cut short
    by a mail program, or made up): that page says the link opens nothing, not a new workbook.
    ``care_team_token`` is the secret of the care team's read-only link (``#care-team=``),
    checked like ``token``.
    """

    token: str | None
    languages: str
    asked_language: str | None
    address: str | None
    broken_link: bool = False
    care_team_token: str | None = None


def read_visit(text: str) -> Visit | None:
    """The visit the page sent as JSON text, or None if it is not one (nothing is trusted).

    >>> read_visit('{"token": "abc", "languages": "es-MX,en", "address": "https://x.org/"}').token
    'abc'
    """
    if not text or len(text) > _MOST:
        return None
    try:
        sent = json.loads(text)
    except ValueError:
        return None
    if not isinstance(sent, dict):
        return None
    token, broken = _secret(sent.get("token"))
    care_team_token, care_team_broken = _secret(sent.get("care_team_token"))
    languages = sent.get("languages")
    asked = sent.get("lang")
    address = sent.get("address")
    return Visit(
        token=token,
        languages=languages if isinstance(languages, str) else "",
        asked_language=asked if isinstance(asked, str) and asked else None,
        address=address if isinstance(address, str) and _web_address(address) else None,
        broken_link=broken or care_team_broken,
        care_team_token=care_team_token,
    )


def _secret(sent: object) -> tuple[str | None, bool]:
    """A link's secret as sent (None if none), and whether one was sent that cannot be one."""
    if sent is None:
        return None, False
    if isinstance(sent, str) and _TOKEN.fullmatch(sent):
        return sent, False
    return None, True


def _web_address(address: str) -> bool:
    return address.startswith(("http://", "https://")) and not re.search(r"[\s<>\"'#?]", address)


def visitor_address() -> str | None:
    """The visitor's network address, as the server saw it (None outside a dashboard visit).

    A kernel started for one visit has it in its environment (``$SECOND_OPINION_VISITOR``); a
    pre-heated kernel, given to a visit later, finds it in the file the server wrote next to its
    connection file. Either way it is put in the environment, where the store reads it
    (``store.visit_address``) to count new workbooks per address.
    """
    known = settings.text(settings.VISITOR)
    if known:
        return known
    connection_file = _connection_file()
    if connection_file is None:
        return None
    try:
        address = Path(connection_file + VISITOR_FILE_SUFFIX).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if address:
        os.environ[VISITOR_ENV] = address
    return address or None


def _connection_file() -> str | None:
    try:
        from ipykernel.connect import get_connection_file
    except ImportError:  # pragma: no cover - the dashboard always runs in ipykernel
        return None
    try:
        return str(get_connection_file())
    except Exception:  # not in a kernel (a test, the command line)
        return None


def page_address(told: str | None = None) -> str | None:
    """The address people open the page at: ``$SECOND_OPINION_PUBLIC_URL`` if set, else ``told``.

    ``told`` is the address the page gave for itself (``Visit.address``). Behind a proxy or a hub
    the public address is set, and wins.
    """
    return settings.text(settings.PUBLIC_URL) or told or None


def private_link(address: str, token: str) -> str:
    """The private link: the page's address with the workbook's secret in its fragment.

    >>> private_link("https://workbook.example.org/?lang=es#old", "abc")
    'https://workbook.example.org/#workbook=abc'
    """
    return _with_secret(address, LINK_FRAGMENT, token)


def care_team_link(address: str, token: str) -> str:
    """The care team's read-only link: the page's address with its own secret in the fragment.

    >>> care_team_link("https://workbook.example.org/?lang=es", "xyz")
    'https://workbook.example.org/#care-team=xyz'
    """
    return _with_secret(address, CARE_TEAM_FRAGMENT, token)


def _with_secret(address: str, key: str, token: str) -> str:
    base = address.split("#", 1)[0].split("?", 1)[0]
    return f"{base}#{key}={token}"
