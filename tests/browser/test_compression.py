"""The dashboard's files travel compressed and cacheable, whatever Voilà's own defaults become.

A patient's phone on a mobile network pays for every byte and round trip (issue 15): these
checks read what the real server sends to a real browser, so a Voilà upgrade that undoes the
compression or the caching fails here, not silently on a phone. No timing is checked here
(``benchmarks/bench_phone.py`` measures the time).
"""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, Response

from secondopinion.serving._delivery import EXTENSIONS

from .conftest import DashboardServer, open_workbook

try:
    import brotli

    BROTLI = True
except ImportError:  # the server then answers with gzip
    BROTLI = False

YEAR = 365 * 24 * 3600


@dataclass
class Sent:
    url: str
    kind: str
    headers: dict[str, str]
    size: int


def _first_visit(page: Page, server: DashboardServer) -> list[Sent]:
    sent: list[Sent] = []

    def keep(response: Response) -> None:
        request = response.request
        if request.resource_type in ("script", "stylesheet", "document") and response.ok:
            sent.append(Sent(response.url, request.resource_type, response.headers, 0))

    page.on("response", keep)
    open_workbook(page, server.url)
    return sent


def _hashed(url: str) -> bool:
    """An address that changes when the file does: a fingerprint in the path, name or query."""
    path, _, query = url.partition("?")
    name = path.rsplit("/", 1)[-1]
    return (
        "/voila/static/v-" in path
        or bool(re.search(r"[./][0-9a-f]{16,}\.(js|css)$", name))
        or bool(re.search(r"(^|&)v=[0-9a-f]{8,}", query))
    )


def test_scripts_and_stylesheets_come_compressed_and_hashed_ones_are_cached_for_good(
    page: Page, dashboard_server: DashboardServer
) -> None:
    sent = _first_visit(page, dashboard_server)
    assets = [item for item in sent if item.kind in ("script", "stylesheet")]
    assert len(assets) > 20, "the page loaded fewer scripts than Voilà's front end needs"
    uncompressed = [
        item.url
        for item in assets
        if item.headers.get("content-encoding") not in ("br", "gzip")
        and int(item.headers.get("content-length", "2000")) >= 1024
    ]
    assert not uncompressed, f"sent without compression: {uncompressed[:5]}"
    not_hashed = [item.url for item in assets if not _hashed(item.url)]
    assert not not_hashed, f"scripts or stylesheets a Voilà upgrade could leave stale: {not_hashed}"
    for item in assets:
        cache = item.headers.get("cache-control", "")
        assert "immutable" in cache, f"{item.url} is not cached as immutable: {cache!r}"
        max_age = re.search(r"max-age=(\d+)", cache)
        assert max_age and int(max_age.group(1)) >= YEAR, f"{item.url}: {cache!r}"
    page_itself = next(item for item in sent if item.kind == "document")
    assert page_itself.headers.get("content-encoding") in ("br", "gzip")
    assert "no-store" in page_itself.headers.get("cache-control", "")  # it names its kernel


def test_only_the_extensions_the_page_uses_are_loaded(
    page: Page, dashboard_server: DashboardServer
) -> None:
    sent = _first_visit(page, dashboard_server)
    extensions = {
        match.group(1)
        for item in sent
        if (match := re.search(r"/voila/labextensions/(@[^/]+/[^/]+|[^@/][^/]*)/", item.url))
    }
    assert extensions == set(EXTENSIONS)


@pytest.mark.parametrize(
    ("accepts", "encoding"), [("gzip", "gzip"), ("br, gzip", "br"), ("identity", None)]
)
def test_each_client_gets_an_encoding_it_accepts_and_the_same_file(
    dashboard_server: DashboardServer, accepts: str, encoding: str | None
) -> None:
    if encoding == "br" and not BROTLI:
        encoding = "gzip"  # without the brotli package the server offers gzip only
    page = urllib.request.urlopen(dashboard_server.url, timeout=60).read().decode()
    script = re.search(r'<script src="([^"]*/voila/static/v-[^"]*/voila\.js)"', page)
    assert script, "the page does not load voila.js from its fingerprinted path"
    address = f"http://127.0.0.1:{dashboard_server.port}{script.group(1)}"
    plain = urllib.request.urlopen(
        urllib.request.Request(address, headers={"Accept-Encoding": "identity"}), timeout=60
    ).read()
    request = urllib.request.Request(address, headers={"Accept-Encoding": accepts})
    with urllib.request.urlopen(request, timeout=60) as answer:
        body = answer.read()
        assert answer.headers.get("Content-Encoding") == encoding
        assert "Accept-Encoding" in answer.headers.get("Vary", "")
        etag = answer.headers.get("ETag")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "br":
        body = brotli.decompress(body)
    assert body == plain
    assert etag, "no ETag: the browser could not revalidate the file"
    again = urllib.request.Request(
        address, headers={"Accept-Encoding": accepts, "If-None-Match": etag}
    )
    try:
        urllib.request.urlopen(again, timeout=60)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 304


def test_the_page_names_every_script_it_needs_up_front_and_nothing_more(
    page: Page, dashboard_server: DashboardServer
) -> None:
    """One wave of downloads: each script the page loads is preloaded from its head, none idly.

    The list is ``secondopinion/serving/preload.json``, recorded with Voilà 0.5.13; after an
    upgrade this names the scripts to add or take out.
    """
    sent = _first_visit(page, dashboard_server)
    html = next(item for item in sent if item.kind == "document")
    head = page.evaluate(
        "() => [...document.querySelectorAll('link[rel=preload][as=script]')].map(l => l.href)"
    )
    assert head, "the page preloads nothing"
    preloaded = {url.split("#")[0] for url in head}
    # Scripts the page's own <script src> tags name are asked for in the first wave anyway
    # (webpack takes the tags of the chunks it loads out of the page again once they ran).
    in_the_page = set(
        page.evaluate("() => [...document.querySelectorAll('script[src]')].map(s => s.src)")
    )
    scripts = {item.url for item in sent if item.kind == "script"}
    missing = sorted(scripts - preloaded - in_the_page)
    assert not missing, f"scripts the page asks for only later, wave after wave: {missing}"
    idle = sorted(preloaded - scripts)
    assert not idle, f"preloaded but never used (bytes a phone pays for nothing): {idle}"
    assert "workbookPreload" not in page.content(), "the list was sent twice"
    assert html.url.startswith(dashboard_server.url)


def test_the_kernel_channel_is_compressed(page: Page, dashboard_server: DashboardServer) -> None:
    """The widgets' state (JSON, about 2 MB for the first screen) travels deflated."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    extensions: dict[str, str] = {}

    def handshake(event: dict) -> None:  # type: ignore[type-arg]
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        extensions[event["requestId"]] = headers.get("sec-websocket-extensions", "")

    session.on("Network.webSocketHandshakeResponseReceived", handshake)
    open_workbook(page, dashboard_server.url)
    page.wait_for_timeout(500)
    assert extensions, "no websocket seen"
    assert any("permessage-deflate" in value for value in extensions.values()), extensions
