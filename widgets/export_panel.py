"""Step 5, "Take it with you": the CSV download, a saved file for navigators, the private link."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import ipywidgets as w

from secondopinion.exports import long_form, to_csv_bytes, write_csv
from widgets._feedback import ProblemMessage, busy_button
from widgets.session_state import WorkbookState


class ExportPanel(w.VBox):  # type: ignore[misc]
    """Downloads and the private link back to this workbook."""

    def __init__(
        self, state: WorkbookState, *, link_base: str | None, exports_dir: Path | None = None
    ) -> None:
        self.state = state
        self.link_base = link_base
        self.exports_dir = exports_dir
        self.problem = ProblemMessage()
        self.download_csv = w.HTML()
        self.download_csv.add_class("workbook-download-csv")
        self.resume_link = w.HTML()
        self.resume_link.add_class("workbook-resume-link")
        parts: list[w.Widget] = [
            w.HTML(
                "<h2>Take it with you</h2><p>Download your answers to keep or to share with "
                "someone you trust.</p>"
            ),
            self.problem,
            self.download_csv,
        ]
        if exports_dir is not None:
            self.save_file = w.Button(description="Save a CSV file")
            self.saved_to = w.HTML()
            busy_button(self.save_file, self.problem, self._save_file)
            parts += [self.save_file, self.saved_to]
        parts.append(self.resume_link)
        super().__init__(parts)
        self.add_class("workbook-export")
        state.observe(lambda _: self.show_link(), names="token")
        self.show_link()

    def refresh(self) -> None:
        """Build the download from what is saved now."""
        workbook = self.state.workbook
        if workbook is None:
            self.download_csv.value = (
                "<p>Your download appears here once you have answered something.</p>"
            )
            return
        data = to_csv_bytes(long_form(workbook, self.state.content))
        encoded = base64.b64encode(data).decode("ascii")
        self.download_csv.value = (
            f'<a class="workbook-button" download="{_file_name(workbook)}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{encoded}">Download my answers (CSV)</a>'
        )

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

    def _save_file(self) -> None:
        assert self.exports_dir is not None
        workbook = self.state.workbook
        if workbook is None:
            raise ValueError("There is nothing to save yet.")
        path = self.exports_dir / f"{_file_name(workbook)}.csv"
        write_csv(long_form(workbook, self.state.content), path)
        self.saved_to.value = f"<p>Saved to {html.escape(str(path))}</p>"


def _file_name(workbook: object) -> str:
    name = getattr(getattr(workbook, "summary", None), "display_name", "") or "workbook"
    return "second-opinion-" + (re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "workbook")
