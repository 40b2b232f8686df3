"""The hub's request log without query strings: no private link can land in it.

When the dashboard service is down, the proxy sends a patient's request to the hub's error page
as ``/hub/error/503?url=/services/workbook/?session=...``; JupyterHub's own request log would write
that address, private link and all. ``log_request`` logs the path only (and a redirect's target
without its query), and never the request's headers (a Referer can hold a link too).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from jupyterhub.log import prometheus_log_method
from tornado.log import access_log
from tornado.web import HTTPError, StaticFileHandler


def _path_only(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + ("?[…]" if parts.query else "")


def _user_name(handler: Any) -> str:
    try:
        user = handler.current_user
    except (HTTPError, RuntimeError):
        return ""
    if user is None:
        return ""
    if isinstance(user, str):
        return user
    if isinstance(user, dict):
        return str(user.get("name", ""))
    return str(getattr(user, "name", ""))


def log_request(handler: Any) -> None:
    """One line per request: status, method, path (no query), user, address, time."""
    status = handler.get_status()
    request = handler.request
    if status == 304 or (status < 300 and isinstance(handler, StaticFileHandler)):
        level = logging.DEBUG
    elif status < 400:
        level = logging.INFO
    elif status < 500:
        level = logging.WARNING
    else:
        level = logging.ERROR
    took = 1000.0 * request.request_time()
    if took >= 1000 and level < logging.INFO:
        level = logging.INFO
    location = ""
    if status in (301, 302, 303, 307):
        target = handler._headers.get("Location")  # tornado has no public getter
        if target:
            location = f" -> {_path_only(target)}"
    access_log.log(
        level,
        "%s %s %s%s (%s@%s) %.2fms",
        status,
        request.method,
        _path_only(request.uri or ""),
        location,
        _user_name(handler),
        request.remote_ip,
        took,
    )
    prometheus_log_method(handler)
