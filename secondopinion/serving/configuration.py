"""Voilà's configuration for the workbook dashboard, through public settings only.

Voilà reads ``voila_config/voila.py``, which calls ``configure_voila``; ``dashboard_command``
points Voilà at it. Importing this module imports nothing of Voilà or Jupyter Server: the
dashboard's kernels import ``secondopinion.serving`` too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secondopinion import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Voilà and the widgets need inline scripts and styles, eval and blob: workers.
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
"""What the dashboard page may load and talk to: only the server it came from."""

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
"""Headers on every page and API answer of the dashboard server."""

CONFIG_FOLDER = Path(__file__).with_name("voila_config")
"""The folder of Voilà's configuration file (``--Voila.config_file_paths``)."""


def configure_voila(c: Any) -> None:
    """Set Voilà's configuration ``c`` for the workbook dashboard, through public settings.

    The kernel manager and websocket of ``_kernels`` (IPC, caps, nothing of the server sent to
    the page), the page's scripts from a fingerprinted path and all asked for at once, only the
    extensions the page uses, the safety headers, a request log without queries or kernel ids,
    and (unless ``SECOND_OPINION_COMPRESS=0``) a compressed kernel websocket.
    """
    from secondopinion.serving import _delivery, _kernels

    c.VoilaConfiguration.multi_kernel_manager_class = _kernels.WorkbookKernelManager
    c.Voila.kernel_websocket_connection_class = _kernels.PlainChannels
    c.MappingKernelManager.allow_tracebacks = False
    c.VoilaConfiguration.page_config_hook = _delivery.versioned_static
    c.VoilaConfiguration.extension_allowlist = list(_delivery.EXTENSIONS)
    tornado: dict[str, Any] = {"headers": HEADERS, "log_function": _kernels.log_request}
    if settings.compress():
        # The kernel's channel carries the widgets' state as JSON (about 2.4 MB for the page's
        # first screen, mostly message headers): permessage-deflate makes it a tenth of that.
        tornado["websocket_compression_options"] = _delivery.WEBSOCKET_COMPRESSION
    c.Voila.tornado_settings = tornado
