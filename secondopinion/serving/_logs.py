"""What the dashboard server writes to its log: no private link, no kernel id, owner-only.

- Query strings (where private links live) are cut out of every log line, whatever logger makes
  it: Tornado writes the whole address of a request into warnings and errors, not only into the
  request log (``log_request``, ``redact_every_log_line``).
- Every id is replaced by a short one-way label (``log_label``): a kernel id opens a live kernel
  to whoever reads it on the same machine, and Jupyter Server and Voilà write them ("Kernel
  started: …", ``/api/kernels/<id>/channels``). Lines about one kernel can still be followed.
- The server's log file is readable by its own account only (``owner_only_log``, ``open_log``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from typing import Any

import tornado.web

_QUERY = re.compile(r"(\?|%3[fF])[^\s\"'<>)\]]+")
_SECRET_PARAM = re.compile(r"(session|token)(=|%3[dD])[^\s&\"'<>)\]]+")
_ID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def log_label(kernel_id: str) -> str:
    """What the log says instead of ``kernel_id``: a one-way label (it opens nothing).

    >>> log_label("0b6c3f6e-3c1e-4c39-9a44-1f0c1c4b8a11")
    'id#46452f69ba3f'
    """
    return "id#" + hashlib.sha256(kernel_id.lower().encode()).hexdigest()[:12]


def without_query(text: str) -> str:
    """``text`` with every query string (where private links live) and every id cut out."""
    text = _SECRET_PARAM.sub(r"\1=…", _QUERY.sub(r"?…", text))
    return _ID.sub(lambda found: log_label(found.group(0)), text)


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's request log line, with the path only: never the query string."""
    from tornado.log import access_log

    status = handler.get_status()
    if status < 400:
        write = access_log.info
    elif status < 500:
        write = access_log.warning
    else:
        write = access_log.error
    request = handler.request
    took = 1000.0 * request.request_time()
    write("%d %s %s (%s) %.2fms", status, request.method, request.path, request.remote_ip, took)


_redacting = False


def redact_every_log_line() -> None:
    """Cut query strings and ids out of every log record this process makes, whatever logger.

    Tornado writes the whole address of a request (with its private link) into warnings and
    errors, not only into the request log; Voilà and Jupyter Server may too. Jupyter Server and
    Voilà write kernel ids ("Kernel started: …", ``/api/kernels/<id>/channels``): each becomes its
    ``log_label``, in the message and in any traceback.
    """
    global _redacting
    if _redacting:
        return
    _redacting = True
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it to logging to report
            return record
        record.msg, record.args = without_query(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = without_query(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = without_query(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)


def owner_only_log(fds: tuple[int, ...] = (1, 2)) -> list[int]:
    """Make the files this process logs to (its output, when a file of its own) owner-only.

    ``make dashboard > dashboard.log``, a service manager's log file, or a test's: whoever else
    logs in to the machine must not read them. Returns the descriptors changed.
    """
    changed = []
    for fd in fds:
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
            os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o700 | 0o600)
            changed.append(fd)
    return changed


def open_log(path: str | os.PathLike[str]) -> int:
    """Open (or create) the server's log file at ``path`` for appending, owner-only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    return fd
