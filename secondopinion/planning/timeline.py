"""The timeline: the person's steps, planned forward from today to the decision date.

Pure and without Jupyter: the steps, their order, how long each usually takes and every word
come from ``content/timeline.yaml``; ``today`` is always passed in.

Steps fall on working days only (Monday to Friday, not on a public holiday: see
``working_days``), never more than ``MOST_A_DAY`` on one day. The critical path comes first:
calling the plan and booking the visit (the ``critical`` steps) are planned before any records
request. Records are asked for once per office that holds them, and what the person makes
themself waits on no office. Each step is planned as early as it can be: from today, or after
the steps that must come first and the working days they usually take (``working_days``, such
as the wait for records). When that would not leave the later steps their usual time before the
decision, the waits shrink, never below ``fewest_working_days``. Then, for each step:

- ``ok``: it has its usual time; do it by its date.
- ``tight``: it fits, but its wait had to be shorter than usual: its ``if_late`` says how to
  speed it up. It is not late: there is still time for it.
- ``past``: it does not fit before the decision date even with the shortest waits (or every
  day it could go on is full). It has no date, only what to do instead (``if_no_time``).

Where the ``by_day`` message's rule holds (treatment must start within days), the timeline
counts every day from today, each step named by its day ("Today", "Tomorrow", "In 3 days"):
steps that need an office open still fall on working days. Steps planned for the person's other
date (``second_deadline``: an appeal or a notice) end on that date. A step that stands for
another (``stands_for``) takes its place: a second doctor seen in the hospital instead of a
trip. Steps that come before a step left out are left out too.

Records already asked for get a follow-up step instead; records received or sent get none.
Steps the person marked done (``done``) leave the timeline, and the steps after them are planned
without waiting for them. A step planned, on the day the dates were first worked out
(``since``), for a day now past, and not done, says so (``moved_from``): it is not done yet, and
it is moved to its new day.
Without a decision date (or with one that has passed) no step has a date, and the step that
asks the doctor how long it is safe to wait comes first. Where the ``no_countdown`` message's
rule holds (hospice care), the steps are a calm list without dates, whatever the date. A helper
or a child's parent reads each step's ``for_helper`` or ``for_parent`` words.

>>> from datetime import date
>>> from secondopinion import Situation, load_content, tailor
>>> content = load_content()
>>> answers = {"time_to_decide": "months", "decision_date": "2026-03-02"}
>>> situation = Situation.from_answers(answers, content.intake)
>>> timeline = build_timeline(situation, tailor(situation, content), content, date(2026, 1, 2))
>>> timeline.steps[-1].text, timeline.steps[-1].date
('Decide about treatment.', datetime.date(2026, 3, 2))
>>> all(step.date.weekday() < 5 for step in timeline.dated_steps)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from secondopinion.content import (
    DATE_SLOT,
    DAYS_SLOT,
    DECISION,
    SECOND_DEADLINE,
    Content,
    StatusId,
    TimelineContent,
    UndatedStep,
)
from secondopinion.content import rules as _rules
from secondopinion.content.vocabulary import (
    DECISION_DATE_FIELD,
)
from secondopinion.language import DEFAULT_LANGUAGE, N_, short_weekday, translator
from secondopinion.language import long_date as _long_date
from secondopinion.planning._choosing import Words, choose
from secondopinion.planning._schedule import MOST_A_DAY, Chosen, Placed, Schedule, chains
from secondopinion.planning.engine import Plan
from secondopinion.planning.reader import Reader
from secondopinion.planning.situation import Situation
from secondopinion.planning.working_days import DayCounter
from secondopinion.store import RecordState

__all__ = [
    "MOST_A_DAY",
    "Timeline",
    "TimelineStep",
    "build_timeline",
    "first_working_day",
    "long_date",
    "moved_words",
    "records_asked_by",
    "timeline_as_text",
    "working_days_between",
]

TimelineState = Literal["no_date", "passed", "planned", "no_countdown"]


def long_date(day: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    """A date the way people say it, the same on every machine: 'Friday, February 6, 2026'."""
    return _long_date(day, language)


@dataclass(frozen=True)
class TimelineStep:
    """One step of the timeline.

    ``id`` is stable: the content step's id; for a record step for one record,
    ``<step id>__<record id>``; for a follow-up, ``<step id>__<the request's id>``.
    ``date`` is the day to do it by; None when it does not fit before the decision date, or
    there are no dates. ``planned`` is the last day to do it and still leave every later step
    its usual time; ``latest`` the last day to do it in time at all (with the shortest waits).
    ``instead`` says how to speed it up (``tight``) or what to do instead when it does not fit
    (``past``). ``record_ids`` are the records it asks for (or checks on), in one request.
    ``day_label`` names its day in a timeline counted day by day ("Tomorrow").
    ``moved_from``: the step is not done, and the day first planned for it has passed; it is
    moved to ``date`` (``moved_words`` says so). ``done_on``: the day a step in
    ``Timeline.done_steps`` was done.
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
    record_ids: tuple[str, ...] = ()
    day_label: str | None = None
    moved_from: dt.date | None = None
    done_on: dt.date | None = None

    @property
    def record_id(self) -> str | None:
        """The first record the step asks for; None for a step that is not about records."""
        return self.record_ids[0] if self.record_ids else None


