"""The dashboard's kernels, safe on a machine other people also log in to, and hard to exhaust.

Voilà starts one kernel per visit. Out of the box, on a shared host (a JupyterHub, a clinic
server), another account on the machine could see every kernel id in ``ps`` (the connection file
``kernel-<id>.json`` is on the kernel's command line), listen to the kernels' unencrypted TCP
traffic on 127.0.0.1, and open ``/voila/query/<id>`` of a pre-heated kernel to take the next
visitor's private link. And anyone could fill the memory by loading the page again and again.
Here:

- **No kernel id on any command line.** Each connection file gets a random name that has
  nothing to do with the kernel id (``WorkbookKernelManager``).
- **No TCP.** Kernels talk over IPC (Unix) sockets, next to their connection file in Voilà's
  connection folder, which only the server's own account can open (``mkdtemp``: 0700).
- **The hand-over of a visit takes a secret.** Each pre-heated kernel is started with a secret
  of its own in its environment (``HANDOVER_SECRET_ENV``); ``/voila/query/<id>`` answers only a
  connection that brings that kernel's secret (``HandOverHandler``), so knowing a kernel id is
  not enough to take a visit. What Voilà keeps for a kernel is forgotten once handed over, and
  when the kernel stops.
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
  the dashboard kernel as many (``visit.keep_every_message``).
- **Nothing of the server travels over the websocket.** Errors arrive as plain words, the
  kernels' error stream (where tracebacks go) is not sent, and the server's own paths are
  blanked out of every message (``PlainChannels``).
- **No private link and no kernel id in the log** (``_logs``).
"""

from __future__ import annotations

import contextvars
import hmac
import json
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import tornado.web
import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.session import DELIM
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from voila.request_info_handler import RequestInfoSocketHandler

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
from secondopinion.store import VISITOR_ENV

__all__ = [
    "KERNELS_PER_ADDRESS",
    "MAX_KERNELS",
    "kernels_per_address",
    "log_label",
    "log_request",
    "max_kernels",
    "redact_every_log_line",
    "without_query",
]

HANDOVER_SECRET_ENV = "SECOND_OPINION_HANDOVER"  # noqa: S105 (a variable name)
"""The environment variable that holds a pre-heated kernel's own hand-over secret."""

HANDOVER_HEADER = "X-Workbook-Handover"
"""The header a pre-heated kernel sends its secret in, when it asks for its visit."""

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
    """A pre-heated kernel's environment without any visitor's address or secret in it."""
    clean = {k: v for k, v in env.items() if k not in VISIT_ENV and not k.startswith("HTTP_")}
    clean.pop(HANDOVER_SECRET_ENV, None)
    return clean


_VISITOR: contextvars.ContextVar[str | None] = contextvars.ContextVar("visitor", default=None)
"""The network address of the visit being served (set by ``CappedVoilaHandler``)."""

_TICKET: contextvars.ContextVar[int | None] = contextvars.ContextVar("ticket", default=None)
"""The place the visit being served took under the caps (``_room.Visits.admit``)."""


class WorkbookKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager, with the kernels described in this module's docstring."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.handover_secrets: dict[str, str] = {}
        self.visits = Visits(self)
        self.started_at: dict[str, float] = {}
        self.ever_connected: set[str] = set()

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
        secret = None
        if env.get("VOILA_PREHEAT") == "True":
            env = clean_pool_env(env)
            secret = secrets.token_urlsafe(32)
            env[HANDOVER_SECRET_ENV] = secret
        else:
            env.pop(HANDOVER_SECRET_ENV, None)
            # the visit's place becomes this kernel, in the same step: counted while it starts
            self.visits.kernel_for(_TICKET.get(), kernel_id, _VISITOR.get())
            visitor = _VISITOR.get()
            if visitor:  # the store counts new workbooks per address (``store.visit_address``)
                env[VISITOR_ENV] = visitor
        kwargs["env"] = env
        if secret is not None:
            self.handover_secrets[kernel_id] = secret
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
        self.handover_secrets.pop(kernel_id, None)
        self.visits.forget(kernel_id)
        self.started_at.pop(kernel_id, None)
        self.ever_connected.discard(kernel_id)
        RequestInfoSocketHandler._cache.pop(kernel_id, None)

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
    visitor's browser has yet to load the page and connect.
    """
    if isinstance(manager, WorkbookKernelManager):
        manager.started_at[kernel_id] = time.monotonic()
        manager.visits.kernel_for(_TICKET.get(), kernel_id, _VISITOR.get())


class HandOverHandler(RequestInfoSocketHandler):  # type: ignore[misc]
    """``/voila/query/<kernel id>``, answered only for the kernel that brings its own secret."""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        kernel_id = args[0] if args else kwargs.get("kernel_id", "")
        manager = self.settings.get("kernel_manager")
        expected = getattr(manager, "handover_secrets", {}).get(kernel_id)
        given = self.request.headers.get(HANDOVER_HEADER, "")
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            raise tornado.web.HTTPError(403)
        await super().get(*args, **kwargs)

    def open(self, kernel_id: str) -> None:
        # Handed over once, then forgotten: Voilà would keep the visit until the server stops.
        RequestInfoSocketHandler._waiters[kernel_id] = self
        waiting = RequestInfoSocketHandler._cache.pop(kernel_id, None)
        if waiting is not None:
            self.write_message(waiting)

    def on_close(self) -> None:
        # Voilà's own on_close removes the last waiter when this one is not found.
        waiters = RequestInfoSocketHandler._waiters
        for kernel_id, waiter in list(waiters.items()):
            if waiter is self:
                del waiters[kernel_id]


class CappedVoilaHandler:
    """Mixed into Voilà's page handler: room for the visit under the caps, and whose it is."""

    _left = False

    def on_connection_close(self) -> None:
        self._left = True
        super().on_connection_close()  # type: ignore[misc]

    async def get(self, *args: Any, **kwargs: Any) -> None:
        handler: Any = self
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


