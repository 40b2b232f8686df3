"""The dashboard's kernels, safe on a machine other people also log in to, and hard to exhaust.

Voilà starts one kernel per visit. Out of the box, on a shared host (a JupyterHub, a clinic
server), another account on the machine could see every kernel id in ``ps`` (the connection file
``kernel-<id>.json`` is on the kernel's command line), listen to the kernels' unencrypted TCP
traffic on 127.0.0.1. And anyone could fill the memory by loading the page again and again.
Here:

- **No kernel id on any command line.** Each connection file gets a random name that has
  nothing to do with the kernel id (``WorkbookKernelManager``).
- **No TCP.** Kernels talk over IPC (Unix) sockets, next to their connection file in Voilà's
  connection folder, which only the server's own account can open (``mkdtemp``: 0700).
- **No hand-over of a visit's address.** The private link's secret is in the page's fragment,
  which no server sees; the page tells its kernel itself (``serving.visit``). So Voilà's
  ``/voila/query/<id>``, which would hand a pre-heated kernel the visit's query string and
  headers, is not served (``NoHandOver``) and Voilà keeps nothing for it. The one thing a kernel
  needs from the server, its visitor's network address (the store counts new workbooks per
  address), the server writes next to the kernel's connection file when it gives the kernel to
  a visit (``record_visitor``), in the server's owner-only folder.
- **Old links never reach a kernel.** A ``?session=<token>`` link made before the fragment gets a
  tiny page that moves the token into the fragment at once (``OLD_LINK_PAGE``); no kernel is
  started for it, and the request log never writes a query string.
- **A kernel serves one visitor's address only.** A pre-heated kernel is started without the
  address of the visit that made Voilà start it (Voilà passes it along: ``clean_pool_env``).
- **Caps that never lock patients out.** At most ``max_kernels()`` kernels in all and
  ``kernels_per_address()`` for the visits of one address (the visitor's address as
  ``_visitor.request_visitor`` reads it, behind a trusted proxy too), checked and taken in one
  step; when full, the page idle longest is paused to make room (``_room``). Only when nothing
  can be paused in time does a visit get the busy page (503, "try again in a minute", in the
  visitor's language: ``CappedVoilaHandler``).
- **Kernels no browser ever connected to** (a page load by a script, a link preview) are
  stopped after ``NEVER_CONNECTED_LIMIT`` seconds (and the server looks every
  ``KERNEL_CHECK_EVERY``), not after the hour-long idle limit of a closed tab.
- **No message of a kernel is dropped on its way to the server.** ZeroMQ drops what a kernel
  publishes once 1,000 messages wait unread on the server's side; a private link's first screen
  sends about two thousand (widgets made, the unused new page's closed) while a busy server
  reads them. Lost, the page hangs: the server waits for the kernel's "done" that never comes,
  or the browser for widgets it never gets. The server's sockets keep up to
  ``MESSAGES_KEPT_UNREAD`` (``UnboundedKernelClient`` and the manager's shared context), and
  the dashboard kernel as many, set before it binds its socket (``serving.kernel``).
- **Nothing of the server travels over the websocket.** Errors arrive as plain words, the
  kernels' error stream (where tracebacks go) is not sent, and the server's own paths are
  blanked out of every message (``_channels.PlainChannels``).
- **No private link and no kernel id in the log** (``_logs``).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import secrets
import time
from collections.abc import Callable
from typing import Any

import tornado.web
import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from secondopinion.serving import _seams
from secondopinion.serving._channels import PLAIN_ERROR, PlainChannels
from secondopinion.serving._logs import (
    log_label,
    log_request,
    redact_every_log_line,
    without_query,
)
from secondopinion.serving._room import (
    KERNELS_PER_ADDRESS,
    MAX_KERNELS,
    Visits,
    kernels_per_address,
    max_kernels,
)
from secondopinion.serving._visitor import busy_page, request_visitor
from secondopinion.serving.visit import OLD_LINK_PARAMETER, VISITOR_FILE_SUFFIX
from secondopinion.store import VISITOR_ENV

__all__ = [
    "KERNELS_PER_ADDRESS",
    "MAX_KERNELS",
    "PLAIN_ERROR",
    "PlainChannels",
    "kernels_per_address",
    "log_label",
    "log_request",
    "max_kernels",
    "redact_every_log_line",
    "without_query",
]

NEVER_CONNECTED_LIMIT = 60
"""Seconds after which the kernel of a page no browser ever connected to is stopped."""

BUSY_PAGE = busy_page()
"""The page a visit gets when there is no room, in English (status 503, ``Retry-After: 60``)."""

VISIT_ENV = (
    "QUERY_STRING",
    "SCRIPT_NAME",
    "PATH_INFO",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "SERVER_SOFTWARE",
    "VOILA_REQUEST_URL",
    VISITOR_ENV,
)
"""Environment variables that describe one visit (the first two hold the private link)."""


MESSAGES_KEPT_UNREAD = 50_000
"""Messages a socket of the server keeps from a kernel until it reads them (ZeroMQ: 1,000)."""


def _keeping_messages(context: zmq.asyncio.Context) -> zmq.asyncio.Context:
    """``context``, whose new sockets keep ``MESSAGES_KEPT_UNREAD`` messages rather than drop."""
    context.setsockopt(zmq.RCVHWM, MESSAGES_KEPT_UNREAD)
    return context


class UnboundedKernelClient(AsyncKernelClient):
    """The client Voilà runs the notebook through, which drops nothing the kernel publishes."""

    def __init__(self, **kwargs: Any) -> None:
        created = "context" not in kwargs
        if created:
            kwargs["context"] = _keeping_messages(zmq.asyncio.Context())
        super().__init__(**kwargs)
        self._created_context = created  # so that it is closed with the client


def clean_pool_env(env: dict[str, str]) -> dict[str, str]:
    """A pre-heated kernel's environment without any visitor's address in it."""
    return {k: v for k, v in env.items() if k not in VISIT_ENV and not k.startswith("HTTP_")}


_VISITOR: contextvars.ContextVar[str | None] = contextvars.ContextVar("visitor", default=None)
"""The network address of the visit being served (set by ``CappedVoilaHandler``)."""

_TICKET: contextvars.ContextVar[int | None] = contextvars.ContextVar("ticket", default=None)
"""The place the visit being served took under the caps (``_room.Visits.admit``)."""


class WorkbookKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager, with the kernels described in this module's docstring."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.visits = Visits(self)
        self.started_at: dict[str, float] = {}
        self.ever_connected: set[str] = set()
        self.visitor_files: dict[str, str] = {}

    @property
    def visitor_of(self) -> dict[str, str]:
        """Kernel id → the address of the visit it serves."""
        return self.visits.visitor_of

    def _create_kernel_manager_factory(self) -> Callable[..., Any]:
        create = super()._create_kernel_manager_factory()

        def create_kernel_manager(*args: Any, **kwargs: Any) -> Any:
            # shared by every kernel's manager, which opens the browsers' channels with it
            if self.context.closed:
                self.context = self._context_default()
            _keeping_messages(self.context)
            if kwargs.get("connection_file"):
                # a name unrelated to the kernel id: the file is on the kernel's command line
                folder = os.path.dirname(kwargs["connection_file"])
                kwargs["connection_file"] = os.path.join(folder, f"k-{secrets.token_hex(12)}.json")
                kwargs.setdefault("transport", "ipc")
            manager = create(*args, **kwargs)
            manager.client_factory = UnboundedKernelClient
            return manager

        return create_kernel_manager

    async def start_kernel(  # type: ignore[override]
        self, *, kernel_id: str | None = None, **kwargs: Any
    ) -> str:
        kernel_id = kernel_id or self.new_kernel_id()
        env = dict(kwargs.get("env") or os.environ)
        if env.get("VOILA_PREHEAT") == "True":
            env = clean_pool_env(env)
        else:
            # the visit's place becomes this kernel, in the same step: counted while it starts
            self.visits.kernel_for(_TICKET.get(), kernel_id, _VISITOR.get())
            visitor = _VISITOR.get()
            if visitor:  # the store counts new workbooks per address (``store.visit_address``)
                env[VISITOR_ENV] = visitor
        kwargs["env"] = env
        self.started_at[kernel_id] = time.monotonic()
        try:
            started: str = await super().start_kernel(kernel_id=kernel_id, **kwargs)
        except BaseException:
            self._forget(kernel_id)
            raise
        process = getattr(getattr(self.get_kernel(started), "provisioner", None), "pid", None)
        self.log.info("Kernel %s runs as process %s", started, process)
        return started

    def _forget(self, kernel_id: str) -> None:
        self.visits.forget(kernel_id)
        self.started_at.pop(kernel_id, None)
        self.ever_connected.discard(kernel_id)
        visitor_file = self.visitor_files.pop(kernel_id, None)
        if visitor_file is not None:
            with contextlib.suppress(OSError):
                os.unlink(visitor_file)

    def remove_kernel(self, kernel_id: str) -> Any:
        # a kernel that died is removed without being shut down: its place is free all the same
        try:
            return super().remove_kernel(kernel_id)
        finally:
            self._forget(kernel_id)

    async def shutdown_kernel(  # type: ignore[override]
        self, kernel_id: str, *args: Any, **kwargs: Any
    ) -> None:
        try:
            await super().shutdown_kernel(kernel_id, *args, **kwargs)  # type: ignore[no-untyped-call]
        finally:
            self._forget(kernel_id)

    def notify_connect(self, kernel_id: str) -> None:
        self.ever_connected.add(kernel_id)
        super().notify_connect(kernel_id)  # type: ignore[no-untyped-call]

    def kernels_of(self, visitor: str) -> int:
        """How many kernels (starting ones and places taken included) serve ``visitor``."""
        return self.visits.of(visitor)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        # Voilà's pool subclass returns before this for the waiting pre-heated kernels.
        kernel = self._kernels.get(kernel_id)
        started = self.started_at.get(kernel_id)
        if (
            kernel is not None
            and started is not None
            and kernel_id not in self.ever_connected
            and not self._kernel_connections.get(kernel_id, 0)
            and getattr(kernel, "execution_state", None) != "busy"
            and time.monotonic() - started > NEVER_CONNECTED_LIMIT
        ):
            self.log.info("Stopping a kernel no browser connected to: %s", kernel_id)
            await self.shutdown_kernel(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)  # type: ignore[no-untyped-call]


def record_visitor(kernel_id: str, manager: Any) -> None:
    """Count a pre-heated kernel Voilà just gave to a visit against the visit's address.

    Its "never connected" clock starts now: it may have waited in the pool for an hour, and its
    visitor's browser has yet to load the page and connect. The visitor's address is written
    next to the kernel's connection file (owner-only, in the server's owner-only folder), where
    the kernel reads it (``serving.visit.visitor_address``).
    """
    if not isinstance(manager, WorkbookKernelManager):
        return
    manager.started_at[kernel_id] = time.monotonic()
    visitor = _VISITOR.get()
    manager.visits.kernel_for(_TICKET.get(), kernel_id, visitor)
    connection_file = getattr(manager._kernels.get(kernel_id), "connection_file", "")
    if visitor and connection_file:
        path = connection_file + VISITOR_FILE_SUFFIX
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(visitor)
        manager.visitor_files[kernel_id] = path


class NoHandOver(tornado.web.RequestHandler):
    """Voilà's ``/voila/query/<kernel id>``, not served: no visit's details are handed over."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)


