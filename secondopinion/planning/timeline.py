"""The timeline: the person's steps, planned forward from today to the decision date.

Pure and without Jupyter: the steps, their order, how long each usually takes and every word
come from ``content/timeline.yaml``; ``today`` is always passed in.

Steps fall on working days only (Monday to Friday), never more than ``MOST_A_DAY`` on one day.
Each step is planned as early as it can be: from today, or after the steps that must come first
and the working days they usually take (``working_days``, such as the wait for records). When
that would not leave the later steps their usual time before the decision, the waits shrink,
never below ``fewest_working_days``. Then, for each step:

- ``ok``: it has its usual time; do it by its date.
- ``tight``: it fits, but its wait had to be shorter than usual: its ``if_late`` says how to
  speed it up. It is not late: there is still time for it.
- ``past``: it does not fit before the decision date even with the shortest waits (or every
  day it could go on is full). It has no date, only what to do instead (``if_no_time``).

Records already asked for get a follow-up step instead; records received or sent get none.
Without a decision date (or with one that has passed) no step has a date, and the step that
asks the doctor how long it is safe to wait comes first. Where the ``no_countdown`` message's
rule holds (hospice care), the steps are a calm list without dates, whatever the date.

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
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from secondopinion.content import (
    DATE_SLOT,
    DECISION,
    RECORD_SLOT,
    Content,
    StatusId,
    TimelineContent,
    TimelineStepSpec,
    UndatedStep,
)
from secondopinion.content import rules as _rules
from secondopinion.content.vocabulary import DECISION_DATE_FIELD, RECORD_NEEDED
from secondopinion.language import DEFAULT_LANGUAGE, short_weekday, translator
from secondopinion.language import long_date as _long_date
from secondopinion.planning.engine import Plan
from secondopinion.planning.situation import Situation
from secondopinion.store import RecordState

__all__ = [
    "MOST_A_DAY",
    "Timeline",
    "TimelineStep",
    "build_timeline",
    "first_working_day",
    "long_date",
    "timeline_as_text",
    "working_days_between",
]

MOST_A_DAY: Final = 3
"""No more than this many steps on one day."""

TimelineState = Literal["no_date", "passed", "planned", "no_countdown"]


def long_date(day: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    """A date the way people say it, the same on every machine: 'Friday, February 6, 2026'."""
    return _long_date(day, language)


@dataclass(frozen=True)
class TimelineStep:
    """One step of the timeline.

    ``id`` is stable: the content step's id, or for a record ``<step id>__<record id>``.
    ``date`` is the working day to do it by; None when it does not fit before the decision
    date, or there are no dates. ``planned`` is the last day to do it and still leave every
    later step its usual time; ``latest`` the last day to do it in time at all (with the
    shortest waits). ``instead`` says how to speed it up (``tight``) or what to do instead
    when it does not fit (``past``).
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

    ``state`` is 'planned' (dated steps), 'no_date' (no decision date given), 'passed' (the
    decision date is before ``today``) or 'no_countdown' (a calm list without dates, as in
    hospice care); ``decision_date`` is the date given, if any.
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
        """Days from today to the decision date (0 on the day); None without a countdown."""
        if self.decision_date is None or self.state == "no_countdown":
            return None
        return (self.decision_date - self.today).days


@dataclass(frozen=True)
class _Chosen:
    spec: TimelineStepSpec
    record: str | None
    text: str

    @property
    def id(self) -> str:
        return self.spec.id if self.record is None else f"{self.spec.id}__{self.record}"


