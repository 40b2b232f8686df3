"""Making the files of step 6 without stopping the kernel: the wait happens in a thread.

The CSV and the question sheets are made in a short-lived process
(``secondopinion.documents.downloads``); for a very large workbook that takes many seconds. Were
the kernel to wait for it, it could not answer the page's heartbeat meanwhile, and the page
would say that the workbook stopped. So in a running kernel the process is waited for, and its
files turned into download links, in a thread; the links are shown on the kernel's own event
loop once they are ready. Changes made meanwhile ask for the files again: only the newest are
shown, once, and only one process runs at a time.

>>> maker = FileMaker(show)  # doctest: +SKIP
>>> maker.make(workbook, content, paper="Letter", today=day)  # doctest: +SKIP

``sheet_links_html`` and ``audience_link_html`` turn the files into download links.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import html
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from secondopinion import Content
from secondopinion.documents.downloads import (
    NOT_MADE,
    Downloads,
    DownloadsError,
    Sheet,
    make_downloads_apart,
)
from secondopinion.language import N_, translator
from secondopinion.store import Workbook
from widgets.parts.typing import kernel_loop

if TYPE_CHECKING:  # importing it for real would load fpdf2 in the kernel
    from secondopinion.documents.paper import PageSize

log = logging.getLogger("secondopinion.widgets")

PAPER = {"Letter": N_("US Letter paper"), "A4": N_("A4 paper")}

Made = Downloads | DownloadsError
"""The files, or why they could not be made."""

FULL = N_("Print my question sheet, all of it ({pages})")
ONE_PAGE = N_("Print one page: start here and my starred questions")
BILINGUAL = N_(
    "Print my questions in my language and in English, for the doctor and the interpreter ({pages})"
)
FOR_ONE = N_("Print only these questions ({pages})")
PAGES = (N_("{count} page"), N_("{count} pages"))


def csv_link_html(files: Downloads, name: str, language: str) -> str:
    """The CSV's download link."""
    _ = translator(language).gettext
    csv = base64.b64encode(files.csv).decode("ascii")
    return (
        f'<a class="workbook-button" download="{html.escape(name)}.csv" '
        f'href="data:text/csv;charset=utf-8;base64,{csv}">'
        + html.escape(_("Download my answers (CSV)"))
        + "</a>"
    )


def sheet_links_html(files: Downloads, name: str, language: str) -> str:
    """The links to the full sheet, the one-page sheet and the sheet in two languages.

    With a note when typed characters cannot be printed.
    """
    _ = translator(language).gettext
    kinds = [
        ("workbook-sheet-full", files.full, _(FULL), ""),
        ("workbook-sheet-one-page", files.one_page, _(ONE_PAGE), _("one page")),
    ]
    if files.bilingual is not None:
        kinds.append(
            ("workbook-sheet-bilingual", files.bilingual, _(BILINGUAL), _("in two languages"))
        )
    links = [
        _sheet_link(hook, sheet, label, _file_name(name, kind, files.paper, language), language)
        for hook, sheet, label, kind in kinds
    ]
    if files.unprintable:
        from secondopinion.documents.question_sheet import UNPRINTABLE_NOTE, described

        note = _(UNPRINTABLE_NOTE).format(characters=described(files.unprintable))
        links.append(f'<p class="workbook-unprintable" role="status">{html.escape(note)}</p>')
    return "".join(links)


def audience_link_html(
    files: Downloads, audience: str, label: str, name: str, language: str
) -> str:
    """The link to the sheet of only the questions for ``audience`` ('' if it has none)."""
    sheet = files.for_audience.get(audience)
    if sheet is None:
        return ""
    _ = translator(language).gettext
    whom = label.split("(")[0]  # "The second doctor (the one giving…)": the file says less
    file_name = _file_name(name, whom, files.paper, language)
    return _sheet_link("workbook-sheet-for-one", sheet, _(FOR_ONE), file_name, language)


def _sheet_link(hook: str, sheet: Sheet, label: str, file_name: str, language: str) -> str:
    singular, plural = PAGES
    pages = translator(language).ngettext(singular, plural, sheet.pages)
    shown = label.format(pages=pages.format(count=sheet.pages))
    encoded = base64.b64encode(sheet.pdf).decode("ascii")
    return (
        f'<a class="workbook-button {hook}" download="{html.escape(file_name)}" '
        f'href="data:application/pdf;base64,{encoded}">{html.escape(shown)}</a>'
    )


def _file_name(name: str, kind: str, paper: str, language: str) -> str:
    """``name``-questions[-kind]-paper.pdf, in the workbook's language."""
    questions = translator(language).gettext("questions")
    parts = [name, questions, file_name_part(kind), paper]
    return "-".join(part for part in parts if part) + ".pdf"


def file_name_part(name: str) -> str:
    """A name as a safe part of a file name: accents folded ("Peña" → "Pena"), never dropped.

    Letters with no plain form (such as Greek or Chinese) are kept as they are.
    """
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    folded = folded.replace("ß", "ss").replace("Ø", "O").replace("ø", "o").replace("Ł", "L")
    folded = folded.replace("ł", "l").replace("Æ", "AE").replace("æ", "ae")
    return re.sub(r"[^\w]+|_+", "-", unicodedata.normalize("NFC", folded)).strip("-")


@dataclass(frozen=True)
class _Job:
    """One request for the files of one workbook, as saved at the time of the request."""

    workbook: Workbook
    content: Content
    paper: PageSize
    today: dt.date

    def run(self) -> Made:
        """Make the files (in any thread: nothing here touches a widget)."""
        try:
            return make_downloads_apart(self.workbook, self.content, self.today, paper=self.paper)
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
        self, workbook: Workbook, content: Content, *, paper: PageSize, today: dt.date
    ) -> None:
        """Make the files of ``workbook`` as saved now (in a thread, inside a running kernel)."""
        job = _Job(workbook, content, paper, today)
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
