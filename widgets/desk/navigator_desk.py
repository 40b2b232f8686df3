"""The navigator's desk: the roster, finding and opening anyone's workbook, new people, exports.

In JupyterLab (``notebooks/navigator.ipynb``)::

    from widgets.desk import NavigatorDesk
    desk = NavigatorDesk(dashboard_url="https://workbook.example.org/")
    desk

The roster is an itables ``ITable`` (DataTables, shipped inside the package, so nothing is loaded
from the internet): sorted by clicking a header, one row chosen by clicking it. The search box
keeps the people whose short code, name, diagnosis or status mention what is typed, whatever
its accents and case. Unnamed workbooks with nothing answered, started over a day ago, are
hidden until "Show them" is ticked (``who_is_who``); two workbooks of one person can be merged
(``merge_panel``). The roster and the chart
are read again after every change made from the desk, including changes in a workbook opened here.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from secondopinion import Content, load_content
from secondopinion.documents.exports import long_form, to_csv_bytes, write_private
from secondopinion.documents.fhir import resource_json, workbook_response
from secondopinion.documents.file_names import person_file_part
from secondopinion.language import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from secondopinion.store import RECORD_STATUS_LABELS, WorkbookStore, short_code
from widgets.app import WorkbookApp
from widgets.desk.merge_panel import MergePanel
from widgets.desk.person_link import (
    LOCAL_LINK_WARNING,
    dashboard_address,
    only_this_computer,
    person_link,
    qr_svg,
)
from widgets.desk.records_chart import RecordsChart
from widgets.desk.roster_table import (
    COLUMNS,
    ID,
    MISSING,
    RECORD_COUNTS,
    desk_table,
    display_label,
    find,
    forgotten_rows,
    isolated,
)
from widgets.parts.feedback import ProblemMessage, busy_button, guarded
from widgets.parts.style import stylesheet
from widgets.workbook_state import WorkbookState

_WRAP = {"flex_flow": "row wrap", "align_items": "center"}

_CHART_LABELS = {
    "Records still needed": RECORD_STATUS_LABELS["needed"],
    "Asked for": RECORD_STATUS_LABELS["requested"],
    "Received": "Received",
    "Sent": "Sent",
}
_DESK_CSS = """<style>
.workbook-navigator { max-width: 1200px; }
.navigator-roster table.dataTable thead th { white-space: normal; vertical-align: bottom; }
.navigator-roster table.dataTable td { vertical-align: top; }
.navigator-roster table.dataTable tbody tr { cursor: pointer; }
.navigator-link code { word-break: break-all; }
.navigator-roster table.dataTable td:nth-child(CODE) { white-space: nowrap; }
.navigator-local-link { background: #fff4e5; color: #663c00; border-left: 4px solid #e65100;
  padding: 8px 12px; max-width: 40em; }
