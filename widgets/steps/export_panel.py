"""Step 6, "Take it with you": the CSV and the printable sheet, the private link, and deleting."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from pathlib import Path

import ipywidgets as w

from secondopinion.documents.downloads import SHEET_SIZES, DownloadsError, make_downloads_apart
from widgets.parts.feedback import ProblemMessage, busy_button
from widgets.session_state import WorkbookState

PAPER = {"Letter": "US Letter paper", "A4": "A4 paper"}


class ExportPanel(w.VBox):  # type: ignore[misc]
    """Downloads, the private link back to this workbook, and the way to delete it."""

    def __init__(
        self, state: WorkbookState, *, link_base: str | None, exports_dir: Path | None = None
    ) -> None:
        self.state = state
        self.link_base = link_base
        self.exports_dir = exports_dir
        self.problem = ProblemMessage()
        self.files_problem = ProblemMessage()
        self.download_csv = w.HTML()
        self.download_csv.add_class("workbook-download-csv")
        self.download_sheet = w.HTML()
        self.download_sheet.add_class("workbook-download-sheet")
        self.resume_link = w.HTML()
        self.resume_link.add_class("workbook-resume-link")
        parts: list[w.Widget] = [
            w.HTML(
                "<h2>Take it with you</h2><p>Print your question sheet and bring it to the "
                "visit. It has room to write the answers. You can also download all your "
                "answers to keep, or to share with someone you trust.</p>"
            ),
            self.problem,
            self.files_problem,
            self.download_sheet,
            self.download_csv,
        ]
        if exports_dir is not None:
            self.save_file = w.Button(description="Save the CSV and the sheet as files")
            self.saved_to = w.HTML()
            busy_button(self.save_file, self.problem, self._save_files)
            parts += [self.save_file, self.saved_to]
        self.delete = w.Button(description="Delete this workbook")
        self.confirm_delete = w.Button(description="Yes, delete everything", button_style="danger")
        self.keep = w.Button(description="No, keep it")
        self.delete_note = w.HTML()
        self.confirm_box = w.Box(
            [self.confirm_delete, self.keep], layout=w.Layout(flex_flow="row wrap", display="none")
        )
        self.delete.on_click(lambda _: self._ask_to_delete(True))
        self.keep.on_click(lambda _: self._ask_to_delete(False))
        busy_button(self.confirm_delete, self.problem, self._delete)
        parts += [
            self.resume_link,
            w.HTML(
                "<h3>Delete this workbook</h3><p>This erases every answer in it for good. "
                "Files you downloaded are not touched.</p>"
            ),
            self.delete,
            self.confirm_box,
            self.delete_note,
        ]
        super().__init__(parts)
        self.add_class("workbook-export")
        state.observe(lambda _: self.show_link(), names="token")
        self.show_link()

    def refresh(self) -> None:
        """Build the downloads from what is saved now."""
        workbook = self.state.workbook
        if workbook is None:
            self.download_csv.value = (
                "<p>Your downloads appear here once you have answered something.</p>"
            )
            self.download_sheet.value = ""
            return
        self.download_sheet.value = '<p role="status">Making your question sheet…</p>'
        try:
            files = make_downloads_apart(workbook, self.state.content, _today())
        except DownloadsError as error:
            self.download_sheet.value = ""
            self.download_csv.value = ""
            self.files_problem.say(str(error))
            return
        self.files_problem.clear()
        name = _file_name(workbook)
        csv = base64.b64encode(files.csv).decode("ascii")
        self.download_csv.value = (
            f'<a class="workbook-button" download="{name}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{csv}">'
            "Download my answers (CSV)</a>"
        )
        links = []
        for size in SHEET_SIZES:
            encoded = base64.b64encode(files.sheets[size]).decode("ascii")
            links.append(
                f'<a class="workbook-button" download="{name}-questions-{size}.pdf" '
                f'href="data:application/pdf;base64,{encoded}">'
                f"Print my question sheet ({PAPER[size]})</a>"
            )
        self.download_sheet.value = "".join(links)

    def show_link(self) -> None:
        """Show the private link back, once the workbook exists."""
        token = self.state.token
        if token is None:
            self.resume_link.value = (
                "<p>Your private link back to this workbook appears here once you answer the "
                "first question.</p>"
            )
            return
        if self.link_base is None:
            self.resume_link.value = (
                "<p>This workbook is saved. A navigator can open it again from the roster.</p>"
            )
            return
        link = html.escape(f"{self.link_base}?session={token}")
        self.resume_link.value = (
            "<h3>Your private link</h3><p>Keep this link private, like a password. Anyone "
            "with it can open this workbook. Use it to come back later.</p>"
            f'<p class="workbook-link"><a href="{link}">{link}</a></p>'
        )

    def _ask_to_delete(self, asking: bool) -> None:
        self.confirm_box.layout.display = None if asking else "none"
        self.delete.disabled = asking

    def _delete(self) -> None:
        self.state.delete_workbook()
        self._ask_to_delete(False)
        self.delete_note.value = (
            '<p role="status">Your workbook was deleted. Nothing of it is kept here.</p>'
        )
        self.refresh()

    def _save_files(self) -> None:
        assert self.exports_dir is not None
        workbook = self.state.workbook
        if workbook is None:
            raise ValueError("There is nothing to save yet.")
        from secondopinion.documents.exports import long_form, write_csv, write_private
        from secondopinion.documents.question_sheet import question_sheet_pdf

        base = self.exports_dir / _file_name(workbook)
        csv = write_csv(long_form(workbook, self.state.content), base.with_suffix(".csv"))
        pdf = question_sheet_pdf(workbook, self.state.content, today=_today())
        sheet = write_private(pdf, base.with_suffix(".pdf"))
        self.saved_to.value = f"<p>Saved {html.escape(str(csv))} and {html.escape(str(sheet))}</p>"


def _today() -> dt.date:
    return dt.date.today()


def _file_name(workbook: object) -> str:
    name = getattr(getattr(workbook, "summary", None), "display_name", "") or "workbook"
    return "second-opinion-" + (re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "workbook")
