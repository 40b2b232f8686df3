"""One line in the server's log from a dashboard kernel, to follow a page that never opens."""

from __future__ import annotations

import contextlib
import os
import sys


def server_log(what: str) -> None:
    """Write ``what`` to the kernel's own stderr, which the server writes to its log.

    ``print`` and logging in a kernel go to the page (where ``serving`` drops them), not here.
    """
    with contextlib.suppress(OSError, ValueError):
        print(f"[dashboard kernel {os.getpid()}] {what}", file=sys.__stderr__, flush=True)
