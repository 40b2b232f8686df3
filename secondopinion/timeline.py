"""The timeline: dated steps worked back from the date by which the person must decide.

Pure and without Jupyter: the steps, their order, the gaps between them and every word come from
``content/timeline.yaml``; ``today`` is always passed in.

Each step is done *by* a date. Working back from the decision date gives each step its planned
date (the gaps in ``days``) and the last date it can still be done in time (the shortest gaps, in
``fewest_days``). Then, for each step:

- ``ok``: the planned date is today or later; do it by then.
- ``tight``: the planned date has passed, but there is still time: do it now (its date is today),
  and read what to do instead (``if_late``).
- ``past``: even the last date has passed: there is no time left for this step as planned. It
  has no date, only what to do instead (``if_no_time``).

Without a decision date (or with one that has passed) no step has a date, and the steps that ask
the doctor how long it is safe to wait come first.

>>> from datetime import date
>>> from secondopinion import Situation, load_content, tailor
>>> content = load_content()
>>> answers = {"time_to_decide": "months", "decision_date": "2026-03-02"}
>>> situation = Situation.from_answers(answers, content.intake)
>>> timeline = build_timeline(situation, tailor(situation, content), content, date(2026, 1, 2))
>>> timeline.steps[-1].text, timeline.steps[-1].date
('Decide about treatment.', datetime.date(2026, 3, 2))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from secondopinion import _rules
from secondopinion._timeline_content import (
    DATE_SLOT,
    DECISION,
    RECORD_SLOT,
    StatusId,
    TimelineContent,
    TimelineStepSpec,
)
from secondopinion.content import Content
from secondopinion.engine import Plan
from secondopinion.situation import Situation

__all__ = [
    "DECISION_DATE_FIELD",
    "Timeline",
    "TimelineStep",
    "build_timeline",
    "long_date",
    "timeline_as_text",
]

DECISION_DATE_FIELD: Final = "decision_date"
"""The intake field that holds the date by which the person must decide."""

TimelineState = Literal["no_date", "passed", "planned"]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: dt.date) -> str:
    """A date the way people say it, the same on every machine: 'Friday, February 6, 2026'."""
    return f"{_WEEKDAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}, {day.year}"


@dataclass(frozen=True)
class TimelineStep:
    """One step of the timeline.

    ``id`` is stable: the content step's id, or for a record ``<step id>__<record id>``.
    ``date`` is the day to do it by: the planned date when on track, today when late, None when
    there is no time left for it or no decision date. ``planned`` is the date worked back from
    the decision; ``latest`` the last date it can still be done in time. ``instead`` says what
    to do when the step is late or there is no time left for it.
    """

    id: str
    kind: str
    text: str
    why: str
    sources: tuple[str, ...]
    date: dt.date | None
    planned: dt.date | None
    latest: dt.date | None
    status: StatusId | None
    status_label: str | None
    instead: str | None
    record_id: str | None = None


@dataclass(frozen=True)
class Timeline:
    """The person's steps in order, with the message to show above them.

    ``state`` is 'planned' (dated steps), 'no_date' (no decision date given) or 'passed' (the
    decision date is before ``today``); ``decision_date`` is the date given, if any.
    """

    today: dt.date
    decision_date: dt.date | None
    state: TimelineState
    message: str
    steps: tuple[TimelineStep, ...]

    @property
    def dated_steps(self) -> tuple[TimelineStep, ...]:
        """The steps that have a date, in order."""
        return tuple(step for step in self.steps if step.date is not None)

    @property
    def days_left(self) -> int | None:
        """Days from today to the decision date (0 on the day), or None without a date."""
        if self.decision_date is None:
            return None
        return (self.decision_date - self.today).days


def build_timeline(situation: Situation, plan: Plan, content: Content, today: dt.date) -> Timeline:
    """Work the person's steps back from their decision date, as of ``today``.

    ``plan`` gives the records: one step for each record in it. Steps whose ``when`` rule does
    not hold for the situation are left out.
    """
    knowledge = content.timeline
    answers = situation.in_effect(content.intake)
    given = answers.get(DECISION_DATE_FIELD)
    decision = given if isinstance(given, dt.date) else None
    offsets = _days_before_decision(knowledge, "days")

    chosen: list[tuple[TimelineStepSpec, str | None, str]] = [
        (spec, None, spec.text) for spec in knowledge.steps if _applies(spec, answers)
    ]
    for planned_record in plan.records:
        spec = knowledge.record_step_for(planned_record.id)
        if _applies(spec, answers):
            text = spec.text.replace(RECORD_SLOT, planned_record.text)
            chosen.append((spec, planned_record.id, text))
    rank = {spec.id: n for n, spec in enumerate((*knowledge.steps, *knowledge.record_steps))}
    chosen.sort(key=lambda entry: (-offsets[entry[0].id], rank[entry[0].id]))

    if decision is None or decision < today:
        undated = [
            TimelineStep(
                id=spec.id,
                kind=spec.id,
                text=spec.text,
                why=spec.why,
                sources=spec.sources,
                date=None,
                planned=None,
                latest=None,
                status=None,
                status_label=None,
                instead=None,
            )
            for spec in knowledge.undated_steps
            if spec.when is None or _rules.evaluate(spec.when, answers)
        ]
        steps = [*undated, *(_undated(spec, record, text) for spec, record, text in chosen)]
        if decision is None:
            return Timeline(today, None, "no_date", knowledge.message("no_date"), tuple(steps))
        message = knowledge.message("passed").replace(DATE_SLOT, long_date(decision))
        return Timeline(today, decision, "passed", message, tuple(steps))

    dated = _schedule(chosen, decision, today, knowledge)
    statuses = {step.status for step in dated}
    message_id: Literal["no_time", "late", "on_track"] = (
        "no_time" if "past" in statuses else "late" if "tight" in statuses else "on_track"
    )
    return Timeline(today, decision, "planned", knowledge.message(message_id), tuple(dated))


def _applies(spec: TimelineStepSpec, answers: _rules.Answers) -> bool:
    return spec.when is None or _rules.evaluate(spec.when, answers)


def _days_before_decision(knowledge: TimelineContent, gap: str) -> dict[str, int]:
    """How many days before the decision each step comes, adding up the gaps named by ``gap``."""
    specs: Mapping[str, TimelineStepSpec] = {
        spec.id: spec for spec in (*knowledge.steps, *knowledge.record_steps)
    }
    found: dict[str, int] = {DECISION: 0}

    def total(step_id: str) -> int:
        if step_id not in found:
            spec = specs[step_id]
            found[step_id] = total(spec.before) + int(getattr(spec, gap))
        return found[step_id]

    for step_id in specs:
        total(step_id)
    return found


def _step_id(spec: TimelineStepSpec, record: str | None) -> str:
    return spec.id if record is None else f"{spec.id}__{record}"


def _undated(spec: TimelineStepSpec, record: str | None, text: str) -> TimelineStep:
    return TimelineStep(
        id=_step_id(spec, record),
        kind=spec.id,
        text=text,
        why=spec.why,
        sources=spec.sources,
        date=None,
        planned=None,
        latest=None,
        status=None,
        status_label=None,
        instead=None,
        record_id=record,
    )


def _schedule(
    chosen: list[tuple[TimelineStepSpec, str | None, str]],
    decision: dt.date,
    today: dt.date,
    knowledge: TimelineContent,
) -> list[TimelineStep]:
    """Date the chosen steps: planned back from the decision, then pushed after late steps.

    Steps are dated in the order they depend on each other, so a step is never dated before a
    step that must come first (plus the shortest gap between them).
    """
    offsets = _days_before_decision(knowledge, "days")
    fewest = _days_before_decision(knowledge, "fewest_days")
    depth = _depths(knowledge)
    earliest: dict[str, dt.date] = {}  # by content step id: not before the steps that come first
    dated: list[tuple[tuple[dt.date, int, int], TimelineStep]] = []
    for spec, record, text in sorted(chosen, key=lambda e: (-offsets[e[0].id], -depth[e[0].id])):
        planned = decision - dt.timedelta(days=offsets[spec.id])
        latest = decision - dt.timedelta(days=fewest[spec.id])
        start = max(today, earliest.get(spec.id, today))
        status: StatusId
        if planned >= today:
            status, when, instead = "ok", max(planned, start), None
        elif start <= latest:
            status, when, instead = "tight", start, spec.if_late
        else:
            status, when, instead = "past", None, spec.if_no_time
        if when is not None and spec.before != DECISION:
            after = when + dt.timedelta(days=spec.fewest_days)
            earliest[spec.before] = max(after, earliest.get(spec.before, after))
        step = TimelineStep(
            id=_step_id(spec, record),
            kind=spec.id,
            text=text,
            why=spec.why,
            sources=spec.sources,
            date=when,
            planned=planned,
            latest=latest,
            status=status,
            status_label=knowledge.status_label(status),
            instead=instead,
            record_id=record,
        )
        dated.append(((when or planned, -offsets[spec.id], -depth[spec.id]), step))
    return [step for _, step in sorted(dated, key=lambda pair: pair[0])]


def _depths(knowledge: TimelineContent) -> dict[str, int]:
    """How many steps lie between each step and the decision (the last step has 1)."""
    specs = {spec.id: spec for spec in (*knowledge.steps, *knowledge.record_steps)}
    found: dict[str, int] = {DECISION: 0}

    def depth(step_id: str) -> int:
        if step_id not in found:
            found[step_id] = depth(specs[step_id].before) + 1
        return found[step_id]

    for step_id in specs:
        depth(step_id)
    return found


# --------------------------------------------------------------------------- as text


def timeline_as_text(timeline: Timeline) -> str:
    """The timeline as plain text: the dates, each step, why, and what to do instead."""
    lines = [f"Today: {long_date(timeline.today)}"]
    if timeline.decision_date is not None:
        lines.append(f"Decide by: {long_date(timeline.decision_date)}")
    if timeline.days_left is not None and timeline.days_left >= 0:
        lines.append(f"Days left: {timeline.days_left}")
    lines += ["", timeline.message, ""]
    for step in timeline.steps:
        when = _short(step.date) if step.date else "no date"
        status = f"  [{step.status_label}]" if step.status_label else ""
        lines.append(f"{when:<15}{step.text}{status}")
        if step.planned is not None and step.planned != step.date:
            lines.append(f"{'':15}planned for {_short(step.planned)}")
        if step.status in ("tight", "past") and step.latest is not None:
            lines.append(f"{'':15}last day to do it in time: {_short(step.latest)}")
        lines.append(f"{'':15}Why: {step.why}")
        if step.instead:
            lines.append(f"{'':15}Instead: {step.instead}")
    return "\n".join(lines) + "\n"


def _short(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.isoformat()}"