@dataclass(frozen=True)
class Timeline:
    """The person's steps in order, with the message to show above them.

    ``state`` is 'planned' (dated steps), 'no_date' (no decision date given), 'passed' (the
    decision date is before ``today``) or 'no_countdown' (a calm list without dates, as in
    hospice care); ``decision_date`` is the date given, if any. ``by_day``: the timeline counts
    every day from today (treatment must start within days). ``done_steps`` are the steps that
    apply but were marked done (without a date; each with its ``done_on``): they are not in
    ``steps``.
    """

    today: dt.date
    decision_date: dt.date | None
    state: TimelineState
    message: str
    steps: tuple[TimelineStep, ...]
    by_day: bool = False
    done_steps: tuple[TimelineStep, ...] = ()

    @property
    def dated_steps(self) -> tuple[TimelineStep, ...]:
        """The steps that have a date, in order."""
        return tuple(step for step in self.steps if step.date is not None)

    @property
    def days_left(self) -> int | None:
        """Days from today to the decision date (0 on the day); None without a countdown."""
        if self.decision_date is None or self.state == "no_countdown":
            return None
        return (self.decision_date - self.today).days


def build_timeline(
    situation: Situation,
    plan: Plan,
    content: Content,
    today: dt.date,
    *,
    records: Mapping[str, RecordState] | None = None,
    country: str | None = None,
    done: Mapping[str, dt.date] | None = None,
    since: dt.date | None = None,
) -> Timeline:
    """Plan the person's steps from ``today`` to their decision date.

    ``records`` are the saved states of the person's records: a record already asked for gets
    the follow-up step (if the content has one), and one received or sent gets no step.
    ``done`` are the steps marked done (by step id, with the day): they are left out.
    ``since`` is the day the dates were first worked out (when the decision date was given):
    a step that was planned then for a day before ``today``, and is not done, gets its first
    day as ``moved_from``.
    ``country`` names whose public holidays are days off (the setting's, else the US: see
    ``working_days``).

    ``plan`` gives the records: they are asked for one request per office. Steps whose ``when``
    rule does not hold for the situation, or one of whose premises (``assumes``) the answers
    contradict, are left out; a step cites only the pages whose premises they do not contradict.
    """
    knowledge = content.timeline
    answers = situation.in_effect(content.intake)
    decision = _date(answers.get(DECISION_DATE_FIELD))
    other = _date(answers.get(SECOND_DEADLINE))
    contradicted = content.premises.contradicted(answers)
    reader = Reader.of(answers, content.intake)
    words = Words(answers, content.language, other, contradicted, content.sources, reader)
    chosen, after = choose(knowledge, plan, answers, records or {}, words, other is not None)
    done = done or {}
    finished = [replace(_without_date(e), done_on=done[e.id]) for e in chosen if e.id in done]
    chosen = [entry for entry in chosen if entry.id not in done]

    calm = knowledge.no_countdown is not None and _rules.evaluate(knowledge.no_countdown, answers)
    by_day = knowledge.by_day is not None and _rules.evaluate(knowledge.by_day, answers)
    if calm or decision is None or decision < today:
        undated = [
            _undated(words, spec)
            for spec in knowledge.undated_steps
            if (spec.when is None or _rules.evaluate(spec.when, answers)) and words.fits(spec)
        ]
        finished[:0] = [replace(s, done_on=done[s.id]) for s in undated if s.id in done]
        undated = [step for step in undated if step.id not in done]
        every = (*knowledge.steps, *knowledge.record_steps)
        rank = {spec.id: n for n, spec in enumerate(every)}
        usual, _ = chains({spec.id: spec for spec in every}, after, "working_days")
        listed = sorted(  # in the order to do them: the critical path, then the longest waits
            range(len(chosen)),
            key=lambda n: (
                not chosen[n].spec.critical,
                -usual[chosen[n].spec.id],
                rank[chosen[n].spec.id],
                n,
            ),
        )
        steps = (*undated, *(_without_date(chosen[n]) for n in listed))
        gone = tuple(finished)
        if calm:
            message = knowledge.message("no_countdown")
            return Timeline(today, decision, "no_countdown", message, steps, done_steps=gone)
        if decision is None:
            message = knowledge.message("no_date")
            return Timeline(today, None, "no_date", message, steps, by_day, gone)
        message = knowledge.message("passed").replace(
            DATE_SLOT, long_date(decision, content.language)
        )
        return Timeline(today, decision, "passed", message, steps, by_day, gone)

    counter = DayCounter(today, country=country, every_day=by_day)
    anchors = {DECISION: counter.index(decision, forward=False)}
    if other is not None:
        anchors[SECOND_DEADLINE] = counter.index(other, forward=False)
    placed = Schedule(knowledge, chosen, counter, anchors, after).placed()
    dated = [_dated(p, counter, knowledge, by_day, today) for p in placed]
    if since is not None and since < today:
        first = build_timeline(situation, plan, content, since, records=records, country=country)
        passed = {s.id: s.date for s in first.dated_steps if s.date is not None and s.date < today}
        dated = [
            replace(step, moved_from=passed[step.id])
            if step.id in passed and step.date is not None
            else step
            for step in dated
        ]
    statuses = {step.status for step in dated}
    message_id: Literal["no_time", "late", "on_track"] = (
        "no_time" if "past" in statuses else "late" if "tight" in statuses else "on_track"
    )
    message = knowledge.message(message_id)
    if by_day:
        message = knowledge.message("by_day")
        if message_id != "on_track":
            message += " " + knowledge.message(message_id)
    return Timeline(today, decision, "planned", message, tuple(dated), by_day, tuple(finished))


