"""Where the dashboard server touches other libraries' private parts, and the check of their shape.

The server subclasses Voilà's application, Jupyter Server's kernel manager and kernel websocket,
and jupyter_client's kernel client (``_delivery``, ``_kernels``); it replaces one method of
Voilà's visit hand-over (``stop_handing_over_visits``, here); the dashboard's and the
navigators' kernel (``serving.kernel``) sets the limit of ipykernel's publishing socket before it
is bound and moves ipykernel's pipe to IPC. None of that is those libraries' public API, so
an upgrade could change it without notice and the server would then misbehave quietly.

``TOUCHED`` names every such thing: the library, the attribute, and for a method its parameters.
``refuse_changed_shapes`` (called before the server starts) checks each against what is
installed and stops with a plain message that names every one that changed, for every library,
rather than starting on code it was not checked with. A change that keeps the shape is allowed.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Shape:
    """One thing of another library the server relies on: ``module:Owner.name``, its parameters.

    ``params`` are the names of a method's or function's parameters, in order, without ``self``
    or ``cls`` (None: not a method, only present). ``why`` says where the server uses it.
    """

    module: str
    path: str
    params: tuple[str, ...] | None = None
    why: str = ""

    @property
    def name(self) -> str:
        """``module:path``, as the message names it."""
        return f"{self.module}:{self.path}"


_KM = "jupyter_server.services.kernels.kernelmanager"
_WS = "jupyter_server.services.kernels.connection.channels"
_VOILA_INFO = "voila.request_info_handler"
_WS_BASE = "jupyter_server.services.kernels.connection.base"
_OUTGOING = ("stream", "outgoing_msg")

TOUCHED: tuple[Shape, ...] = (
    # Voilà: the application's handlers, its static file handlers, the visit hand-over
    Shape("voila.app", "Voila.init_handlers", (), "_delivery: static files, caps, no hand-over"),
    Shape("voila.app", "Voila.static_paths", None, "_delivery: the fingerprinted static path"),
    Shape("voila.app", "Voila.server_url", None, "_delivery: the fingerprinted static path"),
    Shape("voila.app", "Voila.kernel_websocket_connection_class", None, "config: PlainChannels"),
    Shape("voila.app", "Voila.tornado_settings", None, "config: headers, log, websocket"),
    Shape("voila.configuration", "VoilaConfiguration.multi_kernel_manager_class", None, "config"),
    Shape("voila.configuration", "VoilaConfiguration.page_config_hook", None, "config"),
    Shape("voila.configuration", "VoilaConfiguration.extension_allowlist", None, "config"),
    Shape("voila.static_file_handler", "MultiStaticFileHandler", None, "_delivery: compression"),
    Shape("voila.static_file_handler", "TemplateStaticFileHandler", None, "_delivery"),
    Shape("voila.tornado.handler", "TornadoVoilaHandler.get", ("path",), "_kernels: the caps"),
    Shape("voila.utils", "get_voila_labextensions_path", ("extra_paths",), "_delivery: preload"),
    Shape(_VOILA_INFO, "RequestInfoSocketHandler.send_updates", ("msg",), "no hand-over"),
    Shape(_VOILA_INFO, "RequestInfoSocketHandler._cache", None, "no hand-over: kept empty"),
    # Jupyter Server: the kernel manager and the kernel's websocket
    Shape(_KM, "AsyncMappingKernelManager._create_kernel_manager_factory", (), "_kernels: IPC"),
    Shape(_KM, "AsyncMappingKernelManager._kernels", None, "_kernels: the running kernels"),
    Shape(_KM, "AsyncMappingKernelManager._kernel_connections", None, "_kernels: culling"),
    Shape(_KM, "AsyncMappingKernelManager.context", None, "_kernels: messages kept"),
    Shape(_KM, "AsyncMappingKernelManager.start_kernel", ("kernel_id", "path", "kwargs")),
    Shape(_KM, "AsyncMappingKernelManager.shutdown_kernel", ("kernel_id", "now", "restart")),
    Shape(_KM, "AsyncMappingKernelManager.remove_kernel", ("kernel_id",)),
    Shape(_KM, "AsyncMappingKernelManager.notify_connect", ("kernel_id",)),
    Shape(_KM, "AsyncMappingKernelManager.cull_kernel_if_idle", ("kernel_id",)),
    Shape(_WS, "ZMQChannelsWebsocketConnection.handle_incoming_message", ("incoming_msg",)),
    Shape(_WS, "ZMQChannelsWebsocketConnection.handle_outgoing_message", _OUTGOING),
    Shape(_WS, "ZMQChannelsWebsocketConnection.connect", ()),
    Shape(_WS, "ZMQChannelsWebsocketConnection.disconnect", ()),
    Shape(_WS, "ZMQChannelsWebsocketConnection._on_zmq_reply", ("stream", "msg_list"), "counts"),
    Shape(_WS, "ZMQChannelsWebsocketConnection.websocket_handler", None, "_room: pausing"),
    Shape(_WS, "ZMQChannelsWebsocketConnection.subprotocol"),
    Shape(_WS, "ZMQChannelsWebsocketConnection.session"),
    Shape(_WS, "ZMQChannelsWebsocketConnection.multi_kernel_manager"),
    Shape(_WS, "ZMQChannelsWebsocketConnection.kernel_id"),
    Shape(_WS_BASE, "deserialize_msg_from_ws_v1", ("ws_msg",), "_kernels: the heartbeat"),
    Shape("jupyter_server.base.handlers", "FileFindHandler", None, "_delivery: compression"),
    # jupyter_client: messages signed again after they are made plain
    Shape("jupyter_client.session", "DELIM"),
    Shape("jupyter_client.session", "Session.feed_identities", ("msg_list", "copy")),
    Shape("jupyter_client.session", "Session.sign", ("msg_list",)),
    Shape("jupyter_client.session", "Session.pack"),
    Shape("jupyter_client.session", "Session.unpack"),
    Shape("jupyter_client.asynchronous.client", "AsyncKernelClient.context", None, "_kernels"),
    # ipykernel: the kernel's publishing socket and its pipe (serving.kernel)
    Shape("ipykernel.kernelapp", "IPKernelApp.init_iopub", ("context",), "kernel: messages kept"),
    Shape("ipykernel.iostream", "IOPubThread._setup_pipe_in", (), "serving.kernel"),
    Shape("ipykernel.iostream", "IOPubThread._setup_pipe_out", (), "serving.kernel"),
    Shape("ipykernel.iostream", "IOPubThread._handle_pipe_msg", ("msg",), "serving.kernel"),
    Shape("ipykernel.connect", "get_connection_file", ("app",), "visit.visitor_address"),
)
"""Everything of another library's inner parts the server and its kernels rely on."""