def build_timeline(
    situation: Situation,
    plan: Plan,
    content: Content,
    today: dt.date,
    *,
    records: Mapping[str, RecordState] | None = None,
) -> Timeline:
    """Plan the person's steps from ``today`` to their decision date.

    ``records`` are the saved states of the person's records: a record already asked for gets
    the follow-up step (if the content has one), and one received or sent gets no step.

    ``plan`` gives the records: one step for each record in it. Steps whose ``when`` rule does
    not hold for the situation are left out.
    """
    knowledge = content.timeline
    answers = situation.in_effect(content.intake)
    given = answers.get(DECISION_DATE_FIELD)
    decision = given if isinstance(given, dt.date) else None
    usual = _working_days_before_decision(knowledge, "working_days")

    chosen = [_Chosen(spec, None, spec.text) for spec in knowledge.steps if _applies(spec, answers)]
    records = records or {}
    for planned_record in plan.records:
        saved = records.get(planned_record.id)
        status = RECORD_NEEDED if saved is None else saved.status
        spec = knowledge.record_step_for(planned_record.id, status)
        if spec is not None and _applies(spec, answers):
            text = spec.text.replace(RECORD_SLOT, planned_record.text)
            chosen.append(_Chosen(spec, planned_record.id, text))
    rank = {spec.id: n for n, spec in enumerate((*knowledge.steps, *knowledge.record_steps))}
    chosen.sort(key=lambda entry: (-usual[entry.spec.id], rank[entry.spec.id]))

    calm = knowledge.no_countdown is not None and _rules.evaluate(knowledge.no_countdown, answers)
    if calm or decision is None or decision < today:
        undated = [
            _without_date(spec.id, spec, spec.text)
            for spec in knowledge.undated_steps
            if spec.when is None or _rules.evaluate(spec.when, answers)
        ]
        steps = (*undated, *(_without_date(e.id, e.spec, e.text, e.record) for e in chosen))
        if calm:
            return Timeline(
                today, decision, "no_countdown", knowledge.message("no_countdown"), steps
            )
        if decision is None:
            return Timeline(today, None, "no_date", knowledge.message("no_date"), steps)
        message = knowledge.message("passed").replace(
            DATE_SLOT, long_date(decision, content.language)
        )
        return Timeline(today, decision, "passed", message, steps)

    dated = _Schedule(knowledge, chosen, today, decision).steps()
    statuses = {step.status for step in dated}
    message_id: Literal["no_time", "late", "on_track"] = (
        "no_time" if "past" in statuses else "late" if "tight" in statuses else "on_track"
    )
    return Timeline(today, decision, "planned", knowledge.message(message_id), tuple(dated))


def _applies(spec: TimelineStepSpec, answers: _rules.Answers) -> bool:
    return spec.when is None or _rules.evaluate(spec.when, answers)


def _working_days_before_decision(knowledge: TimelineContent, gap: str) -> dict[str, int]:
    """How many working days before the decision each step comes, adding up the ``gap`` waits."""
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