</style>""".replace("CODE", str(COLUMNS.index("Code") + 1))  # a code never breaks at its dash


class NavigatorDesk(w.VBox):  # type: ignore[misc]
    """Everything a navigator needs in one place, in JupyterLab.

    Args:
        store: the workbooks; default ``WorkbookStore.open()`` (``$SECOND_OPINION_DATA``).
        content: default ``load_content()``.
        dashboard_url: where the patient dashboard is served, for new people's links;
            ``$SECOND_OPINION_PUBLIC_URL`` wins when it is set.
        exports_dir: where CSV exports are saved; default ``exports/`` in the working folder,
            which in JupyterLab is the notebook's folder, so the file browser shows it.

    """

    def __init__(
        self,
        store: WorkbookStore | None = None,
        content: Content | None = None,
        *,
        dashboard_url: str | None = None,
        exports_dir: Path | None = None,
    ) -> None:
        self.store = store or WorkbookStore.open()
        self.content = content or load_content()
        self.dashboard_url = dashboard_url
        self.exports_dir = (exports_dir or Path.cwd() / "exports").absolute()
        self.problem = ProblemMessage()
        self.everyone = desk_table([], self.content)
        self.shown = self.everyone
        self.app: WorkbookApp | None = None
        self.forgotten = 0
        """How many unnamed workbooks with nothing answered, over a day old, there are."""

        self.new_language = w.Dropdown(
            options=[(LANGUAGE_NAMES[code], code) for code in LANGUAGES],
            value=DEFAULT_LANGUAGE,
            description="Language",
        )
        self.new_language.add_class("workbook-new-language")
        self.new_name = w.Text(
            description="Name or initials",
            style={"description_width": "initial"},
            placeholder="e.g. J.D.",
        )
        self.create_workbook = _button(description="Create a workbook", button_style="primary")
        self.new_link = w.HTML()
        self.new_link.add_class("navigator-link")
        self.qr_code = w.Image(format="svg+xml", layout=w.Layout(width="180px", display="none"))
        self.qr_code.add_class("navigator-qr")
        busy_button(self.create_workbook, self.problem, self._create)

        self.search = w.Text(
            description="Find",
            placeholder="Code, name, diagnosis or status",
            continuous_update=True,
            layout=w.Layout(width="28em"),
        )
        self.search.add_class("navigator-search")
        self.read_again = _button(description="Read again", tooltip="Read every workbook again")
        self.counted = w.HTML()
        self.counted.add_class("navigator-count")
        self.show_forgotten = w.Checkbox(
            value=False,
            description="Show them",
            indent=False,
            layout=w.Layout(width="auto", display="none"),
        )
        self.show_forgotten.add_class("navigator-show-forgotten")
        self.table = ITable(
            self.everyone[list(COLUMNS)],
            showIndex=False,
            select={"style": "single"},
            layout={"topEnd": None},
            pageLength=25,
            classes="display compact cell-border",
            style="width:100%; table-layout:auto",
            order=[],
        )
        self.table.add_class("navigator-roster")
        self.chart = RecordsChart()
        keep = guarded(self.problem)
        self.search.observe(keep(lambda _: self._show()), names="value")
        self.show_forgotten.observe(keep(lambda _: self._list_people()), names="value")
        self.table.observe(keep(self._chosen_in_table), names="selected_rows")
        busy_button(self.read_again, self.problem, self.refresh)

        self.person = w.Dropdown(description="Person", layout=w.Layout(width="36em"))
        self.person.add_class("navigator-person")
        self.person.observe(guarded(self.problem)(lambda _: self._offer_merge()), names="value")
        self.rename_to = w.Text(description="New name", placeholder="Name or initials")
        self.rename = _button(description="Rename")
        self.open_workbook = _button(description="Open workbook", button_style="primary")
        self.change_link = _button(description="Make a new private link")
        self.change_link.add_class("navigator-change-link")
        busy_button(self.change_link, self.problem, self._change_link)
        self.export_one = _button(description="Export this person (CSV)")
        self.export_fhir = _button(
            description="FHIR answers",
            tooltip="This person's answers as a FHIR R4 QuestionnaireResponse (JSON)",
        )
        self.export_all = _button(description="Export everyone (CSV)")
        self.exported = w.HTML()
        self.exported.add_class("navigator-exported")
        self.delete = _button(description="Delete this person's workbook")
        self.confirm_delete = _button(description="Yes, delete it for good", button_style="danger")
        self.keep = _button(description="No, keep it")
        self.confirm_box = w.Box(
            [self.confirm_delete, self.keep], layout=w.Layout(**_WRAP, display="none")
        )
        self.delete.on_click(lambda _: self._ask_to_delete(True))
        self.keep.on_click(lambda _: self._ask_to_delete(False))
        busy_button(self.confirm_delete, self.problem, self._delete)
        busy_button(self.rename, self.problem, self._rename)
        busy_button(self.open_workbook, self.problem, self._open)
        busy_button(self.export_one, self.problem, self._export_one)
        busy_button(self.export_fhir, self.problem, self._export_fhir)
        busy_button(self.export_all, self.problem, self._export_all)
        self.merge_panel = MergePanel(self.problem, self._merge)
        self.workbook_area = w.VBox()

        super().__init__(
            [
                stylesheet(),
                w.HTML(_DESK_CSS),
                w.HTML("<h1>Navigator desk</h1>"),
                self.problem,
                w.HTML("<h2>Everyone</h2>"),
                w.HBox(
                    [self.search, self.read_again, self.counted, self.show_forgotten],
                    layout=w.Layout(**_WRAP),
                ),
                self.table,
                self.chart,
                w.HTML("<h2>One person</h2>"),
                w.HBox([self.person, self.open_workbook], layout=w.Layout(**_WRAP)),
                w.HBox([self.rename_to, self.rename], layout=w.Layout(**_WRAP)),
                w.HBox([self.change_link], layout=w.Layout(**_WRAP)),
                w.HBox(
                    [self.export_one, self.export_fhir, self.export_all], layout=w.Layout(**_WRAP)
                ),
                self.exported,
                w.HBox([self.delete]),
                self.confirm_box,
                self.merge_panel,
                w.HTML("<h2>A new person</h2>"),
                w.HBox(
                    [self.new_name, self.new_language, self.create_workbook],
                    layout=w.Layout(**_WRAP),
                ),
                w.HBox([self.new_link, self.qr_code], layout=w.Layout(**_WRAP)),
                self.workbook_area,
            ]
        )
        self.add_class("workbook-navigator")
        self.refresh()

    # Reading ------------------------------------------------------------------------------

    def roster(self) -> pd.DataFrame:
        """The roster as shown now: the search applied, with the visible columns."""
        return self.shown[list(COLUMNS)].reset_index(drop=True)

    def refresh(self) -> None:
        """Read every workbook again; redraw the table, the people list and the chart."""
        self.everyone = desk_table(self.store, self.content)
        self._list_people()

    def visible(self) -> pd.DataFrame:
        """Everyone but the forgotten visits (unless "Show them" is ticked), before the search."""
        hidden = forgotten_rows(self.everyone, dt.datetime.now(dt.UTC))
        self.forgotten = int(hidden.sum())
        return self.everyone if self.show_forgotten.value else self.everyone[~hidden]

    def _list_people(self) -> None:
        """The people to choose from, the table and the chart, for the rows in view."""
        people = self.visible()
        chosen = self.person.value
        self.person.options = [(_person_label(row), row[ID]) for _, row in people.iterrows()]
        if chosen in set(people[ID]):
            self.person.value = chosen
        self._show()
        totals = {label: int(people[column].sum()) for column, label in _CHART_LABELS.items()}
        self.chart.show(totals if not people.empty else {})

    def _show(self) -> None:
        people = self.visible()
        self.shown = find(people, self.search.value)
        table = self.roster()
        if self.table.df is None or not table.equals(self.table.df):
            self.table.update(table, selected_rows=self._rows_of(self.person.value))
        total, found = len(people), len(self.shown)
        if not total:
            said = "No workbooks yet." if self.everyone.empty else "No one to show."
        elif self.search.value.strip():
            said = f"{found} of {total} people found"
        else:
            said = f"{total} {'person' if total == 1 else 'people'}"
        if self.forgotten:
            kept = "shown" if self.show_forgotten.value else "hidden"
            said += (
                f". {self.forgotten} without a name or any answer, started over a day ago, "
                f"{'is' if self.forgotten == 1 else 'are'} {kept}."
            )
        self.counted.value = f'<span role="status">{html.escape(said)}</span>'
        self.show_forgotten.layout.display = None if self.forgotten else "none"
        self._offer_merge()

    def _rows_of(self, workbook_id: str | None) -> list[int]:
        ids = list(self.shown[ID])
        return [ids.index(workbook_id)] if workbook_id in ids else []

    def _chosen_in_table(self, change: dict[str, Any]) -> None:
        rows = change["new"]
        if rows and 0 <= rows[0] < len(self.shown):
            self.person.value = self.shown[ID].iloc[rows[0]]

    def _chosen(self) -> str:
        if not self.person.value:
            raise ValueError("Choose a person first.")
        return str(self.person.value)

    # Changing -----------------------------------------------------------------------------

    def _create(self) -> None:
        summary, token = self.store.create_workbook(
            self.new_name.value.strip(), "navigator", self.new_language.value
        )
        self._show_link(summary.display_name, token, "Workbook created for", summary.id)
        self.new_name.value = ""
        self.refresh()
        self.person.value = summary.id

    def _change_link(self) -> None:
        """A new private link for the chosen person: the old one stops working."""
        workbook_id = self._chosen()
        token = self.store.change_private_link(workbook_id)
        name = self.store.load(workbook_id).summary.display_name
        self._show_link(
            name, token, "The old link no longer works. New private link for", workbook_id
        )

    def _show_link(self, display_name: str, token: str, what: str, workbook_id: str) -> None:
        name = html.escape(display_label(display_name) or "this person")
        name += f" (code <strong>{short_code(workbook_id)}</strong>)"
        address = dashboard_address(self.dashboard_url)
        if address is None:
            self.qr_code.layout.display = "none"
            self.new_link.value = (
                f"<p>{what} {name}. The dashboard's address is not known here: "
                "set <code>SECOND_OPINION_PUBLIC_URL</code> (or give the desk "
                "<code>dashboard_url=</code>). The end of the private link is "
                f"<code>#workbook={html.escape(token)}</code>.</p>"
            )
        else:
            link = person_link(address, token)
            self.qr_code.value = qr_svg(link)
            self.qr_code.layout.display = None
            self.new_link.value = (
                f"<p>{what} {name}. Give this private link to the person, and to "
                "no one else (the QR code opens the same link):</p>"
                f'<p class="workbook-link"><a href="{html.escape(link)}" target="_blank" '
                f'rel="noopener noreferrer">{html.escape(link)}</a></p>'
            )
            if only_this_computer(link):
                self.new_link.value += (
                    f'<p class="navigator-local-link" role="alert">{LOCAL_LINK_WARNING}</p>'
                )

    def _rename(self) -> None:
        workbook_id = self._chosen()
        name = self.rename_to.value.strip()
        if not name:
            raise ValueError("Write the new name or initials first.")
        self.store.set_display_name(workbook_id, name)
        self.rename_to.value = ""
        self.refresh()

    def _open(self) -> None:
        state = _workbook_state(self.store, self.content, self._chosen())
        self.app = WorkbookApp(
            state, link_base=dashboard_address(self.dashboard_url), exports_dir=self.exports_dir
        )
        self.app.mark_ready()
        state.observe(guarded(self.problem)(lambda _: self.refresh()), names="workbook")
        self.workbook_area.children = [w.HTML("<h2>Workbook</h2>"), self.app]

    def _ask_to_delete(self, asking: bool) -> None:
        if asking and not self.person.value:
            self.problem.show(ValueError("Choose a person first."))
            return
        self.confirm_box.layout.display = None if asking else "none"

    def _offer_merge(self) -> None:
        """Offer every other person in view for merging into the chosen one."""
        people = [(label, str(wid)) for label, wid in self.person.options]
        self.merge_panel.set_people(people, self.person.value, self.person.label or "")

    def _merge(self, other_id: str) -> str:
        """Merge ``other_id`` into the chosen person's workbook; what to tell the navigator."""
        keep_id = self._chosen()
        noted = self.store.merge_workbooks(keep_id, other_id)
        self.workbook_area.children = []
        self.app = None
        self.refresh()
        said = (
            f"Merged: everything in {short_code(other_id)} is now in {short_code(keep_id)}, "
            f"and {short_code(other_id)} was deleted."
        )
        if noted:
            said += (
                f" {noted} {'value' if noted == 1 else 'values'} that differed went into the notes."
            )
        return said

    def _delete(self) -> None:
        self.store.delete_workbook(self._chosen())
        self._ask_to_delete(False)
        self.workbook_area.children = []
        self.app = None
        self.exported.value = "<p>The workbook was deleted.</p>"
        self.refresh()

    def _export_one(self) -> None:
        workbook = self.store.load(self._chosen())
        name = person_file_part(workbook)
        self._export(long_form(workbook, self.content), f"workbook-{name}-{_today()}.csv")

    def _export_fhir(self) -> None:
        """The chosen person's answers as FHIR JSON, in their workbook's language."""
        workbook = self.store.load(self._chosen())
        language = workbook.summary.language
        content = (
            self.content if language == self.content.language else load_content(language=language)
        )
        name = person_file_part(workbook)
        data = resource_json(workbook_response(workbook, content))
        self._offer(data, f"workbook-{name}-{_today()}.fhir.json", "application/fhir+json")

    def _export_all(self) -> None:
        self._export(self.export_table(), f"roster-{_today()}.csv")

    def export_table(self) -> pd.DataFrame:
        """Everyone, as the desk shows them (all columns, no search), for a spreadsheet."""
        table = self.everyone[list(COLUMNS)].copy()
        for column in table.columns:
            if column not in RECORD_COUNTS:
                table[column] = table[column].replace(MISSING, "")
        return table

    def _export(self, table: pd.DataFrame, file_name: str) -> None:
        self._offer(to_csv_bytes(table), file_name, "text/csv")

    def _offer(self, data: bytes, file_name: str, media_type: str) -> None:
        """Save a file owner-only in the exports folder; say where, with a download link."""
        path = write_private(data, self.exports_dir / file_name)
        shown = _relative(path)
        link = f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
        self.exported.value = (
            f"<p>Saved <code>{html.escape(shown)}</code>: open it from JupyterLab's file browser, "
            f'or <a download="{html.escape(file_name)}" href="{link}">download it</a>.</p>'
        )


def _button(**options: Any) -> w.Button:
    """A button as wide as its words."""
    return w.Button(layout=w.Layout(width="auto", min_width="8em"), **options)


def _workbook_state(store: WorkbookStore, content: Content, workbook_id: str) -> WorkbookState:
    """The state of one stored workbook, opened by a navigator."""
    return WorkbookState(store, content, created_by="navigator", workbook_id=workbook_id)


def _person_label(row: pd.Series) -> str:
    name = isolated(display_label(str(row["Name"]))) if row["Name"] != MISSING else "(no name yet)"
    name = f"{name} — {row['Code']}"
    diagnosis = row["Diagnosis"]
    return f"{name} — {isolated(str(diagnosis))}" if diagnosis != MISSING else name


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _today() -> str:
    return dt.date.today().isoformat()
