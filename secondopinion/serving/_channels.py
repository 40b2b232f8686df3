"""The kernel's websocket as the page gets it: nothing of the server in it, and who is active.

``PlainChannels`` (Jupyter Server's kernel websocket, configured as Voilà's
``kernel_websocket_connection_class``) sends errors as plain words, keeps the kernels' error stream
(where tracebacks go) on the server, and blanks the server's own paths out of every message. It
also tells the manager's ``visits`` (``_room``) when the page's person does something, so that the
page idle longest can be paused to make room, and which widget is the page's heartbeat.
"""

from __future__ import annotations

import collections
import json
import os
import re
import sys
import tempfile
from typing import Any

from jupyter_client.session import DELIM
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

from secondopinion import settings
from secondopinion.serving._room import Visits

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
        settings.DATA.raw(),
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
        sent = ", ".join(f"{kind} {count}" for kind, count in sorted(self._sent.items()))
        self.log.info("The page of %s closed its channel; it was sent %s", self.kernel_id, sent)
        return super().disconnect()  # type: ignore[no-untyped-call]

    def _on_zmq_reply(self, stream: Any, msg_list: Any) -> None:
        try:
            super()._on_zmq_reply(stream, msg_list)  # type: ignore[no-untyped-call]
        except Exception as error:
            self._sent[f"not written: {type(error).__name__}"] += 1
            raise
        self._sent["written"] += 1

    @property
    def _sent(self) -> collections.Counter[str]:
        """What went to the page, by message type (and what was held back, and why)."""
        if not hasattr(self, "_sent_counts"):
            self._sent_counts: collections.Counter[str] = collections.Counter()
        return self._sent_counts

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
        # a widget's state comes whole when it opens, and its later changes one by one (a
        # class added after it was made arrives as an "update")
        opened_or_changed = msg_type == "comm_open" or data.get("method") == "update"
        if opened_or_changed and isinstance(data.get("state"), dict):
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
            self._sent["unreadable (not sent)"] += 1
            return
        msg_type = header.get("msg_type")
        if msg_type in ("comm_open", "comm_msg"):
            self._learn_widgets(msg_type, content)
        if msg_type == "stream" and content.get("name") == "stderr":
            self._sent["stderr (not sent)"] += 1
            return  # logs and warnings, tracebacks among them, stay on the server
        self._sent[str(msg_type)] += 1
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