def _without_date(
    step_id: str,
    spec: TimelineStepSpec | UndatedStep,
    text: str,
    record: str | None = None,
) -> TimelineStep:
    """A step listed in order, with no date (no decision date, or no countdown)."""
    return TimelineStep(
        id=step_id,
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


# --------------------------------------------------------------------------- working days
# Working days are numbered in a row, Monday to Friday, so that "n working days later" is a sum.


def _working_index(day: dt.date, *, forward: bool) -> int:
    """The number of ``day``, or of the next (``forward``) or last working day on a weekend."""
    week, weekday = divmod(day.toordinal() - 1, 7)  # ordinal 1 is a Monday
    if weekday < 5:
        return week * 5 + weekday
    return (week + 1) * 5 if forward else week * 5 + 4


def _working_day(index: int) -> dt.date | None:
    """The working day numbered ``index`` (None outside the dates Python has)."""
    week, weekday = divmod(index, 5)
    try:
        return dt.date.fromordinal(week * 7 + weekday + 1)
    except (ValueError, OverflowError):
        return None


def first_working_day(day: dt.date) -> dt.date:
    """``day`` itself on a working day, else the Monday after it."""
    found = _working_day(_working_index(day, forward=True))
    return found if found is not None else day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The working days from ``start`` to ``end``, each moved off a weekend (Monday, Friday).

    0 when they are the same working day; negative when there is no working day between them.
    """
    return _working_index(end, forward=False) - _working_index(start, forward=True)


# --------------------------------------------------------------------------- scheduling


class _Schedule:
    """Places the chosen steps on working days, forward from today (see the module's notes)."""

    def __init__(
        self,
        knowledge: TimelineContent,
        chosen: list[_Chosen],
        today: dt.date,
        decision: dt.date,
    ) -> None:
        self.knowledge = knowledge
        self.chosen = chosen
        self.start = _working_index(today, forward=True)
        self.last = _working_index(decision, forward=False) - self.start  # the decision's day
        usual = _working_days_before_decision(knowledge, "working_days")
        fewest = _working_days_before_decision(knowledge, "fewest_working_days")
        # the last day (counted from today's first working day) each kind of step can be on
        self.usual_latest = {kind: self.last - days for kind, days in usual.items()}
        self.fewest_latest = {kind: self.last - days for kind, days in fewest.items()}
        depth = _depths(knowledge)
        rank = {spec.id: n for n, spec in enumerate((*knowledge.steps, *knowledge.record_steps))}
        # the steps that must come first are placed first, the most pressed of them first
        self.order = sorted(
            range(len(chosen)),
            key=lambda n: (
                self.usual_latest[chosen[n].spec.id],
                self.fewest_latest[chosen[n].spec.id],
                -depth[chosen[n].spec.id],
                rank[chosen[n].spec.id],
                n,
            ),
        )
        self.sort_key = {
            n: (-usual[chosen[n].spec.id], -depth[chosen[n].spec.id], rank[chosen[n].spec.id], n)
            for n in range(len(chosen))
        }
        self.placed: dict[int, int] = {}  # chosen entry -> day
        self.used: Counter[int] = Counter()

    def steps(self) -> list[TimelineStep]:
        """Every chosen step, dated or not, in the order to do them."""
        self._plan(core_first=False)
        if any(
            n not in self.placed and self.fewest_latest[entry.spec.id] >= 0
            for n, entry in enumerate(self.chosen)
            if entry.record is None
        ):
            # So many steps that the days the main steps need are full: plan those first.
            self._plan(core_first=True)
        keyed = []
        for n, entry in enumerate(self.chosen):
            day = self.placed.get(n, self.fewest_latest[entry.spec.id])
            keyed.append(((day, *self.sort_key[n]), self._step(n)))
        return [step for _, step in sorted(keyed, key=lambda pair: pair[0])]

    def _plan(self, *, core_first: bool) -> None:
        """Place every step: as early as each can be, the steps that must come first first.

        With ``core_first``, the steps that are not about one record are placed first, each as
        late as it can be, and the record steps then fit around them.
        """
        self.placed.clear()
        self.used.clear()
        for n in self.order:
            if self.chosen[n].spec.before == DECISION:
                self._place(n, [self.last])  # the decision itself: on its own day
        rest = [n for n in self.order if self.chosen[n].spec.before != DECISION]
        if core_first:
            core = [n for n in rest if self.chosen[n].record is None]
            for n in reversed(core):
                soonest, _, latest = self._window(n)
                self._place(n, range(latest, soonest - 1, -1))
            rest = [n for n in rest if self.chosen[n].record is not None]
        for n in rest:
            self._place(n, self._days_for(n))

    def _window(self, n: int) -> tuple[int, int, int]:
        """The soonest, the best and the latest day for step ``n``, given the steps placed."""
        spec = self.chosen[n].spec
        kind = spec.id
        soonest = preferred = 0
        for m, day in self.placed.items():
            before = self.chosen[m].spec
            if before.before == kind:
                soonest = max(soonest, day + before.fewest_working_days)
                preferred = max(preferred, day + before.working_days)
        latest, usual_latest = self.fewest_latest[kind], self.usual_latest[kind]
        after = self._next_day(spec.before)
        if after is not None:
            latest = min(latest, after - spec.fewest_working_days)
            usual_latest = min(usual_latest, after - spec.working_days)
        best = max(soonest, min(preferred, usual_latest))
        return soonest, best, latest

    def _days_for(self, n: int) -> Iterator[int]:
        """The days step ``n`` may go on, best first: as early as it can keep its usual time."""
        soonest, best, latest = self._window(n)
        yield from range(best, latest + 1)
        yield from range(min(best, latest + 1) - 1, soonest - 1, -1)

    def _place(self, n: int, days: Iterable[int]) -> None:
        for day in days:
            if 0 <= day <= self.last and self.used[day] < MOST_A_DAY:
                self.placed[n] = day
                self.used[day] += 1
                return

    def _next_day(self, kind: str) -> int | None:
        """The day of the soonest placed step of ``kind`` (the step a step must come before)."""
        days = [day for m, day in self.placed.items() if self.chosen[m].spec.id == kind]
        return min(days) if days else None

    def _step(self, n: int) -> TimelineStep:
        entry, spec = self.chosen[n], self.chosen[n].spec
        day = self.placed.get(n)
        status: StatusId
        if day is None:
            status, instead = "past", spec.if_no_time
        else:
            after = self._next_day(spec.before)
            if after is not None:
                pressed = after - day < spec.working_days
            else:
                pressed = day > self.usual_latest[spec.id]
            status, instead = ("tight", spec.if_late) if pressed else ("ok", None)
        return TimelineStep(
            id=entry.id,
            kind=spec.id,
            text=entry.text,
            why=spec.why,
            sources=spec.sources,
            date=None if day is None else _working_day(self.start + day),
            planned=_working_day(self.start + self.usual_latest[spec.id]),
            latest=_working_day(self.start + self.fewest_latest[spec.id]),
            status=status,
            status_label=self.knowledge.status_label(status),
            instead=instead,
            record_id=entry.record,
        )


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
    for step in timeline.steps:
        when = _short(step.date, language) if step.date else _("no date")
        status = f"  [{step.status_label}]" if step.status_label else ""
        lines.append(f"{when:<15}{step.text}{status}")
        lines.append(f"{'':15}" + _("Why: {why}").format(why=step.why))
        if step.instead:
            how = _("To speed it up") if step.status == "tight" else _("Instead")
            lines.append(f"{'':15}{how}: {step.instead}")
    return "\n".join(lines) + "\n"


def _short(day: dt.date, language: str = DEFAULT_LANGUAGE) -> str:
    return f"{short_weekday(day, language)} {day.isoformat()}"
