"""Step 6, "Take it with you": the CSV and the sheets, the private links, and deleting.

The private links are the person's own, back to the workbook, and the care team's read-only one
(``widgets.parts.care_team_link``).

The sheets come on the paper the person picks: the full sheet, one page ("start here" and the
starred questions), the questions in two languages (for a workbook not in English), and, under
"For one doctor", only the questions for the audience the person picks.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from urllib.parse import quote

import ipywidgets as w
import segno

from secondopinion.documents.downloads import SHEET_SIZES, Downloads, DownloadsError
from secondopinion.language import N_, translator
from secondopinion.serving.visit import private_link
from widgets.parts.care_team_link import CareTeamLink
from widgets.parts.feedback import ProblemMessage, busy_button
from widgets.steps.file_maker import (
    PAPER,
    FileMaker,
    Made,
    audience_link_html,
    csv_link_html,
    file_name_part,
    sheet_links_html,
)
from widgets.workbook_state import ENDED, WorkbookState

__all__ = ["ExportPanel", "file_name_part", "link_actions_html", "private_link_html"]

_UNDER_EACH_OTHER = {"flex": "0 0 auto", "margin": "0 0 8px 0"}
"""A drop-down in a column: as tall as it is (not the 220 px the page gives one in a row)."""

FOR_ONE_DOCTOR = N_("For one doctor")
FOR_ONE_DOCTOR_HELP = N_(
    "Only the questions for the doctor you will see next, or for your insurance plan. Choose whom:"
)


class ExportPanel(w.VBox):  # type: ignore[misc]
    """Downloads, the private link back to this workbook, and the way to delete it."""

    def __init__(
        self, state: WorkbookState, *, link_base: str | None, exports_dir: Path | None = None
    ) -> None:
        self.state = state
        self.link_base = link_base
        self.exports_dir = exports_dir
        _ = state.tr.gettext
        self.problem = ProblemMessage(state.language)
        self.files_problem = ProblemMessage(state.language)
        self._maker = FileMaker(self._show_files, alive=lambda: self.comm is not None)
        self._files: Downloads | None = None
        self._file_name = ""
        self.download_csv = w.HTML()
        self.download_csv.add_class("workbook-download-csv")
        self.paper = w.Dropdown(
            options=[(_(PAPER[size]), size) for size in SHEET_SIZES],
            value=SHEET_SIZES[0],
            description=_("Paper"),
            layout=w.Layout(display="none", **_UNDER_EACH_OTHER),
        )
        self.paper.add_class("workbook-sheet-paper")
        self.paper.observe(lambda _: self.refresh(), "value")
        self.download_sheet = w.HTML()
        self.download_sheet.add_class("workbook-download-sheet")
        self.audience = w.Dropdown(
            description=_("Questions for"), layout=w.Layout(**_UNDER_EACH_OTHER)
        )
        self.audience.add_class("workbook-sheet-audience")
        self.audience.observe(lambda _: self._show_for_one(), "value")
        self.download_for_one = w.HTML()
        self.download_for_one.add_class("workbook-download-for-one")
        self.for_one = w.VBox(
            [
                w.HTML("<h3>" + _(FOR_ONE_DOCTOR) + "</h3><p>" + _(FOR_ONE_DOCTOR_HELP) + "</p>"),
                self.audience,
                self.download_for_one,
            ],
            layout=w.Layout(display="none"),
        )
        self.resume_link = w.HTML()
        self.resume_link.add_class("workbook-resume-link")
        self.link_actions = w.HTML()
        self.link_actions.add_class("workbook-link-actions")
        parts: list[w.Widget] = [
            w.HTML(
                "<h2>"
                + _("Take it with you")
                + "</h2><p>"
                + _(
                    "Print your question sheet and bring it to the visit. It has room to write "
                    "the answers. You can also download all your answers to keep, or to share "
                    "with someone you trust."
                )
                + "</p>"
            ),
            self.problem,
            self.files_problem,
            self.paper,
            self.download_sheet,
            self.for_one,
            self.download_csv,
        ]
        if exports_dir is not None:
            self.save_file = w.Button(description=_("Save the CSV and the sheet as files"))
            self.saved_to = w.HTML()
            busy_button(self.save_file, self.problem, self._save_files)
            parts += [self.save_file, self.saved_to]
        self.delete = w.Button(description=_("Delete this workbook"))
        self.confirm_delete = w.Button(
            description=_("Yes, delete everything"), button_style="danger"
        )
        self.keep = w.Button(description=_("No, keep it"))
        self.delete_note = w.HTML()
        self.confirm_box = w.Box(
            [self.confirm_delete, self.keep], layout=w.Layout(flex_flow="row wrap", display="none")
        )
        self.delete.on_click(lambda _: self._ask_to_delete(True))
        self.keep.on_click(lambda _: self._ask_to_delete(False))
        busy_button(self.confirm_delete, self.problem, self._delete)
        self.new_link = w.Button(description=_("Make a new private link"))
        self.new_link.add_class("workbook-new-link")
        self.new_link_note = w.HTML()
        busy_button(self.new_link, self.problem, self._change_link)
        self.new_link_box = w.VBox(
            [
                w.HTML(
                    "<p>"
                    + _(
                        "Did your link reach someone who should not have it? Make a new one. "
                        "The old link stops working at once, on every phone and computer."
                    )
                    + "</p>"
                ),
                self.new_link,
                self.new_link_note,
            ],
            layout=w.Layout(display="none"),
        )
        self.care_team_link = CareTeamLink(state, link_base=link_base)
        parts += [
            self.resume_link,
            self.link_actions,
            self.new_link_box,
            self.care_team_link,
            w.HTML(
                "<h3>"
                + _("Delete this workbook")
                + "</h3><p>"
                + _(
                    "This erases every answer in it for good. Files you downloaded are not touched."
                )
                + "</p>"
            ),
            self.delete,
            self.confirm_box,
            self.delete_note,
        ]
        super().__init__(parts)
        self.add_class("workbook-export")
        state.watch(lambda _: self.show_link(), names=["token", "ended"])
        self.show_link()

    def refresh(self) -> None:
        """Build the downloads from what is saved now.

        In a running kernel they are made in a thread (``FileMaker``): the page says they are
        being made, and the kernel goes on answering the page (its heartbeat too) meanwhile.
        Outside a kernel (a script, a test) they are made before this returns.
        """
        workbook = self.state.workbook
        _ = self.state.tr.gettext
        self._files = None
        self.for_one.layout.display = "none"
        if workbook is None:
            self._maker.forget()
            self.download_csv.value = (
                "<p>" + _("Your downloads appear here once you have answered something.") + "</p>"
            )
            self.download_sheet.value = ""
            self.paper.layout.display = "none"
            return
        self.paper.layout.display = None
        making = _("Making your files… A long workbook can take a minute. You can go on meanwhile.")
        self.download_csv.value = ""
        self.download_sheet.value = (
            f'<p role="status" class="workbook-making-files">{html.escape(making)}</p>'
        )
        self._file_name = _file_name(workbook, _today(), self.state.language)
        self._maker.make(workbook, self.state.content, paper=self.paper.value, today=_today())

    def _show_files(self, made: Made) -> None:
        """Show what the file maker made: the download links, or why there are none."""
        if isinstance(made, DownloadsError):
            self.download_sheet.value = ""
            self.download_csv.value = ""
            self.files_problem.say(str(made))
            return
        self.files_problem.clear()
        self._files = made
        language = self.state.language
        self.download_csv.value = csv_link_html(made, self._file_name, language)
        self.download_sheet.value = sheet_links_html(made, self._file_name, language)
        labels = {a.id: a.label for a in self.state.content.audiences}
        options = [(labels[a], a) for a in made.for_audience if a in labels]
        chosen = self.audience.value
        self.audience.options = options
        if options:
            ids = [a for _, a in options]
            self.audience.value = chosen if chosen in ids else ids[0]
        self.for_one.layout.display = None if options else "none"
        self._show_for_one()

    def _show_for_one(self) -> None:
        """The link to the sheet of only the questions for the audience chosen."""
        files, audience = self._files, self.audience.value
        if files is None or audience is None:
            self.download_for_one.value = ""
            return
        label = self.audience.label or ""
        self.download_for_one.value = audience_link_html(
            files, audience, label, self._file_name, self.state.language
        )

    def show_link(self) -> None:
        """Show the private link back, once the workbook exists."""
        token = self.state.token
        language = self.state.language
        _ = translator(language).gettext
        self.link_actions.value = ""
        self.new_link_box.layout.display = "none"
        if self.state.ended:  # another page made a new link: this one is no use any more
            self.resume_link.value = f'<p role="status">{html.escape(_(ENDED))}</p>'
            return
        if token is None:
            self.resume_link.value = (
                "<p>"
                + _(
                    "Your private link back to this workbook appears here once you answer the "
                    "first question."
                )
                + "</p>"
            )
            return
        if self.link_base is None:
            self.resume_link.value = (
                "<p>"
                + _("This workbook is saved. A navigator can open it again from the roster.")
                + "</p>"
            )
            return
        self.new_link_box.layout.display = None
        link = private_link(self.link_base, token)
        self.resume_link.value = private_link_html(link, language)
        self.link_actions.value = link_actions_html(link, language)

    def _change_link(self) -> None:
        self.state.change_private_link()
        done = self.state.tr.gettext(
            "Done. Above is your new private link. The old one no longer opens your workbook. "
            "Save the new one somewhere safe."
        )
        self.new_link_note.value = f'<p role="status">{html.escape(done)}</p>'

    def _ask_to_delete(self, asking: bool) -> None:
        self.confirm_box.layout.display = None if asking else "none"
        self.delete.disabled = asking

    def _delete(self) -> None:
        self.state.delete_workbook()
        self._ask_to_delete(False)
        deleted = self.state.tr.gettext("Your workbook was deleted. Nothing of it is kept here.")
        self.delete_note.value = f'<p role="status">{deleted}</p>'
        self.refresh()

    def _save_files(self) -> None:
        assert self.exports_dir is not None
        workbook = self.state.workbook
        if workbook is None:
            raise ValueError(N_("There is nothing to save yet."))
        from secondopinion.documents.exports import long_form, write_csv, write_private
        from secondopinion.documents.question_sheet import question_sheet_pdf

        base = self.exports_dir / _file_name(workbook, _today(), self.state.language)
        csv = write_csv(long_form(workbook, self.state.content), base.with_suffix(".csv"))
        pdf = question_sheet_pdf(workbook, self.state.content, today=_today())
        sheet = write_private(pdf, base.with_suffix(".pdf"))
        saved = self.state.tr.gettext("Saved {csv} and {sheet}").format(
            csv=html.escape(str(csv)), sheet=html.escape(str(sheet))
        )
        self.saved_to.value = f"<p>{saved}</p>"


def _today() -> dt.date:
    return dt.date.today()


MAIL_SUBJECT = N_("My second-opinion workbook")
MAIL_BODY = N_("My private link to my second-opinion workbook (keep it private):\n\n{link}\n")


def private_link_html(link: str, language: str = "en") -> str:
    """The private link, and what it is for."""
    _ = translator(language).gettext
    shown = html.escape(link)
    return (
        "<h3>"
        + _("Your private link")
        + "</h3><p>"
        + _(
            "Keep this link private, like a password. Anyone with it can open this workbook. "
            "Use it to come back later."
        )
        + "</p>"
        f'<p class="workbook-link"><a href="{shown}">{shown}</a></p>'
    )


def link_actions_html(link: str, language: str = "en") -> str:
    """A copy button, e-mail and text links, and a QR code to print, for the private link.

    The e-mail and text links only open the person's own mail or messages app, with the link
    filled in; this service sends nothing.
    """
    _ = translator(language).gettext
    shown = html.escape(link)
    body = _(MAIL_BODY).format(link=link)
    mail = html.escape(f"mailto:?subject={quote(_(MAIL_SUBJECT))}&body={quote(body)}")
    sms = html.escape(f"sms:?&body={quote(body)}")
    qr = segno.make(link, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR code of your private link")
    )
    return (
        '<p class="workbook-link-buttons">'
        f'<button type="button" class="workbook-button workbook-copy-link" data-link="{shown}">'
        + _("Copy the link")
        + "</button>"
        f'<a class="workbook-button workbook-mail-link" href="{mail}">'
        + _("E-mail it to myself")
        + "</a>"
        f'<a class="workbook-button workbook-sms-link" href="{sms}">'
        + _("Text it to myself")
        + "</a></p>"
        '<p class="workbook-copied" role="status"></p>'
        '<p class="workbook-help">'
        + _(
            "These open your own e-mail or messages app with the link filled in. Nothing is "
            "sent by this service."
        )
        + "</p>"
        '<figure class="workbook-qr"><div class="workbook-qr-code">'
        f"{qr}</div><figcaption>"
        + _(
            "Scan this code with a phone camera to open the workbook. A navigator can print it "
            "for you."
        )
        + "</figcaption></figure>"
    )


def _file_name(workbook: object, day: dt.date, language: str = "en") -> str:
    _ = translator(language).gettext
    name = getattr(getattr(workbook, "summary", None), "display_name", "") or ""
    base = file_name_part(_("second-opinion"))
    unnamed = _("workbook")  # outside the f-string, so that pybabel extract finds it
    return f"{base}-{file_name_part(name) or file_name_part(unnamed)}-{day.isoformat()}"
