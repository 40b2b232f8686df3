"""Who a visit comes from, and the page it gets when there is no room for it.

- **The visitor's address** is the network address the connection comes from, unless it comes
  from a proxy this server trusts: the hub's proxy (configurable-http-proxy) or any proxy named
  in ``SECOND_OPINION_TRUSTED_PROXIES`` (addresses or networks, separated by commas or spaces).
  Then, and only then, the address is read from the proxy's ``X-Forwarded-For``: each proxy
  adds the address it got the request from at the right end, so the visitor is the first address
  from the right that is not one of the trusted proxies. No other header (``X-Real-IP``,
  ``Forwarded``) is ever read, and a header from anyone else is ignored: a visitor cannot choose
  their own address.
- **The busy page** is in the visitor's language (their browser's ``Accept-Language``).
"""

from __future__ import annotations

import functools
import html
import ipaddress
from collections.abc import Iterable

from secondopinion import settings
from secondopinion.language import N_, preferred_language, translator

TRUSTED_PROXIES_ENV = "SECOND_OPINION_TRUSTED_PROXIES"

MAX_HOPS = 30
"""Addresses of ``X-Forwarded-For`` read, from the right; any further left are not read."""

MAX_ACCEPT_LANGUAGE = 512
"""Characters of ``Accept-Language`` read to choose the busy page's language."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(setting: str) -> tuple[Network, ...]:
    found = []
    for part in setting.replace(",", " ").split():
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"{TRUSTED_PROXIES_ENV} holds {part!r}, which is not an address or a network"
            ) from None
    return tuple(found)


def trusted_proxies() -> tuple[Network, ...]:
    """The proxies whose ``X-Forwarded-For`` is believed (``$SECOND_OPINION_TRUSTED_PROXIES``)."""
    return _networks(settings.TRUSTED_PROXIES.raw())


def _address(text: str) -> IPAddress | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:1.2.3.4, as Node (the hub's proxy) writes them
    return address


def _trusted(address: IPAddress, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def visitor_address(
    peer: str, forwarded_for: Iterable[str] = (), proxies: tuple[Network, ...] | None = None
) -> str:
    """The address a visit comes from: ``peer``, or who a trusted proxy says it forwards.

    ``peer`` is the address of the connection; ``forwarded_for`` the ``X-Forwarded-For`` header
    lines, in order.

    >>> visitor_address("10.0.0.5", ["6.6.6.6"], proxies=())
    '10.0.0.5'
    >>> net = (ipaddress.ip_network("127.0.0.1"),)
    >>> visitor_address("127.0.0.1", ["6.6.6.6, 203.0.113.9"], proxies=net)
    '203.0.113.9'
    """
    proxies = trusted_proxies() if proxies is None else proxies
    here = _address(peer)
    if here is None:
        return peer
    if not _trusted(here, proxies):
        return str(here)
    hops = [hop for line in forwarded_for for hop in line.split(",")][-MAX_HOPS:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not an address: the last trusted proxy is all we know
            return str(here)
        here = address
        if not _trusted(address, proxies):
            return str(address)
    return str(here)


def request_visitor(request: object) -> str:
    """The visitor's address of a Tornado request (see ``visitor_address``)."""
    peer = str(getattr(request, "remote_ip", "") or "")
    headers = getattr(request, "headers", None)
    lines = headers.get_list("X-Forwarded-For") if headers is not None else []
    return visitor_address(peer, lines)


BUSY_TITLE = N_("Busy, please try again")
BUSY_HEADING = N_("The workbook is busy right now")
BUSY_TEXT = N_("Too many pages are open at the moment. Please try again in a minute.")
BUSY_SAFE = N_("Nothing you saved before has been changed.")

_BUSY = (
    "<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<title>{title}</title></head>"
    "<body style='font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em'>"
    "<h1>{heading}</h1>"
    "<p>{text}</p>"
    "<p>{safe}</p></body></html>"
)


def busy_page(accept_language: str | None = None) -> str:
    """The page a visit gets when there is no room (status 503), in the visitor's language."""
    language = preferred_language((accept_language or "")[:MAX_ACCEPT_LANGUAGE])
    _ = translator(language).gettext
    return _BUSY.format(
        lang=language,
        title=html.escape(_(BUSY_TITLE)),
        heading=html.escape(_(BUSY_HEADING)),
        text=html.escape(_(BUSY_TEXT)),
        safe=html.escape(_(BUSY_SAFE)),
    )
