"""Step 3, "Records to gather": each record, how to get it, and where it stands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import ipywidgets as w

from secondopinion.content import Record
from secondopinion.language import N_
from secondopinion.planning import PlannedItem
from widgets.parts.feedback import ProblemMessage, guarded
from widgets.parts.field_input import UNREADABLE_DATE, DateBox
from widgets.parts.item_text import MORE, START_HERE, escaped, why_details
from widgets.parts.typing import TypedText
from widgets.workbook_state import WorkbookState

STATUSES = (
    (N_("Still needed"), "needed"),
    (N_("Asked for"), "requested"),
    (N_("I have it"), "received"),
    (N_("Sent to the second doctor"), "sent"),
)


class RecordRow(w.VBox):  # type: ignore[misc]
    """One record: what it is, how to get it, its status, from whom, when asked, and a note."""

    def __init__(
        self,
        planned: PlannedItem[Record],
        saved: Any,
        state: WorkbookState,
        problem: ProblemMessage,
    ):
        record = planned.item
        self.item_id = record.id
        _ = state.tr.gettext
        self.text = w.HTML(
            f'<p class="workbook-record-text"><strong>{escaped(record.text)}</strong></p>'
            f"<p>{escaped(record.what)}</p>"
            '<p class="workbook-how"><strong>'
            + escaped(_("How to get it:"))
            + "</strong> "
            + f"{escaped(record.how_to_get)}</p>"
        )
        self.why = w.HTML()
        self.status = w.Dropdown(
            options=[(_(label), value) for label, value in STATUSES],
            value=(saved.status if saved else None) or "needed",
            description=_("Status"),
        )
        self.from_whom = w.Text(
            value=(saved.from_whom if saved else "") or "",
            description=_("From whom"),
            placeholder=_("Office, lab or hospital"),
        )
        requested = saved.requested_on if saved else None
        self.requested_on = DateBox(
            value=dt.date.fromisoformat(requested) if isinstance(requested, str) else requested,
            description=_("Asked on"),
        )
        self.note = w.Textarea(
            value=(saved.note if saved else "") or "",
            description=_("Note"),
            layout=w.Layout(width="100%"),
        )
        fields = w.Box(
            [self.status, self.from_whom, self.requested_on],
            layout=w.Layout(flex_flow="row wrap"),
        )
        super().__init__([self.text, self.why, fields, self.note])
        self.add_class("workbook-record")
        self.add_class(f"item-{record.id}")
        keep = guarded(problem)

        def save(**changes: Any) -> None:
            state.set_record(record.id, **changes)

        def save_status(_: object) -> None:
            save(status=self.status.value)
            # "Asked for" without a date is saved with today's: show it.
            stored = state.workbook.records.get(record.id) if state.workbook else None
            if stored is not None and stored.requested_on and self.requested_on.value is None:
                self.requested_on.value = stored.requested_on

        self.status.observe(keep(save_status), "value")
        self.typed_from = TypedText(
            self.from_whom,
            keep(lambda text: save(from_whom=text)),
            problem,
            limit=500,
            what=_("Who it is from"),
            state=state,
        )
        self.requested_on.observe(
            keep(lambda _: save(requested_on=_iso(self.requested_on.value))), "value"
        )
        unreadable = _(UNREADABLE_DATE)
        self.date_warning = w.HTML()
        self.date_warning.add_class("workbook-warning")
        self.requested_on.observe(
            lambda change: setattr(
                self.date_warning,
                "value",
                f'<p role="alert">{unreadable}</p>' if change["new"] else "",
            ),
            "unreadable",
        )
        shown: tuple[w.Widget, ...] = tuple(getattr(self, "children", ()))
        self.children = (*shown[:3], self.date_warning, *shown[3:])
        self.typed_note = TypedText(
            self.note,
            keep(lambda text: save(note=text)),
            problem,
            what=_("The note"),
            state=state,
        )
        self.update(planned, state)

    def update(self, planned: PlannedItem[Record], state: WorkbookState) -> None:
        """Show why the record is asked for, for the current situation."""
        item = planned.item
        self.why.value = why_details(item.why, planned.because, item.sources, state.content)


class RecordsChecklist(w.VBox):  # type: ignore[misc]
    """The tailored records, with counts by status at the top."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        self.problem = ProblemMessage(state.language)
        self.counts = w.HTML()
        self.rows: dict[str, RecordRow] = {}
        super().__init__()
        self.add_class("workbook-records")
        state.watch(lambda _: self.refresh(), names="plan")
        state.watch(lambda _: self._count(), names="workbook")
        self.refresh()

    def refresh(self) -> None:
        """Show the records of the current plan, keeping every row and what was entered."""
        saved = self.state.workbook.records if self.state.workbook else {}
        _ = self.state.tr.gettext
        children: list[w.Widget] = [
            w.HTML(
                "<h2>"
                + _("Records to gather")
                + "</h2><p>"
                + _(
                    "The second doctor needs your records. Ask for the real slides and scan "
                    "files, not only the reports. Keep a copy of everything."
                )
                + "</p>"
            ),
            self.counts,
            self.problem,
        ]
        content = self.state.content
        plan = self.state.plan
        first = plan.start_here.records
        if first:
            children.append(w.HTML(f"<h3>{escaped(_(START_HERE))}</h3>"))
            children += [self._row(planned, saved, start_here=True) for planned in first]
            children.append(w.HTML(f"<h3>{escaped(_(MORE))}</h3>"))
        for category in content.record_categories:
            records = [
                r for r in plan.records_in(category.id) if r.id not in plan.start_here.item_ids
            ]
            if records:
                children.append(w.HTML(f"<h4>{escaped(category.label)}</h4>"))
            children += [self._row(planned, saved, start_here=False) for planned in records]
        self.children = children
        self._count()

    def _row(
        self, planned: PlannedItem[Record], saved: Mapping[str, Any], *, start_here: bool
    ) -> RecordRow:
        if planned.id not in self.rows:
            self.rows[planned.id] = RecordRow(
                planned, saved.get(planned.id), self.state, self.problem
            )
        else:
            self.rows[planned.id].update(planned, self.state)
        row = self.rows[planned.id]
        if start_here:
            row.add_class("workbook-start-here")
        else:
            row.remove_class("workbook-start-here")
        return row

    def _count(self) -> None:
        saved = self.state.workbook.records if self.state.workbook else {}
        shown = [r.id for r in self.state.plan.records]
        statuses = [saved[i].status if i in saved else "needed" for i in shown]
        _ = self.state.tr.gettext
        counts = ", ".join(f"{_(label)}: {statuses.count(value)}" for label, value in STATUSES)
        self.counts.value = f'<p class="workbook-record-counts" role="status">{counts}</p>'


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
