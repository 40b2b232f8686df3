"""The files a person takes with them, made in a short-lived process of their own.

Their answers as CSV (pandas) and the question sheet as PDF (fpdf2 and its fonts) take about
85 MB of libraries and font tables to make. Made in the dashboard's kernel, that memory would stay
with the kernel for as long as the page is open; made in a separate Python process, it is all
given back when that process ends, a second or two later.

    >>> files = make_downloads_apart(workbook, content, today)  # doctest: +SKIP
    >>> sorted(files.sheets)  # doctest: +SKIP
    ['A4', 'Letter']

A very large workbook takes many seconds to make. In the dashboard's kernel that wait must not
stop the kernel from answering the page (its heartbeat, other changes), so the dashboard calls
``make_downloads_apart`` in a thread of its own (``widgets.steps.export_panel``): the process is
waited for there, and the kernel's event loop goes on meanwhile. Nothing here touches a widget.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from secondopinion.content import Content
from secondopinion.store import Workbook

if TYPE_CHECKING:  # importing it for real would load fpdf2 here
    from secondopinion.documents._sheet_layout import PageSize

log = logging.getLogger("secondopinion.documents.downloads")

SHEET_SIZES: tuple[PageSize, ...] = ("Letter", "A4")
"""The paper sizes of the question sheet, in the order they are offered."""

WAIT_S = 120.0
"""How long to wait for the files before saying they could not be made."""

NOT_MADE = (
    "Your files could not be made just now. Your answers are saved. "
    "Please open this step again in a moment."
)


class DownloadsError(Exception):
    """The files could not be made; the message is written for the person."""


@dataclass(frozen=True)
class Downloads:
    """The CSV of one workbook's answers and its question sheet, by paper size."""

    csv: bytes
    sheets: dict[PageSize, bytes]
    unprintable: str = ""
    """Characters typed that the sheet cannot print (no font here has them), '' if none."""


def make_downloads(workbook: Workbook, content: Content, today: dt.date) -> Downloads:
    """Make the CSV and the question sheets in this process."""
    from secondopinion.documents.exports import long_form, to_csv_bytes
    from secondopinion.documents.question_sheet import question_sheet_pdf, unprintable

    return Downloads(
        unprintable=unprintable(workbook),
        csv=to_csv_bytes(long_form(workbook, content)),
        sheets={
            size: question_sheet_pdf(workbook, content, page_size=size, today=today)
            for size in SHEET_SIZES
        },
    )


def make_downloads_apart(
    workbook: Workbook, content: Content, today: dt.date, *, wait_s: float = WAIT_S
) -> Downloads:
    """Make the same files in a new Python process that ends when they are made.

    Raises ``DownloadsError`` (with a message for the person) if that process fails or takes
    longer than ``wait_s``; what went wrong is logged for the people who run the server.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-m", "secondopinion.documents.downloads"],
            input=pickle.dumps((workbook, content, today)),
            capture_output=True,
            timeout=wait_s,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.error("The downloads could not be made: %s", error)
        raise DownloadsError(NOT_MADE) from error
    if done.returncode != 0:
        log.error("The downloads could not be made:\n%s", done.stderr.decode(errors="replace"))
        raise DownloadsError(NOT_MADE)
    files = pickle.loads(done.stdout)  # noqa: S301 (our own child process, over a pipe)
    if not isinstance(files, Downloads):
        raise DownloadsError(NOT_MADE)
    return files


def _main() -> None:
    workbook, content, today = pickle.load(sys.stdin.buffer)  # noqa: S301 (from our parent)
    sys.stdout.buffer.write(pickle.dumps(make_downloads(workbook, content, today)))


if __name__ == "__main__":
    # Run from the module under its own name, so that what is sent back unpickles as
    # secondopinion.downloads.Downloads, not __main__.Downloads.
    from secondopinion.documents.downloads import _main as main

    main()
