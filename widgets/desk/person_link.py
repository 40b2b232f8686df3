"""The private link for a new person, at the address people really open, with a QR code.

The address is ``$SECOND_OPINION_PUBLIC_URL`` when it is set (behind a proxy or a hub), else the
dashboard address the desk was told. The QR code is drawn by segno (pure Python) as SVG.

>>> person_link("https://workbook.example.org/", "abc")
'https://workbook.example.org/?session=abc'
"""

from __future__ import annotations

import io
import os
from typing import Final

import segno

PUBLIC_URL_ENV: Final = "SECOND_OPINION_PUBLIC_URL"
LINK_PARAMETER: Final = "session"
"""The query parameter of the dashboard's private link (see ``widgets.dashboard``)."""


def dashboard_address(told: str | None) -> str | None:
    """``$SECOND_OPINION_PUBLIC_URL`` if set, else ``told``; None when neither is known."""
    public = os.environ.get(PUBLIC_URL_ENV, "").strip()
    address = public or (told or "").strip()
    return address or None


def person_link(address: str, token: str) -> str:
    """The private link: the dashboard address with the workbook's secret as its query."""
    base = address.split("?", 1)[0].split("#", 1)[0]
    return f"{base}?{LINK_PARAMETER}={token}"


def qr_svg(link: str) -> bytes:
    """The link as a QR code, SVG bytes, dark on white with a quiet zone, to print or scan."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, border=4, dark="#111", light="#fff")
    return out.getvalue()
