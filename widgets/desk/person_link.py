"""The private link for a new person, at the address people really open, with a QR code.

The address is ``$SECOND_OPINION_PUBLIC_URL`` when it is set (behind a proxy or a hub), else the
dashboard address the desk was told. The QR code is drawn by segno (pure Python) as SVG. A link to
this computer only (127.0.0.1, localhost, ::1) opens nothing on the person's phone: the desk says
so beside it (``LOCAL_LINK_WARNING``), with how to set the public address.

>>> person_link("https://workbook.example.org/", "abc")
'https://workbook.example.org/#workbook=abc'
>>> only_this_computer("http://127.0.0.1:8866/#workbook=abc")
True
"""

from __future__ import annotations

import io
import ipaddress
from typing import Final
from urllib.parse import urlsplit

import segno

from secondopinion import settings
from secondopinion.serving.visit import page_address, private_link

PUBLIC_URL_ENV: Final = settings.PUBLIC_URL.name


def dashboard_address(told: str | None) -> str | None:
    """``$SECOND_OPINION_PUBLIC_URL`` if set, else ``told``; None when neither is known."""
    return page_address((told or "").strip() or None)


def person_link(address: str, token: str) -> str:
    """The private link: the dashboard address with the workbook's secret in its fragment."""
    return private_link(address, token)


def qr_svg(link: str) -> bytes:
    """The link as a QR code, SVG bytes, dark on white with a quiet zone, to print or scan."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, border=4, dark="#111", light="#fff")
    return out.getvalue()


def only_this_computer(link: str) -> bool:
    """True when the link's host is this computer only: localhost, 127.x.x.x, ::1 (or 0.0.0.0)."""
    try:
        host = (urlsplit(link.strip()).hostname or "").rstrip(".")
    except ValueError:  # a malformed address, such as an unclosed "[::1"
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


LOCAL_LINK_WARNING: Final = (
    "This link opens only on this computer: the person's phone cannot open it. Before you give "
    "it to anyone, set <code>SECOND_OPINION_PUBLIC_URL</code> to the dashboard's public address "
    "(for example <code>https://workbook.example.org/</code>), start JupyterLab again, then "
    "make a new private link for this person. On the program's JupyterHub, its admin sets "
    "<code>HUB_PUBLIC_URL</code> instead."
)
"""Shown beside a private link and its QR code that point at this computer only (HTML)."""