def _date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


_NO_DATE = (None, None, None, None, None, None)


def _undated(words: Words, spec: UndatedStep) -> TimelineStep:
    """A step shown first when there are no dates."""
    text, why, _, _ = words.voice(spec)
    return TimelineStep(spec.id, spec.id, text, why, words.cited(spec), *_NO_DATE)


def _without_date(entry: Chosen) -> TimelineStep:
    """A step listed in order, with no date (no decision date, or no countdown)."""
    return TimelineStep(
        entry.id,
        entry.spec.id,
        entry.text,
        entry.why,
        entry.sources,
        *_NO_DATE,
        record_ids=entry.records,
    )


def _dated(
    placed: Placed, counter: DayCounter, knowledge: TimelineContent, by_day: bool, today: dt.date
) -> TimelineStep:
    entry = placed.entry
    day = None if placed.day is None else counter.date(placed.day)
    label = None
    if by_day and day is not None:
        ahead = (day - today).days
        label = (
            knowledge.message("today")
            if ahead == 0
            else knowledge.message("tomorrow")
            if ahead == 1
            else knowledge.message("in_days").replace(DAYS_SLOT, str(ahead))
        )
    return TimelineStep(
        id=entry.id,
        kind=entry.spec.id,
        text=entry.text,
        why=entry.why,
        sources=entry.sources,
        date=day,
        planned=counter.date(placed.planned),
        latest=counter.date(placed.latest),
        status=placed.status,
        status_label=knowledge.status_label(placed.status),
        instead=placed.instead,
        record_ids=entry.records,
        day_label=label,
    )


