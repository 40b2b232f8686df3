"""How the dashboard's files travel: compressed, cached by the browser, and no more than it uses.

A patient on a phone over a mobile network pays for every byte and every round trip, so the
dashboard server (a subclass of Voilà's application, ``WorkbookVoila``) changes three things:

- **Compressed answers.** Every text-like answer is sent with brotli where the browser accepts it
  (when the ``brotli`` package is installed), gzip otherwise. Static files (Voilà's scripts, the
  widgets' scripts, the stylesheets) are compressed once, kept in memory, and sent from there:
  first quickly (brotli 5 or gzip 6, a few milliseconds), then, once a background thread has done
  it, at the strongest level (brotli 11, gzip 9). The page itself and the small API answers go
  through a Tornado output transform (Voilà applies ``tornado_settings`` after its Tornado
  application is built, so ``compress_response`` there would do nothing).
- **Caching that fits each file.** Voilà names its script chunks ``1234.voila.js``, with no hash
  in the name, so the page is told to load them from a path that carries a fingerprint of the
  installed Voilà (``/voila/static/v-<hash>/``). Those files, the widget scripts whose names carry
  a content hash, and any file asked for with ``?v=<hash>`` are cached for a year as immutable:
  a return visit does not ask for them again. Everything else is revalidated (``no-cache`` with an
  ``ETag``), so a return visit gets a short "not modified".
- **Only the extensions the page uses.** The page loads the Jupyter widgets and Voilà's widget
  manager, not the other JupyterLab extensions that happen to be installed (see
  ``EXTENSIONS``).

Nothing here changes what the server answers, only how it travels. When a proxy in front
already compresses, ``SECOND_OPINION_COMPRESS=0`` turns the compression here off.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import threading
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import FileFindHandler
from tornado import httputil
from voila.app import Voila
from voila.static_file_handler import MultiStaticFileHandler, TemplateStaticFileHandler

from secondopinion import settings
from secondopinion.serving import _kernels

try:  # brotli is optional: without it, browsers get gzip
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None

EXTENSIONS = ["@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8"]
"""The JupyterLab extensions the dashboard page loads; any other installed one is left out."""

IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of a file whose address changes whenever its content does."""

REVALIDATE = "no-cache"
"""Cache-Control of every other file: keep it, but ask (with its ETag) before using it again."""

WEBSOCKET_COMPRESSION = {"compression_level": 6, "mem_level": 8}
"""permessage-deflate on the kernel's websocket (Tornado's ``websocket_compression_options``)."""

COMPRESSIBLE = re.compile(
    r"^(text/.*|application/(javascript|x-javascript|json|xml|xhtml\+xml|wasm)|image/svg\+xml)$"
)
"""Content types worth compressing (fonts in woff/woff2 and images are compressed already)."""

MIN_LENGTH = 1024
"""Answers shorter than this are sent as they are: compressing them saves nothing."""

_HASHED_NAME = re.compile(r"(^|[./-])[0-9a-f]{16,}\.[a-z0-9]+$")
"""A file name with a content hash in it: ``remoteEntry.be18471aaf567c023b03.js``."""