class ChangedShape(SystemExit):
    """An installed library no longer has the shape the server was written against."""


def _find(shape: Shape) -> Any:
    found: Any = importlib.import_module(shape.module)
    for part in shape.path.split("."):
        if inspect.isclass(found):
            found = inspect.getattr_static(found, part)
        else:
            found = getattr(found, part)
    return found


def _params(found: Any) -> tuple[str, ...] | None:
    function = found.__func__ if isinstance(found, classmethod | staticmethod) else found
    if not callable(function):
        return None
    names = list(inspect.signature(function).parameters)
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return tuple(names)


def changed_shapes(shapes: Iterable[Shape] = TOUCHED) -> list[str]:
    """A plain line for each thing in ``shapes`` that is missing or takes other parameters."""
    problems = []
    for shape in shapes:
        try:
            found = _find(shape)
        except (ImportError, AttributeError):
            problems.append(f"{shape.name} is missing")
            continue
        if shape.params is None:
            continue
        params = _params(found)
        if params is None:
            problems.append(f"{shape.name} is no longer a function or method")
        elif params != shape.params:
            problems.append(
                f"{shape.name} takes ({', '.join(params)}), not ({', '.join(shape.params)})"
            )
    return problems


def refuse_changed_shapes(shapes: Iterable[Shape] = TOUCHED) -> None:
    """Stop with a plain message naming every changed thing, if any changed."""
    problems = changed_shapes(shapes)
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise ChangedShape(
            "The workbook server relies on inner parts of Voilà, Jupyter Server, jupyter_client "
            "and ipykernel, and the installed versions changed some of them:\n"
            f"{lines}\n"
            "Install the versions in requirements.lock (make setup does), or check "
            "secondopinion/serving against the new versions and update _seams.TOUCHED."
        )


def stop_handing_over_visits(record: Callable[[str], None]) -> None:
    """Voilà keeps no visit's details for its kernel; ``record(kernel_id)`` hears of each visit.

    Voilà calls ``RequestInfoSocketHandler.send_updates`` when it gives a pre-heated kernel to a
    visit, to hand the kernel the visit's query string and headers through ``/voila/query/<id>``
    (kept until the kernel asks). The page tells its kernel itself here, so nothing is kept.
    """
    from voila.request_info_handler import RequestInfoSocketHandler

    def send_updates(cls: type, msg: dict[str, Any]) -> None:
        record(str(msg.get("kernel_id", "")))

    RequestInfoSocketHandler.send_updates = classmethod(send_updates)