def first_working_day(day: dt.date, country: str | None = None) -> dt.date:
    """``day`` itself on a working day, else the next working day (no weekend, no holiday)."""
    found = DayCounter(day, country=country).date(0)
    return found if found is not None else day


def working_days_between(start: dt.date, end: dt.date, country: str | None = None) -> int:
    """The working days from ``start`` to ``end``, each moved off a day off (forward, back).

    0 when they are the same working day; negative when there is no working day between them.
    """
    return DayCounter(start, country=country).index(end, forward=False)


# --------------------------------------------------------------------------- as text


def timeline_as_text(timeline: Timeline, language: str = DEFAULT_LANGUAGE) -> str:
    """The timeline as plain text: the dates, each step, why, and what to do instead."""
    _ = translator(language).gettext
    lines = [_("Today: {date}").format(date=long_date(timeline.today, language))]
    if timeline.decision_date is not None and timeline.state != "no_countdown":
        lines.append(
            _("Decide by: {date}").format(date=long_date(timeline.decision_date, language))
        )
    if timeline.days_left is not None and timeline.days_left >= 0:
        lines.append(_("Days left: {days}").format(days=timeline.days_left))
    lines += ["", timeline.message, ""]
    whens = [_when(step, language) for step in timeline.steps]
    width = max([15, *(len(when) + 1 for when in whens)])
    for when, step in zip(whens, timeline.steps, strict=True):
        status = f"  [{step.status_label}]" if step.status_label else ""
        lines.append(f"{when:<{width}}{step.text}{status}")
        lines.append(" " * width + _("Why: {why}").format(why=step.why))
        if step.instead:
            how = _("To speed it up") if step.status == "tight" else _("Instead")
            lines.append(" " * width + f"{how}: {step.instead}")
        if step.moved_from is not None:
            lines.append(" " * width + moved_words(step, language))
    return "\n".join(lines) + "\n"


def records_asked_by(timeline: Timeline, content: Content, step_id: str) -> tuple[str, ...]:
    """The records a step of ``timeline`` asks an office for (none for any other step).

    Such a step is done once its records are asked for: marking it done marks them so. What the
    person makes themself (``any_day``) and a follow-up are steps like any other.
    """
    step = next((s for s in timeline.steps if s.id == step_id), None)
    if step is None:
        return ()
    spec = next((s for s in content.timeline.record_steps if s.id == step.kind), None)
    if spec is None or spec.record_status != "needed" or spec.any_day:
        return ()
    return step.record_ids


NOT_DONE_YET = N_("Not done yet. It was planned for {first}; it is moved to {date}.")


def moved_words(step: TimelineStep, language: str = DEFAULT_LANGUAGE) -> str:
    """What a step moved to a later day says: not done yet, planned for its first day, moved.

    '' for a step that was not moved.
    """
    if step.moved_from is None or step.date is None:
        return ""
    return (
        translator(language)
        .gettext(NOT_DONE_YET)
        .format(first=long_date(step.moved_from, language), date=long_date(step.date, language))
    )


def _when(step: TimelineStep, language: str) -> str:
    if step.date is None:
        return translator(language).gettext("no date")
    short = _short(step.date, language)
    return f"{step.day_label}, {short}" if step.day_label else short


def _short(day: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    return f"{short_weekday(day, language)} {day.isoformat()}"