def _static_fingerprint() -> str:
    """A short name for the installed Voilà's static files: changes when Voilà does."""
    import voila

    static = Path(voila.__file__).resolve().parent
    digest = hashlib.sha256(f"{voila.__version__}:{static}".encode())
    for path in sorted((static.parents[3] / "share/jupyter/voila/templates/base/static").glob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return "v-" + digest.hexdigest()[:16]


STATIC_VERSION = _static_fingerprint()
"""The path segment that makes the address of Voilà's scripts change when Voilà is upgraded."""


def accepted_encoding(accept_encoding: str) -> str | None:
    """The encoding to answer with: ``br`` if accepted (and available), else ``gzip``, else none."""
    offered = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        offered[name.strip().lower()] = quality
    if brotli is not None and offered.get("br", 0) > 0:
        return "br"
    if offered.get("gzip", 0) > 0:
        return "gzip"
    return None


def compress(data: bytes, encoding: str, *, best: bool) -> bytes:
    """``data`` compressed with ``encoding`` (``br`` or ``gzip``), strongest when ``best``."""
    if encoding == "br":
        assert brotli is not None
        return bytes(brotli.compress(data, quality=11 if best else 5))
    return gzip.compress(data, compresslevel=9 if best else 6, mtime=0)


class _Store:
    """Compressed static files in memory: each compressed once, then improved in the background."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, int, int, str], bytes] = {}
        self._improving: set[tuple[str, int, int, str]] = set()
        self._workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compress")

    def get(self, path: str, encoding: str) -> bytes | None:
        """``path`` compressed with ``encoding``, or None if compressing saves nothing."""
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size, encoding)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            return kept or None
        with open(path, "rb") as file:
            data = file.read()
        quick = compress(data, encoding, best=False)
        kept = quick if len(quick) < len(data) else b""
        with self._lock:
            self._kept.setdefault(key, kept)
            start = bool(kept) and key not in self._improving
            self._improving.add(key)
        if start:
            self._workers.submit(self._improve, key, data)
        return kept or None

    def _improve(self, key: tuple[str, int, int, str], data: bytes) -> None:
        best = compress(data, key[3], best=True)
        with self._lock:
            if len(best) < len(self._kept.get(key, data)):
                self._kept[key] = best

    def wait(self) -> None:
        """Wait until every improvement asked for so far is done (for tests and benchmarks)."""
        self._workers.submit(lambda: None).result()


STORE = _Store()


class _Delivered(tornado.web.StaticFileHandler):
    """A static file handler that sends compressed copies from memory and the right caching.

    Mixed into Voilà's own static handlers (``delivered``); their way of finding files stays.
    """

    _encoding: str | None = None
    _encoded: bytes | None = None
    compressing = True
    """False when a proxy in front compresses (``SECOND_OPINION_COMPRESS=0``): caching only."""

    def set_headers(self) -> None:
        self._encoding = self._encoded = None
        assert self.absolute_path is not None
        if self.compressing and COMPRESSIBLE.match(self.get_content_type().split(";")[0].strip()):
            self.set_header("Vary", "Accept-Encoding")
            encoding = accepted_encoding(self.request.headers.get("Accept-Encoding", ""))
            if encoding and os.path.getsize(self.absolute_path) >= MIN_LENGTH:
                self._encoded = STORE.get(self.absolute_path, encoding)
                if self._encoded is not None:
                    self._encoding = encoding
                    self.set_header("Content-Encoding", encoding)
        super().set_headers()
        self.set_header("Cache-Control", IMMUTABLE if self._immutable() else REVALIDATE)

    def _immutable(self) -> bool:
        path = self.request.path
        if f"/voila/static/{STATIC_VERSION}/" in path:
            return True
        if self.get_argument("v", ""):
            return True
        return bool(_HASHED_NAME.search(path.rsplit("/", 1)[-1]))

    def compute_etag(self) -> str | None:
        # Voilà's labextension handler sends no ETag; every file here gets one from its content.
        etag = tornado.web.StaticFileHandler.compute_etag(self)
        if etag and self._encoding:
            etag = f'{etag[:-1]}-{self._encoding}"'
        return etag

    @classmethod
    def get_content_version(cls, abspath: str) -> str:
        # Tornado hashes the file through ``get_content``, which here sends the compressed copy.
        digest = hashlib.sha512()
        with open(abspath, "rb") as file:
            digest.update(file.read())
        return digest.hexdigest()

    def get_content_size(self) -> int:
        if self._encoded is not None:
            return len(self._encoded)
        return super().get_content_size()

    def get_content(  # type: ignore[override]
        self, abspath: str, start: int | None = None, end: int | None = None
    ) -> bytes | Iterable[bytes]:
        if self._encoded is not None:
            return self._encoded[start:end]
        return super().get_content(abspath, start, end)


_DELIVERED: dict[type, type] = {}


def delivered(handler: type) -> type:
    """``handler`` with compressed copies and caching, if it is one of Voilà's static handlers."""
    if handler not in (TemplateStaticFileHandler, MultiStaticFileHandler, FileFindHandler):
        return handler  # the themes handler rewrites its files; the transform compresses those
    if handler not in _DELIVERED:
        _DELIVERED[handler] = type(f"Delivered{handler.__name__}", (_Delivered, handler), {})
    return _DELIVERED[handler]


class CompressedOutput(tornado.web.OutputTransform):
    """Compresses the page and API answers as they are written (brotli or gzip).

    Static files arrive already compressed (``Content-Encoding`` set) and pass through.
    """

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        self._encoding = accepted_encoding(request.headers.get("Accept-Encoding", ""))
        self._compressor: Any = None

    def transform_first_chunk(
        self, status_code: int, headers: httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, httputil.HTTPHeaders, bytes]:
        ctype = str(headers.get("Content-Type", "")).split(";")[0].strip()
        if not COMPRESSIBLE.match(ctype) or status_code in (101, 204, 304):
            self._encoding = None
            return status_code, headers, chunk
        if "Accept-Encoding" not in headers.get("Vary", ""):
            headers["Vary"] = ", ".join(filter(None, [headers.get("Vary"), "Accept-Encoding"]))
        if (
            self._encoding is None
            or "Content-Encoding" in headers
            or (finishing and len(chunk) < MIN_LENGTH)
        ):
            self._encoding = None
            return status_code, headers, chunk
        headers["Content-Encoding"] = self._encoding
        if self._encoding == "br":
            assert brotli is not None
            self._compressor = brotli.Compressor(quality=5)
        else:
            self._compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        chunk = self.transform_chunk(chunk, finishing)
        if "Content-Length" in headers:
            if finishing:
                headers["Content-Length"] = str(len(chunk))
            else:
                del headers["Content-Length"]
        if "Etag" in headers:  # a compressed answer is a different representation
            headers["Etag"] = headers["Etag"].rstrip('"') + f'-{self._encoding}"'
        return status_code, headers, chunk

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        if self._encoding is None:
            return chunk
        if self._encoding == "br":
            out = self._compressor.process(chunk)
            out += self._compressor.finish() if finishing else self._compressor.flush()
            return bytes(out)
        out = self._compressor.compress(chunk)
        out += self._compressor.flush(zlib.Z_FINISH if finishing else zlib.Z_SYNC_FLUSH)
        return bytes(out)


PRELOAD = Path(__file__).with_name("preload.json")
"""The scripts a dashboard page loads, beyond ``voila.js``, in the order the page asks for them.

Voilà's scripts are webpack chunks that ask for more chunks once they have run, and the widgets'
extensions only once Voilà's have: on a phone's 150 ms round trip that makes four waves of
downloads, each waiting for the one before. The page's head names every one of them with
``<link rel="preload">``, so they all come in one wave. The list was recorded from a page load
with Voilà 0.5.13 and its widgets (``tests/browser/test_compression.py`` checks that the page asks
for nothing that is not on it, so an upgrade cannot silently make it stale); a file that is not
installed is left out rather than asked for.
"""


def _installed(relative: str, roots: Iterable[str | Path]) -> bool:
    name = relative.split("?", 1)[0]
    return any((Path(root) / name).is_file() for root in roots)


@functools.cache
def _preload_files() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(Voilà's chunks, extension files) on the recorded list that are installed here."""
    import voila
    from voila.utils import get_voila_labextensions_path

    try:
        recorded = json.loads(PRELOAD.read_text())
    except (OSError, ValueError):
        return (), ()
    static = Path(voila.__file__).resolve().parents[4] / "share/jupyter/voila/templates/base/static"
    labextensions = get_voila_labextensions_path()
    allowed = tuple(f"{name}/" for name in EXTENSIONS)
    return (
        tuple(name for name in recorded.get("static", []) if _installed(name, [static])),
        tuple(
            name
            for name in recorded.get("labextensions", [])
            if name.startswith(allowed) and _installed(name, labextensions)
        ),
    )


def preload_urls(page_config: dict[str, Any]) -> list[str]:
    """The addresses of every script on the preload list, for this page's configuration."""
    static, labextensions = _preload_files()
    static_url = page_config["fullStaticUrl"].rstrip("/")
    labextensions_url = page_config.get("fullLabextensionsUrl", "").rstrip("/")
    urls = [f"{static_url}/{name}" for name in static]
    if labextensions_url:
        urls += [f"{labextensions_url}/{name}" for name in labextensions]
    return urls


def versioned_static(page_config: dict[str, Any], **_: Any) -> dict[str, Any]:
    """Voilà's ``page_config_hook``: load Voilà's scripts from the fingerprinted path, at once.

    ``workbookPreload`` (the addresses of ``preload_urls``) is taken out again by the page
    template, which turns it into ``<link rel="preload">`` in the page's head.
    """
    page_config["fullStaticUrl"] = f"{page_config['fullStaticUrl'].rstrip('/')}/{STATIC_VERSION}"
    page_config["workbookPreload"] = preload_urls(page_config)
    return page_config


class WorkbookVoila(Voila):  # type: ignore[misc]
    """Voilà's application with the delivery above: compressed, well cached, nothing unused.

    Its configuration is ``configure_voila``'s; only its handlers are its own: the static files
    from memory, compressed, with the caching that fits each, and the page under the caps.
    """

    def init_handlers(self) -> list[Any]:
        handlers: list[Any] = super().init_handlers()
        _Delivered.compressing = settings.compress()
        if _Delivered.compressing:
            self.app.add_transform(CompressedOutput)
        paths = self.static_paths
        versioned = (
            f"{self.server_url.rstrip('/')}/voila/static/{STATIC_VERSION}/(.*)",
            delivered(MultiStaticFileHandler),
            {"paths": paths, "default_filename": "index.html"},
        )
        _kernels.count_handed_visits(self.kernel_manager)
        rules = [(rule[0], _guarded(delivered(rule[1])), *rule[2:]) for rule in handlers]
        return [versioned, *rules]


def _guarded(handler: type) -> type:
    """Voilà's handler, or its guarded version: the page (caps); no hand-over of visits."""
    from voila.request_info_handler import RequestInfoSocketHandler
    from voila.tornado.handler import TornadoVoilaHandler

    if handler is RequestInfoSocketHandler:
        return _kernels.NoHandOver
    if handler is TornadoVoilaHandler:
        return _kernels.capped(handler)
    return handler
