"""Making the files of step 6 without stopping the kernel: the wait happens in a thread.

The CSV and the question sheets are made in a short-lived process
(``secondopinion.documents.downloads``); for a very large workbook that takes many seconds. Were
the kernel to wait for it, it could not answer the page's heartbeat meanwhile, and the page
would say that the workbook stopped. So in a running kernel the process is waited for, and its
files turned into download links, in a thread; the links are shown on the kernel's own event
loop once they are ready. Changes made meanwhile ask for the files again: only the newest are
shown, once, and only one process runs at a time.

>>> maker = FileMaker(show)  # doctest: +SKIP
>>> maker.make(workbook, content, "en", name="second-opinion-workbook-2026-01-05", today=day)
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass

from secondopinion import Content
from secondopinion.documents.downloads import (
    NOT_MADE,
    SHEET_SIZES,
    Downloads,
    DownloadsError,
    make_downloads_apart,
)
from secondopinion.language import N_, translator
from secondopinion.store import Workbook
from widgets.parts.typing import kernel_loop

log = logging.getLogger("secondopinion.widgets")

PAPER = {"Letter": N_("US Letter paper"), "A4": N_("A4 paper")}

Made = tuple[str, str] | DownloadsError
"""The download links (the CSV's, the sheets'), or why the files could not be made."""


def downloads_html(files: Downloads, name: str, language: str) -> tuple[str, str]:
    """The CSV's download link, and the sheets' (with a note on characters not printed)."""
    _ = translator(language).gettext
    csv = base64.b64encode(files.csv).decode("ascii")
    csv_link = (
        f'<a class="workbook-button" download="{name}.csv" '
        f'href="data:text/csv;charset=utf-8;base64,{csv}">'
        + html.escape(_("Download my answers (CSV)"))
        + "</a>"
    )
    links = []
    for size in SHEET_SIZES:
        encoded = base64.b64encode(files.sheets[size]).decode("ascii")
        label = _("Print my question sheet ({paper})").format(paper=_(PAPER[size]))
        questions = _("questions")
        links.append(
            f'<a class="workbook-button" download="{name}-{questions}-{size}.pdf" '
            f'href="data:application/pdf;base64,{encoded}">'
            f"{html.escape(label)}</a>"
        )
    if files.unprintable:
        from secondopinion.documents.question_sheet import UNPRINTABLE_NOTE, described

        note = _(UNPRINTABLE_NOTE).format(characters=described(files.unprintable))
        links.append(f'<p class="workbook-unprintable" role="status">{html.escape(note)}</p>')
    return csv_link, "".join(links)


@dataclass(frozen=True)
class _Job:
    """One request for the files of one workbook, as saved at the time of the request."""

    workbook: Workbook
    content: Content
    language: str
    name: str
    today: dt.date

    def run(self) -> Made:
        """Make the files and their links (in any thread: nothing here touches a widget)."""
        try:
            files = make_downloads_apart(self.workbook, self.content, self.today)
            return downloads_html(files, self.name, self.language)
        except DownloadsError as error:
            return error
        except Exception:
            log.exception("The downloads could not be made")
            return DownloadsError(NOT_MADE)


class FileMaker:
    """Makes step 6's files and hands the links to ``show``, without blocking a kernel.

    ``alive`` says whether the panel is still on the page; links made for a panel closed
    meanwhile are dropped.
    """

    def __init__(self, show: Callable[[Made], None], *, alive: Callable[[], bool] = bool) -> None:
        self._show = show
        self._alive = alive
        self._wanted: _Job | None = None
        self._task: asyncio.Task[None] | None = None
        self._asked = 0  # counts requests and forgets: a result shows only if still the newest

    @property
    def busy(self) -> bool:
        """True while files are being made in the background."""
        return self._task is not None and not self._task.done()

    def make(
        self, workbook: Workbook, content: Content, language: str, *, name: str, today: dt.date
    ) -> None:
        """Make the files of ``workbook`` as saved now (in a thread, inside a running kernel)."""
        job = _Job(workbook, content, language, name, today)
        self._asked += 1
        loop = kernel_loop()
        if loop is None:  # not in a running kernel (a script, a unit test): make them now
            self._show(job.run())
            return
        self._wanted = job
        if not self.busy:
            self._task = loop.create_task(self._run())

    def forget(self) -> None:
        """Drop the files asked for so far (the workbook was deleted): none of them shows."""
        self._wanted = None
        self._asked += 1

    async def _run(self) -> None:
        while self._wanted is not None:
            job, self._wanted = self._wanted, None
            asked = self._asked
            made = await asyncio.to_thread(job.run)
            if asked != self._asked or not self._alive():
                continue  # newer files were asked for, or the panel is gone
            try:
                self._show(made)
            except Exception:
                log.exception("The downloads could not be shown")
