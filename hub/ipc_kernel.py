"""IPython's kernel with nothing on TCP: ``python -m hub.ipc_kernel -f <connection file>``.

The navigators' Lab (``make lab`` and the hub's servers) and the hub's dashboard find this kernel as
``python3`` on ``JUPYTER_PATH`` (``hub/jupyter_data/kernels/python3``). Their kernels already talk
over IPC sockets in the account's owner-only runtime folder (``KernelManager.transport='ipc'``),
but ipykernel opens two TCP ports of its own on 127.0.0.1, where any account on the machine can
connect: the pipe that carries output of forked child processes, and debugpy's port when the
debugger is used. Here the pipe is an IPC socket next to the kernel's own, and the debugger is
off (the kernel spec says so, and Lab offers no debugger for it). It also keeps what it publishes
for a server that reads late, as the dashboard's kernel does (``secondopinion.serving.kernel``).
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
from pathlib import Path

import zmq
from ipykernel import debugger, iostream

from secondopinion.serving.kernel import keep_every_message


def _check_shape() -> None:
    """Stop with a plain message if ipykernel no longer has what is changed here."""
    missing = [
        name
        for name in ("_setup_pipe_in", "_setup_pipe_out", "_handle_pipe_msg")
        if not callable(getattr(iostream.IOPubThread, name, None))
    ]
    if missing or not hasattr(debugger, "_is_debugpy_available"):
        raise SystemExit(
            "hub/ipc_kernel.py: this ipykernel lacks "
            f"{', '.join(missing) or '_is_debugpy_available'}; check the kernel's TCP ports."
        )


def _pipe_address(connection_file: str) -> str:
    base = os.path.splitext(os.path.abspath(connection_file))[0]
    return f"ipc://{base}-pipe"


def _use_ipc_pipe(address: str) -> None:
    """Bind ipykernel's output pipe for forked children to ``address`` instead of TCP."""

    def setup_pipe_in(self: iostream.IOPubThread) -> None:
        self._pipe_uuid = os.urandom(16)
        pipe_in = self.socket.context.socket(zmq.PULL)
        pipe_in.linger = 0
        pipe_in.bind(address)
        self._pipe_in = iostream.ZMQStream(pipe_in, self.io_loop)
        self._pipe_in.on_recv(self._handle_pipe_msg)

    def setup_pipe_out(self: iostream.IOPubThread) -> tuple[zmq.Context, zmq.Socket]:
        ctx = zmq.Context()
        pipe_out = ctx.socket(zmq.PUSH)
        pipe_out.linger = 3000
        pipe_out.connect(address)
        return ctx, pipe_out

    iostream.IOPubThread._setup_pipe_in = setup_pipe_in
    iostream.IOPubThread._setup_pipe_out = setup_pipe_out


def main(argv: list[str]) -> None:
    """Start ipykernel with the changes above (``argv`` as ``ipykernel_launcher`` takes it)."""
    _check_shape()
    connection_file = argv[argv.index("-f") + 1] if "-f" in argv else ""
    if not connection_file:
        raise SystemExit("usage: python -m hub.ipc_kernel -f <connection file>")
    _use_ipc_pipe(_pipe_address(connection_file))
    # SIGUSR2 writes every thread's stack to the server's log: what a stuck kernel is doing
    faulthandler.register(signal.SIGUSR2, all_threads=True)
    debugger._is_debugpy_available = False
    keep_every_message()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=argv)


if __name__ == "__main__":
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher: the notebook's folder is not a module source
    main(sys.argv[1:])
