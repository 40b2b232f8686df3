"""The navigator's desk: the roster, opening anyone's workbook, new people, exports, a picture."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as w
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from secondopinion import Content, load_content
from secondopinion.exports import long_form, roster, write_csv
from secondopinion.store import WorkbookStore
from widgets._feedback import ProblemMessage, busy_button, guarded
from widgets._style import stylesheet
from widgets.app import WorkbookApp
from widgets.session_state import WorkbookState

SORTS = (
    ("Last change, newest first", ("last_change", False)),
    ("Decision date, soonest first", ("decision_date", True)),
    ("Name", ("name", True)),
    ("Records still needed, most first", ("records_needed", False)),
)
_WRAP = {"flex_flow": "row wrap"}
RECORD_COLUMNS = ("records_needed", "records_requested", "records_received", "records_sent")


class NavigatorDesk(w.VBox):  # type: ignore[misc]
    """Everything a navigator needs in one place, in JupyterLab."""

    def __init__(
        self,
        store: WorkbookStore | None = None,
        content: Content | None = None,
        *,
        dashboard_url: str = "http://127.0.0.1:8866/",
        exports_dir: Path | None = None,
    ) -> None:
        self.store = store or WorkbookStore.open()
        self.content = content or load_content()
        self.dashboard_url = dashboard_url
        self.exports_dir = exports_dir or self.store.data_dir / "exports"
        self.problem = ProblemMessage()

        self.new_name = w.Text(description="Name or initials", placeholder="e.g. J.D.")
        self.create_workbook = w.Button(description="Create a workbook", button_style="primary")
        self.new_link = w.HTML()
        busy_button(self.create_workbook, self.problem, self._create)

        self.filter = w.Text(description="Find", placeholder="Name, diagnosis or status")
        self.sort = w.Dropdown(options=SORTS, description="Sort by")
        self.table = w.HTML()
        self.table.add_class("workbook-roster")
        self.picture = w.Output()
        refresh = guarded(self.problem)(self.refresh)
        self.filter.observe(lambda _: refresh(), names="value")
        self.sort.observe(lambda _: refresh(), names="value")

        self.person = w.Dropdown(description="Person")
        self.open_workbook = w.Button(description="Open workbook")
        self.export_one = w.Button(description="Export this person (CSV)")
        self.export_all = w.Button(description="Export everyone (CSV)")
        self.exported = w.HTML()
        self.delete = w.Button(description="Delete this person's workbook")
        self.confirm_delete = w.Button(description="Yes, delete it for good", button_style="danger")
        self.keep = w.Button(description="No, keep it")
        self.confirm_box = w.Box(
            [self.confirm_delete, self.keep], layout=w.Layout(**_WRAP, display="none")
        )
        self.delete.on_click(lambda _: self._ask_to_delete(True))
        self.keep.on_click(lambda _: self._ask_to_delete(False))
        busy_button(self.confirm_delete, self.problem, self._delete)
        busy_button(self.open_workbook, self.problem, self._open)
        busy_button(self.export_one, self.problem, self._export_one)
        busy_button(self.export_all, self.problem, self._export_all)
        self.workbook_area = w.VBox()

        super().__init__(
            [
                stylesheet(),
                w.HTML("<h1>Navigator desk</h1>"),
                self.problem,
                w.HTML("<h2>A new person</h2>"),
                w.HBox([self.new_name, self.create_workbook], layout=w.Layout(**_WRAP)),
                self.new_link,
                w.HTML("<h2>Everyone</h2>"),
                w.HBox([self.filter, self.sort], layout=w.Layout(**_WRAP)),
                self.table,
                self.picture,
                w.HTML("<h2>Open or export</h2>"),
                w.HBox([self.person, self.open_workbook], layout=w.Layout(**_WRAP)),
                w.HBox([self.export_one, self.export_all], layout=w.Layout(**_WRAP)),
                self.exported,
                self.delete,
                self.confirm_box,
                self.workbook_area,
            ]
        )
        self.add_class("workbook-navigator")
        self.refresh()

    def roster(self) -> pd.DataFrame:
        """The roster as shown: filtered and sorted."""
        table = roster(self.store, self.content)
        words = self.filter.value.strip().lower()
        if words and not table.empty:
            text = table.apply(lambda row: " ".join(map(str, row)).lower(), axis=1)
            table = table[text.str.contains(words, regex=False)]
        column, ascending = self.sort.value
        return table.sort_values(column, ascending=ascending, na_position="last", kind="stable")

    def refresh(self) -> None:
        """Read the roster again and redraw the table, the people list and the picture."""
        table = self.roster()
        if table.empty:
            self.table.value = "<p>No workbooks yet.</p>"
        else:
            self.table.value = table.to_html(index=False, escape=True, na_rep="")
        everyone = roster(self.store, self.content)
        self.person.options = [
            (f"{row['name'] or '(no name)'} — started {str(row['created'])[:10]}", row["session"])
            for _, row in everyone.iterrows()
        ]
        self._draw(everyone)

    def _draw(self, everyone: pd.DataFrame) -> None:
        self.picture.clear_output(wait=True)
        with self.picture:
            if everyone.empty:
                return
            totals = [int(everyone[c].sum()) for c in RECORD_COLUMNS]
            figure, axes = plt.subplots(figsize=(6, 2.4))
            labels = ["Needed", "Asked for", "Received", "Sent"]
            axes.barh(labels, totals, color=["#b0bec5", "#ffb74d", "#64b5f6", "#81c784"])
            axes.set_xlabel("Records, everyone together")
            axes.invert_yaxis()
            figure.tight_layout()
            plt.show()
            plt.close(figure)

    def _create(self) -> None:
        summary, token = self.store.create_session(self.new_name.value.strip(), "navigator")
        link = html.escape(f"{self.dashboard_url}?session={token}")
        self.new_link.value = (
            f"<p>Workbook created for {html.escape(summary.display_name or '(no name)')}. "
            f"Give this private link to the person, and to no one else:</p>"
            f'<p class="workbook-link"><a href="{link}" target="_blank">{link}</a></p>'
        )
        self.new_name.value = ""
        self.refresh()
        self.person.value = summary.id

    def _open(self) -> None:
        if not self.person.value:
            raise ValueError("Choose a person first.")
        state = WorkbookState(
            self.store, self.content, session_id=self.person.value, created_by="navigator"
        )
        app = WorkbookApp(state, exports_dir=self.exports_dir)
        app.mark_ready()
        self.workbook_area.children = [app]

    def _ask_to_delete(self, asking: bool) -> None:
        if asking and not self.person.value:
            self.problem.show(ValueError("Choose a person first."))
            return
        self.confirm_box.layout.display = None if asking else "none"

    def _delete(self) -> None:
        session_id = self.person.value
        if not session_id:
            raise ValueError("Choose a person first.")
        self.store.delete_session(session_id)
        self._ask_to_delete(False)
        self.workbook_area.children = []
        self.exported.value = "<p>The workbook was deleted.</p>"
        self.refresh()

    def _export_one(self) -> None:
        if not self.person.value:
            raise ValueError("Choose a person first.")
        workbook = self.store.load(self.person.value)
        path = self.exports_dir / f"workbook-{workbook.summary.id}-{_today()}.csv"
        write_csv(long_form(workbook, self.content), path)
        self.exported.value = f"<p>Saved {html.escape(str(path))}</p>"

    def _export_all(self) -> None:
        path = self.exports_dir / f"roster-{_today()}.csv"
        write_csv(roster(self.store, self.content), path)
        self.exported.value = f"<p>Saved {html.escape(str(path))}</p>"


def _today() -> str:
    return dt.date.today().isoformat()
