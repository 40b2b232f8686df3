"""The dashboard's kernel: IPython's, keeping what it publishes for a server that reads late.

``python -m secondopinion.serving.kernel -f <connection file>``. The dashboard server finds it as
``python3`` on its Jupyter path (``share/jupyter/kernels/python3``); the navigators' kernel
(``hub/ipc_kernel.py``) keeps messages the same way.

ZeroMQ drops, without a word, what a kernel publishes once 1,000 messages wait for one reader.
A page's first screen is about two thousand messages at once, and a step a few hundred; a busy
server fell behind, and the page lost part of them: a step the kernel opened was never shown, a
page stayed on "Opening…", a widget was "not found". The limit a reader gets is the one the
publishing socket had when it was *bound*: set afterwards, it reaches only the readers already
connected (Voilà's own client), never a browser's channel, which connects later. So it is set
here, before ipykernel binds the socket. The server's side keeps as many
(``serving._kernels.MESSAGES_KEPT_UNREAD``).
"""

from __future__ import annotations

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


def main(argv: list[str]) -> None:
    """Start ipykernel as ``ipykernel_launcher`` does, keeping every message."""
    keep_every_message()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=argv)


if __name__ == "__main__":
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher: the notebook's folder is not a module source
    main(sys.argv[1:])
