"""The files a person takes with them, made in a short-lived process of their own.

Their answers as CSV (pandas) and the question sheets as PDF (fpdf2 and its fonts) take about
85 MB of libraries and font tables to make. Made in the dashboard's kernel, that memory would stay
with the kernel for as long as the page is open; made in a separate Python process, it is all
given back when that process ends, a second or two later.

The sheets, all on the paper the person chose: the full sheet; one page with "start here" and
the starred questions; one sheet for each audience that has questions (the current doctor, the
second doctor, the insurance plan), for the person to pick one; and, for a workbook in a
language other than English, the questions in that language with the English under each.

    >>> files = make_downloads_apart(workbook, content, today, paper="A4")  # doctest: +SKIP
    >>> files.one_page.pages, sorted(files.for_audience)  # doctest: +SKIP
    (1, ['current_doctor', 'insurer', 'second_doctor'])

A very large workbook takes many seconds to make. In the dashboard's kernel that wait must not
stop the kernel from answering the page (its heartbeat, other changes), so the dashboard calls
``make_downloads_apart`` in a thread of its own (``widgets.steps.export_panel``): the process is
waited for there, and the kernel's event loop goes on meanwhile. Nothing here touches a widget.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from secondopinion.content import Content, load_content
from secondopinion.store import Workbook

if TYPE_CHECKING:  # importing it for real would load fpdf2 here
    from secondopinion.documents.paper import PageSize

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
class Sheet:
    """One printable sheet: its PDF and how many pages it has."""

    pdf: bytes
    pages: int

    @classmethod
    def of(cls, pdf: bytes) -> Sheet:
        """The sheet of these PDF bytes (as fpdf2 writes them: one page object per page)."""
        return cls(pdf, len(re.findall(rb"/Type /Page\b", pdf)))


@dataclass(frozen=True)
class Downloads:
    """The CSV of one workbook's answers and its question sheets, on one paper size."""

    csv: bytes
    paper: PageSize
    full: Sheet
    """Everything: the questions with room for the answers, records, next steps, sources."""
    one_page: Sheet
    """"Start here" and the starred questions, on one page."""
    for_audience: dict[str, Sheet]
    """Only the questions for one audience, by audience id, for each audience that has some."""
    bilingual: Sheet | None = None
    """The questions in the workbook's language with the English under each (None in English)."""
    unprintable: str = ""
    """Characters typed that the sheet cannot print (no font here has them), '' if none."""


def make_downloads(
    workbook: Workbook,
    content: Content,
    today: dt.date,
    *,
    paper: PageSize = SHEET_SIZES[0],
    english: Content | None = None,
) -> Downloads:
    """Make the CSV and the question sheets in this process.

    ``english`` is the English content for the sheet in two languages; when the workbook is in
    another language and it is not given, the English content is loaded.
    """
    from secondopinion.documents.exports import long_form, to_csv_bytes
    from secondopinion.documents.question_sheet import question_sheet_pdf, unprintable
    from secondopinion.documents.visit_sheets import (
        audiences_asked,
        bilingual_sheet_pdf,
        doctor_sheet_pdf,
        one_page_sheet_pdf,
    )

    bilingual = None
    if content.language != "en":
        english = english or load_content(language="en")
        bilingual = Sheet.of(
            bilingual_sheet_pdf(workbook, content, english, page_size=paper, today=today)
        )
    return Downloads(
        unprintable=unprintable(workbook),
        csv=to_csv_bytes(long_form(workbook, content)),
        paper=paper,
        full=Sheet.of(question_sheet_pdf(workbook, content, page_size=paper, today=today)),
        one_page=Sheet.of(one_page_sheet_pdf(workbook, content, page_size=paper, today=today)),
        for_audience={
            audience: Sheet.of(
                doctor_sheet_pdf(workbook, content, audience, page_size=paper, today=today)
            )
            for audience in audiences_asked(workbook, content, today)
        },
        bilingual=bilingual,
    )


def make_downloads_apart(
    workbook: Workbook,
    content: Content,
    today: dt.date,
    *,
    paper: PageSize = SHEET_SIZES[0],
    wait_s: float = WAIT_S,
) -> Downloads:
    """Make the same files in a new Python process that ends when they are made.

    Raises ``DownloadsError`` (with a message for the person) if that process fails or takes
    longer than ``wait_s``; what went wrong is logged for the people who run the server.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-m", "secondopinion.documents.downloads"],
            input=pickle.dumps((workbook, content, today, paper)),
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
    workbook, content, today, paper = pickle.load(sys.stdin.buffer)  # noqa: S301 (our parent)
    files = make_downloads(workbook, content, today, paper=paper)
    sys.stdout.buffer.write(pickle.dumps(files))


if __name__ == "__main__":
    # Run from the module under its own name, so that what is sent back unpickles as
    # secondopinion.downloads.Downloads, not __main__.Downloads.
    from secondopinion.documents.downloads import _main as main

    main()