OLD_LINK_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Second-opinion workbook</title>
<script>(function () {
  var query = new URLSearchParams(window.location.search);
  var token = query.get("session") || "";
  query.delete("session");
  var rest = query.toString();
  window.location.replace(window.location.pathname + (rest ? "?" + rest : "") +
    "#workbook=" + encodeURIComponent(token));
})();</script></head>
<body><p>Opening your workbook… / Abriendo su cuaderno…</p></body></html>"""
"""What an old ``?session=<token>`` link gets: a page that moves the token into the fragment."""


class CappedVoilaHandler:
    """Mixed into Voilà's page handler: room for the visit under the caps, and whose it is."""

    _left = False

    def on_connection_close(self) -> None:
        self._left = True
        super().on_connection_close()  # type: ignore[misc]

    async def get(self, *args: Any, **kwargs: Any) -> None:
        handler: Any = self
        if handler.get_query_argument(OLD_LINK_PARAMETER, None) is not None:
            handler.set_header("Content-Type", "text/html; charset=utf-8")
            handler.set_header("Cache-Control", "no-store")
            handler.finish(OLD_LINK_PAGE)
            return
        manager = handler.settings.get("kernel_manager")
        visitor = request_visitor(handler.request)
        visits = getattr(manager, "visits", None)
        ticket = None
        if isinstance(visits, Visits):
            ticket = await visits.admit(visitor, gone=lambda: self._left)
            if ticket is None:
                if self._left:
                    return
                handler.set_status(503)
                handler.set_header("Retry-After", "60")
                handler.set_header("Content-Type", "text/html; charset=utf-8")
                handler.set_header("Cache-Control", "no-store")
                handler.set_header("Vary", "Accept-Language")
                handler.finish(busy_page(handler.request.headers.get("Accept-Language")))
                return
        # Voilà's page shuts its kernel down when the tab closes, with the server's XSRF check:
        # the cookie it needs is set here, so a closed tab gives its room back at once.
        _ = handler.xsrf_token
        token = _VISITOR.set(visitor)
        placed = _TICKET.set(ticket)
        try:
            served = super().get(*args, **kwargs)  # type: ignore[misc]
            if served is not None:
                await served
        finally:
            _TICKET.reset(placed)
            _VISITOR.reset(token)
            if isinstance(visits, Visits) and ticket is not None:
                visits.done(ticket)


def capped(handler: type) -> type:
    """Voilà's page handler with the caps of ``CappedVoilaHandler``."""
    return type(f"Capped{handler.__name__}", (CappedVoilaHandler, handler), {})


def count_handed_visits(manager: Any) -> None:
    """Count each pre-heated kernel Voilà gives to a visit against that visit's address.

    Voilà would keep the visit's details (its query string and headers) for the kernel to fetch
    from ``/voila/query/<id>``; here nothing is kept, since nothing fetches it (``NoHandOver``).
    """
    _seams.stop_handing_over_visits(lambda kernel_id: record_visitor(kernel_id, manager))
