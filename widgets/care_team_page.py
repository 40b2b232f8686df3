"""The page the care team's read-only link opens: a clean list for a clinic screen or a printer.

``CareTeamPage`` shows, for the workbook behind a care-team link (``#care-team=<token>``, see
``widgets.dashboard.open_page``): whose list it is (only the workbook's short code, and the name
the person gave, if any), that the page is read-only and that the workbook is not medical advice;
the person's starred questions; the plan's "start here"; and every record that applies with where
it stands. It is in the workbook's language, with the English beside each line when that is not
English, for a doctor who does not read it.

It is built of HTML widgets only, whose text is escaped, and one button, "We saw this before the
visit", which marks the link seen (``WorkbookStore.mark_seen_by_care_team``): the person then sees
it in their workbook. Nothing else on the page changes anything, whatever the page sends. It never
shows what the person did not choose to share: no answers to questions or to the situation, no
notes, no comparison of the opinions, no navigator's notes; the person's own questions only when
starred and when the person ticked "Show my own questions on it".
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable
from typing import Final

import ipywidgets as w

from secondopinion import Content, load_content
from secondopinion.content.vocabulary import RECORD_NEEDED
from secondopinion.language import DEFAULT_LANGUAGE, N_, long_date, translator
from secondopinion.planning import Plan, derive
from secondopinion.store import NotFoundError, StoreError, Workbook, WorkbookStore, short_code
from widgets.parts.item_text import START_HERE, escaped
from widgets.parts.style import stylesheet

CARE_TEAM_CLASS: Final = "workbook-care-team"
SEEN_CLASS: Final = "workbook-care-team-seen"
ENGLISH_CLASS: Final = "workbook-care-team-english"

TITLE = N_("Questions for the care team")
WHOSE = N_("From the workbook {code}")
WHOSE_NAMED = N_("From the workbook {code} of {name}")
READ_ONLY = N_(
    "This page is read-only: nothing can be changed here. The person shared it with you so that "
    "you can see their questions before the visit. They can turn this link off at any time."
)
NOT_ADVICE = N_(
    "The workbook helps a person prepare for a second opinion. It is not medical advice."
)
STARRED = N_("Starred questions")
STARRED_HELP = N_("The questions that matter most to the person.")
NONE_STARRED = N_("No question is starred yet.")
OWN = N_("Written by the person")
ASK_FIRST = N_("Ask first")
GATHER_FIRST = N_("Gather first")
DO_FIRST = N_("Do first")
RECORDS = N_("Records and where they stand")
NO_RECORDS = N_("No record applies yet.")
RECORD = N_("Record")
WHERE_IT_STANDS = N_("Where it stands")
CARE_TEAM_STATUSES: Final = {
    "needed": N_("Still needed"),
    "requested": N_("Asked for"),
    "received": N_("The person has it"),
    "sent": N_("Sent to the second doctor"),
}
SEEN_BUTTON = N_("We saw this before the visit")
SEEN_ON = N_("Marked seen on {date}. The person sees this in their workbook.")
TURNED_OFF = N_("This link was turned off, so nothing can be marked here any more.")
NOT_NOW = N_("This could not be saved right now. Please try again in a moment.")

_PRINT_CSS = f"""
<style>
.{CARE_TEAM_CLASS} .{ENGLISH_CLASS} {{ display: block; color: #5f6368; font-size: 0.88em; }}
.{CARE_TEAM_CLASS} ol, .{CARE_TEAM_CLASS} ul {{ padding-left: 1.4em; margin: 0.2em 0 0.6em; }}
.{CARE_TEAM_CLASS} li {{ margin: 0.35em 0; }}
.{CARE_TEAM_CLASS} table {{ border-collapse: collapse; width: 100%; margin: 0.3em 0 0.8em; }}
.{CARE_TEAM_CLASS} th, .{CARE_TEAM_CLASS} td {{ text-align: left; vertical-align: top;
  padding: 6px 8px; border-bottom: 1px solid #d0d0d0; }}
.{CARE_TEAM_CLASS} th {{ font-size: 0.9em; color: #333; border-bottom: 2px solid #9e9e9e; }}
.{CARE_TEAM_CLASS} td.workbook-care-team-status {{ font-weight: 600; width: 34%; }}
.{CARE_TEAM_CLASS} .workbook-care-team-status[data-status="sent"] {{ color: #1b5e20; }}
.{CARE_TEAM_CLASS} .workbook-care-team-own {{ font-size: 0.85em; color: #5f6368; }}
@media print {{
  .{CARE_TEAM_CLASS} {{ font-size: 12pt; max-width: none; padding: 0; }}
  .{CARE_TEAM_CLASS} .{SEEN_CLASS} {{ display: none; }}
  .{CARE_TEAM_CLASS} li, .{CARE_TEAM_CLASS} tr {{ break-inside: avoid; }}
}}
</style>
"""


class CareTeamPage(w.VBox):  # type: ignore[misc]
    """The read-only page of one workbook for its care team (see the module).

    ``token`` is the care-team link's secret the page was opened with: the "seen" mark is made
    only while it is still the workbook's link. ``content`` is used when it is in the workbook's
    language; otherwise the content in that language is loaded.
    """

    def __init__(
        self,
        store: WorkbookStore,
        workbook_id: str,
        token: str,
        *,
        content: Content | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.store = store
        self.workbook_id = workbook_id
        self.token = token
        workbook = store.load(workbook_id)
        self.language = language = workbook.summary.language
        if content is None or content.language != language:
            content = load_content(language=language)
        english = None if language == DEFAULT_LANGUAGE else load_content(language=DEFAULT_LANGUAGE)
        plan = derive(workbook, content, today()).plan
        in_english = _english_texts(derive(workbook, english, today()).plan) if english else {}
        self._say = _Words(language)
        say = self._say
        self.header = w.HTML(_div(language, _header(workbook, say)))
        self.questions = w.HTML(_div(language, _starred(workbook, plan, in_english, say)))
        self.start_here = w.HTML(_div(language, _start_here(plan, in_english, say)))
        self.records = w.HTML(_div(language, _records(workbook, plan, in_english, say)))
        self.seen_button = w.Button(
            description=say.button(SEEN_BUTTON),
            button_style="primary",
            layout=w.Layout(width="auto", align_self="flex-start"),
        )
        self.seen_button.add_class(SEEN_CLASS)
        self.seen_button.on_click(self._mark_seen)
        self.seen_note = w.HTML()
        self.seen_note.add_class("workbook-care-team-seen-note")
        self._show_seen(workbook)
        super().__init__(
            [
                stylesheet(),
                w.HTML(_PRINT_CSS),
                self.header,
                self.questions,
                self.start_here,
                self.records,
                self.seen_button,
                self.seen_note,
            ]
        )
        self.add_class("workbook-app")
        self.add_class(CARE_TEAM_CLASS)

    def mark_ready(self) -> None:
        """Tell tests that the page is done."""
        self.add_class("workbook-ready")

    def _mark_seen(self, _button: object = None) -> None:
        try:
            self.store.mark_seen_by_care_team(self.workbook_id, token=self.token)
            workbook = self.store.load(self.workbook_id)
        except NotFoundError:
            self.seen_button.disabled = True
            self.seen_note.value = _status(self._say.line(TURNED_OFF))
            return
        except StoreError:
            self.seen_note.value = _status(self._say.line(NOT_NOW))
            return
        self._show_seen(workbook)

    def _show_seen(self, workbook: Workbook) -> None:
        seen = workbook.care_team_seen_at
        if seen is None:
            self.seen_note.value = ""
            return
        day = seen.astimezone().date()
        self.seen_note.value = _status(
            self._say.line(
                SEEN_ON,
                date=long_date(day, self.language),
                english_date=long_date(day, DEFAULT_LANGUAGE),
            )
        )


class _Words:
    """The page's own words in the workbook's language, with the English beside them."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._ = translator(language).gettext

    def line(self, message: str, *, english_date: str | None = None, **values: str) -> str:
        """HTML of ``message`` translated, then its English in a lighter span (if it differs)."""
        shown = self._(message).format(**values)
        english = message.format(**{**values, **({"date": english_date} if english_date else {})})
        return with_english(shown, english)

    def button(self, message: str) -> str:
        """A button's words: translated, then " / " and the English (if it differs)."""
        shown = self._(message)
        return shown if shown == message else f"{shown} / {message}"


def with_english(text: str, english: str | None) -> str:
    """``text`` as escaped HTML, then its English in a lighter span when that differs."""
    out = escaped(text)
    if english and english != text:
        out += f' <span class="{ENGLISH_CLASS}" lang="en">{escaped(english)}</span>'
    return out


def _div(language: str, inner: str) -> str:
    return f'<div lang="{html.escape(language)}">{inner}</div>'


def _status(inner: str) -> str:
    return f'<p role="status">{inner}</p>'


def _english_texts(plan: Plan) -> dict[str, str]:
    items: Iterable[tuple[str, str]] = (
        *((p.id, p.text) for p in plan.questions),
        *((p.id, p.text) for p in plan.records),
        *((p.id, p.text) for p in plan.next_steps),
    )
    return dict(items)


def _header(workbook: Workbook, say: _Words) -> str:
    code = short_code(workbook.id)
    name = workbook.summary.display_name.strip()
    whose = say.line(WHOSE_NAMED, code=code, name=name) if name else say.line(WHOSE, code=code)
    return (
        f"<h1>{say.line(TITLE)}</h1>"
        f'<p class="workbook-care-team-whose">{whose}</p>'
        f'<p class="workbook-care-team-read-only">{say.line(READ_ONLY)}</p>'
        f'<p class="workbook-not-advice">{say.line(NOT_ADVICE)}</p>'
    )


def _starred(workbook: Workbook, plan: Plan, english: dict[str, str], say: _Words) -> str:
    lines = [
        f'<li class="item-{html.escape(p.id)}">{with_english(p.text, english.get(p.id))}</li>'
        for p in plan.questions
        if (state := workbook.questions.get(p.id)) is not None and state.starred
    ]
    if workbook.care_team_shares_own_questions:
        lines += [
            f'<li class="workbook-care-team-own-question">{escaped(q.text)} '
            f'<span class="workbook-care-team-own">({say.line(OWN)})</span></li>'
            for q in workbook.own_questions
            if q.starred
        ]
    listed = f"<ol>{''.join(lines)}</ol>" if lines else f"<p>{say.line(NONE_STARRED)}</p>"
    return (
        f'<h2>★ {say.line(STARRED)}</h2><p class="workbook-help">{say.line(STARRED_HELP)}</p>'
        + listed
    )


def _start_here(plan: Plan, english: dict[str, str], say: _Words) -> str:
    labels = {"questions": ASK_FIRST, "records": GATHER_FIRST, "next_steps": DO_FIRST}
    parts: list[str] = []
    for kind, chosen in plan.start_here.sections():
        if not chosen:
            continue
        items = "".join(
            f'<li class="item-{html.escape(p.id)}">{with_english(p.text, english.get(p.id))}</li>'
            for p in chosen
        )
        parts.append(f"<h3>{say.line(labels[kind])}</h3><ol>{items}</ol>")
    if not parts:
        return ""
    return f"<h2>{say.line(START_HERE)}</h2>" + "".join(parts)


def _records(workbook: Workbook, plan: Plan, english: dict[str, str], say: _Words) -> str:
    rows: list[str] = []
    for planned in plan.records:
        state = workbook.records.get(planned.id)
        status = state.status if state is not None else RECORD_NEEDED
        label = CARE_TEAM_STATUSES.get(status, CARE_TEAM_STATUSES[RECORD_NEEDED])
        rows.append(
            f'<tr class="item-{html.escape(planned.id)}">'
            f"<td>{with_english(planned.text, english.get(planned.id))}</td>"
            f'<td class="workbook-care-team-status" data-status="{html.escape(status)}">'
            f"{say.line(label)}</td></tr>"
        )
    if not rows:
        return f"<h2>{say.line(RECORDS)}</h2><p>{say.line(NO_RECORDS)}</p>"
    head = f"<th>{say.line(RECORD)}</th><th>{say.line(WHERE_IT_STANDS)}</th>"
    return (
        f"<h2>{say.line(RECORDS)}</h2>"
        f'<table class="workbook-care-team-records"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
