"""The kernel of the dashboard and of the navigators: IPython's, safer and keeping every message.

``python -m secondopinion.serving.kernel -f <connection file>``. The dashboard server finds it as
``python3`` on its Jupyter path (``share/jupyter/kernels/python3``); the navigators' Lab and the
hub start it as ``hub.ipc_kernel`` (``hub/jupyter_data/kernels/python3``).

**Nothing on TCP.** The kernels already talk over IPC sockets in an owner-only folder
(``KernelManager.transport='ipc'``), but ipykernel opens two TCP ports of its own on 127.0.0.1,
where any account on the machine can connect: the pipe that carries output of forked child
processes, and debugpy's port when the debugger is used. Here the pipe is an IPC socket next to
the kernel's own, and the debugger is off (the kernel spec says so too).

**Every message kept.** ZeroMQ drops, without a word, what a kernel publishes once 1,000
messages wait for one reader. A page's first screen is about two thousand messages at once, and
a step a few hundred; a busy server fell behind, and the page lost part of them: a step the
kernel opened was never shown, a page stayed on "Opening…", a widget was "not found". The limit
a reader gets is the one the publishing socket had when it was *bound*: set afterwards, it
reaches only the readers already connected (Voilà's own client), never a browser's channel,
which connects later. So it is set here, before ipykernel binds the socket. The server's side
keeps as many (``serving._kernels.MESSAGES_KEPT_UNREAD``).
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
from pathlib import Path
from typing import Any

import zmq

MESSAGES_KEPT_UNSENT = 50_000
"""Messages the kernel keeps for each reader that is behind (ZeroMQ alone: 1,000)."""


def keep_every_message() -> None:
    """Have ipykernel bind its publishing socket keeping ``MESSAGES_KEPT_UNSENT`` per reader."""
    from ipykernel.kernelapp import IPKernelApp

    bind = IPKernelApp.init_iopub

    def init_iopub(self: IPKernelApp, context: Any) -> None:
        context.setsockopt(zmq.SNDHWM, MESSAGES_KEPT_UNSENT)  # for the sockets made from now
        bind(self, context)  # type: ignore[no-untyped-call]

    IPKernelApp.init_iopub = init_iopub  # type: ignore[method-assign]


def _check_shape() -> None:
    """Stop with a plain message if ipykernel no longer has what is changed here."""
    from ipykernel import debugger, iostream

    missing = [
        name
        for name in ("_setup_pipe_in", "_setup_pipe_out", "_handle_pipe_msg")
        if not callable(getattr(iostream.IOPubThread, name, None))
    ]
    if missing or not hasattr(debugger, "_is_debugpy_available"):
        raise SystemExit(
            "secondopinion/serving/kernel.py: this ipykernel lacks "
            f"{', '.join(missing) or '_is_debugpy_available'}; check the kernel's TCP ports."
        )


def _pipe_address(connection_file: str) -> str:
    base = os.path.splitext(os.path.abspath(connection_file))[0]
    return f"ipc://{base}-pipe"


def _use_ipc_pipe(address: str) -> None:
    """Bind ipykernel's output pipe for forked children to ``address`` instead of TCP."""
    from ipykernel import iostream
    from zmq.eventloop.zmqstream import ZMQStream

    def setup_pipe_in(self: iostream.IOPubThread) -> None:
        self._pipe_uuid = os.urandom(16)
        pipe_in = self.socket.context.socket(zmq.PULL)
        pipe_in.linger = 0
        pipe_in.bind(address)
        self._pipe_in = ZMQStream(pipe_in, self.io_loop)
        self._pipe_in.on_recv(self._handle_pipe_msg)

    def setup_pipe_out(self: iostream.IOPubThread) -> tuple[zmq.Context, zmq.Socket]:  # type: ignore[type-arg]
        ctx = zmq.Context()
        pipe_out = ctx.socket(zmq.PUSH)
        pipe_out.linger = 3000
        pipe_out.connect(address)
        return ctx, pipe_out

    iostream.IOPubThread._setup_pipe_in = setup_pipe_in  # type: ignore[method-assign]
    iostream.IOPubThread._setup_pipe_out = setup_pipe_out  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    """Start ipykernel with the changes above (``argv`` as ``ipykernel_launcher`` takes it)."""
    _check_shape()
    connection_file = argv[argv.index("-f") + 1] if "-f" in argv else ""
    if not connection_file:
        raise SystemExit("usage: python -m secondopinion.serving.kernel -f <connection file>")
    _use_ipc_pipe(_pipe_address(connection_file))
    # SIGUSR2 writes every thread's stack to the server's log: what a stuck kernel is doing
    faulthandler.register(signal.SIGUSR2, all_threads=True)
    from ipykernel import debugger, kernelapp

    debugger._is_debugpy_available = False
    keep_every_message()
    kernelapp.launch_new_instance(argv=argv)


def run() -> None:
    """``main`` as a program: the notebook's folder is not a module source."""
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher does
    main(sys.argv[1:])


if __name__ == "__main__":
    run()
