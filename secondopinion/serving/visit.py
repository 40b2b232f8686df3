"""The kernel side of a visit: which page this dashboard kernel serves, and at what address.

Voilà starts a kernel for each visit with the visit's ``QUERY_STRING``, ``SERVER_NAME`` and so
on in its environment. A pre-heated kernel (``VOILA_PREHEAT=True``) is started before anyone
visits: it waits in ``page_query`` until Voilà hands it a visit. Nothing here imports Jupyter
widgets or Voilà's server.
"""

from __future__ import annotations

import json
import logging
import os

log = logging.getLogger("secondopinion.serving")

_visit: dict[str, str] | None = None
"""What Voilà told this pre-heated kernel about its visit, once it has."""


def waits_for_visit() -> bool:
    """Whether this is a pre-heated kernel that has not been given its visit yet."""
    return os.environ.get("VOILA_PREHEAT") == "True" and _visit is None


def page_query() -> str | None:
    """The query string of the page this kernel serves ("" for none), or None if it is unknown.

    Voilà starts a kernel for each visit with the visit's ``QUERY_STRING``, ``SERVER_NAME`` and
    so on in its environment. A pre-heated kernel (``VOILA_PREHEAT=True``) has no visit yet: it
    waits here until Voilà hands it one, and then has the same variables.
    """
    global _visit
    if waits_for_visit():
        visit = _wait_for_visit()
        if visit is None:
            return None
        os.environ.update(visit)
        _visit = visit
    return os.environ.get("QUERY_STRING", "")


HANDOVER_SECRET_ENV = "SECOND_OPINION_HANDOVER"  # noqa: S105 (a variable name)
"""This kernel's own secret, which Voilà's hand-over asks for (``serving._kernels``)."""

HANDOVER_HEADER = "X-Workbook-Handover"

WAIT_ROUND = 300.0
"""Seconds one connection waits for the visit before it is opened again.

A pre-heated kernel may wait hours for its visit, so the wait itself has no end; but no single
connection is trusted for longer than this: a connection that went quiet (a proxy that dropped
it, a server that lost it) is replaced, and Voilà hands the visit it kept to the new one."""


def _wait_for_visit(*, round_timeout: float | None = None) -> dict[str, str] | None:
    # The same exchange as voila.utils.wait_for_request, without importing Voilà's server into
    # the kernel (that import alone takes 1.8 s and 50 MB): Voilà sends the visit's details
    # over a websocket named after the kernel, once the kernel is given to a visit. The kernel
    # proves it is the kernel with its own secret; the secret is then dropped from its
    # environment, so nothing it runs later can read it.
    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    env = os.environ.get
    host = env("VOILA_APP_IP", "127.0.0.1")
    if ":" in host:
        host = f"[{host}]"
    base = env("VOILA_WS_BASE_URL", env("VOILA_SERVER_URL", "/"))
    url = (
        f"{env('VOILA_WS_PROTOCOL', 'ws')}://{host}:{env('VOILA_APP_PORT', '8866')}"
        f"{base}voila/query/{env('VOILA_KERNEL_ID', '')}"
    )
    headers = {HANDOVER_HEADER: env(HANDOVER_SECRET_ENV, "")}
    wait = WAIT_ROUND if round_timeout is None else round_timeout
    failures = 0
    while True:
        try:
            with connect(url, open_timeout=10, max_size=2**16, additional_headers=headers) as ws:
                failures = 0
                try:
                    message = ws.recv(timeout=wait)
                except TimeoutError:
                    continue  # open a fresh connection and wait again
            visit = json.loads(message)
            os.environ.pop(HANDOVER_SECRET_ENV, None)
            return {str(key): str(value) for key, value in visit.items()}
        except InvalidStatus:  # the server does not know this kernel, or not its secret
            log.error("The server refused to tell this pre-heated kernel which page it serves")
            return None
        except (OSError, WebSocketException, ValueError, AttributeError):
            failures += 1
            if failures >= 3:
                log.exception("This pre-heated kernel was not told which page it serves")
                return None


MESSAGES_KEPT_UNSENT = 50_000
"""Messages this kernel keeps for a server that reads them late (ZeroMQ alone: 1,000)."""


def keep_every_message() -> None:
    """Have this kernel keep what it publishes for a busy server rather than drop it.

    ZeroMQ drops what a kernel publishes once 1,000 messages wait for a reader. A private link's
    first screen sends about two thousand at once, and a busy server lost some, the kernel's
    "done" among them: the page then hung. The server's side keeps as many
    (``serving._kernels.MESSAGES_KEPT_UNREAD``). Outside a kernel this does nothing.
    """
    from IPython import get_ipython

    thread = getattr(getattr(get_ipython(), "kernel", None), "iopub_thread", None)
    socket = getattr(thread, "socket", None)
    if thread is None or socket is None:
        return
    import zmq

    # the socket belongs to the kernel's publishing thread: the change is made there
    thread.schedule(lambda: socket.setsockopt(zmq.SNDHWM, MESSAGES_KEPT_UNSENT))


def page_address() -> str | None:
    """The address people open the page at: ``$SECOND_OPINION_PUBLIC_URL`` behind a proxy or hub."""
    public = os.environ.get("SECOND_OPINION_PUBLIC_URL", "").strip()
    if public:
        return public
    host = os.environ.get("SERVER_NAME")
    if not host:
        return None
    port = os.environ.get("SERVER_PORT")
    path = os.environ.get("SCRIPT_NAME", "/")
    return f"http://{host}{':' + port if port else ''}{path}"