# What travels over the websocket to the page


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/")
PLAIN_ERROR = "Something went wrong on the server."


def server_paths() -> list[str]:
    """Folders of this machine that must not show on a page, longest first."""
    found = {
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.expanduser("~"),
        tempfile.gettempdir(),
        os.environ.get("SECOND_OPINION_DATA", ""),
    }
    return sorted((p for p in found if p and p != "/" and len(p) > 4), key=len, reverse=True)


_PATHS = server_paths()


def plain(value: Any) -> Any:
    """``value`` (a message's content) with tracebacks replaced and server paths blanked out."""
    if isinstance(value, str):
        if TRACEBACK.search(value):
            return PLAIN_ERROR
        for path in _PATHS:
            if path in value:
                value = value.replace(path, "…")
        return value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class PlainChannels(ZMQChannelsWebsocketConnection):
    """The kernel websocket, with nothing of the server in what it sends to the page.

    It also tells the manager's ``visits`` (``_room``) when the page's person does something, and
    keeps the channel known to it, so that a page paused to make room is told.
    """

    def _visits(self) -> Visits | None:
        visits = getattr(self.multi_kernel_manager, "visits", None)
        return visits if isinstance(visits, Visits) else None

    def connect(self) -> Any:
        visits = self._visits()
        if visits is not None:
            visits.connected(self.kernel_id, self)
            visits.seen(self.kernel_id)
        return super().connect()

    def disconnect(self) -> Any:
        visits = self._visits()
        if visits is not None:
            visits.disconnected(self.kernel_id, self)
        return super().disconnect()  # type: ignore[no-untyped-call]

    def handle_incoming_message(self, incoming_msg: Any) -> None:
        visits = self._visits()
        if visits is not None and not self._is_beat(visits, incoming_msg):
            visits.seen(self.kernel_id)
        super().handle_incoming_message(incoming_msg)

    def _is_beat(self, visits: Visits, incoming_msg: Any) -> bool:
        """Whether a message from the page is its heartbeat's ping (not the person)."""
        if not visits.beat_comms.get(self.kernel_id):
            return False
        try:
            if self.subprotocol == "v1.kernel.websocket.jupyter.org":
                _, parts = deserialize_msg_from_ws_v1(incoming_msg)  # type: ignore[no-untyped-call]
                header, content = json.loads(parts[0]), json.loads(parts[3])
            else:
                message = json.loads(incoming_msg)
                header, content = message.get("header", {}), message.get("content", {})
        except Exception:  # not a message we can read: Jupyter Server says so
            return False
        if header.get("msg_type") != "comm_msg" or not isinstance(content, dict):
            return False
        return visits.is_beat(self.kernel_id, content.get("comm_id"))

    def _learn_widgets(self, msg_type: Any, content: dict[str, Any]) -> None:
        visits = self._visits()
        data = content.get("data")
        if visits is None or not isinstance(data, dict):
            return
        if msg_type == "comm_open" and isinstance(data.get("state"), dict):
            visits.learn_widgets(self.kernel_id, {str(content.get("comm_id")): data["state"]})
        elif msg_type == "comm_msg" and data.get("method") == "update_states":
            states = data.get("states")
            if isinstance(states, dict):
                visits.learn_widgets(
                    self.kernel_id,
                    {k: v.get("state") for k, v in states.items() if isinstance(v, dict)},
                )

    def handle_outgoing_message(self, stream: Any, outgoing_msg: list[Any]) -> None:
        idents, fed = self.session.feed_identities(outgoing_msg)
        parts = fed[1:]
        try:
            header = self.session.unpack(parts[0])
            content = self.session.unpack(parts[3])
        except Exception:  # not a message we can read: send nothing
            return
        msg_type = header.get("msg_type")
        if msg_type in ("comm_open", "comm_msg"):
            self._learn_widgets(msg_type, content)
        if msg_type == "stream" and content.get("name") == "stderr":
            return  # logs and warnings, tracebacks among them, stay on the server
        if msg_type == "error":
            content = {"ename": "Error", "evalue": PLAIN_ERROR, "traceback": [PLAIN_ERROR]}
        else:
            content = plain(content)
        if msg_type in ("execute_reply",) and content.get("status") == "error":
            content = {"status": "error", "ename": "Error", "evalue": PLAIN_ERROR, "traceback": []}
        parts = [parts[0], parts[1], parts[2], self.session.pack(content), *parts[4:]]
        # the message is checked against its signature again: sign the new one
        signature = self.session.sign(parts[:4])
        super().handle_outgoing_message(stream, [*idents, DELIM, signature, *parts])


def count_handed_visits(manager: Any) -> None:
    """Count each pre-heated kernel Voilà gives to a visit against that visit's address."""
    if getattr(RequestInfoSocketHandler.send_updates, "_counts_visits", False):
        return
    send = RequestInfoSocketHandler.send_updates

    def send_updates(cls: type, msg: dict[str, Any]) -> None:
        record_visitor(str(msg.get("kernel_id", "")), manager)
        visitor = _VISITOR.get()
        if visitor and isinstance(msg.get("payload"), dict):
            # the store counts new workbooks per address (``store.visit_address``)
            msg = {**msg, "payload": {**msg["payload"], VISITOR_ENV: visitor}}
        send(msg)

    send_updates._counts_visits = True  # type: ignore[attr-defined]
    RequestInfoSocketHandler.send_updates = classmethod(send_updates)
